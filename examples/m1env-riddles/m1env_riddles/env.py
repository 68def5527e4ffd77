"""``riddles/Riddles-v0``: classic riddles, answered inside ``<answer>`` tags."""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

from m1env import DatasetSource, EnvSpec, Problem, SingleTurnEnv

__all__ = ["SPEC", "RiddlesEnv", "load_riddles"]


def load_riddles() -> list[Problem]:
    text = resources.files(__package__).joinpath("riddles.jsonl").read_text(encoding="utf-8")
    problems = []
    for line in text.splitlines():
        if line.strip():
            row = json.loads(line)
            problems.append(Problem(question=row["riddle"], answer=row["answers"]))
    return problems


class RiddlesEnv(SingleTurnEnv):
    answer_instruction = "Think it over, then give your answer inside <answer></answer> tags."

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(DatasetSource(load_riddles(), name="riddles"), **kwargs)

    def format_answer(self, reference: Any) -> str:
        return f"<answer>{reference[0]}</answer>"


SPEC = EnvSpec(
    id="riddles/Riddles-v0",
    entry_point=RiddlesEnv,
    verifier="riddles/alias",
    description="classic riddles; any listed alias of the answer scores correct",
    tags=("example", "plugin"),
)
