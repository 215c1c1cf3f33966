"""Files written whole or not at all: every file the package writes goes through here.

A file is written to a temporary file in the same folder, flushed to disk (``fsync``), then
moved over the target with :func:`os.replace`, which is atomic on one file system. A failure
part-way (a full disk, a file-size limit, an exception in the writer) therefore leaves the
previous file as it was, and the temporary file is removed.

Targets that are not regular files (``/dev/null``, a named pipe, a terminal) are written
directly: there is nothing to replace there, and replacing a device would be wrong.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import TextIO

__all__ = ["TEMP_PREFIX", "atomic_open", "atomic_path", "write_bytes", "write_text"]

TEMP_PREFIX = ".iop-tmp-"
"""Temporary files start with this (and end with ``.tmp``), in the target's folder."""


def _target(path: Path) -> Path:
    """The file to replace: through a symbolic link, the file it points to."""
    return Path(os.path.realpath(path)) if path.is_symlink() else path


def _is_special(path: Path) -> bool:
    """True for an existing target that is not a regular file (a device, a pipe)."""
    try:
        mode = path.stat().st_mode
    except OSError:
        return False
    return not stat.S_ISREG(mode) and not stat.S_ISDIR(mode)


def _reserve(folder: Path, name: str) -> Path:
    """Create an empty temporary file next to the target (the umask applies, as for open)."""
    for _ in range(100):
        tmp = folder / f"{TEMP_PREFIX}{name[:150]}.{secrets.token_hex(4)}.tmp"
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        except FileExistsError:
            continue
        os.close(fd)
        return tmp
    raise FileExistsError(f"no free temporary name in {folder}")


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDWR)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_folder(folder: Path) -> None:
    """Make the rename itself durable (POSIX only; best effort)."""
    if os.name != "posix":
        return
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


@contextlib.contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """Yield a temporary path to write; on success it replaces ``path``, on failure it goes.

    For writers that open the file themselves (``workbook.save(tmp)``,
    ``figure.savefig(tmp)``). The folder of ``path`` must exist. An existing target keeps
    its permission bits.
    """
    target = _target(Path(path))
    if _is_special(target):
        yield target
        return
    folder = target.parent
    tmp = _reserve(folder, target.name)
    try:
        yield tmp
        _fsync(tmp)
        with contextlib.suppress(OSError):
            os.chmod(tmp, stat.S_IMODE(target.stat().st_mode))
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    _fsync_folder(folder)


@contextlib.contextmanager
def atomic_open(
    path: str | Path, *, encoding: str = "utf-8", newline: str | None = None
) -> Iterator[TextIO]:
    """Open ``path`` for writing text, atomically (see :func:`atomic_path`)."""
    with atomic_path(path) as tmp, tmp.open("w", encoding=encoding, newline=newline) as handle:
        yield handle


def write_bytes(path: str | Path, data: bytes) -> None:
    """Write ``data`` to ``path`` whole or not at all."""
    with atomic_path(path) as tmp, tmp.open("wb") as handle:
        handle.write(data)


def write_text(path: str | Path, text: str, *, encoding: str = "utf-8") -> None:
    """Write ``text`` to ``path`` whole or not at all."""
    with atomic_open(path, encoding=encoding) as handle:
        handle.write(text)
