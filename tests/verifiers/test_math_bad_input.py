"""Bad input to the math verifier: each case ends fast, with a clear status and reason.

Everything goes through ``verify`` (the killable worker pool), so a crash or a hang
would show up here as an ``error`` Score or a slow test.
"""

from __future__ import annotations

import time

import pytest

from m1env.verifiers import WorkerPool
from m1env.verifiers.extract import boxed_contents, tag_contents
from m1env.verifiers.math import MathVerifier

V = MathVerifier()


@pytest.fixture(scope="module")
def pool():
    with WorkerPool(size=1) as p:
        yield p


def run(pool, response, reference="1", **options):
    start = time.perf_counter()
    score = V.verify(response, reference, pool=pool, timeout=5, **options)
    return score, time.perf_counter() - start


@pytest.mark.parametrize(
    ("response", "reason"),
    [
        ("\\boxed{9^{9^{9^{9}}}}", "exponent tower of height 4"),
        ("\\boxed{9^9^9^9}", "exponent tower"),
        ("\\boxed{9^{9^{9}}}", "a power with about"),
        ("\\boxed{x^{9^{9^{9}}}}", "exponent tower"),
        ("\\boxed{2^{1000000}}", "a power with about"),
        ("\\boxed{(10!)!}", "factorial of 3628800"),
        ("\\boxed{\\binom{10^6}{5}}", "binomial coefficient too large"),
        ("\\boxed{1e999999999}", "scientific exponent"),
        ("\\boxed{" + "9" * 1000 + "}", "a number with 1000 characters"),
        ("\\boxed{" + "(" * 400 + "1" + ")" * 400 + "}", "nesting deeper"),
        ("\\boxed{" + "\\sqrt{" * 200 + "2" + "}" * 200 + "}", "over the 1000 limit"),
        ("\\boxed{" + "{" * 20000 + "1" + "}" * 20000 + "}", "over the 1000 limit"),
        ("\\boxed{" + "-" * 500 + "1}", "nesting deeper"),
    ],
)
def test_latex_bombs_are_refused_structurally(pool, response, reason):
    score, elapsed = run(pool, response)
    assert score.status == "incorrect"
    assert reason in score.reason
    assert elapsed < 2.0  # refused on structure, not stopped by the 5 s limit


def test_ten_megabyte_response(pool):
    score, elapsed = run(pool, "x" * 10_000_000 + "\\boxed{1}")
    assert score.status == "incorrect"
    assert "over the 1000000 limit" in score.reason
    assert elapsed < 4.0


def test_a_large_response_under_the_cap_is_scanned_linearly(pool):
    score, elapsed = run(pool, "{" * 500_000 + "\\boxed{" * 50_000 + " so \\boxed{1}")
    assert score.status == "correct"
    assert elapsed < 4.0


def test_invalid_utf8_bytes(pool):
    score, _ = run(pool, b"\xff\xfe\\boxed{1}\xc3")
    assert score.status == "correct"
    score, _ = run(pool, b"\\boxed{1\xff}")
    assert score.status == "incorrect"
    assert "could not be read" in score.reason or "text differs" in score.reason


def test_lone_surrogates_and_nul_bytes(pool):
    assert run(pool, "\ud800 \\boxed{1}")[0].status == "correct"
    assert run(pool, "\\boxed{1\x00}")[0].status == "correct"
    assert run(pool, "\x00" * 1000)[0].status == "incorrect"


@pytest.mark.parametrize("response", ["", "   ", "\\boxed{}", "<answer></answer>", "####"])
def test_empty_answers(pool, response):
    score, _ = run(pool, response)
    assert score.status == "incorrect"
    assert score.reason.startswith("no final answer found")


@pytest.mark.parametrize(
    ("reference", "reason"),
    [
        ("\\frac{1}{", "could not be parsed"),
        ("", "reference is empty"),
        ("1e99999", "beyond the size caps"),
        ({"a": 1}, "got dict"),
        (float("nan"), "must be finite"),
    ],
)
def test_a_reference_that_does_not_parse_is_an_error(pool, reference, reason):
    score, _ = run(pool, "\\boxed{1}", reference=reference)
    assert score.status == "error"
    assert reason in score.reason


def test_response_of_wrong_type_is_an_error(pool):
    assert V.verify(12345, "1", pool=pool).status == "error"


def test_the_pool_survives_a_time_limit(pool):
    # Scanning 900k braces takes far longer than 50 ms: the worker is killed, the Score
    # says so, and the next call works.
    score = V.verify("{" * 900_000 + "\\boxed{1}", "1", pool=pool, timeout=0.05)
    assert score.status == "error" and score.details.get("timed_out")
    assert "time limit" in score.reason
    assert V.verify("\\boxed{1}", "1", pool=pool).status == "correct"


def test_extract_scans_are_linear():
    start = time.perf_counter()
    assert boxed_contents("\\boxed{" * 200_000) == []
    assert tag_contents("<answer>" * 200_000) == []
    assert tag_contents("<answer>a<answer>b</answer>") == ["b"]
    assert time.perf_counter() - start < 2.0


def test_a_script_using_the_default_pool_exits():
    # Regression: non-daemonic workers made every such script hang at interpreter exit.
    import subprocess
    import sys

    code = "from m1env.verifiers import verify; print(verify('math', '\\\\boxed{1}', '1').status)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "correct"
