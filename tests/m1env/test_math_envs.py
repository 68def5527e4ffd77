"""The procedural math families, the Math-v0 mixture, and the CLI on them.

Answers are checked independently of the generators' own arithmetic (Python
``Fraction`` evaluation of the written expression, sympy on the written equation),
and every worked solution is scored by the real ``math`` verifier.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections import Counter
from fractions import Fraction

import pytest
import sympy
from sympy.parsing.sympy_parser import (
    implicit_multiplication_application,
    parse_expr,
    standard_transformations,
)

import m1env
from m1env.cli.demo import corrupt
from m1env.envs.math import MathEnv, load_family
from m1env.envs.math.arithmetic import ArithmeticConfig
from m1env.envs.math.fractions import FractionsConfig
from m1env.envs.math.linear import LinearConfig
from m1env.envs.math.mixture import DEFAULT_WEIGHTS, MixtureGenerator
from m1env.envs.math.quadratic import QuadraticConfig
from m1env.envs.math.word_problems import WordProblemConfig
from m1env.verifiers import UnknownVerifierError, get_verifier
from m1env.verifiers.extract import last_boxed

FAMILIES = ["arithmetic", "fractions", "linear", "quadratic", "word_problems"]
DIFFICULTIES = range(1, 11)


@pytest.fixture(scope="module")
def math_verifier():
    try:
        return get_verifier("math")
    except UnknownVerifierError:
        pytest.skip("the `math` verifier (branch mathverify) is not installed")


def _math(question: str) -> str:
    """The last $...$ span of a question: the expression or equation."""
    return re.findall(r"\$([^$]*)\$", question)[-1]


def _eval_tex(expr: str) -> Fraction:
    """Evaluate the generators' LaTeX arithmetic with exact fractions (test-side code)."""
    expr = re.sub(r"\\frac\{(\d+)\}\{(\d+)\}", r"F(\1, \2)", expr)
    expr = expr.replace("\\left(", "(").replace("\\right)", ")")
    expr = expr.replace("\\times", "*").replace("\\div", "/")
    expr = re.sub(r"(?<![\w(, ])(\d+)|(?<=[ (])(\d+)(?![\d,])", lambda m: f"F({m.group()})", expr)
    return eval(expr, {"F": Fraction})  # our own generated text, never model output


def _tex_value(text: str) -> Fraction:
    m = re.fullmatch(r"(-?)\\frac\{(\d+)\}\{(\d+)\}", text.strip())
    if m:
        return Fraction(int(m.group(2)), int(m.group(3))) * (-1 if m.group(1) else 1)
    return Fraction(text.strip())


_TRANSFORMS = (*standard_transformations, implicit_multiplication_application)


def _sym(tex: str) -> sympy.Expr:
    text = re.sub(r"\\frac\{([^{}]+)\}\{([^{}]+)\}", r"((\1)/(\2))", tex).replace("^", "**")
    return parse_expr(text, transformations=_TRANSFORMS)


@pytest.mark.parametrize("family", FAMILIES)
def test_items_are_pure_functions_of_seed_index_difficulty(family):
    fam = load_family(family)
    for d in (1, 5, 10):
        a = [fam.generate(7, i, d) for i in range(20)]
        assert a == [fam.generate(7, i, d) for i in range(20)]
        other = [fam.generate(8, i, d).question for i in range(20)]
        assert sum(x.question != y for x, y in zip(a, other, strict=True)) >= 12
        assert len({p.question for p in a}) >= 12
        assert all(p.metadata["family"] == family for p in a)


def test_arithmetic_answers_equal_an_independent_evaluation():
    fam = load_family("arithmetic")
    for d in DIFFICULTIES:
        for i in range(30):
            p = fam.generate(1, i, d)
            value = _eval_tex(_math(p.question))
            assert value.denominator == 1 and str(value.numerator) == p.answer, p.question


def test_fraction_answers_equal_an_independent_evaluation():
    fam = load_family("fractions")
    for d in DIFFICULTIES:
        for i in range(30):
            p = fam.generate(2, i, d)
            assert _eval_tex(_math(p.question)) == _tex_value(p.answer), p.question
            value = _tex_value(p.answer)
            assert p.answer == (str(value) if value.denominator == 1 else p.answer)


def test_linear_solutions_satisfy_the_written_equations():
    fam = load_family("linear")
    kinds: Counter[str] = Counter()
    for d in DIFFICULTIES:
        for i in range(15):
            p = fam.generate(3, i, d)
            kinds[p.metadata["kind"]] += 1
            text = _math(p.question)
            if p.metadata["kind"] == "system":
                x0, y0 = (int(v) for v in p.answer.strip("()").split(","))
                cases = re.search(r"\\begin\{cases\}(.*)\\end\{cases\}", p.question)
                assert cases is not None
                text = cases.group(0)
                body = text.replace("\\begin{cases}", "").replace("\\end{cases}", "")
                equations = body.split("\\\\")
                x, y = sympy.symbols("x y")
                for eq in equations:
                    lhs, rhs = eq.split("=")
                    assert (_sym(lhs) - _sym(rhs)).subs({x: x0, y: y0}) == 0, p.question
            else:
                var = sympy.Symbol(p.metadata["variable"])
                lhs, rhs = text.split("=")
                solutions = sympy.solve(sympy.Eq(_sym(lhs), _sym(rhs)), var)
                assert solutions == [sympy.Rational(str(_tex_value(p.answer)))], p.question
    assert kinds["system"] > 0 and kinds["equation"] > 0


def test_quadratic_roots_are_the_written_equations_roots():
    fam = load_family("quadratic")
    for d in DIFFICULTIES:
        for i in range(12):
            p = fam.generate(4, i, d)
            var = sympy.Symbol(p.metadata["variable"])
            lhs, rhs = _math(p.question).split("=")
            roots = sympy.solve(sympy.Eq(_sym(lhs), _sym(rhs)), var)
            expected = sorted(sympy.Rational(str(_tex_value(r))) for r in p.answer.split(", "))
            assert sorted(roots) == expected and len(expected) == 2, p.question


def test_word_problem_answers_are_whole_numbers_matching_their_solution():
    fam = load_family("word_problems")
    templates: Counter[str] = Counter()
    for d in DIFFICULTIES:
        for i in range(30):
            p = fam.generate(5, i, d)
            templates[p.metadata["template"]] += 1
            assert int(p.answer) >= 0 and last_boxed(p.solution or "") == p.answer
            assert "$" not in re.sub(r"\$[^$]*\$", "", p.question), "stray $ in the question"
    assert len(templates) == len(WordProblemConfig().templates)


def test_difficulty_scales_the_knobs():
    easy, hard = ArithmeticConfig.for_difficulty(1), ArithmeticConfig.for_difficulty(10)
    assert (easy.max_terms, easy.max_digits, easy.parentheses) == (2, 1, False)
    assert hard.max_terms >= 6 and hard.max_digits == 4 and "/" in hard.operators
    assert (
        FractionsConfig.for_difficulty(10).max_denominator
        > FractionsConfig.for_difficulty(1).max_denominator
    )
    assert LinearConfig.for_difficulty(7).system_probability == 0
    assert LinearConfig.for_difficulty(10).system_probability > 0
    assert not QuadraticConfig.for_difficulty(6).rational_roots
    assert QuadraticConfig.for_difficulty(7).rational_roots
    fam = load_family("arithmetic")
    ops = [fam.generate(0, i, d).metadata["operands"] for d in (1, 10) for i in range(40)]
    assert max(ops[:40]) == 2 and sum(ops[40:]) / 40 >= 5


@pytest.mark.parametrize(
    ("cls", "bad"),
    [
        (ArithmeticConfig, {"max_digits": 0}),
        (ArithmeticConfig, {"operators": ("^",)}),
        (ArithmeticConfig, {"min_terms": 5, "max_terms": 3}),
        (FractionsConfig, {"max_denominator": 1}),
        (LinearConfig, {"system_probability": 1.5}),
        (QuadraticConfig, {"max_root": 1}),
        (WordProblemConfig, {"templates": ("nope",)}),
    ],
)
def test_configs_validate(cls, bad):
    with pytest.raises(ValueError):
        cls(**bad)


def test_config_overrides_through_make():
    env = m1env.make("m1env/Math-Arithmetic-v0", config={"max_digits": 1, "parentheses": False})
    for s in range(20):
        _, info = env.reset(seed=s, options={"difficulty": 9})
        assert all(
            len(n) == 1 for n in re.findall(r"\d+", _math(info["task"]["prompt"][-1]["content"]))
        )
        assert "(" not in info["task"]["prompt"][-1]["content"].split("$")[1].replace("(-", "")
    with pytest.raises(ValueError, match="unknown config fields"):
        m1env.make("m1env/Math-Arithmetic-v0", config={"digits": 1})
    with pytest.raises(ValueError, match="max_digits"):
        m1env.make("m1env/Math-Arithmetic-v0", config={"max_digits": 99})


def test_mixture_is_deterministic_and_follows_the_weights():
    mix = MixtureGenerator()
    first = [mix(11, i, 5).metadata["family"] for i in range(400)]
    assert first == [mix(11, i, 5).metadata["family"] for i in range(400)]
    counts = Counter(first)
    for family, weight in DEFAULT_WEIGHTS.items():
        assert abs(counts[family] / 400 - weight) < 0.07, counts
    only = MixtureGenerator({"quadratic": 1.0, "linear": 0})
    assert {only(0, i, 5).metadata["family"] for i in range(50)} == {"quadratic"}
    bad_weights: list[dict[str, float]] = [
        {},
        {"calculus": 1.0},
        {"linear": -1},
        {"linear": 0},
        {"linear": float("nan")},
    ]
    for bad in bad_weights:
        with pytest.raises(ValueError):
            MixtureGenerator(bad)


def test_envs_ask_for_and_format_boxed_answers():
    env = m1env.make("m1env/Math-v0").unwrapped
    assert isinstance(env, MathEnv)
    obs, info = env.reset(seed=0)
    assert "\\boxed{}" in obs
    assert env.format_answer("-2, 3") == "The final answer is $\\boxed{-2, 3}$."
    task = m1env.Task.from_dict(info["task"])
    assert task.metadata["seed"] == 0 and task.metadata["difficulty"] == 5
    assert task.id.startswith("m1env/Math-v0/mixture/0/5/") and task.metadata["family"]


def test_worked_solutions_score_correct_and_corruptions_incorrect(math_verifier):
    for family in FAMILIES:
        fam = load_family(family)
        for d in DIFFICULTIES:
            for i in range(4):
                p = fam.generate(9, i, d)
                assert p.solution is not None
                good = math_verifier.check(p.solution, p.answer)
                assert good.status == "correct", (family, p.solution, good.reason)
                for n in (0, 1):
                    wrong, how = corrupt(p.solution, i * 2 + n)
                    bad = math_verifier.check(wrong, p.answer)
                    assert bad.status == "incorrect", (family, how, wrong, bad)


def test_steps_score_through_the_environment(math_verifier):
    env = m1env.make("m1env/Math-Quadratic-v0")
    _, info = env.reset(seed=3, options={"difficulty": 2})
    low, high = info["task"]["reference"].split(", ")
    _, reward, terminated, _, info = env.step(
        f"So x = {high} or x = {low}: \\boxed{{{high}, {low}}}"
    )
    assert (reward, terminated, info["score"].status) == (1.0, True, "correct")
    env.reset(seed=3, options={"difficulty": 2})
    _, reward, _, _, info = env.step(f"\\boxed{{{low}}}")
    assert reward == 0.0 and info["score"].status == "incorrect"


def _cli(*args: str, stdin: str | None = None, cwd=None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "m1env.cli", *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        cwd=cwd,
        check=False,
    )


@pytest.mark.parametrize(("env_id", "n"), [("m1env/Math-v0", 25), ("m1env/MathDataset-v0", 70)])
def test_cli_tasks_then_score_gives_correct_for_every_example(math_verifier, env_id, n):
    tasks = _cli("tasks", env_id, "-n", str(n), "--seed", "4")
    assert tasks.returncode == 0, tasks.stderr
    rows = [json.loads(line) for line in tasks.stdout.splitlines()]
    assert len(rows) == n
    lines = []
    for k, row in enumerate(rows):
        lines.append(
            {"id": row["id"], "response": row["example_response"], "reference": row["reference"]}
        )
        wrong, _ = corrupt(row["example_response"], k)
        lines.append({"id": f"{row['id']}#bad", "response": wrong, "reference": row["reference"]})
    scored = _cli(
        "score", "--verifier", "math", "-j", "2",
        stdin="".join(json.dumps(x) + "\n" for x in lines),
    )  # fmt: skip
    assert scored.returncode == 0, scored.stderr
    results = [json.loads(line) for line in scored.stdout.splitlines()]
    assert [r["id"] for r in results] == [x["id"] for x in lines]
    for r in results:
        expected = "incorrect" if r["id"].endswith("#bad") else "correct"
        assert r["status"] == expected, r


def test_demo_prints_the_table_and_records_every_response(math_verifier, tmp_path):
    out = tmp_path / "demo"
    done = _cli("demo", "--per-family", "2", "--out", str(out), cwd=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "100.0%" in done.stdout and "total" in done.stdout
    records = [json.loads(line) for line in (out / "episodes.jsonl").read_text().splitlines()]
    assert len(records) == 2 * (70 + 2 * len(FAMILIES))
    assert Counter(r["kind"] for r in records) == {"gold": 80, "corrupted": 80}
    assert {r["status"] for r in records if r["kind"] == "gold"} == {"correct"}
    assert {r["status"] for r in records if r["kind"] == "corrupted"} == {"incorrect"}
    summary = json.loads((out / "summary.json").read_text())
    assert summary["sources"]["math_sample"]["gold"]["accuracy"] == 1.0
