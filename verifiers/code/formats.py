"""Test-case formats: APPS/TACO ``input_output`` and CodeContests-style test groups.

:func:`parse_reference` turns a problem's reference into a :class:`TestSuite`. Accepted
shapes (a JSON string of any of them is parsed first):

* APPS / TACO: ``{"inputs": [...], "outputs": [...], "fn_name"?: str}``. Without
  ``fn_name`` each input is a stdin text and each output the expected stdout (lists of
  lines are joined with newlines). With ``fn_name`` the problem is *call-based*: each
  input is the list of positional arguments and each output the expected return value
  (APPS often wraps it in a one-element list; both readings are accepted). A whole
  APPS row is accepted too: its ``input_output`` field is used.
* CodeContests: ``{"public_tests": {"input": [...], "output": [...]}, "private_tests":
  ..., "generated_tests": ...}``; absent or empty groups are skipped.
* Plain: ``{"tests": [{"input": ..., "output": ..., "public"?: bool}, ...]}``.

Optional keys next to the tests: ``checker`` (a program that judges outputs when many
answers are valid: ``{"language": "python3", "source": "..."}`` or a Python source
string; see :mod:`m1env.verifiers.code.checker`), ``time_limit`` (seconds, or CodeContests'
``{"seconds": s, "nanos": n}``), ``memory_limit_bytes`` or ``memory_mb``.

Public tests (CodeContests ``public_tests``, plain tests marked ``public``) are the
examples shown in the statement: they are run and must pass, but in ``fraction``
mode they earn no credit when hidden tests exist (so printing the sample output
earns nothing).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Literal

from m1env.errors import ReferenceFormatError

__all__ = ["CheckerSpec", "TestCase", "TestSuite", "parse_reference"]

Kind = Literal["stdin", "call"]
_GROUPS = ("public_tests", "private_tests", "generated_tests")


@dataclass(frozen=True)
class TestCase:
    """One test: ``input`` is stdin text (stdin kind) or an argument list (call kind)."""

    input: Any
    output: Any
    group: str = "tests"

    @property
    def public(self) -> bool:
        return self.group == "public"


@dataclass(frozen=True)
class CheckerSpec:
    """A trusted checker program, run in the sandbox like the solution."""

    language: str
    source: str


@dataclass(frozen=True)
class TestSuite:
    kind: Kind
    tests: tuple[TestCase, ...]
    fn_name: str | None = None
    checker: CheckerSpec | None = None
    time_limit_s: float | None = None
    memory_mb: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def _load(reference: Any) -> dict[str, Any]:
    if isinstance(reference, str | bytes):
        try:
            reference = json.loads(reference)
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise ReferenceFormatError(f"reference is a string but not JSON: {exc}") from None
    if not isinstance(reference, dict):
        raise ReferenceFormatError(
            f"reference must be a JSON object of test cases, got {type(reference).__name__}"
        )
    return reference


def _stdin_text(value: Any, what: str) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return "\n".join(value) + ("\n" if value and not value[-1].endswith("\n") else "")
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    raise ReferenceFormatError(
        f"{what} must be text (or a list of lines), got {type(value).__name__}"
    )


def _time_limit(value: Any) -> float | None:
    if value is None:
        return None
    if isinstance(value, dict):
        value = float(value.get("seconds", 0) or 0) + float(value.get("nanos", 0) or 0) / 1e9
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value <= 600:
        raise ReferenceFormatError(f"time_limit must be seconds in (0, 600], got {value!r}")
    return float(value)


def _memory(ref: dict[str, Any]) -> int | None:
    if ref.get("memory_mb") is not None:
        value = ref["memory_mb"]
    elif ref.get("memory_limit_bytes"):
        value = int(ref["memory_limit_bytes"]) // (1024 * 1024)
    else:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 8 <= value <= 65536:
        raise ReferenceFormatError(f"memory limit must be 8..65536 MiB, got {value!r}")
    return value


def _checker(value: Any) -> CheckerSpec | None:
    if value is None:
        return None
    if isinstance(value, str):
        return CheckerSpec("python3", value)
    if isinstance(value, dict) and isinstance(value.get("source"), str):
        return CheckerSpec(str(value.get("language", "python3")), value["source"])
    raise ReferenceFormatError("checker must be a source string or {language, source}")


def _pairs(inputs: Any, outputs: Any, where: str) -> list[tuple[Any, Any]]:
    if not isinstance(inputs, list) or not isinstance(outputs, list):
        raise ReferenceFormatError(f"{where}: inputs and outputs must be lists")
    if len(inputs) != len(outputs):
        raise ReferenceFormatError(f"{where}: {len(inputs)} inputs but {len(outputs)} outputs")
    return list(zip(inputs, outputs, strict=True))


def parse_reference(reference: Any) -> TestSuite:
    """The :class:`TestSuite` of ``reference``; :class:`ReferenceFormatError` if malformed."""
    ref = _load(reference)
    if "input_output" in ref and "inputs" not in ref:
        inner = _load(ref["input_output"])
        ref = {**{k: v for k, v in ref.items() if k != "input_output"}, **inner}
    fn_name = ref.get("fn_name")
    if fn_name is not None and (not isinstance(fn_name, str) or not fn_name.isidentifier()):
        raise ReferenceFormatError(f"fn_name must be a Python identifier, got {fn_name!r}")
    kind: Kind = "call" if fn_name else "stdin"
    raw: list[tuple[Any, Any, str]] = []
    if "inputs" in ref:
        raw = [
            (i, o, "tests") for i, o in _pairs(ref["inputs"], ref.get("outputs"), "input_output")
        ]
    elif any(g in ref for g in _GROUPS):
        for group in _GROUPS:
            data = ref.get(group) or {}
            if not isinstance(data, dict):
                raise ReferenceFormatError(f"{group} must be an object with input and output lists")
            pairs = _pairs(data.get("input", []), data.get("output", []), group)
            raw += [(i, o, group.removesuffix("_tests")) for i, o in pairs]
    elif "tests" in ref:
        if not isinstance(ref["tests"], list):
            raise ReferenceFormatError("tests must be a list of {input, output} objects")
        for n, test in enumerate(ref["tests"]):
            if not isinstance(test, dict) or "input" not in test or "output" not in test:
                raise ReferenceFormatError(f"tests[{n}] must be an object with input and output")
            raw.append((test["input"], test["output"], "public" if test.get("public") else "tests"))
    else:
        raise ReferenceFormatError(
            "reference has no tests: expected inputs/outputs (APPS), "
            "public/private/generated_tests (CodeContests) or tests"
        )
    if not raw:
        raise ReferenceFormatError("reference holds no test cases")
    tests: list[TestCase] = []
    for n, (inp, out, group) in enumerate(raw):
        if kind == "call":
            args = inp if isinstance(inp, list) else [inp]
            tests.append(TestCase(args, out, group))
        else:
            tests.append(
                TestCase(_stdin_text(inp, f"input {n}"), _stdin_text(out, f"output {n}"), group)
            )
    return TestSuite(
        kind=kind,
        tests=tuple(tests),
        fn_name=fn_name,
        checker=_checker(ref.get("checker")),
        time_limit_s=_time_limit(ref.get("time_limit")),
        memory_mb=_memory(ref),
    )
