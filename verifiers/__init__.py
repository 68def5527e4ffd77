"""Rule-based scorers: ``verify(response, reference, **options) -> Score``.

This package depends only on :mod:`sandbox` (for code) and never on :mod:`m1env`, so
a trainer can use it as a plain library.
"""

from m1env.errors import (
    DuplicateVerifierError,
    RemoteError,
    TimeLimitExceeded,
    UnknownVerifierError,
    VerifierConfigError,
    VerifierError,
    WorkerCrashed,
    WorkerError,
)
from m1env.verifiers.base import Verifier, as_text
from m1env.verifiers.pool import WorkerPool, default_pool, set_default_pool
from m1env.verifiers.registry import (
    ENTRY_POINT_GROUP,
    get_verifier,
    register_verifier,
    unregister_verifier,
    verifier_names,
    verify,
)
from m1env.verifiers.score import STATUSES, Score, Status

__all__ = [
    "ENTRY_POINT_GROUP",
    "STATUSES",
    "DuplicateVerifierError",
    "RemoteError",
    "Score",
    "Status",
    "TimeLimitExceeded",
    "UnknownVerifierError",
    "Verifier",
    "VerifierConfigError",
    "VerifierError",
    "WorkerCrashed",
    "WorkerError",
    "WorkerPool",
    "as_text",
    "default_pool",
    "get_verifier",
    "register_verifier",
    "set_default_pool",
    "unregister_verifier",
    "verifier_names",
    "verify",
]
