"""The generative reward model: an LLM judge over any OpenAI-compatible server.

``Judge.score`` (pointwise) grades one response, optionally against a reference answer
and a rubric, and returns a :class:`~m1env.verifiers.Score` -- ``score`` is the judge's
0..scale verdict divided by the scale; ``status`` is ``correct`` at or above
``pass_threshold``; a failed call or an unreadable verdict is status ``error`` with
the raw text in ``details["raw"]``, never a guessed number. ``Judge.prefer`` compares
two responses; with ``swap=True`` it asks in both orders and calls an inconsistent
pair a tie (position bias is the most common judge bias after length).

Every call -- cached or not, ok or failed -- is reported to ``on_call`` as a
:class:`JudgeCall`, which the platform stores in SQL. Prompts come from versioned
template files (:mod:`m1env.grm.templates`); verdicts are cached by model, template
(name and content hash) and inputs (:mod:`m1env.grm.cache`).
"""

from __future__ import annotations

import asyncio
import hashlib
import threading
from collections.abc import Callable, Coroutine, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Literal, TypeVar

from m1env import settings
from m1env.errors import JudgeError, VerdictParseError
from m1env.grm.cache import JudgeCache, cache_key
from m1env.grm.chat import ChatBackend, OpenAIChat
from m1env.grm.parse import parse_preference, parse_score
from m1env.grm.templates import Template, load_template
from m1env.verifiers import Score

__all__ = ["Judge", "JudgeCall", "JudgeConfig", "Preference"]

T = TypeVar("T")
_LOOP_LOCK = threading.Lock()


@dataclass(frozen=True)
class JudgeConfig:
    """Where the judge lives and how it is asked. ``from_env`` reads ``M1ENV_JUDGE_*``."""

    base_url: str | None = None
    model: str = "judge"
    api_key: str | None = None
    pointwise_template: str = "pointwise-v1"
    pairwise_template: str = "pairwise-v1"
    scale: float = 10.0
    pass_threshold: float = 0.7
    temperature: float = 0.0
    max_tokens: int = 512
    timeout: float = 60.0  # seconds for a whole call, its retries and back-off included
    max_retries: int = 3
    max_concurrency: int = 16
    max_response_chars: int = 50_000
    cache_path: str | None = None

    def __post_init__(self) -> None:
        if self.scale <= 0:
            raise ValueError(f"scale must be positive, got {self.scale}")
        if not 0 <= self.pass_threshold <= 1:
            raise ValueError(f"pass_threshold must be in [0, 1], got {self.pass_threshold}")
        if self.max_response_chars < 1 or self.max_tokens < 1:
            raise ValueError("max_response_chars and max_tokens must be positive")
        for name in (self.pointwise_template, self.pairwise_template):
            load_template(name)  # raises TemplateError (a ValueError) when unknown

    @classmethod
    def from_env(cls, **overrides: Any) -> JudgeConfig:
        values: dict[str, Any] = {
            "base_url": settings.JUDGE_URL.get(),
            "api_key": settings.JUDGE_API_KEY.get(),
            "cache_path": settings.JUDGE_CACHE.get(),
        }
        if model := settings.JUDGE_MODEL.get():  # else the field's default
            values["model"] = model
        if template := settings.JUDGE_TEMPLATE.get():
            values["pointwise_template"] = template
        return cls(**{**values, **overrides})


@dataclass(frozen=True)
class JudgeCall:
    """One judge request as the platform stores it."""

    kind: Literal["pointwise", "pairwise"]
    model: str
    template: str
    inputs_hash: str
    prompt: str
    raw: str | None
    verdict: float | str | None
    status: Literal["ok", "error"]
    error: str = ""
    latency_s: float = 0.0
    attempts: int = 0
    cached: bool = False


@dataclass(frozen=True)
class Preference:
    winner: Literal["A", "B", "tie"] | None
    status: Literal["ok", "error"]
    reason: str = ""
    details: dict[str, Any] = field(default_factory=dict)


def _block(title: str, text: str | None) -> str:
    return f"\n{title}:\n{text}\n" if text else ""


class Judge:
    def __init__(
        self,
        config: JudgeConfig | None = None,
        *,
        backend: ChatBackend | None = None,
        cache: JudgeCache | None = None,
        on_call: Callable[[JudgeCall], None] | None = None,
    ) -> None:
        self.config = config or JudgeConfig.from_env()
        if backend is None:
            if not self.config.base_url:
                raise ValueError("the judge needs a base_url (or set M1ENV_JUDGE_URL)")
            backend = OpenAIChat(
                self.config.base_url,
                self.config.model,
                api_key=self.config.api_key,
                timeout=self.config.timeout,
                max_retries=self.config.max_retries,
                max_concurrency=self.config.max_concurrency,
            )
        self.backend = backend
        self.cache = cache if cache is not None else JudgeCache(path=self.config.cache_path)
        self.on_call = on_call
        self._loop: asyncio.AbstractEventLoop | None = None

    def with_template(self, pointwise: str) -> Judge:
        """A judge asking with another pointwise template (a recalibration remedy)."""
        return Judge(
            replace(self.config, pointwise_template=pointwise),
            backend=self.backend,
            cache=self.cache,
            on_call=self.on_call,
        )

    def _clip(self, text: str) -> str:
        limit = self.config.max_response_chars
        return text if len(text) <= limit else text[:limit] + "\n[... truncated ...]"

    async def _ask(
        self,
        template: Template,
        values: dict[str, str],
        parse: Callable[[str], Any],
        timeout: float | None = None,
    ) -> tuple[Any, dict[str, Any]]:
        """Ask the judge; return (verdict, details). Raises JudgeError."""
        kind: Literal["pointwise", "pairwise"] = (
            "pairwise" if template.kind == "pairwise" else "pointwise"
        )
        prompt = template.render(**values)
        key = cache_key(self.backend.model, template.key, values)
        inputs_hash = hashlib.sha256(key.encode()).hexdigest()[:16]
        cached = self.cache.get(key)
        if cached is not None:
            verdict = parse(cached["raw"])
            self._report(kind, template, inputs_hash, prompt, cached["raw"], verdict, cached=True)
            return verdict, {"raw": cached["raw"], "cached": True, "template": template.key}
        try:
            completion = await self.backend.complete(
                [{"role": "user", "content": prompt}],
                temperature=self.config.temperature,
                max_tokens=self.config.max_tokens,
                timeout=timeout,  # None: the backend's own deadline
            )
        except JudgeError as exc:
            self._report(kind, template, inputs_hash, prompt, None, None, error=str(exc))
            raise
        try:
            verdict = parse(completion.text)
        except VerdictParseError as exc:
            self._report(
                kind, template, inputs_hash, prompt, completion.text, None, error=str(exc),
                latency=completion.latency_s, attempts=completion.attempts,
            )  # fmt: skip
            raise
        self.cache.put(key, {"raw": completion.text})
        self._report(
            kind, template, inputs_hash, prompt, completion.text, verdict,
            latency=completion.latency_s, attempts=completion.attempts,
        )  # fmt: skip
        details = {
            "raw": completion.text,
            "cached": False,
            "template": template.key,
            "latency_s": round(completion.latency_s, 4),
            "attempts": completion.attempts,
        }
        return verdict, details

    def _report(
        self,
        kind: Literal["pointwise", "pairwise"],
        template: Template,
        inputs_hash: str,
        prompt: str,
        raw: str | None,
        verdict: float | str | None,
        *,
        error: str = "",
        latency: float = 0.0,
        attempts: int = 0,
        cached: bool = False,
    ) -> None:
        if self.on_call is None:
            return
        self.on_call(
            JudgeCall(
                kind=kind,
                model=self.backend.model,
                template=template.key,
                inputs_hash=inputs_hash,
                prompt=prompt,
                raw=raw,
                verdict=verdict,
                status="error" if error else "ok",
                error=error,
                latency_s=latency,
                attempts=attempts,
                cached=cached,
            )
        )

    async def ascore(
        self,
        question: str,
        response: str,
        *,
        reference: str | None = None,
        rubric: str | None = None,
        timeout: float | None = None,
    ) -> Score:
        """``timeout``: the whole call's deadline in seconds instead of the backend's own
        (the judge verifier passes its time limit)."""
        template = load_template(self.config.pointwise_template)
        values = {
            "question": question,
            "response": self._clip(response),
            "reference_block": _block("REFERENCE ANSWER", reference),
            "rubric_block": _block("RUBRIC", rubric),
        }
        try:
            value, details = await self._ask(
                template, values, lambda t: parse_score(t, scale=self.config.scale), timeout
            )
        except VerdictParseError as exc:
            return Score.error(f"unreadable verdict: {exc}", raw=exc.raw[:5000])
        except JudgeError as exc:
            return Score.error(f"judge call failed: {exc}")
        details["response_chars"] = len(response)
        if value >= self.config.pass_threshold:
            return Score(value, "correct", f"judge gave {value * self.config.scale:g}", details)
        return Score(value, "incorrect", f"judge gave {value * self.config.scale:g}", details)

    def _run(self, coro: Coroutine[Any, Any, T]) -> T:
        # Synchronous calls share one private event loop, so connections are reused
        # across calls and it works from any thread, including inside a running loop.
        if self._loop is None:
            with _LOOP_LOCK:
                if self._loop is None:
                    loop = asyncio.new_event_loop()
                    threading.Thread(target=loop.run_forever, daemon=True).start()
                    self._loop = loop
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result()

    def score(self, question: str, response: str, **kwargs: Any) -> Score:
        """Synchronous ``ascore``."""
        return self._run(self.ascore(question, response, **kwargs))

    async def ascore_many(self, items: Sequence[dict[str, Any]]) -> list[Score]:
        """Score ``[{"question", "response", "reference"?, "rubric"?}, ...]`` concurrently."""
        return list(await asyncio.gather(*(self.ascore(**item) for item in items)))

    async def aprefer(
        self,
        question: str,
        response_a: str,
        response_b: str,
        *,
        reference: str | None = None,
        rubric: str | None = None,
        swap: bool = True,
    ) -> Preference:
        template = load_template(self.config.pairwise_template)

        def values(a: str, b: str) -> dict[str, str]:
            return {
                "question": question,
                "response_a": self._clip(a),
                "response_b": self._clip(b),
                "reference_block": _block("REFERENCE ANSWER", reference),
                "rubric_block": _block("RUBRIC", rubric),
            }

        try:
            first, details = await self._ask(
                template, values(response_a, response_b), parse_preference
            )
            if not swap:
                return Preference(first, "ok", f"judge preferred {first}", details)
            second, _ = await self._ask(template, values(response_b, response_a), parse_preference)
        except VerdictParseError as exc:
            return Preference(None, "error", f"unreadable verdict: {exc}", {"raw": exc.raw[:5000]})
        except JudgeError as exc:
            return Preference(None, "error", f"judge call failed: {exc}")
        unswapped = {"A": "B", "B": "A", "tie": "tie"}[second]
        if first == unswapped:
            return Preference(first, "ok", f"judge preferred {first} in both orders", details)
        details["orders"] = [first, unswapped]
        return Preference("tie", "ok", "the verdict flipped with the order: a tie", details)

    def prefer(self, question: str, response_a: str, response_b: str, **kw: Any) -> Preference:
        return self._run(self.aprefer(question, response_a, response_b, **kw))
