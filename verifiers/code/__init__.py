"""``m1env.verifiers.code``: competitive-programming verification in the sandbox.

Modules: :mod:`~m1env.verifiers.code.extract` (program from a completion),
:mod:`~m1env.verifiers.code.formats` (APPS/TACO and CodeContests test data),
:mod:`~m1env.verifiers.code.runner` (one sandbox run per test; compile once),
:mod:`~m1env.verifiers.code.compare` (output comparison), :mod:`~m1env.verifiers.code.checker`
(custom checkers) and :mod:`~m1env.verifiers.code.verifier` (the ``code`` verifier).
"""

from m1env.errors import CodeConfigError, CodeVerifierError, ReferenceFormatError
from m1env.verifiers.code.compare import compare_text, compare_values
from m1env.verifiers.code.extract import canonical_language, fenced_blocks, find_program
from m1env.verifiers.code.formats import CheckerSpec, TestCase, TestSuite, parse_reference
from m1env.verifiers.code.verifier import CodeConfig, CodeVerifier

__all__ = [
    "CheckerSpec",
    "CodeConfig",
    "CodeConfigError",
    "CodeVerifier",
    "CodeVerifierError",
    "ReferenceFormatError",
    "TestCase",
    "TestSuite",
    "canonical_language",
    "compare_text",
    "compare_values",
    "fenced_blocks",
    "find_program",
    "parse_reference",
]
