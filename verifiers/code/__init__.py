"""``verifiers.code``: competitive-programming verification in the sandbox.

Modules: :mod:`~verifiers.code.extract` (program from a completion),
:mod:`~verifiers.code.formats` (APPS/TACO and CodeContests test data),
:mod:`~verifiers.code.runner` (one sandbox run per test; compile once),
:mod:`~verifiers.code.compare` (output comparison), :mod:`~verifiers.code.checker`
(custom checkers) and :mod:`~verifiers.code.verifier` (the ``code`` verifier).
"""

from verifiers.code.compare import compare_text, compare_values
from verifiers.code.errors import CodeConfigError, CodeVerifierError, ReferenceFormatError
from verifiers.code.extract import canonical_language, fenced_blocks, find_program
from verifiers.code.formats import CheckerSpec, TestCase, TestSuite, parse_reference
from verifiers.code.verifier import CodeConfig, CodeVerifier

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
