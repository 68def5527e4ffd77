"""Logic-puzzle families: the contract every family file follows.

One file per family (``sudoku.py``, ``knights.py`` ...), each holding:

* a frozen dataclass config (subclass of :class:`FamilyConfig`) whose
  ``__post_init__`` raises ``ValueError`` on bad knobs and whose
  ``for_difficulty(d)`` maps difficulty 1-10 to knobs;
* a :class:`Family` subclass with ``generate(rng, config) -> Puzzle`` (pure: all
  randomness from ``rng``, which is derived from ``(seed, index, difficulty)``) and
  ``check(answer, reference) -> Score`` that accepts *any* valid answer -- not only
  the generator's -- and says why a wrong one is wrong;
* a one-line registration at the bottom: ``SPEC, verifier = register_family(MyFamily)``,
  which the package's entry points name (``m1env/<Title>-v0`` and ``logic/<name>``).

The policy answers inside ``<answer></answer>`` tags after its reasoning; the verifier
takes the last complete pair. The reference is trusted: it holds the puzzle data the
checker needs (givens, constraints) plus one known solution.
"""

from __future__ import annotations

import importlib
import json
import random
from abc import ABC, abstractmethod
from dataclasses import asdict, dataclass, field
from typing import Any, ClassVar, Self

from m1env.env import SingleTurnEnv
from m1env.registry import EnvSpec
from m1env.sources import Problem, ProceduralSource, check_difficulty, item_rng
from m1env.verifiers import Score, Verifier
from m1env.verifiers.extract import last_tag

__all__ = [
    "FAMILIES",
    "Family",
    "FamilyConfig",
    "LogicEnv",
    "LogicVerifier",
    "Puzzle",
    "generate_problem",
    "load_family",
    "register_family",
]

#: The longest answer (characters) a checker is given; longer ones score incorrect.
MAX_ANSWER_CHARS = 20_000


@dataclass(frozen=True)
class FamilyConfig:
    """A family's knobs. Subclasses add fields and validate them in ``__post_init__``."""

    @classmethod
    def for_difficulty(cls, difficulty: int) -> Self:
        check_difficulty(difficulty)
        return cls()


@dataclass(frozen=True)
class Puzzle:
    """A generated puzzle: the question, the reference and one correct answer text."""

    question: str
    reference: Any
    answer: str
    explanation: str = ""
    metadata: dict[str, Any] = field(default_factory=dict)


class Family(ABC):
    """A puzzle family. Subclasses set ``name`` (snake_case, equal to the module name),
    ``title`` (CamelCase, used in the env id), ``description`` and ``config_cls``."""

    name: ClassVar[str]
    title: ClassVar[str]
    description: ClassVar[str]
    config_cls: ClassVar[type[FamilyConfig]] = FamilyConfig

    @abstractmethod
    def generate(self, rng: random.Random, config: Any) -> Puzzle:
        """Build one puzzle using only ``rng`` for randomness."""

    @abstractmethod
    def check(self, answer: str, reference: Any) -> Score:
        """Score the text inside the answer tags. Any valid answer scores 1."""

    def config(self, difficulty: int, **overrides: Any) -> FamilyConfig:
        base = self.config_cls.for_difficulty(check_difficulty(difficulty))
        return type(base)(**{**asdict(base), **overrides}) if overrides else base


FAMILIES: dict[str, type[Family]] = {}


def load_family(name: str) -> Family:
    """The family called ``name`` (importing ``m1env.envs.logic.<name>`` if needed)."""
    if name not in FAMILIES:
        try:
            importlib.import_module(f"m1env.envs.logic.{name}")
        except ModuleNotFoundError as exc:
            raise ValueError(f"unknown logic family {name!r}") from exc
    if name not in FAMILIES:
        raise ValueError(f"module m1env.envs.logic.{name} registers no family {name!r}")
    return FAMILIES[name]()


def generate_problem(
    family: str, seed: int, index: int, difficulty: int, overrides: dict[str, Any] | None = None
) -> Problem:
    """Item ``index`` of ``family``: a pure function of its arguments."""
    fam = load_family(family)
    config = fam.config(difficulty, **(overrides or {}))
    puzzle = fam.generate(item_rng(seed, index, difficulty, family), config)
    reasoning = puzzle.explanation or "Working through the constraints gives the answer."
    return Problem(
        question=puzzle.question,
        answer=puzzle.reference,
        solution=f"{reasoning}\n\n<answer>{puzzle.answer}</answer>",
        # Through JSON so tuples become lists now, not after a store round trip.
        metadata=json.loads(
            json.dumps({"family": family, "config": asdict(config), **puzzle.metadata})
        ),
    )


class _FamilyGenerator:
    """A picklable ``(seed, index, difficulty) -> Problem`` for one family."""

    def __init__(self, family: str, overrides: dict[str, Any] | None = None) -> None:
        self.family = family
        self.overrides = dict(overrides or {})
        self.__name__ = family

    def __call__(self, seed: int, index: int, difficulty: int) -> Problem:
        return generate_problem(self.family, seed, index, difficulty, self.overrides)


class LogicEnv(SingleTurnEnv):
    """A single-turn environment over one family. ``config`` overrides difficulty knobs."""

    def __init__(
        self, family: str, seed: int = 0, config: dict[str, Any] | None = None, **kwargs: Any
    ) -> None:
        fam = load_family(family)
        fam.config(kwargs.get("difficulty", 5), **(config or {}))  # validate overrides now
        source = ProceduralSource(_FamilyGenerator(family, config), seed=seed, name=family)
        super().__init__(source, **kwargs)


class LogicVerifier(Verifier):
    """Extracts the last ``<answer>`` and hands it to the family's checker."""

    isolate = True
    timeout = 10.0

    def __init__(self, family: str) -> None:
        self.family = family

    @property
    def name(self) -> str:  # type: ignore[override]
        return f"logic/{self.family}"

    def check(self, response: str, reference: Any, *args: Any, **options: Any) -> Score:
        answer = last_tag(response)
        if answer is None:
            return Score.incorrect("no final answer: expected <answer>...</answer> tags")
        if len(answer) > MAX_ANSWER_CHARS:
            return Score.incorrect(f"answer is longer than {MAX_ANSWER_CHARS} characters")
        return load_family(self.family).check(answer, reference)


class _VerifierFactory:
    def __init__(self, family: str) -> None:
        self.family = family

    def __call__(self) -> LogicVerifier:
        return LogicVerifier(self.family)


def register_family(cls: type[Family]) -> tuple[EnvSpec, _VerifierFactory]:
    """Record ``cls`` and return its EnvSpec and verifier factory (for entry points)."""
    for attr in ("name", "title", "description"):
        if not getattr(cls, attr, None):
            raise ValueError(f"{cls.__name__} must set {attr}")
    FAMILIES[cls.name] = cls
    spec = EnvSpec(
        id=f"m1env/{cls.title}-v0",
        entry_point=LogicEnv,
        verifier=f"logic/{cls.name}",
        description=cls.description,
        kwargs={"family": cls.name},
        tags=("logic",),
    )
    return spec, _VerifierFactory(cls.name)
