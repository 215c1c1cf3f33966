"""``explain --what-if``: a client the re-solve would leave out is named as left out, not as
one who moves (issue 13, item E1)."""

from __future__ import annotations

from helpers_solve import client, group, iv, make, solve_and_check, therapist, with_placed

from solver.analysis.whatif import _moves_sentence, what_would_it_take
from solver.cli.text import explain_lines
from solver.instance import Instance, parse_instance
from solver.options import SolveOptions
from solver.roster import Roster
from solver.solving import solve


def _one_seat() -> tuple[Instance, Roster]:
    """One group with one seat, two clients who both fit it: one is placed, one left out."""
    instance = make(
        [group("AM", max_size=1)],
        [therapist("T1")],
        [client("C1"), client("C2")],
    )
    roster = solve_and_check(instance)
    assert len(roster.clients) == 1 and len(roster.unassigned) == 1
    return instance, roster


def test_the_client_who_loses_the_seat_is_left_out_not_moved() -> None:
    instance, roster = _one_seat()
    placed = roster.clients[0].id
    out = roster.unassigned[0].id
    options, finished = what_would_it_take(instance, roster, out, time_limit=10)
    assert finished
    resolve = [o for o in options if o.left_out or o.moved]
    assert len(resolve) == 1, [o.change for o in options]
    option = resolve[0]
    assert option.left_out == (placed,)
    assert option.moved == ()
    assert option.change == f"{placed} left out instead"
    assert "move" not in option.change
    assert option.placement.endswith("0 change(s) for others, rerun penalties 0; 1 client left out")


def test_explain_what_if_prints_who_is_left_out() -> None:
    instance, roster = _one_seat()
    placed = roster.clients[0].id
    out = roster.unassigned[0].id
    lines = explain_lines(instance, roster, what_if=True, time_limit=10)
    start = lines.index(f"what would it take to place {out}:")
    options = [line for line in lines[start + 1 :] if line.startswith("  ")]
    assert any(line.startswith(f"  {placed} left out instead: objective +0") for line in options)
    assert not any(f"move ({placed}" in line for line in options), options


def test_moves_and_left_out_are_separate_parts_of_the_sentence() -> None:
    assert _moves_sentence(("C003", "C004"), (), ()) == "other clients move (C003, C004)"
    assert (
        _moves_sentence(("C114",), ("C101",), ())
        == "other clients move (C114); C101 left out instead"
    )
    assert _moves_sentence((), ("C101", "C102"), ("C7",)) == (
        "C101, C102 left out instead; C7 placed too"
    )
    assert _moves_sentence((), (), ()) == "a re-solve (nobody else changes)"


def test_a_move_and_a_loss_in_one_re_solve() -> None:
    """C2 (an intake) fits only AM, where C1 is; C1 also fits EV, which holds C3, who fits
    only EV. Placing C2 moves C1 to EV and leaves C3 out (C1 has the higher priority): the
    option names C1 as moving and C3 as left out, never C3 as moving."""
    evening = iv("tue", "09:00", "10:00")
    groups = [group("AM", max_size=1), group("EV", evening, max_size=1)]
    therapists = [therapist("T1"), therapist("T2")]
    c1 = client("C1", priority=3)
    c3 = client("C3", busy=[iv("mon", "09:00", "10:00")])
    instance = make(groups, therapists, [c1, client("C2", busy=[evening]), c3])
    last_week = solve_and_check(make(groups, therapists, [c1, c3]))
    assert {p.id: p.group for p in last_week.clients} == {"C1": "AM", "C3": "EV"}
    roster = with_placed(instance, last_week, {"C1", "C3"}, reason="new this week")
    options, finished = what_would_it_take(instance, roster, "C2", time_limit=10)
    assert finished
    resolve = [o for o in options if o.left_out or o.moved]
    assert len(resolve) == 1, [o.change for o in options]
    assert (resolve[0].moved, resolve[0].left_out) == (("C1",), ("C3",))
    assert resolve[0].change == "other clients move (C1); C3 left out instead"


def test_the_priority_boost_stays_within_the_format_s_bound(tiny: Instance) -> None:
    # With an unassigned weight of 1 and large move weights, the boost that makes the client
    # worth more than every move passes the format's bound on priorities; it is capped there
    # instead of making the boosted week invalid (an InputError before the cap).
    data = tiny.model_dump(mode="json")
    data["program"]["weights"].update(unassigned=1, open_group=1500, group_change=1_000_000)
    week = parse_instance(data)
    roster = solve(week, SolveOptions(time_limit=5, workers=1, seed=0))
    assert roster.unassigned
    options, _ = what_would_it_take(week, roster, roster.unassigned[0].id, time_limit=5)
    assert all(o.client == roster.unassigned[0].id for o in options)
