"""A network's week cut into parts that can be solved apart (issue 17).

Two clients interact only through something they could share: a group, a therapist (as
primary, as facilitator of a group, as provider of an appointment), a room (groups that
clash in one room), a keep-apart pair. :func:`decompose` links every client, group and
therapist through those (the facts of :mod:`solver.precompute`) and takes the connected
**components**: independent parts of the week. Every term of the objective but one is a sum
over clients, groups and therapists, so a week's optimum is the sum of its components'
optima; the exception, ``caseload_spread`` (largest minus smallest caseload over all
therapists), is left out of the parts and counted once for the merged roster.

A component larger than ``max_clients`` is split by **site** (a client's first site, a
group's site) when it has several: what links two sites (a floating therapist, a video
group, a prescriber every site uses) is then **shared out**: each shared therapist's days go
to the sites that could use them, in proportion to how many of their clients could; each
group without a site goes to the site with most clients who could join it. The parts use
disjoint resources, so the merged roster obeys every rule of the whole week; it may be
worse than the whole week's optimum, and the bound of a split component is not the sum of
its sites' bounds (see :mod:`solver.network.solve`).

Small components are packed together into parts of up to ``max_clients`` clients, so that
a week of many tiny components is not as many tasks.
"""

from __future__ import annotations

import logging
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from solver.instance import Instance, parse_instance
from solver.network.links import Links, network_links, sub_document

__all__ = ["Part", "decompose", "part_instance", "relaxed_instance"]

log = logging.getLogger(__name__)

MAX_PART_CLIENTS = 600
"""Components up to this many clients are solved whole; larger ones are split by site."""

NO_SITE = ""


@dataclass
class Part:
    """Clients, groups and therapists solved together, apart from the rest of the week.

    Attributes:
        name: the sites it holds (``S01+S02``), or ``component 3`` without sites.
        clients, groups, therapists: the ids, in the instance's order.
        hours: for a therapist shared with other parts, the hours given to this part, as
            ``(day, start minute, end minute)`` (a therapist absent from ``hours`` has all of
            their hours here).
        exact: True when the part is whole components (its optimum is theirs); False for a
            site of a split component (its resources shared out).
        component: the component the part belongs to (parts of one split component share it).
    """

    name: str
    clients: list[str] = field(default_factory=list)
    groups: list[str] = field(default_factory=list)
    therapists: list[str] = field(default_factory=list)
    hours: dict[str, list[tuple[str, int, int]]] = field(default_factory=dict)
    # For a shared therapist: the caseload and the groups they may take in this part.
    limits: dict[str, tuple[int, int]] = field(default_factory=dict)
    exact: bool = True
    component: int = 0
    # A site of a split component: every group and therapist its clients could use, at full
    # hours (the site's relaxation, whose bounds add up to a bound of the component).
    reach_groups: list[str] = field(default_factory=list)
    reach_therapists: list[str] = field(default_factory=list)


class _Links:
    """Union-find over ``("c", id)``, ``("g", id)`` and ``("t", id)``."""

    def __init__(self) -> None:
        self.parent: dict[tuple[str, str], tuple[str, str]] = {}

    def find(self, node: tuple[str, str]) -> tuple[str, str]:
        parent = self.parent.setdefault(node, node)
        while parent != node:
            grand = self.parent[parent]
            self.parent[node] = grand
            node, parent = parent, grand
        return node

    def join(self, a: tuple[str, str], b: tuple[str, str]) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[ra] = rb


def _links(instance: Instance, facts: Links) -> _Links:
    links = _Links()
    for group in instance.groups:
        links.find(("g", group.id))
        for leader in facts.facilitators.get(group.id, []):
            links.join(("g", group.id), ("t", leader))
    for therapist in instance.therapists:
        links.find(("t", therapist.id))
    for cid, cf in facts.clients.items():
        links.find(("c", cid))
        for gid in cf.groups:
            links.join(("c", cid), ("g", gid))
        for tid in cf.therapists:
            links.join(("c", cid), ("t", tid))
        for kf in cf.kinds.values():
            for tid in kf.starts:
                links.join(("c", cid), ("t", tid))
    for a, b in facts.room_conflicts:
        links.join(("g", a), ("g", b))
    for a, b in facts.keep_apart:
        links.join(("c", a), ("c", b))
    return links


def decompose(
    instance: Instance,
    *,
    max_clients: int = MAX_PART_CLIENTS,
    data: dict[str, Any] | None = None,
) -> list[Part]:
    """The parts of the week, largest first (see the module docstring); ``data`` is the
    instance's JSON document when the caller has it already."""
    facts = network_links(instance, data)
    links = _links(instance, facts)
    members: dict[tuple[str, str], dict[str, list[str]]] = defaultdict(
        lambda: {"c": [], "g": [], "t": []}
    )
    for kind, entries in (
        ("g", instance.groups),
        ("t", instance.therapists),
        ("c", instance.clients),
    ):
        for entry in entries:
            members[links.find((kind, entry.id))][kind].append(entry.id)
    components = sorted(members.values(), key=lambda m: (-len(m["c"]), m["g"][:1], m["t"][:1]))
    parts: list[Part] = []
    small: list[Part] = []
    for number, m in enumerate(components):
        whole = Part(
            _sites_name(instance, m["g"], number),
            m["c"],
            m["g"],
            m["t"],
            component=number,
        )
        if len(m["c"]) > max_clients and len(_sites(instance, m["g"])) > 1:
            parts.extend(_split(instance, facts, whole))
        elif len(m["c"]) >= max_clients // 2:
            parts.append(whole)
        else:
            small.append(whole)
    parts.extend(_packed(small, max_clients))
    log.info(
        "%d components, %d parts (largest %d clients)",
        len(components),
        len(parts),
        max((len(p.clients) for p in parts), default=0),
    )
    return parts


def _sites(instance: Instance, groups: Iterable[str]) -> list[str]:
    return sorted({s for g in groups if (s := instance.group(g).site)})


def _sites_name(instance: Instance, groups: list[str], number: int) -> str:
    sites = _sites(instance, groups)
    if not sites:
        return f"component {number}"
    return "+".join(sites) if len(sites) <= 3 else f"{sites[0]}+{len(sites) - 1} sites"


def _packed(parts: list[Part], max_clients: int) -> list[Part]:
    """Small whole components packed into parts of up to ``max_clients`` clients."""
    packed: list[Part] = []
    counts: list[int] = []
    for part in parts:
        if packed and len(packed[-1].clients) + len(part.clients) <= max_clients:
            last = packed[-1]
            last.clients += part.clients
            last.groups += part.groups
            last.therapists += part.therapists
            counts[-1] += 1
            continue
        packed.append(
            Part(
                part.name,
                list(part.clients),
                list(part.groups),
                list(part.therapists),
                component=part.component,
            )
        )
        counts.append(1)
    for part, count in zip(packed, counts, strict=True):
        if count > 1:
            part.name = f"{part.name} and {count - 1} more components"
    return packed


def _split(instance: Instance, facts: Links, whole: Part) -> list[Part]:
    """A component cut by site, its shared therapists' days and siteless groups shared out."""
    sites = _sites(instance, whole.groups)
    home: dict[str, str] = {}
    for cid in whole.clients:
        cf = facts.clients[cid]
        pinned = cf.client.pinned_group
        reachable = [instance.group(g).site for g in cf.groups if instance.group(g).site]
        if pinned is not None and instance.group(pinned).site:
            home[cid] = instance.group(pinned).site or sites[0]
        elif cf.client.sites and cf.client.sites[0] in sites:
            home[cid] = cf.client.sites[0]
        elif reachable:
            home[cid] = Counter(reachable).most_common(1)[0][0] or sites[0]
        else:
            home[cid] = sites[0]
    parts = {s: Part(s, exact=False, component=whole.component) for s in sites}
    for cid in whole.clients:
        parts[home[cid]].clients.append(cid)
    # Groups: their site; a group without one goes where most of its possible members live.
    wanting: dict[str, Counter[str]] = defaultdict(Counter)
    for cid in whole.clients:
        for g in facts.clients[cid].groups:
            wanting[g][home[cid]] += 1
    for g in whole.groups:
        site = instance.group(g).site
        if not site or site not in parts:
            site = wanting[g].most_common(1)[0][0] if wanting[g] else sites[0]
        parts[site].groups.append(g)
    # Therapists: a group's facilitator belongs to the site(s) of the groups they could
    # lead; a specialist provider (a prescriber) is shared by the sites whose clients could
    # see them; anyone else belongs to the site with most clients who could have them.
    leads: dict[str, Counter[str]] = defaultdict(Counter)
    sees: dict[str, Counter[str]] = defaultdict(Counter)
    specialist: set[str] = set()
    for site, part in parts.items():
        for g in part.groups:
            for t in facts.facilitators.get(g, []):
                leads[t][site] += 1
        for cid in part.clients:
            cf = facts.clients[cid]
            for t in cf.therapists:
                sees[t][site] += 1
            for kf in cf.kinds.values():
                for t in kf.starts:
                    sees[t][site] += 1
                    if kf.kind.provider == "specialist":
                        specialist.add(t)
            pinned = cf.client.pinned_therapist
            if pinned is not None:  # a pin keeps a share of its therapist on its site
                leads[pinned][site] += 1
    for t in whole.therapists:
        wanted = leads.get(t) or (sees.get(t) if t in specialist else None)
        if not wanted:
            site = sees[t].most_common(1)[0][0] if sees.get(t) else sites[0]
            parts[site].therapists.append(t)
        elif len(wanted) == 1:
            parts[next(iter(wanted))].therapists.append(t)
        else:
            shares = _share_hours(instance, t, wanted)
            limits = _share_limits(instance, t, shares)
            for site, hours in shares.items():
                parts[site].therapists.append(t)
                parts[site].hours[t] = hours
                parts[site].limits[t] = limits[site]
    for part in parts.values():
        groups = set(part.groups)
        therapists = set(part.therapists)
        for cid in part.clients:
            cf = facts.clients[cid]
            groups.update(cf.groups)
            therapists.update(cf.therapists)
            for kf in cf.kinds.values():
                therapists.update(kf.starts)
        for g in groups:
            therapists.update(facts.facilitators.get(g, []))
        part.reach_groups = [g for g in whole.groups if g in groups]
        part.reach_therapists = [t for t in whole.therapists if t in therapists]
    return [p for p in parts.values() if p.clients or p.groups]


SHARE_PIECE_MINUTES = 60
"""A shared therapist's hours are cut into pieces of at least this many minutes."""


def _share_hours(
    instance: Instance, therapist: str, wanted: Counter[str]
) -> dict[str, list[tuple[str, int, int]]]:
    """A shared therapist's hours cut in pieces, each site's share in proportion to its
    demand: every wanting site gets time while pieces last (an appointment or a group
    meeting is planned inside one piece)."""
    blocks = [
        (i.day, i.start_minute, i.end_minute) for i in instance.therapist(therapist).availability
    ]
    total = sum(end - start for _, start, end in blocks)
    order = [site for site, _ in sorted(wanted.items(), key=lambda kv: (-kv[1], kv[0]))]
    weight = sum(wanted.values())
    quota = {site: wanted[site] / weight * total for site in order}
    given: dict[str, list[tuple[str, int, int]]] = {}
    step = instance.program.slot_minutes
    for day, start, end in blocks:
        while start < end:
            site = max(order, key=lambda s: (quota[s], -order.index(s)))
            length = max(SHARE_PIECE_MINUTES, int(quota[site]) // step * step)
            if end - (start + length) < SHARE_PIECE_MINUTES:
                length = end - start  # no piece too short to use
            piece_end = min(end, start + length)
            given.setdefault(site, []).append((day, start, piece_end))
            quota[site] -= piece_end - start
            start = piece_end
    return given


def _clock(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


def relaxed_instance(
    instance: Instance, part: Part, data: dict[str, Any] | None = None
) -> Instance:
    """A site's relaxation: its clients with every group and therapist they could use, at
    full hours and capacity, groups from one client up, no ``open_group`` nor
    ``caseload_spread``. Any roster of the whole week, kept to the site's clients, is a
    roster of it costing no more than their share of the week's objective (every other
    term is a client's own); so the sites' optima, and their bounds, add up to a bound of
    the component."""
    reach = Part(
        part.name,
        clients=list(part.clients),
        groups=list(part.reach_groups or part.groups),
        therapists=list(part.reach_therapists or part.therapists),
        component=part.component,
    )
    relaxed = part_instance(instance, reach, data=data)
    program = relaxed.program.model_copy(
        update={
            "group_min_size": 1,
            "weights": relaxed.program.weights.model_copy(update={"open_group": 0}),
        }
    )
    return parse_instance(
        relaxed.model_copy(update={"program": program}).model_dump(mode="json"),
        source=f"relaxation of {part.name}",
    )


def _share_limits(
    instance: Instance, therapist: str, shares: dict[str, list[tuple[str, int, int]]]
) -> dict[str, tuple[int, int]]:
    """A shared therapist's caseload and groups cut in proportion to their hours in each
    part (largest remainders), so that the parts together keep the therapist's limits."""
    t = instance.therapist(therapist)
    minutes = {site: sum(end - start for _, start, end in hours) for site, hours in shares.items()}
    total = sum(minutes.values()) or 1

    def cut(amount: int) -> dict[str, int]:
        exact = {site: amount * m / total for site, m in minutes.items()}
        given = {site: int(value) for site, value in exact.items()}
        order = sorted(exact, key=lambda site: (given[site] - exact[site], site))
        for site in order[: amount - sum(given.values())]:
            given[site] += 1
        return given

    caseload, groups = cut(t.max_caseload), cut(t.max_groups)
    return {site: (caseload[site], groups[site]) for site in shares}


def part_instance(
    instance: Instance,
    part: Part,
    *,
    spread_weight: int = 0,
    data: dict[str, Any] | None = None,
) -> Instance:
    """The part as an instance of its own: its groups, therapists (a shared one with their
    hours, caseload and groups of this part only) and clients, the program's settings;
    references to what is outside the part are dropped (a keep-apart with a client
    elsewhere cannot be broken here). ``caseload_spread`` weighs ``spread_weight`` (0:
    counted for the whole week)."""
    whole = data if data is not None else instance.model_dump(mode="json")
    data = sub_document(whole, set(part.groups), set(part.therapists), set(part.clients))
    for t in data["therapists"]:
        if t["id"] in part.limits:
            t["max_caseload"], t["max_groups"] = part.limits[t["id"]]
        if t["id"] in part.hours:
            t["availability"] = [
                {"day": day, "start": _clock(start), "end": _clock(end)}
                for day, start, end in part.hours[t["id"]]
            ]
    data.setdefault("program", {}).setdefault("weights", {})["caseload_spread"] = spread_weight
    return parse_instance(data, source=f"part {part.name}")
