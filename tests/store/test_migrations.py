"""Models and migrations agree; schemas are created, upgraded and refused as documented."""

from __future__ import annotations

import multiprocessing
import sqlite3
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Column, Integer, MetaData, inspect

from m1env.errors import StoreError
from m1env.store import EpisodeStore, current, downgrade, head, make_engine, upgrade
from m1env.store.engine import default_url, resolve_url
from m1env.store.models import Base

TABLES = {
    "tasks",
    "episodes",
    "steps",
    "scores",
    "scoring_jobs",
    "judge_calls",
    "monitor_readings",
}


def diff(url: str, metadata: MetaData) -> list:
    engine = make_engine(url)
    with engine.connect() as conn:
        found = compare_metadata(MigrationContext.configure(conn), metadata)
    engine.dispose()
    return found


def test_models_and_migrations_agree(empty_url: str):
    engine = make_engine(empty_url)
    upgrade(engine)
    assert current(engine) == head()
    assert set(inspect(engine).get_table_names()) >= TABLES
    fks = {fk["name"] for fk in inspect(engine).get_foreign_keys("scoring_jobs")}
    assert "fk_scoring_jobs_result_score_id_scores" in fks or engine.dialect.name == "sqlite"
    engine.dispose()
    assert diff(empty_url, Base.metadata) == []
    # The comparison is not blind: a column the migration lacks shows up.
    changed = MetaData()
    for table in Base.metadata.tables.values():
        table.to_metadata(changed)
    changed.tables["episodes"].append_column(Column("extra", Integer))
    assert [d[0] for d in diff(empty_url, changed)] == ["add_column"]


def test_downgrade_to_base_and_up_again(empty_url: str):
    engine = make_engine(empty_url)
    upgrade(engine)
    downgrade(engine, "base")
    assert current(engine) is None
    assert not TABLES & set(inspect(engine).get_table_names())
    upgrade(engine)
    assert current(engine) == head()
    engine.dispose()
    assert diff(empty_url, Base.metadata) == []


def test_only_a_fresh_sqlite_file_is_migrated_automatically(empty_url: str):
    if empty_url.startswith("sqlite"):
        with EpisodeStore(empty_url) as store:
            assert store.revision == head()
    else:
        with pytest.raises(StoreError, match=r"never been migrated.*m1env db upgrade"):
            EpisodeStore(empty_url)
        with EpisodeStore(empty_url, migrate=True) as store:
            assert store.revision == head()
    engine = make_engine(empty_url)
    downgrade(engine, "base")  # leaves the alembic_version table: no longer fresh
    engine.dispose()
    with pytest.raises(StoreError, match=r"never been migrated.*run `m1env db upgrade`"):
        EpisodeStore(empty_url)


def test_fresh_sqlite_refused_with_migrate_false_and_behind_head(tmp_path: Path):
    url = f"sqlite:///{tmp_path / 'new.db'}"
    with pytest.raises(StoreError, match="never been migrated"):
        EpisodeStore(url, migrate=False)
    EpisodeStore(url).close()
    with sqlite3.connect(tmp_path / "new.db") as conn:
        conn.execute("UPDATE alembic_version SET version_num = '0000'")
    with pytest.raises(StoreError, match="is at revision 0000, this m1env needs 0001"):
        EpisodeStore(url)


def _open(url: str) -> str:
    with EpisodeStore(url) as store:
        store.claim_job("first-use", "math", {})
        return store.revision


def test_processes_opening_one_fresh_file_migrate_it_once(tmp_path: Path):
    url = f"sqlite:///{tmp_path / 'shared.db'}"
    with multiprocessing.get_context("fork").Pool(4) as pool:
        assert pool.map(_open, [url] * 4) == [head()] * 4


def test_default_location_and_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    monkeypatch.delenv("M1ENV_DATABASE_URL", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    assert default_url() == f"sqlite:///{tmp_path / 'xdg' / 'm1env' / 'm1env.db'}"
    with EpisodeStore() as store:  # creates the directory and migrates the new file
        assert store.url == default_url()
    assert (tmp_path / "xdg" / "m1env" / "m1env.db").exists()
    monkeypatch.delenv("XDG_DATA_HOME")
    assert default_url() == f"sqlite:///{Path.home() / '.local/share/m1env/m1env.db'}"
    monkeypatch.setenv("M1ENV_DATABASE_URL", "sqlite:////elsewhere.db")
    assert resolve_url() == "sqlite:////elsewhere.db"
    assert resolve_url("sqlite:////given.db") == "sqlite:////given.db"


def test_bad_urls_are_store_errors():
    with pytest.raises(StoreError, match="unsupported database 'mysql'"):
        EpisodeStore("mysql://u:secret@host/db")
    with pytest.raises(StoreError, match="not a database URL") as info:
        EpisodeStore("not a url")
    assert "secret" not in str(info.value)
    with pytest.raises(StoreError, match=r"cannot open the episode store at .*\*\*\*"):
        EpisodeStore("postgresql+psycopg://u:secret@127.0.0.1:1/none")


def test_sqlite_runs_in_wal_mode_with_a_busy_timeout(tmp_path: Path):
    with EpisodeStore(f"sqlite:///{tmp_path / 'w.db'}") as store, store.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 30_000
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
