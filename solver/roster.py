"""The roster: the solver's answer for the week, as pydantic models of format version 2.

A roster answering a version-1 instance has ``format_version`` 1: it is held in the same
models (its individual sessions are appointments of kind ``individual`` with the client's
primary therapist) and written, by :meth:`Roster.to_json`, in version 1's form;
:mod:`solver.roster_v1` reads version-1 roster files.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SerializerFunctionWrapHandler,
    field_validator,
    model_serializer,
)

from solver.documents import (
    MAX_OBJECTIVE,
    Id,
    document_version,
    loads_document,
    parse_document,
    read_json,
)
from solver.errors import InputError, Problem
from solver.instance import (
    DAYS,
    MAX_LIST,
    MAX_SESSIONS,
    WEIGHT_KEYS,
    WEIGHT_KEYS_V1,
    Instance,
    Interval,
)
from solver.instance_parts import MAX_CLIENTS, MAX_GROUPS
from solver.roster_v1 import to_version_1, version_2_roster

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "Appointment",
    "Missed",
    "Penalties",
    "Placement",
    "Roster",
    "RosterGroup",
    "Status",
    "Unassigned",
    "ensure_roster_matches",
    "load_roster",
    "parse_roster",
    "proved_status",
]

Status = Literal["optimal", "feasible", "infeasible", "unknown"]


def proved_status(objective: int, bound: int | None) -> Status:
    """The status of a valid roster: ``optimal`` when a proved lower bound reaches its
    objective, else ``feasible``."""
    return "optimal" if bound == objective else "feasible"


Amount = Annotated[int, Field(ge=0, le=MAX_OBJECTIVE)]
"""An objective, a bound or a penalty: a whole number from 0 to 2**53."""


class _Strict(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid")


class Penalties(_Strict):
    """Weighted amount (count x weight) of each objective term."""

    unassigned: Amount
    appointment_missed: Amount
    shift_mismatch: Amount
    not_preferred_therapist: Amount
    extra_trip: Amount
    caseload_spread: Amount
    open_group: Amount
    group_change: Amount
    therapist_change: Amount
    provider_change: Amount
    session_moved: Amount
    facilitator_change: Amount

    @classmethod
    def zero(cls) -> Penalties:
        """All terms zero."""
        return cls(**dict.fromkeys(WEIGHT_KEYS, 0))

    def total(self) -> int:
        """The objective: the sum of all terms."""
        return sum(self.as_dict().values())

    def as_dict(self, version: int = 2) -> dict[str, int]:
        """Term name to amount, in the format's order (``version`` 1: its ten terms)."""
        keys = WEIGHT_KEYS if version == 2 else WEIGHT_KEYS_V1
        return {key: int(getattr(self, key)) for key in keys}


class RosterGroup(_Strict):
    """A group that runs: its facilitator and its clients."""

    id: Id
    facilitator: Id
    clients: Annotated[list[Id], Field(min_length=1, max_length=MAX_CLIENTS)]


class Appointment(Interval):
    """One appointment: its kind, its provider (a therapist) and when it takes place."""

    kind: Id
    provider: Id

    @model_serializer(mode="wrap")
    def _kind_first(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        data: dict[str, Any] = handler(self)
        order = ("kind", "provider", "day", "start", "end")
        return {key: data[key] for key in order if key in data}

    @property
    def interval(self) -> Interval:
        """When it takes place, without the kind and the provider."""
        return Interval(day=self.day, start=self.start, end=self.end)


class Missed(_Strict):
    """Requested appointments of one wanted kind that the roster does not schedule."""

    kind: Id
    count: Annotated[int, Field(ge=1, le=MAX_SESSIONS)]
    reasons: Annotated[list[str], Field(min_length=1)]


class Placement(_Strict):
    """A placed client: group, primary therapist, appointments and missed appointments."""

    id: Id
    group: Id
    therapist: Id
    appointments: Annotated[list[Appointment], Field(max_length=MAX_LIST)] = Field(
        default_factory=list
    )
    missed: Annotated[list[Missed], Field(max_length=MAX_LIST)] = Field(default_factory=list)

    @property
    def sessions(self) -> list[Interval]:
        """The appointments of kind ``individual`` as intervals: format version 1's
        ``sessions``, kept for code written against version 1."""
        return [a.interval for a in self.appointments if a.kind == "individual"]

    def of_kind(self, kind: str) -> list[Appointment]:
        """The client's appointments of one kind, in the roster's order."""
        return [a for a in self.appointments if a.kind == kind]


class Unassigned(_Strict):
    """A client left out this week, with reasons a program manager can act on."""

    id: Id
    reasons: Annotated[list[str], Field(min_length=1)]


class Roster(_Strict):
    """The week's roster, or the reason there is none."""

    format_version: Literal[1, 2]
    status: Status
    objective: Amount | None
    best_bound: Amount | None
    penalties: Penalties
    solve_seconds: Annotated[float, Field(ge=0, allow_inf_nan=False)]
    groups: Annotated[list[RosterGroup], Field(max_length=MAX_GROUPS)]
    clients: Annotated[list[Placement], Field(max_length=MAX_CLIENTS)]
    unassigned: Annotated[list[Unassigned], Field(max_length=MAX_CLIENTS)]
    explanation: list[str]

    @field_validator("best_bound", mode="before")
    @classmethod
    def _bound_rounded_up(cls, value: Any) -> Any:
        """A bound written as a number with a fraction (as rosters once were), rounded up:
        objectives are whole numbers, so that is still a bound."""
        if isinstance(value, float) and math.isfinite(value):
            return math.ceil(value)
        return value

    @field_validator("format_version", mode="before")
    @classmethod
    def _version_is_int(cls, value: Any) -> Any:
        if type(value) is not int:
            raise ValueError("format_version must be the integer 2 (or 1, for a version-1 file)")
        return value

    def placement(self, client_id: str) -> Placement | None:
        """The placement of a client, or None when not placed."""
        for placement in self.clients:
            if placement.id == client_id:
                return placement
        return None

    def first_entries(self) -> Roster:
        """This roster with each client and group id kept at its first entry only.

        That is how a previous roster that lists an id twice is read, by the
        solver and the checker alike.
        """
        clients: dict[str, Placement] = {}
        for p in self.clients:
            clients.setdefault(p.id, p)
        groups: dict[str, RosterGroup] = {}
        for g in self.groups:
            groups.setdefault(g.id, g)
        return self.model_copy(
            update={"clients": list(clients.values()), "groups": list(groups.values())}
        )

    def to_json(self, *, indent: int | None = 2) -> str:
        """The roster as JSON of its format version (1: version 1's form)."""
        if self.format_version == 1:
            data = to_version_1(self.model_dump(mode="json"))
            return json.dumps(data, indent=indent, ensure_ascii=False)
        return self.model_dump_json(indent=indent)

    def to_frames(self, instance: Instance | None = None) -> dict[str, pd.DataFrame]:
        """The roster as tidy pandas DataFrames, one row per fact.

        Returns a dict with ``groups`` (one row per running group),
        ``assignments`` (one row per placed client), ``appointments`` (one row per
        appointment, with its kind and provider), ``missed`` (one row per kind a client
        misses appointments of), ``unassigned`` (one row per reason) and ``penalties``
        (one row per objective term of the roster's format version). With ``instance``,
        groups and assignments also carry the group's shift and room.
        """
        shift = {g.id: g.shift for g in instance.groups} if instance else {}
        room = {g.id: g.room for g in instance.groups} if instance else {}
        group_rows = [
            {
                "group": g.id,
                "facilitator": g.facilitator,
                "size": len(g.clients),
                **({"shift": shift.get(g.id), "room": room.get(g.id)} if instance else {}),
            }
            for g in self.groups
        ]
        assignment_rows = [
            {
                "client": p.id,
                "group": p.group,
                "therapist": p.therapist,
                "appointments": len(p.appointments),
                **({"shift": shift.get(p.group)} if instance else {}),
            }
            for p in self.clients
        ]
        appointment_rows = [
            {
                "client": p.id,
                "kind": a.kind,
                "provider": a.provider,
                "day": a.day,
                "start": a.start,
                "end": a.end,
            }
            for p in self.clients
            for a in sorted(p.appointments, key=lambda a: (DAYS.index(a.day), a.start, a.kind))
        ]
        missed_rows = [
            {"client": p.id, "kind": m.kind, "count": m.count, "reason": "; ".join(m.reasons)}
            for p in self.clients
            for m in p.missed
        ]
        unassigned_rows = [
            {"client": u.id, "reason": r} for u in self.unassigned for r in u.reasons
        ]
        penalty_rows = [
            {"term": term, "amount": amount}
            for term, amount in self.penalties.as_dict(self.format_version).items()
        ]
        return {
            "groups": _frame(group_rows, ["group", "facilitator", "size"]),
            "assignments": _frame(
                assignment_rows, ["client", "group", "therapist", "appointments"]
            ),
            "appointments": _frame(
                appointment_rows, ["client", "kind", "provider", "day", "start", "end"]
            ),
            "missed": _frame(missed_rows, ["client", "kind", "count", "reason"]),
            "unassigned": _frame(unassigned_rows, ["client", "reason"]),
            "penalties": _frame(penalty_rows, ["term", "amount"]),
        }


def _frame(rows: list[dict[str, Any]], columns: list[str]) -> pd.DataFrame:
    # pandas is imported here, not at start-up: most commands never build a frame.
    import pandas as pd

    return pd.DataFrame(rows) if rows else pd.DataFrame(columns=columns)


def parse_roster(data: Mapping[str, Any] | str | bytes, *, source: str = "") -> Roster:
    """Validate a roster (format version 2, or 1) given as JSON text or decoded data.

    Raises:
        InputError: every problem found, each naming the entry and the key.
    """
    if isinstance(data, str | bytes):
        data = loads_document(data, source, what="roster")
    if document_version(data) == 1:
        data = version_2_roster(data, source=source)
    return parse_document(Roster, data, source=source, what="roster")


def load_roster(path: str | Path) -> Roster:
    """Read and validate a roster file.

    Raises:
        InputError: the file is unreadable, not JSON, or not a valid roster.
    """
    return parse_roster(read_json(path, what="roster"), source=str(path))


def ensure_roster_matches(instance: Instance, roster: Roster, *, file: str = "") -> None:
    """Refuse a roster that names a group, therapist or client the instance does not have
    (a roster of another week or another program); ``file`` names the roster in the problems.

    Raises:
        InputError: one problem per name the instance lacks, naming the entry and the key.
    """
    problems: list[Problem] = []

    def need(found: bool, entry: str, key: str, what: str, value: str) -> None:
        if not found:
            problems.append(Problem(entry, key, f"the instance has no {what} {value!r}", file))

    for i, group in enumerate(roster.groups):
        entry = f"groups[{i}] (id {group.id})"
        need(instance.has_group(group.id), entry, "id", "group", group.id)
        facilitator = group.facilitator
        need(instance.has_therapist(facilitator), entry, "facilitator", "therapist", facilitator)
        for k, client in enumerate(group.clients):
            need(instance.has_client(client), entry, f"clients[{k}]", "client", client)
    for i, placement in enumerate(roster.clients):
        entry = f"clients[{i}] (id {placement.id})"
        need(instance.has_client(placement.id), entry, "id", "client", placement.id)
        need(instance.has_group(placement.group), entry, "group", "group", placement.group)
        therapist = placement.therapist
        need(instance.has_therapist(therapist), entry, "therapist", "therapist", therapist)
        kinds = {kind.id for kind in instance.kinds}
        for k, appointment in enumerate(placement.appointments):
            key = f"appointments[{k}]"
            need(
                appointment.kind in kinds,
                entry,
                f"{key}.kind",
                "appointment kind",
                appointment.kind,
            )
            provider = appointment.provider
            need(instance.has_therapist(provider), entry, f"{key}.provider", "therapist", provider)
        for k, missed in enumerate(placement.missed):
            need(missed.kind in kinds, entry, f"missed[{k}].kind", "appointment kind", missed.kind)
    for i, item in enumerate(roster.unassigned):
        entry = f"unassigned[{i}] (id {item.id})"
        need(instance.has_client(item.id), entry, "id", "client", item.id)
    if problems:
        raise InputError(problems)
