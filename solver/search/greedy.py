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
   qualified therapist with caseload room and free time: the client's appointments go, required
   kinds first, one of a kind a day, in the first fitting slot on the ``slot_minutes`` grid, group
   days first (no extra trip); a specialist kind goes to the qualified provider who fits the most.
4. Groups that end below ``group_min_size`` are dissolved; their clients then get a second chance
   in the groups that run, and otherwise stay unassigned with a reason.

Guided (:class:`Guide`, the search's target), every client first goes exactly where the guide
puts them (its group, therapist and facilitator), while the meetings of the groups the guide
gives a therapist to lead are kept clear of that therapist's appointments; the clients that do
not fit there then take their turn as above. Without the reserved meetings, on v2-m-overload-1
a guided roster left 42-52 clients out of a target that leaves 23 out (its first appointments
took the hours their therapist was to lead a group in); with them, 24-25.

Guided, wanted appointments follow the guide too: one it holds goes to the provider it holds
it with first, and a wanted kind it does not hold is booked only after everyone is placed,
where it still fits (so that it takes no prescriber's hour the guide gave another client).
First come, first served, the guided rosters of v2-m-normal-1 missed 30-40 wanted
appointments where their target missed about 10; on the twelve 250-client sites of the
network tier (45 s each, one worker) the solver's rosters summed to 59,630 with this against
67,770 without (benchmarks/README.md, eighteenth session).

It shares no code with the solver's model: it is the yardstick, not the solver. When it cannot
honour every pin (it is a heuristic, not a proof), the roster's status is ``unknown``.

With a ``deadline`` (:class:`~solver.options.Deadline`), each client's turn checks it first and
raises :class:`~solver.options.Stopped` (with the share of clients done) once it has passed.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from solver.instance import Client, Group, Instance, Therapist
from solver.options import Deadline, Progress, SolveOptions, SolveResult, SolveStats
from solver.roster import Roster
from solver.search.greedy_calendars import Calendars
from solver.search.greedy_outcome import (
    Booking,
    GreedyOutcome,
    Guide,
    Placed,
    Placements,
    StageCounts,
    counted_minutes,
    outcome,
    reason,
)
from solver.search.spans import hits, inside

__all__ = ["GreedyOutcome", "Guide", "greedy_roster", "run_greedy", "solve_detailed"]


def greedy_roster(
    instance: Instance,
    *,
    previous: Roster | None = None,
    deadline: Deadline | None = None,
    guide: Guide | None = None,
) -> Roster:
    """The greedy baseline roster for ``instance`` (status ``feasible``, or ``unknown``).

    The roster obeys every rule (R1-R12: a wanted appointment that does not fit is missed; a
    required one that fits nowhere keeps the client out); ``objective`` is the sum of the penalties
    it pays and ``best_bound`` is null. ``previous`` does not steer the greedy (it builds the
    week afresh) but its rerun terms are counted, so the objective compares with the solver's.
    ``deadline``: see the module docstring; ``guide``: see :class:`Guide`.
    """
    return run_greedy(instance, previous=previous, deadline=deadline, guide=guide).roster


def solve_detailed(
    instance: Instance,
    options: SolveOptions | None = None,
    *,
    previous: Roster | None = None,
    on_progress: Callable[[Progress], None] | None = None,
) -> SolveResult:
    """The greedy behind the solver's interface (:class:`~solver.options.WeekSolver`), so
    ``benchmarks/run.py --solver`` can benchmark it.

    ``previous`` only adds its rerun terms; ``options`` are accepted and ignored (the greedy
    has no time limit, workers or seed); ``on_progress`` hears of the one roster.
    """
    roster = greedy_roster(instance, previous=previous)
    seconds = float(roster.solve_seconds)
    if on_progress is not None and roster.objective is not None:
        on_progress(Progress(seconds, roster.objective, 0.0))
    return SolveResult(roster, SolveStats(seconds, seconds, seconds, None, 0, 0, 1, 1))


def run_greedy(
    instance: Instance,
    *,
    previous: Roster | None = None,
    deadline: Deadline | None = None,
    guide: Guide | None = None,
) -> GreedyOutcome:
    """Run the greedy procedure; see the module docstring."""
    started = time.perf_counter()
    state = _Greedy(instance, guide)
    state.place_all(deadline or Deadline())
    return state.outcome(time.perf_counter() - started, previous)


# --- the procedure ----------------------------------------------------------------------------


class _Greedy(Calendars):
    def __init__(self, instance: Instance, guide: Guide | None = None) -> None:
        super().__init__(instance, guide)
        self.facilitator: dict[str, str] = {}
        self.facilitates: dict[str, list[str]] = {t.id: [] for t in instance.therapists}
        self.caseload: dict[str, int] = {t.id: 0 for t in instance.therapists}
        self.by_room: dict[str, list[str]] = {}
        self.placed: dict[str, Placed] = {}
        self.reasons: dict[str, list[str]] = {}

    def place_all(self, deadline: Deadline) -> None:
        ordered = self._order(self.inst.clients)
        if self.guide.group_of:
            # Guided: first everyone exactly where the guide puts them, so that a client who
            # does not fit there takes no seat or facilitator the guide gave to another.
            later = []
            for done, client in enumerate(ordered):
                deadline.check(done / len(ordered) / 2)
                if self._place(client, may_open=True, strict=True):
                    continue
                if client.pinned_group is not None or client.pinned_therapist is not None:
                    self._place(client, may_open=True)  # pins first, as without a guide
                else:
                    later.append(client)
            ordered = later
        for done, client in enumerate(ordered):
            deadline.check(done / len(ordered))  # the share of clients placed or refused
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
            deadline.check(1.0)  # the second chances are few
            self.reasons.pop(client.id, None)
            if not self._place(client, may_open=False):
                self.reasons[client.id] = [
                    dissolved[client.id] + "; no running group had a fitting seat"
                ]
        if self.guide.group_of:
            self._book_the_rest(deadline)

    def _book_the_rest(self, deadline: Deadline) -> None:
        """Guided, last: each placed client's wanted kinds of which nothing is booked yet (the
        ones the guide does not hold were left for now), where they still fit."""
        for client in self._order([self.inst.client(cid) for cid in self.placed]):
            deadline.check(1.0)
            placed = self.placed[client.id]
            group = self.inst.group(placed.group)
            for kind in self._wanted(client):
                if any(b.kind == kind.id for b in placed.appointments):
                    continue
                booked = placed.appointments
                got = self._most(client, group, kind, placed.therapist, None, booked)
                if not got:
                    continue
                placed.appointments = sorted([*placed.appointments, *got], key=lambda b: b.slot)
                key = f"c:{client.id}"
                for provider in {b.provider for b in got}:
                    mine = self.commitments[provider].get(key, [])
                    self._commit(provider, key, [*mine, *(b.slot for b in got)])

    def _can_facilitate(self, therapist: Therapist, group: Group) -> bool:
        if len(self.facilitates[therapist.id]) >= therapist.max_groups:
            return False
        if not self.specialties[therapist.id].issuperset(group.facilitator_specialties):
            return False
        free = self._free(therapist.id)
        # Inside the free time means inside availability and clear of every commitment.
        return all(inside(free, slot) for slot in self.meetings[group.id])

    def _pick_facilitator(self, client: Client, group: Group) -> str | None:
        fitting = [
            t
            for t in self.inst.therapists
            if t.id not in client.avoid_therapists and self._can_facilitate(t, group)
        ]
        if not fitting:
            return None
        guided = self.guide.facilitator_of.get(group.id)
        # The one who could lead the fewest other closed groups, so scarce skills stay free.
        best = min(
            fitting,
            key=lambda t: (
                t.id != guided,
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

    def _appointments(
        self,
        client: Client,
        group: Group,
        therapist_id: str,
        facilitator: str | None,
        *,
        defer: bool = True,
    ) -> list[Booking] | None:
        """Every required appointment and as many wanted ones as fit, or None when a
        required one does not fit (or the weekly hours fall short). Guided, a wanted kind
        the guide does not hold is left for :meth:`_book_the_rest` (with ``defer``, unless
        the weekly hours then fall short), and a held one goes to the guide's provider first."""
        booked: list[Booking] = []
        kinds = [k for k in self.inst.kinds if self.inst.requested(client, k) > 0]
        # Required kinds first (primary before specialist), then the wanted ones.
        kinds.sort(key=lambda k: (not k.required, k.provider != "primary"))
        deferred = False
        for kind in kinds:
            if defer and self._later(client, kind):
                deferred = True
                continue
            got = self._most(client, group, kind, therapist_id, facilitator, booked)
            if kind.required and len(got) < self.inst.requested(client, kind):
                return None
            booked += got
        counted = counted_minutes(self.inst, group, self.meeting_days[group.id], booked)
        if counted < self.inst.min_weekly_minutes(client):
            if deferred:
                return self._appointments(client, group, therapist_id, facilitator, defer=False)
            return None
        return sorted(booked, key=lambda b: b.slot)

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
        guided = self.guide.therapist_of.get(client.id)
        index, caseload = self.therapist_index, self.caseload
        return sorted(
            fitting,
            key=lambda t: (t.id != guided, t.id not in preferred, caseload[t.id], index[t.id]),
        )

    # -- placing one client -------------------------------------------------------------------

    def _place(self, client: Client, *, may_open: bool, strict: bool = False) -> bool:
        """Place the client in the best group that fits them (with ``strict``, only where
        the guide puts them: its group, therapist and facilitator; no reason is kept then)."""
        self.reserve = strict  # the planned groups' meetings stay clear only then
        why = StageCounts()
        guided = self.guide.group_of.get(client.id)
        groups = self._eligible(client, why)
        if strict:
            groups = [g for g in groups if g.id == guided]

        def group_key(g: Group) -> tuple[bool, bool, bool, int]:
            mismatch = client.shift_preference is not None and g.shift != client.shift_preference
            return (g.id != guided, mismatch, g.id not in self.members, self.group_index[g.id])

        therapists = self._therapist_candidates(client)
        if strict:
            therapists = [t for t in therapists if t.id == self.guide.therapist_of.get(client.id)]
        if not therapists:
            why.note("no_therapist")
        apart = self.apart[client.id]
        # Within one client's turn nothing changes, so equal meeting patterns give equal answers.
        session_memo: dict[tuple[str, ...], tuple[str, list[Booking]] | None] = {}
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
                if facilitator is None or (
                    strict and facilitator != self.guide.facilitator_of.get(group.id)
                ):
                    why.note("facilitator")
                    continue
            key = (str(self.meetings[group.id]), facilitator or "", str(group.pull_out))
            if key not in session_memo:
                session_memo[key] = self._primary(client, group, therapists, facilitator)
            found = session_memo[key]
            if found is None:
                why.note("therapist_time")
                continue
            therapist_id, sessions = found
            self._commit_placement(client, group, facilitator, therapist_id, sessions)
            return True
        if not strict:
            self.reasons[client.id] = [reason(self.inst, client, why)]
        return False

    def _primary(
        self,
        client: Client,
        group: Group,
        therapists: list[Therapist],
        facilitator: str | None,
    ) -> tuple[str, list[Booking]] | None:
        for therapist in therapists:
            booked = self._appointments(client, group, therapist.id, facilitator)
            if booked is not None:
                return therapist.id, booked
        return None

    def _room_free(self, group: Group) -> bool:
        if group.room is None:
            return True
        for other in self.by_room.get(group.room, []):
            mine = self.meeting_days[group.id]
            if any(hits(mine, slot) for slot in self.meetings[other]):
                return False
        return True

    def _commit_placement(
        self,
        client: Client,
        group: Group,
        facilitator: str | None,
        therapist_id: str,
        booked: list[Booking],
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
        for provider in dict.fromkeys([therapist_id, *(b.provider for b in booked)]):
            slots = [b.slot for b in booked if b.provider == provider]
            self._commit(provider, f"c:{client.id}", slots)
        self.placed[client.id] = Placed(group.id, therapist_id, booked)
        self.reasons.pop(client.id, None)

    def _dissolve(self, group_id: str) -> None:
        for cid in self.members.pop(group_id):
            placed = self.placed.pop(cid)
            self.caseload[placed.therapist] -= 1
            for provider in {placed.therapist, *(b.provider for b in placed.appointments)}:
                self._release(provider, f"c:{cid}")
        facilitator = self.facilitator.pop(group_id)
        self.facilitates[facilitator].remove(group_id)
        self._release(facilitator, f"g:{group_id}")
        room = self.inst.group(group_id).room
        if room is not None:
            self.by_room[room].remove(group_id)

    # -- the roster ---------------------------------------------------------------------------

    def outcome(self, seconds: float, previous: Roster | None) -> GreedyOutcome:
        placements = Placements(
            instance=self.inst,
            placed=self.placed,
            members=self.members,
            facilitator=self.facilitator,
            caseload=self.caseload,
            reasons=self.reasons,
        )
        return outcome(placements, seconds, previous)
