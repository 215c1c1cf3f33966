"""Reading and validating JSON documents (instances, rosters) into pydantic models.

A bottom-level module: every malformed or unreadable document becomes one
:class:`~solver.errors.InputError` listing its problems, each naming the entry and the key.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from solver.errors import InputError, Problem, format_location

__all__ = ["parse_document", "pydantic_problems", "read_json"]

_M = TypeVar("_M", bound=BaseModel)


def pydantic_problems(error: ValidationError, raw: Any) -> list[Problem]:
    """Turn a pydantic ValidationError into problems naming entry and key."""
    problems = []
    for item in error.errors(include_url=False):
        entry, key = format_location(item["loc"], raw)
        message = item["msg"]
        if item["type"] == "extra_forbidden":
            message = "unknown key (not part of format version 1)"
        elif item["type"] == "missing":
            message = "required key is missing"
        elif message.startswith("Value error, "):
            message = message[len("Value error, ") :]
        problems.append(Problem(entry, key, message))
    return problems


def read_json(source: str | Path) -> Any:
    """Read a JSON file, turning unreadable or malformed files into InputError."""
    path = Path(source)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError([Problem("", "", f"cannot read file: {exc}", str(path))]) from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(
            [
                Problem(
                    "",
                    "",
                    f"not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}",
                    str(path),
                )
            ]
        ) from None


def parse_document(
    model: type[_M], data: Mapping[str, Any] | str | bytes, *, source: str = "", what: str
) -> _M:
    """Validate a document (``what``: "instance" or "roster") into ``model``.

    Raises:
        InputError: every problem found, each naming the entry and the key.
    """
    raw: Any = data
    if isinstance(data, str | bytes):
        try:
            raw = json.loads(data)
        except json.JSONDecodeError as exc:
            raise InputError(
                [Problem("", "", f"not valid JSON: {exc.msg} at line {exc.lineno}", source)]
            ) from None
    if not isinstance(raw, Mapping):
        raise InputError([Problem("", "", f"the {what} must be a JSON object", source)])
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        raise InputError(pydantic_problems(exc, raw)).with_file(source) from None
    except InputError as exc:
        raise exc.with_file(source) from None
