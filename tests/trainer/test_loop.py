"""The loop's parts on a real (tiny, untrained) policy and the real Add environment."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import torch

from m1env.cli import main
from m1env.policy import GenerationConfig, completion_logprobs, save_pretrained
from m1env.trainer.checkpoint import latest_checkpoint, load_checkpoint, save_checkpoint
from m1env.trainer.config import EnvWeight, EvalConfig, OptimConfig, RLConfig, SFTConfig
from m1env.trainer.evaluate import evaluate
from m1env.trainer.logprobs import token_logprobs
from m1env.trainer.rl import precision_correlation, train_rl
from m1env.trainer.rollout import (
    Completion,
    LocalEngine,
    TaskSampler,
    collect_groups,
    score_completions,
)
from m1env.trainer.sft import make_optimizer, train_sft


class ScriptedEngine:
    """A policy that answers a+b correctly on even-numbered samples and wrongly on odd ones."""

    def __init__(self) -> None:
        self.engine_calls = 0

    def prompt_ids(self, prompt: list[dict[str, str]]) -> list[int]:
        return list(prompt[-1]["content"].encode())

    def complete(
        self, prompts: Sequence[list[dict[str, str]]], config: GenerationConfig
    ) -> list[Completion]:
        self.engine_calls += 1
        out = []
        for i, p in enumerate(prompts):
            a, b = p[-1]["content"].rstrip("=").split("+")
            text = f"<answer>{int(a) + int(b) + (i % 2)}</answer>"
            out.append(
                Completion(
                    text=text,
                    finish_reason="stop",
                    token_ids=list(text.encode()),
                    logprobs=[-0.1] * len(text),
                )
            )
        return out


def test_token_logprobs_match_policy(tiny_model) -> None:
    model, _ = tiny_model
    prompts, comps = [[1, 2, 3], [4, 5]], [[6, 7], [8, 9, 10]]
    ours = token_logprobs(model, prompts, comps)
    ref, mask = completion_logprobs(model, prompts, comps)
    assert torch.equal(ours.mask, mask)
    assert torch.allclose(ours.logp, ref, atol=1e-5)
    assert ours.entropy[mask].min() > 0
    assert ours.aux_loss.requires_grad


def test_rollout_logprobs_agree_with_trainer(tiny_model, add_train) -> None:
    model, tok = tiny_model
    sampler = TaskSampler(add_train, seed=0)
    groups, stats = collect_groups(
        LocalEngine(model, tok),
        sampler,
        prompts=2,
        group_size=3,
        config=GenerationConfig(max_new_tokens=8, seed=1),
        dynamic_sampling=False,
    )
    rollouts = [r for g in groups for r in g.rollouts]
    assert len(rollouts) == 6 and stats.rounds == 1
    out = token_logprobs(
        model, [r.prompt_ids for r in rollouts], [r.completion.token_ids for r in rollouts]
    )
    for i, r in enumerate(rollouts):
        n = len(r.completion.token_ids)
        assert torch.allclose(out.logp[i, :n], torch.tensor(r.completion.logprobs), atol=1e-4)
    rl = torch.nn.utils.rnn.pad_sequence(
        [torch.tensor(r.completion.logprobs) for r in rollouts], batch_first=True
    )
    assert precision_correlation(rl, out.logp.detach(), out.mask) > 0.999


def test_dynamic_sampling_drops_and_refills(add_train) -> None:
    sampler = TaskSampler(add_train, seed=0)
    engine = ScriptedEngine()
    groups, stats = collect_groups(
        engine, sampler, prompts=3, group_size=2, config=GenerationConfig(max_new_tokens=8)
    )
    assert len(groups) == 3 and stats.groups_dropped == 0
    assert all(g.rewards == [1.0, 0.0] for g in groups)


def test_untrained_policy_groups_all_dropped(tiny_model, add_train) -> None:
    model, tok = tiny_model
    sampler = TaskSampler(add_train, seed=0)
    groups, stats = collect_groups(
        LocalEngine(model, tok),
        sampler,
        prompts=2,
        group_size=2,
        config=GenerationConfig(max_new_tokens=4, seed=0),
        max_refills=2,
    )
    assert groups == []
    assert stats.rounds == 3 and stats.groups_dropped == 6 and stats.generated == 12


def test_sft_lowers_loss(tiny_model, add_train) -> None:
    model, tok = tiny_model
    cfg = SFTConfig(envs=add_train, steps=16, batch_size=8, log_every=8, optim=OptimConfig(lr=3e-3))
    history = train_sft(model, tok, cfg)
    assert history[-1]["loss"] < history[0]["loss"]


def test_rl_steps_log_diagnostics_checkpoint_and_resume(tiny_model, add_train, tmp_path) -> None:
    model, tok = tiny_model
    cfg = RLConfig(
        envs=add_train,
        steps=2,
        prompts_per_step=2,
        group_size=2,
        minibatches=1,
        update_rounds=2,
        length_stages=((0, 6), (1, 8)),
        dynamic_sampling=False,
        checkpoint_every=1,
        optim=OptimConfig(lr=1e-3),
    )
    before = {k: v.clone() for k, v in model.state_dict().items()}
    history = train_rl(model, tok, cfg, run_dir=tmp_path)
    assert [r["step"] for r in history] == [1, 2]
    assert [r["max_new_tokens"] for r in history] == [6, 8]
    for key in ("reward", "accuracy", "length_mean", "clip_frac", "entropy", "logp_corr"):
        assert key in history[0]
    # an untrained policy scores 0 everywhere: advantages are 0, only the aux loss moves weights
    assert history[0]["reward"] == 0.0
    assert any(not torch.equal(before[k], v) for k, v in model.state_dict().items())
    assert latest_checkpoint(tmp_path) == tmp_path / "checkpoints" / "step-2"
    resumed = train_rl(
        model, tok, RLConfig.from_dict({**cfg.to_dict(), "steps": 3}), run_dir=tmp_path
    )
    assert [r["step"] for r in resumed] == [3]


def test_checkpoint_round_trip(tiny_model, tmp_path) -> None:
    model, tok = tiny_model
    opt = make_optimizer(model, OptimConfig())
    model(torch.tensor([[1, 2, 3]])).logits.sum().backward()
    opt.step()
    save_checkpoint(tmp_path / "c", model, tok, opt, step=7)
    loaded, _, opt2, state = load_checkpoint(
        tmp_path / "c", lambda m: make_optimizer(m, OptimConfig())
    )
    assert state["step"] == 7 and opt2 is not None
    for (k, v), v2 in zip(model.state_dict().items(), loaded.state_dict().values(), strict=True):
        assert torch.equal(v, v2), k
    s1, s2 = opt.state_dict()["state"], opt2.state_dict()["state"]
    assert torch.equal(s1[0]["exp_avg"], s2[0]["exp_avg"])


def test_evaluate_and_cli(tiny_model, add_eval, tmp_path: Path, capsys) -> None:
    model, tok = tiny_model
    res = evaluate(
        LocalEngine(model, tok),
        EvalConfig(envs=add_eval, n=3, k=2, temperature=1.0, max_new_tokens=4),
    )
    assert res[0].n == 3 and len(res[0].rows) == 6 and res[0].accuracy == 0.0
    save_pretrained(model, tmp_path / "ckpt", tok)
    code = main(
        [
            "eval",
            "--model",
            str(tmp_path / "ckpt"),
            "--env",
            "trainer/Add-v0",
            "-n",
            "2",
            "-k",
            "2",
            "--max-new-tokens",
            "4",
            "--out",
            str(tmp_path / "rows.jsonl"),
            "--threads",
            "1",
        ]
    )
    assert code == 0
    rows = [json.loads(x) for x in (tmp_path / "rows.jsonl").read_text().splitlines()]
    assert len(rows) == 4 and {r["status"] for r in rows} <= {"correct", "incorrect"}
    assert "pass@2" in capsys.readouterr().out
    assert main(["eval", "--model", str(tmp_path / "missing"), "--env", "trainer/Add-v0"]) == 2


def test_mixture_weights_and_curriculum_schedule(add_train) -> None:
    late = EnvWeight(
        "trainer/Add-v0", weight=3.0, difficulty=4, kwargs={"split": "train"}, from_step=5
    )
    sampler = TaskSampler((*add_train, late), seed=0)
    early = [sampler.sample(0).metadata["difficulty"] for _ in range(50)]
    assert set(early) == {1}
    mixed = [sampler.sample(5).metadata["difficulty"] for _ in range(400)]
    assert 0.65 < mixed.count(4) / len(mixed) < 0.85  # weight 3:1


def test_overlong_shaping_and_error_reward(add_train) -> None:
    sampler = TaskSampler(add_train, seed=0)
    task = sampler.sample()
    right = f"<answer>{task.reference}</answer>"
    ids = [1]

    def comp(n_tokens: int, text: str = right) -> Completion:
        return Completion(
            text=text,
            finish_reason="stop",
            token_ids=list(range(n_tokens)),
            logprobs=[0.0] * n_tokens,
        )

    out = score_completions(
        sampler,
        [task] * 3,
        [ids] * 3,
        [comp(10), comp(14), comp(16)],
        max_new_tokens=16,
        overlong_buffer=4,
        overlong_penalty=1.0,
    )
    # window 16, buffer 4: no penalty up to 12 tokens, then linear to -1 at 16 (DAPO eq. 13)
    assert [r.reward for r in out] == [1.0, 0.5, 0.0]
