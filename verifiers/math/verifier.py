"""``math``: is the response's final answer mathematically equal to the reference?

**Trust.** The reference is trusted (it comes from the task author) and the response
is not (it comes from the policy). The asymmetry is deliberate:

- the reference decides the rules: its kind (set, tuple, interval, equation, choice
  letter, plain text) fixes how the response is read, and a decimal reference states
  its own precision;
- a reference that cannot be read is an infrastructure fault, status ``error``;
  a response that cannot be read, is too large or too deep (a LaTeX bomb) is the
  policy's fault, status ``incorrect`` with the reason -- never a crash, a hang or a
  silent 0;
- only the response is size-capped (``max_response_chars``, ``MAX_CHARS`` per
  answer, digit and exponent-tower caps); it is never passed to ``eval``/``sympify``.

**Extraction** (option ``extract``, in order): ``answer_tag`` (``<answer>...</answer>``,
tag name from ``tag``), ``boxed`` (every ``\\boxed{}``), ``gsm8k`` (``#### x``) are
markers and are all collected; ``answer_is`` ("the answer is x") and ``whole`` (a short
response that is itself the answer) are fallbacks used only when no marker is found.

**Several final answers.** When the markers give different answers, every one of
them must match the reference (or, for a set/list/tuple reference, together they
must form it); a response hedging ``\\boxed{3}`` ... ``\\boxed{4}`` or ``3 or 4``
scores incorrect. Self-corrections therefore need to restate only the final answer.

**Presets** (option ``preset``, see :mod:`~m1env.verifiers.math.lenient`): ``strict``
(the default: markers and "the answer is" only) and ``lenient`` (math at the end of the
response, chat-template tokens cut, more number formats, labelled answers, unit words).
``lenient`` has no false positive on bench/data/math_pairs.jsonl, but it is not the
default: it reads the last line of a truncated worked solution (``... by $-7$: $x = -7$.``)
as its answer, and the Math environments score truncated solutions 0.

**Thinking.** With ``strip_thinking`` (default True) only the text after the last
``</think>`` is searched, so a box inside the reasoning is not a final answer; a
response that opens ``<think>`` and never closes it (truncated) has no final answer.

**Options**: ``extract`` (list of strategies), ``tag`` (``"answer"``), ``rel_tol``
(relative tolerance for approximate answers, see :mod:`m1env.verifiers.math.equiv`; given
explicitly it applies to every numeric comparison), ``max_response_chars``
(1,000,000), ``strip_thinking`` (True), ``preset`` (``"strict"``).

**References**: text, an int, a float, a ``Fraction``, or a list/tuple of alternative
acceptable answers; a reference that is a whole worked solution (MATH's ``\\boxed{}``,
GSM8K's ``####``) stands for its final answer.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache
from typing import Any

from m1env.errors import BadReference, MathError, ParseError, TooComplex, TooLarge
from m1env.verifiers.base import Verifier
from m1env.verifiers.extract import answer_is, boxed_contents, gsm8k_answer, tag_contents
from m1env.verifiers.math.equiv import Rules, equivalent
from m1env.verifiers.math.lenient import (
    PRESETS,
    ExtractConfig,
    cut_chat_template,
    end_math,
    number_formats,
    split_labels,
    split_top_level,
    unit_words,
)
from m1env.verifiers.math.normalize import clean, text_key
from m1env.verifiers.math.parse import MAX_CHARS, Node, parse
from m1env.verifiers.math.values import EvalError
from m1env.verifiers.score import Score

__all__ = ["DEFAULT_EXTRACT", "DEFAULT_PRESET", "STRATEGIES", "MathVerifier", "find_answers"]

STRATEGIES = ("answer_tag", "boxed", "gsm8k", "answer_is", "end_math", "whole")
# The strategies each preset searches when the caller names none.
PRESET_EXTRACT = {
    "strict": ("answer_tag", "boxed", "gsm8k", "answer_is", "whole"),
    "lenient": STRATEGIES,
}
DEFAULT_PRESET = "strict"
DEFAULT_EXTRACT = PRESET_EXTRACT[DEFAULT_PRESET]
_MARKERS = ("answer_tag", "boxed", "gsm8k")
_WHOLE_MAX_CHARS = 100
_OPTIONS = frozenset(
    {"extract", "tag", "rel_tol", "max_response_chars", "strip_thinking", "preset"}
)
_CHOICE_REF = re.compile(r"^\(?([A-J])\)?$")
_CHOICE_RESP = re.compile(r"^(?:option|choice|answer)?\s*:?\s*\(?([A-Ja-j])\)?(?=$|[\s.:)])")
# "B or C", "B, D", "B/C": a second letter joined to the first is a hedge; "(B) since A
# fails" is not.
_MORE_CHOICES = re.compile(r"^\)?\s*(?:,|;|/|&|\bor\b|\band\b)\s*\(?([A-Ja-j])\)?(?![A-Za-z])")
_PLAIN_TEXT = re.compile(r"^[\w\s'\-.,!?]+$")
_TRAILING_WORDS = re.compile(r"^(.*[\d}%)])\s*[A-Za-z][A-Za-z\s'.]*$")
_THINK_CLOSE = re.compile(r"</think\s*>", re.IGNORECASE)
_COLLECTIONS = frozenset({"set", "list", "tuple", "pm", "mat"})


def find_answers(response: str, extract: tuple[str, ...], tag: str) -> tuple[list[str], str]:
    """Candidate final answers (deduplicated, in order) and the strategies that found them."""
    found: list[str] = []
    used: list[str] = []
    marked = False  # a marker was present, even if empty: no fallback then
    for strategy in extract:
        if strategy not in _MARKERS:
            continue
        if strategy == "answer_tag":
            got = [_unwrap(c) for c in tag_contents(response, tag)]
        elif strategy == "boxed":
            got = boxed_contents(response)
        else:
            line = gsm8k_answer(response)
            got = [line] if line else []
        marked = marked or bool(got) or (strategy == "gsm8k" and "####" in response)
        got = [g.strip() for g in got if g.strip()]
        if got:
            used.append(strategy)
            found.extend(got)
    if not found and marked:
        return [], "empty"
    if not found:
        for strategy in extract:
            if strategy == "answer_is":
                phrase = answer_is(response)
                if phrase:
                    return [_unwrap(phrase)], strategy
            elif strategy == "end_math":
                spans = end_math(response)
                if spans:
                    return list(dict.fromkeys(spans)), strategy
            elif strategy == "whole":
                text = response.strip()
                if text and len(text) <= _WHOLE_MAX_CHARS:
                    return [text], strategy
        return [], ""
    unique: dict[str, str] = {}
    for answer in found:
        unique.setdefault(_dedupe_key(answer), answer)
    return list(unique.values()), "+".join(used)


def _unwrap(text: str) -> str:
    """Tag contents that box their answer, or say "the answer is", give just that."""
    boxed = boxed_contents(text)
    if boxed:
        return boxed[-1]
    return answer_is(text) or text


def _dedupe_key(answer: str) -> str:
    return clean(answer[: MAX_CHARS + 1]) if len(answer) <= MAX_CHARS else answer


@dataclass(frozen=True, slots=True)
class _Reference:
    raw: str
    cleaned: str
    key: str
    node: Node | None
    choice: str | None
    config: ExtractConfig = PRESETS["strict"]


_STRICT = PRESETS["strict"]


@lru_cache(maxsize=4096)
def _prepare_reference(text: str, config: ExtractConfig = _STRICT) -> _Reference:
    # A whole worked solution (MATH's \boxed{}, GSM8K's ####) stands for its final answer.
    final = boxed_contents(text) if "\\boxed" in text or "\\fbox" in text else []
    if final:
        text = final[-1]
    elif "####" in text:
        text = gsm8k_answer(text) or ""
    if config.number_formats:
        text = number_formats(text)
    cleaned = clean(text)
    if not cleaned:
        raise BadReference("reference is empty")
    choice = _CHOICE_REF.match(cleaned)
    if choice:
        return _Reference(text, cleaned, text_key(cleaned), None, choice.group(1), config)
    try:
        node: Node | None = parse(cleaned)
    except TooLarge as exc:
        raise BadReference(f"reference {text[:80]!r} is beyond the size caps: {exc}") from exc
    except ParseError as exc:
        if config.labels and (split_labels(cleaned) or unit_words(text)):
            node = None  # "AB=4, CD=5": compared by its labelled values
        elif not _PLAIN_TEXT.match(cleaned) or not re.search(r"[^\W\d_]{2}", cleaned):
            raise BadReference(f"reference {text[:80]!r} could not be parsed: {exc}") from exc
        else:
            node = None
    return _Reference(text, cleaned, text_key(cleaned), node, None, config)


def _reference_texts(reference: Any) -> list[str]:
    if isinstance(reference, bool) or reference is None:
        raise BadReference(f"reference must be text or a number, got {reference!r}")
    if isinstance(reference, str):
        return [reference]
    if isinstance(reference, int):
        return [str(reference)]
    if isinstance(reference, Fraction):
        return [f"{reference.numerator}/{reference.denominator}"]
    if isinstance(reference, float):
        if reference != reference or reference in (float("inf"), float("-inf")):
            raise BadReference(f"reference must be finite, got {reference!r}")
        return [str(int(reference)) if reference.is_integer() else repr(reference)]
    if isinstance(reference, list | tuple) and reference:
        return [text for item in reference for text in _reference_texts(item)]
    raise BadReference(
        f"reference must be text, a number or a list, got {type(reference).__name__}"
    )


def _compare(answer: str, ref: _Reference, rules: Rules) -> tuple[bool, str]:
    """(equivalent?, reason when not)."""
    if len(answer) > MAX_CHARS:
        return False, f"answer is {len(answer)} characters, over the {MAX_CHARS} limit"
    if ref.config.number_formats:
        answer = number_formats(answer)
    ok, why = _compare_exact(answer, ref, rules)
    if ok or not ref.config.labels:
        return ok, why
    if _compare_labelled(answer, ref, rules) or _compare_units(answer, ref, rules):
        return True, ""
    return ok, why


def _part_matches(answer: str, ref_text: str, rules: Rules) -> bool:
    try:
        ref = _prepare_reference(ref_text, _NO_LABELS)
    except BadReference:
        return False
    return _compare(answer, ref, rules)[0]


_NO_LABELS = ExtractConfig(number_formats=True)


def _compare_labelled(answer: str, ref: _Reference, rules: Rules) -> bool:
    """``x=3`` / ``AB=4, CD=5`` on either side (see :mod:`~m1env.verifiers.math.lenient`)."""
    cleaned = clean(answer)
    got, want = split_labels(cleaned), split_labels(ref.cleaned)
    if got is None and want is None:
        return False
    if got is not None and want is not None:
        # Both labelled: the same names, each value paired by its name.
        if sorted(got[0]) != sorted(want[0]) or len(set(want[0])) != len(want[0]):
            return False
        values = dict(zip(*got, strict=True))
        return all(_part_matches(values[k], v, rules) for k, v in zip(*want, strict=True))
    # One side labelled: the other side's parts in the same order.
    if want is not None:
        parts, refs = split_top_level(cleaned), list(want[1])
    else:
        assert got is not None
        parts, refs = list(got[1]), split_top_level(ref.cleaned)
    return len(parts) == len(refs) and all(
        _part_matches(a, r, rules) for a, r in zip(parts, refs, strict=True)
    )


def _compare_units(answer: str, ref: _Reference, rules: Rules) -> bool:
    """A trailing ``\\text{words}``: dropped when one side states it, equal when both do."""
    got, want = unit_words(answer), unit_words(ref.raw)
    if got is None and want is None:
        return False
    if got is not None and want is not None and got[1] != want[1]:
        return False
    value = got[0] if got is not None else answer
    return _part_matches(value, want[0] if want is not None else ref.raw, rules)


def _compare_exact(answer: str, ref: _Reference, rules: Rules) -> tuple[bool, str]:
    if ref.choice is not None:
        return _compare_choice(answer, ref.choice)
    cleaned = clean(answer)
    if cleaned == ref.cleaned:
        return True, ""
    if ref.node is None:
        same = text_key(cleaned) == ref.key
        return same, "" if same else "text differs from the reference"
    try:
        node = _parse_answer(cleaned)
    except TooComplex as exc:
        return False, f"answer refused: {exc}"
    except TooLarge as exc:
        return False, f"answer refused: {exc}"
    except ParseError as exc:
        return False, f"answer could not be read as mathematics ({exc})"
    try:
        if equivalent(node, ref.node, rules):
            return True, ""
    except (TooLarge, TooComplex) as exc:
        return False, f"answer refused: {exc}"
    except (MathError, EvalError, ArithmeticError, RecursionError) as exc:
        # ArithmeticError: OverflowError from float conversion of a huge exact value
        return False, f"answer could not be evaluated ({type(exc).__name__}: {exc})"
    return False, f"not equivalent to the reference {ref.raw[:80]!r}"


def _parse_answer(cleaned: str) -> Node:
    """Parse; on failure retry without trailing words ("18 apples", "5 people each")."""
    try:
        return parse(cleaned)
    except TooComplex:
        raise
    except ParseError:
        m = _TRAILING_WORDS.match(cleaned)
        if m is None:
            raise
        return parse(m.group(1))


def _compare_choice(answer: str, letter: str) -> tuple[bool, str]:
    text = clean(answer)
    m = _CHOICE_RESP.match(text)
    if m is None:
        return False, f"expected a choice letter, got {answer[:40]!r}"
    more = _MORE_CHOICES.match(text[m.end() :])
    if more and more.group(1).upper() != m.group(1).upper():
        return False, f"several choices given: {m.group(1).upper()} and {more.group(1).upper()}"
    if m.group(1).upper() == letter:
        return True, ""
    return False, f"chose {m.group(1).upper()}, not {letter}"


def _combined(answers: list[str], ref: _Reference, rules: Rules) -> bool:
    """Several boxed parts forming a collection reference (``\\boxed{1}, \\boxed{2}``)."""
    if ref.node is None or ref.node[0] not in _COLLECTIONS:
        return False
    try:
        nodes = tuple(parse(clean(a)) for a in answers)
        return equivalent(("list", nodes, frozenset({","})), ref.node, rules)
    except (MathError, ArithmeticError, RecursionError):
        return False


def _after_thinking(response: str) -> tuple[str, str]:
    """The text after the last ``</think>``; ("", "unclosed") when thinking never ends."""
    last = None
    for last in _THINK_CLOSE.finditer(response):  # noqa: B007 -- we want the last match
        pass
    if last is not None:
        return response[last.end() :], "closed"
    if re.search(r"<think\s*>", response[:1000], re.IGNORECASE):
        return "", "unclosed"
    return response, "none"


class MathVerifier(Verifier):
    """Final-answer equivalence for maths; see the module docstring for the rules."""

    name = "math"
    description = (
        "final answer (boxed, <answer>, ####, 'the answer is') mathematically equal "
        "to the reference: numbers, fractions, radicals, sets, tuples, intervals, "
        "equations, matrices, units, choice letters, text"
    )
    timeout = 10.0

    def validate_options(self, options: dict[str, Any]) -> dict[str, Any]:
        unknown = set(options) - _OPTIONS
        if unknown:
            raise ValueError(f"math verifier: unknown options {sorted(unknown)}")
        out = dict(options)
        if "preset" in out and out["preset"] not in PRESETS:
            raise ValueError(
                f"math verifier: preset must be one of {sorted(PRESETS)}, got {out['preset']!r}"
            )
        if "extract" in out:
            extract = out["extract"]
            extract = (extract,) if isinstance(extract, str) else tuple(extract)
            bad = [s for s in extract if s not in STRATEGIES]
            if bad or not extract:
                raise ValueError(
                    f"math verifier: extract must name some of {STRATEGIES}, got {bad or extract}"
                )
            out["extract"] = extract
        if "tag" in out and not (isinstance(out["tag"], str) and re.fullmatch(r"\w+", out["tag"])):
            raise ValueError(f"math verifier: tag must be a word, got {out['tag']!r}")
        if out.get("rel_tol") is not None:
            tol = out["rel_tol"]
            if isinstance(tol, bool) or not isinstance(tol, int | float) or not 0 <= tol < 1:
                raise ValueError(f"math verifier: rel_tol must be a number in [0, 1), got {tol!r}")
            out["rel_tol"] = float(tol)
        if "strip_thinking" in out and not isinstance(out["strip_thinking"], bool):
            raise ValueError(
                f"math verifier: strip_thinking must be true or false, got {out['strip_thinking']!r}"
            )
        if "max_response_chars" in out:
            cap = out["max_response_chars"]
            if isinstance(cap, bool) or not isinstance(cap, int) or cap < 1:
                raise ValueError(
                    f"math verifier: max_response_chars must be a positive int, got {cap!r}"
                )
        return out

    def check(
        self,
        response: str,
        reference: Any,
        *,
        extract: Sequence[str] | str | None = None,
        tag: str = "answer",
        rel_tol: float | None = None,
        max_response_chars: int = 1_000_000,
        strip_thinking: bool = True,
        preset: str = DEFAULT_PRESET,
    ) -> Score:
        config = PRESETS[preset]
        if extract is None:
            extract = PRESET_EXTRACT[preset]
        extract = (extract,) if isinstance(extract, str) else tuple(extract)
        try:
            refs = [_prepare_reference(t, config) for t in _reference_texts(reference)]
        except BadReference as exc:
            return Score.error(str(exc))
        if len(response) > max_response_chars:
            return Score.incorrect(
                f"response is {len(response)} characters, over the {max_response_chars} limit"
            )
        if "\x00" in response:
            response = response.replace("\x00", "")
        if config.cut_chat_tokens:
            response = cut_chat_template(response)
        if strip_thinking:
            response, thinking = _after_thinking(response)
            if thinking == "unclosed":
                return Score.incorrect("no final answer found (<think> is never closed)")
        answers, source = find_answers(response, extract, tag)
        if not answers:
            if source == "empty":
                return Score.incorrect("no final answer found (the answer marker is empty)")
            return Score.incorrect(f"no final answer found (looked for: {', '.join(extract)})")
        rules = Rules() if rel_tol is None else Rules(rel_tol=rel_tol, tol_explicit=True)
        shown = [a[:200] for a in answers]
        reason = ""
        for ref in refs:
            results = [_compare(a, ref, rules) for a in answers]
            if all(ok for ok, _ in results):
                return Score.correct(extracted=shown, source=source)
            if len(answers) > 1 and _combined(answers, ref, rules):
                return Score.correct(extracted=shown, source=source)
            reason = next(why for ok, why in results if not ok)
        if len(answers) > 1:
            reason = f"several different final answers ({len(answers)}); {reason}"
        return Score.incorrect(
            f"answer {answers[-1][:80]!r}: {reason}", extracted=shown, source=source
        )
