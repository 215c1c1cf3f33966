"""``solve()``: the best roster for a week, from an instance.

The steps, each in its own module: precompute the week's facts
(:mod:`solver.precompute`), build the hand procedure's roster
(:mod:`solver.search.greedy`), keep a few options per client on large weeks
(:mod:`solver.search.large`), build the CP-SAT model (:mod:`solver.model`), search
it (:mod:`solver.search.phases`), read the roster back
(:mod:`solver.model.extract`) and give reasons for whoever is left out
(:mod:`solver.analysis.reasons`).

Infeasibility and time-outs are statuses of the returned roster, never
exceptions. Each call builds its own model and solver: no global state, safe
to call from several threads at once.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from ortools.sat.python import cp_model
from ortools.sat.python.cp_model_helper import CpSolverStatus

from solver.analysis.reasons import unassigned_reasons
from solver.instance import Instance
from solver.model import RosterModel, build_model
from solver.model.conflicts import explain_infeasibility
from solver.model.extract import roster_from_solution, rounded_bound
from solver.options import Progress, SolveOptions, SolveResult, SolveStats
from solver.precompute import Facts, derive_facts, span
from solver.roster import Penalties, Roster, Status
from solver.search.greedy import greedy_roster
from solver.search.large import restrict, static_bound
from solver.search.phases import BOUND_PHASE_WORKERS, Recorder, run_search

__all__ = ["solve", "solve_detailed"]

log = logging.getLogger(__name__)


def solve(
    instance: Instance,
    options: SolveOptions | None = None,
    *,
    previous: Roster | None = None,
    on_progress: Callable[[Progress], None] | None = None,
) -> Roster:
    """The best roster for ``instance`` that obeys every rule.

    Args:
        instance: the week (see :func:`solver.load_instance`).
        options: time limit (the whole call, precomputation included), workers, seed
            and search log; :class:`~solver.options.SolveOptions` defaults when None.
        previous: the roster being replaced; its rerun terms then count.
        on_progress: called with each improving roster's objective and bound.

    Returns:
        A roster with status ``optimal`` (proved best), ``feasible`` (best
        found in the time limit, with ``best_bound``), ``infeasible`` (pins make
        every roster impossible; ``explanation`` names them) or ``unknown``.
    """
    return solve_detailed(instance, options, previous=previous, on_progress=on_progress).roster


@dataclass
class _Prepared:
    """What the search starts from: the model, the greedy roster and the week's kind."""

    built: RosterModel
    warm: Roster
    restricted: bool  # a large week, solved on a smaller model (no proof for the week)
    week_bound: int  # the static bound of a large week (0 otherwise)
    build_seconds: float


def solve_detailed(
    instance: Instance,
    options: SolveOptions | None = None,
    *,
    previous: Roster | None = None,
    on_progress: Callable[[Progress], None] | None = None,
) -> SolveResult:
    """Like :func:`solve`, and also return the figures of the solve."""
    options = options or SolveOptions()
    start = time.perf_counter()
    if previous is not None:
        previous = previous.first_entries()
    previous_starts = _previous_starts(instance, previous)
    facts = derive_facts(instance, canonical=True, previous_starts=previous_starts)
    static_conflicts = _static_pin_conflicts(facts)
    if static_conflicts:
        roster = _empty_roster(instance, "infeasible", static_conflicts, start)
        seconds = time.perf_counter() - start
        stats = SolveStats(seconds, None, None, seconds, 0, 0, 0, options.worker_count())
        return SolveResult(roster, stats)
    _log_ignored_previous(instance, previous)
    recorder = Recorder(start, on_progress)
    week = _prepare(facts, previous, recorder, start)
    workers = options.worker_count()
    solver, code, bound = run_search(
        week.built,
        recorder,
        options,
        deadline=start + options.time_limit,
        phases=not week.restricted and workers < BOUND_PHASE_WORKERS,
        # A large week's model proves nothing about the week: every worker improves rosters,
        # starting from the greedy one (neighbourhood searches need a roster to start from).
        lns_only=week.restricted and week.warm.status == "feasible" and previous is None,
    )
    if week.restricted and code in (cp_model.OPTIMAL, cp_model.INFEASIBLE):
        # Proofs about the smaller model say nothing about the week.
        code = cp_model.FEASIBLE if code == cp_model.OPTIMAL else cp_model.UNKNOWN
    roster = _result_roster(week, solver, code, bound, options, start)
    proto = week.built.model.proto
    stats = SolveStats(
        build_seconds=week.build_seconds,
        first_solution_seconds=recorder.first,
        final_solution_seconds=recorder.last,
        proof_seconds=roster.solve_seconds
        if code in (cp_model.OPTIMAL, cp_model.INFEASIBLE)
        else None,
        variables=len(proto.variables),
        constraints=len(proto.constraints),
        solutions=recorder.count,
        workers=workers,
    )
    log.info(
        "solve: %s in %.2fs (objective %s, bound %s)",
        roster.status,
        roster.solve_seconds,
        roster.objective,
        roster.best_bound,
    )
    return SolveResult(roster, stats)


def _prepare(facts: Facts, previous: Roster | None, recorder: Recorder, start: float) -> _Prepared:
    """The greedy roster, the (smaller, on a large week) model, and its hint."""
    # The hand procedure's roster, in a fraction of the build time: the first roster
    # (returned if the search finds nothing better) and the hint of a cold solve.
    warm = greedy_roster(facts.instance, previous=previous)
    if warm.status == "feasible" and warm.objective is not None:
        recorder.warm_start(warm.objective)
    # A regional week keeps a few therapists per client: valid rosters, no proof.
    model_facts, restricted = restrict(
        facts, [r for r in (previous, warm) if r is not None and r.objective is not None]
    )
    week_bound = static_bound(facts) if restricted else 0
    if restricted:
        recorder.fixed_bound = week_bound
    # On a large week, the smaller model's facts free the starts of the dropped pairs.
    built = build_model(model_facts, previous)
    build_seconds = time.perf_counter() - start
    proto = built.model.proto
    log.info(
        "model: %d variables, %d constraints, built in %.2fs",
        len(proto.variables),
        len(proto.constraints),
        build_seconds,
    )
    if previous is not None:
        built.variables.hint(previous)
    elif warm.status == "feasible":
        built.variables.hint(warm)
    return _Prepared(built, warm, restricted, week_bound, build_seconds)


def _result_roster(
    week: _Prepared,
    solver: cp_model.CpSolver,
    code: CpSolverStatus,
    bound: float | None,
    options: SolveOptions,
    start: float,
) -> Roster:
    """The roster to return: the search's, the greedy one when better or alone, or none."""
    facts = week.built.facts
    instance = facts.instance
    warm = week.warm
    warm_ok = warm.status == "feasible" and warm.objective is not None
    elapsed = time.perf_counter() - start
    if code in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        status: Status = "optimal" if code == cp_model.OPTIMAL else "feasible"
        roster = roster_from_solution(week.built, solver, status, elapsed, bound)
        # The search may stop (time limit) on a roster worse than the warm start.
        assert roster.objective is not None
        if warm_ok and warm.objective is not None and warm.objective < roster.objective:
            roster = _warm_result(warm, solver, start, bound)
        else:
            roster = _with_reasons(instance, roster)
    elif code == cp_model.INFEASIBLE:
        remaining = max(1.0, options.time_limit - elapsed)
        conflicts = explain_infeasibility(facts, remaining)
        roster = _empty_roster(instance, "infeasible", conflicts, start)
    elif warm_ok:
        # No roster found by the search in time: the warm start is valid, keep it.
        roster = _warm_result(warm, solver, start, bound)
    else:
        # Only with pins: without them the greedy roster is always valid (see above).
        roster = _empty_roster(
            instance,
            "unknown",
            [
                f"The time limit ({options.time_limit:g} s) ran out before any roster "
                "honouring the pins was found and before the pins were proved impossible; "
                "try a longer time limit."
            ],
            start,
        )
    if week.restricted and roster.objective is not None:
        roster = _with_static_bound(roster, week.week_bound)
    return roster


def _warm_result(
    warm: Roster, solver: cp_model.CpSolver, start: float, proved: float | None = None
) -> Roster:
    """The greedy roster as the result, with the search's bound."""
    assert warm.objective is not None
    return warm.model_copy(
        update={
            "best_bound": rounded_bound(solver, warm.objective, proved),
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
