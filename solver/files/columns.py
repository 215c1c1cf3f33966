"""The sheets and columns of an instance workbook (or folder of CSV files), one spec per column.

``docs/spreadsheets.md`` describes the same columns for people; the README sheet of a written
workbook lists them from :data:`PROGRAM_KEYS` and :data:`COLUMNS`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from solver.instance import WEIGHT_KEYS, Weights

__all__ = [
    "COLUMNS",
    "LIST_SHEETS",
    "PROGRAM_HEADER",
    "PROGRAM_KEYS",
    "SHEETS",
    "SINGULAR",
    "WORKBOOK_SUFFIXES",
    "Column",
    "Kind",
    "SheetName",
    "column_letter",
]


Kind = Literal["text", "choice", "int", "number", "list", "intervals"]
SheetName = Literal["program", "groups", "therapists", "clients"]

SHEETS: tuple[SheetName, ...] = ("program", "groups", "therapists", "clients")
"""The sheets of a workbook (the files of a CSV folder, with ``.csv``), in order."""

LIST_SHEETS: tuple[SheetName, ...] = ("groups", "therapists", "clients")
"""The sheets with one entry per row."""

WORKBOOK_SUFFIXES = frozenset({".xlsx", ".xlsm"})
"""File suffixes read and written as Excel workbooks."""


@dataclass(frozen=True, slots=True)
class Column:
    """One column of a sheet (or one key of the ``program`` sheet).

    Attributes:
        key: the column name, equal to the key of the JSON format (dotted for nested program keys).
        kind: how cells are read: ``text``, ``choice`` (text, compared in lower case), ``int``
            (a whole number), ``number``, ``list`` (``a; b``) or ``intervals``.
        required: an empty cell (or a missing column) is an error.
        meaning: one line for people filling the sheet.
        refs: the sheet whose ids the values must name, if any.
        none_when_empty: an empty list is written ``none``, because an empty cell means the
            default (which is not the empty list) or is not allowed.
        choices: the words a ``choice`` cell may hold.
        example: a typical value, shown in the README sheet's format column (a number
            column without one says only "a whole number").
    """

    key: str
    kind: Kind
    required: bool = False
    meaning: str = ""
    refs: SheetName | None = None
    none_when_empty: bool = False
    choices: tuple[str, ...] = ()
    example: str = ""

    @property
    def format(self) -> str:
        """How a person writes a value of this column."""
        if self.choices:
            return "one of " + ", ".join(self.choices)
        if self.example:
            return f"{_FORMATS[self.kind]}, e.g. {self.example}"
        return _FORMATS[self.kind]


_FORMATS: dict[Kind, str] = {
    "text": "text",
    "choice": "one word of a short list",
    "int": "a whole number",
    "number": "a number",
    "list": "items separated by ';', e.g. 'a; b'",
    "intervals": "'Mon 09:00-12:00; Wed 09:00-12:00' ('Mon-Fri ...', 'Mon, Wed ...'; "
    "'none' for no interval)",
}

_WEIGHT_MEANINGS = {
    "unassigned": "each unassigned client, times its priority (default 1000)",
    "shift_mismatch": "each placed client whose group is not on the preferred shift (default 10)",
    "not_preferred_therapist": "each placed client without a preferred therapist (default 5)",
    "extra_trip": "each individual session on a day without the client's group (default 2)",
    "caseload_spread": "largest minus smallest caseload (default 1)",
    "open_group": "each group that runs (default 0)",
    "group_change": "rerun: each client whose group changed (default 50)",
    "therapist_change": "rerun: each client whose primary therapist changed (default 50)",
    "session_moved": "rerun: each individual session moved to another day or time (default 5)",
    "facilitator_change": "rerun: each group whose facilitator changed (default 20)",
}

PROGRAM_KEYS: tuple[Column, ...] = (
    Column("name", "text", meaning="shown in reports"),
    Column(
        "group_max_size",
        "int",
        meaning="no group ever holds more clients (default 8)",
        example="8",
    ),
    Column(
        "group_min_size",
        "int",
        meaning="a group that runs holds at least this many (default 3)",
        example="3",
    ),
    Column(
        "slot_minutes",
        "int",
        meaning="individual sessions start on multiples of this; divides 60 (default 15)",
        example="15 (or 5, 10, 20, 30, 60)",
    ),
    Column(
        "individual_session_minutes",
        "int",
        meaning="default length of an individual session (default 60)",
        example="60",
    ),
    Column(
        "open_hours",
        "intervals",
        none_when_empty=True,
        meaning="individual sessions take place inside these (default Mon-Fri 08:00-21:00)",
    ),
    Column(
        "min_weekly_hours.adult",
        "number",
        meaning="group plus individual hours a placed adult reaches (default 9)",
        example="9 or 7.5",
    ),
    Column(
        "min_weekly_hours.adolescent",
        "number",
        meaning="group plus individual hours a placed adolescent reaches (default 6)",
        example="6 or 4.5",
    ),
    *(
        Column(
            f"weights.{key}",
            "int",
            meaning=f"objective weight: {_WEIGHT_MEANINGS[key]}",
            example=str(Weights.model_fields[key].default),
        )
        for key in WEIGHT_KEYS
    ),
)
"""The rows of the ``program`` sheet, one per setting."""

PROGRAM_HEADER: tuple[Column, ...] = (
    Column("key", "text", required=True, meaning="the setting, one of the keys listed below"),
    Column("value", "text", required=True, meaning="its value; empty keeps the default"),
    Column("meaning", "text", meaning="free text, ignored when reading"),
)
"""The columns of the ``program`` sheet."""

_SHIFTS = ("morning", "afternoon", "evening")
_POPULATIONS = ("adult", "adolescent")

COLUMNS: dict[SheetName, tuple[Column, ...]] = {
    "groups": (
        Column("id", "text", required=True, meaning="unique id of the group series"),
        Column("name", "text", meaning="shown in reports"),
        Column("shift", "choice", required=True, meaning="when the group meets", choices=_SHIFTS),
        Column(
            "meetings",
            "intervals",
            required=True,
            meaning="the weekly meetings, pairwise not overlapping",
        ),
        Column(
            "population", "choice", required=True, meaning="who it is for", choices=_POPULATIONS
        ),
        Column(
            "tracks",
            "list",
            required=True,
            meaning="client tracks it serves, e.g. 'substance_use; dual_diagnosis'",
        ),
        Column(
            "audience",
            "text",
            meaning="e.g. women; only clients listing it in audiences may join (empty: anyone)",
        ),
        Column("facilitator_specialties", "list", meaning="the facilitator holds all of them"),
        Column(
            "max_size",
            "int",
            meaning="largest size of this group (default: program group_max_size)",
            example="8",
        ),
        Column(
            "room",
            "text",
            meaning="groups in one room cannot run at overlapping times (empty: no room)",
        ),
    ),
    "therapists": (
        Column("id", "text", required=True, meaning="unique id of the therapist"),
        Column("name", "text", meaning="shown in reports"),
        Column("specialties", "list", meaning="e.g. 'adolescent; trauma'"),
        Column(
            "availability",
            "intervals",
            required=True,
            none_when_empty=True,
            meaning="every meeting and session they take lies inside these",
        ),
        Column(
            "max_caseload",
            "int",
            meaning="clients they are primary therapist for, at most (default 12)",
            example="12",
        ),
        Column(
            "max_groups", "int", meaning="groups they facilitate, at most (default 2)", example="2"
        ),
    ),
    "clients": (
        Column(
            "id", "text", required=True, meaning="opaque id; no names or other identifying data"
        ),
        Column(
            "population",
            "choice",
            required=True,
            meaning="the client's population",
            choices=_POPULATIONS,
        ),
        Column("track", "text", required=True, meaning="e.g. substance_use"),
        Column("audiences", "list", meaning="audiences whose groups they may join"),
        Column("needs", "list", meaning="the primary therapist holds all of them as specialties"),
        Column(
            "busy", "intervals", meaning="work, school, childcare: nothing is scheduled over these"
        ),
        Column(
            "shift_preference",
            "choice",
            meaning="the shift they prefer (empty: none)",
            choices=_SHIFTS,
        ),
        Column(
            "individual_sessions",
            "int",
            meaning="individual sessions a week, each on its own day (default 1)",
            example="1",
        ),
        Column(
            "session_minutes",
            "int",
            meaning="length of each session (default: program individual_session_minutes)",
            example="45",
        ),
        Column("preferred_therapists", "list", refs="therapists", meaning="therapist ids (soft)"),
        Column(
            "avoid_therapists",
            "list",
            refs="therapists",
            meaning="therapist ids: never their therapist nor their group's facilitator",
        ),
        Column("keep_apart", "list", refs="clients", meaning="client ids never in their group"),
        Column(
            "priority",
            "int",
            meaning="weight of placing this client, at least 1 (default 1)",
            example="2",
        ),
        Column(
            "pinned_group",
            "text",
            refs="groups",
            meaning="group id: placed, in this group (empty: free)",
        ),
        Column(
            "pinned_therapist",
            "text",
            refs="therapists",
            meaning="therapist id: placed, with this primary therapist (empty: free)",
        ),
    ),
}
"""The columns of the sheets ``groups``, ``therapists`` and ``clients``, in order."""

SINGULAR = {"groups": "group", "therapists": "therapist", "clients": "client"}
"""What one row of each list sheet is, for messages."""


def column_letter(index: int) -> str:
    """The letters of a spreadsheet column: 0 is ``A``, 26 is ``AA``."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters
