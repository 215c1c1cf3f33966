"""The brute force's own reading of a format-version-2 week (see ``brute_v2``).

Times, overlaps and "inside the union" written out, and the instance document (a dict)
with the format's defaults filled in by FORMAT.md's tables, sharing nothing with the
solver's or the checker's models.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
TERMS = (
    "unassigned",
    "appointment_missed",
    "shift_mismatch",
    "not_preferred_therapist",
    "extra_trip",
    "caseload_spread",
    "open_group",
    "group_change",
    "therapist_change",
    "provider_change",
    "session_moved",
    "facilitator_change",
)
DEFAULT_WEIGHTS = dict(zip(TERMS, (1000, 100, 10, 5, 2, 1, 0, 50, 50, 20, 5, 20), strict=True))

Span = tuple[int, int, int]  # (day index, start minute, end minute)
Booking = tuple[str, str, Span]  # (kind, provider, span)


def minute(text: str) -> int:
    """``"HH:MM"`` as minutes after midnight."""
    h, m = text.split(":")
    return int(h) * 60 + int(m)


def clock(m: int) -> str:
    """Minutes after midnight as ``"HH:MM"``."""
    return f"{m // 60:02d}:{m % 60:02d}"


def to_span(doc: dict[str, str]) -> Span:
    """An interval document as a span."""
    return DAY_NAMES.index(doc["day"]), minute(doc["start"]), minute(doc["end"])


def iv(day: int | str, start: int, end: int) -> dict[str, str]:
    """An interval document."""
    name = day if isinstance(day, str) else DAY_NAMES[day]
    return {"day": name, "start": clock(start), "end": clock(end)}


def overlap(a: Span, b: Span) -> bool:
    """Same day and the half-open intervals share a minute."""
    return a[0] == b[0] and a[1] < b[2] and b[1] < a[2]


def shared(a: Span, b: Span) -> int:
    """Minutes two spans share."""
    if a[0] != b[0]:
        return 0
    return max(0, min(a[2], b[2]) - max(a[1], b[1]))


def within(s: Span, spans: list[Span]) -> bool:
    """``s`` inside the union of ``spans`` (touching spans join)."""
    blocks: list[list[int]] = []
    for _, lo, hi in sorted(x for x in spans if x[0] == s[0]):
        if blocks and lo <= blocks[-1][1]:
            blocks[-1][1] = max(blocks[-1][1], hi)
        else:
            blocks.append([lo, hi])
    return any(lo <= s[1] and s[2] <= hi for lo, hi in blocks)


# --- the week, read with the format's defaults ---


@dataclass
class Week:
    """The instance document with every default filled in (the keys the rules read)."""

    doc: dict[str, Any]
    program: dict[str, Any] = field(init=False)
    weights: dict[str, int] = field(init=False)
    kinds: list[dict[str, Any]] = field(init=False)
    min_hours: dict[str, dict[str, float]] = field(init=False)
    groups: list[dict[str, Any]] = field(init=False)
    therapists: list[dict[str, Any]] = field(init=False)
    clients: list[dict[str, Any]] = field(init=False)

    def __post_init__(self) -> None:
        p = dict(self.doc.get("program", {}))
        p.setdefault("group_max_size", 8)
        p.setdefault("group_min_size", 3)
        p.setdefault("slot_minutes", 15)
        p.setdefault(
            "open_hours", [iv(d, 8 * 60, 21 * 60) for d in ("mon", "tue", "wed", "thu", "fri")]
        )
        levels = p.get("levels", [{"id": "iop"}])
        self.min_hours = {
            lv["id"]: {"adult": 9, "adolescent": 6, **lv.get("min_weekly_hours", {})}
            for lv in levels
        }
        default_kinds = [{"id": "individual", "required": True, "per_week": 1}]
        self.kinds = [
            {
                "minutes": 60,
                "provider": "primary",
                "provider_specialties": [],
                "required": False,
                "with_family": False,
                "counts_toward_hours": True,
                "per_week": 0,
                **k,
            }
            for k in p.get("appointment_kinds", default_kinds)
        ]
        self.weights = {**DEFAULT_WEIGHTS, **p.get("weights", {})}
        self.program = p
        first = levels[0]["id"]
        self.groups = [
            {
                "levels": [first],
                "audience": None,
                "facilitator_specialties": [],
                "max_size": p["group_max_size"],
                "room": None,
                "site": None,
                "pull_out": False,
                **g,
            }
            for g in self.doc["groups"]
        ]
        self.therapists = [
            {"specialties": [], "max_caseload": 12, "max_groups": 2, **t}
            for t in self.doc["therapists"]
        ]
        self.clients = []
        for c in self.doc["clients"]:
            full = {
                "level": first,
                "audiences": [],
                "sites": [],
                "needs": [],
                "busy": [],
                "family_availability": [],
                "shift_preference": None,
                "appointments": {},
                "appointment_minutes": {},
                "preferred_therapists": [],
                "avoid_therapists": [],
                "keep_apart": [],
                "priority": 1,
                "pinned_group": None,
                "pinned_therapist": None,
                **c,
            }
            full["requested"] = {
                k["id"]: full["appointments"].get(k["id"], k["per_week"]) for k in self.kinds
            }
            full["length"] = {
                k["id"]: full["appointment_minutes"].get(k["id"], k["minutes"]) for k in self.kinds
            }
            self.clients.append(full)

    def group(self, gid: str) -> dict[str, Any]:
        """The group with this id."""
        return next(g for g in self.groups if g["id"] == gid)

    def therapist(self, tid: str) -> dict[str, Any]:
        """The therapist with this id."""
        return next(t for t in self.therapists if t["id"] == tid)

    def has(self, what: str, ident: str) -> bool:
        """True when the week has a ``what`` ("groups", "therapists") with this id."""
        return any(x["id"] == ident for x in getattr(self, what))
