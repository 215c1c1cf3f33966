"""The greedy guided by the target (:class:`~solver.search.greedy.Guide`) realises it: the
groups the guide gives a therapist to lead are kept clear of that therapist's appointments
while the guided clients are placed, and every client first goes exactly where the guide
puts them, so nobody the guide places elsewhere takes their seat.

Measured on week A and the tier-m weeks (benchmarks/README.md, eleventh session): a guided
roster left 5-17 clients out of week A's target that places all 200; now 0-1.
"""

from __future__ import annotations

import pytest
from helpers_solve import client, group, iv, make, therapist

from solver import Instance
from solver.checker import check
from solver.search import greedy
from solver.search.greedy import Guide, greedy_roster


def _week() -> Instance:
    """One seat per group. G1 meets mon 09:00-10:00, G2 tue 09:00-10:00; T1 may lead one group,
    T3 one, T2 none. C1 is free outside G1's meeting only on tuesday, so the first slot for
    their session with T1 is tue 09:00: the hour T1 must keep for leading G2, C2's group."""
    return make(
        [group("G1", iv("mon", "09:00", "10:00")), group("G2", iv("tue", "09:00", "10:00"))],
        [
            therapist("T1", max_groups=1),
            therapist("T2", max_groups=0),
            therapist("T3", max_groups=1),
        ],
        [
            client("C1", busy=[iv("mon", "10:00", "12:00"), iv("wed", "09:00", "12:00")]),
            client("C2"),
        ],
        group_min_size=1,
        group_max_size=1,
    )


GUIDE = Guide({"C1": "G1", "C2": "G2"}, {"C1": "T1", "C2": "T2"}, {"G1": "T3", "G2": "T1"})


def test_the_guided_greedy_keeps_the_planned_facilitators_meetings_free() -> None:
    instance = _week()
    roster = greedy_roster(instance, guide=GUIDE)
    assert check(instance, roster).ok
    placed = {p.id: (p.group, p.therapist) for p in roster.clients}
    assert placed == {"C1": ("G1", "T1"), "C2": ("G2", "T2")}
    led = {g.id: g.facilitator for g in roster.groups}
    assert led == {"G1": "T3", "G2": "T1"}


def test_without_keeping_them_free_the_guided_greedy_leaves_a_client_out(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # T1's tuesday 09:00 then goes to C1's session, and G2 has nobody left to lead it.
    monkeypatch.setattr(greedy._Greedy, "_planned", lambda self, therapist_id: None)
    instance = _week()
    roster = greedy_roster(instance, guide=GUIDE)
    assert check(instance, roster).ok
    assert [p.id for p in roster.clients] == ["C1"]
