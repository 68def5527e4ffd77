"""Verifiers used by the service and queue tests (registered on import)."""

from __future__ import annotations

import os
import signal
import time
from typing import Any

from m1env.verifiers import Score, Verifier, register_verifier

__all__ = ["EchoSleep", "Poison"]


class EchoSleep(Verifier):
    """Correct when the response equals ``reference["answer"]``; sleeps ``reference["ms"]``."""

    name = "test/sleepy"
    description = "test: sleep, then compare"
    isolate = True
    timeout = 30.0

    def check(self, response: str, reference: Any, *args: Any, **options: Any) -> Score:
        time.sleep(float(reference.get("ms", 0)) / 1000)
        if response == str(reference["answer"]):
            return Score.correct(pid=os.getpid())
        return Score.incorrect("differs", pid=os.getpid())


class Poison(Verifier):
    """Kills the process that runs it (not isolated: that is the Celery worker itself)."""

    name = "test/poison"
    description = "test: SIGKILL the calling process"
    isolate = False

    def check(self, response: str, reference: Any, *args: Any, **options: Any) -> Score:
        os.kill(os.getpid(), signal.SIGKILL)
        raise AssertionError("unreachable")


class Quick(Verifier):
    """Not isolated, sleeps ``reference["ms"]`` in the calling process, then compares."""

    name = "test/quick"
    description = "test: in-process sleep, then compare"
    isolate = False

    def check(self, response: str, reference: Any, *args: Any, **options: Any) -> Score:
        time.sleep(float(reference.get("ms", 0)) / 1000)
        if response == str(reference["answer"]):
            return Score.correct()
        return Score.incorrect("differs")


for _cls in (EchoSleep, Poison, Quick):
    register_verifier(_cls.name, _cls, replace=True)
