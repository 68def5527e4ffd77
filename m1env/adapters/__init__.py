"""Adapters for trainers that call rewards in-process: verl and TRL.

``compute_score`` (verl's custom reward function signature), ``reward_func(name)``
(a TRL reward function) and the ``data_source`` -> verifier table they share.
"""

from m1env.adapters.sources import (
    DATA_SOURCES,
    UnknownDataSource,
    register_data_source,
    verifier_for,
)
from m1env.adapters.trl import reward_func
from m1env.adapters.verl import compute_score, make_compute_score, score_sample

__all__ = [
    "DATA_SOURCES",
    "UnknownDataSource",
    "compute_score",
    "make_compute_score",
    "register_data_source",
    "reward_func",
    "score_sample",
    "verifier_for",
]
