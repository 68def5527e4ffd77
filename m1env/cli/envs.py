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
    import m1env

    rows = [
        {"id": s.id, "verifier": s.verifier, "description": s.description, "tags": list(s.tags)}
        for s in m1env.specs()
    ]
    if args.json:
        for row in rows:
            print(json.dumps(row, ensure_ascii=False))
        return 0
    width = max((len(r["id"]) for r in rows), default=2)
    vwidth = max((len(r["verifier"]) for r in rows), default=8)
    print(f"{'ID':<{width}}  {'VERIFIER':<{vwidth}}  DESCRIPTION")
    for r in rows:
        print(f"{r['id']:<{width}}  {r['verifier']:<{vwidth}}  {r['description']}")
    return 0
