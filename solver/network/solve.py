"""A network's week solved part by part, in parallel, and merged into one roster (issue 17).

:func:`solve_network` cuts the week (:func:`~solver.network.decompose.decompose`), solves
every part with :func:`solver.solve` as a task of an executor, and merges the rosters:

- **executor**: ``None`` runs a local pool of processes (one per core); any
  :class:`concurrent.futures.Executor` works, and so does a ``dask.distributed.Client``
  (a Dask cluster: each part a task, retried on another worker when its worker is lost).
  Tasks receive and return JSON text only, so nothing but the library needs to be on the
  workers.
- **time**: the tasks share what the decomposition leaves of the time limit: the
  relaxations of split sites :data:`BOUND_SHARE` of it, the parts the rest; with ``S`` task
  slots, ``P`` parts run in ``ceil(P / S)`` rounds of equal time (at least
  :data:`MIN_PART_SECONDS`).
- **the merged roster**: the parts' groups, placements and unassigned clients; every
  penalty term is the sum of the parts' but ``caseload_spread``, counted once over all
  therapists (the parts are solved without it), and ``not_preferred_therapist``, counted
  again over the week (a part knows only the preferred therapists inside it). It obeys
  every rule of the whole week: the parts use disjoint groups, therapists (or disjoint
  hours of a shared therapist) and rooms.
- **the bound**: the sum of the parts' bounds over whole components (their optima add up)
  plus, for each site of a split component, a bound of the site's relaxation
  (:func:`~solver.network.decompose.relaxed_instance`: its clients with everything they
  could use, at full hours, groups from one client up), the placement relaxation's
  (:mod:`solver.search.relaxed_bound`), worked out as one more task beside the site (the
  site's own solve then leaves out its bound phase). ``optimal`` only when the merged
  objective reaches that bound.
"""

from __future__ import annotations

import concurrent.futures
import logging
import multiprocessing
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from solver.instance import Instance
from solver.network import executors
from solver.network.decompose import (
    MAX_PART_CLIENTS,
    Part,
    decompose,
    part_instance,
    relaxed_instance,
)
from solver.options import SolveOptions
from solver.roster import Penalties, Roster, RosterGroup

__all__ = ["MIN_PART_SECONDS", "NetworkResult", "PartResult", "share_time", "solve_network"]

log = logging.getLogger(__name__)

MIN_PART_SECONDS = 5.0
"""The least time a part gets, however many parts share the time limit."""

RETRY_FACTOR = 3.0
"""A part that comes back without a roster is solved again with this many times its time."""

BOUND_SHARE = 0.15
"""The most of the time for the relaxations of split sites (their bounds come from the
placement relaxation, which needs far less than a site's search)."""

BOUND_TASK_SECONDS = 4.0
"""The most one relaxation's task takes: on the twelve sites of the network tier n3k each
relaxation's bound was the same after 3.5 s as after 7 s (one site lost 95 at 2 s), and the
solve goes on to the time limit all the same (benchmarks/README.md, sixteenth session)."""


def share_time(left: float, parts: int, split: int, slots: int) -> tuple[float, float]:
    """Seconds for each part and for each relaxation's task, out of ``left`` seconds, with
    ``slots`` tasks at once: the parts run in ``ceil(parts / slots)`` rounds, the relaxations
    of the ``split`` sites in their own rounds with at most :data:`BOUND_SHARE` of the time and
    :data:`BOUND_TASK_SECONDS` each."""
    part_rounds = -(-parts // slots)
    bound_rounds = -(-split // slots)
    bound_time = min(BOUND_SHARE * left, BOUND_TASK_SECONDS * bound_rounds) if split else 0.0
    per_part = min(left, max(MIN_PART_SECONDS, (left - bound_time) / max(1, part_rounds)))
    per_bound = max(1.0, bound_time / max(1, bound_rounds))
    return per_part, per_bound


@dataclass(frozen=True)
class PartResult:
    """One part's outcome."""

    name: str
    clients: int
    exact: bool
    status: str
    objective: int | None
    bound: int | None
    seconds: float
    worker: str = ""


@dataclass
class NetworkResult:
    """The merged roster, each part's outcome and the figures of the run."""

    roster: Roster
    parts: list[PartResult] = field(default_factory=list)
    decompose_seconds: float = 0.0
    wall_seconds: float = 0.0
    bound_tasks: int = 0


def solve_network(
    instance: Instance,
    options: SolveOptions | None = None,
    *,
    executor: Any = None,
    slots: int | None = None,
    max_clients: int = MAX_PART_CLIENTS,
    on_part: Callable[[PartResult], None] | None = None,
) -> NetworkResult:
    """Solve a (network's) week part by part and merge the rosters.

    Args:
        instance: the week.
        options: time limit (shared by the parts, see the module docstring), seed; each part
            is solved with one CP-SAT worker.
        executor: ``None`` (a local process pool, ``slots`` processes), a
            :class:`concurrent.futures.Executor`, or a ``dask.distributed.Client``.
        slots: how many parts run at once (default: the pool's processes, the Dask
            cluster's threads, or the number of cores).
        max_clients: components up to this size are solved whole (see
            :func:`~solver.network.decompose.decompose`).
        on_part: called with each part's outcome as it finishes (progress per site).
    """
    options = options or SolveOptions()
    start = time.perf_counter()
    data = instance.model_dump(mode="json")
    parts = decompose(instance, max_clients=max_clients, data=data)
    decomposed = time.perf_counter() - start
    own_pool = None
    if executor is None:
        slots = slots or os.cpu_count() or 1
        own_pool = concurrent.futures.ProcessPoolExecutor(
            max_workers=slots, mp_context=multiprocessing.get_context("spawn")
        )
        executor = own_pool
    slots = slots or executors.slots(executor)
    split = _relaxations(instance, parts, data)
    left = max(0.0, options.time_limit - (time.perf_counter() - start))
    per_part, per_bound = share_time(left, len(parts), len(split), slots)
    seed = options.seed
    tasks = [
        (part, (part_instance(instance, part, data=data).to_json(), per_part, seed, part.exact))
        for part in parts
    ]
    try:
        outcomes, bounds = _run(executor, tasks, split, per_bound, options.seed, on_part)
    finally:
        if own_pool is not None:
            own_pool.shutdown(wait=True, cancel_futures=True)
    roster = merge(instance, parts, outcomes, bounds, time.perf_counter() - start)
    return NetworkResult(
        roster=roster,
        parts=[outcomes[p.name][1] for p in parts],
        decompose_seconds=decomposed,
        wall_seconds=time.perf_counter() - start,
        bound_tasks=len(split),
    )


def _relaxations(instance: Instance, parts: list[Part], data: dict[str, Any]) -> dict[str, str]:
    """The relaxation of each site of a split component (for the component's bound)."""
    return {p.name: relaxed_instance(instance, p, data).to_json() for p in parts if not p.exact}


def _run(
    executor: Any,
    tasks: list[tuple[Part, tuple[str, float, int, bool]]],
    split: dict[str, str],
    seconds: float,
    seed: int,
    on_part: Callable[[PartResult], None] | None,
) -> tuple[dict[str, tuple[Roster, PartResult]], dict[str, int]]:
    """Every part's roster and every split component's bound, as the tasks finish. A part
    that comes back without a roster (``unknown``: its time ran out before any) is solved
    again once, with :data:`RETRY_FACTOR` times its time, after the others."""
    submitted: dict[Any, tuple[str, Any]] = {}
    for task_part, args in tasks:
        submitted[executors.submit(executor, solve_part, *args)] = ("part", (task_part, args))
    for site, text in split.items():
        submitted[executors.submit(executor, bound_part, text, seconds, seed)] = ("bound", site)
    outcomes: dict[str, tuple[Roster, PartResult]] = {}
    bounds: dict[str, int] = {}
    again: dict[Any, tuple[str, Any]] = {}
    for future in executors.as_completed(executor, list(submitted)):
        what, key = submitted[future]
        if what == "bound":
            bounds[key] = int(future.result())
            continue
        part, args = key
        roster, result = _outcome(part, future.result())
        if roster.status == "unknown":
            longer = (args[0], args[1] * RETRY_FACTOR, *args[2:])
            again[executors.submit(executor, solve_part, *longer)] = ("part", (part, longer))
        _record(outcomes, part, roster, result, on_part)
    for future in executors.as_completed(executor, list(again)):
        part, _ = again[future][1]
        roster, result = _outcome(part, future.result())
        _record(outcomes, part, roster, result, on_part)
    return outcomes, bounds


def _outcome(part: Part, answer: tuple[str, float, str]) -> tuple[Roster, PartResult]:
    from solver.roster import parse_roster

    text, seconds_taken, worker = answer
    roster = parse_roster(text, source=f"part {part.name}")
    result = PartResult(
        name=part.name,
        clients=len(part.clients),
        exact=part.exact,
        status=roster.status,
        objective=roster.objective,
        bound=roster.best_bound,
        seconds=seconds_taken,
        worker=worker,
    )
    return roster, result


def _record(
    outcomes: dict[str, tuple[Roster, PartResult]],
    part: Part,
    roster: Roster,
    result: PartResult,
    on_part: Callable[[PartResult], None] | None,
) -> None:
    outcomes[part.name] = (roster, result)
    log.info("part %s: %s %s in %.1f s", part.name, roster.status, roster.objective, result.seconds)
    if on_part is not None:
        on_part(result)


def solve_part(
    instance_json: str, seconds: float, seed: int, bound_phase: bool = True
) -> tuple[str, float, str]:
    """A task: solve one part (one CP-SAT worker); the roster's JSON, the seconds, where.
    A part whose time runs out before the hand-built roster is done gets that roster all
    the same (a few seconds more), so that one slow part never leaves the week unknown.

    A site of a split component is solved without the bound phase (``bound_phase=False``):
    the week's bound takes the site's relaxation's bound instead of its own, so the time
    goes to its roster. On the network tier n3k (2 workers, 300 s) the merged roster cost
    69,425 with that against 70,627 without (benchmarks/README.md, sixteenth session)."""
    import socket

    from solver.instance import parse_instance
    from solver.solving import solve

    start = time.perf_counter()
    _mute_vocabulary()
    instance = parse_instance(instance_json, source="part")
    options = SolveOptions(time_limit=seconds, workers=1, seed=seed, bound_phase=bound_phase)
    roster = solve(instance, options)
    if roster.status == "unknown":  # out of time before even the hand-built roster
        from solver.search.greedy import greedy_roster

        fallback = greedy_roster(instance)  # the least a part gives back: no deadline
        if fallback.status == "feasible":
            roster = fallback
    where = f"{socket.gethostname()}:{os.getpid()}"
    return roster.to_json(), time.perf_counter() - start, where


def _mute_vocabulary() -> None:
    """In a worker process (a pool's, a Dask worker's), which runs only such tasks: a part's
    words may match nothing inside it (another site's specialty), which is no warning. In the
    caller's own process (a thread pool) the logging stays as the caller set it."""
    if multiprocessing.parent_process() is not None:
        logging.getLogger("solver.vocabulary").setLevel(logging.ERROR)


def bound_part(instance_json: str, seconds: float, seed: int) -> int:
    """A task: a bound of a site's relaxation, from the placement relaxation of
    :mod:`solver.search.relaxed_bound` within ``seconds`` (its static bound when time runs
    out first)."""
    from solver.instance import parse_instance
    from solver.options import Deadline, Stopped
    from solver.precompute import derive_facts
    from solver.search.relaxed_bound import relaxed_bound

    _mute_vocabulary()
    instance = parse_instance(instance_json, source="relaxation")
    deadline = Deadline(time.perf_counter() + seconds)
    try:
        facts = derive_facts(instance, deadline=deadline)
    except Stopped:
        return 0
    found: int = relaxed_bound(
        facts, seconds=max(0.0, deadline.left()), workers=1, seed=seed, deadline=deadline
    )
    return found


def merge(
    instance: Instance,
    parts: list[Part],
    outcomes: dict[str, tuple[Roster, PartResult]],
    bounds: dict[str, int],
    seconds: float,
) -> Roster:
    """One roster of the whole week from the parts' rosters (see the module docstring)."""
    rosters = [outcomes[p.name][0] for p in parts]
    bad = [r for r in rosters if r.status in ("infeasible", "unknown")]
    amounts = Penalties.zero().as_dict()
    groups: list[RosterGroup] = []
    clients = []
    unassigned = []
    for roster in rosters:
        for term, amount in roster.penalties.as_dict().items():
            amounts[term] += amount
        groups += roster.groups
        clients += roster.clients
        unassigned += roster.unassigned
    weights = instance.program.weights
    amounts["caseload_spread"] = weights.caseload_spread * _spread(instance, clients)
    # A part knows only the preferred therapists inside it: counted again for the week.
    amounts["not_preferred_therapist"] = weights.not_preferred_therapist * sum(
        1
        for p in clients
        if (wanted := instance.client(p.id).preferred_therapists) and p.therapist not in wanted
    )
    penalties = Penalties(**amounts)
    bound = sum((outcomes[p.name][0].best_bound or 0) for p in parts if p.exact) + sum(
        bounds.values()
    )
    objective = penalties.total()
    log.info(
        "network: %d parts solved apart (%d whole components, %d sites of %d split components)",
        len(parts),
        sum(p.exact for p in parts),
        sum(not p.exact for p in parts),
        len(bounds),
    )
    if bad:
        status = bad[0].status
        explanation = [
            f"part {p.name}: {line}"
            for p, r in zip(parts, rosters, strict=True)
            for line in r.explanation
            if r.status == status
        ]
        return Roster(
            format_version=instance.source_version,
            status=status,
            objective=None,
            best_bound=None,
            penalties=Penalties.zero(),
            solve_seconds=round(seconds, 2),
            groups=[],
            clients=[],
            unassigned=[],
            explanation=explanation,
        )
    status = "optimal" if objective <= bound else "feasible"
    return Roster(
        format_version=instance.source_version,
        status=status,
        objective=objective,
        best_bound=min(bound, objective),
        penalties=penalties,
        solve_seconds=round(seconds, 2),
        groups=groups,
        clients=clients,
        unassigned=unassigned,
        explanation=[],
    )


def _spread(instance: Instance, placements: list[Any]) -> int:
    """Largest minus smallest number of clients a therapist is primary for, over the
    therapists who may be anyone's primary (``max_caseload`` > 0)."""
    loads = {t.id: 0 for t in instance.therapists if t.max_caseload > 0}
    if not loads:
        return 0
    for placement in placements:
        if placement.therapist in loads:
            loads[placement.therapist] += 1
    return max(loads.values()) - min(loads.values())
