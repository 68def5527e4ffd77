"""Safe handling of file names given by callers and of files the sandbox leaves behind.

Names in ``ExecRequest.files`` / ``collect`` must be relative, normalised paths that stay
inside the work dir: no absolute paths, no ``..``, no empty or ``.`` components, no
NUL, no backslashes.  Files are written with ``O_NOFOLLOW | O_EXCL`` into directories
the host created, and files are read back (``collect``, compile artefacts) through
``O_NOFOLLOW`` descriptors opened relative to a directory descriptor, refusing
anything that is not a regular file, so a symlink planted by the sandboxed program
never makes the host read or write outside the work dir.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Mapping

from m1env.errors import SandboxInternalError, UnsafePathError

__all__ = ["check_relpath", "read_back", "write_tree"]

_MAX_NAME = 255
_MAX_PATH = 1024


def check_relpath(path: object) -> str:
    """Return ``path`` if it is a safe relative path inside the work dir, else raise."""
    if not isinstance(path, str) or not path:
        raise UnsafePathError(f"file name must be a non-empty string, got {path!r}")
    if "\0" in path or "\\" in path:
        raise UnsafePathError(f"file name {path!r} contains NUL or a backslash")
    if path.startswith("/"):
        raise UnsafePathError(
            f"file name {path!r} is absolute; give a path relative to the work dir"
        )
    if len(path) > _MAX_PATH:
        raise UnsafePathError(f"file name is longer than {_MAX_PATH} characters")
    for part in path.split("/"):
        if part in ("", ".", ".."):
            raise UnsafePathError(f"file name {path!r} has an empty, '.' or '..' component")
        if len(part.encode()) > _MAX_NAME:
            raise UnsafePathError(f"file name component {part[:40]!r}... is too long")
    return path


def write_tree(root: str, files: Mapping[str, bytes], owner: tuple[int, int] | None) -> None:
    """Create ``files`` under the existing directory ``root`` without following links."""
    for rel, data in files.items():
        parts = check_relpath(rel).split("/")
        dir_fd = os.open(root, os.O_RDONLY | os.O_DIRECTORY)
        try:
            for part in parts[:-1]:
                try:
                    os.mkdir(part, 0o755, dir_fd=dir_fd)
                    if owner:
                        os.chown(part, *owner, dir_fd=dir_fd, follow_symlinks=False)
                except FileExistsError:
                    pass
                nxt = os.open(part, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW, dir_fd=dir_fd)
                os.close(dir_fd)
                dir_fd = nxt
            mode = 0o755 if data[:2] == b"#!" or data[:4] == b"\x7fELF" else 0o644
            flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW
            fd = os.open(parts[-1], flags, mode, dir_fd=dir_fd)
            try:
                view = memoryview(data)
                while view:
                    view = view[os.write(fd, view) :]
                if owner:
                    os.fchown(fd, *owner)
            finally:
                os.close(fd)
        except FileExistsError as exc:
            raise UnsafePathError(
                f"file {rel!r} is given twice or clashes with a directory"
            ) from exc
        finally:
            os.close(dir_fd)


def read_back(root: str, rel: str, max_bytes: int) -> bytes:
    """Read regular file ``rel`` under ``root`` without following any symlink.

    Raises SandboxInternalError when the path is missing, a symlink, not a regular
    file, or larger than ``max_bytes``: the program controls that tree.
    """
    parts = check_relpath(rel).split("/")
    fds = [os.open(root, os.O_RDONLY | os.O_DIRECTORY)]
    try:
        for part in parts[:-1]:
            fds.append(os.open(part, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW, dir_fd=fds[-1]))
        flags = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK
        fds.append(os.open(parts[-1], flags, dir_fd=fds[-1]))
        info = os.fstat(fds[-1])
        if not stat.S_ISREG(info.st_mode):
            raise SandboxInternalError(f"{rel!r} is not a regular file")
        if info.st_size > max_bytes:
            raise SandboxInternalError(f"{rel!r} is larger than {max_bytes} bytes")
        chunks, total = [], 0
        while chunk := os.read(fds[-1], 1 << 20):
            total += len(chunk)
            if total > max_bytes:
                raise SandboxInternalError(f"{rel!r} grew past {max_bytes} bytes")
            chunks.append(chunk)
        return b"".join(chunks)
    except OSError as exc:
        raise SandboxInternalError(f"cannot read back {rel!r} safely: {exc.strerror}") from exc
    finally:
        for fd in reversed(fds):
            os.close(fd)
