"""Knights and knaves: knights always tell the truth, knaves always lie.

Difficulty sets the number of islanders (3 at difficulty 1 up to 7 at 10) and how
nested their statements are. The generator draws a hidden assignment and gives each
islander a statement (a small logic formula over the islanders' types) whose truth
value matches the speaker: true for a knight, false for a knave. It then enumerates
all ``2**n`` assignments and keeps adding statements until exactly one assignment is
consistent with everything said -- uniqueness is proven by enumeration.

Statements are stored as JSON formulas: ``["knight", i]``, ``["knave", i]``,
``["same", i, j]``, ``["differ", i, j]``, ``["count", k, "knight"|"knave"]`` (exactly
k), ``["not", f]``, ``["and", f, g]``, ``["or", f, g]``, ``["if", f, g]`` (f implies g),
``["iff", f, g]``.

Answer format: every islander with their type, e.g. ``Alice: knight, Bob: knave``
(commas, semicolons or new lines between entries; ``is a`` or ``=`` also accepted).
The checker accepts the assignment iff every statement's truth matches its speaker.
"""

from __future__ import annotations

import itertools
import random
import re
from dataclasses import dataclass
from typing import Any, Self

from m1env.envs.logic.base import Family, FamilyConfig, Puzzle, register_family
from m1env.sources import check_difficulty
from m1env.verifiers import Score

__all__ = ["KnightsKnaves", "KnightsKnavesConfig", "consistent", "evaluate", "render"]

NAMES = ["Alice", "Bob", "Carol", "Dave", "Eve", "Frank", "Grace", "Heidi", "Ivan"]
_ENTRY = re.compile(
    r"^\s*([A-Za-z]+)\s*(?::|=|-|is\s+an?|is)?\s*(knight|knave)s?\s*\.?\s*$", re.IGNORECASE
)


@dataclass(frozen=True)
class KnightsKnavesConfig(FamilyConfig):
    people: int = 4
    depth: int = 1

    def __post_init__(self) -> None:
        if not 2 <= self.people <= len(NAMES):
            raise ValueError(f"people must be in [2, {len(NAMES)}], got {self.people}")
        if not 0 <= self.depth <= 2:
            raise ValueError(f"depth must be in [0, 2], got {self.depth}")

    @classmethod
    def for_difficulty(cls, difficulty: int) -> Self:
        d = check_difficulty(difficulty)
        return cls(people=min(2 + (d + 1) // 2, 7), depth=0 if d <= 2 else 1 if d <= 6 else 2)


def evaluate(formula: list[Any], knights: tuple[bool, ...]) -> bool:
    """The truth of ``formula`` when ``knights[i]`` says whether islander i is a knight."""
    op = formula[0]
    if op == "knight":
        return knights[formula[1]]
    if op == "knave":
        return not knights[formula[1]]
    if op == "same":
        return knights[formula[1]] == knights[formula[2]]
    if op == "differ":
        return knights[formula[1]] != knights[formula[2]]
    if op == "count":
        wanted = formula[2] == "knight"
        return sum(1 for k in knights if k == wanted) == formula[1]
    if op == "not":
        return not evaluate(formula[1], knights)
    a, b = evaluate(formula[1], knights), evaluate(formula[2], knights)
    return {"and": a and b, "or": a or b, "if": (not a) or b, "iff": a == b}[op]


def render(formula: list[Any], names: list[str]) -> str:
    op = formula[0]
    if op in ("knight", "knave"):
        return f"{names[formula[1]]} is a {op}"
    if op == "same":
        return f"{names[formula[1]]} is the same kind as {names[formula[2]]}"
    if op == "differ":
        return f"{names[formula[1]]} is a different kind from {names[formula[2]]}"
    if op == "count":
        k, kind = formula[1], formula[2]
        return f"exactly {k} of us {'is a' if k == 1 else 'are'} {kind}{'' if k == 1 else 's'}"
    if op == "not":
        return f"it is not true that {_operand(formula[1], names)}"
    a, b = _operand(formula[1], names), _operand(formula[2], names)
    if op == "if":
        return f"if {a}, then {b}"
    if op == "iff":
        return f"{a} if and only if {b}"
    return f"{a} {op} {b}"


def _operand(formula: list[Any], names: list[str]) -> str:
    """Compound operands go in parentheses so nesting is never ambiguous."""
    text = render(formula, names)
    return f"({text})" if formula[0] in ("not", "and", "or", "if", "iff") else text


def _atom(rng: random.Random, n: int, speaker: int) -> list[Any]:
    others = [i for i in range(n) if i != speaker]
    kind = rng.choice(["knight", "knave", "knight", "knave", "same", "differ", "count"])
    if kind in ("same", "differ"):
        if len(others) < 2:
            return [kind, speaker, others[0]]
        i, j = rng.sample(others, 2)
        return [kind, i, j]
    if kind == "count":
        return ["count", rng.randint(0, n), rng.choice(["knight", "knave"])]
    return [kind, rng.choice(others)]


def _formula(rng: random.Random, n: int, speaker: int, depth: int) -> list[Any]:
    if depth == 0 or rng.random() < 0.3:
        return _atom(rng, n, speaker)
    op = rng.choice(["and", "or", "if", "iff", "not"])
    if op == "not":
        return ["not", _atom(rng, n, speaker)]
    return [op, _formula(rng, n, speaker, depth - 1), _atom(rng, n, speaker)]


_DUAL = {"knight": "knave", "knave": "knight", "same": "differ", "differ": "same"}


def _negate(formula: list[Any]) -> list[Any]:
    """A formula with the opposite truth value, worded as plainly as possible."""
    if formula[0] in _DUAL:
        return [_DUAL[formula[0]], *formula[1:]]
    return formula[1] if formula[0] == "not" else ["not", formula]


def consistent(statements: list[list[Any]], knights: tuple[bool, ...]) -> int | None:
    """The index of the first statement that contradicts its speaker's type, or None."""
    for k, (speaker, formula) in enumerate(statements):
        if evaluate(formula, knights) != knights[speaker]:
            return k
    return None


class KnightsKnaves(Family):
    name = "knights_knaves"
    title = "KnightsKnaves"
    description = "decide who is a knight (always truthful) and who is a knave (always lies)"
    config_cls = KnightsKnavesConfig

    def generate(self, rng: random.Random, config: KnightsKnavesConfig) -> Puzzle:
        n = config.people
        names = NAMES[:n]
        truth = tuple(rng.random() < 0.5 for _ in range(n))
        worlds = list(itertools.product((True, False), repeat=n))
        statements: list[list[Any]] = []
        order = list(range(n))
        rng.shuffle(order)
        turn = 0
        while turn < 100 * n:  # converges in a few rounds; the bound only guards the loop
            speaker = order[turn % n]
            turn += 1
            formula = _formula(rng, n, speaker, config.depth)
            if evaluate(formula, truth) != truth[speaker]:
                formula = _negate(formula)
            statements.append([speaker, formula])
            worlds = [w for w in worlds if consistent(statements[-1:], w) is None]
            if len(worlds) == 1 and turn >= n:
                break
        else:
            raise RuntimeError(f"no unique knights-and-knaves puzzle after {turn} statements")
        lines = "\n".join(
            f'{names[s]} says: "{render(f, names)[0].upper()}{render(f, names)[1:]}."'
            for s, f in statements
        )
        question = (
            f"On an island, knights always tell the truth and knaves always lie. You meet "
            f"{len(names)} islanders: {', '.join(names)}.\n\n{lines}\n\n"
            f"Who is a knight and who is a knave? Answer with one entry per islander, "
            f"e.g. `{names[0]}: knight, {names[1]}: knave`."
        )
        answer = ", ".join(
            f"{nm}: {'knight' if k else 'knave'}" for nm, k in zip(names, truth, strict=True)
        )
        return Puzzle(
            question=question,
            reference={"names": names, "statements": statements, "solution": list(truth)},
            answer=answer,
            explanation=f"Of all {2**n} assignments, only this one makes every statement's "
            "truth match its speaker.",
            metadata={"statements": len(statements)},
        )

    def check(self, answer: str, reference: Any) -> Score:
        names: list[str] = reference["names"]
        lookup = {nm.lower(): i for i, nm in enumerate(names)}
        assigned: dict[int, bool] = {}
        entries = [e for e in re.split(r"[,;\n]+|\band\b", answer) if e.strip()]
        for entry in entries:
            match = _ENTRY.match(entry)
            if not match:
                return Score.incorrect(
                    f"cannot read {entry.strip()[:60]!r}: expected 'Name: knight' or 'Name: knave'"
                )
            who = lookup.get(match.group(1).lower())
            if who is None:
                return Score.incorrect(f"{match.group(1)!r} is not one of {', '.join(names)}")
            kind = match.group(2).lower() == "knight"
            if assigned.get(who, kind) != kind:
                return Score.incorrect(f"{names[who]} is given two different types")
            assigned[who] = kind
        missing = [names[i] for i in range(len(names)) if i not in assigned]
        if missing:
            return Score.incorrect(f"no type given for {', '.join(missing)}")
        world = tuple(assigned[i] for i in range(len(names)))
        bad = consistent(reference["statements"], world)
        if bad is not None:
            speaker, formula = reference["statements"][bad]
            claim = render(formula, names)
            role = "knight" if world[speaker] else "knave"
            truth = "true" if evaluate(formula, world) else "false"
            return Score.incorrect(
                f"with that assignment {names[speaker]} (a {role}) says '{claim}', which is {truth}"
            )
        return Score.correct()


SPEC, verifier = register_family(KnightsKnaves)
