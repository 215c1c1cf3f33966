"""Days, times and intervals: the building blocks both documents and both format versions share.

A bottom-level module (it imports only :mod:`solver.documents`'s neighbours' libraries): the
instance models of both versions (:mod:`solver.instance`, :mod:`solver.instance_v1`) and the
roster models build on it.
"""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from solver.documents import Id, Text

__all__ = [
    "DAYS",
    "MAX_COUNT",
    "MAX_LIST",
    "MAX_SESSIONS",
    "MINUTES_PER_DAY",
    "MINUTES_PER_WEEK",
    "Count",
    "Day",
    "Hours",
    "Ids",
    "Interval",
    "Intervals",
    "Minutes",
    "Population",
    "Shift",
    "Size",
    "Strict",
    "Texts",
    "Time",
    "minutes_to_time",
    "time_to_minutes",
]

Day = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
DAYS: tuple[Day, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
Shift = Literal["morning", "afternoon", "evening"]
Population = Literal["adult", "adolescent"]
_TIME = re.compile(r"^(?:[01]\d|2[0-3]):[0-5]\d$|^24:00$")

MINUTES_PER_DAY = 24 * 60
MINUTES_PER_WEEK = 7 * MINUTES_PER_DAY
MAX_LIST = 1_000  # items in a list inside an entry: meetings, busy, tracks, keep_apart ...
MAX_COUNT = 1_000  # group sizes, max_caseload, max_groups
MAX_SESSIONS = 7  # appointments of one kind a week: at most one a day (R2)


def _check_time(value: str) -> str:
    if not _TIME.match(value):
        raise ValueError(f'{value!r} is not a time "HH:MM" from 00:00 to 24:00')
    return value


Time = Annotated[str, AfterValidator(_check_time)]


def time_to_minutes(value: str) -> int:
    """Minutes after 00:00 of a ``"HH:MM"`` time (``"24:00"`` gives 1440)."""
    hours, minutes = value.split(":")
    return int(hours) * 60 + int(minutes)


def minutes_to_time(minute: int) -> str:
    """``"HH:MM"`` of a minute after 00:00 (1440 gives ``"24:00"``): the inverse of
    :func:`time_to_minutes`."""
    return f"{minute // 60:02d}:{minute % 60:02d}"


class Strict(BaseModel):
    """A document's model: unknown keys are errors and types are strict."""

    model_config = ConfigDict(strict=True, extra="forbid", validate_assignment=False)


class Interval(Strict):
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


def default_open_hours() -> list[Interval]:
    """The format's default ``open_hours``: mon-fri 08:00-21:00."""
    return [Interval(day=d, start="08:00", end="21:00") for d in DAYS[:5]]


Count = Annotated[int, Field(ge=0, le=MAX_COUNT)]
Size = Annotated[int, Field(ge=1, le=MAX_COUNT)]
Minutes = Annotated[int, Field(ge=1, le=MINUTES_PER_DAY)]
Hours = Annotated[float, Field(ge=0, le=MINUTES_PER_WEEK // 60, allow_inf_nan=False)]
Intervals = Annotated[list[Interval], Field(max_length=MAX_LIST)]
Texts = Annotated[list[Text], Field(max_length=MAX_LIST)]
Ids = Annotated[list[Id], Field(max_length=MAX_LIST)]
