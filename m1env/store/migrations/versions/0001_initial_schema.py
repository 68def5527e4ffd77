"""Initial schema: tasks, episodes, steps, scores, scoring jobs, judge calls, monitor readings.

Generated with ``alembic revision --autogenerate`` and rewritten by hand: app types
replaced by their SQL types (so this file never changes when ``types.py`` does), and
the circular foreign key ``scoring_jobs.result_score_id -> scores.id`` created inline
on SQLite (which resolves foreign keys lazily and cannot ``ALTER TABLE ADD
CONSTRAINT``) and added after ``scores`` on PostgreSQL.

Revision ID: 0001
Revises:
Create Date: 2026-11-26
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

RESULT_FK = "fk_scoring_jobs_result_score_id_scores"


def _id() -> sa.Column[int]:
    return sa.Column(
        "id",
        sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
        autoincrement=True,
        nullable=False,
    )


def _ref(name: str, nullable: bool = True) -> sa.Column[int]:
    return sa.Column(name, sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=nullable)


def _json(name: str, nullable: bool = False) -> sa.Column[object]:
    kind = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
    return sa.Column(name, kind, nullable=nullable)


def _time(name: str, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"

    op.create_table(
        "tasks",
        sa.Column("id", sa.String(length=512), nullable=False),
        sa.Column("env", sa.String(length=255), nullable=False),
        _json("prompt"),
        _json("reference", nullable=True),
        _json("metadata"),
        _json("sanitized", nullable=True),
        _time("created_at"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tasks")),
    )
    op.create_index(op.f("ix_tasks_env"), "tasks", ["env"])

    op.create_table(
        "scoring_jobs",
        _id(),
        sa.Column("idempotency_key", sa.String(length=255), nullable=False),
        sa.Column("verifier", sa.String(length=255), nullable=False),
        _json("payload"),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        _ref("result_score_id"),
        _json("sanitized", nullable=True),
        _time("created_at"),
        _time("updated_at"),
        _time("started_at", nullable=True),
        _time("finished_at", nullable=True),
        sa.CheckConstraint(
            "state IN ('queued', 'running', 'done', 'failed')", name=op.f("ck_scoring_jobs_state")
        ),
        sa.CheckConstraint("attempts >= 0", name=op.f("ck_scoring_jobs_attempts")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scoring_jobs")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_scoring_jobs_idempotency_key")),
        *(
            [
                sa.ForeignKeyConstraint(
                    ["result_score_id"], ["scores.id"], name=RESULT_FK, ondelete="SET NULL"
                )
            ]
            if sqlite
            else []
        ),
    )
    op.create_index(
        op.f("ix_scoring_jobs_state_updated_at"), "scoring_jobs", ["state", "updated_at"]
    )

    op.create_table(
        "episodes",
        _id(),
        sa.Column("task_id", sa.String(length=512), nullable=False),
        sa.Column("env", sa.String(length=255), nullable=False),
        sa.Column("run_id", sa.String(length=255), nullable=True),
        sa.Column("policy", sa.String(length=255), nullable=True),
        sa.Column("group_id", sa.String(length=255), nullable=True),
        sa.Column("seed", sa.BigInteger(), nullable=True),
        sa.Column("response", sa.Text(), nullable=False),
        sa.Column("response_chars", sa.Integer(), nullable=False),
        sa.Column("prompt_tokens", sa.Integer(), nullable=True),
        sa.Column("response_tokens", sa.Integer(), nullable=True),
        sa.Column("reward", sa.Float(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=True),
        _json("metadata"),
        _json("sanitized", nullable=True),
        _time("started_at", nullable=True),
        _time("finished_at", nullable=True),
        _time("created_at"),
        sa.CheckConstraint(
            "status IN ('correct', 'incorrect', 'error')", name=op.f("ck_episodes_status")
        ),
        sa.ForeignKeyConstraint(["task_id"], ["tasks.id"], name=op.f("fk_episodes_task_id_tasks")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_episodes")),
    )
    op.create_index(op.f("ix_episodes_env_created_at"), "episodes", ["env", "created_at"])
    op.create_index(op.f("ix_episodes_group_id"), "episodes", ["group_id"])
    op.create_index(op.f("ix_episodes_run_id_env"), "episodes", ["run_id", "env"])
    op.create_index(op.f("ix_episodes_task_id"), "episodes", ["task_id"])

    op.create_table(
        "scores",
        _id(),
        _ref("episode_id"),
        _ref("job_id"),
        sa.Column("verifier", sa.String(length=255), nullable=True),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        _json("details"),
        sa.Column("latency_s", sa.Float(), nullable=True),
        _json("sanitized", nullable=True),
        _time("created_at"),
        sa.CheckConstraint(
            "status IN ('correct', 'incorrect', 'error')", name=op.f("ck_scores_status")
        ),
        sa.CheckConstraint(
            "episode_id IS NOT NULL OR job_id IS NOT NULL", name=op.f("ck_scores_owner")
        ),
        sa.CheckConstraint("score >= 0 AND score <= 1", name=op.f("ck_scores_score_range")),
        sa.ForeignKeyConstraint(
            ["episode_id"],
            ["episodes.id"],
            name=op.f("fk_scores_episode_id_episodes"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["job_id"],
            ["scoring_jobs.id"],
            name=op.f("fk_scores_job_id_scoring_jobs"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scores")),
        sa.UniqueConstraint("job_id", name=op.f("uq_scores_job_id")),
    )
    op.create_index(op.f("ix_scores_episode_id"), "scores", ["episode_id"])
    if not sqlite:
        op.create_foreign_key(
            RESULT_FK, "scoring_jobs", "scores", ["result_score_id"], ["id"], ondelete="SET NULL"
        )

    op.create_table(
        "steps",
        _id(),
        _ref("episode_id", nullable=False),
        sa.Column("turn", sa.Integer(), nullable=False),
        sa.Column("action", sa.Text(), nullable=False),
        sa.Column("observation", sa.Text(), nullable=True),
        sa.Column("role", sa.String(length=32), nullable=True),
        sa.Column("reward", sa.Float(), nullable=True),
        _json("info"),
        _json("sanitized", nullable=True),
        _time("created_at"),
        sa.ForeignKeyConstraint(
            ["episode_id"],
            ["episodes.id"],
            name=op.f("fk_steps_episode_id_episodes"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_steps")),
    )
    op.create_index(op.f("ix_steps_episode_id_turn"), "steps", ["episode_id", "turn"], unique=True)

    op.create_table(
        "judge_calls",
        _id(),
        sa.Column("model", sa.String(length=255), nullable=False),
        sa.Column("template_version", sa.String(length=64), nullable=False),
        sa.Column("prompt_hash", sa.String(length=128), nullable=False),
        _json("request"),
        _json("response", nullable=True),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("latency_s", sa.Float(), nullable=True),
        _ref("episode_id"),
        _ref("job_id"),
        _json("sanitized", nullable=True),
        _time("created_at"),
        sa.ForeignKeyConstraint(
            ["episode_id"],
            ["episodes.id"],
            name=op.f("fk_judge_calls_episode_id_episodes"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["job_id"],
            ["scoring_jobs.id"],
            name=op.f("fk_judge_calls_job_id_scoring_jobs"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_judge_calls")),
    )
    op.create_index(op.f("ix_judge_calls_episode_id"), "judge_calls", ["episode_id"])
    op.create_index(op.f("ix_judge_calls_job_id"), "judge_calls", ["job_id"])
    op.create_index(
        op.f("ix_judge_calls_model_template_version_prompt_hash"),
        "judge_calls",
        ["model", "template_version", "prompt_hash"],
    )

    op.create_table(
        "monitor_readings",
        _id(),
        sa.Column("run_id", sa.String(length=255), nullable=True),
        sa.Column("window_index", sa.Integer(), nullable=False),
        sa.Column("metric", sa.String(length=255), nullable=False),
        sa.Column("value", sa.Float(), nullable=True),
        sa.Column("alarm", sa.Boolean(), nullable=False),
        _json("details"),
        _json("sanitized", nullable=True),
        _time("created_at"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_monitor_readings")),
    )
    op.create_index(
        op.f("ix_monitor_readings_alarm_created_at"), "monitor_readings", ["alarm", "created_at"]
    )
    op.create_index(
        op.f("ix_monitor_readings_run_id_metric_window_index"),
        "monitor_readings",
        ["run_id", "metric", "window_index"],
    )


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        op.drop_constraint(RESULT_FK, "scoring_jobs", type_="foreignkey")
    # Dropping a table drops its indexes; children before parents.
    for table in ("monitor_readings", "judge_calls", "steps", "scores", "episodes"):
        op.drop_table(table)
    op.drop_table("scoring_jobs")
    op.drop_table("tasks")
