"""Language registry: how source code in a language becomes a sandboxed command.

A :class:`Language` names the file the source is written to, an optional compile
command (run as its own sandboxed step, with :attr:`Language.compile_limits`), the
files the compile step produces (collected safely and laid out for every run), and
the run command.  Commands are argv lists run in the work dir; tools are given by
absolute path so that a missing toolchain is detected before anything runs and no
``PATH`` shim (e.g. pyenv's ``python3``, 180 ms a start) is ever used.

Built in: ``python3``, ``c``, ``c++`` (alias ``cpp``) and ``shell``.  Add more with
:func:`register_language` where a toolchain exists.  The compile step is where
"code run at compile time" lives (``#include "/etc/shadow"``, huge template
instantiations): it gets the same isolation as the run and its own limits.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field

from m1env.errors import SandboxConfigError, UnknownLanguageError

from .contract import Limits
from .paths import check_relpath

__all__ = [
    "COMPILE_LIMITS",
    "Language",
    "get_language",
    "languages",
    "register_language",
]

# Compilers fork (cc1plus, as, collect2, ld) and need far more memory than most
# solutions; one C++ compile of a template-heavy file can take a few seconds.
COMPILE_LIMITS = Limits(
    cpu_s=30.0,
    wall_s=60.0,
    memory_mb=1024,
    processes=32,
    output_bytes=256 * 1024,
    file_size_bytes=64 * 1024 * 1024,
    open_files=256,
)


@dataclass(frozen=True)
class Language:
    """How to build and run one language.  Tools are absolute paths."""

    name: str
    source_file: str
    run: tuple[str, ...]
    compile: tuple[str, ...] | None = None
    artifacts: tuple[str, ...] = ()
    compile_limits: Limits = COMPILE_LIMITS
    aliases: tuple[str, ...] = ()
    tools: tuple[str, ...] = field(default=())

    def __post_init__(self) -> None:
        if not self.name or not isinstance(self.name, str):
            raise SandboxConfigError("Language.name must be a non-empty string")
        check_relpath(self.source_file)
        for attr in ("run", "compile", "artifacts", "aliases", "tools"):
            value = getattr(self, attr)
            if value is not None:
                object.__setattr__(self, attr, tuple(value))
        if not self.run:
            raise SandboxConfigError(f"language {self.name}: run command is empty")
        if self.compile is not None and not self.artifacts:
            raise SandboxConfigError(
                f"language {self.name}: a compile step must name its artifacts"
            )
        for path in self.artifacts:
            check_relpath(path)
        if not self.tools:
            object.__setattr__(self, "tools", tuple(self._guess_tools()))

    def _guess_tools(self) -> list[str]:
        cmds: list[Sequence[str]] = [self.run, *([self.compile] if self.compile else [])]
        return [c[0] for c in cmds if c[0].startswith("/")]

    def missing_tools(self, root: str = "/") -> list[str]:
        """Tools not present (as executables) under ``root``."""
        return [t for t in self.tools if not os.access(os.path.join(root, t.lstrip("/")), os.X_OK)]


def _first_existing(*paths: str) -> str:
    for path in paths:
        if os.access(path, os.X_OK):
            return path
    return paths[0]


_REGISTRY: dict[str, Language] = {}
_ALIASES: dict[str, str] = {}


def register_language(lang: Language, *, replace: bool = False) -> Language:
    """Add ``lang`` (and its aliases) to the registry."""
    for key in (lang.name, *lang.aliases):
        owner = _ALIASES.get(key)
        if owner is not None and owner != lang.name and not replace:
            raise SandboxConfigError(f"language name {key!r} is already registered by {owner!r}")
        if owner == lang.name and not replace:
            raise SandboxConfigError(f"language {key!r} is already registered (pass replace=True)")
    _REGISTRY[lang.name] = lang
    for key in (lang.name, *lang.aliases):
        _ALIASES[key] = lang.name
    return lang


def get_language(name: str) -> Language:
    try:
        return _REGISTRY[_ALIASES[name]]
    except KeyError:
        raise UnknownLanguageError(
            f"unknown language {name!r}; registered: {sorted(_ALIASES)}"
        ) from None


def languages() -> dict[str, Language]:
    """Registered languages by canonical name."""
    return dict(_REGISTRY)


_PY = _first_existing("/usr/bin/python3", "/usr/local/bin/python3")
_SH = _first_existing("/bin/bash", "/usr/bin/bash", "/bin/sh")

register_language(
    Language(
        name="python3",
        source_file="main.py",
        # -I: ignore PYTHON* env and user site; -B: no .pyc litter; -S would break venvs
        # of the image, so it is not used.
        run=(_PY, "-I", "-B", "main.py"),
        aliases=("python", "py"),
    )
)
register_language(
    Language(
        name="c",
        source_file="main.c",
        compile=("/usr/bin/gcc", "-O2", "-std=gnu17", "-pipe", "-o", "main", "main.c", "-lm"),
        artifacts=("main",),
        run=("./main",),
        tools=("/usr/bin/gcc",),
    )
)
register_language(
    Language(
        name="c++",
        source_file="main.cpp",
        compile=("/usr/bin/g++", "-O2", "-std=gnu++17", "-pipe", "-o", "main", "main.cpp"),
        artifacts=("main",),
        run=("./main",),
        aliases=("cpp", "cxx"),
        tools=("/usr/bin/g++",),
    )
)
register_language(
    Language(name="shell", source_file="main.sh", run=(_SH, "main.sh"), aliases=("sh", "bash"))
)
