"""``m1env serve``: run the scoring service (an ASGI app on uvicorn).

``--mode embedded`` (default) scores in a local pool of killable worker processes
and needs no Redis; ``--mode queue`` sends every job through Celery (start workers
with ``m1env worker``). Jobs live in the episode store (``--database-url``, else
``$M1ENV_DATABASE_URL``, else the per-user SQLite file).

Access: the service runs code in the sandbox for whoever reaches it, so it binds
127.0.0.1 by default, and without API keys it serves loopback only: ``--host`` with any
other address (``0.0.0.0``, a LAN address, a host name) is refused unless keys are set,
with ``--api-key`` (repeatable) or ``$M1ENV_API_KEYS`` (comma-separated), or
``--insecure-no-auth`` says that an open service is meant. Clients send a key as
``Authorization: Bearer KEY``, ``X-API-Key: KEY`` or ``?api_key=KEY``.

Requests must carry an allowed ``Host`` (and ``Origin``, if any): ``localhost``,
``127.0.0.1`` and ``[::1]``, the ``--host`` address (for ``0.0.0.0`` or ``::``: this
machine's hostname), and each ``--allowed-host`` (repeatable; else
``$M1ENV_ALLOWED_HOSTS``, comma-separated). ``--allowed-host '*'`` allows any. Serving
other machines, allow the name or address they use: ``--allowed-host scoring.example``.
"""

from __future__ import annotations

import argparse
import ipaddress
import socket
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
    parser.add_argument(
        "--api-key", action="append", default=None, help="accepted API key (repeatable)"
    )
    parser.add_argument(
        "--insecure-no-auth",
        action="store_true",
        help="serve a non-loopback --host without API keys (anyone who reaches it runs code)",
    )
    parser.add_argument(
        "--allowed-host",
        action="append",
        default=None,
        metavar="HOST",
        help="a Host name clients use besides loopback and --host (repeatable; '*': any)",
    )
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


def bound_names(host: str) -> set[str]:
    """The Host names that reach a server bound to ``host`` without configuration: the
    address itself, or for every interface (``0.0.0.0``, ``::``) this machine's hostname
    (the address clients then use differs per network, so it is left to
    ``--allowed-host``)."""
    bare = host.strip().removeprefix("[").removesuffix("]")
    try:
        every = not bare or ipaddress.ip_address(bare).is_unspecified
    except ValueError:
        every = False
    return {socket.gethostname()} if every else {bare}


def run(args: argparse.Namespace) -> int:
    from dataclasses import replace

    from m1env.service import ServiceConfig
    from m1env.service.config import LOOPBACK_NAMES, is_loopback

    try:
        config = ServiceConfig.from_env(
            mode=args.mode,
            workers=args.workers,
            api_keys=frozenset(args.api_key) if args.api_key else None,
            allowed_hosts=frozenset(args.allowed_host) if args.allowed_host else None,
            max_body_bytes=int(args.max_body_mb * 1024 * 1024) if args.max_body_mb else None,
            rate_limit=args.rate_limit,
            database_url=args.database_url,
            broker_url=args.broker_url,
            reward_verifier=args.reward_verifier,
        )
        config = replace(config, allowed_hosts=config.allowed_hosts | bound_names(args.host))
    except ValueError as exc:
        print(f"m1env serve: {exc}", file=sys.stderr)
        return 2
    if not config.api_keys and not is_loopback(args.host) and not args.insecure_no_auth:
        print(
            f"m1env serve: refusing to serve {args.host} without API keys: set "
            "M1ENV_API_KEYS (or pass --api-key KEY), or pass --insecure-no-auth to serve "
            "it open",
            file=sys.stderr,
        )
        return 2

    import uvicorn

    from m1env.service import create_app

    hosts = ", ".join(sorted(LOOPBACK_NAMES | config.allowed_hosts))
    print(
        f"m1env serve: {config.mode} mode on http://{args.host}:{args.port}, "
        f"{'API keys required' if config.api_keys else 'no API keys'}, Host names: {hosts} "
        "(OpenAPI at /openapi.json)",
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
