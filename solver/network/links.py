"""What links the clients, groups and therapists of a large week, worked out site by site.

:func:`solver.precompute.derive_facts` looks at every client against every group and
therapist: on a 20,000-client network that is hours. But a client can only ever use a group
at a site they list (or one without a site), a therapist who holds all their needs, a
provider who holds a kind's specialties, and a group only a therapist who holds its
facilitator specialties. :func:`network_links` cuts the week into buckets of clients who
list the same sites, gives each bucket only the groups and therapists that pass those
tests (looked up in an index of who holds which specialty), and derives the facts of each
bucket on its own. The facts of a client do not depend on other clients, so they are the
same as the whole week's; what links groups across buckets (a room) is added from the whole
week.
"""

from __future__ import annotations

import copy
import logging
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from solver.instance import Instance, parse_instance
from solver.precompute import ClientFacts, derive_facts

__all__ = ["Links", "network_links", "sub_document"]

log = logging.getLogger(__name__)

ANYWHERE = ("*",)


@dataclass
class Links:
    """The facts :mod:`solver.network.decompose` needs, for the whole week."""

    clients: dict[str, ClientFacts] = field(default_factory=dict)
    facilitators: dict[str, list[str]] = field(default_factory=dict)
    room_conflicts: list[tuple[str, str]] = field(default_factory=list)
    keep_apart: list[tuple[str, str]] = field(default_factory=list)


def network_links(instance: Instance, data: dict[str, Any] | None = None) -> Links:
    """The week's facts, bucket by bucket (see the module docstring); ``data`` is the
    instance's JSON document when the caller has it already."""
    data = data if data is not None else instance.model_dump(mode="json")
    holders: dict[str, set[str]] = defaultdict(set)
    everyone = [t["id"] for t in data["therapists"]]
    for t in data["therapists"]:
        for specialty in t.get("specialties", []):
            holders[specialty].add(t["id"])
    kinds = {k["id"]: k for k in data["program"].get("appointment_kinds", [])}

    def holding(specialties: Iterable[str]) -> set[str]:
        wanted = list(specialties)
        if not wanted:
            return set(everyone)
        return set.intersection(*(holders.get(s, set()) for s in wanted))

    by_site: dict[str | None, list[dict[str, Any]]] = defaultdict(list)
    for g in data["groups"]:
        by_site[g.get("site")].append(g)
    buckets: dict[tuple[str, ...], list[dict[str, Any]]] = defaultdict(list)
    for c in data["clients"]:
        buckets[tuple(c.get("sites") or ()) or ANYWHERE].append(c)
    links = Links()
    for sites, clients in buckets.items():
        if sites == ANYWHERE:
            groups = list(data["groups"])
        else:
            groups = [g for s in (*sites, None) for g in by_site.get(s, [])]
        therapists: set[str] = set()
        for g in groups:
            therapists |= holding(g.get("facilitator_specialties", []))
        for c in clients:
            therapists |= holding(c.get("needs", []))
            for kind in c.get("appointments", {}):
                spec = kinds.get(kind)
                if spec is not None and spec.get("provider") == "specialist":
                    therapists |= holding(spec.get("provider_specialties", []))
            if c.get("pinned_therapist"):
                therapists.add(c["pinned_therapist"])
        facts = derive_facts(_bucket(data, sites, groups, therapists, clients))
        links.clients.update(facts.clients)
        for g, leaders in facts.facilitators.items():
            known = links.facilitators.setdefault(g, [])
            known += [t for t in leaders if t not in known]
    links.room_conflicts = _rooms(data["groups"])
    ids = {c["id"] for c in data["clients"]}
    links.keep_apart = [
        (c["id"], other)
        for c in data["clients"]
        for other in c.get("keep_apart", [])
        if other in ids
    ]
    log.info("links worked out in %d buckets of clients", len(buckets))
    return links


def _bucket(
    data: dict[str, Any],
    sites: tuple[str, ...],
    groups: list[dict[str, Any]],
    therapists: set[str],
    clients: list[dict[str, Any]],
) -> Instance:
    """One bucket's clients with the groups and therapists they could use, as an instance."""
    ids = {c["id"] for c in clients}
    names = {g["id"] for g in groups} | {
        c["pinned_group"] for c in clients if c.get("pinned_group")
    }
    document = sub_document(data, names, therapists, ids)
    return parse_instance(document, source=f"clients of {'+'.join(sites)}")


def sub_document(
    data: dict[str, Any], groups: set[str], therapists: set[str], clients: set[str]
) -> dict[str, Any]:
    """A copy of the instance document ``data`` with only these groups, therapists and
    clients, in its order; a client's keep-apart, preferred and avoided lists keep only
    what is inside (what is outside cannot be broken, preferred or avoided here)."""
    document = {
        k: copy.deepcopy(v) for k, v in data.items() if k not in ("groups", "therapists", "clients")
    }
    document["groups"] = [copy.deepcopy(g) for g in data["groups"] if g["id"] in groups]
    document["therapists"] = [copy.deepcopy(t) for t in data["therapists"] if t["id"] in therapists]
    kept = []
    for c in data["clients"]:
        if c["id"] not in clients:
            continue
        c = copy.deepcopy(c)
        c["keep_apart"] = [k for k in c.get("keep_apart", []) if k in clients]
        for key in ("preferred_therapists", "avoid_therapists"):
            c[key] = [t for t in c.get(key, []) if t in therapists]
        kept.append(c)
    document["clients"] = kept
    return document


def _rooms(groups: list[dict[str, Any]]) -> list[tuple[str, str]]:
    """Groups that share a room (whether or not their meetings clash: a superset of the
    clashes, which only ever joins what might be linked)."""
    by_room: dict[str, list[str]] = defaultdict(list)
    for g in groups:
        if g.get("room"):
            by_room[g["room"]].append(g["id"])
    return [(ids[0], other) for ids in by_room.values() for other in ids[1:]]
