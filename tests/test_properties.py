"""Property tests: random small weeks, solved, must agree with the checker and the breakdown.

Hypothesis draws weeks of 1-3 groups, 1-3 therapists and 2-8 clients, with random
meetings, availability, busy times, needs, preferences, keep-apart pairs, weights
and, now and then, pins. Each week is solved with one worker and seed 0, and:

- the independent checker finds no violation (for every status; for infeasible
  or unknown that means the roster is well formed);
- for a roster, the objective is the sum of its penalty terms, the checker
  recomputes the same terms and objective, and the penalty breakdown's amounts
  add up to the objective;
- re-solving the unchanged week with the roster as ``previous`` gives the same
  objective and pays no rerun penalty, when both solves are proved optimal.

``derandomize=True`` makes the examples the same on every run.
"""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, assume, event, given, reject, settings
from hypothesis import strategies as st

from solver import InputError, Instance, Roster, SolveOptions, check, parse_instance, solve
from solver.analysis.breakdown import penalty_breakdown

Doc = dict[str, Any]

DAYS = ("mon", "tue", "wed")
SHIFTS = ("morning", "afternoon", "evening")
TRACKS = ("su", "mh")
SPECIALTIES = ("lpc", "trauma")
SHIFT_HOURS = {
    "morning": (9 * 60, 12 * 60),
    "afternoon": (13 * 60, 16 * 60),
    "evening": (18 * 60, 21 * 60),
}
THERAPIST_HOURS = (("08:00", "21:00"),) * 4 + (("08:00", "17:00"), ("12:00", "21:00"))
RERUN_TERMS = ("group_change", "therapist_change", "session_moved", "facilitator_change")

OPTIONS = SolveOptions(time_limit=5, workers=1, seed=0)
PROPERTY_SETTINGS = settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)


def sometimes(draw: st.DrawFn, one_in: int) -> bool:
    """True about once in ``one_in`` draws."""
    return draw(st.integers(1, one_in)) == one_in


def _hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


@st.composite
def busy_times(draw: st.DrawFn) -> list[Doc]:
    """One to three busy intervals, on distinct days, starting on a half hour."""
    days = draw(st.lists(st.sampled_from(DAYS), min_size=1, max_size=3, unique=True))
    out = []
    for day in sorted(days, key=DAYS.index):
        start = draw(st.integers(16, 40)) * 30  # 08:00 to 20:00
        end = min(start + draw(st.integers(1, 8)) * 30, 21 * 60)
        out.append({"day": day, "start": _hhmm(start), "end": _hhmm(end)})
    return out


@st.composite
def groups(draw: st.DrawFn, index: int, min_size: int, max_size: int) -> Doc:
    """A group meeting within its shift's hours on one to three days."""
    shift = draw(st.sampled_from(SHIFTS))
    opens, closes = SHIFT_HOURS[shift]
    days = draw(st.lists(st.sampled_from(DAYS), min_size=1, max_size=3, unique=True))
    start = opens + 30 * draw(st.integers(0, 2))
    end = min(closes, start + 60 * draw(st.integers(1, 3)))
    doc: Doc = {
        "id": f"G{index}",
        "shift": shift,
        "meetings": [
            {"day": d, "start": _hhmm(start), "end": _hhmm(end)}
            for d in sorted(days, key=DAYS.index)
        ],
        "population": "adolescent" if sometimes(draw, 5) else "adult",
        "tracks": list(draw(st.sampled_from([TRACKS, TRACKS, TRACKS[:1], TRACKS[1:]]))),
    }
    if sometimes(draw, 5):
        doc["audience"] = "women"
    if sometimes(draw, 4):
        doc["facilitator_specialties"] = [draw(st.sampled_from(SPECIALTIES))]
    if sometimes(draw, 2):
        doc["room"] = draw(st.sampled_from(["R1", "R2"]))
    if sometimes(draw, 2):
        doc["max_size"] = draw(st.integers(min_size, max_size))
    return doc


@st.composite
def therapists(draw: st.DrawFn, index: int) -> Doc:
    """A therapist working the same hours on each of two or three days."""
    opens, closes = draw(st.sampled_from(THERAPIST_HOURS))
    return {
        "id": f"T{index}",
        "specialties": list(draw(st.sampled_from([SPECIALTIES, SPECIALTIES[:1], SPECIALTIES[1:]]))),
        "availability": [
            {"day": d, "start": opens, "end": closes}
            for d in (DAYS[:2] if sometimes(draw, 4) else DAYS)
        ],
        "max_caseload": draw(st.integers(2, 5)),
        "max_groups": 0 if sometimes(draw, 6) else draw(st.integers(1, 2)),
    }


def _eligible(client: Doc, group: Doc) -> bool:
    """The static part of R1, which the parser checks for a pinned group."""
    return (
        group["population"] == client["population"]
        and client["track"] in group["tracks"]
        and group.get("audience") in (None, *client.get("audiences", []))
    )


@st.composite
def clients(draw: st.DrawFn, index: int, group_docs: list[Doc], therapist_ids: list[str]) -> Doc:
    """A client; mostly of a population and track that some group serves."""
    meant_for = draw(st.sampled_from(group_docs))
    doc: Doc = {
        "id": f"C{index:03d}",
        "population": meant_for["population"],
        "track": draw(st.sampled_from(meant_for["tracks"])),
        "individual_sessions": draw(st.integers(0, 2)),
    }
    if "audience" in meant_for:
        doc["audiences"] = [meant_for["audience"]]
    if sometimes(draw, 6):  # perhaps served by no group
        doc["population"] = draw(st.sampled_from(["adult", "adolescent"]))
        doc["track"] = draw(st.sampled_from(TRACKS))
    if sometimes(draw, 5):
        doc["needs"] = [draw(st.sampled_from(SPECIALTIES))]
    if sometimes(draw, 3):
        doc["busy"] = draw(busy_times())
    if sometimes(draw, 2):
        doc["shift_preference"] = draw(st.sampled_from(SHIFTS))
    if sometimes(draw, 3):
        doc["preferred_therapists"] = [draw(st.sampled_from(therapist_ids))]
    if sometimes(draw, 6):
        doc["avoid_therapists"] = [draw(st.sampled_from(therapist_ids))]
    if sometimes(draw, 4):
        doc["priority"] = draw(st.integers(2, 3))
    return doc


@st.composite
def weeks(draw: st.DrawFn) -> Doc:
    """An instance document of a small random week."""
    min_size = draw(st.integers(1, 2))
    max_size = draw(st.integers(max(2, min_size), 4))
    n_groups = draw(st.integers(1, 3))
    group_docs = [draw(groups(i + 1, min_size, max_size)) for i in range(n_groups)]
    therapist_docs = [draw(therapists(i + 1)) for i in range(draw(st.integers(1, 3)))]
    therapist_ids = [t["id"] for t in therapist_docs]
    client_docs = [
        draw(clients(i + 1, group_docs, therapist_ids)) for i in range(draw(st.integers(2, 8)))
    ]
    ids = [c["id"] for c in client_docs]
    for c in client_docs:
        if sometimes(draw, 6):
            c["keep_apart"] = [draw(st.sampled_from([i for i in ids if i != c["id"]]))]
    if sometimes(draw, 4):  # pin one client to a group it may join, or to a therapist
        pinned = draw(st.sampled_from(client_docs))
        eligible = [g["id"] for g in group_docs if _eligible(pinned, g)]
        if eligible and sometimes(draw, 2):
            pinned["pinned_group"] = draw(st.sampled_from(eligible))
        allowed = [t for t in therapist_ids if t not in pinned.get("avoid_therapists", [])]
        if allowed and sometimes(draw, 2):
            pinned["pinned_therapist"] = draw(st.sampled_from(allowed))
    program: Doc = {
        "group_min_size": min_size,
        "group_max_size": max_size,
        "slot_minutes": draw(st.sampled_from([30, 60])),
        "open_hours": [{"day": d, "start": "08:00", "end": "21:00"} for d in DAYS],
        "min_weekly_hours": {
            "adult": draw(st.sampled_from([0, 0, 2, 3])),
            "adolescent": draw(st.sampled_from([0, 2])),
        },
    }
    if sometimes(draw, 2):
        program["weights"] = {
            "open_group": draw(st.sampled_from([0, 3, 1500])),
            "shift_mismatch": draw(st.integers(0, 20)),
            "caseload_spread": draw(st.integers(0, 3)),
            "not_preferred_therapist": draw(st.integers(0, 7)),
        }
    return {
        "format_version": 1,
        "program": program,
        "groups": group_docs,
        "therapists": therapist_docs,
        "clients": client_docs,
    }


def _instance(doc: Doc) -> Instance:
    try:
        return parse_instance(doc)
    except InputError:  # the strategies avoid what the parser rejects; this is a safety net
        reject()


def _assert_consistent(instance: Instance, roster: Roster, previous: Roster | None = None) -> None:
    """The checker agrees with the roster, and the numbers add up three ways."""
    report = check(instance, roster, previous=previous)
    assert report.ok, "\n".join(report.lines())
    if roster.status not in ("optimal", "feasible"):
        # Only pins can make a week infeasible (or leave it unknown).
        assert any(c.pinned_group or c.pinned_therapist for c in instance.clients)
        assert roster.objective is None
        return
    assert roster.objective is not None
    assert roster.objective == sum(roster.penalties.as_dict().values())
    assert report.objective == roster.objective, report.lines()
    assert report.penalties.as_dict() == roster.penalties.as_dict()
    items = penalty_breakdown(instance, roster, previous=previous)
    assert sum(item.amount for item in items) == roster.objective
    for item in items:
        assert item.amount == item.weight * item.count, item
        assert item.sentence.strip(), item


@PROPERTY_SETTINGS
@given(weeks())
def test_solved_week_passes_the_checker_and_adds_up(doc: Doc) -> None:
    instance = _instance(doc)
    roster = solve(instance, OPTIONS)
    event(f"status {roster.status}")
    event("some placed" if roster.clients else "none placed")
    _assert_consistent(instance, roster)
    for entry in roster.unassigned:
        assert entry.reasons and all(r.strip() for r in entry.reasons), entry


@PROPERTY_SETTINGS
@given(weeks())
def test_rerun_of_an_unchanged_week_keeps_the_optimal_objective(doc: Doc) -> None:
    instance = _instance(doc)
    cold = solve(instance, OPTIONS)
    assume(cold.status == "optimal")
    warm = solve(instance, OPTIONS, previous=cold)
    event(f"warm status {warm.status}")
    _assert_consistent(instance, warm, previous=cold)
    assert warm.objective is not None and cold.objective is not None
    if warm.status == "optimal":
        # Keeping everything where it is pays no rerun penalty, so the warm optimum is at
        # most the cold one; the other terms alone are at least the cold optimum.
        assert warm.objective == cold.objective
        assert all(warm.penalties.as_dict()[t] == 0 for t in RERUN_TERMS), warm.penalties
