"""Checks across an instance's entries (format version 2): the problems no single key shows.

Dangling or duplicate ids, unknown levels and appointment kinds, impossible pins, overlapping
meetings, group sizes outside the program's, and an objective that could pass 2**53. Each
problem names the entry and the key; :class:`solver.instance.Instance` raises them all at once.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from solver.documents import MAX_OBJECTIVE
from solver.errors import Problem

# The models are solver.instance's, which calls these checks while validating: they are typed
# loosely (Any) here so that this module stays below it (no import cycle).

__all__ = ["cross_reference_problems", "objective_problems", "static_ineligibility"]


def _entry(kind: str, index: int, item_id: str) -> str:
    return f"{kind}[{index}] (id {item_id})"


def _duplicate_ids(kind: str, ids: list[str], entry: str = "") -> Iterator[Problem]:
    first: dict[str, int] = {}
    for index, item_id in enumerate(ids):
        if item_id in first:
            yield Problem(
                entry or _entry(kind, index, item_id),
                f"{kind}[{index}].id" if entry else "id",
                f"duplicate id {item_id!r} (also {kind}[{first[item_id]}])",
            )
        else:
            first[item_id] = index


def cross_reference_problems(inst: Any) -> Iterator[Problem]:
    """Every problem across entries of a structurally valid instance."""
    program = inst.program
    yield from _duplicate_ids("levels", [v.id for v in program.levels], "program")
    yield from _duplicate_ids(
        "appointment_kinds", [k.id for k in program.appointment_kinds], "program"
    )
    yield from _duplicate_ids("groups", [g.id for g in inst.groups])
    yield from _duplicate_ids("therapists", [t.id for t in inst.therapists])
    yield from _duplicate_ids("clients", [c.id for c in inst.clients])
    for k, kind in enumerate(program.appointment_kinds):
        if kind.provider == "primary" and kind.provider_specialties:
            yield Problem(
                "program",
                f"appointment_kinds[{k}].provider_specialties",
                f"kind {kind.id!r} is seen by the primary therapist: provider_specialties must be "
                'empty (use provider "specialist", or the client\'s needs)',
            )
    yield from _group_problems(inst)
    yield from _client_problems(inst)


def _group_problems(inst: Any) -> Iterator[Problem]:
    program = inst.program
    levels = {v.id for v in program.levels}
    for gi, group in enumerate(inst.groups):
        entry = _entry("groups", gi, group.id)
        size = group.capacity
        if not program.group_min_size <= size <= program.group_max_size:
            yield Problem(
                entry,
                "max_size",
                f"max_size {size} lies outside [group_min_size {program.group_min_size}, "
                f"group_max_size {program.group_max_size}]",
            )
        for k, level in enumerate(group.level_ids):
            if level not in levels:
                yield Problem(entry, f"levels[{k}]", _unknown("level", level, levels))
        for i, a in enumerate(group.meetings):
            for j in range(i + 1, len(group.meetings)):
                if a.overlaps(group.meetings[j]):
                    yield Problem(
                        entry,
                        f"meetings[{j}]",
                        f"meeting {group.meetings[j]} overlaps meetings[{i}] ({a})",
                    )


def _unknown(what: str, value: str, known: set[str]) -> str:
    listed = ", ".join(sorted(known)) or "none"
    return f"unknown {what} {value!r} (the program has: {listed})"


def _client_problems(inst: Any) -> Iterator[Problem]:
    groups = {g.id: g for g in inst.groups}
    therapists = {t.id for t in inst.therapists}
    clients = {c.id for c in inst.clients}
    levels = {v.id for v in inst.program.levels}
    kinds = {k.id for k in inst.program.appointment_kinds}
    for ci, client in enumerate(inst.clients):
        entry = _entry("clients", ci, client.id)
        if client.level_id not in levels:
            yield Problem(entry, "level", _unknown("level", client.level_id, levels))
        for key in ("appointments", "appointment_minutes"):
            for kind in getattr(client, key):
                if kind not in kinds:
                    yield Problem(entry, f"{key}.{kind}", _unknown("appointment kind", kind, kinds))
        for key in ("preferred_therapists", "avoid_therapists"):
            for k, tid in enumerate(getattr(client, key)):
                if tid not in therapists:
                    yield Problem(entry, f"{key}[{k}]", f"unknown therapist {tid!r}")
        for k, other in enumerate(client.keep_apart):
            if other not in clients:
                yield Problem(entry, f"keep_apart[{k}]", f"unknown client {other!r}")
        if client.pinned_therapist is not None:
            if client.pinned_therapist not in therapists:
                yield Problem(
                    entry, "pinned_therapist", f"unknown therapist {client.pinned_therapist!r}"
                )
            elif client.pinned_therapist in client.avoid_therapists:
                yield Problem(
                    entry,
                    "pinned_therapist",
                    f"pinned to therapist {client.pinned_therapist!r}, whom the client avoids",
                )
        if client.pinned_group is not None:
            pinned = groups.get(client.pinned_group)
            if pinned is None:
                yield Problem(entry, "pinned_group", f"unknown group {client.pinned_group!r}")
            else:
                for reason in static_ineligibility(client, pinned):
                    yield Problem(
                        entry,
                        "pinned_group",
                        f"pinned to group {pinned.id!r}, which it may not join: {reason}",
                    )


def objective_problems(inst: Any) -> Iterator[Problem]:
    """The objective's worst case (every term at its most at once), when above 2**53."""
    w = inst.program.weights
    clients, groups = len(inst.clients), len(inst.groups)
    appointments = sum(inst.requested(c, k) for c in inst.clients for k in inst.kinds)
    wanted = sum(inst.requested(c, k) for c in inst.clients for k in inst.kinds if not k.required)
    specialist_kinds = sum(k.provider == "specialist" for k in inst.kinds)
    caseload = max((t.max_caseload for t in inst.therapists), default=0)
    most = {
        "unassigned": w.unassigned * sum(c.priority for c in inst.clients),
        "appointment_missed": w.appointment_missed * wanted,
        "shift_mismatch": w.shift_mismatch * clients,
        "not_preferred_therapist": w.not_preferred_therapist * clients,
        "extra_trip": w.extra_trip * sum(min(7, inst.requested_total(c)) for c in inst.clients),
        "caseload_spread": w.caseload_spread * caseload,
        "open_group": w.open_group * groups,
        "group_change": w.group_change * clients,
        "therapist_change": w.therapist_change * clients,
        "provider_change": w.provider_change * clients * specialist_kinds,
        "session_moved": w.session_moved * appointments,
        "facilitator_change": w.facilitator_change * groups,
    }
    total = sum(most.values())
    if total > MAX_OBJECTIVE:
        term = max(most, key=lambda k: most[k])
        also = " or the clients' priorities" if term == "unassigned" else ""
        yield Problem(
            "program",
            f"weights.{term}",
            f"the objective could reach {total:,}, above the limit 2**53 ({MAX_OBJECTIVE:,}); "
            f"{term} alone could cost {most[term]:,}: lower this weight{also}",
        )


def static_ineligibility(client: Any, group: Any) -> Iterator[str]:
    """Why ``client`` may never join ``group`` whatever the week (R1 without the facilitator)."""
    if group.population != client.population:
        yield f"the group is for {group.population}s, the client is an {client.population}"
    if client.level_id not in group.level_ids:
        yield f"the group serves levels {', '.join(group.level_ids)}, not {client.level_id}"
    if client.track not in group.tracks:
        yield f"the group serves tracks {', '.join(group.tracks)}, not {client.track}"
    if group.audience is not None and group.audience not in client.audiences:
        yield f"the group is for audience {group.audience!r}, not in the client's audiences"
    if group.site is not None and client.sites and group.site not in client.sites:
        yield f"the group meets at site {group.site!r}, not among the client's sites"
