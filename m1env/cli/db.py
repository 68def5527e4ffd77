"""``m1env db``: migrate and inspect the episode store.

``m1env db upgrade [REVISION]``, ``m1env db current``, ``m1env db downgrade REVISION``
and ``m1env db accuracy [--by env|run|policy|task]``. The database is ``--url``, else
``$M1ENV_DATABASE_URL``, else the default SQLite file (see ``m1env.store``). Each
command prints JSON lines on stdout; a failure prints one line on stderr and exits 1.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

__all__ = ["register"]


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "db",
        help="migrate and inspect the episode store",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(dest="db_command", metavar="COMMAND", required=True)

    def add(name: str, help: str) -> argparse.ArgumentParser:
        sub: argparse.ArgumentParser = commands.add_parser(name, help=help, description=help)
        sub.add_argument("--url", default=None, help="database URL (default: see m1env db -h)")
        return sub

    up = add("upgrade", "apply migrations up to REVISION (default: head)")
    up.add_argument("revision", nargs="?", default="head")
    up.set_defaults(func=_upgrade)
    add("current", "print the schema revision of the database and the newest one").set_defaults(
        func=_current
    )
    down = add("downgrade", "revert migrations down to REVISION (base: drop everything)")
    down.add_argument("revision")
    down.set_defaults(func=_downgrade)
    acc = add("accuracy", "outcome counts and accuracy of stored episodes")
    acc.add_argument("--by", choices=["env", "run", "policy", "task"], default="env")
    acc.add_argument("--run-id", default=None, help="only this run")
    acc.set_defaults(func=_accuracy)


def _state(engine: Any) -> dict[str, Any]:
    from m1env.store import current, head

    found, newest = current(engine), head()
    return {
        "url": engine.url.render_as_string(hide_password=True),
        "revision": found,
        "head": newest,
        "up_to_date": found == newest,
    }


def _with_engine(args: argparse.Namespace, action: Any) -> int:
    from m1env.errors import StoreError
    from m1env.store import make_engine

    try:
        engine = make_engine(args.url)
        try:
            action(engine)
            print(json.dumps(_state(engine)))
        finally:
            engine.dispose()
    except StoreError as exc:
        print(f"m1env db {args.db_command}: {exc}", file=sys.stderr)
        return 1
    return 0


def _upgrade(args: argparse.Namespace) -> int:
    from m1env.store import upgrade

    return _with_engine(args, lambda engine: upgrade(engine, args.revision))


def _downgrade(args: argparse.Namespace) -> int:
    from m1env.store import downgrade

    return _with_engine(args, lambda engine: downgrade(engine, args.revision))


def _current(args: argparse.Namespace) -> int:
    return _with_engine(args, lambda engine: None)


def _accuracy(args: argparse.Namespace) -> int:
    from m1env.errors import StoreError
    from m1env.store import EpisodeStore

    try:
        with EpisodeStore(args.url) as store:
            for row in store.accuracy(args.by, run_id=args.run_id):
                print(json.dumps({"by": args.by, **row.to_dict()}, ensure_ascii=False))
    except StoreError as exc:
        print(f"m1env db accuracy: {exc}", file=sys.stderr)
        return 1
    return 0
