"""Rosters for people: a workbook, CSV tables, calendars, a web page and pictures.

:func:`export_roster` writes one roster in one of :data:`FORMATS`:

- ``xlsx``: one workbook, ``csv``: a folder of CSV files, with the same tables: ``summary``,
  ``group_lists``, ``therapist_weeks``, ``client_weeks``, ``unassigned`` and ``penalties``
  (:mod:`solver.files.roster_tables`);
- ``ics``: a folder with one iCalendar file per therapist and per placed client, each meeting and
  session an event of a given week, repeating weekly only when a number of weeks is given
  (:mod:`solver.files.ics`);
- ``html``: one self-contained page (no external resources): the program's week on one
  landscape page, then group lists, penalties, and a week per therapist and per room
  (:mod:`solver.files.html_page`);
- ``png``: one week as a picture on an A4 landscape page: the whole program, one therapist or
  one room (:mod:`solver.files.png`).

Everything names people by their ids only: the format holds no personal data. Every file is
written whole or not at all (:mod:`solver.files.atomic`). The ``csv`` and ``ics`` folders are
owned by the export: a manifest lists the files written, and the next export into the folder
removes those it does not write again (:mod:`solver.files.outputs`).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from pathlib import Path

from solver.errors import InputError, Problem
from solver.files.atomic import write_text
from solver.files.html_page import html_page
from solver.files.ics import check_ics_request, write_ics
from solver.files.outputs import open_export_folder, prepare_file, refuse_inputs
from solver.files.png import write_png
from solver.files.roster_tables import roster_tables, write_csv, write_xlsx
from solver.instance import Instance
from solver.roster import Roster, ensure_roster_matches

__all__ = ["FOLDER_FORMATS", "FORMATS", "export_roster", "next_monday"]

log = logging.getLogger(__name__)

FORMATS: tuple[str, ...] = ("xlsx", "csv", "ics", "html", "png")
"""The formats :func:`export_roster` writes."""

FOLDER_FORMATS: tuple[str, ...] = ("csv", "ics")
"""The formats written as a folder of files (the others are one file)."""


def next_monday(today: dt.date | None = None) -> dt.date:
    """The first Monday strictly after ``today`` (default: the current date)."""
    today = today or dt.date.today()
    return today + dt.timedelta(days=7 - today.weekday())


def export_roster(
    instance: Instance,
    roster: Roster,
    to: str,
    out: str | Path,
    *,
    view: str | None = None,
    week_start: dt.date | None = None,
    weeks: int | None = None,
    force: bool = False,
    inputs: Sequence[tuple[str, str | Path | None]] = (),
    option: str = "out",
) -> list[Path]:
    """Write a roster for people to read; return the paths written.

    Args:
        instance: the instance the roster answers.
        roster: the roster.
        to: one of :data:`FORMATS`. ``xlsx``, ``html`` and ``png`` write the file ``out``;
            ``csv`` and ``ics`` write files into the folder ``out``.
        out: the file or folder to write (parent folders are created). An existing file is
            replaced. A folder must be new, empty, or hold an earlier export (its manifest);
            the files of that earlier export that this one does not write are removed.
        view: ``png`` only: ``"program"`` (the default: every running group), a therapist id,
            or a room.
        week_start: ``ics``, ``html`` and ``png``: the Monday of the (first) week; the page
            and the picture print its date (default: :func:`next_monday`). Given, the output
            is the same on every run.
        weeks: ``ics`` only: how many weeks the events repeat (default 1: that week only).
        force: write into a non-empty folder that holds no earlier export (its other files
            are left in place).
        inputs: ``(label, path)`` of the files the export reads, which ``out`` must not be.
        option: how problems with ``out`` name it (the command line says ``--out``).

    Raises:
        InputError: an unknown format or view, an option the format does not take, a roster
            that names groups, therapists or clients the instance does not have, or an ``out``
            that cannot be written (see :mod:`solver.files.outputs`).
        ImportError: the format needs an optional package that is not installed.
    """
    if to not in FORMATS:
        raise InputError(
            [
                Problem(
                    "", "to", f"unknown export format {to!r}; the formats are {', '.join(FORMATS)}"
                )
            ]
        )
    if view is not None and to != "png":
        raise InputError([Problem("", "view", f"a view applies to png only, not to {to}")])
    if to in ("xlsx", "csv") and (week_start is not None or weeks is not None):
        raise InputError(
            [
                Problem(
                    "",
                    "week_start",
                    f"week_start and weeks apply to ics only (week_start also to html and "
                    f"png), not to {to}",
                )
            ]
        )
    if to != "ics" and weeks is not None:
        raise InputError([Problem("", "weeks", f"weeks applies to ics only, not to {to}")])
    check_ics_request(week_start, weeks)
    if to == "ics" and roster.objective is None:
        # No calendars to write, and writing none would clear a folder of last week's.
        why = f"the roster is {roster.status}: it has no meetings or appointments for calendars"
        raise InputError([Problem("", "status", why)])
    ensure_roster_matches(instance, roster)
    path = Path(out)
    if to in FOLDER_FORMATS:
        refuse_inputs(path, option, inputs)
        folder = open_export_folder(path, option, force=force)
    else:
        folder = None
        prepare_file(path, option, inputs)
    written: list[Path]
    if to in ("xlsx", "csv"):
        tables = roster_tables(instance, roster)
        written = write_xlsx(tables, path) if to == "xlsx" else write_csv(tables, path)
    elif to == "ics":
        written = write_ics(instance, roster, path, week_start or next_monday(), weeks)
    elif to == "html":
        write_text(path, html_page(instance, roster, week_start or next_monday()))
        written = [path]
    else:
        monday = week_start or next_monday()
        written = [write_png(instance, roster, view or "program", path, monday)]
    if folder is not None:
        folder.finish(to, written)
    log.info("exported %s: %d file(s)", to, len(written))
    return written
