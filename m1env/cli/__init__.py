"""The ``m1env`` command line. Each command group lives in its own module here and
exposes ``register(subparsers)``; this module only assembles them."""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

__all__ = ["COMMANDS", "build_parser", "main"]

# One line per command module; each adds its subcommands with register(subparsers).
COMMANDS = [
    "m1env.cli.envs",
    "m1env.cli.tasks",
    "m1env.cli.score",
    "m1env.cli.serve",
    "m1env.cli.worker",
    "m1env.cli.db",
    "m1env.cli.grm",
    "m1env.cli.policy",
    "m1env.cli.demo",
    "m1env.cli.sandbox",
    "m1env.cli.train",
    "m1env.cli.eval",
    "m1env.cli.swe",
]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="m1env",
        description="Environments, verifiers and rewards for RL on reasoning.",
    )
    parser.add_argument("--version", action="version", version="m1env 0.1.0")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for module in COMMANDS:
        importlib.import_module(module).register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        code: int = args.func(args)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    return code
