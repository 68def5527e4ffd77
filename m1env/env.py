"""Environment base classes: text in, text out, on ``gymnasium.Env``.

Every m1env environment is a ``gymnasium.Env[str, str]``:

* ``reset(*, seed=None, options=None) -> (observation, info)`` picks a task. With the
  same ``seed`` it picks the same task. ``options`` may hold ``index`` (item *i* of the
  source), ``difficulty`` (1-10, for procedural sources; by default the env's
  ``difficulty``, or the adaptive one of its ``curriculum``, see
  :mod:`m1env.curriculum`) or ``task`` (a :class:`Task`
  or its dict, to replay a stored task). The observation is the text of the task's
  last user message; ``info["task"]`` is the whole Task as a dict (chat messages in
  ``prompt``), ``info["messages"]`` the chat so far.
* ``step(action) -> (observation, reward, terminated, truncated, info)`` takes the
  policy's text. ``info["score"]`` is the :class:`~m1env.verifiers.Score` once the episode
  is scored; ``reward`` is ``score.score``. A verifier failure is a Score with status
  ``error`` and reward 0.0 -- check the status, the trainer decides what it is worth.
* Single-turn environments score the first action and terminate. Multi-turn ones
  (tool use, SWE) answer each action with an observation until the agent finishes
  (``terminated``) or runs out of turns (``truncated``).

Environments hold no live resources (pools, connections), so they pickle and can be
shipped to worker processes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar, SupportsFloat

import gymnasium as gym
from gymnasium.error import ResetNeeded

from m1env.curriculum import Curriculum, CurriculumConfig
from m1env.sources import TaskSource, check_difficulty
from m1env.spaces import UnicodeText
from m1env.task import Task, user_prompt
from m1env.verifiers import Score, get_verifier

__all__ = ["MultiTurnEnv", "SingleTurnEnv", "TaskEnv", "Turn"]


class TaskEnv(gym.Env[str, str]):
    """What single- and multi-turn environments share: choosing and building tasks."""

    metadata: dict[str, Any] = {"render_modes": ["ansi"]}  # noqa: RUF012
    #: Appended to every question: tells the policy where to put its final answer.
    answer_instruction: ClassVar[str] = (
        "Think step by step, then give your final answer inside <answer></answer> tags."
    )

    def __init__(
        self,
        source: TaskSource,
        *,
        verifier: str,
        verifier_options: dict[str, Any] | None = None,
        difficulty: int = 5,
        system_prompt: str | None = None,
        max_action_chars: int = 1_000_000,
        render_mode: str | None = None,
        curriculum: CurriculumConfig | dict[str, Any] | None = None,
    ) -> None:
        if not isinstance(source, TaskSource):
            raise ValueError(f"source must be a TaskSource, got {type(source).__name__}")
        if render_mode is not None and render_mode not in self.metadata["render_modes"]:
            raise ValueError(f"render_mode must be one of {self.metadata['render_modes']}")
        self.source = source
        self.verifier = verifier
        self.verifier_options = dict(verifier_options or {})
        self.difficulty = check_difficulty(difficulty)
        if curriculum is not None and source.size is not None:
            raise ValueError("curriculum needs a procedural source (this one is a dataset)")
        # Adaptive difficulty (m1env.curriculum); None keeps ``difficulty`` fixed.
        self.curriculum = Curriculum(curriculum) if curriculum is not None else None
        self.system_prompt = system_prompt
        self.render_mode = render_mode
        self.observation_space = UnicodeText()
        self.action_space = UnicodeText(max_action_chars)
        self.task: Task | None = None
        self.messages: list[dict[str, Any]] = []

    @property
    def env_id(self) -> str:
        return self.spec.id if self.spec is not None else type(self).__name__

    # -- tasks -------------------------------------------------------------------

    def format_answer(self, reference: Any) -> str:
        """A final-answer string the verifier accepts for ``reference``."""
        return f"<answer>{reference}</answer>"

    def example_response(self, task: Task) -> str:
        """A full response that this environment's verifier scores correct."""
        solution = task.metadata.get("solution")
        return solution if isinstance(solution, str) else self.format_answer(task.reference)

    def make_task(self, index: int, difficulty: int) -> Task:
        problem = self.source.problem(index, difficulty)
        metadata: dict[str, Any] = {
            "source": self.source.name,
            "index": index,
            **problem.metadata,
        }
        seed = getattr(self.source, "seed", None)
        if self.source.size is None:
            metadata.setdefault("difficulty", difficulty)
            metadata.setdefault("seed", seed)
        if problem.solution is not None:
            metadata["solution"] = problem.solution
        question = f"{problem.question}\n\n{self.answer_instruction}".strip()
        key = f"{seed}/{difficulty}/{index}" if self.source.size is None else str(index)
        return Task(
            id=f"{self.env_id}/{self.source.name}/{key}",
            env=self.env_id,
            prompt=user_prompt(question, self.system_prompt),
            reference=problem.answer,
            metadata=metadata,
        )

    def choose_difficulty(self) -> int:
        """The difficulty of the next procedural task (the curriculum's, if any)."""
        return self.curriculum.difficulty if self.curriculum is not None else self.difficulty

    def _record_outcome(self, task: Task, score: Score, info: dict[str, Any]) -> None:
        """Report the episode's difficulty in ``info`` and feed the curriculum."""
        difficulty = task.metadata.get("difficulty")
        info["difficulty"] = difficulty
        if self.curriculum is not None:
            if score.status != "error" and isinstance(difficulty, int):
                self.curriculum.record(score.is_correct, difficulty)
            info["curriculum"] = self.curriculum.state()

    def _select_task(self, options: dict[str, Any] | None) -> Task:
        options = dict(options or {})
        unknown = set(options) - {"index", "difficulty", "task"}
        if unknown:
            raise ValueError(f"unknown reset options {sorted(unknown)}")
        if "task" in options:
            given = options["task"]
            return given if isinstance(given, Task) else Task.from_dict(given)
        difficulty = check_difficulty(options.get("difficulty", self.choose_difficulty()))
        index = options.get("index")
        if index is None:
            upper = self.source.size if self.source.size is not None else 2**31 - 1
            index = int(self.np_random.integers(0, upper))
        if isinstance(index, bool) or not isinstance(index, int) or index < 0:
            raise ValueError(f"index must be a non-negative int, got {index!r}")
        return self.make_task(index, difficulty)

    def score(self, response: str, task: Task) -> Score:
        """Score ``response`` for ``task`` with this environment's verifier."""
        return get_verifier(self.verifier).verify(response, task.reference, **self.verifier_options)

    def _task_info(self, task: Task) -> dict[str, Any]:
        return {"task": task.to_dict(), "messages": [dict(m) for m in self.messages]}

    def render(self) -> str | None:
        if self.render_mode != "ansi":
            return None
        return "\n\n".join(f"[{m['role']}]\n{m['content']}" for m in self.messages)


class SingleTurnEnv(TaskEnv):
    """One prompt, one response, one Score. See the module docstring for the protocol."""

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[str, dict[str, Any]]:
        super().reset(seed=seed)
        self.task = self._select_task(options)
        self.messages = [dict(m) for m in self.task.prompt]
        return self.task.question, self._task_info(self.task)

    def step(self, action: str) -> tuple[str, SupportsFloat, bool, bool, dict[str, Any]]:
        if self.task is None:
            raise ResetNeeded("call reset() before step()")
        task, self.task = self.task, None
        score = self.score(action, task)
        if isinstance(action, str):
            self.messages.append({"role": "assistant", "content": action})
        info = {"score": score, "task_id": task.id, "status": score.status}
        self._record_outcome(task, score, info)
        return "", score.score, True, False, info


@dataclass
class Turn:
    """What a multi-turn environment answers to one action.

    ``done`` ends the episode (``terminated``); a ``score`` is then required.
    ``role`` is the chat role of the observation (``tool`` for tool results).
    ``messages``, when given, are the chat records of this exchange (e.g. an assistant
    message with ``tool_calls`` and one ``tool`` message per call) and replace the
    default pair (the action as assistant content, the observation as ``role``).
    """

    observation: str
    done: bool = False
    score: Score | None = None
    role: str = "tool"
    info: dict[str, Any] = field(default_factory=dict)
    messages: list[dict[str, Any]] | None = None


class MultiTurnEnv(TaskEnv):
    """An agent loop: observation, action, observation ... until done or out of turns.

    Subclasses implement :meth:`begin` (the first observation for a task), :meth:`turn`
    (answer one action) and :meth:`final_score` (score an episode cut off by the turn
    limit or another budget named by :meth:`limit_reason`). The reward is 0 on every
    step but the last, which carries the Score.
    """

    def __init__(self, source: TaskSource, *, max_turns: int = 20, **kwargs: Any) -> None:
        if max_turns < 1:
            raise ValueError(f"max_turns must be at least 1, got {max_turns}")
        super().__init__(source, **kwargs)
        self.max_turns = max_turns
        self.turns = 0

    def begin(self, task: Task) -> str:
        """The first observation; by default the task's question."""
        return task.question

    def turn(self, action: str) -> Turn:
        raise NotImplementedError

    def final_score(self) -> Score:
        """The Score of an episode truncated by the turn limit."""
        return Score.incorrect("turn limit reached before the episode finished")

    def limit_reason(self) -> str | None:
        """Why the episode must stop now (``truncated``), or None; by default the turn
        limit. Subclasses add budgets (e.g. wall time)."""
        return "turn limit" if self.turns >= self.max_turns else None

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[str, dict[str, Any]]:
        super().reset(seed=seed)
        self.task = self._select_task(options)
        self.turns = 0
        self.messages = [dict(m) for m in self.task.prompt]
        observation = self.begin(self.task)
        return observation, self._task_info(self.task)

    def step(self, action: str) -> tuple[str, SupportsFloat, bool, bool, dict[str, Any]]:
        if self.task is None:
            raise ResetNeeded("call reset() before step()")
        self.turns += 1
        result = self.turn(action)
        if result.messages is not None:
            self.messages.extend(result.messages)
        else:
            self.messages.append({"role": "assistant", "content": action})
            self.messages.append({"role": result.role, "content": result.observation})
        info: dict[str, Any] = {"turn": self.turns, **result.info}
        if result.done:
            if result.score is None:
                raise RuntimeError(f"{type(self).__name__}.turn returned done without a score")
            self._record_outcome(self.task, result.score, info)
            self.task = None
            info.update(score=result.score, status=result.score.status)
            return result.observation, result.score.score, True, False, info
        limit = self.limit_reason()
        if limit is not None:
            score = self.final_score()
            self._record_outcome(self.task, score, info)
            self.task = None
            info.update(score=score, status=score.status, truncated_by=limit)
            return result.observation, score.score, False, True, info
        return result.observation, 0.0, False, False, info
