"""Tasks on an executor: a :class:`concurrent.futures.Executor` or a Dask client, alike.

The network's parts (:mod:`solver.network.solve`) and many programs' weeks
(:mod:`solver.network.many`) are submitted through these helpers. A Dask client is told apart
by its module, so the core never imports Dask; its tasks are retried (``retries=3``) when a
worker is lost.
"""

from __future__ import annotations

import concurrent.futures
import os
from collections.abc import Callable, Iterator
from typing import Any

__all__ = ["as_completed", "is_dask", "slots", "submit"]

DASK_RETRIES = 3
"""How often Dask runs a task again on another worker when the one running it is lost."""


def is_dask(executor: Any) -> bool:
    """Whether ``executor`` is a ``dask.distributed.Client``."""
    return type(executor).__module__.startswith("distributed")


def slots(executor: Any) -> int:
    """How many tasks ``executor`` runs at once: a Dask cluster's threads, a pool's
    processes or threads (the number of cores when it does not say)."""
    if is_dask(executor):
        threads: dict[str, int] = executor.nthreads()
        return max(1, sum(threads.values()))
    return max(1, getattr(executor, "_max_workers", os.cpu_count() or 1))


def submit(executor: Any, fn: Callable[..., Any], *args: Any) -> Any:
    """Submit ``fn(*args)``: its future (Dask's, not pure, with retries, or the pool's)."""
    if is_dask(executor):
        return executor.submit(fn, *args, pure=False, retries=DASK_RETRIES)
    return executor.submit(fn, *args)


def as_completed(executor: Any, futures: list[Any]) -> Iterator[Any]:
    """``futures`` as they finish."""
    if is_dask(executor):
        from distributed import as_completed as dask_as_completed

        yield from dask_as_completed(futures)  # type: ignore[no-untyped-call]
        return
    yield from concurrent.futures.as_completed(futures)
