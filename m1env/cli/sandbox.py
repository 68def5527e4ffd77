"""``m1env sandbox``: inspect the sandbox backends and run a file in one.

    m1env sandbox doctor [--json]
        What this machine offers: which backends isolate and can run, the default one,
        cgroups, the seccomp filter, each language's toolchain.  Exit status 0 when the
        default backend isolates, 3 when nothing isolating can run here.
    m1env sandbox info
        One JSON object: every backend, whether it can run here and why, the one that
        would be chosen and why, and what the chosen one enforces.
    m1env sandbox run [--backend B] [--allow-unsandboxed] [--language L] [--stdin FILE]
                      [--limits JSON] SOURCE_FILE
        Runs SOURCE_FILE (compiling first for C/C++) and prints the ExecResult as one
        JSON line.  Exit status: 0 verdict ok, 1 another verdict, 2 bad arguments,
        3 no usable backend (one line naming the fix; nothing ran) or the sandbox
        itself failed.

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
from m1env.sandbox import seccomp
from m1env.sandbox.cgroups import CgroupManager
from m1env.sandbox.registry import BACKENDS

__all__ = ["cmd_doctor", "cmd_info", "cmd_run", "main", "register"]

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
    sub = parser.add_subparsers(dest="sandbox_command", metavar="{doctor,info,run}", required=True)
    doctor = sub.add_parser(
        "doctor",
        help="what isolates here: backends, cgroups, seccomp, toolchains",
        description="Say which sandbox backends isolate and can run on this machine, the "
        "default one, the cgroup version, seccomp support and each language's toolchain.",
        epilog="exit status: 0 the default backend isolates, 3 nothing isolating can run "
        "(install bubblewrap: apt-get install bubblewrap; or start Docker).",
    )
    doctor.add_argument("--json", action="store_true", help="one JSON object instead of text")
    doctor.set_defaults(func=cmd_doctor)
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
    run.add_argument("--backend", choices=BACKENDS, help="default: $M1ENV_SANDBOX_BACKEND or auto")
    run.add_argument(
        "--allow-unsandboxed",
        action="store_true",
        help="let --backend process run the file with NO isolation (trusted code only)",
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


def doctor_report() -> dict[str, Any]:
    """What ``m1env sandbox doctor`` shows, as data."""
    report: dict[str, Any] = {"backends": {}}
    for name, (ok, why) in sandbox.available_backends().items():
        isolating = sandbox.registry.backend_class(name).isolating
        report["backends"][name] = {"isolates": isolating, "available": ok, "reason": why}
    try:
        report["default"], report["why"] = sandbox.choose_backend_name()
    except sandbox.BackendUnavailableError as exc:
        report["default"], report["why"] = None, str(exc)
    manager, note = CgroupManager.detect()
    report["cgroups"] = {"version": manager.version if manager else None, "note": note}
    ok, why = seccomp.probe()
    report["seccomp"] = {"available": ok, "reason": why}
    report["languages"] = {
        name: {"missing_tools": lang.missing_tools()} for name, lang in sandbox.languages().items()
    }
    default = report["default"]
    report["isolated"] = bool(default) and report["backends"][default]["isolates"]
    return report


def cmd_doctor(args: argparse.Namespace) -> int:
    report = doctor_report()
    if args.json:
        _emit(report)
    else:
        lines = ["backend  isolates  runs here  why"]
        for name, b in report["backends"].items():
            runs = "yes" if b["available"] else "no"
            lines.append(
                f"{name:<8} {'yes' if b['isolates'] else 'NO':<9} {runs:<10} {b['reason']}"
            )
        lines.append(f"default: {report['default'] or 'none'} ({report['why']})")
        cg = report["cgroups"]
        lines.append(
            f"cgroups: {'v' + str(cg['version']) if cg['version'] else 'none'} ({cg['note']})"
        )
        sc = report["seccomp"]
        lines.append(f"seccomp: {'yes' if sc['available'] else 'NO'} ({sc['reason']})")
        for name, lang in report["languages"].items():
            missing = lang["missing_tools"]
            lines.append(
                f"language {name}: {'ok' if not missing else 'missing ' + ' '.join(missing)}"
            )
        sys.stdout.write("\n".join(lines) + "\n")
    return EXIT_OK if report["isolated"] else EXIT_SANDBOX


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
        backend = sandbox.get_backend(args.backend, allow_unsandboxed=args.allow_unsandboxed)
        result = sandbox.run(request, backend=backend)
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
