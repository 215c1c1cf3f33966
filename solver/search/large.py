"""Large weeks: a smaller model that keeps a few therapists and groups per client.

On a regional week (1,000 clients or more) the exact model has one optional
session interval per (client, possible therapist): about 70,000 on the l tier,
which CP-SAT needs most of a minute just to presolve; on the xl tier a client may
join about 100 groups. Above :data:`PAIR_LIMIT` client-therapist pairs (or
:data:`GROUP_PAIR_LIMIT` client-group pairs), :func:`restrict` keeps for each
client only the therapists (groups) most likely to matter: pinned, previous
and preferred ones, the one the greedy roster chose, then groups of the
preferred shift, then the least contested. Every roster of the
smaller model is a valid roster of the week (options were only removed), but
its optimum and bound are not the week's: a solve on it reports ``feasible``
with a bound of the whole week (the placement relaxation of
:mod:`solver.search.relaxed_bound`, never below :func:`static_bound`), and ``optimal``
only when the roster reaches that bound.
"""

from __future__ import annotations

import dataclasses
import logging
from collections import Counter
from collections.abc import Callable
from functools import partial
from typing import Any

from solver.precompute import Facts
from solver.roster import Roster

__all__ = ["GROUP_PAIR_LIMIT", "PAIR_LIMIT", "restrict", "static_bound"]

log = logging.getLogger(__name__)

PAIR_LIMIT = 8_000
"""Client-therapist pairs above which the model keeps a few therapists per client."""

MIN_PER_CLIENT = 4
"""Therapists kept per client at the least (when the client has as many)."""

GROUP_PAIR_LIMIT = 60_000
"""Client-group pairs above which the model keeps a few groups per client."""

MIN_GROUPS_PER_CLIENT = 6
"""Groups kept per client at the least (when the client has as many)."""


def restrict(facts: Facts, rosters: list[Roster]) -> tuple[Facts, bool]:
    """The facts with at most a few therapists per client, and whether any were dropped.

    Kept first, for each client: a pinned therapist, the client's therapist in
    each of ``rosters`` (the previous roster, the greedy one), the preferred
    ones; then the others in order of how few clients compete for them per
    caseload place (ties by id, so the result is reproducible).
    """
    n = max(1, len(facts.clients))
    pairs = sum(len(cf.therapists) for cf in facts.clients.values())
    group_pairs = sum(len(cf.groups) for cf in facts.clients.values())
    if pairs <= PAIR_LIMIT and group_pairs <= GROUP_PAIR_LIMIT:
        return facts, False
    per_client = max(MIN_PER_CLIENT, PAIR_LIMIT // n) if pairs > PAIR_LIMIT else None
    groups_per_client = (
        max(MIN_GROUPS_PER_CLIENT, GROUP_PAIR_LIMIT // n)
        if group_pairs > GROUP_PAIR_LIMIT
        else None
    )
    instance = facts.instance
    therapist_demand = Counter(t for cf in facts.clients.values() for t in cf.therapists)
    places = {t.id: max(1, t.max_caseload) for t in instance.therapists}
    group_demand = Counter(g for cf in facts.clients.values() for g in cf.groups)
    seats = {g.id: g.capacity for g in instance.groups}
    shift: dict[str, str] = {g.id: g.shift for g in instance.groups}
    chosen_therapists: dict[str, list[str]] = {}
    chosen_groups: dict[str, list[str]] = {}
    for roster in rosters:
        for p in roster.clients:
            chosen_therapists.setdefault(p.id, []).append(p.therapist)
            chosen_groups.setdefault(p.id, []).append(p.group)
    clients = {}
    for client_id, cf in facts.clients.items():
        client = cf.client
        therapists = _first_few(
            cf.therapists,
            [client.pinned_therapist, *chosen_therapists.get(client_id, [])]
            + list(client.preferred_therapists),
            lambda t: (therapist_demand[t] / places[t], t),
            per_client,
        )
        groups = _first_few(
            cf.groups,
            [client.pinned_group, *chosen_groups.get(client_id, [])],
            partial(_group_order, shift, group_demand, seats, client.shift_preference),
            groups_per_client,
        )
        clients[client_id] = dataclasses.replace(
            cf,
            groups=groups,
            therapists=therapists,
            kinds={
                k: dataclasses.replace(
                    kf, starts={t: s for t, s in kf.starts.items() if t in therapists}
                )
                if kf.primary
                else kf
                for k, kf in cf.kinds.items()
            },
        )
    log.info(
        "large week: %d client-therapist and %d client-group pairs, kept %d and %d; "
        "the roster will be feasible, not proved optimal",
        pairs,
        group_pairs,
        sum(len(cf.therapists) for cf in clients.values()),
        sum(len(cf.groups) for cf in clients.values()),
    )
    return dataclasses.replace(facts, clients=clients), True


def _group_order(
    shift: dict[str, str],
    demand: Counter[str],
    seats: dict[str, int],
    wish: str | None,
    group_id: str,
) -> tuple[Any, ...]:
    """Groups of the preferred shift first, then the least contested."""
    return (shift[group_id] != wish, demand[group_id] / seats[group_id], group_id)


def _first_few(
    options: list[str],
    wanted: list[str | None],
    order: Callable[[str], tuple[Any, ...]],
    limit: int | None,
) -> list[str]:
    """At most ``limit`` of ``options`` (all when None): the wanted ones, then by ``order``;
    returned in their original order."""
    if limit is None or len(options) <= limit:
        return options
    present = set(options)
    first = [w for w in dict.fromkeys(wanted) if w is not None and w in present]
    rest = sorted(options, key=order)
    kept = set(list(dict.fromkeys([*first, *rest]))[: max(limit, len(first))])
    return [o for o in options if o in kept]


def static_bound(facts: Facts) -> int:
    """A lower bound on every roster's objective: the clients who can never be placed."""
    weight = facts.instance.program.weights.unassigned
    return sum(weight * cf.client.priority for cf in facts.clients.values() if not cf.placeable)
