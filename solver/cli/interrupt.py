"""Ctrl-C and SIGTERM during a long command: the first asks the work to stop, the second exits.

While :func:`stop_on_signals` is active, the first SIGINT (Ctrl-C) or SIGTERM sets a
:class:`threading.Event`, the stop request that ``solve(stop=...)`` checks between and
inside its steps; the command then writes the best roster found so far. A second signal
exits at once, with status 128 + the signal's number (130 for Ctrl-C, 143 for SIGTERM),
without writing anything.

Python runs signal handlers in the main thread only, between two bytecodes: while the main
thread waits inside CP-SAT's C++ search, a handler would not run until the search ends.
So :func:`in_worker` runs the work in a worker thread and waits for it in the main thread.
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
from collections.abc import Callable, Iterator
from types import FrameType
from typing import TypeVar

__all__ = ["STOP_SIGNALS", "in_worker", "stop_on_signals"]

T = TypeVar("T")

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)

_WAIT_SECONDS = 0.1
"""How often the main thread wakes while it waits for the worker."""


@contextlib.contextmanager
def stop_on_signals() -> Iterator[threading.Event]:
    """Within the block, the first SIGINT or SIGTERM sets the yielded event (the stop
    request) and says so on standard error; a second one exits at once (see the module
    docstring). Outside the main thread (where Python cannot handle signals) the event is
    only yielded."""
    stop = threading.Event()
    if threading.current_thread() is not threading.main_thread():
        yield stop
        return

    def on_signal(signum: int, frame: FrameType | None) -> None:
        name = signal.Signals(signum).name
        # os.write, not sys.stderr: the main thread may be inside a buffered write to
        # standard error, and the buffer refuses a reentrant call.
        if stop.is_set():
            os.write(2, f"{name} again: exiting at once, without a roster\n".encode())
            os._exit(128 + signum)
        stop.set()
        os.write(
            2,
            f"{name}: stopping; the best roster found so far (the hand-built one at least) "
            "will be written; press Ctrl-C again to exit at once, without a roster\n".encode(),
        )

    before = {signum: signal.signal(signum, on_signal) for signum in STOP_SIGNALS}
    try:
        yield stop
    finally:
        for signum, handler in before.items():
            signal.signal(signum, handler)


def in_worker(work: Callable[[], T]) -> T:
    """``work()``, run in a worker thread while this thread waits (so that, in the main
    thread, signal handlers run during the work); its exception is raised here."""
    results: list[T] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            results.append(work())
        except BaseException as exc:  # handed to the waiting thread
            errors.append(exc)

    worker = threading.Thread(target=run, name="solver-work", daemon=True)
    worker.start()
    while worker.is_alive():
        worker.join(_WAIT_SECONDS)
    if errors:
        raise errors[0]
    return results[0]
