"""``m1env worker``: a Celery worker for the scoring queues.

Consumes ``--queues`` (default ``verify,sandbox,judge``) with prefork processes, late
acknowledgement and prefetch 1 (see :mod:`m1env.queue.app`). Each queue gets a pool of its
own -- one Celery node per queue, ``<queue>-<name>@<host>``, started and restarted by this
process -- so slow work on one queue (a judge server that never answers, a long code test)
never holds the slots of another: the queues never starve each other. ``--concurrency``
sizes the pools: ``4`` gives every queue 4 processes, ``verify=2,sandbox=2,judge=4`` names
them (a plain number among them sets the rest; default 2 each). With one queue the worker is
that one node, named ``--hostname`` as given. ``--shared-pool`` is the old way, one node whose
``--concurrency`` processes take every queue's jobs in turn (one plain number).

A sweeper thread in the main process re-publishes jobs whose messages were lost
(``--stale-after`` for queued jobs; running ones after ``--time-limit`` plus 5 s;
``--sweep-interval 0`` turns it off). ``--import MODULE`` imports a module first, e.g. one
that registers verifiers (each node imports it too).

Run it under a restart policy (compose's ``restart: unless-stopped``, systemd's
``Restart=always``): when Redis restarts, kombu's Redis transport can lose a race on the
dropped connection and end the worker with "Unrecoverable error" (an upstream bug; the
chaos test saw it once in several runs). Nothing is lost -- the jobs wait in SQL and the
sweeper of the restarted worker re-publishes them -- but only a restarted worker does it.

``m1env worker --ping [--queues Q] [--hostname NAME]`` is the container health check: it
starts no worker, asks the node ``NAME`` (default ``celery@<this host>``, the name a worker
started without ``--hostname`` takes) -- or, for several queues, each queue's node -- for a
pong through the broker, and exits 0 if all answered within ``--ping-timeout`` seconds, 1 if
not. It proves the worker's main process is alive
and consuming from the broker, which a process check cannot.
"""

from __future__ import annotations

import argparse
import importlib
import signal
import subprocess
import sys
import threading
import time
from typing import Any

__all__ = ["DEFAULT_CONCURRENCY", "node_names", "parse_concurrency", "register", "run"]

DEFAULT_CONCURRENCY = 2  # prefork processes per queue's pool
_RESTART_DELAY_S = 1.0  # before a node that exited is started again


def parse_concurrency(value: str, queues: list[str]) -> dict[str, int]:
    """``"4"`` or ``"verify=2,judge=4"`` (a plain number sets the queues not named) as
    processes per queue; :class:`ValueError` says what is wrong."""
    default, named = DEFAULT_CONCURRENCY, {}
    for part in (p.strip() for p in value.split(",")):
        queue, sep, number = part.rpartition("=")
        try:
            n = int(number)
        except ValueError:
            raise ValueError(f"--concurrency: {part!r} is not N or QUEUE=N") from None
        if n < 1:
            raise ValueError(f"--concurrency: {part!r} must be at least 1")
        if not sep:
            default = n
        elif queue.strip() not in queues:
            raise ValueError(f"--concurrency: {queue.strip()!r} is not among --queues {queues}")
        else:
            named[queue.strip()] = n
    return {q: named.get(q, default) for q in queues}


def node_names(hostname: str | None, queues: list[str], shared: bool) -> dict[str, str | None]:
    """The Celery node name of each pool: ``--hostname`` for a single one (None: Celery's
    default), else ``<queue>-<name>@<host>`` from ``--hostname`` (default ``celery@%h``)."""
    if shared or len(queues) == 1:
        return {",".join(queues): hostname}
    name, _, host = (hostname or "celery@%h").rpartition("@")
    if not name:  # a bare name means that name on this host, as Celery reads it
        name, host = host, "%h"
    return {queue: f"{queue}-{name}@{host}" for queue in queues}


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "worker",
        help="run a Celery worker for the scoring queues",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--queues", "-Q", default="verify,sandbox,judge")
    parser.add_argument(
        "--concurrency",
        "-c",
        default=str(DEFAULT_CONCURRENCY),
        help=f"processes per queue: N, or QUEUE=N,... (default {DEFAULT_CONCURRENCY} each)",
    )
    parser.add_argument(
        "--shared-pool",
        action="store_true",
        help="one pool for every queue (their jobs compete for its slots)",
    )
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
    parser.add_argument("--sweep-interval", type=float, default=None, help="seconds (default 10)")
    parser.add_argument(
        "--lease",
        type=float,
        default=None,
        help="seconds a running job's lease lasts unrenewed before its job is re-sent "
        "(default 20; renewed every quarter of it while the job runs)",
    )
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
    try:
        concurrency = parse_concurrency(args.concurrency, queues)
    except ValueError as exc:
        print(f"m1env worker: {exc}", file=sys.stderr)
        return 2
    if args.shared_pool and len(set(concurrency.values())) > 1:
        print("m1env worker: --shared-pool takes one --concurrency number", file=sys.stderr)
        return 2
    nodes = node_names(args.hostname, queues, args.shared_pool)
    if args.ping:
        return _ping(args, list(nodes.values()))
    try:
        config = QueueConfig.from_env(
            broker_url=args.broker_url,
            database_url=args.database_url,
            max_attempts=args.max_attempts,
            time_limit_s=args.time_limit,
            stale_after_s=args.stale_after,
            sweep_interval_s=args.sweep_interval,
            lease_s=args.lease,
        )
    except ValueError as exc:
        print(f"m1env worker: {exc}", file=sys.stderr)
        return 2
    for module in args.imports:
        importlib.import_module(module)
    configure(config)
    app = get_app(config)
    sweeper = None
    # A node per queue unless this is one node already (one queue, or --shared-pool).
    pools = [] if args.shared_pool or len(queues) == 1 else queues
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
    if pools:
        return _supervise(args, {q: (nodes[q] or "", concurrency[q]) for q in pools}, sweeper)
    argv = [
        "worker",
        f"--queues={','.join(queues)}",
        f"--concurrency={concurrency[queues[0]]}",
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


def _node_argv(args: argparse.Namespace, queue: str, name: str, processes: int) -> list[str]:
    """The command line of one queue's node: this command for that queue alone, without a
    sweeper (the supervisor runs the one sweeper)."""
    argv = [sys.executable, "-m", "m1env.cli", "worker", "--queues", queue]
    argv += ["--concurrency", str(processes), "--hostname", name, "--sweep-interval", "0"]
    argv += ["--loglevel", args.loglevel]
    for flag, value in (
        ("--broker-url", args.broker_url),
        ("--database-url", args.database_url),
        ("--max-attempts", args.max_attempts),
        ("--time-limit", args.time_limit),
        ("--lease", args.lease),
    ):
        if value is not None:
            argv += [flag, str(value)]
    for module in args.imports:
        argv += ["--import", module]
    return argv


def _supervise(
    args: argparse.Namespace, pools: dict[str, tuple[str, int]], sweeper: Any | None
) -> int:
    """Run one node per queue until SIGTERM/SIGINT; a node that exits is started again
    (a broker restart can end a Celery node: see the module docstring)."""
    stopping = threading.Event()
    children: dict[str, subprocess.Popen[bytes]] = {}

    def stop(signum: int, _frame: Any) -> None:
        stopping.set()
        for child in children.values():
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)  # Celery's warm shutdown

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    for queue, (name, processes) in pools.items():
        children[queue] = subprocess.Popen(_node_argv(args, queue, name, processes))
    if sweeper is not None:
        sweeper.start()
    while not stopping.is_set():
        for queue, child in list(children.items()):
            if child.poll() is not None and not stopping.is_set():
                print(
                    f"m1env worker: the {queue} node exited ({child.returncode}); restarting",
                    file=sys.stderr,
                )
                time.sleep(_RESTART_DELAY_S)
                name, processes = pools[queue]
                children[queue] = subprocess.Popen(_node_argv(args, queue, name, processes))
        stopping.wait(0.5)
    for child in children.values():
        child.wait()
    if sweeper is not None:
        sweeper.stop()
    return 0


def _ping(args: argparse.Namespace, names: list[str | None]) -> int:
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
    wanted = [host_format(default_nodename(name)) for name in names]
    try:
        replies = get_app(config).control.ping(
            destination=wanted, timeout=args.ping_timeout, limit=len(wanted)
        )
    except Exception as exc:  # the broker is down or unreachable: unhealthy, say why
        print(f"m1env worker: {', '.join(wanted)}: broker unreachable: {exc}", file=sys.stderr)
        return 1
    answered = {node for reply in replies for node in reply}
    missing = [node for node in wanted if node not in answered]
    if not missing:
        print("; ".join(f"{node}: pong" for node in wanted))
        return 0
    print(
        f"m1env worker: {', '.join(missing)} did not answer within {args.ping_timeout:g}s",
        file=sys.stderr,
    )
    return 1
