"""Format version 1 rosters: read into the version-2 models, and written back in version 1's form.

A version-1 roster's ``sessions`` are its individual appointments (kind ``individual``, with
the client's primary therapist); it has no ``missed`` and ten penalty terms.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Annotated, Any, Literal

from pydantic import Field, field_validator

from solver.documents import MAX_OBJECTIVE, Id, parse_document
from solver.instance_parts import MAX_CLIENTS, MAX_GROUPS
from solver.intervals import MAX_LIST, Interval, Strict

__all__ = ["RosterV1", "to_version_1", "version_2_roster"]

KIND = "individual"
Amount = Annotated[int, Field(ge=0, le=MAX_OBJECTIVE)]


class PenaltiesV1(Strict):
    """Version 1's ten penalty terms."""

    unassigned: Amount
    shift_mismatch: Amount
    not_preferred_therapist: Amount
    extra_trip: Amount
    caseload_spread: Amount
    open_group: Amount
    group_change: Amount
    therapist_change: Amount
    session_moved: Amount
    facilitator_change: Amount


class PlacementV1(Strict):
    """Version 1's placed client: group, primary therapist and individual sessions."""

    id: Id
    group: Id
    therapist: Id
    sessions: Annotated[list[Interval], Field(max_length=MAX_LIST)] = Field(default_factory=list)


class GroupV1(Strict):
    """A group that runs."""

    id: Id
    facilitator: Id
    clients: Annotated[list[Id], Field(min_length=1, max_length=MAX_CLIENTS)]


class UnassignedV1(Strict):
    """A client left out, with reasons."""

    id: Id
    reasons: Annotated[list[str], Field(min_length=1)]


class RosterV1(Strict):
    """A format-version-1 roster."""

    format_version: Literal[1]
    status: Literal["optimal", "feasible", "infeasible", "unknown"]
    objective: Amount | None
    best_bound: Amount | None
    penalties: PenaltiesV1
    solve_seconds: Annotated[float, Field(ge=0, allow_inf_nan=False)]
    groups: Annotated[list[GroupV1], Field(max_length=MAX_GROUPS)]
    clients: Annotated[list[PlacementV1], Field(max_length=MAX_CLIENTS)]
    unassigned: Annotated[list[UnassignedV1], Field(max_length=MAX_CLIENTS)]
    explanation: list[str]

    @field_validator("best_bound", mode="before")
    @classmethod
    def _bound_rounded_up(cls, value: Any) -> Any:
        """Version 1's bound may be any number: rounded up, it is still a bound."""
        if isinstance(value, float) and math.isfinite(value):
            return math.ceil(value)
        return value


def version_2_roster(data: Mapping[str, Any], *, source: str = "") -> dict[str, Any]:
    """Validate a version-1 roster document and give the document the version-2 models
    read it as (still ``format_version`` 1, so that it is written back as version 1).

    Raises:
        InputError: every problem found, named by version 1's entries and keys.
    """
    v1 = parse_document(RosterV1, data, source=source, what="roster")
    document = v1.model_dump(mode="json")
    document["penalties"].update(appointment_missed=0, provider_change=0)
    for client in document["clients"]:
        client["appointments"] = [
            {"kind": KIND, "provider": client["therapist"], **session}
            for session in client.pop("sessions")
        ]
    return document


def to_version_1(data: dict[str, Any]) -> dict[str, Any]:
    """The version-1 document of a roster (dumped as JSON data) answering a version-1
    instance."""
    data["format_version"] = 1
    data["penalties"] = {key: data["penalties"][key] for key in PenaltiesV1.model_fields}
    for client in data["clients"]:
        client["sessions"] = [
            {key: a[key] for key in ("day", "start", "end")}
            for a in client.pop("appointments")
            if a["kind"] == KIND
        ]
        client.pop("missed")
    return data
