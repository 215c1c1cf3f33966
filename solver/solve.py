"""``solve()``: the best roster for a week, from an instance.

Infeasibility and time-outs are statuses of the returned roster, never
exceptions. Each call builds its own model and solver: no global state, safe
to call from several threads at once.
"""

from __future__ import annotations

import logging
import math
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from ortools.sat.python import cp_model
from ortools.sat.python.cp_model_helper import CpSolverStatus

from solver.analysis.reasons import unassigned_reasons
from solver.instance import MINUTES_PER_DAY, Instance
from solver.model import RosterModel, build_model
from solver.precompute import Facts, derive_facts, interval_at, span
from solver.roster import Penalties, Placement, Roster, RosterGroup, Status
from solver.search.greedy import greedy_roster
from solver.search.large import restrict, static_bound

__all__ = [
    "Progress",
    "SolveResult",
    "SolveStats",
    "default_workers",
    "solve",
    "solve_detailed",
    "summary",
]

log = logging.getLogger(__name__)


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


@dataclass(frozen=True)
class SolveResult:
    """A roster with the figures of the solve that produced it."""

    roster: Roster
    stats: SolveStats


def default_workers() -> int:
    """CP-SAT workers by default: the cores this process may use."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cores = os.cpu_count() or 1
    return max(1, cores)


def solve(
    instance: Instance,
    *,
    previous: Roster | None = None,
    time_limit: float = 60.0,
    workers: int | None = None,
    seed: int = 0,
    on_progress: Callable[[Progress], None] | None = None,
    log_search: bool = False,
) -> Roster:
    """The best roster for ``instance`` that obeys every rule.

    Args:
        instance: the week (see :func:`solver.load_instance`).
        previous: the roster being replaced; its rerun terms then count.
        time_limit: seconds for the whole call, precomputation included.
        workers: CP-SAT search workers; default the machine's cores. With one
            worker and a fixed seed the result is reproducible when the search
            ends before the time limit. Below 8 workers, a search still unproved
            after 85 % of the time spends the rest proving a better bound (the
            bound phase); memory grows with the workers on large weeks.
        seed: random seed of the search.
        on_progress: called with each improving roster's objective and bound.
        log_search: let CP-SAT log its search (to the ``solver`` logger's
            handlers via standard output of the C++ library).

    Returns:
        A roster with status ``optimal`` (proved best), ``feasible`` (best
        found in the time limit, with ``best_bound``), ``infeasible`` (pins make
        every roster impossible; ``explanation`` names them) or ``unknown``.
    """
    return solve_detailed(
        instance,
        previous=previous,
        time_limit=time_limit,
        workers=workers,
        seed=seed,
        on_progress=on_progress,
        log_search=log_search,
    ).roster


class _Recorder(cp_model.CpSolverSolutionCallback):
    def __init__(self, start: float, on_progress: Callable[[Progress], None] | None) -> None:
        super().__init__()
        self._start = start
        self._on_progress = on_progress
        self.first: float | None = None
        self.last: float | None = None
        self.best: int | None = None
        self.count = 0
        # When set, the bound to report instead of the search's: on large weeks the
        # smaller model's bound is not the week's.
        self.fixed_bound: float | None = None
        self._lock = threading.Lock()

    def warm_start(self, objective: int) -> None:
        """Report the greedy roster, found before the search starts (bound 0)."""
        self._report(objective, 0.0)

    def on_solution_callback(self) -> None:
        with self._lock:
            self.count += 1
        # Every penalty is >= 0, so the objective's bound is too.
        bound = self.fixed_bound
        if bound is None:
            bound = max(0.0, self.best_objective_bound)
        self._report(round(self.objective_value), bound)

    def _report(self, objective: int, bound: float) -> None:
        now = time.perf_counter() - self._start
        with self._lock:
            if self.best is not None and objective >= self.best:
                return  # the search may start above the warm start: not an improvement
            self.best = objective
            if self.first is None:
                self.first = now
            self.last = now
        if self._on_progress is not None:
            progress = Progress(now, objective, bound)
            try:
                self._on_progress(progress)
            except Exception:  # a broken callback must not lose the roster
                log.exception("on_progress raised; ignored")


def solve_detailed(
    instance: Instance,
    *,
    previous: Roster | None = None,
    time_limit: float = 60.0,
    workers: int | None = None,
    seed: int = 0,
    on_progress: Callable[[Progress], None] | None = None,
    log_search: bool = False,
) -> SolveResult:
    """Like :func:`solve`, and also return the figures of the solve."""
    start = time.perf_counter()
    workers = workers or default_workers()
    if previous is not None:
        previous = previous.first_entries()
    previous_starts = _previous_starts(instance, previous)
    facts = derive_facts(instance, canonical=True, previous_starts=previous_starts)
    static_conflicts = _static_pin_conflicts(facts)
    if static_conflicts:
        roster = _empty_roster(instance, "infeasible", static_conflicts, start)
        return SolveResult(
            roster,
            SolveStats(
                time.perf_counter() - start,
                None,
                None,
                time.perf_counter() - start,
                0,
                0,
                0,
                workers,
            ),
        )
    _log_ignored_previous(instance, previous)
    # The hand procedure's roster, in a fraction of the build time: the first roster
    # (returned if the search finds nothing better) and the hint of a cold solve.
    warm = greedy_roster(instance, previous=previous)
    recorder = _Recorder(start, on_progress)
    if warm.status == "feasible" and warm.objective is not None:
        recorder.warm_start(warm.objective)
    # A regional week keeps a few therapists per client: valid rosters, no proof.
    model_facts, restricted = restrict(
        facts, [r for r in (previous, warm) if r is not None and r.objective is not None]
    )
    week_bound = static_bound(facts) if restricted else 0
    if restricted:
        recorder.fixed_bound = week_bound
    facts = model_facts  # on a large week, frees the starts of the dropped pairs
    built = build_model(facts, previous)
    build_seconds = time.perf_counter() - start
    proto = built.model.proto
    log.info(
        "model: %d variables, %d constraints, built in %.2fs",
        len(proto.variables),
        len(proto.constraints),
        build_seconds,
    )

    if previous is not None:
        _hint_from_roster(built, previous)
    elif warm.status == "feasible":
        _hint_from_roster(built, warm)
    solver, code, bound = _run_search(
        built,
        recorder,
        deadline=start + time_limit,
        phases=not restricted and workers < BOUND_PHASE_WORKERS,
        # A large week's model proves nothing about the week: every worker improves rosters,
        # starting from the greedy one (neighbourhood searches need a roster to start from).
        lns_only=restricted and warm.status == "feasible" and previous is None,
        workers=workers,
        seed=seed,
        log_search=log_search,
    )
    elapsed = time.perf_counter() - start
    if restricted and code in (cp_model.OPTIMAL, cp_model.INFEASIBLE):
        # Proofs about the smaller model say nothing about the week.
        code = cp_model.FEASIBLE if code == cp_model.OPTIMAL else cp_model.UNKNOWN

    if code in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        status: Status = "optimal" if code == cp_model.OPTIMAL else "feasible"
        roster = _extract(built, solver, status, elapsed, bound)
        # The search may stop (time limit) on a roster worse than the warm start.
        if (
            warm.status == "feasible"
            and warm.objective is not None
            and roster.objective is not None
            and warm.objective < roster.objective
        ):
            roster = _warm_result(warm, solver, start, bound)
    elif code == cp_model.INFEASIBLE:
        from solver.model.conflicts import explain_infeasibility

        remaining = max(1.0, time_limit - elapsed)
        roster = _empty_roster(
            instance, "infeasible", explain_infeasibility(facts, remaining), start
        )
    elif warm.status == "feasible" and warm.objective is not None:
        # No roster found by the search in time: the warm start is valid, keep it.
        roster = _warm_result(warm, solver, start, bound)
    else:
        # Only with pins: without them the greedy roster is always valid (see above).
        roster = _empty_roster(
            instance,
            "unknown",
            [
                f"The time limit ({time_limit:g} s) ran out before any roster honouring the pins "
                "was found and before the pins were proved impossible; try a longer time limit."
            ],
            start,
        )
    if restricted and roster.objective is not None:
        roster = _with_static_bound(roster, week_bound)
    stats = SolveStats(
        build_seconds=build_seconds,
        first_solution_seconds=recorder.first,
        final_solution_seconds=recorder.last,
        proof_seconds=elapsed if code in (cp_model.OPTIMAL, cp_model.INFEASIBLE) else None,
        variables=len(proto.variables),
        constraints=len(proto.constraints),
        solutions=recorder.count,
        workers=workers,
    )
    log.info(
        "solve: %s in %.2fs (objective %s, bound %s)",
        roster.status,
        elapsed,
        roster.objective,
        roster.best_bound,
    )
    return SolveResult(roster, stats)


def _warm_result(
    warm: Roster, solver: cp_model.CpSolver, start: float, proved: float | None = None
) -> Roster:
    """The greedy roster as the result, with the search's bound."""
    assert warm.objective is not None
    return warm.model_copy(
        update={
            "best_bound": _rounded_bound(solver, warm.objective, proved),
            "solve_seconds": round(time.perf_counter() - start, 3),
        }
    )


def _with_static_bound(roster: Roster, bound: int) -> Roster:
    """A roster of the smaller model of a large week, with the week's static bound
    (optimal only if it reaches that bound)."""
    optimal = roster.objective == bound
    return roster.model_copy(
        update={"status": "optimal" if optimal else "feasible", "best_bound": bound}
    )


SEARCH_SHARE = 0.85
"""Share of the time for the first search when the bound phase may follow (the bound
phase's root relaxation takes about a second on the 200-client tier)."""

BOUND_PHASE_WORKERS = 8
"""Worker counts below this get the bound phase (:func:`_bound_phase`); from 8 workers
on, CP-SAT's own portfolio runs searches with a large LP beside the others."""


def _run_search(
    built: RosterModel,
    recorder: _Recorder,
    *,
    deadline: float,
    phases: bool,
    workers: int,
    seed: int,
    log_search: bool,
    lns_only: bool = False,
) -> tuple[cp_model.CpSolver, CpSolverStatus, float | None]:
    """Search the built model until ``deadline``.

    Returns the solver holding the best roster, its status and, when not None, the
    proved bound to report (the solver's own bound otherwise). With ``phases`` an
    unproved first search is followed by the bound phase (:func:`_bound_phase`).
    With ``lns_only`` every worker runs neighbourhood searches from the hint (see
    :func:`_search`).
    """
    left = deadline - time.perf_counter()
    solver, code = _search(
        built,
        recorder,
        seconds=left * (SEARCH_SHARE if phases else 1.0),
        workers=workers,
        seed=seed,
        log_search=log_search,
        lns_only=lns_only,
    )
    if not phases or code not in (cp_model.FEASIBLE, cp_model.UNKNOWN):
        return solver, code, None
    if deadline - time.perf_counter() <= 1.0:
        return solver, code, None
    return _bound_phase(
        built,
        recorder,
        solver if code == cp_model.FEASIBLE else None,
        max(0.0, float(math.ceil(solver.best_objective_bound - 1e-6))),
        deadline=deadline,
        workers=workers,
        seed=seed,
        log_search=log_search,
    )


def _search(
    built: RosterModel,
    recorder: _Recorder,
    *,
    seconds: float,
    workers: int,
    seed: int,
    log_search: bool,
    subsolvers: tuple[str, ...] = (),
    lns_only: bool = False,
) -> tuple[cp_model.CpSolver, CpSolverStatus]:
    """One CP-SAT search of the built model (with its hints) for ``seconds``.

    ``lns_only`` (large weeks) gives every worker to neighbourhood searches: the full
    search's LP bound is of no use there (it is not the week's), and on l-normal-1
    (2 workers, 120 s) the roster reached 48,475 this way against 55,576-63,428 in
    four runs with the default search (benchmarks/README.md).
    """
    solver = cp_model.CpSolver()
    params = solver.parameters
    params.max_time_in_seconds = max(0.01, seconds)
    params.num_workers = workers
    params.random_seed = seed
    params.log_search_progress = log_search
    _tune(params)
    params.subsolvers.extend(subsolvers)
    params.use_lns_only = lns_only
    return solver, solver.solve(built.model, recorder)


def _bound_phase(
    built: RosterModel,
    recorder: _Recorder,
    best: cp_model.CpSolver | None,
    proved: float,
    *,
    deadline: float,
    workers: int,
    seed: int,
    log_search: bool,
) -> tuple[cp_model.CpSolver, CpSolverStatus, float]:
    """The last phase of an unproved search on few workers: the same model, hinted
    with the best roster so far (``best``'s values; the first hint when None) and
    bounded below by ``proved``, the bound proved so far, searched with CP-SAT's
    ``max_lp`` worker (every constraint's linear relaxation from the start, not
    added lazily) in place of the default one, beside the same neighbourhood
    searches.

    Measured on the 200-client tier, 2 workers (benchmarks/README.md): the default
    worker finds the rosters but its bound stays far below them on weeks where the
    question is who can be placed (m-evening-1: bound 15,146 for a roster of 35,153
    after 60 s), while ``max_lp``'s root relaxation proves 35,115 within a second of
    its start; alone, ``max_lp`` finds worse rosters. So the first phase searches and
    the last, short, proves. Returns the solver holding the better roster, its
    status, and the better bound.
    """
    model = built.model
    if best is not None:
        model.clear_hints()  # type: ignore[no-untyped-call]
        for index in range(len(model.proto.variables)):
            var = model.get_int_var_from_proto_index(index)
            model.add_hint(var, best.value(var))
    # A bound already proved is a valid constraint, and this phase starts from it.
    if proved > 0:
        model.add(built.objective() >= round(proved))
    solver, code = _search(
        built,
        recorder,
        seconds=deadline - time.perf_counter(),
        workers=workers,
        seed=seed,
        log_search=log_search,
        subsolvers=("max_lp",),
    )
    bound = max(proved, solver.best_objective_bound)
    if best is None:
        return solver, code, bound
    best_objective = round(best.objective_value)
    if code in (cp_model.OPTIMAL, cp_model.FEASIBLE) and (
        round(solver.objective_value) <= best_objective
    ):
        return solver, code, bound
    # No better roster (the hint is a roster at least this good, so this is rare).
    return best, cp_model.OPTIMAL if bound >= best_objective else cp_model.FEASIBLE, bound


def _tune(params: cp_model.SatParameters) -> None:
    """Search parameters measured on the benchmark tiers (benchmarks/README.md).

    * Linearization level 2 puts the no-overlap constraints and the enforced
      start domains into the LP: on the 200-client tier the bound then closes
      (m-normal-1 proved optimal in 30 s; never proved in 60 s with level 1).
    * No probing in presolve: with start variables of many values, probing
      costs seconds (24 s on m-normal-1) before the first roster, for little
      bound.
    """
    params.linearization_level = 2
    params.cp_model_probing_level = 0


def _previous_starts(instance: Instance, previous: Roster | None) -> dict[str, set[int]]:
    if previous is None:
        return {}
    return {
        p.id: {span(s)[0] for s in p.sessions}
        for p in previous.clients
        if instance.has_client(p.id)
    }


def _with_reasons(instance: Instance, roster: Roster) -> Roster:
    """The roster with reasons for every client it leaves out.

    Reasons look at every grid start (the model may use canonical starts only).
    """
    placed = {p.id for p in roster.clients}
    left_out = [c.id for c in instance.clients if c.id not in placed]
    facts = derive_facts(instance, left_out)
    return roster.model_copy(update={"unassigned": unassigned_reasons(facts, roster)})


def _hint_from_roster(built: RosterModel, roster: Roster) -> None:
    """Hint every variable with its value in ``roster`` (where the instance still has it)."""
    v = built.variables
    model = built.model
    placements = {p.id: p for p in roster.clients}
    facilitator = {g.id: g.facilitator for g in roster.groups}
    for client_id in v.placed_clients():
        p = placements.get(client_id)
        placed = v.placed(client_id)
        assert placed is not None
        model.add_hint(placed, p is not None)
        for group_id, x in v.groups_of(client_id):
            model.add_hint(x, p is not None and p.group == group_id)
        for therapist_id, y in v.therapists_of(client_id):
            model.add_hint(y, p is not None and p.therapist == therapist_id)
        sessions = v.sessions(client_id)
        if sessions is None:
            continue
        starts = sorted(span(s)[0] for s in p.sessions) if p else []
        for i, start_var in enumerate(sessions.starts):
            held = starts[i] if i < len(starts) else None
            if held is not None and held in sessions.domain:
                model.add_hint(start_var, held)
            for day, lit in sessions.on_day[i].items():
                model.add_hint(lit, held is not None and held // MINUTES_PER_DAY == day)
    for group_id in v.running_groups():
        runs = v.runs(group_id)
        assert runs is not None
        model.add_hint(runs, group_id in facilitator)
        for therapist_id, f in v.facilitators_of(group_id):
            model.add_hint(f, facilitator.get(group_id) == therapist_id)


def _static_pin_conflicts(facts: Facts) -> list[str]:
    lines: list[str] = []
    for cf in facts.clients.values():
        lines.extend(f"{line} (R11 pins)" for line in cf.pin_conflicts)
        pinned = cf.client.pinned_group or cf.client.pinned_therapist
        if pinned and not cf.pin_conflicts and not cf.placeable:
            lines.append(
                f"{cf.client.id} is pinned, so must be placed, but "
                + "; ".join(cf.reasons)
                + " (R11 pins)"
            )
    return lines


def _log_ignored_previous(instance: Instance, previous: Roster | None) -> None:
    if previous is None:
        return
    gone_clients = [p.id for p in previous.clients if not instance.has_client(p.id)]
    gone_groups = {p.group for p in previous.clients if not instance.has_group(p.group)}
    gone_therapists = {
        p.therapist for p in previous.clients if not instance.has_therapist(p.therapist)
    }
    gone_therapists |= {
        g.facilitator for g in previous.groups if not instance.has_therapist(g.facilitator)
    }
    if gone_clients:
        log.info(
            "previous roster: ignoring %d client(s) no longer in the instance: %s",
            len(gone_clients),
            ", ".join(sorted(gone_clients)),
        )
    if gone_groups:
        log.info(
            "previous roster: ignoring group(s) no longer offered: %s",
            ", ".join(sorted(gone_groups)),
        )
    if gone_therapists:
        log.info(
            "previous roster: ignoring therapist(s) no longer in the instance: %s",
            ", ".join(sorted(gone_therapists)),
        )


def _extract(
    built: RosterModel,
    solver: cp_model.CpSolver,
    status: Status,
    elapsed: float,
    proved: float | None = None,
) -> Roster:
    v = built.variables
    facts = built.facts
    instance = facts.instance
    placements: list[Placement] = []
    members: dict[str, list[str]] = {}
    for client in instance.clients:
        placed = v.placed(client.id)
        if placed is None or not solver.boolean_value(placed):
            continue
        group_id = next(g for g, x in v.groups_of(client.id) if solver.boolean_value(x))
        therapist = next(t for t, y in v.therapists_of(client.id) if solver.boolean_value(y))
        minutes = facts.clients[client.id].session_minutes
        sessions = v.sessions(client.id)
        starts = [solver.value(s) for s in sessions.starts] if sessions is not None else []
        placements.append(
            Placement(
                id=client.id,
                group=group_id,
                therapist=therapist,
                sessions=[interval_at(s, minutes) for s in starts],
            )
        )
        members.setdefault(group_id, []).append(client.id)
    groups = []
    for group in instance.groups:
        if group.id not in members:
            continue
        facilitator = next(t for t, f in v.facilitators_of(group.id) if solver.boolean_value(f))
        groups.append(RosterGroup(id=group.id, facilitator=facilitator, clients=members[group.id]))
    amounts = dict.fromkeys(Penalties.model_fields, 0)
    for p in built.penalties:
        amounts[p.term] += p.weight * int(solver.value(p.count))
    penalties = Penalties(**amounts)
    objective = penalties.total()
    bound = objective if status == "optimal" else _rounded_bound(solver, objective, proved)
    roster = Roster(
        format_version=1,
        status=status,
        objective=objective,
        best_bound=bound,
        penalties=penalties,
        solve_seconds=round(elapsed, 3),
        groups=groups,
        clients=placements,
        unassigned=[],
        explanation=[],
    )
    return _with_reasons(instance, roster)


def _rounded_bound(
    solver: cp_model.CpSolver, objective: int, proved: float | None = None
) -> float | None:
    """The search's lower bound (``proved`` instead when given: a bound proved by the
    phases of the search), rounded up (objectives are integers), at most ``objective``."""
    bound = solver.best_objective_bound if proved is None else proved
    if not math.isfinite(bound):
        return None
    return min(objective, math.ceil(bound - 1e-6))


def _empty_roster(
    instance: Instance, status: Status, explanation: list[str], start: float
) -> Roster:
    return Roster(
        format_version=1,
        status=status,
        objective=None,
        best_bound=None,
        penalties=Penalties.zero(),
        solve_seconds=round(time.perf_counter() - start, 3),
        groups=[],
        clients=[],
        unassigned=[],
        explanation=explanation,
    )


def summary(instance: Instance, roster: Roster) -> str:
    """A short human summary of a roster, for standard error."""
    lines = [f"status {roster.status} in {roster.solve_seconds:.2f} s"]
    if roster.objective is not None:
        bound = "none" if roster.best_bound is None else f"{roster.best_bound:g}"
        gap = ""
        if roster.best_bound is not None and roster.objective > 0:
            gap = f", gap {100 * (roster.objective - roster.best_bound) / roster.objective:.1f} %"
        lines.append(f"objective {roster.objective} (bound {bound}{gap})")
        lines.append(
            f"placed {len(roster.clients)} of {len(instance.clients)} clients, "
            f"{len(roster.unassigned)} unassigned; "
            f"{len(roster.groups)} of {len(instance.groups)} groups running"
        )
        paid = ", ".join(f"{k} {v}" for k, v in roster.penalties.as_dict().items() if v)
        lines.append(f"penalties: {paid or 'none'}")
    return "\n".join(lines)
