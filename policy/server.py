"""An OpenAI-compatible HTTP server for a policy checkpoint (Starlette; run with uvicorn).

Endpoints, wire-compatible with OpenAI's and vLLM's for the fields listed:

* ``GET /v1/models`` — the one served model.
* ``POST /v1/completions`` — ``prompt`` (string, list of strings, token ids, or lists of
  token ids), ``max_tokens`` (default 16), ``temperature``, ``top_p``, ``n``, ``stop``, ``seed``,
  ``logprobs`` (0–20: token log-probs plus that many alternatives), and the vLLM extensions
  ``top_k``, ``stop_token_ids``. Each choice also carries ``token_ids``.
* ``POST /v1/chat/completions`` — ``messages`` through the chat template; ``max_tokens`` or
  ``max_completion_tokens``, ``logprobs`` (bool) with ``top_logprobs`` (0–20), and the rest
  as above.
* ``GET /health``.

``finish_reason`` is ``"stop"`` or ``"length"``; MiniMax-M1's early truncation reports
``"length"`` with ``stop_reason: "repetition"`` (vLLM's extension field), so stock clients keep
working. Unsupported options (``stream``, ``echo``, ``suffix``, ``tools``…) are refused with a
400 rather than ignored. Requests are served one at a time (a lock) in a worker thread, so the
event loop stays responsive; a batch within one request (``n``, several prompts) runs batched.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Callable
from typing import Any

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from m1env.errors import GenerationRequestError, PolicyError
from m1env.policy.generation import Generation, GenerationConfig, Prompt, generate
from m1env.policy.model import HybridMoEForCausalLM
from m1env.policy.tokenizer import ByteTokenizer

__all__ = ["GenerationRequestError", "create_app"]

_UNSUPPORTED = (
    "stream",
    "echo",
    "suffix",
    "tools",
    "functions",
    "tool_choice",
    "best_of",
    "logit_bias",
)


def _error(
    status: int, message: str, param: str | None = None, kind: str = "invalid_request_error"
) -> JSONResponse:
    return JSONResponse(
        {"error": {"message": message, "type": kind, "param": param, "code": None}}, status
    )


def _int(body: dict[str, Any], name: str, default: int, lo: int, hi: int) -> int:
    value = body.get(name, default)
    if value is None:
        value = default
    if not isinstance(value, int) or isinstance(value, bool) or not lo <= value <= hi:
        raise GenerationRequestError(f"{name} must be an integer in [{lo}, {hi}]", name)
    return value


def _float(body: dict[str, Any], name: str, default: float, lo: float, hi: float) -> float:
    value = body.get(name, default)
    if value is None:
        value = default
    if not isinstance(value, (int, float)) or isinstance(value, bool) or not lo <= value <= hi:
        raise GenerationRequestError(f"{name} must be a number in [{lo}, {hi}]", name)
    return float(value)


class _Service:
    def __init__(
        self,
        model: HybridMoEForCausalLM,
        tokenizer: ByteTokenizer,
        model_name: str,
        max_tokens_limit: int,
    ) -> None:
        self.model = model
        self.tokenizer = tokenizer
        self.model_name = model_name
        self.max_tokens_limit = max_tokens_limit
        self.created = int(time.time())
        self.lock = asyncio.Lock()

    def sampling(
        self, body: dict[str, Any], max_tokens_default: int
    ) -> tuple[GenerationConfig, int]:
        for name in _UNSUPPORTED:
            if body.get(name):
                raise GenerationRequestError(f"'{name}' is not supported by this server", name)
        model = body.get("model")
        if model is not None and model != self.model_name:
            raise GenerationRequestError(
                f"model {model!r} is not served here; use {self.model_name!r}", "model"
            )
        max_key = (
            "max_completion_tokens"
            if body.get("max_completion_tokens") is not None
            else "max_tokens"
        )
        stop = body.get("stop")
        if stop is None:
            stop = []
        if isinstance(stop, str):
            stop = [stop]
        if (
            not isinstance(stop, list)
            or len(stop) > 8
            or not all(isinstance(s, str) and s for s in stop)
        ):
            raise GenerationRequestError(
                "stop must be a non-empty string or a list of up to 8 of them", "stop"
            )
        stop_ids = body.get("stop_token_ids")
        if stop_ids is not None and (
            not isinstance(stop_ids, list) or not all(isinstance(t, int) for t in stop_ids)
        ):
            raise GenerationRequestError(
                "stop_token_ids must be a list of integers", "stop_token_ids"
            )
        seed = body.get("seed")
        if seed is not None and (not isinstance(seed, int) or isinstance(seed, bool)):
            raise GenerationRequestError("seed must be an integer", "seed")
        cfg = GenerationConfig(
            max_new_tokens=_int(body, max_key, max_tokens_default, 1, self.max_tokens_limit),
            temperature=_float(body, "temperature", 1.0, 0.0, 2.0),
            top_p=_float(body, "top_p", 1.0, 1e-6, 1.0),
            top_k=_int(body, "top_k", 0, -1, 10**6) if body.get("top_k") != -1 else 0,
            stop=tuple(stop),
            stop_token_ids=None
            if stop_ids is None
            else tuple(sorted(set(stop_ids) | set(self.tokenizer.stop_ids))),
            seed=seed,
        )
        return cfg, _int(body, "n", 1, 1, 16)

    async def run(self, prompts: list[Prompt], cfg: GenerationConfig) -> list[Generation]:
        async with self.lock:
            return await run_in_threadpool(generate, self.model, self.tokenizer, prompts, cfg)

    def usage(self, gens: list[Generation], prompt_tokens: int) -> dict[str, int]:
        done = sum(len(g.token_ids) for g in gens)
        return {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": done,
            "total_tokens": prompt_tokens + done,
        }

    @staticmethod
    def finish(gen: Generation) -> tuple[str, str | None]:
        if gen.finish_reason == "repetition":
            return "length", "repetition"
        return gen.finish_reason, None

    def token_entry(self, token_id: int, logprob: float) -> dict[str, Any]:
        return {
            "token": self.tokenizer.token_str(token_id),
            "logprob": logprob,
            "bytes": list(self.tokenizer.token_bytes(token_id)),
        }


def _prompts_of(body: dict[str, Any]) -> list[Prompt]:
    prompt = body.get("prompt")
    if isinstance(prompt, str):
        return [prompt]
    if isinstance(prompt, list) and prompt:
        if all(isinstance(p, str) for p in prompt):
            return list(prompt)
        if all(isinstance(t, int) and not isinstance(t, bool) for t in prompt):
            return [prompt]
        if all(isinstance(p, list) and all(isinstance(t, int) for t in p) for p in prompt):
            return list(prompt)
    raise GenerationRequestError(
        "prompt must be a string, a list of strings, or token ids", "prompt"
    )


def create_app(
    model: HybridMoEForCausalLM,
    tokenizer: ByteTokenizer,
    *,
    model_name: str = "m1env-policy",
    max_tokens_limit: int = 8192,
) -> Starlette:
    """The ASGI app serving ``model``; ``max_tokens_limit`` caps any request's ``max_tokens``."""
    svc = _Service(model.eval(), tokenizer, model_name, max_tokens_limit)

    async def json_body(request: Request) -> dict[str, Any]:
        try:
            body = await request.json()
        except ValueError as exc:
            raise GenerationRequestError(f"request body is not JSON: {exc}") from exc
        if not isinstance(body, dict):
            raise GenerationRequestError("request body must be a JSON object")
        return body

    def handler(fn: Callable[[Request], Any]) -> Callable[[Request], Any]:
        async def wrapped(request: Request) -> JSONResponse:
            try:
                return await fn(request)
            except GenerationRequestError as exc:
                return _error(400, str(exc), exc.param)
            except PolicyError as exc:  # invalid values caught by the policy's own checks
                return _error(400, str(exc))

        return wrapped

    async def models(request: Request) -> JSONResponse:
        card = {
            "id": svc.model_name,
            "object": "model",
            "created": svc.created,
            "owned_by": "m1env",
        }
        return JSONResponse({"object": "list", "data": [card]})

    async def health(request: Request) -> JSONResponse:
        return JSONResponse({"status": "ok", "model": svc.model_name})

    @handler
    async def completions(request: Request) -> JSONResponse:
        body = await json_body(request)
        cfg, n = svc.sampling(body, max_tokens_default=16)
        want_lp = body.get("logprobs")
        if want_lp is not None and (
            not isinstance(want_lp, int) or isinstance(want_lp, bool) or not 0 <= want_lp <= 20
        ):
            raise GenerationRequestError("logprobs must be an integer in [0, 20]", "logprobs")
        if want_lp:
            cfg = GenerationConfig(**{**cfg.__dict__, "top_logprobs": want_lp})
        prompts = _prompts_of(body)
        batch = [p for p in prompts for _ in range(n)]
        gens = await svc.run(batch, cfg)
        choices = []
        for i, g in enumerate(gens):
            reason, stop_reason = svc.finish(g)
            lp = None
            if want_lp is not None:
                strs = [svc.tokenizer.token_str(t) for t in g.token_ids]
                offsets, pos = [], 0
                for t in g.token_ids:
                    offsets.append(pos)
                    pos += len(svc.tokenizer.token_bytes(t))
                lp = {
                    "tokens": strs,
                    "token_logprobs": g.logprobs,
                    "top_logprobs": [
                        {svc.tokenizer.token_str(t): v for t, v in alts} for alts in g.top_logprobs
                    ]
                    if want_lp
                    else None,
                    "text_offset": offsets,
                }
            choices.append(
                {
                    "index": i,
                    "text": g.text,
                    "logprobs": lp,
                    "finish_reason": reason,
                    "stop_reason": stop_reason,
                    "token_ids": g.token_ids,
                }
            )
        prompt_tokens = sum(len(g.prompt_token_ids) for g in gens[::n])
        return JSONResponse(
            {
                "id": f"cmpl-{uuid.uuid4().hex}",
                "object": "text_completion",
                "created": int(time.time()),
                "model": svc.model_name,
                "choices": choices,
                "usage": svc.usage(gens, prompt_tokens),
            }
        )

    @handler
    async def chat(request: Request) -> JSONResponse:
        body = await json_body(request)
        cfg, n = svc.sampling(body, max_tokens_default=svc.max_tokens_limit)
        messages = body.get("messages")
        if (
            not isinstance(messages, list)
            or not messages
            or not all(isinstance(m, dict) for m in messages)
        ):
            raise GenerationRequestError("messages must be a non-empty list of objects", "messages")
        clean = []
        for m in messages:
            content = m.get("content")
            if isinstance(content, list):  # OpenAI content parts: keep the text ones
                if not all(
                    isinstance(part, dict) and part.get("type") == "text" for part in content
                ):
                    raise GenerationRequestError(
                        "only text content parts are supported", "messages"
                    )
                content = "".join(str(part.get("text", "")) for part in content)
            clean.append({"role": m.get("role"), "content": content})
        want_lp = bool(body.get("logprobs"))
        top = _int(body, "top_logprobs", 0, 0, 20)
        if top and not want_lp:
            raise GenerationRequestError("top_logprobs needs logprobs: true", "top_logprobs")
        if top:
            cfg = GenerationConfig(**{**cfg.__dict__, "top_logprobs": top})
        gens = await svc.run([clean] * n, cfg)
        choices = []
        for i, g in enumerate(gens):
            reason, stop_reason = svc.finish(g)
            lp = None
            if want_lp:
                content_lp = []
                for step, (t, v) in enumerate(zip(g.token_ids, g.logprobs, strict=True)):
                    entry = svc.token_entry(t, v)
                    alts = g.top_logprobs[step] if top else []
                    entry["top_logprobs"] = [svc.token_entry(a, av) for a, av in alts]
                    content_lp.append(entry)
                lp = {"content": content_lp}
            choices.append(
                {
                    "index": i,
                    "message": {"role": "assistant", "content": g.text},
                    "logprobs": lp,
                    "finish_reason": reason,
                    "stop_reason": stop_reason,
                    "token_ids": g.token_ids,
                }
            )
        return JSONResponse(
            {
                "id": f"chatcmpl-{uuid.uuid4().hex}",
                "object": "chat.completion",
                "created": int(time.time()),
                "model": svc.model_name,
                "choices": choices,
                "usage": svc.usage(gens, len(gens[0].prompt_token_ids)),
            }
        )

    return Starlette(
        routes=[
            Route("/v1/models", models, methods=["GET"]),
            Route("/health", health, methods=["GET"]),
            Route("/v1/completions", completions, methods=["POST"]),
            Route("/v1/chat/completions", chat, methods=["POST"]),
        ]
    )
