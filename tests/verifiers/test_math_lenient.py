"""m1env.verifiers.math, preset ``lenient`` (issue 18): the formats models produce, and
the answer hacks that must still score 0."""

from __future__ import annotations

import pytest

from m1env.verifiers.math import MathVerifier
from m1env.verifiers.math.lenient import (
    PRESETS,
    ExtractConfig,
    cut_chat_template,
    end_math,
    number_formats,
    split_labels,
)

V = MathVerifier()


def lenient(response: str, reference: object) -> str:
    return V.check(response, reference, preset="lenient").status


def strict(response: str, reference: object) -> str:
    return V.check(response, reference, preset="strict").status


UNBOXED = [
    ("Answer $ 9 $", "9"),
    ("Adding the cases.\n\nSo we get \\(x = 3\\).", "3"),
    ("Thus the total is\n\\[\n42\n\\]", "42"),
    ("We conclude $$\\frac{1}{2}$$", "0.5"),
    ("Putting it together, **$7$**", "7"),
    ("Final answer: 12", "12"),
    ("Step 1 gives $x = 2$, so $x + 1 = 3$.\nHence the result is $3$.", "3"),
]

CHAT = [
    ("The answer is 5<|im_start|>user\nWhat is 2+2?<|im_end|>", "5"),
    ("\\boxed{6}<|endoftext|>The answer is 7", "6"),
    ("The answer is 8</s>", "8"),
    ("<|im_start|>assistant\nThe answer is 9<|im_end|>", "9"),
]

NUMBERS = [
    ("\\boxed{16386.20}", "\\$16,\\!386.20"),
    ("\\boxed{16,\\!386}", "16386"),
    ("\\boxed{1 234 567}", "1234567"),
    ("\\boxed{1\u2009234}", "1234"),
    ("\\boxed{1\\,234}", "1234"),
    ("\\boxed{3,14159}", "3.14159"),
    ("\\boxed{1,05}", "1.05"),
]

LABELLED = [
    ("\\boxed{x=3}", "3"),
    ("\\boxed{3}", "x=3"),
    ("\\boxed{4,5}", "AB=4,CD=5"),
    ("\\boxed{AB=4, CD=5}", "4,5"),
    ("\\boxed{CD=5, AB=4}", "AB=4,CD=5"),
    ("\\boxed{11:21}", "V_1:V_2=11:21"),
    ("\\boxed{V_1:V_2=11:21}", "11:21"),
    ("\\boxed{10}", "10 \\text{ apples}"),
    ("\\boxed{10 \\text{ apples}}", "10\\text{apples}"),
    ("\\boxed{25\\%}", "25"),
    ("\\boxed{30^\\circ}", "30"),
]


@pytest.mark.parametrize(("response", "reference"), UNBOXED + CHAT + NUMBERS + LABELLED)
def test_lenient_reads_the_answer(response, reference):
    assert lenient(response, reference) == "correct"


@pytest.mark.parametrize(
    ("response", "reference"),
    [p for p in UNBOXED + CHAT + NUMBERS + LABELLED if strict(*p) != "correct"],
)
def test_strict_keeps_todays_behaviour(response, reference):
    assert strict(response, reference) != "correct"


HACKS = [
    # several different answers, "or", listing many values
    ("So it is $3$ or $4$", "4"),
    ("The value is $3$, or maybe $4$.", "4"),
    ("Candidates: $1, 2, 3, 4, 5, 6$", "3"),
    ("The answer is 1, 2, 3, 4 or 5", "3"),
    ("$x = 3$ or $x = 4$", "4"),
    # answers only inside thinking, thinking never closed
    ("<think>so $5$</think>", "5"),
    ("<think>the answer is $5$", "5"),
    ("<think>so it is 5<|im_end|>", "5"),
    # a false equation on the way
    ("Hence $2+3=5=6$", "6"),
    ("\\boxed{x=5=6}", "6"),
    # math that is not at the end of the response
    ("We try $5$ first, then look for more cases below and never conclude", "5"),
    # the answer after a chat-template token is another turn, not this one
    ("I do not know.<|im_start|>user\nThe answer is $5$", "5"),
    ("<|im_end|>\\boxed{5}", "5"),
    # number formats: ambiguous commas stay lists, groups must be 3 digits
    ("\\boxed{3,5}", "3.5"),
    ("\\boxed{0,5}", "0.5"),
    ("\\boxed{12 34}", "1234"),
    ("\\boxed{1 2345}", "12345"),
    ("\\boxed{1,234}", "1.234"),
    # labels: the names must agree, values pair by name, order kept otherwise
    ("\\boxed{y=3}", "x=3"),
    ("\\boxed{AB=5, CD=4}", "AB=4,CD=5"),
    ("\\boxed{AB=4, EF=5}", "AB=4,CD=5"),
    ("\\boxed{5,4}", "AB=4,CD=5"),
    ("\\boxed{AB=4, CD=6}", "4,5"),
    ("\\boxed{x=3, y=3}", "3"),
    ("\\boxed{V_1:V_2=21:11}", "11:21"),
    # unit words must agree when both sides state them
    ("\\boxed{10 \\text{ oranges}}", "10\\text{ apples}"),
    ("\\boxed{11}", "10 \\text{ apples}"),
    ("\\boxed{25\\%}", "0.25\\%"),
]


@pytest.mark.parametrize(("response", "reference"), HACKS)
def test_lenient_still_refuses_answer_hacks(response, reference):
    # (strict does not cut at chat-template tokens: today's behaviour, kept as it was)
    assert lenient(response, reference) == "incorrect"


def test_presets_and_their_validation():
    assert PRESETS["strict"] == ExtractConfig()
    assert all(getattr(PRESETS["lenient"], f) for f in ("end_math", "labels"))
    with pytest.raises(ValueError, match="must be true or false"):
        ExtractConfig(labels="yes")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="preset must be one of"):
        V.validate_options({"preset": "loose"})
    assert V.validate_options({"preset": "lenient"}) == {"preset": "lenient"}


def test_text_helpers():
    assert cut_chat_template("a<|im_end|>b") == "a"
    assert cut_chat_template("no tokens") == "no tokens"
    assert end_math("x $1$ and $2$.") == ["1", "2"]
    assert end_math("$1$ then words") == []
    assert number_formats("1 234 567") == "1234567"
    assert number_formats("3,5") == "3,5"
    assert split_labels("AB=4, CD = 5") == (("AB", "CD"), ("4", "5"))
    assert split_labels("2+3=5") is None
    assert split_labels("x=3, 4") is None


def test_lenient_scans_stay_linear():
    import time

    start = time.perf_counter()
    for text in ("x_" + "a" * 50_000 + "!=", "$" * 100_000, "1 " * 50_000 + "x"):
        lenient(text, "1")
    assert time.perf_counter() - start < 5
