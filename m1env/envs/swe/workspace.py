"""One episode's workspace: the repository the agent edits, and its diff against the base.

Layout of an episode dir (``<tmp>/m1env-swe-ep-<pid>-XXXX``, mode 0711; dirs whose
worker pid is gone are reaped when the next workspace is made)::

    work/   the repository at base_commit; mounted read-write at /repo in every
            sandboxed command; owned by the sandbox user
    git/    a git dir holding the base commit (never mounted: the agent cannot touch
            it, so no hook or config it writes ever runs on the host)

:meth:`Workspace.diff` is ``git add -A`` + ``git diff --cached`` of ``work/`` against
the base commit, with caches (``__pycache__``, ``*.pyc``, ``.pytest_cache``) excluded:
the submitted patch. File tools run on the host, on paths resolved inside ``work/``
(``..``, absolute paths outside ``/repo`` and symlinks leading out are refused with
:class:`WorkspacePathError`); nothing sandboxed runs while they do (every sandboxed
command's processes die with it), so a resolved path cannot change under them.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import tempfile
from collections.abc import Mapping
from pathlib import Path

from m1env.errors import WorkspaceError, WorkspacePathError
from m1env.sandbox._local import sandbox_ids
from m1env.sandbox._proc import owner_gone

__all__ = ["MOUNT_POINT", "Workspace", "WorkspaceError", "WorkspacePathError", "reap_stale"]

MOUNT_POINT = "/repo"
_GIT_TIMEOUT_S = 60.0
_EXCLUDES = "__pycache__/\n*.pyc\n*.pyo\n.pytest_cache/\n"


_PREFIX = "m1env-swe-ep-"


def reap_stale(base: Path) -> int:
    """Remove episode dirs left in ``base`` by workers that are gone (killed mid-episode)."""
    removed = 0
    for entry in base.glob(f"{_PREFIX}*"):
        pid = entry.name[len(_PREFIX) :].split("-", 1)[0]
        if pid.isdigit() and entry.is_dir() and not entry.is_symlink() and owner_gone(int(pid)):
            shutil.rmtree(entry, ignore_errors=True)
            removed += 1
    return removed


class Workspace:
    """A persistent per-episode repository; :meth:`cleanup` removes it."""

    def __init__(self, files: Mapping[str, str], base_dir: str | None = None) -> None:
        base = Path(base_dir or tempfile.gettempdir())
        reap_stale(base)
        self.root = Path(tempfile.mkdtemp(prefix=f"{_PREFIX}{os.getpid()}-", dir=base))
        os.chmod(self.root, 0o711)
        self.work = self.root / "work"
        self.git_dir = self.root / "git"
        self.ids = sandbox_ids()
        try:
            self.work.mkdir()
            for rel, text in files.items():
                target = self.work / rel
                if not target.resolve().is_relative_to(self.work.resolve()):
                    raise WorkspacePathError(f"task file {rel!r} leaves the workspace")
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_text(text, encoding="utf-8")
            self._git("init", "-q")
            (self.git_dir / "info").mkdir(exist_ok=True)
            (self.git_dir / "info" / "exclude").write_text(_EXCLUDES)
            self._git("add", "-A", "--force", "--", ".")
            self._git("commit", "-q", "--no-verify", "--allow-empty", "-m", "base")
            self.base = self._git("rev-parse", "HEAD").strip()
            self._own(self.work)
        except BaseException:
            self.cleanup()
            raise

    # -- host-side helpers --------------------------------------------------------

    def _git(self, *args: str) -> str:
        env = {
            "PATH": "/usr/bin:/bin",
            "GIT_DIR": str(self.git_dir),
            "GIT_WORK_TREE": str(self.work),
            "HOME": str(self.root),
            "GIT_CONFIG_NOSYSTEM": "1",
            "GIT_CONFIG_GLOBAL": "/dev/null",
            "LC_ALL": "C",
        }
        config = ["-c", "user.name=m1env", "-c", "user.email=m1env@localhost",
                  "-c", "core.hooksPath=/dev/null", "-c", "core.fsmonitor=false",
                  "-c", "core.autocrlf=false", "-c", "core.quotepath=false",
                  "-c", f"safe.directory={self.work}", "-c", "diff.noprefix=false"]  # fmt: skip
        try:
            done = subprocess.run(
                ["git", *config, *args], cwd=self.work, env=env, capture_output=True,
                text=True, timeout=_GIT_TIMEOUT_S, check=False,
            )  # fmt: skip
        except subprocess.TimeoutExpired:
            raise WorkspaceError(f"git {args[0]} timed out") from None
        if done.returncode != 0:
            raise WorkspaceError(f"git {args[0]} failed: {done.stderr.strip()[-500:]}")
        return done.stdout

    def _own(self, path: Path) -> None:
        """Hand ``path`` (and what is under it) to the sandbox user."""
        if self.ids is None:
            return
        uid, gid = self.ids
        os.lchown(path, uid, gid)
        if path.is_dir() and not path.is_symlink():
            for dirpath, dirnames, filenames in os.walk(path):
                for name in dirnames + filenames:
                    os.lchown(os.path.join(dirpath, name), uid, gid)

    def diff(self) -> str:
        """The workspace's changes against the base commit, as a git diff."""
        self._git("add", "-A", "--", ".")
        return self._git(
            "diff", "--cached", "--no-color", "--no-ext-diff", "--no-textconv",
            "--no-renames", self.base,
        )  # fmt: skip

    def resolve(self, path: str) -> Path:
        """The host path of ``path`` (relative to the repository root, or absolute under
        /repo); raises WorkspacePathError when it leaves the workspace."""
        if not isinstance(path, str) or not path or "\0" in path:
            raise WorkspacePathError("the path must be a non-empty string")
        rel = path
        if rel == MOUNT_POINT or rel.startswith(MOUNT_POINT + "/"):
            rel = rel[len(MOUNT_POINT) :].lstrip("/") or "."
        elif rel.startswith("/"):
            raise WorkspacePathError(f"{path!r} is outside the repository ({MOUNT_POINT})")
        if ".." in Path(rel).parts:
            raise WorkspacePathError(f"{path!r} has a '..' component")
        root = self.work.resolve()
        target = (root / rel).resolve()
        if not target.is_relative_to(root):
            raise WorkspacePathError(f"{path!r} leads outside the repository")
        return target

    def read_text(self, path: str, limit: int) -> str:
        target = self.resolve(path)
        if not target.is_file():
            raise WorkspacePathError(f"{path!r} is not a file")
        fd = os.open(target, os.O_RDONLY | os.O_NOFOLLOW)
        with os.fdopen(fd, "rb") as handle:
            data = handle.read(limit + 1)
        if len(data) > limit:
            raise WorkspacePathError(f"{path!r} is over {limit} bytes; view a line range")
        if b"\0" in data:
            raise WorkspacePathError(f"{path!r} is a binary file")
        return data.decode("utf-8", "replace")

    def write_text(self, path: str, text: str) -> bool:
        """Write ``text`` to ``path``; True when the file existed."""
        target = self.resolve(path)
        if target == self.work.resolve() or target.is_dir():
            raise WorkspacePathError(f"{path!r} is a directory")
        existed = target.exists()
        # Create missing parents one by one so each is handed to the sandbox user.
        missing = []
        parent = target.parent
        while not parent.exists():
            missing.append(parent)
            parent = parent.parent
        for directory in reversed(missing):
            directory.mkdir()
            self._own(directory)
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o644)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        self._own(target)
        return existed

    def listing(self, path: str, limit: int = 500) -> str:
        target = self.resolve(path)
        entries = []
        for dirpath, dirnames, filenames in os.walk(target):
            dirnames[:] = sorted(d for d in dirnames if d not in ("__pycache__", ".pytest_cache"))
            for name in sorted(filenames):
                entries.append(Path(dirpath, name).relative_to(self.work).as_posix())
                if len(entries) >= limit:
                    return "\n".join(entries) + f"\n... (first {limit} files)"
        return "\n".join(entries) if entries else "(empty)"

    def size_bytes(self) -> int:
        """Bytes the workspace's files take (symlinks and dirs count their own entries)."""
        total = 0
        for dirpath, dirnames, filenames in os.walk(self.work):
            for name in dirnames + filenames:
                with contextlib.suppress(OSError):
                    total += os.lstat(os.path.join(dirpath, name)).st_size
        return total

    def cleanup(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)
