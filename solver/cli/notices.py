"""Warnings the commands print on standard error, one line each, naming the file.

- Words that match nothing (:mod:`solver.vocabulary`): a client's track no group serves, a
  need no therapist holds ... printed by ``import``, ``solve`` and ``check``. ``solve()`` logs
  the same warnings itself; while the command runs it, that log is muted, so that each
  warning is printed once, with the file name.
- A previous roster whose clients are mostly not in the instance (``--previous``): most
  likely another program's or another week's roster, which would steer nothing.
- A roster that names groups, therapists or clients the instance lacks (``explain``,
  ``recommend``, ``export``) is refused: exit status 2, one line per name.
"""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

from solver.documents import looks_like_workbook
from solver.instance import Instance
from solver.roster import Roster, ensure_roster_matches, load_roster
from solver.vocabulary import VocabularyWarning, vocabulary_warnings

__all__ = [
    "load_matching_roster",
    "print_vocabulary_warnings",
    "vocabulary_log_muted",
    "warn_foreign_previous",
]

_ENTRY = re.compile(r"^(groups|therapists|clients)\[\d+\] \(id (.*)\)$")


def print_vocabulary_warnings(path: Path, instance: Instance) -> None:
    """Print each word of the instance that matches nothing, naming the file, entry and key
    (for a workbook or a CSV folder: the sheet, the id and the column)."""
    workbook = looks_like_workbook(path)
    for warning in vocabulary_warnings(instance):
        shown = _in_workbook(warning) if workbook else warning
        print(shown.problem(str(path)), file=sys.stderr)


def _in_workbook(warning: VocabularyWarning) -> VocabularyWarning:
    match = _ENTRY.match(warning.entry)
    if match is None:
        return warning
    column = warning.key.split("[")[0]
    return replace(warning, entry=f"sheet {match[1]}, id {match[2]}", key=f"column {column}")


@contextmanager
def vocabulary_log_muted() -> Iterator[None]:
    """Silence :func:`solver.vocabulary.log_vocabulary_warnings` (the command printed the
    warnings already, with the file name); silenced, it does not work them out again."""
    logger = logging.getLogger("solver.vocabulary")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(level)


def warn_foreign_previous(
    path: Path, instance_path: Path, instance: Instance, previous: Roster
) -> None:
    """One line when more than half of the previous roster's clients are not in the instance."""
    ids = list(
        dict.fromkeys([p.id for p in previous.clients] + [u.id for u in previous.unassigned])
    )
    missing = [i for i in ids if not instance.has_client(i)]
    if 2 * len(missing) <= len(ids):
        return
    examples = ", ".join(missing[:3]) + (", ..." if len(missing) > 3 else "")
    print(
        f"{path}: {len(missing)} of the {len(ids)} clients of this previous roster are not in "
        f"{instance_path} ({examples}); is it another program's or another week's roster? "
        "Only clients in both count for the rerun penalties",
        file=sys.stderr,
    )


def load_matching_roster(path: Path, instance: Instance) -> Roster:
    """The ROSTER argument: a roster of this instance.

    Raises:
        InputError: the roster names a group, therapist or client the instance lacks, one
            problem each, naming the roster's file.
    """
    roster = load_roster(path)
    ensure_roster_matches(instance, roster, file=str(path))
    return roster
