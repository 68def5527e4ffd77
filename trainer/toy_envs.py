"""The trainer's toy environments for the CPU presets: short prompts, short answers, real
verification.

``trainer/Add-v0`` asks ``"a+b="`` and is scored by the ``exact`` verifier on
``<answer>a+b</answer>``. Difficulty sets the operand range: operands are drawn uniformly
below ``BOUNDS[d]`` (difficulty 1: 0-9, 2: 0-19, 3: 0-49, 4: 0-99, ... 10: 0-99999).

``trainer/Sat-v1`` is the logic family: a satisfiable 2-CNF formula in compact DIMACS style,
``"sat 1 -2,2 3,-1 -3="`` (clauses separated by commas, ``-v`` negates ``xv``), answered with
one signed literal per variable, ``<answer>1 -2 3</answer>``. It is scored by the logic
package's ``logic/sat`` verifier, which accepts *any* satisfying assignment, not only the
planted one the SFT solutions show: RL can be rewarded for answers SFT never saw. Difficulty
``d`` has ``d + 2`` variables and ``d + 2`` distinct clauses, drawn by the same planted k-CNF
generator as ``m1env/Sat-v0`` (:func:`m1env.envs.logic.sat.planted_cnf`: it plants an
assignment and redraws any clause it falsifies). v0 had a generator of its own that drew the
signs in another order; v1's formulas differ from v0's.

Held-out evaluation must not see training problems, and index ranges alone do not ensure that
for a problem space this small. So every ``(a, b)`` pair (every formula) belongs to exactly
one split by a stable hash: ``split="train"`` only ever generates pairs outside the held-out fifth,
``split="eval"`` only pairs inside it. The default ``split="auto"`` follows the index: items
from ``HELD_OUT_INDEX`` (``2**40``, where the trainer's held-out evaluation draws) are eval
pairs, items below are training pairs — so ``m1env eval --env trainer/Add-v0`` is held out
without any option.

The environments register themselves (in code, not as an entry point, so the scoring side never
sees it) when :func:`register_toy_envs` is called; the trainer's presets call it.
"""

from __future__ import annotations

import hashlib
from typing import Any, ClassVar

from m1env.env import SingleTurnEnv
from m1env.envs.logic.sat import planted_cnf
from m1env.errors import UnknownEnvironmentError
from m1env.registry import EnvSpec, register, spec
from m1env.sources import Problem, ProceduralSource, item_rng

__all__ = [
    "ADD_ENV_ID",
    "HELD_OUT_INDEX",
    "SAT_ENV_ID",
    "AddEnv",
    "SatEnv",
    "add_problem",
    "held_out",
    "register_toy_envs",
    "sat_problem",
]

ADD_ENV_ID = "trainer/Add-v0"
# v1: clauses drawn by m1env.envs.logic.sat.planted_cnf (signs in the sampled variables' order,
# not sorted order as v0 drew them), so every formula differs from v0's
SAT_ENV_ID = "trainer/Sat-v1"
SPLITS = ("train", "eval", "auto")
HELD_OUT_INDEX = 1 << 40
BOUNDS = (10, 20, 50, 100, 200, 500, 1000, 5000, 10000, 100000)


def _held_out_key(key: str) -> bool:
    return hashlib.blake2b(key.encode(), digest_size=2).digest()[0] % 5 == 0


def held_out(a: int, b: int) -> bool:
    """True for the fifth of pairs reserved for evaluation (stable across runs and machines)."""
    return _held_out_key(f"{a}+{b}")


def _split_of(split: str, index: int) -> str:
    if split != "auto":
        return split
    return "eval" if index >= HELD_OUT_INDEX else "train"


def add_problem(seed: int, index: int, difficulty: int, split: str = "train") -> Problem:
    bound = BOUNDS[difficulty - 1]
    rng = item_rng(seed, index, difficulty, salt=f"add/{split}")
    want_eval = split == "eval"
    while True:  # rejection sampling: a fifth of pairs is held out, so this ends quickly
        a, b = rng.randrange(bound), rng.randrange(bound)
        if held_out(a, b) == want_eval:
            break
    answer = str(a + b)
    return Problem(
        question=f"{a}+{b}=",
        answer=answer,
        solution=f"<answer>{answer}</answer>",
        metadata={"a": a, "b": b, "split": split},
    )


def sat_problem(seed: int, index: int, difficulty: int, split: str = "train") -> Problem:
    """A satisfiable 2-CNF formula over ``difficulty + 2`` variables, in the given split."""
    n = difficulty + 2
    rng = item_rng(seed, index, difficulty, salt=f"sat/{split}")
    want_eval = split == "eval"
    while True:  # rejection sampling on the formula's split, as for Add
        # distinct clauses: with 4 variables a repeated clause would waste a quarter of it
        cnf = planted_cnf(rng, n, n, 2, distinct=True)
        text = ",".join(" ".join(str(lit) for lit in c) for c in cnf.clauses)
        if _held_out_key(f"sat:{text}") == want_eval:
            break
    answer = " ".join(str(v if cnf.planted[v - 1] else -v) for v in range(1, n + 1))
    return Problem(
        question=f"sat {text}=",
        # the logic/sat verifier's reference: it checks any assignment against the clauses
        answer=cnf.reference(),
        solution=f"<answer>{answer}</answer>",
        metadata={"split": split},
    )


class _SplitEnv(SingleTurnEnv):
    """A toy environment whose items come from ``problem`` in one split (see the module doc)."""

    answer_instruction: ClassVar[str] = ""  # the preset's model learns the format from SFT
    name: ClassVar[str]
    default_difficulty: ClassVar[int]

    @staticmethod
    def problem(seed: int, index: int, difficulty: int, split: str) -> Problem:
        raise NotImplementedError

    def __init__(self, *, split: str = "auto", seed: int = 0, **kwargs: Any) -> None:
        if split not in SPLITS:
            raise ValueError(f"split must be one of {SPLITS}, got {split!r}")
        problem = type(self).problem

        def generate(seed: int, index: int, difficulty: int) -> Problem:
            return problem(seed, index, difficulty, _split_of(split, index))

        kwargs.setdefault("difficulty", self.default_difficulty)
        source = ProceduralSource(generate, seed=seed, name=f"{self.name}-{split}")
        super().__init__(source, **kwargs)


class AddEnv(_SplitEnv):
    """Addition of small numbers; see the module docstring."""

    name = "add"
    default_difficulty = 4
    problem = staticmethod(add_problem)


class SatEnv(_SplitEnv):
    """Tiny 2-SAT formulas scored by ``logic/sat``; see the module docstring."""

    name = "sat"
    default_difficulty = 2
    problem = staticmethod(sat_problem)


_SPECS = (
    EnvSpec(
        id=ADD_ENV_ID,
        entry_point=AddEnv,
        verifier="exact",
        description="a+b= for small numbers; the trainer's CPU preset task",
        tags=("math", "procedural", "tiny"),
    ),
    EnvSpec(
        id=SAT_ENV_ID,
        entry_point=SatEnv,
        verifier="logic/sat",
        description="tiny 2-SAT formulas, any satisfying assignment accepted; CPU preset task",
        tags=("logic", "procedural", "tiny"),
    ),
)


def register_toy_envs() -> None:
    """Register ``trainer/Add-v0`` and ``trainer/Sat-v1`` with the m1env registry (idempotent)."""
    for entry in _SPECS:
        try:
            spec(entry.id)
        except UnknownEnvironmentError:
            register(entry)
