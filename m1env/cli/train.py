"""``m1env train``: the main job (SFT then CISPO on a preset), or one phase of it.

* ``m1env train`` — run the default preset (``tiny-mix``: addition and 2-SAT): SFT warm
  start, held-out evaluation per task, CISPO, evaluation again; prints the table, writes
  metrics, checkpoints and ``reward_curve.png`` under ``--out`` (default ``runs/<preset>``).
  Re-running resumes.

Both the preset and ``rl`` take ``--scoring queue`` (score rollouts through m1env's Celery
queue: ``--database-url`` / ``--broker-url`` or ``M1ENV_DATABASE_URL`` / ``M1ENV_BROKER_URL``,
with ``m1env worker`` processes running against them) and ``--tensorboard DIR`` (scalars for
TensorBoard; needs the ``tensorboard`` extra).
* ``m1env train sft --env ID [--env ID:WEIGHT] --steps N --out DIR`` — SFT only, on the worked
  solutions of the environments' task generators; writes a policy checkpoint to ``DIR``.
* ``m1env train rl --init CKPT --env ID ... --loss cispo|dapo|grpo|drgrpo|cispo-mask --out DIR``
  — RL only, from a checkpoint; resumes from ``DIR/checkpoints`` if present. Under
  ``torchrun --nproc_per_node N -m m1env train rl ...`` it runs data-parallel
  (:mod:`m1env.trainer.distributed`); ``--prompts`` is the global number of prompts per step.

torch is imported only when a command runs, so ``m1env --help`` works without the ``train`` extra.
"""

from __future__ import annotations

import argparse
import json
import sys
import uuid
from dataclasses import replace
from pathlib import Path
from typing import Any

__all__ = ["parse_env", "register"]


def parse_env(text: str) -> dict[str, Any]:
    """``ID`` or ``ID:WEIGHT`` or ``ID:WEIGHT:DIFFICULTY`` → EnvWeight fields."""
    parts = text.split(":")
    out: dict[str, Any] = {"id": parts[0]}
    try:
        if len(parts) > 1 and parts[1]:
            out["weight"] = float(parts[1])
        if len(parts) > 2 and parts[2]:
            out["difficulty"] = int(parts[2])
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"bad --env {text!r}: use ID[:WEIGHT[:DIFFICULTY]]"
        ) from None
    if len(parts) > 3:
        raise argparse.ArgumentTypeError(f"bad --env {text!r}: use ID[:WEIGHT[:DIFFICULTY]]")
    return out


# Flags that set a config field default to that field's default: the config dataclasses are the
# one source (tests/trainer/test_cli_defaults.py checks every flag). The presets import torch,
# which building the parser must not, so two values stand here and the test checks them too.
_DEFAULT_PRESET = "tiny-mix"  # = m1env.trainer.presets.DEFAULT_PRESET
_THREADS = 2  # = m1env.trainer.presets.Preset.threads
_DEFAULT = "default: %(default)s"


def register(subparsers: Any) -> None:
    from m1env.trainer.config import RLConfig, SFTConfig

    p = subparsers.add_parser(
        "train",
        help="train the bundled policy (SFT + CISPO); no arguments: the CPU preset",
        description="SFT then CISPO on a preset (no arguments), or one phase: sft, rl.",
    )
    p.add_argument("--preset", default=_DEFAULT_PRESET, help="preset name (default: %(default)s)")
    p.add_argument("--out", default=None, help="run directory (default: runs/<preset>)")
    p.add_argument("--seed", type=int, default=None, help="override the preset's seed")
    p.add_argument("--threads", type=int, default=None, help="torch CPU threads")
    p.add_argument("--loss", default=None, help="override the RL loss (cispo, dapo, grpo, ...)")
    p.add_argument("--sft-steps", type=int, default=None, help="override SFT steps")
    p.add_argument("--rl-steps", type=int, default=None, help="override RL steps")
    _scoring_options(p, scoring=None)  # None: the preset's
    p.set_defaults(func=_preset_command)
    sub = p.add_subparsers(dest="train_command", metavar="PHASE")

    sft = sub.add_parser("sft", help="supervised warm start on generator-written solutions")
    _common(sft, SFTConfig.steps, SFTConfig.seed)
    sft.add_argument("--batch-size", type=int, default=SFTConfig.batch_size, help=_DEFAULT)
    sft.add_argument("--lr", type=float, default=SFTConfig.optim.lr, help=_DEFAULT)
    sft.add_argument("--init", default=None, help="start from this checkpoint (default: fresh)")
    sft.add_argument(
        "--policy-preset",
        default=_DEFAULT_PRESET,
        help="fresh policy sized as this preset's (default: %(default)s); 'bundled' = 15 M",
    )
    sft.set_defaults(func=_sft_command)

    rl = sub.add_parser("rl", help="RL from a checkpoint (CISPO by default)")
    _common(rl, RLConfig.steps, RLConfig.seed)
    rl.add_argument("--init", required=True, help="policy checkpoint to start from")
    rl.add_argument(
        "--loss", default=RLConfig.loss, help="cispo, cispo-mask, dapo, grpo, drgrpo; " + _DEFAULT
    )
    rl.add_argument(
        "--advantage",
        default=RLConfig.advantage,
        help="grpo (std-normalised) or drgrpo; " + _DEFAULT,
    )
    rl.add_argument(
        "--prompts",
        type=int,
        default=RLConfig.prompts_per_step,
        help="prompts per step; " + _DEFAULT,
    )
    rl.add_argument(
        "--group-size",
        type=int,
        default=RLConfig.group_size,
        help="completions per prompt (G); " + _DEFAULT,
    )
    # one length stage from the command line: the window of the config's first stage
    rl.add_argument(
        "--max-new-tokens", type=int, default=RLConfig.length_stages[0][1], help=_DEFAULT
    )
    rl.add_argument("--lr", type=float, default=RLConfig.optim.lr, help=_DEFAULT)
    rl.add_argument(
        "--eps-low", type=float, default=RLConfig.eps_low, help="default: the loss's own"
    )
    rl.add_argument(
        "--eps-high", type=float, default=RLConfig.eps_high, help="default: the loss's own"
    )
    rl.add_argument("--update-rounds", type=int, default=RLConfig.update_rounds, help=_DEFAULT)
    rl.add_argument("--rollout-url", default=None, help="OpenAI-compatible server for rollouts")
    rl.add_argument(
        "--checkpoint-every",
        type=int,
        default=RLConfig.checkpoint_every,
        help="steps between checkpoints, 0: only at the end; " + _DEFAULT,
    )
    rl.add_argument(
        "--device", default="auto", help="auto (a GPU when there is one), cpu, cuda, cuda:N"
    )
    _scoring_options(rl, scoring=RLConfig.scoring)
    rl.add_argument(
        "--store",
        default=None,
        help="episode store URL (e.g. sqlite:///m1env.db): record rollouts and diagnostics",
    )
    rl.set_defaults(func=_rl_command)


def _scoring_options(p: argparse.ArgumentParser, *, scoring: str | None) -> None:
    from m1env.trainer.config import QUEUE_TIMEOUT_S  # the QueueScorer's default

    p.add_argument(
        "--scoring",
        choices=("local", "queue"),
        default=scoring,
        help="score rollouts in this process (local, default) or through the Celery queue",
    )
    p.add_argument("--database-url", default=None, help="jobs database for --scoring queue")
    p.add_argument("--broker-url", default=None, help="Redis broker for --scoring queue")
    p.add_argument(
        "--queue-timeout",
        type=float,
        default=QUEUE_TIMEOUT_S,
        help="seconds to wait for a batch's scores; " + _DEFAULT,
    )
    p.add_argument(
        "--tensorboard", default=None, metavar="DIR", help="also write TensorBoard scalars to DIR"
    )


def _scorer(args: argparse.Namespace, run_id: str) -> Any:
    """A QueueScorer for ``--scoring queue``; None: the config's default (local)."""
    if args.scoring != "queue":
        return None
    from m1env.trainer.scoring import QueueScorer

    return QueueScorer(
        database_url=args.database_url,
        broker_url=args.broker_url,
        timeout_s=args.queue_timeout,
        run_id=run_id,
    )


def _common(p: argparse.ArgumentParser, steps: int, seed: int) -> None:
    p.add_argument(
        "--env",
        action="append",
        type=parse_env,
        required=True,
        help="environment ID[:WEIGHT[:DIFFICULTY]]; repeat for a mixture",
    )
    p.add_argument("--steps", type=int, default=steps, help=_DEFAULT)
    p.add_argument("--out", required=True, help="output directory")
    p.add_argument("--seed", type=int, default=seed, help=_DEFAULT)
    p.add_argument("--threads", type=int, default=_THREADS, help="torch CPU threads; " + _DEFAULT)


def _preset_command(args: argparse.Namespace) -> int:
    from m1env.errors import M1EnvError, TrainerError
    from m1env.policy import PolicyError
    from m1env.trainer.pipeline import run_preset
    from m1env.trainer.presets import get_preset

    try:
        preset = get_preset(args.preset)
        if args.seed is not None:
            preset = preset.with_seed(args.seed)
        if args.threads is not None:
            preset = replace(preset, threads=args.threads)
        if args.sft_steps is not None:
            preset = replace(preset, sft=replace(preset.sft, steps=args.sft_steps))
        if args.rl_steps is not None or args.loss is not None or args.scoring is not None:
            rl = preset.rl
            rl = replace(rl, steps=args.rl_steps) if args.rl_steps is not None else rl
            rl = replace(rl, loss=args.loss) if args.loss is not None else rl
            rl = replace(rl, scoring=args.scoring) if args.scoring is not None else rl
            preset = replace(preset, rl=rl)
        summary = run_preset(
            preset,
            args.out or f"runs/{preset.name}",
            echo=lambda s: print(s, flush=True),
            scorer=_scorer(args, f"{preset.name}-{uuid.uuid4().hex[:8]}"),
            tensorboard=args.tensorboard,
        )
    except (TrainerError, M1EnvError, PolicyError, ValueError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(json.dumps(summary))
    return 0


def _envs(args: argparse.Namespace) -> tuple[Any, ...]:
    from m1env.trainer.config import EnvWeight
    from m1env.trainer.toy_envs import register_toy_envs

    register_toy_envs()
    return tuple(EnvWeight(**e) for e in args.env)


def _sft_command(args: argparse.Namespace) -> int:
    import torch

    from m1env.errors import M1EnvError, TrainerError
    from m1env.policy import (
        ByteTokenizer,
        HybridMoEForCausalLM,
        PolicyConfig,
        PolicyError,
        load_pretrained,
        save_pretrained,
    )
    from m1env.trainer.config import OptimConfig, SFTConfig
    from m1env.trainer.presets import get_preset
    from m1env.trainer.sft import train_sft

    torch.set_num_threads(args.threads)
    try:
        cfg = SFTConfig(
            envs=_envs(args),
            steps=args.steps,
            batch_size=args.batch_size,
            optim=OptimConfig(lr=args.lr),
            seed=args.seed,
        )
        if args.init:
            model, tok = load_pretrained(args.init)
        else:
            torch.manual_seed(args.seed)
            pcfg = (
                PolicyConfig()
                if args.policy_preset == "bundled"
                else get_preset(args.policy_preset).policy
            )
            model, tok = HybridMoEForCausalLM(pcfg), ByteTokenizer()
        train_sft(model, tok, cfg, log=lambda r: print(json.dumps(r), flush=True))
        save_pretrained(model, args.out, tok)
    except (TrainerError, M1EnvError, PolicyError, ValueError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(json.dumps({"checkpoint": args.out}))
    return 0


def _rl_command(args: argparse.Namespace) -> int:
    import torch

    from m1env.errors import M1EnvError, TrainerError
    from m1env.policy import PolicyError, load_pretrained
    from m1env.trainer.config import OptimConfig, RLConfig
    from m1env.trainer.distributed import init_from_env, rank_world
    from m1env.trainer.metrics import MetricsWriter, TensorBoardWriter
    from m1env.trainer.rl import train_rl
    from m1env.trainer.rollout import OpenAIEngine

    torch.set_num_threads(args.threads)
    try:
        cfg = RLConfig(
            envs=_envs(args),
            loss=args.loss,
            advantage=args.advantage,
            steps=args.steps,
            prompts_per_step=args.prompts,
            group_size=args.group_size,
            update_rounds=args.update_rounds,
            length_stages=((0, args.max_new_tokens),),
            eps_low=args.eps_low,
            eps_high=args.eps_high,
            optim=OptimConfig(lr=args.lr),
            seed=args.seed,
            checkpoint_every=args.checkpoint_every,
            scoring=args.scoring,
        )
        distributed = init_from_env()  # under torchrun: one rank per process, gloo or NCCL
        rank, _ = rank_world()
        model, tok = load_pretrained(args.init)
        device = args.device
        if device == "auto":
            device = "cuda" if torch.cuda.is_available() else "cpu"
        if device == "cuda":  # under torchrun init_from_env chose this rank's card
            device = f"cuda:{torch.cuda.current_device()}"
        model = model.to(device)
        engine = OpenAIEngine(args.rollout_url) if args.rollout_url else None
        writer = MetricsWriter(f"{args.out}/metrics.jsonl" if rank == 0 else None)
        board = TensorBoardWriter(args.tensorboard) if args.tensorboard and rank == 0 else None
        run_id = Path(args.out).name or "rl"

        def log(record: dict[str, Any]) -> None:
            writer.write(record)
            if board is not None:
                board.write(record)
            print(json.dumps(record), flush=True)

        store = None
        if args.store:
            from m1env.store import EpisodeStore

            store = EpisodeStore(args.store)
        train_rl(
            model,
            tok,
            cfg,
            run_dir=args.out,
            engine=engine,
            log=log,
            store=store,
            run_id=run_id,
            scorer=_scorer(args, f"{run_id}-{uuid.uuid4().hex[:8]}-r{rank}"),
        )
        writer.close()
        if board is not None:
            board.close()
        if distributed:  # rank 0 may still be writing the last checkpoint
            import torch.distributed as dist

            dist.barrier()
            dist.destroy_process_group()
    except (TrainerError, M1EnvError, PolicyError, ValueError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0
