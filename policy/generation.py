"""Batched sampling with per-token log-probabilities, and log-probs of given completions.

:func:`generate` left-pads a batch of prompts, runs one prefill, then decodes one token per
step for every unfinished row: softmax layers read their KV cache, lightning layers update
their ``d×d`` state, so a lightning layer's per-token cost is independent of the context.

Sampling: logits ÷ ``temperature`` (``0`` = greedy), then top-k, then top-p (nucleus), then a
draw from a seeded generator. A row stops (``finish_reason``) at:

* ``"stop"`` — a stop token (default: the tokenizer's ``<|eos|>`` / ``<|im_end|>``) or a stop
  string; the text excludes the stop token/string, ``token_ids`` include everything sampled;
* ``"repetition"`` — MiniMax-M1's early truncation: ``truncate_run`` consecutive sampled
  tokens each had probability above ``truncate_prob`` (default 3000 and 0.99);
* ``"length"`` — ``max_new_tokens`` reached.

``Generation.logprobs[t]`` is ``log π(token_t)`` under the temperature-scaled distribution
*before* top-k/top-p truncation (the policy's own distribution, which is what an importance
ratio needs); with ``temperature=0`` it is under the raw logits. :func:`completion_logprobs`
computes the same quantity for given completions, with gradients, in one forward pass; the
two agree to float32 rounding (tested), so a trainer can use either side of a ratio.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import torch

from m1env.errors import GenerationError, PolicyConfigError
from m1env.policy.model import HybridMoEForCausalLM
from m1env.policy.tokenizer import ByteTokenizer, ChatMessage

__all__ = [
    "FinishReason",
    "Generation",
    "GenerationConfig",
    "Prompt",
    "completion_logprobs",
    "encode_prompt",
    "generate",
]

FinishReason = Literal["stop", "length", "repetition"]
Prompt = str | Sequence[int] | Sequence[ChatMessage]


@dataclass(frozen=True)
class GenerationConfig:
    max_new_tokens: int = 256
    temperature: float = 1.0
    top_p: float = 1.0
    top_k: int = 0  # 0 disables top-k
    stop: tuple[str, ...] = ()
    stop_token_ids: tuple[int, ...] | None = None  # None: the tokenizer's stop ids
    truncate_run: int = 3000  # 0 disables early truncation
    truncate_prob: float = 0.99
    top_logprobs: int = 0  # also return this many most likely alternatives per step
    seed: int | None = None

    def __post_init__(self) -> None:
        if self.max_new_tokens < 1:
            raise PolicyConfigError(f"max_new_tokens must be >= 1, got {self.max_new_tokens}")
        if not self.temperature >= 0:
            raise PolicyConfigError(f"temperature must be >= 0, got {self.temperature}")
        if not 0 < self.top_p <= 1:
            raise PolicyConfigError(f"top_p must be in (0, 1], got {self.top_p}")
        if self.top_k < 0:
            raise PolicyConfigError(f"top_k must be >= 0, got {self.top_k}")
        if self.truncate_run < 0 or not 0 <= self.truncate_prob <= 1:
            raise PolicyConfigError("truncate_run must be >= 0 and truncate_prob in [0, 1]")
        if self.top_logprobs < 0:
            raise PolicyConfigError(f"top_logprobs must be >= 0, got {self.top_logprobs}")
        if isinstance(self.stop, str) or any(not isinstance(s, str) or not s for s in self.stop):
            raise PolicyConfigError("stop must be a tuple of non-empty strings")


@dataclass
class Generation:
    prompt_token_ids: list[int]
    token_ids: list[int]
    text: str
    logprobs: list[float]
    finish_reason: FinishReason
    # per step, the top_logprobs most likely (token id, logprob) pairs; empty unless asked for
    top_logprobs: list[list[tuple[int, float]]]


def encode_prompt(tokenizer: ByteTokenizer, prompt: Prompt) -> list[int]:
    """A string is encoded as is, chat messages through the chat template, ids pass through."""
    if isinstance(prompt, str):
        ids = tokenizer.encode(prompt)
    elif len(prompt) and all(isinstance(m, Mapping) for m in prompt):
        ids = tokenizer.apply_chat_template(prompt)  # type: ignore[arg-type]
    elif all(isinstance(t, int) and not isinstance(t, bool) for t in prompt):
        ids = list(prompt)  # type: ignore[arg-type]
    else:
        raise GenerationError(
            "a prompt is a string, a list of token ids, or a list of chat messages"
        )
    if not ids:
        ids = [tokenizer.bos_id]
    bad = [t for t in ids if not 0 <= t < tokenizer.vocab_size]
    if bad:
        raise GenerationError(f"prompt token ids out of range: {bad[:5]}")
    return ids


def _filter_logits(scores: torch.Tensor, top_k: int, top_p: float) -> torch.Tensor:
    """Set everything outside top-k and the top-p nucleus to -inf (rows of ``[B, V]``)."""
    if top_k and top_k < scores.shape[-1]:
        kth = torch.topk(scores, top_k, dim=-1).values[:, -1:]
        scores = scores.masked_fill(scores < kth, float("-inf"))
    if top_p < 1.0:
        sorted_scores, order = torch.sort(scores, dim=-1, descending=True)
        probs = torch.softmax(sorted_scores, dim=-1)
        # drop a token when the mass strictly before it already reaches top_p; keeps >= 1 token
        before = probs.cumsum(dim=-1) - probs
        drop_sorted = before >= top_p
        drop = torch.zeros_like(drop_sorted).scatter(-1, order, drop_sorted)
        scores = scores.masked_fill(drop, float("-inf"))
    return scores


@torch.inference_mode()
def generate(
    model: HybridMoEForCausalLM,
    tokenizer: ByteTokenizer,
    prompts: Sequence[Prompt],
    config: GenerationConfig | None = None,
) -> list[Generation]:
    """Sample one completion per prompt. See the module docstring for the semantics."""
    cfg = config or GenerationConfig()
    if isinstance(prompts, str):
        raise GenerationError("prompts must be a list; wrap a single prompt in [ ]")
    if not prompts:
        return []
    if tokenizer.vocab_size > model.config.vocab_size:
        raise GenerationError("the tokenizer's vocabulary exceeds the model's")
    encoded = [encode_prompt(tokenizer, p) for p in prompts]
    dev = model.device
    batch, longest = len(encoded), max(len(p) for p in encoded)
    ids = torch.full((batch, longest), tokenizer.pad_id, dtype=torch.long)
    mask = torch.zeros((batch, longest), dtype=torch.long)
    for row, p in enumerate(encoded):
        ids[row, longest - len(p) :] = torch.tensor(p)
        mask[row, longest - len(p) :] = 1
    ids, mask = ids.to(dev), mask.to(dev)
    stop_ids = set(cfg.stop_token_ids if cfg.stop_token_ids is not None else tokenizer.stop_ids)
    stop_bytes = [s.encode("utf-8") for s in cfg.stop]
    gen = torch.Generator(device=dev)
    gen.manual_seed(cfg.seed if cfg.seed is not None else int(torch.randint(0, 2**62, (1,))))

    was_training = model.training
    model.eval()
    try:
        out = model(ids, attention_mask=mask, use_cache=True)
        cache = out.cache
        logits = out.logits[:, -1]
        tokens: list[list[int]] = [[] for _ in range(batch)]
        logps: list[list[float]] = [[] for _ in range(batch)]
        tops: list[list[list[tuple[int, float]]]] = [[] for _ in range(batch)]
        texts = [bytearray() for _ in range(batch)]
        cut: list[int | None] = [None] * batch  # byte length of text when a stop string matched
        reasons: list[FinishReason | None] = [None] * batch
        run = [0] * batch
        for step in range(cfg.max_new_tokens):
            scale = cfg.temperature if cfg.temperature > 0 else 1.0
            logp = torch.log_softmax(logits.float() / scale, dim=-1)
            if cfg.temperature == 0:
                chosen = logp.argmax(dim=-1)
            else:
                filtered = _filter_logits(logp, cfg.top_k, cfg.top_p)
                probs = torch.softmax(filtered, dim=-1)
                chosen = torch.multinomial(probs, 1, generator=gen).squeeze(-1)
            chosen_logp = logp.gather(-1, chosen[:, None]).squeeze(-1)
            top = torch.topk(logp, cfg.top_logprobs, dim=-1) if cfg.top_logprobs else None
            chosen_l, logp_l = chosen.tolist(), chosen_logp.tolist()
            for row in range(batch):
                if reasons[row] is not None:
                    continue
                tok = chosen_l[row]
                tokens[row].append(tok)
                logps[row].append(logp_l[row])
                if top is not None:
                    tops[row].append(
                        list(zip(top.indices[row].tolist(), top.values[row].tolist(), strict=True))
                    )
                if tok in stop_ids:
                    reasons[row] = "stop"
                    continue
                texts[row].extend(tokenizer.token_bytes(tok))
                for sb in stop_bytes:
                    at = texts[row].find(sb, max(0, len(texts[row]) - len(sb) - 4))
                    if at >= 0:
                        cut[row], reasons[row] = at, "stop"
                        break
                if reasons[row] is not None:
                    continue
                run[row] = run[row] + 1 if logp_l[row] > _log(cfg.truncate_prob) else 0
                if cfg.truncate_run and run[row] >= cfg.truncate_run:
                    reasons[row] = "repetition"
                elif step + 1 == cfg.max_new_tokens:
                    reasons[row] = "length"
            if all(r is not None for r in reasons):
                break
            active = torch.tensor([r is None for r in reasons], device=dev)
            feed = torch.where(active, chosen, torch.full_like(chosen, tokenizer.pad_id))
            logits = model(
                feed[:, None], attention_mask=active[:, None].long(), cache=cache
            ).logits[:, -1]
    finally:
        model.train(was_training)

    results = []
    for row in range(batch):
        raw = bytes(texts[row][: cut[row]] if cut[row] is not None else texts[row])
        results.append(
            Generation(
                prompt_token_ids=encoded[row],
                token_ids=tokens[row],
                text=raw.decode("utf-8", errors="replace"),
                logprobs=logps[row],
                finish_reason=reasons[row] or "length",
                top_logprobs=tops[row],
            )
        )
    return results


def _log(p: float) -> float:
    return math.log(p) if p > 0 else float("-inf")


def completion_logprobs(
    model: HybridMoEForCausalLM,
    prompt_ids: Sequence[Sequence[int]],
    completion_ids: Sequence[Sequence[int]],
    *,
    temperature: float = 1.0,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Per-token ``log π(completion_t | prompt, completion_<t)`` for a batch, with gradients.

    Returns ``(logprobs, mask)``, both ``[B, C]`` where ``C`` is the longest completion;
    ``mask`` is true on real completion tokens and ``logprobs`` is 0 elsewhere. ``temperature``
    divides the logits as in :func:`generate` (``0`` means 1). Runs in the model's current
    mode: call ``model.train()`` or ``model.eval()`` as the caller needs.
    """
    if len(prompt_ids) != len(completion_ids):
        raise GenerationError(f"{len(prompt_ids)} prompts but {len(completion_ids)} completions")
    if not prompt_ids:
        raise GenerationError("empty batch")
    if any(len(p) == 0 for p in prompt_ids):
        raise GenerationError("every prompt needs at least one token")
    if temperature < 0:
        raise PolicyConfigError(f"temperature must be >= 0, got {temperature}")
    dev = model.device
    rows = [list(p) + list(c) for p, c in zip(prompt_ids, completion_ids, strict=True)]
    width = max(len(r) for r in rows)
    longest = max(len(c) for c in completion_ids)
    ids = torch.zeros((len(rows), width), dtype=torch.long)
    mask = torch.zeros((len(rows), width), dtype=torch.long)
    for i, r in enumerate(rows):  # right padding: causal layers never see it from real tokens
        ids[i, : len(r)] = torch.tensor(r, dtype=torch.long)
        mask[i, : len(r)] = 1
    ids, mask = ids.to(dev), mask.to(dev)
    logits = model(ids, attention_mask=mask).logits
    scale = temperature if temperature > 0 else 1.0
    # gather the predicting positions: completion token j of row i is predicted at P_i - 1 + j
    starts = torch.tensor([len(p) - 1 for p in prompt_ids], device=dev)
    offs = torch.arange(longest, device=dev)
    pos = (starts[:, None] + offs[None, :]).clamp(max=width - 1)
    lens = torch.tensor([len(c) for c in completion_ids], device=dev)
    out_mask = offs[None, :] < lens[:, None]
    picked = logits.gather(1, pos[..., None].expand(-1, -1, logits.shape[-1]))
    logp = torch.log_softmax(picked / scale, dim=-1)
    targets = ids.gather(1, (pos + 1).clamp(max=width - 1))
    token_logp = logp.gather(-1, targets[..., None]).squeeze(-1)
    return token_logp.masked_fill(~out_mask, 0.0), out_mask
