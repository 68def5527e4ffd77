"""Writes bench/data/math_pairs.jsonl: the labelled pairs of bench/math_verify.py.

The pairs are written out here by hand (run this file to regenerate the JSONL; the
JSONL is the artefact the benchmark reads). Labels follow one rule book, stated in
verifiers/math/verifier.py and equiv.py, and are what a careful human grader would
decide: ``True`` means the response's final answer is correct for the reference.
"""

from __future__ import annotations

import json
from pathlib import Path

# Response wrappers, cycled so every category is seen in several formats.
WRAP = [
    "Adding up the cases we get the result.\n\nTherefore the final answer is $\\boxed{{{0}}}$.",
    "We simplify step by step.\n\n**Final Answer**\n\\[\n\\boxed{{{0}}}\n\\]",
    "<think>Let me work it out carefully.</think>\n<answer>{0}</answer>",
    "Solving gives the value below.\n\nThe answer is ${0}$.",
    "So the value is \\boxed{{{0}}}.",
]
_n = [0]


def w(ans: str) -> str:
    _n[0] += 1
    return WRAP[_n[0] % len(WRAP)].format(ans)


ROWS: list[tuple[str, str, object, bool]] = []  # (category, response, reference, label)
OPTS: dict[int, dict] = {}


def add(cat: str, pairs: list[tuple], *, wrap: bool = True) -> None:
    for p in pairs:
        resp, ref, label = p[0], p[1], p[2]
        if len(p) > 3:
            OPTS[len(ROWS)] = p[3]
        ROWS.append((cat, w(resp) if wrap else resp, ref, label))


add(
    "integer",
    [
        ("42", "42", True),
        ("-17", "-17", True),
        ("043", "43", True),
        ("1,000", "1000", True),
        ("12{,}345", "12345", True),
        ("1\\,000\\,000", "1000000", True),
        ("1000", "1,000", True),
        ("2,024", "2024", True),
        ("+5", "5", True),
        ("5.0", "5", True),
        ("\\mathbf{7}", "7", True),
        ("41", "42", False),
        ("-42", "42", False),
        ("420", "42", False),
        ("1,001", "1000", False),
        ("4.2", "42", False),
        ("10^3", "1000", True),
        ("2^{10}", "1024", True),
        ("2^{10}", "1000", False),
        ("5!", "120", True),
        ("\\binom{5}{2}", "10", True),
        ("\\binom{5}{2}", "20", False),
    ],
)
add(
    "fraction",
    [
        ("\\frac{1}{2}", "\\frac{1}{2}", True),
        ("\\dfrac{3}{4}", "\\frac34", True),
        ("3/4", "\\frac{3}{4}", True),
        ("\\frac{6}{8}", "\\frac{3}{4}", True),
        ("0.75", "\\frac{3}{4}", True),
        ("\\frac{-2}{3}", "-\\frac{2}{3}", True),
        ("-\\frac{2}{3}", "\\frac{2}{-3}", True),
        ("\\tfrac{7}{2}", "3.5", True),
        ("3\\frac{1}{2}", "\\frac{7}{2}", True),
        ("\\frac{2}{3}", "\\frac{3}{2}", False),
        ("\\frac{1}{3}", "\\frac{1}{4}", False),
        ("\\frac{2}{3}", "-\\frac{2}{3}", False),
        ("\\frac{10}{4}", "\\frac{5}{2}", True),
        ("\\frac{1}{2}+\\frac{1}{3}", "\\frac{5}{6}", True),
        ("\\frac{22}{7}", "\\pi", False),
        ("\\frac{a}{b}", "\\frac{1}{2}", False),
        ("\\frac{1}{\\frac{1}{2}}", "2", True),
        ("\\frac{100}{3}", "33\\frac{1}{3}", True),
        ("\\frac{101}{3}", "33\\frac{1}{3}", False),
    ],
)
add(
    "decimal",
    [
        ("0.5", "\\frac{1}{2}", True),
        ("0.50", "0.5", True),
        (".5", "0.5", True),
        ("2.75", "\\frac{11}{4}", True),
        ("0.125", "\\frac18", True),
        ("-0.25", "-\\frac{1}{4}", True),
        ("3.14", "3.14", True),
        ("0.05", "0.5", False),
        ("2.57", "2.75", False),
        ("0.1250001", "\\frac18", False),
        ("0.12", "0.125", False),
        ("3.1", "3.14", False),
        ("1.5", "\\frac{2}{3}", False),
        ("0.2", "\\frac{1}{5}", True),
        ("0.6667", "\\frac{2}{3}", False),
        ("0.6666667", "\\frac{2}{3}", True),
        ("7.50", "7.5", True),
    ],
)
add(
    "percent",
    [
        ("25\\%", "25\\%", True),
        ("25", "25\\%", True),
        ("25 \\%", "25", True),
        ("0.25", "25\\%", True),
        ("12.5\\%", "\\frac{1}{8}", True),
        ("50\\%", "\\frac{1}{2}", True),
        ("25\\%", "0.25", True),
        ("24\\%", "25\\%", False),
        ("2.5\\%", "25\\%", False),
        ("250\\%", "25\\%", False),
        ("75\\%", "25\\%", False),
        ("33\\frac{1}{3}\\%", "\\frac{1}{3}", True),
        ("40 percent", "40\\%", True),
        ("45\\%", "40\\%", False),
    ],
)
add(
    "radical",
    [
        ("\\sqrt{2}", "\\sqrt{2}", True),
        ("\\sqrt2", "\\sqrt{2}", True),
        ("2\\sqrt{2}", "\\sqrt{8}", True),
        ("\\sqrt{8}", "2\\sqrt2", True),
        ("\\frac{\\sqrt{2}}{2}", "\\frac{1}{\\sqrt{2}}", True),
        ("3\\sqrt{3}", "\\sqrt{27}", True),
        ("\\sqrt[3]{8}", "2", True),
        ("\\sqrt[3]{16}", "2\\sqrt[3]{2}", True),
        ("\\sqrt{12}", "2\\sqrt{3}", True),
        ("1+\\sqrt{3}", "\\sqrt{3}+1", True),
        ("\\sqrt{3}", "\\sqrt{2}", False),
        ("2\\sqrt{3}", "3\\sqrt{2}", False),
        ("\\sqrt{2}", "2", False),
        ("1.414", "\\sqrt{2}", False),
        ("1.41421356", "\\sqrt{2}", True),
        ("\\sqrt{3}-1", "1-\\sqrt{3}", False),
        ("\\frac{\\sqrt{6}+\\sqrt{2}}{4}", "\\cos 15^\\circ", True),
        ("4\\sqrt{5}", "\\sqrt{80}", True),
        ("\\sqrt{50}", "5\\sqrt{3}", False),
        ("\\sqrt{5}", "5^{1/2}", True),
    ],
)
add(
    "pi_e",
    [
        ("\\pi", "\\pi", True),
        ("2\\pi", "2\\pi", True),
        ("\\frac{\\pi}{2}", "\\frac{1}{2}\\pi", True),
        ("\\pi/4", "\\frac{\\pi}{4}", True),
        ("4\\pi", "\\pi \\cdot 4", True),
        ("3.14159265", "\\pi", True),
        ("3.14", "\\pi", False),
        ("\\frac{22}{7}", "\\pi", False),
        ("2\\pi", "\\pi", False),
        ("\\pi^2", "2\\pi", False),
        ("e", "e", True),
        ("e^2", "e^{2}", True),
        ("2.718281828", "e", True),
        ("2.72", "e", False),
        ("e^{-1}", "\\frac{1}{e}", True),
        ("\\log_2 8", "3", True),
        ("e^{\\ln 3}", "3", True),
        ("12\\pi", "12\\pi", True),
        ("36\\pi", "12\\pi", False),
        ("\\pi r^2", "\\pi r^{2}", True),
        ("\\pi", "\\pi + 1", False),
    ],
)
add(
    "scientific",
    [
        ("3 \\times 10^{5}", "300000", True),
        ("3\\times10^5", "3 \\cdot 10^{5}", True),
        ("1.5e3", "1500", True),
        ("1.5 \\times 10^{3}", "1500", True),
        ("6.02 \\times 10^{23}", "6.02 \\times 10^{23}", True),
        ("2.5\\times 10^{-3}", "0.0025", True),
        ("3 \\times 10^{6}", "300000", False),
        ("1.5e4", "1500", False),
        ("2.5 \\times 10^{-4}", "0.0025", False),
        ("6.02 \\times 10^{22}", "6.02 \\times 10^{23}", False),
        ("4E2", "400", True),
        ("10^{-2}", "0.01", True),
        ("10^{2}", "0.01", False),
    ],
)
add(
    "set",
    [
        ("\\{1, 2, 3\\}", "\\{1,2,3\\}", True),
        ("\\{3, 1, 2\\}", "\\{1,2,3\\}", True),
        ("\\{-2, 2\\}", "\\{2,-2\\}", True),
        ("1, 2, 3", "\\{1,2,3\\}", True),
        ("3, 2, 1", "\\{1,2,3\\}", True),
        ("\\{1,2\\}", "\\{1,2,3\\}", False),
        ("\\{1,2,4\\}", "\\{1,2,3\\}", False),
        ("\\{1,2,3,4\\}", "\\{1,2,3\\}", False),
        ("\\emptyset", "\\emptyset", True),
        ("\\{\\}", "\\varnothing", True),
        ("\\{0\\}", "\\emptyset", False),
        ("\\pm 3", "\\{-3, 3\\}", True),
        ("-3, 3", "\\pm 3", True),
        ("3", "\\pm 3", False),
        ("\\{\\frac12, 2\\}", "\\{2, 0.5\\}", True),
        ("2 \\pm \\sqrt{3}", "\\{2-\\sqrt3, 2+\\sqrt3\\}", True),
        ("2+\\sqrt{3}", "2 \\pm \\sqrt{3}", False),
        ("x = 1 \\text{ or } x = 2", "1, 2", True),
        ("x=-1, x=4", "\\{4, -1\\}", True),
        ("x=-1, x=3", "\\{4, -1\\}", False),
    ],
)
add(
    "tuple",
    [
        ("(1, 2)", "(1,2)", True),
        ("(2, 1)", "(1,2)", False),
        ("(1, 2, 3)", "(1,2,3)", True),
        ("(3, 2, 1)", "(1,2,3)", False),
        ("\\left(\\frac{1}{2}, -3\\right)", "(0.5, -3)", True),
        ("(-3, \\frac12)", "(0.5, -3)", False),
        ("(1,2)", "(1,2,3)", False),
        ("(\\sqrt{2}, \\pi)", "(\\sqrt2, \\pi)", True),
        ("(0, 0)", "(0,0)", True),
        ("(4, -1)", "(-1, 4)", False),
        ("\\begin{pmatrix} 1 \\\\ 2 \\end{pmatrix}", "(1, 2)", True),
        ("(2,3)", "\\begin{pmatrix}2\\\\3\\end{pmatrix}", True),
        ("(3,2)", "\\begin{pmatrix}2\\\\3\\end{pmatrix}", False),
        ("\\{1, 2\\}", "(1, 2)", False),
        ("x=2, y=3", "(2, 3)", True),
        ("(a, b) = (2, 5)", "(2, 5)", True),
        ("(5, 2)", "(2, 5)", False),
    ],
)
add(
    "interval",
    [
        ("(1, 2)", "(1,2)", True),
        ("[1, 2]", "[1,2]", True),
        ("[1, 2)", "[1,2)", True),
        ("(1, 2]", "(1,2]", True),
        ("(1, 2)", "[1,2]", False),
        ("[1, 2]", "(1,2)", False),
        ("[1, 2)", "(1,2]", False),
        ("(1, 2]", "(1,2)", False),
        ("(-\\infty, 3)", "(-\\infty, 3)", True),
        ("(-\\infty, 3]", "(-\\infty, 3)", False),
        ("[3, \\infty)", "[3,\\infty)", True),
        ("(3, \\infty)", "[3, \\infty)", False),
        ("(-\\infty, -1) \\cup (1, \\infty)", "(-\\infty,-1)\\cup(1,\\infty)", True),
        ("(1, \\infty) \\cup (-\\infty, -1)", "(-\\infty,-1)\\cup(1,\\infty)", True),
        ("(-\\infty, -1] \\cup (1, \\infty)", "(-\\infty,-1)\\cup(1,\\infty)", False),
        ("[0, \\frac{1}{2}]", "[0, 0.5]", True),
        ("[0, \\frac{1}{3}]", "[0, 0.5]", False),
        ("(-\\infty, \\infty)", "(-\\infty,\\infty)", True),
        ("x \\in [2, 5)", "[2, 5)", True),
        ("[2,5]", "[2, 5)", False),
    ],
)
add(
    "equation",
    [
        ("x = 3", "3", True),
        ("3", "x = 3", True),
        ("x=3", "x = 3", True),
        ("y = 3", "x = 3", False),
        ("x = 4", "3", False),
        ("y = 2x + 1", "y = 2x + 1", True),
        ("y = 1 + 2x", "y=2x+1", True),
        ("2x - y + 1 = 0", "y = 2x + 1", True),
        ("y = 2x - 1", "y = 2x + 1", False),
        ("y = x + 1", "y = 2x + 1", False),
        ("x^2 + y^2 = 25", "x^2+y^2=25", True),
        ("y^2 + x^2 = 25", "x^2+y^2=25", True),
        ("x^2 + y^2 = 5", "x^2+y^2=25", False),
        ("2y = 4x + 2", "y = 2x + 1", True),
        ("k = \\frac{1}{2}", "\\frac12", True),
        ("a = -2", "-2", True),
        ("a=2", "-2", False),
        ("x = 2 + 1 = 3", "3", True),
    ],
)
add(
    "inequality",
    [
        ("x > 3", "x > 3", True),
        ("3 < x", "x > 3", True),
        ("x \\geq 3", "x > 3", False),
        ("x < 3", "x > 3", False),
        ("x > 3", "(3, \\infty)", True),
        ("(3, \\infty)", "x > 3", True),
        ("[3, \\infty)", "x > 3", False),
        ("x \\le 5", "x \\leq 5", True),
        ("x \\le 5", "(-\\infty, 5]", True),
        ("x < 5", "(-\\infty, 5]", False),
        ("-2 < x < 4", "(-2, 4)", True),
        ("-2 \\le x < 4", "[-2, 4)", True),
        ("-2 < x \\le 4", "[-2, 4)", False),
        ("x \\geq -1", "x \\ge -1", True),
        ("x \\ge 1", "x \\ge -1", False),
        ("x > 2", "x > 3", False),
    ],
)
add(
    "matrix",
    [
        (
            "\\begin{pmatrix} 1 & 2 \\\\ 3 & 4 \\end{pmatrix}",
            "\\begin{pmatrix}1&2\\\\3&4\\end{pmatrix}",
            True,
        ),
        (
            "\\begin{bmatrix} 1 & 2 \\\\ 3 & 4 \\end{bmatrix}",
            "\\begin{pmatrix}1&2\\\\3&4\\end{pmatrix}",
            True,
        ),
        (
            "\\begin{pmatrix} 1 & 3 \\\\ 2 & 4 \\end{pmatrix}",
            "\\begin{pmatrix}1&2\\\\3&4\\end{pmatrix}",
            False,
        ),
        (
            "\\begin{pmatrix} 1 & 2 \\\\ 3 & 5 \\end{pmatrix}",
            "\\begin{pmatrix}1&2\\\\3&4\\end{pmatrix}",
            False,
        ),
        (
            "\\begin{pmatrix} \\frac12 & 0 \\\\ 0 & 2 \\end{pmatrix}",
            "\\begin{pmatrix}0.5&0\\\\0&2\\end{pmatrix}",
            True,
        ),
        (
            "\\begin{pmatrix} 1 & 2 & 3 \\end{pmatrix}",
            "\\begin{pmatrix}1&2\\\\3&4\\end{pmatrix}",
            False,
        ),
        (
            "\\begin{pmatrix} -1 \\\\ 2 \\\\ 0 \\end{pmatrix}",
            "\\begin{pmatrix}-1\\\\2\\\\0\\end{pmatrix}",
            True,
        ),
        (
            "\\begin{pmatrix} 2 \\\\ -1 \\\\ 0 \\end{pmatrix}",
            "\\begin{pmatrix}-1\\\\2\\\\0\\end{pmatrix}",
            False,
        ),
        (
            "\\begin{pmatrix} \\sqrt{4} & 0 \\\\ 0 & 1 \\end{pmatrix}",
            "\\begin{pmatrix}2&0\\\\0&1\\end{pmatrix}",
            True,
        ),
        (
            "\\begin{pmatrix} 0 & 0 \\\\ 0 & 1 \\end{pmatrix}",
            "\\begin{pmatrix}2&0\\\\0&1\\end{pmatrix}",
            False,
        ),
    ],
)
add(
    "complex",
    [
        ("3 + 4i", "3+4i", True),
        ("4i + 3", "3+4i", True),
        ("3 - 4i", "3+4i", False),
        ("4 + 3i", "3+4i", False),
        ("i", "i", True),
        ("-i", "i", False),
        ("\\frac{1}{2} + \\frac{\\sqrt{3}}{2}i", "\\frac{1+i\\sqrt3}{2}", True),
        ("\\frac{1}{2} - \\frac{\\sqrt{3}}{2}i", "\\frac{1+i\\sqrt3}{2}", False),
        ("2i", "i \\cdot 2", True),
        ("-1", "i^2", True),
        ("1", "i^2", False),
        ("1 + i", "\\sqrt{2} e^{i\\pi/4}", True),
        ("1 - i", "\\sqrt{2} e^{i\\pi/4}", False),
        ("5", "|3+4i|", True),
        ("-2 + 2i", "2i - 2", True),
    ],
)
add(
    "degrees",
    [
        ("30^\\circ", "30^\\circ", True),
        ("30", "30^\\circ", True),
        ("30^{\\circ}", "30", True),
        ("30°", "30^\\circ", True),
        ("30 degrees", "30^\\circ", True),
        ("\\frac{\\pi}{6}", "30^\\circ", True),
        ("60^\\circ", "30^\\circ", False),
        ("150^\\circ", "30^\\circ", False),
        ("45^\\circ", "\\frac{\\pi}{4}", True),
        ("90^\\circ", "\\frac{\\pi}{4}", False),
        ("120^\\circ", "120", True),
        ("12^\\circ", "120", False),
    ],
)
add(
    "units",
    [
        ("5 \\text{ cm}", "5", True),
        ("5", "5 \\text{ cm}", True),
        ("5\\text{ cm}", "5 \\text{ cm}", True),
        ("5 \\text{ centimeters}", "5\\text{ cm}", True),
        ("5\\text{ m}", "5 \\text{ cm}", False),
        ("6 \\text{ cm}", "5 \\text{ cm}", False),
        ("\\$18.90", "18.90", True),
        ("18.9 dollars", "18.90", True),
        ("\\$19", "18.90", False),
        ("12 \\text{ hours}", "12", True),
        ("12 \\text{ minutes}", "12 \\text{ hours}", False),
        ("48 \\text{ cm}^2", "48", True),
        ("84 \\text{ sq units}", "84", True),
        ("3 \\text{ kg}", "3", True),
        ("30 \\text{ kg}", "3", False),
        ("60 \\text{ mph}", "60", True),
    ],
)
add(
    "choice",
    [
        ("B", "B", True),
        ("(B)", "B", True),
        ("\\text{(B)}", "B", True),
        ("\\textbf{(B)}", "(B)", True),
        ("B) 12", "B", True),
        ("C", "B", False),
        ("(C)", "B", False),
        ("B \\text{ or } C", "B", False),
        ("A", "A", True),
        ("E", "E", True),
        ("D", "E", False),
        ("b", "B", True),
        ("B and D", "B", False),
    ],
)
add(
    "text",
    [
        ("\\text{Paris}", "Paris", True),
        ("paris", "Paris", True),
        ("\\text{London}", "Paris", False),
        ("\\text{yes}", "yes", True),
        ("\\text{no}", "yes", False),
        ("\\text{Yes}", "YES", True),
        ("\\text{even}", "even", True),
        ("\\text{odd}", "even", False),
        ("\\text{the Moon}", "Moon", True),
        ("\\text{Tuesday}", "Tuesday", True),
        ("\\text{Thursday}", "Tuesday", False),
        ("\\text{North}", "north", True),
    ],
)
add(
    "expression",
    [
        ("2x + 3", "3 + 2x", True),
        ("x^2 - 1", "(x-1)(x+1)", True),
        ("(x+1)^2", "x^2+2x+1", True),
        ("x^2 + 1", "x^2 - 1", False),
        ("\\frac{x}{2}", "0.5x", True),
        ("2x + 3", "2y + 3", False),
        ("\\frac{1}{x+1}", "(x+1)^{-1}", True),
        ("\\frac{1}{x} + \\frac{1}{y}", "\\frac{x+y}{xy}", True),
        ("\\frac{1}{x} + \\frac{1}{y}", "\\frac{1}{x+y}", False),
        ("n(n+1)/2", "\\frac{n^2+n}{2}", True),
        ("n(n-1)/2", "\\frac{n^2+n}{2}", False),
        ("\\sin^2 x + \\cos^2 x", "1", True),
        ("2\\sin x \\cos x", "\\sin 2x", True),
        ("\\sin 2x", "2 \\sin x", False),
        ("3a^2b", "3ba^2", True),
        ("e^{2x}", "(e^x)^2", True),
        ("x^3", "x^2", False),
        ("\\sqrt{x^2}", "x", False),
        ("a+b", "a-b", False),
        ("2^{n+1}", "2 \\cdot 2^n", True),
    ],
)
add(
    "tolerance",
    [
        ("0.333", "\\frac13", False),
        ("0.333", "\\frac13", True, {"rel_tol": 0.01}),
        ("0.33", "\\frac{1}{3}", False),
        ("0.33", "\\frac{1}{3}", True, {"rel_tol": 0.02}),
        ("0.3333333", "\\frac13", True),
        ("0.3", "\\frac13", False),
        ("\\frac{1}{3}", "0.33", True),
        ("\\frac13", "0.3", False),
        ("\\sqrt{2}", "1.41", True),
        ("\\sqrt{3}", "1.41", False),
        ("1.4142", "1.41421", False),
        ("1.4142", "1.41421", True, {"rel_tol": 0.001}),
        ("3.14", "\\pi", True, {"rel_tol": 0.001}),
        ("3.15", "\\pi", False, {"rel_tol": 0.001}),
        ("0.67", "\\frac{2}{3}", False),
        ("0.667", "\\frac{2}{3}", True, {"rel_tol": 0.001}),
        ("2.0", "2", True),
        ("1.99", "2", False),
        ("1.99", "2", True, {"rel_tol": 0.01}),
        ("0.1", "0.10", True),
    ],
)

# Extraction formats: full responses, not wrapped.
add(
    "extract",
    [
        (
            "Natalia sold 48/2 = 24 clips in May.\nAltogether she sold 48+24 = 72 clips.\n#### 72",
            "72",
            True,
        ),
        ("She earns 12/60 = 0.2 per minute.\nSo she earned 0.2 x 50 = 10.\n#### 10", "10", True),
        ("The total is 5 + 6 = 11.\n#### 12", "11", False),
        ("#### 1,250", "1250", True),
        ("We compute 6 * 7. The answer is 42.", "42", True),
        ("We compute 6 * 8. The answer is 48.", "42", False),
        ("Final answer: 3/4", "0.75", True),
        ("The final answer is $\\frac{3}{4}$. I hope it is correct.", "\\frac{3}{4}", True),
        ("The final answer is $\\frac{4}{3}$. I hope it is correct.", "\\frac{3}{4}", False),
        ("<think>2+2 is 4, or is it 5? It is 4.</think>\n<answer>4</answer>", "4", True),
        ("<think>2+2 is 4.</think><answer>5</answer>", "4", False),
        ("<answer>The answer is \\boxed{7}</answer>", "7", True),
        ("Let me think. 3 + 4 = 7.", "7", False),
        ("17", "17", True),
        ("$\\frac{1}{2}$", "0.5", True),
        ("I could not solve this problem.", "3", False),
        ("", "3", False),
        ("\\boxed{}", "3", False),
        ("The answer is \\boxed{\\frac{1}{2}}", "\\frac{1}{2}", True),
        (
            "First, \\boxed{x=3} is a root, so the product is 3.\nThe answer is \\boxed{3}",
            "3",
            True,
        ),
        ("Thus $x = \\boxed{5}$.", "5", True),
        ("<answer>\n  12 \n</answer>", "12", True),
        ("<answer>12</answer> <answer>13</answer>", "12", False),
    ],
    wrap=False,
)
# Several different final answers: a hedge never wins.
add(
    "hedge",
    [
        ("It is either \\boxed{3} or \\boxed{4}.", "3", False),
        ("It is either \\boxed{3} or \\boxed{4}.", "4", False),
        ("\\boxed{3} \\boxed{3}", "3", True),
        ("The answer is \\boxed{3 \\text{ or } 4}.", "3", False),
        ("The answer is \\boxed{3, 4}.", "3", False),
        ("So $\\boxed{2}$, wait, actually $\\boxed{5}$.", "5", False),
        ("\\boxed{1}, \\boxed{2}, \\boxed{3}, \\boxed{4}", "2", False),
        ("<answer>3 or 4</answer>", "4", False),
        ("#### 7 or 8", "7", False),
        ("The roots are \\boxed{2} and \\boxed{3}.", "2, 3", True),
        ("The roots are \\boxed{2} and \\boxed{5}.", "2, 3", False),
        ("The answer is \\boxed{x = 3 \\text{ or } x = 4}.", "3, 4", True),
        ("The answer is \\boxed{A} or \\boxed{B}.", "A", False),
        ("\\boxed{\\pm 2}", "2", False),
        ("\\boxed{\\frac{1}{2}} and also written \\boxed{0.5}", "\\frac12", True),
    ],
    wrap=False,
)

# Realistic full responses (model-output styles: R1 <think>, Minerva "Final Answer:",
# GSM8K calculator tags, markdown). Written before running either verifier on them;
# docs/benchmarks.md reports how both did on first contact.
R1 = "<think>\nOkay, let me set up the problem. {0}\n</think>\n\nWe combine the steps above.\n\n**Final Answer**\n\\[\n\\boxed{{{1}}}\n\\]"
MIN = "Solution: {0} Final Answer: The final answer is ${1}$. I hope it is correct."
GSM = "{0}\n#### {1}"
add(
    "realistic",
    [
        (R1.format("Dividing $12$ by $4$ gives $3$, then we add $x = 2$.", "5"), "5", True),
        (R1.format("So $a=3$ and $b=4$, hence $c=5$.", "5"), "6", False),
        (
            R1.format(
                "The quadratic $x^2 - x - 1 = 0$ has roots by the formula.",
                "\\frac{1 \\pm \\sqrt{5}}{2}",
            ),
            "\\frac{1+\\sqrt5}{2}, \\frac{1-\\sqrt5}{2}",
            True,
        ),
        (
            R1.format("Using the formula.", "x = \\frac{-1 \\pm \\sqrt{5}}{2}"),
            "\\frac{-1+\\sqrt5}{2}, \\frac{-1-\\sqrt5}{2}",
            True,
        ),
        (
            R1.format("Using the formula.", "\\frac{1 + \\sqrt{5}}{2}"),
            "\\frac{1+\\sqrt5}{2}, \\frac{1-\\sqrt5}{2}",
            False,
        ),
        (
            R1.format("Intersection point found.", "\\left( \\frac{3}{2}, -\\frac{1}{2} \\right)"),
            "(3/2, -1/2)",
            True,
        ),
        (
            R1.format("Intersection point found.", "\\left( -\\frac{1}{2}, \\frac{3}{2} \\right)"),
            "(3/2, -1/2)",
            False,
        ),
        (R1.format("The ratio simplifies.", "\\frac{\\sqrt{3}}{3}"), "\\frac{1}{\\sqrt{3}}", True),
        (R1.format("The ratio simplifies.", "\\sqrt{3}"), "\\frac{1}{\\sqrt{3}}", False),
        (
            R1.format("Sign chart.", "(-\\infty, -2] \\cup [3, \\infty)"),
            "(-\\infty,-2]\\cup[3,\\infty)",
            True,
        ),
        (
            R1.format("Sign chart.", "(-\\infty, -2) \\cup (3, \\infty)"),
            "(-\\infty,-2]\\cup[3,\\infty)",
            False,
        ),
        (R1.format("The distance is computed.", "2\\sqrt{5}\\text{ units}"), "2\\sqrt{5}", True),
        (R1.format("So the function is linear.", "f(x) = 2x + 1"), "2x+1", True),
        (R1.format("So the function is linear.", "f(x) = 2x - 1"), "2x+1", False),
        (R1.format("Counting arrangements.", "\\dfrac{5!}{2!\\,2!}"), "30", True),
        (R1.format("Counting arrangements.", "\\dfrac{5!}{2!}"), "30", False),
        (R1.format("Probability of two heads.", "\\dfrac{1}{4}"), "0.25", True),
        (R1.format("Probability of two heads.", "\\dfrac{1}{2}"), "0.25", False),
        (R1.format("The area is", "48\\text{ cm}^2"), "48", True),
        (R1.format("The sum telescopes.", "1 - \\frac{1}{n+1}"), "\\frac{n}{n+1}", True),
        (R1.format("The sum telescopes.", "1 - \\frac{1}{n}"), "\\frac{n}{n+1}", False),
        (R1.format("Checking the options, (C) works.", "\\text{(C)}\\ 12"), "C", True),
        (R1.format("Checking the options, (D) works.", "\\text{(D)}\\ 15"), "C", False),
        (R1.format("Total cost.", "\\$1,234.50"), "1234.5", True),
        (R1.format("Total cost.", "\\$1,243.50"), "1234.5", False),
        (R1.format("Largest angle.", "120^\\circ"), "120", True),
        (R1.format("Vertex form.", "y = (x-2)^2 + 3"), "y = x^2 - 4x + 7", True),
        (R1.format("Vertex form.", "y = (x+2)^2 + 3"), "y = x^2 - 4x + 7", False),
        (R1.format("Sum of the roots.", "-\\frac{b}{a}"), "-\\frac{b}{a}", True),
        (R1.format("Eigenvalues found.", "\\lambda = 2, 3"), "\\{2, 3\\}", True),
        (R1.format("Eigenvalues found.", "\\lambda = 2"), "\\{2, 3\\}", False),
        (MIN.format("We have $3x+2=11$, so $x=3$.", "3"), "3", True),
        (MIN.format("We have $3x+2=14$, so $x=4$.", "4"), "3", False),
        (MIN.format("The sum is $\\frac{7}{12}$.", "\\frac{7}{12}"), "\\frac{7}{12}", True),
        (MIN.format("Simplify.", "\\frac{14}{24}"), "\\frac{7}{12}", True),
        (MIN.format("Simplify.", "\\frac{7}{24}"), "\\frac{7}{12}", False),
        (MIN.format("Compute the modulus.", "5\\sqrt{2}"), "\\sqrt{50}", True),
        (MIN.format("The set of solutions is", "\\{-1, 1\\}"), "\\pm 1", True),
        (MIN.format("Interest after two years.", "10\\%"), "10", True),
        (MIN.format("Interest after two years.", "1\\%"), "10", False),
        (MIN.format("The complex root.", "-1+2i"), "-1 + 2i", True),
        (MIN.format("The complex root.", "-1-2i"), "-1 + 2i", False),
        (
            MIN.format("Matrix product.", "\\begin{pmatrix} 2 & 1 \\\\ 4 & 3 \\end{pmatrix}"),
            "\\begin{pmatrix}2&1\\\\4&3\\end{pmatrix}",
            True,
        ),
        (
            MIN.format("Matrix product.", "\\begin{pmatrix} 2 & 4 \\\\ 1 & 3 \\end{pmatrix}"),
            "\\begin{pmatrix}2&1\\\\4&3\\end{pmatrix}",
            False,
        ),
        (MIN.format("Domain.", "[-3,3]"), "-3 \\le x \\le 3", True),
        (MIN.format("Domain.", "(-3,3)"), "-3 \\le x \\le 3", False),
        (
            GSM.format(
                "Janet has 16 - 3 - 4 = <<16-3-4=9>>9 eggs left.\nShe makes 9 * 2 = $<<9*2=18>>18.",
                "18",
            ),
            "18",
            True,
        ),
        (
            GSM.format(
                "He runs 3 * 3 = <<3*3=9>>9 sprints.\n9 * 60 = <<9*60=540>>540 meters.", "540"
            ),
            "540",
            True,
        ),
        (GSM.format("The cost is 5 * 4 = <<5*4=20>>20.", "$20"), "20", True),
        (GSM.format("The cost is 5 * 4 = <<5*4=20>>20, plus 5 = 25.", "25"), "20", False),
        (GSM.format("Total: 1200 + 300 = 1500.", "1,500"), "1500", True),
        (GSM.format("Total: 1200 + 350 = 1550.", "1,550"), "1500", False),
        (
            "The area of the circle is $\\pi r^2 = 25\\pi$. So the answer is $25\\pi$.",
            "25\\pi",
            True,
        ),
        (
            "The area of the circle is $\\pi r^2 = 25\\pi$. So the answer is $5\\pi$.",
            "25\\pi",
            False,
        ),
        ("Therefore, the final answer is: $\\boxed{0.\\overline{3}}$", "\\frac{1}{3}", True),
        ("Therefore, the final answer is: $\\boxed{-\\infty}$", "-\\infty", True),
        ("Therefore, the final answer is: $\\boxed{\\infty}$", "-\\infty", False),
        ("Hence $n = \\boxed{5}$ and $m = 7$.", "5", True),
        ("The answer: \\boxed{5 \\text{ and } 7}", "5, 7", True),
        ("The answer: \\boxed{5 \\text{ and } 8}", "5, 7", False),
    ],
    wrap=False,
)


def main() -> None:
    out = Path(__file__).with_name("math_pairs.jsonl")
    with out.open("w") as fh:
        for i, (cat, resp, ref, label) in enumerate(ROWS):
            row = {
                "id": f"{cat}-{i:03d}",
                "category": cat,
                "response": resp,
                "reference": ref,
                "label": label,
            }
            if i in OPTS:
                row["options"] = OPTS[i]
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    pos = sum(1 for r in ROWS if r[3])
    print(f"{len(ROWS)} pairs ({pos} correct, {len(ROWS) - pos} incorrect) -> {out}")


if __name__ == "__main__":
    main()
