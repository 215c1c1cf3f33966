"""Static facts derived from an instance before any CP-SAT variable exists.

Everything that can be decided without search is decided here, so that the
model code only loops: which groups each client may join (R1 population,
track and audience, R2 busy hours, R10 weekly hours), which therapists may be
each client's primary (R5) and at which times they could hold each session
(R6), which therapists may facilitate each group (R4), and which groups can
never run together in one room (R8). Clients with no possibility at all get
their reasons here, in words a program manager can act on.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field

from solver.instance import (
    DAYS,
    MINUTES_PER_DAY,
    Client,
    Group,
    Instance,
    Interval,
    Therapist,
    minutes_to_time,
)
from solver.options import Deadline
from solver.vocabulary import group_hint, therapist_hint

log = logging.getLogger(__name__)

Span = tuple[int, int]
"""A half-open span of week minutes: ``day_index * 1440 + minute``."""


def span(interval: Interval) -> Span:
    """The interval as a span of week minutes."""
    base = interval.day_index * MINUTES_PER_DAY
    return base + interval.start_minute, base + interval.end_minute


def spans_overlap(a: Span, b: Span) -> bool:
    """True when two half-open spans share time."""
    return a[0] < b[1] and b[0] < a[1]


def merged(intervals: Iterable[Interval]) -> list[Span]:
    """The union of intervals as sorted disjoint spans (touching spans join)."""
    out: list[Span] = []
    for lo, hi in sorted(span(i) for i in intervals):
        if out and lo <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], hi))
        else:
            out.append((lo, hi))
    return out


def inside(s: Span, union: list[Span]) -> bool:
    """True when span ``s`` lies inside one of the disjoint spans of ``union``."""
    return any(lo <= s[0] and s[1] <= hi for lo, hi in union)


def interval_at(start: int, minutes: int) -> Interval:
    """The interval of ``minutes`` starting at week minute ``start``."""
    day, minute = divmod(start, MINUTES_PER_DAY)
    end = minute + minutes
    return Interval(
        day=DAYS[day],
        start=minutes_to_time(minute),
        end=minutes_to_time(end),
    )


def fmt_minute(week_minute: int) -> str:
    """``"tue 13:00"`` for a week minute."""
    day, minute = divmod(week_minute, MINUTES_PER_DAY)
    return f"{DAYS[day]} {minutes_to_time(minute)}"


def fmt_span(s: Span) -> str:
    """``"tue 13:00-14:00"`` for a span."""
    end = s[1] - (s[0] // MINUTES_PER_DAY) * MINUTES_PER_DAY
    return f"{fmt_minute(s[0])}-{minutes_to_time(end)}"


@dataclass
class ClientFacts:
    """What client ``client`` could possibly get."""

    client: Client
    session_minutes: int
    groups: list[str] = field(default_factory=list)
    therapists: list[str] = field(default_factory=list)
    # therapist id -> feasible session start minutes (week minutes).
    starts: dict[str, list[int]] = field(default_factory=dict)
    reasons: list[str] = field(default_factory=list)
    # Why each other group / therapist is out of reach.
    excluded_groups: dict[str, list[str]] = field(default_factory=dict)
    excluded_therapists: dict[str, str] = field(default_factory=dict)
    # Pins that can never hold, found without search (R11 with another rule).
    pin_conflicts: list[str] = field(default_factory=list)

    @property
    def placeable(self) -> bool:
        """False when the client can never be placed, whatever the others do."""
        return bool(self.groups) and bool(self.therapists)


@dataclass
class Facts:
    """All static facts of an instance, keyed by ids."""

    instance: Instance
    clients: dict[str, ClientFacts]
    # group id -> therapists who may facilitate it (R4).
    facilitators: dict[str, list[str]]
    # group id -> meeting spans.
    meetings: dict[str, list[Span]]
    # group ids that share a room and a meeting time (R8).
    room_conflicts: list[tuple[str, str]]
    # client id pairs that must not share a group (R9), each pair once, sorted.
    keep_apart: list[tuple[str, str]]
    # therapist id -> their availability as disjoint spans.
    availability: dict[str, list[Span]]


def derive_facts(
    instance: Instance,
    client_ids: Iterable[str] | None = None,
    *,
    canonical: bool = False,
    previous_starts: dict[str, set[int]] | None = None,
    deadline: Deadline | None = None,
) -> Facts:
    """Derive the static facts of ``instance`` (see the module docstring).

    With ``client_ids``, client facts are derived for those clients only (a
    quick look at one client against a fixed roster needs no more).

    With ``canonical``, session starts are cut down to each therapist's
    canonical starts (see :func:`_canonical_starts`): every roster can be
    rearranged into one that uses only those, with the same groups,
    therapists, days and penalties, so the optimum is unchanged.
    ``previous_starts`` (client id -> week minutes of their previous sessions)
    keeps those starts available for the rerun term ``session_moved``.

    With ``deadline``, each client (and each group and therapist) checks it first: a
    passed deadline or a stop request raises :class:`~solver.options.Stopped`.
    """
    deadline = deadline or Deadline()
    wanted = None if client_ids is None else set(client_ids)
    program = instance.program
    meetings = {g.id: [span(m) for m in g.meetings] for g in instance.groups}
    availability = {t.id: merged(t.availability) for t in instance.therapists}
    facilitators: dict[str, list[str]] = {}
    for g in instance.groups:
        deadline.check()
        facilitators[g.id] = [
            t.id for t in instance.therapists if _may_facilitate(t, g, availability[t.id])
        ]
    open_hours = merged(program.open_hours)
    grid = StartSets(program.slot_minutes)
    clients: dict[str, ClientFacts] = {}
    for c in instance.clients:
        if wanted is None or c.id in wanted:
            deadline.check()
            clients[c.id] = _client_facts(
                instance, c, meetings, facilitators, availability, open_hours, grid
            )
    if canonical:
        _canonical_starts(
            instance, clients, meetings, facilitators, previous_starts or {}, deadline
        )
    room_conflicts: list[tuple[str, str]] = []
    for i, a in enumerate(instance.groups):
        deadline.check()
        room_conflicts += [
            (a.id, b.id)
            for b in instance.groups[i + 1 :]
            if a.room is not None
            and a.room == b.room
            and any(spans_overlap(x, y) for x in meetings[a.id] for y in meetings[b.id])
        ]
    pairs = {
        tuple(sorted((c.id, other)))
        for c in instance.clients
        for other in c.keep_apart
        if other != c.id
    }
    keep_apart = sorted((a, b) for a, b in pairs)
    return Facts(
        instance, clients, facilitators, meetings, room_conflicts, keep_apart, availability
    )


def _canonical_starts(
    instance: Instance,
    clients: dict[str, ClientFacts],
    meetings: dict[str, list[Span]],
    facilitators: dict[str, list[str]],
    previous_starts: dict[str, set[int]],
    deadline: Deadline,
) -> None:
    """Keep only the session starts that some optimal roster needs.

    Left-shifting argument: take any valid roster and walk through one
    therapist's day in time order; move each session (except one kept at a
    previous start) to the earliest grid start at or after the latest of: the
    beginning of the run of feasible starts it lies in, the end of a meeting
    on that day (of the client's group or of a group the therapist leads), and
    the end of the therapist's previous session. The session stays inside its
    feasible run, on its day, clear of everything before it and inside its
    old slot, so the roster stays valid with the same penalties. Every start
    so obtained is a *boundary* or a boundary followed by sessions back to
    back, which is the closure computed here per therapist and day.
    """
    step = instance.program.slot_minutes
    boundaries: dict[str, set[int]] = {t.id: set() for t in instance.therapists}
    lengths: dict[str, set[int]] = {t.id: set() for t in instance.therapists}
    for group_id, therapists in facilitators.items():
        for therapist_id in therapists:
            boundaries[therapist_id].update(hi for _, hi in meetings[group_id])
    for cf in clients.values():
        deadline.check()
        meeting_ends = {hi for g in cf.groups for _, hi in meetings[g]}
        before = previous_starts.get(cf.client.id, set())
        for therapist_id, starts in cf.starts.items():
            feasible = set(starts)
            bound = boundaries[therapist_id]
            bound.update(s for s in starts if s - step not in feasible)
            bound.update(meeting_ends)
            bound.update(before & feasible)
            lengths[therapist_id].add(cf.session_minutes)
    for therapist_id, points in boundaries.items():
        deadline.check()
        closure = _chain_closure(points, lengths[therapist_id], step)
        for cf in clients.values():
            if therapist_id in cf.starts:
                cf.starts[therapist_id] = [s for s in cf.starts[therapist_id] if s in closure]


def _chain_closure(points: set[int], lengths: set[int], step: int) -> set[int]:
    """Grid-rounded boundary points, closed under 'one more session back to back'."""
    closure: set[int] = set()
    todo = sorted({-(-p // step) * step for p in points})
    while todo:
        point = todo.pop()
        if point in closure:
            continue
        closure.add(point)
        day_end = (point // MINUTES_PER_DAY + 1) * MINUTES_PER_DAY
        for length in lengths:
            nxt = -(-(point + length) // step) * step
            if nxt < day_end and nxt not in closure:
                todo.append(nxt)
    return closure


def _may_facilitate(therapist: Therapist, group: Group, available: list[Span]) -> bool:
    return (
        therapist.max_groups > 0
        and set(group.facilitator_specialties) <= set(therapist.specialties)
        and all(inside(span(m), available) for m in group.meetings)
    )


def _client_facts(
    instance: Instance,
    client: Client,
    meetings: dict[str, list[Span]],
    facilitators: dict[str, list[str]],
    availability: dict[str, list[Span]],
    open_hours: list[Span],
    grid: StartSets,
) -> ClientFacts:
    minutes = instance.session_minutes(client)
    facts = ClientFacts(client, minutes)
    busy = [span(b) for b in client.busy]
    need = instance.min_weekly_minutes(client)
    individual = client.individual_sessions * minutes

    group_reasons: dict[str, list[str]] = {}
    for group in instance.groups:
        why = _group_exclusion(
            instance,
            client,
            group,
            meetings[group.id],
            busy,
            need,
            individual,
            facilitators[group.id],
        )
        if why:
            group_reasons[group.id] = why
        else:
            facts.groups.append(group.id)
    if client.pinned_group is not None:
        if client.pinned_group in group_reasons:
            facts.pin_conflicts.append(
                f"{client.id} is pinned to group {client.pinned_group}, but "
                + "; ".join(group_reasons[client.pinned_group])
            )
        facts.groups = [g for g in facts.groups if g == client.pinned_group]

    # Session starts that overlap the meetings of every group the client may join can never
    # be used: the client is in one of those groups when placed.
    group_spans = [meetings[g] for g in facts.groups]
    free = _client_free_starts(grid, client, minutes, busy, open_hours, group_spans)
    therapist_reasons: dict[str, str] = {}
    for therapist in instance.therapists:
        why_not = _therapist_exclusion(client, therapist)
        if why_not:
            therapist_reasons[therapist.id] = why_not
            continue
        starts = sorted(free & grid.within(availability[therapist.id], minutes))
        days = {s // MINUTES_PER_DAY for s in starts}
        if len(days) < client.individual_sessions:
            therapist_reasons[therapist.id] = (
                f"{therapist.id} has no time for {client.individual_sessions} session(s) of "
                f"{minutes} min on different days that fits {client.id}'s free time and the "
                "open hours"
            )
            continue
        facts.therapists.append(therapist.id)
        facts.starts[therapist.id] = starts
    if client.pinned_therapist is not None:
        if client.pinned_therapist in therapist_reasons:
            facts.pin_conflicts.append(
                f"{client.id} is pinned to therapist {client.pinned_therapist}, but "
                + therapist_reasons[client.pinned_therapist]
            )
        facts.therapists = [t for t in facts.therapists if t == client.pinned_therapist]
        facts.starts = {t: s for t, s in facts.starts.items() if t == client.pinned_therapist}

    facts.excluded_groups = group_reasons
    facts.excluded_therapists = therapist_reasons
    if not facts.groups:
        facts.reasons.append(_no_group_reason(instance, client, group_reasons))
    if not facts.therapists:
        facts.reasons.append(_no_therapist_reason(instance, client, therapist_reasons))
    return facts


def _group_exclusion(
    instance: Instance,
    client: Client,
    group: Group,
    group_meetings: list[Span],
    busy: list[Span],
    need: float,
    individual: int,
    facilitators: list[str],
) -> list[str]:
    why = []
    if group.population != client.population:
        why.append(f"{group.id} is for {group.population}s")
    if client.track not in group.tracks:
        why.append(f"{group.id} does not serve track {client.track}")
    if group.audience is not None and group.audience not in client.audiences:
        why.append(f"{group.id} is for audience {group.audience}")
    if why:
        # Not this client's kind of group: a pin to it is refused when the instance is read,
        # and no explanation offers it, so the other reasons are not needed (and cost time on
        # regional weeks: 3,000 clients x 500 groups).
        return why
    clashes = [(m, b) for m in group_meetings for b in busy if spans_overlap(m, b)]
    if clashes:
        m, b = clashes[0]
        why.append(f"{group.id} meets {fmt_span(m)}, when {client.id} is busy ({fmt_span(b)})")
    weekly = sum(hi - lo for lo, hi in group_meetings)  # group.weekly_minutes, from spans
    if weekly + individual < need:
        why.append(
            f"{group.id} gives {(weekly + individual) / 60:g} h a week with "
            f"the individual sessions, below the {need / 60:g} h minimum"
        )
    if not facilitators:
        why.append(f"{group.id} has no therapist qualified and available to facilitate it")
    elif set(facilitators) <= set(client.avoid_therapists):
        why.append(f"{group.id} can only be facilitated by therapists {client.id} avoids")
    return why


def _therapist_exclusion(client: Client, therapist: Therapist) -> str:
    missing = [n for n in client.needs if n not in therapist.specialties]
    if missing:
        return f"{therapist.id} lacks {', '.join(missing)}"
    if therapist.id in client.avoid_therapists:
        return f"{client.id} avoids {therapist.id}"
    if therapist.max_caseload == 0:
        return f"{therapist.id} takes no caseload"
    return ""


class StartSets:
    """Grid session starts as sets, computed once per (spans, length) and shared.

    ``within(spans, minutes)``: the starts whose session lies inside one of the
    disjoint ``spans`` (and inside one day); ``touching(spans, minutes)``: the
    starts whose session overlaps one of them.
    """

    def __init__(self, step: int) -> None:
        self.step = step
        self._within: dict[tuple[tuple[Span, ...], int], frozenset[int]] = {}
        self._touching: dict[tuple[tuple[Span, ...], int], frozenset[int]] = {}

    def within(self, spans: list[Span], minutes: int) -> frozenset[int]:
        key = (tuple(spans), minutes)
        if key not in self._within:
            step = self.step
            out: set[int] = set()
            for lo, hi in spans:
                first = -(-lo // step) * step
                for start in range(first, hi - minutes + 1, step):
                    if start // MINUTES_PER_DAY == (start + minutes - 1) // MINUTES_PER_DAY:
                        out.add(start)
            self._within[key] = frozenset(out)
        return self._within[key]

    def touching(self, spans: list[Span], minutes: int) -> frozenset[int]:
        key = (tuple(spans), minutes)
        if key not in self._touching:
            step = self.step
            out: set[int] = set()
            for lo, hi in spans:
                # start < hi and start + minutes > lo
                first = -(-(lo - minutes + 1) // step) * step
                out.update(range(first, hi, step))
            self._touching[key] = frozenset(out)
        return self._touching[key]


def _client_free_starts(
    grid: StartSets,
    client: Client,
    minutes: int,
    busy: list[Span],
    open_hours: list[Span],
    group_spans: list[list[Span]],
) -> frozenset[int]:
    """Grid starts of a session of the client with any therapist: inside the open
    hours, clear of the client's busy hours, and clear of the meetings of at
    least one group the client may join."""
    if client.individual_sessions == 0:
        return frozenset()
    free = grid.within(open_hours, minutes) - grid.touching(busy, minutes)
    if group_spans:
        free -= frozenset.intersection(*(grid.touching(g, minutes) for g in group_spans))
    return free


def _no_group_reason(instance: Instance, client: Client, why: dict[str, list[str]]) -> str:
    label = f"{client.population} {client.track}"
    matching = [
        g
        for g in instance.groups
        if g.population == client.population
        and client.track in g.tracks
        and (g.audience is None or g.audience in client.audiences)
    ]
    if not matching:
        return f"no {label} group is offered this week{group_hint(instance, client)}"
    details = "; ".join(f"{w}" for g in matching for w in why.get(g.id, [])[:1])
    return f"no {label} group fits: {details}{group_hint(instance, client)}"


def _no_therapist_reason(instance: Instance, client: Client, why: dict[str, str]) -> str:
    if client.needs and not any(
        set(client.needs) <= set(t.specialties) for t in instance.therapists
    ):
        hint = therapist_hint(instance, client)
        return f"no therapist holds all of {', '.join(client.needs)}{hint}"
    details = "; ".join(why[t.id] for t in instance.therapists if t.id in why)
    return f"no therapist can be the primary therapist: {details or 'no therapists'}"
