"""Format version 1 instances: validated by their own models, then read as version 2.

A version-1 file keeps every error message it always had (its keys, its entries); once valid,
:func:`to_version_2` gives the version-2 document of the format's table ("Version 1 files"),
which :class:`solver.instance.Instance` then checks across entries, and the instance remembers
that it came from version 1 so that the solver answers with a version-1 roster.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any, Literal

from pydantic import Field, field_validator

from solver.documents import Id, Text, parse_document
from solver.instance_parts import (
    MAX_CLIENTS,
    MAX_GROUPS,
    MAX_PRIORITY,
    MAX_THERAPISTS,
    MinWeeklyHours,
    ProgramBase,
    Therapist,
    not_null,
)
from solver.intervals import (
    MAX_LIST,
    MAX_SESSIONS,
    Ids,
    Interval,
    Intervals,
    Minutes,
    Population,
    Shift,
    Size,
    Strict,
    Texts,
)

__all__ = ["InstanceV1", "to_version_2", "version_2_document"]

Weight = Annotated[int, Field(ge=0, le=1_000_000)]


class WeightsV1(Strict):
    """Version 1's ten weights."""

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


class ProgramV1(ProgramBase):
    """Version 1's program."""

    individual_session_minutes: Minutes = 60
    min_weekly_hours: MinWeeklyHours = Field(default_factory=MinWeeklyHours)
    weights: WeightsV1 = Field(default_factory=WeightsV1)


class GroupV1(Strict):
    """Version 1's group."""

    id: Id
    name: Text = ""
    shift: Shift
    meetings: Annotated[list[Interval], Field(min_length=1, max_length=MAX_LIST)]
    population: Population
    tracks: Annotated[list[Text], Field(min_length=1, max_length=MAX_LIST)]
    audience: Text | None = None
    facilitator_specialties: Texts = Field(default_factory=list)
    max_size: Size | None = None
    room: Text | None = None

    _not_null = field_validator("max_size", mode="before")(not_null)


class ClientV1(Strict):
    """Version 1's client."""

    id: Id
    population: Population
    track: Text
    audiences: Texts = Field(default_factory=list)
    needs: Texts = Field(default_factory=list)
    busy: Intervals = Field(default_factory=list)
    shift_preference: Shift | None = None
    individual_sessions: Annotated[int, Field(ge=0, le=MAX_SESSIONS)] = 1
    session_minutes: Minutes | None = None
    preferred_therapists: Ids = Field(default_factory=list)
    avoid_therapists: Ids = Field(default_factory=list)
    keep_apart: Ids = Field(default_factory=list)
    priority: Annotated[int, Field(ge=1, le=MAX_PRIORITY)] = 1
    pinned_group: Id | None = None
    pinned_therapist: Id | None = None


class InstanceV1(Strict):
    """A format-version-1 instance (``docs/format.md``, "Version 1 files")."""

    format_version: Literal[1]
    program: ProgramV1 = Field(default_factory=ProgramV1)
    groups: Annotated[list[GroupV1], Field(max_length=MAX_GROUPS)]
    therapists: Annotated[list[Therapist], Field(max_length=MAX_THERAPISTS)]
    clients: Annotated[list[ClientV1], Field(max_length=MAX_CLIENTS)]


LEVEL = "iop"
KIND = "individual"


def to_version_2(v1: InstanceV1) -> dict[str, Any]:
    """The version-2 document a valid version-1 instance reads as (the format's table)."""
    data = v1.model_dump(mode="json", exclude_none=True)
    program = data["program"]
    program["levels"] = [{"id": LEVEL, "min_weekly_hours": program.pop("min_weekly_hours")}]
    program["appointment_kinds"] = [
        {
            "id": KIND,
            "minutes": program.pop("individual_session_minutes"),
            "provider": "primary",
            "required": True,
            "per_week": 1,
        }
    ]
    for group in data["groups"]:
        group["levels"] = [LEVEL]
    for client in data["clients"]:
        client["level"] = LEVEL
        client["appointments"] = {KIND: client.pop("individual_sessions")}
        minutes = client.pop("session_minutes", None)
        client["appointment_minutes"] = {} if minutes is None else {KIND: minutes}
    data["format_version"] = 2
    return data


def version_2_document(data: Mapping[str, Any], *, source: str = "") -> dict[str, Any]:
    """Validate a version-1 instance document and give the version-2 document it reads as
    (:class:`solver.instance.Instance` then checks it across entries).

    Raises:
        InputError: every problem found, named by version 1's entries and keys.
    """
    return to_version_2(parse_document(InstanceV1, data, source=source, what="instance"))
