"""Where a task's tests run: a per-task venv (bwrap) or a per-repository image (docker).

:func:`runtime_for` returns a :class:`TaskRuntime` -- the sandbox backend, the
read-only mounts, the ``sys.path`` entries holding the task's requirements and, for
images, where pytest already lives -- built once per content hash and reused:

* ``bwrap`` (pure-Python repositories): a venv made with the host's ``python3 -m venv
  --without-pip`` under the cache dir (``$M1ENV_SWE_CACHE``, default
  ``/var/cache/m1env/swe`` as root, else ``~/.cache/m1env/swe``), the instance's
  ``requirements`` installed into its site-packages by the worker's pip, mounted
  read-only at ``/opt/m1env/venv``; pytest (the same files :mod:`m1env.verifiers.swe.grade`
  ships) is laid out once per pytest version under the cache dir and mounted
  read-only at ``/opt/m1env/runner`` instead of being copied into every run.
* ``docker``: an image ``FROM`` the local base image (``m1env-sandbox-base``) with the
  repository at ``environment_setup_commit`` in ``/opt/m1env/repo`` (reference copy),
  the requirements in ``/opt/m1env/site`` and pytest in ``/opt/m1env/runner``, built
  with the network off and tagged ``<prefix>-<repo>:<hash>``. A tag that exists is a
  cache hit: nothing is built.

The content hash covers the repository files (the instance's ``files``; this
project's self-contained tasks carry the tree at ``base_commit``, which for them is
the ``environment_setup_commit``), the repo name and setup commit, the requirements,
pytest's version, and the base (host Python for venvs, base image id for images).

Requirements come from pip's configured index, or only from a wheel directory when
``$M1ENV_SWE_WHEELS`` (or ``wheels=``) is set (``--no-index --find-links``), so an
air-gapped machine can build environments. Where this falls short: repositories with
compiled extensions or system packages need a real Dockerfile; they are not handled.
"""

from __future__ import annotations

import contextlib
import fcntl
import functools
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from m1env.verifiers.swe.instance import SWEInstance

from m1env import sandbox, settings
from m1env.errors import EnvironmentBuildError

__all__ = [
    "VENV_MOUNT",
    "EnvironmentBuildError",
    "TaskRuntime",
    "build_image",
    "cache_dir",
    "close_runtimes",
    "content_hash",
    "ensure_runner",
    "ensure_venv",
    "image_tag",
    "runtime_for",
]

VENV_MOUNT = "/opt/m1env/venv"
RUNNER_MOUNT = "/opt/m1env/runner"
IMAGE_ROOT = "/opt/m1env"
DEFAULT_PREFIX = "m1env-swe"
_PIP_TIMEOUT_S = 600.0
_HASH_VERSION = "1"


@dataclass(frozen=True)
class TaskRuntime:
    """How to run one task's code: backend, mounts and import paths inside the sandbox."""

    backend: sandbox.Backend
    mounts: Mapping[str, sandbox.Mount] = field(default_factory=dict)
    site_dirs: tuple[str, ...] = ()
    #: Where pytest lives inside the sandbox already (an image); None: ship it.
    runner_dir: str | None = None
    #: Prepended to PATH for an agent's shell (the venv's ``bin``).
    bin_dirs: tuple[str, ...] = ()
    key: str = ""


def cache_dir() -> Path:
    configured = settings.SWE_CACHE.get()
    if configured:
        return Path(configured)
    # As root, bwrap runs as nobody, which must be able to reach the venv: not /root.
    if os.geteuid() == 0:
        return Path("/var/cache/m1env/swe")
    return Path.home() / ".cache" / "m1env" / "swe"


def _pytest_version() -> str:
    import pytest

    return str(pytest.__version__)


def content_hash(instance: SWEInstance, base: str) -> str:
    """Hex digest naming the environment of ``instance`` on top of ``base``."""
    h = hashlib.sha256()
    head = {
        "v": _HASH_VERSION,
        "repo": instance.repo,
        "environment_setup_commit": instance.environment_setup_commit,
        "requirements": list(instance.requirements),
        "pytest": _pytest_version(),
        "base": base,
    }
    h.update(json.dumps(head, sort_keys=True).encode())
    for rel in sorted(instance.files):
        h.update(b"\0" + rel.encode() + b"\0" + instance.files[rel].encode())
    return h.hexdigest()[:24]


def _pip_install(requirements: tuple[str, ...], target: Path, wheels: str | None) -> None:
    if not requirements:
        target.mkdir(parents=True, exist_ok=True)
        return
    argv = [sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
            "--no-compile", "--target", str(target)]  # fmt: skip
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


def _open_tree(root: Path) -> None:
    """World-readable (and traversable): the sandbox user only reads the environment."""
    for dirpath, dirnames, filenames in os.walk(root):
        os.chmod(dirpath, 0o755)
        for name in filenames:
            full = os.path.join(dirpath, name)
            if not os.path.islink(full):
                os.chmod(full, 0o644 | (os.stat(full).st_mode & 0o111))
        del dirnames  # walked by os.walk itself


@contextlib.contextmanager
def _locked(path: Path) -> Any:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@functools.lru_cache(maxsize=4)
def _python_version(python: str) -> str:
    return subprocess.run(
        [python, "-c", "import sys; print(sys.version)"],
        capture_output=True, text=True, check=True, timeout=30,
    ).stdout.strip()  # fmt: skip


def _system_python() -> str:
    # The interpreter the bwrap sandbox runs (/usr is what it mounts), not the worker's.
    return "/usr/bin/python3"


def _site_packages(venv: Path) -> Path:
    found = sorted(venv.glob("lib/python3*/site-packages"))
    if not found:
        raise EnvironmentBuildError(f"{venv} has no lib/python3*/site-packages")
    return found[0]


def ensure_venv(
    instance: SWEInstance, root: Path | None = None, wheels: str | None = None
) -> tuple[Path, bool]:
    """The task's venv dir (created if missing) and whether this call built it."""
    root = root or cache_dir()
    key = content_hash(instance, f"venv:{_python_version(_system_python())}")
    final = root / "venvs" / key
    if (final / "pyvenv.cfg").is_file():
        return final, False
    with _locked(root / "venvs" / f".{key}.lock"):
        if (final / "pyvenv.cfg").is_file():
            return final, False
        os.makedirs(root, exist_ok=True)
        for part in (root, root / "venvs"):
            os.chmod(part, 0o755)
        scratch = Path(tempfile.mkdtemp(prefix=f".{key}-", dir=root / "venvs"))
        try:
            venv = scratch / "venv"
            made = subprocess.run(
                [_system_python(), "-m", "venv", "--without-pip", str(venv)],
                capture_output=True, text=True, timeout=120, check=False,
            )  # fmt: skip
            if made.returncode != 0:
                raise EnvironmentBuildError(f"python3 -m venv failed: {made.stderr[-500:]}")
            _pip_install(instance.requirements, _site_packages(venv), wheels or _wheels())
            (venv / "m1env-env.json").write_text(
                json.dumps({"instance_id": instance.instance_id, "key": key,
                            "requirements": list(instance.requirements)}) + "\n"
            )  # fmt: skip
            _open_tree(venv)
            # Atomic: a venv dir under its final name is always complete. (Only the
            # unused activate scripts name the scratch path; python finds its prefix
            # from pyvenv.cfg, wherever the dir is mounted.)
            os.rename(venv, final)
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
    return final, True


def ensure_runner(root: Path | None = None) -> Path:
    """pytest and its dependencies as a directory (once per pytest version)."""
    from m1env.verifiers.swe.grade import _runner_files

    root = root or cache_dir()
    final = root / f"runner-{_pytest_version()}"
    if (final / ".complete").is_file():
        return final
    with _locked(root / f".runner-{_pytest_version()}.lock"):
        if (final / ".complete").is_file():
            return final
        os.makedirs(root, exist_ok=True)
        os.chmod(root, 0o755)
        scratch = Path(tempfile.mkdtemp(prefix=".runner-", dir=root))
        for rel, data in _runner_files().items():
            target = scratch / rel.removeprefix("_runner/")
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        (scratch / ".complete").write_text("")
        _open_tree(scratch)
        shutil.rmtree(final, ignore_errors=True)
        os.rename(scratch, final)
    return final


def _wheels() -> str | None:
    return settings.SWE_WHEELS.get()


def _docker_client() -> Any:
    import docker

    return docker.from_env(timeout=600)


def image_tag(instance: SWEInstance, base_id: str, prefix: str = DEFAULT_PREFIX) -> str:
    name = "".join(c if c.isalnum() or c in "._-" else "-" for c in instance.repo.lower())
    return f"{prefix}-{name.strip('-._') or 'repo'}:{content_hash(instance, base_id)}"


def build_image(
    instance: SWEInstance,
    base: str | None = None,
    prefix: str = DEFAULT_PREFIX,
    wheels: str | None = None,
) -> tuple[str, bool]:
    """The task's image tag (built if missing) and whether this call built it."""
    from m1env.verifiers.swe.grade import _runner_files

    base = base or settings.SANDBOX_IMAGE.get() or "m1env-sandbox-base"
    client = _docker_client()
    try:
        try:
            base_id = client.images.get(base).id
        except Exception as exc:
            raise EnvironmentBuildError(
                f"base image {base!r} is missing ({exc}); run scripts/ci/setup-docker.sh"
            ) from None
        tag = image_tag(instance, base_id, prefix)
        with contextlib.suppress(Exception):
            client.images.get(tag)
            return tag, False
        with tempfile.TemporaryDirectory(prefix="m1env-swe-image-") as tmp:
            ctx = Path(tmp)
            for rel, data in _runner_files().items():
                target = ctx / "runner" / rel.removeprefix("_runner/")
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(data)
            repo = ctx / "repo"
            repo.mkdir()
            for rel, text in instance.files.items():
                target = repo / rel
                if not target.resolve().is_relative_to(repo.resolve()):
                    raise EnvironmentBuildError(f"task file {rel!r} leaves the tree")
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_text(text, encoding="utf-8")
            _pip_install(instance.requirements, ctx / "site", wheels or _wheels())
            _open_tree(ctx)
            (ctx / "Dockerfile").write_text(
                f"FROM {base_id}\n"
                f"COPY runner {IMAGE_ROOT}/runner\n"
                f"COPY site {IMAGE_ROOT}/site\n"
                f"COPY repo {IMAGE_ROOT}/repo\n"
                # json.dumps quotes and escapes: a repo name cannot add instructions.
                f"LABEL m1env.swe.repo={json.dumps(instance.repo)} m1env.swe.key={json.dumps(tag)}\n"
            )
            try:
                client.images.build(path=str(ctx), tag=tag, rm=True, network_mode="none")
            except Exception as exc:
                raise EnvironmentBuildError(f"docker build of {tag} failed: {exc}") from None
        return tag, True
    finally:
        client.close()


_RUNTIMES: dict[tuple[str, str], TaskRuntime] = {}
_BACKENDS: dict[str, sandbox.Backend] = {}
_LOCK = threading.Lock()


def runtime_for(
    instance: SWEInstance,
    backend: str | None = None,
    *,
    image_prefix: str = DEFAULT_PREFIX,
    wheels: str | None = None,
) -> TaskRuntime:
    """The (cached) runtime of ``instance`` on ``backend`` (default: the chosen one)."""
    name, _ = sandbox.choose_backend_name(backend)
    if name == "docker":
        tag, _ = build_image(instance, prefix=image_prefix, wheels=wheels)
        with _LOCK:
            cached = _RUNTIMES.get((name, tag))
            if cached is not None:
                return cached
            if tag not in _BACKENDS:
                from m1env.sandbox.backends.docker import DockerBackend

                # One backend (and warm pool) per image; pools are small per image.
                _BACKENDS[tag] = DockerBackend(image=tag, pool_size=1)
            runtime = TaskRuntime(
                backend=_BACKENDS[tag],
                site_dirs=(f"{IMAGE_ROOT}/site",),
                runner_dir=f"{IMAGE_ROOT}/runner",
                bin_dirs=(),
                key=tag,
            )
            _RUNTIMES[(name, tag)] = runtime
            return runtime
    if name == "bwrap":
        venv, _ = ensure_venv(instance, wheels=wheels)
        with _LOCK:
            cached = _RUNTIMES.get((name, str(venv)))
        if cached is not None:
            return cached
        site = _site_packages(venv).relative_to(venv).as_posix()
        runner = ensure_runner()
        runtime = TaskRuntime(
            backend=sandbox.get_backend(name),
            mounts={
                VENV_MOUNT: sandbox.Mount(str(venv)),
                RUNNER_MOUNT: sandbox.Mount(str(runner)),
            },
            site_dirs=(f"{VENV_MOUNT}/{site}",),
            runner_dir=RUNNER_MOUNT,
            bin_dirs=(f"{VENV_MOUNT}/bin",),
            key=venv.name,
        )
        with _LOCK:
            _RUNTIMES[(name, str(venv))] = runtime
        return runtime
    # process: no isolation and no mounts; requirements are not supported there.
    if instance.requirements:
        raise EnvironmentBuildError(
            f"backend {name!r} cannot provide requirements {list(instance.requirements)}"
        )
    return TaskRuntime(backend=sandbox.get_backend(name), key="")


def close_runtimes() -> None:
    """Close the per-image docker backends (their warm pools)."""
    with _LOCK:
        for backend in _BACKENDS.values():
            backend.close()
        _BACKENDS.clear()
        _RUNTIMES.clear()
