"""The store API on each backend (SQLite by default; PostgreSQL with -m postgres)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.exc import IntegrityError

from m1env.env import Turn
from m1env.errors import StoreError
from m1env.store import EpisodeStore
from m1env.store.models import EpisodeRow, ScoreRow
from m1env.task import Task, user_prompt
from m1env.verifiers.score import Score

R = "\ufffd"
TASK = Task("math/1", "m1env/Math-v0", user_prompt("What is 2+2?"), 4, {"difficulty": 1, "seed": 7})
# Everything here is valid Unicode that a database might mangle: astral planes,
# noncharacters, controls, line separators, RTL, combining marks, a real U+FFFD.
TRICKY = [
    "😀 \U0001f469\u200d\U0001f4bb",
    "中文 日本語 한국어",
    "עברית \u202e العربية",
    "e\u0301 \u00e9",
    "\uffff \ufffe \U0010ffff \ufffd",
    "".join(chr(c) for c in range(1, 32)) + "\x7f",
    "\u2028\u2029 \\u0000 \\x00",
    "",
]


def count(url: str, model: type) -> int:
    engine = create_engine(url)
    with engine.connect() as conn:
        n = conn.execute(select(func.count()).select_from(model)).scalar_one()
    engine.dispose()
    return int(n)


def test_tasks_are_added_once_and_conflicts_refused(store: EpisodeStore):
    assert store.add_task(TASK) == "math/1"
    assert store.add_task(TASK.to_dict()) == "math/1"  # same content: a no-op
    assert store.get_task("math/1") == TASK
    assert store.get_task("nope") is None
    changed = Task("math/1", "m1env/Math-v0", user_prompt("What is 2+3?"), 5)
    with pytest.raises(StoreError, match="already stored with different content"):
        store.add_task(changed)
    with pytest.raises(StoreError, match="not a valid task"):
        store.add_task({"id": "x"})
    with pytest.raises(StoreError, match="expected a Task"):
        store.add_task("math/1")  # type: ignore[arg-type]


def test_episode_round_trip(store: EpisodeStore):
    start = datetime(2026, 1, 1, 12, tzinfo=UTC)
    score = Score.correct("matched", answer="4")
    eid = store.record_episode(
        TASK,
        "<answer>4</answer>",
        score,
        run_id="run-a",
        policy="tiny",
        group_id="g0",
        seed=2**62,
        prompt_tokens=12,
        response_tokens=5,
        verifier="math",
        latency_s=0.01,
        started_at=start,
        finished_at=start + timedelta(seconds=2),
        metadata={"step": 3},
    )
    ep = store.episode(eid)
    assert ep is not None
    assert (ep.task_id, ep.env, ep.run_id, ep.policy, ep.group_id) == (
        "math/1",
        "m1env/Math-v0",
        "run-a",
        "tiny",
        "g0",
    )
    assert (ep.seed, ep.prompt_tokens, ep.response_tokens) == (2**62, 12, 5)
    assert (ep.reward, ep.status, ep.response_chars) == (1.0, "correct", 18)
    assert ep.started_at == start and ep.finished_at == start + timedelta(seconds=2)
    assert ep.created_at.tzinfo is not None and ep.sanitized is None
    assert ep.metadata == {"step": 3}
    assert store.scores(eid) == [score]
    # By task id once the task is stored; an unscored episode has no reward.
    second = store.record_episode("math/1", "no idea", None, run_id="run-a")
    assert store.episode(second).reward is None  # type: ignore[union-attr]
    assert store.scores(second) == []
    with pytest.raises(StoreError, match="no stored task 'math/404'"):
        store.record_episode("math/404", "x")
    assert store.episode(10**9) is None


def test_any_valid_unicode_round_trips_exactly(store: EpisodeStore):
    for i, text_ in enumerate(TRICKY):
        task = Task(
            f"u/{i}", "m1env/U-v0", user_prompt(text_ or "empty"), {text_: [text_]}, {"k": text_}
        )
        eid = store.record_episode(
            task, text_, Score.incorrect(text_, note=text_), metadata={text_: text_}
        )
        ep = store.episode(eid)
        assert ep is not None
        assert ep.response == text_ and ep.metadata == {text_: text_} and ep.sanitized is None
        assert store.scores(eid) == [Score.incorrect(text_, note=text_)]
        assert store.get_task(f"u/{i}") == task
    store.record_steps(eid, [{"action": t, "observation": t, "info": {t: t}} for t in TRICKY])
    assert [s.action for s in store.steps(eid)] == TRICKY


def test_nul_and_surrogates_are_replaced_and_recorded_the_same_on_every_backend(
    store: EpisodeStore,
):
    response = "a\x00b\ud800c 😀"
    score = Score.incorrect("why\x00", trace=["\x00\x00", "\udc80ok"], **{"k\x00": 1})
    eid = store.record_episode(TASK, response, score, metadata={"m": "\x00"})
    ep = store.episode(eid)
    assert ep is not None
    assert ep.response == f"a{R}b{R}c 😀"
    assert ep.response_chars == len(response)
    assert ep.metadata == {"m": R}
    assert ep.sanitized == {"response": {"nul": 1, "surrogate": 1}, "metadata.m": {"nul": 1}}
    (stored,) = store.scores(eid)
    assert stored.reason == f"why{R}"
    assert stored.details == {"trace": [R + R, f"{R}ok"], f"k{R}": 1}
    # Steps and tasks follow the same policy.
    store.record_steps(eid, [{"action": "x\x00", "observation": "\ud800"}])
    (step,) = store.steps(eid)
    assert (step.action, step.observation) == (f"x{R}", R)
    assert step.sanitized == {
        "steps[0].action": {"nul": 1},
        "steps[0].observation": {"surrogate": 1},
    }
    store.add_task(Task("nul/1", "m1env/Math-v0", user_prompt("q\x00"), "r\x00"))
    assert store.get_task("nul/1") == Task("nul/1", "m1env/Math-v0", user_prompt(f"q{R}"), f"r{R}")


def test_identifiers_with_nul_are_refused_not_rewritten(store: EpisodeStore):
    bad: list[dict[str, Any]] = [{"run_id": "r\x00"}, {"policy": "\ud800"}, {"group_id": ""}]
    for kwargs in bad:
        with pytest.raises(StoreError, match=r"run_id|policy|group_id"):
            store.record_episode(TASK, "x", **kwargs)
    with pytest.raises(StoreError, match=r"task.id contains a NUL"):
        store.add_task(Task("t\x00", "m1env/Math-v0", user_prompt("q"), 1))
    with pytest.raises(StoreError, match="longer than 255"):
        store.record_episode(TASK, "x", run_id="r" * 256)


def test_bad_input_is_refused_with_a_clear_error_and_writes_nothing(
    store: EpisodeStore, db_url: str
):
    cases: list[tuple[dict[str, Any], str]] = [
        ({"response": 42}, "response must be a str, got int"),
        ({"response": b"bytes"}, "response must be a str, got bytes"),
        ({"score": {"score": 1}}, "score must be a Score"),
        ({"seed": "7"}, "seed must be an int, got str"),
        ({"seed": True}, "seed must be an int, got bool"),
        ({"seed": 2**64}, r"seed must lie in"),
        ({"response_tokens": -1}, r"response_tokens must lie in"),
        ({"latency_s": float("nan"), "score": Score.correct()}, "latency_s must be finite"),
        ({"metadata": ["not", "a", "dict"]}, "metadata must be a dict"),
        ({"metadata": {"s": {1, 2}}}, "metadata.s: set is not JSON-serialisable"),
        ({"started_at": datetime(2026, 1, 1)}, "timezone-aware"),
        ({"score": Score.correct(blob=b"\x00")}, "details.blob: bytes"),
    ]
    for overrides, message in cases:
        kwargs: dict[str, Any] = {"task": TASK, "response": "x", **overrides}
        with pytest.raises(StoreError, match=message):
            store.record_episode(**kwargs)
    deep: dict = {}
    for _ in range(10_000):
        deep = {"d": deep}
    with pytest.raises(StoreError, match="nested deeper"):
        store.record_episode(TASK, "x", metadata=deep)
    assert count(db_url, EpisodeRow) == 0 and count(db_url, ScoreRow) == 0
    assert store.get_task(TASK.id) is None  # the failed calls did not even add the task


def test_huge_text_is_stored_whole_or_refused_whole(store: EpisodeStore, db_url: str):
    big = "x" * 10_000_000 + "\x00 end"
    eid = store.record_episode(TASK, big, Score.incorrect("long"))
    ep = store.episode(eid)
    assert ep is not None and len(ep.response) == len(big) and ep.response.endswith(f"{R} end")
    with EpisodeStore(db_url, max_field_bytes=1 << 20) as small:
        with pytest.raises(
            StoreError, match=r"response is 2,097,152 bytes .* over the store's limit"
        ):
            small.record_episode(TASK, "é" * (1 << 20))
        with pytest.raises(StoreError, match=r"details is .* bytes as JSON"):
            small.record_episode(TASK, "x", Score.incorrect("r", blob="y" * (1 << 20)))
    assert count(db_url, EpisodeRow) == 1
    with pytest.raises(StoreError, match="at least 1024"):
        EpisodeStore(db_url, max_field_bytes=10)


def test_steps_number_on_accept_turns_and_refuse_duplicates(store: EpisodeStore):
    eid = store.record_episode(TASK, "final", Score.correct())
    n = store.record_steps(
        eid,
        [
            {"action": "ls", "observation": "a.py", "role": "tool"},
            ("cat a.py", Turn("print(4)")),
            ("submit", Turn("done", done=True, score=Score.correct(), info={"t": 1})),
        ],
    )
    assert n == 3
    store.record_steps(eid, [{"action": "late"}])
    steps = store.steps(eid)
    assert [s.turn for s in steps] == [0, 1, 2, 3]
    assert steps[2].reward == 1.0 and steps[2].info["score"]["status"] == "correct"
    assert steps[2].info["t"] == 1 and steps[1].role == "tool"
    with pytest.raises(StoreError, match="rejected by the database"):
        store.record_steps(eid, [{"action": "again", "turn": 1}])
    with pytest.raises(StoreError, match="unknown fields"):
        store.record_steps(eid, [{"action": "a", "obs": "typo"}])
    with pytest.raises(StoreError, match=r"steps\[0\] must be a mapping"):
        store.record_steps(eid, ["just text"])
    with pytest.raises(StoreError, match="no episode with id"):
        store.record_steps(10**9, [{"action": "a"}])
    assert len(store.steps(eid)) == 4  # failed batches stored nothing


def test_episode_queries_and_accuracy(store: EpisodeStore):
    other = Task("logic/1", "m1env/Logic-v0", user_prompt("puzzle"), "a")
    outcomes = [
        (TASK, "run-1", Score.correct()),
        (TASK, "run-1", Score.incorrect("no")),
        (TASK, "run-2", Score.correct()),
        (TASK, "run-2", Score.error("timeout")),
        (other, "run-1", Score.incorrect("no", score=0.5)),
        (other, "run-2", None),
    ]
    for i, (task, run, score) in enumerate(outcomes):
        store.record_episode(task, "r" * (i + 1), score, run_id=run, policy="p")
    by_env = {row.key: row for row in store.accuracy("env")}
    math = by_env["m1env/Math-v0"]
    assert (math.episodes, math.correct, math.incorrect, math.errors) == (4, 2, 1, 1)
    assert math.accuracy == pytest.approx(2 / 3) and math.error_rate == 0.25
    assert math.mean_reward == pytest.approx(0.5) and math.mean_response_chars == 2.5
    logic = by_env["m1env/Logic-v0"]
    assert (logic.episodes, logic.accuracy, logic.mean_reward) == (2, 0.0, 0.5)
    runs = {row.key: row.to_dict() for row in store.accuracy("run")}
    assert runs["run-1"]["accuracy"] == pytest.approx(1 / 3)
    assert runs["run-2"]["correct"] == 1 and runs["run-2"]["errors"] == 1
    assert [r.key for r in store.accuracy("env", run_id="run-2", env="m1env/Logic-v0")] == [
        "m1env/Logic-v0"
    ]
    with pytest.raises(StoreError, match="must be one of"):
        store.accuracy("model")
    assert [e.response_chars for e in store.episodes(run_id="run-1")] == [1, 2, 5]
    assert len(store.episodes(env="m1env/Logic-v0", status="incorrect")) == 1
    assert [e.response_chars for e in store.episodes(limit=2, offset=1)] == [2, 3]
    assert store.episodes(task_id="logic/1", policy="p")[0].task_id == "logic/1"
    assert store.episodes(run_id="nope") == []


def test_judge_calls_and_monitor_readings(store: EpisodeStore):
    eid = store.record_episode(TASK, "x", Score.correct())
    first = store.record_judge_call(
        model="judge-7b",
        template_version="pointwise-v2",
        prompt_hash="ab" * 32,
        request={"messages": [{"role": "user", "content": "rate \x00"}]},
        response={"verdict": 7},
        status="ok",
        latency_s=0.2,
        episode_id=eid,
    )
    store.record_judge_call(
        model="judge-7b",
        template_version="pointwise-v2",
        prompt_hash="ab" * 32,
        request={},
        response=None,
        status="timeout",
        error="read timeout",
    )
    assert first >= 1
    assert store.cached_judge_response("judge-7b", "pointwise-v2", "ab" * 32) == {"verdict": 7}
    assert store.cached_judge_response("judge-7b", "pointwise-v3", "ab" * 32) is None
    for window, (value, alarm) in enumerate([(0.1, False), (0.6, True), (float("nan"), False)]):
        store.record_reading(
            "reward_length_corr", window, value, alarm=alarm, details={"n": 64}, run_id="r"
        )
    store.record_reading("recalibration", 1, None, details={"remedy": "residualise"}, run_id="r")
    readings = store.readings(metric="reward_length_corr", run_id="r")
    assert [(r.window, r.value, r.alarm) for r in readings] == [
        (0, 0.1, False),
        (1, 0.6, True),
        (2, None, False),
    ]
    assert [r.metric for r in store.readings(alarms_only=True)] == ["reward_length_corr"]
    assert len(store.readings(run_id="r")) == 4
    with pytest.raises(StoreError, match="alarm must be a bool"):
        store.record_reading("m", 0, 1.0, alarm=1)  # type: ignore[arg-type]
    with pytest.raises(StoreError, match="window must be an int"):
        store.record_reading("m", 1.5, 1.0)  # type: ignore[arg-type]


def test_database_enforces_the_invariants_even_without_the_api(store: EpisodeStore, db_url: str):
    eid = store.record_episode(TASK, "x", Score.correct())
    job, _ = store.claim_job("k", "math", {})
    engine = create_engine(db_url)
    now = datetime.now(UTC)
    bad = [
        ("status", f"({eid}, NULL, 1.0, 'maybe')"),
        ("score range", f"({eid}, NULL, 1.5, 'correct')"),
        ("owner", "(NULL, NULL, 1.0, 'correct')"),
    ]
    for _name, values in bad:
        with pytest.raises(IntegrityError, match=r"(?i)constraint"), engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO scores (episode_id, job_id, score, status, reason, details, "
                    f"created_at) VALUES {values[:-1]}, '', '{{}}', :now)"
                ),
                {"now": now},
            )
    insert_job_score = text(
        "INSERT INTO scores (job_id, score, status, reason, details, created_at) "
        "VALUES (:job, 1.0, 'correct', '', '{}', :now)"
    )
    with engine.begin() as conn:
        conn.execute(insert_job_score, {"job": job.id, "now": now})
    with pytest.raises(IntegrityError, match=r"(?i)unique"), engine.begin() as conn:
        conn.execute(insert_job_score, {"job": job.id, "now": now})
    with pytest.raises(IntegrityError, match=r"(?i)unique"), engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO scoring_jobs (idempotency_key, verifier, payload, state, "
                "attempts, created_at, updated_at) VALUES ('k', 'math', '{}', 'queued', 0, "
                ":now, :now)"
            ),
            {"now": now},
        )
    engine.dispose()
