"""Number-sequence induction: continue an integer sequence.

The rule family (what "the rule" may be) is fixed and stated in the prompt:

* a polynomial in the position of degree at most 3 (arithmetic, quadratic, cubic);
* an affine recurrence ``x[n+1] = p*x[n] + q`` (geometric when q = 0);
* a linear recurrence ``x[n+2] = a*x[n+1] + b*x[n]`` (Fibonacci-like);
* two arithmetic sequences interleaved (even and odd positions).

Difficulty unlocks rule types and larger coefficients, and from difficulty 6 asks for
the next two terms. Uniqueness: every rule type is fitted (exactly, in rationals) to
the shown terms, and the generator shows more terms until every rule type that fits
them predicts the same continuation -- so the answer is the only one any rule of the
family justifies. ``predictions(terms, count)`` is that computation; the reference
keeps its single result, and the checker compares against it.

Answer format: the next term(s) as integers, separated by commas or spaces.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Self

from m1env.envs.logic.base import Family, FamilyConfig, Puzzle, register_family
from m1env.sources import check_difficulty
from m1env.verifiers import Score

__all__ = ["RULES", "Sequence", "SequenceConfig", "predictions"]

RULES = (
    "arithmetic",
    "geometric",
    "quadratic",
    "fibonacci",
    "interleaved",
    "affine",
    "cubic",
    "linear2",
)
_UNLOCK = {1: 2, 2: 2, 3: 4, 4: 5, 5: 6, 6: 7, 7: 8, 8: 8, 9: 8, 10: 8}
_NUMBER = re.compile(r"^[+-]?\d{1,60}$")


@dataclass(frozen=True)
class SequenceConfig(FamilyConfig):
    rules: tuple[str, ...] = RULES[:6]
    count: int = 1
    scale: int = 5
    shown: int = 6

    def __post_init__(self) -> None:
        object.__setattr__(self, "rules", tuple(self.rules))
        unknown = [r for r in self.rules if r not in RULES]
        if not self.rules or unknown:
            raise ValueError(f"rules must be a non-empty subset of {RULES}, got {self.rules}")
        if not 1 <= self.count <= 3:
            raise ValueError(f"count must be in [1, 3], got {self.count}")
        if not 1 <= self.scale <= 100:
            raise ValueError(f"scale must be in [1, 100], got {self.scale}")
        if not 6 <= self.shown <= 12:
            raise ValueError(f"shown must be in [6, 12], got {self.shown}")

    @classmethod
    def for_difficulty(cls, difficulty: int) -> Self:
        d = check_difficulty(difficulty)
        return cls(rules=RULES[: _UNLOCK[d]], count=1 if d <= 5 else 2, scale=2 + d, shown=6)


def _poly(terms: list[Fraction], degree: int, count: int) -> list[Fraction] | None:
    rows = [list(terms)]
    for _ in range(degree + 1):
        rows.append([b - a for a, b in zip(rows[-1], rows[-1][1:], strict=False)])
    if len(rows[-1]) < 1 or any(rows[-1]):
        return None
    rows = rows[:-1]
    out = []
    for _ in range(count):
        rows[-1].append(rows[-1][-1])
        for k in range(len(rows) - 2, -1, -1):
            rows[k].append(rows[k][-1] + rows[k + 1][-1])
        out.append(rows[0][-1])
    return out


def _affine(terms: list[Fraction], count: int) -> list[Fraction] | None:
    x = terms
    if x[1] == x[0]:
        p, q = Fraction(1), Fraction(0)  # constant (the only sequence through x0, x0, ...)
    else:
        p = (x[2] - x[1]) / (x[1] - x[0])
        q = x[1] - p * x[0]
    if any(x[i + 1] != p * x[i] + q for i in range(len(x) - 1)):
        return None
    out, last = [], x[-1]
    for _ in range(count):
        last = p * last + q
        out.append(last)
    return out


def _linear2(terms: list[Fraction], count: int) -> list[Fraction] | None:
    x = terms
    for i in range(len(x) - 3):
        det = x[i + 1] * x[i + 1] - x[i] * x[i + 2]
        if det:
            a = (x[i + 2] * x[i + 1] - x[i] * x[i + 3]) / det
            b = (x[i + 1] * x[i + 3] - x[i + 2] * x[i + 2]) / det
            break
    else:  # every 2x2 system is singular: geometric (or zero), continued by its ratio
        nonzero = [i for i in range(len(x) - 1) if x[i]]
        if not nonzero:
            return [Fraction(0)] * count if not any(x) else None
        ratio = x[nonzero[-1] + 1] / x[nonzero[-1]]
        a, b = ratio, Fraction(0)
    if any(x[i + 2] != a * x[i + 1] + b * x[i] for i in range(len(x) - 2)):
        return None
    seq = list(x)
    for _ in range(count):
        seq.append(a * seq[-1] + b * seq[-2])
    return seq[len(x) :]


def _interleaved(terms: list[Fraction], count: int) -> list[Fraction] | None:
    even, odd = terms[0::2], terms[1::2]
    if len(even) < 3 or len(odd) < 3:
        return None
    parts = [_poly(part, 1, count) for part in (even, odd)]
    if parts[0] is None or parts[1] is None:
        return None
    nxt = {0: iter(parts[0]), 1: iter(parts[1])}
    return [next(nxt[(len(terms) + k) % 2]) for k in range(count)]


def predictions(terms: list[int], count: int) -> set[tuple[Fraction, ...]]:
    """The continuations (``count`` terms) of every rule type that fits ``terms``.

    Needs at least 6 terms: every rule type has at most 4 free parameters, so 6 terms
    leave each one over-determined (a shorter prefix would fit a cubic to anything).
    """
    if len(terms) < 6:
        raise ValueError(f"need at least 6 terms to compare rule types, got {len(terms)}")
    x = [Fraction(t) for t in terms]
    found = [_poly(x, degree, count) for degree in range(4)]
    found += [_affine(x, count), _linear2(x, count), _interleaved(x, count)]
    return {tuple(f) for f in found if f is not None}


def _draw(rng: random.Random, rule: str, scale: int, length: int) -> list[int]:
    def small(lo: int = 1) -> int:
        return rng.choice([-1, 1]) * rng.randint(lo, scale)

    if rule in ("arithmetic", "quadratic", "cubic"):
        degree = {"arithmetic": 1, "quadratic": 2, "cubic": 3}[rule]
        coeffs = [rng.randint(-scale, scale) for _ in range(degree)] + [small()]
        coeffs[-1] = abs(coeffs[-1]) if degree > 1 else coeffs[-1]
        return [sum(c * n**k for k, c in enumerate(coeffs)) for n in range(1, length + 1)]
    if rule == "geometric":
        a, r = small(), rng.choice([-3, -2, 2, 3] if scale > 4 else [2, 3])
        return [a * r**n for n in range(length)]
    if rule == "affine":
        p, q, x = rng.choice([2, 3, -2]), small(), small()
        seq = [x]
        while len(seq) < length:
            seq.append(p * seq[-1] + q)
        return seq
    if rule in ("fibonacci", "linear2"):
        a, b = (1, 1) if rule == "fibonacci" else (rng.randint(1, 3), rng.choice([-2, -1, 1, 2]))
        seq = [rng.randint(0, scale), rng.randint(1, scale)]
        while len(seq) < length:
            seq.append(a * seq[-1] + b * seq[-2])
        return seq
    starts, steps = (small(), small()), (small(), small())
    return [starts[n % 2] + steps[n % 2] * (n // 2) for n in range(length)]


class Sequence(Family):
    name = "sequence"
    title = "Sequence"
    description = "continue an integer sequence whose rule comes from a stated family"
    config_cls = SequenceConfig

    def generate(self, rng: random.Random, config: SequenceConfig) -> Puzzle:
        for _ in range(1000):  # a redraw is rare (ambiguous or non-integer); bound it anyway
            rule = rng.choice(config.rules)
            full = _draw(rng, rule, config.scale, 12 + config.count)
            for shown in range(config.shown, 13):
                found = predictions(full[:shown], config.count)
                if len(found) == 1:
                    break
            else:
                continue
            (answer_terms,) = found
            if answer_terms == tuple(full[shown : shown + config.count]):
                break
        else:
            raise RuntimeError(f"no unambiguous sequence for {config} after 1000 draws")
        terms = full[:shown]
        what = "next term" if config.count == 1 else f"next {config.count} terms"
        question = (
            f"Find the {what} of this sequence:\n\n{', '.join(map(str, terms))}, ...\n\n"
            "The rule is one of: a polynomial in the position of degree at most 3; "
            "x[n+1] = p*x[n] + q; x[n+2] = a*x[n+1] + b*x[n]; or two arithmetic sequences "
            "interleaved at even and odd positions. The terms shown determine the "
            f"answer.\n\nAnswer with the {what} as integers"
            + (", separated by commas." if config.count > 1 else ".")
        )
        answer = [int(t) for t in answer_terms]
        return Puzzle(
            question=question,
            reference={"terms": terms, "answer": answer},
            answer=", ".join(map(str, answer)),
            explanation=f"The terms follow a {rule} rule.",
            metadata={"rule": rule, "shown": shown},
        )

    def check(self, answer: str, reference: Any) -> Score:
        expected: list[int] = reference["answer"]
        items = [t for t in re.split(r"[\s,;]+", answer.strip().rstrip(".")) if t]
        if not items:
            return Score.incorrect("no numbers given")
        bad = next((t for t in items if not _NUMBER.match(t)), None)
        if bad is not None:
            return Score.incorrect(f"{bad[:40]!r} is not an integer")
        if len(items) != len(expected):
            return Score.incorrect(f"expected {len(expected)} number(s), got {len(items)}")
        for k, (got, want) in enumerate(zip(items, expected, strict=True), start=1):
            if int(got) != want:
                return Score.incorrect(
                    f"term {k} of the answer, {int(got)}, does not continue the sequence"
                )
        return Score.correct()


SPEC, verifier = register_family(Sequence)
