"""Each penalty term binding on a tiny week, with the exact optimum asserted.

For every term: a week where it is paid at the optimum (or where avoiding it
costs another term), the same week with its weight changed, and with its weight
0, which switches it off. The rerun terms also meet previous rosters naming
clients, groups and therapists the instance no longer has.
"""

from __future__ import annotations

import contextlib
import json
from typing import Any

import pytest
from helpers_solve import (
    client,
    facilitator_of,
    group,
    group_of,
    iv,
    make,
    placement_of,
    previous_roster,
    solve_optimal,
    therapist,
    unassigned_ids,
)

from solver.errors import InputError
from solver.instance import WEIGHT_KEYS_V1, Instance
from solver.roster import parse_roster


def terms(roster: Any) -> dict[str, int]:
    """The roster's penalties that are paid."""
    return {k: v for k, v in roster.penalties.as_dict().items() if v}


def with_weights(**w: int) -> dict[str, Any]:
    return {"weights": w}


# --- unassigned ---


def _one_seat(**w: int) -> Instance:
    return make(
        [group("G1", iv("mon", "09:00", "10:00"), max_size=1)],
        [therapist("T1")],
        [
            client("C1", individual_sessions=0, priority=3),
            client("C2", individual_sessions=0, priority=2),
        ],
        **with_weights(**w),
    )


def test_unassigned_is_weighted_by_priority() -> None:
    roster = solve_optimal(_one_seat())
    assert roster.objective == 2000
    assert terms(roster) == {"unassigned": 2000}
    assert unassigned_ids(roster) == ["C2"]


def test_unassigned_weight_is_overridden_and_switched_off() -> None:
    assert solve_optimal(_one_seat(unassigned=7)).objective == 14
    assert solve_optimal(_one_seat(unassigned=0)).objective == 0


def test_every_client_unassigned_when_nothing_fits() -> None:
    inst = make(
        [group("G1", iv("mon", "09:00", "10:00"), tracks=["other"])],
        [therapist("T1")],
        [client("C1", priority=4), client("C2")],
    )
    roster = solve_optimal(inst)
    assert roster.objective == 5000
    assert unassigned_ids(roster) == ["C1", "C2"]


# --- shift_mismatch ---


def _afternoon_only(**w: int) -> Instance:
    return make(
        [group("G1", iv("mon", "09:00", "10:00"), shift="afternoon")],
        [therapist("T1")],
        [client("C1", shift_preference="morning"), client("C2")],
        **with_weights(**w),
    )


@pytest.mark.parametrize(("weight", "expected"), [(None, 10), (3, 3), (0, 0)])
def test_shift_mismatch(weight: int | None, expected: int) -> None:
    inst = _afternoon_only() if weight is None else _afternoon_only(shift_mismatch=weight)
    roster = solve_optimal(inst)
    assert roster.objective == expected
    assert group_of(roster, "C1") == "G1"


def test_shift_preference_picks_the_matching_group() -> None:
    inst = make(
        [
            group("G1", iv("mon", "09:00", "10:00"), shift="afternoon"),
            group("G2", iv("tue", "09:00", "10:00"), shift="evening"),
        ],
        [therapist("T1")],
        [client("C1", shift_preference="evening")],
    )
    roster = solve_optimal(inst)
    assert roster.objective == 0
    assert group_of(roster, "C1") == "G2"


# --- not_preferred_therapist ---


def _preferred_lacks_needs(**w: int) -> Instance:
    return make(
        [group("G1", iv("mon", "09:00", "10:00"))],
        [therapist("T1", specialties=["trauma"]), therapist("T2", max_groups=0)],
        [client("C1", needs=["trauma"], preferred_therapists=["T2"])],
        **with_weights(caseload_spread=0, **w),
    )


@pytest.mark.parametrize(("weight", "expected"), [(None, 5), (9, 9), (0, 0)])
def test_not_preferred_therapist(weight: int | None, expected: int) -> None:
    w = {} if weight is None else {"not_preferred_therapist": weight}
    roster = solve_optimal(_preferred_lacks_needs(**w))
    assert roster.objective == expected
    assert placement_of(roster, "C1")[:2] == ("G1", "T1")  # type: ignore[index]


def test_preferred_therapist_is_chosen_when_possible() -> None:
    inst = make(
        [group("G1", iv("mon", "09:00", "10:00"))],
        [therapist("T1"), therapist("T2", max_groups=0)],
        [client("C1", preferred_therapists=["T2"])],
        **with_weights(caseload_spread=0),
    )
    roster = solve_optimal(inst)
    assert roster.objective == 0
    assert placement_of(roster, "C1")[:2] == ("G1", "T2")  # type: ignore[index]


# --- extra_trip ---


def _sessions_off_group_days(**w: int) -> Instance:
    # T1 meets clients only on Tuesday and Wednesday; the group meets on Monday.
    return make(
        [group("G1", iv("mon", "09:00", "10:00"))],
        [
            therapist("TF", iv("mon", "09:00", "10:00"), max_caseload=0),
            therapist("T1", iv("tue", "09:00", "12:00"), iv("wed", "09:00", "12:00")),
        ],
        [client("C1", individual_sessions=2)],
        **with_weights(**w),
    )


@pytest.mark.parametrize(("weight", "expected"), [(None, 4), (5, 10), (0, 0)])
def test_extra_trip_counts_each_session(weight: int | None, expected: int) -> None:
    w = {} if weight is None else {"extra_trip": weight}
    roster = solve_optimal(_sessions_off_group_days(**w))
    assert roster.objective == expected
    assert sorted(s.day for s in roster.clients[0].sessions) == ["tue", "wed"]


def test_extra_trip_avoided_by_a_session_on_a_group_day() -> None:
    inst = make(
        [group("G1", iv("mon", "09:00", "10:00"), iv("wed", "09:00", "10:00"))],
        [therapist("T1")],
        [client("C1", individual_sessions=3)],
    )
    roster = solve_optimal(inst)
    assert roster.objective == 2  # only Tuesday is a trip of its own
    assert terms(roster) == {"extra_trip": 2}


# --- caseload_spread ---


def _all_need_trauma(**w: int) -> Instance:
    return make(
        [group("G1", iv("mon", "09:00", "10:00"))],
        [
            therapist("T1"),
            therapist("T2", specialties=["trauma"], max_groups=0),
            therapist("T3", max_caseload=0),  # left out of the spread
        ],
        [client(f"C{i}", needs=["trauma"], individual_sessions=0) for i in (1, 2, 3)],
        **with_weights(**w),
    )


@pytest.mark.parametrize(("weight", "expected"), [(None, 3), (4, 12), (0, 0)])
def test_caseload_spread(weight: int | None, expected: int) -> None:
    w = {} if weight is None else {"caseload_spread": weight}
    roster = solve_optimal(_all_need_trauma(**w))
    assert roster.objective == expected
    assert {p.therapist for p in roster.clients} == {"T2"}


def test_caseload_spread_is_balanced() -> None:
    inst = make(
        [group("G1", iv("mon", "09:00", "10:00"))],
        [therapist("T1"), therapist("T2"), therapist("T3")],
        [client(f"C{i}", individual_sessions=0) for i in range(1, 5)],
    )
    roster = solve_optimal(inst)
    assert roster.objective == 1  # 4 clients on 3 therapists: 2, 1, 1
    loads = sorted(sum(p.therapist == t for p in roster.clients) for t in ("T1", "T2", "T3"))
    assert loads == [1, 1, 2]


def test_caseload_spread_counts_a_therapist_nobody_can_have() -> None:
    # T2 takes caseload but lacks C1's needs: the spread is still 1 - 0.
    inst = make(
        [group("G1", iv("mon", "09:00", "10:00"))],
        [therapist("T1", specialties=["trauma"]), therapist("T2")],
        [client("C1", needs=["trauma"], individual_sessions=0)],
    )
    assert solve_optimal(inst).objective == 1


# --- open_group ---


def _two_groups(keep_apart: bool, **w: int) -> Instance:
    return make(
        [group("G1", iv("mon", "09:00", "10:00")), group("G2", iv("tue", "09:00", "10:00"))],
        [therapist("T1")],
        [
            client("C1", individual_sessions=0, keep_apart=["C2"] if keep_apart else []),
            client("C2", individual_sessions=0),
        ],
        **with_weights(**w),
    )


def test_open_group_is_off_by_default() -> None:
    assert solve_optimal(_two_groups(True)).objective == 0


@pytest.mark.parametrize(("keep_apart", "expected"), [(False, 7), (True, 14)])
def test_open_group_counts_each_running_group(keep_apart: bool, expected: int) -> None:
    roster = solve_optimal(_two_groups(keep_apart, open_group=7))
    assert roster.objective == expected
    assert len(roster.groups) == expected // 7


# --- group_change (rerun) ---

SHIFT_GROUPS = [
    group("G1", iv("mon", "09:00", "10:00")),
    group("G2", iv("tue", "09:00", "10:00"), shift="afternoon"),
]


def _prefers_g1(**w: int) -> Instance:
    return make(
        SHIFT_GROUPS,
        [therapist("T1")],
        [client("C1", shift_preference="morning", individual_sessions=0)],
        **with_weights(**w),
    )


def test_group_change_keeps_the_client_in_the_previous_group() -> None:
    previous = previous_roster([("C1", "G2", "T1", [])])
    roster = solve_optimal(_prefers_g1(), previous)
    assert roster.objective == 10  # shift mismatch is cheaper than a change of group
    assert group_of(roster, "C1") == "G2"


@pytest.mark.parametrize(("weight", "expected"), [(8, 8), (0, 0)])
def test_group_change_weight(weight: int, expected: int) -> None:
    previous = previous_roster([("C1", "G2", "T1", [])])
    roster = solve_optimal(_prefers_g1(group_change=weight), previous)
    assert roster.objective == expected
    assert group_of(roster, "C1") == "G1"


def test_group_change_without_a_previous_roster_is_never_paid() -> None:
    roster = solve_optimal(_prefers_g1())
    assert roster.objective == 0


def test_group_change_ignores_a_group_the_instance_no_longer_has() -> None:
    previous = previous_roster([("C1", "G-GONE", "T1", [])])
    roster = solve_optimal(_prefers_g1(), previous)
    assert roster.objective == 0
    assert group_of(roster, "C1") == "G1"


def test_group_change_is_paid_when_the_previous_group_is_out_of_reach() -> None:
    # G2 still exists but C1 is now busy when it meets.
    inst = make(
        SHIFT_GROUPS,
        [therapist("T1")],
        [client("C1", individual_sessions=0, busy=[iv("tue", "09:00", "10:00")])],
    )
    roster = solve_optimal(inst, previous_roster([("C1", "G2", "T1", [])]))
    assert roster.objective == 50
    assert terms(roster) == {"group_change": 50}


# --- therapist_change (rerun) ---


def _prefers_t1(**w: int) -> Instance:
    return make(
        [group("G1", iv("mon", "09:00", "10:00"))],
        [therapist("T1"), therapist("T2", max_groups=0)],
        [client("C1", preferred_therapists=["T1"], individual_sessions=0)],
        **with_weights(caseload_spread=0, **w),
    )


def test_therapist_change_keeps_the_previous_therapist() -> None:
    roster = solve_optimal(_prefers_t1(), previous_roster([("C1", "G1", "T2", [])]))
    assert roster.objective == 5
    assert placement_of(roster, "C1")[:2] == ("G1", "T2")  # type: ignore[index]


@pytest.mark.parametrize(("weight", "expected"), [(3, 3), (0, 0)])
def test_therapist_change_weight(weight: int, expected: int) -> None:
    previous = previous_roster([("C1", "G1", "T2", [])])
    roster = solve_optimal(_prefers_t1(therapist_change=weight), previous)
    assert roster.objective == expected
    assert placement_of(roster, "C1")[:2] == ("G1", "T1")  # type: ignore[index]


def test_therapist_change_ignores_a_therapist_the_instance_no_longer_has() -> None:
    roster = solve_optimal(_prefers_t1(), previous_roster([("C1", "G1", "T-GONE", [])]))
    assert roster.objective == 0


def test_therapist_change_is_paid_when_the_previous_therapist_lost_the_needed_specialty() -> None:
    inst = make(
        [group("G1", iv("mon", "09:00", "10:00"))],
        [therapist("T1", specialties=["trauma"]), therapist("T2", max_groups=0)],
        [client("C1", needs=["trauma"], individual_sessions=0)],
        **with_weights(caseload_spread=0),
    )
    roster = solve_optimal(inst, previous_roster([("C1", "G1", "T2", [])]))
    assert roster.objective == 50
    assert terms(roster) == {"therapist_change": 50}


# --- session_moved (rerun) ---


def _monday_group(sessions: int = 1, **w: int) -> Instance:
    return make(
        [group("G1", iv("mon", "09:00", "10:00"))],
        [therapist("T1")],
        [client("C1", individual_sessions=sessions)],
        **with_weights(**w),
    )


def test_session_moved_keeps_the_previous_session() -> None:
    previous = previous_roster([("C1", "G1", "T1", [iv("tue", "10:00", "11:00")])])
    roster = solve_optimal(_monday_group(), previous)
    assert roster.objective == 2  # the extra trip is cheaper than moving the session
    assert placement_of(roster, "C1") == ("G1", "T1", ["tue 10:00"])


@pytest.mark.parametrize(("weight", "expected"), [(1, 1), (0, 0)])
def test_session_moved_weight(weight: int, expected: int) -> None:
    previous = previous_roster([("C1", "G1", "T1", [iv("tue", "10:00", "11:00")])])
    roster = solve_optimal(_monday_group(session_moved=weight), previous)
    assert roster.objective == expected
    placed = placement_of(roster, "C1")
    assert placed is not None and placed[2][0].startswith("mon")


def test_session_moved_counts_each_session() -> None:
    # Two sessions on distinct days; the previous ones sit on Tuesday and Wednesday.
    previous = previous_roster(
        [("C1", "G1", "T1", [iv("tue", "10:00", "11:00"), iv("wed", "11:00", "12:00")])]
    )
    roster = solve_optimal(_monday_group(sessions=2), previous)
    assert roster.objective == 4  # keeping both costs two trips; moving one costs 5 + 2
    assert placement_of(roster, "C1") == ("G1", "T1", ["tue 10:00", "wed 11:00"])


def test_session_moved_when_the_previous_time_is_gone() -> None:
    # Thursday is outside open hours now: the session must move.
    previous = previous_roster([("C1", "G1", "T1", [iv("thu", "10:00", "11:00")])])
    roster = solve_optimal(_monday_group(), previous)
    assert roster.objective == 5
    assert terms(roster) == {"session_moved": 5}


def test_session_at_another_start_on_the_same_day_has_moved() -> None:
    previous = previous_roster([("C1", "G1", "T1", [iv("mon", "09:00", "10:00")])])
    roster = solve_optimal(_monday_group(), previous)
    assert roster.objective == 5  # mon 09:00 is the group's meeting now


def test_session_moved_counts_with_the_previous_group_and_therapist_gone() -> None:
    previous = previous_roster([("C1", "G-GONE", "T-GONE", [iv("tue", "10:00", "11:00")])])
    roster = solve_optimal(_monday_group(), previous)
    assert roster.objective == 2
    assert placement_of(roster, "C1") == ("G1", "T1", ["tue 10:00"])


# --- facilitator_change (rerun) ---


def _lcdc_group(**w: int) -> Instance:
    return make(
        [group("G1", iv("mon", "09:00", "10:00"), facilitator_specialties=["lcdc"])],
        [therapist("T1", specialties=["lcdc"]), therapist("T2", max_caseload=0)],
        [client("C1", individual_sessions=0)],
        **with_weights(**w),
    )


@pytest.mark.parametrize(("weight", "expected"), [(None, 20), (6, 6), (0, 0)])
def test_facilitator_change_when_the_previous_one_no_longer_qualifies(
    weight: int | None, expected: int
) -> None:
    w = {} if weight is None else {"facilitator_change": weight}
    previous = previous_roster([("C1", "G1", "T1", [])], {"G1": "T2"})
    roster = solve_optimal(_lcdc_group(**w), previous)
    assert roster.objective == expected
    assert facilitator_of(roster, "G1") == "T1"


def test_facilitator_change_ignores_a_facilitator_the_instance_no_longer_has() -> None:
    previous = previous_roster([("C1", "G1", "T1", [])], {"G1": "T-GONE"})
    assert solve_optimal(_lcdc_group(), previous).objective == 0


def test_facilitator_change_only_for_groups_running_in_both() -> None:
    # G1 did not run before (only G-GONE and G2 did); G2 does not run now.
    inst = make(
        [
            group("G1", iv("mon", "09:00", "10:00"), facilitator_specialties=["lcdc"]),
            group("G2", iv("tue", "09:00", "10:00"), tracks=["other"]),
        ],
        [therapist("T1", specialties=["lcdc"]), therapist("T2", max_caseload=0)],
        [client("C1", individual_sessions=0)],
    )
    previous = previous_roster([], {"G-GONE": "T2", "G2": "T2"})
    roster = solve_optimal(inst, previous)
    assert roster.objective == 0
    assert facilitator_of(roster, "G1") == "T1"


def test_facilitator_change_traded_against_an_extra_trip() -> None:
    # If T2 keeps leading G1 (Mon 09:00), C2's session with T2 must go to Tuesday (a trip).
    def week(**w: int) -> Instance:
        return make(
            [
                group("G1", iv("mon", "09:00", "10:00"), tracks=["a"]),
                group("G2", iv("mon", "11:00", "12:00"), tracks=["b"]),
            ],
            [
                therapist("T1", iv("mon", "09:00", "12:00"), max_caseload=0),
                therapist("T2", iv("mon", "09:00", "10:00"), iv("tue", "09:00", "10:00")),
            ],
            [
                client("C1", track="a", individual_sessions=0, pinned_therapist="T2"),
                client("C2", track="b", pinned_therapist="T2"),
            ],
            **with_weights(**w),
        )

    previous = previous_roster([("C1", "G1", "T2", [])], {"G1": "T2", "G2": "T1"})
    roster = solve_optimal(week(), previous)
    assert roster.objective == 2
    assert facilitator_of(roster, "G1") == "T2"
    assert placement_of(roster, "C2") == ("G2", "T2", ["tue 09:00"])

    roster = solve_optimal(week(extra_trip=30), previous)
    assert roster.objective == 20
    assert facilitator_of(roster, "G1") == "T1"
    assert placement_of(roster, "C2") == ("G2", "T2", ["mon 09:00"])


# --- the previous roster's references, one by one ---


def test_rerun_terms_only_for_clients_placed_in_both() -> None:
    inst = make(
        [group("G1", iv("mon", "09:00", "10:00"))],
        [therapist("T1")],
        [
            client("C1"),  # new this week
            client("C2", track="gone"),  # placed before, cannot be placed now
        ],
    )
    previous = previous_roster(
        [
            ("C2", "G1", "T1", [iv("wed", "09:00", "10:00")]),
            ("C-DISCHARGED", "G1", "T1", [iv("mon", "10:00", "11:00")]),
        ],
        {"G1": "T-GONE"},
    )
    roster = solve_optimal(inst, previous)
    assert roster.objective == 1000
    assert terms(roster) == {"unassigned": 1000}
    assert unassigned_ids(roster) == ["C2"]


def test_all_rerun_terms_at_once_with_default_weights() -> None:
    # C1 was in G2 with T2 at Tue 10:00; G2 and T2 are gone. C2 was in G1 with T1,
    # G1 led by T1, who no longer qualifies for it.
    inst = make(
        [group("G1", iv("mon", "09:00", "10:00"), facilitator_specialties=["lcdc"])],
        [therapist("T1", max_caseload=0), therapist("T3", specialties=["lcdc"])],
        [client("C1"), client("C2", individual_sessions=0)],
    )
    previous = previous_roster(
        [
            ("C1", "G2", "T2", [iv("tue", "10:00", "11:00")]),
            ("C2", "G1", "T1", []),
        ],
        {"G1": "T1", "G2": "T2"},
    )
    roster = solve_optimal(inst, previous)
    # C2 must change therapist (T1 takes no caseload) and G1 its facilitator;
    # C1 keeps Tue 10:00 (a trip, 2) rather than moving (5).
    assert terms(roster) == {"extra_trip": 2, "therapist_change": 50, "facilitator_change": 20}
    assert roster.objective == 72
    assert placement_of(roster, "C1") == ("G1", "T3", ["tue 10:00"])


def test_all_weights_zero_gives_zero() -> None:
    inst = make(
        [group("G1", iv("mon", "09:00", "10:00"), shift="evening")],
        [therapist("T1"), therapist("T2")],
        [client("C1", shift_preference="morning", preferred_therapists=["T2"], priority=3)],
        weights=dict.fromkeys(WEIGHT_KEYS_V1, 0),
    )
    previous = previous_roster([("C1", "G1", "T2", [iv("wed", "09:00", "10:00")])], {"G1": "T1"})
    roster = solve_optimal(inst, previous)
    assert roster.objective == 0
    assert terms(roster) == {}


# --- previous rosters that repeat an entry ---
# A previous roster is read for its structure alone; the checker reads a repeated
# client or group by its first entry. The solver must count its rerun terms the
# same way (or reject such a roster as invalid input).


def _solve_or_reject(inst: Instance, previous: Any) -> None:
    with contextlib.suppress(InputError):
        solve_optimal(inst, previous)


def test_previous_roster_listing_a_client_twice() -> None:
    inst = make(
        SHIFT_GROUPS,
        [therapist("T1")],
        [client("C1", shift_preference="morning")],
    )
    previous = previous_roster(
        [
            ("C1", "G2", "T1", [iv("tue", "10:00", "11:00")]),
            ("C1", "G2", "T1", [iv("wed", "10:00", "11:00")]),
        ]
    )
    _solve_or_reject(inst, previous)


def test_previous_roster_listing_a_group_twice() -> None:
    inst = make(
        [group("G1", iv("mon", "09:00", "10:00"), facilitator_specialties=["x"])],
        [therapist("T1", specialties=["x"]), therapist("T2", max_caseload=0)],
        [client("C1", individual_sessions=0)],
    )
    previous = previous_roster([("C1", "G1", "T1", [])], {"G1": "T1"})
    data = json.loads(previous.to_json())
    data["groups"].append({"id": "G1", "facilitator": "T2", "clients": ["C1"]})
    _solve_or_reject(inst, parse_roster(data))
