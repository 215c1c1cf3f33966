"""``solver.solve``: one week on this machine, or part by part on an executor.

The package's ``solve`` is this function: without ``executor`` it is
:func:`solver.solving.solve`; with one, :func:`solver.network.solve.solve_network` (the
week's independent components, and large ones site by site, as parallel tasks).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from solver.instance import Instance
from solver.options import Progress, SolveOptions
from solver.roster import Roster

__all__ = ["solve"]


def solve(
    instance: Instance,
    options: SolveOptions | None = None,
    *,
    previous: Roster | None = None,
    on_progress: Callable[[Progress], None] | None = None,
    stop: threading.Event | None = None,
    executor: Any = None,
) -> Roster:
    """The best roster for ``instance`` that obeys every rule (see
    :func:`solver.solving.solve` for every argument but ``executor``).

    Args:
        executor: given (a :class:`concurrent.futures.Executor` or a
            ``dask.distributed.Client``), the week is solved part by part on it
            (:func:`solver.network.solve.solve_network`); ``previous``, ``on_progress`` and
            ``stop`` do not apply then.
    """
    if executor is not None:
        from solver.network.solve import solve_network

        return solve_network(instance, options, executor=executor).roster
    from solver.solving import solve as solve_here

    return solve_here(instance, options, previous=previous, on_progress=on_progress, stop=stop)
