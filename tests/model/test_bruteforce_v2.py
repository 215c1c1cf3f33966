"""The solver's optimum against a brute-force optimum on tiny format-version-2 weeks.

A seeded generator draws valid weeks small enough to enumerate (at most five clients,
one to three groups and therapists, a 60- or 30-minute grid over a few open hours on two
or three days; weeks with more than ``LIMIT`` combinations of client options are redrawn)
that use what version 2 adds: two levels of care (``php`` with its own minimum) and
groups serving some of them, sites, pull-out groups, a required primary kind, a wanted
``with_family`` kind inside the family's hours, a wanted or required ``specialist`` kind
held by some therapists (prescribers with no caseload), per-client counts and lengths,
weights, and for half the weeks a previous roster (also naming ids the week no longer
has). ``brute_v2`` enumerates every roster by its own reading of FORMAT.md; its optimum
must equal the solver's proved optimum, and its best roster must pass the checker with
the same objective: three readings of the format that must agree. A few hand-made weeks
pin down the cases the random ones may miss.
"""

from __future__ import annotations

import random
from typing import Any

import pytest
from brute_v2 import brute_force, client_options, combinations, roster_doc
from brute_v2_week import TERMS, Week, iv
from helpers_solve import solve_and_check

from solver.checker import check
from solver.instance import parse_instance
from solver.roster import parse_roster

LIMIT = 100_000
"""Most combinations of client options a generated week may have (else it is redrawn)."""

Doc = dict[str, Any]


def _program(rng: random.Random, days: list[str], slot: int) -> Doc:
    """Open hours, two levels (or one), the kinds and, now and then, weights."""

    def hour(*choices: int) -> int:
        return rng.choice(choices) * 60 + (rng.choice([0, 30]) if slot == 30 else 0)

    open_hours = []
    for d in days:
        start = hour(8, 9, 10)
        if rng.random() < 0.2:  # two touching intervals
            open_hours += [iv(d, start, start + 60), iv(d, start + 60, start + 120)]
        else:
            open_hours.append(iv(d, start, start + rng.choice([60, 120, 180])))
    min_size = rng.choice([1, 1, 2])
    levels = [
        {"id": "iop", "min_weekly_hours": {"adult": rng.choice([0, 0, 1, 1, 2]), "adolescent": 1}},
        {"id": "php", "min_weekly_hours": {"adult": rng.choice([2, 3, 3.5, 4]), "adolescent": 2}},
    ]
    kinds: list[Doc] = [
        {"id": "ind", "required": rng.random() < 0.7, "per_week": rng.choice([0, 1, 1])},
        {"id": "fam", "with_family": True, "minutes": rng.choice([60, 60, 120])},
        {
            "id": "psy",
            "provider": "specialist",
            "provider_specialties": ["rx"],
            "minutes": rng.choice([30, 60]),
            "required": rng.random() < 0.3,
            "counts_toward_hours": rng.random() < 0.5,
        },
    ]
    kinds = rng.sample(kinds, rng.randint(1, 3))
    program: Doc = {
        "group_min_size": min_size,
        "group_max_size": rng.choice([2, 3]),
        "slot_minutes": slot,
        "open_hours": open_hours,
        "levels": levels if rng.random() < 0.8 else levels[:1],
        "appointment_kinds": kinds,
    }
    if rng.random() < 0.6:
        keys = rng.sample(TERMS, rng.randint(1, 5))
        program["weights"] = {key: rng.choice([0, 1, 3, 7, 50, 120]) for key in keys}
    return program


def _groups(rng: random.Random, days: list[str], slot: int, program: Doc) -> list[Doc]:
    levels = [lv["id"] for lv in program["levels"]]
    groups: list[Doc] = []
    for gi in range(rng.randint(1, 3)):
        served = rng.choice([levels[:1], levels[-1:], levels, levels])
        meetings = []
        long = rng.random() < (0.8 if "php" in served else 0.3)
        for d in rng.sample(days, rng.randint(1, len(days) if long else 1)):
            start = rng.choice([9, 10, 11]) * 60 + (rng.choice([0, 30]) if slot == 30 else 0)
            meetings.append(iv(d, start, start + rng.choice([60, 120, 120, 180] if long else [60])))
        doc: Doc = {
            "id": f"G{gi + 1}",
            "shift": rng.choice(["morning", "afternoon"]),
            "meetings": meetings,
            "population": "adult",
            "tracks": rng.choice([["a"], ["a", "b"], ["a", "b"], ["b"]]),
            "max_size": rng.randint(program["group_min_size"], program["group_max_size"]),
            "levels": served,
            "site": rng.choice([None, None, "A", "B"]),
            "pull_out": rng.random() < (0.6 if "php" in served else 0.15),
        }
        if rng.random() < 0.15:
            doc["facilitator_specialties"] = ["x"]
        if rng.random() < 0.3:
            doc["room"] = "R"
        groups.append(doc)
    return groups


def _therapists(rng: random.Random, days: list[str]) -> list[Doc]:
    therapists: list[Doc] = []
    for ti in range(rng.randint(1, 3)):
        availability = []
        full_time = ti == 0 or rng.random() < 0.4
        for d in days:
            if full_time:
                availability.append(iv(d, 8 * 60, 14 * 60))
            elif rng.random() < 0.85:
                start = rng.choice([8, 9, 9, 10]) * 60
                availability.append(iv(d, start, start + rng.choice([180, 240, 300])))
        if ti > 0 and rng.random() < 0.5:  # a prescriber: nobody's primary, no groups
            doc: Doc = {"specialties": ["rx"], "max_caseload": 0, "max_groups": 0}
        else:  # T1 is always a counsellor
            doc = {
                "specialties": [s for s in ("x", "n", "rx") if rng.random() < 0.3],
                "max_caseload": rng.choice([1, 2, 2, 3, 6]),
                "max_groups": rng.choice([1, 1, 2] if ti == 0 else [0, 1, 2]),
            }
        therapists.append({"id": f"T{ti + 1}", "availability": availability, **doc})
    return therapists


def _client(rng: random.Random, cid: str, cids: list[str], days: list[str], week: Doc) -> Doc:
    program = week["program"]
    tids = [t["id"] for t in week["therapists"]]
    doc: Doc = {
        "id": cid,
        "population": "adult",
        "level": rng.choice([lv["id"] for lv in program["levels"]]),
        "track": rng.choice(["a", "a", "a", "a", "b"]),
        "priority": rng.choice([1, 1, 2]),
        "sites": rng.choice([[], [], [], ["A"], ["B"], ["A", "B"]]),
    }
    appointments = {}
    for kind in program["appointment_kinds"]:
        if rng.random() < 0.6:
            appointments[kind["id"]] = rng.choice([0, 1, 1, 1, 2])
    if appointments:
        doc["appointments"] = appointments
    if rng.random() < 0.1:
        kind = rng.choice(program["appointment_kinds"])
        doc["appointment_minutes"] = {kind["id"]: rng.choice([30, 120])}
    if rng.random() < 0.7:
        family = []
        for d in rng.sample([*days, *days, "sat"], rng.randint(1, 2)):
            start = rng.choice([8, 9, 10, 11, 12]) * 60
            family.append(iv(d, start, start + rng.choice([60, 120, 180])))
        doc["family_availability"] = family
    if rng.random() < 0.2:
        start = rng.choice([8, 9, 10, 11]) * 60
        doc["busy"] = [iv(rng.choice(days), start, start + rng.choice([30, 60, 120]))]
    if rng.random() < 0.4:
        doc["shift_preference"] = rng.choice(["morning", "afternoon"])
    if rng.random() < 0.1:
        doc["needs"] = ["n"]
    if rng.random() < 0.25:
        doc["preferred_therapists"] = rng.sample(tids, 1)
    if rng.random() < 0.07:
        doc["avoid_therapists"] = rng.sample(tids, 1)
    if rng.random() < 0.15:
        doc["keep_apart"] = rng.sample(cids, 1)
    joinable = [
        g["id"]
        for g in week["groups"]
        if doc["track"] in g["tracks"]
        and doc["level"] in g["levels"]
        and (g["site"] is None or not doc["sites"] or g["site"] in doc["sites"])
    ]
    if joinable and rng.random() < 0.03:
        doc["pinned_group"] = rng.choice(joinable)
    return doc


def _previous(rng: random.Random, days: list[str], week: Doc) -> Doc:
    """A previous version-2 roster, by structure only, naming ids the week no longer has."""
    gids = [g["id"] for g in week["groups"]] + ["G-GONE"]
    tids = [t["id"] for t in week["therapists"]] + ["T-GONE"]
    kinds = [k["id"] for k in week["program"]["appointment_kinds"]] + ["K-GONE"]
    placements = []
    for c in [*week["clients"], {"id": "C-GONE"}]:
        if rng.random() < 0.6:
            # Mostly the kinds the client asks for now, on any day, with any provider.
            asked = [k for k, n in c.get("appointments", {}).items() if n > 0]
            appointments = []
            for d in rng.sample(days, rng.randint(0, 2)):
                start = rng.choice([8, 9, 10, 11]) * 60 + rng.choice([0, 0, 30])
                kind = rng.choice(asked) if asked and rng.random() < 0.7 else rng.choice(kinds)
                appointments.append(
                    {"kind": kind, "provider": rng.choice(tids)} | iv(d, start, start + 60)
                )
            placements.append(
                {
                    "id": c["id"],
                    "group": rng.choice(gids),
                    "therapist": rng.choice(tids),
                    "appointments": appointments,
                    "missed": [],
                }
            )
    members: dict[str, list[str]] = {}
    for p in placements:
        members.setdefault(p["group"], []).append(p["id"])
    return {
        "format_version": 2,
        "status": "optimal",
        "objective": 0,
        "best_bound": 0,
        "penalties": dict.fromkeys(TERMS, 0),
        "solve_seconds": 0,
        "groups": [
            {"id": g, "facilitator": rng.choice(tids), "clients": m} for g, m in members.items()
        ],
        "clients": placements,
        "unassigned": [],
        "explanation": [],
    }


def generate(rng: random.Random) -> tuple[Doc, Doc | None]:
    """A random valid tiny version-2 week and, half the time, a previous roster for it."""
    days = ["mon", "tue", "wed"][: rng.choice([2, 3])]
    slot = rng.choice([60, 60, 30])
    program = _program(rng, days, slot)
    week: Doc = {
        "format_version": 2,
        "program": program,
        "groups": _groups(rng, days, slot, program),
        "therapists": _therapists(rng, days),
        "clients": [],
    }
    cids = [f"C{i + 1}" for i in range(rng.randint(1, 5))]
    week["clients"] = [_client(rng, cid, cids, days, week) for cid in cids]
    previous = _previous(rng, days, week) if rng.random() < 0.5 else None
    return week, previous


def draw(seed: int) -> tuple[Doc, Doc | None]:
    """The week of ``seed``: the first draw small enough to enumerate in which at least
    two clients can be placed (the others are too dull to spend time on)."""
    rng = random.Random(seed)
    while True:
        doc, prev = generate(rng)
        week = Week(doc)
        placeable = sum(
            any(o.group is not None for o in client_options(week, c, prev)) for c in week.clients
        )
        if placeable >= 2 and combinations(week, prev) <= LIMIT:
            return doc, prev


def agree(doc: Doc, prev: Doc | None) -> int | None:
    """Assert that the solver, the brute force and the checker agree; the optimum."""
    instance = parse_instance(doc)
    previous = parse_roster(prev) if prev is not None else None
    week = Week(doc)
    best = brute_force(week, prev)
    roster = solve_and_check(instance, previous, time_limit=20)
    if best.objective is None:
        assert roster.status == "infeasible", roster.objective
        return None
    # The brute force's own roster must pass the independent checker with its objective.
    mine = parse_roster(roster_doc(week, best))
    report = check(instance, mine, previous=previous)
    assert not [v for v in report.violations if v.rule != "objective"], report.lines()
    assert report.objective == best.objective, (report.penalties, best.objective)
    assert roster.status == "optimal", roster.status
    assert roster.objective == best.objective, (
        roster.penalties.as_dict(),
        report.penalties.as_dict(),
        roster.model_dump(mode="json"),
        roster_doc(week, best),
    )
    return best.objective


# Seeds 74 and 75 found a bug (a wanted kind's empty later slot forced the first onto
# Monday); they stay in the list.
SEEDS = [*range(40), 74, 75]


@pytest.mark.parametrize("seed", SEEDS)
def test_solver_matches_brute_force_v2(seed: int) -> None:
    doc, prev = draw(seed)
    agree(doc, prev)


# --- hand-made weeks ---


def _week(groups: list[Doc], therapists: list[Doc], clients: list[Doc], **program: Any) -> Doc:
    """A hand-made week: open Monday and Tuesday 09:00-12:00, a 60-minute grid, groups of
    1-3, no weekly-hours minimum, only the weights given (others 0 but ``unassigned``)."""
    weights = dict.fromkeys(TERMS, 0) | {"unassigned": 1000} | program.pop("weights", {})
    doc: Doc = {
        "group_min_size": 1,
        "group_max_size": 3,
        "slot_minutes": 60,
        "open_hours": [iv(d, 9 * 60, 12 * 60) for d in ("mon", "tue")],
        "levels": [{"id": "iop", "min_weekly_hours": {"adult": 0, "adolescent": 0}}],
        "weights": weights,
    }
    doc.update(program)
    return {
        "format_version": 2,
        "program": doc,
        "groups": groups,
        "therapists": therapists,
        "clients": clients,
    }


def _group(gid: str, *meetings: Doc, **keys: Any) -> Doc:
    return {
        "id": gid,
        "shift": "morning",
        "population": "adult",
        "tracks": ["a"],
        "meetings": list(meetings),
        **keys,
    }


def _therapist(tid: str, *availability: Doc, **keys: Any) -> Doc:
    hours = list(availability) or [iv(d, 9 * 60, 12 * 60) for d in ("mon", "tue")]
    return {"id": tid, "availability": hours, **keys}


def _person(cid: str, **keys: Any) -> Doc:
    return {"id": cid, "population": "adult", "track": "a", **keys}


IND = {"id": "ind", "required": True, "per_week": 1}
FAM = {"id": "fam", "with_family": True}
PSY = {"id": "psy", "minutes": 30, "provider": "specialist", "provider_specialties": ["rx"]}


def test_family_hours_outside_open_hours_are_always_missed() -> None:
    week = _week(
        [_group("G1", iv("mon", 9 * 60, 10 * 60))],
        [_therapist("T1")],
        [
            _person(
                "C1",
                appointments={"fam": 1},
                family_availability=[iv("sat", 10 * 60, 12 * 60), iv("tue", 7 * 60, 9 * 60)],
            )
        ],
        appointment_kinds=[IND, FAM],
        weights={"appointment_missed": 100, "extra_trip": 2},
    )
    # Placed, the individual appointment on the group's day, the family one missed.
    assert agree(week, None) == 100


def test_a_prescribers_one_slot_wanted_by_two_clients() -> None:
    week = _week(
        [_group("G1", iv("mon", 9 * 60, 10 * 60))],
        [
            _therapist("T1"),
            _therapist(
                "T9",
                iv("mon", 10 * 60, 10 * 60 + 30),
                specialties=["rx"],
                max_caseload=0,
                max_groups=0,
            ),
        ],
        [_person("C1", appointments={"psy": 1}), _person("C2", appointments={"psy": 1})],
        appointment_kinds=[PSY],
        weights={"appointment_missed": 100, "caseload_spread": 1},
    )
    assert agree(week, None) == 100


@pytest.mark.parametrize(("php_hours", "optimum"), [(3, 0), (4, 1000)])
def test_a_php_client_needs_the_pull_out_group(php_hours: int, optimum: int) -> None:
    # Open only while both PHP groups meet: the individual appointment fits only by pulling
    # the client out of G2's meeting, and that hour counts once toward the PHP minimum
    # (3 hours of meetings reach 3 hours, never 4).
    three_hours = iv("mon", 9 * 60, 12 * 60)
    week = _week(
        [
            _group("G1", three_hours, levels=["php"]),
            _group("G2", three_hours, levels=["php"], pull_out=True),
        ],
        [_therapist("T1"), _therapist("T2")],
        [_person("C1", level="php")],
        open_hours=[three_hours],
        levels=[
            {"id": "iop", "min_weekly_hours": {"adult": 0, "adolescent": 0}},
            {"id": "php", "min_weekly_hours": {"adult": php_hours, "adolescent": 0}},
        ],
        appointment_kinds=[IND],
    )
    assert agree(week, None) == optimum


def test_a_rerun_with_a_new_prescriber() -> None:
    # T8 prescribed for C1 last week and is still here, but free only while G1 meets:
    # the psy appointment moves to T9 (provider_change 20, session_moved 5); the
    # individual appointment keeps its time, and a kind the program no longer has drops out.
    week = _week(
        [_group("G1", iv("mon", 9 * 60, 10 * 60))],
        [
            _therapist("T1"),
            _therapist("T8", iv("mon", 9 * 60, 10 * 60), specialties=["rx"], max_caseload=0),
            _therapist("T9", specialties=["rx"], max_caseload=0, max_groups=0),
        ],
        [_person("C1", appointments={"psy": 1})],
        appointment_kinds=[IND, PSY],
        weights={"appointment_missed": 100, "provider_change": 20, "session_moved": 5},
    )
    placement = {
        "id": "C1",
        "group": "G1",
        "therapist": "T1",
        "appointments": [
            {"kind": "psy", "provider": "T8"} | iv("mon", 9 * 60, 9 * 60 + 30),
            {"kind": "ind", "provider": "T1"} | iv("mon", 10 * 60, 11 * 60),
            {"kind": "old", "provider": "T-GONE"} | iv("tue", 9 * 60, 10 * 60),
        ],
        "missed": [],
    }
    previous = {
        "format_version": 2,
        "status": "optimal",
        "objective": 0,
        "best_bound": 0,
        "penalties": dict.fromkeys(TERMS, 0),
        "solve_seconds": 0,
        "groups": [{"id": "G1", "facilitator": "T1", "clients": ["C1"]}],
        "clients": [placement],
        "unassigned": [],
        "explanation": [],
    }
    assert agree(week, previous) == 25


def test_a_lone_wanted_appointment_on_a_later_day() -> None:
    # Two wanted appointments asked, one fits without an extra trip (Tuesday 10:00, after
    # the group): the optimum schedules that one and misses the other (1).
    week = _week(
        [_group("G1", iv("tue", 9 * 60, 10 * 60))],
        [_therapist("T1")],
        [_person("C1", appointments={"ind": 2})],
        open_hours=[iv("mon", 9 * 60, 10 * 60), iv("tue", 10 * 60, 11 * 60)],
        appointment_kinds=[{"id": "ind"}],
        weights={"appointment_missed": 1, "extra_trip": 2},
    )
    assert agree(week, None) == 1
