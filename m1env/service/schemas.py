"""Request and response bodies of the scoring API (they define ``/openapi.json``).

Every request model forbids unknown fields, so a typo (``"referense"``) is a 422
naming the field instead of a silently ignored option.
"""

from __future__ import annotations

import json
import math
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from starlette.responses import JSONResponse

from m1env.verifiers.score import Score

__all__ = [
    "ERRORS",
    "BatchRequest",
    "BatchResponse",
    "ErrorOut",
    "JobOut",
    "JobRequest",
    "SafeJSONResponse",
    "ScoreOut",
    "ScoreRequest",
    "VerifierInfo",
    "jsonable",
]

Name = Field(min_length=1, max_length=255, description="a registered verifier name")


class ScoreRequest(BaseModel):
    """One response to score against its reference."""

    model_config = ConfigDict(extra="forbid")
    verifier: str = Name
    response: str = Field(description="the policy's completion (untrusted text)")
    reference: Any = Field(description="the task's reference answer (any JSON value)")
    options: dict[str, Any] | None = Field(
        default=None, description="verifier options, plus 'timeout' in seconds"
    )


class BatchRequest(BaseModel):
    """Many items, scored concurrently; results come back in the same order."""

    model_config = ConfigDict(extra="forbid")
    items: list[ScoreRequest] = Field(min_length=1)


class JobRequest(ScoreRequest):
    """An asynchronous scoring job; the same ``idempotency_key`` always names one job."""

    idempotency_key: str | None = Field(
        default=None, min_length=1, max_length=255, description="defaults to a random UUID"
    )


class ScoreOut(BaseModel):
    """The Score contract: an ``error`` means verification failed, never a silent 0."""

    score: float = Field(ge=0.0, le=1.0)
    status: Literal["correct", "incorrect", "error"]
    reason: str
    details: dict[str, Any]


class BatchResponse(BaseModel):
    results: list[ScoreOut]


class JobOut(BaseModel):
    id: int
    idempotency_key: str
    verifier: str
    state: Literal["queued", "running", "done", "failed"]
    attempts: int
    last_error: str | None
    created: bool | None = Field(default=None, description="on submission: was the job new")
    score: ScoreOut | None


class FieldError(BaseModel):
    loc: str
    msg: str
    type: str


class ErrorOut(BaseModel):
    """Every refusal: a message saying what is wrong (and, for 422, each field)."""

    detail: str
    errors: list[FieldError] | None = None
    job_id: int | None = None


ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": ErrorOut, "description": why}
    for code, why in {
        400: "malformed JSON, invalid UTF-8, nesting too deep, or a Host not served here",
        401: "missing or unknown API key",
        403: "an Origin header naming a host not served here (a cross-site request)",
        404: "no such job",
        409: "idempotency key already names a different job",
        413: "request body or batch too large",
        415: "request body not sent as Content-Type: application/json",
        422: "well-formed JSON that is not a valid request",
        429: "rate limit exceeded (see Retry-After)",
        503: "the job store, the broker (queue mode) or a verifier plugin is unavailable",
        504: "queue mode: not scored in time; poll the job",
    }.items()
}


class VerifierInfo(BaseModel):
    name: str
    description: str
    isolated: bool
    timeout: float
    queue: str


def jsonable(value: Any) -> Any:
    """``value`` with non-finite floats as strings and lone surrogates as U+FFFD."""
    if isinstance(value, float) and not math.isfinite(value):
        return "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")
    if isinstance(value, str):
        return value.encode("utf-8", "surrogatepass").decode("utf-8", "replace")
    if isinstance(value, dict):
        return {jsonable(str(k)): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, Score):
        return jsonable(value.to_dict())
    return value


class SafeJSONResponse(JSONResponse):
    """JSON that always encodes: a Score's details may hold NaN or a lone surrogate."""

    def render(self, content: Any) -> bytes:
        try:
            return json.dumps(
                content, ensure_ascii=False, allow_nan=False, separators=(",", ":")
            ).encode("utf-8")
        except (ValueError, UnicodeEncodeError, TypeError):
            return json.dumps(
                jsonable(content), ensure_ascii=False, allow_nan=False, default=str
            ).encode("utf-8")
