"""The code in ``docs/*.md`` runs (issue 13, item E3).

Every fenced ```python block of every page under ``docs/`` is run as a script of its own, in a
scratch folder that holds what the pages' workflows would have made by then: ``week.xlsx`` (a
copy of the template), ``instance.json`` (its import), ``roster.json`` (its roster) and a copy of
``instances/``. A block that raises fails the test. (The README's blocks are tested by
``tests/test_readme.py``.)
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path

import pytest

from solver.options import SolveOptions
from solver.solving import solve

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
PYTHON_INFO = {"python", "py", "python3"}


@dataclass(frozen=True)
class Block:
    """One fenced code block: its page, the line of its opening fence, its language, its code."""

    page: Path
    line: int
    info: str
    code: str

    @property
    def name(self) -> str:
        return f"{self.page.name}:{self.line}"


def fenced_blocks(text: str, page: Path) -> list[Block]:
    """The fenced blocks of a Markdown text (fences may be indented, as in a list item)."""
    blocks: list[Block] = []
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        stripped = lines[i].lstrip()
        if not stripped.startswith("```"):
            i += 1
            continue
        fence_indent = len(lines[i]) - len(stripped)
        info = stripped[3:].strip().split(" ")[0].lower()
        body: list[str] = []
        j = i + 1
        while j < len(lines) and not lines[j].lstrip().startswith("```"):
            body.append(lines[j][fence_indent:] if lines[j][:fence_indent].isspace() else lines[j])
            j += 1
        assert j < len(lines), f"{page.name}:{i + 1}: a code block is never closed"
        blocks.append(Block(page, i + 1, info, textwrap.dedent("\n".join(body)) + "\n"))
        i = j + 1
    return blocks


BLOCKS = [b for page in sorted(DOCS.glob("*.md")) for b in fenced_blocks(page.read_text(), page)]
PYTHON = [b for b in BLOCKS if b.info in PYTHON_INFO]


@pytest.fixture(scope="module")
def prepared(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The files the docs' Python blocks may expect in the working folder."""
    from solver.files.workbook_read import read_workbook

    folder = tmp_path_factory.mktemp("docs-files")
    shutil.copytree(ROOT / "instances", folder / "instances")
    shutil.copy(ROOT / "instances" / "template.xlsx", folder / "week.xlsx")
    instance = read_workbook(folder / "week.xlsx")
    (folder / "instance.json").write_text(instance.model_dump_json(indent=1), encoding="utf-8")
    roster = solve(instance, SolveOptions(time_limit=10, workers=1, seed=0))
    assert roster.status in ("optimal", "feasible")
    (folder / "roster.json").write_text(roster.to_json(), encoding="utf-8")
    return folder


def test_the_docs_have_python_blocks() -> None:
    assert any(b.page.name == "spreadsheets.md" for b in PYTHON)


def test_fenced_blocks_are_found_in_lists_too() -> None:
    text = "1. step\n   ```python\n   x = 1\n   ```\n```sh\nls\n```\n"
    blocks = fenced_blocks(text, Path("x.md"))
    assert [(b.line, b.info, b.code) for b in blocks] == [
        (2, "python", "x = 1\n"),
        (5, "sh", "ls\n"),
    ]


@pytest.mark.parametrize("block", PYTHON, ids=[b.name for b in PYTHON])
def test_python_block_runs(block: Block, prepared: Path, tmp_path: Path) -> None:
    work = tmp_path / "work"
    shutil.copytree(prepared, work)
    script = work / "block.py"
    script.write_text(block.code, encoding="utf-8")
    done = subprocess.run(
        [sys.executable, str(script)],
        cwd=work,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, f"{block.name} failed:\n{block.code}\n{done.stderr}"
