"""The checker's own time arithmetic and its indexed view of a week.

The time arithmetic is kept here on purpose (see the package docstring): parsing
``"HH:MM"``, overlaps, and "inside the union of intervals" are done again rather than
shared with the model, so that a mistake in the model cannot hide itself in the checker.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from solver.instance import AppointmentKind, Client, Group, Instance, Interval, Therapist
from solver.roster import Placement, Roster

# --- time arithmetic ---

DAY_NAMES: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def minute_of(text: str) -> int:
    """Minutes after 00:00 of an ``"HH:MM"`` time."""
    hours, _, minutes = text.partition(":")
    return int(hours) * 60 + int(minutes)


def clock(minute: int) -> str:
    """The ``"HH:MM"`` of a minute after 00:00."""
    return f"{minute // 60:02d}:{minute % 60:02d}"


@dataclass(frozen=True, order=True)
class Span:
    """A half-open ``[start, end)`` in minutes after 00:00 on day ``day`` (0 = Monday)."""

    day: int
    start: int
    end: int

    @classmethod
    def of(cls, interval: Interval) -> Span:
        return cls(
            DAY_NAMES.index(interval.day), minute_of(interval.start), minute_of(interval.end)
        )

    @property
    def minutes(self) -> int:
        return self.end - self.start

    def overlaps(self, other: Span) -> bool:
        return self.day == other.day and self.start < other.end and other.start < self.end

    def __str__(self) -> str:
        return f"{DAY_NAMES[self.day]} {clock(self.start)}-{clock(self.end)}"


def spans(intervals: Iterable[Interval]) -> list[Span]:
    """The spans of some intervals, in their order."""
    return [Span.of(i) for i in intervals]


class SpanUnion:
    """The union of some intervals: touching or overlapping ones join into one block."""

    def __init__(self, spans: Iterable[Span]) -> None:
        self._blocks: dict[int, list[tuple[int, int]]] = {}
        for span in sorted(spans):
            blocks = self._blocks.setdefault(span.day, [])
            if blocks and span.start <= blocks[-1][1]:
                start, end = blocks[-1]
                blocks[-1] = (start, max(end, span.end))
            else:
                blocks.append((span.start, span.end))

    def holds(self, span: Span) -> bool:
        """True when ``span`` lies inside one block of the union."""
        return any(
            start <= span.start and span.end <= end for start, end in self._blocks.get(span.day, [])
        )


def names(ids: Iterable[str]) -> str:
    """Ids as a comma-separated list, for messages."""
    return ", ".join(ids)


# --- the roster as the checker reads it ---


@dataclass(frozen=True)
class Booking:
    """One appointment of a placed client, as the checker reads it.

    Attributes:
        index: its position in the client's list (``appointments[k]``; ``sessions[k]`` in
            a version-1 file).
        kind: its kind's id (the instance may lack it: a ``roster`` violation).
        provider: its provider's id.
        span: when it takes place.
        label: how messages name it: ``individual session tue 10:00-11:00`` in a
            version-1 roster, ``family appointment tue 10:00-11:00 (appointments[1])``.
    """

    index: int
    kind: str
    provider: str
    span: Span
    label: str


class Week:
    """The instance and roster, indexed for checking.

    A client listed more than once counts with its first placement; the repetition is a
    ``roster`` violation. Placements of ids the instance lacks are left out of the rule
    checks (also ``roster`` violations). A version-1 roster is checked like a version-2
    one (its instance is the converted one); only its messages name its appointments
    the way its file does (``individual session``, ``sessions[k]``).
    """

    def __init__(self, instance: Instance, roster: Roster) -> None:
        self.instance = instance
        self.roster = roster
        self.version = roster.format_version
        self.program = instance.program
        self.groups: dict[str, Group] = {g.id: g for g in instance.groups}
        self.therapists: dict[str, Therapist] = {t.id: t for t in instance.therapists}
        self.clients: dict[str, Client] = {c.id: c for c in instance.clients}
        self.kinds: dict[str, AppointmentKind] = {k.id: k for k in instance.kinds}
        self.open_hours = SpanUnion(spans(self.program.open_hours))
        self._availability: dict[str, SpanUnion] = {}
        self.placements: dict[str, Placement] = {}
        for placement in roster.clients:
            if placement.id in self.clients and placement.id not in self.placements:
                self.placements[placement.id] = placement
        # Client id -> the placement's appointments, read once.
        self._bookings: dict[str, list[Booking]] = {
            client_id: self._read_bookings(placement)
            for client_id, placement in self.placements.items()
        }
        # Group id (known or not) -> ids of the clients placed in it, in roster order.
        self.members: dict[str, list[str]] = {}
        for placement in self.placements.values():
            self.members.setdefault(placement.group, []).append(placement.id)
        # The instance's groups that run, in instance order.
        self.running: list[Group] = [g for g in instance.groups if g.id in self.members]
        # Group id -> distinct facilitators named by its listings in roster.groups.
        self.listed_facilitators: dict[str, list[str]] = {}
        for listed in roster.groups:
            named = self.listed_facilitators.setdefault(listed.id, [])
            if listed.facilitator not in named:
                named.append(listed.facilitator)

    def _read_bookings(self, placement: Placement) -> list[Booking]:
        bookings = []
        for index, appointment in enumerate(placement.appointments):
            span = Span.of(appointment)
            if self.version == 1:
                label = f"individual session {span}"
            else:
                label = f"{appointment.kind} appointment {span} ({self.key(index)})"
            bookings.append(Booking(index, appointment.kind, appointment.provider, span, label))
        return bookings

    def key(self, index: int) -> str:
        """The key of a client's appointment in the roster's file: ``appointments[k]``,
        or ``sessions[k]`` in a version-1 roster."""
        return f"sessions[{index}]" if self.version == 1 else f"appointments[{index}]"

    def pair(self, first: Booking, second: Booking) -> str:
        """Two appointments of one client, named for a message."""
        if self.version == 1:
            return f"individual sessions {first.span} and {second.span}"
        return f"{first.label} and {second.label}"

    def bookings(self, placement: Placement) -> list[Booking]:
        """A placed client's appointments, in the roster's order."""
        found = self._bookings.get(placement.id)
        return found if found is not None else self._read_bookings(placement)

    def availability(self, therapist: Therapist) -> SpanUnion:
        """The union of a therapist's availability (built once)."""
        found = self._availability.get(therapist.id)
        if found is None:
            found = self._availability[therapist.id] = SpanUnion(spans(therapist.availability))
        return found

    def facilitator(self, group_id: str) -> Therapist | None:
        """The group's facilitator when the roster names exactly one known therapist."""
        named = self.listed_facilitators.get(group_id, [])
        if len(named) != 1:
            return None
        return self.therapists.get(named[0])

    def placed(self) -> Iterator[tuple[Client, Placement]]:
        """Each placed client of the instance with its placement, in roster order."""
        for client_id, placement in self.placements.items():
            yield self.clients[client_id], placement

    def group_of(self, placement: Placement) -> Group | None:
        """The placement's group, None when the instance lacks it."""
        return self.groups.get(placement.group)
