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
    AppointmentKind,
    Client,
    Group,
    Instance,
    Interval,
    Therapist,
    minutes_to_time,
)
from solver.options import Deadline
from solver.starts import StartSets, canonical_starts
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
class KindFacts:
    """What a client could get of one appointment kind they ask for."""

    kind: AppointmentKind
    count: int
    minutes: int
    # provider id -> feasible start minutes (week minutes). For a primary kind the
    # providers are the client's possible primary therapists; for a specialist kind,
    # the therapists holding the kind's specialties.
    starts: dict[str, list[int]] = field(default_factory=dict)
    # Why each other provider is out of reach.
    excluded: dict[str, str] = field(default_factory=dict)

    @property
    def required(self) -> bool:
        """The kind is required: a placed client has every requested appointment."""
        return self.kind.required

    @property
    def primary(self) -> bool:
        """The kind is seen by the client's primary therapist."""
        return self.kind.provider == "primary"


@dataclass
class ClientFacts:
    """What client ``client`` could possibly get."""

    client: Client
    groups: list[str] = field(default_factory=list)
    therapists: list[str] = field(default_factory=list)
    # kind id -> facts, for each kind the client asks at least one appointment of.
    kinds: dict[str, KindFacts] = field(default_factory=dict)
    reasons: list[str] = field(default_factory=list)
    # Why each other group / primary therapist is out of reach.
    excluded_groups: dict[str, list[str]] = field(default_factory=dict)
    excluded_therapists: dict[str, str] = field(default_factory=dict)
    # Pins that can never hold, found without search (R11 with another rule).
    pin_conflicts: list[str] = field(default_factory=list)

    @property
    def placeable(self) -> bool:
        """False when the client can never be placed, whatever the others do."""
        return (
            bool(self.groups)
            and bool(self.therapists)
            and all(kf.starts for kf in self.kinds.values() if kf.required)
        )

    @property
    def main_kind(self) -> KindFacts | None:
        """The first primary kind the client asks for (the weekly individual session in a
        usual program), which the reasons about primary therapists' time look at."""
        return next((kf for kf in self.kinds.values() if kf.primary), None)


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
    if canonical and not _hours_may_hang_on_overlap(instance, clients, meetings):
        deadline.check()
        canonical_starts(
            program.slot_minutes, clients, meetings, facilitators, previous_starts or {}
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
    facts = ClientFacts(client)
    busy = [span(b) for b in client.busy]
    kinds = [
        KindFacts(kind, count, instance.appointment_minutes(client, kind))
        for kind in instance.kinds
        if (count := instance.requested(client, kind)) > 0
    ]
    facts.kinds = {kf.kind.id: kf for kf in kinds}
    need = instance.min_weekly_minutes(client)
    most = instance.counted_minutes_asked(client)

    group_reasons: dict[str, list[str]] = {}
    for group in instance.groups:
        why = _group_exclusion(
            client, group, meetings[group.id], busy, need, most, facilitators[group.id]
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

    # Starts that overlap the meetings of every group the client may join can never be
    # used: the client is in one of those groups when placed (a pull-out group's meetings
    # may be overlapped, so it removes nothing).
    group_spans = [[] if instance.group(g).pull_out else meetings[g] for g in facts.groups]
    family = merged(client.family_availability)
    therapist_reasons: dict[str, str] = {}
    for therapist in instance.therapists:
        why_not = _therapist_exclusion(client, therapist)
        if why_not:
            therapist_reasons[therapist.id] = why_not
        else:
            facts.therapists.append(therapist.id)
    for kf in kinds:
        free = _client_free_starts(grid, kf, busy, open_hours, family, group_spans)
        if kf.primary:
            candidates = [instance.therapist(t) for t in facts.therapists]
        else:
            candidates = [
                t
                for t in instance.therapists
                if not _specialist_exclusion(client, kf, t, kf.excluded)
            ]
        for therapist in candidates:
            starts = sorted(free & grid.within(availability[therapist.id], kf.minutes))
            days = len({start // MINUTES_PER_DAY for start in starts})
            if days < kf.count if kf.required else not starts:
                kf.excluded[therapist.id] = _no_time(client, kf, therapist.id)
                if kf.primary and kf.required:
                    therapist_reasons[therapist.id] = kf.excluded[therapist.id]
                continue
            kf.starts[therapist.id] = starts
    facts.therapists = [t for t in facts.therapists if t not in therapist_reasons]
    _apply_therapist_pin(facts, therapist_reasons)
    facts.excluded_groups = group_reasons
    facts.excluded_therapists = therapist_reasons
    if not facts.groups:
        facts.reasons.append(_no_group_reason(instance, client, group_reasons))
    if not facts.therapists:
        facts.reasons.append(_no_therapist_reason(instance, client, therapist_reasons))
    for kf in kinds:
        if kf.required and not kf.starts and not kf.primary:
            facts.reasons.append(_no_specialist_reason(client, kf))
    return facts


def _apply_therapist_pin(facts: ClientFacts, therapist_reasons: dict[str, str]) -> None:
    client = facts.client
    for kf in facts.kinds.values():
        if kf.primary:
            kf.starts = {t: s for t, s in kf.starts.items() if t in facts.therapists}
    if client.pinned_therapist is None:
        return
    pinned = client.pinned_therapist
    if pinned in therapist_reasons:
        facts.pin_conflicts.append(
            f"{client.id} is pinned to therapist {pinned}, but {therapist_reasons[pinned]}"
        )
    facts.therapists = [t for t in facts.therapists if t == pinned]
    for kf in facts.kinds.values():
        if kf.primary:
            kf.starts = {t: s for t, s in kf.starts.items() if t == pinned}


def _no_time(client: Client, kf: KindFacts, therapist_id: str) -> str:
    if kf.kind.id == "individual" and kf.required:
        what = f"{kf.count} session(s) of {kf.minutes} min on different days"
    else:
        what = f"{kf.count} {kf.kind.id} appointment(s) of {kf.minutes} min on different days"
    family = " and the family's free hours" if kf.kind.with_family else ""
    return (
        f"{therapist_id} has no time for {what} that fits {client.id}'s free time{family} "
        "and the open hours"
    )


def _specialist_exclusion(
    client: Client, kf: KindFacts, therapist: Therapist, excluded: dict[str, str]
) -> bool:
    """True (with the reason recorded) when the therapist may not provide this specialist kind."""
    missing = [s for s in kf.kind.provider_specialties if s not in therapist.specialties]
    if missing:
        excluded[therapist.id] = f"{therapist.id} lacks {', '.join(missing)}"
    elif therapist.id in client.avoid_therapists:
        excluded[therapist.id] = f"{client.id} avoids {therapist.id}"
    return therapist.id in excluded


def _no_specialist_reason(client: Client, kf: KindFacts) -> str:
    needed = ", ".join(kf.kind.provider_specialties) or "no specialty"
    details = "; ".join(kf.excluded.values()) or "no therapists"
    return f"no {kf.kind.id} provider (holding {needed}) can see {client.id}: {details}"


def _hours_may_hang_on_overlap(
    instance: Instance, clients: dict[str, ClientFacts], meetings: dict[str, list[Span]]
) -> bool:
    """True when some client's weekly hours could depend on how far an appointment overlaps
    a pull-out meeting (a pull-out group below the client's minimum on its own): moving
    appointments then changes R10, and the canonical starts are not used."""
    for cf in clients.values():
        need = instance.min_weekly_minutes(cf.client)
        for g in cf.groups:
            if instance.group(g).pull_out and sum(hi - lo for lo, hi in meetings[g]) < need:
                return True
    return False


def _group_exclusion(
    client: Client,
    group: Group,
    group_meetings: list[Span],
    busy: list[Span],
    need: float,
    most: int,
    facilitators: list[str],
) -> list[str]:
    why = []
    if group.population != client.population:
        why.append(f"{group.id} is for {group.population}s")
    if client.level_id not in group.level_ids:
        why.append(f"{group.id} serves {', '.join(group.level_ids)}, not {client.level_id}")
    if client.track not in group.tracks:
        why.append(f"{group.id} does not serve track {client.track}")
    if group.audience is not None and group.audience not in client.audiences:
        why.append(f"{group.id} is for audience {group.audience}")
    if group.site is not None and client.sites and group.site not in client.sites:
        why.append(f"{group.id} meets at {group.site}, which {client.id} cannot reach")
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
    if weekly + most < need:
        why.append(
            f"{group.id} gives {(weekly + most) / 60:g} h a week with "
            f"the {'appointments' if most else 'individual sessions'}, below the "
            f"{need / 60:g} h minimum"
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


def _client_free_starts(
    grid: StartSets,
    kf: KindFacts,
    busy: list[Span],
    open_hours: list[Span],
    family: list[Span],
    group_spans: list[list[Span]],
) -> frozenset[int]:
    """Grid starts of an appointment of the kind with any provider: inside the open hours
    (and the family's hours for a family kind), clear of the client's busy hours, and clear
    of the meetings of at least one group the client may join."""
    minutes = kf.minutes
    free = grid.within(open_hours, minutes) - grid.touching(busy, minutes)
    if kf.kind.with_family:
        free &= grid.within(family, minutes)
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
