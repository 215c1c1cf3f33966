"""The decomposition of a network's week: independent sites are solved apart exactly, linked
ones share their resources out, and the merged roster is valid for the whole week."""

from __future__ import annotations

import concurrent.futures
from collections import defaultdict

import pytest

from benchmarks.generate_network import generate_network
from solver.checker import check
from solver.instance import Instance, parse_instance
from solver.network import solve as network_solve
from solver.network.decompose import decompose, part_instance
from solver.network.solve import solve_network
from solver.options import SolveOptions
from solver.solving import solve


def week(spread: int, **links: float) -> Instance:
    data = generate_network(3, 20, 1, **links)  # type: ignore[arg-type]
    data["program"].setdefault("weights", {})["caseload_spread"] = spread
    return parse_instance(data)


def test_independent_sites_are_the_components() -> None:
    instance = week(1)
    parts = decompose(instance, max_clients=20)
    assert sorted(p.name for p in parts) == ["S01", "S02", "S03"]
    assert all(p.exact and not p.hours for p in parts)
    seen = [c for p in parts for c in p.clients]
    assert sorted(seen) == sorted(c.id for c in instance.clients)  # every client, once
    packed = decompose(instance)  # small components are packed into one part
    assert len(packed) == 1 and len(packed[0].clients) == 60 and packed[0].exact


def test_the_merged_roster_is_the_sum_of_the_sites_solved_alone() -> None:
    instance = week(0)  # caseload_spread 0: every term is a sum over the sites
    options = SolveOptions(time_limit=30, workers=1, seed=0)
    alone = [
        solve(part_instance(instance, p), options) for p in decompose(instance, max_clients=20)
    ]
    assert all(r.status == "optimal" for r in alone), [r.status for r in alone]
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        merged = solve_network(
            instance, SolveOptions(time_limit=60, seed=0), executor=pool, max_clients=20
        ).roster
    assert merged.status == "optimal"
    assert merged.objective == sum(r.objective or 0 for r in alone)
    assert merged.best_bound == merged.objective
    report = check(instance, merged)
    assert report.ok, report.lines()


def test_caseload_spread_is_counted_once_over_the_whole_week() -> None:
    instance = week(1)
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        merged = solve_network(
            instance, SolveOptions(time_limit=60, seed=0), executor=pool, max_clients=20
        ).roster
    report = check(instance, merged)
    assert report.ok, report.lines()
    assert report.objective == merged.objective
    assert merged.best_bound is not None and merged.best_bound <= (merged.objective or 0)


@pytest.mark.parametrize("links", [{"floating": 1.0}, {"video_groups": 1}])
def test_linked_sites_share_their_resources_out_and_stay_valid(links: dict[str, float]) -> None:
    instance = week(1, **links)
    parts = decompose(instance, max_clients=25)
    assert len(parts) == 3 and not any(p.exact for p in parts)  # one component, split
    assert sorted(c for p in parts for c in p.clients) == sorted(c.id for c in instance.clients)
    assert len({g for p in parts for g in p.groups}) == len(instance.groups)
    # A shared therapist's hours: disjoint between the parts, inside their own hours.
    hours: dict[str, list[tuple[str, int, int]]] = defaultdict(list)
    for part in parts:
        for therapist, pieces in part.hours.items():
            hours[therapist] += pieces
    for therapist, pieces in hours.items():
        own = [
            (i.day, i.start_minute, i.end_minute)
            for i in instance.therapist(therapist).availability
        ]
        for day, start, end in pieces:
            assert any(d == day and s <= start < end <= e for d, s, e in own)
        pieces.sort()
        for (d1, _, e1), (d2, s2, _) in zip(pieces, pieces[1:], strict=False):
            assert d1 != d2 or e1 <= s2, (therapist, pieces)
    # A shared therapist's caseload and groups: cut between the parts, never more in all.
    for therapist in hours:
        own = instance.therapist(therapist)
        limits = [p.limits[therapist] for p in parts if therapist in p.limits]
        assert sum(c for c, _ in limits) == own.max_caseload
        assert sum(g for _, g in limits) == own.max_groups
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        result = solve_network(
            instance, SolveOptions(time_limit=20, seed=0), executor=pool, max_clients=25
        )
    roster = result.roster
    report = check(instance, roster)
    assert report.ok, report.lines()
    assert result.bound_tasks == 3  # one relaxation per site
    assert roster.best_bound is not None and roster.best_bound <= (roster.objective or 0)


@pytest.mark.parametrize(
    "links",
    [{}, {"floating": 1.0, "video_groups": 1, "multi_site_clients": 0.1}],
)
def test_links_worked_out_site_by_site_are_the_whole_week_s(links: dict[str, float]) -> None:
    from solver.network.links import network_links
    from solver.precompute import derive_facts

    instance = week(1, **links)
    whole = derive_facts(instance)
    by_site = network_links(instance)
    assert set(by_site.clients) == set(whole.clients)
    for cid, cf in whole.clients.items():
        mine = by_site.clients[cid]
        assert sorted(mine.groups) == sorted(cf.groups), cid
        assert sorted(mine.therapists) == sorted(cf.therapists), cid
        for kind, kf in cf.kinds.items():
            assert mine.kinds[kind].starts == kf.starts, (cid, kind)
    for group, leaders in whole.facilitators.items():
        assert sorted(by_site.facilitators.get(group, [])) == sorted(leaders), group


@pytest.mark.parametrize(("links", "exact"), [({}, True), ({"floating": 1.0}, False)])
def test_only_a_site_of_a_split_component_leaves_out_its_bound_phase(
    monkeypatch: pytest.MonkeyPatch, links: dict[str, float], exact: bool
) -> None:
    """A whole component's own bound is the week's; a split site's is not used (its
    relaxation's is), so its solve spends the bound phase's time on its roster."""
    instance = week(0, **links)
    asked: list[bool] = []
    real = network_solve.solve_part

    def spy(text: str, seconds: float, seed: int, bound_phase: bool = True) -> object:
        asked.append(bound_phase)
        return real(text, seconds, seed, bound_phase)

    monkeypatch.setattr(network_solve, "solve_part", spy)
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        result = solve_network(
            instance, SolveOptions(time_limit=8, seed=0), executor=pool, max_clients=25
        )
    assert asked == [exact] * 3
    assert all(p.exact == exact for p in result.parts)
    report = check(instance, result.roster)
    assert report.ok, report.lines()


@pytest.mark.parametrize(
    ("left", "parts", "split", "slots"),
    [(293.0, 12, 12, 2), (470.0, 81, 80, 2), (293.0, 12, 12, 16), (60.0, 3, 0, 2)],
)
def test_the_time_is_shared_between_the_parts_and_the_relaxations(
    left: float, parts: int, split: int, slots: int
) -> None:
    per_part, per_bound = network_solve.share_time(left, parts, split, slots)
    part_rounds, bound_rounds = -(-parts // slots), -(-split // slots)
    assert part_rounds * per_part + bound_rounds * per_bound <= left + 1.0  # 1-s floor
    assert per_bound <= network_solve.BOUND_TASK_SECONDS
    if split:
        assert bound_rounds * per_bound <= network_solve.BOUND_SHARE * left + 1e-9
    else:
        assert per_part == min(left, left / part_rounds)
