"""The sheets and columns of an instance workbook (or folder of CSV files), one spec per column.

``docs/spreadsheets.md`` describes the same columns for people; the README sheet of a written
workbook lists them from :data:`PROGRAM_KEYS`, :data:`COLUMNS` and :func:`kind_columns`.

Format version 2: besides ``program``, ``groups``, ``therapists`` and ``clients``, a workbook
may hold the sheets ``levels`` and ``appointment_kinds`` (left out: the format's defaults). The
``clients`` sheet has two columns per appointment kind, ``appointments.<kind>`` and
``appointment_minutes.<kind>`` (:func:`kind_columns`). Version 1's columns
(:data:`LEGACY_PROGRAM_KEYS`, :data:`LEGACY_CLIENT_COLUMNS`) are still read from a workbook
without those two sheets.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from solver.instance import WEIGHT_KEYS, Weights

__all__ = [
    "COLUMNS",
    "KIND_COLUMN_PREFIXES",
    "LEGACY_CLIENT_COLUMNS",
    "LEGACY_PROGRAM_KEYS",
    "LIST_SHEETS",
    "PROGRAM_HEADER",
    "PROGRAM_KEYS",
    "PROGRAM_LIST_SHEETS",
    "SHEETS",
    "SINGULAR",
    "WEEK_SHEETS",
    "WORKBOOK_SUFFIXES",
    "Column",
    "Kind",
    "SheetName",
    "column_letter",
    "kind_columns",
    "normal_name",
    "sheet_columns",
]


Kind = Literal["text", "choice", "bool", "int", "number", "list", "intervals"]
SheetName = Literal["program", "levels", "appointment_kinds", "groups", "therapists", "clients"]

SHEETS: tuple[SheetName, ...] = (
    "program",
    "levels",
    "appointment_kinds",
    "groups",
    "therapists",
    "clients",
)
"""The sheets of a workbook (the files of a CSV folder, with ``.csv``), in order."""

LIST_SHEETS: tuple[SheetName, ...] = (
    "levels",
    "appointment_kinds",
    "groups",
    "therapists",
    "clients",
)
"""The sheets with one entry per row."""

PROGRAM_LIST_SHEETS: tuple[SheetName, ...] = ("levels", "appointment_kinds")
"""The list sheets that hold program settings (``program.levels``, ``program.appointment_kinds``);
optional: a workbook without one gets the format's default."""

WEEK_SHEETS: tuple[SheetName, ...] = ("groups", "therapists", "clients")
"""The list sheets of the week's entries; required (they may hold no rows)."""

WORKBOOK_SUFFIXES = frozenset({".xlsx", ".xlsm"})
"""File suffixes read and written as Excel workbooks."""


@dataclass(frozen=True, slots=True)
class Column:
    """One column of a sheet (or one key of the ``program`` sheet).

    Attributes:
        key: the column name, equal to the key of the JSON format (dotted for nested keys:
            ``min_weekly_hours.adult``, ``appointments.family``).
        kind: how cells are read: ``text``, ``choice`` (text, compared in lower case),
            ``bool`` (yes or no), ``int`` (a whole number), ``number``, ``list`` (``a; b``)
            or ``intervals``.
        required: an empty cell (or a missing column) is an error.
        meaning: one line for people filling the sheet.
        refs: the sheet whose ids the values must name, if any.
        none_when_empty: an empty list is written ``none``, because an empty cell means the
            default (which is not the empty list) or is not allowed.
        choices: the words a ``choice`` (or ``bool``) cell may hold; they get a drop-down.
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
    "bool": "yes or no",
    "int": "a whole number",
    "number": "a number",
    "list": "items separated by ';', e.g. 'a; b'",
    "intervals": "'Mon 09:00-12:00; Wed 09:00-12:00' ('Mon-Fri ...', 'Mon, Wed ...'; "
    "'none' for no interval)",
}

_YES_NO = ("yes", "no")

_WEIGHT_MEANINGS = {
    "unassigned": "each unassigned client, times its priority (default 1000)",
    "appointment_missed": "each requested appointment of a wanted (not required) kind that a "
    "placed client does not get (default 100)",
    "shift_mismatch": "each placed client whose group is not on the preferred shift (default 10)",
    "not_preferred_therapist": "each placed client without a preferred therapist (default 5)",
    "extra_trip": "each day with an appointment but without the client's group (default 2)",
    "caseload_spread": "largest minus smallest caseload (default 1)",
    "open_group": "each group that runs (default 0)",
    "group_change": "rerun: each client whose group changed (default 50)",
    "therapist_change": "rerun: each client whose primary therapist changed (default 50)",
    "provider_change": "rerun: each client and specialist kind whose provider changed (default 20)",
    "session_moved": "rerun: each appointment moved to another day or time (default 5)",
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
        meaning="appointments start on multiples of this; divides 60 (default 15)",
        example="15 (or 5, 10, 20, 30, 60)",
    ),
    Column(
        "open_hours",
        "intervals",
        none_when_empty=True,
        meaning="appointments take place inside these (default Mon-Fri 08:00-21:00)",
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

LEGACY_PROGRAM_KEYS: dict[str, tuple[Column, str]] = {
    "individual_session_minutes": (
        Column("individual_session_minutes", "int"),
        "column minutes of sheet appointment_kinds (kind individual)",
    ),
    "min_weekly_hours.adult": (
        Column("min_weekly_hours.adult", "number"),
        "column min_weekly_hours.adult of sheet levels",
    ),
    "min_weekly_hours.adolescent": (
        Column("min_weekly_hours.adolescent", "number"),
        "column min_weekly_hours.adolescent of sheet levels",
    ),
}
"""Version 1's program keys, each with what replaced it: read into the default kind
``individual`` or level ``iop`` when the workbook has no ``appointment_kinds`` (or ``levels``)
sheet, refused naming the replacement when it has one."""

PROGRAM_HEADER: tuple[Column, ...] = (
    Column("key", "text", required=True, meaning="the setting, one of the keys listed below"),
    Column("value", "text", required=True, meaning="its value; empty keeps the default"),
    Column("meaning", "text", meaning="free text, ignored when reading"),
)
"""The columns of the ``program`` sheet."""

_SHIFTS = ("morning", "afternoon", "evening")
_POPULATIONS = ("adult", "adolescent")

KIND_COLUMN_PREFIXES = ("appointments", "appointment_minutes")
"""The clients sheet's columns per appointment kind: ``appointments.<kind>`` and
``appointment_minutes.<kind>``."""

COLUMNS: dict[SheetName, tuple[Column, ...]] = {
    "levels": (
        Column(
            "id", "text", required=True, meaning="unique id of the level of care, e.g. iop, php"
        ),
        Column("name", "text", meaning="shown in reports"),
        Column(
            "min_weekly_hours.adult",
            "number",
            meaning="group plus counted appointment hours a placed adult reaches (default 9)",
            example="9 or 20",
        ),
        Column(
            "min_weekly_hours.adolescent",
            "number",
            meaning="the same for a placed adolescent (default 6)",
            example="6 or 4.5",
        ),
    ),
    "appointment_kinds": (
        Column(
            "id",
            "text",
            required=True,
            meaning="unique id of the kind of one-to-one appointment, e.g. individual, family, "
            "psychiatry",
        ),
        Column("name", "text", meaning="shown in reports"),
        Column(
            "minutes",
            "int",
            meaning="length of one appointment (default 60; a client may have their own)",
            example="60",
        ),
        Column(
            "provider",
            "choice",
            meaning="primary: with the client's primary therapist; specialist: with one "
            "therapist holding every provider_specialties (default primary)",
            choices=("primary", "specialist"),
        ),
        Column(
            "provider_specialties",
            "list",
            meaning="specialist kinds: the provider holds all of them, e.g. prescriber",
        ),
        Column(
            "required",
            "bool",
            meaning="yes: a placed client has every appointment they ask for; no: each one "
            "not scheduled is missed, with a penalty and a reason (default no)",
            choices=_YES_NO,
        ),
        Column(
            "with_family",
            "bool",
            meaning="yes: it also lies inside the client's family_availability (default no)",
            choices=_YES_NO,
        ),
        Column(
            "counts_toward_hours",
            "bool",
            meaning="yes: its hours count toward the level's weekly minimum (default yes)",
            choices=_YES_NO,
        ),
        Column(
            "per_week",
            "int",
            meaning="appointments a client gets when their appointments.<kind> cell is empty "
            "(default 0)",
            example="1",
        ),
    ),
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
            "levels",
            "list",
            refs="levels",
            meaning="levels of care it serves, e.g. 'iop; php' (default: the first level)",
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
        Column(
            "site",
            "text",
            meaning="where it meets (empty: no site, e.g. a video group, open to every client)",
        ),
        Column(
            "pull_out",
            "bool",
            meaning="yes: a member may leave a meeting for an appointment, as in a PHP day "
            "programme (default no)",
            choices=_YES_NO,
        ),
    ),
    "therapists": (
        Column("id", "text", required=True, meaning="unique id of the therapist"),
        Column("name", "text", meaning="shown in reports"),
        Column("specialties", "list", meaning="e.g. 'adolescent; trauma; prescriber'"),
        Column(
            "availability",
            "intervals",
            required=True,
            none_when_empty=True,
            meaning="every meeting and appointment they take lies inside these",
        ),
        Column(
            "max_caseload",
            "int",
            meaning="clients they are primary therapist for, at most (default 12; 0: nobody's)",
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
        Column(
            "level",
            "text",
            refs="levels",
            meaning="their level of care this week (default: the first level)",
        ),
        Column("track", "text", required=True, meaning="e.g. substance_use"),
        Column("audiences", "list", meaning="audiences whose groups they may join"),
        Column("sites", "list", meaning="sites they can attend (empty: any)"),
        Column("needs", "list", meaning="the primary therapist holds all of them as specialties"),
        Column(
            "busy", "intervals", meaning="work, school, childcare: nothing is scheduled over these"
        ),
        Column(
            "family_availability",
            "intervals",
            meaning="when their family can attend (appointments of with_family kinds)",
        ),
        Column(
            "shift_preference",
            "choice",
            meaning="the shift they prefer (empty: none)",
            choices=_SHIFTS,
        ),
        Column("preferred_therapists", "list", refs="therapists", meaning="therapist ids (soft)"),
        Column(
            "avoid_therapists",
            "list",
            refs="therapists",
            meaning="therapist ids: never their therapist, group facilitator or provider",
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
"""The fixed columns of each list sheet, in order (the clients sheet also has the columns of
:func:`kind_columns`, after ``shift_preference``)."""

_KIND_COLUMNS_AFTER = "shift_preference"

LEGACY_CLIENT_COLUMNS: dict[str, tuple[str, str]] = {
    "individual_sessions": ("appointments", "individual"),
    "session_minutes": ("appointment_minutes", "individual"),
}
"""Version 1's client columns: the kind column each is read as (``appointments.individual``,
``appointment_minutes.individual``) when the workbook has no ``appointment_kinds`` sheet."""


def kind_columns(kinds: Iterable[str]) -> tuple[Column, ...]:
    """The clients sheet's columns for these appointment kinds: every ``appointments.<kind>``,
    then every ``appointment_minutes.<kind>``."""
    kinds = list(kinds)
    counts = tuple(
        Column(
            f"appointments.{kind}",
            "int",
            meaning=f"{kind} appointments a week, each on its own day (empty: the kind's per_week)",
            example="1",
        )
        for kind in kinds
    )
    lengths = tuple(
        Column(
            f"appointment_minutes.{kind}",
            "int",
            meaning=f"length of each of their {kind} appointments (empty: the kind's minutes)",
            example="45",
        )
        for kind in kinds
    )
    return counts + lengths


def sheet_columns(name: SheetName, kinds: Iterable[str] = ()) -> tuple[Column, ...]:
    """The columns of a list sheet, in order; the clients sheet with those of ``kinds``."""
    columns = COLUMNS[name]
    if name != "clients":
        return columns
    at = next(i for i, c in enumerate(columns) if c.key == _KIND_COLUMNS_AFTER) + 1
    return (*columns[:at], *kind_columns(kinds), *columns[at:])


SINGULAR = {
    "levels": "level",
    "appointment_kinds": "appointment kind",
    "groups": "group",
    "therapists": "therapist",
    "clients": "client",
}
"""What one row of each list sheet is, for messages."""


def normal_name(text: str) -> str:
    """A sheet, column or key name as compared: lower case, spaces and dashes as ``_``."""
    return re.sub(r"[\s\-]+", "_", text.strip().lower())


def column_letter(index: int) -> str:
    """The letters of a spreadsheet column: 0 is ``A``, 26 is ``AA``."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters
