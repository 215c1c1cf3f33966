"""Scenario ``split``: weeks shaped like those from outside the project's generator (issue 15).

:func:`split_week` returns the unpinned format-v1 week of scenario ``split`` for a tier and seed;
:func:`benchmarks.generate.generate` dispatches to it and adds the pins (copied from the greedy
roster, so they are satisfiable). The tier sizes are those of ``normal``; every draw comes from
a ``random.Random`` seeded with a string, so the same arguments give the same dict anywhere.

What differs from ``normal`` (patterns read off ``shared/benchmarks/m-outside-1.json``):

- **Staff hours.** Day (07:30-17:30), late (11:00/12:00-21:00), four long days, split shifts
  (morning and evening, the afternoon off) and part-timers on three days (15:00-21:00, 08:00-13:00,
  12:00-18:00). About 30 % of the working days are written as two touching or overlapping
  blocks (``08:00-12:00`` + ``12:00-17:00``, ``11:00-19:00`` + ``18:00-21:00``), as rota tools do.
- **Open hours.** Monday to Friday only (no Saturday to absorb evening sessions); one to three
  weekdays are two blocks, touching, overlapping or with a lunch closure; some weeks Friday
  closes at 20:00.
- **Groups.** Meetings start on the half hour (08:30, 09:00, 09:30; 12:30, 13:00; 17:30, 18:00),
  a fourth pattern (Mon/Wed/Thu), adolescents' two-hour groups (16:00-18:00), about one room per
  two groups.
- **Clients.** More work that runs into the evening (08:00-17:00, 09:00-17:30, four ten-hour
  days, 14:00-22:00 swing shifts, 12:00-18:00 part-time), busy hours widened by a 15- or 30-minute
  travel margin, so many working adults fit only the 18:00 groups and have sessions only on
  their two free evenings; more second sessions and priorities 2-3.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from benchmarks.generate import (
    DD,
    MH,
    SU,
    TIERS,
    TRACK_SETS,
    WEEKDAYS,
    facilitator_specialties,
    interval,
    weighted,
)

__all__ = ["PATTERNS", "SCENARIO", "split_week"]

SCENARIO = "split"
"""The scenario's name in :data:`benchmarks.generate.SCENARIOS`."""

PATTERNS: dict[str, tuple[str, ...]] = {
    "MWF": ("mon", "wed", "fri"),
    "TWT": ("tue", "wed", "thu"),
    "MTT": ("mon", "tue", "thu"),
    "MWTh": ("mon", "wed", "thu"),
}
"""Meeting days of a group series; every two of them share a day."""

Span = tuple[int, int]


def _h(hours: float) -> int:
    return round(hours * 60)


# --- groups -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Times:
    """A group series' daily hours."""

    shift: str
    start: int
    end: int
    population: str

    def clashes(self, other: _Times) -> bool:
        """Every two patterns share a day, so overlapping hours always clash."""
        return self.start < other.end and other.start < self.end


ADULT_TIMES: dict[str, tuple[tuple[int, int], ...]] = {
    "morning": ((_h(8.5), _h(11.5)), (_h(9), _h(12)), (_h(9), _h(12)), (_h(9.5), _h(12.5))),
    "afternoon": ((_h(12.5), _h(15.5)), (_h(13), _h(16))),
    "evening": ((_h(17.5), _h(20.5)), (_h(18), _h(21)), (_h(18), _h(21))),
}
TEEN_TIMES: tuple[tuple[str, int, int], ...] = (
    ("afternoon", _h(16), _h(18)),
    ("afternoon", _h(15.75), _h(18.75)),
    ("afternoon", _h(15.5), _h(18.5)),
    ("evening", _h(18), _h(21)),
)
ADULT_SHIFT_SHARE = {"morning": 0.42, "afternoon": 0.12, "evening": 0.46}


@dataclass
class _Series:
    site: int
    times: _Times
    pattern: str
    tracks: tuple[str, ...]
    audience: str | None = None
    max_size: int | None = None
    id: str = ""
    room: str | None = None

    @property
    def specialties(self) -> list[str]:
        return facilitator_specialties(self.tracks, self.times.population, self.audience)

    def to_dict(self, site_tags: bool) -> dict[str, Any]:
        short = {SU: "SU", MH: "MH", DD: "DD"}
        who = "Adolescent" if self.times.population == "adolescent" else "Adult"
        audience = f" {self.audience}" if self.audience else ""
        name = f"{who} {'/'.join(short[t] for t in self.tracks)}{audience} {self.times.shift}"
        data: dict[str, Any] = {
            "id": self.id,
            "name": f"{name} {self.pattern}",
            "shift": self.times.shift,
            "meetings": [
                interval(d, self.times.start, self.times.end) for d in PATTERNS[self.pattern]
            ],
            "population": self.times.population,
            "tracks": list(self.tracks),
        }
        if self.audience is not None:
            data["audience"] = self.audience
        data["facilitator_specialties"] = self.specialties + (
            [f"site_S{self.site}"] if site_tags else []
        )
        if self.max_size is not None:
            data["max_size"] = self.max_size
        data["room"] = self.room
        return data


def _shares(total: int, weights: Sequence[float]) -> list[int]:
    """``total`` shared out by ``weights``, rounding the largest remainders up."""
    exact = [total * w / sum(weights) for w in weights]
    counts = [int(x) for x in exact]
    order = sorted(range(len(exact)), key=lambda i: counts[i] - exact[i])
    for i in order[: total - sum(counts)]:
        counts[i] += 1
    return counts


def _site_series(rng: random.Random, site: int, count: int) -> list[_Series]:
    """A site's candidate groups: about 12 % adolescent, the adults by shift."""
    teen = max(1, round(count * 0.12))
    out: list[_Series] = []
    for i in range(teen):
        shift, start, end = TEEN_TIMES[0] if i == 0 else rng.choice(TEEN_TIMES)
        tracks = TRACK_SETS["all" if i == 0 else rng.choice(["all", "all", "su_dd", "mh_dd"])]
        times = _Times(shift, start, end, "adolescent")
        out.append(_Series(site, times, rng.choice(list(PATTERNS)), tracks))
    shifts = list(ADULT_SHIFT_SHARE)
    for shift, n in zip(
        shifts, _shares(count - teen, list(ADULT_SHIFT_SHARE.values())), strict=True
    ):
        for i in range(n):
            start, end = rng.choice(ADULT_TIMES[shift])
            # Each shift offers substance use and mental health first, both open to dual diagnosis.
            kind = (
                ("su_dd", "mh_dd")[i]
                if i < 2
                else weighted(rng, {"su": 25, "su_dd": 25, "mh": 15, "mh_dd": 20, "dd": 15})
            )
            series = _Series(site, _Times(shift, start, end, "adult"), "", TRACK_SETS[kind])
            series.pattern = rng.choice(list(PATTERNS))
            draw = rng.random()
            if i >= 2 and draw < 0.12:
                series.audience = "women"
            elif i >= 2 and draw < 0.18 and kind != "mh":
                series.audience = "veterans"
            if rng.random() < 0.15:
                series.max_size = 6
            out.append(series)
    out.sort(key=lambda s: (s.times.start, s.times.population, s.pattern))
    _rooms(rng, site, out)
    return out


def _rooms(rng: random.Random, site: int, series: list[_Series]) -> None:
    """Number the groups and give them rooms, about one room per two groups."""
    rooms: list[list[_Series]] = [[] for _ in range(max(2, -(-len(series) // 2)))]

    def clashes(a: _Series, b: _Series) -> bool:
        return a.times.clashes(b.times) and bool(
            set(PATTERNS[a.pattern]) & set(PATTERNS[b.pattern])
        )

    for j, group in enumerate(series):
        group.id = f"S{site}-G{j + 1:02d}"
        if group.times.shift == "evening" and rng.random() < 0.1:
            continue  # telehealth: no room
        best = min(
            range(len(rooms)),
            key=lambda r: (sum(clashes(group, other) for other in rooms[r]), len(rooms[r]), r),
        )
        rooms[best].append(group)
        group.room = f"S{site}-R{best + 1}"


# --- therapists -------------------------------------------------------------------------------

FULL_SHAPES: tuple[tuple[Span, ...], ...] = (
    ((_h(8), _h(17)),),
    ((_h(7.5), _h(16)),),
    ((_h(9), _h(17.5)),),
    ((_h(8), _h(17)),),
    ((_h(12), _h(21)),),
    ((_h(12), _h(21)),),
    ((_h(11), _h(21)),),
    ((_h(8), _h(12.5)), (_h(17), _h(21))),
    ((_h(7.5), _h(13)), (_h(16.5), _h(21))),
)
"""Full-time days, as the union of their hours."""
PART_SHAPES: tuple[tuple[Span, ...], ...] = (
    ((_h(15), _h(21)),),
    ((_h(15), _h(21)),),
    ((_h(8), _h(13)),),
    ((_h(12), _h(18)),),
    ((_h(8), _h(12.5)), (_h(17.5), _h(21))),
)
"""Part-time days (three a week), as the union of their hours."""
TWO_BLOCK_SHARE = 0.3
"""Share of the working days a rota writes as two touching or overlapping blocks."""


@dataclass
class _Staffer:
    site: int
    part_time: bool
    id: str = ""
    planned: list[_Series] = field(default_factory=list)
    covers: list[_Series] = field(default_factory=list)

    @property
    def capacity(self) -> int:
        return 1 if self.part_time else 2

    @property
    def times(self) -> list[_Times]:
        return [s.times for s in self.planned + self.covers]

    def free_for(self, times: _Times) -> bool:
        return not any(t.clashes(times) for t in self.times)


def _plan(rng: random.Random, staff: list[_Staffer], series: list[_Series]) -> None:
    """A planned facilitator for every group, within capacity and never double booked.

    Evening groups are planned first (the scarce hours); a group nobody free can take is covered
    by the least busy therapist free at its hours, outside capacity, so it still has a qualified,
    available facilitator.
    """
    order = sorted(series, key=lambda s: (s.times.shift != "evening", rng.random()))
    for group in order:
        options = [t for t in staff if len(t.planned) < t.capacity and t.free_for(group.times)]
        if options:
            # Fill a therapist's day before opening a new one: fewer idle hours between groups.
            best = min(options, key=lambda t: (not t.planned, rng.random()))
            best.planned.append(group)
            continue
        free = [t for t in staff if t.free_for(group.times)] or staff
        min(free, key=lambda t: (len(t.times), t.part_time, rng.random())).covers.append(group)


def _covers(spans: Sequence[Span], times: Sequence[_Times]) -> bool:
    return all(any(lo <= t.start and t.end <= hi for lo, hi in spans) for t in times)


def _day_spans(rng: random.Random, staffer: _Staffer) -> list[Span]:
    """The union of a therapist's daily hours: a catalogue shape that holds every group."""
    shapes = PART_SHAPES if staffer.part_time else FULL_SHAPES
    fitting = [list(s) for s in shapes if _covers(s, staffer.times)]
    if fitting:
        return rng.choice(fitting)
    # No shape fits (a covered group): an hour either side of each group, joined where they meet.
    spans: list[Span] = []
    for lo, hi in sorted(
        (max(_h(7), t.start - 60), min(_h(21), t.end + 60)) for t in staffer.times
    ):
        if spans and lo <= spans[-1][1]:
            spans[-1] = (spans[-1][0], max(spans[-1][1], hi))
        else:
            spans.append((lo, hi))
    return spans


def _written(rng: random.Random, spans: list[Span]) -> list[Span]:
    """One day's hours as a rota writes them: long spans sometimes in two blocks.

    The two blocks touch (``08:00-12:00`` + ``12:00-17:00``) or overlap by an hour
    (``11:00-19:00`` + ``18:00-21:00``); their union is the day's hours either way.
    """
    out: list[Span] = []
    for lo, hi in spans:
        if hi - lo < _h(5) or rng.random() >= TWO_BLOCK_SHARE:
            out.append((lo, hi))
            continue
        cut = rng.randrange(-(-(lo + 120) // 60) * 60, hi - 119, 60)
        overlap = 60 if rng.random() < 0.35 else 0
        out += [(lo, cut), (cut - overlap, hi)]
    return out


def _work_days(rng: random.Random, staffer: _Staffer) -> list[str]:
    """Part-timers: their groups' days (three if none); some full-timers: four long days."""
    needed = {d for s in staffer.planned + staffer.covers for d in PATTERNS[s.pattern]}
    if staffer.part_time:
        days = needed or set(rng.sample(WEEKDAYS, 3))
        if len(days) < 3:
            days.add(rng.choice([d for d in WEEKDAYS if d not in days]))
        return [d for d in WEEKDAYS if d in days]
    spare = [d for d in WEEKDAYS if d not in needed]
    if spare and rng.random() < 0.15:
        off = rng.choice(spare)
        return [d for d in WEEKDAYS if d != off]
    return list(WEEKDAYS)


def _site_staff(rng: random.Random, site: int, count: int, series: list[_Series]) -> list[_Staffer]:
    part_time = round(count * 0.25)
    flags = [True] * part_time + [False] * (count - part_time)
    rng.shuffle(flags)
    staff = [_Staffer(site, flag) for flag in flags]
    _plan(rng, staff, series)
    for j, staffer in enumerate(staff):
        staffer.id = f"S{site}-T{j + 1:02d}"
    return staff


def _therapist(rng: random.Random, staffer: _Staffer, site_tags: bool) -> dict[str, Any]:
    spans = _day_spans(rng, staffer)
    availability = [
        interval(day, lo, hi) for day in _work_days(rng, staffer) for lo, hi in _written(rng, spans)
    ]
    specialties = {s for g in staffer.planned + staffer.covers for s in g.specialties}
    specialties.add(weighted(rng, {"lpc": 40, "lcsw": 35, "lmft": 20, "psychologist": 5}))
    for area, share in (
        ("lcdc", 0.45),
        ("co_occurring", 0.35),
        ("trauma", 0.35),
        ("family", 0.2),
        ("adolescents", 0.1),
        ("veterans", 0.05),
    ):
        if rng.random() < share:
            specialties.add(area)
    if site_tags:
        specialties.add(f"site_S{staffer.site}")
    groups = staffer.capacity + (1 if not staffer.part_time and rng.random() < 0.05 else 0)
    return {
        "id": staffer.id,
        "specialties": sorted(specialties),
        "availability": availability,
        "max_caseload": rng.randint(6, 10) if staffer.part_time else rng.randint(10, 15),
        "max_groups": groups,
    }


# --- clients ----------------------------------------------------------------------------------

ADULT_WORK: dict[str, float] = {
    "none": 24,
    "day": 18,
    "early": 14,
    "swing": 7,
    "part_afternoon": 7,
    "part_morning": 6,
    "rotating": 5,
    "childcare": 5,
    "four_tens": 5,
    "night": 4,
    "student": 5,
}
"""Share of the adults by kind of working week."""


def _adult_work(rng: random.Random, kind: str) -> list[tuple[str, int, int]]:
    """The busy hours of one kind of working week, before any travel margin."""
    if kind == "day":
        lo, hi = rng.choice([(8, 17), (8, 17), (8.5, 17), (9, 17.5), (8, 16.5)])
        return [(d, _h(lo), _h(hi)) for d in WEEKDAYS]
    if kind == "early":
        lo, hi = rng.choice([(7, 15.5), (8, 15.5), (7.5, 14.75), (8.25, 15.25)])
        return [(d, _h(lo), _h(hi)) for d in WEEKDAYS]
    if kind == "swing":
        off = rng.choice(WEEKDAYS)
        return [(d, _h(14), _h(22)) for d in WEEKDAYS if d != off]
    if kind in ("part_afternoon", "part_morning"):
        lo, hi = (12, 18) if kind == "part_afternoon" else (9, 14)
        picked = sorted(rng.sample(range(5), 3))
        return [(WEEKDAYS[d], _h(lo), _h(hi)) for d in picked]
    if kind == "rotating":
        return [
            (d, _h(10), _h(13)) if d in ("mon", "wed", "fri") else (d, _h(13), _h(16))
            for d in WEEKDAYS
        ]
    if kind == "childcare":
        return [(d, _h(15), _h(16.5)) for d in WEEKDAYS]
    if kind == "four_tens":
        long_days = rng.choice([WEEKDAYS[:4], WEEKDAYS[1:]])
        return [(d, _h(7), _h(17.5)) for d in long_days]
    if kind == "night":
        # 22:00-07:00, Sunday to Thursday nights.
        busy = [(d, 0, _h(7)) for d in WEEKDAYS]
        return busy + [(d, _h(22), _h(24)) for d in ("sun", "mon", "tue", "wed", "thu")]
    if kind == "student":
        return [(d, _h(9), _h(12)) for d in ("mon", "wed", "fri")] + [
            (d, _h(10), _h(13.5)) for d in ("tue", "thu")
        ]
    return []


def _with_travel(
    rng: random.Random, busy: list[tuple[str, int, int]]
) -> list[tuple[str, int, int]]:
    """About half the workers add a 15- or 30-minute journey either side of each shift."""
    if not busy or rng.random() >= 0.5:
        return busy
    margin = rng.choice([15, 30, 30])
    # Hours that run from or to midnight belong to a night shift: no journey at that end.
    return [
        (d, lo - margin if lo > 0 else lo, hi + margin if hi < _h(24) else hi) for d, lo, hi in busy
    ]


def _teen_busy(rng: random.Random) -> list[tuple[str, int, int]]:
    lo, hi = rng.choice([(8, 15), (7.75, 14.75), (8, 15.25), (8, 15)])
    busy = [(d, _h(lo), _h(hi)) for d in WEEKDAYS]
    if rng.random() < 0.12:
        busy += [(d, _h(15.5), _h(17.5)) for d in rng.sample(["tue", "thu"], 2)]
    if rng.random() < 0.15:
        busy.append(("sat", _h(10), _h(16)))
    return busy


@dataclass
class _Roster:
    """What client generation reads of the staff and the groups."""

    ids: list[str]
    specialties: list[frozenset[str]]
    groups: list[_Series]

    def qualified(self, needs: set[str]) -> list[int]:
        return [i for i, s in enumerate(self.specialties) if needs <= s]

    def free_shifts(self, population: str, busy: list[tuple[str, int, int]]) -> list[str]:
        """Shifts (in day order) with a group of the population clear of the busy hours."""
        free = set()
        for group in self.groups:
            if group.times.population != population:
                continue
            days = PATTERNS[group.pattern]
            if not any(
                d in days and lo < group.times.end and group.times.start < hi for d, lo, hi in busy
            ):
                free.add(group.times.shift)
        return [s for s in ("morning", "afternoon", "evening") if s in free]


def _needs(rng: random.Random, population: str, track: str, woman: bool) -> set[str]:
    needs: set[str] = set()
    if population == "adolescent":
        draws = (("adolescents", 0.85), ("family", 0.3), ("trauma", 0.1))
    else:
        draws = (
            ("trauma", 0.3 if woman else 0.12),
            ("co_occurring", 0.5 if track == DD else 0.03),
            ("family", 0.06),
        )
    for need, share in draws:
        if rng.random() < share:
            needs.add(need)
    return needs


def _client(rng: random.Random, cid: str, population: str, roster: _Roster) -> dict[str, Any]:
    audiences: list[str] = []
    woman = False
    if population == "adolescent":
        track = weighted(rng, {SU: 40, MH: 35, DD: 25})
        busy = _with_travel(rng, _teen_busy(rng)) if rng.random() < 0.3 else _teen_busy(rng)
    else:
        track = weighted(rng, {SU: 44, MH: 34, DD: 22})
        busy = _with_travel(rng, _adult_work(rng, weighted(rng, ADULT_WORK)))
        woman = rng.random() < 0.45
        if woman:
            audiences.append("women")
        if rng.random() < 0.05:
            audiences.append("veterans")
    if rng.random() < 0.08:
        # A standing appointment: court, probation, a medical visit.
        start = rng.randrange(_h(8), _h(17), 30)
        busy.append((rng.choice(WEEKDAYS), start, start + rng.choice([60, 90, 120])))
    needs = _needs(rng, population, track, woman)
    # Needs no therapist holds together would leave the client out by design: drop the rarest.
    while needs and not roster.qualified(needs):
        needs.discard(min(needs, key=lambda n: (len(roster.qualified({n})), n)))
    data: dict[str, Any] = {
        "id": cid,
        "population": population,
        "track": track,
        "audiences": audiences,
        "needs": sorted(needs),
        "busy": [interval(d, lo, hi) for d, lo, hi in busy],
    }
    if rng.random() < 0.6:
        free = roster.free_shifts(population, busy) or ["morning", "afternoon", "evening"]
        # Working clients mostly name the latest shift their hours allow.
        data["shift_preference"] = free[-1] if busy and rng.random() < 0.7 else rng.choice(free)
    _extras(rng, data, roster)
    return data


def _extras(rng: random.Random, data: dict[str, Any], roster: _Roster) -> None:
    """Sessions, session length, preferred and avoided therapists, priority."""
    sessions = weighted(rng, {"1": 82, "2": 13, "0": 5})
    if sessions != "1":
        data["individual_sessions"] = int(sessions)
    minutes = weighted(rng, {"default": 84, "45": 8, "90": 4, "30": 4})
    if minutes != "default":
        data["session_minutes"] = int(minutes)
    qualified = roster.qualified(set(data["needs"]))
    if qualified and rng.random() < 0.12:
        picks = rng.sample(qualified, min(len(qualified), rng.choice([1, 1, 2])))
        data["preferred_therapists"] = [roster.ids[i] for i in sorted(picks)]
    if rng.random() < 0.035:
        preferred = set(data.get("preferred_therapists", []))
        options = [i for i, t in enumerate(roster.ids) if t not in preferred]
        if len(qualified) < 2:  # never avoid the only therapist who could take the client
            options = [i for i in options if i not in qualified]
        if options:
            data["avoid_therapists"] = [roster.ids[rng.choice(options)]]
    priority = weighted(rng, {"1": 89, "2": 8, "3": 3})
    if priority != "1":
        data["priority"] = int(priority)


def _keep_apart(rng: random.Random, clients: list[dict[str, Any]], pairs: int) -> None:
    """Pairs who must not share a group, mostly of the same population and track."""
    unused = list(range(len(clients)))
    for _ in range(pairs):
        if len(unused) < 2:
            return
        a = unused.pop(rng.randrange(len(unused)))
        alike = [
            i
            for i in unused
            if clients[i]["population"] == clients[a]["population"]
            and clients[i]["track"] == clients[a]["track"]
        ]
        b = rng.choice(alike or unused)
        unused.remove(b)
        clients[a].setdefault("keep_apart", []).append(clients[b]["id"])


# --- the week ---------------------------------------------------------------------------------


def _open_hours(rng: random.Random) -> list[dict[str, str]]:
    """Monday to Friday 08:00-21:00, one to three days written as two blocks."""
    two_blocks = set(rng.sample(WEEKDAYS, rng.choice([1, 2, 2, 3])))
    friday_close = _h(20) if rng.random() < 0.4 else _h(21)
    hours = []
    for day in WEEKDAYS:
        close = friday_close if day == "fri" else _h(21)
        if day not in two_blocks:
            hours.append(interval(day, _h(8), close))
            continue
        lo_end, hi_start = rng.choice([(13, 13), (12, 12), (14, 12), (12, 13)])
        hours += [interval(day, _h(8), _h(lo_end)), interval(day, _h(hi_start), close)]
    return hours


def _split_counts(total: int, parts: int) -> list[int]:
    return [total // parts + (1 if i < total % parts else 0) for i in range(parts)]


def split_week(tier: str, seed: int) -> dict[str, Any]:
    """The unpinned format-v1 week of scenario ``split`` for ``tier`` and ``seed``.

    Same sizes as scenario ``normal``; deterministic. Raises ValueError for an unknown tier.
    """
    if tier not in TIERS:
        raise ValueError(f"unknown tier {tier!r}; choose from {', '.join(TIERS)}")
    spec = TIERS[tier]
    staff_rng = random.Random(f"iop-bench/{tier}/{SCENARIO}/{seed}/staff")
    client_rng = random.Random(f"iop-bench/{tier}/{SCENARIO}/{seed}/clients")
    site_tags = spec.sites > 1
    series: list[_Series] = []
    staff: list[_Staffer] = []
    counts = zip(
        _split_counts(spec.groups, spec.sites),
        _split_counts(spec.therapists, spec.sites),
        strict=True,
    )
    for site, (n_groups, n_staff) in enumerate(counts, start=1):
        site_series = _site_series(staff_rng, site, n_groups)
        series += site_series
        staff += _site_staff(staff_rng, site, n_staff, site_series)
    therapists = [_therapist(staff_rng, t, site_tags) for t in staff]
    program = {
        "name": f"benchmark {tier}-{SCENARIO}-{seed}",
        "group_max_size": 8,
        "group_min_size": 3,
        "slot_minutes": 15,
        "individual_session_minutes": 60,
        "open_hours": _open_hours(staff_rng),
        "min_weekly_hours": {"adult": 9, "adolescent": 6},
    }
    roster = _Roster(
        [t["id"] for t in therapists], [frozenset(t["specialties"]) for t in therapists], series
    )
    teens = round(spec.clients * 0.1)
    populations = ["adolescent"] * teens + ["adult"] * (spec.clients - teens)
    client_rng.shuffle(populations)
    width = max(4, len(str(spec.clients)))
    clients = [
        _client(client_rng, f"C{i + 1:0{width}d}", population, roster)
        for i, population in enumerate(populations)
    ]
    _keep_apart(client_rng, clients, max(1, round(spec.clients * 0.015)))
    return {
        "format_version": 1,
        "program": program,
        "groups": [s.to_dict(site_tags) for s in series],
        "therapists": therapists,
        "clients": clients,
    }
