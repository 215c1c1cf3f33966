"""Exports of a format-version-2 roster: every appointment kind with its provider, and the
missed appointments, in the tables, the calendars, the web page and the picture.

The roster is built by hand (no solver needed): a well-formed roster whose ids the instance knows.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from test_export import expected_events, picture_texts, read_calendars, read_page

from solver.files.export import export_roster
from solver.instance import WEIGHT_KEYS, Instance, parse_instance
from solver.roster import Roster, parse_roster

openpyxl = pytest.importorskip("openpyxl")
icalendar = pytest.importorskip("icalendar")
pytest.importorskip("matplotlib")

MONDAY = dt.date(2025, 3, 3)
FAMILY_REASON = "the family is free only sun 14:00-16:00; the clinic is closed then"


def iv(day: str, start: str, end: str) -> dict[str, str]:
    return {"day": day, "start": start, "end": end}


def appointment(kind: str, provider: str, day: str, start: str, end: str) -> dict[str, str]:
    return {"kind": kind, "provider": provider, **iv(day, start, end)}


def instance_data() -> dict[str, Any]:
    week = [iv(d, "08:00", "20:00") for d in ("mon", "tue", "wed", "thu", "fri")]
    return {
        "format_version": 2,
        "program": {
            "name": "Test PHP",
            "group_min_size": 1,
            "levels": [{"id": "iop"}, {"id": "php", "min_weekly_hours": {"adult": 20}}],
            "appointment_kinds": [
                {"id": "individual", "required": True, "per_week": 1},
                {"id": "family", "name": "Family therapy", "with_family": True},
                {
                    "id": "psychiatry",
                    "minutes": 30,
                    "provider": "specialist",
                    "provider_specialties": ["prescriber"],
                },
            ],
        },
        "groups": [
            {
                "id": "AM",
                "shift": "morning",
                "population": "adult",
                "tracks": ["su"],
                "meetings": [iv(d, "09:00", "12:00") for d in ("mon", "wed", "fri")],
                "room": "A",
                "site": "North",
            },
            {
                "id": "PHP",
                "shift": "morning",
                "population": "adult",
                "levels": ["php"],
                "tracks": ["su"],
                "meetings": [iv(d, "09:00", "15:00") for d in ("mon", "tue", "wed", "thu", "fri")],
                "room": "B",
                "site": "North",
                "pull_out": True,
            },
        ],
        "therapists": [
            {"id": "T1", "availability": week},
            {"id": "T2", "availability": week},
            {
                "id": "T9",
                "specialties": ["prescriber"],
                "availability": week,
                "max_caseload": 0,
                "max_groups": 0,
            },
        ],
        "clients": [
            {
                "id": "C1",
                "population": "adult",
                "level": "php",
                "track": "su",
                "family_availability": [iv("wed", "16:00", "18:00")],
                "appointments": {"family": 1, "psychiatry": 1},
            },
            {
                "id": "C2",
                "population": "adult",
                "track": "su",
                "family_availability": [iv("sun", "14:00", "16:00")],
                "appointments": {"family": 1},
            },
            {"id": "C3", "population": "adult", "track": "mh"},
        ],
    }


def roster_data() -> dict[str, Any]:
    penalties = dict.fromkeys(WEIGHT_KEYS, 0)
    penalties.update(unassigned=1000, appointment_missed=100)
    return {
        "format_version": 2,
        "status": "feasible",
        "objective": 1100,
        "best_bound": 1000,
        "penalties": penalties,
        "solve_seconds": 0.1,
        "groups": [
            {"id": "AM", "facilitator": "T1", "clients": ["C2"]},
            {"id": "PHP", "facilitator": "T2", "clients": ["C1"]},
        ],
        "clients": [
            {
                "id": "C1",
                "group": "PHP",
                "therapist": "T1",
                "appointments": [
                    appointment("individual", "T1", "tue", "16:00", "17:00"),
                    appointment("family", "T1", "wed", "16:00", "17:00"),
                    appointment("psychiatry", "T9", "thu", "10:00", "10:30"),
                ],
            },
            {
                "id": "C2",
                "group": "AM",
                "therapist": "T2",
                "appointments": [appointment("individual", "T2", "mon", "13:00", "14:00")],
                "missed": [{"kind": "family", "count": 1, "reasons": [FAMILY_REASON]}],
            },
        ],
        "unassigned": [{"id": "C3", "reasons": ["no mh group"]}],
        "explanation": [],
    }


@pytest.fixture
def instance() -> Instance:
    return parse_instance(instance_data())


@pytest.fixture
def roster() -> Roster:
    return parse_roster(roster_data())


def rows(book: Any, sheet: str) -> list[tuple[Any, ...]]:
    return list(book[sheet].iter_rows(min_row=2, values_only=True))


def test_tables_show_every_appointment_with_kind_and_provider(
    tmp_path: Path, instance: Instance, roster: Roster
) -> None:
    out = tmp_path / "roster.xlsx"
    export_roster(instance, roster, "xlsx", out)
    book = openpyxl.load_workbook(out)
    assert book.sheetnames == [
        "summary",
        "group_lists",
        "therapist_weeks",
        "client_weeks",
        "appointments",
        "missed",
        "unassigned",
        "penalties",
    ]
    assert [c.value for c in book["appointments"][1]] == [
        "client",
        "kind",
        "provider",
        "day",
        "start",
        "end",
        "primary therapist",
        "group",
    ]
    assert rows(book, "appointments") == [
        ("C1", "individual", "T1", "Tue", "16:00", "17:00", "T1", "PHP"),
        ("C1", "family", "T1", "Wed", "16:00", "17:00", "T1", "PHP"),
        ("C1", "psychiatry", "T9", "Thu", "10:00", "10:30", "T1", "PHP"),
        ("C2", "individual", "T2", "Mon", "13:00", "14:00", "T2", "AM"),
    ]
    assert rows(book, "missed") == [("C2", "family", 1, FAMILY_REASON)]
    t9 = [row for row in rows(book, "therapist_weeks") if row[0] == "T9"]
    assert t9 == [("T9", "Thu", "10:00", "10:30", "psychiatry session with C1", None, "C1", None)]
    c1 = rows(book, "client_weeks")
    assert ("C1", "Thu", "10:00", "10:30", "psychiatry session with T9", None, "T9", None) in c1
    assert ("C1", "Wed", "16:00", "17:00", "family session with T1", None, "T1", None) in c1
    summary = dict(rows(book, "summary"))
    assert summary["appointments scheduled"] == 4 and summary["appointments missed"] == 1
    groups = rows(book, "group_lists")
    assert groups[1][:6] == ("PHP", None, "morning", "Mon-Fri 09:00-15:00", "B", "North")
    penalties = {row[0]: row[1:] for row in rows(book, "penalties")}
    assert penalties["appointment_missed"] == (100, 100) and len(penalties) == 12
    written = export_roster(instance, roster, "csv", tmp_path / "csv")
    assert {"appointments.csv", "missed.csv"} <= {p.name for p in written}


def test_calendars_hold_every_appointment_each_therapist_provides(
    tmp_path: Path, instance: Instance, roster: Roster
) -> None:
    export_roster(instance, roster, "ics", tmp_path / "cal", week_start=MONDAY)
    calendars = read_calendars(tmp_path / "cal")
    counts = {name: len(calendar.walk("VEVENT")) for name, calendar in calendars.items()}
    assert counts == dict(expected_events(instance, roster))

    def summaries(name: str) -> dict[str, tuple[dt.datetime, str]]:
        return {
            str(e["SUMMARY"]): (e.decoded("DTSTART"), str(e["DESCRIPTION"]))
            for e in calendars[name].walk("VEVENT")
        }

    # The prescriber is nobody's primary therapist and facilitates nothing: the psychiatry
    # visit they provide is their calendar.
    assert summaries("therapist-T9") == {
        "Psychiatry session with C1": (dt.datetime(2025, 3, 6, 10, 0), "Client C1")
    }
    t1 = summaries("therapist-T1")
    assert {"Family therapy session with C1", "Individual session with C1"} <= set(t1)
    assert "Group AM (facilitating)" in t1
    c1 = summaries("client-C1")
    assert c1["Psychiatry session with T9"] == (dt.datetime(2025, 3, 6, 10, 0), "Provider T9")
    assert c1["Family therapy session with T1"][1] == "Primary therapist T1"
    assert c1["Individual session with T1"][0] == dt.datetime(2025, 3, 4, 16, 0)
    assert "Group PHP" in c1
    uids = [str(e["UID"]) for c in calendars.values() for e in c.walk("VEVENT")]
    assert len(uids) == len(set(uids))


def test_html_page_shows_kinds_providers_and_missed(
    tmp_path: Path, instance: Instance, roster: Roster
) -> None:
    out = tmp_path / "roster.html"
    export_roster(instance, roster, "html", out, week_start=MONDAY)
    page, text = read_page(out)
    for words in (
        "individual appointment: client and therapist",
        "family appointment: client and therapist",
        "psychiatry appointment: client and provider",
    ):
        assert words in text  # the legend, one line per kind
    assert "C1 psychiatry T9" in text and "C1 family T1" in text  # boxes: client, kind, provider
    assert "Missed appointments (1)" in text and FAMILY_REASON in text
    assert "Unassigned (1)" in text
    assert "Facilitates no group · 1 appointment (1 psychiatry) · caseload 0" in text
    assert "psychiatry C1" in text  # T9's week
    assert "site North" in text and "pull-out" in text and "level php" in text
    raw = out.read_text(encoding="utf-8")
    from solver.files.grid import KIND_COLOURS

    assert all(f"background:{colour}" in raw for colour in KIND_COLOURS[:3])
    assert len(page.ids) == len(set(page.ids))


def test_png_shows_kinds_providers_and_missed(
    tmp_path: Path, instance: Instance, roster: Roster
) -> None:
    texts = picture_texts(instance, roster)
    assert "psychiatry appointment: client and provider" in texts
    assert "Missed appointments (1)" in texts and "C2 family ×1" in texts
    assert {"psychiatry", "family", "T9"} <= set(texts)  # the boxes: client, kind, provider
    t9 = picture_texts(instance, roster, "T9")
    assert "psychiatry C1" in t9
    assert "1 appointment (1 psychiatry)" in " ".join(t9)
    out = tmp_path / "week.png"
    assert export_roster(instance, roster, "png", out, week_start=MONDAY) == [out]
