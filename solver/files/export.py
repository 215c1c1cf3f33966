"""Rosters for people: a workbook, CSV tables, calendars, a web page and pictures.

:func:`export_roster` writes one roster in one of :data:`FORMATS`:

- ``xlsx``: one workbook, ``csv``: a folder of CSV files, with the same tables: ``summary``,
  ``group_lists``, ``therapist_weeks``, ``client_weeks``, ``unassigned`` and ``penalties``
  (:mod:`solver.files.roster_tables`);
- ``ics``: a folder with one iCalendar file per therapist and per placed client, each meeting and
  session a weekly recurring event starting in a given week (:mod:`solver.files.ics`);
- ``html``: one self-contained page (no external resources) with a weekly grid per therapist,
  per room and per group, readable on screen and on paper (:mod:`solver.files.html_page`);
- ``png``: one weekly grid as a picture: the whole program, one therapist or one room
  (:mod:`solver.files.png`).

Everything names people by their ids only: the format holds no personal data.
"""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path

from solver.errors import InputError, Problem
from solver.files.html_page import html_page
from solver.files.ics import write_ics
from solver.files.png import write_png
from solver.files.roster_tables import roster_tables, write_csv, write_xlsx
from solver.instance import Instance
from solver.roster import Roster

__all__ = ["FORMATS", "export_roster", "next_monday"]

log = logging.getLogger(__name__)

FORMATS: tuple[str, ...] = ("xlsx", "csv", "ics", "html", "png")
"""The formats :func:`export_roster` writes."""


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
) -> list[Path]:
    """Write a roster for people to read; return the paths written.

    Args:
        instance: the instance the roster answers.
        roster: the roster.
        to: one of :data:`FORMATS`. ``xlsx``, ``html`` and ``png`` write the file ``out``;
            ``csv`` and ``ics`` write files into the folder ``out``.
        out: the file or folder to write (parent folders are created).
        view: ``png`` only: ``"program"`` (the default: every running group), a therapist id,
            or a room.
        week_start: ``ics`` only: the Monday of the first week (default: :func:`next_monday`).
            Given, the output is the same on every run.
        weeks: ``ics`` only: how many weeks the events repeat (default: without end).

    Raises:
        InputError: an unknown format or view, an option the format does not take, or a roster
            that names groups, therapists or clients the instance does not have.
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
    if to != "ics" and (week_start is not None or weeks is not None):
        raise InputError(
            [Problem("", "week_start", f"week_start and weeks apply to ics only, not to {to}")]
        )
    _check_matches(instance, roster)
    path = Path(out)
    written: list[Path]
    if to in ("xlsx", "csv"):
        tables = roster_tables(instance, roster)
        written = write_xlsx(tables, path) if to == "xlsx" else write_csv(tables, path)
    elif to == "ics":
        written = write_ics(instance, roster, path, week_start or next_monday(), weeks)
    elif to == "html":
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(html_page(instance, roster), encoding="utf-8")
        written = [path]
    else:
        written = [write_png(instance, roster, view or "program", path)]
    log.info("exported %s: %d file(s)", to, len(written))
    return written


def _check_matches(instance: Instance, roster: Roster) -> None:
    """The roster names only groups, therapists and clients of the instance."""
    problems: list[Problem] = []

    def need(found: bool, entry: str, key: str, what: str, value: str) -> None:
        if not found:
            problems.append(Problem(entry, key, f"the instance has no {what} {value!r}"))

    for i, group in enumerate(roster.groups):
        entry = f"groups[{i}] (id {group.id})"
        need(instance.has_group(group.id), entry, "id", "group", group.id)
        need(
            instance.has_therapist(group.facilitator),
            entry,
            "facilitator",
            "therapist",
            group.facilitator,
        )
        for k, client in enumerate(group.clients):
            need(instance.has_client(client), entry, f"clients[{k}]", "client", client)
    for i, placement in enumerate(roster.clients):
        entry = f"clients[{i}] (id {placement.id})"
        need(instance.has_client(placement.id), entry, "id", "client", placement.id)
        need(instance.has_group(placement.group), entry, "group", "group", placement.group)
        need(
            instance.has_therapist(placement.therapist),
            entry,
            "therapist",
            "therapist",
            placement.therapist,
        )
    for i, item in enumerate(roster.unassigned):
        need(
            instance.has_client(item.id), f"unassigned[{i}] (id {item.id})", "id", "client", item.id
        )
    if problems:
        raise InputError(problems)
