"""The CLI's defaults are the config dataclasses' defaults: one source for each.

Every flag of ``m1env train`` (and its phases) and ``m1env eval`` is either mapped to the
config field whose default it must equal, or listed as not a config field with the reason.
A new flag that is neither fails the test, so it cannot drift from the config unnoticed.
"""

from __future__ import annotations

import argparse
import dataclasses
import inspect
from typing import Any

import pytest

from m1env.cli import build_parser
from m1env.trainer.config import EvalConfig, RLConfig, SFTConfig
from m1env.trainer.presets import DEFAULT_PRESET, Preset
from m1env.trainer.scoring import QueueScorer


def field_default(cls: type, name: str) -> Any:
    (f,) = (f for f in dataclasses.fields(cls) if f.name == name)
    assert f.default is not dataclasses.MISSING or f.default_factory is not dataclasses.MISSING
    return f.default if f.default is not dataclasses.MISSING else f.default_factory()


QUEUE_TIMEOUT = inspect.signature(QueueScorer).parameters["timeout_s"].default

# scoring through the queue, shared by the preset command and `rl`
SCORING_NOT_CONFIG = {
    "database_url": "a connection setting (else M1ENV_DATABASE_URL), not a training setting",
    "broker_url": "a connection setting (else M1ENV_BROKER_URL), not a training setting",
    "tensorboard": "an output location, off unless given",
}

# command -> {dest: expected default}
MAPPED: dict[str, dict[str, Any]] = {
    "train": {
        "preset": DEFAULT_PRESET,
        "queue_timeout": QUEUE_TIMEOUT,
    },
    "train sft": {
        "steps": field_default(SFTConfig, "steps"),
        "seed": field_default(SFTConfig, "seed"),
        "batch_size": field_default(SFTConfig, "batch_size"),
        "lr": field_default(SFTConfig, "optim").lr,
        "threads": field_default(Preset, "threads"),
        "policy_preset": DEFAULT_PRESET,
    },
    "train rl": {
        "steps": field_default(RLConfig, "steps"),
        "seed": field_default(RLConfig, "seed"),
        "loss": field_default(RLConfig, "loss"),
        "advantage": field_default(RLConfig, "advantage"),
        "prompts": field_default(RLConfig, "prompts_per_step"),
        "group_size": field_default(RLConfig, "group_size"),
        # the command line sets one length stage: the config's first stage's window
        "max_new_tokens": field_default(RLConfig, "length_stages")[0][1],
        "lr": field_default(RLConfig, "optim").lr,
        "eps_low": field_default(RLConfig, "eps_low"),
        "eps_high": field_default(RLConfig, "eps_high"),
        "update_rounds": field_default(RLConfig, "update_rounds"),
        "checkpoint_every": field_default(RLConfig, "checkpoint_every"),
        "scoring": field_default(RLConfig, "scoring"),
        "queue_timeout": QUEUE_TIMEOUT,
        "threads": field_default(Preset, "threads"),
    },
    "eval": {
        "n": field_default(EvalConfig, "n"),
        "k": field_default(EvalConfig, "k"),
        "seed": field_default(EvalConfig, "seed"),
        "threads": field_default(Preset, "threads"),
    },
}

NOT_CONFIG: dict[str, dict[str, str]] = {
    "train": {
        # None: keep the preset's value; the command replaces only what is given
        "out": "run directory, default runs/<preset>",
        "seed": "override of the preset's seed (None: the preset's)",
        "threads": "override of the preset's threads (None: the preset's)",
        "loss": "override of the preset's RL loss (None: the preset's)",
        "sft_steps": "override of the preset's SFT steps (None: the preset's)",
        "rl_steps": "override of the preset's RL steps (None: the preset's)",
        "scoring": "override of the preset's RL scoring (None: the preset's)",
        **SCORING_NOT_CONFIG,
    },
    "train sft": {
        "env": "required",
        "out": "required",
        "init": "a checkpoint to start from, fresh weights unless given",
    },
    "train rl": {
        "env": "required",
        "out": "required",
        "init": "required",
        "rollout_url": "a server for rollouts, in-process policy unless given",
        "device": "where the model runs, not a training setting",
        "store": "an episode store to record into, off unless given",
        **SCORING_NOT_CONFIG,
    },
    "eval": {
        "model": "required",
        "env": "required",
        "difficulty": "None: each environment's own default",
        "temperature": "None: 0 (greedy) for k=1, else 1.0, chosen from k",
        "max_new_tokens": "256, not EvalConfig's 32 (sized for the toy envs): any env is evaluated",
        "server_model": "None: the server's first model",
        "out": "an output location",
        "summary": "an output location",
    },
}


def _subparsers(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


def _commands() -> dict[str, argparse.ArgumentParser]:
    top = _subparsers(build_parser())
    train = top["train"]
    out = {"train": train, "eval": top["eval"]}
    out.update({f"train {name}": p for name, p in _subparsers(train).items()})
    return out


def _flags(parser: argparse.ArgumentParser) -> dict[str, Any]:
    return {
        a.dest: a.default
        for a in parser._actions
        if not isinstance(a, argparse._HelpAction | argparse._SubParsersAction)
    }


def test_every_command_is_covered() -> None:
    assert set(_commands()) == set(MAPPED) == set(NOT_CONFIG)


@pytest.mark.parametrize("command", sorted(MAPPED))
def test_flag_defaults_are_the_config_defaults(command: str) -> None:
    flags = _flags(_commands()[command])
    mapped, other = MAPPED[command], NOT_CONFIG[command]
    assert not set(mapped) & set(other)
    unclassified = set(flags) - set(mapped) - set(other)
    assert not unclassified, f"m1env {command}: map these flags to a config field or list them"
    assert not (set(mapped) | set(other)) - set(flags), "listed flags that no longer exist"
    wrong = {d: (flags[d], want) for d, want in mapped.items() if flags[d] != want}
    assert not wrong, f"m1env {command}: (flag default, config default) differ: {wrong}"
