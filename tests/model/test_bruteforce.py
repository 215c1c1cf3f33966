"""The solver's optimum against a brute-force optimum on random tiny weeks.

A seeded generator draws valid weeks small enough to enumerate (at most six
clients, one to three groups and therapists, a 60- or 30-minute grid over a few
open hours on two or three days; weeks with more than ``LIMIT`` combinations of
client options are redrawn) and, for half of them, a previous roster that also
names clients, groups and therapists the week no longer has. The brute force
below enumerates every roster with its own, deliberately plain, reading of the
rules R1-R11 and the objective of version 1 (docs/format-v1.md), read from the
version-1 models of the generated document: each client unassigned or in one
group with one therapist and one set of session starts on distinct days, then
each running group's facilitator. Its only shortcut is to drop a branch whose
penalties so far already reach the best total found (every term is >= 0). It
shares no code with the solver; its best roster is also run through the
independent checker, so that three readings of the format (model, checker,
brute force) must agree.
"""

from __future__ import annotations

import itertools
import random
from dataclasses import dataclass, field
from typing import Any

import pytest
from helpers_solve import solve_and_check

from solver.checker import check
from solver.instance import Instance, parse_instance
from solver.instance_v1 import GroupV1, InstanceV1
from solver.roster import Roster, parse_roster

DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
LIMIT = 200_000
"""Most combinations of client options a generated week may have (else it is redrawn)."""

Span = tuple[int, int, int]  # (day index, start minute, end minute)
TERMS = (
    "unassigned",
    "shift_mismatch",
    "not_preferred_therapist",
    "extra_trip",
    "caseload_spread",
    "open_group",
    "group_change",
    "therapist_change",
    "session_moved",
    "facilitator_change",
)


def minute(text: str) -> int:
    h, m = text.split(":")
    return int(h) * 60 + int(m)


def clock(m: int) -> str:
    return f"{m // 60:02d}:{m % 60:02d}"


def to_span(doc: Any) -> Span:
    """An interval (model or dict) as a span."""
    if isinstance(doc, dict):
        return DAY_NAMES.index(doc["day"]), minute(doc["start"]), minute(doc["end"])
    return DAY_NAMES.index(doc.day), minute(doc.start), minute(doc.end)


def overlap(a: Span, b: Span) -> bool:
    return a[0] == b[0] and a[1] < b[2] and b[1] < a[2]


def within(s: Span, spans: list[Span]) -> bool:
    """``s`` inside the union of ``spans`` (touching spans join)."""
    blocks: list[list[int]] = []
    for _, lo, hi in sorted(x for x in spans if x[0] == s[0]):
        if blocks and lo <= blocks[-1][1]:
            blocks[-1][1] = max(blocks[-1][1], hi)
        else:
            blocks.append([lo, hi])
    return any(lo <= s[1] and s[2] <= hi for lo, hi in blocks)


# --- the generator ---


def iv(day: str, start: int, end: int) -> dict[str, str]:
    return {"day": day, "start": clock(start), "end": clock(end)}


def generate(rng: random.Random) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """A random valid tiny week and, sometimes, a previous roster for it."""
    days = ["mon", "tue", "wed"][: rng.choice([2, 3])]
    # Now and then a half-hour grid, with times off the hour.
    slot = rng.choice([60, 60, 60, 30])

    def hour(*choices: int) -> int:
        return rng.choice(choices) * 60 + (rng.choice([0, 30]) if slot == 30 else 0)

    open_hours = []
    for d in days:
        start = hour(8, 9, 10)
        if rng.random() < 0.25:  # two touching intervals
            open_hours += [iv(d, start, start + 60), iv(d, start + 60, start + 120)]
        else:
            open_hours.append(iv(d, start, start + rng.choice([60, 120, 180])))
    min_size = rng.choice([1, 1, 2])
    max_size = rng.choice([min_size, 2, 3]) if min_size == 1 else rng.choice([2, 3])
    program: dict[str, Any] = {
        "group_min_size": min_size,
        "group_max_size": max_size,
        "slot_minutes": slot,
        "individual_session_minutes": 60,
        "open_hours": open_hours,
        "min_weekly_hours": {"adult": rng.choice([0, 0, 1, 2, 2.5]), "adolescent": 1},
    }
    if rng.random() < 0.4:
        program["weights"] = {
            key: rng.choice([0, 1, 3, 7, 50]) for key in rng.sample(TERMS, rng.randint(1, 4))
        }
    n_groups = rng.randint(1, 3)
    groups: list[dict[str, Any]] = []
    for gi in range(n_groups):
        meetings: list[dict[str, str]] = []
        for d in rng.sample(days, rng.randint(1, min(2, len(days)))):
            start = hour(9, 10, 11)
            meetings.append(iv(d, start, start + rng.choice([60, 60, 120])))
        doc: dict[str, Any] = {
            "id": f"G{gi + 1}",
            "shift": rng.choice(["morning", "afternoon", "evening"]),
            "meetings": meetings,
            "population": "adolescent" if rng.random() < 0.08 else "adult",
            "tracks": rng.choice([["a"], ["a"], ["a", "b"], ["a", "b"], ["b"]]),
            "max_size": rng.randint(min_size, max_size),
        }
        if rng.random() < 0.1:
            doc["audience"] = "w"
        if rng.random() < 0.2:
            doc["facilitator_specialties"] = ["x"]
        if rng.random() < 0.4:
            doc["room"] = "R"
        groups.append(doc)
    n_therapists = rng.randint(1, 3)
    therapists: list[dict[str, Any]] = []
    for ti in range(n_therapists):
        availability = []
        full_time = rng.random() < 0.4
        for d in days:
            if full_time:
                availability.append(iv(d, 8 * 60, 14 * 60))
            elif rng.random() < 0.9:
                start = hour(8, 9, 9, 10)
                end = start + rng.choice([180, 240, 300])
                if rng.random() < 0.2:
                    availability += [iv(d, start, start + 60), iv(d, start + 60, end)]
                else:
                    availability.append(iv(d, start, end))
        therapists.append(
            {
                "id": f"T{ti + 1}",
                "specialties": [s for s in ("x", "n") if rng.random() < 0.5],
                "availability": availability,
                "max_caseload": rng.choice([0, 1, 2, 2, 3, 3, 6]),
                "max_groups": rng.choice([0, 1, 1, 2, 2]),
            }
        )
    tids = [t["id"] for t in therapists]
    n_clients = rng.randint(1, 6)
    cids = [f"C{i + 1}" for i in range(n_clients)]
    clients = []
    for cid in cids:
        doc = {
            "id": cid,
            "population": "adolescent" if rng.random() < 0.05 else "adult",
            "track": rng.choice(["a", "a", "a", "b"]),
            "individual_sessions": rng.choice([0, 1, 1, 1, 2]),
            "priority": rng.choice([1, 1, 2, 3]),
        }
        if rng.random() < 0.3:
            doc["audiences"] = ["w"]
        if rng.random() < 0.15:
            doc["needs"] = ["n"]
        if rng.random() < 0.25:
            d = rng.choice(days)
            start = hour(8, 9, 10, 11)
            doc["busy"] = [iv(d, start, start + rng.choice([30, 60, 120]))]
        if rng.random() < 0.5:
            doc["shift_preference"] = rng.choice(["morning", "afternoon", "evening"])
        if rng.random() < 0.1:
            doc["session_minutes"] = 120
        if rng.random() < 0.3:
            doc["preferred_therapists"] = rng.sample(tids, 1)
        if rng.random() < 0.1:
            doc["avoid_therapists"] = rng.sample(tids, 1)
        if rng.random() < 0.2:
            doc["keep_apart"] = rng.sample(cids, 1)
        # Pins are drawn among the groups and therapists the format lets the client have.
        joinable = [
            g["id"]
            for g in groups
            if g["population"] == doc["population"]
            and doc["track"] in g["tracks"]
            and g.get("audience") in (None, *doc.get("audiences", []))
        ]
        if joinable and rng.random() < 0.03:
            doc["pinned_group"] = rng.choice(joinable)
        allowed = [t for t in tids if t not in doc.get("avoid_therapists", [])]
        if allowed and rng.random() < 0.03:
            doc["pinned_therapist"] = rng.choice(allowed)
        clients.append(doc)
    instance = {
        "format_version": 1,
        "program": program,
        "groups": groups,
        "therapists": therapists,
        "clients": clients,
    }
    previous = None
    if rng.random() < 0.5:
        previous = _previous(rng, days, cids, [g["id"] for g in groups], tids)
    return instance, previous


def _previous(
    rng: random.Random, days: list[str], cids: list[str], gids: list[str], tids: list[str]
) -> dict[str, Any]:
    """A previous roster, by structure only, naming some ids the week no longer has."""
    placements: list[dict[str, Any]] = []
    for cid in [*cids, "C-GONE"]:
        if rng.random() < 0.6:
            sessions = []
            for d in rng.sample(days, rng.randint(0, 2)):
                start = rng.choice([8, 9, 10, 11]) * 60
                sessions.append(iv(d, start, start + 60))
            placements.append(
                {
                    "id": cid,
                    "group": rng.choice([*gids, "G-GONE"]),
                    "therapist": rng.choice([*tids, "T-GONE"]),
                    "sessions": sessions,
                }
            )
    members: dict[str, list[str]] = {}
    for p in placements:
        members.setdefault(p["group"], []).append(p["id"])
    return {
        "format_version": 1,
        "status": "optimal",
        "objective": 0,
        "best_bound": 0,
        "penalties": dict.fromkeys(TERMS, 0),
        "solve_seconds": 0,
        "groups": [
            {"id": g, "facilitator": rng.choice([*tids, "T-GONE"]), "clients": m}
            for g, m in members.items()
        ],
        "clients": placements,
        "unassigned": [],
        "explanation": [],
    }


# --- the brute force ---


class Week:
    """The brute force's view of a week: the version-1 models of its document, with lookups.

    The solver reads the same document as a version-2 instance; the brute force keeps
    version 1's plain keys (``individual_sessions``, ``session_minutes``,
    ``min_weekly_hours``), so that the two readings stay apart.
    """

    def __init__(self, doc: dict[str, Any]) -> None:
        v1 = InstanceV1.model_validate(doc)
        self.program = v1.program
        self.groups = [
            g
            if g.max_size is not None
            else g.model_copy(update={"max_size": v1.program.group_max_size})
            for g in v1.groups
        ]
        self.therapists = v1.therapists
        self.clients = v1.clients
        self._groups = {g.id: g for g in self.groups}
        self._therapists = {t.id: t for t in self.therapists}
        self._clients = {c.id: c for c in self.clients}

    def group(self, gid: str) -> GroupV1:
        return self._groups[gid]

    def therapist(self, tid: str) -> Any:
        return self._therapists[tid]

    def client(self, cid: str) -> Any:
        return self._clients[cid]

    def has_group(self, gid: str) -> bool:
        return gid in self._groups

    def has_therapist(self, tid: str) -> bool:
        return tid in self._therapists


@dataclass(frozen=True)
class Option:
    """One way to treat a client: unassigned (group None) or a full placement."""

    group: str | None
    therapist: str | None
    sessions: tuple[Span, ...]
    cost: int  # the client's own penalties under this option


@dataclass
class Best:
    objective: int | None = None
    choice: list[Option] = field(default_factory=list)
    facilitators: dict[str, str] = field(default_factory=dict)


def client_options(inst: Week, c: Any, previous: Roster | None) -> list[Option]:
    """Every option for client ``c`` that obeys the rules about the client alone."""
    p = inst.program
    w = p.weights
    before = None
    if previous is not None:
        before = next((x for x in previous.clients if x.id == c.id), None)
    length = c.session_minutes or p.individual_session_minutes
    open_spans = [to_span(i) for i in p.open_hours]
    busy = [to_span(i) for i in c.busy]
    need = float(getattr(p.min_weekly_hours, c.population)) * 60
    options = []
    if c.pinned_group is None and c.pinned_therapist is None:
        options.append(Option(None, None, (), w.unassigned * c.priority))
    for g in inst.groups:
        if c.pinned_group not in (None, g.id):
            continue
        if g.population != c.population or c.track not in g.tracks:
            continue
        if g.audience is not None and g.audience not in c.audiences:
            continue
        meetings = [to_span(m) for m in g.meetings]
        if any(overlap(m, b) for m in meetings for b in busy):
            continue
        group_minutes = sum(m[2] - m[1] for m in meetings)
        if group_minutes + c.individual_sessions * length < need:
            continue
        meeting_days = {m[0] for m in meetings}
        for t in inst.therapists:
            if c.pinned_therapist not in (None, t.id):
                continue
            if t.id in c.avoid_therapists or not set(c.needs) <= set(t.specialties):
                continue
            if t.max_caseload < 1:
                continue
            available = [to_span(a) for a in t.availability]
            starts = []
            for day in range(7):
                for s in range(0, 24 * 60 - length + 1, p.slot_minutes):
                    span = (day, s, s + length)
                    if (
                        within(span, open_spans)
                        and within(span, available)
                        and not any(overlap(span, b) for b in busy + meetings)
                    ):
                        starts.append(span)
            for combo in itertools.combinations(starts, c.individual_sessions):
                if len({s[0] for s in combo}) < len(combo):
                    continue
                cost = 0
                if c.shift_preference is not None and g.shift != c.shift_preference:
                    cost += w.shift_mismatch
                if c.preferred_therapists and t.id not in c.preferred_therapists:
                    cost += w.not_preferred_therapist
                cost += w.extra_trip * sum(1 for s in combo if s[0] not in meeting_days)
                if before is not None:
                    if inst.has_group(before.group) and before.group != g.id:
                        cost += w.group_change
                    if inst.has_therapist(before.therapist) and before.therapist != t.id:
                        cost += w.therapist_change
                    old = {(to_span(x)[0], to_span(x)[1]) for x in before.sessions}
                    cost += w.session_moved * sum(1 for s in combo if (s[0], s[1]) not in old)
                options.append(Option(g.id, t.id, combo, cost))
    return options


def best_facilitators(
    inst: Week,
    running: dict[str, list[str]],
    booked: dict[str, list[Span]],
    previous: Roster | None,
) -> tuple[int, dict[str, str]] | None:
    """The cheapest valid choice of facilitators (facilitator_change), or None."""
    w = inst.program.weights
    old = {} if previous is None else {g.id: g.facilitator for g in previous.groups}
    gids = list(running)
    candidates: list[list[str]] = []
    for gid in gids:
        g = inst.group(gid)
        meetings = [to_span(m) for m in g.meetings]
        avoided = {t for cid in running[gid] for t in inst.client(cid).avoid_therapists}
        ok = []
        for t in inst.therapists:
            available = [to_span(a) for a in t.availability]
            if (
                t.max_groups >= 1
                and set(g.facilitator_specialties) <= set(t.specialties)
                and all(within(m, available) for m in meetings)
                and t.id not in avoided
                and not any(overlap(m, b) for m in meetings for b in booked.get(t.id, []))
            ):
                ok.append(t.id)
        if not ok:
            return None
        candidates.append(ok)
    best: tuple[int, dict[str, str]] | None = None
    for pick in itertools.product(*candidates):
        counts: dict[str, int] = {}
        spans: dict[str, list[Span]] = {}
        valid = True
        cost = 0
        for gid, tid in zip(gids, pick, strict=True):
            counts[tid] = counts.get(tid, 0) + 1
            if counts[tid] > inst.therapist(tid).max_groups:
                valid = False
                break
            meetings = [to_span(m) for m in inst.group(gid).meetings]
            if any(overlap(m, x) for m in meetings for x in spans.get(tid, [])):
                valid = False
                break
            spans.setdefault(tid, []).extend(meetings)
            if gid in old and inst.has_therapist(old[gid]) and old[gid] != tid:
                cost += w.facilitator_change
        if valid and (best is None or cost < best[0]):
            best = (cost, dict(zip(gids, pick, strict=True)))
    return best


def brute_force(inst: Week, previous: Roster | None) -> Best:
    """The optimum over every roster (objective None when no roster honours the pins)."""
    w = inst.program.weights
    clients = inst.clients
    options = [sorted(client_options(inst, c, previous), key=lambda o: o.cost) for c in clients]
    # The least each remaining client can cost: every term is >= 0, so this bounds the rest.
    rest = [0] * (len(clients) + 1)
    for i in range(len(clients) - 1, -1, -1):
        rest[i] = rest[i + 1] + (options[i][0].cost if options[i] else 10**9)
    apart = {frozenset((c.id, o)) for c in clients for o in c.keep_apart if o != c.id}
    counted = [t for t in inst.therapists if t.max_caseload > 0]
    best = Best()
    members: dict[str, list[str]] = {}
    caseload: dict[str, int] = {}
    booked: dict[str, list[Span]] = {}
    choice: list[Option] = []

    def leaf(cost: int) -> None:
        running = {g: m for g, m in members.items() if m}
        if any(len(m) < inst.program.group_min_size for m in running.values()):
            return
        rooms = [inst.group(g) for g in running]
        for a, b in itertools.combinations(rooms, 2):
            if (
                a.room is not None
                and a.room == b.room
                and any(overlap(to_span(x), to_span(y)) for x in a.meetings for y in b.meetings)
            ):
                return
        found = best_facilitators(inst, running, booked, previous)
        if found is None:
            return
        loads = [caseload.get(t.id, 0) for t in counted]
        spread = max(loads) - min(loads) if loads else 0
        total = cost + found[0] + w.caseload_spread * spread + w.open_group * len(running)
        if best.objective is None or total < best.objective:
            best.objective = total
            best.choice = list(choice)
            best.facilitators = found[1]

    def dfs(i: int, cost: int) -> None:
        if best.objective is not None and cost + rest[i] >= best.objective:
            return
        if i == len(clients):
            leaf(cost)
            return
        c = clients[i]
        for o in options[i]:
            if o.group is None:
                choice.append(o)
                dfs(i + 1, cost + o.cost)
                choice.pop()
                continue
            assert o.therapist is not None
            m = members.setdefault(o.group, [])
            t = inst.therapist(o.therapist)
            if len(m) >= (inst.group(o.group).max_size or 0):
                continue
            if any(frozenset((c.id, other)) in apart for other in m):
                continue
            if caseload.get(t.id, 0) >= t.max_caseload:
                continue
            taken = booked.setdefault(t.id, [])
            if any(overlap(s, b) for s in o.sessions for b in taken):
                continue
            m.append(c.id)
            caseload[t.id] = caseload.get(t.id, 0) + 1
            taken.extend(o.sessions)
            choice.append(o)
            dfs(i + 1, cost + o.cost)
            choice.pop()
            del taken[len(taken) - len(o.sessions) :]
            caseload[t.id] -= 1
            m.pop()

    dfs(0, 0)
    return best


def combinations(inst: Week, previous: Roster | None) -> int:
    total = 1
    for c in inst.clients:
        total *= max(1, len(client_options(inst, c, previous)))
    return total


def as_roster(inst: Week, best: Best) -> Roster:
    """The brute force's best roster as a roster, for the checker (its numbers are zeros)."""
    placed = []
    members: dict[str, list[str]] = {}
    for c, o in zip(inst.clients, best.choice, strict=True):
        if o.group is None:
            continue
        placed.append(
            {
                "id": c.id,
                "group": o.group,
                "therapist": o.therapist,
                "sessions": [iv(DAY_NAMES[d], s, e) for d, s, e in o.sessions],
            }
        )
        members.setdefault(o.group, []).append(c.id)
    placed_ids = {p["id"] for p in placed}
    return parse_roster(
        {
            "format_version": 1,
            "status": "optimal",
            "objective": 0,
            "best_bound": 0,
            "penalties": dict.fromkeys(TERMS, 0),
            "solve_seconds": 0,
            "groups": [
                {"id": g, "facilitator": best.facilitators[g], "clients": m}
                for g, m in members.items()
            ],
            "clients": placed,
            "unassigned": [
                {"id": c.id, "reasons": ["left out"]}
                for c in inst.clients
                if c.id not in placed_ids
            ],
            "explanation": [],
        }
    )


def draw(seed: int) -> tuple[Instance, Week, Roster | None]:
    """The week of ``seed``, the first draw small enough to enumerate: the solver's
    instance, the brute force's view and the previous roster."""
    rng = random.Random(seed)
    while True:
        doc, prev = generate(rng)
        week = Week(doc)
        previous = parse_roster(prev) if prev is not None else None
        if combinations(week, previous) <= LIMIT:
            return parse_instance(doc), week, previous


@pytest.mark.parametrize("seed", range(50))
def test_solver_matches_brute_force(seed: int) -> None:
    inst, week, previous = draw(seed)
    best = brute_force(week, previous)
    roster = solve_and_check(inst, previous)
    if best.objective is None:
        assert roster.status == "infeasible", roster.objective
        return
    # The brute force's own roster must pass the independent checker with its objective.
    mine = as_roster(week, best)
    report = check(inst, mine, previous=previous)
    assert not [v for v in report.violations if v.rule != "objective"], report.lines()
    assert report.objective == best.objective
    assert roster.status == "optimal"
    assert roster.objective == best.objective, (roster.penalties, report.penalties)
