"""Wire-compatible endpoints for the trainers people already run.

``POST /run_code`` -- SandboxFusion's single-file execution API, so verl's
``sandbox_fusion_url`` (and anything else written against SandboxFusion) can point
at m1env. Request: ``code``, ``language`` (SandboxFusion names: ``python``,
``cpp``, ``bash``...; anything :func:`m1env.sandbox.get_language` knows), ``stdin``,
``run_timeout``, ``compile_timeout``, ``memory_limit_MB`` (-1: default), ``files``
(name -> base64) and ``fetch_files``. Response: ``status`` (``Success`` when it
compiled and exited 0, ``Failed`` otherwise, ``SandboxError`` when the sandbox
itself failed), ``message``, ``compile_result`` and ``run_result`` (each
``{status: Finished | TimeLimitExceeded | Error, execution_time, return_code,
stdout, stderr}``), ``executor_pod_name`` (the sandbox backend that ran it: ``bwrap``
or ``docker``; with neither available the answer is ``SandboxError`` naming the fix,
and nothing runs) and ``files`` (name -> base64). Code runs
in m1env's own sandbox (:mod:`sandbox`): in this process in embedded mode, on a
``sandbox`` queue worker in queue mode (the reply comes back through Redis).

``POST /get_reward`` -- OpenRLHF's remote reward model protocol
(``--remote_rm_url``): ``{"query": [prompt+response...], "prompts": [...],
"labels": [...]}`` -> ``{"rewards": [...], "scores": [...], "extra_logs": {...}}``.
The response is ``query[i]`` with its prompt prefix removed; the label is the
reference. The verifier is ``?verifier=NAME`` on the URL, else the server's
``reward_verifier``. An ``error`` Score is reward 0.0 (OpenRLHF needs a number);
``extra_logs`` keeps errors visible: per item, ``correct`` and ``error`` (1.0 or
0.0). Numbers only: OpenRLHF turns every ``extra_logs`` value into a tensor
(``torch.tensor``), so a string there crashes its rollout.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
from typing import TYPE_CHECKING, Any, Literal

from fastapi import FastAPI, Query
from pydantic import BaseModel, ConfigDict, Field

from m1env.errors import BadRequest, ScoreTimeout
from m1env.service.schemas import ERRORS

if TYPE_CHECKING:
    from m1env.service.app import Service

__all__ = [
    "CommandRunResult",
    "RewardRequest",
    "RewardResponse",
    "RunCodeRequest",
    "RunCodeResponse",
    "add_compat_routes",
    "run_code",
]


class RunCodeRequest(BaseModel):
    model_config = ConfigDict(extra="ignore")
    code: str
    language: str = Field(min_length=1, max_length=64)
    compile_timeout: float = Field(default=10.0, gt=0, le=600)
    run_timeout: float = Field(default=10.0, gt=0, le=600)
    memory_limit_MB: int = Field(default=-1, ge=-1, le=65536)
    stdin: str | None = None
    files: dict[str, str | None] = Field(default_factory=dict)
    fetch_files: list[str] = Field(default_factory=list)


class CommandRunResult(BaseModel):
    status: Literal["Finished", "Error", "TimeLimitExceeded"]
    execution_time: float | None = None
    return_code: int | None = None
    stdout: str | None = None
    stderr: str | None = None


class RunCodeResponse(BaseModel):
    status: Literal["Success", "Failed", "SandboxError"]
    message: str = ""
    compile_result: CommandRunResult | None = None
    run_result: CommandRunResult | None = None
    executor_pod_name: str | None = None
    files: dict[str, str] = Field(default_factory=dict)


class RewardRequest(BaseModel):
    model_config = ConfigDict(extra="ignore")
    query: list[str]
    prompts: list[str] | None = None
    labels: list[Any] | None = None


class RewardResponse(BaseModel):
    rewards: list[float]
    scores: list[float]
    # Numbers only (see the module docstring): OpenRLHF calls torch.tensor on each value.
    extra_logs: dict[str, list[float]]


def _command_result(result: Any) -> CommandRunResult:
    status: Literal["Finished", "Error", "TimeLimitExceeded"] = "Finished"
    if result.verdict == "timeout":
        status = "TimeLimitExceeded"
    elif result.verdict == "sandbox_error":
        status = "Error"
    code = result.exit_code if result.exit_code is not None else -(result.signal or 0) or None
    return CommandRunResult(
        status=status,
        execution_time=round(result.wall_s, 6),
        return_code=code,
        stdout=result.stdout,
        stderr=result.stderr,
    )


def run_code(req: RunCodeRequest) -> RunCodeResponse:
    """Execute one SandboxFusion request in :mod:`sandbox` (blocking)."""
    from m1env import sandbox

    try:
        language = sandbox.get_language(req.language)
    except sandbox.UnknownLanguageError as exc:
        raise BadRequest(str(exc), 422) from None
    files: dict[str, bytes] = {}
    for name, content in req.files.items():
        try:
            files[name] = base64.b64decode(content or "", validate=True)
        except (binascii.Error, ValueError):
            raise BadRequest(f"files[{name!r}] is not base64", 422) from None
    limits = sandbox.Limits(wall_s=req.run_timeout, cpu_s=req.run_timeout)
    if req.memory_limit_MB > 0:
        limits = sandbox.Limits(
            wall_s=req.run_timeout, cpu_s=req.run_timeout, memory_mb=max(8, req.memory_limit_MB)
        )
    compile_limits = None
    if language.compile is not None:
        base = language.compile_limits
        compile_limits = sandbox.Limits(
            **{**base.to_dict(), "wall_s": req.compile_timeout, "cpu_s": req.compile_timeout}
        )
    try:
        request = sandbox.ExecRequest(
            language=language.name,
            source=req.code,
            files=files,
            stdin=req.stdin or "",
            limits=limits,
            compile_limits=compile_limits,
            collect=tuple(req.fetch_files),
        )
    except sandbox.SandboxConfigError as exc:
        raise BadRequest(f"invalid request: {exc}", 422) from None
    try:
        result = sandbox.run(request)
    except sandbox.SandboxError as exc:
        return RunCodeResponse(status="SandboxError", message=str(exc))
    if result.verdict == "sandbox_error":
        return RunCodeResponse(
            status="SandboxError",
            message="; ".join(result.messages) or "sandbox error",
            executor_pod_name=result.backend,
        )
    out_files = {k: base64.b64encode(v).decode("ascii") for k, v in result.files.items()}
    if result.stage == "compile":
        return RunCodeResponse(
            status="Failed",
            message="compilation failed",
            compile_result=_command_result(result),
            files=out_files,
            executor_pod_name=result.backend,
        )
    run = _command_result(result)
    compile_result = (
        CommandRunResult(status="Finished", return_code=0, stdout="", stderr="")
        if language.compile is not None
        else None
    )
    return RunCodeResponse(
        status="Success" if result.verdict == "ok" else "Failed",
        compile_result=compile_result,
        run_result=run,
        files=out_files,
        executor_pod_name=result.backend,
    )


def _run_code_on_queue(service: Service, req: RunCodeRequest) -> RunCodeResponse:
    """Send the request to a ``sandbox`` queue worker and wait for its reply."""
    from celery.exceptions import TimeoutError as CeleryTimeout

    from m1env import sandbox
    from m1env.queue.app import RUN_CODE_TASK
    from m1env.scoring import QueueScorer

    try:
        sandbox.get_language(req.language)  # refuse here, not after a queue round trip
    except sandbox.UnknownLanguageError as exc:
        raise BadRequest(str(exc), 422) from None
    queue = service.scorer.backend
    assert isinstance(queue, QueueScorer)  # the route sends here in queue mode only
    app = queue.app
    result = app.send_task(RUN_CODE_TASK, args=[req.model_dump()], queue="sandbox")
    wait = req.compile_timeout + req.run_timeout + service.config.sync_timeout_s
    try:
        return RunCodeResponse.model_validate(result.get(timeout=wait))
    except CeleryTimeout:
        raise ScoreTimeout(f"no sandbox worker answered within {wait:g}s") from None
    finally:
        result.forget()


def add_compat_routes(app: FastAPI, service: Service) -> None:
    from m1env.service.scoring import prepare

    @app.post("/run_code", tags=["compat"], responses=ERRORS)
    async def run_code_route(req: RunCodeRequest) -> RunCodeResponse:
        if service.config.mode == "queue":
            reply = await asyncio.to_thread(_run_code_on_queue, service, req)
        else:
            reply = await asyncio.to_thread(run_code, req)
        service.metrics.sandbox_runs.labels("run_code", reply.executor_pod_name or "none").inc()
        return reply

    @app.post("/get_reward", tags=["compat"], responses=ERRORS)
    async def get_reward(
        req: RewardRequest,
        verifier: str | None = Query(default=None, min_length=1, max_length=255),
    ) -> RewardResponse:
        name = verifier or service.config.reward_verifier
        n = len(req.query)
        if req.labels is None:
            raise BadRequest("labels are required: each is the reference of its query", 422)
        prompts = req.prompts if req.prompts is not None else [""] * n
        if not len(prompts) == len(req.labels) == n:
            raise BadRequest(
                f"query, prompts and labels must have equal lengths, got "
                f"{n}, {len(prompts)}, {len(req.labels)}",
                422,
            )
        if n > service.config.max_batch:
            raise BadRequest(f"{n} queries exceed the limit of {service.config.max_batch}", 413)
        items = []
        for i, (query, prompt, label) in enumerate(
            zip(req.query, prompts, req.labels, strict=True)
        ):
            response = query[len(prompt) :] if prompt and query.startswith(prompt) else query
            try:
                items.append(prepare(name, response, label, None))
            except BadRequest as exc:
                raise BadRequest(f"query[{i}]: {exc.message}", exc.status) from None
        scores = await service.score(items) if items else []
        values = [s.score for s in scores]
        return RewardResponse(
            rewards=values,
            scores=values,
            extra_logs={
                "correct": [1.0 if s.status == "correct" else 0.0 for s in scores],
                "error": [1.0 if s.status == "error" else 0.0 for s in scores],
            },
        )
