"""verl: ``compute_score(data_source, solution_str, ground_truth, extra_info)``.

Point verl at it with ``custom_reward_function.path=<this file>`` and
``custom_reward_function.name=compute_score``, or import :func:`compute_score`.
The verifier comes from ``extra_info["verifier"]`` when given, else from the
``data_source`` table (:mod:`m1env.adapters.sources`); ``extra_info["options"]``
holds verifier options. With ``$M1ENV_SCORING_URL`` set, scoring goes to that
service over HTTP instead of running in-process.

The return value is a dict (verl's reward managers take ``score`` as the reward and
keep the other keys as per-sample extra info): ``score`` (float), ``acc``
(1.0 if correct), ``error`` (1.0 if the verification failed). An error Score has
``score`` = ``error_score`` (0.0 by default: verl needs a number), but it is
counted in ``error`` rather than passing as a silent 0.

A ``data_source`` with no verifier (or an ``extra_info["verifier"]`` that names none)
raises :class:`~m1env.errors.UnknownDataSource` naming it, as verl's own
``default_compute_score`` raises ``NotImplementedError``: a dataset routed nowhere is a
configuration mistake, and scoring it 0 would train on it silently.
``unknown_source="error"`` scores it as an error Score instead (``error_score``,
counted in ``error``). Ground truths arrive from verl's ``non_tensor_batch`` as numpy
values (object arrays, ``np.str_``, ``np.int64``) and are turned into plain Python
lists and scalars before they reach a verifier or the wire.
"""

from __future__ import annotations

import threading
from typing import Any, Literal

import numpy as np

from m1env import settings
from m1env.adapters.sources import verifier_for
from m1env.errors import UnknownDataSource
from m1env.verifiers import Score, get_verifier

__all__ = ["UnknownSource", "compute_score", "make_compute_score", "plain", "score_sample"]

# What an unroutable sample does: raise (verl's behaviour), or become an error Score.
UnknownSource = Literal["raise", "error"]

_clients: dict[str, Any] = {}
_lock = threading.Lock()


def _remote(url: str) -> Any:
    from m1env.client import Client

    with _lock:
        if url not in _clients:
            _clients[url] = Client(url, api_key=settings.API_KEY.get())
        return _clients[url]


def plain(value: Any) -> Any:
    """``value`` with numpy arrays and scalars (at any depth) as Python lists and scalars."""
    if isinstance(value, np.ndarray):
        return [plain(v) for v in value.tolist()]
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    if isinstance(value, tuple):
        return tuple(plain(v) for v in value)
    return value


def score_sample(
    data_source: str,
    solution_str: str,
    ground_truth: Any,
    extra_info: dict[str, Any] | None = None,
    *,
    url: str | None = None,
    unknown_source: UnknownSource = "raise",
) -> Score:
    """The full Score of one verl sample (see the module docstring for unknown sources)."""
    if unknown_source not in ("raise", "error"):
        raise ValueError(f"unknown_source is 'raise' or 'error', got {unknown_source!r}")
    info = extra_info if isinstance(extra_info, dict) else {}
    ground_truth = plain(ground_truth)
    url = url or settings.SCORING_URL.get()
    try:
        name = str(info.get("verifier") or verifier_for(str(data_source)))
        if not url:
            get_verifier(name)  # an unknown name fails here (the service judges its own)
    except LookupError as exc:
        if unknown_source == "raise":
            if isinstance(exc, UnknownDataSource):
                raise
            raise UnknownDataSource(f"data_source {data_source!r}: {exc}") from exc
        return Score.error(str(exc))
    options = info.get("options") if isinstance(info.get("options"), dict) else {}
    if url:
        from m1env.client import ClientError

        try:
            return _remote(url).score(name, solution_str, ground_truth, options)
        except ClientError as exc:
            return Score.error(f"scoring service refused: {exc}")
    return get_verifier(name).verify(solution_str, ground_truth, **(options or {}))


def make_compute_score(
    *, error_score: float = 0.0, url: str | None = None, unknown_source: UnknownSource = "raise"
) -> Any:
    """A verl ``compute_score`` with a chosen reward for error Scores.

    ``unknown_source="error"`` scores an unroutable sample as an error (``error_score``)
    instead of raising.
    """
    if unknown_source not in ("raise", "error"):
        raise ValueError(f"unknown_source is 'raise' or 'error', got {unknown_source!r}")

    def compute_score(
        data_source: str,
        solution_str: str,
        ground_truth: Any,
        extra_info: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> dict[str, float]:
        score = score_sample(
            data_source,
            solution_str,
            ground_truth,
            extra_info,
            url=url,
            unknown_source=unknown_source,
        )
        return {
            "score": error_score if score.status == "error" else score.score,
            "acc": 1.0 if score.status == "correct" else 0.0,
            "error": 1.0 if score.status == "error" else 0.0,
        }

    return compute_score


compute_score = make_compute_score()
