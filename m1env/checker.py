"""``m1env.check_env``: gymnasium's checker plus the properties RL training relies on.

On top of ``gymnasium.utils.env_checker.check_env`` it asserts that:

* a seeded ``reset`` picks the same task every time, also in a pickled copy;
* rewards are finite floats in [0, 1] and ``info["score"]`` is a valid Score, for
  random actions, the empty string, and the environment's own example response;
* the example response of single-turn environments scores ``correct``;
* ``info["task"]`` round-trips through :class:`Task` and JSON;
* the environment pickles before and after ``reset``, so it can be sent to workers.

Failures raise :class:`~m1env.errors.EnvCheckError` with the property that broke.
"""

from __future__ import annotations

import math
import pickle
import warnings
from typing import Any

import gymnasium as gym
from gymnasium.utils.env_checker import check_env as gym_check_env

from m1env.env import SingleTurnEnv, TaskEnv
from m1env.errors import EnvCheckError
from m1env.task import Task
from m1env.verifiers import Score

__all__ = ["check_env"]


def _fail(env_id: str, message: str) -> EnvCheckError:
    return EnvCheckError(f"{env_id}: {message}")


def _check_step(env_id: str, out: tuple[Any, ...], what: str) -> Score | None:
    obs, reward, terminated, truncated, info = out
    if not isinstance(obs, str):
        raise _fail(env_id, f"{what}: observation is {type(obs).__name__}, not str")
    if not isinstance(reward, float | int) or not math.isfinite(reward) or not 0 <= reward <= 1:
        raise _fail(env_id, f"{what}: reward {reward!r} is not a finite number in [0, 1]")
    if not isinstance(terminated, bool) or not isinstance(truncated, bool):
        raise _fail(env_id, f"{what}: terminated/truncated must be bool")
    score = info.get("score")
    if (terminated or truncated) and not isinstance(score, Score):
        raise _fail(env_id, f"{what}: the final step has no Score in info['score']")
    if isinstance(score, Score) and score.score != reward:
        raise _fail(env_id, f"{what}: reward {reward} differs from info['score'].score")
    return score if isinstance(score, Score) else None


def _run_episode(env: gym.Env[Any, Any], env_id: str, actions: list[str], what: str) -> Score:
    for turn, action in enumerate(actions * 200):
        out = env.step(action)
        score = _check_step(env_id, out, f"{what}, turn {turn + 1}")
        if out[2] or out[3]:
            assert score is not None
            return score
    raise _fail(env_id, f"{what}: episode did not end after {len(actions) * 200} steps")


def check_env(env: gym.Env[Any, Any] | str, *, seed: int = 0, episodes: int = 3) -> None:
    """Raise :class:`EnvCheckError` unless ``env`` (or the id's environment) is sound."""
    if isinstance(env, str):
        from m1env.registry import make

        env = make(env)
    raw = env.unwrapped
    env_id = raw.spec.id if raw.spec is not None else type(raw).__name__
    if not isinstance(raw, TaskEnv):
        raise _fail(env_id, f"{type(raw).__name__} does not derive from m1env.env.TaskEnv")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            gym_check_env(raw, skip_render_check=True)
    except AssertionError as exc:
        raise _fail(env_id, f"gymnasium check_env: {exc}") from exc

    for episode in range(episodes):
        s = seed + episode
        obs_a, info_a = raw.reset(seed=s)
        copy = pickle.loads(pickle.dumps(raw))
        obs_b, info_b = copy.reset(seed=s)
        if (obs_a, info_a["task"]) != (obs_b, info_b["task"]):
            raise _fail(env_id, f"reset(seed={s}) is not deterministic across a pickled copy")
        task = Task.from_dict(info_a["task"])
        if Task.from_json(task.to_json()) != task:
            raise _fail(env_id, "info['task'] does not round-trip through JSON")

        example = raw.example_response(task)
        score = _run_episode(raw, env_id, [example], f"seed {s}, example response")
        if isinstance(raw, SingleTurnEnv) and score.status != "correct":
            raise _fail(
                env_id,
                f"the example response for task {task.id!r} scored {score.status}: "
                f"{score.reason} (response {example[:200]!r})",
            )
        raw.reset(seed=s)
        _run_episode(raw, env_id, [""], f"seed {s}, empty action")
        raw.reset(seed=s)
        raw.action_space.seed(s)
        _run_episode(raw, env_id, [raw.action_space.sample()], f"seed {s}, random action")
    try:
        pickle.loads(pickle.dumps(raw))
    except Exception as exc:
        raise _fail(env_id, f"not picklable after an episode: {exc}") from exc
