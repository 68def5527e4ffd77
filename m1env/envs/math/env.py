"""The contract every math generator family follows, and the environment over them.

One file per family (``arithmetic.py``, ``fractions.py`` ...), each holding:

* a frozen dataclass config (subclass of :class:`MathConfig`) whose ``__post_init__``
  raises ``ValueError`` on bad knobs and whose ``for_difficulty(d)`` maps difficulty
  1-10 to knobs;
* ``build(rng, config) -> Problem``: all randomness from ``rng``; the Problem's
  ``answer`` is the reference as a LaTeX string the ``math`` verifier reads, and its
  ``solution`` a worked response ending in exactly one ``\\boxed{}`` that scores correct;
* ``FAMILY = MathFamily(name, config_cls, build)`` and a one-line spec at the bottom,
  ``SPEC = FAMILY.spec("m1env/Math-<Title>-v0", description)``, named by an entry
  point in ``pyproject.toml``.

Item *i* is a pure function of ``(seed, index, difficulty)`` (and config overrides):
its RNG is :func:`~m1env.sources.item_rng` salted with the family name, so any worker
regenerates any item and families never share streams.
"""

from __future__ import annotations

import importlib
import random
from collections.abc import Callable
from dataclasses import asdict, dataclass, fields, replace
from fractions import Fraction
from typing import Any, ClassVar, Self

from m1env.env import SingleTurnEnv
from m1env.registry import EnvSpec
from m1env.sources import Problem, ProceduralSource, check_difficulty, item_rng

__all__ = [
    "BOXED_INSTRUCTION",
    "OPERATORS",
    "MathConfig",
    "MathEnv",
    "MathFamily",
    "ProceduralMathEnv",
    "load_family",
    "tex",
]

BOXED_INSTRUCTION = "Please reason step by step, and put your final answer within \\boxed{}."

OPERATORS = ("+", "-", "*", "/")


def check_operators(operators: tuple[str, ...]) -> tuple[str, ...]:
    """``operators`` as a tuple of distinct items of OPERATORS, or ValueError."""
    ops = tuple(operators)
    if not ops or any(op not in OPERATORS for op in ops) or len(set(ops)) != len(ops):
        raise ValueError(f"operators must be distinct items of {OPERATORS}, got {ops!r}")
    return ops


@dataclass(frozen=True)
class MathConfig:
    """A family's knobs. Subclasses add fields and validate them in ``__post_init__``."""

    @classmethod
    def for_difficulty(cls, difficulty: int) -> Self:
        check_difficulty(difficulty)
        return cls()

    def with_overrides(self, overrides: dict[str, Any] | None) -> Self:
        """This config with some fields replaced (validated again); unknown names fail."""
        if not overrides:
            return self
        known = {f.name for f in fields(self)}
        unknown = set(overrides) - known
        if unknown:
            raise ValueError(
                f"{type(self).__name__}: unknown config fields {sorted(unknown)}; "
                f"known: {sorted(known)}"
            )
        return replace(self, **overrides)


def tex(value: Fraction | int) -> str:
    """A rational as the LaTeX a person would write: ``3``, ``-\\frac{2}{5}``."""
    q = Fraction(value)
    if q.denominator == 1:
        return str(q.numerator)
    sign = "-" if q < 0 else ""
    return f"{sign}\\frac{{{abs(q.numerator)}}}{{{q.denominator}}}"


Build = Callable[[random.Random, Any], Problem]


@dataclass(frozen=True)
class MathFamily:
    """A generator family: its name (the RNG salt), config class and builder."""

    name: str
    config_cls: type[MathConfig]
    build: Build

    def config(self, difficulty: int, overrides: dict[str, Any] | None = None) -> MathConfig:
        return self.config_cls.for_difficulty(check_difficulty(difficulty)).with_overrides(
            overrides
        )

    def generate(
        self,
        seed: int,
        index: int,
        difficulty: int,
        overrides: dict[str, Any] | None = None,
    ) -> Problem:
        """Item ``index``: a pure function of its arguments."""
        config = self.config(difficulty, overrides)
        problem = self.build(item_rng(seed, index, difficulty, self.name), config)
        metadata = {"family": self.name, "config": asdict(config), **problem.metadata}
        return replace(problem, metadata=metadata)

    @property
    def path(self) -> str:
        module = self.build.__module__
        return f"{module}:FAMILY"

    def spec(self, env_id: str, description: str) -> EnvSpec:
        return EnvSpec(
            id=env_id,
            entry_point="m1env.envs.math.env:ProceduralMathEnv",
            verifier="math",
            description=description,
            kwargs={"family": self.path},
            tags=("math", "procedural"),
        )


def load_family(path: str) -> MathFamily:
    """The family at ``"module:FAMILY"`` or a bare family name (``"arithmetic"``)."""
    module, _, attr = path.partition(":")
    if "." not in module:
        module = f"m1env.envs.math.{module}"
    try:
        found = getattr(importlib.import_module(module), attr or "FAMILY")
    except (ImportError, AttributeError) as exc:
        raise ValueError(f"unknown math family {path!r}: {exc}") from exc
    if not isinstance(found, MathFamily):
        raise ValueError(f"{path!r} is a {type(found).__name__}, not a MathFamily")
    return found


class FamilyGenerator:
    """A picklable ``(seed, index, difficulty) -> Problem`` for one family (by path,
    so pickles stay small and survive code reloads)."""

    def __init__(self, family: str, overrides: dict[str, Any] | None = None) -> None:
        self.family = family
        self.overrides = dict(overrides or {})
        self.__name__ = load_family(family).name

    def __call__(self, seed: int, index: int, difficulty: int) -> Problem:
        return load_family(self.family).generate(seed, index, difficulty, self.overrides)


class MathEnv(SingleTurnEnv):
    """A single-turn math environment: answers go in ``\\boxed{}``."""

    answer_instruction: ClassVar[str] = BOXED_INSTRUCTION

    def format_answer(self, reference: Any) -> str:
        return f"The final answer is $\\boxed{{{reference}}}$."


class ProceduralMathEnv(MathEnv):
    """One generator family. ``config`` overrides the difficulty-scaled knobs."""

    def __init__(
        self,
        family: str,
        seed: int = 0,
        config: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        fam = load_family(family)
        fam.config(kwargs.get("difficulty", 5), config)  # fail on bad overrides now
        source = ProceduralSource(FamilyGenerator(family, config), seed=seed, name=fam.name)
        super().__init__(source, **kwargs)
