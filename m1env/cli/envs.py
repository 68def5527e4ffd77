"""``m1env envs``: list every registered environment."""

from __future__ import annotations

import argparse
import json
from typing import Any

__all__ = ["register"]


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "envs",
        help="list registered environments",
        description="List every registered environment: id, verifier and description.",
    )
    parser.add_argument("--json", action="store_true", help="print JSON lines")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import sys

    import m1env

    rows = []
    failed = 0
    for env_id in m1env.env_ids():
        try:
            s = m1env.spec(env_id)
        except m1env.RegistryError as exc:  # a duplicate or broken plugin: say so, list the rest
            print(f"m1env envs: {exc}", file=sys.stderr)
            failed += 1
            continue
        rows.append(
            {"id": s.id, "verifier": s.verifier, "description": s.description, "tags": list(s.tags)}
        )
    if args.json:
        for row in rows:
            print(json.dumps(row, ensure_ascii=False))
        return 1 if failed else 0
    width = max((len(r["id"]) for r in rows), default=2)
    vwidth = max((len(r["verifier"]) for r in rows), default=8)
    print(f"{'ID':<{width}}  {'VERIFIER':<{vwidth}}  DESCRIPTION")
    for r in rows:
        print(f"{r['id']:<{width}}  {r['verifier']:<{vwidth}}  {r['description']}")
    return 1 if failed else 0
