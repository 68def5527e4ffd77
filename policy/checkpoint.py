"""Checkpoints: a directory holding ``config.json``, ``model.safetensors`` and ``tokenizer.json``.

:func:`save_pretrained` writes all three atomically enough for a trainer (each file is written
to a temporary name then renamed); :func:`load_pretrained` rebuilds the model from the config,
loads the tensors strictly (a missing, extra or mis-shaped tensor is an error, not a silent
re-init) and returns it with its tokenizer. Tied embeddings are stored once.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import torch

from m1env.errors import PolicyCheckpointError, PolicyError
from m1env.policy.config import PolicyConfig
from m1env.policy.model import HybridMoEForCausalLM
from m1env.policy.ops.lightning import Backend
from m1env.policy.tokenizer import ByteTokenizer

__all__ = ["load_pretrained", "save_pretrained"]

CONFIG_FILE = "config.json"
WEIGHTS_FILE = "model.safetensors"
TOKENIZER_FILE = "tokenizer.json"


def _write_text(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def save_pretrained(
    model: HybridMoEForCausalLM,
    path: str | os.PathLike[str],
    tokenizer: ByteTokenizer | None = None,
) -> Path:
    """Write ``model`` (and ``tokenizer``, default a byte tokenizer of the model's vocab) to ``path``."""
    from safetensors.torch import save_model

    out = Path(path)
    out.mkdir(parents=True, exist_ok=True)
    tok = tokenizer or ByteTokenizer(model.config.vocab_size)
    if tok.vocab_size > model.config.vocab_size:
        raise PolicyCheckpointError(
            f"tokenizer vocab {tok.vocab_size} exceeds the model's {model.config.vocab_size}"
        )
    tmp = out / (WEIGHTS_FILE + ".tmp")
    save_model(model, str(tmp), metadata={"format": "pt", "producer": "m1env.policy"})
    os.replace(tmp, out / WEIGHTS_FILE)
    _write_text(out / CONFIG_FILE, model.config.to_json())
    _write_text(out / TOKENIZER_FILE, json.dumps(tok.to_dict(), indent=2))
    return out


def load_pretrained(
    path: str | os.PathLike[str],
    *,
    device: str | torch.device = "cpu",
    dtype: torch.dtype | None = None,
    backend: Backend = "auto",
) -> tuple[HybridMoEForCausalLM, ByteTokenizer]:
    """Load a checkpoint directory written by :func:`save_pretrained`; the model is in eval mode."""
    from safetensors.torch import load_model

    src = Path(path)
    for name in (CONFIG_FILE, WEIGHTS_FILE):
        if not (src / name).is_file():
            raise PolicyCheckpointError(f"{src} is not a policy checkpoint: {name} is missing")
    try:
        config = PolicyConfig.from_dict(json.loads((src / CONFIG_FILE).read_text(encoding="utf-8")))
        tok_file = src / TOKENIZER_FILE
        tokenizer = (
            ByteTokenizer.from_dict(json.loads(tok_file.read_text(encoding="utf-8")))
            if tok_file.is_file()
            else ByteTokenizer(config.vocab_size)
        )
    except (json.JSONDecodeError, PolicyError, KeyError, TypeError) as exc:
        raise PolicyCheckpointError(f"cannot read {src}: {exc}") from exc
    model = HybridMoEForCausalLM(config, backend=backend)
    try:
        load_model(model, str(src / WEIGHTS_FILE), strict=True, device="cpu")
    except Exception as exc:  # safetensors raises RuntimeError/SafetensorError variants
        raise PolicyCheckpointError(
            f"weights in {src / WEIGHTS_FILE} do not fit the config: {exc}"
        ) from exc
    model = model.to(device=device, dtype=dtype) if dtype else model.to(device=device)
    model.eval()
    return model, tokenizer
