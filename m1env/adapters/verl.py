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
"""

from __future__ import annotations

import threading
from typing import Any

from m1env import settings
from m1env.adapters.sources import verifier_for
from m1env.verifiers import Score, get_verifier

__all__ = ["compute_score", "make_compute_score", "score_sample"]

_clients: dict[str, Any] = {}
_lock = threading.Lock()


def _remote(url: str) -> Any:
    from m1env.client import Client

    with _lock:
        if url not in _clients:
            _clients[url] = Client(url, api_key=settings.API_KEY.get())
        return _clients[url]


def score_sample(
    data_source: str,
    solution_str: str,
    ground_truth: Any,
    extra_info: dict[str, Any] | None = None,
    *,
    url: str | None = None,
) -> Score:
    """The full Score of one verl sample."""
    info = extra_info if isinstance(extra_info, dict) else {}
    try:
        name = str(info.get("verifier") or verifier_for(data_source))
    except LookupError as exc:
        return Score.error(str(exc))
    options = info.get("options") if isinstance(info.get("options"), dict) else {}
    url = url or settings.SCORING_URL.get()
    if url:
        from m1env.client import ClientError

        try:
            return _remote(url).score(name, solution_str, ground_truth, options)
        except ClientError as exc:
            return Score.error(f"scoring service refused: {exc}")
    try:
        verifier = get_verifier(name)
    except LookupError as exc:
        return Score.error(str(exc))
    return verifier.verify(solution_str, ground_truth, **(options or {}))


def make_compute_score(*, error_score: float = 0.0, url: str | None = None) -> Any:
    """A verl ``compute_score`` with a chosen reward for error Scores."""

    def compute_score(
        data_source: str,
        solution_str: str,
        ground_truth: Any,
        extra_info: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> dict[str, float]:
        score = score_sample(data_source, solution_str, ground_truth, extra_info, url=url)
        return {
            "score": error_score if score.status == "error" else score.score,
            "acc": 1.0 if score.status == "correct" else 0.0,
            "error": 1.0 if score.status == "error" else 0.0,
        }

    return compute_score


compute_score = make_compute_score()
