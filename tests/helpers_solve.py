"""Builders of tiny instances and the one way every solving test solves.

Every test that solves goes through :func:`solve_and_check`: one worker and a
fixed seed, then the independent checker, whose recomputed objective must equal
the roster's, which must equal the sum of its penalties (STYLE.md habit 5).

The builders fill in the dull keys so that a test shows only what matters.
Their defaults describe a quiet program: adults on track ``su``, groups of 1-4,
a 60-minute slot grid, no weekly-hours minimum, open Monday to Wednesday
09:00-12:00, and therapists available during exactly those hours.
"""

from __future__ import annotations

from typing import Any

from solver.checker import check
from solver.instance import WEIGHT_KEYS_V1, Instance, parse_instance
from solver.options import SolveOptions
from solver.roster import Roster, Unassigned, parse_roster
from solver.solving import solve

Doc = dict[str, Any]

DAYS3 = ("mon", "tue", "wed")


def iv(day: str, start: str, end: str) -> Doc:
    """An interval document."""
    return {"day": day, "start": start, "end": end}


def hours(start: str, end: str, days: tuple[str, ...] = DAYS3) -> list[Doc]:
    """The same hours on each of ``days``."""
    return [iv(d, start, end) for d in days]


def group(gid: str, *meetings: Doc, **keys: Any) -> Doc:
    """A group; by default an adult morning group of track ``su`` meeting ``meetings``."""
    doc: Doc = {
        "id": gid,
        "shift": "morning",
        "population": "adult",
        "tracks": ["su"],
        "meetings": list(meetings) or [iv("mon", "09:00", "10:00")],
    }
    doc.update(keys)
    return doc


def therapist(tid: str, *availability: Doc, **keys: Any) -> Doc:
    """A therapist; by default available during the default open hours."""
    doc: Doc = {"id": tid, "availability": list(availability) or hours("09:00", "12:00")}
    doc.update(keys)
    return doc


def client(cid: str, **keys: Any) -> Doc:
    """An adult client of track ``su`` with one individual session."""
    doc: Doc = {"id": cid, "population": "adult", "track": "su"}
    doc.update(keys)
    return doc


def program(**keys: Any) -> Doc:
    """The tests' quiet program (see the module docstring), with ``keys`` changed."""
    doc: Doc = {
        "group_min_size": 1,
        "group_max_size": 4,
        "slot_minutes": 60,
        "open_hours": hours("09:00", "12:00"),
        "min_weekly_hours": {"adult": 0, "adolescent": 0},
    }
    doc.update(keys)
    return doc


def weights(**keys: int) -> Doc:
    """Weights with every term off except ``keys``."""
    doc = dict.fromkeys(
        WEIGHT_KEYS_V1,
        0,
    )
    doc.update(keys)
    return doc


def document(
    groups: list[Doc], therapists: list[Doc], clients: list[Doc], **program_keys: Any
) -> Doc:
    """An instance document on the tests' program."""
    return {
        "format_version": 1,
        "program": program(**program_keys),
        "groups": groups,
        "therapists": therapists,
        "clients": clients,
    }


def make(
    groups: list[Doc], therapists: list[Doc], clients: list[Doc], **program_keys: Any
) -> Instance:
    """A validated instance on the tests' program."""
    return parse_instance(document(groups, therapists, clients, **program_keys))


def previous_roster(
    placements: list[tuple[str, str, str, list[Doc]]],
    facilitators: dict[str, str] | None = None,
) -> Roster:
    """A previous roster from (client, group, therapist, sessions) and group -> facilitator.

    Only its structure is read by the solver, so its numbers are zeros. A group
    named in ``facilitators`` but by no placement is listed with a client of
    its own name, so that it counts as running.
    """
    facilitators = facilitators or {}
    members: dict[str, list[str]] = {}
    for cid, gid, _, _ in placements:
        members.setdefault(gid, []).append(cid)
    groups = [
        {"id": gid, "facilitator": facilitators.get(gid, "T-GONE"), "clients": cids}
        for gid, cids in members.items()
    ]
    groups += [
        {"id": gid, "facilitator": tid, "clients": [f"{gid}-member"]}
        for gid, tid in facilitators.items()
        if gid not in members
    ]
    return parse_roster(
        {
            "format_version": 1,
            "status": "optimal",
            "objective": 0,
            "best_bound": 0,
            "penalties": weights(),
            "solve_seconds": 0,
            "groups": groups,
            "clients": [
                {"id": cid, "group": gid, "therapist": tid, "sessions": sessions}
                for cid, gid, tid, sessions in placements
            ],
            "unassigned": [],
            "explanation": [],
        }
    )


def solve_and_check(instance: Instance, previous: Roster | None = None, **kw: Any) -> Roster:
    """Solve with one worker and seed 0, and assert that the checker agrees.

    For a roster (``optimal`` or ``feasible``): the checker finds no violation,
    its recomputed penalties and objective equal the roster's, the objective is
    the sum of the penalties, and every unassigned client has a reason. For
    ``infeasible`` or ``unknown``: the roster is well formed (empty lists, null
    objective, an explanation).
    """
    kw.setdefault("workers", 1)
    kw.setdefault("seed", 0)
    kw.setdefault("time_limit", 10)
    on_progress = kw.pop("on_progress", None)
    roster = solve(instance, SolveOptions(**kw), previous=previous, on_progress=on_progress)
    report = check(instance, roster, previous=previous)
    assert report.ok, "checker found violations:\n" + "\n".join(report.lines())
    if roster.status in ("infeasible", "unknown"):
        assert roster.objective is None
        assert roster.groups == roster.clients == roster.unassigned == []
        assert roster.explanation
        return roster
    assert roster.objective is not None
    assert roster.objective == report.objective, (roster.objective, report.lines())
    assert roster.penalties.as_dict() == report.penalties.as_dict()
    assert roster.objective == sum(roster.penalties.as_dict().values())
    for entry in roster.unassigned:
        assert entry.reasons and all(r.strip() for r in entry.reasons), entry
    return roster


def solve_optimal(instance: Instance, previous: Roster | None = None, **kw: Any) -> Roster:
    """:func:`solve_and_check`, also asserting that the roster is proved optimal."""
    roster = solve_and_check(instance, previous, **kw)
    assert roster.status == "optimal", (roster.status, roster.explanation)
    return roster


def placement_of(roster: Roster, cid: str) -> tuple[str, str, list[str]] | None:
    """(group, therapist, ["mon 09:00", ...]) of a placed client, None when unassigned."""
    p = roster.placement(cid)
    if p is None:
        return None
    return p.group, p.therapist, [f"{s.day} {s.start}" for s in p.sessions]


def group_of(roster: Roster, cid: str) -> str | None:
    """The client's group, None when unassigned."""
    p = roster.placement(cid)
    return None if p is None else p.group


def facilitator_of(roster: Roster, gid: str) -> str | None:
    """The group's facilitator, None when it does not run."""
    return next((g.facilitator for g in roster.groups if g.id == gid), None)


def unassigned_ids(roster: Roster) -> list[str]:
    """Ids of the unassigned clients, sorted."""
    return sorted(u.id for u in roster.unassigned)


def moderate_week(n_clients: int, seed: int = 0) -> Instance:
    """A seeded, realistic-looking week of ``n_clients`` on the default program.

    Mornings, afternoons and evenings, 15-minute slots and open hours Monday to
    Friday 08:00-21:00, so that the search is not trivial; about one therapist
    and one group for every eight clients.
    """
    import random

    rng = random.Random(seed)
    weekdays = ("mon", "tue", "wed", "thu", "fri")
    patterns = (("mon", "wed", "fri"), ("tue", "thu"))
    shifts = {
        "morning": ("09:00", "12:00"),
        "afternoon": ("13:00", "16:00"),
        "evening": ("18:00", "21:00"),
    }
    n_groups = max(2, n_clients // 8)
    groups = []
    for i in range(n_groups):
        shift = rng.choice(list(shifts))
        start, end = shifts[shift]
        groups.append(
            group(
                f"G{i + 1}",
                *[iv(d, start, end) for d in rng.choice(patterns)],
                shift=shift,
                tracks=rng.choice([["su"], ["mh"], ["su", "mh"]]),
                room=f"R{i % 3}",
            )
        )
    therapists = []
    for i in range(max(2, n_clients // 8)):
        start, end = rng.choice([("08:00", "17:00"), ("12:00", "21:00"), ("08:00", "21:00")])
        therapists.append(
            therapist(
                f"T{i + 1}",
                *[iv(d, start, end) for d in weekdays],
                specialties=rng.sample(["trauma", "family"], rng.randint(0, 2)),
            )
        )
    clients = []
    for i in range(n_clients):
        doc = client(
            f"C{i + 1:03d}",
            track=rng.choice(["su", "mh"]),
            individual_sessions=rng.choice([1, 1, 2]),
            shift_preference=rng.choice([None, "morning", "afternoon", "evening"]),
        )
        if rng.random() < 0.5:
            work = rng.choice([("09:00", "17:00"), ("07:00", "15:00"), ("14:00", "22:00")])
            doc["busy"] = [iv(d, *work) for d in weekdays]
        if rng.random() < 0.2:
            doc["needs"] = [rng.choice(["trauma", "family"])]
        if rng.random() < 0.2:
            doc["preferred_therapists"] = [rng.choice(therapists)["id"]]
        clients.append(doc)
    return parse_instance(
        {
            "format_version": 1,
            "program": {"min_weekly_hours": {"adult": 6, "adolescent": 6}},
            "groups": groups,
            "therapists": therapists,
            "clients": clients,
        }
    )


def with_placed(
    instance: Instance,
    roster: Roster,
    placed: set[str],
    *,
    reason: str,
    previous: Roster | None = None,
) -> Roster:
    """The roster with only the ``placed`` clients it places, priced by the checker.

    Groups lose the others (and drop out when empty); every other client of the
    instance is unassigned, keeping an earlier reason, else with ``reason``.
    """
    groups = []
    for g in roster.groups:
        members = [c for c in g.clients if c in placed]
        if members:
            groups.append(g.model_copy(update={"clients": members}))
    clients = [p for p in roster.clients if p.id in placed]
    kept = {p.id for p in clients}
    earlier = {u.id: u for u in roster.unassigned}
    unassigned = [u for u in roster.unassigned if u.id not in kept and instance.has_client(u.id)]
    unassigned += [
        Unassigned(id=c.id, reasons=[reason])
        for c in instance.clients
        if c.id not in kept and c.id not in earlier
    ]
    out = roster.model_copy(
        update={
            "status": "feasible",
            "best_bound": None,
            "groups": groups,
            "clients": clients,
            "unassigned": unassigned,
        }
    )
    report = check(instance, out, previous=previous)
    return out.model_copy(update={"penalties": report.penalties, "objective": report.objective})
