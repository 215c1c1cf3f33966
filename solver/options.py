"""What a solve is asked (:class:`SolveOptions`) and what it gives back (:class:`SolveResult`).

These types import neither OR-Tools nor pandas, so ``from solver import SolveOptions``
stays cheap. :class:`WeekSolver` is the shape of anything that solves a week: the
CP-SAT solver (:func:`solver.solving.solve_detailed`) and the greedy baseline
(:func:`solver.search.greedy.solve_detailed`) both have it, so the benchmarks run either.

:class:`Deadline` is when a solve must stop (the time limit, or a stop request such as
Ctrl-C); each stage checks it and raises :class:`Stopped` (internal: ``solve_detailed``
catches it and returns the best roster so far).
"""

from __future__ import annotations

import math
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from solver.instance import Instance
from solver.roster import Roster

__all__ = [
    "Deadline",
    "Progress",
    "SolveOptions",
    "SolveResult",
    "SolveStats",
    "Stopped",
    "WeekSolver",
    "default_workers",
]


def default_workers() -> int:
    """CP-SAT workers by default: the cores this process may use."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cores = os.cpu_count() or 1
    return max(1, cores)


MAX_SEED = 2**31 - 1
"""CP-SAT's random seed is a 32-bit signed integer."""


@dataclass(frozen=True)
class SolveOptions:
    """How long and how wide to search.

    Attributes:
        time_limit: seconds for the whole call, precomputation included (finite, > 0).
        workers: CP-SAT search workers; ``None`` means the cores this process may use.
            With two workers or more, one runs the repair steps beside CP-SAT's search
            (two on a week of 100 clients or more, whose search starts from the
            placement relaxation's target; :mod:`solver.search.portfolio`); with one,
            they take turns. Below 8
            workers, a search still unproved after 85 % of the time spends the rest
            proving a better bound (the bound phase); memory grows with the workers on
            large weeks.
        seed: random seed of the search (0 to 2**31 - 1).
        log: let CP-SAT log its search to standard output.
        bound_phase: ``False`` leaves out the bound phase: the whole time goes to finding
            rosters, and the bound is only what the search proves on the way. For callers
            that bound the week another way (a network's site whose bound comes from its
            own relaxation, :mod:`solver.network.solve`).

    Raises:
        ValueError: a value out of range (the message names the field).
    """

    time_limit: float = 60.0
    workers: int | None = None
    seed: int = 0
    log: bool = False
    bound_phase: bool = True

    def __post_init__(self) -> None:
        if not (isinstance(self.time_limit, int | float) and math.isfinite(self.time_limit)):
            raise ValueError(
                f"time_limit must be a finite number of seconds, not {self.time_limit!r}"
            )
        if self.time_limit <= 0:
            raise ValueError(f"time_limit must be above 0 seconds, not {self.time_limit!r}")
        if self.workers is not None and (
            isinstance(self.workers, bool) or not isinstance(self.workers, int) or self.workers < 1
        ):
            raise ValueError(f"workers must be a whole number of at least 1, not {self.workers!r}")
        if isinstance(self.seed, bool) or not isinstance(self.seed, int):
            raise ValueError(f"seed must be a whole number, not {self.seed!r}")
        if not 0 <= self.seed <= MAX_SEED:
            raise ValueError(f"seed must be between 0 and {MAX_SEED}, not {self.seed}")
        if not isinstance(self.bound_phase, bool):
            raise ValueError(f"bound_phase must be True or False, not {self.bound_phase!r}")

    def worker_count(self) -> int:
        """``workers``, or the cores this process may use when it is ``None``."""
        return self.workers or default_workers()


class Stopped(Exception):
    """Raised by a stage of a solve when its :class:`Deadline` has passed or a stop was
    requested; ``done`` is the share of that stage's work finished (0 to 1) when known.

    Internal: :func:`solver.solving.solve_detailed` catches it and returns the best roster
    found so far.
    """

    def __init__(self, done: float | None = None) -> None:
        super().__init__("the solve was stopped (time limit or stop request)")
        self.done = done


class Deadline:
    """When a solve must stop: a moment of ``time.perf_counter()`` (``at``; never when
    infinite) and an optional stop request (``stop``, a :class:`threading.Event` that the
    command line sets on Ctrl-C or SIGTERM).

    Long loops (one turn per client or group) call :meth:`check`, which costs a clock
    read, so a stage ends within one turn of the deadline.
    """

    def __init__(self, at: float = math.inf, stop: threading.Event | None = None) -> None:
        self.at = at
        self.stop = stop

    @property
    def stop_requested(self) -> bool:
        """True once the stop request is set."""
        return self.stop is not None and self.stop.is_set()

    def expired(self) -> bool:
        """True when the moment has passed or a stop was requested."""
        return self.stop_requested or time.perf_counter() >= self.at

    def left(self) -> float:
        """Seconds left (negative once passed; 0 when a stop was requested)."""
        return 0.0 if self.stop_requested else self.at - time.perf_counter()

    def check(self, done: float | None = None) -> None:
        """Raise :class:`Stopped` (with ``done``, the share of the stage finished) when
        :meth:`expired`."""
        if self.expired():
            raise Stopped(done)


@dataclass(frozen=True)
class Progress:
    """One improving roster found during the search."""

    seconds: float
    objective: int
    bound: float


@dataclass(frozen=True)
class SolveStats:
    """Figures of one solve, for benchmarks and logs."""

    build_seconds: float
    first_solution_seconds: float | None
    final_solution_seconds: float | None
    proof_seconds: float | None
    variables: int
    constraints: int
    solutions: int
    workers: int
    interrupted: bool = False  # a stop request (Ctrl-C) ended the solve early


@dataclass(frozen=True)
class SolveResult:
    """A roster with the figures of the solve that produced it."""

    roster: Roster
    stats: SolveStats


class WeekSolver(Protocol):
    """Something that solves a week: the CP-SAT solver or the greedy baseline."""

    def __call__(
        self,
        instance: Instance,
        options: SolveOptions | None = None,
        *,
        previous: Roster | None = None,
        on_progress: Callable[[Progress], None] | None = None,
    ) -> SolveResult:
        """The best roster this solver finds for ``instance``, with its figures."""
        ...
