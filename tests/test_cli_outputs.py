"""Issue 13 B1-B3 on the command line: output paths are checked before the work, a write
that fails keeps the previous file (and the roster), and no command overwrites its inputs.
"""

from __future__ import annotations

import errno
import json
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import solver.files.workbook_read
import solver.solving
from solver.cli import main
from solver.files import atomic
from solver.files.atomic import TEMP_PREFIX

ROOT = Path(__file__).resolve().parents[1]
SOLVE = ["--quiet", "--workers", "1", "--time-limit", "10"]


@pytest.fixture(scope="module")
def solved(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("solved")
    shutil.copy(ROOT / "instances" / "tiny.json", folder / "tiny.json")
    out = folder / "deep" / "er" / "roster.json"
    assert main(["solve", str(folder / "tiny.json"), "--out", str(out), *SOLVE]) == 0
    return folder


def test_solve_creates_the_missing_folders_of_out(solved: Path) -> None:
    roster = json.loads((solved / "deep" / "er" / "roster.json").read_text(encoding="utf-8"))
    assert roster["status"] == "optimal"


def _no_solving(*args: object, **kwargs: object) -> None:
    raise AssertionError("the output should have been refused before solving")


@pytest.mark.parametrize(
    ("out", "previous", "message"),
    [
        ("a_file/r.json", None, "cannot write {out}: {dir}/a_file is a file, not a folder"),
        ("a_folder", None, "{out} is a folder; give a file name"),
        ("tiny.json", None, "{out} is the instance of this command; writing there would replace"),
        ("roster.json", "roster.json", "{out} is the --previous roster of this command"),
    ],
)
def test_solve_refuses_an_impossible_out_before_solving(
    solved: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    out: str,
    previous: str | None,
    message: str,
) -> None:
    shutil.copy(solved / "tiny.json", tmp_path / "tiny.json")
    shutil.copy(solved / "deep" / "er" / "roster.json", tmp_path / "roster.json")
    (tmp_path / "a_file").write_text("x", encoding="utf-8")
    (tmp_path / "a_folder").mkdir()
    before = {p: p.read_bytes() for p in tmp_path.iterdir() if p.is_file()}
    monkeypatch.setattr(solver.solving, "solve", _no_solving)
    args = ["solve", str(tmp_path / "tiny.json"), "--out", str(tmp_path / out), *SOLVE]
    if previous:
        args += ["--previous", str(tmp_path / previous)]
    capsys.readouterr()
    assert main(args) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1, err
    assert err.startswith("--out: " + message.format(out=tmp_path / out, dir=tmp_path)), err
    assert {p: p.read_bytes() for p in tmp_path.iterdir() if p.is_file()} == before


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root writes anywhere")
def test_solve_refuses_a_folder_without_permission(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    monkeypatch.setattr(solver.solving, "solve", _no_solving)
    tiny = str(ROOT / "instances" / "tiny.json")
    assert main(["solve", tiny, "--out", str(locked / "r.json"), *SOLVE]) == 2
    assert "no permission to write in" in capsys.readouterr().err


def test_import_and_diff_check_their_outputs_first(
    solved: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    roster = str(solved / "deep" / "er" / "roster.json")
    (tmp_path / "a_file").write_text("x", encoding="utf-8")
    monkeypatch.setattr(solver.files.workbook_read, "read_workbook", _no_solving)
    capsys.readouterr()
    bad = tmp_path / "a_file" / "instance.json"
    assert main(["import", str(ROOT / "instances" / "template.xlsx"), "--out", str(bad)]) == 2
    assert capsys.readouterr().err.startswith(f"--out: cannot write {bad}: ")
    bad = tmp_path / "a_file" / "c.csv"
    assert main(["diff", roster, roster, "--csv", str(bad)]) == 2
    assert capsys.readouterr().err.startswith(f"--csv: cannot write {bad}: ")
    assert main(["diff", roster, roster, "--csv", roster]) == 2
    assert "is the previous roster of this command" in capsys.readouterr().err
    made = tmp_path / "new" / "folder" / "c.csv"
    assert main(["diff", roster, roster, "--csv", str(made)]) == 0
    assert made.read_text(encoding="utf-8").startswith("subject,")


def test_a_failed_write_keeps_the_previous_roster_and_prints_the_new_one(
    solved: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    previous = tmp_path / "roster.json"
    previous.write_text('{"the": "previous good roster"}\n', encoding="utf-8")

    def full(path: Path) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(atomic, "_fsync", full)
    capsys.readouterr()
    assert main(["solve", str(solved / "tiny.json"), "--out", str(previous), *SOLVE]) == 2
    captured = capsys.readouterr()
    assert captured.err.splitlines() == [
        f"--out: cannot write {previous}: No space left on device",
        "--out: the roster was written to standard output instead",
    ]
    assert json.loads(captured.out)["status"] == "optimal"
    assert previous.read_text(encoding="utf-8") == '{"the": "previous good roster"}\n'
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(TEMP_PREFIX)]


def _limit_file_size() -> None:  # runs in the child, before python starts
    import resource

    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails with EFBIG
    resource.setrlimit(resource.RLIMIT_FSIZE, (1024, 1024))


@pytest.mark.skipif(not hasattr(signal, "SIGXFSZ"), reason="POSIX file-size limits")
def test_a_file_size_limit_leaves_the_previous_roster(solved: Path, tmp_path: Path) -> None:
    roster = solved / "deep" / "er" / "roster.json"
    assert roster.stat().st_size > 1024
    previous = tmp_path / "roster.json"
    shutil.copy(roster, previous)
    good = previous.read_bytes()
    done = subprocess.run(
        [sys.executable, "-m", "solver", "solve", str(solved / "tiny.json")]
        + ["--out", str(previous), *SOLVE],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
        check=False,
        preexec_fn=_limit_file_size,
        env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
    )
    assert done.returncode == 2, done.stderr
    assert f"--out: cannot write {previous}: File too large" in done.stderr
    assert "Traceback" not in done.stderr
    assert previous.read_bytes() == good
    assert sorted(p.name for p in tmp_path.iterdir()) == ["roster.json"]


def test_a_device_is_written_in_place_without_asking_for_its_folder(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A user who may not write in /dev may still write to /dev/null: only the device's own
    # permission counts (the folder is never written for a device).
    from solver.files import outputs

    real_access = os.access

    def no_write_in_dev(path: Any, mode: int, **kwargs: Any) -> bool:
        if str(path) == "/dev" and mode & os.W_OK:
            return False
        return real_access(path, mode, **kwargs)

    monkeypatch.setattr(outputs.os, "access", no_write_in_dev)
    assert outputs.prepare_file("/dev/null") == Path("/dev/null")
