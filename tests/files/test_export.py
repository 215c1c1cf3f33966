"""Issue 7: rosters exported as xlsx, csv, ics, html and png.

The roster is built by hand (no solver needed): it only has to be a well-formed roster whose
ids the instance knows.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
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
from solver.instance import WEIGHT_KEYS_V1, Instance, parse_instance
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
    penalties = dict.fromkeys(WEIGHT_KEYS_V1, 0)
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
    """Weekly events per person: meetings of their groups plus their appointments (a
    therapist: those they provide)."""
    counts: Counter[str] = Counter()
    for group in roster.groups:
        meetings = len(instance.group(group.id).meetings)
        counts[f"therapist-{group.facilitator}"] += meetings
        for client in group.clients:
            counts[f"client-{client}"] += meetings
    for placement in roster.clients:
        for appointment in placement.appointments:
            counts[f"therapist-{appointment.provider}"] += 1
        counts[f"client-{placement.id}"] += len(placement.appointments)
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
            assert "RRULE" not in event  # one week unless --weeks says more
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
    assert event["RRULE"]["FREQ"] == ["WEEKLY"] and event["RRULE"]["COUNT"] == [4]
    assert len(limited) == len(first)
    export_roster(instance, roster, "ics", tmp_path / "d", week_start=MONDAY, weeks=1)
    assert all("RRULE" not in e for e in read_calendars(tmp_path / "d")["client-C1"].walk("VEVENT"))


def uids(folder: Path) -> dict[str, list[str]]:
    return {
        name: sorted(str(e["UID"]) for e in calendar.walk("VEVENT"))
        for name, calendar in read_calendars(folder).items()
    }


def test_ics_uids_stay_the_same_from_week_to_week(
    tmp_path: Path, instance: Instance, roster: Roster
) -> None:
    """Importing this week's and next week's calendars updates events, never doubles them."""
    export_roster(instance, roster, "ics", tmp_path / "w1", week_start=MONDAY)
    export_roster(instance, roster, "ics", tmp_path / "w2", week_start=MONDAY + dt.timedelta(7))
    export_roster(instance, roster, "ics", tmp_path / "w4", week_start=MONDAY, weeks=4)
    first = uids(tmp_path / "w1")
    assert first == uids(tmp_path / "w2") == uids(tmp_path / "w4")
    assert len({u for found in first.values() for u in found}) == sum(map(len, first.values()))
    other = instance.model_copy(
        update={"program": instance.program.model_copy(update={"name": "Other IOP"})}
    )
    export_roster(other, roster, "ics", tmp_path / "other", week_start=MONDAY)
    theirs = {u for found in uids(tmp_path / "other").values() for u in found}
    assert theirs.isdisjoint(u for found in first.values() for u in found)


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
        if to == "ics":  # no calendars to write (see test_export_folder.py)
            with pytest.raises(InputError, match="no meetings or appointments"):
                export_roster(instance, roster, to, target, week_start=MONDAY)
            continue
        assert export_roster(instance, roster, to, target)
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


# ---------------------------------------------------------------- issue 13: pages people pin up


def picture_texts(instance: Instance, roster: Roster, view: str = "program") -> list[str]:
    from solver.files.png import draw_week

    figure = draw_week(instance, roster, view, MONDAY)
    texts = figure.axes[0].texts
    assert texts and all(not t.get_parse_math() for t in texts)  # every text literal
    return [t.get_text() for t in texts]


def test_png_draws_mathtext_literally(tmp_path: Path) -> None:
    data = instance_data()
    data["program"]["name"] = "$x^2$ IOP"
    data["groups"][0]["id"] = data["groups"][0]["room"] = "$\\frac{1}$"
    data["therapists"][0]["id"] = "$T_1$"
    data["clients"][0]["id"] = "$C_{1"
    rdata = roster_data()
    rdata["groups"][1].update(id="$\\frac{1}$", facilitator="$T_1$", clients=["$C_{1", "C2"])
    rdata["clients"][0].update(id="$C_{1", group="$\\frac{1}$", therapist="$T_1$")
    rdata["clients"][1]["group"] = "$\\frac{1}$"
    rdata["clients"][3]["therapist"] = "$T_1$"
    instance, roster = parse_instance(data), parse_roster(rdata)
    out = tmp_path / "week.png"
    export_roster(instance, roster, "png", out, week_start=MONDAY)
    assert png_size(out)[0] > 400
    from solver.files.png import draw_week

    for view in ("$T_1$", "$\\frac{1}$"):  # drawn small: mathtext would fail at any size
        draw_week(instance, roster, view, MONDAY).savefig(io.BytesIO(), format="png", dpi=20)
    texts = picture_texts(instance, roster)
    assert "$x^2$ IOP: weekly roster" in texts
    assert any(t.startswith("$\\frac{1}$ (2)") for t in texts)  # the box of the group
    assert "$C_{1, C2" in texts  # its members, in the legend


def test_png_program_week(instance: Instance, roster: Roster) -> None:
    texts = picture_texts(instance, roster)
    joined = "\n".join(texts)
    assert "Week of Mon 3 Mar 2025" in joined
    assert {"Mon 3 Mar", "Fri 7 Mar", "Sat 8 Mar"} <= set(texts)  # the days, dated
    assert "individual session: client and therapist" in texts  # the legend
    assert "AM · 2 clients (max 8)" in texts and "C1, C2" in texts  # sizes and members
    assert "Room A · facilitator T1" in texts and "room Room" not in joined.lower()
    assert "C2" in texts or "C2 T2" in joined  # individual sessions are drawn
    assert "Unassigned (1)" in texts and "C5" in texts
    assert PRIVATE not in joined
    t2 = picture_texts(instance, roster, "T2")
    assert "session C2" in t2 and "caseload 2 (max 12)" in " ".join(t2)
    room = picture_texts(instance, roster, "A")
    assert "Test IOP: Room A" in room and "Groups in Room A" in room


def test_png_is_deterministic_and_dated(tmp_path: Path, instance: Instance, roster: Roster) -> None:
    a, b = tmp_path / "a.png", tmp_path / "b.png"
    export_roster(instance, roster, "png", a, week_start=MONDAY)
    export_roster(instance, roster, "png", b, week_start=MONDAY)
    assert a.read_bytes() == b.read_bytes()
    width, height = png_size(a)
    assert abs(width / height - 842 / 595) < 0.01  # A4 landscape


def test_one_lane_per_group_and_sessions_below() -> None:
    from solver.files.events import Event
    from solver.files.grid import timeline

    def group(name: str, day: int, start: int, end: int, room: str) -> Event:
        return Event(day, start * 60, end * 60, "group", name, "T1", None, room, ("C1",))

    def session(client: str, day: int, start: int) -> Event:
        return Event(day, start * 60, start * 60 + 60, "session", None, "T2", client, None)

    events = [
        group("X", 0, 9, 12, "A"),
        group("Y", 0, 10, 13, "B"),
        group("X", 2, 9, 12, "A"),  # alone on Wednesday: still in X's lane
        group("Z", 2, 14, 17, "B"),  # never meets with Y: shares Y's lane, the room's
        group("W", 4, 13, 16, "C"),
        session("C1", 0, 10),
        session("C2", 0, 10),
        session("C3", 2, 12),
    ]
    layout = timeline(events)
    lane = {(p.event.group, p.event.day): p.lane for p in layout.placed if p.event.group}
    assert lane[("X", 0)] == lane[("X", 2)] != lane[("Y", 0)]
    assert lane[("Z", 2)] == lane[("Y", 0)]
    assert layout.group_lanes == 2 and lane[("W", 4)] == 0  # a free lane, lowest first
    sessions = [p for p in layout.placed if p.event.kind == "session"]
    assert sorted((p.event.day, p.lane) for p in sessions) == [(0, 2), (0, 3), (2, 2)]
    assert layout.lanes == {0: 4, 1: 2, 2: 3, 3: 2, 4: 2}  # lanes of equal height, per day
    shared = timeline(events, share_lanes=True)  # one person's week: sessions fill free lanes
    assert sorted(p.lane for p in shared.placed if p.event.day == 2) == [0, 0, 1]


def read_page(path: Path) -> tuple[Page, str]:
    page = Page()
    page.feed(path.read_text(encoding="utf-8"))
    page.close()
    return page, " ".join(" ".join(page.text).split())


def test_html_week_at_a_glance(tmp_path: Path, instance: Instance, roster: Roster) -> None:
    out = tmp_path / "roster.html"
    export_roster(instance, roster, "html", out, week_start=MONDAY)
    page, text = read_page(out)
    assert "Week of Mon 3 Mar 2025" in text
    assert all(day in text for day in ("Mon 3 Mar", "Fri 7 Mar", "Sat 8 Mar"))
    assert "individual session: client and therapist" in text  # the legend
    assert "AM (2) · T1 · Room A" in text  # the program's week: one box per meeting
    assert "C2 T2" in text and "C4 T1" in text  # and every individual session
    assert "2 clients (max 8)" in text and "Clients: C1, C2" in text  # sizes and members
    assert "Room A" in text and "room Room" not in text.lower() and "Room Room" not in text
    assert "C5 is unassigned (priority 1)" in text  # penalties as sentences
    assert "not_preferred_therapist" not in text and "shift mismatch" not in text
    assert "@page { size: A4 landscape" in page.style
    assert "#week { break-after: page; }" in page.style  # the week prints on page one
    assert page.tags["script"] == page.tags["img"] == page.tags["link"] == 0
    assert len(page.ids) == len(set(page.ids))


def test_html_penalties_without_a_breakdown(tmp_path: Path, instance: Instance) -> None:
    data = roster_data()
    data["penalties"].update(unassigned=0, extra_trip=0, caseload_spread=0)
    data.update(objective=0, best_bound=0)
    out = tmp_path / "roster.html"
    export_roster(instance, parse_roster(data), "html", out, week_start=MONDAY)
    assert "The roster pays no penalty." in read_page(out)[1]


def test_html_infeasible_lists_clients_and_why(tmp_path: Path, instance: Instance) -> None:
    data = roster_data()
    data.update(
        status="infeasible",
        objective=None,
        best_bound=None,
        groups=[],
        clients=[],
        unassigned=[],
        explanation=["C1 is pinned to <AM> and to T3, who cannot meet"],
    )
    out = tmp_path / "roster.html"
    export_roster(instance, parse_roster(data), "html", out, week_start=MONDAY)
    page, text = read_page(out)
    assert "No roster this week (infeasible)" in text
    assert "C1 is pinned to <AM> and to T3" in text  # escaped in the file, read back
    assert "&lt;AM&gt;" in out.read_text(encoding="utf-8")
    assert "Clients this week (5)" in text
    assert all(f" {c.id} " in f" {text} " for c in instance.clients)


def test_html_escapes_every_id(tmp_path: Path) -> None:
    data = instance_data()
    data["clients"][1]["id"] = "<C2>"
    data["groups"][0]["room"] = "<b>A</b>"
    rdata = roster_data()
    rdata["groups"][1]["clients"] = ["C1", "<C2>"]
    rdata["clients"][1]["id"] = "<C2>"
    out = tmp_path / "roster.html"
    export_roster(parse_instance(data), parse_roster(rdata), "html", out, week_start=MONDAY)
    raw = out.read_text(encoding="utf-8")
    assert "<C2>" not in raw and "<b>A</b>" not in raw
    page, text = read_page(out)
    assert "<C2> T2" in text and "Room <b>A</b>" in text and page.tags["b"] > 0


def test_week_start_dates_html_and_png(tmp_path: Path, instance: Instance, roster: Roster) -> None:
    with pytest.raises(InputError, match="not a Monday"):
        export_roster(
            instance, roster, "html", tmp_path / "x.html", week_start=MONDAY.replace(day=4)
        )
    with pytest.raises(InputError, match="weeks applies to ics only"):
        export_roster(instance, roster, "png", tmp_path / "x.png", weeks=2)
    out = tmp_path / "roster.html"
    export_roster(instance, roster, "html", out)  # default: next Monday
    monday = next_monday()
    assert f"Week of Mon {monday.day} " in read_page(out)[1]
    (tmp_path / "instance.json").write_text(instance.to_json(), encoding="utf-8")
    (tmp_path / "roster.json").write_text(roster.to_json(), encoding="utf-8")
    from solver.cli import main

    command = ["export", str(tmp_path / "instance.json"), str(tmp_path / "roster.json")]
    assert main([*command, "--to", "html", "--out", str(out), "--week-start", "2026-12-07"]) == 0
    assert "Week of Mon 7 Dec 2026" in read_page(out)[1]
    assert main([*command, "--to", "png", "--out", str(out), "--week-start", "2026-12-08"]) == 2


def test_colours_have_contrast() -> None:
    from solver.files.grid import INK, KIND_COLOURS, PALETTE, SESSION_COLOUR

    def luminance(colour: str) -> float:
        channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
        r, g, b = (c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
        return 0.2126 * r + 0.7152 * g + 0.0722 * b

    for fill in (*PALETTE, SESSION_COLOUR, *KIND_COLOURS):
        ratio = (luminance(fill) + 0.05) / (luminance(INK) + 0.05)
        assert ratio >= 7, (fill, ratio)  # WCAG AAA for the text in every box
    assert len(set(PALETTE)) == len(PALETTE) >= 10
    assert len(set(KIND_COLOURS)) == len(KIND_COLOURS) >= 5 and KIND_COLOURS[0] == SESSION_COLOUR
