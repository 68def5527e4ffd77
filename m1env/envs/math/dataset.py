"""Math problems from JSONL, JSON or Parquet files, in the shapes people publish.

A row is an object. Its question is the first non-empty string among ``problem``,
``question`` and ``prompt`` (a ``prompt`` may also be a list of chat messages, as in
verl's Parquet files: the last user message is taken). Its reference answer is, in
order of preference:

1. ``answer`` / ``final_answer`` / ``ground_truth`` / ``reward_model.ground_truth``:
   a number, a LaTeX string, a GSM8K answer (``rationale ... #### 72``: the text
   after the last ``####``), or a text holding ``\\boxed{}`` (its last box);
2. otherwise the last ``\\boxed{}`` of ``solution`` (MATH's format).

The worked solution is kept as the Problem's ``solution`` (it feeds
``example_response``): ``solution`` when present, else a GSM8K rationale, whose
``#### x`` line becomes ``The final answer is $\\boxed{x}$.`` so that it follows
the environment's own answer format. ``level``, ``type``, ``subject``, ``id`` and
``unique_id`` are kept in the metadata, with the row number and the row's format.

A bad row raises :class:`~m1env.errors.TaskError` naming the file and the row
number (the line number for JSONL); with ``skip_bad_rows=True`` bad rows are
skipped, counted and reported in one warning instead.
"""

from __future__ import annotations

import json
import re
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from m1env.envs.math.env import MathEnv
from m1env.errors import TaskError
from m1env.registry import EnvSpec
from m1env.sources import DatasetSource, Problem
from m1env.verifiers.extract import last_boxed

__all__ = ["SPEC", "LoadedDataset", "MathDatasetEnv", "load_dataset", "row_to_problem"]

QUESTION_KEYS = ("problem", "question", "prompt")
ANSWER_KEYS = ("answer", "final_answer", "ground_truth")
METADATA_KEYS = ("level", "type", "subject", "id", "unique_id", "source")
MAX_REFERENCE_CHARS = 10_000
_GSM8K = re.compile(r"^[ \t]*####[ \t]*(.*?)\s*$", re.MULTILINE)


class _BadRow(Exception):
    """A row that cannot become a Problem (turned into a TaskError with its location)."""


@dataclass
class LoadedDataset:
    """The usable problems of a file and what was skipped (``row N: reason``)."""

    path: str
    problems: list[Problem]
    skipped: list[str] = field(default_factory=list)


def _question(row: dict[str, Any]) -> str:
    for key in QUESTION_KEYS:
        value = row.get(key)
        if isinstance(value, list):  # chat messages
            users = [
                m.get("content") for m in value if isinstance(m, dict) and m.get("role") == "user"
            ]
            value = users[-1] if users else None
        if isinstance(value, str) and value.strip():
            return value.strip()
    raise _BadRow(f"no question: expected a non-empty string in one of {list(QUESTION_KEYS)}")


def _gsm8k(text: str) -> tuple[str, str] | None:
    """(answer, rationale with the answer boxed) for a GSM8K-style text, or None."""
    found = list(_GSM8K.finditer(text))
    if not found:
        return None
    last = found[-1]
    answer = last.group(1).strip().rstrip(".").strip()
    if not answer:
        raise _BadRow("the '####' line has no answer after it")
    rationale = text[: last.start()].rstrip()
    final = f"The final answer is $\\boxed{{{answer}}}$."
    return answer, f"{rationale}\n{final}" if rationale else final


def _answer_field(row: dict[str, Any]) -> tuple[str, Any] | None:
    for key in ANSWER_KEYS:
        if key in row and row[key] is not None:
            return key, row[key]
    reward_model = row.get("reward_model")
    if isinstance(reward_model, dict) and reward_model.get("ground_truth") is not None:
        return "reward_model.ground_truth", reward_model["ground_truth"]
    return None


def _scalar_text(key: str, value: Any) -> str:
    if isinstance(value, bool):
        raise _BadRow(f"{key!r} is a boolean, not an answer")
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise _BadRow(f"{key!r} is not finite: {value!r}")
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, str):
        return value.strip()
    raise _BadRow(f"{key!r} must be a string or a number, got {type(value).__name__}")


def row_to_problem(row: Any) -> Problem:
    """One row as a Problem; raises TaskError saying what is wrong with it."""
    try:
        return _row_to_problem(row)
    except _BadRow as exc:
        raise TaskError(str(exc)) from None


def _row_to_problem(row: Any) -> Problem:
    if not isinstance(row, dict):
        raise _BadRow(f"expected an object, got {type(row).__name__}")
    question = _question(row)
    solution = row.get("solution")
    if solution is not None and not isinstance(solution, str):
        raise _BadRow(f"'solution' must be a string, got {type(solution).__name__}")
    solution = solution.strip() if solution else None
    fmt = "plain"
    found = _answer_field(row)
    if found is not None:
        key, value = found
        answer = _scalar_text(key, value)
        gsm = _gsm8k(answer) if isinstance(value, str) else None
        if gsm is not None:
            answer, rationale = gsm
            solution, fmt = solution or rationale, "gsm8k"
        elif "\\boxed" in answer or "\\fbox" in answer:
            boxed = last_boxed(answer)
            if boxed is None:
                raise _BadRow(f"{key!r} has a \\boxed{{}} whose braces never close")
            answer = boxed.strip()
    elif solution:
        boxed = last_boxed(solution)
        if boxed is not None:
            answer, fmt = boxed.strip(), "math"
        else:
            gsm = _gsm8k(solution)
            if gsm is None:
                raise _BadRow(
                    "no answer: no 'answer' field and no \\boxed{} or '####' in 'solution'"
                )
            answer, solution = gsm
            fmt = "gsm8k"
    else:
        raise _BadRow(f"no answer: expected one of {list(ANSWER_KEYS)} or a 'solution'")
    if not answer:
        raise _BadRow("the answer is empty")
    if len(answer) > MAX_REFERENCE_CHARS:
        raise _BadRow(f"the answer is {len(answer)} characters (limit {MAX_REFERENCE_CHARS})")
    metadata: dict[str, Any] = {"format": fmt}
    for key in METADATA_KEYS:
        value = row.get(key)
        if isinstance(value, str | int | float) and not isinstance(value, bool):
            metadata[key] = value
    return Problem(question=question, answer=answer, solution=solution, metadata=metadata)


def _read_rows(path: Path) -> Iterator[tuple[int, Any]]:
    """(row number, parsed row or the exception that stopped it) for each row."""
    suffix = "".join(path.suffixes[-1:]).lower()
    if suffix in (".jsonl", ".ndjson"):
        with path.open("rb") as handle:
            for lineno, raw in enumerate(handle, start=1):
                if not raw.strip():
                    continue
                try:
                    yield lineno, json.loads(raw.decode("utf-8"))
                except UnicodeDecodeError as exc:
                    yield lineno, _BadRow(f"not valid UTF-8 ({exc.reason} at byte {exc.start})")
                except json.JSONDecodeError as exc:
                    yield lineno, _BadRow(f"invalid JSON ({exc.msg} at column {exc.colno})")
                except RecursionError:
                    yield lineno, _BadRow("JSON nested too deeply")
    elif suffix == ".json":
        try:
            data = json.loads(path.read_bytes().decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise TaskError(f"{path}: not a valid JSON file: {exc}") from None
        if not isinstance(data, list):
            raise TaskError(f"{path}: a .json dataset must be a list of rows")
        yield from enumerate(data, start=1)
    elif suffix == ".parquet":
        try:
            import pyarrow.parquet as pq
        except ImportError:
            raise TaskError(
                f"{path}: reading Parquet needs pyarrow: pip install 'm1env[parquet]'"
            ) from None
        try:
            table = pq.read_table(path)
        except Exception as exc:
            raise TaskError(f"{path}: not a readable Parquet file: {exc}") from None
        yield from enumerate(table.to_pylist(), start=1)
    else:
        raise TaskError(
            f"{path}: unknown dataset format {suffix!r} (use .jsonl, .json or .parquet)"
        )


def load_dataset(
    path: str | Path, *, skip_bad_rows: bool = False, limit: int | None = None
) -> LoadedDataset:
    """Read every row of ``path``; see the module docstring for shapes and errors."""
    path = Path(path)
    if not path.is_file():
        raise TaskError(f"dataset file not found: {path}")
    if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int) or limit < 1):
        raise ValueError(f"limit must be a positive int or None, got {limit!r}")
    loaded = LoadedDataset(str(path), [])
    for number, row in _read_rows(path):
        try:
            if isinstance(row, _BadRow):
                raise row
            problem = _row_to_problem(row)
        except _BadRow as exc:
            if not skip_bad_rows:
                raise TaskError(f"{path}: row {number}: {exc}") from None
            loaded.skipped.append(f"row {number}: {exc}")
            continue
        metadata = {**problem.metadata, "row": number}
        loaded.problems.append(
            Problem(problem.question, problem.answer, problem.solution, metadata)
        )
        if limit is not None and len(loaded.problems) >= limit:
            break
    if not loaded.problems:
        detail = f"; first error: {loaded.skipped[0]}" if loaded.skipped else ""
        raise TaskError(f"{path}: no usable rows{detail}")
    return loaded


def _sample_path() -> str:
    from m1env.data import MATH_SAMPLE

    return str(MATH_SAMPLE)


class MathDatasetEnv(MathEnv):
    """Problems from a dataset file (the bundled sample set by default)."""

    def __init__(
        self,
        path: str | None = None,
        skip_bad_rows: bool = False,
        limit: int | None = None,
        **kwargs: Any,
    ) -> None:
        loaded = load_dataset(path or _sample_path(), skip_bad_rows=skip_bad_rows, limit=limit)
        if loaded.skipped:
            warnings.warn(
                f"{loaded.path}: skipped {len(loaded.skipped)} bad rows "
                f"(first: {loaded.skipped[0]})",
                stacklevel=2,
            )
        self.path = loaded.path
        self.skipped_rows = list(loaded.skipped)
        name = Path(loaded.path).stem
        super().__init__(DatasetSource(loaded.problems, name=name), **kwargs)


SPEC = EnvSpec(
    id="m1env/MathDataset-v0",
    entry_point=MathDatasetEnv,
    verifier="math",
    description="math problems from a JSONL/Parquet file (default: the bundled sample set)",
    tags=("math", "dataset"),
)
