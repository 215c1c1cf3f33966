"""The instance: one program's week, as pydantic models of format version 2.

The models are the implementation of ``docs/format.md``: unknown keys are errors,
types are strict, and :class:`Instance` checks every cross-reference (dangling
or duplicate ids, impossible pins, overlapping meetings ...) and reports all
problems at once as one :class:`~solver.errors.InputError`.

A version-1 file is validated by :mod:`solver.instance_v1` and read as the version-2
instance the format's table gives; :attr:`Instance.source_version` remembers it, so that
the solver answers it with a version-1 roster.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, PrivateAttr, field_validator, model_validator

from solver.documents import (
    Id,
    Text,
    document_version,
    loads_document,
    parse_document,
    read_json,
)
from solver.errors import InputError
from solver.instance_checks import cross_reference_problems, objective_problems
from solver.instance_parts import (
    MAX_CLIENTS,
    MAX_GROUPS,
    MAX_KINDS,
    MAX_LEVELS,
    MAX_PRIORITY,
    MAX_THERAPISTS,
    MAX_WEIGHT,
    MinWeeklyHours,
    ProgramBase,
    Therapist,
    not_null,
)
from solver.instance_v1 import version_2_document
from solver.intervals import (
    DAYS,
    MAX_COUNT,
    MAX_LIST,
    MAX_SESSIONS,
    MINUTES_PER_DAY,
    MINUTES_PER_WEEK,
    Day,
    Ids,
    Interval,
    Intervals,
    Minutes,
    Population,
    Shift,
    Size,
    Strict,
    Texts,
    minutes_to_time,
    time_to_minutes,
)

__all__ = [
    "DAYS",
    "MAX_PRIORITY",
    "MAX_COUNT",
    "MAX_LIST",
    "MAX_SESSIONS",
    "MINUTES_PER_DAY",
    "MINUTES_PER_WEEK",
    "AppointmentKind",
    "Client",
    "Day",
    "Group",
    "Instance",
    "Interval",
    "Level",
    "MinWeeklyHours",
    "Population",
    "Program",
    "Shift",
    "Therapist",
    "Weights",
    "load_instance",
    "minutes_to_time",
    "parse_instance",
    "time_to_minutes",
]


Weight = Annotated[int, Field(ge=0, le=MAX_WEIGHT)]


class Weights(Strict):
    """The objective's weights; a key left out keeps its default."""

    unassigned: Weight = 1000
    appointment_missed: Weight = 100
    shift_mismatch: Weight = 10
    not_preferred_therapist: Weight = 5
    extra_trip: Weight = 2
    caseload_spread: Weight = 1
    open_group: Weight = 0
    group_change: Weight = 50
    therapist_change: Weight = 50
    provider_change: Weight = 20
    session_moved: Weight = 5
    facilitator_change: Weight = 20


WEIGHT_KEYS: tuple[str, ...] = tuple(Weights.model_fields)
"""The twelve penalty terms of format version 2, in the format's order."""
WEIGHT_KEYS_V1: tuple[str, ...] = tuple(
    k for k in WEIGHT_KEYS if k not in ("appointment_missed", "provider_change")
)
"""The ten penalty terms of format version 1."""


class Level(Strict):
    """A level of care (IOP, PHP ...) with its weekly-hours minimum."""

    id: Id
    name: Text = ""
    min_weekly_hours: MinWeeklyHours = Field(default_factory=MinWeeklyHours)


class AppointmentKind(Strict):
    """A kind of one-to-one appointment: individual, family, psychiatry ..."""

    id: Id
    name: Text = ""
    minutes: Minutes = 60
    provider: Literal["primary", "specialist"] = "primary"
    provider_specialties: Texts = Field(default_factory=list)
    required: bool = False
    with_family: bool = False
    counts_toward_hours: bool = True
    per_week: Annotated[int, Field(ge=0, le=MAX_SESSIONS)] = 0


def _default_levels() -> list[Level]:
    return [Level(id="iop")]


def _default_kinds() -> list[AppointmentKind]:
    return [AppointmentKind(id="individual", required=True, per_week=1)]


class Program(ProgramBase):
    """Program-wide settings and defaults."""

    levels: Annotated[list[Level], Field(min_length=1, max_length=MAX_LEVELS)] = Field(
        default_factory=_default_levels
    )
    appointment_kinds: Annotated[list[AppointmentKind], Field(max_length=MAX_KINDS)] = Field(
        default_factory=_default_kinds
    )
    weights: Weights = Field(default_factory=Weights)


class Group(Strict):
    """One group series that may run this week."""

    id: Id
    name: Text = ""
    shift: Shift
    meetings: Annotated[list[Interval], Field(min_length=1, max_length=MAX_LIST)]
    population: Population
    # Left out: the first level's id, filled in by Instance.
    levels: Annotated[list[Id], Field(min_length=1, max_length=MAX_LIST)] | None = None
    tracks: Annotated[list[Text], Field(min_length=1, max_length=MAX_LIST)]
    audience: Text | None = None
    facilitator_specialties: Texts = Field(default_factory=list)
    # Left out: the program's group_max_size, filled in by Instance.
    max_size: Size | None = None
    room: Text | None = None
    site: Text | None = None
    pull_out: bool = False

    _not_null = field_validator("max_size", "levels", mode="before")(not_null)

    @property
    def capacity(self) -> int:
        """The largest number of clients the group may hold."""
        assert self.max_size is not None, "Instance fills max_size"
        return self.max_size

    @property
    def level_ids(self) -> list[str]:
        """The levels of care the group serves."""
        assert self.levels is not None, "Instance fills levels"
        return self.levels

    @property
    def weekly_minutes(self) -> int:
        """Minutes of group meetings a week."""
        return sum(m.minutes for m in self.meetings)


class Client(Strict):
    """A client of the program (an opaque id; no personal data)."""

    id: Id
    population: Population
    # Left out: the first level's id, filled in by Instance.
    level: Id | None = None
    track: Text
    audiences: Texts = Field(default_factory=list)
    sites: Texts = Field(default_factory=list)
    needs: Texts = Field(default_factory=list)
    busy: Intervals = Field(default_factory=list)
    family_availability: Intervals = Field(default_factory=list)
    shift_preference: Shift | None = None
    # At most one appointment of a kind a day (R2).
    appointments: Annotated[
        dict[Id, Annotated[int, Field(ge=0, le=MAX_SESSIONS)]], Field(max_length=MAX_KINDS)
    ] = Field(default_factory=dict)
    appointment_minutes: Annotated[dict[Id, Minutes], Field(max_length=MAX_KINDS)] = Field(
        default_factory=dict
    )
    preferred_therapists: Ids = Field(default_factory=list)
    avoid_therapists: Ids = Field(default_factory=list)
    keep_apart: Ids = Field(default_factory=list)
    priority: Annotated[int, Field(ge=1, le=MAX_PRIORITY)] = 1
    pinned_group: Id | None = None
    pinned_therapist: Id | None = None

    _not_null = field_validator("level", mode="before")(not_null)

    @property
    def level_id(self) -> str:
        """The client's level of care this week."""
        assert self.level is not None, "Instance fills level"
        return self.level


class Instance(Strict):
    """A program's week: candidate groups, therapists and clients.

    Construct it with :func:`parse_instance` or :func:`load_instance`, which
    raise :class:`~solver.errors.InputError` listing every problem.
    """

    format_version: Literal[2]
    program: Program = Field(default_factory=Program)
    groups: Annotated[list[Group], Field(max_length=MAX_GROUPS)]
    therapists: Annotated[list[Therapist], Field(max_length=MAX_THERAPISTS)]
    clients: Annotated[list[Client], Field(max_length=MAX_CLIENTS)]

    @field_validator("format_version", mode="before")
    @classmethod
    def _version_is_int(cls, value: Any) -> Any:
        if type(value) is not int or value != 2:
            raise ValueError("format_version must be the integer 2 (or 1, for a version-1 file)")
        return value

    _source_version: Literal[1, 2] = PrivateAttr(default=2)
    _groups: dict[str, Group] = PrivateAttr(default_factory=dict)
    _therapists: dict[str, Therapist] = PrivateAttr(default_factory=dict)
    _clients: dict[str, Client] = PrivateAttr(default_factory=dict)
    _kinds: dict[str, AppointmentKind] = PrivateAttr(default_factory=dict)
    _levels: dict[str, Level] = PrivateAttr(default_factory=dict)

    @model_validator(mode="after")
    def _cross_references(self) -> Instance:
        first_level = self.program.levels[0].id
        for group in self.groups:
            if group.max_size is None:
                group.max_size = self.program.group_max_size
            if group.levels is None:
                group.levels = [first_level]
        for client in self.clients:
            if client.level is None:
                client.level = first_level
        problems = [*cross_reference_problems(self), *objective_problems(self)]
        if problems:
            # Not a ValueError: pydantic lets it through with its structured problems intact.
            raise InputError(problems)
        self._groups = {g.id: g for g in self.groups}
        self._therapists = {t.id: t for t in self.therapists}
        self._clients = {c.id: c for c in self.clients}
        self._kinds = {k.id: k for k in self.program.appointment_kinds}
        self._levels = {v.id: v for v in self.program.levels}
        return self

    @property
    def source_version(self) -> Literal[1, 2]:
        """The format version of the file this instance was read from (1 or 2): a solver
        answers with a roster of the same version."""
        return self._source_version

    def as_version(self, version: Literal[1, 2]) -> Instance:
        """This instance, marked as read from a file of ``version`` (1 or 2)."""
        copy = self.model_copy()
        copy._source_version = version
        return copy

    def group(self, group_id: str) -> Group:
        """The group with this id (KeyError if none)."""
        return self._groups[group_id]

    def therapist(self, therapist_id: str) -> Therapist:
        """The therapist with this id (KeyError if none)."""
        return self._therapists[therapist_id]

    def client(self, client_id: str) -> Client:
        """The client with this id (KeyError if none)."""
        return self._clients[client_id]

    def kind(self, kind_id: str) -> AppointmentKind:
        """The appointment kind with this id (KeyError if none)."""
        return self._kinds[kind_id]

    def level(self, level_id: str) -> Level:
        """The level of care with this id (KeyError if none)."""
        return self._levels[level_id]

    def has_group(self, group_id: str) -> bool:
        """True when the instance has a group with this id."""
        return group_id in self._groups

    def has_therapist(self, therapist_id: str) -> bool:
        """True when the instance has a therapist with this id."""
        return therapist_id in self._therapists

    def has_client(self, client_id: str) -> bool:
        """True when the instance has a client with this id."""
        return client_id in self._clients

    @property
    def kinds(self) -> list[AppointmentKind]:
        """The program's appointment kinds, in the file's order."""
        return self.program.appointment_kinds

    def requested(self, client: Client, kind: AppointmentKind) -> int:
        """How many appointments of ``kind`` the client asks for this week."""
        return client.appointments.get(kind.id, kind.per_week)

    def requested_total(self, client: Client) -> int:
        """How many appointments of every kind the client asks for this week."""
        return sum(self.requested(client, kind) for kind in self.kinds)

    def counted_minutes_asked(self, client: Client) -> int:
        """Minutes of every appointment the client asks for of kinds that count toward the
        weekly hours: the most their appointments can add to R10's hours."""
        return sum(
            self.requested(client, kind) * self.appointment_minutes(client, kind)
            for kind in self.kinds
            if kind.counts_toward_hours
        )

    def appointment_minutes(self, client: Client, kind: AppointmentKind) -> int:
        """Length of each of the client's appointments of ``kind``."""
        return client.appointment_minutes.get(kind.id, kind.minutes)

    def min_weekly_minutes(self, client: Client) -> float:
        """The weekly minutes (groups plus counted appointments) the client must reach."""
        hours = getattr(self.level(client.level_id).min_weekly_hours, client.population)
        return float(hours) * 60

    def to_json(self, *, indent: int | None = 2) -> str:
        """The instance as format-version-2 JSON (defaults written out)."""
        return self.model_dump_json(indent=indent)


def parse_instance(data: Mapping[str, Any] | str | bytes, *, source: str = "") -> Instance:
    """Validate an instance (format version 2, or 1) given as JSON text or decoded data.

    ``source`` names the file in error messages.

    Raises:
        InputError: every problem found, each naming the entry and the key.
    """
    if isinstance(data, str | bytes):
        data = loads_document(data, source, what="instance")
    if document_version(data) == 1:
        v2 = version_2_document(data, source=source)
        return parse_document(Instance, v2, source=source, what="instance").as_version(1)
    return parse_document(Instance, data, source=source, what="instance")


def load_instance(path: str | Path) -> Instance:
    """Read and validate an instance file (format version 2, or 1).

    Raises:
        InputError: the file is unreadable, not JSON, or not a valid instance.
    """
    return parse_instance(read_json(path, what="instance"), source=str(path))
