"""Every environment variable m1env reads, declared once.

Code never calls ``os.environ`` for one of these; it asks the :class:`Setting` here, so each
variable has one name, one parser and one sentence of documentation
(``tests/test_settings.py`` holds the rest of the code to that). This module imports nothing
of ours, so every tier, the sandbox included, can use it.

==============================  ==========================================================
variable                        meaning
==============================  ==========================================================
``M1ENV_DATABASE_URL``          SQLAlchemy URL of the episode/job store (default: SQLite
                                under ``$XDG_DATA_HOME/m1env``)
``M1ENV_BROKER_URL``            Celery broker of the queue (``redis://...``)
``M1ENV_MAX_ATTEMPTS``          deliveries of one scoring job before it ends as ``error``
``M1ENV_API_KEYS``              keys the scoring service accepts (comma-separated)
``M1ENV_ALLOWED_HOSTS``         Host/Origin names the scoring service answers besides
                                the loopback ones (comma-separated; ``*``: any)
``M1ENV_API_KEY``               the key the trainer adapters (verl, TRL) send
``M1ENV_SCORING_URL``           the scoring service the trainer adapters call
``M1ENV_VERIFY_WORKERS``        size of the process-wide verifier pool (default: CPUs)
``M1ENV_JUDGE_URL``             OpenAI-compatible base URL of the judge (``.../v1``)
``M1ENV_JUDGE_MODEL``           the judge's model name
``M1ENV_JUDGE_API_KEY``         the judge server's API key
``M1ENV_JUDGE_CACHE``           SQLite file caching judge verdicts
``M1ENV_JUDGE_TEMPLATE``        the pointwise prompt template
``M1ENV_SANDBOX_BACKEND``       force a sandbox backend (``bwrap``, ``docker``, ``process``)
``M1ENV_ALLOW_UNSANDBOXED``     ``1``: the ``process`` backend, when named, may run code
                                unisolated (otherwise it is refused)
``M1ENV_SANDBOX_MAX_JOBS``      sandbox jobs run at once in one process (default: CPUs)
``M1ENV_SANDBOX_UID``           uid jobs run as when the worker is root (default 65534)
``M1ENV_SANDBOX_TMP``           where job work dirs live (default: /dev/shm)
``M1ENV_SANDBOX_IMAGE``         the Docker backend's base image
``M1ENV_SANDBOX_DOCKER_POOL``   warm containers kept per shape by the Docker backend
``M1ENV_SWE_CACHE``             where per-task SWE venvs are built
``M1ENV_SWE_WHEELS``            a local wheel directory for offline SWE venv builds
``XDG_DATA_HOME``               base of the default SQLite store (the XDG convention)
``WORLD_SIZE``, ``LOCAL_RANK``  set by ``torchrun``: the trainer's process group
==============================  ==========================================================
"""

from __future__ import annotations

import os
from dataclasses import dataclass

__all__ = ["SETTINGS", "Setting"]


@dataclass(frozen=True)
class Setting:
    """One environment variable: ``get()`` is its value with blanks meaning unset.

    A setting has no default of its own: the caller's config (or the one line that reads
    it) holds the fallback, so each default stands in one place.
    """

    name: str
    doc: str

    def get(self) -> str | None:
        """The value, stripped; None when unset or only whitespace."""
        return os.environ.get(self.name, "").strip() or None

    def get_int(self, *, minimum: int | None = None) -> int | None:
        """The value as an integer; a :class:`ValueError` names the variable when it is not."""
        raw = self.get()
        if raw is None:
            return None
        try:
            value = int(raw)
        except ValueError:
            raise ValueError(f"{self.name} must be an integer, got {raw!r}") from None
        if minimum is not None and value < minimum:
            raise ValueError(f"{self.name} must be at least {minimum}, got {value}")
        return value

    def get_list(self) -> list[str]:
        """A comma-separated value as its non-empty items."""
        return [item.strip() for item in (self.get() or "").split(",") if item.strip()]


DATABASE_URL = Setting("M1ENV_DATABASE_URL", "SQLAlchemy URL of the episode and job store")
BROKER_URL = Setting("M1ENV_BROKER_URL", "Celery broker URL of the queue")
MAX_ATTEMPTS = Setting("M1ENV_MAX_ATTEMPTS", "deliveries of one scoring job before it fails")
API_KEYS = Setting("M1ENV_API_KEYS", "API keys the scoring service accepts, comma-separated")
ALLOWED_HOSTS = Setting(
    "M1ENV_ALLOWED_HOSTS", "Host names the scoring service answers, comma-separated"
)
API_KEY = Setting("M1ENV_API_KEY", "API key the trainer adapters send to the scoring service")
SCORING_URL = Setting("M1ENV_SCORING_URL", "URL of the scoring service the adapters call")
VERIFY_WORKERS = Setting("M1ENV_VERIFY_WORKERS", "size of the process-wide verifier pool")
JUDGE_URL = Setting("M1ENV_JUDGE_URL", "OpenAI-compatible base URL of the judge")
JUDGE_MODEL = Setting("M1ENV_JUDGE_MODEL", "model name of the judge")
JUDGE_API_KEY = Setting("M1ENV_JUDGE_API_KEY", "API key of the judge server")
JUDGE_CACHE = Setting("M1ENV_JUDGE_CACHE", "SQLite file caching judge verdicts")
JUDGE_TEMPLATE = Setting("M1ENV_JUDGE_TEMPLATE", "pointwise prompt template of the judge")
SANDBOX_BACKEND = Setting("M1ENV_SANDBOX_BACKEND", "sandbox backend to use instead of choosing")
ALLOW_UNSANDBOXED = Setting(
    "M1ENV_ALLOW_UNSANDBOXED", "1 lets the named process backend run code with no isolation"
)
SANDBOX_MAX_JOBS = Setting("M1ENV_SANDBOX_MAX_JOBS", "sandbox jobs run at once in one process")
SANDBOX_UID = Setting("M1ENV_SANDBOX_UID", "uid sandbox jobs run as under a root worker")
SANDBOX_TMP = Setting("M1ENV_SANDBOX_TMP", "directory holding sandbox work dirs")
SANDBOX_IMAGE = Setting("M1ENV_SANDBOX_IMAGE", "base image of the Docker sandbox backend")
SANDBOX_DOCKER_POOL = Setting("M1ENV_SANDBOX_DOCKER_POOL", "warm containers per job shape")
SWE_CACHE = Setting("M1ENV_SWE_CACHE", "directory of the per-task SWE venvs")
SWE_WHEELS = Setting("M1ENV_SWE_WHEELS", "local wheel directory for offline SWE venv builds")
XDG_DATA_HOME = Setting("XDG_DATA_HOME", "base directory of user data (XDG)")
WORLD_SIZE = Setting("WORLD_SIZE", "processes in the training run (set by torchrun)")
LOCAL_RANK = Setting("LOCAL_RANK", "this process's GPU on its host (set by torchrun)")

SETTINGS: tuple[Setting, ...] = tuple(v for v in list(globals().values()) if isinstance(v, Setting))
