"""Reading and validating JSON documents (instances, rosters) into pydantic models.

A bottom-level module: every malformed or unreadable document becomes one
:class:`~solver.errors.InputError` listing its problems, each naming the entry and the key.
It also holds what both documents share: the :data:`Id` and :data:`Text` string types and
the largest number a document may hold (:data:`MAX_OBJECTIVE`).

JSON is read strictly: ``NaN`` and ``Infinity`` (which Python's :mod:`json` accepts but JSON
does not have), numbers too large for a float, nesting too deep to read, and a top level that
is not an object are all refused with one line naming the file.
"""

from __future__ import annotations

import json
import math
import unicodedata
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Annotated, Any, TypeVar

from pydantic import AfterValidator, BaseModel, StringConstraints, ValidationError

from solver.errors import InputError, Problem, format_location

__all__ = [
    "MAX_ID_LENGTH",
    "MAX_OBJECTIVE",
    "MAX_TEXT_LENGTH",
    "Id",
    "Text",
    "REPLACED_IN_VERSION_2",
    "document_version",
    "loads_document",
    "looks_like_workbook",
    "parse_document",
    "pydantic_problems",
    "read_json",
]

_M = TypeVar("_M", bound=BaseModel)

MAX_ID_LENGTH = 64
MAX_TEXT_LENGTH = 200
MAX_OBJECTIVE = 2**53
"""The largest objective, penalty or bound: integers up to 2**53 stay exact in any JSON reader."""

_NOT_IN_TEXT = ("Cc", "Cs", "Zl", "Zp")  # control characters, lone surrogates, line breaks
_NOT_IN_ID = (*_NOT_IN_TEXT, "Cf")  # and invisible format characters (zero-width space ...)


_CONTROL_NAMES = {"\t": "tab", "\n": "line feed", "\r": "carriage return", "\x00": "null"}


def _printable(what: str, categories: tuple[str, ...]) -> Callable[[str], str]:
    def check(value: str) -> str:
        for position, char in enumerate(value, start=1):
            if unicodedata.category(char) in categories:
                name = _CONTROL_NAMES.get(char) or unicodedata.name(char, "a control character")
                raise ValueError(
                    f"{what} may not hold control characters or line breaks: "
                    f"U+{ord(char):04X} ({name}) at character {position}"
                )
        return value

    return check


Id = Annotated[
    str,
    StringConstraints(min_length=1, max_length=MAX_ID_LENGTH),
    AfterValidator(_printable("an id", _NOT_IN_ID)),
]
"""An id: 1 to 64 characters, none a control character, line break or invisible character."""

Text = Annotated[
    str,
    StringConstraints(max_length=MAX_TEXT_LENGTH),
    AfterValidator(_printable("a name or label", _NOT_IN_TEXT)),
]
"""A name or label (track, specialty, room ...): at most 200 characters, none a control
character or line break."""

_WORKBOOK_SUFFIXES = (".xlsx", ".xlsm")
_ZIP_MAGIC = b"PK\x03\x04"  # .xlsx files are zip archives
_OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # the old .xls format


def looks_like_workbook(source: str | Path) -> bool:
    """True for a folder (of CSV files), a ``.xlsx``/``.xlsm`` path, or a file that is a zip
    archive: what ``python -m solver import`` reads, not JSON."""
    path = Path(source)
    if path.is_dir() or path.suffix.lower() in _WORKBOOK_SUFFIXES:
        return True
    try:
        with path.open("rb") as file:
            return file.read(4) == _ZIP_MAGIC
    except OSError:
        return False


# Version-1 keys that version 2 replaced: inside a version-2 file the error names the successor.
REPLACED_IN_VERSION_2 = {
    "individual_sessions": 'appointments: {"individual": n}',
    "session_minutes": 'appointment_minutes: {"individual": minutes}',
    "min_weekly_hours": "program.levels[].min_weekly_hours",
    "individual_session_minutes": 'program.appointment_kinds: [{"id": "individual", "minutes": m}]',
    "sessions": 'appointments: [{"kind": "individual", "provider": ..., "day": ...}]',
}


def document_version(raw: Any) -> int:
    """The format version a decoded document declares: 1 when it says the integer 1, else 2
    (the current version, whose model then reports a missing or wrong ``format_version``)."""
    if isinstance(raw, Mapping) and type(raw.get("format_version")) is int:
        return 1 if raw["format_version"] == 1 else 2
    return 2


def _unknown_key(key: str, version: int) -> str:
    name = key.rsplit(".", 1)[-1]
    if version == 2 and name in REPLACED_IN_VERSION_2:
        return (
            f"unknown key in format version 2 (a version-1 key): "
            f"version 2 replaced it with {REPLACED_IN_VERSION_2[name]}"
        )
    return f"unknown key (not part of format version {version})"


def pydantic_problems(error: ValidationError, raw: Any) -> list[Problem]:
    """Turn a pydantic ValidationError into problems naming entry and key."""
    problems = []
    version = document_version(raw)
    for item in error.errors(include_url=False):
        entry, key = format_location(item["loc"], raw)
        message = item["msg"]
        if item["type"] == "extra_forbidden":
            message = _unknown_key(key, version)
        elif item["type"] == "missing":
            message = "required key is missing"
        elif message.startswith("Value error, "):
            message = message[len("Value error, ") :]
        problems.append(Problem(entry, key, message))
    return problems


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number in JSON (NaN and Infinity are not allowed)")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"the number {text[:30]} is too large")
    return value


def _loads(text: str | bytes, source: str) -> Any:
    """Strict JSON: no NaN or Infinity, finite numbers, nesting Python can read."""

    def refuse(message: str) -> InputError:
        return InputError([Problem("", "", f"not valid JSON: {message}", source)])

    try:
        return json.loads(text, parse_constant=_no_constant, parse_float=_finite_float)
    except json.JSONDecodeError as exc:
        raise refuse(f"{exc.msg} at line {exc.lineno} column {exc.colno}") from None
    except RecursionError:
        raise refuse("nested too deeply (lists or objects within each other)") from None
    except ValueError as exc:  # _no_constant, _finite_float, an integer of 4,300+ digits
        message = str(exc)
        if "integer string conversion" in message:
            message = "a number is too large (more than 4,300 digits)"
        raise refuse(message) from None


_JSON_TYPES = {str: "a string", list: "a list", bool: "true or false", type(None): "null"}


def _not_an_object(raw: Any, what: str, source: str) -> InputError:
    held = _JSON_TYPES.get(type(raw), "a number")
    return InputError(
        [Problem("", "", f"the {what} must be a JSON object {{...}}, but the file holds {held}")]
    ).with_file(source)


def read_json(source: str | Path, *, what: str = "document") -> Any:
    """Read a JSON file holding an object (``what`` names it in messages: "instance" ...),
    turning unreadable, malformed or mistaken files (a workbook, a folder) into InputError."""
    path = Path(source)

    def refuse(message: str) -> InputError:
        return InputError([Problem("", "", message, str(path))])

    if looks_like_workbook(path):
        kind = "a folder" if path.is_dir() else "a workbook"
        hint = f"; run `python -m solver import {path} --out week.json` first"
        raise refuse(f"this is {kind}, not a JSON {what}" + (hint if what == "instance" else ""))
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise refuse(f"cannot read file: {exc.strerror or exc}") from None
    if data.startswith(_OLE_MAGIC):
        raise refuse(f"this is an old Excel workbook (.xls), not a JSON {what}")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise refuse(
            f"not a UTF-8 text file (byte 0x{data[exc.start]:02x} at position {exc.start}): "
            f"save the {what} as UTF-8"
        ) from None
    raw = _loads(text, str(path))
    if not isinstance(raw, dict):
        raise _not_an_object(raw, what, str(path))
    return raw


# Keys only one of the two documents has: a file with the other's keys is the wrong file.
_OWN_KEYS = {
    "instance": frozenset({"program", "therapists"}),
    "roster": frozenset({"status", "objective", "best_bound", "penalties", "solve_seconds"}),
}


def _wrong_document(raw: Mapping[str, Any], what: str, source: str) -> InputError | None:
    """A one-line error when ``raw`` looks like the other document (a roster given where an
    instance belongs, or the reverse), instead of a flood of missing keys."""
    other = next((o for o in _OWN_KEYS if o != what), None)
    if other is None or raw.keys() & _OWN_KEYS[what]:
        return None
    found = sorted(k for k in raw if isinstance(k, str) and k in _OWN_KEYS[other])
    if not found:
        return None
    article = {"instance": "an instance", "roster": "a roster"}
    message = (
        f"this looks like {article[other]} (it has {', '.join(found)}), not {article[what]}: "
        "were the files given in the wrong order?"
    )
    return InputError([Problem("", "", message, source)])


def loads_document(data: str | bytes, source: str, *, what: str) -> Mapping[str, Any]:
    """Decode a JSON text holding one object (``what`` names it: "instance", "roster")."""
    raw = _loads(data, source)
    if not isinstance(raw, Mapping):
        raise _not_an_object(raw, what, source)
    return raw


def parse_document(
    model: type[_M], data: Mapping[str, Any] | str | bytes, *, source: str = "", what: str
) -> _M:
    """Validate a document (``what``: "instance" or "roster") into ``model``.

    Raises:
        InputError: every problem found, each naming the entry and the key.
    """
    raw: Any = _loads(data, source) if isinstance(data, str | bytes) else data
    if not isinstance(raw, Mapping):
        raise _not_an_object(raw, what, source)
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        wrong = _wrong_document(raw, what, source)
        if wrong is not None:
            raise wrong from None
        raise InputError(pydantic_problems(exc, raw)).with_file(source) from None
    except InputError as exc:
        raise exc.with_file(source) from None
    except RecursionError:
        raise InputError([Problem("", "", "nested too deeply to read", source)]) from None
