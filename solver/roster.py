"""The roster: the solver's answer for the week, as pydantic models of format version 1."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from solver.documents import parse_document, read_json
from solver.instance import (
    DAYS,
    WEIGHT_KEYS,
    Id,
    Instance,
    Interval,
)

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "Penalties",
    "Placement",
    "Roster",
    "RosterGroup",
    "Status",
    "Unassigned",
    "load_roster",
    "parse_roster",
]

Status = Literal["optimal", "feasible", "infeasible", "unknown"]


class _Strict(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid")


class Penalties(_Strict):
    """Weighted amount (count x weight) of each objective term."""

    unassigned: int
    shift_mismatch: int
    not_preferred_therapist: int
    extra_trip: int
    caseload_spread: int
    open_group: int
    group_change: int
    therapist_change: int
    session_moved: int
    facilitator_change: int

    @classmethod
    def zero(cls) -> Penalties:
        """All terms zero."""
        return cls(**dict.fromkeys(WEIGHT_KEYS, 0))

    def total(self) -> int:
        """The objective: the sum of all terms."""
        return sum(self.as_dict().values())

    def as_dict(self) -> dict[str, int]:
        """Term name to amount, in the format's order."""
        return {key: int(getattr(self, key)) for key in WEIGHT_KEYS}


class RosterGroup(_Strict):
    """A group that runs: its facilitator and its clients."""

    id: Id
    facilitator: Id
    clients: Annotated[list[Id], Field(min_length=1)]


class Placement(_Strict):
    """A placed client: group, primary therapist and individual sessions."""

    id: Id
    group: Id
    therapist: Id
    sessions: list[Interval] = Field(default_factory=list)


class Unassigned(_Strict):
    """A client left out this week, with reasons a program manager can act on."""

    id: Id
    reasons: Annotated[list[str], Field(min_length=1)]


class Roster(_Strict):
    """The week's roster, or the reason there is none."""

    format_version: Literal[1]
    status: Status
    objective: int | None
    best_bound: float | None
    penalties: Penalties
    solve_seconds: Annotated[float, Field(ge=0)]
    groups: list[RosterGroup]
    clients: list[Placement]
    unassigned: list[Unassigned]
    explanation: list[str]

    @field_validator("format_version", mode="before")
    @classmethod
    def _version_is_int(cls, value: Any) -> Any:
        if type(value) is not int:
            raise ValueError("format_version must be the integer 1")
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
        """The roster as format-v1 JSON."""
        return self.model_dump_json(indent=indent)

    def to_frames(self, instance: Instance | None = None) -> dict[str, pd.DataFrame]:
        """The roster as tidy pandas DataFrames, one row per fact.

        Returns a dict with ``groups`` (one row per running group),
        ``assignments`` (one row per placed client), ``sessions`` (one row per
        individual session), ``unassigned`` (one row per reason) and
        ``penalties`` (one row per objective term). With ``instance``, groups
        and assignments also carry the group's shift and room.
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
                "sessions": len(p.sessions),
                **({"shift": shift.get(p.group)} if instance else {}),
            }
            for p in self.clients
        ]
        session_rows = [
            {
                "client": p.id,
                "therapist": p.therapist,
                "day": s.day,
                "start": s.start,
                "end": s.end,
            }
            for p in self.clients
            for s in sorted(p.sessions, key=lambda s: (DAYS.index(s.day), s.start))
        ]
        unassigned_rows = [
            {"client": u.id, "reason": r} for u in self.unassigned for r in u.reasons
        ]
        penalty_rows = [
            {"term": term, "amount": amount} for term, amount in self.penalties.as_dict().items()
        ]
        return {
            "groups": _frame(group_rows, ["group", "facilitator", "size"]),
            "assignments": _frame(assignment_rows, ["client", "group", "therapist", "sessions"]),
            "sessions": _frame(session_rows, ["client", "therapist", "day", "start", "end"]),
            "unassigned": _frame(unassigned_rows, ["client", "reason"]),
            "penalties": _frame(penalty_rows, ["term", "amount"]),
        }


def _frame(rows: list[dict[str, Any]], columns: list[str]) -> pd.DataFrame:
    # pandas is imported here, not at start-up: most commands never build a frame.
    import pandas as pd

    return pd.DataFrame(rows) if rows else pd.DataFrame(columns=columns)


def parse_roster(data: Mapping[str, Any] | str | bytes, *, source: str = "") -> Roster:
    """Validate a roster given as a JSON text or as already-decoded data.

    Raises:
        InputError: every problem found, each naming the entry and the key.
    """
    return parse_document(Roster, data, source=source, what="roster")


def load_roster(path: str | Path) -> Roster:
    """Read and validate a roster file.

    Raises:
        InputError: the file is unreadable, not JSON, or not a valid roster.
    """
    return parse_roster(read_json(path), source=str(path))
