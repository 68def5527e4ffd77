"""Integer word problems: shopping, ages, rates, sharing, saving, fencing, ...

Each template draws its numbers so that the answer is a whole number and writes a
step-by-step solution. Difficulty scales the numbers (about ``10 d``) and unlocks
the templates with more steps (three or more from difficulty 4). The reference is
the integer answer (units are stated in the question, not in the answer).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import Self

from m1env.envs.math.env import MathConfig, MathFamily
from m1env.sources import Problem, check_difficulty

__all__ = ["FAMILY", "SPEC", "TEMPLATES", "WordProblemConfig", "build"]

NAMES = ("Ava", "Ben", "Chloe", "Dev", "Elena", "Farid", "Grace", "Hiro", "Ines", "Jonah")
ITEMS = (("notebook", "notebooks"), ("pen", "pens"), ("apple", "apples"), ("ticket", "tickets"))

Written = tuple[str, list[str], int]  # question, solution steps, answer


def _shopping(rng: random.Random, s: int) -> Written:
    name = rng.choice(NAMES)
    (_, many_a), (_, many_b) = rng.sample(ITEMS, 2)
    a, b = rng.randint(2, 2 + s // 5), rng.randint(2, 2 + s // 5)
    p, q = rng.randint(2, s + 2), rng.randint(2, s + 2)
    total = a * p + b * q
    bill = ((total // 50) + 1) * 50
    return (
        f"{name} buys {a} {many_a} at {p} dollars each and {b} {many_b} at {q} dollars each, "
        f"and pays with {bill} dollars. How many dollars of change does {name} get?",
        [
            f"The {many_a} cost ${a} \\times {p} = {a * p}$ dollars.",
            f"The {many_b} cost ${b} \\times {q} = {b * q}$ dollars.",
            f"Together that is ${a * p} + {b * q} = {total}$ dollars.",
            f"The change is ${bill} - {total} = {bill - total}$ dollars.",
        ],
        bill - total,
    )


def _ages(rng: random.Random, s: int) -> Written:
    a, b = rng.sample(NAMES, 2)
    young = rng.randint(2, 4 + s // 2)
    k = rng.randint(2, 4)
    n = rng.randint(1, 5 + s // 4)
    total = k * young + young + 2 * n
    return (
        f"{a} is {k} times as old as {b}. In {n} years, the sum of their ages will be "
        f"{total}. How old is {a} now?",
        [
            f"Let {b}'s age be $b$; then {a} is ${k}b$.",
            f"In {n} years: $({k}b + {n}) + (b + {n}) = {total}$, so ${k + 1}b = {total - 2 * n}$.",
            f"So $b = {young}$ and {a} is ${k} \\times {young} = {k * young}$.",
        ],
        k * young,
    )


def _distance(rng: random.Random, s: int) -> Written:
    v, w = rng.randint(3, 6 + s) * 5, rng.randint(3, 6 + s) * 5
    t1, t2 = rng.randint(1, 4), rng.randint(1, 4)
    return (
        f"A train travels at {v} km/h for {t1} hours and then at {w} km/h for {t2} hours. "
        "How many kilometres does it travel in total?",
        [
            f"First part: ${v} \\times {t1} = {v * t1}$ km.",
            f"Second part: ${w} \\times {t2} = {w * t2}$ km.",
            f"Total: ${v * t1} + {w * t2} = {v * t1 + w * t2}$ km.",
        ],
        v * t1 + w * t2,
    )


def _sharing(rng: random.Random, s: int) -> Written:
    kids = rng.randint(2, 3 + s // 5)
    each = rng.randint(2, 3 + s // 2)
    kept = rng.randint(1, 5 + s // 3)
    total = kids * each + kept
    name = rng.choice(NAMES)
    return (
        f"{name} has {total} stickers, keeps {kept} and shares the rest equally among "
        f"{kids} friends. How many stickers does each friend get?",
        [
            f"After keeping {kept}, {name} has ${total} - {kept} = {total - kept}$ stickers.",
            f"Each friend gets ${total - kept} \\div {kids} = {each}$.",
        ],
        each,
    )


def _saving(rng: random.Random, s: int) -> Written:
    name = rng.choice(NAMES)
    weekly = rng.randint(3, 5 + s)
    start = rng.randint(0, 4 * s)
    cost = start + rng.randint(2 * weekly, (3 + s // 5) * weekly + weekly - 1)
    need = cost - start
    weeks = -(-need // weekly)
    return (
        f"{name} has {start} dollars and saves {weekly} dollars every week. What is the smallest "
        f"number of weeks after which {name} has at least {cost} dollars?",
        [
            f"{name} still needs ${cost} - {start} = {need}$ dollars.",
            f"${need} \\div {weekly} \\approx {need / weekly:.2f}$, and only whole weeks count, "
            f"so round up: {weeks} weeks (${weeks} \\times {weekly} = {weeks * weekly} \\ge {need}$).",
        ],
        weeks,
    )


def _fencing(rng: random.Random, s: int) -> Written:
    length, width = rng.randint(3, 5 + 2 * s), rng.randint(2, 4 + s)
    price = rng.randint(2, 4 + s // 2)
    perimeter = 2 * (length + width)
    return (
        f"A rectangular garden is {length} m long and {width} m wide. Fencing costs {price} "
        "dollars per metre. How many dollars does it cost to fence the whole garden?",
        [
            f"The perimeter is $2 \\times ({length} + {width}) = {perimeter}$ m.",
            f"The cost is ${perimeter} \\times {price} = {perimeter * price}$ dollars.",
        ],
        perimeter * price,
    )


def _recipe(rng: random.Random, s: int) -> Written:
    per_batch = rng.randint(2, 5)
    batch = rng.randint(2, 4) * 6
    batches = rng.randint(2, 3 + s // 4)
    return (
        f"A recipe uses {per_batch} eggs for {batch} muffins. How many eggs are needed "
        f"for {batch * batches} muffins?",
        [
            f"${batch * batches} \\div {batch} = {batches}$ batches.",
            f"${batches} \\times {per_batch} = {batches * per_batch}$ eggs.",
        ],
        batches * per_batch,
    )


def _consecutive(rng: random.Random, s: int) -> Written:
    n = rng.randint(3, 5)
    first = rng.randint(1, 5 + 3 * s)
    total = sum(range(first, first + n))
    return (
        f"The sum of {n} consecutive integers is {total}. What is the largest of them?",
        [
            f"Call them $m, m + 1, \\dots, m + {n - 1}$; their sum is "
            f"${n}m + {n * (n - 1) // 2} = {total}$.",
            f"So ${n}m = {total - n * (n - 1) // 2}$ and $m = {first}$.",
            f"The largest is ${first} + {n - 1} = {first + n - 1}$.",
        ],
        first + n - 1,
    )


#: name -> (template, fewest difficulty it appears at)
TEMPLATES: dict[str, tuple[Callable[[random.Random, int], Written], int]] = {
    "sharing": (_sharing, 1),
    "recipe": (_recipe, 1),
    "fencing": (_fencing, 1),
    "distance": (_distance, 2),
    "shopping": (_shopping, 4),
    "saving": (_saving, 4),
    "ages": (_ages, 5),
    "consecutive": (_consecutive, 5),
}


@dataclass(frozen=True)
class WordProblemConfig(MathConfig):
    scale: int = 50
    templates: tuple[str, ...] = tuple(TEMPLATES)

    def __post_init__(self) -> None:
        if not 1 <= self.scale <= 10_000:
            raise ValueError(f"scale must be in [1, 10000], got {self.scale}")
        names = tuple(self.templates)
        unknown = [t for t in names if t not in TEMPLATES]
        if not names or unknown:
            raise ValueError(f"templates must be some of {sorted(TEMPLATES)}, got {names!r}")
        object.__setattr__(self, "templates", names)

    @classmethod
    def for_difficulty(cls, difficulty: int) -> Self:
        d = check_difficulty(difficulty)
        return cls(
            scale=10 * d,
            templates=tuple(name for name, (_, least) in TEMPLATES.items() if least <= d),
        )


def build(rng: random.Random, config: WordProblemConfig) -> Problem:
    name = rng.choice(config.templates)
    question, steps, answer = TEMPLATES[name][0](rng, config.scale)
    solution = "\n".join(steps) + f"\n\nThe answer is $\\boxed{{{answer}}}$."
    return Problem(
        question=question,
        answer=str(answer),
        solution=solution,
        metadata={"template": name},
    )


FAMILY = MathFamily("word_problems", WordProblemConfig, build)
SPEC = FAMILY.spec("m1env/Math-WordProblems-v0", "integer word problems with worked solutions")
