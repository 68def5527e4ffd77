"""generate() and completion_logprobs(): agreement, batching, stops, truncation, seeding."""

from __future__ import annotations

import pytest
import torch

from m1env.errors import GenerationError, PolicyConfigError
from m1env.policy import HybridMoEForCausalLM
from m1env.policy.generation import GenerationConfig, Prompt, completion_logprobs, generate
from m1env.policy.tokenizer import ByteTokenizer
from tests.policy.tiny import TINY

CFG = TINY
TOK = ByteTokenizer()


@pytest.fixture(scope="module")
def model() -> HybridMoEForCausalLM:
    torch.manual_seed(0)
    return HybridMoEForCausalLM(CFG).eval()


def _letters_only(model: HybridMoEForCausalLM) -> HybridMoEForCausalLM:
    """A copy whose head can only favour lowercase letters (so sampled text is readable)."""
    torch.manual_seed(1)
    m = HybridMoEForCausalLM(CFG).eval()
    m.load_state_dict(model.state_dict())
    with torch.no_grad():
        w = torch.zeros_like(m.lm_head.weight)
        w[ord("a") : ord("z") + 1] = torch.randn(26, CFG.hidden_size) * 2
        m.lm_head.weight.copy_(w)
    return m


PROMPTS: list[Prompt] = [
    "Hello",
    [{"role": "user", "content": "2+2?"}],
    [5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15],
]


@pytest.mark.parametrize(
    "cfg",
    [
        GenerationConfig(max_new_tokens=24, temperature=0.0),
        GenerationConfig(max_new_tokens=24, temperature=0.7, top_p=0.9, top_k=50, seed=3),
        GenerationConfig(max_new_tokens=24, temperature=1.3, seed=4),
    ],
)
def test_generation_logprobs_equal_completion_logprobs(model, cfg) -> None:
    gens = generate(model, TOK, PROMPTS, cfg)
    assert len(gens) == 3
    lp, mask = completion_logprobs(
        model,
        [g.prompt_token_ids for g in gens],
        [g.token_ids for g in gens],
        temperature=cfg.temperature,
    )
    for row, g in enumerate(gens):
        n = len(g.token_ids)
        assert n == len(g.logprobs) and mask[row].sum() == n
        torch.testing.assert_close(lp[row, :n], torch.tensor(g.logprobs), atol=1e-4, rtol=0)
        assert all(x <= 0 for x in g.logprobs)


def test_batched_generation_equals_one_by_one(model) -> None:
    cfg = GenerationConfig(max_new_tokens=20, temperature=0.0, stop_token_ids=())
    batched = generate(model, TOK, PROMPTS, cfg)
    for prompt, g in zip(PROMPTS, batched, strict=True):
        (alone,) = generate(model, TOK, [prompt], cfg)
        assert alone.token_ids == g.token_ids
        assert alone.finish_reason == g.finish_reason == "length"
        torch.testing.assert_close(
            torch.tensor(alone.logprobs), torch.tensor(g.logprobs), atol=1e-4, rtol=0
        )


def test_seed_makes_sampling_reproducible(model) -> None:
    cfg = GenerationConfig(max_new_tokens=16, temperature=1.0, seed=11, stop_token_ids=())
    a = generate(model, TOK, PROMPTS, cfg)
    b = generate(model, TOK, PROMPTS, cfg)
    c = generate(
        model,
        TOK,
        PROMPTS,
        GenerationConfig(max_new_tokens=16, temperature=1.0, seed=12, stop_token_ids=()),
    )
    assert [g.token_ids for g in a] == [g.token_ids for g in b]
    assert [g.token_ids for g in a] != [g.token_ids for g in c]


def test_top_k_one_is_greedy_and_top_logprobs_are_sorted(model) -> None:
    greedy = generate(
        model, TOK, PROMPTS, GenerationConfig(max_new_tokens=10, temperature=0.0, stop_token_ids=())
    )
    topk1 = generate(
        model,
        TOK,
        PROMPTS,
        GenerationConfig(max_new_tokens=10, top_k=1, seed=5, top_logprobs=3, stop_token_ids=()),
    )
    assert [g.token_ids for g in greedy] == [g.token_ids for g in topk1]
    for g in topk1:
        for tok, alts in zip(g.token_ids, g.top_logprobs, strict=True):
            assert alts[0][0] == tok and [a[1] for a in alts] == sorted(
                (a[1] for a in alts), reverse=True
            )


def test_stop_strings_cut_text(model) -> None:
    letters = _letters_only(model)
    base = GenerationConfig(max_new_tokens=30, temperature=1.0, top_k=5, seed=2, stop_token_ids=())
    (full,) = generate(letters, TOK, ["abc"], base)
    assert full.text.isalpha() and len(full.text) == 30 and full.finish_reason == "length"
    stop = full.text[10:13]
    first = full.text.find(stop)
    (cut,) = generate(letters, TOK, ["abc"], GenerationConfig(**{**base.__dict__, "stop": (stop,)}))
    assert cut.finish_reason == "stop"
    assert cut.text == full.text[:first]
    assert cut.token_ids == full.token_ids[: first + len(stop)]  # the stop string's tokens are kept


def test_stop_token_ends_generation(model) -> None:
    (g,) = generate(
        model, TOK, ["Hi"], GenerationConfig(max_new_tokens=12, temperature=0.0, stop_token_ids=())
    )
    stop_tok = g.token_ids[3]
    (s,) = generate(
        model,
        TOK,
        ["Hi"],
        GenerationConfig(max_new_tokens=12, temperature=0.0, stop_token_ids=(stop_tok,)),
    )
    first = g.token_ids.index(stop_tok)
    assert s.finish_reason == "stop" and s.token_ids == g.token_ids[: first + 1]
    assert s.text == TOK.decode(g.token_ids[:first])


def test_early_truncation_after_run_of_confident_tokens(model) -> None:
    base = GenerationConfig(max_new_tokens=40, temperature=0.0, stop_token_ids=())
    (g,) = generate(model, TOK, ["Hello"], base)
    probs = torch.tensor(g.logprobs).exp()
    p = float(probs.median())
    n = 3
    confident = (probs > p).tolist()
    expected = next(
        (i + 1 for i in range(n - 1, len(confident)) if all(confident[i - n + 1 : i + 1])), None
    )
    assert expected is not None, "test premise: some run of 3 above the median"
    (t,) = generate(
        model,
        TOK,
        ["Hello"],
        GenerationConfig(**{**base.__dict__, "truncate_run": n, "truncate_prob": p}),
    )
    assert t.finish_reason == "repetition" and len(t.token_ids) == expected
    # prob threshold 1.0 never triggers
    (u,) = generate(
        model,
        TOK,
        ["Hello"],
        GenerationConfig(**{**base.__dict__, "truncate_run": 1, "truncate_prob": 1.0}),
    )
    assert u.finish_reason == "length"


def test_linear_state_stays_fixed_while_kv_cache_grows(model) -> None:
    ids = torch.randint(0, 272, (1, 10))
    out = model(ids, use_cache=True)
    cache = out.cache
    shapes = [tuple(s.shape) if isinstance(s, torch.Tensor) else None for s in cache.layers]
    for t in range(30):
        model(torch.tensor([[t]]), cache=cache)
    for i, layer in enumerate(cache.layers):
        if isinstance(layer, torch.Tensor):
            assert tuple(layer.shape) == shapes[i] == (1, 4, 8, 8)
        else:
            assert layer.length == 40


def test_completion_logprobs_has_gradients(model) -> None:
    lp, mask = completion_logprobs(model, [[1, 2, 3], [4]], [[5, 6], [7, 8, 9]])
    assert lp.shape == mask.shape == (2, 3) and mask.tolist() == [
        [True, True, False],
        [True, True, True],
    ]
    assert lp[0, 2] == 0
    (lp * mask).sum().backward()
    assert model.lm_head.weight.grad is not None
    model.zero_grad(set_to_none=True)


def test_bad_requests_raise(model) -> None:
    with pytest.raises(GenerationError):
        generate(model, TOK, "a string, not a list")
    with pytest.raises(GenerationError):
        generate(model, TOK, [[999]])
    with pytest.raises(GenerationError):
        generate(model, TOK, [[1.5]])  # type: ignore[list-item]
    with pytest.raises(PolicyConfigError):
        GenerationConfig(top_p=0)
    with pytest.raises(PolicyConfigError):
        GenerationConfig(stop="x")  # type: ignore[arg-type]
    with pytest.raises(GenerationError):
        completion_logprobs(model, [[1]], [])
    assert generate(model, TOK, []) == []
