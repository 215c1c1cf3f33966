"""Issue 13 B1/B3: export targets are checked before anything is written, and the ``csv``
and ``ics`` folders are owned through a manifest: the next export removes exactly the files
the previous one wrote and no longer writes, and a foreign non-empty folder needs ``--force``.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from pathlib import Path

import pytest
from test_export import instance_data, roster_data

from solver import load_instance
from solver.cli import main
from solver.errors import InputError
from solver.files.export import export_roster
from solver.files.outputs import MANIFEST
from solver.instance import WEIGHT_KEYS_V1, Instance, parse_instance
from solver.roster import Roster, parse_roster

MONDAY = dt.date(2025, 3, 3)


@pytest.fixture
def instance() -> Instance:
    return parse_instance(instance_data())


@pytest.fixture
def roster() -> Roster:
    return parse_roster(roster_data())


def manifest_files(folder: Path) -> list[str]:
    files: list[str] = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))["files"]
    return files


def test_the_next_export_removes_only_what_the_previous_export_wrote(
    tmp_path: Path, instance: Instance, roster: Roster, caplog: pytest.LogCaptureFixture
) -> None:
    cal = tmp_path / "cal"
    written = export_roster(instance, roster, "ics", cal, week_start=MONDAY)
    assert manifest_files(cal) == sorted(p.name for p in written)
    # A client the previous export wrote a calendar for has since been discharged ...
    (cal / "client-C999.ics").write_text("BEGIN:VCALENDAR\n", encoding="utf-8")
    listed = {"written_by": "iop-roster export", "format_version": 1, "to": "ics"}
    planted = [*manifest_files(cal), "client-C999.ics", "../outside.ics", "notes.txt"]
    (cal / MANIFEST).write_text(json.dumps({**listed, "files": planted}), encoding="utf-8")
    # ... while these were never written by an export.
    (cal / "notes.txt").write_text("mine", encoding="utf-8")
    (cal / "client-C998.ics").write_text("mine", encoding="utf-8")
    (tmp_path / "outside.ics").write_text("mine", encoding="utf-8")
    with caplog.at_level(logging.WARNING):
        again = export_roster(instance, roster, "ics", cal, week_start=MONDAY)
    assert not (cal / "client-C999.ics").exists()
    assert (cal / "notes.txt").exists() and (cal / "client-C998.ics").exists()
    assert (tmp_path / "outside.ics").exists()
    assert manifest_files(cal) == sorted(p.name for p in again)
    assert "client-C998.ics, notes.txt" in caplog.text


def test_an_export_of_another_format_replaces_the_previous_one(
    tmp_path: Path, instance: Instance, roster: Roster
) -> None:
    out = tmp_path / "out"
    export_roster(instance, roster, "csv", out)
    written = export_roster(instance, roster, "ics", out, week_start=MONDAY)
    assert sorted(p.name for p in out.iterdir()) == sorted([MANIFEST, *(p.name for p in written)])


def test_a_foreign_non_empty_folder_needs_force(
    tmp_path: Path, instance: Instance, roster: Roster
) -> None:
    folder = tmp_path / "documents"
    folder.mkdir()
    (folder / "budget.csv").write_text("mine", encoding="utf-8")
    with pytest.raises(InputError) as caught:
        export_roster(instance, roster, "csv", folder)
    [problem] = caught.value.problems
    assert problem.key == "out" and str(folder) in problem.message
    assert "--force" in problem.message
    assert sorted(p.name for p in folder.iterdir()) == ["budget.csv"]
    written = export_roster(instance, roster, "csv", folder, force=True)
    assert (folder / "budget.csv").read_text(encoding="utf-8") == "mine"
    assert manifest_files(folder) == sorted(p.name for p in written)
    # An empty folder, and one that only the operating system has touched, are fine.
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / ".DS_Store").write_bytes(b"\0")
    assert export_roster(instance, roster, "csv", empty)


def test_an_unreadable_manifest_needs_force(
    tmp_path: Path, instance: Instance, roster: Roster
) -> None:
    folder = tmp_path / "out"
    folder.mkdir()
    (folder / MANIFEST).write_text("[not a manifest", encoding="utf-8")
    with pytest.raises(InputError, match="cannot be read as an export manifest"):
        export_roster(instance, roster, "csv", folder)
    assert export_roster(instance, roster, "csv", folder, force=True)


def test_impossible_targets_are_refused_before_writing(
    tmp_path: Path, instance: Instance, roster: Roster
) -> None:
    a_file = tmp_path / "roster.json"
    a_file.write_text("{}", encoding="utf-8")
    cases = [
        ("csv", a_file, "is a file; give a folder"),
        ("csv", a_file / "x", "roster.json is a file, not a folder"),
        ("html", a_file / "x.html", "roster.json is a file, not a folder"),
        ("xlsx", tmp_path, "is a folder; give a file name"),
    ]
    for to, out, message in cases:
        with pytest.raises(InputError) as caught:
            export_roster(instance, roster, to, out)
        [problem] = caught.value.problems
        assert problem.key == "out" and message in problem.message, (to, problem)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["roster.json"]
    deep = tmp_path / "new" / "deeper" / "roster.html"
    assert export_roster(instance, roster, "html", deep) == [deep]


def _cli(tmp_path: Path, instance: Instance, roster: Roster, *args: str) -> int:
    (tmp_path / "instance.json").write_text(instance.to_json(), encoding="utf-8")
    (tmp_path / "roster.json").write_text(roster.to_json(), encoding="utf-8")
    return main(["export", str(tmp_path / "instance.json"), str(tmp_path / "roster.json"), *args])


def test_cli_export_force_and_refusals(
    tmp_path: Path, instance: Instance, roster: Roster, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _cli(tmp_path, instance, roster, "--to", "csv", "--out", str(tmp_path)) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith(f"--out: {tmp_path} is not empty")
    assert _cli(tmp_path, instance, roster, "--to", "csv", "--out", str(tmp_path), "--force") == 0
    assert (tmp_path / MANIFEST).exists() and (tmp_path / "instance.json").exists()
    capsys.readouterr()
    out = str(tmp_path / "roster.json")
    assert _cli(tmp_path, instance, roster, "--to", "html", "--out", out) == 2
    err = capsys.readouterr().err
    assert (
        err == f"--out: {out} is the roster of this command; writing there would replace it "
        "(give another name)\n"
    )
    assert json.loads((tmp_path / "roster.json").read_text(encoding="utf-8"))["status"]
    bad = str(tmp_path / "roster.json" / "x.png")
    assert _cli(tmp_path, instance, roster, "--to", "png", "--out", bad) == 2
    assert capsys.readouterr().err.startswith(f"--out: cannot write {bad}: ")


def test_cli_export_help_states_the_defaults(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["export", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "(default 1: only the week of --week-start, no repetition)" in text
    assert "--force" in text


def test_an_ics_export_of_a_roster_without_appointments_is_refused(tmp_path: Path) -> None:
    # Writing no calendars into last week's calendar folder would remove every calendar in it.
    instance = load_instance(Path(__file__).resolve().parents[2] / "instances" / "tiny.json")
    roster = parse_roster(
        {
            "format_version": 1,
            "status": "unknown",
            "objective": None,
            "best_bound": None,
            "penalties": dict.fromkeys(WEIGHT_KEYS_V1, 0),
            "solve_seconds": 1.0,
            "groups": [],
            "clients": [],
            "unassigned": [],
            "explanation": ["the time limit ran out"],
        }
    )
    with pytest.raises(InputError, match="no meetings or appointments"):
        export_roster(instance, roster, "ics", tmp_path / "calendars")
    assert not (tmp_path / "calendars").exists()
