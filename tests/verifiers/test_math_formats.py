"""m1env.verifiers.math: every answer format of issue 2, positives and hard negatives."""

from __future__ import annotations

from typing import Any

import pytest

from m1env.verifiers.math import MathVerifier, clean, parse

V = MathVerifier()


def status(answer: str, reference: Any, **options: Any) -> str:
    return V.check(f"Thus the answer is $\\boxed{{{answer}}}$.", reference, **options).status


CORRECT = [
    # integers, thousands separators, scientific notation
    ("1,234,567", "1234567"),
    ("1{,}234", "1234"),
    ("1\\,234", "1234"),
    ("1.2\\times 10^{3}", "1200"),
    ("1.2e3", "1200"),
    # fractions, mixed numbers, decimals, percent
    ("\\dfrac{6}{8}", "\\frac34"),
    ("2\\frac{1}{4}", "\\frac{9}{4}"),
    ("-0.125", "-\\frac18"),
    ("12.5\\%", "\\frac{1}{8}"),
    ("40", "40\\%"),
    # radicals, pi, e, complex
    ("2\\sqrt{3}", "\\sqrt{12}"),
    ("\\sqrt[3]{27}", "3"),
    ("\\frac{\\pi}{3}", "\\pi/3"),
    ("e^{i\\pi}+1", "0"),
    ("3-4i", "-4i+3"),
    ("√2", "\\sqrt{2}"),
    ("π", "\\pi"),
    # sets (unordered), tuples (ordered), intervals, unions
    ("\\{3,1,2\\}", "\\{1,2,3\\}"),
    ("x=2 \\text{ or } x=-2", "\\pm 2"),
    ("(1,-2)", "(1, -2)"),
    ("[-1, 3)", "[-1,3)"),
    ("(-\\infty,0)\\cup(0,\\infty)", "(-\\infty, 0) \\cup (0, \\infty)"),
    # equations and inequalities
    ("x=5", "5"),
    ("y=-x+2", "x+y=2"),
    ("-1<x\\le 2", "(-1, 2]"),
    ("x\\ge 0", "[0,\\infty)"),
    # matrices
    ("\\begin{bmatrix}1&0\\\\0&1\\end{bmatrix}", "\\begin{pmatrix}1&0\\\\0&1\\end{pmatrix}"),
    # degrees and units
    ("60^{\\circ}", "60"),
    ("\\frac{\\pi}{3}", "60^\\circ"),
    ("7\\text{ meters}", "7\\text{ m}"),
    ("\\$4.50", "4.5"),
    # choices and text
    ("\\textbf{(C)}", "C"),
    ("\\text{Monday}", "monday"),
    # expressions in variables
    ("(a+b)^2", "a^2+2ab+b^2"),
    ("\\frac{2}{x-1}", "\\frac{4}{2x-2}"),
]

INCORRECT = [
    ("1,234,568", "1234567"),
    ("1.2\\times 10^{4}", "1200"),
    ("\\frac{4}{3}", "\\frac34"),
    ("2\\frac{1}{4}", "\\frac{1}{2}"),  # a mixed number, not 2 * 1/4
    ("0.333", "\\frac13"),
    ("13\\%", "\\frac{1}{8}"),
    ("3\\sqrt{2}", "\\sqrt{12}"),
    ("3.14", "\\pi"),
    ("3+4i", "3-4i"),
    ("\\{1,2\\}", "\\{1,2,3\\}"),
    ("(-2,1)", "(1, -2)"),
    ("(-1, 3)", "[-1,3)"),
    ("[-1, 3]", "[-1,3)"),
    ("y=5", "x=5"),
    ("x>0", "[0,\\infty)"),
    ("\\begin{pmatrix}0&1\\\\1&0\\end{pmatrix}", "\\begin{pmatrix}1&0\\\\0&1\\end{pmatrix}"),
    ("120^\\circ", "60"),
    ("7\\text{ km}", "7\\text{ m}"),
    ("D", "C"),
    ("\\text{Tuesday}", "monday"),
    ("(a+b)^2", "a^2+b^2"),
    ("x", "y"),
]


@pytest.mark.parametrize(("answer", "reference"), CORRECT)
def test_equivalent_forms_are_correct(answer, reference):
    assert status(answer, reference) == "correct"


@pytest.mark.parametrize(("answer", "reference"), INCORRECT)
def test_hard_negatives_are_incorrect(answer, reference):
    assert status(answer, reference) == "incorrect"


def test_tolerance_option():
    assert status("0.333", "\\frac13") == "incorrect"
    assert status("0.333", "\\frac13", rel_tol=1e-2) == "correct"
    assert status("0.3333333", "\\frac13") == "correct"  # default rel_tol 1e-6 for approximations
    assert status("0.3333333", "\\frac13", rel_tol=0) == "incorrect"
    assert status("3.15", "\\pi", rel_tol=1e-3) == "incorrect"


def test_reference_decimal_states_its_precision():
    assert status("\\sqrt{2}", "1.41") == "correct"
    assert status("\\frac13", "0.33") == "correct"
    assert status("\\frac13", "0.3") == "incorrect"
    assert status("0.34", "0.33") == "incorrect"


@pytest.mark.parametrize(
    "response",
    [
        "It is \\boxed{3} or maybe \\boxed{4}.",
        "\\boxed{3 \\text{ or } 4}",
        "\\boxed{3, 4}",
        "<answer>3</answer> and <answer>4</answer>",
        "\\boxed{\\pm 3}",
    ],
)
def test_hedging_between_answers_never_wins(response):
    assert V.check(response, "3").status == "incorrect"


def test_several_boxes_may_form_a_collection_reference():
    assert V.check("roots \\boxed{2} and \\boxed{-1}", "-1, 2").status == "correct"
    assert V.check("\\boxed{5} ... so \\boxed{5}", "5").status == "correct"


def test_extraction_strategies():
    assert V.check("Natalia sold 72 clips.\n#### 72", 72).status == "correct"
    assert V.check("So the final answer is 12.", 12).status == "correct"
    assert V.check("<answer>\\frac{1}{2}</answer>", "0.5").status == "correct"
    assert V.check("12", 12).status == "correct"  # a bare short response is its own answer
    assert V.check("I think it might be twelve or so, hard to say", 12).status == "incorrect"
    # configurable: only answer tags
    assert V.check("\\boxed{12}", 12, extract=["answer_tag"]).reason.startswith("no final answer")
    assert V.check("<ans>12</ans>", 12, extract="answer_tag", tag="ans").status == "correct"


def test_reference_types():
    assert V.check("\\boxed{0.25}", 0.25).status == "correct"
    assert V.check("\\boxed{3}", 3.0).status == "correct"
    assert V.check("\\boxed{\\frac12}", ["1/2", "0.5"]).status == "correct"
    assert V.check("\\boxed{2}", ["1/2", "0.5"]).status == "incorrect"
    assert V.check("\\boxed{2}", True).status == "error"
    assert V.check("\\boxed{2}", None).status == "error"


def test_bad_options_are_rejected_before_scoring():
    for options in (
        {"nope": 1},
        {"extract": ["telepathy"]},
        {"rel_tol": -1},
        {"rel_tol": "x"},
        {"tag": "a b"},
        {"max_response_chars": 0},
    ):
        score = V.verify("\\boxed{1}", "1", **options)
        assert score.status == "error" and "bad input" in score.reason


def test_details_report_the_extracted_answer():
    score = V.check("so \\boxed{\\frac{1}{2}}", "0.5")
    assert score.details == {"extracted": ["\\frac{1}{2}"], "source": "boxed"}


def test_parser_is_a_whitelist_not_eval():
    with pytest.raises(ValueError):
        parse(clean("__import__('os').system('true')"))
    with pytest.raises(ValueError):
        parse(clean("lambda: 1"))
    assert parse(clean("\\frac{1}{2}")) == ("/", ("n", 1, -1), ("n", 2, -1))


@pytest.mark.parametrize(
    ("answer", "reference", "expected"),
    [
        ("\\frac{1 \\pm \\sqrt{5}}{2}", "\\frac{1+\\sqrt5}{2}, \\frac{1-\\sqrt5}{2}", "correct"),
        (
            "x = \\frac{-b \\pm \\sqrt{b^2-4ac}}{2a}",
            "\\frac{-b+\\sqrt{b^2-4ac}}{2a}, \\frac{-b-\\sqrt{b^2-4ac}}{2a}",
            "correct",
        ),
        ("\\frac{1 \\pm \\sqrt{5}}{2}", "\\frac{1+\\sqrt5}{2}", "incorrect"),
        ("0.\\overline{3}", "\\frac13", "correct"),
        ("0.1\\overline{6}", "\\frac16", "correct"),
        ("0.\\overline{3}", "0.3", "incorrect"),
        ("2\\sqrt{5}\\text{ units}", "2\\sqrt5", "correct"),
        ("3\\pi\\text{ cm}", "3\\pi", "correct"),
    ],
)
def test_nested_plus_minus_repeating_decimals_and_trailing_units(answer, reference, expected):
    assert status(answer, reference) == expected


def test_boxes_inside_thinking_are_not_final_answers():
    response = "<think>maybe \\boxed{3}? no.</think>\nSo the answer is \\boxed{5}."
    assert V.check(response, "5").status == "correct"
    assert V.check(response, "5", strip_thinking=False).status == "incorrect"  # now a hedge
    truncated = "<think>I keep going and going \\boxed{5}"
    assert V.check(truncated, "5").reason == "no final answer found (<think> is never closed)"


def test_two_numbers_side_by_side_are_not_a_product():
    assert status("2 3", "6") == "incorrect"
    assert status("2 \\cdot 3", "6") == "correct"


def test_trailing_words_after_a_number_are_dropped():
    assert V.check("So the answer is 18 apples.", 18).status == "correct"
    assert V.check("#### 7 people", 7).status == "correct"
    assert V.check("So the answer is 19 apples.", 18).status == "incorrect"


def test_equation_with_a_tuple_of_names():
    assert status("(1, 2)", "(x, y) = (1, 2)") == "correct"
    assert status("(2, 1)", "(x, y) = (1, 2)") == "incorrect"


def test_a_worked_solution_as_reference_stands_for_its_final_answer():
    gsm8k = "Natalia sold 48/2 = <<48/2=24>>24 clips in May.\n#### 72"
    math_solution = "Completing the square, $x = \\boxed{\\frac{1}{2}}$."
    assert V.check("\\boxed{72}", gsm8k).status == "correct"
    assert V.check("\\boxed{24}", gsm8k).status == "incorrect"
    assert V.check("\\boxed{0.5}", math_solution).status == "correct"
    assert V.check("\\boxed{2}", math_solution).status == "incorrect"


@pytest.mark.parametrize(
    ("answer", "reference", "expected"),
    [
        ("6:8", "3:4", "correct"),
        ("4:3", "3:4", "incorrect"),
        ("\\cos^{-1}(0.5)", "\\frac{\\pi}{3}", "correct"),
        ("\\sin^{-1} 1", "\\frac{\\pi}{2}", "correct"),
        ("20\\text{ m/s}", "20", "correct"),
        ("20\\text{ km/h}", "20\\text{ m/s}", "incorrect"),
        ("(-\\infty, \\infty)", "\\mathbb{R}", "correct"),
        ("[0, \\infty)", "\\mathbb{R}", "incorrect"),
    ],
)
def test_ratios_inverse_trig_compound_units_and_the_reals(answer, reference, expected):
    assert status(answer, reference) == expected


@pytest.mark.parametrize(
    ("response", "expected"),
    [
        ("The answer is (B) because A is wrong.", "correct"),
        ("\\boxed{B or C}", "incorrect"),
        ("\\boxed{(B) and (C)}", "incorrect"),
        ("\\boxed{B, D}", "incorrect"),
        ("\\boxed{\\text{(B)} \\text{ or } \\text{(C)}}", "incorrect"),
    ],
)
def test_choice_letters_hedges_and_explanations(response, expected):
    assert V.check(response, "B").status == expected


@pytest.mark.parametrize(
    ("answer", "reference", "expected"),
    [
        ("2+3=5", "5", "correct"),
        ("x=2+3=5", "5", "correct"),
        ("f(x)=2x+1", "2x+1", "correct"),
        # a false equation on the way to the reference is not an answer
        ("2+3=5=6", "6", "incorrect"),
        ("x=5=6", "6", "incorrect"),
        ("2+3=6", "6", "incorrect"),
        ("2x=6", "6", "incorrect"),
    ],
)
def test_an_equation_chain_answers_only_when_every_side_agrees(answer, reference, expected):
    assert status(answer, reference) == expected
