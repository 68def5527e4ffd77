from __future__ import annotations

import json
import pickle

import gymnasium as gym
import pytest

import m1env
from m1env import (
    DuplicateEnvironmentError,
    EnvCheckError,
    EnvSpec,
    Task,
    TaskError,
    UnknownEnvironmentError,
)

from .toy import GuessEnv, ReverseEnv

REVERSE = EnvSpec(
    id="m1test/Reverse-v0",
    entry_point=ReverseEnv,
    verifier="exact",
    description="reverse a string",
    kwargs={"difficulty": 2},
)
GUESS = EnvSpec(id="m1test/Guess-v0", entry_point=GuessEnv, verifier="exact")


@pytest.fixture(scope="module", autouse=True)
def _registered():
    m1env.register(REVERSE, replace=True)
    m1env.register(GUESS, replace=True)


def test_task_json_round_trip_and_validation():
    task = Task("t1", "m1env/X-v0", "What is 2+2?", 4, {"difficulty": 1})
    assert task.prompt == [{"role": "user", "content": "What is 2+2?"}]
    assert Task.from_json(task.to_json()) == task
    with pytest.raises(TaskError, match="JSON"):
        Task("t", "e", "q", {1, 2})
    with pytest.raises(TaskError, match="role"):
        Task("t", "e", [{"role": "wizard", "content": "x"}], 1)
    with pytest.raises(TaskError, match="missing"):
        Task.from_dict({"id": "x"})


def test_make_through_gymnasium_and_m1env():
    env = gym.make("m1test/Reverse-v0")
    obs, info = env.reset(seed=3)
    task = Task.from_dict(info["task"])
    assert task.env == "m1test/Reverse-v0"
    assert task.metadata["difficulty"] == 2 and task.metadata["seed"] == 0
    assert "Reverse the string" in obs
    _, reward, terminated, truncated, info = env.step(f"<answer>{task.reference}</answer>")
    assert (reward, terminated, truncated, info["score"].status) == (1.0, True, False, "correct")
    assert m1env.make("m1test/Reverse-v0").unwrapped.difficulty == 2


def test_seeded_reset_is_deterministic_and_options_work():
    env = m1env.make("m1test/Reverse-v0")
    a = env.reset(seed=11)[1]["task"]
    b = env.reset(seed=11)[1]["task"]
    assert a == b
    c = env.reset(options={"index": 5, "difficulty": 4})[1]["task"]
    assert c["metadata"]["index"] == 5 and c["metadata"]["difficulty"] == 4
    replay = env.reset(options={"task": c})[1]["task"]
    assert replay == c
    with pytest.raises(ValueError, match="unknown reset options"):
        env.reset(options={"bogus": 1})
    with pytest.raises(ValueError, match="difficulty"):
        env.reset(options={"difficulty": 11})


def test_step_before_reset_and_after_done_are_errors():
    env = m1env.make("m1test/Reverse-v0").unwrapped
    with pytest.raises(gym.error.ResetNeeded):
        env.step("x")
    env.reset(seed=0)
    env.step("x")
    with pytest.raises(gym.error.ResetNeeded):
        env.step("x")


def test_wrong_answer_scores_zero_with_reason():
    env = m1env.make("m1test/Reverse-v0")
    env.reset(seed=0)
    _, reward, _, _, info = env.step("<answer>wrong</answer>")
    assert reward == 0.0 and info["score"].status == "incorrect" and info["score"].reason


def test_multi_turn_episode_terminates_or_truncates():
    env = m1env.make("m1test/Guess-v0").unwrapped
    _, info = env.reset(seed=1)
    secret = info["task"]["reference"]
    lo, hi = 1, 100
    for _ in range(8):
        guess = (lo + hi) // 2
        obs, reward, terminated, truncated, info = env.step(f"<answer>{guess}</answer>")
        if terminated:
            assert reward == 1.0 and guess == secret
            break
        assert (reward == 0.0 and not truncated) or info["turn"] == 8
        lo, hi = (guess + 1, hi) if obs == "higher" else (lo, guess - 1)
    else:
        pytest.fail("binary search must find the number in 7 guesses")
    env.reset(seed=1)
    for _turn in range(8):
        _, reward, terminated, truncated, info = env.step("<answer>0</answer>")
    assert truncated and not terminated and info["score"].reason == "out of guesses"
    assert [m["role"] for m in env.messages[-2:]] == ["assistant", "tool"]


def test_envs_pickle():
    env = m1env.make("m1test/Reverse-v0")
    env.reset(seed=2)
    clone = pickle.loads(pickle.dumps(env))
    assert clone.reset(seed=2)[0] == env.reset(seed=2)[0]


@pytest.mark.parametrize("env_id", ["m1test/Reverse-v0", "m1test/Guess-v0"])
def test_check_env_passes_on_sound_envs(env_id):
    m1env.check_env(env_id)


class _NonDeterministic(ReverseEnv):
    def reset(self, *, seed=None, options=None):
        import random

        return super().reset(seed=random.randrange(10**6), options=options)


class _BadExample(ReverseEnv):
    def example_response(self, task):
        return "<answer>definitely wrong</answer>"


@pytest.mark.parametrize(
    ("cls", "message"),
    [(_NonDeterministic, "seed"), (_BadExample, "example response")],
)
def test_check_env_catches_broken_envs(cls, message):
    with pytest.raises(EnvCheckError, match=message):
        m1env.check_env(cls(verifier="exact"))


def test_unknown_and_duplicate_ids():
    with pytest.raises(UnknownEnvironmentError, match="m1env envs"):
        m1env.spec("m1test/Nope-v0")
    with pytest.raises(DuplicateEnvironmentError):
        m1env.register(EnvSpec("m1test/Reverse-v0", GuessEnv, verifier="exact"))


def test_env_spec_validates_ids():
    with pytest.raises(ValueError, match="namespace/Name-vN"):
        EnvSpec("NoNamespace", ReverseEnv, verifier="exact")


def test_public_surface():
    for name in m1env.__all__:
        assert hasattr(m1env, name), name
    assert json.loads(Task("a", "b/C-v0", "q", 1).to_json())["prompt"][0]["role"] == "user"
