"""Large weeks: a smaller model that keeps a few therapists per client.

On a regional week (1,000 clients or more) the exact model has one optional
session interval per (client, possible therapist): about 70,000 on the l tier,
which CP-SAT needs most of a minute just to presolve. Above
:data:`PAIR_LIMIT` pairs, :func:`restrict` keeps for each client only the
therapists most likely to matter: pinned, previous and preferred ones, the one
the greedy roster chose, then the least contested. Every roster of the
smaller model is a valid roster of the week (options were only removed), but
its optimum and bound are not the week's: a solve on it reports ``feasible``
with the week's static bound (see :func:`static_bound`), never ``optimal``.
"""

from __future__ import annotations

import dataclasses
import logging
from collections import Counter

from solver.precompute import Facts
from solver.roster import Roster

__all__ = ["PAIR_LIMIT", "restrict", "static_bound"]

log = logging.getLogger(__name__)

PAIR_LIMIT = 8_000
"""Client-therapist pairs above which the model keeps a few therapists per client."""

MIN_PER_CLIENT = 4
"""Therapists kept per client at the least (when the client has as many)."""


def restrict(facts: Facts, rosters: list[Roster]) -> tuple[Facts, bool]:
    """The facts with at most a few therapists per client, and whether any were dropped.

    Kept first, for each client: a pinned therapist, the client's therapist in
    each of ``rosters`` (the previous roster, the greedy one), the preferred
    ones; then the others in order of how few clients compete for them per
    caseload place (ties by id, so the result is reproducible).
    """
    pairs = sum(len(cf.therapists) for cf in facts.clients.values())
    if pairs <= PAIR_LIMIT:
        return facts, False
    per_client = max(MIN_PER_CLIENT, PAIR_LIMIT // max(1, len(facts.clients)))
    demand = Counter(t for cf in facts.clients.values() for t in cf.therapists)
    places = {t.id: max(1, t.max_caseload) for t in facts.instance.therapists}
    chosen: dict[str, list[str]] = {}
    for roster in rosters:
        for p in roster.clients:
            chosen.setdefault(p.id, []).append(p.therapist)
    clients = {}
    for client_id, cf in facts.clients.items():
        if len(cf.therapists) <= per_client:
            clients[client_id] = cf
            continue
        first = [
            t
            for t in [
                cf.client.pinned_therapist,
                *chosen.get(client_id, []),
                *cf.client.preferred_therapists,
            ]
            if t is not None and t in cf.starts
        ]
        rest = sorted(cf.therapists, key=lambda t: (demand[t] / places[t], t))
        keep = list(dict.fromkeys([*first, *rest]))[: max(per_client, len(set(first)))]
        kept = set(keep)
        clients[client_id] = dataclasses.replace(
            cf,
            therapists=[t for t in cf.therapists if t in kept],
            starts={t: s for t, s in cf.starts.items() if t in kept},
        )
    after = sum(len(cf.therapists) for cf in clients.values())
    log.info(
        "large week: %d client-therapist pairs, kept %d (at most %d therapists per client); "
        "the roster will be feasible, not proved optimal",
        pairs,
        after,
        per_client,
    )
    return dataclasses.replace(facts, clients=clients), True


def static_bound(facts: Facts) -> int:
    """A lower bound on every roster's objective: the clients who can never be placed."""
    weight = facts.instance.program.weights.unassigned
    return sum(weight * cf.client.priority for cf in facts.clients.values() if not cf.placeable)
