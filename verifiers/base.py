"""The Verifier base class: ``verify(response, reference, **options) -> Score``.

Subclasses implement :meth:`Verifier.check`, a pure function of its arguments that may
raise or run forever on hostile input. :meth:`Verifier.verify` is the safe entry point:
it normalises the response text, runs ``check`` in a killable worker process (see
:mod:`m1env.verifiers.pool`) and turns every failure into a ``Score`` -- a time limit or a
crashed worker is status ``error`` with a reason, never an exception, a hang or a
silent 0. It is safe to call from threads, asyncio (``averify``) and Celery tasks.

The reference is trusted (it comes from the task) and the response is not (it comes
from the policy): verifiers may assume a well-formed reference but must treat every
byte of the response as adversarial.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any, ClassVar

from m1env.errors import RemoteError, TimeLimitExceeded, WorkerCrashed
from m1env.verifiers.pool import WorkerPool, default_pool
from m1env.verifiers.score import Score

__all__ = ["Verifier", "as_text"]


def as_text(value: Any) -> str:
    """The response as valid Unicode text.

    Bytes are decoded as UTF-8 with replacement characters; lone surrogates (which
    JSON allows and UTF-8 does not) become U+FFFD, so the text can be stored, sent and
    encoded anywhere downstream. Anything else is a caller error.
    """
    if isinstance(value, bytes | bytearray):
        return bytes(value).decode("utf-8", errors="replace")
    if not isinstance(value, str):
        raise TypeError(f"response must be str or bytes, got {type(value).__name__}")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        value = value.encode("utf-8", errors="surrogatepass").decode("utf-8", errors="replace")
    return value


def _run_check(verifier: Verifier, response: str, reference: Any, options: dict[str, Any]) -> Score:
    return verifier.check(response, reference, **options)


class Verifier(ABC):
    """Scores a response against a reference.

    Class attributes: ``name`` (the registry name, e.g. ``math`` or ``logic/sudoku``),
    ``description``, ``isolate`` (run ``check`` in the worker pool; verifiers that
    already isolate their work, such as sandboxed code runners, set it to False) and
    ``timeout`` (seconds, overridable per call with ``timeout=``).

    Instances must be picklable: they travel to worker processes and Celery tasks.
    """

    name: ClassVar[str] = ""
    description: ClassVar[str] = ""
    isolate: ClassVar[bool] = True
    timeout: float = 10.0

    @abstractmethod
    def check(self, response: str, reference: Any, *args: Any, **options: Any) -> Score:
        """Score ``response`` against ``reference``. May raise; ``verify`` catches it."""

    def validate_options(self, options: dict[str, Any]) -> dict[str, Any]:
        """Return the options to pass to ``check``; raise ``ValueError`` on bad ones."""
        return options

    def verify(
        self,
        response: Any,
        reference: Any,
        *,
        timeout: float | None = None,
        pool: WorkerPool | None = None,
        **options: Any,
    ) -> Score:
        """Score a response. Never raises for bad input; see the module docstring."""
        limit = self.timeout if timeout is None else float(timeout)
        try:
            text = as_text(response)
            options = self.validate_options(dict(options))
            if limit <= 0:
                raise ValueError(f"timeout must be positive, got {limit}")
        except (TypeError, ValueError) as exc:
            return Score.error(f"bad input: {exc}")
        try:
            if self.isolate:
                score = (pool or default_pool()).call(
                    _run_check, self, text, reference, options, timeout=limit
                )
            else:
                score = self.check(text, reference, **options)
        except TimeLimitExceeded:
            return Score.error(f"verification exceeded its {limit:g}s time limit", timed_out=True)
        except WorkerCrashed as exc:
            return Score.error(f"verifier worker crashed: {exc}")
        except RemoteError as exc:
            return Score.error(f"verifier raised {exc}", traceback=exc.traceback)
        except Exception as exc:
            return Score.error(f"verifier raised {type(exc).__name__}: {exc}")
        if not isinstance(score, Score):
            return Score.error(f"verifier returned {type(score).__name__}, not a Score")
        return score

    async def averify(self, response: Any, reference: Any, **options: Any) -> Score:
        """``verify`` for asyncio code; the event loop is never blocked."""
        import asyncio

        return await asyncio.to_thread(self.verify, response, reference, **options)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name!r}>"
