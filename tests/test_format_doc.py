"""``docs/format.md`` stays true to the code.

Every fenced ```json block of the page is a valid instance or roster of format version 2 (a
block with a ``status`` key is a roster, any other an instance), each roster is a valid roster of
the instance shown before it, and the page names every key of every model with its default, every
weight key with its default, every rule R1 ... R12, the limits the models set, and every version-1
key that version 2 replaced.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel

from solver import parse_instance, parse_roster
from solver.checker import check
from solver.documents import REPLACED_IN_VERSION_2
from solver.instance import (
    MAX_KINDS,
    MAX_LEVELS,
    MAX_SESSIONS,
    WEIGHT_KEYS,
    AppointmentKind,
    Client,
    Group,
    Instance,
    Level,
    MinWeeklyHours,
    Program,
    Therapist,
    Weights,
)
from solver.roster import Appointment, Missed, Placement, Roster, RosterGroup, Unassigned

PAGE = Path(__file__).resolve().parents[1] / "docs" / "format.md"
TEXT = PAGE.read_text(encoding="utf-8")
RULES = [f"R{n}" for n in range(1, 13)]
MODELS: list[type[BaseModel]] = [
    Instance,
    Program,
    Level,
    MinWeeklyHours,
    AppointmentKind,
    Group,
    Therapist,
    Client,
    Roster,
    RosterGroup,
    Placement,
    Appointment,
    Missed,
    Unassigned,
]


def json_blocks(text: str) -> list[tuple[int, str]]:
    """Each fenced ```json block: the line of its opening fence and its text."""
    blocks: list[tuple[int, str]] = []
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        if lines[i].strip().lower() != "```json":
            i += 1
            continue
        j = i + 1
        while j < len(lines) and not lines[j].strip().startswith("```"):
            j += 1
        assert j < len(lines), f"format.md:{i + 1}: a code block is never closed"
        blocks.append((i + 1, "\n".join(lines[i + 1 : j])))
        i = j + 1
    return blocks


BLOCKS = json_blocks(TEXT)


def _is_roster(data: Any) -> bool:
    return isinstance(data, dict) and "status" in data


def _section(title: str) -> str:
    """The text of the page's section (## or ###) with this title, up to the next heading."""
    match = re.search(rf"^#+ {re.escape(title)}\n(.*?)(?=^#|\Z)", TEXT, re.S | re.M)
    assert match, f"docs/format.md has no section {title!r}"
    return match.group(1)


def test_the_page_has_an_instance_and_a_roster() -> None:
    kinds = [_is_roster(json.loads(text)) for _, text in BLOCKS]
    assert False in kinds, "docs/format.md shows no example instance"
    assert True in kinds, "docs/format.md shows no example roster"


@pytest.mark.parametrize("block", BLOCKS, ids=[f"format.md:{line}" for line, _ in BLOCKS])
def test_json_block_is_a_valid_document(block: tuple[int, str]) -> None:
    line, text = block
    source = f"format.md:{line}"
    assert json.loads(text)["format_version"] == 2, f"{source}: the page shows version 2"
    if _is_roster(json.loads(text)):
        parse_roster(text, source=source)
    else:
        parse_instance(text, source=source)


def test_each_roster_is_valid_for_the_instance_before_it() -> None:
    instance: Instance | None = None
    checked = 0
    for line, text in BLOCKS:
        if not _is_roster(json.loads(text)):
            instance = parse_instance(text, source=f"format.md:{line}")
            continue
        assert instance is not None, f"format.md:{line}: a roster with no instance before it"
        report = check(instance, parse_roster(text, source=f"format.md:{line}"))
        assert report.ok, f"format.md:{line}: " + "\n".join(report.lines())
        checked += 1
    assert checked


@pytest.mark.parametrize("key", WEIGHT_KEYS)
def test_every_weight_key_is_described_with_its_default(key: str) -> None:
    default = Weights.model_fields[key].default
    row = re.search(rf"^\| `{key}` \| (\d+) \|", TEXT, re.M)
    assert row, f"docs/format.md has no penalty-table row for the weight `{key}`"
    assert int(row.group(1)) == default, (
        f"`{key}`: the page says {row.group(1)}, the code {default}"
    )


@pytest.mark.parametrize(
    ("model", "key"),
    [(m, k) for m in MODELS for k in m.model_fields],
    ids=[f"{m.__name__}.{k}" for m in MODELS for k in m.model_fields],
)
def test_every_key_is_described(model: type[BaseModel], key: str) -> None:
    # A key of a small object may be named inside its JSON form: {"adult": hours, ...}.
    assert f"`{key}`" in TEXT or f'"{key}":' in TEXT, (
        f"docs/format.md does not name {model.__name__}'s key `{key}`"
    )


@pytest.mark.parametrize(
    ("title", "model"),
    [
        ("`program`", Program),
        ("Levels of care", Level),
        ("Appointment kinds", AppointmentKind),
        ("`therapists`", Therapist),
    ],
)
def test_plain_defaults_are_those_of_the_code(title: str, model: type[BaseModel]) -> None:
    """Each table row whose default is a plain number, string or bool matches the model."""
    rows = re.findall(r"^\| `(\w+)` \| [^|]+ \| ([^|]+) \|", _section(title), re.M)
    assert rows, f"section {title!r} has no table"
    compared = 0
    for key, written in rows:
        value = written.strip().strip("`")
        default = model.model_fields[key].default
        if isinstance(default, bool):
            assert value == str(default).lower(), f"{title} `{key}`: {value} != {default}"
        elif isinstance(default, int | str):
            assert value == json.dumps(default), f"{title} `{key}`: {value} != {default!r}"
        else:
            continue
        compared += 1
    assert compared


def test_the_default_kind_and_level_are_those_of_the_code() -> None:
    program = Program()
    (level,) = program.levels
    (kind,) = program.appointment_kinds
    text = " ".join(TEXT.split())
    assert f'{{"id": "{level.id}", "min_weekly_hours": {{"adult": 9, "adolescent": 6}}}}' in text
    assert level.min_weekly_hours == MinWeeklyHours(adult=9, adolescent=6)
    written = (
        f'{{"id": "{kind.id}", "minutes": {kind.minutes}, "provider": "{kind.provider}", '
        f'"required": {str(kind.required).lower()}, "per_week": {kind.per_week}}}'
    )
    assert written in text, f"docs/format.md does not show the default kind {written}"


def test_the_limits_are_those_of_the_code() -> None:
    limits = _section("Limits")
    assert f"1 to {MAX_LEVELS} levels" in limits
    assert f"at most {MAX_KINDS} kinds" in limits
    assert f"0 to {MAX_SESSIONS}" in limits


@pytest.mark.parametrize("rule", RULES)
def test_every_rule_is_described(rule: str) -> None:
    assert re.search(rf"\b{rule}\b", TEXT), f"docs/format.md does not name rule {rule}"


@pytest.mark.parametrize("key", sorted(REPLACED_IN_VERSION_2))
def test_every_replaced_version_1_key_is_described(key: str) -> None:
    section = _section("Version 1 files")
    assert f"`{key}`" in section, f"'Version 1 files' does not name the replaced key `{key}`"
    assert REPLACED_IN_VERSION_2[key] in section, f"the replacement of `{key}` is not shown"
