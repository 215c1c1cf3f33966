"""solve-many on local processes: a week that kills its worker process is the only one lost.

The task here stands in for ``solve_part`` (it is imported by name in the spawned workers,
which get this directory on their path from pytest); a week whose text says ``DIE`` ends its
process at once, as a worker killed for memory would.
"""

from __future__ import annotations

import os

from solver.network import many


def _dying(text: str, seconds: float, seed: int) -> tuple[str, float, str]:
    if text == "DIE":
        os._exit(3)
    return text.upper(), seconds, str(seed)


def test_a_week_that_kills_its_worker_is_lost_alone() -> None:
    back: dict[str, tuple[str, float, str]] = {}

    def finished(stem: str, result: tuple[str, float, str]) -> None:
        back[stem] = result

    texts = {"a": "one", "b": "DIE", "c": "two"}
    lost = many._local(texts, 1.0, 7, 2, finished, task=_dying)
    assert lost == ["b"]
    assert back == {"a": ("ONE", 1.0, "7"), "c": ("TWO", 1.0, "7")}


def test_weeks_on_a_pool_that_never_breaks_all_come_back() -> None:
    back: dict[str, tuple[str, float, str]] = {}
    lost = many._local(
        {"a": "x", "b": "y"}, 2.0, 0, 2, lambda s, r: back.__setitem__(s, r), task=_dying
    )
    assert lost == [] and set(back) == {"a", "b"}
