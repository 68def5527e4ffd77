"""Task environments: what a job's code needs installed around it, built once per content hash.

A caller describes the environment with an :class:`EnvironmentSpec` -- Python
requirements (pip specifiers), a tool tree shipped from the host (the SWE verifier's
pinned pytest, named by ``tools_key``), the files of a reference repository and a
revision -- and asks :func:`prepare_environment` (``m1env.sandbox.prepare_environment``)
for it on a backend. What comes back, a :class:`PreparedEnvironment`, is what an
:class:`~m1env.sandbox.ExecRequest` needs to run there: the backend to run it on, the
read-only mounts, the ``sys.path`` entries holding the requirements, where the tools
live and the ``bin`` directories for ``PATH``. Callers never learn which backend built
it or how; each backend implements :meth:`~m1env.sandbox.Backend.prepare_environment`:

* ``bwrap`` (:mod:`m1env.sandbox.backends._venv`): a venv per content hash under
  :func:`cache_dir`, mounted read-only at :data:`VENV_MOUNT`; the tools laid out once
  per ``tools_key`` and mounted read-only at :data:`TOOLS_DIR`.
* ``docker`` (:mod:`m1env.sandbox.backends._image`): an image per content hash ``FROM``
  the backend's base image, holding the tools, the requirements and the reference
  files under :data:`ENV_ROOT`; jobs run on a docker backend of that image.
* ``process``: nothing can be installed; a spec with requirements is refused.

Building is idempotent and safe across processes (a file lock per key, atomic
renames): a second prepare of the same spec is a cache hit (``built`` is False).
Requirements come from pip's configured index, or only from a wheel directory
(``spec.wheels``, else ``$M1ENV_SWE_WHEELS``; ``--no-index --find-links``) so an
air-gapped machine can build environments. Where this falls short: packages with
compiled extensions or system packages need a real Dockerfile; they are not handled.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import re
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from m1env import settings
from m1env.errors import EnvironmentBuildError, SandboxConfigError

from .contract import Mount, check_mounts
from .paths import check_relpath

if TYPE_CHECKING:
    from .backend import Backend

__all__ = [
    "ENV_ROOT",
    "TOOLS_DIR",
    "VENV_MOUNT",
    "EnvironmentSpec",
    "PreparedEnvironment",
    "cache_dir",
    "close_environments",
    "content_hash",
    "derived_backend",
    "layout",
    "open_tree",
    "pip_install",
]

#: Where an environment's parts appear inside the sandbox (both isolating backends).
ENV_ROOT = "/opt/m1env"
VENV_MOUNT = f"{ENV_ROOT}/venv"
TOOLS_DIR = f"{ENV_ROOT}/runner"
_PIP_TIMEOUT_S = 600.0
_HASH_VERSION = "1"
_TOOLS_KEY = re.compile(r"[A-Za-z0-9._+-]{1,64}")


@dataclass(frozen=True)
class EnvironmentSpec:
    """What a job's code needs around it; see the module docstring.

    ``name`` says what the environment is for (a repository name) and names images;
    ``revision`` (a commit) and everything installed are part of the content hash;
    ``wheels`` and ``image_prefix`` say how and under which name it is built, not what
    it is, so they are not.
    """

    name: str
    requirements: tuple[str, ...] = ()
    files: Mapping[str, str] = field(default_factory=dict)
    tools: Mapping[str, bytes] = field(default_factory=dict)
    tools_key: str = ""
    revision: str = ""
    wheels: str | None = None
    image_prefix: str = "m1env-env"

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name:
            raise SandboxConfigError("EnvironmentSpec.name must be a non-empty string")
        reqs = tuple(self.requirements)
        for req in reqs:
            # pip reads an option anywhere on its command line; a requirement is never one.
            if not isinstance(req, str) or not req.strip() or req.lstrip().startswith("-"):
                raise SandboxConfigError(f"requirement {req!r} is not a pip requirement")
        object.__setattr__(self, "requirements", reqs)
        object.__setattr__(self, "files", {check_relpath(k): v for k, v in self.files.items()})
        object.__setattr__(self, "tools", {check_relpath(k): v for k, v in self.tools.items()})
        if self.tools and not _TOOLS_KEY.fullmatch(self.tools_key):
            raise SandboxConfigError(
                f"tools need a tools_key of letters, digits and ._+- (got {self.tools_key!r})"
            )
        if not re.fullmatch(r"[a-z0-9][a-z0-9-]*", self.image_prefix):
            raise SandboxConfigError(
                f"image_prefix must be lowercase letters, digits and -, got {self.image_prefix!r}"
            )


@dataclass(frozen=True)
class PreparedEnvironment:
    """How to run code in a built environment: what an ExecRequest needs, and where."""

    backend: Backend
    mounts: Mapping[str, Mount] = field(default_factory=dict)
    #: ``sys.path`` entries inside the sandbox that hold the requirements.
    site_dirs: tuple[str, ...] = ()
    #: Where the spec's tools live inside the sandbox already; None: ship them as files.
    tools_dir: str | None = None
    #: Prepended to PATH for a shell (a venv's ``bin``).
    bin_dirs: tuple[str, ...] = ()
    #: The content-hash name of what was built (a venv dir, an image tag); "" for nothing.
    key: str = ""
    #: Whether this call built it (False: a cache hit, or nothing to build).
    built: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "mounts", check_mounts(self.mounts))


def cache_dir() -> Path:
    """Where host-side environments (venvs, tool trees) are built."""
    configured = settings.SWE_CACHE.get()
    if configured:
        return Path(configured)
    # As root, bwrap runs as nobody, which must be able to reach the venv: not /root.
    if os.geteuid() == 0:
        return Path("/var/cache/m1env/swe")
    return Path.home() / ".cache" / "m1env" / "swe"


def content_hash(spec: EnvironmentSpec, base: str) -> str:
    """Hex digest naming the environment of ``spec`` on top of ``base`` (a Python
    version, an image id)."""
    h = hashlib.sha256()
    # The key names are those the SWE verifier hashed when it built environments
    # itself: venvs and images built before the move stay cache hits.
    head = {
        "v": _HASH_VERSION,
        "repo": spec.name,
        "environment_setup_commit": spec.revision,
        "requirements": list(spec.requirements),
        "pytest": spec.tools_key,
        "base": base,
    }
    h.update(json.dumps(head, sort_keys=True).encode())
    for rel in sorted(spec.files):
        h.update(b"\0" + rel.encode() + b"\0" + spec.files[rel].encode())
    return h.hexdigest()[:24]


def pip_install(requirements: tuple[str, ...], target: Path, wheels: str | None) -> None:
    """Install ``requirements`` into the directory ``target`` with the worker's pip."""
    if not requirements:
        target.mkdir(parents=True, exist_ok=True)
        return
    argv = [sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
            "--no-compile", "--target", str(target)]  # fmt: skip
    wheels = wheels or settings.SWE_WHEELS.get()
    if wheels:
        argv += ["--no-index", "--find-links", wheels]
    argv += ["--", *requirements]
    try:
        done = subprocess.run(
            argv, capture_output=True, text=True, timeout=_PIP_TIMEOUT_S, check=False
        )
    except subprocess.TimeoutExpired:
        raise EnvironmentBuildError(f"pip install {requirements} timed out") from None
    if done.returncode != 0:
        raise EnvironmentBuildError(
            f"pip install {list(requirements)} failed: {(done.stderr or done.stdout)[-800:]}"
        )


def layout(root: Path, files: Mapping[str, str | bytes]) -> None:
    """Write ``files`` under ``root`` (a directory the host just created)."""
    for rel, data in files.items():
        target = root / check_relpath(rel)
        if not target.resolve().is_relative_to(root.resolve()):
            raise EnvironmentBuildError(f"environment file {rel!r} leaves the tree")
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(data, bytes):
            target.write_bytes(data)
        else:
            target.write_text(data, encoding="utf-8")


def open_tree(root: Path) -> None:
    """World-readable (and traversable): the sandbox user only reads the environment."""
    for dirpath, dirnames, filenames in os.walk(root):
        os.chmod(dirpath, 0o755)
        for name in filenames:
            full = os.path.join(dirpath, name)
            if not os.path.islink(full):
                os.chmod(full, 0o644 | (os.stat(full).st_mode & 0o111))
        del dirnames  # walked by os.walk itself


@contextlib.contextmanager
def locked(path: Path) -> Iterator[None]:
    """An exclusive lock on ``path`` (created): one builder per key across processes."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


_DERIVED: dict[tuple[str, str], Backend] = {}
_LOCK = threading.Lock()


def derived_backend(kind: str, key: str, make: Callable[[], Backend]) -> Backend:
    """The one backend an environment runs on when it is not the caller's (docker: a
    backend, with its warm pool, per image), made on first use; closed by
    :func:`close_environments`."""
    with _LOCK:
        if (kind, key) not in _DERIVED:
            _DERIVED[(kind, key)] = make()
        return _DERIVED[(kind, key)]


def close_environments() -> None:
    """Close the backends environments made for themselves (their warm pools)."""
    with _LOCK:
        backends = list(_DERIVED.values())
        _DERIVED.clear()
    for backend in backends:
        backend.close()
