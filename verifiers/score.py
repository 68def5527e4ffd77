"""The Score contract shared by every verifier, the episode store and the trainer."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Literal, cast

__all__ = ["STATUSES", "Score", "Status"]

Status = Literal["correct", "incorrect", "error"]
STATUSES: tuple[Status, ...] = ("correct", "incorrect", "error")


@dataclass(frozen=True, slots=True)
class Score:
    """The outcome of one verification.

    ``score`` lies in [0, 1] (1 for a fully correct answer; partial credit is allowed).
    ``status`` is ``correct``, ``incorrect`` or ``error``: an ``error`` means the
    verification itself failed (time limit, sandbox fault, unparsable reference) and is
    never a silent 0 -- the trainer decides what an error is worth. ``reason`` is a short
    human-readable explanation; ``details`` holds JSON-serialisable extras (extracted
    answer, per-test verdicts, timings).
    """

    score: float
    status: Status
    reason: str = ""
    details: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.status not in STATUSES:
            raise ValueError(f"status must be one of {STATUSES}, got {self.status!r}")
        try:
            value = float(self.score)
        except (TypeError, ValueError) as exc:
            raise ValueError(f"score must be a number, got {self.score!r}") from exc
        if not math.isfinite(value) or not 0.0 <= value <= 1.0:
            raise ValueError(f"score must be finite and in [0, 1], got {self.score!r}")
        object.__setattr__(self, "score", value)
        if not isinstance(self.reason, str):
            raise ValueError(f"reason must be a str, got {type(self.reason).__name__}")
        if not isinstance(self.details, dict):
            raise ValueError(f"details must be a dict, got {type(self.details).__name__}")

    @classmethod
    def correct(cls, reason: str = "correct", score: float = 1.0, **details: Any) -> Score:
        return cls(score, "correct", reason, details)

    @classmethod
    def incorrect(cls, reason: str, score: float = 0.0, **details: Any) -> Score:
        return cls(score, "incorrect", reason, details)

    @classmethod
    def error(cls, reason: str, **details: Any) -> Score:
        return cls(0.0, "error", reason, details)

    @property
    def is_correct(self) -> bool:
        return self.status == "correct"

    def to_dict(self) -> dict[str, Any]:
        return {
            "score": self.score,
            "status": self.status,
            "reason": self.reason,
            "details": dict(self.details),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Score:
        if not isinstance(data, dict):
            raise ValueError(f"a Score is a JSON object, got {type(data).__name__}")
        missing = {"score", "status"} - data.keys()
        if missing:
            raise ValueError(f"Score is missing {sorted(missing)}")
        return cls(
            score=data["score"],
            status=cast(Status, data["status"]),
            reason=data.get("reason", ""),
            details=dict(data.get("details") or {}),
        )
