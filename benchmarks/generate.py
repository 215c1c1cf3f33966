"""Seeded, realistic IOP weeks for the benchmarks (format version 1).

``generate(tier, scenario, seed)`` returns an instance as a plain dict, ready for
``json.dump`` and valid for :func:`solver.instance.parse_instance`; the same arguments give the
same dict on any machine (every draw comes from a ``random.Random`` seeded with a string).
``perturb(instance, change, seed)`` makes the week after: a discharge, an intake, a therapist's
day off or a client's new work shift, for the rerun benchmarks.

What a week looks like (see ``DOMAIN.md``):

- **Sites.** A tier has one or more sites. A site is its rooms (``S2-R3``) and its staff
  (``S2-T07``), who facilitate only that site's groups: every group of a multi-site tier asks
  for the specialty ``site_S2``, which only that site's therapists (and a few floating ones)
  hold. Format 1 has no notion of a client's site, so clients may join any site's group.
- **Groups.** Three 3-hour meetings (Mon/Wed/Fri, Tue/Wed/Thu or Mon/Tue/Thu), mornings
  09:00-12:00, afternoons 13:00-16:00, evenings 18:00-21:00; adolescents after school
  (15:30-18:30) or in the evening. Tracks substance use, mental health, dual diagnosis, some
  groups for women or veterans. Substance-use groups need an ``lcdc`` facilitator,
  dual-diagnosis ones ``co_occurring``, adolescent ones ``adolescents``.
- **Staff.** Full-time day or late shifts (some with a lunch break or a split shift), part-timers
  on three days, caseloads of 10-15, at most two groups. Every candidate group has at least one
  qualified, available facilitator, and the staff can run nearly all groups at once.
- **Clients.** Day, early, night, part-time and weekend workers, students, parents with
  childcare, adolescents in school; needs (trauma, co_occurring, adolescents, family) that
  some therapist holds; shift preferences (~40 %), preferred (~10 %) and avoided (~3 %)
  therapists, keep-apart pairs (~2 % of clients), a few priorities 2-3 and a few pins.
- **Scenarios.** ``normal``: most clients can be placed. ``overload``: the same clients with
  55 % of the staff and groups, so some must stay unassigned. ``evening``: two thirds work
  weekday days, so evening groups and evening therapist hours are the bottleneck.
- **Pins** are satisfiable by construction: they copy placements from the greedy baseline's
  roster of the unpinned week, which obeys every rule.

Command line::

    python benchmarks/generate.py --tier m --scenario normal --seed 1 --out m.json
    python benchmarks/generate.py --tier s --seed 1 --change discharge --out s-discharge.json
    python benchmarks/generate.py --suite DIR [--tiers s,m,l,xl] [--seeds 1,2,3]
"""

from __future__ import annotations

import argparse
import copy
import json
import random
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: make `benchmarks` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from solver.instance import parse_instance  # noqa: E402
from solver.search.greedy import run_greedy  # noqa: E402

__all__ = [
    "CHANGES",
    "SCENARIOS",
    "STANDARD_SEEDS",
    "TIERS",
    "Tier",
    "add_pins",
    "generate",
    "interval",
    "perturb",
    "unpinned_week",
    "weighted",
    "write_suite",
]


@dataclass(frozen=True)
class Tier:
    """The size of a tier's week (scenario ``normal``)."""

    sites: int
    clients: int
    therapists: int
    groups: int
    pins: int


TIERS: dict[str, Tier] = {
    "s": Tier(sites=1, clients=40, therapists=6, groups=9, pins=2),
    "m": Tier(sites=2, clients=200, therapists=25, groups=40, pins=4),
    "l": Tier(sites=5, clients=1000, therapists=100, groups=180, pins=10),
    "xl": Tier(sites=12, clients=3000, therapists=300, groups=500, pins=25),
}
SCENARIOS: tuple[str, ...] = ("normal", "overload", "evening", "split")
CHANGES: tuple[str, ...] = ("discharge", "intake", "therapist_off", "shift_change")
STANDARD_SEEDS: tuple[int, ...] = (1, 2, 3)
OVERLOAD_STAFF = 0.55
"""Share of the staff and candidate groups kept in the overload scenario."""

WEEKDAYS: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri")
PATTERNS: dict[str, tuple[str, ...]] = {
    "MWF": ("mon", "wed", "fri"),
    "TWT": ("tue", "wed", "thu"),
    "MTT": ("mon", "tue", "thu"),
}
SU, MH, DD = "substance_use", "mental_health", "dual_diagnosis"
TRACK_SETS: dict[str, tuple[str, ...]] = {
    "su": (SU,),
    "mh": (MH,),
    "dd": (DD,),
    "su_dd": (SU, DD),
    "mh_dd": (MH, DD),
    "all": (SU, MH, DD),
}
LICENSES = ("lpc", "lcsw", "lmft", "psychologist")
OPEN_HOURS = [(d, 8 * 60, 21 * 60) for d in WEEKDAYS] + [("sat", 9 * 60, 13 * 60)]


def _hm(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


def interval(day: str, start: int, end: int) -> dict[str, str]:
    """An interval of the format from minutes after midnight."""
    return {"day": day, "start": _hm(start), "end": _hm(end)}


def weighted(rng: random.Random, weights: dict[str, float]) -> str:
    """One key of ``weights``, drawn with its weight."""
    keys = list(weights)
    return rng.choices(keys, weights=[weights[k] for k in keys])[0]


def facilitator_specialties(
    tracks: tuple[str, ...], population: str, audience: str | None
) -> list[str]:
    """The specialties a group's facilitator needs: ``lcdc`` for substance use (and a
    dual-diagnosis-only group), ``co_occurring`` for dual diagnosis without substance use,
    ``adolescents``, ``trauma`` for women's groups, ``veterans``."""
    needed = []
    if SU in tracks or tracks == (DD,):
        needed.append("lcdc")
    if DD in tracks and SU not in tracks:
        needed.append("co_occurring")
    if population == "adolescent":
        needed.append("adolescents")
    if audience == "women":
        needed.append("trauma")
    elif audience == "veterans":
        needed.append("veterans")
    return needed


def _split(total: int, parts: int) -> list[int]:
    """``total`` in ``parts`` near-equal integers, the larger ones first."""
    return [total // parts + (1 if i < total % parts else 0) for i in range(parts)]


def _apportion(total: int, weights: Sequence[float]) -> list[int]:
    """Largest-remainder rounding of ``total`` by ``weights``."""
    raw = [total * w / sum(weights) for w in weights]
    counts = [int(r) for r in raw]
    by_remainder = sorted(range(len(raw)), key=lambda i: raw[i] - counts[i], reverse=True)
    for i in by_remainder[: total - sum(counts)]:
        counts[i] += 1
    return counts


# --- groups ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Block:
    """The daily hours of a group series."""

    shift: str
    start: int
    end: int
    population: str

    def overlaps(self, other: Block) -> bool:
        """Every two patterns share a day, so blocks that overlap in time always clash."""
        return self.start < other.end and other.start < self.end


MORNING = Block("morning", 9 * 60, 12 * 60, "adult")
AFTERNOON = Block("afternoon", 13 * 60, 16 * 60, "adult")
EVENING = Block("evening", 18 * 60, 21 * 60, "adult")
TEEN_AFTERNOON = Block("afternoon", 15 * 60 + 30, 18 * 60 + 30, "adolescent")
TEEN_EVENING = Block("evening", 18 * 60, 21 * 60, "adolescent")
ADULT_BLOCKS = (MORNING, AFTERNOON, EVENING)
ADULT_SHIFT_SHARE = (0.35, 0.20, 0.45)


@dataclass
class _Group:
    site: int
    block: Block
    pattern: str
    tracks: tuple[str, ...]
    audience: str | None
    max_size: int | None
    id: str = ""
    room: str | None = None

    @property
    def specialties(self) -> list[str]:
        return facilitator_specialties(self.tracks, self.block.population, self.audience)

    def name(self) -> str:
        short = {SU: "SU", MH: "MH", DD: "DD"}
        who = "Adolescent" if self.block.population == "adolescent" else "Adult"
        audience = f" {self.audience}" if self.audience else ""
        tracks = "/".join(short[t] for t in self.tracks)
        return f"{who} {tracks}{audience} {self.block.shift} {self.pattern}"

    def to_dict(self, site_tags: bool) -> dict[str, Any]:
        specialties = self.specialties + ([f"site_S{self.site}"] if site_tags else [])
        data: dict[str, Any] = {
            "id": self.id,
            "name": self.name(),
            "shift": self.block.shift,
            "meetings": [
                interval(d, self.block.start, self.block.end) for d in PATTERNS[self.pattern]
            ],
            "population": self.block.population,
            "tracks": list(self.tracks),
        }
        if self.audience is not None:
            data["audience"] = self.audience
        data["facilitator_specialties"] = specialties
        if self.max_size is not None:
            data["max_size"] = self.max_size
        data["room"] = self.room
        return data


def _site_groups(rng: random.Random, site: int, count: int) -> list[_Group]:
    teen = max(1, round(count * 0.12))
    groups: list[_Group] = []
    for i in range(teen):
        block = TEEN_AFTERNOON if i == 0 or rng.random() < 0.7 else TEEN_EVENING
        # The first adolescent group takes every track: a site's teens are few.
        tracks = TRACK_SETS["all" if i == 0 else rng.choice(["all", "su_dd", "mh_dd"])]
        groups.append(_Group(site, block, rng.choice(list(PATTERNS)), tracks, None, None))
    for block, n in zip(ADULT_BLOCKS, _apportion(count - teen, ADULT_SHIFT_SHARE), strict=True):
        for i in range(n):
            # Each shift first offers a substance-use and a mental-health group that also take
            # dual diagnosis, so every track has a group at every time of day.
            if i < 2:
                kind = ("su_dd", "mh_dd")[i]
            else:
                kind = weighted(rng, {"su": 30, "su_dd": 15, "mh": 25, "mh_dd": 10, "dd": 20})
            audience = None
            if i >= 2:
                draw = rng.random()
                if draw < 0.12:
                    audience = "women"
                elif draw < 0.18 and kind != "mh":
                    audience = "veterans"
            max_size = 6 if rng.random() < 0.1 else None
            groups.append(
                _Group(
                    site, block, rng.choice(list(PATTERNS)), TRACK_SETS[kind], audience, max_size
                )
            )
    groups.sort(key=lambda g: (g.block.start, g.block.population, g.pattern))
    _assign_rooms(rng, site, groups)
    return groups


def _clash(a: _Group, b: _Group) -> bool:
    return a.block.overlaps(b.block) and bool(set(PATTERNS[a.pattern]) & set(PATTERNS[b.pattern]))


def _assign_rooms(rng: random.Random, site: int, groups: list[_Group]) -> None:
    """About one room per three candidate groups: some candidates compete for a room.

    Each group takes the room where it clashes with the fewest groups already there (then the
    emptiest room), so rooms bind only where the site truly has more groups than rooms.
    """
    rooms: list[list[_Group]] = [[] for _ in range(max(2, -(-len(groups) // 3)))]
    for j, group in enumerate(groups):
        group.id = f"S{site}-G{j + 1:02d}"
        if group.block is EVENING and rng.random() < 0.05:
            continue  # a telehealth group: no room
        best = min(
            range(len(rooms)),
            key=lambda r: (sum(_clash(group, other) for other in rooms[r]), len(rooms[r]), r),
        )
        rooms[best].append(group)
        group.room = f"S{site}-R{best + 1}"


# --- therapists -----------------------------------------------------------------------------


@dataclass
class _Therapist:
    site: int
    part_time: bool
    id: str = ""
    planned: list[_Group] = field(default_factory=list)
    covers: list[_Group] = field(default_factory=list)
    availability: list[dict[str, str]] = field(default_factory=list)
    specialties: set[str] = field(default_factory=set)

    @property
    def capacity(self) -> int:
        return 1 if self.part_time else 2

    @property
    def blocks(self) -> list[Block]:
        return [g.block for g in self.planned + self.covers]


_NICE_PAIRS = {(MORNING, AFTERNOON), (AFTERNOON, EVENING), (MORNING, TEEN_AFTERNOON)}


def _plan_facilitators(
    rng: random.Random, therapists: list[_Therapist], groups: list[_Group]
) -> None:
    """Give every group a planned facilitator, no one over capacity or double booked.

    With the plan, all candidate groups could run at once; the solver is free to choose others.
    A group nobody can take is covered by a therapist without counting against capacity, so it
    still has a qualified, available facilitator.
    """
    hardest_first = sorted(groups, key=lambda g: (g.block.shift != "evening", rng.random()))
    for group in hardest_first:
        best: tuple[int, float] | None = None
        chosen: _Therapist | None = None
        for t in therapists:
            if len(t.planned) >= t.capacity or any(b.overlaps(group.block) for b in t.blocks):
                continue
            if not t.planned:
                score = 1
            else:
                pair = tuple(sorted([t.planned[0].block, group.block], key=lambda b: b.start))
                score = 0 if pair in _NICE_PAIRS else 3
            key = (score, rng.random())
            if best is None or key < best:
                best, chosen = key, t
        if chosen is not None:
            chosen.planned.append(group)
            continue
        free = [t for t in therapists if not any(b.overlaps(group.block) for b in t.blocks)]
        pool = free or therapists
        min(pool, key=lambda t: (len(t.blocks), t.part_time, rng.random())).covers.append(group)


def _windows(rng: random.Random, blocks: list[Block], part_time: bool) -> list[tuple[int, int]]:
    """Daily working hours that hold every block."""
    if not blocks:
        if part_time:
            return [rng.choice([(8 * 60, 14 * 60), (9 * 60, 15 * 60), (15 * 60, 21 * 60)])]
        start = rng.choice([7 * 60, 8 * 60, 8 * 60, 9 * 60, 12 * 60, 12 * 60])
        return [(start, start + 9 * 60)]
    lo = min(b.start for b in blocks)
    hi = max(b.end for b in blocks)
    if part_time:
        return [(max(7 * 60, lo - 60), min(21 * 60, hi + 60))]
    for length in (9 * 60, 10 * 60):
        starts = [
            s for s in range(7 * 60, 21 * 60 - length + 1, 30) if s <= lo and s + length >= hi
        ]
        if starts:
            hourly = [s for s in starts if s % 60 == 0] or starts
            start = rng.choice(hourly)
            return [(start, start + length)]
    # Morning and evening groups: a split shift with the afternoon off.
    spans = sorted((max(7 * 60, b.start - 60), min(21 * 60, b.end + 60)) for b in blocks)
    merged: list[tuple[int, int]] = []
    for s, e in spans:
        if merged and s <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], e))
        else:
            merged.append((s, e))
    return merged


def _with_breaks(
    rng: random.Random, windows: list[tuple[int, int]], blocks: list[Block]
) -> list[tuple[int, int]]:
    """Some therapists take a lunch or dinner hour; some record a day as two touching halves."""

    def clear(start: int, end: int) -> bool:
        return not any(b.start < end and start < b.end for b in blocks)

    out: list[tuple[int, int]] = []
    for s, e in windows:
        long_day = e - s >= 8 * 60
        if long_day and s <= 10 * 60 and e >= 14 * 60 and clear(720, 780) and rng.random() < 0.3:
            out += [(s, 720), (780, e)]
        elif (
            long_day and s <= 15 * 60 and e >= 19 * 60 and clear(1020, 1080) and rng.random() < 0.1
        ):
            out += [(s, 1020), (1080, e)]
        elif long_day and rng.random() < 0.1:
            cut = rng.randrange(s + 120, e - 119, 60)
            out += [(s, cut), (cut, e)]
        else:
            out.append((s, e))
    return out


def _site_therapists(
    rng: random.Random, site: int, count: int, groups: list[_Group]
) -> list[_Therapist]:
    part_time = round(count * 0.25)
    flags = [True] * part_time + [False] * (count - part_time)
    rng.shuffle(flags)
    therapists = [_Therapist(site, pt) for pt in flags]
    _plan_facilitators(rng, therapists, groups)
    for j, t in enumerate(therapists):
        t.id = f"S{site}-T{j + 1:02d}"
        if t.part_time:
            days = {d for g in t.planned + t.covers for d in PATTERNS[g.pattern]}
            if not days:
                days = set(rng.sample(WEEKDAYS, 3))
            if rng.random() < 0.3:
                days.add(rng.choice(WEEKDAYS))
            week = [d for d in WEEKDAYS if d in days]
        else:
            week = list(WEEKDAYS)
        windows = _with_breaks(rng, _windows(rng, t.blocks, t.part_time), t.blocks)
        t.availability = [interval(d, s, e) for d in week for s, e in windows]
        if not t.part_time and rng.random() < 0.08:
            t.availability.append(interval("sat", 9 * 60, 13 * 60))
        t.specialties = {s for g in t.planned + t.covers for s in g.specialties}
        t.specialties.add(weighted(rng, {"lpc": 40, "lcsw": 35, "lmft": 20, "psychologist": 5}))
        for area, share in (
            ("lcdc", 0.4),
            ("co_occurring", 0.3),
            ("trauma", 0.35),
            ("family", 0.2),
            ("adolescents", 0.08),
            ("veterans", 0.04),
        ):
            if rng.random() < share:
                t.specialties.add(area)
    return therapists


def _therapist_dict(t: _Therapist, rng: random.Random) -> dict[str, Any]:
    caseload = rng.randint(10, 11) if t.part_time else rng.randint(11, 15)
    return {
        "id": t.id,
        "specialties": sorted(t.specialties),
        "availability": t.availability,
        "max_caseload": caseload,
        "max_groups": t.capacity,
    }


# --- clients --------------------------------------------------------------------------------

ADULT_WORK: dict[str, dict[str, float]] = {
    # share of adults by kind of week, per scenario
    "normal": {
        "none": 30,
        "day": 18,
        "day_early": 7,
        "early": 5,
        "night": 6,
        "part_time": 10,
        "weekend": 5,
        "student": 7,
        "childcare": 7,
        "four_tens": 5,
    },
    "evening": {
        "none": 5,
        "day": 50,
        "day_early": 17,
        "early": 3,
        "night": 3,
        "part_time": 5,
        "weekend": 2,
        "student": 3,
        "childcare": 4,
        "four_tens": 8,
    },
}
ADULT_WORK["overload"] = ADULT_WORK["normal"]


def _adult_busy(rng: random.Random, kind: str) -> list[tuple[str, int, int]]:
    busy: list[tuple[str, int, int]] = []
    if kind == "day":
        start, end = rng.choice([(480, 1020), (510, 1020), (540, 1050), (480, 990)])
        busy = [(d, start, end) for d in WEEKDAYS]
    elif kind == "day_early":
        busy = [(d, 420, 930) for d in WEEKDAYS]
    elif kind == "early":
        busy = [(d, 300, 780) for d in WEEKDAYS]
    elif kind == "four_tens":
        days = rng.choice([WEEKDAYS[:4], WEEKDAYS[1:]])
        busy = [(d, 420, 1050) for d in days]
    elif kind == "night":
        # Works 22:00-06:00 Sunday to Thursday nights and sleeps until 13:00.
        busy = [(d, 0, 780) for d in WEEKDAYS]
        busy += [(d, 1320, 1440) for d in ("sun", "mon", "tue", "wed", "thu")]
    elif kind == "part_time":
        picked = sorted(rng.sample(range(5), rng.choice([3, 4])))
        start, end = rng.choice([(540, 840), (960, 1260), (660, 1020)])
        busy = [(WEEKDAYS[d], start, end) for d in picked]
    elif kind == "weekend":
        busy = [(d, 600, 1320) for d in ("fri", "sat", "sun")]
    elif kind == "student":
        busy = [(d, 540, 720) for d in ("mon", "wed", "fri")]
        busy += [(d, 600, 810) for d in ("tue", "thu")]
    elif kind == "childcare":
        busy = [(d, 870, 1050) for d in WEEKDAYS]
        if rng.random() < 0.5:
            busy += [(d, 1170, 1260) for d in WEEKDAYS]
    if rng.random() < 0.1:
        # A standing appointment: court, probation, a medical visit.
        start = rng.randrange(480, 1020, 60)
        busy.append((rng.choice(WEEKDAYS), start, start + rng.choice([60, 120])))
    return busy


def _teen_busy(rng: random.Random) -> list[tuple[str, int, int]]:
    end = rng.choice([900, 900, 885])
    busy = [(d, 480, end) for d in WEEKDAYS]
    if rng.random() < 0.12:
        busy += [(d, 930, 1050) for d in rng.sample(WEEKDAYS, 2)]
    if rng.random() < 0.15:
        busy.append(("sat", 600, 960))
    return busy


def _free_shifts(population: str, busy: list[tuple[str, int, int]]) -> list[str]:
    """Shifts with some pattern clear of the client's busy hours."""
    blocks = (TEEN_AFTERNOON, TEEN_EVENING) if population == "adolescent" else ADULT_BLOCKS
    free = []
    for block in blocks:
        for days in PATTERNS.values():
            if not any(
                d == day and s < block.end and block.start < e for day in days for d, s, e in busy
            ):
                free.append(block.shift)
                break
    return free


@dataclass
class _Staff:
    """What client generation needs to know about the therapists."""

    ids: list[str]
    specialties: list[frozenset[str]]
    sites: list[str]

    @classmethod
    def of(cls, therapists: list[dict[str, Any]]) -> _Staff:
        return cls(
            [t["id"] for t in therapists],
            [frozenset(t.get("specialties", [])) for t in therapists],
            [t["id"].split("-")[0] for t in therapists],
        )

    def qualified(self, needs: set[str]) -> list[int]:
        return [i for i, s in enumerate(self.specialties) if needs <= s]


def _client(
    rng: random.Random, cid: str, population: str, scenario: str, staff: _Staff
) -> dict[str, Any]:
    needs: set[str] = set()
    audiences: list[str] = []
    if population == "adolescent":
        track = weighted(rng, {SU: 40, MH: 35, DD: 25})
        busy = _teen_busy(rng)
        if rng.random() < 0.9:
            needs.add("adolescents")
        if rng.random() < 0.4:
            needs.add("family")
        if rng.random() < 0.1:
            needs.add("trauma")
        sessions = weighted(rng, {"1": 80, "2": 15, "0": 5})
    else:
        track = weighted(rng, {SU: 45, MH: 30, DD: 25})
        busy = _adult_busy(rng, weighted(rng, ADULT_WORK[scenario]))
        woman = rng.random() < 0.45
        if woman:
            audiences.append("women")
        if rng.random() < 0.08:
            audiences.append("veterans")
        if rng.random() < (0.3 if woman else 0.15):
            needs.add("trauma")
        if rng.random() < (0.7 if track == DD else 0.05):
            needs.add("co_occurring")
        if rng.random() < 0.08:
            needs.add("family")
        sessions = weighted(rng, {"1": 85, "2": 10, "0": 5})
    # Needs that no therapist holds together would make the client unplaceable by design.
    rarity = {n: len(staff.qualified({n})) for n in needs}
    while needs and not staff.qualified(needs):
        needs.discard(min(needs, key=lambda n: (rarity[n], n)))

    data: dict[str, Any] = {
        "id": cid,
        "population": population,
        "track": track,
        "audiences": audiences,
        "needs": sorted(needs),
        "busy": [interval(d, s, e) for d, s, e in busy],
    }
    if rng.random() < 0.4:
        free = _free_shifts(population, busy)
        if population == "adolescent":
            liked = ["afternoon"] * 3 + ["evening"]
            data["shift_preference"] = rng.choice([s for s in liked if s in free] or liked)
        elif not busy:
            data["shift_preference"] = weighted(
                rng, {"morning": 50, "afternoon": 25, "evening": 25}
            )
        elif free and rng.random() < 0.85:
            # Most state a shift their hours allow; working clients mostly the latest one.
            data["shift_preference"] = free[-1] if rng.random() < 0.7 else rng.choice(free)
        else:
            data["shift_preference"] = rng.choice(["morning", "afternoon", "evening"])
    if sessions != "1":
        data["individual_sessions"] = int(sessions)
    minutes = weighted(rng, {"default": 80, "45": 15, "90": 5})
    if minutes != "default":
        data["session_minutes"] = int(minutes)
    qualified = staff.qualified(needs)
    if rng.random() < 0.1:
        home = rng.choice(staff.sites)
        local = [i for i in qualified if staff.sites[i] == home] or qualified
        picks = rng.sample(local, min(len(local), rng.choice([1, 1, 1, 2])))
        data["preferred_therapists"] = [staff.ids[i] for i in sorted(picks)]
    if rng.random() < 0.03:
        preferred = set(data.get("preferred_therapists", []))
        options = [i for i in range(len(staff.ids)) if staff.ids[i] not in preferred]
        # Never avoid the only therapist who could take the client.
        if len(qualified) < 2:
            options = [i for i in options if i not in qualified]
        if options:
            data["avoid_therapists"] = [staff.ids[rng.choice(options)]]
    priority = weighted(rng, {"1": 93, "2": 5, "3": 2})
    if priority != "1":
        data["priority"] = int(priority)
    return data


def _keep_apart(rng: random.Random, clients: list[dict[str, Any]], pairs: int) -> None:
    """Family members, co-workers, known conflicts: mostly people who could share a group."""
    used: set[int] = set()
    for _ in range(pairs):
        free = [i for i in range(len(clients)) if i not in used]
        if len(free) < 2:
            return
        a = rng.choice(free)
        same = [
            i
            for i in free
            if i != a
            and clients[i]["population"] == clients[a]["population"]
            and (clients[i]["track"] == clients[a]["track"] or rng.random() < 0.2)
        ]
        b = rng.choice(same or [i for i in free if i != a])
        used.update((a, b))
        clients[a].setdefault("keep_apart", []).append(clients[b]["id"])
        if rng.random() < 0.4:
            clients[b].setdefault("keep_apart", []).append(clients[a]["id"])


def _program(name: str) -> dict[str, Any]:
    return {
        "name": name,
        "group_max_size": 8,
        "group_min_size": 3,
        "slot_minutes": 15,
        "individual_session_minutes": 60,
        "open_hours": [interval(d, s, e) for d, s, e in OPEN_HOURS],
        "min_weekly_hours": {"adult": 9, "adolescent": 6},
    }


# --- the week -------------------------------------------------------------------------------


def generate(tier: str, scenario: str, seed: int) -> dict[str, Any]:
    """A format-v1 instance dict for ``tier`` (s, m, l, xl), ``scenario`` and ``seed``.

    Deterministic: the same arguments give an identical dict. Raises ValueError for an unknown
    tier or scenario.
    """
    data = unpinned_week(tier, scenario, seed)
    add_pins(random.Random(f"iop-bench/{tier}/{scenario}/{seed}/pins"), data, TIERS[tier].pins)
    return data


def unpinned_week(tier: str, scenario: str, seed: int) -> dict[str, Any]:
    """:func:`generate`'s week before its pins (format v1); ``generate_v2`` builds on it."""
    if tier not in TIERS:
        raise ValueError(f"unknown tier {tier!r}; choose from {', '.join(TIERS)}")
    if scenario not in SCENARIOS:
        raise ValueError(f"unknown scenario {scenario!r}; choose from {', '.join(SCENARIOS)}")
    if scenario == "split":  # outside-like staff patterns: benchmarks/generate_patterns.py
        from benchmarks.generate_patterns import split_week

        return split_week(tier, seed)
    spec = TIERS[tier]
    # Separate streams: the staff of "normal" and "evening" are the same for a seed.
    staff_rng = random.Random(f"iop-bench/{tier}/{seed}/staff")
    client_rng = random.Random(f"iop-bench/{tier}/{scenario}/{seed}/clients")
    scale = OVERLOAD_STAFF if scenario == "overload" else 1.0
    n_groups = max(spec.sites * 3, round(spec.groups * scale))
    n_therapists = max(spec.sites * 2, round(spec.therapists * scale))
    site_tags = spec.sites > 1

    groups: list[_Group] = []
    therapists: list[_Therapist] = []
    for site, (g_count, t_count) in enumerate(
        zip(_split(n_groups, spec.sites), _split(n_therapists, spec.sites), strict=True), start=1
    ):
        site_groups = _site_groups(staff_rng, site, g_count)
        groups += site_groups
        therapists += _site_therapists(staff_rng, site, t_count, site_groups)
    therapist_dicts = [_therapist_dict(t, staff_rng) for t in therapists]
    if site_tags:
        for t in therapist_dicts:
            t["specialties"] = sorted({*t["specialties"], "site_" + t["id"].split("-")[0]})
        # A few floating therapists also cover another site.
        for t in therapist_dicts:
            if staff_rng.random() < 0.04:
                other = staff_rng.randrange(1, spec.sites + 1)
                t["specialties"] = sorted({*t["specialties"], f"site_S{other}"})

    staff = _Staff.of(therapist_dicts)
    teens = round(spec.clients * 0.1)
    populations = ["adolescent"] * teens + ["adult"] * (spec.clients - teens)
    client_rng.shuffle(populations)
    width = max(4, len(str(spec.clients)))
    clients = [
        _client(client_rng, f"C{i + 1:0{width}d}", population, scenario, staff)
        for i, population in enumerate(populations)
    ]
    _keep_apart(client_rng, clients, max(1, round(spec.clients * 0.02)))

    data: dict[str, Any] = {
        "format_version": 1,
        "program": _program(f"benchmark {tier}-{scenario}-{seed}"),
        "groups": [g.to_dict(site_tags) for g in groups],
        "therapists": therapist_dicts,
        "clients": clients,
    }
    return data


def add_pins(rng: random.Random, data: dict[str, Any], count: int) -> None:
    """Pin a few clients to what the greedy roster gave them, which proves the pins satisfiable."""
    roster = run_greedy(parse_instance(data)).roster
    placed = sorted(roster.clients, key=lambda p: p.id)
    by_id = {c["id"]: c for c in data["clients"]}
    for placement in rng.sample(placed, min(count, len(placed))):
        client = by_id[placement.id]
        kind = weighted(rng, {"group": 50, "therapist": 25, "both": 25})
        if kind in ("group", "both"):
            client["pinned_group"] = placement.group
        if kind in ("therapist", "both"):
            client["pinned_therapist"] = placement.therapist


# --- the week after -------------------------------------------------------------------------


def _pinned(client: dict[str, Any]) -> bool:
    return client.get("pinned_group") is not None or client.get("pinned_therapist") is not None


def _few(data: dict[str, Any]) -> int:
    return max(2, round(len(data["clients"]) * 0.02))


def _discharge(rng: random.Random, data: dict[str, Any]) -> None:
    clients = data["clients"]
    gone = {c["id"] for c in rng.sample(clients, min(_few(data), len(clients)))}
    data["clients"] = [c for c in clients if c["id"] not in gone]
    for client in data["clients"]:
        if "keep_apart" in client:
            client["keep_apart"] = [other for other in client["keep_apart"] if other not in gone]


def _intake(rng: random.Random, data: dict[str, Any]) -> None:
    staff = _Staff.of(data["therapists"])
    ids = {c["id"] for c in data["clients"]}
    width = max(4, len(str(len(ids) + 100)))
    number = len(ids)
    for _ in range(_few(data)):
        number += 1
        while f"C{number:0{width}d}" in ids:
            number += 1
        cid = f"C{number:0{width}d}"
        ids.add(cid)
        population = "adolescent" if rng.random() < 0.1 else "adult"
        client = _client(rng, cid, population, "normal", staff)
        if rng.random() < 0.3:
            # Stepping down from residential care: to be placed this week.
            client["priority"] = 2
        data["clients"].append(client)


def _therapist_off(rng: random.Random, data: dict[str, Any]) -> None:
    def days(t: dict[str, Any]) -> list[str]:
        return sorted({iv["day"] for iv in t["availability"]})

    options = [t for t in data["therapists"] if len(days(t)) >= 2]
    if not options:
        return
    therapist = rng.choice(options)
    day = rng.choice(days(therapist))
    therapist["availability"] = [iv for iv in therapist["availability"] if iv["day"] != day]


def _shift_change(rng: random.Random, data: dict[str, Any]) -> None:
    options = [c for c in data["clients"] if c["population"] == "adult" and not _pinned(c)]
    if not options:
        return
    client = rng.choice(options)
    before = client.get("busy", [])
    for _ in range(20):
        kind = weighted(rng, ADULT_WORK["normal"])
        busy = [interval(d, s, e) for d, s, e in _adult_busy(rng, kind)]
        if busy != before:
            client["busy"] = busy
            return


_PERTURBATIONS: dict[str, Callable[[random.Random, dict[str, Any]], None]] = {
    "discharge": _discharge,
    "intake": _intake,
    "therapist_off": _therapist_off,
    "shift_change": _shift_change,
}


def _unhonoured_pins(data: dict[str, Any]) -> tuple[str, ...]:
    if not any(_pinned(c) for c in data["clients"]):
        return ()
    return run_greedy(parse_instance(data)).failed_pins


def perturb(instance: dict[str, Any], change: str, seed: int) -> dict[str, Any]:
    """The week after ``instance``: a copy with one kind of change (``CHANGES``).

    ``discharge`` removes a few clients (about 2 %, at least 2) and every keep-apart reference to
    them; ``intake`` adds as many new clients; ``therapist_off`` takes a day of availability from
    one therapist; ``shift_change`` gives one adult client new busy hours. The pins stay
    satisfiable: a change after which the greedy baseline cannot honour them is drawn again (after
    20 draws the pins it cannot honour are released). ``instance`` itself is left unchanged.
    """
    if change not in _PERTURBATIONS:
        raise ValueError(f"unknown change {change!r}; choose from {', '.join(CHANGES)}")
    rng = random.Random(f"iop-bench/perturb/{change}/{seed}")
    name = instance.get("program", {}).get("name")
    for _ in range(20):
        data = copy.deepcopy(instance)
        _PERTURBATIONS[change](rng, data)
        failed = _unhonoured_pins(data)
        if not failed:
            break
    while failed:
        for client in data["clients"]:
            if client["id"] in failed:
                client["pinned_group"] = client["pinned_therapist"] = None
        failed = _unhonoured_pins(data)
    if name is not None:
        data["program"]["name"] = f"{name} + {change} {seed}"
    return data


# --- files ----------------------------------------------------------------------------------


def _write(data: dict[str, Any], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")


def suite_names(
    tiers: Sequence[str],
    scenarios: Sequence[str] = SCENARIOS,
    seeds: Sequence[int] = STANDARD_SEEDS,
) -> list[tuple[str, str, str, int]]:
    """``(file stem, tier, scenario, seed)`` of the standard suite's base instances."""
    return [
        (f"{tier}-{scenario}-{seed}", tier, scenario, seed)
        for tier in tiers
        for scenario in scenarios
        for seed in seeds
    ]


def write_suite(
    folder: Path,
    tiers: Sequence[str] = tuple(TIERS),
    scenarios: Sequence[str] = SCENARIOS,
    seeds: Sequence[int] = STANDARD_SEEDS,
) -> list[Path]:
    """Write the standard suite into ``folder`` and return the files.

    Each (tier, scenario, seed) gives ``{tier}-{scenario}-{seed}.json``; the first seed of the
    normal scenario also gives the week after, ``{tier}-normal-{seed}-{change}.json``, for each
    change.
    """
    written = []
    for stem, tier, scenario, seed in suite_names(tiers, scenarios, seeds):
        started = time.perf_counter()
        data = generate(tier, scenario, seed)
        path = folder / f"{stem}.json"
        _write(data, path)
        written.append(path)
        _report(path, data, time.perf_counter() - started)
        if scenario == "normal" and seed == seeds[0]:
            for change in CHANGES:
                started = time.perf_counter()
                after = perturb(data, change, seed)
                path = folder / f"{stem}-{change}.json"
                _write(after, path)
                written.append(path)
                _report(path, after, time.perf_counter() - started)
    return written


def _report(path: Path, data: dict[str, Any], seconds: float) -> None:
    print(
        f"{path}: {len(data['clients'])} clients, {len(data['therapists'])} therapists, "
        f"{len(data['groups'])} groups ({seconds:.1f} s)"
    )


def main(argv: Sequence[str] | None = None) -> int:
    """The command line; see the module docstring."""
    parser = argparse.ArgumentParser(description="Generate benchmark instances (format v1).")
    parser.add_argument("--tier", choices=list(TIERS), default="s")
    parser.add_argument("--scenario", choices=list(SCENARIOS), default="normal")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--change", choices=list(CHANGES), help="write the week after instead")
    parser.add_argument("--out", type=Path, help="instance file (default: standard output)")
    parser.add_argument("--suite", type=Path, metavar="DIR", help="write the standard suite here")
    parser.add_argument("--tiers", default=",".join(TIERS), help="suite tiers (default: all)")
    parser.add_argument("--scenarios", default=",".join(SCENARIOS), help="suite scenarios")
    parser.add_argument("--seeds", default=",".join(map(str, STANDARD_SEEDS)), help="suite seeds")
    args = parser.parse_args(argv)
    if args.suite is not None:
        tiers = [t for t in args.tiers.split(",") if t]
        scenarios = [s for s in args.scenarios.split(",") if s]
        unknown = [t for t in tiers if t not in TIERS] + [
            s for s in scenarios if s not in SCENARIOS
        ]
        if unknown:
            parser.error(f"unknown tier or scenario: {', '.join(unknown)}")
        seeds = [int(s) for s in args.seeds.split(",") if s]
        write_suite(args.suite, tiers, scenarios, seeds)
        return 0
    data = generate(args.tier, args.scenario, args.seed)
    if args.change is not None:
        data = perturb(data, args.change, args.seed)
    if args.out is None:
        json.dump(data, sys.stdout, indent=1)
        sys.stdout.write("\n")
    else:
        _write(data, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
