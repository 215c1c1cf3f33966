"""One cell as a value and back: text, whole numbers, numbers, lists and intervals.

Reading is lenient with what Excel stores (numbers for ids, times for clock text); a cell that
cannot be read raises :class:`CellError` with a message for the person who filled it.
:func:`parse_intervals` and :func:`format_intervals` turn interval text into format intervals
and back.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Iterable, Mapping
from typing import Any

from solver.files.columns import Column
from solver.instance import DAYS, Interval

__all__ = [
    "EMPTY",
    "NONE",
    "CellError",
    "Empty",
    "cell_text",
    "convert_cell",
    "format_intervals",
    "is_empty",
    "parse_intervals",
]

NONE = "none"
"""The text of an empty interval list."""


class CellError(ValueError):
    """A cell that cannot be read as its column's kind."""


class Empty:
    """The value of an empty cell."""


EMPTY = Empty()

_TIME = re.compile(r"(\d{1,2}):(\d{2})")
_INTERVAL = re.compile(
    r"(?P<days>[A-Za-z][A-Za-z ,\-\u2013]*?)\s*(?P<start>\d{1,2}:\d{2})\s*[-\u2013]\s*"
    r"(?P<end>\d{1,2}:\d{2})"
)
_DAY_NAMES: dict[str, str] = {
    **{day: day for day in DAYS},
    "monday": "mon",
    "tuesday": "tue",
    "tues": "tue",
    "wednesday": "wed",
    "thursday": "thu",
    "thur": "thu",
    "thurs": "thu",
    "friday": "fri",
    "saturday": "sat",
    "sunday": "sun",
}
_DAY_INDEX: dict[str, int] = {day: i for i, day in enumerate(DAYS)}
_WHOLE = re.compile(r"[+-]?\d+(?:\.0*)?")


def is_empty(raw: object) -> bool:
    """True for a cell that holds nothing (or only spaces)."""
    return raw is None or (isinstance(raw, str) and not raw.strip())


def _clock(value: dt.time | dt.timedelta) -> str:
    if isinstance(value, dt.timedelta):
        seconds = round(value.total_seconds())
        if not 0 <= seconds <= 24 * 3600 or seconds % 60:
            raise CellError(f"the duration {value} is not a time of day like 09:00")
        return f"{seconds // 3600:02d}:{seconds // 60 % 60:02d}"
    if value.second or value.microsecond:
        raise CellError(f"the time {value} has seconds; times are whole minutes like 09:00")
    return f"{value.hour:02d}:{value.minute:02d}"


def cell_text(raw: object) -> str | Empty:
    """A cell as text; Excel numbers and times become what they look like."""
    if is_empty(raw):
        return EMPTY
    if isinstance(raw, bool):
        raise CellError(f"expected text, got {str(raw).upper()}")
    if isinstance(raw, int):
        return str(raw)
    if isinstance(raw, float):
        if raw.is_integer():
            return str(int(raw))
        raise CellError(f"expected text, got the number {raw}; format the cell as Text")
    if isinstance(raw, dt.datetime):
        # Excel stores a bare time typed into some cells as a time on 1899-12-30.
        if raw.year < 1901:
            return _clock(raw.time())
        raise CellError(f"expected text, got the date {raw:%Y-%m-%d}; format the cell as Text")
    if isinstance(raw, dt.date):
        raise CellError(f"expected text, got the date {raw:%Y-%m-%d}; format the cell as Text")
    if isinstance(raw, dt.time | dt.timedelta):
        return _clock(raw)
    return str(raw).strip()


def _int(raw: object) -> int | Empty:
    if isinstance(raw, bool):
        raise CellError(f"expected a whole number, got {str(raw).upper()}")
    if isinstance(raw, int):
        return raw
    if isinstance(raw, float):
        if raw.is_integer():
            return int(raw)
        raise CellError(f"expected a whole number, got {raw}")
    text = cell_text(raw)
    if isinstance(text, Empty):
        return text
    if not _WHOLE.fullmatch(text):
        raise CellError(f"expected a whole number, got {text!r}")
    return int(text.split(".")[0])


def _number(raw: object) -> int | float | Empty:
    if isinstance(raw, bool):
        raise CellError(f"expected a number, got {str(raw).upper()}")
    if isinstance(raw, int):
        return raw
    if isinstance(raw, float):
        if not math.isfinite(raw):
            raise CellError(f"expected a number, got {raw}")
        return int(raw) if raw.is_integer() else raw
    text = cell_text(raw)
    if isinstance(text, Empty):
        return text
    if _WHOLE.fullmatch(text):
        return int(text.split(".")[0])
    if re.fullmatch(r"\d+,\d+", text):  # a decimal comma, as many locales write it
        text = text.replace(",", ".")
    try:
        value = float(text)
    except ValueError:
        raise CellError(f"expected a number, got {text!r}") from None
    if not math.isfinite(value):
        raise CellError(f"expected a number, got {text!r}")
    return value


_YES = frozenset({"yes", "y", "true"})
_NO = frozenset({"no", "n", "false"})


def _bool(raw: object) -> bool | Empty:
    if isinstance(raw, bool):  # Excel's TRUE and FALSE
        return raw
    if isinstance(raw, int | float) and raw in (0, 1):
        return bool(raw)
    text = cell_text(raw)
    if isinstance(text, Empty):
        return text
    word = text.lower()
    if word in _YES or word in _NO:
        return word in _YES
    raise CellError(f"expected yes or no, got {text!r}")


def _items(raw: object) -> list[str] | Empty:
    text = cell_text(raw)
    if isinstance(text, Empty):
        return text
    return [item.strip() for item in re.split(r"[;\n]", text) if item.strip()]


def _time(text: str, item: str) -> str:
    match = _TIME.fullmatch(text)
    hours, minutes = (int(match[1]), int(match[2])) if match else (99, 99)
    if minutes > 59 or hours > 24 or (hours == 24 and minutes):
        raise CellError(f"{item!r}: {text!r} is not a time between 00:00 and 24:00")
    return f"{hours:02d}:{minutes:02d}"


def _days(text: str, item: str) -> list[str]:
    days: list[str] = []
    for part in text.split(","):
        bounds = [b.strip().lower() for b in re.split(r"[-\u2013]", part)]
        if len(bounds) > 2 or not all(b in _DAY_NAMES for b in bounds):
            raise CellError(
                f"{item!r}: {part.strip()!r} is not a day like Mon, a range like Mon-Fri, "
                "or a list like 'Mon, Wed'"
            )
        first, last = _DAY_INDEX[_DAY_NAMES[bounds[0]]], _DAY_INDEX[_DAY_NAMES[bounds[-1]]]
        if last < first:
            raise CellError(f"{item!r}: the day range {part.strip()!r} runs backwards")
        days.extend(DAYS[first : last + 1])
    return days


def parse_intervals(text: str) -> list[dict[str, str]]:
    """Read ``Mon 09:00-12:00; Tue-Thu 13:00-17:00`` as format intervals, in the written order.

    Items are separated by ``;`` (or line breaks); each holds a day (``Mon`` or ``Monday``, any
    case), a day range (``Mon-Fri``) or a day list (``Mon, Wed, Fri``), then ``start-end``.
    ``none`` is the empty list.

    Raises:
        ValueError: the text is not such a list; the message says which item and why.
    """
    if text.strip().lower() == NONE:
        return []
    intervals: list[dict[str, str]] = []
    for item in (i.strip() for i in re.split(r"[;\n]", text)):
        if not item:
            continue
        match = _INTERVAL.fullmatch(item)
        if match is None:
            raise CellError(f"{item!r} is not an interval like 'Mon 09:00-12:00'")
        start, end = _time(match["start"], item), _time(match["end"], item)
        if start >= end:
            raise CellError(f"{item!r}: the start {start} must come before the end {end}")
        intervals.extend(
            {"day": day, "start": start, "end": end} for day in _days(match["days"], item)
        )
    return intervals


def _intervals(raw: object) -> list[dict[str, str]] | Empty:
    text = cell_text(raw)
    if isinstance(text, Empty):
        return text
    return parse_intervals(text)


def convert_cell(column: Column, raw: object) -> Any:
    """The JSON value of one cell, or ``EMPTY``; raises CellError."""
    if column.kind == "text":
        return cell_text(raw)
    if column.kind == "choice":
        text = cell_text(raw)
        return text if isinstance(text, Empty) else text.lower()
    if column.kind == "bool":
        return _bool(raw)
    if column.kind == "int":
        return _int(raw)
    if column.kind == "number":
        return _number(raw)
    if column.kind == "list":
        return _items(raw)
    return _intervals(raw)


def format_intervals(intervals: Iterable[Interval | Mapping[str, str]]) -> str:
    """Write intervals as a person reads them: ``Mon, Wed, Fri 09:00-12:00; Tue 13:00-17:00``.

    Neighbouring intervals with the same times share one item; three or more days in a row
    become a range (``Mon-Fri``). :func:`parse_intervals` reads the text back into the same
    list, in the same order.
    """
    runs: list[tuple[str, str, list[str]]] = []
    for interval in intervals:
        day: str
        if isinstance(interval, Interval):
            day, start, end = interval.day, interval.start, interval.end
        else:
            day, start, end = interval["day"], interval["start"], interval["end"]
        if runs and runs[-1][:2] == (start, end):
            runs[-1][2].append(day)
        else:
            runs.append((start, end, [day]))
    items = []
    for start, end, days in runs:
        indices = [_DAY_INDEX[d] for d in days]
        consecutive = all(b == a + 1 for a, b in zip(indices, indices[1:], strict=False))
        if len(days) >= 3 and consecutive:
            names = f"{days[0].title()}-{days[-1].title()}"
        else:
            names = ", ".join(d.title() for d in days)
        items.append(f"{names} {start}-{end}")
    return "; ".join(items)
