"""Checkpoints in safetensors, and resume.

A checkpoint directory holds the policy as :func:`m1env.policy.save_pretrained` writes it (config +
``model.safetensors``, loadable by ``m1env policy serve`` and ``m1env eval``), the optimiser
state as ``optimizer.safetensors`` (tensors) plus ``trainer_state.json`` (step, param groups,
RNG states, the run's config). Files are written to a temporary directory and renamed, so an
interruption never leaves a half-written checkpoint under the final name.
"""

from __future__ import annotations

import json
import random
import shutil
from pathlib import Path
from typing import Any

import torch
from safetensors.torch import load_file, save_file

from m1env.errors import TrainerCheckpointError
from m1env.policy import ByteTokenizer, HybridMoEForCausalLM, load_pretrained, save_pretrained

__all__ = ["latest_checkpoint", "load_checkpoint", "save_checkpoint"]

STATE_FILE = "trainer_state.json"
OPTIM_FILE = "optimizer.safetensors"


def save_checkpoint(
    path: str | Path,
    model: HybridMoEForCausalLM,
    tokenizer: ByteTokenizer,
    optimizer: torch.optim.Optimizer | None,
    *,
    step: int,
    extra: dict[str, Any] | None = None,
) -> Path:
    final = Path(path)
    tmp = final.with_name(final.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    save_pretrained(model, tmp, tokenizer)
    state: dict[str, Any] = {
        "step": step,
        "python_rng": repr(random.getstate()),
        "extra": extra or {},
    }
    if optimizer is not None:
        sd = optimizer.state_dict()
        tensors = {
            f"{pid}.{key}": value.detach().cpu().contiguous()
            for pid, per in sd["state"].items()
            for key, value in per.items()
            if isinstance(value, torch.Tensor)
        }
        save_file(tensors, str(tmp / OPTIM_FILE))
        state["param_groups"] = sd["param_groups"]
    (tmp / STATE_FILE).write_text(json.dumps(state, indent=1, default=str))
    if final.exists():
        shutil.rmtree(final)
    tmp.rename(final)
    return final


def load_checkpoint(
    path: str | Path, optimizer_factory: Any = None
) -> tuple[HybridMoEForCausalLM, ByteTokenizer, torch.optim.Optimizer | None, dict[str, Any]]:
    """Model (train mode), tokenizer, optimiser (if a factory ``f(model)`` is given) and state."""
    src = Path(path)
    if not (src / STATE_FILE).is_file():
        raise TrainerCheckpointError(f"{src} is not a trainer checkpoint (no {STATE_FILE})")
    model, tok = load_pretrained(src)
    model.train()
    state: dict[str, Any] = json.loads((src / STATE_FILE).read_text())
    optimizer = None
    if optimizer_factory is not None:
        optimizer = optimizer_factory(model)
        if (src / OPTIM_FILE).is_file() and "param_groups" in state:
            flat = load_file(str(src / OPTIM_FILE))
            per: dict[int, dict[str, torch.Tensor]] = {}
            for name, value in flat.items():
                pid, key = name.split(".", 1)
                per.setdefault(int(pid), {})[key] = value
            try:
                optimizer.load_state_dict({"state": per, "param_groups": state["param_groups"]})
            except (ValueError, KeyError) as exc:
                raise TrainerCheckpointError(
                    f"optimiser state in {src} does not match: {exc}"
                ) from exc
    return model, tok, optimizer, state


def latest_checkpoint(run_dir: str | Path) -> Path | None:
    """The ``step-N`` directory with the largest N under ``run_dir/checkpoints``, if any."""
    root = Path(run_dir) / "checkpoints"
    found = [
        (int(p.name.split("-", 1)[1]), p)
        for p in root.glob("step-*")
        if p.is_dir() and p.name.split("-", 1)[1].isdigit() and (p / STATE_FILE).is_file()
    ]
    return max(found)[1] if found else None
