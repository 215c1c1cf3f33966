"""Issue 13 B2: every file the package writes is replaced whole or not at all.

A failure part-way through a write (full disk, file-size limit, a writer that raises) must
leave the previous file as it was and no temporary file behind.
"""

from __future__ import annotations

import datetime as dt
import errno
import os
import stat
from pathlib import Path

import pytest
from test_export import instance_data, roster_data

from solver.files import atomic
from solver.files.atomic import TEMP_PREFIX, atomic_open, atomic_path, write_bytes, write_text
from solver.files.export import FORMATS, export_roster
from solver.files.workbook_write import write_workbook
from solver.instance import parse_instance
from solver.roster import parse_roster

OLD = b"the previous good file\n"


def leftovers(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if p.name.startswith(TEMP_PREFIX)]


def test_a_writer_that_fails_part_way_leaves_the_previous_file(tmp_path: Path) -> None:
    target = tmp_path / "roster.json"
    target.write_bytes(OLD)
    with pytest.raises(RuntimeError), atomic_open(target) as handle:
        handle.write('{"format_version": 1, "status": "opt')
        handle.flush()
        raise RuntimeError("disk full")
    assert target.read_bytes() == OLD
    assert leftovers(tmp_path) == []
    with pytest.raises(OSError), atomic_path(target) as tmp:
        tmp.write_bytes(b"half")
        raise OSError(errno.ENOSPC, "No space left on device")
    assert target.read_bytes() == OLD
    assert sorted(p.name for p in tmp_path.iterdir()) == ["roster.json"]


def test_a_failed_flush_to_disk_leaves_the_previous_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "roster.json"
    target.write_bytes(OLD)

    def full(path: Path) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(atomic, "_fsync", full)
    with pytest.raises(OSError, match="No space"):
        write_text(target, "new text")
    assert target.read_bytes() == OLD
    assert leftovers(tmp_path) == []


def test_a_write_replaces_the_file_keeping_its_mode_and_links(tmp_path: Path) -> None:
    target = tmp_path / "roster.json"
    target.write_bytes(OLD)
    target.chmod(0o640)
    write_bytes(target, b"new")
    assert target.read_bytes() == b"new"
    assert stat.S_IMODE(target.stat().st_mode) == 0o640
    link = tmp_path / "current.json"
    link.symlink_to(target)
    write_text(link, "through the link")
    assert link.is_symlink() and target.read_text(encoding="utf-8") == "through the link"
    assert leftovers(tmp_path) == []


@pytest.mark.skipif(not Path("/dev/null").exists(), reason="needs /dev/null")
def test_a_device_is_written_directly_not_replaced() -> None:
    write_text("/dev/null", "discarded")
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)


def _sentinel_targets(tmp_path: Path, to: str) -> list[Path]:
    """The previous good files: for a folder, those of an earlier export, overwritten."""
    if to in ("xlsx", "html", "png"):
        (tmp_path / f"roster.{to}").write_bytes(OLD)
        return [tmp_path / f"roster.{to}"]
    instance = parse_instance(instance_data())
    roster = parse_roster(roster_data())
    target = tmp_path / to
    extra = {"week_start": dt.date(2025, 3, 3)} if to == "ics" else {}
    written = export_roster(instance, roster, to, target, **extra)
    for path in written:
        path.write_bytes(OLD)
    return written


@pytest.mark.parametrize("to", FORMATS)
def test_every_export_keeps_the_previous_files_when_a_write_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, to: str
) -> None:
    written = _sentinel_targets(tmp_path, to)
    manifests = {p: p.read_bytes() for p in tmp_path.rglob(".iop-roster-export.json")}
    calls: list[Path] = []

    def full(path: Path) -> None:  # the data went into the temporary file; the disk is full
        calls.append(path)
        assert path.stat().st_size > 0
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(atomic, "_fsync", full)
    extra = {"week_start": dt.date(2025, 3, 3)} if to == "ics" else {}
    with pytest.raises(OSError, match="No space"):
        export_roster(
            parse_instance(instance_data()),
            parse_roster(roster_data()),
            to,
            written[0] if to in ("xlsx", "html", "png") else written[0].parent,
            **extra,
        )
    assert calls, "the export did not write through the atomic helper"
    assert all(path.read_bytes() == OLD for path in written)
    assert {p: p.read_bytes() for p in tmp_path.rglob(".iop-roster-export.json")} == manifests
    assert leftovers(tmp_path) == []


@pytest.mark.parametrize("kind", ["xlsx", "csv"])
def test_the_instance_workbook_is_written_whole_or_not_at_all(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kind: str
) -> None:
    instance = parse_instance(instance_data())
    target = tmp_path / ("week.xlsx" if kind == "xlsx" else "week")
    write_workbook(instance, target)
    files = [target] if kind == "xlsx" else sorted(target.iterdir())
    for path in files:
        path.write_bytes(OLD)

    def full(path: Path) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(atomic, "_fsync", full)
    with pytest.raises(OSError):
        write_workbook(instance, target)
    assert all(path.read_bytes() == OLD for path in files)
    assert leftovers(tmp_path) == []
