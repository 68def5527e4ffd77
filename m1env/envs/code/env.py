"""``m1env/Code-v0``: competitive programming, scored by running the tests in the sandbox.

Each task is one problem of a JSON-lines dataset (:mod:`m1env.envs.code.dataset`; the
bundled set by default). The prompt is the statement plus an instruction to answer
with one fenced block in the environment's ``language``; the reference is the
problem's tests (APPS or CodeContests form), scored by the ``code`` verifier with
``verifier_options`` built from ``language``, ``mode`` and the limits.

Options: ``language`` (``python3`` | ``c++`` | ``c``; call-based problems exist only
for Python, so other languages get the stdin problems), ``path`` (a dataset file),
``mode`` (``all`` or ``fraction``), ``time_limit_s``, ``memory_mb``,
``require_solution`` (keep only problems with a known solution in ``language``;
default True, so ``example_response`` is always a correct program).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

from m1env.env import SingleTurnEnv
from m1env.envs.code.dataset import BUNDLED, CodeProblem, load_problems
from m1env.registry import EnvSpec
from m1env.sources import DatasetSource, Problem
from m1env.task import Task
from m1env.verifiers.code import CodeConfig, canonical_language

__all__ = ["SPEC", "CodeEnv"]

_NAMES = {"python3": ("Python 3", "python"), "c++": ("C++17", "cpp"), "c": ("C17", "c")}


def fenced(code: str, language: str) -> str:
    """``code`` in a fenced block tagged for ``language``."""
    body = code if code.endswith("\n") else code + "\n"
    return f"```{_NAMES[language][1]}\n{body}```"


class CodeEnv(SingleTurnEnv):
    """Single-turn code environment; see the module docstring."""

    # The answer instruction depends on the language, so it is part of each question.
    answer_instruction: ClassVar[str] = ""

    def __init__(
        self,
        *,
        verifier: str = "code",
        language: str = "python3",
        path: str | Path = BUNDLED,
        mode: str = "all",
        time_limit_s: float | None = None,
        memory_mb: int | None = None,
        require_solution: bool = True,
        **kwargs: Any,
    ) -> None:
        self.language = canonical_language(language)
        problems = [p for p in load_problems(path) if self._usable(p, require_solution)]
        if not problems:
            raise ValueError(f"no problems in {path} can be posed in {self.language}")
        options: dict[str, Any] = {"language": self.language, "mode": mode}
        if time_limit_s is not None:
            options["time_limit_s"] = time_limit_s
        if memory_mb is not None:
            options["memory_mb"] = memory_mb
        CodeConfig.from_options(options)  # bad options fail here, not at every step
        name = "bundled" if str(path) == BUNDLED else Path(path).stem
        source = DatasetSource([self._problem(p) for p in problems], name=name)
        super().__init__(source, verifier=verifier, verifier_options=options, **kwargs)

    def _usable(self, problem: CodeProblem, require_solution: bool) -> bool:
        if problem.kind == "call" and self.language != "python3":
            return False
        return bool(problem.solutions.get(self.language)) or not require_solution

    def _problem(self, problem: CodeProblem) -> Problem:
        label, tag = _NAMES[self.language]
        if problem.kind == "call":
            how = (
                f"Write it in {label} as the function `{problem.fn_name}` (a top-level function "
                "or a method of `class Solution`); it is called once per test with the "
                "arguments shown. Do not read input or print the answer."
            )
        else:
            how = f"Write a {label} program that reads the input from stdin and prints the answer."
        title = f"# {problem.title}\n\n" if problem.title else ""
        known = problem.solutions.get(self.language) or []
        return Problem(
            question=(
                f"{title}{problem.statement}\n\n{how}\n\nThink about the algorithm first, then "
                f"give your complete solution in a single ```{tag} fenced code block at the end."
            ),
            answer=problem.reference,
            solution=fenced(known[0], self.language) if known else None,
            metadata={
                "difficulty": problem.difficulty,
                "problem_id": problem.id,
                "kind": problem.kind,
                "language": self.language,
            },
        )

    def example_response(self, task: Task) -> str:
        solution = task.metadata.get("solution")
        if isinstance(solution, str):
            return f"Here is my solution.\n\n{solution}"
        return fenced("", self.language)


SPEC = EnvSpec(
    id="m1env/Code-v0",
    entry_point="m1env.envs.code.env:CodeEnv",
    verifier="code",
    description="competitive programming (stdin and call-based), tests run in the sandbox",
    kwargs={"language": "python3"},
    tags=("code",),
)
