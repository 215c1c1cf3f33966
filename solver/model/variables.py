"""The container of the roster model's CP-SAT variables.

Model code reaches variables through these methods only. A variable exists
only for a possibility that survived precomputation: asking for one that does
not exist gives ``None`` (or an empty list), which reads as "can never happen".
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from ortools.sat.python import cp_model

from solver.instance import MINUTES_PER_DAY
from solver.precompute import Facts

SessionKey = tuple[str, str, int]
"""(client id, therapist id, day index) of one possible individual session."""


@dataclass(frozen=True)
class DaySession:
    """A possible session of a client with a therapist on one day.

    ``present`` is 1 when it takes place; ``start`` (week minutes) then takes
    one of ``starts``; ``interval`` is the optional interval of the session.
    """

    client: str
    therapist: str
    day: int
    length: int
    starts: tuple[int, ...]
    present: cp_model.IntVar
    start: cp_model.IntVar
    interval: cp_model.IntervalVar


class Variables:
    """All decision variables, created from the static facts."""

    def __init__(self, model: cp_model.CpModel, facts: Facts) -> None:
        self._assign: dict[tuple[str, str], cp_model.IntVar] = {}
        self._runs: dict[str, cp_model.IntVar] = {}
        self._facilitates: dict[tuple[str, str], cp_model.IntVar] = {}
        self._primary: dict[tuple[str, str], cp_model.IntVar] = {}
        self._placed: dict[str, cp_model.IntVar] = {}
        self._session: dict[SessionKey, DaySession] = {}
        self._sessions_of_client: dict[str, list[DaySession]] = defaultdict(list)
        self._sessions_of_therapist: dict[str, list[DaySession]] = defaultdict(list)

        for client_id, cf in facts.clients.items():
            if not cf.placeable:
                continue
            self._placed[client_id] = model.new_bool_var(f"placed[{client_id}]")
            for group_id in cf.groups:
                self._assign[client_id, group_id] = model.new_bool_var(
                    f"assign[{client_id},{group_id}]"
                )
            for therapist_id in cf.therapists:
                self._primary[client_id, therapist_id] = model.new_bool_var(
                    f"primary[{client_id},{therapist_id}]"
                )
                by_day: dict[int, list[int]] = defaultdict(list)
                for start in cf.starts.get(therapist_id, []):
                    by_day[start // MINUTES_PER_DAY].append(start)
                for day, starts in sorted(by_day.items()):
                    name = f"{client_id},{therapist_id},{day}"
                    present = model.new_bool_var(f"session[{name}]")
                    start_var = model.new_int_var_from_domain(
                        cp_model.Domain.from_values(starts), f"session_start[{name}]"
                    )
                    interval = model.new_optional_fixed_size_interval_var(
                        start_var, cf.session_minutes, present, f"session_interval[{name}]"
                    )
                    session = DaySession(
                        client_id,
                        therapist_id,
                        day,
                        cf.session_minutes,
                        tuple(starts),
                        present,
                        start_var,
                        interval,
                    )
                    self._session[client_id, therapist_id, day] = session
                    self._sessions_of_client[client_id].append(session)
                    self._sessions_of_therapist[therapist_id].append(session)
        self._groups_of: dict[str, list[tuple[str, cp_model.IntVar]]] = defaultdict(list)
        self._members_of: dict[str, list[tuple[str, cp_model.IntVar]]] = defaultdict(list)
        for (c, g), v in self._assign.items():
            self._groups_of[c].append((g, v))
            self._members_of[g].append((c, v))
        self._therapists_of: dict[str, list[tuple[str, cp_model.IntVar]]] = defaultdict(list)
        self._caseload_of: dict[str, list[tuple[str, cp_model.IntVar]]] = defaultdict(list)
        for (c, t), v in self._primary.items():
            self._therapists_of[c].append((t, v))
            self._caseload_of[t].append((c, v))
        used_groups = {g for _, g in self._assign}
        for group_id, therapists in facts.facilitators.items():
            if group_id not in used_groups or not therapists:
                continue
            self._runs[group_id] = model.new_bool_var(f"runs[{group_id}]")
            for therapist_id in therapists:
                self._facilitates[therapist_id, group_id] = model.new_bool_var(
                    f"facilitates[{therapist_id},{group_id}]"
                )
        self._facilitators_of: dict[str, list[tuple[str, cp_model.IntVar]]] = defaultdict(list)
        self._facilitated_by: dict[str, list[tuple[str, cp_model.IntVar]]] = defaultdict(list)
        for (t, g), v in self._facilitates.items():
            self._facilitators_of[g].append((t, v))
            self._facilitated_by[t].append((g, v))

    # --- clients -------------------------------------------------------------
    def placed(self, client_id: str) -> cp_model.IntVar | None:
        """1 when the client is placed; None when the client can never be placed."""
        return self._placed.get(client_id)

    def placed_clients(self) -> list[str]:
        """Clients who may be placed."""
        return list(self._placed)

    def assign(self, client_id: str, group_id: str) -> cp_model.IntVar | None:
        """1 when the client attends the group."""
        return self._assign.get((client_id, group_id))

    def groups_of(self, client_id: str) -> list[tuple[str, cp_model.IntVar]]:
        """(group id, assign variable) for each group the client may join."""
        return self._groups_of.get(client_id, [])

    def members_of(self, group_id: str) -> list[tuple[str, cp_model.IntVar]]:
        """(client id, assign variable) for each client who may join the group."""
        return self._members_of.get(group_id, [])

    def assignments(self) -> dict[tuple[str, str], cp_model.IntVar]:
        """Every (client, group) assign variable."""
        return dict(self._assign)

    # --- groups and facilitators ------------------------------------------
    def runs(self, group_id: str) -> cp_model.IntVar | None:
        """1 when the group runs; None when it never can."""
        return self._runs.get(group_id)

    def running_groups(self) -> list[str]:
        """Groups that may run."""
        return list(self._runs)

    def facilitates(self, therapist_id: str, group_id: str) -> cp_model.IntVar | None:
        """1 when the therapist facilitates the group."""
        return self._facilitates.get((therapist_id, group_id))

    def facilitators_of(self, group_id: str) -> list[tuple[str, cp_model.IntVar]]:
        """(therapist id, variable) for each possible facilitator of the group."""
        return self._facilitators_of.get(group_id, [])

    def groups_facilitated_by(self, therapist_id: str) -> list[tuple[str, cp_model.IntVar]]:
        """(group id, variable) for each group the therapist may facilitate."""
        return self._facilitated_by.get(therapist_id, [])

    # --- primary therapists and sessions ------------------------------------
    def primary(self, client_id: str, therapist_id: str) -> cp_model.IntVar | None:
        """1 when the therapist is the client's primary therapist."""
        return self._primary.get((client_id, therapist_id))

    def therapists_of(self, client_id: str) -> list[tuple[str, cp_model.IntVar]]:
        """(therapist id, variable) for each possible primary therapist of the client."""
        return self._therapists_of.get(client_id, [])

    def caseload_of(self, therapist_id: str) -> list[tuple[str, cp_model.IntVar]]:
        """(client id, variable) for each client the therapist may take on."""
        return self._caseload_of.get(therapist_id, [])

    def session(self, client_id: str, therapist_id: str, day: int) -> DaySession | None:
        """The possible session of a client with a therapist on a day."""
        return self._session.get((client_id, therapist_id, day))

    def sessions_of_client(self, client_id: str) -> list[DaySession]:
        """Possible sessions of the client, with any therapist, any day."""
        return self._sessions_of_client.get(client_id, [])

    def sessions_of_therapist(self, therapist_id: str) -> list[DaySession]:
        """Possible sessions the therapist could hold."""
        return self._sessions_of_therapist.get(therapist_id, [])
