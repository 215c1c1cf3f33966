"""The instance: one program's week, as pydantic models of format version 1.

The models are the implementation of ``docs/format.md``: unknown keys are errors,
types are strict, and :class:`Instance` checks every cross-reference (dangling
or duplicate ids, impossible pins, overlapping meetings ...) and reports all
problems at once as one :class:`~solver.errors.InputError`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    field_validator,
    model_validator,
)

from solver.documents import MAX_OBJECTIVE, Id, Text, parse_document, read_json
from solver.errors import InputError, Problem

__all__ = [
    "DAYS",
    "Client",
    "Day",
    "Group",
    "Instance",
    "Interval",
    "MinWeeklyHours",
    "Population",
    "Program",
    "Shift",
    "Therapist",
    "Weights",
    "load_instance",
    "parse_instance",
    "time_to_minutes",
]

Day = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
DAYS: tuple[Day, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
Shift = Literal["morning", "afternoon", "evening"]
Population = Literal["adult", "adolescent"]
_TIME = re.compile(r"^(?:[01]\d|2[0-3]):[0-5]\d$|^24:00$")


def _check_time(value: str) -> str:
    if not _TIME.match(value):
        raise ValueError(f'{value!r} is not a time "HH:MM" from 00:00 to 24:00')
    return value


Time = Annotated[str, AfterValidator(_check_time)]

MINUTES_PER_DAY = 24 * 60
MINUTES_PER_WEEK = 7 * MINUTES_PER_DAY

# The format's upper bounds (ids and texts: solver.documents). Each keeps memory and time
# in check; together they keep every objective within 2**53 (see _objective_problems).
MAX_GROUPS, MAX_THERAPISTS, MAX_CLIENTS = 10_000, 10_000, 100_000
MAX_LIST = 1_000  # items in a list inside an entry: meetings, busy, tracks, keep_apart ...
MAX_COUNT = 1_000  # group sizes, max_caseload, max_groups
MAX_SESSIONS = 7  # individual sessions a week: at most one a day (R2)
MAX_WEIGHT = MAX_PRIORITY = 1_000_000


def time_to_minutes(value: str) -> int:
    """Minutes after 00:00 of a ``"HH:MM"`` time (``"24:00"`` gives 1440)."""
    hours, minutes = value.split(":")
    return int(hours) * 60 + int(minutes)


def minutes_to_time(minute: int) -> str:
    """``"HH:MM"`` of a minute after 00:00 (1440 gives ``"24:00"``): the inverse of
    :func:`time_to_minutes`."""
    return f"{minute // 60:02d}:{minute % 60:02d}"


class _Strict(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid", validate_assignment=False)


class Interval(_Strict):
    """A half-open interval ``[start, end)`` on one day of the week."""

    model_config = ConfigDict(frozen=True)

    day: Day
    start: Time
    end: Time

    @model_validator(mode="after")
    def _start_before_end(self) -> Interval:
        if time_to_minutes(self.start) >= time_to_minutes(self.end):
            raise ValueError(f"start {self.start} must be before end {self.end}")
        return self

    @property
    def day_index(self) -> int:
        """0 for Monday ... 6 for Sunday."""
        return DAYS.index(self.day)

    @property
    def start_minute(self) -> int:
        """Minutes after 00:00 of the day at which the interval starts."""
        return time_to_minutes(self.start)

    @property
    def end_minute(self) -> int:
        """Minutes after 00:00 of the day at which the interval ends."""
        return time_to_minutes(self.end)

    @property
    def minutes(self) -> int:
        """Length in minutes."""
        return self.end_minute - self.start_minute

    def overlaps(self, other: Interval) -> bool:
        """True when both lie on one day and share some time (touching is not overlapping)."""
        return (
            self.day == other.day
            and self.start_minute < other.end_minute
            and other.start_minute < self.end_minute
        )

    def __str__(self) -> str:
        return f"{self.day} {self.start}-{self.end}"


def _default_open_hours() -> list[Interval]:
    return [Interval(day=d, start="08:00", end="21:00") for d in DAYS[:5]]


Weight = Annotated[int, Field(ge=0, le=MAX_WEIGHT)]
Count = Annotated[int, Field(ge=0, le=MAX_COUNT)]
Size = Annotated[int, Field(ge=1, le=MAX_COUNT)]
Minutes = Annotated[int, Field(ge=1, le=MINUTES_PER_DAY)]
Hours = Annotated[float, Field(ge=0, le=MINUTES_PER_WEEK // 60, allow_inf_nan=False)]
Intervals = Annotated[list[Interval], Field(max_length=MAX_LIST)]
Texts = Annotated[list[Text], Field(max_length=MAX_LIST)]
Ids = Annotated[list[Id], Field(max_length=MAX_LIST)]


class Weights(_Strict):
    """The objective's weights; a key left out keeps its default."""

    unassigned: Weight = 1000
    shift_mismatch: Weight = 10
    not_preferred_therapist: Weight = 5
    extra_trip: Weight = 2
    caseload_spread: Weight = 1
    open_group: Weight = 0
    group_change: Weight = 50
    therapist_change: Weight = 50
    session_moved: Weight = 5
    facilitator_change: Weight = 20


WEIGHT_KEYS: tuple[str, ...] = tuple(Weights.model_fields)


class MinWeeklyHours(_Strict):
    """Weekly hours (groups plus individual sessions) a placed client reaches."""

    adult: Hours = 9
    adolescent: Hours = 6


class Program(_Strict):
    """Program-wide settings and defaults."""

    name: Text = ""
    group_max_size: Size = 8
    group_min_size: Size = 3
    slot_minutes: Annotated[int, Field(ge=1, le=60)] = 15
    individual_session_minutes: Minutes = 60
    open_hours: Intervals = Field(default_factory=_default_open_hours)
    min_weekly_hours: MinWeeklyHours = Field(default_factory=MinWeeklyHours)
    weights: Weights = Field(default_factory=Weights)

    @field_validator("slot_minutes")
    @classmethod
    def _divides_hour(cls, value: int) -> int:
        if 60 % value:
            raise ValueError(f"slot_minutes {value} does not divide 60")
        return value

    @model_validator(mode="after")
    def _sizes_ordered(self) -> Program:
        if self.group_min_size > self.group_max_size:
            raise ValueError(
                f"group_min_size {self.group_min_size} exceeds group_max_size {self.group_max_size}"
            )
        return self


def _not_null(value: Any) -> Any:
    if value is None:
        raise ValueError("must not be null")
    return value


class Group(_Strict):
    """One group series that may run this week."""

    id: Id
    name: Text = ""
    shift: Shift
    meetings: Annotated[list[Interval], Field(min_length=1, max_length=MAX_LIST)]
    population: Population
    tracks: Annotated[list[Text], Field(min_length=1, max_length=MAX_LIST)]
    audience: Text | None = None
    facilitator_specialties: Texts = Field(default_factory=list)
    # Left out: the program's group_max_size, filled in by Instance.
    max_size: Size | None = None
    room: Text | None = None

    _not_null = field_validator("max_size", mode="before")(_not_null)

    @property
    def capacity(self) -> int:
        """The largest number of clients the group may hold."""
        assert self.max_size is not None, "Instance fills max_size"
        return self.max_size

    @property
    def weekly_minutes(self) -> int:
        """Minutes of group meetings a week."""
        return sum(m.minutes for m in self.meetings)


class Therapist(_Strict):
    """A therapist: primary therapist for clients and facilitator of groups."""

    id: Id
    name: Text = ""
    specialties: Texts = Field(default_factory=list)
    availability: Intervals
    max_caseload: Count = 12
    max_groups: Count = 2


class Client(_Strict):
    """A client of the program (an opaque id; no personal data)."""

    id: Id
    population: Population
    track: Text
    audiences: Texts = Field(default_factory=list)
    needs: Texts = Field(default_factory=list)
    busy: Intervals = Field(default_factory=list)
    shift_preference: Shift | None = None
    # At most one session a day (R2).
    individual_sessions: Annotated[int, Field(ge=0, le=MAX_SESSIONS)] = 1
    session_minutes: Minutes | None = None
    preferred_therapists: Ids = Field(default_factory=list)
    avoid_therapists: Ids = Field(default_factory=list)
    keep_apart: Ids = Field(default_factory=list)
    priority: Annotated[int, Field(ge=1, le=MAX_PRIORITY)] = 1
    pinned_group: Id | None = None
    pinned_therapist: Id | None = None


class Instance(_Strict):
    """A program's week: candidate groups, therapists and clients.

    Construct it with :func:`parse_instance` or :func:`load_instance`, which
    raise :class:`~solver.errors.InputError` listing every problem.
    """

    format_version: Literal[1]
    program: Program = Field(default_factory=Program)
    groups: Annotated[list[Group], Field(max_length=MAX_GROUPS)]
    therapists: Annotated[list[Therapist], Field(max_length=MAX_THERAPISTS)]
    clients: Annotated[list[Client], Field(max_length=MAX_CLIENTS)]

    @field_validator("format_version", mode="before")
    @classmethod
    def _version_is_int(cls, value: Any) -> Any:
        if type(value) is not int:
            raise ValueError("format_version must be the integer 1")
        return value

    _groups: dict[str, Group] = PrivateAttr(default_factory=dict)
    _therapists: dict[str, Therapist] = PrivateAttr(default_factory=dict)
    _clients: dict[str, Client] = PrivateAttr(default_factory=dict)

    @model_validator(mode="after")
    def _cross_references(self) -> Instance:
        for group in self.groups:
            if group.max_size is None:
                group.max_size = self.program.group_max_size
        problems = [*_cross_reference_problems(self), *_objective_problems(self)]
        if problems:
            # Not a ValueError: pydantic lets it through with its structured problems intact.
            raise InputError(problems)
        self._groups = {g.id: g for g in self.groups}
        self._therapists = {t.id: t for t in self.therapists}
        self._clients = {c.id: c for c in self.clients}
        return self

    def group(self, group_id: str) -> Group:
        """The group with this id (KeyError if none)."""
        return self._groups[group_id]

    def therapist(self, therapist_id: str) -> Therapist:
        """The therapist with this id (KeyError if none)."""
        return self._therapists[therapist_id]

    def client(self, client_id: str) -> Client:
        """The client with this id (KeyError if none)."""
        return self._clients[client_id]

    def has_group(self, group_id: str) -> bool:
        """True when the instance has a group with this id."""
        return group_id in self._groups

    def has_therapist(self, therapist_id: str) -> bool:
        """True when the instance has a therapist with this id."""
        return therapist_id in self._therapists

    def has_client(self, client_id: str) -> bool:
        """True when the instance has a client with this id."""
        return client_id in self._clients

    def session_minutes(self, client: Client) -> int:
        """Length of each of the client's individual sessions."""
        if client.session_minutes is not None:
            return client.session_minutes
        return self.program.individual_session_minutes

    def min_weekly_minutes(self, client: Client) -> float:
        """The weekly minutes (groups plus sessions) the client must reach when placed."""
        hours = getattr(self.program.min_weekly_hours, client.population)
        return float(hours) * 60

    def to_json(self, *, indent: int | None = 2) -> str:
        """The instance as format-v1 JSON (defaults written out)."""
        return self.model_dump_json(indent=indent)


def _entry(kind: str, index: int, item_id: str) -> str:
    return f"{kind}[{index}] (id {item_id})"


def _duplicate_ids(kind: str, ids: list[str]) -> Iterator[Problem]:
    first: dict[str, int] = {}
    for index, item_id in enumerate(ids):
        if item_id in first:
            yield Problem(
                _entry(kind, index, item_id),
                "id",
                f"duplicate id {item_id!r} (also {kind}[{first[item_id]}])",
            )
        else:
            first[item_id] = index


def _cross_reference_problems(inst: Instance) -> Iterator[Problem]:
    program = inst.program
    yield from _duplicate_ids("groups", [g.id for g in inst.groups])
    yield from _duplicate_ids("therapists", [t.id for t in inst.therapists])
    yield from _duplicate_ids("clients", [c.id for c in inst.clients])
    groups = {g.id: g for g in inst.groups}
    therapists = {t.id for t in inst.therapists}
    clients = {c.id for c in inst.clients}

    for gi, group in enumerate(inst.groups):
        entry = _entry("groups", gi, group.id)
        size = group.capacity
        if not program.group_min_size <= size <= program.group_max_size:
            yield Problem(
                entry,
                "max_size",
                f"max_size {size} lies outside [group_min_size {program.group_min_size}, "
                f"group_max_size {program.group_max_size}]",
            )
        for i, a in enumerate(group.meetings):
            for j in range(i + 1, len(group.meetings)):
                if a.overlaps(group.meetings[j]):
                    yield Problem(
                        entry,
                        f"meetings[{j}]",
                        f"meeting {group.meetings[j]} overlaps meetings[{i}] ({a})",
                    )

    for ci, client in enumerate(inst.clients):
        entry = _entry("clients", ci, client.id)
        for key in ("preferred_therapists", "avoid_therapists"):
            for k, tid in enumerate(getattr(client, key)):
                if tid not in therapists:
                    yield Problem(entry, f"{key}[{k}]", f"unknown therapist {tid!r}")
        for k, other in enumerate(client.keep_apart):
            if other not in clients:
                yield Problem(entry, f"keep_apart[{k}]", f"unknown client {other!r}")
        if client.pinned_therapist is not None:
            if client.pinned_therapist not in therapists:
                yield Problem(
                    entry, "pinned_therapist", f"unknown therapist {client.pinned_therapist!r}"
                )
            elif client.pinned_therapist in client.avoid_therapists:
                yield Problem(
                    entry,
                    "pinned_therapist",
                    f"pinned to therapist {client.pinned_therapist!r}, whom the client avoids",
                )
        if client.pinned_group is not None:
            pinned = groups.get(client.pinned_group)
            if pinned is None:
                yield Problem(entry, "pinned_group", f"unknown group {client.pinned_group!r}")
            else:
                for reason in _static_ineligibility(client, pinned):
                    yield Problem(
                        entry,
                        "pinned_group",
                        f"pinned to group {pinned.id!r}, which it may not join: {reason}",
                    )


def _objective_problems(inst: Instance) -> Iterator[Problem]:
    """The objective's worst case (every term at its most at once), when above 2**53."""
    w = inst.program.weights
    clients, groups = len(inst.clients), len(inst.groups)
    sessions = sum(c.individual_sessions for c in inst.clients)
    caseload = max((t.max_caseload for t in inst.therapists), default=0)
    most = {
        "unassigned": w.unassigned * sum(c.priority for c in inst.clients),
        "shift_mismatch": w.shift_mismatch * clients,
        "not_preferred_therapist": w.not_preferred_therapist * clients,
        "extra_trip": w.extra_trip * sessions,
        "caseload_spread": w.caseload_spread * caseload,
        "open_group": w.open_group * groups,
        "group_change": w.group_change * clients,
        "therapist_change": w.therapist_change * clients,
        "session_moved": w.session_moved * sessions,
        "facilitator_change": w.facilitator_change * groups,
    }
    total = sum(most.values())
    if total > MAX_OBJECTIVE:
        term = max(most, key=lambda k: most[k])
        also = " or the clients' priorities" if term == "unassigned" else ""
        yield Problem(
            "program",
            f"weights.{term}",
            f"the objective could reach {total:,}, above the limit 2**53 ({MAX_OBJECTIVE:,}); "
            f"{term} alone could cost {most[term]:,}: lower this weight{also}",
        )


def _static_ineligibility(client: Client, group: Group) -> Iterator[str]:
    if group.population != client.population:
        yield f"the group is for {group.population}s, the client is an {client.population}"
    if client.track not in group.tracks:
        yield f"the group serves tracks {', '.join(group.tracks)}, not {client.track}"
    if group.audience is not None and group.audience not in client.audiences:
        yield f"the group is for audience {group.audience!r}, not in the client's audiences"


def parse_instance(data: Mapping[str, Any] | str | bytes, *, source: str = "") -> Instance:
    """Validate an instance given as a JSON text or as already-decoded data.

    ``source`` names the file in error messages.

    Raises:
        InputError: every problem found, each naming the entry and the key.
    """
    return parse_document(Instance, data, source=source, what="instance")


def load_instance(path: str | Path) -> Instance:
    """Read and validate an instance file.

    Raises:
        InputError: the file is unreadable, not JSON, or not a valid instance.
    """
    return parse_instance(read_json(path, what="instance"), source=str(path))
