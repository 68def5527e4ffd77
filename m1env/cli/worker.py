"""``m1env worker``: a Celery worker for the scoring queues.

Consumes ``--queues`` (default ``verify,sandbox,judge``) with ``--concurrency``
prefork processes, late acknowledgement and prefetch 1 (see
:mod:`m1env.queue.app`). A sweeper thread in the main process re-publishes jobs
whose messages were lost (``--stale-after`` for queued jobs; running ones after
``--time-limit`` plus 5 s; ``--sweep-interval 0`` turns it off).
``--import MODULE`` imports a module first, e.g. one that registers verifiers.

Run it under a restart policy (compose's ``restart: unless-stopped``, systemd's
``Restart=always``): when Redis restarts, kombu's Redis transport can lose a race on the
dropped connection and end the worker with "Unrecoverable error" (an upstream bug; the
chaos test saw it once in several runs). Nothing is lost -- the jobs wait in SQL and the
sweeper of the restarted worker re-publishes them -- but only a restarted worker does it.

``m1env worker --ping [--hostname NAME]`` is the container health check: it starts no
worker, asks the node ``NAME`` (default ``celery@<this host>``, the name a worker started
without ``--hostname`` takes) for a pong through the broker, and exits 0 if it answered
within ``--ping-timeout`` seconds, 1 if not. It proves the worker's main process is alive
and consuming from the broker, which a process check cannot.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from typing import Any

__all__ = ["register", "run"]


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "worker",
        help="run a Celery worker for the scoring queues",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--queues", "-Q", default="verify,sandbox,judge")
    parser.add_argument("--concurrency", "-c", type=int, default=2)
    parser.add_argument("--broker-url", default=None)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--max-attempts", type=int, default=None)
    parser.add_argument("--time-limit", type=float, default=None, help="hard seconds per chunk")
    parser.add_argument(
        "--stale-after",
        type=float,
        default=None,
        help="seconds before a queued job is re-published (default 60)",
    )
    parser.add_argument("--sweep-interval", type=float, default=None, help="seconds (default 15)")
    parser.add_argument("--import", dest="imports", action="append", default=[])
    parser.add_argument("--loglevel", default="WARNING")
    parser.add_argument("--hostname", default=None, help="Celery node name")
    parser.add_argument(
        "--ping",
        action="store_true",
        help="health check: exit 0 if the worker --hostname (default: this host's) answers",
    )
    parser.add_argument("--ping-timeout", type=float, default=5.0, help="seconds (default 5)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from m1env.queue.app import get_app
    from m1env.queue.config import QueueConfig
    from m1env.queue.routing import QUEUES
    from m1env.queue.sweep import Sweeper
    from m1env.queue.tasks import configure

    queues = [q.strip() for q in args.queues.split(",") if q.strip()]
    unknown = set(queues) - set(QUEUES)
    if not queues or unknown:
        print(f"m1env worker: queues must be among {QUEUES}, got {args.queues!r}", file=sys.stderr)
        return 2
    if args.concurrency < 1:
        print("m1env worker: --concurrency must be >= 1", file=sys.stderr)
        return 2
    if args.ping:
        return _ping(args)
    try:
        config = QueueConfig.from_env(
            broker_url=args.broker_url,
            database_url=args.database_url,
            max_attempts=args.max_attempts,
            time_limit_s=args.time_limit,
            stale_after_s=args.stale_after,
            sweep_interval_s=args.sweep_interval,
        )
    except ValueError as exc:
        print(f"m1env worker: {exc}", file=sys.stderr)
        return 2
    for module in args.imports:
        importlib.import_module(module)
    configure(config)
    app = get_app(config)
    sweeper = None
    if config.sweep_interval_s > 0:
        from m1env.store import EpisodeStore

        sweeper = Sweeper(
            EpisodeStore(config.database_url),
            app,
            interval_s=config.sweep_interval_s,
            stale_after_s=config.stale_after_s,
            running_stale_after_s=config.running_stale_after_s,
            chunk_size=config.chunk_size,
        )
        # No connection may be open when the pool processes fork.
        sweeper.store.engine.dispose()
    argv = [
        "worker",
        f"--queues={','.join(queues)}",
        f"--concurrency={args.concurrency}",
        "--pool=prefork",
        f"--loglevel={args.loglevel}",
        "--without-gossip",
        "--without-mingle",
        "--without-heartbeat",
    ]
    if args.hostname:
        argv.append(f"--hostname={args.hostname}")
    if sweeper is not None:
        from celery.signals import worker_ready

        worker_ready.connect(lambda **_: sweeper.start(), weak=False)
    app.worker_main(argv)
    return 0


def _ping(args: argparse.Namespace) -> int:
    from celery.utils.nodenames import default_nodename, host_format

    from m1env.queue.app import get_app
    from m1env.queue.config import QueueConfig

    if args.ping_timeout <= 0:
        print("m1env worker: --ping-timeout must be > 0", file=sys.stderr)
        return 2
    try:
        config = QueueConfig.from_env(broker_url=args.broker_url)
    except ValueError as exc:
        print(f"m1env worker: {exc}", file=sys.stderr)
        return 2
    # The same expansion the worker applies to its own --hostname (%h, %n, no "@").
    node = host_format(default_nodename(args.hostname))
    try:
        replies = get_app(config).control.ping(
            destination=[node], timeout=args.ping_timeout, limit=1
        )
    except Exception as exc:  # the broker is down or unreachable: unhealthy, say why
        print(f"m1env worker: {node}: broker unreachable: {exc}", file=sys.stderr)
        return 1
    if any(node in reply for reply in replies):
        print(f"{node}: pong")
        return 0
    print(f"m1env worker: {node} did not answer within {args.ping_timeout:g}s", file=sys.stderr)
    return 1
