"""The checker on format version 2: levels, sites, appointment kinds, pull-out, R12, missed.

Every case starts from one small hand-built version-2 week whose roster is valid, changes
one thing, and asserts which rule the checker names (and that the valid form passes).
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest

from solver.checker import CheckReport, Violation, check
from solver.instance import parse_instance
from solver.roster import parse_roster

Doc = dict[str, Any]
WEEKDAYS = ["mon", "tue", "wed", "thu", "fri"]


def iv(day: str, start: str, end: str) -> Doc:
    return {"day": day, "start": start, "end": end}


def appt(kind: str, provider: str, day: str, start: str, end: str) -> Doc:
    return {"kind": kind, "provider": provider, **iv(day, start, end)}


def week_of(start: str, end: str) -> list[Doc]:
    return [iv(d, start, end) for d in WEEKDAYS]


def base_instance() -> Doc:
    """An IOP group G1 at site north (facilitator T3) and a PHP pull-out day programme P1
    (facilitator T2); T1 and T2 primary therapists, D1 and D2 prescribers."""
    return {
        "format_version": 2,
        "program": {
            "group_min_size": 1,
            "group_max_size": 4,
            "levels": [
                {"id": "iop", "min_weekly_hours": {"adult": 6}},
                {"id": "php", "min_weekly_hours": {"adult": 20}},
            ],
            "appointment_kinds": [
                {"id": "individual", "required": True, "per_week": 1},
                {"id": "family", "with_family": True},
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
                "id": "G1",
                "shift": "morning",
                "population": "adult",
                "levels": ["iop"],
                "tracks": ["substance_use"],
                "site": "north",
                "meetings": [iv("mon", "09:00", "12:00"), iv("wed", "09:00", "12:00")],
            },
            {
                "id": "P1",
                "shift": "morning",
                "population": "adult",
                "levels": ["php"],
                "tracks": ["substance_use"],
                "pull_out": True,
                "meetings": week_of("09:00", "13:00"),
            },
        ],
        "therapists": [
            {"id": "T1", "specialties": ["family"], "availability": week_of("08:00", "20:00")},
            {"id": "T2", "availability": week_of("08:00", "18:00")},
            {"id": "T3", "max_caseload": 0, "availability": week_of("08:00", "18:00")},
            {
                "id": "D1",
                "specialties": ["prescriber"],
                "max_caseload": 0,
                "max_groups": 0,
                "availability": week_of("08:00", "18:00"),
            },
            {
                "id": "D2",
                "specialties": ["prescriber"],
                "max_caseload": 0,
                "max_groups": 0,
                "availability": week_of("08:00", "18:00"),
            },
        ],
        "clients": [
            {
                "id": "C1",
                "population": "adult",
                "track": "substance_use",
                "sites": ["north"],
                "appointments": {"family": 1},
                "family_availability": [iv("tue", "17:00", "20:00"), iv("wed", "17:00", "20:00")],
            },
            {
                "id": "C2",
                "population": "adult",
                "level": "php",
                "track": "substance_use",
                "appointments": {"psychiatry": 1},
            },
            {
                "id": "C3",
                "population": "adult",
                "track": "substance_use",
                "appointments": {"family": 2},
                "family_availability": [iv("thu", "18:00", "20:00")],
            },
        ],
    }


# C3 misses one family appointment; C1 (tue) and C3 (thu) each travel one day; caseloads 2, 1.
BASE_PENALTIES = {
    "unassigned": 0,
    "appointment_missed": 100,
    "shift_mismatch": 0,
    "not_preferred_therapist": 0,
    "extra_trip": 4,
    "caseload_spread": 1,
    "open_group": 0,
    "group_change": 0,
    "therapist_change": 0,
    "provider_change": 0,
    "session_moved": 0,
    "facilitator_change": 0,
}
BASE_OBJECTIVE = 105


def base_roster() -> Doc:
    return {
        "format_version": 2,
        "status": "optimal",
        "objective": BASE_OBJECTIVE,
        "best_bound": BASE_OBJECTIVE,
        "penalties": dict(BASE_PENALTIES),
        "solve_seconds": 0.1,
        "groups": [
            {"id": "G1", "facilitator": "T3", "clients": ["C1", "C3"]},
            {"id": "P1", "facilitator": "T2", "clients": ["C2"]},
        ],
        "clients": [
            {
                "id": "C1",
                "group": "G1",
                "therapist": "T1",
                # Two kinds on one day: one trip.
                "appointments": [
                    appt("individual", "T1", "tue", "10:00", "11:00"),
                    appt("family", "T1", "tue", "17:00", "18:00"),
                ],
                "missed": [],
            },
            {
                "id": "C2",
                "group": "P1",
                "therapist": "T2",
                # Psychiatry pulls C2 out of the day programme: allowed, counted once.
                "appointments": [
                    appt("individual", "T2", "mon", "13:00", "14:00"),
                    appt("psychiatry", "D1", "wed", "10:00", "10:30"),
                ],
                "missed": [],
            },
            {
                "id": "C3",
                "group": "G1",
                "therapist": "T1",
                "appointments": [
                    appt("individual", "T1", "mon", "13:00", "14:00"),
                    appt("family", "T1", "thu", "18:00", "19:00"),
                ],
                "missed": [{"kind": "family", "count": 1, "reasons": ["T1 is free thu 19:00"]}],
            },
        ],
        "unassigned": [],
        "explanation": [],
    }


def client(doc: Doc, client_id: str) -> Doc:
    """The instance's client entry, or the roster's placement, with this id."""
    return next(c for c in doc["clients"] if c["id"] == client_id)


def entry(items: list[Doc], item_id: str) -> Doc:
    return next(item for item in items if item["id"] == item_id)


def checked(instance: Doc, roster: Doc, previous: Doc | None = None) -> CheckReport:
    before = parse_roster(previous) if previous is not None else None
    return check(parse_instance(instance), parse_roster(roster), previous=before)


def checked_rules(instance: Doc, roster: Doc) -> CheckReport:
    """Check a roster whose numbers are first set to the recomputed ones."""
    fixed = copy.deepcopy(roster)
    report = checked(instance, fixed)
    fixed["penalties"] = report.terms()
    fixed["objective"] = fixed["best_bound"] = report.objective
    return checked(instance, fixed)


def rules_of(report: CheckReport) -> list[str]:
    return [v.rule for v in report.violations]


def only(report: CheckReport, rule: str) -> Violation:
    """The report's one violation, which must be of ``rule``."""
    assert rules_of(report) == [rule], report.lines()
    return report.violations[0]


def assert_names(message: str, *parts: str) -> None:
    for part in parts:
        assert part in message, (part, message)


Change = Callable[[Doc, Doc], None]


def apply(change: Change) -> CheckReport:
    instance, roster = base_instance(), base_roster()
    change(instance, roster)
    return checked_rules(instance, roster)


def appointments_of(client_id: str, *items: Doc, missed: list[Doc] | None = None) -> Change:
    def change(instance: Doc, roster: Doc) -> None:
        placement = client(roster, client_id)
        placement["appointments"] = list(items)
        if missed is not None:
            placement["missed"] = missed

    return change


def client_has(client_id: str, **changes: Any) -> Change:
    def change(instance: Doc, roster: Doc) -> None:
        client(instance, client_id).update(changes)

    return change


# --- the valid roster ---


def test_valid_v2_roster_passes_with_its_objective() -> None:
    report = checked(base_instance(), base_roster())
    assert report.ok, report.lines()
    assert report.terms() == BASE_PENALTIES
    assert report.objective == BASE_OBJECTIVE
    assert report.lines() == [f"objective {BASE_OBJECTIVE} recomputed (roster says 105)"]


def test_sites_null_or_empty_and_extra_levels_pass() -> None:
    instance = base_instance()
    client(instance, "C1")["sites"] = []  # any site
    entry(instance["groups"], "G1")["levels"] = ["php", "iop"]
    assert checked(instance, base_roster()).ok
    instance = base_instance()
    entry(instance["groups"], "G1")["site"] = None  # open to every client
    client(instance, "C1")["sites"] = ["south"]
    assert checked(instance, base_roster()).ok


# --- R1: levels and sites ---


def _g1_levels(instance: Doc, roster: Doc) -> None:
    entry(instance["groups"], "G1")["levels"] = ["php"]


def test_r1_level_and_site() -> None:
    report = apply(_g1_levels)
    assert rules_of(report) == ["R1", "R1"], report.lines()
    assert_names(report.violations[0].message, "client C1", "group G1", "levels php", "iop")
    message = only(apply(client_has("C1", sites=["south", "east"])), "R1").message
    assert_names(message, "client C1", "group G1", "site north", "south, east")


# --- R2: pull-out, kinds on one day ---


def test_r2_appointment_over_a_meeting_only_in_a_pull_out_group() -> None:
    over_g1 = appointments_of(
        "C3",
        appt("individual", "T1", "wed", "11:00", "12:00"),
        appt("family", "T1", "thu", "18:00", "19:00"),
    )
    message = only(apply(over_g1), "R2").message
    assert_names(message, "client C3", "individual appointment wed 11:00-12:00", "G1")
    assert "appointments[0]" in message

    def not_pull_out(instance: Doc, roster: Doc) -> None:
        entry(instance["groups"], "P1")["pull_out"] = False

    message = only(apply(not_pull_out), "R2").message
    assert_names(message, "client C2", "psychiatry appointment wed 10:00-10:30", "P1")


def test_r2_appointment_over_busy_time() -> None:
    message = only(apply(client_has("C2", busy=[iv("mon", "13:30", "14:30")])), "R2").message
    assert_names(message, "client C2", "individual", "mon 13:00-14:00", "busy", "mon 13:30-14:30")


def test_r2_same_kind_same_day_but_other_kinds_may_share_a_day() -> None:
    two_family = appointments_of(
        "C3",
        appt("individual", "T1", "mon", "13:00", "14:00"),
        appt("family", "T1", "thu", "18:00", "19:00"),
        appt("family", "T1", "thu", "19:00", "20:00"),
        missed=[],
    )
    message = only(apply(two_family), "R2").message
    assert_names(message, "client C3", "thu 18:00-19:00", "thu 19:00-20:00", "same day")
    assert apply(lambda i, r: None).ok  # C1's individual and family share tue


def test_r2_overlapping_appointments_of_two_kinds() -> None:
    overlap = appointments_of(
        "C1",
        appt("individual", "T1", "tue", "17:30", "18:30"),
        appt("family", "T1", "tue", "17:00", "18:00"),
    )
    report = apply(overlap)
    assert rules_of(report) == ["R2", "R7"], report.lines()
    assert_names(report.violations[0].message, "client C1", "overlap", "tue 17:30-18:30")


# --- R6: counts, lengths, family time, providers ---


@pytest.mark.parametrize(
    ("change", "words"),
    [
        (
            appointments_of("C1", appt("family", "T1", "tue", "17:00", "18:00")),
            ("client C1", "0 individual appointments", "1 requested", "required"),
        ),
        (
            appointments_of(
                "C1",
                appt("individual", "T1", "tue", "10:00", "11:00"),
                appt("family", "T1", "tue", "17:00", "18:00"),
                appt("family", "T1", "wed", "17:00", "18:00"),
            ),
            ("client C1", "2 family appointments", "more than the 1 requested"),
        ),
        (
            appointments_of(
                "C1",
                appt("individual", "T1", "tue", "10:00", "11:00"),
                appt("family", "T1", "tue", "17:00", "17:45"),
            ),
            ("client C1", "family appointment tue 17:00-17:45", "45 minutes", "not 60"),
        ),
        (
            appointments_of(
                "C1",
                appt("individual", "T1", "tue", "10:00", "11:00"),
                appt("family", "T1", "tue", "16:00", "17:00"),
            ),
            ("client C1", "tue 16:00-17:00", "family_availability"),
        ),
        (
            appointments_of(
                "C2",
                appt("individual", "T1", "tue", "13:00", "14:00"),
                appt("psychiatry", "D1", "wed", "10:00", "10:30"),
            ),
            ("client C2", "individual appointment", "therapist T1", "primary therapist T2"),
        ),
        (
            appointments_of(
                "C2",
                appt("individual", "T2", "mon", "13:00", "14:00"),
                appt("psychiatry", "D1", "wed", "17:45", "18:15"),
            ),
            ("client C2", "wed 17:45-18:15", "availability of therapist D1"),
        ),
        (
            appointments_of(
                "C2",
                appt("individual", "T2", "mon", "13:00", "14:00"),
                appt("psychiatry", "D1", "wed", "10:05", "10:35"),
            ),
            ("client C2", "10:05", "slot_minutes 15"),
        ),
        (
            client_has("C2", appointment_minutes={"psychiatry": 45}),
            ("client C2", "psychiatry appointment wed 10:00-10:30", "30 minutes", "not 45"),
        ),
    ],
    ids=[
        "required-count",
        "wanted-too-many",
        "length",
        "family-time",
        "primary-provider",
        "provider-availability",
        "slot",
        "client-length",
    ],
)
def test_r6_appointments(change: Change, words: tuple[str, ...]) -> None:
    assert_names(only(apply(change), "R6").message, *words)


def test_r6_a_kind_the_client_does_not_request() -> None:
    extra = appointments_of(
        "C2",
        appt("individual", "T2", "mon", "13:00", "14:00"),
        appt("psychiatry", "D1", "wed", "10:00", "10:30"),
        appt("psychiatry", "D1", "thu", "10:00", "10:30"),
    )
    assert_names(only(apply(extra), "R6").message, "2 psychiatry appointments", "more than")
    message = only(apply(client_has("C2", appointments={})), "R6").message
    assert_names(message, "client C2", "1 psychiatry appointments", "requests none")


# --- R7: every appointment a therapist provides ---


def test_r7_two_clients_with_one_provider_at_once() -> None:
    clash = appointments_of(
        "C3",
        appt("individual", "T1", "tue", "10:00", "11:00"),
        appt("family", "T1", "thu", "18:00", "19:00"),
    )
    message = only(apply(clash), "R7").message
    assert_names(message, "therapist T1", "client C1", "client C3", "tue 10:00-11:00")


def test_r7_a_specialist_who_facilitates() -> None:
    def d1_facilitates_g1(instance: Doc, roster: Doc) -> None:
        entry(instance["therapists"], "D1")["max_groups"] = 1
        entry(roster["groups"], "G1")["facilitator"] = "D1"
        client(roster, "C2")["appointments"][1] = appt("psychiatry", "D1", "wed", "11:00", "11:30")

    message = only(apply(d1_facilitates_g1), "R7").message
    assert_names(message, "therapist D1", "wed 09:00-12:00", "G1", "client C2", "psychiatry")


# --- R10: levels, pull-out counted once, kinds that do not count ---


def _php_hours(hours: float, psychiatry: Doc, counts: bool = True) -> Change:
    def change(instance: Doc, roster: Doc) -> None:
        instance["program"]["levels"][1]["min_weekly_hours"]["adult"] = hours
        instance["program"]["appointment_kinds"][2]["counts_toward_hours"] = counts
        client(roster, "C2")["appointments"][1] = psychiatry

    return change


def test_r10_weekly_hours_by_level_pull_out_counted_once() -> None:
    pulled_out = appt("psychiatry", "D1", "wed", "10:00", "10:30")
    after = appt("psychiatry", "D1", "wed", "14:00", "14:30")
    # 1200 group minutes + 60 individual; the pulled-out half hour adds nothing.
    message = only(apply(_php_hours(21.5, pulled_out)), "R10").message
    assert_names(message, "client C2", "1260 minutes", "P1 1200", "level php", "adult 21.5", "1290")
    assert apply(_php_hours(21.5, after)).ok
    # A kind that does not count toward hours adds nothing either.
    only(apply(_php_hours(21.5, after, counts=False)), "R10")


# --- R12: specialist providers ---


def _two_psychiatry(second_provider: str) -> Change:
    def change(instance: Doc, roster: Doc) -> None:
        client(instance, "C2")["appointments"] = {"psychiatry": 2}
        client(roster, "C2")["appointments"].append(
            appt("psychiatry", second_provider, "thu", "10:00", "10:30")
        )

    return change


def test_r12_specialist_providers() -> None:
    assert apply(_two_psychiatry("D1")).ok
    message = only(apply(_two_psychiatry("D2")), "R12").message
    assert_names(message, "client C2", "psychiatry", "2 therapists", "D1, D2")
    without = appointments_of(
        "C2",
        appt("individual", "T2", "mon", "13:00", "14:00"),
        appt("psychiatry", "T1", "wed", "10:00", "10:30"),
    )
    message = only(apply(without), "R12").message
    assert_names(message, "client C2", "provider T1", "prescriber")
    message = only(apply(client_has("C2", avoid_therapists=["D1"])), "R12").message
    assert_names(message, "client C2", "provider D1", "avoids")


# --- missed: a roster violation when it does not match the appointments ---


def _missed(client_id: str, missed: list[Doc]) -> Change:
    def change(instance: Doc, roster: Doc) -> None:
        client(roster, client_id)["missed"] = missed

    return change


@pytest.mark.parametrize(
    ("change", "words"),
    [
        (_missed("C3", []), ("client C3", "misses 1 family", "does not list")),
        (
            _missed("C3", [{"kind": "family", "count": 2, "reasons": ["x"]}]),
            ("client C3", "family", "counts 2", "1 missed"),
        ),
        (
            _missed("C1", [{"kind": "family", "count": 1, "reasons": ["x"]}]),
            ("client C1", "family", "counts 1", "0 missed"),
        ),
        (_missed("C3", [{"kind": "family", "count": 1, "reasons": [" "]}]), ("C3", "no reason")),
    ],
    ids=["missing", "wrong-count", "nothing-missed", "blank-reason"],
)
def test_missed_entries_match_the_appointments(change: Change, words: tuple[str, ...]) -> None:
    assert_names(only(apply(change), "roster").message, *words)


def test_missed_entries_of_required_unknown_or_repeated_kinds() -> None:
    reason = ["x"]
    entries = [
        {"kind": "family", "count": 1, "reasons": reason},
        {"kind": "family", "count": 1, "reasons": reason},
        {"kind": "individual", "count": 1, "reasons": reason},
        {"kind": "yoga", "count": 1, "reasons": reason},
    ]
    messages = [v.message for v in apply(_missed("C3", entries)).violations]
    assert len(messages) == 3, messages
    assert_names(messages[0], "C3", "family", "listed twice")
    assert_names(messages[1], "C3", "individual", "required")
    assert_names(messages[2], "C3", "yoga", "no such appointment kind")


def test_unknown_kind_is_a_roster_violation() -> None:
    yoga = appointments_of(
        "C2",
        appt("individual", "T2", "mon", "13:00", "14:00"),
        appt("psychiatry", "D1", "wed", "10:00", "10:30"),
        appt("yoga", "T2", "thu", "13:00", "14:00"),
    )
    message = only(apply(yoga), "roster").message
    assert_names(message, "client C2", "appointments[2]", "kind yoga", "not an appointment kind")


def test_unknown_provider_is_a_roster_violation() -> None:
    roster = base_roster()
    client(roster, "C2")["appointments"][1]["provider"] = "D9"
    report = checked(base_instance(), roster)
    assert (
        Violation(
            "roster",
            "client C2's appointments[1] has provider D9, who is not a therapist of the instance",
        )
        in report.violations
    )
