"""recommend() and the explanations, checked against the independent checker."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from helpers_solve import with_placed

from benchmarks.generate import generate, perturb
from solver.analysis.breakdown import penalty_breakdown
from solver.analysis.recommend import recommend
from solver.analysis.whatif import what_would_it_take
from solver.checker import check
from solver.instance import Instance, load_instance, parse_instance
from solver.options import SolveOptions
from solver.roster import Roster
from solver.search.greedy import greedy_roster
from solver.solving import solve

INSTANCES = Path(__file__).resolve().parents[2] / "instances"


def _solved(instance: Instance) -> Roster:
    roster = solve(instance, SolveOptions(workers=1, seed=0, time_limit=30))
    assert check(instance, roster).ok
    return roster


def _unplace(instance: Instance, roster: Roster, client_id: str) -> Roster:
    """The roster with one client taken out, its numbers recomputed by the checker."""
    placed = {p.id for p in roster.clients} - {client_id}
    return with_placed(instance, roster, placed, reason="taken out")


def test_recommend_options_are_valid_and_priced_exactly(
    clinic: Instance, clinic_roster: Roster
) -> None:
    instance, solved = clinic, clinic_roster
    assert check(instance, solved).ok
    pinned = {c.id for c in instance.clients if c.pinned_group or c.pinned_therapist}
    # One client out of each group that stays large enough to run without them.
    movable = [
        next(c for c in g.clients if c not in pinned)
        for g in solved.groups
        if len(g.clients) > instance.program.group_min_size
    ]
    assert movable
    for client_id in movable:
        roster = _unplace(instance, solved, client_id)
        assert check(instance, roster).ok
        options = recommend(instance, roster, client_id, k=10)
        assert options, "a client just taken out can always go back"
        changes = [o.objective_change for o in options]
        assert changes == sorted(changes)
        for option in options:
            report = check(instance, option.apply(roster))
            assert report.ok, report.lines()
            assert report.objective - roster.objective == option.objective_change


MON = [{"day": "mon", "start": "08:00", "end": "21:00"}]
MON_TUE = [*MON, {"day": "tue", "start": "08:00", "end": "21:00"}]


def _group(gid: str, shift: str, start: str, end: str, **keys: Any) -> dict[str, Any]:
    meeting = {"day": "mon", "start": start, "end": end}
    return {
        "id": gid,
        "shift": shift,
        "population": "adult",
        "tracks": ["su"],
        "meetings": [meeting],
        **keys,
    }


AM = _group("AM", "morning", "09:00", "12:00")
EV = _group("EV", "evening", "18:00", "21:00")


def _week(
    groups: list[dict[str, Any]],
    clients: list[dict[str, Any]],
    availability: list[list[dict[str, str]]],
    **program: Any,
) -> Instance:
    """A Monday week: groups of 1+, a 60-minute grid, no weekly-hours minimum."""
    return parse_instance(
        {
            "format_version": 1,
            "program": {
                "group_min_size": 1,
                "slot_minutes": 60,
                "min_weekly_hours": {"adult": 0},
                **program,
            },
            "groups": groups,
            "therapists": [
                {"id": f"T{i}", "availability": hours} for i, hours in enumerate(availability, 1)
            ],
            "clients": [{"population": "adult", "track": "su", **c} for c in clients],
        }
    )


def test_recommend_ranks_preferred_shift_first() -> None:
    instance = _week(
        [AM, EV], [{"id": "C1"}, {"id": "C2", "shift_preference": "evening"}], [MON_TUE]
    )
    roster = _unplace(instance, _solved(instance), "C2")
    options = recommend(instance, roster, "C2", k=5)
    # EV with no shift mismatch, a session on the group's day: the best place.
    assert (options[0].group, options[0].objective_change) == ("EV", -1000)
    assert options[0].appointments[0].day == "mon"
    assert any(o.group == "AM" and o.objective_change == -990 for o in options)


@pytest.mark.parametrize(
    "source",
    ["clinic", "tiny", "s-normal-1", "s-evening-1", "s-overload-1"],
)
def test_penalty_breakdown_adds_up_to_the_roster(source: str) -> None:
    if (INSTANCES / f"{source}.json").exists():
        instance = load_instance(INSTANCES / f"{source}.json")
    else:
        tier, scenario, seed = source.split("-")
        instance = parse_instance(generate(tier, scenario, int(seed)))
    # Any valid roster will do (optimal or not): a short limit keeps the test quick.
    roster = solve(instance, SolveOptions(workers=2, seed=0, time_limit=2))
    items = penalty_breakdown(instance, roster)
    totals = dict.fromkeys(roster.penalties.as_dict(), 0)
    for item in items:
        totals[item.term] += item.amount
        assert item.sentence
        assert item.amount == item.weight * item.count
    assert totals == roster.penalties.as_dict()


def test_shift_mismatch_sentence_names_the_full_group() -> None:
    instance = _week(
        [AM, EV],
        [
            {"id": "C1", "shift_preference": "evening", "priority": 2},
            {"id": "C2", "shift_preference": "evening"},
        ],
        [MON, MON],
        group_max_size=1,
    )
    roster = _solved(instance)
    items = [i for i in penalty_breakdown(instance, roster) if i.term == "shift_mismatch"]
    # Either client may take the one evening seat (same cost); the other is in AM.
    in_am = next(p.id for p in roster.clients if p.group == "AM")
    assert [i.subject for i in items] == [in_am]
    assert items[0].sentence.startswith(f"{in_am} prefers evening; placed in AM (morning)")
    assert "EV is full (1 of 1)" in items[0].sentence


def test_what_would_it_take_offers_a_seat_in_the_full_group() -> None:
    instance = _week(
        [{**AM, "max_size": 1}],
        [{"id": "C1", "priority": 2}, {"id": "C2"}],
        [MON_TUE],
        group_max_size=2,
    )
    roster = _solved(instance)
    assert [u.id for u in roster.unassigned] == ["C2"]
    assert "AM is full (1 of 1)" in roster.unassigned[0].reasons[0]
    options, finished = what_would_it_take(instance, roster, "C2", time_limit=10)
    assert finished
    assert options[0].change.startswith("one more seat in AM")
    assert options[0].objective_change < 0


def test_what_would_it_take_shortens_a_busy_interval() -> None:
    busy = [{"day": "mon", "start": "08:00", "end": "19:00"}]
    instance = _week([EV], [{"id": "C1", "busy": busy}], [MON_TUE])
    roster = _solved(instance)
    assert "EV meets mon 18:00-21:00, when C1 is busy" in roster.unassigned[0].reasons[0]
    options, finished = what_would_it_take(instance, roster, "C1", time_limit=10)
    assert finished
    assert options[0].change == (
        "C1's busy mon 08:00-19:00 shortened to mon 08:00-18:00, so that EV fits"
    )
    assert options[0].objective_change == -998  # placed, one extra trip for the session


def test_infeasible_pins_name_exactly_the_two_pins() -> None:
    instance = _week(
        [AM, EV],
        [
            {"id": "C1", "pinned_group": "AM", "keep_apart": ["C2"]},
            {"id": "C2", "pinned_group": "AM"},
            {"id": "C3", "pinned_group": "EV"},
        ],
        [MON_TUE],
    )
    roster = solve(instance, SolveOptions(workers=1, seed=0, time_limit=20))
    assert roster.status == "infeasible"
    text = "\n".join(roster.explanation)
    assert "C1 is pinned to group AM" in text
    assert "C2 is pinned to group AM" in text
    assert "C3" not in text
    assert "R9 keep apart" in text


def _totals(items: list[Any]) -> dict[str, int]:
    totals: dict[str, int] = {}
    for item in items:
        assert item.sentence
        assert item.amount == item.weight * item.count
        totals[item.term] = totals.get(item.term, 0) + item.amount
    return totals


@pytest.mark.parametrize("tier", ["s", "m"])
@pytest.mark.parametrize("scenario", ["normal", "overload", "evening"])
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_penalty_breakdown_adds_up_on_every_benchmark_week(
    tier: str, scenario: str, seed: int
) -> None:
    """Every s and m benchmark week (up to 200 clients): the breakdown of the greedy
    roster adds up to its penalties and to the checker's recomputation."""
    instance = parse_instance(generate(tier, scenario, seed))
    roster = greedy_roster(instance)
    report = check(instance, roster)
    assert report.ok, report.lines()[:3]
    nonzero = {k: v for k, v in report.penalties.as_dict().items() if v}
    assert _totals(penalty_breakdown(instance, roster)) == nonzero
    assert roster.penalties == report.penalties


@pytest.mark.parametrize("change", ["discharge", "intake", "therapist_off", "shift_change"])
def test_penalty_breakdown_adds_up_on_reruns(change: str) -> None:
    """The week after each kind of change, against the week before: rerun terms too."""
    base = generate("s", "normal", 1)
    before = parse_instance(base)
    after = parse_instance(perturb(base, change, 1))
    previous = solve(before, SolveOptions(workers=2, seed=0, time_limit=20))
    roster = greedy_roster(after, previous=previous)
    report = check(after, roster, previous=previous)
    assert report.ok, report.lines()[:3]
    nonzero = {k: v for k, v in report.penalties.as_dict().items() if v}
    assert any(k.endswith("_change") or k == "session_moved" for k in nonzero)
    assert _totals(penalty_breakdown(after, roster, previous=previous)) == nonzero


def _with(instance: Instance, **changes: Any) -> Instance:
    """The instance with whole entries replaced: ``therapists=[...]``, ``clients=[...]``."""
    return parse_instance({**instance.model_dump(mode="json"), **changes})


def test_breakdown_sentences_name_therapists_days_and_caseloads() -> None:
    base = _week(
        [AM],
        [{"id": "C1", "preferred_therapists": ["T2"]}],
        [[{"day": "tue", "start": "08:00", "end": "12:00"}], MON],
    )
    therapists = base.model_dump(mode="json")["therapists"]
    therapists[1]["max_caseload"] = 0
    instance = _with(base, therapists=therapists)
    roster = _solved(instance)
    sentences = {i.term: i.sentence for i in penalty_breakdown(instance, roster)}
    assert sentences["not_preferred_therapist"] == (
        "C1 prefers T2; primary therapist is T1 because T2 takes no caseload"
    )
    assert sentences["extra_trip"] == (
        "C1 comes in on tue for the individual session with T1 at 08:00; AM meets mon"
    )
    assert "caseload_spread" not in sentences  # T2 takes no caseload: not in the spread
    assert set(sentences) == {"not_preferred_therapist", "extra_trip"}


def test_caseload_spread_sentence_names_the_extremes() -> None:
    instance = _week([AM], [{"id": "C1", "preferred_therapists": ["T1"]}], [MON, MON])
    roster = _solved(instance)
    items = [i for i in penalty_breakdown(instance, roster) if i.term == "caseload_spread"]
    assert [(i.count, i.sentence) for i in items] == [(1, "caseloads range from 0 (T2) to 1 (T1)")]


def test_what_would_it_take_frees_a_named_therapist_at_a_named_time() -> None:
    base = _week(
        [AM],
        [
            {
                "id": "C1",
                "needs": ["trauma"],
                "busy": [{"day": "tue", "start": "08:00", "end": "12:00"}],
            }
        ],
        [MON, [{"day": "tue", "start": "08:00", "end": "09:00"}]],
    )
    therapists = base.model_dump(mode="json")["therapists"]
    therapists[1]["specialties"] = ["trauma"]
    instance = _with(base, therapists=therapists)
    roster = _solved(instance)
    assert [u.id for u in roster.unassigned] == ["C1"]
    options, finished = what_would_it_take(instance, roster, "C1", time_limit=10)
    assert finished
    assert options[0].change == "T2 free mon 08:00-09:00 (added to their hours)"
    assert "T2" in options[0].placement
    assert options[0].objective_change < 0


def test_what_would_it_take_offers_a_caseload_place() -> None:
    base = _week([AM], [{"id": "C1", "priority": 2}, {"id": "C2"}], [MON])
    therapists = base.model_dump(mode="json")["therapists"]
    therapists[0]["max_caseload"] = 1
    instance = _with(base, therapists=therapists)
    roster = _solved(instance)
    assert [u.id for u in roster.unassigned] == ["C2"]
    assert "T1's caseload is full (1 of 1)" in roster.unassigned[0].reasons[0]
    options, finished = what_would_it_take(instance, roster, "C2", time_limit=10)
    assert finished
    assert options[0].change == "T1 takes one more client (2)"
    assert options[0].objective_change == -1000


def test_what_would_it_take_moves_another_client() -> None:
    evening_busy = [{"day": "mon", "start": "17:00", "end": "21:00"}]
    instance = _week(
        [{**AM, "max_size": 1}, {**EV, "max_size": 1}],
        [
            {"id": "C1", "shift_preference": "morning"},
            {"id": "C2", "busy": evening_busy},
        ],
        [MON],
    )
    # Last week's roster, before C2 arrived: C1 in AM as preferred.
    before_intake = _with(instance, clients=instance.model_dump(mode="json")["clients"][:1])
    roster = _unplace(instance, _solved(before_intake), "C2")
    c1 = roster.placement("C1")
    assert c1 is not None and c1.group == "AM"
    options, finished = what_would_it_take(instance, roster, "C2", time_limit=10)
    assert finished
    moved = [o for o in options if o.change.startswith("other clients move")]
    assert [o.change for o in moved] == ["other clients move (C1)"]
    # C2 placed (-1000), C1 in the evening against their preference (+10).
    assert moved[0].objective_change == -990
    assert "C2 in AM" in moved[0].placement
