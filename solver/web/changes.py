"""Changes that scheduling staff record to a week before a rerun, applied to an instance.

A change is one of six small documents, told apart by their ``kind``: a discharge, an intake (a
new client), a therapist off for a day, a client's new work hours (their ``busy`` times), a
move to another level of care (PHP to IOP) and a pin (a recommended placement accepted).
:func:`parse_change` reads one from decoded JSON; :func:`apply_change` returns the new instance
and one short sentence for the change log, naming ids only.

The module is pure: no web framework, no database. Every change is applied to the instance's
format-version-2 document and the result rebuilt with :func:`solver.instance.parse_instance`, so
the new instance passes every check an instance file does (a version-1 instance comes back as
version 2). Bad input raises :class:`~solver.errors.InputError` whose problems name the entry
``change`` and the key (``client``, ``day``, ``client.track`` ...).
"""

from __future__ import annotations

import difflib
import logging
from collections.abc import Callable, Mapping, Sequence
from typing import Annotated, Any, Literal

from pydantic import Field, TypeAdapter, ValidationError

from solver.documents import Id
from solver.errors import InputError, Problem
from solver.instance import Instance, parse_instance
from solver.intervals import DAYS, Day, Intervals, Strict

__all__ = [
    "Change",
    "Discharge",
    "Intake",
    "KINDS",
    "Pin",
    "StepDown",
    "TherapistOff",
    "WorkHours",
    "apply_change",
    "parse_change",
]

logger = logging.getLogger(__name__)

ENTRY = "change"
"""The entry every problem of a change names."""

_SHOWN_IDS = 5  # ids an "unknown id" message lists
_SHOWN_HOURS = 7  # intervals a work-hours sentence lists


class Discharge(Strict):
    """The client leaves the program: removed, with every other client's ``keep_apart`` of them."""

    kind: Literal["discharge"] = "discharge"
    client: Id


class Intake(Strict):
    """A new client: ``client`` is a client entry of format version 2, as in an instance file."""

    kind: Literal["intake"] = "intake"
    client: dict[str, Any]


class TherapistOff(Strict):
    """The therapist does not work on ``day``: that day's availability is removed."""

    kind: Literal["therapist_off"] = "therapist_off"
    therapist: Id
    day: Day


class WorkHours(Strict):
    """The client's new work (or school) hours: ``busy`` replaces their busy times."""

    kind: Literal["work_hours"] = "work_hours"
    client: Id
    busy: Intervals


class StepDown(Strict):
    """The client moves to another level of care (``level``: an id of ``program.levels``)."""

    kind: Literal["step_down"] = "step_down"
    client: Id
    level: Id


class Pin(Strict):
    """A recommended placement accepted: the client is pinned to ``group`` with ``therapist``."""

    kind: Literal["pin"] = "pin"
    client: Id
    group: Id
    therapist: Id


Change = Annotated[
    Discharge | Intake | TherapistOff | WorkHours | StepDown | Pin,
    Field(discriminator="kind"),
]
"""One change to a week, told apart by its ``kind``."""

_CHANGE: TypeAdapter[Change] = TypeAdapter(Change)
KINDS: tuple[str, ...] = ("discharge", "intake", "therapist_off", "work_hours", "step_down", "pin")
"""Every change's ``kind``, in the order of the models."""


def parse_change(data: Mapping[str, Any]) -> Change:
    """Validate one change given as decoded JSON (``{"kind": "discharge", "client": "C003"}``).

    Only the change's own form is checked here; whether its ids exist is checked by
    :func:`apply_change`, against the instance.

    Raises:
        InputError: every problem found, each naming the entry ``change`` and the key.
    """
    if not isinstance(data, Mapping):
        raise InputError([Problem(ENTRY, "", "a change must be a JSON object {...}")])
    try:
        return _CHANGE.validate_python(data)
    except ValidationError as exc:
        raise InputError(_change_problems(exc, data)) from None


def _change_problems(error: ValidationError, data: Mapping[str, Any]) -> list[Problem]:
    kinds = ", ".join(KINDS)
    problems = []
    for item in error.errors(include_url=False):
        if item["type"] in ("union_tag_not_found", "union_tag_invalid"):
            if "kind" not in data:
                message = f"required key is missing (one of: {kinds})"
            else:
                message = f"unknown kind {_shown(data['kind'])} (one of: {kinds})"
            problems.append(Problem(ENTRY, "kind", message))
            continue
        kind, *loc = item["loc"]  # the first part is the tag: the change's kind
        key = ""
        for part in loc:
            key += f"[{part}]" if isinstance(part, int) else (f".{part}" if key else str(part))
        message = item["msg"].removeprefix("Value error, ")
        if item["type"] == "extra_forbidden":
            message = f"unknown key (a change of kind {kind} has no such key)"
        elif item["type"] == "missing":
            message = "required key is missing"
        problems.append(Problem(ENTRY, key, message))
    return problems


def _shown(value: Any) -> str:
    """A value as a message shows it: its repr, cut short."""
    text = repr(value)
    return text if len(text) <= 40 else text[:40] + "..."


def apply_change(instance: Instance, change: Change) -> tuple[Instance, str]:
    """Apply ``change`` to ``instance`` (which is not modified).

    Returns:
        The new instance (format version 2, whatever the input's version) and one short
        sentence for the change log, naming ids only, e.g. ``"C003 discharged"``.

    Raises:
        InputError: the change names a client, therapist, group or level the instance does not
            have, an intake is invalid or a duplicate, or the change would make the instance
            invalid; each problem names the entry ``change`` and the key.
    """
    handler = _HANDLERS[type(change)]
    result, sentence = handler(instance, change)
    logger.debug("applied change: %s", sentence)
    return result, sentence


def _discharge(instance: Instance, change: Discharge) -> tuple[Instance, str]:
    _require_client(instance, change.client)
    doc = _document(instance)
    clients = [c for c in doc["clients"] if c["id"] != change.client]
    for client in clients:
        client["keep_apart"] = [o for o in client["keep_apart"] if o != change.client]
    doc["clients"] = clients
    return _rebuild(doc, "client"), f"{change.client} discharged"


def _intake(instance: Instance, change: Intake) -> tuple[Instance, str]:
    doc = _document(instance)
    client_id = change.client.get("id")
    if isinstance(client_id, str) and instance.has_client(client_id):
        message = f"client {client_id!r} is already in the instance: a new client needs a new id"
        raise InputError([Problem(ENTRY, "client.id", message)])
    index = len(doc["clients"])
    doc["clients"].append(dict(change.client))
    try:
        result = parse_instance(doc)
    except InputError as exc:
        raise InputError([_intake_problem(p, index) for p in exc.problems]) from None
    new = result.client(str(client_id))
    return result, f"{new.id} admitted ({new.level_id}, track {new.track})"


def _intake_problem(problem: Problem, index: int) -> Problem:
    """A problem of the rebuilt instance, as a problem of the intake when it is the new
    client's (``clients[40] (id C041): track`` becomes ``change: client.track``)."""
    own = f"clients[{index}]"
    if problem.entry == own or problem.entry.startswith(own + " "):
        key = f"client.{problem.key}" if problem.key else "client"
        return Problem(ENTRY, key, problem.message)
    return Problem(ENTRY, "client", f"the instance would become invalid: {problem}")


def _therapist_off(instance: Instance, change: TherapistOff) -> tuple[Instance, str]:
    doc = _document(instance)
    if not instance.has_therapist(change.therapist):
        known = [t.id for t in instance.therapists]
        raise _error("therapist", _unknown("therapist", change.therapist, known))
    therapist = next(t for t in doc["therapists"] if t["id"] == change.therapist)
    hours = therapist["availability"]
    if not any(interval["day"] == change.day for interval in hours):
        days = sorted({i["day"] for i in hours}, key=DAYS.index)
        works = f"their hours are on {', '.join(days)}" if days else "they have no hours at all"
        message = f"{change.therapist} has no hours on {change.day} to take off ({works})"
        raise _error("day", message)
    therapist["availability"] = [i for i in hours if i["day"] != change.day]
    return _rebuild(doc, "day"), f"{change.therapist} off on {change.day}"


def _work_hours(instance: Instance, change: WorkHours) -> tuple[Instance, str]:
    doc = _document(instance)
    client = _client_entry(instance, doc, change.client)
    client["busy"] = [interval.model_dump(mode="json") for interval in change.busy]
    shown = ", ".join(str(interval) for interval in change.busy[:_SHOWN_HOURS]) or "none"
    if len(change.busy) > _SHOWN_HOURS:
        shown += f" and {len(change.busy) - _SHOWN_HOURS} more"
    return _rebuild(doc, "busy"), f"{change.client} works new hours: {shown}"


def _step_down(instance: Instance, change: StepDown) -> tuple[Instance, str]:
    doc = _document(instance)
    client = _client_entry(instance, doc, change.client)
    levels = [level.id for level in instance.program.levels]
    if change.level not in levels:
        listed = ", ".join(levels)
        raise _error("level", f"unknown level {change.level!r} (the program has: {listed})")
    old = instance.client(change.client)
    if old.level_id == change.level:
        raise _error("level", f"{change.client} is already at level {change.level}")
    client["level"] = change.level
    before = instance.min_weekly_minutes(old)
    result = _rebuild(doc, "level")
    after = result.min_weekly_minutes(result.client(change.client))
    verb = "steps down to" if after < before else "steps up to" if after > before else "moves to"
    return result, f"{change.client} {verb} level {change.level}"


def _pin(instance: Instance, change: Pin) -> tuple[Instance, str]:
    doc = _document(instance)
    client = _client_entry(instance, doc, change.client)
    problems = []
    if not instance.has_group(change.group):
        known = [g.id for g in instance.groups]
        problems.append(Problem(ENTRY, "group", _unknown("group", change.group, known)))
    if not instance.has_therapist(change.therapist):
        known = [t.id for t in instance.therapists]
        message = _unknown("therapist", change.therapist, known)
        problems.append(Problem(ENTRY, "therapist", message))
    if problems:
        raise InputError(problems)
    client["pinned_group"] = change.group
    client["pinned_therapist"] = change.therapist
    keys = {"pinned_group": "group", "pinned_therapist": "therapist"}
    result = _rebuild(doc, "client", keys)
    return result, f"{change.client} pinned to {change.group} with {change.therapist}"


_HANDLERS: dict[type, Callable[[Instance, Any], tuple[Instance, str]]] = {
    Discharge: _discharge,
    Intake: _intake,
    TherapistOff: _therapist_off,
    WorkHours: _work_hours,
    StepDown: _step_down,
    Pin: _pin,
}


def _document(instance: Instance) -> dict[str, Any]:
    """A fresh format-version-2 document of the instance (defaults written out): changing
    it leaves the instance as it was."""
    return instance.model_dump(mode="json")


def _rebuild(doc: dict[str, Any], key: str, keys: Mapping[str, str] | None = None) -> Instance:
    """The instance of the changed document. A problem it has (a pin that no longer holds
    after a level change, say) is reported on ``change``: on ``keys[problem key]`` when
    given, else on ``key``."""
    try:
        return parse_instance(doc)
    except InputError as exc:
        raise InputError(
            [
                Problem(
                    ENTRY,
                    (keys or {}).get(p.key, key),
                    f"the change would make the instance invalid: {p}",
                )
                for p in exc.problems
            ]
        ) from None


def _require_client(instance: Instance, client_id: str) -> None:
    if not instance.has_client(client_id):
        known = [c.id for c in instance.clients]
        raise _error("client", _unknown("client", client_id, known))


def _client_entry(instance: Instance, doc: dict[str, Any], client_id: str) -> dict[str, Any]:
    """The client's entry in ``doc``, after checking that the instance has them."""
    _require_client(instance, client_id)
    entry: dict[str, Any] = next(c for c in doc["clients"] if c["id"] == client_id)
    return entry


def _error(key: str, message: str) -> InputError:
    return InputError([Problem(ENTRY, key, message)])


def _unknown(what: str, value: str, known: Sequence[str]) -> str:
    """``unknown client 'C0O3'; did you mean C003? (the instance has 40: C001, C002, ...)``."""
    close = difflib.get_close_matches(value, known, n=3, cutoff=0.75)
    hint = f"; did you mean {' or '.join(close)}?" if close else ""
    if not known:
        return f"unknown {what} {value!r} (the instance has none)"
    shown = ", ".join(known[:_SHOWN_IDS])
    more = ", ..." if len(known) > _SHOWN_IDS else ""
    return f"unknown {what} {value!r}{hint} (the instance has {len(known)}: {shown}{more})"
