"""Issue 7: rosters exported as xlsx, csv, ics, html and png.

The roster is built by hand (no solver needed): it only has to be a well-formed roster whose
ids the instance knows.
"""

from __future__ import annotations

import csv
import datetime as dt
import struct
import subprocess
import sys
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from solver.errors import InputError
from solver.files.export import FORMATS, export_roster, next_monday
from solver.instance import WEIGHT_KEYS, Instance, parse_instance
from solver.roster import Roster, parse_roster

openpyxl = pytest.importorskip("openpyxl")
icalendar = pytest.importorskip("icalendar")
pytest.importorskip("matplotlib")

ROOT = Path(__file__).resolve().parents[2]
MONDAY = dt.date(2025, 3, 3)
PRIVATE = "Dr Jane Example"  # a name in the instance that no export may show


def iv(day: str, start: str, end: str) -> dict[str, str]:
    return {"day": day, "start": start, "end": end}


def week(start: str = "08:00", end: str = "22:00") -> list[dict[str, str]]:
    return [iv(d, start, end) for d in ("mon", "tue", "wed", "thu", "fri", "sat")]


def instance_data() -> dict[str, Any]:
    return {
        "format_version": 1,
        "program": {"name": "Test IOP", "group_min_size": 1},
        "groups": [
            {
                "id": "AM",
                "shift": "morning",
                "population": "adult",
                "tracks": ["su"],
                "meetings": [iv(d, "09:00", "12:00") for d in ("mon", "wed", "fri")],
                "room": "A",
            },
            {
                "id": "PM",
                "shift": "evening",
                "population": "adult",
                "tracks": ["mh"],
                "meetings": [
                    iv("tue", "18:00", "21:00"),
                    iv("thu", "18:00", "21:00"),
                    iv("sat", "10:00", "12:00"),
                ],
                "room": "A",
            },
            {
                "id": "TEEN",
                "shift": "afternoon",
                "population": "adolescent",
                "tracks": ["su"],
                "meetings": [iv("mon", "15:00", "18:00"), iv("wed", "15:00", "18:00")],
                "room": "B",
            },
            {
                "id": "IDLE",
                "shift": "morning",
                "population": "adult",
                "tracks": ["su"],
                "meetings": [iv("tue", "09:00", "12:00")],
                "room": "C",
            },
        ],
        "therapists": [
            {"id": "T1", "name": PRIVATE, "availability": week()},
            {"id": "T2", "availability": week()},
            {"id": "T3", "availability": week()},
        ],
        "clients": [
            {"id": "C1", "population": "adult", "track": "su", "individual_sessions": 2},
            {"id": "C2", "population": "adult", "track": "su"},
            {"id": "C3", "population": "adult", "track": "mh"},
            {"id": "C4", "population": "adolescent", "track": "su", "session_minutes": 45},
            {"id": "C5", "population": "adult", "track": "mh"},
        ],
    }


def roster_data() -> dict[str, Any]:
    penalties = dict.fromkeys(
        WEIGHT_KEYS,
        0,
    )
    penalties.update(unassigned=1000, extra_trip=6, caseload_spread=0)
    return {
        "format_version": 1,
        "status": "optimal",
        "objective": 1006,
        "best_bound": 1006,
        "penalties": penalties,
        "solve_seconds": 0.1,
        "groups": [
            {"id": "PM", "facilitator": "T2", "clients": ["C3"]},
            {"id": "AM", "facilitator": "T1", "clients": ["C1", "C2"]},
            {"id": "TEEN", "facilitator": "T2", "clients": ["C4"]},
        ],
        "clients": [
            {
                "id": "C1",
                "group": "AM",
                "therapist": "T1",
                "sessions": [iv("tue", "10:00", "11:00"), iv("thu", "10:00", "11:00")],
            },
            {
                "id": "C2",
                "group": "AM",
                "therapist": "T2",
                "sessions": [iv("mon", "13:00", "14:00")],
            },
            {
                "id": "C3",
                "group": "PM",
                "therapist": "T2",
                "sessions": [iv("tue", "14:00", "15:00")],
            },
            {
                "id": "C4",
                "group": "TEEN",
                "therapist": "T1",
                "sessions": [iv("mon", "18:30", "19:15")],
            },
        ],
        "unassigned": [{"id": "C5", "reasons": ["no mental_health group has room"]}],
        "explanation": [],
    }


@pytest.fixture
def instance() -> Instance:
    return parse_instance(instance_data())


@pytest.fixture
def roster() -> Roster:
    return parse_roster(roster_data())


def expected_events(instance: Instance, roster: Roster) -> Counter[str]:
    """Weekly events per person: meetings of their groups plus their sessions."""
    counts: Counter[str] = Counter()
    for group in roster.groups:
        meetings = len(instance.group(group.id).meetings)
        counts[f"therapist-{group.facilitator}"] += meetings
        for client in group.clients:
            counts[f"client-{client}"] += meetings
    for placement in roster.clients:
        counts[f"therapist-{placement.therapist}"] += len(placement.sessions)
        counts[f"client-{placement.id}"] += len(placement.sessions)
    return counts


# ---------------------------------------------------------------- tables


def test_xlsx_tables(tmp_path: Path, instance: Instance, roster: Roster) -> None:
    out = tmp_path / "roster.xlsx"
    assert export_roster(instance, roster, "xlsx", out) == [out]
    book = openpyxl.load_workbook(out)
    assert book.sheetnames == [
        "summary",
        "group_lists",
        "therapist_weeks",
        "client_weeks",
        "unassigned",
        "penalties",
    ]
    groups = list(book["group_lists"].iter_rows(values_only=True))
    assert groups[0] == (
        "group",
        "name",
        "shift",
        "meetings",
        "room",
        "facilitator",
        "size",
        "clients",
    )
    assert [row[0] for row in groups[1:]] == ["AM", "PM", "TEEN"]  # instance order
    assert groups[1][3:] == ("Mon, Wed, Fri 09:00-12:00", "A", "T1", 2, "C1; C2")
    therapist_rows = list(book["therapist_weeks"].iter_rows(min_row=2, values_only=True))
    per_therapist = Counter(f"therapist-{row[0]}" for row in therapist_rows)
    client_rows = list(book["client_weeks"].iter_rows(min_row=2, values_only=True))
    per_client = Counter(f"client-{row[0]}" for row in client_rows)
    assert per_therapist + per_client == expected_events(instance, roster)
    assert therapist_rows[0] == ("T1", "Mon", "09:00", "12:00", "facilitates AM", "AM", None, "A")
    assert ("C2", "Mon", "13:00", "14:00", "session with T2", None, "T2", None) in client_rows
    assert list(book["unassigned"].iter_rows(min_row=2, values_only=True)) == [
        ("C5", "no mental_health group has room")
    ]
    penalties = {
        row[0]: row[1:] for row in book["penalties"].iter_rows(min_row=2, values_only=True)
    }
    assert penalties["unassigned"] == (1000, 1000)
    assert penalties["extra_trip"] == (2, 6)


def test_csv_tables(tmp_path: Path, instance: Instance, roster: Roster) -> None:
    written = export_roster(instance, roster, "csv", tmp_path / "out")
    assert sorted(p.name for p in written) == [
        "client_weeks.csv",
        "group_lists.csv",
        "penalties.csv",
        "summary.csv",
        "therapist_weeks.csv",
        "unassigned.csv",
    ]
    with (tmp_path / "out" / "summary.csv").open(encoding="utf-8-sig", newline="") as handle:
        summary = {row["item"]: row["value"] for row in csv.DictReader(handle)}
    assert summary["status"] == "optimal"
    assert summary["objective"] == "1006"
    assert summary["clients unassigned"] == "1"
    with (tmp_path / "out" / "group_lists.csv").open(encoding="utf-8-sig", newline="") as handle:
        groups = list(csv.DictReader(handle))
    assert [g["group"] for g in groups] == ["AM", "PM", "TEEN"]
    assert groups[1]["meetings"] == "Tue, Thu 18:00-21:00; Sat 10:00-12:00"


# ---------------------------------------------------------------- calendars


def read_calendars(folder: Path) -> dict[str, Any]:
    return {p.stem: icalendar.Calendar.from_ical(p.read_bytes()) for p in folder.glob("*.ics")}


def test_ics_holds_exactly_the_roster_events(
    tmp_path: Path, instance: Instance, roster: Roster
) -> None:
    written = export_roster(instance, roster, "ics", tmp_path / "cal", week_start=MONDAY)
    calendars = read_calendars(tmp_path / "cal")
    assert sorted(p.stem for p in written) == sorted(calendars)
    counts = {name: len(calendar.walk("VEVENT")) for name, calendar in calendars.items()}
    assert counts == dict(expected_events(instance, roster))
    assert counts["therapist-T1"] == 3 + 2 + 1
    assert "therapist-T3" not in counts and "client-C5" not in counts
    uids = [str(e["UID"]) for c in calendars.values() for e in c.walk("VEVENT")]
    assert len(uids) == len(set(uids))
    for calendar in calendars.values():
        assert str(calendar["VERSION"]) == "2.0" and calendar.get("PRODID")
        for event in calendar.walk("VEVENT"):
            assert event["RRULE"]["FREQ"] == ["WEEKLY"]
            start = event.decoded("DTSTART")
            assert MONDAY <= start.date() < MONDAY + dt.timedelta(days=7)
            assert event.decoded("DTEND") > start
            assert event.get("DTSTAMP") is not None
    c4 = {
        (e.decoded("DTSTART"), e.decoded("DTEND"), str(e["SUMMARY"]))
        for e in calendars["client-C4"].walk("VEVENT")
    }
    assert (
        dt.datetime(2025, 3, 3, 18, 30),
        dt.datetime(2025, 3, 3, 19, 15),
        "Individual session with T1",
    ) in c4
    assert (dt.datetime(2025, 3, 5, 15, 0), dt.datetime(2025, 3, 5, 18, 0), "Group TEEN") in c4
    am = [e for e in calendars["therapist-T1"].walk("VEVENT") if "AM" in str(e["SUMMARY"])]
    assert {str(e["LOCATION"]) for e in am} == {"A"}
    assert PRIVATE not in b"".join(p.read_bytes() for p in written).decode()


def test_ics_is_deterministic_and_can_end(
    tmp_path: Path, instance: Instance, roster: Roster
) -> None:
    first = export_roster(instance, roster, "ics", tmp_path / "a", week_start=MONDAY)
    second = export_roster(instance, roster, "ics", tmp_path / "b", week_start=MONDAY)
    assert [p.read_bytes() for p in first] == [p.read_bytes() for p in second]
    limited = export_roster(instance, roster, "ics", tmp_path / "c", week_start=MONDAY, weeks=4)
    event = read_calendars(tmp_path / "c")["client-C1"].walk("VEVENT")[0]
    assert event["RRULE"]["COUNT"] == [4]
    assert len(limited) == len(first)


def test_ics_week_start(tmp_path: Path, instance: Instance, roster: Roster) -> None:
    with pytest.raises(InputError, match="not a Monday"):
        export_roster(instance, roster, "ics", tmp_path, week_start=dt.date(2025, 3, 4))
    assert next_monday(dt.date(2025, 3, 3)) == dt.date(2025, 3, 10)
    assert next_monday(dt.date(2025, 3, 9)) == dt.date(2025, 3, 10)
    written = export_roster(instance, roster, "ics", tmp_path / "cal")
    start = read_calendars(tmp_path / "cal")[written[0].stem].walk("VEVENT")[0].decoded("DTSTART")
    assert start.date() - next_monday() < dt.timedelta(days=7)


# ---------------------------------------------------------------- html


class Page(HTMLParser):
    """Collects what the tests look at: text, element ids, tags and links."""

    def __init__(self) -> None:
        super().__init__()
        self.text: list[str] = []
        self.ids: list[str] = []
        self.tags: Counter[str] = Counter()
        self.links: list[str] = []
        self.style = ""
        self._in_style = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags[tag] += 1
        self._in_style = tag == "style"
        for name, value in attrs:
            if name == "id" and value:
                self.ids.append(value)
            if name in ("href", "src") and value:
                self.links.append(value)

    def handle_endtag(self, tag: str) -> None:
        self._in_style = False

    def handle_data(self, data: str) -> None:
        if self._in_style:
            self.style += data
        else:
            self.text.append(data)


def test_html_page(tmp_path: Path, instance: Instance, roster: Roster) -> None:
    out = tmp_path / "roster.html"
    assert export_roster(instance, roster, "html", out) == [out]
    page = Page()
    page.feed(out.read_text(encoding="utf-8"))
    page.close()
    text = " ".join(page.text)
    for group in roster.groups:
        assert f"group-{group.id}" in page.ids
        assert f"Group {group.id}" in text
    assert "group-IDLE" not in page.ids and "IDLE" not in text
    for therapist in instance.therapists:
        assert f"therapist-{therapist.id}" in page.ids
    assert {"room-A", "room-B"} <= set(page.ids)
    assert "session C4" in text and "C5" in text
    assert "@media print" in page.style
    assert page.tags["link"] == 0 and page.tags["script"] == 0 and page.tags["img"] == 0
    assert all(link.startswith("#") for link in page.links)
    assert PRIVATE not in text


def test_html_escapes_ids(tmp_path: Path) -> None:
    data = instance_data()
    data["groups"][0]["id"] = "<AM&>"
    for client in data["clients"]:
        client.pop("pinned_group", None)
    rdata = roster_data()
    rdata["groups"][1]["id"] = "<AM&>"
    rdata["clients"][0]["group"] = rdata["clients"][1]["group"] = "<AM&>"
    out = tmp_path / "roster.html"
    export_roster(parse_instance(data), parse_roster(rdata), "html", out)
    page = out.read_text(encoding="utf-8")
    assert "<AM&>" not in page and "&lt;AM&amp;&gt;" in page


# ---------------------------------------------------------------- png


def png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


@pytest.mark.parametrize("view", [None, "program", "T2", "A"])
def test_png_views(tmp_path: Path, instance: Instance, roster: Roster, view: str | None) -> None:
    out = tmp_path / "week.png"
    assert export_roster(instance, roster, "png", out, view=view) == [out]
    width, height = png_size(out)
    assert width > 400 and height > 300
    assert out.stat().st_size > 10_000


def test_png_unknown_view(tmp_path: Path, instance: Instance, roster: Roster) -> None:
    with pytest.raises(InputError) as caught:
        export_roster(instance, roster, "png", tmp_path / "x.png", view="Z9")
    [problem] = caught.value.problems
    assert problem.key == "view" and "'Z9'" in problem.message
    assert not (tmp_path / "x.png").exists()


# ---------------------------------------------------------------- errors and edge cases


def test_bad_requests(tmp_path: Path, instance: Instance, roster: Roster) -> None:
    with pytest.raises(InputError, match="unknown export format 'pdf'"):
        export_roster(instance, roster, "pdf", tmp_path / "x")
    with pytest.raises(InputError, match="png only"):
        export_roster(instance, roster, "html", tmp_path / "x.html", view="T1")
    with pytest.raises(InputError, match="ics only"):
        export_roster(instance, roster, "csv", tmp_path / "x", week_start=MONDAY)
    data = roster_data()
    data["groups"][0]["id"] = "GONE"
    with pytest.raises(InputError) as caught:
        export_roster(instance, parse_roster(data), "csv", tmp_path / "x")
    assert [(p.entry, p.key) for p in caught.value.problems] == [("groups[0] (id GONE)", "id")]


def test_infeasible_roster_exports(tmp_path: Path, instance: Instance) -> None:
    data = roster_data()
    data.update(
        status="infeasible",
        objective=None,
        best_bound=None,
        groups=[],
        clients=[],
        unassigned=[],
        explanation=["C1 is pinned to AM and to T3, who cannot meet"],
    )
    roster = parse_roster(data)
    for to in FORMATS:
        target = tmp_path / (f"out.{to}" if to in ("xlsx", "html", "png") else to)
        written = export_roster(
            instance, roster, to, target, **({"week_start": MONDAY} if to == "ics" else {})
        )
        assert written or to == "ics"
    assert "pinned to AM" in (tmp_path / "out.html").read_text(encoding="utf-8")


# ---------------------------------------------------------------- the command line


@pytest.mark.parametrize("to", FORMATS)
def test_cli_export(tmp_path: Path, instance: Instance, roster: Roster, to: str) -> None:
    (tmp_path / "instance.json").write_text(instance.to_json(), encoding="utf-8")
    (tmp_path / "roster.json").write_text(roster.to_json(), encoding="utf-8")
    out = tmp_path / (f"roster.{to}" if to in ("xlsx", "html", "png") else to)
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "solver",
            "export",
            str(tmp_path / "instance.json"),
            str(tmp_path / "roster.json"),
            "--to",
            to,
            "--out",
            str(out),
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    listed = [Path(line) for line in done.stderr.splitlines()]
    assert listed and all(path.is_file() for path in listed)
    assert out.is_file() if to in ("xlsx", "html", "png") else out.is_dir()


def test_cli_export_unknown_view(tmp_path: Path, instance: Instance, roster: Roster) -> None:
    (tmp_path / "instance.json").write_text(instance.to_json(), encoding="utf-8")
    (tmp_path / "roster.json").write_text(roster.to_json(), encoding="utf-8")
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "solver",
            "export",
            str(tmp_path / "instance.json"),
            str(tmp_path / "roster.json"),
            "--to",
            "png",
            "--out",
            str(tmp_path / "x.png"),
            "--view",
            "nobody",
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
        check=False,
    )
    assert done.returncode == 2
    assert "view: unknown view 'nobody'" in done.stderr and "Traceback" not in done.stderr
