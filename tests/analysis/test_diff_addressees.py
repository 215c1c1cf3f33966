"""The change report tells everyone whose week changed (issue 13, item E2).

"Each therapist can read the lines that start with their own id" must be true: after
each kind of rerun, every therapist whose week changed (a group they facilitate, the
clients in their groups, their caseload, their sessions) and every client whose week
changed (group, its facilitator, therapist, sessions, placed or not) has at least one
line starting with their id, and nobody else has one. "Whose week changed" is worked
out here from the two rosters alone, independently of :mod:`solver.analysis.diff`.
"""

from __future__ import annotations

import copy
from collections import Counter
from typing import Any

import pytest

from benchmarks.generate import generate, perturb
from solver.analysis.diff import RosterDiff, diff
from solver.checker import check
from solver.instance import parse_instance
from solver.options import SolveOptions
from solver.roster import Roster
from solver.search.greedy import greedy_roster
from solver.solving import solve

BASE = generate("s", "normal", 1)


def _facilitator_off(data: dict[str, Any]) -> dict[str, Any]:
    """The week with the facilitator of the most groups away all week."""
    roster = greedy_roster(parse_instance(data))
    counts = Counter(g.facilitator for g in roster.groups)
    busiest = max(sorted(counts), key=lambda t: counts[t])
    out = copy.deepcopy(data)
    for t in out["therapists"]:
        if t["id"] == busiest:
            t["availability"] = []
    for c in out["clients"]:
        if c.get("pinned_therapist") == busiest:
            c["pinned_therapist"] = None
    return out


CHANGES = ["discharge", "intake", "therapist_off", "shift_change", "facilitator_off"]


def _client_weeks(roster: Roster) -> dict[str, object]:
    facilitator = {g.id: g.facilitator for g in roster.groups}
    weeks: dict[str, object] = {u.id: "unassigned" for u in roster.unassigned}
    for p in roster.clients:
        sessions = Counter((a.kind, a.day, a.start, a.provider) for a in p.appointments)
        weeks[p.id] = (p.group, facilitator[p.group], p.therapist, sessions)
    return weeks


def _therapist_weeks(roster: Roster) -> dict[str, object]:
    weeks: dict[str, dict[str, Any]] = {}

    def week(tid: str) -> dict[str, Any]:
        return weeks.setdefault(tid, {"groups": {}, "caseload": set(), "sessions": Counter()})

    for g in roster.groups:
        week(g.facilitator)["groups"][g.id] = frozenset(g.clients)
    for p in roster.clients:
        week(p.therapist)["caseload"].add(p.id)
        for a in p.appointments:
            week(a.provider)["sessions"][p.id, a.kind, a.day, a.start] += 1
    return dict(weeks)


def _changed(before: dict[str, object], after: dict[str, object]) -> set[str]:
    return {i for i in set(before) | set(after) if before.get(i) != after.get(i)}


def _addressed(result: RosterDiff, kind: str) -> set[str]:
    return {c.subject for c in result.changes if c.subject_kind == kind}


@pytest.fixture(scope="module")
def reruns() -> dict[str, tuple[Roster, Roster, RosterDiff]]:
    """The roster in use and each rerun's roster, with the change report between them."""
    previous = greedy_roster(parse_instance(BASE))
    out = {}
    for change in CHANGES:
        data = _facilitator_off(BASE) if change == "facilitator_off" else perturb(BASE, change, 1)
        week = parse_instance(data)
        rerun = solve(week, SolveOptions(time_limit=1, workers=1, seed=0), previous=previous)
        assert rerun.status in ("optimal", "feasible")
        assert check(week, rerun, previous=previous).ok
        out[change] = (previous, rerun, diff(previous, rerun, instance=week))
    return out


@pytest.mark.parametrize("change", CHANGES)
def test_every_changed_week_is_told_and_nobody_else(
    reruns: dict[str, tuple[Roster, Roster, RosterDiff]], change: str
) -> None:
    previous, rerun, result = reruns[change]
    clients = _changed(_client_weeks(previous), _client_weeks(rerun))
    therapists = _changed(_therapist_weeks(previous), _therapist_weeks(rerun))
    assert _addressed(result, "client") == clients
    assert _addressed(result, "therapist") == therapists
    for c in result.changes:
        if c.subject_kind != "group":
            assert c.sentence.startswith((f"{c.subject}:", f"{c.subject} ")), c.sentence


def test_the_reruns_reach_the_facilitators(
    reruns: dict[str, tuple[Roster, Roster, RosterDiff]],
) -> None:
    """The test above is not vacuous: the reruns change clients' weeks, and facilitators'.

    A facilitator away all week stops facilitating every group they had; a discharge
    takes clients out of their groups, whose facilitators are told.
    """
    kinds = {c.kind for _, _, result in reruns.values() for c in result.changes}
    assert kinds & {"client_joined_group", "client_left_group"}
    assert "left_roster" in kinds and "joined_roster" in kinds
    previous, _, off = reruns["facilitator_off"]
    counts = Counter(g.facilitator for g in previous.groups)
    busiest = max(sorted(counts), key=lambda t: counts[t])
    lost = [c for c in off.changes if c.kind == "stops_facilitating"]
    assert [c.subject for c in lost] == [busiest] * counts[busiest]
    assert all(c.sentence.startswith(f"{busiest}: no longer facilitates ") for c in lost)
