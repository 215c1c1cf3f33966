"""The analyses on format version 2: reasons for missed appointments and for clients left out
by level, site or a required specialist kind; explain's sentences; what would fit a missed
appointment; the change report across kinds; recommendations with every kind."""

from __future__ import annotations

from typing import Any

from helpers_solve import solve_and_check, with_placed

from solver.analysis.breakdown import penalty_breakdown
from solver.analysis.diff import diff
from solver.analysis.missed import hours_text
from solver.analysis.recommend import recommend
from solver.analysis.whatif import what_would_fit_missed
from solver.checker import check
from solver.instance import WEIGHT_KEYS, Instance, parse_instance
from solver.roster import Roster, parse_roster

Doc = dict[str, Any]
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri")


def iv(day: str, start: str, end: str) -> Doc:
    return {"day": day, "start": start, "end": end}


def appt(kind: str, provider: str, day: str, start: str, end: str) -> Doc:
    return {"kind": kind, "provider": provider, **iv(day, start, end)}


KINDS = [
    {"id": "individual", "required": True, "per_week": 0},
    {"id": "family", "with_family": True},
    {
        "id": "psychiatry",
        "provider": "specialist",
        "provider_specialties": ["prescriber"],
    },
]


def week(clients: list[Doc], therapists: list[Doc] | None = None, **program: Any) -> Instance:
    """Open mon-fri 09:00-17:00 on a 30-minute grid; one iop group G1 meeting mon 09:00-10:00
    at site north, facilitated by T1; T1 (primary) and the prescriber T9 (tue 13:00-14:00)."""
    doc = {
        "format_version": 2,
        "program": {
            "group_min_size": 1,
            "group_max_size": 4,
            "slot_minutes": 30,
            "open_hours": [iv(d, "09:00", "17:00") for d in WEEKDAYS],
            "levels": [
                {"id": "iop", "min_weekly_hours": {"adult": 0}},
                {"id": "php", "min_weekly_hours": {"adult": 0}},
            ],
            "appointment_kinds": KINDS,
            **program,
        },
        "groups": [
            {
                "id": "G1",
                "shift": "morning",
                "meetings": [iv("mon", "09:00", "10:00")],
                "population": "adult",
                "levels": ["iop"],
                "tracks": ["su"],
                "site": "north",
            }
        ],
        "therapists": therapists
        if therapists is not None
        else [
            {"id": "T1", "availability": [iv(d, "09:00", "17:00") for d in WEEKDAYS]},
            {
                "id": "T9",
                "specialties": ["prescriber"],
                "availability": [iv("tue", "13:00", "14:00")],
                "max_caseload": 0,
                "max_groups": 0,
            },
        ],
        "clients": [{"population": "adult", "track": "su", **c} for c in clients],
    }
    return parse_instance(doc)


def _missed(roster: Roster, client_id: str) -> dict[str, list[str]]:
    p = roster.placement(client_id)
    assert p is not None, f"{client_id} is not placed"
    return {m.kind: m.reasons for m in p.missed}


def test_family_free_only_when_the_clinic_is_closed() -> None:
    instance = week(
        [
            {
                "id": "C1",
                "appointments": {"family": 1},
                "family_availability": [iv("sat", "09:00", "11:00")],
            }
        ]
    )
    roster = solve_and_check(instance)
    assert _missed(roster, "C1") == {
        "family": ["the family is free only sat 09:00-11:00, when the clinic is closed"]
    }


def _two_want_psychiatry() -> tuple[Instance, Roster, str, str]:
    """C1 and C2 both want a psychiatry visit; the prescriber T9 has one hour (tue 13-14)."""
    instance = week(
        [
            {"id": "C1", "appointments": {"psychiatry": 1}},
            {"id": "C2", "appointments": {"psychiatry": 1}},
        ]
    )
    roster = solve_and_check(instance)
    assert roster.status == "optimal"
    assert roster.penalties.appointment_missed == 100
    seen = next(p.id for p in roster.clients if p.of_kind("psychiatry"))
    missed = next(p.id for p in roster.clients if p.missed)
    return instance, roster, seen, missed


def test_prescriber_booked_full_names_the_prescriber_and_their_hours() -> None:
    _, roster, _, missed = _two_want_psychiatry()
    assert _missed(roster, missed) == {
        "psychiatry": [
            f"the prescriber T9 works tue 13:00-14:00 and is booked full at the times {missed} "
            "is free"
        ]
    }


def test_what_if_one_more_hour_of_the_prescriber() -> None:
    instance, roster, _, missed = _two_want_psychiatry()
    fixes = what_would_fit_missed(instance, roster)
    assert [f.sentence for f in fixes] == [
        f"one more hour of T9 on tue (12:00-13:00) would fit {missed}'s psychiatry appointment "
        "(tue 12:00-13:00 with T9; objective -98)"
    ]
    # The hour it names does fit: with it, the checker accepts the appointment.
    fix = fixes[0]
    assert fix.appointment is not None
    data = instance.model_dump(mode="json")
    data["therapists"][1]["availability"].append(iv("tue", "12:00", "13:00"))
    wider = parse_instance(data)
    clients = [
        p.model_copy(update={"appointments": [fix.appointment], "missed": []})
        if p.id == missed
        else p
        for p in roster.clients
    ]
    report = check(wider, roster.model_copy(update={"clients": clients}))
    # Only the roster's own numbers are stale (it still claims the missed visit).
    assert {v.rule for v in report.violations} == {"objective"}, report.lines()
    assert report.objective - (roster.objective or 0) == fix.objective_change


def test_what_if_one_more_hour_of_the_family() -> None:
    family = [iv("wed", "15:00", "16:00")]
    busy = [iv("wed", "15:00", "16:00")]
    instance = week(
        [{"id": "C1", "appointments": {"family": 1}, "family_availability": family, "busy": busy}]
    )
    roster = solve_and_check(instance)
    assert _missed(roster, "C1") == {
        "family": [
            "C1 is busy (wed 15:00-16:00) whenever the clinic is open and the family is free"
        ]
    }
    [fix] = what_would_fit_missed(instance, roster, "C1")
    assert fix.sentence == (
        "one more hour of C1's family's free time on wed (14:00-15:00) would fit C1's family "
        "appointment (wed 14:00-15:00 with T1; objective -98)"
    )


def test_explain_sentences_for_missed_and_extra_trips() -> None:
    instance, roster, seen, missed = _two_want_psychiatry()
    sentences = {(i.term, i.subject): i.sentence for i in penalty_breakdown(instance, roster)}
    assert sentences[("appointment_missed", missed)] == (
        f"{missed} misses 1 psychiatry appointment(s): the prescriber T9 works tue 13:00-14:00 "
        f"and is booked full at the times {missed} is free"
    )
    assert sentences[("extra_trip", seen)] == (
        f"{seen} comes in on tue for the psychiatry appointment with T9 at 13:00; G1 meets mon"
    )


def _roster(clients: list[Doc]) -> Roster:
    """A version-2 roster of clients in G1 (facilitated by T1); its numbers are zeros."""
    return parse_roster(
        {
            "format_version": 2,
            "status": "feasible",
            "objective": 0,
            "best_bound": None,
            "penalties": dict.fromkeys(WEIGHT_KEYS, 0),
            "solve_seconds": 0,
            "groups": [{"id": "G1", "facilitator": "T1", "clients": [c["id"] for c in clients]}],
            "clients": clients,
            "unassigned": [],
            "explanation": [],
        }
    )


def test_diff_of_a_moved_psychiatry_visit_tells_client_provider_and_primary() -> None:
    before = _roster(
        [
            {
                "id": "C031",
                "group": "G1",
                "therapist": "T3",
                "appointments": [
                    appt("individual", "T3", "mon", "13:00", "14:00"),
                    appt("psychiatry", "T9", "tue", "13:00", "13:30"),
                ],
            }
        ]
    )
    after = _roster(
        [
            {
                "id": "C031",
                "group": "G1",
                "therapist": "T3",
                "appointments": [
                    appt("individual", "T3", "mon", "13:00", "14:00"),
                    appt("psychiatry", "T9", "wed", "12:30", "13:00"),
                ],
            }
        ]
    )
    assert diff(before, after).sentences == [
        "C031: psychiatry appointment Tue 13:00 with T9 moves to Wed 12:30",
        "T3: C031's psychiatry appointment Tue 13:00 with T9 moves to Wed 12:30",
        "T9: Tue 13:00 psychiatry appointment with C031 moves to Wed 12:30",
    ]


def test_diff_of_a_new_prescriber() -> None:
    before = _roster(
        [
            {
                "id": "C031",
                "group": "G1",
                "therapist": "T3",
                "appointments": [appt("psychiatry", "T9", "tue", "13:00", "13:30")],
            }
        ]
    )
    after = _roster(
        [
            {
                "id": "C031",
                "group": "G1",
                "therapist": "T3",
                "appointments": [appt("psychiatry", "T8", "tue", "13:00", "13:30")],
                "missed": [],
            }
        ]
    )
    result = diff(before, after)
    assert [(c.subject, c.kind, c.before, c.after) for c in result.changes] == [
        ("C031", "provider_changed", "T9", "T8"),
        ("T3", "provider_changed", "T9", "T8"),
        ("T8", "session_added", None, "psychiatry Tue 13:00"),
        ("T9", "session_removed", "psychiatry Tue 13:00", None),
    ]
    assert result.sentences == [
        "C031: psychiatry provider T9 -> T8",
        "T3: C031's psychiatry provider T9 -> T8",
        "T8: new Tue 13:00 psychiatry appointment with C031",
        "T9: Tue 13:00 psychiatry appointment with C031 is cancelled",
    ]


def test_unassigned_by_site_names_the_sites() -> None:
    instance = week([{"id": "C012", "sites": ["south"]}])
    roster = solve_and_check(instance)
    [entry] = roster.unassigned
    assert (
        entry.reasons[0] == "C012 can reach only site south; the iop adult su groups meet at north"
    )


def test_unassigned_by_level_names_the_levels() -> None:
    instance = week([{"id": "C013", "level": "php"}])
    roster = solve_and_check(instance)
    [entry] = roster.unassigned
    assert entry.reasons[0] == "C013 is at level php; no adult su group serves it (they serve iop)"


def test_required_specialist_nobody_holds() -> None:
    kinds = [
        {"id": "individual", "required": True, "per_week": 0},
        {
            "id": "psychiatry",
            "provider": "specialist",
            "provider_specialties": ["prescriber"],
            "required": True,
        },
    ]
    therapists = [{"id": "T1", "availability": [iv(d, "09:00", "17:00") for d in WEEKDAYS]}]
    instance = week(
        [{"id": "C020", "appointments": {"psychiatry": 1}}],
        therapists,
        appointment_kinds=kinds,
    )
    roster = solve_and_check(instance)
    [entry] = roster.unassigned
    assert entry.reasons == [
        "C020 needs 1 psychiatry appointment(s) a week: no therapist holds prescriber "
        "(needed for psychiatry appointments)"
    ]


def test_recommend_gives_appointments_of_every_kind_priced_exactly() -> None:
    instance, roster, seen, missed = _two_want_psychiatry()
    # The client with the visit taken out (unassigned, priced by the checker), then put back.
    base = with_placed(instance, roster, {missed}, reason="taken out")
    options = recommend(instance, base, seen, k=3)
    assert options
    best = options[0]
    assert [(a.kind, a.provider, a.day, a.start) for a in best.appointments] == [
        ("psychiatry", "T9", "tue", "13:00")
    ]
    assert best.describe().startswith(f"{seen} in G1 with T1 (psychiatry tue 13:00 with T9)")
    applied = best.apply(base)
    checked = check(instance, applied)
    assert checked.ok, checked.lines()
    assert checked.objective - (base.objective or 0) == best.objective_change


def test_hours_text_groups_days() -> None:
    mon_fri = [(d * 1440 + 480, d * 1440 + 1020) for d in range(5)]
    assert hours_text([*mon_fri, (5 * 1440 + 540, 5 * 1440 + 720)]) == (
        "mon-fri 08:00-17:00, sat 09:00-12:00"
    )
    assert hours_text([(0, 60), (2 * 1440, 2 * 1440 + 60)]) == "mon, wed 00:00-01:00"
    assert hours_text([]) == "no hours"


def test_recommend_misses_a_wanted_kind_that_does_not_fit() -> None:
    instance, roster, seen, missed = _two_want_psychiatry()
    base = with_placed(instance, roster, {seen}, reason="taken out")
    best = recommend(instance, base, missed, k=1)[0]
    assert best.appointments == []
    assert [(m.kind, m.count) for m in best.missed] == [("psychiatry", 1)]
    assert best.missed[0].reasons == [
        f"the prescriber T9 works tue 13:00-14:00 and is booked full at the times {missed} is free"
    ]
    assert "misses 1 psychiatry appointment(s)" in best.describe()
    applied = best.apply(base)
    checked = check(instance, applied)
    assert checked.ok, checked.lines()
    assert checked.objective - (base.objective or 0) == best.objective_change


def test_explain_a_rerun_names_the_new_prescriber_and_the_moved_visit() -> None:
    therapists: list[Doc] = [
        {"id": "T1", "availability": [iv(d, "09:00", "17:00") for d in WEEKDAYS]},
        {"id": "T8", "specialties": ["prescriber"], "availability": [], "max_caseload": 0},
        {
            "id": "T9",
            "specialties": ["prescriber"],
            "availability": [iv("tue", "13:00", "14:00")],
            "max_caseload": 0,
        },
    ]
    instance = week([{"id": "C1", "appointments": {"psychiatry": 1}}], therapists)
    previous = _roster(
        [
            {
                "id": "C1",
                "group": "G1",
                "therapist": "T1",
                "appointments": [appt("psychiatry", "T8", "wed", "13:00", "14:00")],
            }
        ]
    )
    roster = solve_and_check(instance, previous)
    items = penalty_breakdown(instance, roster, previous=previous)
    assert {i.term: i.sentence for i in items} == {
        "provider_change": "C1's psychiatry provider changes from T8 to T9",
        "session_moved": "C1: 1 psychiatry appointment(s) moved (now tue 13:00; before wed 13:00)",
        "extra_trip": "C1 comes in on tue for the psychiatry appointment with T9 at 13:00; "
        "G1 meets mon",
    }
    assert diff(previous, roster, instance=instance).sentences == [
        "C1: psychiatry provider T8 -> T9",
        "C1: psychiatry appointment Wed 13:00 with T8 moves to Tue 13:00 with T9",
        "T1: C1's psychiatry provider T8 -> T9",
        "T1: C1's psychiatry appointment Wed 13:00 with T8 moves to Tue 13:00 with T9",
        "T8: Wed 13:00 psychiatry appointment with C1 is cancelled",
        "T9: new Tue 13:00 psychiatry appointment with C1",
    ]


def test_diff_of_a_cancelled_family_appointment_gives_the_reason() -> None:
    before = _roster(
        [
            {
                "id": "C7",
                "group": "G1",
                "therapist": "T3",
                "appointments": [appt("family", "T3", "thu", "17:00", "18:00")],
            }
        ]
    )
    reason = "the family is free only sun 14:00-16:00, when the clinic is closed"
    after = _roster(
        [
            {
                "id": "C7",
                "group": "G1",
                "therapist": "T3",
                "missed": [{"kind": "family", "count": 1, "reasons": [reason]}],
            }
        ]
    )
    assert diff(before, after).sentences == [
        f"C7: family appointment Thu 17:00 is cancelled (missed: {reason})",
        "T3: Thu 17:00 family appointment with C7 is cancelled",
    ]
