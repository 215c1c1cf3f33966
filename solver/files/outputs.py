"""Where outputs go, checked before the work: parent folders created, impossible targets and
input files refused, and export folders owned through a manifest.

Every check raises :class:`~solver.errors.InputError` with one problem whose key is the option
that named the path (``--out``, ``--csv``, or ``out`` from Python) and whose message names the
path, so that a long solve never ends in a traceback and a lost roster.

An export folder (``csv`` and ``ics``) holds a manifest, :data:`MANIFEST`, listing the files the
last export wrote. The next export into that folder removes exactly the files of the previous
export that it does not write again (a discharged client's calendar), and never a file that no
export wrote. A non-empty folder without a manifest is refused unless ``force`` is given.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from solver.errors import InputError, Problem
from solver.files.atomic import TEMP_PREFIX, write_text

__all__ = ["MANIFEST", "ExportFolder", "open_export_folder", "prepare_file", "refuse_inputs"]

log = logging.getLogger(__name__)

MANIFEST = ".iop-roster-export.json"
"""The manifest of an export folder: which files the last export wrote."""

_MANIFEST_KIND = "iop-roster export"
# Only files an export can have written are ever removed.
_EXPORT_SUFFIXES = (".csv", ".ics")
# Files that operating systems leave in folders people open: not a sign of someone's data.
_SYSTEM_FILES = frozenset({".DS_Store", "Thumbs.db", "desktop.ini"})


def _problem(option: str, message: str) -> InputError:
    return InputError([Problem("", option, message)])


def _existing_ancestor(path: Path) -> Path:
    current = path
    while not current.exists() and current != current.parent:
        current = current.parent
    return current


def _make_folder(folder: Path, option: str, target: Path) -> None:
    """Create ``folder`` and its parents, or say in one line why that is impossible."""
    ancestor = _existing_ancestor(folder)
    if not ancestor.is_dir():
        raise _problem(option, f"cannot write {target}: {ancestor} is a file, not a folder")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise _problem(
            option, f"cannot create the folder {folder}: {exc.strerror or exc}"
        ) from None
    if not os.access(folder, os.W_OK | os.X_OK):
        raise _problem(option, f"cannot write {target}: no permission to write in {folder}")


def _same_file(a: Path, b: Path) -> bool:
    try:
        if a.exists() and b.exists():
            return os.path.samefile(a, b)
    except OSError:
        pass
    return a.resolve() == b.resolve()


def refuse_inputs(
    path: str | Path, option: str, inputs: Iterable[tuple[str, str | Path | None]]
) -> None:
    """Refuse an output that is one of the command's inputs: ``(label, path)`` pairs."""
    target = Path(path)
    for label, given in inputs:
        if given is not None and _same_file(target, Path(given)):
            raise _problem(
                option,
                f"{target} is the {label} of this command; writing there would replace it "
                "(give another name)",
            )


def prepare_file(
    path: str | Path, option: str = "out", inputs: Sequence[tuple[str, str | Path | None]] = ()
) -> Path:
    """Check that ``path`` can be written as a file, creating its parent folders.

    Raises:
        InputError: ``path`` is a folder, is read-only, is one of ``inputs``, or its folder
            cannot be created or written (a parent is a file, no permission).
    """
    target = Path(path)
    if target.is_dir():
        raise _problem(option, f"{target} is a folder; give a file name")
    refuse_inputs(target, option, inputs)
    if target.exists() and not os.access(target, os.W_OK):
        raise _problem(option, f"cannot write {target}: the file is read-only")
    if target.exists() and not target.is_file():
        return target  # a device or a pipe (/dev/null): written in place, not replaced
    _make_folder(target.parent, option, target)
    return target


@dataclass(frozen=True, slots=True)
class ExportFolder:
    """An export folder, checked and created: what the previous export there wrote."""

    path: Path
    previous: tuple[str, ...]

    def finish(self, to: str, written: Sequence[Path]) -> list[Path]:
        """Record ``written`` in the manifest and remove the previous export's other files;
        return the files removed."""
        names = sorted({p.name for p in written})
        # Until the old files are gone, the manifest lists both (a crash forgets nothing).
        _write_manifest(self.path, to, sorted(set(names) | set(self.previous)))
        removed = []
        for name in sorted(set(self.previous) - set(names)):
            stale = self.path / name
            if any(_same_file(stale, w) for w in written):
                continue  # the same file under another case (case-insensitive file systems)
            if stale.is_file() or stale.is_symlink():
                stale.unlink()
                removed.append(stale)
        _write_manifest(self.path, to, names)
        if removed:
            log.warning(
                "%s: removed %d file(s) of the previous export that this one did not write",
                self.path,
                len(removed),
            )
        foreign = sorted(set(_listing(self.path)) - set(names))
        if foreign:
            shown = ", ".join(foreign[:5]) + (
                f" and {len(foreign) - 5} more" if foreign[5:] else ""
            )
            log.warning("%s also holds files no export wrote, left in place: %s", self.path, shown)
        return removed


def _listing(folder: Path) -> list[str]:
    """The names in ``folder`` that count as someone's files."""
    return [
        p.name
        for p in folder.iterdir()
        if p.name != MANIFEST and p.name not in _SYSTEM_FILES and not p.name.startswith(TEMP_PREFIX)
    ]


def _write_manifest(folder: Path, to: str, names: list[str]) -> None:
    document = {"written_by": _MANIFEST_KIND, "format_version": 1, "to": to, "files": names}
    write_text(folder / MANIFEST, json.dumps(document, indent=2) + "\n")


def _read_manifest(folder: Path) -> tuple[str, ...] | None:
    """The files the manifest lists (only plain export file names), or None when unreadable."""
    try:
        document = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError):
        return None
    if not isinstance(document, dict) or document.get("written_by") != _MANIFEST_KIND:
        return None
    files = document.get("files")
    if not isinstance(files, list):
        return None
    return tuple(
        name
        for name in files
        if isinstance(name, str)
        and name == Path(name).name
        and not name.startswith(".")
        and name.lower().endswith(_EXPORT_SUFFIXES)
    )


def open_export_folder(
    path: str | Path, option: str = "out", *, force: bool = False
) -> ExportFolder:
    """Check and create an export folder; read what the previous export there wrote.

    Raises:
        InputError: ``path`` is a file, cannot be created, or is a non-empty folder that no
            export wrote (no manifest) and ``force`` is not given.
    """
    folder = Path(path)
    if folder.exists() and not folder.is_dir():
        raise _problem(option, f"{folder} is a file; give a folder for the export")
    _make_folder(folder, option, folder)
    if not (folder / MANIFEST).exists():
        if _listing(folder) and not force:
            raise _problem(
                option,
                f"{folder} is not empty and holds no earlier export ({MANIFEST} is missing); "
                "give a new or empty folder, or pass --force to write into it",
            )
        return ExportFolder(folder, ())
    previous = _read_manifest(folder)
    if previous is None:
        if not force:
            raise _problem(
                option,
                f"{folder / MANIFEST} cannot be read as an export manifest; remove it, "
                "or pass --force to write into the folder",
            )
        previous = ()
    return ExportFolder(folder, previous)
