"""A roster of another program or another week: refused where it must describe the instance
(``explain``, ``recommend``, ``export``: exit status 2, one line per unknown name), and a
one-line warning where it only steers the rerun (``--previous``) and most of its clients are
not in the instance."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from solver import InputError, parse_instance, parse_roster
from solver.analysis.breakdown import penalty_breakdown
from solver.analysis.recommend import recommend
from solver.cli import main

TINY = Path(__file__).resolve().parents[1] / "instances" / "tiny.json"


def renamed(clients: int) -> dict[str, Any]:
    """tiny.json with its groups and its first ``clients`` clients under other ids."""
    data: dict[str, Any] = json.loads(TINY.read_text(encoding="utf-8"))
    for group in data["groups"]:
        group["id"] = "B-" + group["id"]
    for client in data["clients"][:clients]:
        client["id"] = "B-" + client["id"]
    return data


@pytest.fixture(scope="module")
def tiny_roster(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """instances/tiny.json solved (every client placed, in groups AM and EV)."""
    out = tmp_path_factory.mktemp("roster") / "tiny-roster.json"
    args = ["solve", str(TINY), "--out", str(out), "--workers", "1", "--time-limit", "5"]
    assert main([*args, "--quiet"]) == 0
    return out


@pytest.fixture
def other_week(tmp_path: Path) -> Path:
    """Another program's week: none of tiny's groups or clients."""
    path = tmp_path / "other.json"
    path.write_text(json.dumps(renamed(6)), encoding="utf-8")
    return path


def test_recommend_refuses_a_roster_of_another_program(
    tiny_roster: Path, other_week: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["recommend", str(other_week), str(tiny_roster), "B-C001"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.splitlines()
    assert f"{tiny_roster}: clients[0] (id C001): id: the instance has no client 'C001'" in lines
    assert all(line.startswith(f"{tiny_roster}: ") for line in lines)


@pytest.mark.parametrize("command", ["explain", "export"])
def test_explain_and_export_refuse_it_the_same_way(
    command: str,
    tiny_roster: Path,
    other_week: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    args = [command, str(other_week), str(tiny_roster)]
    if command == "export":
        args += ["--to", "html", "--out", str(tmp_path / "roster.html")]
    assert main(args) == 2
    lines = capsys.readouterr().err.splitlines()
    assert f"{tiny_roster}: clients[0] (id C001): id: the instance has no client 'C001'" in lines


def test_the_library_refuses_it_too(tiny_roster: Path) -> None:
    instance = parse_instance(renamed(6))
    roster = parse_roster(tiny_roster.read_text(encoding="utf-8"))
    for call in (
        lambda: recommend(instance, roster, "B-C001"),
        lambda: penalty_breakdown(instance, roster),
    ):
        with pytest.raises(InputError) as raised:
            call()
        assert any(p.message == "the instance has no client 'C001'" for p in raised.value.problems)


@pytest.mark.parametrize(("gone", "warned"), [(0, False), (3, False), (4, True), (6, True)])
def test_a_previous_roster_mostly_of_other_clients_is_warned_about(
    gone: int,
    warned: bool,
    tiny_roster: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    week = tmp_path / "week.json"
    week.write_text(json.dumps(renamed(gone)), encoding="utf-8")
    out = tmp_path / "new.json"
    args = ["solve", str(week), "--previous", str(tiny_roster), "--out", str(out)]
    assert main([*args, "--workers", "1", "--time-limit", "5", "--quiet"]) == 0
    err = capsys.readouterr().err
    line = (
        f"{tiny_roster}: {gone} of the 6 clients of this previous roster are not in {week} "
        "(C001, C002, C003, ...); is it another program's or another week's roster? "
        "Only clients in both count for the rerun penalties\n"
    )
    assert (line in err) is warned
    assert ("previous roster are not in" in err) is warned
