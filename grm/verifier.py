"""The ``judge`` verifier: the generative reward model behind the Verifier contract,
so it is reachable through the queue and the scoring service like any other.

``reference`` is either the reference answer (a string) or an object with
``question`` and optionally ``reference`` and ``rubric``; ``options`` may carry
``question`` and ``rubric`` too. The judge is configured from ``M1ENV_JUDGE_URL``,
``M1ENV_JUDGE_MODEL``, ``M1ENV_JUDGE_API_KEY`` and ``M1ENV_JUDGE_TEMPLATE``.

Time limit: the verifier is not isolated (nothing to kill), so its limit -- ``timeout``,
120 s, or a job's ``options.timeout`` -- is enforced by the judge's HTTP client as the
deadline of the whole call, its retries and back-off included (and never longer than the
judge's own ``JudgeConfig.timeout``). A judge server that never answers ends a job in
time as an ``error`` Score.
"""

from __future__ import annotations

import contextvars
from typing import Any

from m1env.grm.judge import Judge, JudgeConfig
from m1env.verifiers import Score, Verifier

__all__ = ["JudgeVerifier"]

# The limit of the verify() call running in this thread/context, for check() to pass on.
_limit: contextvars.ContextVar[float | None] = contextvars.ContextVar("judge_limit", default=None)


class JudgeVerifier(Verifier):
    name = "judge"
    description = "LLM judge over an OpenAI-compatible server (M1ENV_JUDGE_URL)"
    isolate = False  # network I/O with its own timeouts and retries; nothing to kill
    timeout = 120.0

    def __init__(self, **config: Any) -> None:
        self.config = config
        self._judge: Judge | None = None

    def __getstate__(self) -> dict[str, Any]:
        return {"config": self.config, "_judge": None}

    def judge(self) -> Judge:
        if self._judge is None:
            self._judge = Judge(JudgeConfig.from_env(**self.config))
        return self._judge

    def verify(self, response: Any, reference: Any, *, timeout: float | None = None,
               **options: Any) -> Score:  # fmt: skip
        token = _limit.set(self.timeout if timeout is None else float(timeout))
        try:
            return super().verify(response, reference, timeout=timeout, **options)
        finally:
            _limit.reset(token)

    def validate_options(self, options: dict[str, Any]) -> dict[str, Any]:
        unknown = set(options) - {"question", "rubric"}
        if unknown:
            raise ValueError(f"judge verifier: unknown options {sorted(unknown)}")
        return options

    def check(self, response: str, reference: Any, *args: Any, **options: Any) -> Score:
        if isinstance(reference, dict):
            question = reference.get("question", options.get("question"))
            answer = reference.get("reference")
            rubric = reference.get("rubric", options.get("rubric"))
        else:
            question, answer, rubric = options.get("question"), reference, options.get("rubric")
        if not isinstance(question, str) or not question:
            return Score.error("the judge needs the question (reference.question or options)")
        if answer is not None and not isinstance(answer, str):
            answer = str(answer)
        try:
            judge = self.judge()
        except ValueError as exc:
            return Score.error(f"judge is not configured: {exc}")
        limit = _limit.get()
        if limit is not None and limit <= 0:
            return Score.error(f"bad input: timeout must be positive, got {limit}")
        if limit is not None:  # never longer than the judge's own deadline
            limit = min(limit, judge.config.timeout)
        return judge.score(question, response, reference=answer, rubric=rubric, timeout=limit)
