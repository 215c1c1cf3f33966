"""The one exception type that the library raises for bad input.

Every problem names where it is: the file (when there is one), the entry
(``clients[12] (id C013)``) and the key (``busy[0].start``), so that a person
can open the file and fix it without reading a traceback.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

__all__ = ["InputError", "Problem", "format_location"]


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with an input.

    Attributes:
        entry: the entry it concerns, e.g. ``clients[12] (id C013)``, or ``""``
            for the document itself.
        key: the key inside that entry, e.g. ``busy[0].start``, or ``""``.
        message: what is wrong, in plain words.
        file: the file the entry came from, or ``""`` for in-memory data.
    """

    entry: str
    key: str
    message: str
    file: str = ""

    def __str__(self) -> str:
        where = [part for part in (self.file, self.entry, self.key) if part]
        prefix = ": ".join(where) if where else "input"
        return f"{prefix}: {self.message}"


class InputError(Exception):
    """Raised when an instance or roster is malformed or inconsistent.

    ``problems`` lists every problem found (not only the first), each naming
    the file, the entry and the key.
    """

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems: tuple[Problem, ...] = tuple(problems)
        super().__init__("\n".join(str(p) for p in self.problems) or "invalid input")

    def with_file(self, file: str) -> InputError:
        """Return the same error with every problem attributed to ``file``."""
        return InputError([replace(p, file=file) for p in self.problems])


_TOP_LEVEL_LISTS = ("groups", "therapists", "clients", "unassigned")


def format_location(loc: Iterable[int | str], raw: Any) -> tuple[str, str]:
    """Split a pydantic-style location into (entry, key), naming ids where known.

    ``("clients", 12, "busy", 0, "start")`` on a document whose 13th client has
    id ``C013`` gives ``("clients[12] (id C013)", "busy[0].start")``.
    """
    parts = list(loc)
    entry = ""
    if len(parts) >= 2 and parts[0] in _TOP_LEVEL_LISTS and isinstance(parts[1], int):
        name, index = str(parts[0]), parts[1]
        entry = f"{name}[{index}]"
        item = _lookup(raw, name, index)
        if isinstance(item, Mapping) and isinstance(item.get("id"), str) and item["id"]:
            entry += f" (id {_shown_id(item['id'])})"
        parts = parts[2:]
    elif parts and parts[0] == "program":
        entry = "program"
        parts = parts[1:]
    key = ""
    for part in parts:
        if isinstance(part, int):
            key += f"[{part}]"
        else:
            key += f".{part}" if key else str(part)
    return entry, key


def _shown_id(item_id: str) -> str:
    """An id as a problem line shows it: a bad id (a line break, 1 MB long) escaped and cut
    short, so that the line stays one short line."""
    if len(item_id) <= 64 and item_id.isprintable():
        return item_id
    shown = ascii(item_id[:40])
    return shown + ("..." if len(item_id) > 40 else "")


def _lookup(raw: Any, name: str, index: int) -> Any:
    if not isinstance(raw, Mapping):
        return None
    items = raw.get(name)
    if isinstance(items, list) and 0 <= index < len(items):
        return items[index]
    return None
