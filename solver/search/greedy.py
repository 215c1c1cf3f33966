"""The greedy baseline: the roster a program manager builds by hand, one client at a time.

The procedure, in the order a manager works:

1. Clients in priority order: pinned clients first, then by falling ``priority``, then as listed.
2. Each client goes to the first group that fits: eligible (R1), no meeting over the client's
   busy hours, enough weekly hours (R10), a free seat, nobody to keep apart, a facilitator the
   client does not avoid. Groups of the client's preferred shift come first, running groups before
   new ones. A new group opens only when its room is free and a facilitator is free for it
   (qualified, available, under ``max_groups``, not double booked); of those, the one who could
   lead the fewest other closed groups takes it, so scarce skills stay free.
3. The primary therapist is the client's pinned one, else a preferred one, else the least loaded
   qualified therapist with caseload room and free time: the client's sessions go, one a day, in the
   first fitting slot on the ``slot_minutes`` grid, group days first (no extra trip).
4. Groups that end below ``group_min_size`` are dissolved; their clients then get a second chance
   in the groups that run, and otherwise stay unassigned with a reason.

It shares no code with the solver's model: it is the yardstick, not the solver. When it cannot
honour every pin (it is a heuristic, not a proof), the roster's status is ``unknown``.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from solver.instance import DAYS, Client, Group, Instance, Interval, Therapist
from solver.roster import Penalties, Placement, Roster, RosterGroup, Unassigned

__all__ = [
    "GreedyOutcome",
    "GreedyResult",
    "GreedyStats",
    "greedy_roster",
    "run_greedy",
    "solve_detailed",
]

Span = tuple[int, int]
"""Minutes ``[start, end)`` inside one day."""
Slot = tuple[int, int, int]
"""``(day index, start minute, end minute)``."""


def greedy_roster(instance: Instance, *, previous: Roster | None = None) -> Roster:
    """The greedy baseline roster for ``instance`` (status ``feasible``, or ``unknown``).

    The roster obeys every rule of format version 1; ``objective`` is the sum of the penalties
    it pays and ``best_bound`` is null. ``previous`` does not steer the greedy (it builds the
    week afresh) but its rerun terms are counted, so the objective compares with the solver's.
    """
    return run_greedy(instance, previous=previous).roster


@dataclass(frozen=True)
class GreedyStats:
    """The figures ``benchmarks/run.py`` reads from a solve, for the greedy."""

    first_solution_seconds: float
    final_solution_seconds: float
    proof_seconds: None = None
    variables: int = 0
    constraints: int = 0


@dataclass(frozen=True)
class GreedyResult:
    """The greedy roster with its figures, shaped like ``solver.solve.solve_detailed``'s result."""

    roster: Roster
    stats: GreedyStats


def solve_detailed(
    instance: Instance,
    *,
    previous: Roster | None = None,
    time_limit: float = 0.0,
    workers: int | None = None,
    seed: int = 0,
) -> GreedyResult:
    """The greedy behind the solver's interface, so ``run.py --solver`` can benchmark it.

    ``previous`` only adds its rerun terms; ``time_limit``, ``workers`` and ``seed`` are
    accepted and ignored.
    """
    roster = greedy_roster(instance, previous=previous)
    seconds = float(roster.solve_seconds)
    return GreedyResult(roster, GreedyStats(seconds, seconds))


@dataclass(frozen=True)
class GreedyOutcome:
    """The greedy roster and the pinned clients it failed to place (then the status is unknown)."""

    roster: Roster
    failed_pins: tuple[str, ...]


def run_greedy(instance: Instance, *, previous: Roster | None = None) -> GreedyOutcome:
    """Run the greedy procedure; see the module docstring."""
    started = time.perf_counter()
    state = _Greedy(instance)
    state.place_all()
    return state.outcome(time.perf_counter() - started, previous)


# --- minute arithmetic on sorted, disjoint spans ---------------------------------------------


def _union(spans: Iterable[Span]) -> list[Span]:
    """Sorted disjoint spans; touching spans join (the format's "inside the union")."""
    out: list[Span] = []
    for start, end in sorted(spans):
        if out and start <= out[-1][1]:
            if end > out[-1][1]:
                out[-1] = (out[-1][0], end)
        else:
            out.append((start, end))
    return out


def _by_day(slots: Iterable[Slot]) -> list[list[Span]]:
    days: list[list[Span]] = [[] for _ in DAYS]
    for day, start, end in slots:
        days[day].append((start, end))
    return [_union(spans) for spans in days]


def _slots(intervals: Iterable[Interval]) -> list[Slot]:
    return [(iv.day_index, iv.start_minute, iv.end_minute) for iv in intervals]


def _subtract(spans: list[Span], holes: list[Span]) -> list[Span]:
    out: list[Span] = []
    for start, end in spans:
        cursor = start
        for h_start, h_end in holes:
            if h_end <= cursor or h_start >= end:
                continue
            if h_start > cursor:
                out.append((cursor, h_start))
            cursor = max(cursor, h_end)
        if cursor < end:
            out.append((cursor, end))
    return out


def _intersect(a: list[Span], b: list[Span]) -> list[Span]:
    out: list[Span] = []
    i = j = 0
    while i < len(a) and j < len(b):
        start = max(a[i][0], b[j][0])
        end = min(a[i][1], b[j][1])
        if start < end:
            out.append((start, end))
        if a[i][1] < b[j][1]:
            i += 1
        else:
            j += 1
    return out


def _inside(day_spans: list[list[Span]], slot: Slot) -> bool:
    day, start, end = slot
    return any(s <= start and end <= e for s, e in day_spans[day])


def _hits(day_spans: list[list[Span]], slot: Slot) -> bool:
    day, start, end = slot
    return any(s < end and start < e for s, e in day_spans[day])


def _clock(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


def _interval(slot: Slot) -> Interval:
    day, start, end = slot
    return Interval(day=DAYS[day], start=_clock(start), end=_clock(end))


# --- the procedure ----------------------------------------------------------------------------


@dataclass
class _Placed:
    group: str
    therapist: str
    sessions: list[Slot]


@dataclass
class _Outcome:
    """Why one client could not be placed: the furthest each eligible group got."""

    counts: dict[str, int] = field(default_factory=dict)

    def note(self, stage: str) -> None:
        self.counts[stage] = self.counts.get(stage, 0) + 1


class _Greedy:
    def __init__(self, instance: Instance) -> None:
        self.inst = instance
        program = instance.program
        self.slot = program.slot_minutes
        self.min_size = program.group_min_size
        self.open_hours = _by_day(_slots(program.open_hours))
        self.meetings = {g.id: _slots(g.meetings) for g in instance.groups}
        self.meeting_days = {g.id: _by_day(self.meetings[g.id]) for g in instance.groups}
        self.group_index = {g.id: i for i, g in enumerate(instance.groups)}
        self.weekly_minutes = {g.id: g.weekly_minutes for g in instance.groups}
        self.serving: dict[tuple[str, str], list[Group]] = {}
        for g in instance.groups:
            for track in g.tracks:
                self.serving.setdefault((g.population, track), []).append(g)
        self.therapist_index = {t.id: i for i, t in enumerate(instance.therapists)}
        self.availability = {t.id: _by_day(_slots(t.availability)) for t in instance.therapists}
        self.specialties = {t.id: frozenset(t.specialties) for t in instance.therapists}
        self.busy = {c.id: _by_day(_slots(c.busy)) for c in instance.clients}
        self.apart: dict[str, set[str]] = {c.id: set() for c in instance.clients}
        for c in instance.clients:
            for other in c.keep_apart:
                if other != c.id:
                    self.apart[c.id].add(other)
                    self.apart[other].add(c.id)

        self.members: dict[str, list[str]] = {}
        self.facilitator: dict[str, str] = {}
        self.facilitates: dict[str, list[str]] = {t.id: [] for t in instance.therapists}
        # Each therapist's commitments, keyed "g:<group>" or "c:<client>", so they can be undone.
        self.commitments: dict[str, dict[str, list[Slot]]] = {t.id: {} for t in instance.therapists}
        self._free_cache: dict[str, list[list[Span]]] = {}
        self.caseload: dict[str, int] = {t.id: 0 for t in instance.therapists}
        self.by_room: dict[str, list[str]] = {}
        self.placed: dict[str, _Placed] = {}
        self.reasons: dict[str, list[str]] = {}

    # -- ordering ---------------------------------------------------------------------------

    def _order(self, clients: Sequence[Client]) -> list[Client]:
        index = {c.id: i for i, c in enumerate(self.inst.clients)}

        def key(c: Client) -> tuple[bool, int, int]:
            pinned = c.pinned_group is not None or c.pinned_therapist is not None
            return (not pinned, -c.priority, index[c.id])

        return sorted(clients, key=key)

    def place_all(self) -> None:
        for client in self._order(self.inst.clients):
            self._place(client, may_open=True)
        dissolved: dict[str, str] = {}
        for group in self.inst.groups:
            members = self.members.get(group.id)
            if members is not None and len(members) < self.min_size:
                note = (
                    f"group {group.id} ended with {len(members)} client(s), below the minimum "
                    f"of {self.min_size}, and was dissolved"
                )
                for cid in list(members):
                    dissolved[cid] = note
                self._dissolve(group.id)
        # A manager gives the clients of a dissolved group a second chance in running groups.
        for client in self._order([self.inst.client(cid) for cid in dissolved]):
            self.reasons.pop(client.id, None)
            if not self._place(client, may_open=False):
                self.reasons[client.id] = [
                    dissolved[client.id] + "; no running group had a fitting seat"
                ]

    # -- static fit ---------------------------------------------------------------------------

    def _eligible(self, client: Client, why: _Outcome) -> list[Group]:
        """Groups that fit the client whatever else happens: R1 (but the facilitator), busy, R10."""
        needed = self.inst.min_weekly_minutes(client)
        session_total = client.individual_sessions * self.inst.session_minutes(client)
        if client.pinned_group is not None:
            candidates = [self.inst.group(client.pinned_group)]
        else:
            candidates = self.serving.get((client.population, client.track), [])
        fitting = []
        busy = self.busy[client.id]
        for group in candidates:
            if (
                group.population != client.population
                or client.track not in group.tracks
                or (group.audience is not None and group.audience not in client.audiences)
            ):
                why.note("r1")
            elif any(_hits(busy, slot) for slot in self.meetings[group.id]):
                why.note("busy")
            elif self.weekly_minutes[group.id] + session_total < needed:
                why.note("hours")
            else:
                fitting.append(group)
        return fitting

    # -- therapist time -----------------------------------------------------------------------

    def _free(self, therapist_id: str) -> list[list[Span]]:
        """The therapist's availability minus every commitment, per day."""
        cached = self._free_cache.get(therapist_id)
        if cached is None:
            taken = _by_day(
                slot for slots in self.commitments[therapist_id].values() for slot in slots
            )
            cached = [
                _subtract(spans, taken[day])
                for day, spans in enumerate(self.availability[therapist_id])
            ]
            self._free_cache[therapist_id] = cached
        return cached

    def _commit(self, therapist_id: str, key: str, slots: list[Slot]) -> None:
        self.commitments[therapist_id][key] = slots
        self._free_cache.pop(therapist_id, None)

    def _release(self, therapist_id: str, key: str) -> None:
        self.commitments[therapist_id].pop(key, None)
        self._free_cache.pop(therapist_id, None)

    def _can_facilitate(self, therapist: Therapist, group: Group) -> bool:
        if len(self.facilitates[therapist.id]) >= therapist.max_groups:
            return False
        if not self.specialties[therapist.id].issuperset(group.facilitator_specialties):
            return False
        free = self._free(therapist.id)
        # Inside the free time means inside availability and clear of every commitment.
        return all(_inside(free, slot) for slot in self.meetings[group.id])

    def _pick_facilitator(self, client: Client, group: Group) -> str | None:
        fitting = [
            t
            for t in self.inst.therapists
            if t.id not in client.avoid_therapists and self._can_facilitate(t, group)
        ]
        if not fitting:
            return None
        # The one who could lead the fewest other closed groups, so scarce skills stay free.
        best = min(
            fitting,
            key=lambda t: (
                self._options(t),
                len(self.facilitates[t.id]),
                self.caseload[t.id],
                self.therapist_index[t.id],
            ),
        )
        return best.id

    def _options(self, therapist: Therapist) -> int:
        return sum(
            1
            for g in self.inst.groups
            if g.id not in self.members and self._can_facilitate(therapist, g)
        )

    def _sessions(
        self, client: Client, group: Group, therapist_id: str, facilitator: str | None
    ) -> list[Slot] | None:
        """The first fitting session slots (one a day, group days first), or None."""
        count = client.individual_sessions
        if count == 0:
            return []
        length = self.inst.session_minutes(client)
        group_days = self.meeting_days[group.id]
        free = self._free(therapist_id)
        if therapist_id == facilitator:
            # The group it would open is not committed yet.
            free = [_subtract(free[d], group_days[d]) for d in range(len(DAYS))]
        busy = self.busy[client.id]
        order = sorted(range(len(DAYS)), key=lambda d: (not group_days[d], d))
        chosen: list[Slot] = []
        for day in order:
            client_free = _subtract(_subtract(self.open_hours[day], busy[day]), group_days[day])
            for start, end in _intersect(client_free, free[day]):
                first = -(-start // self.slot) * self.slot
                if first + length <= end:
                    chosen.append((day, first, first + length))
                    break
            if len(chosen) == count:
                return sorted(chosen)
        return None

    def _therapist_candidates(self, client: Client) -> list[Therapist]:
        if client.pinned_therapist is not None:
            pinned = self.inst.therapist(client.pinned_therapist)
            candidates = [pinned]
        else:
            candidates = list(self.inst.therapists)
        needs = frozenset(client.needs)
        preferred = set(client.preferred_therapists)
        fitting = [
            t
            for t in candidates
            if t.id not in client.avoid_therapists
            and self.caseload[t.id] < t.max_caseload
            and needs <= self.specialties[t.id]
        ]
        return sorted(
            fitting,
            key=lambda t: (t.id not in preferred, self.caseload[t.id], self.therapist_index[t.id]),
        )

    # -- placing one client -------------------------------------------------------------------

    def _place(self, client: Client, *, may_open: bool) -> bool:
        why = _Outcome()
        groups = self._eligible(client, why)

        def group_key(g: Group) -> tuple[bool, bool, int]:
            mismatch = client.shift_preference is not None and g.shift != client.shift_preference
            return (mismatch, g.id not in self.members, self.group_index[g.id])

        therapists = self._therapist_candidates(client)
        if not therapists:
            why.note("no_therapist")
        apart = self.apart[client.id]
        # Within one client's turn nothing changes, so equal meeting patterns give equal answers.
        session_memo: dict[tuple[str, ...], tuple[str, list[Slot]] | None] = {}
        for group in sorted(groups, key=group_key):
            members = self.members.get(group.id)
            facilitator: str | None = None
            if members is not None:
                if len(members) >= group.capacity:
                    why.note("full")
                    continue
                if self.facilitator[group.id] in client.avoid_therapists:
                    why.note("avoid")
                    continue
                if apart.intersection(members):
                    why.note("apart")
                    continue
            else:
                if not may_open:
                    why.note("closed")
                    continue
                if not self._room_free(group):
                    why.note("room")
                    continue
                facilitator = self._pick_facilitator(client, group)
                if facilitator is None:
                    why.note("facilitator")
                    continue
            key = (str(self.meetings[group.id]), facilitator or "")
            if key not in session_memo:
                session_memo[key] = self._primary(client, group, therapists, facilitator)
            found = session_memo[key]
            if found is None:
                why.note("therapist_time")
                continue
            therapist_id, sessions = found
            self._commit_placement(client, group, facilitator, therapist_id, sessions)
            return True
        self.reasons[client.id] = [_reason(self.inst, client, why)]
        return False

    def _primary(
        self,
        client: Client,
        group: Group,
        therapists: list[Therapist],
        facilitator: str | None,
    ) -> tuple[str, list[Slot]] | None:
        for therapist in therapists:
            sessions = self._sessions(client, group, therapist.id, facilitator)
            if sessions is not None:
                return therapist.id, sessions
        return None

    def _room_free(self, group: Group) -> bool:
        if group.room is None:
            return True
        for other in self.by_room.get(group.room, []):
            mine = self.meeting_days[group.id]
            if any(_hits(mine, slot) for slot in self.meetings[other]):
                return False
        return True

    def _commit_placement(
        self,
        client: Client,
        group: Group,
        facilitator: str | None,
        therapist_id: str,
        sessions: list[Slot],
    ) -> None:
        if facilitator is not None:
            self.members[group.id] = []
            self.facilitator[group.id] = facilitator
            self.facilitates[facilitator].append(group.id)
            self._commit(facilitator, f"g:{group.id}", list(self.meetings[group.id]))
            if group.room is not None:
                self.by_room.setdefault(group.room, []).append(group.id)
        self.members[group.id].append(client.id)
        self.caseload[therapist_id] += 1
        self._commit(therapist_id, f"c:{client.id}", sessions)
        self.placed[client.id] = _Placed(group.id, therapist_id, sessions)
        self.reasons.pop(client.id, None)

    def _dissolve(self, group_id: str) -> None:
        for cid in self.members.pop(group_id):
            placed = self.placed.pop(cid)
            self.caseload[placed.therapist] -= 1
            self._release(placed.therapist, f"c:{cid}")
        facilitator = self.facilitator.pop(group_id)
        self.facilitates[facilitator].remove(group_id)
        self._release(facilitator, f"g:{group_id}")
        room = self.inst.group(group_id).room
        if room is not None:
            self.by_room[room].remove(group_id)

    # -- the roster ---------------------------------------------------------------------------

    def outcome(self, seconds: float, previous: Roster | None) -> GreedyOutcome:
        failed = tuple(
            c.id
            for c in self.inst.clients
            if (c.pinned_group is not None or c.pinned_therapist is not None)
            and c.id not in self.placed
        )
        if failed:
            roster = Roster(
                format_version=1,
                status="unknown",
                objective=None,
                best_bound=None,
                penalties=Penalties.zero(),
                solve_seconds=seconds,
                groups=[],
                clients=[],
                unassigned=[],
                explanation=[
                    "the greedy procedure could not honour the pins of "
                    + ", ".join(failed)
                    + " (it is a heuristic: a roster honouring them may still exist)"
                ],
            )
            return GreedyOutcome(roster, failed)
        penalties = self._penalties(previous)
        roster = Roster(
            format_version=1,
            status="feasible",
            objective=penalties.total(),
            best_bound=None,
            penalties=penalties,
            solve_seconds=seconds,
            groups=[
                RosterGroup(id=g.id, facilitator=self.facilitator[g.id], clients=self.members[g.id])
                for g in self.inst.groups
                if g.id in self.members
            ],
            clients=[
                Placement(
                    id=c.id,
                    group=self.placed[c.id].group,
                    therapist=self.placed[c.id].therapist,
                    sessions=[_interval(s) for s in self.placed[c.id].sessions],
                )
                for c in self.inst.clients
                if c.id in self.placed
            ],
            unassigned=[
                Unassigned(id=c.id, reasons=self.reasons.get(c.id) or ["not placed"])
                for c in self.inst.clients
                if c.id not in self.placed
            ],
            explanation=[],
        )
        return GreedyOutcome(roster, ())

    def _penalties(self, previous: Roster | None) -> Penalties:
        w = self.inst.program.weights
        unassigned = shift = not_preferred = extra_trip = 0
        for client in self.inst.clients:
            placed = self.placed.get(client.id)
            if placed is None:
                unassigned += client.priority
                continue
            group = self.inst.group(placed.group)
            if client.shift_preference is not None and group.shift != client.shift_preference:
                shift += 1
            if client.preferred_therapists and placed.therapist not in client.preferred_therapists:
                not_preferred += 1
            group_days = {m.day_index for m in group.meetings}
            extra_trip += sum(1 for day, _, _ in placed.sessions if day not in group_days)
        loads = [self.caseload[t.id] for t in self.inst.therapists if t.max_caseload > 0]
        spread = max(loads) - min(loads) if loads else 0
        return Penalties(
            unassigned=unassigned * w.unassigned,
            shift_mismatch=shift * w.shift_mismatch,
            not_preferred_therapist=not_preferred * w.not_preferred_therapist,
            extra_trip=extra_trip * w.extra_trip,
            caseload_spread=spread * w.caseload_spread,
            open_group=len(self.members) * w.open_group,
            **self._rerun_penalties(previous),
        )

    def _rerun_penalties(self, previous: Roster | None) -> dict[str, int]:
        """FORMAT.md's rerun terms; references the instance no longer has are ignored one by one."""
        w = self.inst.program.weights
        group = therapist = moved = facilitator = 0
        if previous is not None:
            for before in previous.clients:
                now = self.placed.get(before.id)
                if now is None or not self.inst.has_client(before.id):
                    continue
                if self.inst.has_group(before.group) and before.group != now.group:
                    group += 1
                if self.inst.has_therapist(before.therapist) and before.therapist != now.therapist:
                    therapist += 1
                starts = {(s.day_index, s.start_minute) for s in before.sessions}
                moved += sum(1 for day, start, _ in now.sessions if (day, start) not in starts)
            for before_group in previous.groups:
                now_facilitator = self.facilitator.get(before_group.id)
                if (
                    now_facilitator is not None
                    and self.inst.has_therapist(before_group.facilitator)
                    and before_group.facilitator != now_facilitator
                ):
                    facilitator += 1
        return {
            "group_change": group * w.group_change,
            "therapist_change": therapist * w.therapist_change,
            "session_moved": moved * w.session_moved,
            "facilitator_change": facilitator * w.facilitator_change,
        }


def _reason(instance: Instance, client: Client, why: _Outcome) -> str:
    """One sentence a program manager can act on, from the furthest stage any group reached."""
    counts = why.counts
    what = f"{client.population} {client.track}"
    if client.audiences:
        what += f" (audiences {', '.join(client.audiences)})"
    late = {k: n for k, n in counts.items() if k in _LATE_STAGES}
    if not late and "no_therapist" not in counts:
        if client.pinned_group is not None:
            if "busy" in counts:
                return f"pinned group {client.pinned_group} meets during the client's busy hours"
            if "hours" in counts:
                return f"pinned group {client.pinned_group} gives too few weekly hours"
            return f"pinned group {client.pinned_group} may not take the client"
        if "hours" in counts:
            hours = instance.min_weekly_minutes(client) / 60
            return f"no {what} group gives the {hours:g} weekly hours required"
        if "busy" in counts:
            return f"every {what} group meets during the client's busy hours"
        return f"no group serves {what}"
    if "no_therapist" in counts:
        needs = ", ".join(client.needs) if client.needs else "no special needs"
        return f"no therapist for {needs} has caseload room, or every such therapist is avoided"
    listed = ", ".join(f"{n} {_LATE_STAGES[k]}" for k, n in sorted(late.items()))
    return f"no fitting {what} group could take the client: {listed}"


_LATE_STAGES = {
    "full": "full",
    "avoid": "led by an avoided therapist",
    "apart": "holding a client to keep apart",
    "closed": "not running",
    "room": "blocked by its room",
    "facilitator": "without a free facilitator",
    "therapist_time": "with no therapist slot fitting the client's hours",
}
