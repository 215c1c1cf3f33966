"""recommend() and the explanations, checked against the independent checker."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from benchmarks.generate import generate
from solver.check import check
from solver.explain import penalty_breakdown, what_would_it_take
from solver.instance import Instance, load_instance, parse_instance
from solver.recommend import recommend
from solver.roster import Roster, Unassigned
from solver.solve import solve

INSTANCES = Path(__file__).resolve().parent.parent / "instances"


def _solved(instance: Instance) -> Roster:
    roster = solve(instance, workers=1, seed=0, time_limit=30)
    assert check(instance, roster).ok
    return roster


def _unplace(instance: Instance, roster: Roster, client_id: str) -> Roster:
    """The roster with one client taken out, its numbers recomputed by the checker."""
    groups = []
    for g in roster.groups:
        members = [c for c in g.clients if c != client_id]
        if members:
            groups.append(g.model_copy(update={"clients": members}))
    out = roster.model_copy(
        update={
            "status": "feasible",
            "best_bound": None,
            "groups": groups,
            "clients": [p for p in roster.clients if p.id != client_id],
            "unassigned": [*roster.unassigned, Unassigned(id=client_id, reasons=["taken out"])],
        }
    )
    report = check(instance, out)
    return out.model_copy(update={"penalties": report.penalties, "objective": report.objective})


def test_recommend_options_are_valid_and_priced_exactly() -> None:
    instance = load_instance(INSTANCES / "clinic.json")
    solved = _solved(instance)
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
    assert options[0].sessions[0].day == "mon"
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
    roster = solve(instance, workers=2, seed=0, time_limit=20)
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
    assert len(items) == 1
    assert items[0].subject == "C2"
    assert "prefers evening" in items[0].sentence
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
    roster = solve(instance, workers=1, seed=0, time_limit=20)
    assert roster.status == "infeasible"
    text = "\n".join(roster.explanation)
    assert "C1 is pinned to group AM" in text
    assert "C2 is pinned to group AM" in text
    assert "C3" not in text
    assert "R9 keep apart" in text
