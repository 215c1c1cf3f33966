"""A roster as one self-contained web page (``html``), readable on screen and on paper.

The page opens with the week at a glance: the title, the week's date, the roster's status, a
legend (a colour per group and per appointment kind) and the program's timeline (every group
and every appointment, with its provider); printed, that is the first page, A4 landscape. Then
come the groups (size, meetings, room, site, facilitator and members), the clients left out and
why, the appointments missed and why, what the roster pays (one sentence per penalty), and a
week per therapist (the groups they facilitate and every appointment they provide) and per
room. A roster that was not found (``infeasible``, ``unknown``) shows
its explanation and the week's clients instead. No script and no external resource; every text
is escaped.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence

from solver.errors import InputError
from solver.files.events import (
    appointment_summary,
    of_room,
    of_therapist,
    roster_events,
    running_groups,
    used_rooms,
    week_title,
)
from solver.files.grid import (
    group_cards,
    kind_keys,
    program_parts,
    room_parts,
    room_title,
    status_text,
    therapist_parts,
)
from solver.files.html_timeline import TIMELINE_CSS, esc, html_timeline
from solver.instance import Instance
from solver.roster import Roster

__all__ = ["html_page"]

_CSS = """
* { box-sizing: border-box; }
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif;
  margin: 1.5rem; color: #1a1a1a; line-height: 1.35; }
h1 { font-size: 1.45rem; margin: 0 0 .15rem; }
h2 { font-size: 1.2rem; margin: 2rem 0 .5rem; border-bottom: 2px solid #444; }
h3 { font-size: 1rem; margin: 1rem 0 .3rem; }
nav { margin: .3rem 0 .6rem; }
nav a { margin-right: .75rem; }
p.meta { color: #3a3a3a; margin: .1rem 0 .4rem; }
p.none { color: #4a4a4a; font-style: italic; }
ul.key { list-style: none; padding: 0; margin: .3rem 0; display: flex; flex-wrap: wrap;
  gap: .2rem 1.1rem; font-size: .82rem; }
table.list { border-collapse: collapse; margin: .4rem 0 1rem; }
table.list th, table.list td { border: 1px solid #b8b8b8; padding: .2rem .5rem;
  text-align: left; vertical-align: top; font-size: .85rem; }
table.list th { background: #eeeeee; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(17rem, 1fr));
  gap: .6rem; }
.card { border: 1px solid #b8b8b8; border-radius: 4px; padding: .4rem .6rem; }
.card h3 { margin: 0 0 .2rem; font-size: .95rem; }
.card p { margin: .1rem 0; font-size: .85rem; }
section.person { break-inside: avoid; page-break-inside: avoid; }
@page { size: A4 landscape; margin: 10mm; }
@media print {
  body { margin: 0; font-size: 9pt; }
  nav { display: none; }
  h1 { font-size: 14pt; }
  h2 { break-after: avoid; }
  #week { break-after: page; }
  #therapists { break-before: page; margin-top: 0; }
  .tl { --lane: var(--lane-print, 5mm); --names: 17mm; font-size: 7pt; }
  .tl-hours span { font-size: 6.5pt; }
  table.list, .card, section.person { break-inside: avoid; page-break-inside: avoid; }
  * { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
}
"""

_OVERVIEW_PRINT_MM = 145.0  # the height the program's lanes get on the first printed page


class _Anchors:
    """Element ids from ids of any text: safe characters, and never twice."""

    def __init__(self) -> None:
        self._taken: set[str] = set()

    def __call__(self, kind: str, item: str) -> str:
        base = f"{kind}-{re.sub(r'[^A-Za-z0-9_-]', '_', item)}"
        anchor, n = base, 1
        while anchor in self._taken:
            n += 1
            anchor = f"{base}-{n}"
        self._taken.add(anchor)
        return anchor


def _table(header: Sequence[str], rows: Iterable[Sequence[object]], numeric: int = -1) -> str:
    head = "".join(f"<th>{esc(h)}</th>" for h in header)
    body = "".join(
        "<tr>"
        + "".join(
            f'<td class="num">{esc(v)}</td>' if i == numeric else f"<td>{esc(v)}</td>"
            for i, v in enumerate(row)
        )
        + "</tr>"
        for row in rows
    )
    return f'<table class="list"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def _swatch(colour: str, dashed: bool = False) -> str:
    kind = " session" if dashed else ""
    return f'<span class="swatch{kind}" style="background:{colour}"></span>'


def html_page(instance: Instance, roster: Roster, week_start: dt.date) -> str:
    """The page of ``roster`` for the week starting on Monday ``week_start``."""
    name = instance.program.name or "IOP"
    found = roster.status not in ("infeasible", "unknown")
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{esc(name)}: weekly roster, {esc(week_title(week_start))}</title>",
        f"<style>{TIMELINE_CSS}{_CSS}</style></head><body>",
        '<section id="week">',
        f"<h1>{esc(name)}: weekly roster</h1>",
        f'<p class="meta"><b>{esc(week_title(week_start))}</b> · '
        f"{esc(status_text(instance, roster))}</p>",
    ]
    if found:
        parts.append(
            '<nav><a href="#lists">Groups</a><a href="#penalties">Penalties</a>'
            '<a href="#therapists">Therapists</a><a href="#rooms">Rooms</a></nav>'
        )
        parts.append(_overview(instance, roster, week_start))
        parts.append("</section>")
        anchors = _Anchors()
        parts += _groups(instance, roster, anchors)
        parts += _penalties(instance, roster)
        parts += _people(instance, roster, week_start, anchors)
    else:
        parts += _no_roster(instance, roster)
        parts.append("</section>")
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


def _overview(instance: Instance, roster: Roster, week_start: dt.date) -> str:
    """The legend and the program's week: every group and every appointment."""
    events = roster_events(instance, roster)
    key = [
        f"<li>{_swatch('#e0e0e0')}group (clients) · facilitator · room</li>",
        *(f"<li>{_swatch(colour, True)}{esc(words)}</li>" for colour, words in kind_keys(instance)),
        *(
            f"<li>{_swatch(card.colour)}{esc(card.id)} ({len(card.members)})</li>"
            for card in group_cards(instance, roster, running_groups(instance, roster))
        ),
    ]
    if roster.unassigned:
        ids = ", ".join(u.id for u in roster.unassigned)
        key.append(f"<li><b>Unassigned ({len(roster.unassigned)}):</b>&nbsp;{esc(ids)}</li>")
    missed = [f"{p.id} ({m.kind} ×{m.count})" for p in roster.clients for m in p.missed]
    if missed:
        shown = ", ".join(missed)
        key.append(f"<li><b>Missed appointments ({len(missed)}):</b>&nbsp;{esc(shown)}</li>")
    week = html_timeline(
        instance, events, program_parts, week_start, print_height_mm=_OVERVIEW_PRINT_MM
    )
    return f'<ul class="key">{"".join(key)}</ul>{week}'


def _groups(instance: Instance, roster: Roster, anchors: _Anchors) -> list[str]:
    parts = ['<h2 id="lists">Groups</h2>']
    cards = group_cards(instance, roster, running_groups(instance, roster))
    if not cards:
        parts.append('<p class="none">No group runs this week.</p>')
    parts.append('<div class="cards">')
    for card in cards:
        lines = "".join(f"<p>{esc(line)}</p>" for line in card.lines)
        members = ", ".join(card.members)
        parts.append(
            f'<div class="card" id="{anchors("group", card.id)}"><h3>{_swatch(card.colour)}'
            f"Group {esc(card.id)}</h3><p><b>{esc(card.title.split(' · ', 1)[1])}</b></p>"
            f"{lines}<p>Clients: {esc(members)}</p></div>"
        )
    parts.append("</div>")
    if roster.unassigned:
        parts.append(f"<h3>Unassigned ({len(roster.unassigned)})</h3>")
        rows = [[u.id, "; ".join(u.reasons)] for u in roster.unassigned]
        parts.append(_table(["client", "why"], rows))
    missed = [(p.id, m) for p in roster.clients for m in p.missed]
    if missed:
        total = sum(m.count for _, m in missed)
        parts.append(f'<h3 id="missed">Missed appointments ({total})</h3>')
        missed_rows: list[list[object]] = [
            [client, m.kind, m.count, "; ".join(m.reasons)] for client, m in missed
        ]
        parts.append(_table(["client", "kind", "missed", "why"], missed_rows))
    return parts


def _penalties(instance: Instance, roster: Roster) -> list[str]:
    """What the roster pays, one sentence per penalty; the amounts add up to the objective."""
    parts = ['<h2 id="penalties">Penalties</h2>']
    paid = {term: amount for term, amount in roster.penalties.as_dict().items() if amount}
    if not paid:
        parts.append('<p class="none">The roster pays no penalty.</p>')
        return parts
    rows: list[tuple[int, str, str]] = []
    try:
        from solver.analysis.breakdown import penalty_breakdown

        items = penalty_breakdown(instance, roster)
    except InputError:
        items = []
        parts.append(
            '<p class="none">The penalties could not be explained one by one: the roster does '
            "not fit the instance's rules (run <code>check</code>).</p>"
        )
    for item in items:
        rows.append((item.amount, item.term.replace("_", " "), item.sentence))
    for term, amount in paid.items():
        explained = sum(i.amount for i in items if i.term == term)
        if amount > explained:
            rows.append((amount - explained, term.replace("_", " "), _unexplained(term)))
    parts.append(_table(["amount", "penalty", "what it is for"], rows, numeric=0))
    totals = " + ".join(f"{term.replace('_', ' ')} {amount}" for term, amount in paid.items())
    parts.append(f'<p class="meta">Objective {esc(roster.objective)} = {esc(totals)}.</p>')
    if items and sum(row[0] for row in rows) != roster.objective:
        parts.append(
            '<p class="none">These sentences do not add up to the roster\'s own figures: '
            "the roster may not belong to this instance (run <code>check</code>).</p>"
        )
    return parts


def _unexplained(term: str) -> str:
    if term in ("group_change", "therapist_change", "session_moved", "facilitator_change"):
        return "changes from the previous roster (explain with --previous lists them one by one)"
    return "paid by the roster (not explained one by one)"


def _people(
    instance: Instance, roster: Roster, week_start: dt.date, anchors: _Anchors
) -> list[str]:
    """A week per therapist and per room."""
    events = roster_events(instance, roster)
    parts = ['<h2 id="therapists">Therapists</h2>']
    for therapist in instance.therapists:
        mine = of_therapist(events, therapist.id)
        groups = sorted({e.group for e in mine if e.group is not None})
        caseload = [p.id for p in roster.clients if p.therapist == therapist.id]
        meta = (
            f"Facilitates {', '.join(groups) or 'no group'} · {appointment_summary(mine)} · "
            f"caseload {len(caseload)} "
            f"(max {therapist.max_caseload}){': ' if caseload else ''}{', '.join(caseload)}"
        )
        body = (
            html_timeline(instance, mine, therapist_parts, week_start, share_lanes=True)
            if mine
            else '<p class="none">Nothing scheduled this week.</p>'
        )
        parts.append(
            f'<section class="person" id="{anchors("therapist", therapist.id)}">'
            f'<h3>Therapist {esc(therapist.id)}</h3><p class="meta">{esc(meta)}</p>{body}'
            "</section>"
        )
    parts.append('<h2 id="rooms">Rooms</h2>')
    rooms = used_rooms(instance, roster)
    if not rooms:
        parts.append('<p class="none">No running group has a room.</p>')
    for room in rooms:
        mine = of_room(events, room)
        used = [g for g in running_groups(instance, roster) if instance.group(g).room == room]
        parts.append(
            f'<section class="person" id="{anchors("room", room)}">'
            f"<h3>{esc(room_title(room))}</h3>"
            f'<p class="meta">Groups: {esc(", ".join(used))}</p>'
            f"{html_timeline(instance, mine, room_parts, week_start)}</section>"
        )
    return parts


def _no_roster(instance: Instance, roster: Roster) -> list[str]:
    """The explanation of a roster that was not found, and the week's clients with their pins."""
    parts = [f"<h2>No roster this week ({esc(roster.status)})</h2>"]
    if roster.explanation:
        parts.append("<p>Why:</p><ul>")
        parts += [f"<li>{esc(line)}</li>" for line in roster.explanation]
        parts.append("</ul>")
    parts.append(f"<h3>Clients this week ({len(instance.clients)})</h3>")
    rows = [
        [
            c.id,
            c.population,
            c.track,
            c.shift_preference or "",
            c.pinned_group or "",
            c.pinned_therapist or "",
        ]
        for c in instance.clients
    ]
    header = ["client", "population", "track", "shift preference", "pinned group"]
    parts.append(_table([*header, "pinned therapist"], rows))
    return parts
