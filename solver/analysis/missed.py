"""Why a placed client misses requested appointments of a wanted kind, in words a program
manager can act on.

The roster stands as it is (everyone's group, primary therapist and appointments): one more
appointment of the kind fits where the client (and, for a family kind, the family) is free,
the clinic is open, a provider may see the client and has hours not yet booked. The reasons
follow that chain and stop at the first link that breaks: no therapist holds the kind's
specialties, the family is free only when the clinic is closed, the client's busy hours or
group meetings cover what is left, the client's free time and the provider's hours share no
slot, the provider is booked full, or the client's other appointments take the times.

:class:`AppointmentFit` is that chain for one client and kind; the reasons for unassigned
clients, the what-if search and the recommendations use it too.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping

from solver.instance import DAYS, MINUTES_PER_DAY, AppointmentKind, Client, Instance
from solver.precompute import Facts, Span, fmt_minute, merged, span, spans_overlap
from solver.roster import Appointment, Missed, Placement, Roster
from solver.starts import StartSets

__all__ = [
    "AppointmentFit",
    "hours_text",
    "kind_noun",
    "missed_reasons",
    "taken_by_roster",
]

_MAX_PROVIDER_REASONS = 3


def missed_reasons(instance: Instance, roster: Roster, facts: Facts) -> Roster:
    """The roster with reasons worked out for every missed appointment of its placed clients.

    ``facts`` gives the groups' meetings and the therapists' hours (any client facts in it
    are not needed). Entries of kinds or clients the instance lacks keep their reasons.
    """
    if not any(p.missed for p in roster.clients):
        return roster
    taken = taken_by_roster(roster, facts)
    grid = StartSets(instance.program.slot_minutes)
    placements = []
    for p in roster.clients:
        if p.missed and instance.has_client(p.id):
            missed = [_with_reasons(instance, facts, grid, taken, p, m) for m in p.missed]
            p = p.model_copy(update={"missed": missed})
        placements.append(p)
    return roster.model_copy(update={"clients": placements})


def _with_reasons(
    instance: Instance,
    facts: Facts,
    grid: StartSets,
    taken: Mapping[str, list[Span]],
    p: Placement,
    missed: Missed,
) -> Missed:
    kinds = {k.id for k in instance.kinds}
    if missed.kind not in kinds:
        return missed
    fit = AppointmentFit(
        instance,
        facts,
        grid,
        instance.client(p.id),
        instance.kind(missed.kind),
        group_id=p.group,
        primary=p.therapist,
        own=p.appointments,
        taken=taken,
    )
    return missed.model_copy(update={"reasons": fit.reasons(missed.count)})


def taken_by_roster(roster: Roster, facts: Facts) -> dict[str, list[Span]]:
    """Therapist id -> the spans a roster books them for: appointments and the meetings of
    the groups they facilitate."""
    taken: dict[str, list[Span]] = defaultdict(list)
    for p in roster.clients:
        for a in p.appointments:
            taken[a.provider].append(span(a))
    for g in roster.groups:
        taken[g.facilitator].extend(facts.meetings.get(g.id, []))
    return taken


def kind_noun(kind: str) -> str:
    """``individual session`` for the individual kind, ``psychiatry appointment`` otherwise."""
    return "individual session" if kind == "individual" else f"{kind} appointment"


def hours_text(spans: Iterable[Span], limit: int = 4) -> str:
    """Week spans in a few words: ``mon-fri 08:00-17:00, sat 09:00-12:00``.

    Spans with the same hours on several days are written once, consecutive days as a range;
    a span across midnight is cut at it; after ``limit`` pieces the rest is counted.
    """
    days_of: dict[tuple[int, int], list[int]] = {}
    for lo, hi in spans:
        while lo < hi:
            day, start = divmod(lo, MINUTES_PER_DAY)
            end = min(hi - day * MINUTES_PER_DAY, MINUTES_PER_DAY)
            days_of.setdefault((start, end), []).append(day)
            lo = day * MINUTES_PER_DAY + end
    if not days_of:
        return "no hours"
    pieces = sorted(days_of.items(), key=lambda item: (min(item[1]), item[0]))
    texts = [f"{_days_text(days)} {_hhmm(a)}-{_hhmm(b)}" for (a, b), days in pieces]
    more = len(texts) - limit
    return ", ".join(texts[:limit]) + (f" and {more} more" if more > 0 else "")


def _hhmm(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


def _days_text(days: list[int]) -> str:
    runs: list[list[int]] = []
    for day in sorted(set(days)):
        if runs and runs[-1][-1] == day - 1:
            runs[-1].append(day)
        else:
            runs.append([day])
    parts = []
    for run in runs:
        if len(run) >= 3:
            parts.append(f"{DAYS[run[0]]}-{DAYS[run[-1]]}")
        else:
            parts.extend(DAYS[d] for d in run)
    return ", ".join(parts)


class AppointmentFit:
    """Where one more appointment of ``kind`` fits ``client``, everyone else staying put.

    ``group_id`` is the client's group (None: not placed; no meetings are avoided),
    ``primary`` their primary therapist (None: any therapist eligible as primary, for a
    primary kind), ``own`` their appointments so far, ``taken`` the therapists' booked spans
    (which may include ``own``).
    """

    def __init__(
        self,
        instance: Instance,
        facts: Facts,
        grid: StartSets,
        client: Client,
        kind: AppointmentKind,
        *,
        group_id: str | None,
        primary: str | None,
        own: list[Appointment],
        taken: Mapping[str, list[Span]],
    ) -> None:
        self.instance = instance
        self.facts = facts
        self.grid = grid
        self.client = client
        self.kind = kind
        self.group_id = group_id
        self.primary = primary
        self.own = own
        self.taken = taken
        self.minutes = instance.appointment_minutes(client, kind)
        self.noun = kind_noun(kind.id)
        self.same_kind = [a for a in own if a.kind == kind.id]

    # --- the client's side -----------------------------------------------------------------
    def open_starts(self) -> frozenset[int]:
        """Starts inside the open hours (and the family's free hours, for a family kind)."""
        m = self.minutes
        starts = self.grid.within(merged(self.instance.program.open_hours), m)
        if self.kind.with_family:
            starts &= self.grid.within(merged(self.client.family_availability), m)
        return starts

    def meeting_spans(self) -> list[Span]:
        """The meetings of the client's group that appointments must avoid (none for a
        pull-out group)."""
        if self.group_id is None or not self.instance.has_group(self.group_id):
            return []
        if self.instance.group(self.group_id).pull_out:
            return []
        return self.facts.meetings.get(self.group_id, [])

    def client_starts(self) -> frozenset[int]:
        """Starts the client is free for: open, not busy, clear of their group's meetings."""
        m = self.minutes
        busy = [span(b) for b in self.client.busy]
        return (
            self.open_starts()
            - self.grid.touching(busy, m)
            - self.grid.touching(self.meeting_spans(), m)
        )

    def unused_starts(self) -> frozenset[int]:
        """:meth:`client_starts` clear of the client's other appointments, on days without
        an appointment of this kind."""
        m = self.minutes
        used_days = {a.day_index for a in self.same_kind}
        free = self.client_starts() - self.grid.touching([span(a) for a in self.own], m)
        return frozenset(s for s in free if s // MINUTES_PER_DAY not in used_days)

    # --- the providers ---------------------------------------------------------------------
    def providers(self) -> list[str]:
        """Who may provide the appointment: the primary therapist for a primary kind (every
        therapist eligible as one when ``primary`` is None), for a specialist kind the
        provider of the client's earlier appointments of the kind (R12) or every therapist
        holding its specialties whom the client does not avoid."""
        client = self.client
        if self.kind.provider == "primary":
            if self.primary is not None:
                return [self.primary]
            return [
                t.id
                for t in self.instance.therapists
                if set(client.needs) <= set(t.specialties)
                and t.id not in client.avoid_therapists
                and t.max_caseload > 0
            ]
        if self.same_kind:
            return [self.same_kind[0].provider]
        return [
            t.id
            for t in self.instance.therapists
            if set(self.kind.provider_specialties) <= set(t.specialties)
            and t.id not in client.avoid_therapists
        ]

    def provider_hours(self, therapist_id: str) -> list[Span]:
        """The therapist's hours as disjoint spans (none for an unknown therapist)."""
        return self.facts.availability.get(therapist_id, [])

    def free_starts(self, therapist_id: str) -> frozenset[int]:
        """Starts at which the appointment fits now with this provider."""
        m = self.minutes
        hours = self.grid.within(self.provider_hours(therapist_id), m)
        booked = self.grid.touching(self.taken.get(therapist_id, []), m)
        return (self.unused_starts() & hours) - booked

    # --- the reasons -----------------------------------------------------------------------
    def reasons(self, missing: int = 1) -> list[str]:
        """Why ``missing`` more appointments of the kind do not fit: at least one sentence."""
        blocked = self.client_side_reason()
        if blocked is not None:
            return [blocked]
        providers = self.providers()
        if not providers:
            return [self.no_provider_reason()]
        reasons = [self.provider_reason(t, missing) for t in providers]
        if len(reasons) > _MAX_PROVIDER_REASONS:
            more = len(reasons) - _MAX_PROVIDER_REASONS
            reasons = reasons[:_MAX_PROVIDER_REASONS]
            reasons[-1] += f" (and {more} more {self._role()}s alike)"
        if self.same_kind and self.kind.provider == "specialist":
            reasons.append(
                f"all of {self.client.id}'s {self.kind.id} appointments are with one provider "
                f"({providers[0]})"
            )
        return reasons

    def no_provider_reason(self) -> str:
        """Why nobody may provide the kind to the client."""
        client, kind = self.client, self.kind
        if kind.provider == "primary":
            return f"no therapist can be {client.id}'s primary therapist"
        specialties = ", ".join(kind.provider_specialties) or "the kind's specialties"
        holders = [
            t.id
            for t in self.instance.therapists
            if set(kind.provider_specialties) <= set(t.specialties)
        ]
        if not holders:
            return f"no therapist holds {specialties} (needed for {kind.id} appointments)"
        return (
            f"{client.id} avoids {', '.join(holders)}, the only therapist(s) holding {specialties}"
        )

    def client_side_reason(self) -> str | None:
        """Why no time suits the client whoever the provider is; None when some time does."""
        client, m = self.client, self.minutes
        open_hours = merged(self.instance.program.open_hours)
        family = merged(client.family_availability)
        what = f"a {m}-minute {self.noun}"
        if self.kind.with_family:
            if not family:
                return f"{client.id}'s family has no free hours listed (family_availability)"
            if not any(spans_overlap(f, o) for f in family for o in open_hours):
                return f"the family is free only {hours_text(family)}, when the clinic is closed"
            if not self.open_starts():
                return (
                    f"the family is free only {hours_text(family)}; the part inside the open "
                    f"hours is too short for {what}"
                )
        elif not self.open_starts():
            return f"the open hours ({hours_text(open_hours)}) hold no slot for {what}"
        busy = [span(b) for b in client.busy]
        if not self.open_starts() - self.grid.touching(busy, m):
            family_text = " and the family is free" if self.kind.with_family else ""
            return (
                f"{client.id} is busy ({hours_text(merged(client.busy))}) whenever the clinic "
                f"is open{family_text}"
            )
        if not self.client_starts():
            whose = f"{client.id}'s and the family's" if self.kind.with_family else f"{client.id}'s"
            return (
                f"{whose} free time falls only during the meetings of "
                f"{self.group_id} ({hours_text(self.meeting_spans())})"
            )
        return None

    def provider_reason(self, therapist_id: str, missing: int) -> str:
        """Why the provider cannot see the client ``missing`` more times."""
        client, m = self.client, self.minutes
        hours = self.provider_hours(therapist_id)
        works = hours_text(hours)
        shared = self.client_starts() & self.grid.within(hours, m)
        if not shared:
            family = merged(client.family_availability)
            with_family = (
                f" with the family's (free {hours_text(family)})" if self.kind.with_family else ""
            )
            return (
                f"{client.id}'s free time{with_family} and {therapist_id}'s hours ({works}) "
                f"share no {m}-minute slot"
            )
        unused = shared & self.unused_starts()
        role = self._role()
        if not unused:
            others = ", ".join(
                f"{a.kind} {a.day} {a.start}" for a in self.own if a.kind != self.kind.id
            )
            days = ", ".join(a.day for a in self.same_kind)
            parts = [f"{client.id}'s other appointments ({others})"] if others else []
            if days:
                parts.append(f"the days of their {self.kind.id} appointments ({days})")
            return f"{' and '.join(parts) or 'nothing'} take the times {therapist_id} could offer"
        free = self.free_starts(therapist_id)
        if not free:
            return (
                f"the {role} {therapist_id} works {works} and is booked full at the times "
                f"{client.id} is free"
            )
        free_days = sorted({s // MINUTES_PER_DAY for s in free})
        if len(free_days) < missing:
            on = ", ".join(DAYS[d] for d in free_days)
            return (
                f"{therapist_id} has free time for {client.id} on {on} only; "
                f"{self.noun}s of one kind fall on different days"
            )
        return (
            f"{therapist_id} has a free slot at {fmt_minute(min(free))} that fits; the search "
            "did not use it within its time limit (solving again with more time may add it)"
        )

    def _role(self) -> str:
        if self.kind.provider == "primary":
            return "primary therapist"
        return self.kind.provider_specialties[0] if self.kind.provider_specialties else "provider"
