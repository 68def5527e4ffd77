"""SWE-bench task and prediction formats, and loaders for JSON / JSONL files.

:class:`SWEInstance` carries SWE-bench's instance fields unchanged, so published
datasets load as they are: ``FAIL_TO_PASS`` and ``PASS_TO_PASS`` may be JSON strings
(as SWE-bench stores them) or lists of pytest node ids. ``files`` is this project's
extension: the repository tree at ``base_commit`` as ``{relative path: text}``, for
self-contained repositories graded without cloning anything. ``requirements``
(optional, also an extension) lists pip requirement lines the tests need; they are
installed into the task's environment (:mod:`m1env.verifiers.swe.environment`), never at grading
time.

:class:`Prediction` is SWE-bench's prediction record
(``{instance_id, model_name_or_path, model_patch}``).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from m1env.errors import InstanceFormatError

__all__ = ["Prediction", "SWEInstance", "load_instances", "load_predictions", "read_records"]

_TEXT_FIELDS = (
    "repo",
    "instance_id",
    "base_commit",
    "patch",
    "test_patch",
    "problem_statement",
    "hints_text",
    "version",
    "environment_setup_commit",
)


def _test_list(value: Any, name: str) -> tuple[str, ...]:
    if isinstance(value, str):
        try:
            value = json.loads(value) if value.strip() else []
        except json.JSONDecodeError as exc:
            raise InstanceFormatError(f"{name} is not a JSON list: {exc}") from None
    if not isinstance(value, list | tuple) or not all(isinstance(t, str) and t for t in value):
        raise InstanceFormatError(f"{name} must be a list of test ids, got {value!r}")
    return tuple(value)


@dataclass(frozen=True)
class SWEInstance:
    """One SWE-bench task. Raises :class:`InstanceFormatError` on bad fields."""

    repo: str
    instance_id: str
    base_commit: str = ""
    patch: str = ""
    test_patch: str = ""
    problem_statement: str = ""
    hints_text: str = ""
    FAIL_TO_PASS: tuple[str, ...] = ()
    PASS_TO_PASS: tuple[str, ...] = ()
    version: str = ""
    environment_setup_commit: str = ""
    files: Mapping[str, str] = field(default_factory=dict)
    requirements: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        for name in _TEXT_FIELDS:
            value = getattr(self, name)
            if value is None:
                object.__setattr__(self, name, "")
            elif not isinstance(value, str):
                raise InstanceFormatError(f"{name} must be a string, got {value!r}")
        if not self.instance_id:
            raise InstanceFormatError("instance_id must be non-empty")
        object.__setattr__(self, "FAIL_TO_PASS", _test_list(self.FAIL_TO_PASS, "FAIL_TO_PASS"))
        object.__setattr__(self, "PASS_TO_PASS", _test_list(self.PASS_TO_PASS, "PASS_TO_PASS"))
        if not isinstance(self.files, Mapping) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in self.files.items()
        ):
            raise InstanceFormatError("files must map relative paths to text")
        object.__setattr__(self, "files", dict(self.files))
        reqs = self.requirements
        if isinstance(reqs, str):
            reqs = tuple(line.strip() for line in reqs.splitlines())
        if not isinstance(reqs, list | tuple) or not all(isinstance(r, str) for r in reqs):
            raise InstanceFormatError(f"requirements must be a list of strings, got {reqs!r}")
        reqs = tuple(r.strip() for r in reqs if r.strip() and not r.strip().startswith("#"))
        for req in reqs:
            # Each line goes to pip as one argument: an option would change what pip does.
            if req.startswith("-"):
                raise InstanceFormatError(f"requirement {req!r} is a pip option, not a package")
        object.__setattr__(self, "requirements", reqs)

    @property
    def tests(self) -> tuple[str, ...]:
        """Every test that must pass: FAIL_TO_PASS then PASS_TO_PASS, without repeats."""
        return tuple(dict.fromkeys(self.FAIL_TO_PASS + self.PASS_TO_PASS))

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> SWEInstance:
        """An instance from a SWE-bench record; unknown keys (``created_at``...) are ignored."""
        if not isinstance(data, Mapping):
            raise InstanceFormatError(f"an instance is a JSON object, got {type(data).__name__}")
        missing = {"repo", "instance_id"} - data.keys()
        if missing:
            raise InstanceFormatError(f"instance is missing {sorted(missing)}")
        known = set(_TEXT_FIELDS) | {"FAIL_TO_PASS", "PASS_TO_PASS", "files", "requirements"}
        return cls(**{k: v for k, v in data.items() if k in known})

    def to_dict(self) -> dict[str, Any]:
        """SWE-bench's layout: the test lists as JSON strings; ``files`` when present."""
        out: dict[str, Any] = {name: getattr(self, name) for name in _TEXT_FIELDS}
        out["FAIL_TO_PASS"] = json.dumps(list(self.FAIL_TO_PASS))
        out["PASS_TO_PASS"] = json.dumps(list(self.PASS_TO_PASS))
        if self.files:
            out["files"] = dict(self.files)
        if self.requirements:
            out["requirements"] = list(self.requirements)
        return out


@dataclass(frozen=True)
class Prediction:
    """SWE-bench's prediction record."""

    instance_id: str
    model_patch: str
    model_name_or_path: str = ""

    def __post_init__(self) -> None:
        if not isinstance(self.instance_id, str) or not self.instance_id:
            raise InstanceFormatError("prediction instance_id must be a non-empty string")
        if self.model_patch is None:
            object.__setattr__(self, "model_patch", "")
        if not isinstance(self.model_patch, str):
            raise InstanceFormatError("model_patch must be a string")
        if not isinstance(self.model_name_or_path, str):
            raise InstanceFormatError("model_name_or_path must be a string")

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Prediction:
        if not isinstance(data, Mapping) or "instance_id" not in data:
            raise InstanceFormatError(f"a prediction is an object with instance_id: {data!r:.80}")
        return cls(
            instance_id=data["instance_id"],
            model_patch=data.get("model_patch", ""),
            model_name_or_path=data.get("model_name_or_path", "") or "",
        )

    def to_dict(self) -> dict[str, str]:
        return {
            "instance_id": self.instance_id,
            "model_name_or_path": self.model_name_or_path,
            "model_patch": self.model_patch,
        }


def read_records(path: str | Path) -> list[dict[str, Any]]:
    """The objects of a JSON file (an array, or one object) or a JSONL file (one a line)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InstanceFormatError(f"cannot read {path}: {exc}") from None
    stripped = text.lstrip()
    if stripped.startswith("["):
        try:
            records = json.loads(text)
        except json.JSONDecodeError as exc:
            raise InstanceFormatError(f"{path}: invalid JSON: {exc}") from None
    else:
        records = []
        for number, line in enumerate(text.splitlines(), 1):
            if not line.strip():
                continue
            try:
                records.append(json.loads(line))
            except json.JSONDecodeError as exc:
                raise InstanceFormatError(f"{path}:{number}: invalid JSON: {exc}") from None
    for number, record in enumerate(records, 1):
        if not isinstance(record, dict):
            raise InstanceFormatError(f"{path}: record {number} is not a JSON object")
    return records


def load_instances(path: str | Path) -> list[SWEInstance]:
    """Instances from a SWE-bench-style JSON or JSONL file; duplicate ids are an error."""
    instances = [SWEInstance.from_dict(r) for r in read_records(path)]
    seen: set[str] = set()
    for inst in instances:
        if inst.instance_id in seen:
            raise InstanceFormatError(f"{path}: duplicate instance_id {inst.instance_id!r}")
        seen.add(inst.instance_id)
    return instances


def load_predictions(path: str | Path) -> dict[str, Prediction]:
    """Predictions by instance id, from SWE-bench's JSON (list or id-keyed map) or JSONL."""
    path = Path(path)
    try:
        head = path.read_text(encoding="utf-8").lstrip()[:1]
    except (OSError, UnicodeDecodeError) as exc:
        raise InstanceFormatError(f"cannot read {path}: {exc}") from None
    if head == "{":
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except json.JSONDecodeError:
            data = None  # JSONL whose first line is an object
        if isinstance(data, dict) and "instance_id" not in data:
            records = [dict(v, instance_id=v.get("instance_id", k)) for k, v in data.items()]
        else:
            records = read_records(path)
    else:
        records = read_records(path)
    out: dict[str, Prediction] = {}
    for record in records:
        pred = Prediction.from_dict(record)
        if pred.instance_id in out:
            raise InstanceFormatError(f"{path}: duplicate prediction for {pred.instance_id!r}")
        out[pred.instance_id] = pred
    return out
