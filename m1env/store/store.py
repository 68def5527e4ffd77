"""``EpisodeStore``: tasks, episodes, steps and aggregates (jobs and telemetry mixed in).

See the package docstring of :mod:`m1env.store` for what is stored and the rules.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, case, func, insert, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from m1env.env import Turn
from m1env.errors import StoreError, TaskError
from m1env.store.base import ident, integer, number
from m1env.store.jobs import JobsAPI, score_of
from m1env.store.models import EpisodeRow, ScoreRow, StepRow, TaskRow
from m1env.store.records import Accuracy, EpisodeRecord, StepRecord
from m1env.store.sanitize import Report
from m1env.store.telemetry import TelemetryAPI
from m1env.store.types import utcnow
from m1env.task import Task
from m1env.verifiers.score import Score

__all__ = ["GROUP_BY", "EpisodeStore"]

GROUP_BY = {
    "env": EpisodeRow.env,
    "run": EpisodeRow.run_id,
    "policy": EpisodeRow.policy,
    "task": EpisodeRow.task_id,
}


def _when(value: Any, name: str) -> datetime | None:
    if value is None:
        return None
    if not isinstance(value, datetime) or value.tzinfo is None:
        raise StoreError(f"{name} must be a timezone-aware datetime, got {value!r}")
    return value


def _episode_record(row: EpisodeRow) -> EpisodeRecord:
    return EpisodeRecord(
        id=row.id,
        task_id=row.task_id,
        env=row.env,
        run_id=row.run_id,
        policy=row.policy,
        group_id=row.group_id,
        seed=row.seed,
        response=row.response,
        response_chars=row.response_chars,
        prompt_tokens=row.prompt_tokens,
        response_tokens=row.response_tokens,
        reward=row.reward,
        status=row.status,
        metadata=dict(row.meta),
        sanitized=row.sanitized,
        started_at=row.started_at,
        finished_at=row.finished_at,
        created_at=row.created_at,
    )


class EpisodeStore(JobsAPI, TelemetryAPI):
    """The episode store. ``EpisodeStore(url=None, *, migrate=None, max_field_bytes=32 MiB)``.

    ``url`` defaults as :mod:`m1env.store.engine` says; ``migrate`` as
    :mod:`m1env.store.migrate` says. Use it as a context manager or call :meth:`close`.
    It is safe to share one store between threads; each process opens its own.
    """

    # -- tasks ---------------------------------------------------------------------

    def add_task(self, task: Task | Mapping[str, Any]) -> str:
        """Store ``task`` unless already stored; returns its id.

        Adding the same task again is a no-op; a different task under a stored id is a
        :class:`StoreError` (task ids must be stable: procedural ids include the seed).
        """
        with self._tx("add_task") as session:
            added = self._add_task(session, task)
        self._stored_tasks[added.id] = added.to_json()
        return added.id

    def _add_task(self, session: Session, task: Any) -> Task:
        if isinstance(task, Mapping):
            try:
                task = Task.from_dict(dict(task))
            except TaskError as exc:
                raise StoreError(f"not a valid task: {exc}") from exc
        if not isinstance(task, Task):
            raise StoreError(f"expected a Task, got {type(task).__name__}")
        # Rollouts record the same task G times: skip the round trips once this store
        # has seen the identical task stored (a changed task still goes to the check).
        if self._stored_tasks.get(task.id) == task.to_json():
            return task
        report = Report()
        values = {
            "id": ident(task.id, "task.id", max_chars=512),
            "env": ident(task.env, "task.env"),
            "prompt": self._json(task.prompt, "prompt", report),
            "reference": self._json(task.reference, "reference", report),
            "metadata": self._json(task.metadata, "metadata", report),
        }
        insert = sqlite_insert if session.get_bind().dialect.name == "sqlite" else pg_insert
        row = {**values, "sanitized": report.as_json()}
        stmt = insert(cast(Table, TaskRow.__table__)).values(**row, created_at=utcnow())
        session.execute(stmt.on_conflict_do_nothing(index_elements=["id"]))
        stored = session.get(TaskRow, task.id)
        assert stored is not None
        same = (stored.env, stored.prompt, stored.reference, stored.meta) == (
            row["env"],
            row["prompt"],
            row["reference"],
            row["metadata"],
        )
        if not same:
            raise StoreError(
                f"task {task.id!r} is already stored with different content; "
                "a changed task needs a new id"
            )
        return task

    def get_task(self, task_id: str) -> Task | None:
        with self._tx("get_task", write=False) as session:
            row = session.get(TaskRow, ident(task_id, "task_id", max_chars=512))
            if row is None:
                return None
            return Task(row.id, row.env, row.prompt, row.reference, dict(row.meta))

    # -- episodes ------------------------------------------------------------------

    def record_episode(
        self,
        task: Task | Mapping[str, Any] | str,
        response: str,
        score: Score | None = None,
        *,
        run_id: str | None = None,
        policy: str | None = None,
        group_id: str | None = None,
        seed: int | None = None,
        prompt_tokens: int | None = None,
        response_tokens: int | None = None,
        verifier: str | None = None,
        latency_s: float | None = None,
        started_at: datetime | None = None,
        finished_at: datetime | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> int:
        """Store one episode (and its Score, if scored); returns the episode id.

        ``task`` is a Task (stored first if new) or the id of a stored one. The Score
        becomes a ``scores`` row and the episode's ``reward`` and ``status``.
        """
        if score is not None and not isinstance(score, Score):
            raise StoreError(f"score must be a Score or None, got {type(score).__name__}")
        if metadata is not None and not isinstance(metadata, dict):
            raise StoreError(f"metadata must be a dict, got {type(metadata).__name__}")
        report = Report()
        text = self._text(response, "response", report)
        # Core inserts, not the ORM unit of work: this is the trainer's hot path.
        row: dict[str, Any] = {
            "run_id": ident(run_id, "run_id", nullable=True),
            "policy": ident(policy, "policy", nullable=True),
            "group_id": ident(group_id, "group_id", nullable=True),
            "seed": integer(seed, "seed"),
            "response": text,
            "response_chars": len(response),
            "prompt_tokens": integer(prompt_tokens, "prompt_tokens", kind="int32"),
            "response_tokens": integer(response_tokens, "response_tokens", kind="int32"),
            "reward": None if score is None else score.score,
            "status": None if score is None else score.status,
            "metadata": self._json(metadata or {}, "metadata", report),
            "started_at": _when(started_at, "started_at"),
            "finished_at": _when(finished_at, "finished_at"),
            "created_at": utcnow(),
        }
        score_row = None
        if score is not None:
            score_report = Report()
            score_row = {
                "verifier": ident(verifier, "verifier", nullable=True),
                "score": score.score,
                "status": score.status,
                "reason": self._text(score.reason, "reason", score_report),
                "details": self._json(score.details, "details", score_report),
                "latency_s": number(latency_s, "latency_s"),
                "sanitized": score_report.as_json(),
                "created_at": row["created_at"],
            }
        row["sanitized"] = report.as_json()
        added = None
        with self._tx("record_episode") as session:
            if isinstance(task, str):
                stored = session.get(TaskRow, ident(task, "task", max_chars=512))
                if stored is None:
                    raise StoreError(f"record_episode: no stored task {task!r}; pass the Task")
                row["task_id"], row["env"] = stored.id, stored.env
            else:
                added = self._add_task(session, task)
                row["task_id"], row["env"] = added.id, added.env
            episodes, scores = (cast(Table, m.__table__) for m in (EpisodeRow, ScoreRow))
            episode_id: int = session.execute(
                insert(episodes).values(**row).returning(episodes.c.id)
            ).scalar_one()
            if score_row is not None:
                session.execute(insert(scores).values(episode_id=episode_id, **score_row))
        if added is not None:  # committed: later episodes of this task skip the check
            self._stored_tasks[added.id] = added.to_json()
        return episode_id

    def record_steps(self, episode_id: int, steps: Iterable[Any]) -> int:
        """Append turns of a multi-turn episode; returns how many were stored.

        Each step is a mapping ``{"action", "observation"?, "reward"?, "role"?,
        "info"?, "turn"?}`` or a pair ``(action, Turn)``. Turns are numbered on from
        the last stored one unless given; a turn number stored twice is an error.
        """
        episode_id = integer(episode_id, "episode_id", nullable=False)
        with self._tx(f"record_steps({episode_id})") as session:
            if session.get(EpisodeRow, episode_id) is None:
                raise StoreError(f"record_steps: no episode with id {episode_id}")
            last = session.execute(
                select(func.max(StepRow.turn)).where(StepRow.episode_id == episode_id)
            ).scalar_one()
            turn = -1 if last is None else last
            count = 0
            for i, step in enumerate(steps):
                item = self._step(step, f"steps[{i}]")
                turn = item.pop("turn") if item.get("turn") is not None else turn + 1
                item.pop("turn", None)
                session.add(StepRow(episode_id=episode_id, turn=turn, **item))
                count += 1
            session.flush()
            return count

    def _step(self, step: Any, path: str) -> dict[str, Any]:
        if isinstance(step, tuple) and len(step) == 2 and isinstance(step[1], Turn):
            action, result = step
            info = dict(result.info)
            if result.score is not None:
                info["score"] = result.score.to_dict()
            step = {
                "action": action,
                "observation": result.observation,
                "role": result.role,
                "reward": result.score.score if result.score is not None else None,
                "info": info,
            }
        if not isinstance(step, Mapping):
            raise StoreError(
                f"{path} must be a mapping or (action, Turn), got {type(step).__name__}"
            )
        unknown = set(step) - {"action", "observation", "reward", "role", "info", "turn"}
        if unknown:
            raise StoreError(f"{path} has unknown fields {sorted(unknown)}")
        if step.get("info") is not None and not isinstance(step["info"], dict):
            raise StoreError(f"{path}.info must be a dict")
        report = Report()
        item = {
            "action": self._text(step.get("action"), f"{path}.action", report),
            "observation": self._text(
                step.get("observation"), f"{path}.observation", report, nullable=True
            ),
            "role": ident(step.get("role"), f"{path}.role", max_chars=32, nullable=True),
            "reward": number(step.get("reward"), f"{path}.reward"),
            "info": self._json(step.get("info") or {}, f"{path}.info", report),
            "turn": integer(step.get("turn"), f"{path}.turn", kind="int32"),
        }
        item["sanitized"] = report.as_json()
        return item

    def episode(self, episode_id: int) -> EpisodeRecord | None:
        episode_id = integer(episode_id, "episode_id", nullable=False)
        with self._tx("episode", write=False) as session:
            row = session.get(EpisodeRow, episode_id)
            return _episode_record(row) if row is not None else None

    def episodes(
        self,
        *,
        run_id: str | None = None,
        env: str | None = None,
        task_id: str | None = None,
        policy: str | None = None,
        status: str | None = None,
        limit: int | None = None,
        offset: int = 0,
    ) -> list[EpisodeRecord]:
        """Stored episodes matching every given filter, in the order they were stored."""
        query = select(EpisodeRow).order_by(EpisodeRow.id)
        filters = {"run_id": run_id, "env": env, "task_id": task_id, "policy": policy}
        for name, value in filters.items():
            if value is not None:
                query = query.where(getattr(EpisodeRow, name) == ident(value, name, max_chars=512))
        if status is not None:
            query = query.where(EpisodeRow.status == ident(status, "status"))
        if limit is not None:
            query = query.limit(integer(limit, "limit", kind="int32"))
        query = query.offset(integer(offset, "offset", kind="int32", nullable=False))
        with self._tx("episodes", write=False) as session:
            return [_episode_record(r) for r in session.execute(query).scalars()]

    def steps(self, episode_id: int) -> list[StepRecord]:
        episode_id = integer(episode_id, "episode_id", nullable=False)
        query = select(StepRow).where(StepRow.episode_id == episode_id).order_by(StepRow.turn)
        with self._tx("steps", write=False) as session:
            return [
                StepRecord(
                    episode_id=r.episode_id,
                    turn=r.turn,
                    action=r.action,
                    observation=r.observation,
                    role=r.role,
                    reward=r.reward,
                    info=dict(r.info),
                    sanitized=r.sanitized,
                )
                for r in session.execute(query).scalars()
            ]

    def scores(self, episode_id: int) -> list[Score]:
        """Every Score stored for an episode, oldest first."""
        episode_id = integer(episode_id, "episode_id", nullable=False)
        query = select(ScoreRow).where(ScoreRow.episode_id == episode_id).order_by(ScoreRow.id)
        with self._tx("scores", write=False) as session:
            return [score_of(r) for r in session.execute(query).scalars()]

    # -- aggregates ----------------------------------------------------------------

    def accuracy(
        self, by: str = "env", *, run_id: str | None = None, env: str | None = None
    ) -> list[Accuracy]:
        """Outcome counts per ``env``, ``run``, ``policy`` or ``task`` (see Accuracy)."""
        if by not in GROUP_BY:
            raise StoreError(f"accuracy(by=...) must be one of {sorted(GROUP_BY)}, got {by!r}")
        column = GROUP_BY[by]

        def count(status: str) -> Any:
            return func.coalesce(func.sum(case((EpisodeRow.status == status, 1), else_=0)), 0)

        query = (
            select(
                column,
                func.count(EpisodeRow.id),
                count("correct"),
                count("incorrect"),
                count("error"),
                func.avg(EpisodeRow.reward),
                func.avg(EpisodeRow.response_chars),
            )
            .group_by(column)
            .order_by(column)
        )
        if run_id is not None:
            query = query.where(EpisodeRow.run_id == ident(run_id, "run_id"))
        if env is not None:
            query = query.where(EpisodeRow.env == ident(env, "env"))
        with self._tx("accuracy", write=False) as session:
            return [
                Accuracy(
                    key=key,
                    episodes=int(n),
                    correct=int(c),
                    incorrect=int(i),
                    errors=int(e),
                    mean_reward=None if reward is None else float(reward),
                    mean_response_chars=None if chars is None else float(chars),
                )
                for key, n, c, i, e, reward, chars in session.execute(query)
            ]
