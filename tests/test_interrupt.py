"""Ctrl-C and SIGTERM: the first stops every step and the best roster so far is written.

The command-line tests run ``python -m solver solve`` for real, read its standard error
until the step to interrupt has started, then send the signal. The library tests set the
stop request from a progress callback, at a known step.
"""

from __future__ import annotations

import json
import logging
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from benchmarks.generate import generate
from solver.checker import check
from solver.instance import Instance, load_instance
from solver.options import Progress, SolveOptions
from solver.roster import load_roster
from solver.search.greedy import greedy_roster
from solver.solving import solve_detailed

REPO = Path(__file__).resolve().parents[1]
LIMIT = 300  # the time limit of the interrupted solves: far longer than any test waits


class Solving:
    """``python -m solver -v solve WEEK --out OUT`` in the background, its standard error
    read line by line."""

    def __init__(self, week: Path, out: Path) -> None:
        command = [sys.executable, "-m", "solver", "-v", "solve", str(week), "--out", str(out)]
        command += ["--time-limit", str(LIMIT), "--workers", "1"]
        self.process = subprocess.Popen(
            command,
            cwd=REPO,
            env={**os.environ, "PYTHONPATH": str(REPO)},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.lines: list[str] = []
        self._queue: queue.Queue[str] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stderr is not None
        for line in self.process.stderr:
            self._queue.put(line)

    def wait_for(self, words: str, timeout: float = 120) -> str:
        """The first line containing ``words`` (the process must still run)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                line = self._queue.get(timeout=0.1)
            except queue.Empty:
                assert self.process.poll() is None, "".join(self.lines)
                continue
            self.lines.append(line)
            if words in line:
                return line
        raise AssertionError(f"no line with {words!r}:\n" + "".join(self.lines))

    def finish(self, timeout: float = 60) -> tuple[int, str]:
        """The exit status and the rest of standard error."""
        status = self.process.wait(timeout=timeout)
        time.sleep(0.1)  # let the reader drain the pipe
        while not self._queue.empty():
            self.lines.append(self._queue.get())
        return status, "".join(self.lines)


@pytest.fixture(scope="module")
def weeks(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A 200-client week (its search runs for minutes) and a 1,000-client one (its
    precomputation and model building take seconds)."""
    folder = tmp_path_factory.mktemp("weeks")
    paths = {}
    for tier in ("m", "l"):
        path = folder / f"{tier}.json"
        path.write_text(json.dumps(generate(tier, "normal", 1)), encoding="utf-8")
        paths[tier] = path
    return paths


def greedy_objective(line: str) -> int:
    """The objective of a progress line (``  0.5 s  objective 22142  bound 0 ...``)."""
    words = line.split()
    return int(words[words.index("objective") + 1])


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_a_signal_during_the_search_writes_the_best_roster_and_exits_5(
    weeks: dict[str, Path], tmp_path: Path, signum: signal.Signals
) -> None:
    out = tmp_path / "roster.json"
    run = Solving(weeks["m"], out)
    run.wait_for("model:")  # the model is built: the search is starting
    time.sleep(1.0)
    run.process.send_signal(signum)
    sent = time.monotonic()
    status, stderr = run.finish()
    waited = time.monotonic() - sent
    assert status == 5, stderr
    assert waited < 15, waited  # not the time limit (300 s)
    assert "Traceback" not in stderr
    roster = load_roster(out)
    assert roster.status in ("optimal", "feasible")
    assert roster.explanation[-1].startswith("interrupted after ")
    assert roster.explanation[-1].endswith("this is the best roster found by then")
    assert roster.explanation[-1] in stderr
    instance = load_instance(weeks["m"])
    assert check(instance, roster).ok  # the checker accepts the interrupted line


def test_ctrl_c_during_model_building_writes_the_hand_built_roster(
    weeks: dict[str, Path], tmp_path: Path
) -> None:
    out = tmp_path / "roster.json"
    run = Solving(weeks["l"], out)
    line = run.wait_for("objective")  # the greedy roster, reported first
    # Logged once the few options per client of a large week are chosen, just before the
    # model is built (seconds on 1,000 clients).
    run.wait_for("large week:")
    run.process.send_signal(signal.SIGINT)
    sent = time.monotonic()
    status, stderr = run.finish()
    assert status == 5, stderr
    assert time.monotonic() - sent < 15
    assert "Traceback" not in stderr
    assert "model:" not in stderr  # interrupted before the model was built
    roster = load_roster(out)
    assert roster.status == "feasible"
    assert roster.objective == greedy_objective(line)
    assert roster.explanation[-1].startswith("interrupted after ")


def test_a_second_ctrl_c_exits_at_once_with_130(weeks: dict[str, Path], tmp_path: Path) -> None:
    out = tmp_path / "roster.json"
    run = Solving(weeks["m"], out)
    run.wait_for("objective")
    run.process.send_signal(signal.SIGINT)
    run.wait_for("SIGINT: stopping")
    run.process.send_signal(signal.SIGINT)
    status, stderr = run.finish(timeout=10)
    assert status == 130, stderr
    assert "again: exiting at once" in stderr
    assert not out.exists()


# --- the library: stop= ----------------------------------------------------------------------


def stop_when(count: int) -> tuple[threading.Event, list[Progress], Callable[[Progress], None]]:
    """A stop request, the progress seen, and a callback setting the request at the
    ``count``-th improving roster."""
    stop = threading.Event()
    seen: list[Progress] = []

    def on_progress(progress: Progress) -> None:
        seen.append(progress)
        if len(seen) == count:
            stop.set()

    return stop, seen, on_progress


class StopOnceBuilt(logging.Handler):
    """Sets the stop request ``delay`` seconds after the solve logs that its model is built."""

    def __init__(self, stop: threading.Event, delay: float) -> None:
        super().__init__()
        self.stop = stop
        self.delay = delay

    def emit(self, record: logging.LogRecord) -> None:
        if record.getMessage().startswith("model:"):
            threading.Timer(self.delay, self.stop.set).start()


def test_a_stop_after_the_greedy_roster_skips_the_model(clinic: Instance) -> None:
    stop, seen, on_progress = stop_when(1)
    result = solve_detailed(
        clinic, SolveOptions(time_limit=60, workers=1), on_progress=on_progress, stop=stop
    )
    roster = result.roster
    assert result.stats.interrupted
    assert result.stats.variables == 0  # no model was built
    greedy = greedy_roster(clinic)
    assert roster.status == "feasible" and roster.objective == greedy.objective == seen[0].objective
    assert roster.explanation == [roster.explanation[0]]
    assert roster.explanation[0].startswith("interrupted after ")
    assert check(clinic, roster).ok


def test_a_stop_before_the_solve_still_gives_the_hand_built_roster(clinic: Instance) -> None:
    stop = threading.Event()
    stop.set()
    start = time.perf_counter()
    result = solve_detailed(clinic, SolveOptions(time_limit=60, workers=1), stop=stop)
    assert time.perf_counter() - start < 5
    assert result.stats.interrupted
    assert result.roster.objective == greedy_roster(clinic).objective


def test_a_stop_during_the_search_ends_it(weeks: dict[str, Path]) -> None:
    week = load_instance(weeks["m"])
    stop = threading.Event()
    logger = logging.getLogger("solver.solving")
    handler = StopOnceBuilt(stop, 0.5)
    level = logger.level
    logger.setLevel(logging.INFO)
    logger.addHandler(handler)
    try:
        start = time.perf_counter()
        result = solve_detailed(week, SolveOptions(time_limit=LIMIT, workers=1), stop=stop)
        wall = time.perf_counter() - start
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)
    assert wall < 60, wall
    assert result.stats.interrupted and result.stats.variables > 0
    assert result.roster.explanation[-1].startswith("interrupted after ")
    assert check(week, result.roster).ok


def test_no_stop_means_no_interrupted_line(tiny: Instance) -> None:
    result = solve_detailed(tiny, SolveOptions(time_limit=10, workers=1), stop=threading.Event())
    assert not result.stats.interrupted
    assert result.roster.explanation == []
