from __future__ import annotations

import pytest

from trainer.config import EnvWeight, EvalConfig, OptimConfig, RLConfig, SFTConfig
from trainer.errors import ConfigError
from trainer.rollout import EVAL_INDEX_BASE, build_env
from trainer.tasks import ADD_ENV_ID, HELD_OUT_INDEX, add_problem, held_out, register_tasks


def test_add_splits_are_disjoint_and_solutions_score_correct() -> None:
    register_tasks()
    for split in ("train", "eval"):
        env = build_env(EnvWeight(ADD_ENV_ID, kwargs={"split": split}))
        for i in range(30):
            task = env.make_task(i, 4)
            a, b = task.metadata["a"], task.metadata["b"]
            assert held_out(a, b) == (split == "eval")
            assert task.question == f"{a}+{b}="
            assert env.score(env.example_response(task), task).status == "correct"
            assert env.score(f"<answer>{a + b + 1}</answer>", task).status == "incorrect"


def test_add_auto_split_follows_the_held_out_index_range() -> None:
    env = build_env(EnvWeight(ADD_ENV_ID))
    for i in range(20):
        train, held = env.make_task(i, 2), env.make_task(HELD_OUT_INDEX + i, 2)
        assert not held_out(train.metadata["a"], train.metadata["b"])
        assert held_out(held.metadata["a"], held.metadata["b"])
    assert HELD_OUT_INDEX == EVAL_INDEX_BASE


def test_add_is_a_pure_function_of_coordinates() -> None:
    assert add_problem(0, 7, 4) == add_problem(0, 7, 4)
    assert add_problem(0, 7, 4) != add_problem(1, 7, 4)


def test_rl_config_validates() -> None:
    envs = (EnvWeight(ADD_ENV_ID),)
    with pytest.raises(ConfigError, match="unknown loss"):
        RLConfig(envs=envs, loss="ppo")
    with pytest.raises(ConfigError, match="group_size"):
        RLConfig(envs=envs, group_size=1)
    with pytest.raises(ConfigError, match="length_stages"):
        RLConfig(envs=envs, length_stages=((5, 32),))
    with pytest.raises(ConfigError, match="increasing"):
        RLConfig(envs=envs, length_stages=((0, 32), (0, 64)))
    with pytest.raises(ConfigError, match="at least one"):
        RLConfig(envs=())
    with pytest.raises(ConfigError, match="betas"):
        OptimConfig(betas=(0.9, 1.5))
    with pytest.raises(ConfigError, match="weight"):
        EnvWeight(ADD_ENV_ID, weight=-1)
    with pytest.raises(ConfigError, match="greedy"):
        EvalConfig(envs=envs, k=4, temperature=0.0)
    with pytest.raises(ConfigError, match="steps"):
        SFTConfig(envs=envs, steps=0)


def test_rl_config_stages_and_json_round_trip() -> None:
    cfg = RLConfig(envs=(EnvWeight(ADD_ENV_ID, 2.0, 3),), length_stages=((0, 16), (10, 32)))
    assert [cfg.max_new_tokens(s) for s in (0, 9, 10, 99)] == [16, 16, 32, 32]
    again = RLConfig.from_dict(cfg.to_dict())
    assert again == cfg
    with pytest.raises(ConfigError, match="unknown fields"):
        RLConfig.from_dict({**cfg.to_dict(), "kl_coef": 0.1})


def test_lr_schedules() -> None:
    assert OptimConfig(lr=1.0).lr_at(5, 10) == 1.0
    cos = OptimConfig(lr=1.0, schedule="cosine", min_lr_ratio=0.1)
    assert cos.lr_at(0, 11) == pytest.approx(1.0)
    assert cos.lr_at(5, 11) == pytest.approx(0.55)
    assert cos.lr_at(10, 11) == pytest.approx(0.1)
    warm = OptimConfig(lr=1.0, warmup_steps=4)
    assert [warm.lr_at(s, 10) for s in range(5)] == [0.25, 0.5, 0.75, 1.0, 1.0]
    with pytest.raises(ConfigError, match="schedule"):
        OptimConfig(schedule="linear")
