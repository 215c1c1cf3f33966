"""Seeded weeks of a regional network of sites (format version 2), for the decomposition benchmarks.

``generate_network(sites, clients_per_site, seed, *, floating, video_groups, multi_site_clients)``
returns one format-version-2 week of ``sites`` clinics as a plain dict, ready for ``json.dump`` and
valid for :func:`solver.instance.parse_instance`; the same arguments give the same dict. Most
sites are independent; the three link options (all 0 by default) tie a few of them together.

**Sites.** The sites are named ``S01``, ``S02`` ... Each is built from version-2 single-program
weeks of :func:`benchmarks.generate_v2.generate_v2` (scenario ``normal``, pins as that module
does by default), each with a seed of its own made of ``seed``, the site's number and the block's,
so a network's sites before the links are the first sites of any larger network of the same
``seed`` and ``clients_per_site``:

- ``clients_per_site`` is made of blocks: as many tier-``m`` weeks (200 clients, 33 staff, 45
  groups) as fit, then tier-``s`` weeks (40 clients, 8 staff, 10 groups); the rest (under 40)
  are the first clients of one more s week, without its staff and groups: extra clients of the
  site's staff (their preferred and avoided therapists and pins, which named that week's staff,
  are dropped). So a site has exactly ``clients_per_site`` clients: 250 = m + s + 10 extra
  clients (about 41 staff and 55 groups); a site of under 40 clients is an s week's first
  clients with all its staff and groups. A site's blocks are one clinic: their clients may join
  any of the site's groups and see any of its therapists.
- Every id is the site's: groups ``S07-G001``, therapists ``S07-T001``, prescribers ``S07-RX01``,
  clients ``S07-C0001``, rooms ``S07-R01``; pins, preferred and avoided therapists and keep-apart
  pairs are renamed with them (keep-apart references to clients left out are dropped). Every
  group meets at its site (``site: "S07"``; the blocks' own video groups become
  the site's telehealth groups), every client lists only their site (``sites: ["S07"]``).
- **Independence.** The format has no therapist site, so the site is a specialty: every therapist
  of the site holds ``site_S07`` (the blocks' own ``site_S1`` ... tags are dropped), every group
  asks for it in ``facilitator_specialties``, and every client lists it in ``needs`` (a client's
  primary therapist holds all their needs). Specialist appointment kinds are matched by
  ``provider_specialties`` alone, so each site has its own kind: ``psychiatry_S07`` (provider
  specialties ``prescriber`` and ``site_S07``), and the site's clients ask for that one. Without
  links, a site's clients can see only its groups, therapists and prescribers, and its groups are
  facilitated only by its therapists.
- **The program**: one block for the network (open hours, sizes, levels and weights of the
  version-2 weeks), with the kinds ``individual``, ``family`` and one specialist kind per site:
  2 + ``sites`` kinds, so at most ``MAX_KINDS - 2`` = 98 sites (ValueError beyond).

**Links** (each from its own seeded stream; site k's next site is k + 1, the last one's is the
first, so a network of one site has no floating therapists and no multi-site clients):

- ``floating``: the share of sites (rounded) that share one floating therapist with their next
  site: a therapist of the site who facilitates groups and carries a caseload also holds the next
  site's specialty, so they may facilitate its groups and be primary therapist of its clients.
- ``video_groups``: that many adult evening IOP groups (every track, 18:00-21:00 on three
  weekdays) with ``site: null`` and no room, ids ``NET-G01`` ..., open to any client of any site;
  each comes with a floating network therapist of its own (``NET-T01`` ..., specialties ``lcdc``
  and ``video``, weekday evenings, one group, no caseload: they belong to no site), and only they
  hold ``video``, which the video groups ask for.
- ``multi_site_clients``: the share of all clients (rounded) who list two sites, theirs and the
  next: they may join the next site's groups; their primary therapist and prescriber stay at
  their own site (their ``needs`` and kinds are unchanged).

**Network tiers** (:data:`NETWORK_TIERS`, :func:`generate_network_tier`): ``n3k``, 12 sites of
250 clients (the 3,000-client week), and ``n20k``, 80 sites of 250 (20,000 clients); each with a
few links: some floating therapists, a few video groups, a few dozen multi-site clients at most.

Command line::

    python benchmarks/generate_network.py --sites 12 --clients-per-site 250 --seed 1 \\
        [--floating 0.25] [--video-groups 2] [--multi-site-clients 0.002] --out x.json
    python benchmarks/generate_network.py --tier n3k --seed 1 --out n3k-1.json

With ``--tier``, the tier gives every size and link, and any option given as well overrides it.
"""

from __future__ import annotations

import argparse
import copy
import json
import logging
import random
import sys
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: make `benchmarks` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.generate import (  # noqa: E402
    DD,
    EVENING,
    MH,
    PATTERNS,
    SU,
    TIERS,
    WEEKDAYS,
    facilitator_specialties,
    interval,
)
from benchmarks.generate_v2 import APPOINTMENT_KINDS, CLIENT_KEYS, generate_v2  # noqa: E402
from solver.instance_parts import MAX_KINDS  # noqa: E402

__all__ = [
    "MAX_SITES",
    "NETWORK_TIERS",
    "NET",
    "NetworkTier",
    "VIDEO",
    "generate_network",
    "generate_network_tier",
    "main",
    "site_name",
    "site_specialty",
]

log = logging.getLogger(__name__)

NET = "NET"
"""The prefix of the network's own entries (video groups and their therapists): no site."""
VIDEO = "video"
"""The specialty of the video groups' floating therapists, which only they hold."""
SITE_TAG = "site_"
"""A site as a specialty: ``site_S07``."""
BLOCK_TIERS: tuple[str, ...] = ("m", "s")
"""The single-program tiers a site is made of, the largest first."""
PRIMARY_KINDS = [k for k in APPOINTMENT_KINDS if k.get("provider", "primary") == "primary"]
SPECIALIST_KINDS = [k for k in APPOINTMENT_KINDS if k.get("provider", "primary") == "specialist"]
MAX_SITES = (MAX_KINDS - len(PRIMARY_KINDS)) // max(1, len(SPECIALIST_KINDS))
"""The most sites a network may have: each adds its own specialist kinds (``MAX_KINDS``)."""


@dataclass(frozen=True)
class NetworkTier:
    """A named network week's sizes and links (see :func:`generate_network`)."""

    sites: int
    clients_per_site: int
    floating: float = 0.0
    video_groups: int = 0
    multi_site_clients: float = 0.0


NETWORK_TIERS: dict[str, NetworkTier] = {
    # 3 of 12 sites share a floating therapist, 2 video groups, 6 clients list two sites.
    "n3k": NetworkTier(12, 250, floating=0.25, video_groups=2, multi_site_clients=0.002),
    # 8 of 80 sites share a floating therapist, 6 video groups, 20 clients list two sites.
    "n20k": NetworkTier(80, 250, floating=0.1, video_groups=6, multi_site_clients=0.001),
}


def site_name(index: int) -> str:
    """The name of the site with 0-based ``index``: ``S01``, ``S02`` ..."""
    return f"S{index + 1:02d}"


def site_specialty(site: str) -> str:
    """The specialty every therapist of ``site`` holds and its groups and clients ask for."""
    return f"{SITE_TAG}{site}"


def _rng(sites: int, clients_per_site: int, seed: int, part: str) -> random.Random:
    return random.Random(f"iop-bench-net/{sites}/{clients_per_site}/{seed}/{part}")


def _block_seed(seed: int, site: int, block: int) -> int:
    """A seed of its own for each block of each site (distinct while site, block < 1000)."""
    return seed * 1_000_000 + site * 1_000 + block


def _blocks(clients: int) -> list[tuple[str, int, bool]]:
    """``(tier, clients kept, staff kept)`` of the blocks that make a site of ``clients``."""
    out: list[tuple[str, int, bool]] = []
    left = clients
    for tier in BLOCK_TIERS:
        size = TIERS[tier].clients
        while left >= size:
            out.append((tier, size, True))
            left -= size
    if left:  # the rest: extra clients of the site's staff, or a small site of its own
        out.append((BLOCK_TIERS[-1], left, not out))
    return out


# --- the week ---------------------------------------------------------------------------------


def generate_network(
    sites: int,
    clients_per_site: int,
    seed: int,
    *,
    floating: float = 0.0,
    video_groups: int = 0,
    multi_site_clients: float = 0.0,
) -> dict[str, Any]:
    """A format-v2 week of a network of ``sites`` sites of ``clients_per_site`` clients each.

    Deterministic: the same arguments give an identical dict. ``floating``: the share of sites
    that share a floating therapist with the next site; ``video_groups``: how many network video
    groups (``site: null``) any client may join; ``multi_site_clients``: the share of clients who
    also list the next site. See the module docstring. Raises ValueError for an argument out of
    range (naming it), or for more than :data:`MAX_SITES` sites.
    """
    _check_arguments(sites, clients_per_site, floating, video_groups, multi_site_clients)
    names = [site_name(k) for k in range(sites)]
    program: dict[str, Any] = {}
    groups: list[dict[str, Any]] = []
    therapists: list[dict[str, Any]] = []
    clients: list[dict[str, Any]] = []
    home: list[int] = []  # each client's site index
    for k, site in enumerate(names):
        site_program, site_groups, site_therapists, site_clients = _site(
            site, k, clients_per_site, seed
        )
        program = program or site_program
        groups += site_groups
        therapists += site_therapists
        clients += site_clients
        home += [k] * len(site_clients)

    def rng(part: str) -> random.Random:
        return _rng(sites, clients_per_site, seed, part)

    if sites > 1:
        _float_therapists(rng("floating"), names, therapists, round(floating * sites))
        _multi_site(rng("multi-site"), names, clients, home, round(multi_site_clients * len(home)))
    groups += [_video_group(j) for j in range(1, video_groups + 1)]
    therapists += [_video_therapist(j) for j in range(1, video_groups + 1)]

    program = {k: v for k, v in program.items() if k != "appointment_kinds"}
    program["name"] = (
        f"benchmark network {sites}x{clients_per_site}-{seed} (floating {floating:g}, "
        f"video {video_groups}, multi-site {multi_site_clients:g})"
    )
    program["appointment_kinds"] = _kinds(names)
    return {
        "format_version": 2,
        "program": program,
        "groups": groups,
        "therapists": therapists,
        "clients": clients,
    }


def generate_network_tier(tier: str, seed: int) -> dict[str, Any]:
    """The week of the named network tier (:data:`NETWORK_TIERS`) for ``seed``.

    Raises ValueError for an unknown tier.
    """
    if tier not in NETWORK_TIERS:
        raise ValueError(f"unknown network tier {tier!r}; choose from {', '.join(NETWORK_TIERS)}")
    spec = NETWORK_TIERS[tier]
    return generate_network(
        spec.sites,
        spec.clients_per_site,
        seed,
        floating=spec.floating,
        video_groups=spec.video_groups,
        multi_site_clients=spec.multi_site_clients,
    )


def _check_arguments(
    sites: int, clients_per_site: int, floating: float, video_groups: int, multi_site: float
) -> None:
    if not 1 <= sites <= MAX_SITES:
        raise ValueError(
            f"sites {sites} must lie in [1, {MAX_SITES}]: each site has its own specialist "
            f"appointment kinds, and a program holds at most {MAX_KINDS} kinds"
        )
    if clients_per_site < 1:
        raise ValueError(f"clients_per_site {clients_per_site} must be at least 1")
    if not 0.0 <= floating <= 1.0:
        raise ValueError(f"floating {floating} must lie in [0, 1] (a share of the sites)")
    if not 0 <= video_groups <= 99:
        raise ValueError(f"video_groups {video_groups} must lie in [0, 99]")
    if not 0.0 <= multi_site <= 1.0:
        raise ValueError(f"multi_site_clients {multi_site} must lie in [0, 1] (a share of clients)")


def _kinds(sites: Sequence[str]) -> list[dict[str, Any]]:
    """The network's appointment kinds: the primary kinds, then each site's specialist kinds."""
    kinds = copy.deepcopy(PRIMARY_KINDS)
    for site in sites:
        for kind in SPECIALIST_KINDS:
            own = copy.deepcopy(kind)
            own["id"] = _site_kind(kind["id"], site)
            own["name"] = f"{kind.get('name') or kind['id']} ({site})"
            own["provider_specialties"] = [*kind["provider_specialties"], site_specialty(site)]
            kinds.append(own)
    return kinds


def _site_kind(kind: str, site: str) -> str:
    return f"{kind}_{site}"


# --- one site ---------------------------------------------------------------------------------


@dataclass
class _Numbers:
    """The next free number of each kind of id at a site."""

    groups: int = 0
    therapists: int = 0
    prescribers: int = 0
    clients: int = 0
    rooms: int = 0


def _site(
    site: str, index: int, clients: int, seed: int
) -> tuple[dict[str, Any], list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]:
    """One site's program block (its first block's) and its groups, therapists and clients."""
    numbers = _Numbers()
    width = max(4, len(str(clients)))
    program: dict[str, Any] = {}
    out: tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]] = ([], [], [])
    for b, (tier, keep, staff) in enumerate(_blocks(clients)):
        week = generate_v2(tier, "normal", _block_seed(seed, index, b))
        program = program or week["program"]
        if not staff:
            week = _clients_only(week)
        parts = _rename_block(site, week, keep, numbers, width)
        for into, part in zip(out, parts, strict=True):
            into += part
    return program, *out


def _clients_only(week: dict[str, Any]) -> dict[str, Any]:
    """A block's clients without its staff and groups: what refers to them is dropped."""
    clients = []
    for old in week["clients"]:
        client = dict(old)
        for key in ("preferred_therapists", "avoid_therapists", "pinned_group", "pinned_therapist"):
            client.pop(key, None)
        clients.append(client)
    return {**week, "groups": [], "therapists": [], "clients": clients}


def _rename_block(
    site: str, week: dict[str, Any], keep: int, numbers: _Numbers, width: int
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]:
    """A block's groups, therapists and first ``keep`` clients, renamed into ``site``."""
    tag = site_specialty(site)
    specialist = {k["id"]: _site_kind(k["id"], site) for k in SPECIALIST_KINDS}
    rooms: dict[str, str] = {}
    group_ids: dict[str, str] = {}
    groups = []
    for old in week["groups"]:
        numbers.groups += 1
        group_ids[old["id"]] = f"{site}-G{numbers.groups:03d}"
        group = dict(old)
        group["id"] = group_ids[old["id"]]
        if old.get("room") is not None:
            if old["room"] not in rooms:
                numbers.rooms += 1
                rooms[old["room"]] = f"{site}-R{numbers.rooms:02d}"
            group["room"] = rooms[old["room"]]
        group["facilitator_specialties"] = [
            *(s for s in old.get("facilitator_specialties", []) if not s.startswith(SITE_TAG)),
            tag,
        ]
        group["site"] = site
        groups.append(group)

    therapist_ids: dict[str, str] = {}
    therapists = []
    for old in week["therapists"]:
        if "prescriber" in old.get("specialties", []):
            numbers.prescribers += 1
            therapist_ids[old["id"]] = f"{site}-RX{numbers.prescribers:02d}"
        else:
            numbers.therapists += 1
            therapist_ids[old["id"]] = f"{site}-T{numbers.therapists:03d}"
        therapist = dict(old)
        therapist["id"] = therapist_ids[old["id"]]
        kept = {s for s in old.get("specialties", []) if not s.startswith(SITE_TAG)}
        therapist["specialties"] = sorted({*kept, tag})
        therapists.append(therapist)

    kept_clients = week["clients"][:keep]
    client_ids: dict[str, str] = {}
    for old in kept_clients:
        numbers.clients += 1
        client_ids[old["id"]] = f"{site}-C{numbers.clients:0{width}d}"
    clients = []
    for old in kept_clients:
        client = dict(old)
        client["id"] = client_ids[old["id"]]
        client["sites"] = [site]
        client["needs"] = [*(n for n in old.get("needs", []) if n != tag), tag]
        for key in ("appointments", "appointment_minutes"):
            if key in old:
                client[key] = {specialist.get(k, k): v for k, v in old[key].items()}
        for key in ("preferred_therapists", "avoid_therapists"):
            if key in old:
                client[key] = [therapist_ids[t] for t in old[key]]
        if "keep_apart" in old:
            apart = [client_ids[c] for c in old["keep_apart"] if c in client_ids]
            if apart:
                client["keep_apart"] = apart
            else:
                del client["keep_apart"]
        if old.get("pinned_group") is not None:
            client["pinned_group"] = group_ids[old["pinned_group"]]
        if old.get("pinned_therapist") is not None:
            client["pinned_therapist"] = therapist_ids[old["pinned_therapist"]]
        clients.append({k: client[k] for k in CLIENT_KEYS if k in client})  # the format's order
    return groups, therapists, clients


# --- links ------------------------------------------------------------------------------------


def _site_of(entry_id: str) -> str:
    """``S07`` from ``S07-T003``."""
    return entry_id.split("-")[0]


def _float_therapists(
    rng: random.Random, sites: list[str], therapists: list[dict[str, Any]], count: int
) -> None:
    """``count`` sites each give one of their staff the next site's specialty too."""
    for k in sorted(rng.sample(range(len(sites)), count)):
        staff = [
            t
            for t in therapists
            if _site_of(t["id"]) == sites[k]
            and t.get("max_groups", 2) > 0
            and t.get("max_caseload", 12) > 0
        ]
        if not staff:
            continue
        chosen = rng.choice(staff)
        nxt = sites[(k + 1) % len(sites)]
        chosen["specialties"] = sorted({*chosen["specialties"], site_specialty(nxt)})


def _multi_site(
    rng: random.Random,
    sites: list[str],
    clients: list[dict[str, Any]],
    home: list[int],
    count: int,
) -> None:
    """``count`` clients also list the next site (their primary therapist stays at home)."""
    for i in sorted(rng.sample(range(len(clients)), count)):
        k = home[i]
        clients[i]["sites"] = [sites[k], sites[(k + 1) % len(sites)]]


def _video_group(j: int) -> dict[str, Any]:
    """The network's ``j``-th video group: adult evening IOP, every track, no site, no room."""
    pattern = list(PATTERNS)[(j - 1) % len(PATTERNS)]
    tracks = (SU, MH, DD)
    return {
        "id": f"{NET}-G{j:02d}",
        "name": f"Adult SU/MH/DD evening {pattern} (network video)",
        "shift": EVENING.shift,
        "meetings": [interval(d, EVENING.start, EVENING.end) for d in PATTERNS[pattern]],
        "population": EVENING.population,
        "levels": ["iop"],
        "tracks": list(tracks),
        "facilitator_specialties": [*facilitator_specialties(tracks, "adult", None), VIDEO],
        "room": None,
        "site": None,
    }


def _video_therapist(j: int) -> dict[str, Any]:
    """The floating network therapist of the ``j``-th video group (no site, no caseload)."""
    specialties = {*facilitator_specialties((SU, MH, DD), "adult", None), VIDEO}
    return {
        "id": f"{NET}-T{j:02d}",
        "specialties": sorted(specialties),
        "availability": [interval(d, 17 * 60, 21 * 60) for d in WEEKDAYS],
        "max_caseload": 0,
        "max_groups": 1,
    }


# --- the command line -------------------------------------------------------------------------


def _write(data: dict[str, Any], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")


def main(argv: Sequence[str] | None = None) -> int:
    """The command line; see the module docstring."""
    parser = argparse.ArgumentParser(description="Generate a network week (format v2).")
    parser.add_argument("--tier", choices=list(NETWORK_TIERS), help="a named network tier")
    parser.add_argument("--sites", type=int, help="number of sites (default 3, or the tier's)")
    parser.add_argument(
        "--clients-per-site", type=int, help="clients at each site (default 40, or the tier's)"
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--floating", type=float, help="share of sites sharing a therapist")
    parser.add_argument("--video-groups", type=int, help="network video groups (site null)")
    parser.add_argument(
        "--multi-site-clients", type=float, help="share of clients listing two sites"
    )
    parser.add_argument("--out", type=Path, help="instance file (default: standard output)")
    args = parser.parse_args(argv)
    spec = NETWORK_TIERS[args.tier] if args.tier else NetworkTier(sites=3, clients_per_site=40)
    given = {
        key: getattr(args, key)
        for key in ("sites", "clients_per_site", "floating", "video_groups", "multi_site_clients")
        if getattr(args, key) is not None
    }
    spec = replace(spec, **given)
    try:
        data = generate_network(
            spec.sites,
            spec.clients_per_site,
            args.seed,
            floating=spec.floating,
            video_groups=spec.video_groups,
            multi_site_clients=spec.multi_site_clients,
        )
    except ValueError as error:
        parser.error(str(error))
    if args.out is None:
        json.dump(data, sys.stdout, indent=1)
        sys.stdout.write("\n")
    else:
        _write(data, args.out)
        logging.basicConfig(level=logging.INFO, format="%(message)s")
        log.info(
            "%s: %d sites, %d clients, %d therapists, %d groups",
            args.out,
            spec.sites,
            len(data["clients"]),
            len(data["therapists"]),
            len(data["groups"]),
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
