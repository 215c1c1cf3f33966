"""``docs/format.md`` stays true to the code.

Every fenced ```json block of the page is a valid instance or roster of format version 1 (a
block with a ``status`` key is a roster, any other an instance), each roster is a valid roster of
the instance shown before it, and the page names every weight key and every rule R1 ... R11.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from solver import parse_instance, parse_roster
from solver.checker import check
from solver.instance import WEIGHT_KEYS, Instance

PAGE = Path(__file__).resolve().parents[1] / "docs" / "format.md"
TEXT = PAGE.read_text(encoding="utf-8")
RULES = [f"R{n}" for n in range(1, 12)]


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


def test_the_page_has_an_instance_and_a_roster() -> None:
    kinds = [_is_roster(json.loads(text)) for _, text in BLOCKS]
    assert False in kinds, "docs/format.md shows no example instance"
    assert True in kinds, "docs/format.md shows no example roster"


@pytest.mark.parametrize("block", BLOCKS, ids=[f"format.md:{line}" for line, _ in BLOCKS])
def test_json_block_is_a_valid_document(block: tuple[int, str]) -> None:
    line, text = block
    source = f"format.md:{line}"
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
def test_every_weight_key_is_described(key: str) -> None:
    assert f"`{key}`" in TEXT, f"docs/format.md does not name the weight `{key}`"


@pytest.mark.parametrize("rule", RULES)
def test_every_rule_is_described(rule: str) -> None:
    assert re.search(rf"\b{rule}\b", TEXT), f"docs/format.md does not name rule {rule}"
