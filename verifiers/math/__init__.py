"""The ``math`` verifier: final-answer equivalence without ``eval``.

Modules, in data-flow order: :mod:`~m1env.verifiers.math.normalize` (one spelling per
notation), :mod:`~m1env.verifiers.math.parse` (whitelist tokenizer and LaTeX/plain-text
parser to a tuple tree, structural bomb guards), :mod:`~m1env.verifiers.math.values`
(exact rationals, complex floats, sympy by constructors), :mod:`~m1env.verifiers.math.equiv`
(equivalence rules) and :mod:`~m1env.verifiers.math.verifier` (extraction, hedging, the
``MathVerifier`` class and the trust asymmetry between reference and response).
"""

from __future__ import annotations

from m1env.errors import MathError, ParseError, TooComplex, TooLarge
from m1env.verifiers.math.equiv import Rules, equivalent
from m1env.verifiers.math.normalize import clean
from m1env.verifiers.math.parse import parse
from m1env.verifiers.math.verifier import DEFAULT_EXTRACT, STRATEGIES, MathVerifier, find_answers

__all__ = [
    "DEFAULT_EXTRACT",
    "STRATEGIES",
    "MathError",
    "MathVerifier",
    "ParseError",
    "Rules",
    "TooComplex",
    "TooLarge",
    "clean",
    "equivalent",
    "find_answers",
    "parse",
]
