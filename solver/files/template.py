"""The spreadsheet template that ships as ``instances/template.xlsx``.

The template is the workbook :func:`~solver.files.workbook_write.write_workbook` writes for a
small sample week (:data:`SAMPLE_WEEK`), with a line at the top of its README sheet and a note
on the first sample row of each list sheet saying that the sample rows are to be deleted. It is
generated, never edited by hand; regenerate it after changing this module or the workbook
writer with::

    python -m solver.files.template instances/template.xlsx

(``tests/files/test_template.py`` checks that the shipped file is what this writes.)
"""

from __future__ import annotations

import argparse
import logging
from pathlib import Path
from typing import Any

from solver.files.atomic import atomic_path
from solver.files.cells import parse_intervals
from solver.files.columns import PROGRAM_LIST_SHEETS, WEEK_SHEETS
from solver.files.extras import require_extra
from solver.files.workbook_write import write_workbook
from solver.instance import Instance, parse_instance

__all__ = [
    "DELETE_SAMPLES",
    "SAMPLE_NOTE",
    "SAMPLE_WEEK",
    "SETTINGS_NOTE",
    "sample_instance",
    "write_template",
]

log = logging.getLogger(__name__)

DELETE_SAMPLES = (
    "The rows below the column names in the sheets groups, therapists and clients are samples "
    "that show how to fill in a week: delete them (keep row 1, the column names) before you "
    "enter your own groups, therapists and clients. The sheets levels and appointment_kinds "
    "hold sample settings (an IOP and a PHP level; individual, family and psychiatry "
    "appointments): change them to your program's. The program sheet lists every setting "
    "with its default value (and a sample name): change what your program needs."
)
"""The instruction near the top of the template's README sheet (row :data:`README_ROW`)."""

README_ROW = 4

SAMPLE_NOTE = (
    "Sample rows: delete rows 2 to {last} (keep row 1, the column names) and enter your own "
    "{what}, one per row."
)
"""The note on the first sample row of each sheet of the week (groups, therapists, clients)."""

SETTINGS_NOTE = (
    "Sample {what}: change them to your program's (or delete this sheet: the program then has "
    "{default})."
)
"""The note on the first row of the sheets levels and appointment_kinds."""

_SETTINGS_DEFAULTS = {
    "levels": "one level iop",
    "appointment_kinds": "one kind individual, required, once a week",
}

_INTERVAL_KEYS = ("meetings", "availability", "busy", "family_availability")

SAMPLE_WEEK: dict[str, Any] = {
    "format_version": 2,
    "program": {
        "name": "Example IOP and PHP",
        "levels": [
            {
                "id": "iop",
                "name": "Intensive outpatient",
                "min_weekly_hours": {"adult": 9, "adolescent": 6},
            },
            {
                "id": "php",
                "name": "Partial hospitalisation",
                "min_weekly_hours": {"adult": 20, "adolescent": 20},
            },
        ],
        "appointment_kinds": [
            {"id": "individual", "minutes": 60, "required": True, "per_week": 1},
            {"id": "family", "name": "Family therapy", "minutes": 60, "with_family": True},
            {
                "id": "psychiatry",
                "name": "Medication management",
                "minutes": 30,
                "provider": "specialist",
                "provider_specialties": ["prescriber"],
                "counts_toward_hours": False,
            },
        ],
    },
    "groups": [
        {
            "id": "AM-SU",
            "name": "Morning substance use",
            "shift": "morning",
            "meetings": "Mon, Wed, Fri 09:00-12:00",
            "population": "adult",
            "levels": ["iop"],
            "tracks": ["substance_use", "dual_diagnosis"],
            "max_size": 8,
            "room": "Room 1",
            "site": "North",
        },
        {
            "id": "PM-MH",
            "name": "Evening mental health",
            "shift": "evening",
            "meetings": "Mon, Tue, Thu 18:00-21:00",
            "population": "adult",
            "levels": ["iop"],
            "tracks": ["mental_health", "dual_diagnosis"],
            "max_size": 8,
            "room": "Room 1",
            "site": "North",
        },
        {
            "id": "W-DD",
            "name": "Women's dual diagnosis",
            "shift": "afternoon",
            "meetings": "Tue, Thu, Fri 13:00-16:00",
            "population": "adult",
            "levels": ["iop"],
            "tracks": ["dual_diagnosis"],
            "audience": "women",
            "facilitator_specialties": ["trauma"],
            "max_size": 6,
            "room": "Room 2",
            "site": "South",
        },
        {
            "id": "TEEN",
            "name": "Adolescent group",
            "shift": "afternoon",
            "meetings": "Mon, Wed 15:00-18:00",
            "population": "adolescent",
            "levels": ["iop"],
            "tracks": ["substance_use", "mental_health"],
            "facilitator_specialties": ["adolescent"],
            "max_size": 8,
            "room": "Room 2",
            "site": "South",
        },
        {
            "id": "PHP-DAY",
            "name": "PHP day programme",
            "shift": "morning",
            "meetings": "Mon-Fri 09:00-15:00",
            "population": "adult",
            "levels": ["php"],
            "tracks": ["substance_use", "mental_health", "dual_diagnosis"],
            "max_size": 8,
            "room": "Day room",
            "site": "North",
            "pull_out": True,
        },
        {
            "id": "VIDEO",
            "name": "Evening video group (no site: online)",
            "shift": "evening",
            "meetings": "Wed 18:00-20:00; Fri 17:00-19:00",
            "population": "adult",
            "levels": ["iop"],
            "tracks": ["substance_use", "mental_health"],
            "max_size": 8,
        },
    ],
    "therapists": [
        {
            "id": "T1",
            "specialties": ["trauma", "family"],
            "availability": "Mon-Fri 08:00-17:00",
            "max_caseload": 10,
        },
        {
            "id": "T2",
            "specialties": ["adolescent", "spanish"],
            "availability": "Mon-Thu 12:00-21:00",
            "max_caseload": 8,
        },
        {
            "id": "T3",
            "availability": "Mon, Wed, Fri 08:00-15:00; Tue, Thu 15:00-21:00",
            "max_groups": 1,
        },
        {
            "id": "T4",
            "specialties": ["prescriber"],
            "availability": "Tue, Thu 09:00-17:00",
            "max_caseload": 0,
            "max_groups": 0,
        },
    ],
    "clients": [
        {
            "id": "C001",
            "population": "adult",
            "track": "substance_use",
            "sites": ["North"],
            "busy": "Tue, Thu 08:00-17:00",
            "shift_preference": "morning",
        },
        {
            "id": "C002",
            "population": "adult",
            "track": "dual_diagnosis",
            "audiences": ["women"],
            "sites": ["South"],
            "needs": ["trauma"],
            "family_availability": "Mon, Wed 15:00-18:00",
            "appointments": {"family": 1},
            "preferred_therapists": ["T1"],
        },
        {
            "id": "C003",
            "population": "adult",
            "track": "mental_health",
            "busy": "Mon-Fri 08:30-16:30",
            "shift_preference": "evening",
            "appointments": {"individual": 2},
            "appointment_minutes": {"individual": 45},
        },
        {
            "id": "C004",
            "population": "adolescent",
            "track": "substance_use",
            "needs": ["spanish"],
            "busy": "Mon-Fri 08:00-15:00",
        },
        {
            "id": "C005",
            "population": "adolescent",
            "track": "mental_health",
            "busy": "Mon-Fri 08:00-15:00",
            "avoid_therapists": ["T3"],
        },
        {
            "id": "C006",
            "population": "adult",
            "track": "substance_use",
            "priority": 2,
            "pinned_group": "AM-SU",
            "pinned_therapist": "T3",
        },
        {
            "id": "C007",
            "population": "adult",
            "track": "dual_diagnosis",
            "audiences": ["women"],
            "busy": "Mon, Wed 08:00-17:00",
        },
        {
            "id": "C008",
            "population": "adult",
            "track": "dual_diagnosis",
            "shift_preference": "evening",
            "appointments": {"psychiatry": 1},
            "keep_apart": ["C003"],
        },
        {
            "id": "C009",
            "population": "adult",
            "track": "mental_health",
            "shift_preference": "evening",
            "preferred_therapists": ["T2", "T3"],
        },
        {"id": "C010", "population": "adolescent", "track": "substance_use"},
        {
            "id": "C011",
            "population": "adult",
            "level": "php",
            "track": "dual_diagnosis",
            "sites": ["North"],
            "family_availability": "Tue, Thu 13:00-16:00",
            "appointments": {"family": 1, "psychiatry": 1},
        },
        {
            "id": "C012",
            "population": "adult",
            "level": "php",
            "track": "substance_use",
            "appointments": {"psychiatry": 1},
            "appointment_minutes": {"psychiatry": 45},
        },
    ],
}
"""The sample week of the template: an IOP and a PHP level; individual, family and psychiatry
appointments; six groups on two sites (a PHP day programme members may leave for
appointments, and a video group with no site); four therapists (one a prescriber); twelve
clients. Intervals are written as in a spreadsheet cell; everything left out keeps the
format's default."""


def sample_instance() -> Instance:
    """The template's sample week as an instance."""
    document: dict[str, Any] = {**SAMPLE_WEEK}
    for sheet in WEEK_SHEETS:
        document[sheet] = [
            {k: parse_intervals(v) if k in _INTERVAL_KEYS else v for k, v in entry.items()}
            for entry in SAMPLE_WEEK[sheet]
        ]
    return parse_instance(document)


def write_template(path: str | Path) -> None:
    """Write the template: the sample week as a workbook, marked as samples to delete."""
    openpyxl = require_extra("openpyxl", "writing the .xlsx template")
    from openpyxl.comments import Comment
    from openpyxl.styles import Font

    path = Path(path)
    write_workbook(sample_instance(), path)
    book = openpyxl.load_workbook(path)
    readme = book["README"]
    # After the three lines of introduction, before the blank row and the column list.
    readme.insert_rows(README_ROW)
    readme.cell(README_ROW, 1, DELETE_SAMPLES).font = Font(bold=True)
    for sheet in WEEK_SHEETS:
        rows = len(SAMPLE_WEEK[sheet])
        text = SAMPLE_NOTE.format(last=rows + 1, what=sheet)
        book[sheet]["A2"].comment = Comment(text, "iop-roster", width=260, height=90)
    for sheet in PROGRAM_LIST_SHEETS:
        what = sheet.replace("_", " ")
        text = SETTINGS_NOTE.format(what=what, default=_SETTINGS_DEFAULTS[sheet])
        book[sheet]["A2"].comment = Comment(text, "iop-roster", width=260, height=90)
    with atomic_path(path) as temporary:
        book.save(temporary)
    log.info("wrote the template %s", path)


def main(argv: list[str] | None = None) -> int:
    """``python -m solver.files.template PATH``: (re)generate the template."""
    parser = argparse.ArgumentParser(prog="python -m solver.files.template", description=__doc__)
    parser.add_argument("path", type=Path, help="the .xlsx file to write")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    write_template(args.path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
