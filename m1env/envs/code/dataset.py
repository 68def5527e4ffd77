"""Loading code problems from JSON lines: our bundled format, APPS/TACO and CodeContests.

Each line is one problem. Recognised row shapes:

* m1env (``m1env/data/code/problems.jsonl``): ``id``, ``title``, ``difficulty`` (1-10),
  ``statement``, ``reference`` (any test format of :mod:`m1env.verifiers.code.formats`),
  ``starter_code``, ``solutions`` and ``wrong_solutions`` (``{language: [source, ...]}``).
* APPS / TACO: ``question``, ``input_output`` (a JSON string or object), ``solutions``
  (a JSON string or list of Python sources), ``starter_code``, ``difficulty``
  (``introductory``/``interview``/``competition`` or TACO's ``EASY`` ... ``VERY_HARD``).
* CodeContests: ``name``, ``description``, ``public_tests``/``private_tests``/
  ``generated_tests``, ``solutions``/``incorrect_solutions`` (``{"language": [code],
  "solution": [source]}``, 1 = Python 2, 2 = C++, 3 = Python 3, 4 = Java),
  ``time_limit``, ``memory_limit_bytes``, ``difficulty``.

Every row's tests are parsed once at load time (a malformed row is a
:class:`~m1env.errors.TaskError` naming the file and line), so a bad dataset fails
when the environment is built, not in the middle of training.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from m1env.errors import TaskError
from m1env.verifiers.code import ReferenceFormatError, parse_reference

__all__ = ["BUNDLED", "CodeProblem", "load_problems", "row_to_problem"]

BUNDLED = "bundled"
_CC_LANGUAGES = {2: "c++", 3: "python3"}
_LEVELS = {
    "introductory": 2, "interview": 5, "competition": 8,
    "easy": 2, "medium": 4, "medium_hard": 6, "hard": 7, "very_hard": 9,
}  # fmt: skip
_CC_GROUPS = ("public_tests", "private_tests", "generated_tests")


@dataclass(frozen=True)
class CodeProblem:
    """One problem: the statement, its tests (``reference``) and known solutions."""

    id: str
    statement: str
    reference: dict[str, Any]
    title: str = ""
    difficulty: int | None = None
    starter_code: str = ""
    solutions: dict[str, list[str]] = field(default_factory=dict)
    wrong_solutions: dict[str, list[str]] = field(default_factory=dict)
    fn_name: str | None = None

    @property
    def kind(self) -> str:
        return "call" if self.fn_name else "stdin"


def _json_field(value: Any, what: str) -> Any:
    if isinstance(value, str):
        try:
            return json.loads(value) if value.strip() else None
        except json.JSONDecodeError as exc:
            raise TaskError(f"{what} is not valid JSON: {exc.msg}") from None
    return value


def _difficulty(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if 1 <= value <= 10 else None
    if isinstance(value, str):
        return _LEVELS.get(value.strip().lower())
    return None


def _sources(value: Any, what: str) -> dict[str, list[str]]:
    value = _json_field(value, what)
    if value is None:
        return {}
    if isinstance(value, list):
        return {"python3": [s for s in value if isinstance(s, str)]}
    if isinstance(value, dict) and "solution" in value:
        out: dict[str, list[str]] = {}
        for code, src in zip(value.get("language", []), value["solution"], strict=False):
            if code in _CC_LANGUAGES and isinstance(src, str):
                out.setdefault(_CC_LANGUAGES[code], []).append(src)
        return out
    if isinstance(value, dict):
        return {
            k: [s for s in v if isinstance(s, str)] for k, v in value.items() if isinstance(v, list)
        }
    raise TaskError(f"{what} must be a list or an object of source lists")


def row_to_problem(row: dict[str, Any], index: int) -> CodeProblem:
    """One JSON row as a :class:`CodeProblem`; raises TaskError (or ReferenceFormatError)."""
    if not isinstance(row, dict):
        raise TaskError(f"a problem row must be a JSON object, got {type(row).__name__}")
    if "reference" in row:
        reference = _json_field(row["reference"], "reference")
        statement = row.get("statement") or row.get("question")
        wrong_key = "wrong_solutions"
    elif "input_output" in row:
        reference = _json_field(row["input_output"], "input_output")
        statement = row.get("question")
        wrong_key = "wrong_solutions"
    elif any(g in row for g in _CC_GROUPS):
        reference = {g: row[g] for g in _CC_GROUPS if row.get(g)}
        for key in ("time_limit", "memory_limit_bytes"):
            if row.get(key):
                reference[key] = row[key]
        statement = row.get("description")
        wrong_key = "incorrect_solutions"
    else:
        raise TaskError("row has no tests (reference, input_output or *_tests)")
    if not isinstance(statement, str) or not statement.strip():
        raise TaskError("row has no problem statement")
    if not isinstance(reference, dict):
        raise TaskError("the tests must be a JSON object")
    suite = parse_reference(reference)
    pid = row.get("id", row.get("problem_id", row.get("name", index)))
    return CodeProblem(
        id=str(pid),
        statement=statement.strip(),
        reference=reference,
        title=str(row.get("title") or row.get("name") or ""),
        difficulty=_difficulty(row.get("difficulty")),
        starter_code=str(row.get("starter_code") or ""),
        solutions=_sources(row.get("solutions"), "solutions"),
        wrong_solutions=_sources(row.get(wrong_key), wrong_key),
        fn_name=suite.fn_name,
    )


def _bundled_path() -> Path:
    return Path(str(resources.files("m1env") / "data" / "code" / "problems.jsonl"))


def load_problems(path: str | Path = BUNDLED, *, limit: int | None = None) -> list[CodeProblem]:
    """Problems from a JSON-lines file (``"bundled"``: the problems shipped with m1env)."""
    file = _bundled_path() if str(path) == BUNDLED else Path(path)
    problems: list[CodeProblem] = []
    try:
        handle = file.open(encoding="utf-8")
    except OSError as exc:
        raise TaskError(f"cannot read code problems from {file}: {exc}") from None
    with handle:
        for lineno, raw in enumerate(handle, start=1):
            if not raw.strip():
                continue
            try:
                problems.append(row_to_problem(json.loads(raw), lineno - 1))
            except (json.JSONDecodeError, TaskError, ReferenceFormatError) as exc:
                raise TaskError(f"{file}:{lineno}: {exc}") from None
            if limit is not None and len(problems) >= limit:
                break
    if not problems:
        raise TaskError(f"{file} holds no problems")
    return problems
