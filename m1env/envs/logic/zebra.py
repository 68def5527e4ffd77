"""Zebra (Einstein) puzzles: houses in a row, attributes, clues, one solution.

Difficulty sets the houses (3-6) and attribute categories (2-5). The generator draws
a hidden solution, adds random clues that are true of it until a constraint solver
(bitmask domains, all-different propagation, arc consistency on the binary clues,
backtracking) proves the solution unique, then drops every clue whose removal keeps
it unique -- so each remaining clue is needed.

Clues are JSON: ``["at", v, h]``, ``["not_at", v, h]``, ``["same", v, w]``,
``["not_same", v, w]``, ``["left", v, w]`` (v directly left of w), ``["next", v, w]``,
``["before", v, w]`` (v somewhere left of w), where ``v = category * houses + value``
and houses count from 0 (shown from 1).

Answer format: one line per house, ``House 1: red, Brit, dog`` (attribute values in
any order, case-insensitive). The checker reads a full assignment and accepts it iff
every clue holds; by uniqueness that is the solution.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from typing import Any, Self

from m1env.envs.logic._search import bitmask_search
from m1env.envs.logic.base import Family, FamilyConfig, Puzzle, register_family
from m1env.sources import check_difficulty
from m1env.verifiers import Score

__all__ = ["CATEGORIES", "Zebra", "ZebraConfig", "holds", "solve"]

#: category -> (values, phrase for a person with that value)
CATEGORIES: dict[str, tuple[list[str], str]] = {
    "colour": (["red", "green", "blue", "yellow", "white", "purple"], "the person in the {} house"),
    "nationality": (["Brit", "Swede", "Dane", "German", "Norwegian", "Japanese"], "the {}"),
    "pet": (["dog", "cat", "bird", "fish", "horse", "rabbit"], "the {} owner"),
    "drink": (["tea", "coffee", "milk", "water", "juice", "soda"], "the {} drinker"),
    "sport": (["tennis", "chess", "golf", "soccer", "rugby", "cycling"], "the person who plays {}"),
}
_HOUSES = [3, 3, 4, 4, 4, 5, 5, 5, 6, 6]
_CATS = [2, 3, 3, 4, 4, 3, 4, 5, 4, 5]
_BINARY = {
    "same": lambda a, b: a == b,
    "not_same": lambda a, b: a != b,
    "left": lambda a, b: a + 1 == b,
    "next": lambda a, b: abs(a - b) == 1,
    "before": lambda a, b: a < b,
}
_LINE = re.compile(r"^\s*house\s*#?\s*(\d+)\s*[:=\-]?\s*(.*?)\s*\.?\s*$", re.IGNORECASE)


@dataclass(frozen=True)
class ZebraConfig(FamilyConfig):
    houses: int = 4
    categories: int = 4

    def __post_init__(self) -> None:
        if not 2 <= self.houses <= 6:
            raise ValueError(f"houses must be in [2, 6], got {self.houses}")
        if not 2 <= self.categories <= len(CATEGORIES):
            raise ValueError(f"categories must be in [2, {len(CATEGORIES)}], got {self.categories}")

    @classmethod
    def for_difficulty(cls, difficulty: int) -> Self:
        d = check_difficulty(difficulty)
        return cls(houses=_HOUSES[d - 1], categories=_CATS[d - 1])


def holds(clue: list[Any], house: list[int]) -> bool:
    """Whether ``clue`` is true when variable v sits in ``house[v]``."""
    op = clue[0]
    if op == "at":
        return house[clue[1]] == clue[2]
    if op == "not_at":
        return house[clue[1]] != clue[2]
    return bool(_BINARY[op](house[clue[1]], house[clue[2]]))


def _propagate(n: int, cats: int, dom: list[int], binary: list[list[Any]]) -> bool:
    changed = True
    while changed:
        changed = False
        for c in range(cats):
            group = range(c * n, (c + 1) * n)
            for v in group:
                d = dom[v]
                if d == 0:
                    return False
                if d & (d - 1) == 0:
                    for w in group:
                        if w != v and dom[w] & d:
                            dom[w] &= ~d
                            changed = True
            for h in range(n):
                holders = [v for v in group if dom[v] >> h & 1]
                if not holders:
                    return False
                if len(holders) == 1 and dom[holders[0]] != 1 << h:
                    dom[holders[0]] = 1 << h
                    changed = True
        for op, v, w in binary:
            rel = _BINARY[op]
            dv, dw = dom[v], dom[w]
            hv = [a for a in range(n) if dv >> a & 1]
            hw = [b for b in range(n) if dw >> b & 1]
            nv = sum(1 << a for a in hv if any(rel(a, b) for b in hw))
            nw = sum(1 << b for b in hw if any(rel(a, b) for a in hv))
            if nv != dv or nw != dw:
                if not nv or not nw:
                    return False
                dom[v], dom[w] = nv, nw
                changed = True
    return True


def solve(n: int, cats: int, clues: list[list[Any]], limit: int = 2) -> list[list[int]]:
    """Up to ``limit`` solutions (house of each variable) satisfying ``clues``."""
    dom = [(1 << n) - 1] * (n * cats)
    for clue in clues:
        if clue[0] == "at":
            dom[clue[1]] &= 1 << clue[2]
        elif clue[0] == "not_at":
            dom[clue[1]] &= ~(1 << clue[2])
    binary = [c for c in clues if c[0] in _BINARY]
    return bitmask_search(dom, lambda d: _propagate(n, cats, d, binary), limit)


def _random_clue(rng: random.Random, house: list[int], n: int, cats: int) -> list[Any]:
    v = rng.randrange(n * cats)
    kind = rng.choice(["at", "not_at", "same", "same", "not_same", "left", "next", "before"])
    if kind in ("at", "not_at"):
        h = house[v] if kind == "at" else rng.choice([h for h in range(n) if h != house[v]])
        return [kind, v, h]
    others = [w for w in range(n * cats) if w // n != v // n]
    rng.shuffle(others)
    for w in others:
        if _BINARY[kind](house[v], house[w]):
            return [kind, v, w]
    return ["at", v, house[v]]


class Zebra(Family):
    name = "zebra"
    title = "Zebra"
    description = "Einstein puzzle: place attributes in a row of houses from clues"
    config_cls = ZebraConfig

    def generate(self, rng: random.Random, config: ZebraConfig) -> Puzzle:
        n, cats = config.houses, config.categories
        chosen = rng.sample(sorted(CATEGORIES), cats)
        values = [rng.sample(CATEGORIES[c][0], n) for c in chosen]
        house = [h for _ in range(cats) for h in rng.sample(range(n), n)]
        clues: list[list[Any]] = []
        while len(solve(n, cats, clues)) > 1:
            if len(clues) > 40 * n * cats:  # unique long before this; guards the loop
                raise RuntimeError(f"no unique zebra puzzle after {len(clues)} clues")
            clues.append(_random_clue(rng, house, n, cats))
        for clue in rng.sample(clues, len(clues)):
            rest = [c for c in clues if c is not clue]
            if len(solve(n, cats, rest)) == 1:
                clues = rest

        def who(v: int) -> str:
            c, i = divmod(v, n)
            return CATEGORIES[chosen[c]][1].format(values[c][i])

        texts = {
            "at": "{a} lives in house {h}.",
            "not_at": "{a} does not live in house {h}.",
            "same": "{a} is {b}.",
            "not_same": "{a} is not {b}.",
            "left": "{a} lives directly left of {b}.",
            "next": "{a} lives next to {b}.",
            "before": "{a} lives somewhere to the left of {b}.",
        }
        lines = []
        for k, clue in enumerate(clues, start=1):
            if clue[0] in ("at", "not_at"):
                text = texts[clue[0]].format(a=who(clue[1]), h=clue[2] + 1)
            else:
                text = texts[clue[0]].format(a=who(clue[1]), b=who(clue[2]))
            lines.append(f"{k}. {text[0].upper()}{text[1:]}")
        attributes = "\n".join(
            f"- {c}: {', '.join(sorted(vals))}" for c, vals in zip(chosen, values, strict=True)
        )
        question = (
            f"There are {n} houses in a row, numbered 1 to {n} from left to right. Each "
            f"house has one person, and each person has exactly one value of each "
            f"attribute below; no two people share a value.\n\n{attributes}\n\nClues:\n"
            + "\n".join(lines)
            + f"\n\nGive the full solution, one line per house in the form "
            f"`House 1: {', '.join(values[c][0] for c in range(cats))}` (values in the "
            f"attribute order above)."
        )
        by_house = [
            [values[c][i] for c in range(cats) for i in range(n) if house[c * n + i] == h]
            for h in range(n)
        ]
        answer = "\n".join(f"House {h + 1}: {', '.join(row)}" for h, row in enumerate(by_house))
        return Puzzle(
            question=question,
            reference={
                "houses": n,
                "categories": chosen,
                "values": values,
                "clues": clues,
                "solution": house,
            },
            answer=answer,
            explanation="Combining the clues leaves exactly one arrangement.",
            metadata={"clues": len(clues)},
        )

    def check(self, answer: str, reference: Any) -> Score:
        n: int = reference["houses"]
        values: list[list[str]] = reference["values"]
        index = {
            val.lower(): c * n + i for c, vals in enumerate(values) for i, val in enumerate(vals)
        }
        house: list[int | None] = [None] * len(index)
        for line in answer.splitlines():
            if not line.strip():
                continue
            match = _LINE.match(line)
            if not match:
                return Score.incorrect(
                    f"cannot read line {line.strip()[:60]!r}: expected 'House N: ...'"
                )
            h = int(match.group(1)) - 1
            if not 0 <= h < n:
                return Score.incorrect(f"there is no house {h + 1} (houses are 1-{n})")
            for item in re.split(r"\s*[,;/|]\s*|\s+and\s+", match.group(2)):
                if not item:
                    continue
                v = index.get(item.strip().lower())
                if v is None:
                    return Score.incorrect(f"{item.strip()[:40]!r} is not an attribute value")
                if house[v] is not None and house[v] != h:
                    return Score.incorrect(f"{item.strip()} is placed in two houses")
                house[v] = h
        missing = [val for val, v in index.items() if house[v] is None]
        if missing:
            return Score.incorrect(f"no house given for {', '.join(sorted(missing))}")
        placed = [h for h in house if h is not None]
        for c in range(len(values)):
            seen = placed[c * n : (c + 1) * n]
            if len(set(seen)) != n:
                cat = reference["categories"][c]
                return Score.incorrect(f"some house has two {cat} values")
        for k, clue in enumerate(reference["clues"], start=1):
            if not holds(clue, placed):
                return Score.incorrect(f"clue {k} is violated")
        return Score.correct()


SPEC, verifier = register_family(Zebra)
