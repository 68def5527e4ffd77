"""Tiny procedural tasks for the CPU preset: short prompts, short answers, real verification.

``trainer/Add-v0`` asks ``"a+b="`` and is scored by the ``exact`` verifier on
``<answer>a+b</answer>``. Difficulty sets the operand range: operands are drawn uniformly
below ``BOUNDS[d]`` (difficulty 1: 0-9, 2: 0-19, 3: 0-49, 4: 0-99, ... 10: 0-99999).

Held-out evaluation must not see training problems, and index ranges alone do not ensure that
for a problem space this small. So every ``(a, b)`` pair belongs to exactly one split by a
stable hash: ``split="train"`` only ever generates pairs outside the held-out fifth,
``split="eval"`` only pairs inside it. The default ``split="auto"`` follows the index: items
from ``HELD_OUT_INDEX`` (``2**40``, where the trainer's held-out evaluation draws) are eval
pairs, items below are training pairs — so ``m1env eval --env trainer/Add-v0`` is held out
without any option.

The environment registers itself (in code, not as an entry point, so the scoring side never
sees it) when :func:`register_tasks` is called; the trainer's presets call it.
"""

from __future__ import annotations

import hashlib
from typing import Any, ClassVar

from m1env.env import SingleTurnEnv
from m1env.errors import UnknownEnvironmentError
from m1env.registry import EnvSpec, register, spec
from m1env.sources import Problem, ProceduralSource, item_rng

__all__ = ["ADD_ENV_ID", "HELD_OUT_INDEX", "AddEnv", "add_problem", "held_out", "register_tasks"]

ADD_ENV_ID = "trainer/Add-v0"
SPLITS = ("train", "eval", "auto")
HELD_OUT_INDEX = 1 << 40
BOUNDS = (10, 20, 50, 100, 200, 500, 1000, 5000, 10000, 100000)


def held_out(a: int, b: int) -> bool:
    """True for the fifth of pairs reserved for evaluation (stable across runs and machines)."""
    digest = hashlib.blake2b(f"{a}+{b}".encode(), digest_size=2).digest()
    return digest[0] % 5 == 0


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


class AddEnv(SingleTurnEnv):
    """Addition of small numbers; see the module docstring."""

    answer_instruction: ClassVar[str] = ""  # the preset's model learns the format from SFT

    def __init__(self, *, split: str = "auto", seed: int = 0, **kwargs: Any) -> None:
        if split not in SPLITS:
            raise ValueError(f"split must be one of {SPLITS}, got {split!r}")

        def generate(seed: int, index: int, difficulty: int) -> Problem:
            if split != "auto":
                return add_problem(seed, index, difficulty, split)
            return add_problem(
                seed, index, difficulty, "eval" if index >= HELD_OUT_INDEX else "train"
            )

        kwargs.setdefault("difficulty", 4)
        super().__init__(ProceduralSource(generate, seed=seed, name=f"add-{split}"), **kwargs)


def register_tasks() -> None:
    """Register ``trainer/Add-v0`` with the m1env registry (idempotent)."""
    try:
        spec(ADD_ENV_ID)
    except UnknownEnvironmentError:
        register(
            EnvSpec(
                id=ADD_ENV_ID,
                entry_point=AddEnv,
                verifier="exact",
                description="a+b= for small numbers; the trainer's CPU preset task",
                tags=("math", "procedural", "tiny"),
            )
        )
