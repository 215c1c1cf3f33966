"""A brute-force optimum for tiny format-version-2 weeks, by its own plain reading of FORMAT.md.

It reads the instance document (a dict) itself, filling in the format's defaults, and
enumerates every roster: each client unassigned, or in one group with one primary
therapist and, for each appointment kind, a provider (the primary therapist for a
``primary`` kind; one eligible therapist for a ``specialist`` kind) and a set of starts on
distinct days (the requested number for a required kind, that many or fewer for a wanted
one); then each running group's facilitator. Its only shortcut is to drop a branch whose
penalties so far already reach the best total found (every term is >= 0).

It shares no code with the solver nor with the checker: times, overlaps, "inside the
union" (in ``brute_v2_week``), the rules R1-R12 and the twelve penalty terms are all
written out here.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any

from brute_v2_week import TERMS, Booking, Span, Week, iv, overlap, shared, to_span, within

# --- one client's options ---


@dataclass(frozen=True)
class Option:
    """One way to treat a client: unassigned (group None) or a full placement."""

    group: str | None
    therapist: str | None
    bookings: tuple[Booking, ...]
    missed: tuple[tuple[str, int], ...]  # (wanted kind, how many not scheduled)
    cost: int  # the client's own penalties under this option


def _before(previous: dict[str, Any] | None, cid: str) -> dict[str, Any] | None:
    """The client's first entry in the previous roster."""
    if previous is None:
        return None
    return next((p for p in previous["clients"] if p["id"] == cid), None)


def _starts(
    week: Week, c: dict[str, Any], kind: dict[str, Any], provider: dict[str, Any]
) -> list[Span]:
    """Spans one appointment of ``kind`` with ``provider`` may take, whatever the group."""
    length = c["length"][kind["id"]]
    open_spans = [to_span(i) for i in week.program["open_hours"]]
    available = [to_span(i) for i in provider["availability"]]
    family = [to_span(i) for i in c["family_availability"]]
    busy = [to_span(i) for i in c["busy"]]
    out = []
    for day in range(7):
        for s in range(0, 24 * 60 - length + 1, week.program["slot_minutes"]):
            span = (day, s, s + length)
            if (
                within(span, open_spans)
                and within(span, available)
                and (not kind["with_family"] or within(span, family))
                and not any(overlap(span, b) for b in busy)
            ):
                out.append(span)
    return out


def _kind_choices(
    week: Week,
    c: dict[str, Any],
    kind: dict[str, Any],
    primary: dict[str, Any],
    meetings: list[Span] | None,
) -> list[tuple[tuple[Booking, ...], int]]:
    """Every (bookings, missed) of one kind; ``meetings`` None for a pull-out group."""
    n = c["requested"][kind["id"]]
    counts = [n] if kind["required"] else list(range(n, -1, -1))
    if kind["provider"] == "primary":
        providers = [primary]
    else:
        providers = [
            t
            for t in week.therapists
            if set(kind["provider_specialties"]) <= set(t["specialties"])
            and t["id"] not in c["avoid_therapists"]
        ]
    out: list[tuple[tuple[Booking, ...], int]] = []
    if 0 in counts:
        out.append(((), n))
    for t in providers:
        starts = [
            s
            for s in _starts(week, c, kind, t)
            if meetings is None or not any(overlap(s, m) for m in meetings)
        ]
        for k in counts:
            if k == 0:
                continue
            for combo in itertools.combinations(starts, k):
                if len({s[0] for s in combo}) == k:
                    out.append((tuple((kind["id"], t["id"], s) for s in combo), n - k))
    return out


def _eligible_groups(week: Week, c: dict[str, Any]) -> list[dict[str, Any]]:
    """Groups the client may join by R1 (but the facilitator), R2 (busy) and R11."""
    busy = [to_span(i) for i in c["busy"]]
    out = []
    for g in week.groups:
        if c["pinned_group"] not in (None, g["id"]):
            continue
        if g["population"] != c["population"] or c["level"] not in g["levels"]:
            continue
        if c["track"] not in g["tracks"]:
            continue
        if g["audience"] is not None and g["audience"] not in c["audiences"]:
            continue
        if g["site"] is not None and c["sites"] and g["site"] not in c["sites"]:
            continue
        if any(overlap(to_span(m), b) for m in g["meetings"] for b in busy):
            continue
        out.append(g)
    return out


def _primaries(week: Week, c: dict[str, Any]) -> list[dict[str, Any]]:
    """Therapists who may be the client's primary therapist (R5, R11)."""
    return [
        t
        for t in week.therapists
        if c["pinned_therapist"] in (None, t["id"])
        and t["id"] not in c["avoid_therapists"]
        and set(c["needs"]) <= set(t["specialties"])
        and t["max_caseload"] >= 1
    ]


def _rerun_cost(
    week: Week, before: dict[str, Any], g: str, t: str, bookings: tuple[Booking, ...]
) -> int:
    """group_change, therapist_change, provider_change and session_moved of one client."""
    w = week.weights
    cost = 0
    if week.has("groups", before["group"]) and before["group"] != g:
        cost += w["group_change"]
    if week.has("therapists", before["therapist"]) and before["therapist"] != t:
        cost += w["therapist_change"]
    old = before.get("appointments", [])
    for kind in week.kinds:
        if kind["provider"] != "specialist":
            continue
        then = next((a["provider"] for a in old if a["kind"] == kind["id"]), None)
        now = next((p for k, p, _ in bookings if k == kind["id"]), None)
        if then is not None and now is not None and week.has("therapists", then) and then != now:
            cost += w["provider_change"]
    old_times = {(a["kind"], *to_span(a)[:2]) for a in old}
    cost += w["session_moved"] * sum(1 for k, _, s in bookings if (k, s[0], s[1]) not in old_times)
    return cost


def client_options(week: Week, c: dict[str, Any], previous: dict[str, Any] | None) -> list[Option]:
    """Every option for client ``c`` that obeys the rules about the client alone."""
    w = week.weights
    before = _before(previous, c["id"])
    need = float(week.min_hours[c["level"]][c["population"]]) * 60
    options = []
    if c["pinned_group"] is None and c["pinned_therapist"] is None:
        options.append(Option(None, None, (), (), w["unassigned"] * c["priority"]))
    counted_kinds = {k["id"] for k in week.kinds if k["counts_toward_hours"]}
    for g in _eligible_groups(week, c):
        meetings = [to_span(m) for m in g["meetings"]]
        meeting_days = {m[0] for m in meetings}
        group_minutes = sum(m[2] - m[1] for m in meetings)
        for t in _primaries(week, c):
            per_kind = [
                _kind_choices(week, c, k, t, None if g["pull_out"] else meetings)
                for k in week.kinds
            ]
            for pick in itertools.product(*per_kind):
                bookings = tuple(b for part, _ in pick for b in part)
                spans = [s for _, _, s in bookings]
                if any(overlap(a, b) for a, b in itertools.combinations(spans, 2)):
                    continue
                # R10: meetings in full, counted appointments less what they share with them.
                counted = group_minutes + sum(
                    (s[2] - s[1]) - sum(shared(s, m) for m in meetings)
                    for k, _, s in bookings
                    if k in counted_kinds
                )
                if counted < need:
                    continue
                missed = tuple(
                    (k["id"], m)
                    for k, (_, m) in zip(week.kinds, pick, strict=True)
                    if m > 0 and not k["required"]
                )
                cost = w["appointment_missed"] * sum(m for _, m in missed)
                if c["shift_preference"] is not None and g["shift"] != c["shift_preference"]:
                    cost += w["shift_mismatch"]
                if c["preferred_therapists"] and t["id"] not in c["preferred_therapists"]:
                    cost += w["not_preferred_therapist"]
                cost += w["extra_trip"] * len({s[0] for s in spans} - meeting_days)
                if before is not None:
                    cost += _rerun_cost(week, before, g["id"], t["id"], bookings)
                options.append(Option(g["id"], t["id"], bookings, missed, cost))
    return options


# --- the whole week ---


@dataclass
class Best:
    """The best roster found: its objective, each client's option and the facilitators."""

    objective: int | None = None
    choice: list[Option] = field(default_factory=list)
    facilitators: dict[str, str] = field(default_factory=dict)


def best_facilitators(
    week: Week,
    running: dict[str, list[str]],
    booked: dict[str, list[Span]],
    previous: dict[str, Any] | None,
) -> tuple[int, dict[str, str]] | None:
    """The cheapest valid choice of facilitators (R1, R4, R7; facilitator_change), or None."""
    old: dict[str, str] = {}
    for listed in [] if previous is None else previous["groups"]:
        old.setdefault(listed["id"], listed["facilitator"])
    avoid = {c["id"]: c["avoid_therapists"] for c in week.clients}
    gids = list(running)
    candidates: list[list[str]] = []
    for gid in gids:
        g = week.group(gid)
        meetings = [to_span(m) for m in g["meetings"]]
        avoided = {t for cid in running[gid] for t in avoid[cid]}
        ok = []
        for t in week.therapists:
            available = [to_span(a) for a in t["availability"]]
            if (
                t["max_groups"] >= 1
                and set(g["facilitator_specialties"]) <= set(t["specialties"])
                and all(within(m, available) for m in meetings)
                and t["id"] not in avoided
                and not any(overlap(m, b) for m in meetings for b in booked.get(t["id"], []))
            ):
                ok.append(t["id"])
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
            meetings = [to_span(m) for m in week.group(gid)["meetings"]]
            if counts[tid] > week.therapist(tid)["max_groups"] or any(
                overlap(m, x) for m in meetings for x in spans.get(tid, [])
            ):
                valid = False
                break
            spans.setdefault(tid, []).extend(meetings)
            if gid in old and week.has("therapists", old[gid]) and old[gid] != tid:
                cost += week.weights["facilitator_change"]
        if valid and (best is None or cost < best[0]):
            best = (cost, dict(zip(gids, pick, strict=True)))
    return best


def _leaf_cost(
    week: Week,
    members: dict[str, list[str]],
    caseload: dict[str, int],
    booked: dict[str, list[Span]],
    previous: dict[str, Any] | None,
) -> tuple[int, dict[str, str]] | None:
    """The week-wide terms of a complete choice (R3, R4, R8), or None when it breaks a rule."""
    w = week.weights
    running = {g: m for g, m in members.items() if m}
    if any(len(m) < week.program["group_min_size"] for m in running.values()):
        return None
    for a, b in itertools.combinations([week.group(g) for g in running], 2):
        if (
            a["room"] is not None
            and a["room"] == b["room"]
            and any(overlap(to_span(x), to_span(y)) for x in a["meetings"] for y in b["meetings"])
        ):
            return None
    found = best_facilitators(week, running, booked, previous)
    if found is None:
        return None
    loads = [caseload.get(t["id"], 0) for t in week.therapists if t["max_caseload"] > 0]
    spread = max(loads) - min(loads) if loads else 0
    return found[0] + w["caseload_spread"] * spread + w["open_group"] * len(running), found[1]


def brute_force(week: Week, previous: dict[str, Any] | None) -> Best:
    """The optimum over every roster (objective None when no roster honours the pins)."""
    clients = week.clients
    options = [sorted(client_options(week, c, previous), key=lambda o: o.cost) for c in clients]
    # The least each remaining client can cost: every term is >= 0, so this bounds the rest.
    rest = [0] * (len(clients) + 1)
    for i in range(len(clients) - 1, -1, -1):
        rest[i] = rest[i + 1] + (options[i][0].cost if options[i] else 10**9)
    apart = {frozenset((c["id"], o)) for c in clients for o in c["keep_apart"] if o != c["id"]}
    best = Best()
    members: dict[str, list[str]] = {}
    caseload: dict[str, int] = {}
    booked: dict[str, list[Span]] = {}
    choice: list[Option] = []

    def fits(c: dict[str, Any], o: Option) -> bool:
        assert o.group is not None and o.therapist is not None
        m = members.get(o.group, [])
        return (
            len(m) < week.group(o.group)["max_size"]
            and not any(frozenset((c["id"], other)) in apart for other in m)
            and caseload.get(o.therapist, 0) < week.therapist(o.therapist)["max_caseload"]
            and not any(overlap(s, b) for _, p, s in o.bookings for b in booked.get(p, []))
        )

    def dfs(i: int, cost: int) -> None:
        if best.objective is not None and cost + rest[i] >= best.objective:
            return
        if i == len(clients):
            found = _leaf_cost(week, members, caseload, booked, previous)
            if found is not None and (best.objective is None or cost + found[0] < best.objective):
                best.objective = cost + found[0]
                best.choice = list(choice)
                best.facilitators = found[1]
            return
        c = clients[i]
        for o in options[i]:
            if o.group is None:
                choice.append(o)
                dfs(i + 1, cost + o.cost)
                choice.pop()
                continue
            if not fits(c, o):
                continue
            assert o.therapist is not None
            members.setdefault(o.group, []).append(c["id"])
            caseload[o.therapist] = caseload.get(o.therapist, 0) + 1
            for _, p, s in o.bookings:
                booked.setdefault(p, []).append(s)
            choice.append(o)
            dfs(i + 1, cost + o.cost)
            choice.pop()
            for _, p, _ in reversed(o.bookings):
                booked[p].pop()
            caseload[o.therapist] -= 1
            members[o.group].pop()

    dfs(0, 0)
    return best


def combinations(week: Week, previous: dict[str, Any] | None) -> int:
    """The product of the clients' option counts: the size of the enumeration."""
    total = 1
    for c in week.clients:
        total *= max(1, len(client_options(week, c, previous)))
    return total


def roster_doc(week: Week, best: Best) -> dict[str, Any]:
    """The brute force's best roster as a version-2 roster document (its numbers are zeros)."""
    placed = []
    members: dict[str, list[str]] = {}
    for c, o in zip(week.clients, best.choice, strict=True):
        if o.group is None:
            continue
        placed.append(
            {
                "id": c["id"],
                "group": o.group,
                "therapist": o.therapist,
                "appointments": [{"kind": k, "provider": p, **iv(*s)} for k, p, s in o.bookings],
                "missed": [
                    {"kind": k, "count": n, "reasons": ["not scheduled"]} for k, n in o.missed
                ],
            }
        )
        members.setdefault(o.group, []).append(c["id"])
    placed_ids = {p["id"] for p in placed}
    return {
        "format_version": 2,
        "status": "optimal",
        "objective": 0,
        "best_bound": 0,
        "penalties": dict.fromkeys(TERMS, 0),
        "solve_seconds": 0,
        "groups": [
            {"id": g, "facilitator": best.facilitators[g], "clients": m} for g, m in members.items()
        ],
        "clients": placed,
        "unassigned": [
            {"id": c["id"], "reasons": ["left out"]}
            for c in week.clients
            if c["id"] not in placed_ids
        ],
        "explanation": [],
    }
