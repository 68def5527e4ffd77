"""TRL's own ``GRPOTrainer`` trains two steps with our reward function.

A tiny LLaMA and a character-level tokenizer are built here (no hub download). The
dataset is verl-shaped (``reward_model.ground_truth``); one prompt's ground truth is
missing, which ``math`` scores as an error: TRL gets ``None`` for it (NaN, ignored) and
``log_metric`` reports the error rate beside TRL's own metrics.

Needs ``pip install trl==1.16.0`` (its dependencies keep our torch).
"""

from __future__ import annotations

import math
import string
from pathlib import Path

import pytest

from m1env.adapters import reward_func

trl = pytest.importorskip("trl", reason="TRL is not installed: pip install trl==1.16.0")
datasets = pytest.importorskip("datasets")
transformers = pytest.importorskip("transformers")
tokenizers = pytest.importorskip("tokenizers")


def _tokenizer() -> object:
    chars = list(string.printable)
    vocab = {"<pad>": 0, "<eos>": 1, "<unk>": 2} | {c: i + 3 for i, c in enumerate(chars)}
    model = tokenizers.models.WordLevel(vocab=vocab, unk_token="<unk>")
    tok = tokenizers.Tokenizer(model)
    tok.pre_tokenizer = tokenizers.pre_tokenizers.Split("", behavior="isolated")
    tok.decoder = tokenizers.decoders.Fuse()
    return transformers.PreTrainedTokenizerFast(
        tokenizer_object=tok, pad_token="<pad>", eos_token="<eos>", unk_token="<unk>"
    )


def test_grpo_trainer_two_steps_with_m1env_reward(tmp_path: Path) -> None:
    tokenizer = _tokenizer()
    config = transformers.LlamaConfig(
        vocab_size=len(tokenizer),
        hidden_size=16,
        intermediate_size=32,
        num_hidden_layers=1,
        num_attention_heads=2,
        num_key_value_heads=2,
        max_position_embeddings=128,
        pad_token_id=tokenizer.pad_token_id,
        eos_token_id=tokenizer.eos_token_id,
    )
    model = transformers.LlamaForCausalLM(config)
    dataset = datasets.Dataset.from_list(
        [
            {
                "prompt": "2+2=",
                "data_source": "openai/gsm8k",
                "reward_model": {"ground_truth": "4"},
            },
            {
                "prompt": "3+3=",
                "data_source": "openai/gsm8k",
                "reward_model": {"ground_truth": None},
            },
        ]
    )
    args = trl.GRPOConfig(
        output_dir=str(tmp_path),
        max_steps=2,
        per_device_train_batch_size=4,
        num_generations=2,
        max_completion_length=8,
        logging_steps=1,
        learning_rate=1e-3,
        report_to="none",
        use_cpu=True,
        save_strategy="no",
        bf16=False,
    )
    trainer = trl.GRPOTrainer(
        model=model,
        reward_funcs=[reward_func("math")],
        args=args,
        train_dataset=dataset,
        processing_class=tokenizer,
    )
    trainer.train()
    logs = [entry for entry in trainer.state.log_history if "m1env_math/error_rate" in entry]
    # Each step's batch holds both prompts twice: half the verifications fail.
    assert [entry["m1env_math/error_rate"] for entry in logs] == [0.5, 0.5]
    assert trainer.state.global_step == 2
    # TRL averaged the rewards it got (the failed half is NaN, left out): a number.
    assert all(math.isfinite(entry["rewards/m1env_math/mean"]) for entry in logs)
