"""The ``code`` verifier end to end in the real sandbox: formats, languages, limits, modes,
checkers and bad input. Every program here really runs."""

from __future__ import annotations

import os

import pytest

from m1env.verifiers import get_verifier
from m1env.verifiers.code import CodeVerifier

ADD = {"inputs": ["1 2\n", "10 -3\n", "5 5\n"], "outputs": ["3\n", "7\n", "10\n"]}
CALL = {"inputs": [[1, 2], [10, -3]], "outputs": [[3], [7]], "fn_name": "add"}
CPP_ADD = "#include <iostream>\nint main(){long long a,b;std::cin>>a>>b;std::cout<<a+b<<'\\n';}\n"


def py(code: str) -> str:
    return f"Here you go.\n```python\n{code}\n```\n"


@pytest.fixture(scope="module")
def code() -> CodeVerifier:
    return CodeVerifier()


def test_registered_under_code() -> None:
    assert isinstance(get_verifier("code"), CodeVerifier)


def test_stdin_problem_correct_and_wrong(code: CodeVerifier) -> None:
    good = code.verify(py("a, b = map(int, input().split())\nprint(a + b)"), ADD)
    assert good.status == "correct" and good.score == 1.0
    assert [t["verdict"] for t in good.details["tests"]] == ["passed"] * 3
    assert all(t["time_s"] >= 0 for t in good.details["tests"])
    bad = code.verify(py("a, b = map(int, input().split())\nprint(a * b)"), ADD)
    assert bad.status == "incorrect" and bad.score == 0.0
    assert bad.details["tests"][0]["verdict"] == "wrong_answer"


def test_stop_on_failure_and_fraction_mode(code: CodeVerifier) -> None:
    almost = py("a, b = map(int, input().split())\nprint(a + b if a != 10 else 0)")
    binary = code.verify(almost, ADD)
    assert binary.score == 0.0
    assert [t["verdict"] for t in binary.details["tests"]] == ["passed", "wrong_answer", "skipped"]
    frac = code.verify(almost, ADD, mode="fraction")
    assert frac.status == "incorrect" and frac.score == pytest.approx(2 / 3)
    assert [t["verdict"] for t in frac.details["tests"]] == ["passed", "wrong_answer", "passed"]
    every = code.verify(almost, ADD, stop_on_failure=False)
    assert every.score == 0.0 and every.details["passed"] == 2


def test_call_based_top_level_and_solution_class(code: CodeVerifier) -> None:
    assert code.verify(py("def add(a, b):\n    return a + b"), CALL).status == "correct"
    leet = "class Solution:\n    def add(self, a: int, b: int) -> int:\n        print('debug')\n        return a + b"
    assert code.verify(py(leet), CALL).status == "correct"
    missing = code.verify(py("def plus(a, b):\n    return a + b"), CALL)
    assert missing.status == "incorrect" and "no function" in missing.reason
    raises = code.verify(py("def add(a, b):\n    raise ValueError('nope')"), CALL)
    assert raises.details["tests"][0]["verdict"] == "runtime_error"


def test_cpp_compiles_once_and_runs_every_test(code: CodeVerifier) -> None:
    res = code.verify(f"```cpp\n{CPP_ADD}```", ADD, language="c++")
    assert res.status == "correct", res.reason
    assert res.details["compile_s"] > 0 and res.details["total"] == 3
    err = code.verify("```cpp\nint main( {\n```", ADD, language="cpp")
    assert err.status == "incorrect" and err.details["verdict"] == "compile_error"
    assert "error" in err.reason


def test_call_based_needs_python(code: CodeVerifier) -> None:
    res = code.verify(f"```cpp\n{CPP_ADD}```", CALL, language="cpp")
    assert res.status == "error" and "needs python3" in res.reason


def test_float_tolerance_end_to_end(code: CodeVerifier) -> None:
    ref = {"inputs": ["3\n"], "outputs": ["0.333333333\n"]}
    assert code.verify(py("print(1 / int(input()))"), ref).status == "correct"
    assert code.verify(py("print(round(1 / int(input()), 2))"), ref).status == "incorrect"


CHECKER = (
    "import sys\n"
    "n = int(open('input.txt').read())\n"
    "got = open('output.txt').read().split()\n"
    "if len(got) != 2 or not all(g.isdigit() for g in got) or int(got[0]) + int(got[1]) != n:\n"
    "    print('not a split of', n); sys.exit(1)\n"
)
SPLIT = {
    "tests": [{"input": "10\n", "output": "5 5\n"}, {"input": "7\n", "output": "3 4\n"}],
    "checker": CHECKER,
}


def test_checker_accepts_any_valid_answer(code: CodeVerifier) -> None:
    other = py("n = int(input())\nprint(1, n - 1)")  # differs from the stored answers
    assert code.verify(other, SPLIT).status == "correct"
    wrong = code.verify(py("n = int(input())\nprint(1, n)"), SPLIT)
    assert wrong.status == "incorrect" and "not a split" in wrong.details["tests"][0]["note"]


def test_broken_checker_is_an_error_not_a_zero(code: CodeVerifier) -> None:
    broken = {**SPLIT, "checker": "import os\nos._exit(7)\n"}
    res = code.verify(py("n = int(input())\nprint(1, n - 1)"), broken)
    assert res.status == "error" and res.details["verdict"] == "checker_error"
    uncompilable = {**SPLIT, "checker": {"language": "cpp", "source": "int main( {"}}
    assert code.verify(py("print(1)"), uncompilable).status == "error"


# -- bad input: each gets a clear verdict, status incorrect ------------------------------


@pytest.mark.parametrize(
    ("response", "verdict"),
    [
        ("I think the answer is to add them.", "no_code"),
        ("```java\nclass Main { }\n```", "wrong_language"),
        ("```python\n" + "x = 1\n" * 200_000 + "```", "source_too_large"),
    ],
)
def test_unrunnable_responses(code: CodeVerifier, response: str, verdict: str) -> None:
    res = code.verify(response, ADD)
    assert res.status == "incorrect" and res.details["verdict"] == verdict, res


def test_infinite_loop_is_a_time_limit(code: CodeVerifier) -> None:
    res = code.verify(py("while True:\n    pass"), ADD, time_limit_s=0.5)
    assert res.status == "incorrect" and res.details["verdict"] == "time_limit"
    sleeper = code.verify(py("import time\ntime.sleep(60)"), ADD, time_limit_s=0.5)
    assert sleeper.details["verdict"] == "time_limit"


def test_memory_bomb_is_a_memory_limit(code: CodeVerifier) -> None:
    res = code.verify(py("x = bytearray(400 * 1024 * 1024)\nprint(len(x))"), ADD, memory_mb=64)
    assert res.status == "incorrect" and res.details["verdict"] == "memory_limit", res


def test_huge_output_is_an_output_limit(code: CodeVerifier) -> None:
    res = code.verify(py("import sys\nwhile True:\n    sys.stdout.write('x' * 65536)"), ADD)
    assert res.status == "incorrect" and res.details["verdict"] == "output_limit"


def test_binary_garbage(code: CodeVerifier) -> None:
    garbage = os.urandom(4096).decode("latin-1")
    assert code.verify(garbage, ADD).status == "incorrect"
    fenced = code.verify("```python\n" + garbage.replace("`", "") + "\n```", ADD)
    assert fenced.status == "incorrect" and fenced.details["verdict"] == "runtime_error"
    raw = code.verify(b"```python\n\xff\xfe\x00print(3)\n```", ADD)
    assert raw.status == "incorrect"


def test_infrastructure_faults_are_errors(code: CodeVerifier) -> None:
    assert code.verify(py("print(3)"), {"no": "tests"}).status == "error"
    res = code.verify(py("print(3)"), ADD, backend="no-such-backend")
    assert res.status == "error" and "sandbox" in res.reason
    assert code.verify(py("print(3)"), ADD, language="cobol").status == "error"


# -- isolation="problem": every test in one sandbox, per-test rlimits --------------------


def test_batch_isolation_scores_like_per_test(code: CodeVerifier) -> None:
    good = code.verify(
        py("a, b = map(int, input().split())\nprint(a + b)"), ADD, isolation="problem"
    )
    assert good.status == "correct" and good.details["passed"] == 3
    call = code.verify(py("def add(a, b):\n    return a + b"), CALL, isolation="problem")
    assert call.status == "correct"
    cpp = code.verify(f"```cpp\n{CPP_ADD}```", ADD, language="cpp", isolation="problem")
    assert cpp.status == "correct"
    almost = py("a, b = map(int, input().split())\nprint(a + b if a != 10 else 0)")
    assert code.verify(almost, ADD, mode="fraction", isolation="problem").score == pytest.approx(
        2 / 3
    )
    checked = code.verify(py("n = int(input())\nprint(1, n - 1)"), SPLIT, isolation="problem")
    assert checked.status == "correct"


@pytest.mark.parametrize(
    ("program", "verdict"),
    [
        ("while True:\n    pass", "time_limit"),
        ("x = bytearray(400 * 1024 * 1024)", "memory_limit"),
        ("import sys\nwhile True:\n    sys.stdout.write('x' * 65536)", "output_limit"),
        ("raise SystemExit(2)", "runtime_error"),
    ],
)
def test_batch_isolation_enforces_per_test_limits(
    code: CodeVerifier, program: str, verdict: str
) -> None:
    res = code.verify(py(program), ADD, isolation="problem", time_limit_s=0.5, memory_mb=64)
    assert res.status == "incorrect" and res.details["verdict"] == verdict, res
    # Stop at the first failure: the batch did not run the remaining tests.
    assert [t["verdict"] for t in res.details["tests"]][1:] == ["skipped", "skipped"]
