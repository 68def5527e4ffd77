"""Named presets: a policy size plus SFT, RL and evaluation settings that fit together.

``tiny-add`` (the default, what ``m1env train`` runs): a ~0.2 M-parameter hybrid policy (one
lightning-attention layer, one softmax layer, 4 experts) learns ``a+b=`` for operands up to
two digits (``trainer/Add-v0``, difficulty 4-6). SFT is deliberately short, so the warm-started
policy *sometimes* succeeds — the regime M1 starts RL from — then CISPO lifts held-out accuracy.
Sized to finish well inside 15 minutes on 2 shared CPU cores.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from policy import PolicyConfig
from trainer.config import EnvWeight, EvalConfig, OptimConfig, RLConfig, SFTConfig
from trainer.errors import ConfigError
from trainer.tasks import ADD_ENV_ID, register_tasks

__all__ = ["PRESETS", "Preset", "get_preset"]


@dataclass(frozen=True)
class Preset:
    name: str
    description: str
    policy: PolicyConfig
    sft: SFTConfig
    rl: RLConfig
    eval: EvalConfig
    threads: int = 2

    def with_seed(self, seed: int) -> Preset:
        return replace(
            self,
            sft=replace(self.sft, seed=seed),
            rl=replace(self.rl, seed=seed),
        )


def _tiny_add() -> Preset:
    register_tasks()
    train = (EnvWeight(ADD_ENV_ID, difficulty=4, kwargs={"split": "train"}),)
    held_out = (EnvWeight(ADD_ENV_ID, difficulty=4, kwargs={"split": "eval"}),)
    policy = PolicyConfig(
        hidden_size=64,
        num_layers=2,
        num_heads=2,
        head_dim=32,
        num_kv_heads=1,
        intermediate_size=128,
        num_experts=4,
        num_experts_per_tok=2,
        softmax_every=2,
        block_size=64,
    )
    return Preset(
        name="tiny-add",
        description="2-digit addition, tiny hybrid policy: SFT warm start then CISPO",
        policy=policy,
        sft=SFTConfig(envs=train, steps=150, batch_size=32, optim=OptimConfig(lr=3e-3)),
        rl=RLConfig(
            envs=train,
            loss="cispo",
            steps=40,
            prompts_per_step=16,
            group_size=8,
            update_rounds=2,
            minibatches=2,
            length_stages=((0, 24), (20, 32)),
            optim=OptimConfig(lr=1e-3),
        ),
        eval=EvalConfig(envs=held_out, n=200, max_new_tokens=24),
    )


_FACTORIES = {"tiny-add": _tiny_add}
PRESETS = tuple(_FACTORIES)


def get_preset(name: str = "tiny-add") -> Preset:
    try:
        return _FACTORIES[name]()
    except KeyError:
        raise ConfigError(f"unknown preset {name!r}; choose one of {sorted(_FACTORIES)}") from None
