"""Seeded, realistic IOP/PHP weeks for the benchmarks (format version 2).

``generate_v2(tier, scenario, seed)`` returns a format-version-2 instance as a plain dict, ready
for ``json.dump`` and valid for :func:`solver.instance.parse_instance`; the same arguments give
the same dict on any machine. It builds on the version-1 week of :mod:`benchmarks.generate`
(same tiers, scenarios, sites, groups, staff and clients; that week stays as it was) and adds,
each from its own seeded stream:

- **Levels of care.** ``iop`` (adults 9 h, adolescents 6 h) and ``php`` (20 h). About 15 % of the
  adults are PHP clients: not working during the day (at most evening or weekend work), in a
  day programme that meets mon-fri 09:00-15:00 (``levels: ["php"]``, ``pull_out: true``), one
  programme group per 6-7 PHP clients of a site, each with a day-shift facilitator of its own
  (``max_groups`` 1, mon-fri around 08:00-17:00) plus one spare for every three groups.
- **Appointment kinds.** ``individual`` (60 min, primary therapist, required, one a week unless
  the client says otherwise), ``family`` (60 min, primary therapist, inside the family's free
  hours, wanted; about 30 % ask for one, more adolescents and clients who need family work) and
  ``psychiatry`` (30 min, a ``prescriber``, wanted, not counted toward the weekly hours; about
  40 % ask for one, more PHP and dual-diagnosis clients; some 15-minute follow-ups and 60-minute
  first evaluations). Families are free on weekday evenings (17:00-20:00) and/or Saturday
  mornings; some have only one awkward hour, or only Sunday afternoon, when the clinic is
  closed: those appointments are missed, with a reason.
- **Prescribers.** One per 50 clients asking for psychiatry, part time (2-4 half days),
  ``max_caseload`` 0 and ``max_groups`` 0. In tiers with several sites about half are
  site-bound (id ``S2-RX01``; the format has no site for appointments, so this shows only in
  the id), the others telehealth (``RX01``).
- **Sites.** Every group has ``site: "S1"`` ... (the facilitators' ``site_S1`` specialties of
  version 1 stay: staff work at their site); every client lists one or two reachable sites
  (about 10 % none: anywhere). One video group (two in tiers with more than two sites), an
  adult evening group with ``site: null`` and no room, is open to every client.
- **Scenarios** as in version 1; ``overload`` keeps 55 % of the PHP groups, their staff and
  the prescribers too.
- **Pins** copy placements from the greedy baseline's roster of the unpinned week (see
  :data:`PINS_BY_DEFAULT`).

Command line::

    python benchmarks/generate_v2.py --tier m --scenario normal --seed 1 --out m2.json
    python benchmarks/generate_v2.py --suite DIR [--tiers s,m,l,xl] [--seeds 1,2,3]

A suite's files are named ``v2-{tier}-{scenario}-{seed}.json``, which ``benchmarks/run.py``
tells apart from version-1 weeks.
"""

from __future__ import annotations

import argparse
import copy
import json
import random
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: make `benchmarks` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.generate import (  # noqa: E402
    DD,
    MH,
    OVERLOAD_STAFF,
    SCENARIOS,
    STANDARD_SEEDS,
    SU,
    TIERS,
    WEEKDAYS,
    add_pins,
    interval,
    unpinned_week,
    weighted,
)
from solver.instance import Client  # noqa: E402

__all__ = [
    "APPOINTMENT_KINDS",
    "LEVELS",
    "PINS_BY_DEFAULT",
    "PREFIX",
    "generate_v2",
    "main",
    "suite_stem",
    "write_suite_v2",
]

PINS_BY_DEFAULT = True
"""Whether :func:`generate_v2` pins clients unless told. The pins come from the greedy baseline,
which is being rewritten for version 2: switch this on once it places version-2 weeks."""
PREFIX = "v2-"
"""Suite files of version-2 weeks start with this (``v2-m-normal-1.json``)."""

LEVELS: list[dict[str, Any]] = [
    {
        "id": "iop",
        "name": "Intensive outpatient",
        "min_weekly_hours": {"adult": 9, "adolescent": 6},
    },
    {
        "id": "php",
        "name": "Partial hospitalisation",
        "min_weekly_hours": {"adult": 20, "adolescent": 20},
    },
]
APPOINTMENT_KINDS: list[dict[str, Any]] = [
    {
        "id": "individual",
        "name": "Individual session",
        "minutes": 60,
        "provider": "primary",
        "required": True,
        "per_week": 1,
    },
    {
        "id": "family",
        "name": "Family session",
        "minutes": 60,
        "provider": "primary",
        "required": False,
        "with_family": True,
        "per_week": 0,
    },
    {
        "id": "psychiatry",
        "name": "Medication management",
        "minutes": 30,
        "provider": "specialist",
        "provider_specialties": ["prescriber"],
        "required": False,
        "counts_toward_hours": False,
        "per_week": 0,
    },
]
PHP_SHARE = 0.15
"""Share of the adult clients in partial hospitalisation."""
PHP_PER_GROUP = 6.5
"""PHP clients per day-programme group (a group holds 8)."""
PSYCHIATRY_PER_PRESCRIBER = 50
"""Clients asking for psychiatry per prescriber (DOMAIN.md: one per 50-100 clients)."""
PHP_DAY = (9 * 60, 15 * 60)
CLIENT_KEYS = tuple(Client.model_fields)
"""A client's keys in the format's order."""


def _rng(tier: str, scenario: str, seed: int, part: str) -> random.Random:
    return random.Random(f"iop-bench-v2/{tier}/{scenario}/{seed}/{part}")


def _site_of(entry_id: str) -> str:
    """``S2`` from ``S2-G03`` or ``S2-T07``."""
    return entry_id.split("-")[0]


# --- the week ---------------------------------------------------------------------------------


def generate_v2(tier: str, scenario: str, seed: int, *, pins: bool | None = None) -> dict[str, Any]:
    """A format-v2 instance dict for ``tier`` (s, m, l, xl), ``scenario`` and ``seed``.

    Deterministic: the same arguments give an identical dict. ``pins``: copy a few placements
    of the greedy roster (``TIERS[tier].pins``); None follows :data:`PINS_BY_DEFAULT`. Raises
    ValueError for an unknown tier or scenario.
    """
    week = unpinned_week(tier, scenario, seed)
    spec = TIERS[tier]
    scale = OVERLOAD_STAFF if scenario == "overload" else 1.0
    sites = [f"S{k}" for k in range(1, spec.sites + 1)]
    site_tags = spec.sites > 1

    def rng(part: str) -> random.Random:
        return _rng(tier, scenario, seed, part)

    groups = [_group(g) for g in week["groups"]]
    _video_groups(rng("video"), groups, 1 if spec.sites <= 2 else 2)
    clients = [_client(c) for c in week["clients"]]
    homes = _client_sites(rng("sites"), clients, sites)
    php_clients = _php_clients(rng("levels"), clients)
    therapists: list[dict[str, Any]] = list(week["therapists"])
    for site in sites:
        at_site = sum(homes[c["id"]] == site for c in php_clients)
        _add_day_programme(rng(f"php/{site}"), site, at_site, scale, groups, therapists, site_tags)
    _family(rng("family"), clients)
    asking = _psychiatry(rng("psychiatry"), clients)
    therapists += _prescribers(rng("prescribers"), asking, scale, sites)

    program = {
        key: value
        for key, value in week["program"].items()
        if key not in ("individual_session_minutes", "min_weekly_hours")
    }
    program["name"] = f"benchmark v2 {tier}-{scenario}-{seed}"
    program["levels"] = copy.deepcopy(LEVELS)
    program["appointment_kinds"] = copy.deepcopy(APPOINTMENT_KINDS)
    data: dict[str, Any] = {
        "format_version": 2,
        "program": program,
        "groups": groups,
        "therapists": therapists,
        "clients": [{k: c[k] for k in CLIENT_KEYS if c.get(k, {}) != {}} for c in clients],
    }
    if PINS_BY_DEFAULT if pins is None else pins:
        add_pins(rng("pins"), data, spec.pins)
    return data


def _group(v1: dict[str, Any]) -> dict[str, Any]:
    """A version-1 group as an IOP group of its site."""
    group: dict[str, Any] = {}
    for key, value in v1.items():
        group[key] = value
        if key == "population":
            group["levels"] = ["iop"]
    group["site"] = _site_of(v1["id"])
    return group


def _video_groups(rng: random.Random, groups: list[dict[str, Any]], count: int) -> None:
    """Adult evening groups, the widest first, meet by video: no site, no room."""
    evening = [g for g in groups if g["shift"] == "evening" and g["population"] == "adult"]
    ranked = sorted(evening, key=lambda g: (g["room"] is not None, -len(g["tracks"]), rng.random()))
    chosen: list[dict[str, Any]] = []
    for group in ranked:  # from different sites where there are several
        if len(chosen) < count and all(g["site"] != group["site"] for g in chosen):
            chosen.append(group)
    for group in chosen:
        group["name"] += " (video)"
        group["room"] = None
        group["site"] = None


def _client(v1: dict[str, Any]) -> dict[str, Any]:
    """A version-1 client with version 2's keys (an IOP client until told otherwise)."""
    client = {k: v for k, v in v1.items() if k not in ("individual_sessions", "session_minutes")}
    client["level"] = "iop"
    client["appointments"] = {}
    client["appointment_minutes"] = {}
    if "individual_sessions" in v1:
        client["appointments"]["individual"] = v1["individual_sessions"]
    if "session_minutes" in v1:
        client["appointment_minutes"]["individual"] = v1["session_minutes"]
    return client


def _client_sites(
    rng: random.Random, clients: list[dict[str, Any]], sites: list[str]
) -> dict[str, str]:
    """Give each client one or two reachable sites (about 10 %: any); return each one's home."""
    homes = {}
    for client in clients:
        k = rng.randrange(len(sites))
        homes[client["id"]] = sites[k]
        draw = rng.random()
        if draw < 0.1:
            client["sites"] = []
        elif draw < 0.3 and len(sites) > 1:
            neighbour = (k + rng.choice([-1, 1])) % len(sites)
            client["sites"] = sorted({sites[k], sites[neighbour]})
        else:
            client["sites"] = [sites[k]]
    return homes


def _php_clients(rng: random.Random, clients: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Move about 15 % of the adults to PHP: free in the day, in the day programme's shift."""
    chosen = []
    for client in clients:
        if client["population"] != "adult" or rng.random() >= PHP_SHARE:
            continue
        client["level"] = "php"
        life = weighted(rng, {"free": 55, "weekend_work": 20, "evening_work": 15, "carer": 10})
        if life == "weekend_work":
            client["busy"] = [interval(d, 10 * 60, 20 * 60) for d in ("sat", "sun")]
        elif life == "evening_work":
            client["busy"] = [interval(d, 17 * 60 + 30, 23 * 60) for d in rng.sample(WEEKDAYS, 3)]
            client["busy"].sort(key=lambda iv: WEEKDAYS.index(iv["day"]))
        elif life == "carer":
            client["busy"] = [interval(d, 18 * 60, 21 * 60) for d in WEEKDAYS]
        else:
            client["busy"] = []
        client.pop("shift_preference", None)
        chosen.append(client)
    return chosen


def _add_day_programme(
    rng: random.Random,
    site: str,
    php_clients: int,
    scale: float,
    groups: list[dict[str, Any]],
    therapists: list[dict[str, Any]],
    site_tags: bool,
) -> None:
    """A site's PHP groups (one per 6-7 of its PHP clients) and their day-shift facilitators."""
    if not php_clients:
        return
    count = max(1, round(-(-php_clients // PHP_PER_GROUP) * scale))
    tag = [f"site_{site}"] if site_tags else []
    for j in range(1, count + 1):
        groups.append(
            {
                "id": f"{site}-P{j:02d}",
                "name": f"Adult PHP day programme {j}",
                "shift": "morning",
                "meetings": [interval(d, *PHP_DAY) for d in WEEKDAYS],
                "population": "adult",
                "levels": ["php"],
                "tracks": [SU, MH, DD],
                "facilitator_specialties": ["lcdc", *tag],
                "room": f"{site}-D{j}",
                "site": site,
                "pull_out": True,
            }
        )
    staff = sum(_site_of(t["id"]) == site for t in therapists)
    for j in range(staff + 1, staff + 1 + count + count // 3):
        start, end = rng.choice([(8 * 60, 16 * 60 + 30), (8 * 60 + 30, 17 * 60), (8 * 60, 17 * 60)])
        specialties = {"lcdc", "co_occurring", *tag}
        specialties.add(weighted(rng, {"lpc": 40, "lcsw": 35, "lmft": 20, "psychologist": 5}))
        if rng.random() < 0.4:
            specialties.add("trauma")
        if rng.random() < 0.2:
            specialties.add("family")
        therapists.append(
            {
                "id": f"{site}-T{j:02d}",
                "specialties": sorted(specialties),
                "availability": [interval(d, start, end) for d in WEEKDAYS],
                "max_caseload": rng.randint(8, 12),
                "max_groups": 1,
            }
        )


def _family(rng: random.Random, clients: list[dict[str, Any]]) -> None:
    """About 30 % ask for a family session; their families' free hours."""
    for client in clients:
        share = 0.35 if client["population"] == "adolescent" else 0.22
        if "family" in client["needs"]:
            share = 0.7
        if rng.random() >= share:
            continue
        client["appointments"]["family"] = 1
        client["family_availability"] = _family_time(rng)


def _family_time(rng: random.Random) -> list[dict[str, str]]:
    """Weekday evenings 17:00-20:00 and/or Saturday 09:00-12:00; some families have little time."""
    kind = weighted(
        rng, {"evenings": 45, "every_evening": 15, "saturday": 15, "both": 15, "few": 10}
    )
    evening = (17 * 60, 20 * 60)
    if kind == "few":
        return [
            rng.choice(
                [
                    interval("sun", 14 * 60, 16 * 60),  # the clinic is closed
                    interval(rng.choice(WEEKDAYS), 19 * 60, 20 * 60),
                    interval("sat", 12 * 60, 13 * 60),
                ]
            )
        ]
    days: list[str] = []
    if kind == "every_evening":
        days = list(WEEKDAYS)
    elif kind in ("evenings", "both"):
        picked = set(rng.sample(WEEKDAYS, rng.choice([1, 2, 3]) if kind == "evenings" else 1))
        days = [d for d in WEEKDAYS if d in picked]
    free = [interval(d, *evening) for d in days]
    if kind in ("saturday", "both"):
        free.append(interval("sat", 9 * 60, 12 * 60))
    return free


def _psychiatry(rng: random.Random, clients: list[dict[str, Any]]) -> int:
    """About 40 % ask for a medication visit, more in PHP and dual diagnosis; return how many."""
    asking = 0
    for client in clients:
        if client["level"] == "php":
            share = 0.7
        elif client["track"] == DD:
            share = 0.6
        else:
            share = 0.25 if client["population"] == "adolescent" else 0.3
        if rng.random() >= share:
            continue
        asking += 1
        client["appointments"]["psychiatry"] = 1
        minutes = weighted(rng, {"30": 50, "15": 40, "60": 10})
        if minutes != "30":
            client["appointment_minutes"]["psychiatry"] = int(minutes)
    return asking


HALF_DAYS = ((8 * 60, 12 * 60), (13 * 60, 17 * 60), (17 * 60, 21 * 60))


def _prescribers(
    rng: random.Random, asking: int, scale: float, sites: list[str]
) -> list[dict[str, Any]]:
    """Part-time prescribers, 2-4 half days each; in multi-site tiers about half site-bound."""
    count = max(1, round(-(-asking // PSYCHIATRY_PER_PRESCRIBER) * scale))
    options = [(d, half) for d in WEEKDAYS for half in HALF_DAYS]
    out = []
    numbers: dict[str, int] = {}
    for _ in range(count):
        prefix = f"{rng.choice(sites)}-" if len(sites) > 1 and rng.random() < 0.5 else ""
        numbers[prefix] = numbers.get(prefix, 0) + 1
        picked = rng.sample(options, rng.choice([2, 3, 3, 4, 4]))
        picked.sort(key=lambda o: (WEEKDAYS.index(o[0]), o[1]))
        out.append(
            {
                "id": f"{prefix}RX{numbers[prefix]:02d}",
                "specialties": ["prescriber"],
                "availability": [interval(d, *half) for d, half in picked],
                "max_caseload": 0,
                "max_groups": 0,
            }
        )
    return out


# --- files ------------------------------------------------------------------------------------


def suite_stem(tier: str, scenario: str, seed: int) -> str:
    """The file stem of a version-2 suite week: ``v2-{tier}-{scenario}-{seed}``."""
    return f"{PREFIX}{tier}-{scenario}-{seed}"


def _write(data: dict[str, Any], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")


def write_suite_v2(
    folder: Path,
    tiers: Sequence[str] = tuple(TIERS),
    scenarios: Sequence[str] = SCENARIOS,
    seeds: Sequence[int] = STANDARD_SEEDS,
    *,
    pins: bool | None = None,
) -> list[Path]:
    """Write ``v2-{tier}-{scenario}-{seed}.json`` for each combination; return the files."""
    written = []
    for tier in tiers:
        for scenario in scenarios:
            for seed in seeds:
                data = generate_v2(tier, scenario, seed, pins=pins)
                path = folder / f"{suite_stem(tier, scenario, seed)}.json"
                _write(data, path)
                written.append(path)
                print(
                    f"{path}: {len(data['clients'])} clients, {len(data['therapists'])} "
                    f"therapists, {len(data['groups'])} groups"
                )
    return written


def main(argv: Sequence[str] | None = None) -> int:
    """The command line; see the module docstring."""
    parser = argparse.ArgumentParser(description="Generate benchmark instances (format v2).")
    parser.add_argument("--tier", choices=list(TIERS), default="s")
    parser.add_argument("--scenario", choices=list(SCENARIOS), default="normal")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, help="instance file (default: standard output)")
    parser.add_argument("--suite", type=Path, metavar="DIR", help="write a suite here")
    parser.add_argument("--tiers", default=",".join(TIERS), help="suite tiers (default: all)")
    parser.add_argument("--scenarios", default=",".join(SCENARIOS), help="suite scenarios")
    parser.add_argument("--seeds", default=",".join(map(str, STANDARD_SEEDS)), help="suite seeds")
    parser.add_argument(
        "--pins",
        action=argparse.BooleanOptionalAction,
        default=None,
        help=f"pin a few clients from the greedy roster (default: {PINS_BY_DEFAULT})",
    )
    args = parser.parse_args(argv)
    if args.suite is not None:
        tiers = [t for t in args.tiers.split(",") if t]
        scenarios = [s for s in args.scenarios.split(",") if s]
        unknown = [t for t in tiers if t not in TIERS]
        unknown += [s for s in scenarios if s not in SCENARIOS]
        if unknown:
            parser.error(f"unknown tier or scenario: {', '.join(unknown)}")
        seeds = [int(s) for s in args.seeds.split(",") if s]
        write_suite_v2(args.suite, tiers, scenarios, seeds, pins=args.pins)
        return 0
    data = generate_v2(args.tier, args.scenario, args.seed, pins=args.pins)
    if args.out is None:
        json.dump(data, sys.stdout, indent=1)
        sys.stdout.write("\n")
    else:
        _write(data, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
