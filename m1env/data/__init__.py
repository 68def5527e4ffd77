"""Data files bundled with m1env.

``math_sample.jsonl``: 70 hand-checked math problems in the shapes real datasets use
(GSM8K rows with ``#### x`` answers, MATH rows with boxed solutions, plain
``question``/``answer`` rows), answers ranging over integers, fractions, decimals,
radicals, intervals, sets, tuples and expressions. The default of
``m1env/MathDataset-v0`` and of ``m1env demo``.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

__all__ = ["MATH_SAMPLE"]

MATH_SAMPLE = Path(str(resources.files(__name__).joinpath("math_sample.jsonl")))
