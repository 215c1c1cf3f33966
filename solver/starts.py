"""Appointment starts on the program's grid: feasible sets, and the canonical subset.

:class:`StartSets` computes, once per set of spans and length, the grid starts of an
appointment inside those spans or touching them. :func:`canonical_starts` cuts each client's
feasible starts down to those some optimal roster needs (see its docstring for why the
optimum is unchanged).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

from solver.intervals import MINUTES_PER_DAY

Span = tuple[int, int]


class _Starts(Protocol):
    """A client's appointments of one kind, as precomputation sees them."""

    minutes: int
    starts: dict[str, list[int]]


class _Client(Protocol):
    @property
    def id(self) -> str: ...


class _ClientStarts(Protocol):
    """What :func:`canonical_starts` reads of a client's facts (``precompute.ClientFacts``)."""

    @property
    def client(self) -> _Client: ...

    @property
    def groups(self) -> list[str]: ...

    @property
    def kinds(self) -> Mapping[str, _Starts]: ...


__all__ = ["StartSets", "canonical_starts"]


class StartSets:
    """Grid appointment starts as sets, computed once per (spans, length) and shared.

    ``within(spans, minutes)``: the starts whose appointment lies inside one of the
    disjoint ``spans`` (and inside one day); ``touching(spans, minutes)``: the
    starts whose appointment overlaps one of them.
    """

    def __init__(self, step: int) -> None:
        self.step = step
        self._within: dict[tuple[tuple[Span, ...], int], frozenset[int]] = {}
        self._touching: dict[tuple[tuple[Span, ...], int], frozenset[int]] = {}

    def within(self, spans: list[Span], minutes: int) -> frozenset[int]:
        """Starts of a ``minutes``-long appointment inside one of ``spans``."""
        key = (tuple(spans), minutes)
        if key not in self._within:
            step = self.step
            out: set[int] = set()
            for lo, hi in spans:
                first = -(-lo // step) * step
                for start in range(first, hi - minutes + 1, step):
                    if start // MINUTES_PER_DAY == (start + minutes - 1) // MINUTES_PER_DAY:
                        out.add(start)
            self._within[key] = frozenset(out)
        return self._within[key]

    def touching(self, spans: list[Span], minutes: int) -> frozenset[int]:
        """Starts of a ``minutes``-long appointment that overlaps one of ``spans``."""
        key = (tuple(spans), minutes)
        if key not in self._touching:
            step = self.step
            out: set[int] = set()
            for lo, hi in spans:
                # start < hi and start + minutes > lo
                first = -(-(lo - minutes + 1) // step) * step
                out.update(range(first, hi, step))
            self._touching[key] = frozenset(out)
        return self._touching[key]


def canonical_starts(
    step: int,
    clients: Mapping[str, _ClientStarts],
    meetings: Mapping[str, list[Span]],
    facilitators: Mapping[str, list[str]],
    previous_starts: Mapping[str, set[int]],
) -> None:
    """Keep only the appointment starts that some optimal roster needs (in place).

    Left-shifting argument: take any valid roster and walk through its appointments in
    time order; move each (except one kept at a previous start) to the earliest grid start
    at or after the latest of: the beginning of the run of feasible starts it lies in, the
    end of a meeting on that day (of a group the client may join or the provider may lead),
    and the end of an earlier appointment of the same provider or of the same client. The
    appointment stays inside its feasible run, on its day, clear of everything before it
    and inside its old slot, so the roster stays valid with the same penalties. Every start
    so obtained is a *boundary* or a boundary followed by appointments back to back: the
    closure computed here.

    When no client can have two appointments on one day (each asks for one kind only:
    appointments of a kind fall on different days), chains run through providers only and
    the closure is taken per provider (tighter); otherwise per day over everyone.
    """
    boundaries: dict[str, set[int]] = {}
    lengths: dict[str, set[int]] = {}
    per_provider = all(len(cf.kinds) <= 1 for cf in clients.values())

    def key(provider: str) -> str:
        return provider if per_provider else ""

    for group_id, therapists in facilitators.items():
        for therapist_id in therapists:
            boundaries.setdefault(key(therapist_id), set()).update(
                hi for _, hi in meetings[group_id]
            )
    for cf in clients.values():
        meeting_ends = {hi for g in cf.groups for _, hi in meetings[g]}
        before = previous_starts.get(cf.client.id, set())
        for kf in cf.kinds.values():
            for provider, starts in kf.starts.items():
                feasible = set(starts)
                bound = boundaries.setdefault(key(provider), set())
                bound.update(s for s in starts if s - step not in feasible)
                bound.update(meeting_ends)
                bound.update(before & feasible)
                lengths.setdefault(key(provider), set()).add(kf.minutes)
    closures = {
        k: _chain_closure(points, lengths.get(k, set()), step) for k, points in boundaries.items()
    }
    for cf in clients.values():
        for kf in cf.kinds.values():
            for provider in kf.starts:
                closure = closures.get(key(provider), set())
                kf.starts[provider] = [s for s in kf.starts[provider] if s in closure]


def _chain_closure(points: set[int], lengths: set[int], step: int) -> set[int]:
    """Grid-rounded boundary points, closed under 'one more appointment back to back'."""
    closure: set[int] = set()
    todo = sorted({-(-p // step) * step for p in points})
    while todo:
        point = todo.pop()
        if point in closure:
            continue
        closure.add(point)
        day_end = (point // MINUTES_PER_DAY + 1) * MINUTES_PER_DAY
        for length in lengths:
            nxt = -(-(point + length) // step) * step
            if nxt < day_end and nxt not in closure:
                todo.append(nxt)
    return closure
