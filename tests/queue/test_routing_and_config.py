"""Queue routing is a table lookup; QueueConfig refuses unsafe settings."""

from __future__ import annotations

import pytest

from m1env.queue import QUEUES, QueueConfig, get_app, queue_for, set_route


def test_routes_by_name_then_longest_prefix() -> None:
    assert QUEUES == ("verify", "sandbox", "judge")
    assert queue_for("math") == "verify"
    assert queue_for("logic/sudoku") == "verify"
    assert queue_for("code") == "sandbox"
    assert queue_for("code/python") == "sandbox"
    assert queue_for("judge") == "judge"
    set_route("code/fast/", "verify")
    assert queue_for("code/fast/x") == "verify"
    assert queue_for("code/slow") == "sandbox"
    with pytest.raises(ValueError, match="queue must be one of"):
        set_route("x", "gpu")


def test_config_refuses_time_limit_at_or_above_visibility() -> None:
    with pytest.raises(ValueError, match="below visibility_timeout"):
        QueueConfig(time_limit_s=3600, visibility_timeout_s=3600)
    with pytest.raises(ValueError, match="redis"):
        QueueConfig(broker_url="amqp://x")
    with pytest.raises(ValueError):
        QueueConfig(max_attempts=0)


def test_celery_app_settings() -> None:
    conf = get_app(QueueConfig(time_limit_s=120, visibility_timeout_s=900)).conf
    assert conf.task_acks_late and conf.task_reject_on_worker_lost
    assert conf.worker_prefetch_multiplier == 1
    assert conf.accept_content == ["json"] and conf.task_serializer == "json"
    assert conf.task_time_limit == 120
    assert conf.broker_transport_options["visibility_timeout"] == 900
    assert sorted(q.name for q in conf.task_queues) == sorted(QUEUES)


@pytest.mark.parametrize(("hard", "soft"), [(300, 290), (120, 110), (10, 8), (2, 1.6)])
def test_soft_time_limit_leaves_a_short_hard_limit_most_of_its_time(
    hard: float, soft: float
) -> None:
    conf = get_app(QueueConfig(time_limit_s=hard, visibility_timeout_s=900)).conf
    assert conf.task_soft_time_limit == pytest.approx(soft)


def test_worker_concurrency_is_per_queue() -> None:
    from m1env.cli.worker import node_names, parse_concurrency

    queues = ["verify", "sandbox", "judge"]
    assert parse_concurrency("2", queues) == {"verify": 2, "sandbox": 2, "judge": 2}
    assert parse_concurrency("judge=4", queues) == {"verify": 2, "sandbox": 2, "judge": 4}
    assert parse_concurrency("3,judge=8", queues) == {"verify": 3, "sandbox": 3, "judge": 8}
    for bad in ("0", "x", "judge=0", "gpu=2"):
        with pytest.raises(ValueError, match="--concurrency"):
            parse_concurrency(bad, queues)
    assert node_names(None, queues, False) == {
        "verify": "verify-celery@%h",
        "sandbox": "sandbox-celery@%h",
        "judge": "judge-celery@%h",
    }
    assert node_names("w1@box", ["verify", "judge"], False)["judge"] == "judge-w1@box"
    assert node_names("w1@box", ["verify"], False) == {"verify": "w1@box"}
    assert node_names(None, queues, True) == {"verify,sandbox,judge": None}
