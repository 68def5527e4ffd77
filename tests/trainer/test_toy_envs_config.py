from __future__ import annotations

import pytest

from m1env.errors import TrainerConfigError
from m1env.trainer.config import EnvWeight, EvalConfig, OptimConfig, RLConfig, SFTConfig
from m1env.trainer.rollout import EVAL_INDEX_BASE, build_env
from m1env.trainer.toy_envs import (
    ADD_ENV_ID,
    HELD_OUT_INDEX,
    SAT_ENV_ID,
    add_problem,
    held_out,
    register_toy_envs,
    sat_problem,
)


def test_add_splits_are_disjoint_and_solutions_score_correct() -> None:
    register_toy_envs()
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


def test_sat_splits_are_disjoint_and_any_satisfying_assignment_scores() -> None:
    register_toy_envs()
    formulas: dict[str, set[str]] = {}
    for split in ("train", "eval"):
        env = build_env(EnvWeight(SAT_ENV_ID, kwargs={"split": split}))
        formulas[split] = set()
        for i in range(150):
            task = env.make_task(i, 2)
            question = task.prompt[-1]["content"]
            formulas[split].add(question)
            ref = task.reference
            assert ref["variables"] == 4 and len(ref["clauses"]) == 4
            assert len({tuple(c) for c in ref["clauses"]}) == 4  # distinct clauses
            assert (
                question
                == "sat " + ",".join(" ".join(str(lit) for lit in c) for c in ref["clauses"]) + "="
            )
            assert env.score(env.example_response(task), task).status == "correct"
            # brute force: every assignment the clauses allow scores 1, every other one 0
            for bits in range(16):
                values = [(bits >> v) & 1 for v in range(4)]
                ok = all(any(values[abs(x) - 1] == (x > 0) for x in c) for c in ref["clauses"])
                answer = " ".join(str(v + 1 if values[v] else -(v + 1)) for v in range(4))
                got = env.score(f"<answer>{answer}</answer>", task)
                assert got.status == ("correct" if ok else "incorrect"), (question, answer)
    assert not formulas["train"] & formulas["eval"]
    assert len(formulas["eval"]) > 100  # many distinct held-out formulas, not a handful


def test_sat_is_a_pure_function_of_coordinates() -> None:
    assert sat_problem(0, 7, 2) == sat_problem(0, 7, 2)
    assert sat_problem(0, 7, 2) != sat_problem(1, 7, 2)
    auto = build_env(EnvWeight(SAT_ENV_ID))
    assert auto.make_task(HELD_OUT_INDEX + 3, 2).metadata["split"] == "eval"
    assert auto.make_task(3, 2).metadata["split"] == "train"


def test_rl_config_validates() -> None:
    envs = (EnvWeight(ADD_ENV_ID),)
    with pytest.raises(TrainerConfigError, match="scoring must be"):
        RLConfig(envs=envs, scoring="carrier-pigeon")
    with pytest.raises(TrainerConfigError, match="shard_invariant needs dynamic_sampling=False"):
        RLConfig(envs=envs, shard_invariant=True)
    with pytest.raises(TrainerConfigError, match="unknown loss"):
        RLConfig(envs=envs, loss="ppo")
    with pytest.raises(TrainerConfigError, match="group_size"):
        RLConfig(envs=envs, group_size=1)
    with pytest.raises(TrainerConfigError, match="length_stages"):
        RLConfig(envs=envs, length_stages=((5, 32),))
    with pytest.raises(TrainerConfigError, match="increasing"):
        RLConfig(envs=envs, length_stages=((0, 32), (0, 64)))
    with pytest.raises(TrainerConfigError, match="at least one"):
        RLConfig(envs=())
    with pytest.raises(TrainerConfigError, match="betas"):
        OptimConfig(betas=(0.9, 1.5))
    with pytest.raises(TrainerConfigError, match="weight"):
        EnvWeight(ADD_ENV_ID, weight=-1)
    with pytest.raises(TrainerConfigError, match="greedy"):
        EvalConfig(envs=envs, k=4, temperature=0.0)
    with pytest.raises(TrainerConfigError, match="steps"):
        SFTConfig(envs=envs, steps=0)


def test_rl_config_stages_and_json_round_trip() -> None:
    cfg = RLConfig(envs=(EnvWeight(ADD_ENV_ID, 2.0, 3),), length_stages=((0, 16), (10, 32)))
    assert [cfg.max_new_tokens(s) for s in (0, 9, 10, 99)] == [16, 16, 32, 32]
    again = RLConfig.from_dict(cfg.to_dict())
    assert again == cfg
    with pytest.raises(TrainerConfigError, match="unknown fields"):
        RLConfig.from_dict({**cfg.to_dict(), "kl_coef": 0.1})


def test_lr_schedules() -> None:
    assert OptimConfig(lr=1.0).lr_at(5, 10) == 1.0
    cos = OptimConfig(lr=1.0, schedule="cosine", min_lr_ratio=0.1)
    assert cos.lr_at(0, 11) == pytest.approx(1.0)
    assert cos.lr_at(5, 11) == pytest.approx(0.55)
    assert cos.lr_at(10, 11) == pytest.approx(0.1)
    warm = OptimConfig(lr=1.0, warmup_steps=4)
    assert [warm.lr_at(s, 10) for s in range(5)] == [0.25, 0.5, 0.75, 1.0, 1.0]
    with pytest.raises(TrainerConfigError, match="schedule"):
        OptimConfig(schedule="linear")
