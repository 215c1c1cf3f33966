"""The outputs README.md shows are what the commands and the snippet really print.

Every expected text comes from README.md itself: the tests find the fenced command
(or code) block, run it for real in a scratch folder, and compare what it prints with
the fenced output block that follows it. The only normalisation is the solve time in
``status ... in 0.36 s``, which varies from run to run. The commands are the README's
own; they ask for one worker and a fixed seed, so the rosters (and so every sentence
about them) are reproducible. Two commands are not in a fenced block and are built
here: the rerun of the ``diff`` example (the routine's command, plus one worker and
seed 0) and ``explain --what-if``, which the README names in prose.

The clinic is solved once per module, by the README's command and, at the same time in
a second process, by the "From Python" snippet (each uses one worker).
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
PYTHON = ".venv/bin/python"
TIMEOUT = 300  # seconds; each solve stops at its own time limit well before

# The one thing that genuinely varies between runs of a solve: its duration.
_SECONDS = re.compile(r"^(status \w+ in )\d+(?:\.\d+)? s$", re.MULTILINE)
# A progress line of `solve` (solver.cli.text.ProgressPrinter). The README describes
# them in prose and shows only the summary printed after them, so they are dropped.
_PROGRESS = re.compile(r"^ *\d+\.\d s  objective -?\d+  bound \S+(  gap \S+ %)?$")


@dataclass(frozen=True)
class Block:
    """A fenced block of README.md: its info string, its text (dedented), its line."""

    info: str
    text: str
    line: int


def fenced_blocks(markdown: str) -> list[Block]:
    """Every fenced block, in order; a block indented under a list item is dedented."""
    lines = markdown.splitlines()
    blocks: list[Block] = []
    i = 0
    while i < len(lines):
        opening = re.match(r"^( *)(`{3,})(.*)$", lines[i])
        if opening is None:
            i += 1
            continue
        indent, fence, info = len(opening.group(1)), opening.group(2), opening.group(3).strip()
        body: list[str] = []
        j = i + 1
        while j < len(lines) and not re.match(rf"^ *{fence}\s*$", lines[j]):
            line = lines[j]
            body.append(line[min(indent, len(line) - len(line.lstrip(" "))) :])
            j += 1
        assert j < len(lines), f"README.md:{i + 1}: unclosed fence"
        blocks.append(Block(info, "\n".join(body) + "\n", i + 1))
        i = j + 1
    return blocks


BLOCKS = fenced_blocks(README.read_text(encoding="utf-8"))


def block_with(text: str, info: str) -> int:
    """The index of the first ``info`` block (``sh``, ``python``) that contains ``text``."""
    for index, block in enumerate(BLOCKS):
        if block.info == info and text in block.text:
            return index
    raise AssertionError(f"README.md has no {info} block containing {text!r}")


def output_after(index: int) -> str:
    """The plain (output) block right after block ``index``."""
    block = BLOCKS[index]
    assert index + 1 < len(BLOCKS), f"README.md:{block.line}: no block follows"
    following = BLOCKS[index + 1]
    assert following.info == "", (
        f"README.md:{block.line}: the block after it (line {following.line}) is not output"
    )
    return following.text


def command_line(index: int, text: str) -> list[str]:
    """The argv of the line of block ``index`` that contains ``text``."""
    lines = [line for line in BLOCKS[index].text.splitlines() if text in line]
    assert len(lines) == 1, (BLOCKS[index].line, text, lines)
    argv = shlex.split(lines[0], comments=True)
    assert argv[0] == PYTHON, argv
    return [sys.executable, *argv[1:]]


def _env() -> dict[str, str]:
    # The package of this checkout, whatever is installed in the interpreter.
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), *filter(None, [env.get("PYTHONPATH")])])
    return env


def run(argv: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        argv, cwd=cwd, env=_env(), capture_output=True, text=True, timeout=TIMEOUT, check=False
    )


def start(argv: list[str], cwd: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        argv, cwd=cwd, env=_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def finish(process: subprocess.Popen[str]) -> subprocess.CompletedProcess[str]:
    stdout, stderr = process.communicate(timeout=TIMEOUT)
    return subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)


def normalised(text: str) -> str:
    return _SECONDS.sub(r"\1<seconds> s", text.strip("\n"))


def scratch(tmp_path_factory: pytest.TempPathFactory, name: str) -> Path:
    """A scratch folder holding a copy of ``instances/``, as the README's commands expect."""
    folder = tmp_path_factory.mktemp(name)
    shutil.copytree(ROOT / "instances", folder / "instances")
    return folder


# --- the clinic: "Install, run, test" and "From Python" -------------------------------

SOLVE = block_with("solver solve instances/clinic.json --out roster.json", "sh")
SNIPPET = block_with("solve(instance, SolveOptions(", "python")


@dataclass(frozen=True)
class Clinic:
    folder: Path
    solve: subprocess.CompletedProcess[str]
    snippet: subprocess.CompletedProcess[str]


@pytest.fixture(scope="module")
def clinic(tmp_path_factory: pytest.TempPathFactory) -> Clinic:
    """The README's clinic solve and its Python snippet, run side by side."""
    folder = scratch(tmp_path_factory, "clinic")
    solving = start(command_line(SOLVE, " solve "), folder)
    snippet = start([sys.executable, "-c", BLOCKS[SNIPPET].text], folder)
    return Clinic(folder, finish(solving), finish(snippet))


def test_solve_summary_is_the_readme_s(clinic: Clinic) -> None:
    assert clinic.solve.returncode == 0, clinic.solve.stderr
    summary = [line for line in clinic.solve.stderr.splitlines() if not _PROGRESS.match(line)]
    assert normalised("\n".join(summary)) == normalised(output_after(SOLVE))


PROGRAM = block_with("solver solve instances/program.json", "sh")


def test_the_version_2_example_is_the_readme_s(tmp_path: Path) -> None:
    """The second example: its summary, its picture, and the missed reasons it quotes."""
    solved = run(command_line(PROGRAM, " solve "), tmp_path_with_instances(tmp_path))
    assert solved.returncode == 0, solved.stderr
    summary = [line for line in solved.stderr.splitlines() if not _PROGRESS.match(line)]
    assert normalised("\n".join(summary)) == normalised(output_after(PROGRAM))
    exported = run(command_line(PROGRAM, " export "), tmp_path)
    assert exported.returncode == 0, exported.stderr
    assert (tmp_path / "program-week.png").stat().st_size > 0
    roster = json.loads((tmp_path / "program-roster.json").read_text(encoding="utf-8"))
    said = {
        f"{c['id']} {m['kind']}: {reason}"
        for c in roster["clients"]
        for m in c["missed"]
        for reason in m["reasons"]
    }
    text = " ".join(README.read_text(encoding="utf-8").split())
    quoted = re.findall(r"`(C\d+ (?:family|psychiatry): [^`]+)`", text)
    assert quoted and set(quoted) <= said, (quoted, said)


def tmp_path_with_instances(folder: Path) -> Path:
    shutil.copytree(ROOT / "instances", folder / "instances")
    return folder


def test_check_prints_what_the_readme_says(clinic: Clinic) -> None:
    said = re.search(
        r"`check` prints `([^`]+)` and exits with status (\d+)",
        README.read_text(encoding="utf-8"),
    )
    assert said is not None, "README.md no longer says what check prints"
    result = run(command_line(SOLVE, " check "), clinic.folder)
    assert (result.stdout.strip(), result.returncode) == (said.group(1), int(said.group(2)))


def test_python_snippet_prints_the_readme_s_output(clinic: Clinic) -> None:
    assert clinic.snippet.returncode == 0, clinic.snippet.stderr
    assert clinic.snippet.stdout.strip("\n") == output_after(SNIPPET).strip("\n"), (
        "(a 'feasible' status means the snippet's time limit ran out: an overloaded machine?)"
    )


def test_explain_prints_the_readme_s_output(clinic: Clinic) -> None:
    index = block_with("solver explain instances/clinic.json roster.json", "sh")
    result = run(command_line(index, " explain "), clinic.folder)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip("\n") == output_after(index).strip("\n")


def test_breakdown_snippet_adds_up_to_the_objective(clinic: Clinic) -> None:
    # The README shows no output for this snippet; it must run, and its amounts add up.
    code = BLOCKS[block_with("penalty_breakdown(instance, roster)", "python")].text
    result = run([sys.executable, "-c", code], clinic.folder)
    assert result.returncode == 0, result.stderr
    amounts = [int(line.split()[1]) for line in result.stdout.splitlines()]
    objective = re.search(r"^objective (\d+) ", output_after(SOLVE), re.MULTILINE)
    assert objective is not None
    assert sum(amounts) == int(objective.group(1))


def test_diff_after_t2_is_off_on_tuesday_is_the_readme_s(clinic: Clinic) -> None:
    # The README's example: clinic.json with T2 off on Tuesday (their Tuesday hours
    # removed, as its step 2 says), rerun from the clinic roster above (step 3), then
    # diffed (step 4). The rerun gets one worker and seed 0, which the routine's
    # command leaves out, so that the example's roster is the one reproduced here.
    folder = clinic.folder
    text = (folder / "instances" / "clinic.json").read_text(encoding="utf-8")
    week = json.loads(text)
    (t2,) = [t for t in week["therapists"] if t["id"] == "T2"]
    assert any(a["day"] == "tue" for a in t2["availability"])
    t2["availability"] = [a for a in t2["availability"] if a["day"] != "tue"]
    (folder / "week.json").write_text(json.dumps(week), encoding="utf-8")
    shutil.copyfile(folder / "roster.json", folder / "last_roster.json")

    rerun = block_with("solve week.json --previous last_roster.json", "sh")
    argv = [*command_line(rerun, " solve "), "--workers", "1", "--seed", "0", "--quiet"]
    solved = run(argv, folder)
    assert solved.returncode == 0, solved.stderr

    index = block_with("solver diff last_roster.json new_roster.json", "sh")
    result = run(command_line(index, " diff "), folder)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip("\n") == output_after(index).strip("\n")


# --- the weights example and its what-if -------------------------------------------------

WEIGHTS = block_with("tiny-w.json", "sh")


@pytest.fixture(scope="module")
def tiny_w(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """The weights example run in a scratch folder: the folder and the solve's stderr."""
    folder = scratch(tmp_path_factory, "tiny-w")
    lines = [line for line in BLOCKS[WEIGHTS].text.splitlines() if line.strip()]
    assert len(lines) == 2, lines
    made = run(command_line(WEIGHTS, " -c "), folder)
    assert made.returncode == 0, made.stderr
    solved = run(command_line(WEIGHTS, " solve "), folder)
    assert solved.returncode == 0, solved.stderr
    return folder, solved.stderr


def test_weights_example_summary_is_the_readme_s(tiny_w: tuple[Path, str]) -> None:
    _, stderr = tiny_w
    assert normalised(stderr) == normalised(output_after(WEIGHTS))


def test_what_if_example_is_the_readme_s(tiny_w: tuple[Path, str]) -> None:
    # The README shows the what-if part only (the penalty lines before it are the
    # explain output shown elsewhere), and names its command in prose: explain with
    # --what-if on the tiny-w.json roster.
    shown = [b for b in BLOCKS if b.info == "" and b.text.startswith("what would it take")]
    assert len(shown) == 1, [b.line for b in shown]
    folder, _ = tiny_w
    argv = ["-m", "solver", "explain", "tiny-w.json", "tiny-w-roster.json", "--what-if"]
    result = run([sys.executable, *argv], folder)
    assert result.returncode == 0, result.stderr
    printed = result.stdout
    start_at = printed.find("what would it take")
    assert start_at >= 0, printed
    assert printed[start_at:].strip("\n") == shown[0].text.strip("\n")
