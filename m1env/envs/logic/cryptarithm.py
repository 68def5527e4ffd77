"""Cryptarithms: SEND + MORE = MONEY style letter sums with a unique solution.

Each letter stands for a different digit and no word starts with 0. Difficulty raises
the number of addends and the word lengths and lowers the number of letters given as
hints. The generator draws a random digit-to-letter code, random addends and their
sum; while the column solver (:func:`solve`) finds a second solution it reveals the
digit of a letter on which that solution differs from the planted one, and it keeps
the puzzle once the solver proves the solution unique within ``max_hints`` hints.

The checker accepts the letter-to-digit mapping (``S=9, E=5, ...``; ``:``/``->`` work as
well as ``=``; pairs separated by commas, spaces or newlines; case does not matter). It
checks the mapping against the puzzle's rules and arithmetic -- not against a stored
answer -- and says which rule a wrong mapping breaks.
"""

from __future__ import annotations

import random
import re
import string
from dataclasses import dataclass
from typing import Any, Self

from m1env.envs.logic.base import Family, FamilyConfig, Puzzle, register_family
from m1env.sources import check_difficulty
from m1env.verifiers import Score

__all__ = ["Cryptarithm", "CryptarithmConfig", "parse_mapping", "solve"]

_PAIR = re.compile(r"\b([A-Za-z])\s*(?:=|:|->|→)\s*(\d)\b")


@dataclass(frozen=True)
class CryptarithmConfig(FamilyConfig):
    addends: int = 2
    min_length: int = 3
    max_length: int = 4
    max_hints: int = 2

    def __post_init__(self) -> None:
        if not 2 <= self.addends <= 5:
            raise ValueError(f"addends must be in [2, 5], got {self.addends}")
        if not 1 <= self.min_length <= self.max_length <= 7:
            raise ValueError(
                f"need 1 <= min_length <= max_length <= 7, got {self.min_length}, {self.max_length}"
            )

        if not 0 <= self.max_hints <= 9:
            raise ValueError(f"max_hints must be in [0, 9], got {self.max_hints}")

    @classmethod
    def for_difficulty(cls, difficulty: int) -> Self:
        d = check_difficulty(difficulty)
        return cls(
            addends=2 if d <= 6 else 3,
            min_length=2 + d // 4,
            max_length=3 + d // 4,
            max_hints=max(1, 5 - d // 2),
        )


def solve(
    addends: list[str], result: str, limit: int = 2, fixed: dict[str, int] | None = None
) -> list[dict[str, int]]:
    """Up to ``limit`` solutions (respecting the ``fixed`` digits), found column by
    column from the right with carries."""
    width = len(result)
    if any(len(w) > width for w in addends):
        return []
    leading = {w[0] for w in [*addends, result] if len(w) > 1}
    columns = [[w[-1 - j] for w in addends if j < len(w)] for j in range(width)]
    value: dict[str, int] = {}
    used = [False] * 10
    found: list[dict[str, int]] = []

    fixed = fixed or {}

    def assign(letter: str, digit: int) -> bool:
        if used[digit] or (digit == 0 and letter in leading):
            return False
        if letter in fixed and fixed[letter] != digit:
            return False
        value[letter] = digit
        used[digit] = True
        return True

    def unassign(letter: str) -> None:
        used[value.pop(letter)] = False

    def column(j: int, carry: int) -> None:
        if len(found) >= limit:
            return
        if j == width:
            if carry == 0:
                found.append(dict(value))
            return
        free = sorted({ch for ch in columns[j] if ch not in value})
        fill(j, carry, free, 0)

    def fill(j: int, carry: int, free: list[str], i: int) -> None:
        if i < len(free):
            for digit in range(10):
                if assign(free[i], digit):
                    fill(j, carry, free, i + 1)
                    unassign(free[i])
            return
        total = carry + sum(value[ch] for ch in columns[j])
        digit, letter = total % 10, result[-1 - j]
        if letter in value:
            if value[letter] == digit:
                column(j + 1, total // 10)
        elif assign(letter, digit):
            column(j + 1, total // 10)
            unassign(letter)

    column(0, 0)
    return found


def parse_mapping(text: str) -> dict[str, int]:
    """Letter -> digit from ``A=1`` pairs; ValueError says why it cannot be read."""
    pairs = _PAIR.findall(text)
    if not pairs:
        raise ValueError("no letter=digit pairs found (write e.g. S=9, E=5)")
    if re.search(r"[A-Za-z0-9]", _PAIR.sub(" ", text)):
        raise ValueError("found text outside 'letter=digit' pairs")
    mapping: dict[str, int] = {}
    for letter, digit in pairs:
        letter = letter.upper()
        if letter in mapping and mapping[letter] != int(digit):
            raise ValueError(f"{letter} is given two digits")
        mapping[letter] = int(digit)
    return mapping


def _hints(
    rng: random.Random,
    addends: list[str],
    result: str,
    planted: dict[str, int],
    max_hints: int,
) -> dict[str, int] | None:
    """The fewest revealed letters (chosen greedily) that make the solution unique."""
    hints: dict[str, int] = {}
    while True:
        solutions = solve(addends, result, limit=2, fixed=hints)
        others = [s for s in solutions if any(s[ch] != planted[ch] for ch in s)]
        if not others:
            return dict(sorted(hints.items()))
        if len(hints) == max_hints:
            return None
        differ = sorted(ch for ch in others[0] if others[0][ch] != planted[ch])
        letter = rng.choice(differ)
        hints[letter] = planted[letter]


def _number(word: str, mapping: dict[str, int]) -> int:
    return int("".join(str(mapping[ch]) for ch in word))


class Cryptarithm(Family):
    name = "cryptarithm"
    title = "Cryptarithm"
    description = "find the digit of every letter in a SEND + MORE = MONEY style sum"
    config_cls = CryptarithmConfig

    def generate(self, rng: random.Random, config: CryptarithmConfig) -> Puzzle:
        while True:
            letter_of = dict(enumerate(rng.sample(string.ascii_uppercase, 10)))
            numbers = [
                rng.randint(10 ** (n - 1) if n > 1 else 0, 10**n - 1)
                for n in (
                    rng.randint(config.min_length, config.max_length) for _ in range(config.addends)
                )
            ]
            numbers.sort(reverse=True)
            addends = ["".join(letter_of[int(ch)] for ch in str(x)) for x in numbers]
            result = "".join(letter_of[int(ch)] for ch in str(sum(numbers)))
            planted = {ch: int(digit) for digit, ch in letter_of.items()}
            hints = _hints(rng, addends, result, planted, config.max_hints)
            if hints is not None:
                break
        mapping = {ch: planted[ch] for ch in sorted(set("".join([*addends, result])))}
        equation = " + ".join(addends) + f" = {result}"
        given = (
            "You are told that " + " and ".join(f"{k}={v}" for k, v in hints.items()) + ". "
            if hints
            else ""
        )
        question = (
            f"Solve the cryptarithm {equation}.\n"
            f"Each letter stands for a different digit (0-9), the same letter always for "
            f"the same digit, and no number starts with 0. {given}The solution is unique.\n"
            f"Answer format: every letter with its digit, e.g. `A=1, B=2, C=3`."
        )
        return Puzzle(
            question=question,
            reference={
                "addends": addends,
                "result": result,
                "hints": hints,
                "solution": mapping,
            },
            answer=", ".join(f"{k}={v}" for k, v in mapping.items()),
            explanation="Work column by column from the right, tracking the carries.",
            metadata={"letters": len(mapping), "hints": len(hints)},
        )

    def check(self, answer: str, reference: Any) -> Score:
        try:
            mapping = parse_mapping(answer)
        except ValueError as exc:
            return Score.incorrect(f"cannot read the mapping: {exc}")
        addends, result = reference["addends"], reference["result"]
        letters = set("".join([*addends, result]))
        extra = sorted(set(mapping) - letters)
        if extra:
            return Score.incorrect(f"letters {extra} do not appear in the puzzle")
        missing = sorted(letters - set(mapping))
        if missing:
            return Score.incorrect(f"letters {missing} have no digit")
        for letter, digit in reference.get("hints", {}).items():
            if mapping[letter] != digit:
                return Score.incorrect(f"the puzzle gives {letter}={digit}")
        by_digit: dict[int, str] = {}
        for letter, digit in sorted(mapping.items()):
            if digit in by_digit:
                return Score.incorrect(f"{by_digit[digit]} and {letter} are both {digit}")
            by_digit[digit] = letter
        for word in [*addends, result]:
            if len(word) > 1 and mapping[word[0]] == 0:
                return Score.incorrect(f"{word} would start with 0")
        total = sum(_number(w, mapping) for w in addends)
        if total != _number(result, mapping):
            shown = " + ".join(str(_number(w, mapping)) for w in addends)
            return Score.incorrect(f"{shown} = {total}, not {_number(result, mapping)}")
        return Score.correct()


SPEC, verifier = register_family(Cryptarithm)
