"""The sandbox contract: what a caller asks for and what it gets back.

* :class:`Limits` bounds one execution: CPU seconds, wall seconds, memory (MiB),
  processes, bytes of output per stream, size of any one written file, open files,
  and whether the network is reachable (off by default).
* :class:`ExecRequest` is either ``language`` + ``source`` (compiled in its own
  sandboxed step when the language needs it) or an explicit ``command``; plus extra
  ``files`` laid out in the work dir, ``stdin``, ``env`` additions, ``collect``
  (work-dir files to return) and the limits.
* ``mounts`` bind host directories at absolute paths inside the sandbox
  (``{"/repo": Mount("/host/dir", writable=True)}``): a persistent workspace that
  outlives the step (an agent's repository) or a read-only environment (a venv).
  Supported by ``bwrap`` and ``docker``; ``process`` refuses them.
* :class:`ExecResult` holds the exit code (or the signal), stdout/stderr with
  truncation flags, a verdict, the resources used and what the backend noted.

Verdicts, in the order they are decided:

``sandbox_error``
    the sandbox machinery failed; the program's behaviour is unknown.
``output_limit``
    stdout or stderr passed ``output_bytes``, or a file passed ``file_size_bytes``.
``timeout``
    wall time passed ``wall_s`` or CPU time passed ``cpu_s``.
``memory``
    the program ran out of its memory limit.
``runtime_error``
    non-zero exit or killed by a signal (compile errors too, with ``stage="compile"``).
``ok``
    exit code 0.

All three classes validate on construction and raise :class:`SandboxConfigError`.
"""

from __future__ import annotations

import base64
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field, fields, replace
from typing import Any, Literal

from m1env.errors import SandboxConfigError

from .paths import check_relpath

__all__ = [
    "VERDICTS",
    "ExecRequest",
    "ExecResult",
    "Limits",
    "Mount",
    "Verdict",
    "check_mounts",
]

Verdict = Literal["ok", "runtime_error", "timeout", "memory", "output_limit", "sandbox_error"]
VERDICTS: tuple[str, ...] = (
    "ok",
    "runtime_error",
    "timeout",
    "memory",
    "output_limit",
    "sandbox_error",
)

_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_MIB = 1024 * 1024


@dataclass(frozen=True)
class Limits:
    """Resource limits of one sandboxed execution (all must be positive)."""

    cpu_s: float = 5.0
    wall_s: float = 10.0
    memory_mb: int = 512
    processes: int = 32
    output_bytes: int = 1 * _MIB
    file_size_bytes: int = 16 * _MIB
    open_files: int = 64
    network: bool = False

    def __post_init__(self) -> None:
        checks: list[tuple[str, float, float, float]] = [
            ("cpu_s", self.cpu_s, 0.01, 24 * 3600),
            ("wall_s", self.wall_s, 0.01, 24 * 3600),
            ("memory_mb", self.memory_mb, 8, 1024 * 1024),
            ("processes", self.processes, 1, 65536),
            ("output_bytes", self.output_bytes, 1, 1 << 40),
            ("file_size_bytes", self.file_size_bytes, 1, 1 << 40),
            ("open_files", self.open_files, 8, 1 << 20),
        ]
        for name, value, low, high in checks:
            integral = name not in ("cpu_s", "wall_s")
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise SandboxConfigError(f"Limits.{name} must be a number, got {value!r}")
            if integral and not isinstance(value, int):
                raise SandboxConfigError(f"Limits.{name} must be an integer, got {value!r}")
            if not math.isfinite(value) or not low <= value <= high:
                raise SandboxConfigError(f"Limits.{name}={value!r} is outside [{low}, {high}]")
        if not isinstance(self.network, bool):
            raise SandboxConfigError(f"Limits.network must be true or false, got {self.network!r}")

    @property
    def memory_bytes(self) -> int:
        return self.memory_mb * _MIB

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], base: Limits | None = None) -> Limits:
        """Limits from a mapping (e.g. parsed JSON); unknown keys are an error."""
        if not isinstance(data, Mapping):
            raise SandboxConfigError(f"limits must be a JSON object, got {type(data).__name__}")
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise SandboxConfigError(f"unknown limit(s) {unknown}; known: {sorted(known)}")
        return replace(base or cls(), **dict(data))


# Inside paths a mount may not cover: the sandbox's own layout.
_RESERVED_MOUNTS = ("/", "/work", "/tmp", "/proc", "/dev", "/usr", "/etc", "/bin", "/lib", "/sbin")


@dataclass(frozen=True)
class Mount:
    """A host directory bound into the sandbox; read-only unless ``writable``."""

    source: str
    writable: bool = False

    def __post_init__(self) -> None:
        if not isinstance(self.source, str) or not self.source.startswith("/"):
            raise SandboxConfigError(
                f"Mount.source must be an absolute host path, got {self.source!r}"
            )
        if not isinstance(self.writable, bool):
            raise SandboxConfigError("Mount.writable must be true or false")


def check_mounts(mounts: Any) -> dict[str, Mount]:
    """Validated ``{inside path: Mount}``; inside paths are absolute, normalised and
    outside the sandbox's own directories (``/work``, ``/tmp``, ``/usr``...)."""
    if not isinstance(mounts, Mapping):
        raise SandboxConfigError("mounts must be a mapping of inside path -> Mount")
    out: dict[str, Mount] = {}
    for inside, mount in mounts.items():
        if not isinstance(inside, str) or not re.fullmatch(r"(/[A-Za-z0-9._-]+)+", inside):
            raise SandboxConfigError(f"mount point {inside!r} must be an absolute, plain path")
        if any(part in (".", "..") for part in inside.split("/")):
            raise SandboxConfigError(f"mount point {inside!r} has a '.' or '..' component")
        top = "/" + inside.split("/")[1]
        if top in _RESERVED_MOUNTS or top.startswith("/lib"):
            raise SandboxConfigError(f"mount point {inside!r} is inside the sandbox's own {top}")
        if not isinstance(mount, Mount):
            raise SandboxConfigError(f"mounts[{inside!r}] must be a m1env.sandbox.Mount")
        out[inside] = mount
    return out


def _as_bytes(value: str | bytes, what: str) -> bytes:
    if isinstance(value, bytes):
        return value
    if isinstance(value, str):
        return value.encode("utf-8")
    raise SandboxConfigError(f"{what} must be str or bytes, got {type(value).__name__}")


@dataclass(frozen=True)
class ExecRequest:
    """One thing to run in a sandbox.

    Give either ``language`` and ``source`` (the source is written as the language's
    file name and, for compiled languages, compiled first) or ``command`` (an argv run
    in the work dir, e.g. ``("/usr/bin/python3", "main.py")``).  ``files`` maps
    relative paths to contents; they are laid out in the work dir before the run.
    ``compile_limits`` overrides the language's compile-step limits.
    """

    language: str | None = None
    source: str | bytes | None = None
    command: Sequence[str] | None = None
    files: Mapping[str, str | bytes] = field(default_factory=dict)
    stdin: str | bytes = b""
    limits: Limits = field(default_factory=Limits)
    compile_limits: Limits | None = None
    env: Mapping[str, str] = field(default_factory=dict)
    collect: Sequence[str] = ()
    mounts: Mapping[str, Mount] = field(default_factory=dict)

    @property
    def file_bytes(self) -> dict[str, bytes]:
        """``files`` with every value as bytes (they are stored as bytes already)."""
        return {k: v if isinstance(v, bytes) else v.encode() for k, v in self.files.items()}

    @property
    def source_bytes(self) -> bytes:
        src = self.source or b""
        return src if isinstance(src, bytes) else src.encode()

    def __post_init__(self) -> None:
        has_lang = self.language is not None
        if has_lang == (self.command is not None):
            raise SandboxConfigError("give exactly one of language (with source) or command")
        if has_lang:
            if not isinstance(self.language, str) or not self.language:
                raise SandboxConfigError(
                    f"language must be a non-empty string, got {self.language!r}"
                )
            if self.source is None:
                raise SandboxConfigError(f"language {self.language!r} needs source")
            object.__setattr__(self, "source", _as_bytes(self.source, "source"))
        else:
            if self.source is not None:
                raise SandboxConfigError("source is only used with language; put it in files")
            if isinstance(self.command, str | bytes) or not isinstance(self.command, Sequence):
                raise SandboxConfigError(
                    "command must be a list of strings (an argv), not a string"
                )
            argv = tuple(self.command)
            if not argv or not all(isinstance(a, str) and "\0" not in a for a in argv):
                raise SandboxConfigError(f"command must be non-empty strings without NUL: {argv!r}")
            object.__setattr__(self, "command", argv)
        if not isinstance(self.files, Mapping):
            raise SandboxConfigError("files must be a mapping of relative path -> contents")
        files = {check_relpath(k): _as_bytes(v, f"files[{k!r}]") for k, v in self.files.items()}
        object.__setattr__(self, "files", files)
        object.__setattr__(self, "stdin", _as_bytes(self.stdin, "stdin"))
        if not isinstance(self.limits, Limits):
            raise SandboxConfigError("limits must be a m1env.sandbox.Limits")
        if self.compile_limits is not None and not isinstance(self.compile_limits, Limits):
            raise SandboxConfigError("compile_limits must be a m1env.sandbox.Limits or None")
        if not isinstance(self.env, Mapping):
            raise SandboxConfigError("env must be a mapping of name -> value")
        for name, value in self.env.items():
            if not isinstance(name, str) or not _ENV_NAME.match(name):
                raise SandboxConfigError(f"invalid environment variable name {name!r}")
            if not isinstance(value, str) or "\0" in value:
                raise SandboxConfigError(
                    f"environment variable {name} must be a string without NUL"
                )
        object.__setattr__(self, "env", dict(self.env))
        if isinstance(self.collect, str):
            raise SandboxConfigError("collect must be a list of relative paths, not a string")
        object.__setattr__(self, "collect", tuple(check_relpath(p) for p in self.collect))
        object.__setattr__(self, "mounts", check_mounts(self.mounts))


@dataclass(frozen=True)
class ExecResult:
    """What happened when a request ran.  ``exit_code`` is None when killed by a signal."""

    verdict: Verdict
    exit_code: int | None = None
    signal: int | None = None
    stdout: str = ""
    stderr: str = ""
    stdout_truncated: bool = False
    stderr_truncated: bool = False
    cpu_s: float = 0.0
    wall_s: float = 0.0
    peak_memory_bytes: int | None = None
    stage: Literal["compile", "run"] = "run"
    backend: str = ""
    queued_s: float = 0.0
    messages: tuple[str, ...] = ()
    files: Mapping[str, bytes] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.verdict not in VERDICTS:
            raise SandboxConfigError(f"unknown verdict {self.verdict!r}; known: {VERDICTS}")

    @property
    def ok(self) -> bool:
        return self.verdict == "ok"

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict; collected files are base64 strings."""
        out = {f.name: getattr(self, f.name) for f in fields(self) if f.name != "files"}
        out["messages"] = list(self.messages)
        out["files"] = {k: base64.b64encode(v).decode("ascii") for k, v in self.files.items()}
        return out
