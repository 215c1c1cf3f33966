"""``solve()``: the best roster for a week, from an instance.

The steps, each in its own module: build the hand procedure's roster
(:mod:`solver.search.greedy`), precompute the week's facts (:mod:`solver.precompute`),
keep a few options per client on large weeks (:mod:`solver.search.large`), build the
CP-SAT model (:mod:`solver.model`), search it (:mod:`solver.search.portfolio`), read the
roster back (:mod:`solver.model.extract`) and give reasons for whoever is left out
(:mod:`solver.analysis.reasons`).

Infeasibility and time-outs are statuses of the returned roster, never
exceptions. The time limit covers the whole call: every step checks a
:class:`~solver.options.Deadline` (once per client or group in its loops), and a
step cut short gives the best roster so far (the hand-built one at worst). A stop
request (``stop=``, set on Ctrl-C by the command line) ends every later step the
same way (the hand-built roster is always finished, time limit permitting: it is
the least an interrupted solve gives back), and the roster's explanation then
says it was interrupted. Each call builds its own model and solver: no global
state, safe to call from several threads at once.

A status from CP-SAT that is no answer (MODEL_INVALID) raises
:class:`~solver.search.phases.ModelRejected`: a bug, never a roster.
"""

from __future__ import annotations

import dataclasses
import logging
import math
import threading
import time
from collections.abc import Callable

from ortools.sat.python import cp_model
from ortools.sat.python.cp_model_helper import CpSolverStatus

from solver.analysis.missed import missed_reasons
from solver.analysis.reasons import unassigned_reasons
from solver.instance import Instance
from solver.model import RosterModel, build_model
from solver.model.conflicts import explain_infeasibility
from solver.model.extract import roster_from_solution, rounded_bound
from solver.options import Deadline, Progress, SolveOptions, SolveResult, SolveStats, Stopped
from solver.precompute import Facts, derive_facts, span
from solver.roster import Penalties, Roster, Status, Unassigned, proved_status
from solver.search.greedy import greedy_roster
from solver.search.large import restrict, static_bound
from solver.search.phases import ModelRejected, Recorder, run_search
from solver.search.portfolio import search_week
from solver.search.relaxed_bound import relaxed_bound
from solver.vocabulary import log_vocabulary_warnings

__all__ = ["INTERRUPTED", "ModelRejected", "solve", "solve_detailed"]

log = logging.getLogger(__name__)

INTERRUPTED = "interrupted after"
"""How the explanation line of an interrupted solve starts (``interrupted after 3.2 s:
this is the best roster found by then``); the only explanation an ``optimal`` or
``feasible`` roster may carry."""

RELAXED_BOUND_SHARE = 0.25
"""On a large week, the search time's share for the whole week's bound
(:mod:`solver.search.relaxed_bound`; l-normal-1, 1 worker: reached about 20 s in)."""

REASONS_PER_CLIENT_FACTS = 4.0
"""The reasons of one unassigned client cost up to this many times the precomputation of one
client (idle machine: 3.7 on l-normal-1, 2.9 on xl-normal-1; loaded: up to 7.5, within the
time limit's tolerance). The search leaves time for as many as the greedy leaves out."""


def solve(
    instance: Instance,
    options: SolveOptions | None = None,
    *,
    previous: Roster | None = None,
    on_progress: Callable[[Progress], None] | None = None,
    stop: threading.Event | None = None,
) -> Roster:
    """The best roster for ``instance`` that obeys every rule.

    Args:
        instance: the week (see :func:`solver.load_instance`).
        options: time limit (the whole call, precomputation included), workers, seed
            and search log; :class:`~solver.options.SolveOptions` defaults when None.
        previous: the roster being replaced; its rerun terms then count.
        on_progress: called with each improving roster's objective and bound.
        stop: a stop request. Once it is set (from any thread, say on Ctrl-C), the
            steps after the hand-built roster end at their next check (the search
            within a tenth of a second) and the best roster so far comes back, with a
            last explanation line starting ``interrupted after``.

    Returns:
        A roster with status ``optimal`` (proved best), ``feasible`` (best
        found in the time limit, with ``best_bound``), ``infeasible`` (pins make
        every roster impossible; ``explanation`` names them) or ``unknown``.

    Raises:
        ModelRejected: CP-SAT rejected the model (MODEL_INVALID): an internal error.
    """
    return solve_detailed(
        instance, options, previous=previous, on_progress=on_progress, stop=stop
    ).roster


@dataclasses.dataclass
class _Prepared:
    """What the search starts from: the model, the greedy roster and the week's kind."""

    built: RosterModel
    warm: Roster
    restricted: bool  # a large week, solved on a smaller model (no proof for the week)
    week_bound: int  # a large week's bound: static, then the relaxation's (0 otherwise)
    build_seconds: float


def solve_detailed(
    instance: Instance,
    options: SolveOptions | None = None,
    *,
    previous: Roster | None = None,
    on_progress: Callable[[Progress], None] | None = None,
    stop: threading.Event | None = None,
) -> SolveResult:
    """Like :func:`solve`, and also return the figures of the solve."""
    options = options or SolveOptions()
    start = time.perf_counter()
    deadline = Deadline(start + options.time_limit, stop)
    log_vocabulary_warnings(instance)
    workers = options.worker_count()
    if previous is not None:
        previous = previous.first_entries()
    recorder = Recorder(start, on_progress)
    try:
        # A stop request does not cut the greedy short: it is the least an interrupted
        # solve gives back (a second Ctrl-C exits at once; see solver.cli.interrupt).
        warm = greedy_roster(instance, previous=previous, deadline=Deadline(deadline.at))
    except Stopped as cut:
        roster = _no_hand_roster(instance, options, cut.done, start)
        return _finished(roster, _early_stats(start, workers, recorder), deadline, start)
    if warm.status == "feasible" and warm.objective is not None:
        recorder.warm_start(warm.objective)
    try:
        facts_start = time.perf_counter()
        starts = _previous_starts(instance, previous)
        facts = derive_facts(instance, canonical=True, previous_starts=starts, deadline=deadline)
        reasons_seconds = _reasons_seconds(time.perf_counter() - facts_start, warm, instance)
        static_conflicts = _static_pin_conflicts(facts)
        if static_conflicts:
            roster = _empty_roster(instance, "infeasible", static_conflicts, start)
            return _finished(roster, _early_stats(start, workers, recorder, True), deadline, start)
        _log_ignored_previous(instance, previous)
        week = _prepare(facts, previous, warm, recorder, start, deadline)
    except Stopped:
        roster = _before_search(instance, warm, options, deadline, start)
        return _finished(roster, _early_stats(start, workers, recorder), deadline, start)
    search_deadline = Deadline(deadline.at - reasons_seconds, stop)
    if week.restricted:
        # The smaller model's bound is not the week's: the placement relaxation's is.
        week.week_bound = relaxed_bound(
            facts,
            seconds=RELAXED_BOUND_SHARE * search_deadline.left(),
            workers=workers,
            seed=options.seed,
            deadline=search_deadline,
        )
        recorder.fixed_bound = week.week_bound
        solver, code, bound = run_search(
            week.built,
            recorder,
            options,
            deadline=search_deadline,
            # A large week's model proves nothing about the week: every worker improves
            # rosters, starting from the greedy one (neighbourhood searches need a roster).
            lns_only=week.warm.status == "feasible" and previous is None,
        )
    else:
        first = [r for r in (previous, warm) if r is not None and r.status != "unknown"]
        solver, code, bound = search_week(
            week.built, recorder, options, deadline=search_deadline, start_from=first
        )
    if week.restricted and code in (cp_model.OPTIMAL, cp_model.INFEASIBLE):
        # Proofs about the smaller model say nothing about the week.
        code = cp_model.FEASIBLE if code == cp_model.OPTIMAL else cp_model.UNKNOWN
    roster = _result_roster(week, solver, code, bound, options, deadline, start)
    proved = code in (cp_model.OPTIMAL, cp_model.INFEASIBLE)
    return _finished(
        roster, _search_stats(week, recorder, roster, proved, workers), deadline, start
    )


def _reasons_seconds(facts_seconds: float, warm: Roster, instance: Instance) -> float:
    """Time kept after the search for the reasons of those it leaves out (as many as the
    greedy roster leaves out), from the precomputation's time per client."""
    share = len(warm.unassigned) / max(1, len(instance.clients))
    return REASONS_PER_CLIENT_FACTS * facts_seconds * share


def _search_stats(
    week: _Prepared, recorder: Recorder, roster: Roster, proved: bool, workers: int
) -> SolveStats:
    proto = week.built.model.proto
    return SolveStats(
        build_seconds=week.build_seconds,
        first_solution_seconds=recorder.first,
        final_solution_seconds=recorder.last,
        proof_seconds=roster.solve_seconds if proved else None,
        variables=len(proto.variables),
        constraints=len(proto.constraints),
        solutions=recorder.count,
        workers=workers,
    )


def _finished(roster: Roster, stats: SolveStats, deadline: Deadline, start: float) -> SolveResult:
    """The result; when a stop was requested, the roster's explanation says so."""
    interrupted = deadline.stop_requested
    if interrupted:
        seconds = time.perf_counter() - start
        if roster.objective is not None:
            line = f"{INTERRUPTED} {seconds:.1f} s: this is the best roster found by then"
        elif roster.status == "infeasible":
            line = f"{INTERRUPTED} {seconds:.1f} s"
        else:
            line = f"{INTERRUPTED} {seconds:.1f} s, before any roster was found"
        roster = roster.model_copy(update={"explanation": [*roster.explanation, line]})
        stats = dataclasses.replace(stats, interrupted=True)
    log.info(
        "solve: %s in %.2fs (objective %s, bound %s)%s",
        roster.status,
        roster.solve_seconds,
        roster.objective,
        roster.best_bound,
        " (interrupted)" if interrupted else "",
    )
    return SolveResult(roster, stats)


def _early_stats(
    start: float, workers: int, recorder: Recorder, proved: bool = False
) -> SolveStats:
    """The figures of a solve that ended before the search (``proved``: infeasible); the
    greedy roster, when reported, is its first and final roster."""
    seconds = time.perf_counter() - start
    proof = seconds if proved else None
    return SolveStats(seconds, recorder.first, recorder.last, proof, 0, 0, 0, workers)


def _no_hand_roster(
    instance: Instance, options: SolveOptions, done: float | None, start: float
) -> Roster:
    """``unknown``: the time limit ran out before the greedy roster was finished."""
    elapsed = time.perf_counter() - start
    # The greedy's time grows about linearly with the clients it has handled.
    needed = elapsed / done if done else 2 * options.time_limit
    give = max(math.ceil(1.25 * needed) + 1, math.ceil(options.time_limit) + 1)
    share = f" ({100 * done:.0f} % of the clients handled)" if done is not None else ""
    line = (
        f"The time limit ({options.time_limit:g} s) ran out before even the hand-built "
        f"roster was finished{share}; give at least {give} s."
    )
    return _empty_roster(instance, "unknown", [line], start)


def _before_search(
    instance: Instance, warm: Roster, options: SolveOptions, deadline: Deadline, start: float
) -> Roster:
    """The roster when precomputation or model building was cut short: the greedy one,
    or ``unknown`` when it does not honour every pin."""
    if not deadline.stop_requested:
        log.warning(
            "the time limit (%g s) ran out before the search could start; the roster is "
            "the hand-built one (give more time for the solver to improve on it)",
            options.time_limit,
        )
    if warm.status == "feasible" and warm.objective is not None:
        return warm.model_copy(update={"solve_seconds": round(time.perf_counter() - start, 3)})
    lines = [] if deadline.stop_requested else [_PINS_TIMED_OUT.format(options.time_limit)]
    return _empty_roster(instance, "unknown", lines, start)


_PINS_TIMED_OUT = (
    "The time limit ({:g} s) ran out before any roster honouring the pins was found and "
    "before the pins were proved impossible; try a longer time limit."
)


def _prepare(
    facts: Facts,
    previous: Roster | None,
    warm: Roster,
    recorder: Recorder,
    start: float,
    deadline: Deadline,
) -> _Prepared:
    """The (smaller, on a large week) model and its hint, from the greedy roster ``warm``.

    Raises:
        Stopped: the deadline passed, or a stop was requested.
    """
    # A regional week keeps a few therapists per client: valid rosters, no proof.
    model_facts, restricted = restrict(
        facts, [r for r in (previous, warm) if r is not None and r.objective is not None]
    )
    week_bound = static_bound(facts) if restricted else 0
    if restricted:
        recorder.fixed_bound = week_bound
    deadline.check()
    # On a large week, the smaller model's facts free the starts of the dropped pairs.
    built = build_model(model_facts, previous, deadline=deadline)
    build_seconds = time.perf_counter() - start
    proto = built.model.proto
    log.info(
        "model: %d variables, %d constraints, built in %.2fs",
        len(proto.variables),
        len(proto.constraints),
        build_seconds,
    )
    deadline.check()
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
    deadline: Deadline,
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
            roster = _warm_result(warm, solver, start, bound, facts)
        else:
            roster = _with_reasons(instance, roster, warm, deadline.stop)
    elif code == cp_model.INFEASIBLE:
        if deadline.stop_requested:
            conflicts = ["No roster honours every pin; the conflicting pins were not named."]
        else:
            conflicts = explain_infeasibility(facts, max(1.0, options.time_limit - elapsed))
        roster = _empty_roster(instance, "infeasible", conflicts, start)
    elif warm_ok:
        # No roster found by the search in time: the warm start is valid, keep it.
        roster = _warm_result(warm, solver, start, bound, facts)
    else:
        # Only with pins: without them the greedy roster is always valid (see above).
        lines = [] if deadline.stop_requested else [_PINS_TIMED_OUT.format(options.time_limit)]
        roster = _empty_roster(instance, "unknown", lines, start)
    if week.restricted and roster.objective is not None:
        roster = _with_week_bound(roster, week.week_bound)
    return roster


def _warm_result(
    warm: Roster,
    solver: cp_model.CpSolver,
    start: float,
    proved: float | None,
    facts: Facts,
) -> Roster:
    """The greedy roster as the result, with the search's bound (its missed appointments get
    the reasons of :func:`~solver.analysis.missed.missed_reasons`); optimal when it reaches
    that bound."""
    if any(p.missed for p in warm.clients):
        warm = missed_reasons(facts.instance, warm, facts)
    objective = warm.objective
    assert objective is not None
    bound = rounded_bound(solver, objective, proved)
    return warm.model_copy(
        update={
            "status": proved_status(objective, bound),
            "best_bound": bound,
            "solve_seconds": round(time.perf_counter() - start, 3),
        }
    )


def _with_week_bound(roster: Roster, bound: int) -> Roster:
    """A roster of the smaller model of a large week, with the week's bound (static or the
    relaxation's; optimal only if it reaches that bound)."""
    assert roster.objective is not None
    return roster.model_copy(
        update={"status": proved_status(roster.objective, bound), "best_bound": bound}
    )


def _previous_starts(instance: Instance, previous: Roster | None) -> dict[str, set[int]]:
    if previous is None:
        return {}
    return {
        p.id: {span(a)[0] for a in p.appointments}
        for p in previous.clients
        if instance.has_client(p.id)
    }


def _with_reasons(
    instance: Instance, roster: Roster, warm: Roster, stop: threading.Event | None
) -> Roster:
    """The roster with reasons for every client it leaves out and every appointment a placed
    client misses.

    Reasons look at every grid start (the model may use canonical starts only). They are
    worked out after the search, within the time it reserved; a stop request ends that work
    at once, and then each client keeps the hand-built roster's reasons where it left them out
    too, or a sentence that says the reasons were not worked out.
    """
    placed = {p.id for p in roster.clients}
    left_out = [c.id for c in instance.clients if c.id not in placed]
    try:
        facts = derive_facts(instance, left_out, deadline=Deadline(stop=stop))
    except Stopped:
        return roster.model_copy(update={"unassigned": _reasons_not_worked_out(left_out, warm)})
    roster = missed_reasons(instance, roster, facts)
    return roster.model_copy(update={"unassigned": unassigned_reasons(facts, roster)})


def _reasons_not_worked_out(left_out: list[str], warm: Roster) -> list[Unassigned]:
    known = {u.id: u.reasons for u in warm.unassigned}
    untold = [
        "the solve was interrupted before the reasons were worked out; "
        "solve again without interrupting to see them"
    ]
    return [
        Unassigned(id=client_id, reasons=known.get(client_id, untold)) for client_id in left_out
    ]


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
