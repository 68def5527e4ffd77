"""The episode store: everything m1env learns, kept in SQL (SQLite or PostgreSQL).

What is stored (tables, see ``models.py``)
    ``tasks`` (the Task contract: id, env, prompt, reference, metadata), ``episodes``
    (task, env, policy, run id, group id, seed, response, its length in characters and
    tokens, reward and status of its primary Score, timestamps, metadata), ``steps``
    (turns of multi-turn episodes: action, observation, role, reward, info),
    ``scores`` (a Score of an episode or of a scoring job: score, status
    ``correct|incorrect|error``, reason, details, verifier, latency),
    ``scoring_jobs`` (idempotency key, verifier, payload, state
    ``queued|running|done|failed``, attempt counter, last error, result score),
    ``judge_calls`` (model, template version, prompt hash, request and response,
    status, latency) and ``monitor_readings`` (run, window, metric, value, alarm flag,
    details).

Where (``engine.py``)
    ``EpisodeStore(url)``, else ``$M1ENV_DATABASE_URL``, else the SQLite file
    ``$XDG_DATA_HOME/m1env/m1env.db`` (``~/.local/share/m1env/m1env.db``). SQLite runs
    in WAL mode with a 30 s busy timeout; PostgreSQL (``postgresql+psycopg://...``,
    ``pip install 'm1env[postgres]'``) with ``pool_pre_ping``. One store may be
    shared by threads; a forked child (Celery prefork) drops the inherited connections
    and opens its own. ``sqlite://`` (in memory) is for single-threaded tests.

Schema versions (``migrate.py``, ``migrations/``)
    Alembic revisions ship inside the package. A SQLite database with no tables (a new
    file) is upgraded to the newest revision automatically on first use, once even
    when several processes open it at the same moment. Every other database must be
    migrated explicitly with ``m1env db upgrade`` (``EpisodeStore`` says so when it is
    behind); ``m1env db current`` shows where it stands.

Exactly once (``jobs.py``)
    One job per idempotency key (unique constraint, insert-on-conflict-do-nothing);
    one score per job (unique ``scores.job_id`` plus a row lock while finishing): a
    redelivered or concurrently finished job never writes a second score, and every
    finisher gets the same score id back. Attempts are counted atomically in SQL. The
    job state machine lives here alone: the queue claims, starts, polls and sweeps jobs
    only through these methods (``claim_jobs``, ``start_attempts``, ``job_scores``,
    ``unfinished_jobs``, ``stale_jobs``, ``touch_jobs``), never with SQL of its own.

Text and input policy (``sanitize.py``, ``base.py``)
    Any Unicode is stored exactly, except the two things neither backend can hold the
    same way: NUL (U+0000) and lone surrogates become U+FFFD in free text and in JSON
    (keys and values), and the row's ``sanitized`` column records how many were
    replaced in which field; NaN and infinities inside JSON become the strings
    ``"NaN"``/``"Infinity"``/``"-Infinity"`` (also recorded). Identifiers (ids, keys,
    names) containing NUL or a lone surrogate, wrong types, non-finite numbers in
    numeric columns, non-JSON values, and any field over ``max_field_bytes``
    (32 MiB by default) raise :class:`~m1env.errors.StoreError` with the field named:
    nothing is truncated or dropped silently. Every failure of the store is a
    ``StoreError``.
"""

from m1env.errors import StoreError
from m1env.store.engine import ENV_VAR, default_url, make_engine, resolve_url
from m1env.store.migrate import current, downgrade, head, upgrade
from m1env.store.records import (
    Accuracy,
    Completion,
    EpisodeRecord,
    JobOutcome,
    JobRecord,
    OpenJob,
    ReadingRecord,
    StartedJob,
    StepRecord,
)
from m1env.store.store import EpisodeStore

__all__ = [
    "ENV_VAR",
    "Accuracy",
    "Completion",
    "EpisodeRecord",
    "EpisodeStore",
    "JobOutcome",
    "JobRecord",
    "OpenJob",
    "ReadingRecord",
    "StartedJob",
    "StepRecord",
    "StoreError",
    "current",
    "default_url",
    "downgrade",
    "head",
    "make_engine",
    "resolve_url",
    "upgrade",
]
