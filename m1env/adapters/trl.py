"""TRL: reward functions ``fn(prompts, completions, **kwargs) -> list[float | None]``.

::

    from m1env.adapters import reward_func
    GRPOTrainer(..., reward_funcs=[reward_func("math")])

TRL passes every dataset column as a keyword list; the reference is read from the
first of ``reference_keys`` present (default ``reference``, ``answer``,
``solution``, ``ground_truth``, then ``reward_model.ground_truth``: a dotted key reads
inside a dict column, so verl-shaped rows work as they are). Completions may be plain
strings or conversations (lists of ``{"role", "content"}``; the last message's content
is scored). A failed verification gives ``None`` -- TRL ignores it for that sample
instead of training on a made-up 0 -- and, when TRL hands the function its
``log_metric`` callback (trl 1.16's ``GRPOTrainer`` does), the batch's share of
failed verifications is logged as ``<name>/error_rate``, so errors show on the
training dashboard rather than only as missing rewards. Scoring runs concurrently
in-process, or on a scoring service when ``url`` (or ``$M1ENV_SCORING_URL``) is set.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from m1env import settings
from m1env.verifiers import Score, get_verifier

__all__ = ["REFERENCE_KEYS", "reward_func"]

REFERENCE_KEYS = ("reference", "answer", "solution", "ground_truth", "reward_model.ground_truth")
RewardFunc = Callable[..., list[float | None]]


def _text(completion: Any) -> str:
    if isinstance(completion, str):
        return completion
    if isinstance(completion, list) and completion and isinstance(completion[-1], dict):
        return str(completion[-1].get("content", ""))
    if isinstance(completion, dict):
        return str(completion.get("content", ""))
    raise TypeError(f"a completion is a str or a list of messages, got {type(completion).__name__}")


def _references(kwargs: dict[str, Any], keys: Sequence[str]) -> list[Any] | None:
    """The first of ``keys`` among the columns; ``a.b`` is field ``b`` of dict column ``a``."""
    for key in keys:
        column, _, field = key.partition(".")
        if column not in kwargs:
            continue
        values = kwargs[column]
        if not field:
            return list(values)
        if all(isinstance(v, dict) and field in v for v in values):
            return [v[field] for v in values]
    return None


def reward_func(
    verifier: str,
    *,
    reference_keys: Sequence[str] = REFERENCE_KEYS,
    options: dict[str, Any] | None = None,
    url: str | None = None,
    max_workers: int | None = None,
) -> RewardFunc:
    """A TRL reward function scoring with ``verifier`` (named ``m1env_<verifier>``)."""
    get_verifier(verifier)  # fail at construction on an unknown name
    url = url or settings.SCORING_URL.get()
    client = None
    if url:
        from m1env.client import Client

        client = Client(url, api_key=settings.API_KEY.get())
    workers = max_workers or os.cpu_count() or 1

    def reward(prompts: list[Any], completions: list[Any], **kwargs: Any) -> list[float | None]:
        references = _references(kwargs, reference_keys)
        if references is None:
            raise KeyError(
                f"no reference column among {list(reference_keys)}; dataset columns: "
                f"{sorted(kwargs)}"
            )
        if len(references) != len(completions):
            raise ValueError(f"{len(completions)} completions but {len(references)} references")
        texts = [_text(c) for c in completions]
        if client is not None:
            scores = client.score_batch(
                [(verifier, t, r, options) for t, r in zip(texts, references, strict=True)]
            )
        else:
            v = get_verifier(verifier)

            def one(pair: tuple[str, Any]) -> Score:
                return v.verify(pair[0], pair[1], **(options or {}))

            with ThreadPoolExecutor(max_workers=workers) as pool:
                scores = list(pool.map(one, zip(texts, references, strict=True)))
        errors = sum(s.status == "error" for s in scores)
        log_metric = kwargs.get("log_metric")
        if callable(log_metric) and scores:
            log_metric(f"{name}/error_rate", errors / len(scores))
        return [None if s.status == "error" else s.score for s in scores]

    name = f"m1env_{verifier.replace('/', '_')}"
    reward.__name__ = reward.__qualname__ = name
    return reward
