"""The independent checker: each rule R1-R11 caught alone, roster consistency, the objective.

Every case starts from one small hand-built week whose roster is valid, changes one
thing, and asserts which rule the checker names and what the message says.
"""

from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from solver.checker import CheckReport, Violation, check
from solver.instance import Instance, parse_instance
from solver.roster import Roster, parse_roster

Doc = dict[str, Any]
REPO = Path(__file__).resolve().parents[2]


def iv(day: str, start: str, end: str) -> Doc:
    return {"day": day, "start": start, "end": end}


def placed(client_id: str, group: str, therapist: str, *sessions: Doc) -> Doc:
    return {"id": client_id, "group": group, "therapist": therapist, "sessions": list(sessions)}


def base_instance() -> Doc:
    """Two groups that run (G1, G2), one that does not (G3), three therapists, five clients."""
    weekdays = ["mon", "tue", "wed", "thu", "fri"]
    return {
        "format_version": 1,
        "program": {
            "group_min_size": 2,
            "group_max_size": 4,
            "min_weekly_hours": {"adult": 7, "adolescent": 6},
        },
        "groups": [
            {
                "id": "G1",
                "shift": "morning",
                "population": "adult",
                "tracks": ["substance_use"],
                "room": "R1",
                "max_size": 3,
                "meetings": [iv("mon", "09:00", "12:00"), iv("wed", "09:00", "12:00")],
            },
            {
                "id": "G2",
                "shift": "afternoon",
                "population": "adult",
                "tracks": ["substance_use", "mental_health"],
                "room": "R1",
                "meetings": [iv("tue", "13:00", "16:00"), iv("thu", "13:00", "16:00")],
            },
            # Never runs: its room clash with G1 must not count.
            {
                "id": "G3",
                "shift": "morning",
                "population": "adolescent",
                "tracks": ["mental_health"],
                "room": "R1",
                "meetings": [iv("mon", "09:00", "12:00")],
            },
        ],
        "therapists": [
            # Monday is two touching intervals: their union holds G1's 09:00-12:00.
            {
                "id": "T1",
                "specialties": ["trauma"],
                "max_caseload": 3,
                "max_groups": 1,
                "availability": [iv("mon", "08:00", "10:30"), iv("mon", "10:30", "17:00")]
                + [iv(d, "08:00", "17:00") for d in weekdays[1:]],
            },
            {
                "id": "T2",
                "max_caseload": 3,
                "max_groups": 1,
                "availability": [iv(d, "07:00", "17:00") for d in weekdays],
            },
            # max_caseload 0: left out of caseload_spread.
            {"id": "T3", "max_caseload": 0, "availability": []},
        ],
        "clients": [
            {
                "id": "C1",
                "population": "adult",
                "track": "substance_use",
                "needs": ["trauma"],
                "shift_preference": "morning",
            },
            {"id": "C2", "population": "adult", "track": "substance_use"},
            {
                "id": "C3",
                "population": "adult",
                "track": "mental_health",
                "shift_preference": "morning",
            },
            {
                "id": "C4",
                "population": "adult",
                "track": "substance_use",
                "preferred_therapists": ["T2"],
            },
            {"id": "C5", "population": "adult", "track": "substance_use", "priority": 2},
        ],
    }


# unassigned C5 (priority 2), C3 wants mornings, C4 prefers T2, C2 and C4 travel for a session.
BASE_PENALTIES = {
    "unassigned": 2000,
    "shift_mismatch": 10,
    "not_preferred_therapist": 5,
    "extra_trip": 4,
    "caseload_spread": 0,
    "open_group": 0,
    "group_change": 0,
    "therapist_change": 0,
    "session_moved": 0,
    "facilitator_change": 0,
}
BASE_OBJECTIVE = 2019


def base_roster() -> Doc:
    return {
        "format_version": 1,
        "status": "optimal",
        "objective": BASE_OBJECTIVE,
        "best_bound": BASE_OBJECTIVE,
        "penalties": dict(BASE_PENALTIES),
        "solve_seconds": 0.1,
        "groups": [
            {"id": "G1", "facilitator": "T1", "clients": ["C1", "C2"]},
            {"id": "G2", "facilitator": "T2", "clients": ["C3", "C4"]},
        ],
        "clients": [
            placed("C1", "G1", "T1", iv("mon", "13:00", "14:00")),
            placed("C2", "G1", "T2", iv("tue", "10:00", "11:00")),
            placed("C3", "G2", "T2", iv("thu", "10:00", "11:00")),
            placed("C4", "G2", "T1", iv("fri", "10:00", "11:00")),
        ],
        "unassigned": [{"id": "C5", "reasons": ["no seat left in an eligible group"]}],
        "explanation": [],
    }


def client(doc: Doc, client_id: str) -> Doc:
    """The instance's client entry, or the roster's placement, with this id."""
    return next(c for c in doc["clients"] if c["id"] == client_id)


def entry(items: list[Doc], item_id: str) -> Doc:
    return next(item for item in items if item["id"] == item_id)


def place(roster: Doc, client_id: str, group: str, therapist: str, sessions: list[Doc]) -> None:
    """Move an unassigned client into a group, keeping the roster's lists consistent."""
    roster["unassigned"] = [u for u in roster["unassigned"] if u["id"] != client_id]
    roster["clients"].append(
        {"id": client_id, "group": group, "therapist": therapist, "sessions": sessions}
    )
    entry(roster["groups"], group)["clients"].append(client_id)


def parse(instance: Doc, roster: Doc) -> tuple[Instance, Roster]:
    return parse_instance(instance), parse_roster(roster)


def checked(instance: Doc, roster: Doc, previous: Doc | None = None) -> CheckReport:
    inst, ros = parse(instance, roster)
    return check(inst, ros, previous=parse_roster(previous) if previous else None)


def checked_rules(instance: Doc, roster: Doc) -> CheckReport:
    """Check a roster whose numbers are first set to the recomputed ones.

    The rule tests change schedules, which moves penalties; those are tested on
    their own below, so here the roster states what the checker recomputes.
    """
    report = checked(instance, roster)
    fixed = copy.deepcopy(roster)
    fixed["penalties"] = report.terms()
    fixed["objective"] = fixed["best_bound"] = report.objective
    return checked(instance, fixed)


def only(report: CheckReport, rule: str) -> Violation:
    """The report's one violation, which must be of ``rule``."""
    assert [v.rule for v in report.violations] == [rule], report.lines()
    return report.violations[0]


def assert_names(message: str, *parts: str) -> None:
    for part in parts:
        assert part in message, (part, message)


# --- the valid roster ---


def test_valid_roster_passes_with_its_objective() -> None:
    report = checked(base_instance(), base_roster())
    assert report.ok, report.lines()
    assert report.violations == []
    assert report.terms() == BASE_PENALTIES
    assert report.objective == BASE_OBJECTIVE
    assert report.lines() == [f"objective {BASE_OBJECTIVE} recomputed (roster says 2019)"]


def test_honoured_pins_and_harmless_keep_apart_pass() -> None:
    instance = base_instance()
    client(instance, "C1").update(pinned_group="G1", pinned_therapist="T1", keep_apart=["C3"])
    client(instance, "C2")["keep_apart"] = ["C2"]  # listing oneself means nothing
    assert checked(instance, base_roster()).ok


def test_touching_busy_time_and_split_open_hours_pass() -> None:
    instance = base_instance()
    client(instance, "C2")["busy"] = [iv("mon", "12:00", "13:00"), iv("tue", "09:00", "10:00")]
    split_tuesday = [iv("tue", "08:00", "10:30"), iv("tue", "10:30", "21:00")]
    others = [iv(d, "08:00", "21:00") for d in ("mon", "wed", "thu", "fri")]
    instance["program"]["open_hours"] = split_tuesday + others
    assert checked(instance, base_roster()).ok


# --- one test per rule: each breaks it exactly once ---


def _c2(**changes: Any) -> Callable[[Doc, Doc], None]:
    def change(instance: Doc, roster: Doc) -> None:
        client(instance, "C2").update(changes)

    return change


def _audience(instance: Doc, roster: Doc) -> None:
    entry(instance["groups"], "G1")["audience"] = "women"
    client(instance, "C1")["audiences"] = ["women"]


@pytest.mark.parametrize(
    ("change", "words"),
    [
        (_c2(population="adolescent"), ("client C2", "group G1", "adults", "adolescent")),
        (_c2(track="mental_health"), ("client C2", "group G1", "substance_use", "mental_health")),
        (_audience, ("client C2", "group G1", "audience women")),
        (_c2(avoid_therapists=["T1"]), ("client C2", "group G1", "T1", "facilitator")),
    ],
    ids=["population", "track", "audience", "avoided-facilitator"],
)
def test_r1_eligibility(change: Callable[[Doc, Doc], None], words: tuple[str, ...]) -> None:
    instance, roster = base_instance(), base_roster()
    change(instance, roster)
    assert_names(only(checked_rules(instance, roster), "R1").message, *words)


def _c2_sessions(*sessions: Doc, count: int | None = None) -> Callable[[Doc, Doc], None]:
    def change(instance: Doc, roster: Doc) -> None:
        client(roster, "C2")["sessions"] = list(sessions)
        if count is not None:
            client(instance, "C2")["individual_sessions"] = count

    return change


@pytest.mark.parametrize(
    ("change", "words"),
    [
        (
            _c2(busy=[iv("mon", "11:00", "13:00")]),
            ("client C2", "group G1", "mon 09:00-12:00", "busy", "mon 11:00-13:00"),
        ),
        (
            _c2(busy=[iv("tue", "10:30", "10:45")]),
            ("client C2", "tue 10:00-11:00", "busy", "tue 10:30-10:45"),
        ),
        (
            _c2_sessions(iv("wed", "11:00", "12:00")),
            ("client C2", "wed 11:00-12:00", "wed 09:00-12:00", "G1"),
        ),
        (
            _c2_sessions(iv("tue", "08:00", "09:00"), iv("tue", "10:00", "11:00"), count=2),
            ("client C2", "tue 08:00-09:00", "tue 10:00-11:00", "same day"),
        ),
    ],
    ids=["meeting-busy", "session-busy", "session-meeting", "same-day"],
)
def test_r2_client_time(change: Callable[[Doc, Doc], None], words: tuple[str, ...]) -> None:
    instance, roster = base_instance(), base_roster()
    change(instance, roster)
    assert_names(only(checked_rules(instance, roster), "R2").message, *words)


def test_r2_overlapping_sessions_also_double_book_the_therapist() -> None:
    instance, roster = base_instance(), base_roster()
    _c2_sessions(iv("tue", "10:00", "11:00"), iv("tue", "10:30", "11:30"), count=2)(
        instance, roster
    )
    report = checked_rules(instance, roster)
    assert [v.rule for v in report.violations] == ["R2", "R7"]
    assert_names(
        report.violations[0].message, "client C2", "tue 10:00-11:00", "tue 10:30-11:30", "overlap"
    )
    assert_names(report.violations[1].message, "therapist T2")


def test_r3_group_too_small() -> None:
    instance, roster = base_instance(), base_roster()
    instance["program"]["group_min_size"] = 3
    place(roster, "C5", "G2", "T2", [iv("fri", "13:00", "14:00")])
    message = only(checked_rules(instance, roster), "R3").message
    assert message == "group G1 runs with 2 clients, fewer than group_min_size 3"


def test_r3_group_too_large() -> None:
    instance, roster = base_instance(), base_roster()
    entry(instance["groups"], "G1")["max_size"] = 2
    place(roster, "C5", "G1", "T2", [iv("fri", "13:00", "14:00")])
    message = only(checked_rules(instance, roster), "R3").message
    assert message == "group G1 runs with 3 clients, more than its max_size 2"


def test_r3_line_format() -> None:
    instance, roster = base_instance(), base_roster()
    instance["program"]["group_min_size"] = 3
    place(roster, "C5", "G2", "T2", [iv("fri", "13:00", "14:00")])
    assert checked_rules(instance, roster).lines()[0] == (
        "R3 group size: group G1 runs with 2 clients, fewer than group_min_size 3"
    )


def _specialties(instance: Doc, roster: Doc) -> None:
    entry(instance["groups"], "G1")["facilitator_specialties"] = ["trauma", "groupwork"]


def _gap(instance: Doc, roster: Doc) -> None:
    entry(instance["therapists"], "T1")["availability"][:2] = [
        iv("mon", "08:00", "10:30"),
        iv("mon", "10:45", "17:00"),
    ]


def _two_groups(instance: Doc, roster: Doc) -> None:
    entry(roster["groups"], "G2")["facilitator"] = "T1"


@pytest.mark.parametrize(
    ("change", "words"),
    [
        (_specialties, ("group G1", "T1", "groupwork")),
        (_gap, ("group G1", "mon 09:00-12:00", "availability", "T1")),
        (_two_groups, ("therapist T1", "2 groups", "G1, G2", "max_groups 1")),
    ],
    ids=["specialties", "availability-gap", "max-groups"],
)
def test_r4_facilitator(change: Callable[[Doc, Doc], None], words: tuple[str, ...]) -> None:
    instance, roster = base_instance(), base_roster()
    change(instance, roster)
    message = only(checked_rules(instance, roster), "R4").message
    assert_names(message, *words)
    assert "trauma" not in message


def _t2_caseload(instance: Doc, roster: Doc) -> None:
    entry(instance["therapists"], "T2")["max_caseload"] = 1


@pytest.mark.parametrize(
    ("change", "words"),
    [
        (_c2(needs=["trauma"]), ("client C2", "T2", "trauma")),
        (_c2(avoid_therapists=["T2"]), ("client C2", "T2", "avoids")),
        (_t2_caseload, ("therapist T2", "2 clients", "C2, C3", "max_caseload 1")),
    ],
    ids=["needs", "avoided", "caseload"],
)
def test_r5_primary_therapist(change: Callable[[Doc, Doc], None], words: tuple[str, ...]) -> None:
    instance, roster = base_instance(), base_roster()
    change(instance, roster)
    assert_names(only(checked_rules(instance, roster), "R5").message, *words)


@pytest.mark.parametrize(
    ("change", "words"),
    [
        (_c2(individual_sessions=2), ("client C2", "1 individual sessions", "2")),
        (_c2(session_minutes=45), ("client C2", "tue 10:00-11:00", "60 minutes", "45")),
        (_c2_sessions(iv("tue", "10:10", "11:10")), ("client C2", "10:10", "slot_minutes 15")),
        (_c2_sessions(iv("tue", "07:00", "08:00")), ("client C2", "tue 07:00-08:00", "open_hours")),
        (
            _c2_sessions(iv("tue", "16:30", "17:30")),
            ("client C2", "tue 16:30-17:30", "availability", "T2"),
        ),
    ],
    ids=["count", "length", "slot", "open-hours", "therapist-availability"],
)
def test_r6_individual_sessions(change: Callable[[Doc, Doc], None], words: tuple[str, ...]) -> None:
    instance, roster = base_instance(), base_roster()
    change(instance, roster)
    assert_names(only(checked_rules(instance, roster), "R6").message, *words)


def _two_sessions_at_once(instance: Doc, roster: Doc) -> None:
    client(roster, "C2").update(therapist="T1", sessions=[iv("mon", "13:00", "14:00")])


def _session_during_facilitation(instance: Doc, roster: Doc) -> None:
    client(roster, "C4")["sessions"] = [iv("wed", "10:00", "11:00")]


@pytest.mark.parametrize(
    ("change", "words"),
    [
        (_two_sessions_at_once, ("therapist T1", "C1", "C2", "mon 13:00-14:00")),
        (
            _session_during_facilitation,
            ("therapist T1", "wed 09:00-12:00", "G1", "C4", "wed 10:00-11:00"),
        ),
    ],
    ids=["session-session", "meeting-session"],
)
def test_r7_no_double_booking(change: Callable[[Doc, Doc], None], words: tuple[str, ...]) -> None:
    instance, roster = base_instance(), base_roster()
    change(instance, roster)
    assert_names(only(checked_rules(instance, roster), "R7").message, *words)


def test_r8_rooms() -> None:
    instance, roster = base_instance(), base_roster()
    entry(instance["groups"], "G2")["meetings"].append(iv("mon", "11:00", "14:00"))
    message = only(checked_rules(instance, roster), "R8").message
    assert_names(message, "G1", "G2", "room R1", "mon 09:00-12:00", "mon 11:00-14:00")


def test_r8_other_room_is_fine() -> None:
    instance, roster = base_instance(), base_roster()
    group = entry(instance["groups"], "G2")
    group["meetings"].append(iv("mon", "11:00", "14:00"))
    group["room"] = "R2"
    assert checked_rules(instance, roster).ok


@pytest.mark.parametrize("side", ["C1", "C2"])
def test_r9_keep_apart_either_side(side: str) -> None:
    instance, roster = base_instance(), base_roster()
    client(instance, side)["keep_apart"] = ["C2" if side == "C1" else "C1"]
    message = only(checked_rules(instance, roster), "R9").message
    assert_names(message, "C1", "C2", "group G1")


def test_r10_weekly_hours() -> None:
    instance, roster = base_instance(), base_roster()
    client(instance, "C2")["individual_sessions"] = 0
    client(roster, "C2")["sessions"] = []
    message = only(checked_rules(instance, roster), "R10").message
    assert_names(message, "client C2", "360 minutes", "G1", "adult 7", "420 minutes")


def test_r10_counts_fractional_hours() -> None:
    instance, roster = base_instance(), base_roster()
    instance["program"]["min_weekly_hours"]["adult"] = 7.25
    report = checked_rules(instance, roster)
    assert [v.rule for v in report.violations] == ["R10"] * 4
    assert_names(report.violations[0].message, "client C1", "420 minutes", "7.25", "435 minutes")


@pytest.mark.parametrize(
    ("pins", "words"),
    [
        ({"C5": {"pinned_group": "G1"}}, ("client C5", "group G1", "not placed")),
        ({"C5": {"pinned_therapist": "T2"}}, ("client C5", "therapist T2", "not placed")),
        ({"C1": {"pinned_group": "G2"}}, ("client C1", "group G2", "placed in group G1")),
        ({"C2": {"pinned_therapist": "T1"}}, ("client C2", "therapist T1", "T2")),
    ],
    ids=["group-unplaced", "therapist-unplaced", "other-group", "other-therapist"],
)
def test_r11_pins(pins: dict[str, Doc], words: tuple[str, ...]) -> None:
    instance, roster = base_instance(), base_roster()
    for client_id, pin in pins.items():
        client(instance, client_id).update(pin)
    assert_names(only(checked_rules(instance, roster), "R11").message, *words)


# --- the roster's own consistency ---


def _roster_messages(report: CheckReport) -> list[str]:
    return [v.message for v in report.violations if v.rule == "roster"]


def test_client_missing() -> None:
    roster = base_roster()
    roster["unassigned"] = []
    report = checked(base_instance(), roster)
    assert report.violations == [Violation("roster", "client C5 is neither placed nor unassigned")]


def test_client_placed_twice() -> None:
    roster = base_roster()
    roster["clients"].append(copy.deepcopy(client(roster, "C2")))
    report = checked(base_instance(), roster)
    assert report.violations == [Violation("roster", "client C2 is placed 2 times")]


def test_client_both_placed_and_unassigned() -> None:
    roster = base_roster()
    roster["unassigned"].append({"id": "C1", "reasons": ["x"]})
    report = checked(base_instance(), roster)
    assert report.violations == [Violation("roster", "client C1 is both placed and unassigned")]


def test_unknown_ids() -> None:
    roster = base_roster()
    roster["unassigned"].append({"id": "C99", "reasons": ["x"]})
    entry(roster["groups"], "G1")["facilitator"] = "T9"
    client(roster, "C4")["therapist"] = "T8"
    report = checked(base_instance(), roster)
    assert report.rules() >= {"roster"}
    messages = " | ".join(_roster_messages(report))
    assert_names(messages, "unassigned lists C99", "facilitator T9", "C4", "therapist T8")


def test_placed_in_unknown_group() -> None:
    roster = base_roster()
    client(roster, "C2")["group"] = "G9"
    messages = _roster_messages(checked(base_instance(), roster))
    assert "client C2 is placed in group G9, which the instance does not have" in messages
    assert "group G1 lists client C2, who is not placed in it" in messages


def test_group_list_misses_a_client() -> None:
    roster = base_roster()
    entry(roster["groups"], "G1")["clients"] = ["C1"]
    assert checked(base_instance(), roster).violations == [
        Violation("roster", "group G1 does not list client C2, who is placed in it")
    ]


def test_group_list_has_an_extra_client() -> None:
    roster = base_roster()
    entry(roster["groups"], "G1")["clients"] = ["C1", "C2", "C3"]
    assert checked(base_instance(), roster).violations == [
        Violation("roster", "group G1 lists client C3, who is not placed in it")
    ]


def test_group_listed_without_clients_placed_in_it() -> None:
    roster = base_roster()
    roster["groups"].append({"id": "G3", "facilitator": "T2", "clients": ["C5"]})
    assert checked(base_instance(), roster).violations == [
        Violation("roster", "groups lists G3, but no client is placed in it")
    ]


def test_running_group_not_listed_has_no_facilitator() -> None:
    roster = base_roster()
    roster["groups"] = [g for g in roster["groups"] if g["id"] != "G2"]
    report = checked(base_instance(), roster)
    assert report.violations == [
        Violation("roster", "group G2 runs (clients C3, C4) but groups does not list it"),
        Violation("R4", "group G2 runs without a facilitator"),
    ]


def test_group_listed_twice_with_two_facilitators() -> None:
    roster = base_roster()
    roster["groups"].append({"id": "G2", "facilitator": "T3", "clients": ["C3", "C4"]})
    report = checked(base_instance(), roster)
    assert report.violations == [
        Violation("roster", "groups lists group G2 2 times"),
        Violation("R4", "group G2 has 2 facilitators: T2, T3"),
    ]


def test_unassigned_reason_must_say_something() -> None:
    roster = base_roster()
    roster["unassigned"][0]["reasons"] = ["  "]
    assert checked(base_instance(), roster).violations == [
        Violation("roster", "unassigned client C5 has no reason")
    ]


def test_explanation_empty_when_a_roster_is_given() -> None:
    roster = base_roster()
    roster["explanation"] = ["something"]
    assert only(checked(base_instance(), roster), "roster").message == (
        "status is optimal but the explanation is not empty"
    )


def test_an_interrupted_roster_may_say_so_in_its_explanation() -> None:
    roster = base_roster()
    roster["explanation"] = ["interrupted after 3.2 s: this is the best roster found by then"]
    assert checked(base_instance(), roster).violations == []
    roster["explanation"].append("something else")
    assert only(checked(base_instance(), roster), "roster").message == (
        "status is optimal but the explanation is not empty"
    )


# --- the numbers ---


def test_wrong_objective() -> None:
    roster = base_roster()
    roster["objective"] = roster["best_bound"] = 2018
    report = checked(base_instance(), roster)
    assert report.violations == [
        Violation("objective", "objective 2018 is not the sum of the roster's penalties (2019)")
    ]
    assert report.lines()[-1] == "objective 2019 recomputed (roster says 2018)"


def test_wrong_penalty_terms_named() -> None:
    roster = base_roster()
    roster["penalties"].update(shift_mismatch=0, extra_trip=14)  # the sum is unchanged
    assert checked(base_instance(), roster).violations == [
        Violation("objective", "penalty shift_mismatch is 0 in the roster, recomputed 10"),
        Violation("objective", "penalty extra_trip is 14 in the roster, recomputed 4"),
    ]


@pytest.mark.parametrize("bound", [2000, None])
def test_optimal_needs_bound_equal_to_objective(bound: int | None) -> None:
    roster = base_roster()
    roster["best_bound"] = bound
    message = only(checked(base_instance(), roster), "objective").message
    assert_names(message, "optimal", "best_bound", str(bound) if bound else "null", "2019")


@pytest.mark.parametrize(
    ("bound", "ok"), [(None, True), (1500.5, True), (2019, True), (2020, False)]
)
def test_feasible_bound(bound: float | None, ok: bool) -> None:
    roster = base_roster()
    roster.update(status="feasible", best_bound=bound)
    report = checked(base_instance(), roster)
    assert report.ok is ok
    if not ok:
        assert only(report, "objective").message == "best_bound 2020 exceeds objective 2019"


def test_feasible_without_objective() -> None:
    roster = base_roster()
    roster.update(status="feasible", objective=None, best_bound=None)
    report = checked(base_instance(), roster)
    assert only(report, "objective").message == "status is feasible but objective is null"
    assert report.lines()[-1] == "objective 2019 recomputed (roster says null)"


def previous_roster() -> Doc:
    """A previous week, with references the new instance no longer has."""
    return {
        "format_version": 1,
        "status": "feasible",
        "objective": 0,
        "best_bound": None,
        "penalties": dict.fromkeys(BASE_PENALTIES, 0),
        "solve_seconds": 1.0,
        "groups": [
            {"id": "G1", "facilitator": "T2", "clients": ["C5"]},  # changed: T2 -> T1
            {"id": "G2", "facilitator": "T9", "clients": ["C1", "C3"]},  # T9 gone: not counted
            {"id": "G3", "facilitator": "T1", "clients": ["C99"]},  # does not run now
            {"id": "GONE", "facilitator": "T1", "clients": ["C2"]},
        ],
        "clients": [
            # group change G2 -> G1; same therapist, same session
            placed("C1", "G2", "T1", iv("mon", "13:00", "14:00")),
            # previous group gone: no group_change; therapist T1 -> T2; session moved 10:15 -> 10:00
            {
                "id": "C2",
                "group": "GONE",
                "therapist": "T1",
                "sessions": [iv("tue", "10:15", "11:15")],
            },
            # previous therapist gone: no therapist_change; its session is among the old ones
            {
                "id": "C3",
                "group": "G2",
                "therapist": "T9",
                "sessions": [iv("thu", "10:00", "11:00"), iv("fri", "09:00", "10:00")],
            },
            # placed before, unassigned now: no rerun term
            {"id": "C5", "group": "G1", "therapist": "T2", "sessions": []},
            # discharged: the entry drops out
            {"id": "C99", "group": "G3", "therapist": "T1", "sessions": []},
        ],
        "unassigned": [{"id": "C4", "reasons": ["new this week"]}],
        "explanation": [],
    }


def test_every_term_recomputed_by_hand() -> None:
    instance = base_instance()
    instance["program"]["weights"] = {"open_group": 3}
    entry(instance["therapists"], "T3")["max_caseload"] = 1  # caseloads 2, 2, 0: spread 2
    expected = {
        "unassigned": 2000,
        "shift_mismatch": 10,
        "not_preferred_therapist": 5,
        "extra_trip": 4,
        "caseload_spread": 2,
        "open_group": 6,
        "group_change": 50,
        "therapist_change": 50,
        "session_moved": 5,
        "facilitator_change": 20,
    }
    roster = base_roster()
    roster["penalties"] = expected
    roster["objective"] = roster["best_bound"] = sum(expected.values())
    report = checked(instance, roster, previous_roster())
    assert report.ok, report.lines()
    assert report.terms() == expected
    assert report.objective == 2152


def test_weights_scale_and_switch_off_terms() -> None:
    instance = base_instance()
    instance["program"]["weights"] = {"unassigned": 7, "extra_trip": 0, "shift_mismatch": 1}
    penalties = checked(instance, base_roster()).terms()
    assert (penalties["unassigned"], penalties["extra_trip"], penalties["shift_mismatch"]) == (
        14,
        0,
        1,
    )


def test_rerun_terms_zero_against_itself() -> None:
    report = checked(base_instance(), base_roster(), base_roster())
    assert report.ok
    assert report.terms() == BASE_PENALTIES


def test_rerun_terms_not_counted_without_previous() -> None:
    roster = base_roster()
    roster["penalties"]["group_change"] = 50
    roster["objective"] = roster["best_bound"] = BASE_OBJECTIVE + 50
    report = checked(base_instance(), roster)
    assert report.violations == [
        Violation("objective", "penalty group_change is 50 in the roster, recomputed 0")
    ]


def test_session_moved_counts_each_session() -> None:
    instance = base_instance()
    client(instance, "C2")["individual_sessions"] = 2
    roster = base_roster()
    client(roster, "C2")["sessions"] = [iv("tue", "10:00", "11:00"), iv("fri", "10:00", "11:00")]
    previous = base_roster()
    client(previous, "C2")["sessions"] = [iv("fri", "10:00", "11:00"), iv("thu", "10:00", "11:00")]
    report = checked(instance, roster, previous)
    assert report.penalties.session_moved == 5  # tue 10:00 is new, fri 10:00 was there


def test_caseload_spread_counts_therapists_without_clients() -> None:
    instance = base_instance()
    entry(instance["therapists"], "T3")["max_caseload"] = 4
    assert checked(instance, base_roster()).penalties.caseload_spread == 2


def test_caseload_spread_zero_without_counted_therapists() -> None:
    instance = base_instance()
    for therapist in instance["therapists"]:
        therapist["max_caseload"] = 0
    assert checked(instance, base_roster()).penalties.caseload_spread == 0


# --- infeasible and unknown rosters ---


def infeasible_roster(status: str = "infeasible") -> Doc:
    return {
        "format_version": 1,
        "status": status,
        "objective": None,
        "best_bound": None,
        "penalties": dict.fromkeys(BASE_PENALTIES, 0),
        "solve_seconds": 2.0,
        "groups": [],
        "clients": [],
        "unassigned": [],
        "explanation": ["C1 is pinned to G1 and to T2, who is busy then"],
    }


@pytest.mark.parametrize("status", ["infeasible", "unknown"])
def test_well_formed_unverifiable_roster(status: str) -> None:
    instance = base_instance()
    client(instance, "C1")["pinned_group"] = "G1"
    report = checked(instance, infeasible_roster(status))
    assert report.ok
    assert len(report.lines()) == 1
    assert status in report.lines()[-1]
    assert "cannot verify" in report.lines()[-1]


def test_malformed_infeasible_roster() -> None:
    roster = infeasible_roster()
    roster.update(objective=5, explanation=[], unassigned=[{"id": "C1", "reasons": ["x"]}])
    instance = base_instance()
    client(instance, "C1")["pinned_group"] = "G1"
    report = checked(instance, roster)
    assert report.rules() == {"roster"}
    assert [v.message for v in report.violations] == [
        "status is infeasible but unassigned lists 1 entries",
        "status is infeasible but objective is 5, not null",
        "status is infeasible but the explanation is empty",
    ]


# --- the command line ---


def _run_cli(
    tmp_path: Path, instance: Doc, roster: Doc, previous: Doc | None = None
) -> tuple[int, list[str]]:
    files = {"instance.json": instance, "roster.json": roster}
    if previous is not None:
        files["previous.json"] = previous
    for name, doc in files.items():
        (tmp_path / name).write_text(json.dumps(doc), encoding="utf-8")
    args = [sys.executable, "-m", "solver", "check", "instance.json", "roster.json"]
    if previous is not None:
        args += ["--previous", "previous.json"]
    done = subprocess.run(
        args,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    return done.returncode, done.stdout.splitlines()


def test_cli_valid(tmp_path: Path) -> None:
    code, lines = _run_cli(tmp_path, base_instance(), base_roster())
    assert (code, lines) == (0, ["objective 2019 recomputed (roster says 2019)"])


def test_cli_violation(tmp_path: Path) -> None:
    roster = base_roster()
    entry(roster["groups"], "G2")["facilitator"] = "T1"
    code, lines = _run_cli(tmp_path, base_instance(), roster)
    assert code == 1
    assert lines[0].startswith("R4 facilitator: therapist T1 facilitates 2 groups")
    assert lines[-1] == "objective 2019 recomputed (roster says 2019)"


def test_cli_previous(tmp_path: Path) -> None:
    code, lines = _run_cli(tmp_path, base_instance(), base_roster(), previous_roster())
    assert code == 1
    assert lines[-1] == "objective 2144 recomputed (roster says 2019)"


def test_cli_infeasible(tmp_path: Path) -> None:
    instance = base_instance()
    client(instance, "C1")["pinned_group"] = "G1"
    code, lines = _run_cli(tmp_path, instance, infeasible_roster())
    assert code == 3
    assert lines[-1].startswith("objective not recomputed: the roster's status is infeasible")


NO_PINS = (
    "roster: status is infeasible, but the instance has no pins (pinned_group, "
    "pinned_therapist), and without pins a valid roster always exists "
    "(at worst every client unassigned)"
)


def test_infeasible_without_pins_is_a_wrong_claim() -> None:
    report = checked(base_instance(), infeasible_roster())
    assert not report.ok
    assert [str(v) for v in report.violations] == [NO_PINS]
    # unknown is a claim about the search, not the week: still unverifiable, not wrong.
    assert checked(base_instance(), infeasible_roster("unknown")).ok
    pinned = base_instance()
    client(pinned, "C1")["pinned_therapist"] = "T1"
    assert checked(pinned, infeasible_roster()).ok


def test_cli_infeasible_without_pins_exits_1(tmp_path: Path) -> None:
    code, lines = _run_cli(tmp_path, base_instance(), infeasible_roster())
    assert code == 1
    assert lines[0] == NO_PINS
