"""Neighbourhoods of a roster: which clients' placements a repair step may change.

A roster of the model is a vector of variable values. :class:`Decisions` reads, for
each client, the literals that say where they are (placed, group, primary therapist,
specialist providers) and, from a vector, the roster's shape: who is in which group,
with which therapist and provider. A neighbourhood is a set of *free* clients; every
other client keeps those decisions (their appointment times, the facilitators and the
running groups stay free). :func:`choose` builds one around a client the roster
leaves out (the groups and therapists they could use, and the people now holding
them), around a wanted appointment the roster misses (its providers' calendars), or, when
everyone is placed, around a group or a therapist picked at random.
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from solver.model import RosterModel
from solver.precompute import Facts, spans_overlap
from solver.search.target import Target

__all__ = ["Decisions", "Missed", "Neighbourhood", "Shape", "choose", "towards_target"]


@dataclass(frozen=True)
class _ClientLiterals:
    placed: int
    groups: tuple[tuple[str, int], ...]
    therapists: tuple[tuple[str, int], ...]
    providers: tuple[tuple[str, int], ...]  # specialist providers, any kind
    times: tuple[int, ...]  # appointment starts, days and presences
    # per wanted kind: the kind, the presence literals of its appointments, its possible
    # providers
    wanted: tuple[tuple[str, tuple[int, ...], tuple[str, ...]], ...]


@dataclass(frozen=True)
class Neighbourhood:
    """Clients whose placements may change, and providers whose calendars may change (the
    free clients choose their providers among these; every client of theirs may move)."""

    clients: set[str]
    providers: set[str]
    name: str
    sized: bool = True  # built to the size asked for (else its own size, which stays)
    opens: str | None = None  # the group an "open" neighbourhood tries to open


@dataclass(frozen=True)
class Missed:
    """A wanted kind of which a roster misses an appointment of a client it places."""

    client: str
    kind: str
    providers: tuple[str, ...]  # who could hold it


@dataclass
class Shape:
    """Who is where in one roster (a vector of the model's values)."""

    unplaced: list[str] = field(default_factory=list)
    group_of: dict[str, str] = field(default_factory=dict)
    members: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    caseload: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    providers_of: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    primary_of: dict[str, str] = field(default_factory=dict)
    facilitated_by: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    missed: list[Missed] = field(default_factory=list)


class Decisions:
    """The placement literals of every client of a built model, by variable index."""

    def __init__(self, built: RosterModel) -> None:
        v = built.variables
        self.facts = built.facts
        self._clients: dict[str, _ClientLiterals] = {}
        self._eligible: dict[str, list[str]] = defaultdict(list)
        # (therapist, group, index of the literal that says the therapist facilitates it)
        self._facilitates = [
            (t, g, f.index) for g in v.running_groups() for t, f in v.facilitators_of(g)
        ]
        for client_id in v.placed_clients():
            placed = v.placed(client_id)
            assert placed is not None
            providers = tuple(
                (t, lit.index)
                for slots in v.slots(client_id)
                if not slots.by_primary
                for t, lit in slots.providers.items()
            )
            times = [
                var.index
                for slots in v.slots(client_id)
                for var in (
                    *slots.starts,
                    *(lit for by_day in slots.on_day for lit in by_day.values()),
                    *(() if slots.required else slots.present),
                )
            ]
            wanted = tuple(
                (
                    slots.kind,
                    tuple(lit.index for lit in slots.present),
                    tuple(sorted(slots.providers)),
                )
                for slots in v.slots(client_id)
                if not slots.required
            )
            for group_id, _ in v.groups_of(client_id):
                self._eligible[group_id].append(client_id)
            self._clients[client_id] = _ClientLiterals(
                placed.index,
                tuple((g, x.index) for g, x in v.groups_of(client_id)),
                tuple((t, y.index) for t, y in v.therapists_of(client_id)),
                providers,
                tuple(times),
                wanted,
            )

    def eligible(self, group_id: str) -> list[str]:
        """Clients who may join the group."""
        return self._eligible.get(group_id, [])

    @property
    def clients(self) -> list[str]:
        """Clients who may be placed."""
        return list(self._clients)

    def time_indices(self) -> set[int]:
        """The indexes of every appointment start, day and presence variable."""
        return {index for lits in self._clients.values() for index in lits.times}

    def placement_indices(self) -> set[int]:
        """The indexes of every literal that places a client (placed, group, primary
        therapist) and of every facilitator literal: a roster's placements."""
        out = {index for _, _, index in self._facilitates}
        for lits in self._clients.values():
            out.add(lits.placed)
            out.update(index for _, index in (*lits.groups, *lits.therapists))
        return out

    def shape(self, values: Sequence[int]) -> Shape:
        """Who is where in the roster ``values``."""
        shape = Shape()
        for client_id, lits in self._clients.items():
            if not values[lits.placed]:
                shape.unplaced.append(client_id)
                continue
            for group_id, index in lits.groups:
                if values[index]:
                    shape.group_of[client_id] = group_id
                    shape.members[group_id].append(client_id)
            for provider, index in (*lits.therapists, *lits.providers):
                if values[index]:
                    shape.caseload[provider].append(client_id)
                    shape.providers_of[client_id].add(provider)
            for therapist_id, index in lits.therapists:
                if values[index]:
                    shape.primary_of[client_id] = therapist_id
            for kind, present, providers in lits.wanted:
                if not all(values[index] for index in present):
                    shape.missed.append(Missed(client_id, kind, providers))
        for therapist_id, group_id, index in self._facilitates:
            if values[index]:
                shape.facilitated_by[therapist_id].append(group_id)
        return shape

    def towards(self, target: Target, clients: set[str]) -> list[tuple[int, int]]:
        """(variable index, value) that place ``clients`` where ``target`` does: hints for a
        step that moves them there."""
        out: list[tuple[int, int]] = []
        for client_id in clients:
            lits = self._clients.get(client_id)
            if lits is None:
                continue
            group_id = target.group_of.get(client_id)
            therapist_id = target.therapist_of.get(client_id)
            out.append((lits.placed, int(group_id is not None)))
            out.extend((i, int(g == group_id)) for g, i in lits.groups)
            out.extend((i, int(t == therapist_id)) for t, i in lits.therapists)
        return out

    def fixings(
        self, values: Sequence[int], shape: Shape, free: Neighbourhood
    ) -> list[tuple[int, int]]:
        """(variable index, value) that hold what ``free`` does not free: the placements of
        every client outside it, the appointment times of every client whose providers are
        all outside it, and the free clients' choice of any provider outside it."""
        out: list[tuple[int, int]] = []
        for client_id, lits in self._clients.items():
            if client_id in free.clients:
                for provider, index in (*lits.therapists, *lits.providers):
                    if provider not in free.providers:
                        out.append((index, 0))
                continue
            for index in (lits.placed, *(i for _, i in (*lits.groups, *lits.therapists))):
                out.append((index, values[index]))
            for _, index in lits.providers:
                out.append((index, values[index]))
            if not shape.providers_of.get(client_id, set()) & free.providers:
                out.extend((index, values[index]) for index in lits.times)
        return out


def choose(
    decisions: Decisions,
    shape: Shape,
    size: int,
    rng: random.Random,
    tried: frozenset[str] = frozenset(),
    target: Target | None = None,
) -> Neighbourhood:
    """A neighbourhood of about ``size`` clients (at least one group's or one caseload's
    worth when the roster has them): around a missed wanted appointment
    :data:`MISSED_SHARE` of the time while there are any; else around a client left out
    most of the time while there are any, else around random groups and caseloads.
    ``tried``: groups that steps from this roster have already failed to open. ``target``:
    the placement relaxation's solution, whose held appointments come first (see
    :func:`_around_missed`)."""
    facts = decisions.facts
    unplaced = [c for c in shape.unplaced if facts.clients[c].placeable]
    if shape.missed and rng.random() < MISSED_SHARE:
        clients, providers = _around_missed(shape, size, rng, {} if target is None else target.held)
        for client_id in clients:
            providers |= shape.providers_of.get(client_id, set())
        return Neighbourhood(clients, providers, "missed")
    draw = rng.random()
    opened = _open_group(decisions, shape, unplaced, rng, tried) if draw < OPEN_SHARE else None
    group_id = None
    if unplaced and opened is not None:
        group_id, clients, providers = opened
        name = "open"
    elif unplaced and draw < UNPLACED_SHARE:
        clients, providers = _around_unplaced(decisions, shape, unplaced, size, rng)
        name = "unplaced"
    else:
        clients, providers = _around_resources(shape, size, rng), set()
        name = "resources"
    for client_id in clients:
        providers |= shape.providers_of.get(client_id, set())
    return Neighbourhood(clients, providers, name, sized=name != "open", opens=group_id)


def towards_target(
    decisions: Decisions, shape: Shape, target: Target, size: int, rng: random.Random
) -> Neighbourhood | None:
    """Clients to move to where the relaxation's solution ``target`` places them: a client
    left out whom it places (else one it places elsewhere who misses a wanted appointment:
    on v2-m-normal-1 5 of 12 missed family sessions were with a primary therapist other than
    the target's; else any client it places elsewhere), and, until about
    ``size`` clients, the people that move needs to move too: those in the group or the
    caseload the client takes whom the target puts elsewhere, and the members of groups the
    target closes that share a room or a facilitator with a group it opens. Their present
    and target therapists and the groups' facilitators are the providers. None when the
    roster already places everyone as the target does."""
    facts = decisions.facts
    moved = [
        c
        for c in decisions.clients
        if (target.group_of.get(c), target.therapist_of.get(c))
        != (shape.group_of.get(c), shape.primary_of.get(c))
    ]
    if not moved:
        return None
    moved_set = set(moved)
    seeds = [c for c in moved if c in target.group_of and c not in shape.group_of]
    if not seeds:
        missing = {m.client for m in shape.missed}
        seeds = [c for c in moved if c in missing]
    seed = rng.choice(seeds or moved)
    target_members: dict[str, list[str]] = defaultdict(list)
    for c, g in target.group_of.items():
        target_members[g].append(c)
    closing = [g for g in shape.members if g not in target_members]
    clients: set[str] = set()
    groups: set[str] = set()
    queue = [seed]
    while queue and len(clients) < size:
        client_id = queue.pop(0)
        if client_id in clients:
            continue
        clients.add(client_id)
        group_id = target.group_of.get(client_id)
        therapist_id = target.therapist_of.get(client_id)
        near: list[str] = []
        if group_id is not None:
            groups.add(group_id)
            near += [c for c in target_members[group_id] if c in moved_set]
            near += [c for c in shape.members.get(group_id, []) if c in moved_set]
            if group_id not in shape.members:
                for other in closing:
                    if _share_something(facts, group_id, other):
                        groups.add(other)
                        near += shape.members[other]
        if therapist_id is not None:
            near += [c for c in shape.caseload.get(therapist_id, []) if c in moved_set]
        rng.shuffle(near)
        queue += [c for c in near if c not in clients]
    providers: set[str] = set()
    for client_id in clients:
        providers |= shape.providers_of.get(client_id, set())
        if client_id in target.therapist_of:
            providers.add(target.therapist_of[client_id])
    leading = {g: t for t, led in shape.facilitated_by.items() for g in led}
    for group_id in groups:
        for therapist_id in (target.facilitator_of.get(group_id), leading.get(group_id)):
            if therapist_id is not None:
                providers.add(therapist_id)
    return Neighbourhood(clients, providers, "target")


def _share_something(facts: Facts, a: str, b: str) -> bool:
    """Whether groups ``a`` and ``b`` use the same room or could have the same facilitator,
    and meet at the same time somewhere in the week."""
    ga, gb = facts.instance.group(a), facts.instance.group(b)
    shared = (ga.room is not None and ga.room == gb.room) or bool(
        set(facts.facilitators.get(a, [])) & set(facts.facilitators.get(b, []))
    )
    if not shared:
        return False
    return any(spans_overlap(ma, mb) for ma in facts.meetings[a] for mb in facts.meetings[b])


MIN_MISSED = 3
"""The fewest clients missing appointments freed together (when there are that many)."""

OPEN_SHARE, UNPLACED_SHARE = 0.5, 0.85
"""While some clients are left out: how often a neighbourhood opens a group for them
(below ``OPEN_SHARE``), and how often it is built around one of them (below
``UNPLACED_SHARE``); the rest move random groups and caseloads."""

MISSED_SHARE = 0.3
"""While some wanted appointments are missed: how often a neighbourhood is built around one
of them (before the choices above)."""

PROVIDERS_TRIED = 3
"""Candidate primary therapists (and providers of each specialist kind) opened to a client
left out."""


def _around_unplaced(
    decisions: Decisions, shape: Shape, unplaced: list[str], size: int, rng: random.Random
) -> tuple[set[str], set[str]]:
    """A client left out, a few of the groups and therapists they could use, the people in
    those groups and caseloads, and other clients left out who could use them too."""
    facts = decisions.facts
    seed = rng.choice(unplaced)
    cf = facts.clients[seed]
    groups = _roomiest(cf.groups, lambda g: _seats_left(decisions, shape, g), rng)
    therapists = _roomiest(cf.therapists, lambda t: _caseload_left(decisions, shape, t), rng)
    therapists = therapists[:PROVIDERS_TRIED]
    providers = set(therapists)
    for kf in cf.kinds.values():
        if not kf.primary and kf.starts:
            candidates = sorted(kf.starts)
            providers.update(rng.sample(candidates, min(PROVIDERS_TRIED, len(candidates))))
    clients = {seed}
    for therapist_id in therapists:
        clients.update(shape.caseload.get(therapist_id, []))
    for group_id in groups:
        if len(clients) >= size:
            break
        clients.update(shape.members.get(group_id, []))
    others = [c for c in unplaced if c != seed]
    rng.shuffle(others)
    wanted_groups = set(groups)
    for other in others[: max(1, size // 10)]:
        ocf = facts.clients[other]
        if wanted_groups & set(ocf.groups) and providers & set(ocf.therapists):
            clients.add(other)
    return clients, providers


def _around_missed(
    shape: Shape, size: int, rng: random.Random, held: dict[tuple[str, str], str]
) -> tuple[set[str], set[str]]:
    """A client missing a wanted appointment (one that the target's ``held`` holds while
    there are any), the provider they have for its kind, the provider the target gives it,
    and a few others who could hold it (every client of those providers may then move their
    appointments), and other clients missing appointments those providers could hold."""
    held_missed = [m for m in shape.missed if (m.client, m.kind) in held]
    seed = rng.choice(held_missed or shape.missed)
    own = shape.providers_of.get(seed.client, set())
    providers = {p for p in seed.providers if p in own}
    if (seed.client, seed.kind) in held:
        providers.add(held[seed.client, seed.kind])
    others = [p for p in seed.providers if p not in providers]
    providers.update(rng.sample(others, min(max(0, PROVIDERS_TRIED - len(providers)), len(others))))
    clients = {seed.client}
    missing = list(shape.missed)
    rng.shuffle(missing)
    for other in missing:
        if len(clients) >= max(MIN_MISSED, size // 4):
            break
        if providers & set(other.providers):
            clients.add(other.client)
    return clients, providers


def _open_group(
    decisions: Decisions,
    shape: Shape,
    unplaced: list[str],
    rng: random.Random,
    tried: frozenset[str],
) -> tuple[str, set[str], set[str]] | None:
    """A group that does not run (and is not in ``tried``), the clients left out who could
    join it (with clients of other groups who could join it too, when those left out are
    fewer than the group's minimum), a few of their candidate therapists and its possible
    facilitators (whose calendars may move); None when no such group exists."""
    facts = decisions.facts
    minimum = facts.instance.program.group_min_size
    candidates: dict[str, list[str]] = defaultdict(list)
    for client_id in unplaced:
        for group_id in facts.clients[client_id].groups:
            if (
                group_id not in shape.members
                and group_id not in tried
                and facts.facilitators.get(group_id)
            ):
                candidates[group_id].append(client_id)
    if not candidates:
        return None
    openable = sorted(candidates)
    group_id = rng.choices(openable, weights=[len(candidates[g]) for g in openable])[0]
    capacity = facts.instance.group(group_id).capacity
    left_out = candidates[group_id]
    clients = set(rng.sample(left_out, min(capacity, len(left_out))))
    if len(clients) < minimum:
        clients |= _movers(decisions, shape, group_id, minimum + 1 - len(clients), rng)
    # Its possible facilitators, and those who could take over a group one of them leads now.
    providers = set(facts.facilitators[group_id])
    for therapist_id in facts.facilitators[group_id]:
        for led in shape.facilitated_by.get(therapist_id, []):
            providers.update(facts.facilitators.get(led, []))
    for client_id in clients:
        therapists = facts.clients[client_id].therapists
        providers.update(rng.sample(therapists, min(PROVIDERS_TRIED, len(therapists))))
    return group_id, clients, providers


def _movers(
    decisions: Decisions, shape: Shape, group_id: str, count: int, rng: random.Random
) -> set[str]:
    """Up to ``count`` placed clients who could join ``group_id``, from groups that keep their
    minimum without them first."""
    minimum = decisions.facts.instance.program.group_min_size
    eligible = [
        c
        for c in decisions.eligible(group_id)
        if c in shape.group_of and shape.group_of[c] != group_id
    ]
    rng.shuffle(eligible)
    eligible.sort(key=lambda c: len(shape.members[shape.group_of[c]]) <= minimum)
    return set(eligible[:count])


def _roomiest(ids: list[str], room: Callable[[str], int], rng: random.Random) -> list[str]:
    """``ids`` with the most room first (ties in random order)."""
    keyed = [(-room(i), rng.random(), i) for i in ids]
    return [i for _, _, i in sorted(keyed)]


def _seats_left(decisions: Decisions, shape: Shape, group_id: str) -> int:
    """Seats left in a running group; a group that does not run counts as none left (opening
    it is the other neighbourhood's move)."""
    members = shape.members.get(group_id)
    if not members:
        return 0
    return decisions.facts.instance.group(group_id).capacity - len(members)


def _caseload_left(decisions: Decisions, shape: Shape, therapist_id: str) -> int:
    therapist = decisions.facts.instance.therapist(therapist_id)
    return therapist.max_caseload - len(shape.caseload.get(therapist_id, []))


def _around_resources(shape: Shape, size: int, rng: random.Random) -> set[str]:
    """Random groups' members and therapists' caseloads, until ``size`` clients."""
    pools = [*shape.members.values(), *shape.caseload.values()]
    rng.shuffle(pools)
    free: set[str] = set()
    for pool in pools:
        if len(free) >= size:
            break
        free.update(pool)
    return free
