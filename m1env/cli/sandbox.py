"""``m1env sandbox``: inspect the sandbox backends and run a file in one.

    m1env sandbox info
        One JSON object: every backend, whether it can run here and why, the one that
        would be chosen and why, and what the chosen one enforces.
    m1env sandbox run [--backend B] [--language L] [--stdin FILE] [--limits JSON] SOURCE_FILE
        Runs SOURCE_FILE (compiling first for C/C++) and prints the ExecResult as one
        JSON line.  Exit status: 0 verdict ok, 1 another verdict, 2 bad arguments,
        3 no usable backend or the sandbox itself failed.

The module needs only argparse and the ``sandbox`` package; ``register(subparsers)``
adds the command group to the ``m1env`` parser, and ``python -m m1env.cli.sandbox``
runs it standalone.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from typing import Any

from m1env import sandbox
from m1env.sandbox.registry import PREFERENCE

__all__ = ["cmd_info", "cmd_run", "main", "register"]

EXTENSIONS = {
    ".py": "python3",
    ".c": "c",
    ".cc": "c++",
    ".cpp": "c++",
    ".cxx": "c++",
    ".sh": "shell",
}
EXIT_OK, EXIT_VERDICT, EXIT_USAGE, EXIT_SANDBOX = 0, 1, 2, 3


def register(subparsers: Any) -> argparse.ArgumentParser:
    """Add ``sandbox info`` and ``sandbox run`` to an argparse subparsers object."""
    parser = subparsers.add_parser(
        "sandbox",
        help="isolated execution: list backends, run a file",
        description="Inspect the sandbox backends and run code in one.",
    )
    sub = parser.add_subparsers(dest="sandbox_command", metavar="{info,run}", required=True)
    info = sub.add_parser(
        "info",
        help="backends available here, the chosen one, and why (JSON)",
        description="Print one JSON object describing every sandbox backend on this machine.",
    )
    info.set_defaults(func=cmd_info)
    run = sub.add_parser(
        "run",
        help="run SOURCE_FILE in the sandbox and print the ExecResult as JSON",
        description="Run SOURCE_FILE in a sandbox (compiling first for C/C++) and print "
        "the ExecResult as one JSON line.",
        epilog="exit status: 0 verdict ok, 1 other verdict, 2 bad arguments, "
        "3 no usable backend / sandbox failure.  "
        f"Languages: {', '.join(sorted(sandbox.languages()))}; limits: "
        f"{', '.join(sandbox.Limits().to_dict())}.",
    )
    run.add_argument("source", metavar="SOURCE_FILE", help="program to run")
    run.add_argument(
        "--backend", choices=PREFERENCE, help="default: $M1ENV_SANDBOX_BACKEND or auto"
    )
    run.add_argument("--language", help="default: from the file extension (.py .c .cpp .sh)")
    run.add_argument("--stdin", metavar="FILE", help="file fed to the program's stdin ('-': ours)")
    run.add_argument(
        "--limits",
        metavar="JSON",
        help='limits as a JSON object, e.g. \'{"wall_s": 2, "memory_mb": 256}\'; @FILE reads it',
    )
    run.set_defaults(func=cmd_run)
    return parser


def _emit(obj: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(obj, sort_keys=True) + "\n")
    sys.stdout.flush()


def _fail(message: str, code: int) -> int:
    sys.stderr.write(f"m1env sandbox: error: {message}\n")
    return code


def cmd_info(args: argparse.Namespace) -> int:
    report: dict[str, Any] = {"backends": {}}
    for name, (ok, why) in sandbox.available_backends().items():
        report["backends"][name] = {"available": ok, "reason": why}
    try:
        chosen, why = sandbox.choose_backend_name()
        report["chosen"], report["why"] = chosen, why
        report["enforces"] = sandbox.get_backend(chosen).info()
    except sandbox.BackendUnavailableError as exc:
        report["chosen"], report["why"] = None, str(exc)
    report["max_concurrent_jobs"] = sandbox.get_limiter().max_jobs
    report["languages"] = {
        name: {"missing_tools": lang.missing_tools()} for name, lang in sandbox.languages().items()
    }
    _emit(report)
    return EXIT_OK if report["chosen"] else EXIT_SANDBOX


def _read_limits(raw: str | None) -> sandbox.Limits:
    if raw is None:
        return sandbox.Limits()
    if raw.startswith("@"):
        with open(raw[1:]) as fh:
            raw = fh.read()
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise sandbox.SandboxConfigError(f"--limits is not valid JSON: {exc}") from None
    return sandbox.Limits.from_dict(data)


def cmd_run(args: argparse.Namespace) -> int:
    try:
        language = args.language or EXTENSIONS.get(os.path.splitext(args.source)[1].lower())
        if language is None:
            raise sandbox.SandboxConfigError(
                f"cannot tell the language of {args.source!r}; pass --language "
                f"({', '.join(sorted(sandbox.languages()))})"
            )
        with open(args.source, "rb") as fh:
            source = fh.read()
        if args.stdin == "-":
            stdin = sys.stdin.buffer.read()
        elif args.stdin:
            with open(args.stdin, "rb") as fh:
                stdin = fh.read()
        else:
            stdin = b""
        request = sandbox.ExecRequest(
            language=language, source=source, stdin=stdin, limits=_read_limits(args.limits)
        )
        result = sandbox.run(request, backend=args.backend)
    except (sandbox.SandboxConfigError, OSError) as exc:
        return _fail(str(exc), EXIT_USAGE)
    except sandbox.BackendUnavailableError as exc:
        return _fail(str(exc), EXIT_SANDBOX)
    _emit(result.to_dict())
    if result.verdict == "sandbox_error":
        return EXIT_SANDBOX
    return EXIT_OK if result.ok else EXIT_VERDICT


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="m1env")
    register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    code: int = args.func(args)
    return code


if __name__ == "__main__":
    sys.exit(main())
