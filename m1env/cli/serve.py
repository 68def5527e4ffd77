"""``m1env serve``: run the scoring service (an ASGI app on uvicorn).

``--mode embedded`` (default) scores in a local pool of killable worker processes
and needs no Redis; ``--mode queue`` sends every job through Celery (start workers
with ``m1env worker``). Jobs live in the episode store (``--database-url``, else
``$M1ENV_DATABASE_URL``, else the per-user SQLite file). API keys come from
``--api-key`` (repeatable) or ``$M1ENV_API_KEYS`` (comma-separated).
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

__all__ = ["register", "run"]


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "serve",
        help="run the HTTP scoring service",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--host", default="127.0.0.1", help="bind address (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8000, help="port (default 8000)")
    parser.add_argument("--mode", choices=["embedded", "queue"], default="embedded")
    parser.add_argument("--workers", type=int, default=None, help="embedded pool size")
    parser.add_argument("--api-key", action="append", default=None, help="accepted API key")
    parser.add_argument("--max-body-mb", type=float, default=None, help="request size limit")
    parser.add_argument(
        "--rate-limit", type=float, default=None, help="requests/s per API key, else per address"
    )
    parser.add_argument("--database-url", default=None, help="episode store URL")
    parser.add_argument("--broker-url", default=None, help="Redis URL (queue mode)")
    parser.add_argument(
        "--reward-verifier", default=None, help="verifier for /get_reward (default math)"
    )
    parser.add_argument("--log-level", default="warning")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import uvicorn

    from m1env.service import ServiceConfig, create_app

    try:
        config = ServiceConfig.from_env(
            mode=args.mode,
            workers=args.workers,
            api_keys=frozenset(args.api_key) if args.api_key else None,
            max_body_bytes=int(args.max_body_mb * 1024 * 1024) if args.max_body_mb else None,
            rate_limit=args.rate_limit,
            database_url=args.database_url,
            broker_url=args.broker_url,
            reward_verifier=args.reward_verifier,
        )
    except ValueError as exc:
        print(f"m1env serve: {exc}", file=sys.stderr)
        return 2
    print(
        f"m1env serve: {config.mode} mode on http://{args.host}:{args.port} "
        f"(OpenAPI at /openapi.json)",
        file=sys.stderr,
    )
    uvicorn.run(
        create_app(config),
        host=args.host,
        port=args.port,
        log_level=args.log_level,
        access_log=False,
        limit_concurrency=1024,
        timeout_graceful_shutdown=10,
    )
    return 0
