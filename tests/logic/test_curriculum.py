from __future__ import annotations

import pickle

import pytest

import m1env
from m1env import DatasetSource, Problem, SingleTurnEnv, Task, TaskEnv
from m1env.curriculum import Curriculum, CurriculumConfig


def _feed(c: Curriculum, outcomes: list[bool]) -> list[int]:
    return [c.record(o) for o in outcomes]


@pytest.mark.parametrize(
    "bad",
    [
        {"target": [0.7, 0.3]},
        {"target": [0.3]},
        {"target": "ab"},
        {"target": [0.1, float("nan")]},
        {"target": [-0.1, 0.5]},
        {"window": 0},
        {"window": 2.5},
        {"start": 0},
        {"start": 9, "max_difficulty": 8},
        {"min_difficulty": 5, "max_difficulty": 4},
        {"step": 0},
        {"speed": 3},
    ],
)
def test_config_validation(bad: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        Curriculum(bad)


def test_not_a_mapping() -> None:
    with pytest.raises(ValueError, match="dict"):
        CurriculumConfig.from_value([1, 2])  # type: ignore[arg-type]


def test_steps_up_above_the_band_and_down_below_it() -> None:
    c = Curriculum({"target": [0.4, 0.6], "window": 4, "start": 5})
    assert _feed(c, [True] * 3) == [5, 5, 5]  # window not full yet
    assert c.record(True) == 6 and c.changes == 1 and c.success_rate is None
    assert _feed(c, [False] * 4) == [6, 6, 6, 5]
    assert _feed(c, [True, False, True, False, True, False]) == [5] * 6  # 0.5 is in band


def test_bounds_clamp() -> None:
    c = Curriculum({"window": 1, "start": 9, "max_difficulty": 10, "step": 3})
    assert _feed(c, [True, True, True]) == [10, 10, 10]
    c = Curriculum({"window": 1, "start": 2, "min_difficulty": 1, "step": 3})
    assert _feed(c, [False, False]) == [1, 1]


def test_deterministic_given_outcomes_and_stale_outcomes_ignored() -> None:
    outcomes = [(i * 7919) % 5 < 3 for i in range(300)]
    a, b = Curriculum({"window": 8}), Curriculum({"window": 8})
    assert _feed(a, outcomes) == _feed(b, outcomes)
    before = a.state()
    a.record(True, difficulty=a.difficulty % 10 + 1)  # another level: ignored
    assert a.state() == before
    copy = pickle.loads(pickle.dumps(a))
    assert _feed(copy, outcomes[:50]) == _feed(a, outcomes[:50])


def test_env_difficulty_follows_success_and_is_recorded() -> None:
    env = m1env.make("m1env/Hanoi-v0", curriculum={"window": 2, "start": 2}).unwrapped
    assert isinstance(env, SingleTurnEnv)
    seen = []
    for seed in range(6):
        _, info = env.reset(seed=seed)
        task = Task.from_dict(info["task"])
        _, reward, *_, step_info = env.step(env.example_response(task))
        assert reward == 1.0
        assert step_info["difficulty"] == task.metadata["difficulty"]
        seen.append(task.metadata["difficulty"])
    assert seen == [2, 2, 3, 3, 4, 4]
    assert step_info["curriculum"]["difficulty"] == 5
    copy = pickle.loads(pickle.dumps(env))
    assert copy.choose_difficulty() == env.choose_difficulty() == 5
    for seed in range(2):
        env.reset(seed=seed)
        env.step("<answer>A->B</answer>")
    assert env.choose_difficulty() == 4


def test_explicit_difficulty_and_errors_do_not_move_the_curriculum() -> None:
    env = m1env.make("m1env/Sequence-v0", curriculum={"window": 1, "start": 5}).unwrapped
    assert isinstance(env, TaskEnv)
    env.reset(seed=0, options={"difficulty": 9})
    env.step("<answer>1</answer>")  # wrong, but at difficulty 9: not counted
    assert env.choose_difficulty() == 5
    _, info = env.reset(seed=0)
    broken = {**info["task"], "reference": None}  # a broken reference: the verifier errors
    env.reset(options={"task": broken})
    _, _, _, _, step_info = env.step("<answer>1</answer>")
    assert step_info["status"] == "error"
    assert env.choose_difficulty() == 5


def test_dataset_sources_refuse_a_curriculum() -> None:
    source = DatasetSource([Problem("q", "a")])
    with pytest.raises(ValueError, match="procedural"):
        SingleTurnEnv(source, verifier="exact", curriculum={})


def test_same_outcome_history_gives_the_same_episodes() -> None:
    # gymnasium's check_env cannot pass with a curriculum (a step legitimately changes
    # the next reset); determinism holds given the history: a pickled copy replays it.
    env = m1env.make("m1env/Maze-v0", curriculum={"window": 1, "start": 4}).unwrapped
    assert isinstance(env, TaskEnv)
    copy = pickle.loads(pickle.dumps(env))
    for seed, action in enumerate(["", "<answer>R</answer>", "x", ""]):
        a = env.reset(seed=seed)
        b = copy.reset(seed=seed)
        assert a[0] == b[0] and a[1]["task"] == b[1]["task"]
        assert env.step(action)[4]["curriculum"] == copy.step(action)[4]["curriculum"]
    assert env.choose_difficulty() == 1


def test_multi_turn_envs_feed_the_curriculum_at_the_end_of_an_episode() -> None:
    from tests.m1env.toy import GuessEnv

    env = GuessEnv(verifier="exact", curriculum={"window": 1, "start": 5})
    _, info = env.reset(seed=0)
    *_, terminated, _, step_info = env.step(env.example_response(Task.from_dict(info["task"])))
    assert terminated and step_info["difficulty"] == 5
    assert env.choose_difficulty() == 6
    env.reset(seed=1)
    truncated = False
    while not truncated:  # never right: cut off at the turn limit, which counts as a miss
        _, _, _, truncated, step_info = env.step("<answer>0</answer>")
    assert step_info["status"] == "incorrect" and step_info["difficulty"] == 6
    assert env.choose_difficulty() == 5
