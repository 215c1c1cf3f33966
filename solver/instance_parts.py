"""Parts both instance versions share: the format's limits, weekly hours, therapists.

A bottom-level module (above :mod:`solver.intervals` only), so that the version-1 models
(:mod:`solver.instance_v1`) and the version-2 ones (:mod:`solver.instance`) can both use it.
"""

from __future__ import annotations

from pydantic import Field

from solver.documents import Id, Text
from solver.intervals import Count, Hours, Intervals, Strict, Texts

__all__ = [
    "MAX_CLIENTS",
    "MAX_GROUPS",
    "MAX_KINDS",
    "MAX_LEVELS",
    "MAX_PRIORITY",
    "MAX_THERAPISTS",
    "MAX_WEIGHT",
    "MinWeeklyHours",
    "Therapist",
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
