"""The ``math`` verifier: final-answer equivalence without ``eval``.

Modules, in data-flow order: :mod:`~verifiers.math.normalize` (one spelling per
notation), :mod:`~verifiers.math.parse` (whitelist tokenizer and LaTeX/plain-text
parser to a tuple tree, structural bomb guards), :mod:`~verifiers.math.values`
(exact rationals, complex floats, sympy by constructors), :mod:`~verifiers.math.equiv`
(equivalence rules) and :mod:`~verifiers.math.verifier` (extraction, hedging, the
``MathVerifier`` class and the trust asymmetry between reference and response).
"""

from __future__ import annotations

from verifiers.math.equiv import Rules, equivalent
from verifiers.math.errors import MathError, ParseError, TooComplex, TooLarge
from verifiers.math.normalize import clean
from verifiers.math.parse import parse
from verifiers.math.verifier import DEFAULT_EXTRACT, STRATEGIES, MathVerifier, find_answers

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
