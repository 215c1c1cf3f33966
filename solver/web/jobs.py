"""Solves outside the web process: a pool of worker processes, each job's state in the database.

A job is a row of ``jobs``. The web process inserts it (``queued``) and hands its id to a
:class:`JobRunner`; a worker process opens the database itself, marks the job ``running``,
solves the week, and writes the roster, the change report against the roster it replaces
and the job's end state. Progress (the best objective, the bound, the seconds) is written
to the row as the search improves, at most a few times a second, so that any page or
API client (another tab, another server process) sees the same job.

Cancelling sets ``cancel_requested`` on the row; the worker polls it and stops the solve,
which keeps the best roster found so far (state ``cancelled``, with its roster). A server
stopped in the middle of a solve (killed, crashed, the machine restarted) leaves ``running``
rows behind, and its worker processes stop within a fifth of a second without writing; the
next start resumes those jobs (:meth:`JobRunner.recover`), so no job is silently lost.
"""

from __future__ import annotations

import concurrent.futures
import functools
import json
import logging
import multiprocessing
import os
import threading
import time
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from solver.instance import Instance
from solver.options import SolveOptions
from solver.roster import Roster
from solver.web.db import ChangeReport, Job, RosterRecord, Week, make_engine, make_sessions, now

__all__ = ["JobRunner", "new_job", "run_job"]

log = logging.getLogger(__name__)

PROGRESS_EVERY = 0.25
"""Seconds between two progress writes of one job (the last improvement is always written)."""

CANCEL_POLL = 0.2
"""Seconds between two looks at a running job's ``cancel_requested``."""

SOLVE_NICENESS = 10
"""Solve processes run at a lower priority than the server, so that the pages answer at
once while solves take every core (benchmarks/web_latency.py)."""

FINAL_STATES = ("done", "failed", "cancelled")


def new_job(
    session: Session,
    week: Week,
    *,
    time_limit: float,
    workers: int = 1,
    seed: int = 0,
    previous_roster_id: int | None = None,
    label: str = "",
) -> Job:
    """Insert a queued job for ``week`` (the caller commits and submits it)."""
    clients = len(json.loads(week.instance_json).get("clients", []))
    job = Job(
        id=uuid.uuid4().hex,
        week_id=week.id,
        state="queued",
        time_limit=time_limit,
        workers=workers,
        seed=seed,
        previous_roster_id=previous_roster_id,
        label=label,
        clients=clients,
    )
    session.add(job)
    return job


class JobRunner:
    """Runs queued jobs in worker processes (``spawn``ed: no state shared with the server).

    Args:
        db_url: the database both the server and the workers open.
        processes: how many solves run at once; more jobs wait in the queue.
    """

    def __init__(self, db_url: str, processes: int = 2) -> None:
        self._db_url = db_url
        self._processes = processes
        self._pool: concurrent.futures.ProcessPoolExecutor | None = None
        self._futures: dict[str, concurrent.futures.Future[str]] = {}
        self._lock = threading.Lock()

    def _executor(self) -> concurrent.futures.ProcessPoolExecutor:
        with self._lock:
            if self._pool is None:
                context = multiprocessing.get_context("spawn")
                self._pool = concurrent.futures.ProcessPoolExecutor(
                    max_workers=self._processes, mp_context=context, initializer=_lower_priority
                )
            return self._pool

    def submit(self, job_id: str) -> None:
        """Start ``job_id`` as soon as a worker process is free."""
        future = self._executor().submit(run_job, self._db_url, job_id)
        with self._lock:
            self._futures[job_id] = future
        future.add_done_callback(functools.partial(self._finished, job_id))

    def _finished(self, job_id: str, future: concurrent.futures.Future[str]) -> None:
        with self._lock:
            self._futures.pop(job_id, None)
        error = future.exception() if not future.cancelled() else None
        if error is not None:  # the worker process died (killed, out of memory)
            log.error("job %s: worker process ended: %s", job_id, type(error).__name__)
            _mark_lost(self._db_url, job_id, f"the solve process ended ({type(error).__name__})")
            if isinstance(error, concurrent.futures.process.BrokenProcessPool):
                with self._lock:
                    self._pool = None  # the next submit starts a fresh pool

    def recover(self, sessions: sessionmaker[Session]) -> list[str]:
        """Resume the jobs a stopped server left queued or running; return their ids."""
        with sessions() as session:
            jobs = session.query(Job).filter(Job.state.in_(("queued", "running"))).all()
            resumed = []
            for job in jobs:
                if job.cancel_requested:
                    job.state = "cancelled"
                    job.finished_at = now()
                    job.error = "cancelled while the server was stopped"
                    continue
                if job.state == "running":
                    job.error = "the server stopped during this solve; solved again from the start"
                job.state = "queued"
                resumed.append(job.id)
            session.commit()
        for job_id in resumed:
            log.info("job %s: resumed after a server restart", job_id)
            self.submit(job_id)
        return resumed

    def shutdown(self, cancel_running: bool = False) -> None:
        """Stop the pool; with ``cancel_running``, ask running jobs to stop first."""
        with self._lock:
            pool, self._pool = self._pool, None
            ids = list(self._futures)
        if cancel_running and ids:
            engine = make_engine(self._db_url)
            with make_sessions(engine)() as session:
                for job in session.query(Job).filter(Job.id.in_(ids)).all():
                    job.cancel_requested = True
                session.commit()
            engine.dispose()
        if pool is not None:
            pool.shutdown(wait=cancel_running, cancel_futures=True)


def _lower_priority() -> None:
    """A solve process's first step: yield the processor to the server's requests."""
    if hasattr(os, "nice"):
        os.nice(SOLVE_NICENESS)


def _mark_lost(db_url: str, job_id: str, reason: str) -> None:
    engine = make_engine(db_url)
    try:
        with make_sessions(engine)() as session:
            job = session.get(Job, job_id)
            if job is not None and job.state not in FINAL_STATES:
                job.state = "failed"
                job.error = reason
                job.finished_at = now()
                session.commit()
    finally:
        engine.dispose()


def run_job(db_url: str, job_id: str) -> str:
    """Solve one job in this process; return its end state. Never raises for the week's
    problems: they end the job ``failed`` with a message naming the entry and key."""
    logging.basicConfig(level=logging.WARNING)
    engine = make_engine(db_url)
    sessions = make_sessions(engine)
    try:
        return _run(sessions, job_id)
    finally:
        engine.dispose()


@dataclass(frozen=True)
class _Work:
    """What a worker process reads of a job before solving it."""

    instance_json: str
    previous_json: str | None
    options: SolveOptions


def _run(sessions: sessionmaker[Session], job_id: str) -> str:
    from solver.instance import parse_instance
    from solver.roster import parse_roster
    from solver.solving import solve_detailed

    work = _start(sessions, job_id)
    if isinstance(work, str):
        return work
    stop = threading.Event()
    done = threading.Event()
    orphaned = threading.Event()
    progress = _ProgressWriter(sessions, job_id)
    watcher = threading.Thread(
        target=_watch_cancel,
        args=(sessions, job_id, (stop, done, orphaned), progress, os.getppid()),
        daemon=True,
    )
    watcher.start()
    try:
        instance = parse_instance(work.instance_json, source="week")
        previous = None
        if work.previous_json is not None:
            previous = parse_roster(work.previous_json, source="previous roster")
        result = solve_detailed(
            instance, work.options, previous=previous, on_progress=progress, stop=stop
        )
        progress.flush()
    except Exception as exc:  # the week's problems and internal errors alike end the job
        done.set()
        with sessions() as session:
            job = session.get(Job, job_id)
            assert job is not None
            _end(session, job, "failed", _message(exc))
        return "failed"
    done.set()
    if orphaned.is_set():  # the server is gone: its next start solves the job again
        log.warning("job %s: the server is gone; this solve process ends", job_id)
        os._exit(0)  # a pool worker of a dead server: nothing of it is needed any more
    return _store(sessions, job_id, work, instance, previous, result.roster)


def _start(sessions: sessionmaker[Session], job_id: str) -> _Work | str:
    """Mark the job running and read what it solves; its end state when it will not run."""
    with sessions() as session:
        job = session.get(Job, job_id)
        if job is None or job.state in FINAL_STATES:
            return job.state if job is not None else "failed"
        if job.cancel_requested:
            _end(session, job, "cancelled", "cancelled before it started")
            return "cancelled"
        job.state = "running"
        job.started_at = now()
        job.attempts += 1
        session.commit()
        week = session.get(Week, job.week_id)
        assert week is not None
        previous_json = None
        if job.previous_roster_id is not None:
            previous = session.get(RosterRecord, job.previous_roster_id)
            previous_json = previous.roster_json if previous is not None else None
        options = SolveOptions(time_limit=job.time_limit, workers=job.workers, seed=job.seed)
        return _Work(week.instance_json, previous_json, options)


def _store(
    sessions: sessionmaker[Session],
    job_id: str,
    work: _Work,
    instance: Instance,
    previous: Roster | None,
    roster: Roster,
) -> str:
    """Write the roster, its explanation, its change report and the job's end state; return
    that state."""
    from solver.web.reports import explanation_json

    explained = explanation_json(instance, roster, previous)
    with sessions() as session:
        job = session.get(Job, job_id)
        assert job is not None
        record = RosterRecord(
            week_id=job.week_id,
            job_id=job.id,
            instance_json=work.instance_json,
            roster_json=roster.to_json(),
            status=roster.status,
            objective=roster.objective,
            best_bound=roster.best_bound,
            unassigned=len(roster.unassigned),
            previous_roster_id=job.previous_roster_id,
            label=job.label,
            explanation_json=explained,
        )
        session.add(record)
        session.flush()
        if previous is not None and job.previous_roster_id is not None:
            report = _report(
                job.week_id, job.previous_roster_id, record.id, previous, roster, instance
            )
            session.add(report)
        job.roster_id = record.id
        if roster.objective is not None:
            job.objective = roster.objective
        if roster.best_bound is not None:
            job.bound = roster.best_bound
        state = "cancelled" if job.cancel_requested else "done"
        _end(session, job, state, "")
    return state


def _report(
    week_id: int, from_id: int, to_id: int, previous: Roster, roster: Roster, instance: Instance
) -> ChangeReport:
    from solver.web.reports import change_report

    report = change_report(previous, roster, instance)
    return ChangeReport(
        week_id=week_id, from_roster_id=from_id, to_roster_id=to_id, report_json=json.dumps(report)
    )


def _message(exc: Exception) -> str:
    from solver.errors import InputError

    if isinstance(exc, InputError):
        return "; ".join(str(p) for p in exc.problems)
    return f"internal error: {type(exc).__name__}: {exc}"


def _end(session: Session, job: Job, state: str, error: str) -> None:
    job.state = state
    job.error = error or job.error
    job.finished_at = now()
    session.commit()


def _watch_cancel(
    sessions: sessionmaker[Session],
    job_id: str,
    events: tuple[threading.Event, threading.Event, threading.Event],
    progress: _ProgressWriter,
    server: int,
) -> None:
    """Stop the solve once the job's row asks for it, or once the server process is gone
    (then ``orphaned`` is set and the job is left ``running``, for the server's next start
    to resume); write progress held back meanwhile."""
    stop, done, orphaned = events
    while not done.wait(CANCEL_POLL):
        if os.getppid() != server:
            orphaned.set()
            stop.set()
            return
        progress.flush()
        try:
            with sessions() as session:
                job = session.get(Job, job_id)
                if job is None or job.cancel_requested:
                    stop.set()
                    return
        except Exception:  # a locked or busy database: look again next time
            log.debug("job %s: cancel poll failed", job_id, exc_info=True)


class _ProgressWriter:
    """Writes the search's improvements to the job's row, at most every PROGRESS_EVERY s."""

    def __init__(self, sessions: sessionmaker[Session], job_id: str) -> None:
        self._sessions = sessions
        self._job_id = job_id
        self._last_write = 0.0
        self._pending: tuple[float, int, float] | None = None
        self._lock = threading.Lock()

    def __call__(self, progress: Any) -> None:
        with self._lock:
            self._pending = (progress.seconds, progress.objective, progress.bound)
            if time.monotonic() - self._last_write < PROGRESS_EVERY:
                return
        self.flush()

    def flush(self) -> None:
        with self._lock:
            pending, self._pending = self._pending, None
            self._last_write = time.monotonic()
        if pending is None:
            return
        try:
            with self._sessions() as session:
                job = session.get(Job, self._job_id)
                if job is not None:
                    job.seconds, job.objective, job.bound = pending
                    session.commit()
        except Exception:  # progress is a courtesy; the roster is what must not be lost
            log.warning("job %s: progress not written", self._job_id, exc_info=True)
