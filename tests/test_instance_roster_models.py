"""The format-v1 models: round trips, defaults as docs/format.md states them, edge cases."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from solver.instance import (
    DAYS,
    Instance,
    Interval,
    Program,
    load_instance,
    parse_instance,
    time_to_minutes,
)
from solver.roster import load_roster, parse_roster

Doc = dict[str, Any]
REPO = Path(__file__).resolve().parents[1]
INSTANCE_FILES = sorted((REPO / "instances").glob("*.json"))


def iv(day: str, start: str, end: str) -> Doc:
    return {"day": day, "start": start, "end": end}


def minimal(**program: Any) -> Doc:
    """One group, one therapist, one client; ``program`` left out when empty."""
    doc: Doc = {
        "format_version": 1,
        "groups": [
            {
                "id": "G1",
                "shift": "morning",
                "population": "adult",
                "tracks": ["substance_use"],
                "meetings": [iv("mon", "09:00", "12:00")],
            },
        ],
        "therapists": [{"id": "T1", "availability": [iv("mon", "08:00", "17:00")]}],
        "clients": [{"id": "C001", "population": "adult", "track": "substance_use"}],
    }
    if program:
        doc["program"] = program
    return doc


# --- round trips ---------------------------------------------------------------------------


def test_the_shipped_instances_are_there() -> None:
    names = {path.name for path in INSTANCE_FILES}
    assert {"clinic.json", "tiny.json"} <= names


@pytest.mark.parametrize("path", INSTANCE_FILES, ids=lambda p: p.name)
def test_instance_round_trip(path: Path) -> None:
    """load -> to_json -> load gives the same instance, and dumping again changes nothing."""
    first = load_instance(path)
    text = first.to_json()
    second = parse_instance(text)
    # A version-1 file is read as version 2 and written as version 2: the same instance.
    assert json.loads(text)["format_version"] == 2
    assert second.source_version == 2
    assert second == first.as_version(2)
    assert second.model_dump() == first.model_dump()
    assert second.to_json() == text
    # Defaults are written out: the dump needs no defaults to be read back the same.
    dumped = json.loads(text)
    assert set(dumped["program"]) == set(Program.model_fields)
    assert all("max_size" in g and g["max_size"] is not None for g in dumped["groups"])


@pytest.mark.parametrize("path", INSTANCE_FILES, ids=lambda p: p.name)
def test_instance_lookups(path: Path) -> None:
    inst = load_instance(path)
    for group in inst.groups:
        assert inst.has_group(group.id) and inst.group(group.id) is group
    for therapist in inst.therapists:
        assert inst.has_therapist(therapist.id) and inst.therapist(therapist.id) is therapist
    for client in inst.clients:
        assert inst.has_client(client.id) and inst.client(client.id) is client
    assert not inst.has_group("no such group")
    with pytest.raises(KeyError):
        inst.client("no such client")


def test_roster_round_trip(tmp_path: Path) -> None:
    roster = parse_roster(
        {
            "format_version": 1,
            "status": "feasible",
            "objective": 1010,
            "best_bound": 1002.5,
            "penalties": {
                "unassigned": 1000,
                "shift_mismatch": 10,
                "not_preferred_therapist": 0,
                "extra_trip": 0,
                "caseload_spread": 0,
                "open_group": 0,
                "group_change": 0,
                "therapist_change": 0,
                "session_moved": 0,
                "facilitator_change": 0,
            },
            "solve_seconds": 3,
            "groups": [{"id": "G1", "facilitator": "T1", "clients": ["C001"]}],
            "clients": [
                {
                    "id": "C001",
                    "group": "G1",
                    "therapist": "T1",
                    "sessions": [iv("tue", "17:00", "18:00")],
                }
            ],
            "unassigned": [{"id": "C002", "reasons": ["no group fits"]}],
            "explanation": [],
        }
    )
    path = tmp_path / "roster.json"
    path.write_text(roster.to_json(), encoding="utf-8")
    again = load_roster(path)
    assert again == roster
    assert again.to_json() == roster.to_json()
    assert again.penalties.total() == 1010


# --- defaults ------------------------------------------------------------------------------

DEFAULT_WEIGHTS = {
    "unassigned": 1000,
    "shift_mismatch": 10,
    "not_preferred_therapist": 5,
    "extra_trip": 2,
    "caseload_spread": 1,
    "open_group": 0,
    "group_change": 50,
    "therapist_change": 50,
    "session_moved": 5,
    "facilitator_change": 20,
}


@pytest.mark.parametrize("program", [None, {}], ids=["program-left-out", "program-empty"])
def test_program_defaults(program: Doc | None) -> None:
    doc = minimal()
    if program is not None:
        doc["program"] = program
    p = parse_instance(doc).program
    assert p.name == ""
    assert (p.group_max_size, p.group_min_size) == (8, 3)
    assert p.slot_minutes == 15
    [kind] = p.appointment_kinds  # version 1's individual session, as version 2 reads it
    assert (kind.id, kind.minutes, kind.required, kind.per_week) == ("individual", 60, True, 1)
    assert {k: v for k, v in p.weights.model_dump().items() if k in DEFAULT_WEIGHTS} == (
        DEFAULT_WEIGHTS
    )
    [level] = p.levels
    assert (level.id, level.min_weekly_hours.adult, level.min_weekly_hours.adolescent) == (
        "iop",
        9,
        6,
    )
    assert [str(i) for i in p.open_hours] == [
        f"{day} 08:00-21:00" for day in ("mon", "tue", "wed", "thu", "fri")
    ]


def test_weights_partial_override_keeps_the_other_defaults() -> None:
    weights = parse_instance(minimal(weights={"extra_trip": 7, "open_group": 3})).program.weights
    expected = {**DEFAULT_WEIGHTS, "extra_trip": 7, "open_group": 3}
    assert {k: v for k, v in weights.model_dump().items() if k in DEFAULT_WEIGHTS} == expected


def test_weight_zero_is_allowed() -> None:
    zeros = dict.fromkeys(DEFAULT_WEIGHTS, 0)
    weights = parse_instance(minimal(weights=zeros)).program.weights.model_dump()
    assert {k: v for k, v in weights.items() if k in DEFAULT_WEIGHTS} == zeros


@pytest.mark.parametrize(
    ("given", "adult", "adolescent"),
    [
        ({"adult": 12}, 12, 6),
        ({"adolescent": 4.5}, 9, 4.5),
        ({}, 9, 6),
        ({"adult": 0, "adolescent": 0}, 0, 0),
    ],
)
def test_min_weekly_hours_partial_override(given: Doc, adult: float, adolescent: float) -> None:
    inst = parse_instance(minimal(min_weekly_hours=given))
    hours = inst.level("iop").min_weekly_hours
    assert (hours.adult, hours.adolescent) == (adult, adolescent)
    assert inst.min_weekly_minutes(inst.clients[0]) == adult * 60


def test_open_hours_given_replace_the_default() -> None:
    saturday = parse_instance(minimal(open_hours=[iv("sat", "09:00", "13:00")])).program
    assert [str(i) for i in saturday.open_hours] == ["sat 09:00-13:00"]
    assert parse_instance(minimal(open_hours=[])).program.open_hours == []


def test_max_size_defaults_to_group_max_size() -> None:
    doc = minimal(group_max_size=6, group_min_size=2)
    doc["groups"].append(dict(doc["groups"][0], id="G2", max_size=4))
    inst = parse_instance(doc)
    assert inst.group("G1").max_size == 6
    assert inst.group("G1").capacity == 6
    assert inst.group("G2").capacity == 4
    # Written out on dump, so the file read back does not depend on the program any more.
    assert json.loads(inst.to_json())["groups"][0]["max_size"] == 6


def test_group_therapist_and_client_defaults() -> None:
    inst = parse_instance(minimal())
    group, therapist, client = inst.groups[0], inst.therapists[0], inst.clients[0]
    assert (group.name, group.audience, group.room, group.facilitator_specialties) == (
        "",
        None,
        None,
        [],
    )
    assert group.weekly_minutes == 180
    assert (therapist.name, therapist.specialties) == ("", [])
    assert (therapist.max_caseload, therapist.max_groups) == (12, 2)
    assert client.audiences == client.needs == client.busy == []
    assert client.preferred_therapists == client.avoid_therapists == client.keep_apart == []
    assert client.shift_preference is None
    assert (client.appointments, client.appointment_minutes, client.priority) == (
        {"individual": 1},
        {},
        1,
    )
    assert (client.level, group.levels, client.sites, group.site) == ("iop", ["iop"], [], None)
    assert (client.pinned_group, client.pinned_therapist) == (None, None)


def test_session_minutes_default_from_program() -> None:
    doc = minimal(individual_session_minutes=45)
    doc["clients"].append(
        {"id": "C002", "population": "adult", "track": "substance_use", "session_minutes": 50}
    )
    inst = parse_instance(doc)
    kind = inst.kind("individual")
    assert inst.appointment_minutes(inst.client("C001"), kind) == 45
    assert inst.appointment_minutes(inst.client("C002"), kind) == 50


def test_adolescent_minimum_applies_to_adolescents() -> None:
    doc = minimal(min_weekly_hours={"adolescent": 7})
    doc["clients"].append({"id": "C002", "population": "adolescent", "track": "substance_use"})
    inst = parse_instance(doc)
    assert inst.min_weekly_minutes(inst.client("C001")) == 9 * 60
    assert inst.min_weekly_minutes(inst.client("C002")) == 7 * 60


# --- intervals -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("a", "b", "overlap"),
    [
        (iv("mon", "09:00", "12:00"), iv("mon", "11:00", "13:00"), True),
        (iv("mon", "09:00", "12:00"), iv("mon", "12:00", "15:00"), False),  # touching
        (iv("mon", "12:00", "15:00"), iv("mon", "09:00", "12:00"), False),  # touching, reversed
        (iv("mon", "09:00", "12:00"), iv("tue", "09:00", "12:00"), False),  # other day
        (iv("mon", "09:00", "17:00"), iv("mon", "12:00", "13:00"), True),  # contains
        (iv("mon", "12:00", "13:00"), iv("mon", "09:00", "17:00"), True),  # inside
        (iv("wed", "18:00", "21:00"), iv("wed", "18:00", "21:00"), True),  # identical
        (iv("wed", "18:00", "21:00"), iv("wed", "20:59", "21:00"), True),  # one minute
        (iv("mon", "23:00", "24:00"), iv("tue", "00:00", "01:00"), False),  # midnight
        (iv("sun", "00:00", "24:00"), iv("sun", "23:59", "24:00"), True),
    ],
)
def test_interval_overlaps(a: Doc, b: Doc, overlap: bool) -> None:
    first, second = Interval.model_validate(a), Interval.model_validate(b)
    assert first.overlaps(second) is overlap
    assert second.overlaps(first) is overlap


def test_interval_minutes() -> None:
    whole_day = Interval(day="sun", start="00:00", end="24:00")
    assert (whole_day.start_minute, whole_day.end_minute, whole_day.minutes) == (0, 1440, 1440)
    assert whole_day.day_index == 6
    evening = Interval(day="mon", start="18:15", end="21:00")
    assert (evening.start_minute, evening.minutes, evening.day_index) == (1095, 165, 0)
    assert str(evening) == "mon 18:15-21:00"


def test_intervals_are_values() -> None:
    a = Interval(day="tue", start="09:00", end="10:00")
    assert a == Interval(day="tue", start="09:00", end="10:00")
    assert len({a, Interval(day="tue", start="09:00", end="10:00")}) == 1


@pytest.mark.parametrize(
    ("text", "minutes"), [("00:00", 0), ("09:05", 545), ("23:59", 1439), ("24:00", 1440)]
)
def test_time_to_minutes(text: str, minutes: int) -> None:
    assert time_to_minutes(text) == minutes


def test_days_in_order() -> None:
    assert DAYS == ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


# --- valid edge cases ----------------------------------------------------------------------


def test_empty_lists_are_valid() -> None:
    inst = parse_instance({"format_version": 1, "groups": [], "therapists": [], "clients": []})
    assert (inst.groups, inst.therapists, inst.clients) == ([], [], [])


def test_edge_values_are_accepted() -> None:
    doc = minimal(group_min_size=8, group_max_size=8, slot_minutes=60, open_hours=[])
    doc["groups"][0]["meetings"] = [iv("sun", "21:00", "24:00"), iv("mon", "00:00", "00:01")]
    doc["groups"][0]["max_size"] = 8
    doc["therapists"][0].update(availability=[], max_caseload=0, max_groups=0)
    doc["clients"][0].update(
        busy=[iv("tue", "00:00", "24:00"), iv("tue", "08:00", "09:00")],  # may overlap
        individual_sessions=0,
        priority=10**6,
        keep_apart=["C001"],
        audiences=[],
        needs=[],
    )
    inst = parse_instance(doc)
    assert inst.groups[0].weekly_minutes == 181
    assert inst.clients[0].keep_apart == ["C001"]


@pytest.mark.parametrize("slot", [1, 2, 3, 4, 5, 6, 10, 12, 15, 20, 30, 60])
def test_every_divisor_of_60_is_a_slot(slot: int) -> None:
    assert parse_instance(minimal(slot_minutes=slot)).program.slot_minutes == slot


def test_valid_pins_and_mutual_keep_apart_are_accepted() -> None:
    doc = minimal()
    doc["clients"] = [
        {
            "id": "C001",
            "population": "adult",
            "track": "substance_use",
            "keep_apart": ["C002"],
            "pinned_group": "G1",
            "pinned_therapist": "T1",
            "preferred_therapists": ["T1"],
        },
        {"id": "C002", "population": "adult", "track": "substance_use", "keep_apart": ["C001"]},
    ]
    inst = parse_instance(doc)
    assert (inst.client("C001").pinned_group, inst.client("C001").pinned_therapist) == ("G1", "T1")


def test_audience_group_accepts_a_client_of_that_audience() -> None:
    doc = minimal()
    doc["groups"][0]["audience"] = "women"
    doc["clients"][0].update(audiences=["women"], pinned_group="G1")
    assert parse_instance(doc).groups[0].audience == "women"


def test_instance_model_rejects_direct_bad_data() -> None:
    """Constructing the model directly validates as strictly as parse_instance."""
    with pytest.raises(ValidationError) as caught:
        Instance.model_validate({**minimal(), "format_version": 1.0})
    assert "format_version" in str(caught.value)
