"""The RL loop: rollouts → group-normalised advantages → several clipped-ratio updates.

One step, in order:

1. **Rollouts.** ``prompts_per_step`` tasks from the weighted mixture, ``group_size`` samples
   each from the current policy (temperature ``temperature``, output window from
   ``length_stages``, M1's repetition early stop), scored by each environment's verifier.
   Dynamic sampling drops groups whose rewards are all equal and generates more to refill.
2. **Advantages.** Group-normalised per completion (:mod:`m1env.trainer.advantages`).
3. **Old log-probs.** Recomputed by the trainer (``old_logp_source="trainer"``, the verl
   default) or taken from the sampler. Either way the Pearson correlation between rollout-side
   and trainer-side token probabilities is logged: M1 found a precision mismatch in the LM head
   by watching exactly this number (it should be ~1.0).
4. **Updates.** ``update_rounds`` passes over the batch, each split into ``minibatches``
   optimiser steps; after the first step the data is off-policy and the loss's importance ratio
   matters: that is where CISPO and PPO-clip differ. Loss + ``router_aux_loss_coef·aux``,
   AdamW (β 0.9/0.95, eps 1e-15), global-norm clipping.

Every step appends one JSON line of diagnostics (reward, accuracy, lengths, finish reasons,
clip fraction, gradient-dropped fraction, entropy, approx. KL, ratio max, the precision
correlation, gradient norm, timings) and checkpoints every ``checkpoint_every`` steps;
:func:`train_rl` resumes from the newest checkpoint in ``run_dir``. Task choice and sampling
seeds are functions of ``(seed, step)``, so a resumed run sees the tasks it would have seen.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import torch

from m1env.errors import TrainerConfigError
from m1env.policy import ByteTokenizer, GenerationConfig, HybridMoEForCausalLM
from m1env.trainer.advantages import get_advantage_fn
from m1env.trainer.checkpoint import latest_checkpoint, load_checkpoint, save_checkpoint
from m1env.trainer.config import RLConfig
from m1env.trainer.distributed import (
    all_reduce_grads,
    broadcast_params,
    global_sum,
    global_sums,
    rank_world,
)
from m1env.trainer.logprobs import token_logprobs
from m1env.trainer.losses import NORMALISERS, get_loss
from m1env.trainer.rollout import Engine, LocalEngine, Rollout, TaskSampler, collect_groups
from m1env.trainer.scoring import Scorer, make_scorer
from m1env.trainer.sft import make_optimizer

__all__ = ["pad", "precision_correlation", "train_rl"]


def pad(rows: list[list[float]], width: int | None = None) -> torch.Tensor:
    """Right-pad float rows with 0 into ``[B, width]``."""
    width = width or max(len(r) for r in rows)
    out = torch.zeros(len(rows), width)
    for i, r in enumerate(rows):
        out[i, : len(r)] = torch.tensor(r[:width])
    return out


def precision_correlation(a: torch.Tensor, b: torch.Tensor, mask: torch.Tensor) -> float:
    """Pearson correlation of ``exp(a)`` and ``exp(b)`` over masked tokens (NaN if undefined)."""
    x, y = a[mask].exp().double(), b[mask].exp().double()
    if x.numel() < 2 or x.std() == 0 or y.std() == 0:
        return float("nan")
    return float(torch.corrcoef(torch.stack([x, y]))[0, 1])


def _old_logprobs(
    model: HybridMoEForCausalLM, rollouts: list[Rollout], chunk: int, temperature: float
) -> torch.Tensor:
    width = max(len(r.completion.token_ids) for r in rollouts)
    parts = []
    with torch.no_grad():
        for s in range(0, len(rollouts), chunk):
            part = rollouts[s : s + chunk]
            out = token_logprobs(
                model,
                [r.prompt_ids for r in part],
                [r.completion.token_ids for r in part],
                temperature=temperature,
            )
            parts.append(torch.nn.functional.pad(out.logp, (0, width - out.logp.shape[1])))
    return torch.cat(parts)


def _to_store(
    store: Any,
    run_id: str,
    step: int,
    rollouts: list[Rollout],
    group_size: int,
    record: dict[str, Any],
) -> None:
    for i, r in enumerate(rollouts):
        store.record_episode(
            r.task,
            r.completion.text,
            r.score,
            run_id=run_id,
            policy="trainer",
            group_id=f"{run_id}/{step}/{i // group_size}",
            prompt_tokens=len(r.prompt_ids),
            response_tokens=len(r.completion.token_ids),
            metadata={"step": step, "reward": r.reward, "finish": r.completion.finish_reason},
        )
    for key, value in record.items():
        if isinstance(value, int | float) and not isinstance(value, bool) and key != "step":
            store.record_reading(f"train/{key}", step, float(value), run_id=run_id)


def train_rl(
    model: HybridMoEForCausalLM,
    tokenizer: ByteTokenizer,
    config: RLConfig,
    *,
    run_dir: str | Path | None = None,
    engine: Engine | None = None,
    log: Callable[[dict[str, Any]], None] = lambda record: None,
    evaluate: Callable[[HybridMoEForCausalLM], float | dict[str, float]] | None = None,
    store: Any = None,
    run_id: str = "rl",
    scorer: Scorer | None = None,
) -> list[dict[str, Any]]:
    """Train ``model`` in place with ``config``; returns one record per step.

    ``store`` (an :class:`m1env.store.EpisodeStore`, optional) receives every scored rollout
    as an episode (``group_id`` = step/group) and every numeric diagnostic as a monitor
    reading (``window`` = step), under ``run_id``. ``scorer`` defaults to what
    ``config.scoring`` names (:mod:`m1env.trainer.scoring`; the queue's URLs then come from
    ``M1ENV_DATABASE_URL`` / ``M1ENV_BROKER_URL``).

    Under data parallelism the logged ``loss`` and ``entropy`` are global (over every rank's
    tokens), ``reward``/``accuracy`` the mean over ranks; the loss's own statistics
    (clip fraction, ratio max, ...) are rank 0's.
    """
    loss_fn, adv_fn = get_loss(config.loss), get_advantage_fn(config.advantage)
    loss_kw = config.loss_kwargs()
    engine = engine or LocalEngine(model, tokenizer)
    scorer = scorer or make_scorer(config.scoring)
    dev = model.device
    opt = make_optimizer(model, config.optim)
    start = 0
    ckpt_root = Path(run_dir) / "checkpoints" if run_dir is not None else None
    if run_dir is not None:
        found = latest_checkpoint(run_dir)
        if found is not None:
            loaded, _, opt_loaded, state = load_checkpoint(
                found, lambda m: make_optimizer(m, config.optim)
            )
            model.load_state_dict(loaded.state_dict())
            if opt_loaded is not None:
                opt.load_state_dict(opt_loaded.state_dict())
            start = int(state["step"])
            log({"phase": "rl", "event": "resumed", "step": start, "from": str(found)})
    rank, world = rank_world()
    if config.prompts_per_step % world or (
        (config.prompts_per_step // world * config.group_size) % config.minibatches
    ):
        raise TrainerConfigError(
            f"prompts_per_step ({config.prompts_per_step}) must split evenly over {world} ranks "
            f"and each rank's batch over {config.minibatches} minibatches"
        )
    if world > 1:
        broadcast_params(model)
    local_prompts = config.prompts_per_step // world
    sampler = TaskSampler(config.envs, seed=config.seed)
    history: list[dict[str, Any]] = []
    mb_size = local_prompts * config.group_size // config.minibatches
    normaliser = NORMALISERS[config.loss]
    for step in range(start, config.steps):
        t0 = time.perf_counter()
        # one process keeps the historical seeds; ranks get their own streams
        sampler.rng.seed(f"{config.seed}:{step}" if world == 1 else f"{config.seed}:{step}:{rank}")
        window = config.max_new_tokens(step)
        seed_rank = 0 if config.shard_invariant else rank
        gen_cfg = GenerationConfig(
            max_new_tokens=window,
            temperature=config.temperature,
            truncate_run=config.truncate_run,
            truncate_prob=config.truncate_prob,
            seed=config.seed * 1_000_003 + step * 101 + seed_rank * 7_919_993,
        )
        groups, cstats = collect_groups(
            engine,
            sampler,
            prompts=local_prompts,
            group_size=config.group_size,
            config=gen_cfg,
            dynamic_sampling=config.dynamic_sampling,
            max_refills=config.max_refills,
            error_reward=config.error_reward,
            overlong_buffer=config.overlong_buffer,
            overlong_penalty=config.overlong_penalty,
            step=step,
            scorer=scorer,
            group_offset=rank * local_prompts if config.shard_invariant else None,
            task_seed=f"{config.seed}:{step}",
        )
        t_gen = time.perf_counter() - t0
        seen = cstats.all_rollouts
        lengths = [len(r.completion.token_ids) for r in seen]
        record: dict[str, Any] = {
            "phase": "rl",
            "step": step + 1,
            "reward": sum(r.reward for r in seen) / len(seen),
            "accuracy": sum(r.score.status == "correct" for r in seen) / len(seen),
            "errors": sum(r.score.status == "error" for r in seen),
            "length_mean": sum(lengths) / len(lengths),
            "length_max": max(lengths),
            "truncated_repetition": sum(r.completion.finish_reason == "repetition" for r in seen)
            / len(seen),
            "truncated_length": sum(r.completion.finish_reason == "length" for r in seen)
            / len(seen),
            "max_new_tokens": window,
            "groups_kept": len(groups),
            "groups_dropped": cstats.groups_dropped,
            "gen_rounds": cstats.rounds,
        }
        if world > 1:
            for key in ("reward", "accuracy", "length_mean", "truncated_length"):
                record[key] = global_sum(record[key]) / world
            for key in ("groups_kept", "groups_dropped", "errors"):
                record[key] = int(global_sum(record[key]))
        if record["groups_kept"]:
            rollouts = [r for g in groups for r in g.rollouts]
            model.train()
            if rollouts:
                rewards = torch.tensor([g.rewards for g in groups])  # [N, G]
                adv = adv_fn(rewards).reshape(-1).to(dev)  # [N*G]
                rollout_logp = pad([r.completion.logprobs for r in rollouts]).to(dev)  # [B, C]
                trainer_logp = _old_logprobs(model, rollouts, mb_size, config.temperature)
                cmask = pad([[1.0] * len(r.completion.token_ids) for r in rollouts]).to(dev) > 0
                record["logp_corr"] = precision_correlation(rollout_logp, trainer_logp, cmask)
                old = trainer_logp if config.old_logp_source == "trainer" else rollout_logp
            lr = config.optim.lr_at(step, config.steps)
            for group in opt.param_groups:
                group["lr"] = lr
            record["lr"] = lr
            sums: dict[str, float] = {}
            updates = 0
            gen = torch.Generator().manual_seed(config.seed * 7919 + step)
            # shard-invariant: one permutation of the global batch; each rank takes the members
            # of global minibatch c that it holds (so the ranks' shards of c may differ in size)
            n_order = len(rollouts) * world if config.shard_invariant else len(rollouts)
            first = rank * len(rollouts) if config.shard_invariant else 0
            gmb = n_order // config.minibatches if config.shard_invariant else mb_size
            for _ in range(config.update_rounds):
                order = torch.randperm(n_order, generator=gen).tolist()
                for c in range(config.minibatches):
                    idx = [
                        i - first
                        for i in order[c * gmb : (c + 1) * gmb]
                        if first <= i < first + len(rollouts)
                    ]
                    if not idx and world == 1:
                        continue
                    opt.zero_grad(set_to_none=True)
                    st: dict[str, float] = {}
                    if idx:
                        part = [rollouts[i] for i in idx]
                        out = token_logprobs(
                            model,
                            [r.prompt_ids for r in part],
                            [r.completion.token_ids for r in part],
                            temperature=config.temperature,
                        )
                        width = out.logp.shape[1]
                        loss, st = loss_fn(
                            out.logp, old[idx, :width], adv[idx], out.mask, **loss_kw
                        )
                        total = loss + model.config.router_aux_loss_coef * out.aux_loss
                        m = out.mask.float()
                        loss_v, ent_sum, n_tok = (
                            float(loss.detach()),
                            float((out.entropy * m).sum()),
                            float(m.sum()),
                        )
                        if world > 1:  # shard normaliser -> global normaliser
                            local = float(normaliser(out.mask))
                            g_norm, g_loss, g_ent, g_tok = global_sums(
                                [local, loss_v * local, ent_sum, n_tok]
                            )
                            total = total * (local * world / max(g_norm, 1.0))
                            loss_v, ent_sum, n_tok = g_loss / max(g_norm, 1.0), g_ent, g_tok
                        total.backward()
                        st = {**st, "loss": loss_v, "entropy": ent_sum / max(n_tok, 1.0)}
                    elif world > 1:
                        global_sums([0.0, 0.0, 0.0, 0.0])  # join the all-reduce with nothing
                    if world > 1:
                        all_reduce_grads(model, world)
                    norm = torch.nn.utils.clip_grad_norm_(
                        model.parameters(), config.optim.grad_clip
                    )
                    opt.step()
                    if st:
                        st["grad_norm"] = float(norm)
                        for k, v in st.items():
                            sums[k] = sums.get(k, 0.0) + v
                        updates += 1
            record.update({k: v / updates for k, v in sums.items()} if updates else {})
            record["updates"] = updates
        record["gen_s"] = round(t_gen, 3)
        record["step_s"] = round(time.perf_counter() - t0, 3)
        done = step + 1
        if (
            evaluate is not None
            and config.eval_every
            and (done % config.eval_every == 0 or done == config.steps)
        ):
            got = evaluate(model)
            if isinstance(got, dict):  # per environment, plus their "mean"
                record["heldout_accuracy"] = got["mean"]
                record.update({f"heldout/{k}": v for k, v in got.items() if k != "mean"})
            else:
                record["heldout_accuracy"] = got
        if rank != 0:  # rank 0 logs, evaluates and checkpoints; the others only train
            continue
        history.append(record)
        log(record)
        if store is not None:
            _to_store(store, run_id, step + 1, seen, config.group_size, record)
        if ckpt_root is not None and (
            (config.checkpoint_every and done % config.checkpoint_every == 0)
            or done == config.steps
        ):
            save_checkpoint(
                ckpt_root / f"step-{done}",
                model,
                tokenizer,
                opt,
                step=done,
                extra={"rl_config": config.to_dict(), "python_rng": repr(random.getstate())},
            )
    model.eval()
    return history
