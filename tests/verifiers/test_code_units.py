"""m1env.verifiers.code without the sandbox: extraction, test formats, comparison, options."""

from __future__ import annotations

import json

import pytest

from m1env.verifiers.code import (
    CodeConfig,
    CodeConfigError,
    ReferenceFormatError,
    canonical_language,
    compare_text,
    compare_values,
    fenced_blocks,
    find_program,
    parse_reference,
)


def test_last_block_in_the_requested_language_wins() -> None:
    text = "plan\n```python\nprint(1)\n```\ntext\n```cpp\nint main(){}\n```\n```python\nprint(2)\n```\n"
    assert find_program(text, "python3").code == "print(2)\n"
    assert find_program(text, "python3", which="first").code == "print(1)\n"
    assert find_program(text, "c++").code == "int main(){}\n"


def test_untagged_block_is_a_fallback_only() -> None:
    text = "```\nprint(0)\n```\n"
    assert find_program(text, "python3").code == "print(0)\n"
    assert find_program(text, "python3", allow_untagged=False).verdict == "wrong_language"
    both = "```\nprint(0)\n```\n```py\nprint(9)\n```"
    assert find_program(both, "python3").code == "print(9)\n"


def test_missing_and_wrong_language_blocks_are_told_apart() -> None:
    assert find_program("no code here", "python3").verdict == "no_code"
    unclosed = find_program("```python\nprint(1)\n", "python3")
    assert unclosed.verdict == "no_code"
    wrong = find_program("```java\nclass A{}\n```", "python3")
    assert wrong.verdict == "wrong_language" and "java" in wrong.reason
    assert find_program("```python\n\n```", "python3").verdict == "no_code"


def test_fences_of_tildes_and_longer_fences_nest_backticks() -> None:
    text = "````python\nprint('```')\n````\n~~~cpp\nint x;\n~~~\n"
    blocks = fenced_blocks(text)
    assert [(b.tag, b.code) for b in blocks] == [("python", "print('```')\n"), ("cpp", "int x;\n")]


def test_extraction_is_linear_on_hostile_input() -> None:
    import time

    text = "```python\n" * 200_000
    start = time.perf_counter()
    assert find_program(text, "python3").verdict == "no_code"
    assert time.perf_counter() - start < 2.0


def test_language_aliases() -> None:
    assert canonical_language("Python") == "python3"
    assert canonical_language("cpp") == canonical_language("C++") == "c++"
    with pytest.raises(ValueError, match="unsupported language"):
        canonical_language("cobol")


def test_apps_stdin_and_call_formats() -> None:
    suite = parse_reference(
        json.dumps({"inputs": ["1 2\n", ["3 4", "5"]], "outputs": ["3\n", ["7"]]})
    )
    assert suite.kind == "stdin" and suite.tests[1].input == "3 4\n5\n"
    call = parse_reference(
        {"input_output": {"inputs": [[1, 2], 5], "outputs": [[3], 5], "fn_name": "f"}}
    )
    assert call.kind == "call" and call.fn_name == "f"
    assert call.tests[1].input == [5]


def test_codecontests_groups_limits_and_checker() -> None:
    ref = {
        "public_tests": {"input": ["1\n"], "output": ["1\n"]},
        "private_tests": {"input": ["2\n"], "output": ["2\n"]},
        "generated_tests": {"input": ["3\n"], "output": ["3\n"]},
        "time_limit": {"seconds": 1, "nanos": 500_000_000},
        "memory_limit_bytes": 64 * 1024 * 1024,
        "checker": "import sys; sys.exit(0)",
    }
    suite = parse_reference(ref)
    assert [t.group for t in suite.tests] == ["public", "private", "generated"]
    assert suite.time_limit_s == 1.5 and suite.memory_mb == 64
    assert suite.checker is not None and suite.checker.language == "python3"


@pytest.mark.parametrize(
    "bad",
    [
        "not json",
        [1, 2],
        {"inputs": ["1"], "outputs": []},
        {"inputs": [], "outputs": []},
        {"nothing": 1},
        {"inputs": ["1"], "outputs": ["1"], "fn_name": "not an identifier"},
        {"tests": [{"input": "1"}]},
        {"inputs": ["1"], "outputs": ["1"], "time_limit": -1},
    ],
)
def test_malformed_references_raise(bad: object) -> None:
    with pytest.raises(ReferenceFormatError):
        parse_reference(bad)


def test_text_comparison_ignores_trailing_whitespace_not_content() -> None:
    assert compare_text("1 2  \r\n3\n\n\n", "1 2\n3")[0]
    assert compare_text("1\n2\n", "1 2\n")[0]  # token-wise, like most judges
    ok, note = compare_text("1 3\n", "1 2\n")
    assert not ok and "token 2" in note
    assert not compare_text("1 2 3\n", "1 2\n")[0]
    assert not compare_text("", "0\n")[0]


def test_float_tolerance_applies_to_real_tokens_only() -> None:
    assert compare_text("0.3333333\n", "0.333333333\n")[0]
    assert compare_text("1e9\n", "1000000000.5\n")[0]
    assert not compare_text("0.34\n", "0.333333333\n")[0]
    assert not compare_text("1000001\n", "1000000\n")[0]  # integers are exact
    assert not compare_text("nan\n", "0.5\n")[0]
    assert not compare_text("0.3333333\n", "0.333333333\n", float_tol=0)[0]


def test_value_comparison_is_strict_about_types() -> None:
    assert compare_values(3, [3])[0]  # APPS wraps return values in a list
    assert compare_values([1, 2], [[1, 2]])[0]
    assert not compare_values(True, 1)[0]
    assert not compare_values(1, True)[0]
    assert not compare_values("3", 3)[0]
    assert not compare_values([1, 2], [1, 2, 3])[0]
    assert compare_values(2, 2.0)[0] and compare_values(0.1 + 0.2, 0.3)[0]
    assert not compare_values({"a": 1}, {"a": 1, "b": 2})[0]
    assert not compare_values(None, 0)[0]


def test_config_validates() -> None:
    assert CodeConfig(language="py").language == "python3"
    for bad in (
        {"mode": "most"},
        {"time_limit_s": 0},
        {"memory_mb": 1.5},
        {"stop_on_failure": "yes"},
        {"language": "cobol"},
        {"extract": "middle"},
    ):
        with pytest.raises(CodeConfigError):
            CodeConfig(**bad)
    with pytest.raises(CodeConfigError, match="unknown options"):
        CodeConfig.from_options({"lang": "python3"})
