"""Large weeks: the smaller model keeps few therapists per client, stays valid, claims no proof."""

from __future__ import annotations

import pytest
from helpers_solve import moderate_week

from solver.checker import check
from solver.options import SolveOptions
from solver.precompute import derive_facts
from solver.search import large
from solver.search.greedy import greedy_roster
from solver.solving import solve


def test_a_small_week_is_not_restricted() -> None:
    facts = derive_facts(moderate_week(40))
    same, restricted = large.restrict(facts, [])
    assert not restricted and same is facts


def test_restrict_keeps_pinned_chosen_and_preferred_therapists(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(large, "PAIR_LIMIT", 10)
    monkeypatch.setattr(large, "GROUP_PAIR_LIMIT", 10)
    monkeypatch.setattr(large, "MIN_GROUPS_PER_CLIENT", 2)
    instance = moderate_week(40)
    facts = derive_facts(instance)
    warm = greedy_roster(instance)
    smaller, restricted = large.restrict(facts, [warm])
    assert restricted
    for p in warm.clients:
        assert p.therapist in smaller.clients[p.id].therapists
        assert p.group in smaller.clients[p.id].groups
    assert any(len(smaller.clients[c].groups) < len(facts.clients[c].groups) for c in facts.clients)
    for client_id, cf in smaller.clients.items():
        full = facts.clients[client_id]
        assert set(cf.therapists) <= set(full.therapists)
        assert set(cf.groups) <= set(full.groups)
        assert len(cf.groups) == min(len(full.groups), 2)  # pinned/greedy's first, then best
        pinned_chosen_preferred = 2 + len(cf.client.preferred_therapists)
        assert len(cf.therapists) <= max(large.MIN_PER_CLIENT, pinned_chosen_preferred)
        main = cf.main_kind
        assert main is not None and set(main.starts) == set(cf.therapists)
        for t in cf.client.preferred_therapists:
            if t in full.therapists:
                assert t in cf.therapists


def test_a_restricted_solve_is_valid_and_claims_only_a_bound_of_the_whole_week(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(large, "PAIR_LIMIT", 10)
    monkeypatch.setattr(large, "GROUP_PAIR_LIMIT", 10)
    instance = moderate_week(60)
    bounds: list[float] = []
    # A restricted solve is never proved: it runs to its limit, and any roster serves here.
    options = SolveOptions(time_limit=4, workers=1, seed=0)
    roster = solve(instance, options, on_progress=lambda p: bounds.append(p.bound))
    report = check(instance, roster)
    assert report.ok, report.lines()
    assert roster.objective == report.objective
    assert roster.best_bound is not None and roster.objective is not None
    # The bound is the whole week's (the placement relaxation's, at least the static one),
    # never the smaller model's: no roster of the week is below it.
    static = large.static_bound(derive_facts(instance))
    assert static <= roster.best_bound
    monkeypatch.undo()
    # (tests/search/test_relaxed_bound.py compares the relaxation with proved optima.)
    exact = solve(instance, SolveOptions(time_limit=10, workers=2, seed=0))
    assert exact.objective is not None and roster.best_bound <= exact.objective
    assert roster.status == ("optimal" if roster.objective == roster.best_bound else "feasible")
    # Progress lines report it too (the greedy roster's line has bound 0).
    assert bounds and set(bounds) <= {0.0, float(static), float(roster.best_bound)}
    greedy = greedy_roster(instance)
    assert greedy.objective is not None
    assert roster.objective <= greedy.objective
