"""Parts both instance versions share: the format's limits, weekly hours, therapists.

A bottom-level module (above :mod:`solver.intervals` only), so that the version-1 models
(:mod:`solver.instance_v1`) and the version-2 ones (:mod:`solver.instance`) can both use it.
"""

from __future__ import annotations

from typing import Annotated, Any, Self

from pydantic import Field, field_validator, model_validator

from solver.documents import Id, Text
from solver.intervals import (
    Count,
    Hours,
    Intervals,
    Size,
    Strict,
    Texts,
    default_open_hours,
)

__all__ = [
    "MAX_CLIENTS",
    "MAX_GROUPS",
    "MAX_KINDS",
    "MAX_LEVELS",
    "MAX_PRIORITY",
    "MAX_THERAPISTS",
    "MAX_WEIGHT",
    "MinWeeklyHours",
    "ProgramBase",
    "Therapist",
    "not_null",
]

# The format's upper bounds (ids and texts: solver.documents). Each keeps memory and time
# in check; together they keep every objective within 2**53 (see _objective_problems).
MAX_GROUPS, MAX_THERAPISTS, MAX_CLIENTS = 10_000, 10_000, 100_000
MAX_KINDS = MAX_LEVELS = 100
MAX_WEIGHT = MAX_PRIORITY = 1_000_000


class MinWeeklyHours(Strict):
    """Weekly hours (groups plus counted appointments) a placed client reaches."""

    adult: Hours = 9
    adolescent: Hours = 6


class Therapist(Strict):
    """Someone who facilitates groups or sees clients one to one (counsellor, prescriber ...)."""

    id: Id
    name: Text = ""
    specialties: Texts = Field(default_factory=list)
    availability: Intervals
    max_caseload: Count = 12
    max_groups: Count = 2


class ProgramBase(Strict):
    """The program settings both format versions share: group sizes, the start grid and the
    open hours, with their checks."""

    name: Text = ""
    group_max_size: Size = 8
    group_min_size: Size = 3
    slot_minutes: Annotated[int, Field(ge=1, le=60)] = 15
    open_hours: Intervals = Field(default_factory=default_open_hours)

    @field_validator("slot_minutes")
    @classmethod
    def _divides_hour(cls, value: int) -> int:
        if 60 % value:
            raise ValueError(f"slot_minutes {value} does not divide 60")
        return value

    @model_validator(mode="after")
    def _sizes_ordered(self) -> Self:
        if self.group_min_size > self.group_max_size:
            raise ValueError(
                f"group_min_size {self.group_min_size} exceeds group_max_size {self.group_max_size}"
            )
        return self


def not_null(value: Any) -> Any:
    """A before-validator for a key whose default is filled in later: ``null`` is refused."""
    if value is None:
        raise ValueError("must not be null")
    return value
