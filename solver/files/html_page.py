"""A roster as one self-contained web page (``html``): group lists, then a weekly grid per
therapist, per room and per group, readable on screen and on paper.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Sequence
from typing import Any

from solver.files.events import (
    DAY_TITLES,
    Event,
    clock,
    of_group,
    of_room,
    of_therapist,
    roster_events,
    running_groups,
    used_rooms,
)
from solver.files.grid import (
    Label,
    colour_of,
    day_widths,
    group_label,
    lanes_of,
    room_label,
    therapist_label,
    window_of,
)
from solver.files.roster_tables import roster_tables
from solver.instance import Instance
from solver.roster import Roster

__all__ = ["html_page"]


_CSS = """
* { box-sizing: border-box; }
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif;
  margin: 1.5rem; color: #1b1b1b; line-height: 1.35; }
h1 { font-size: 1.5rem; margin: 0 0 .25rem; }
h2 { font-size: 1.2rem; margin: 2rem 0 .5rem; border-bottom: 2px solid #444; }
h3 { font-size: 1rem; margin: 1rem 0 .35rem; }
nav a { margin-right: .75rem; }
table.list { border-collapse: collapse; margin: .5rem 0 1rem; }
table.list th, table.list td { border: 1px solid #b8b8b8; padding: .2rem .5rem;
  text-align: left; vertical-align: top; font-size: .85rem; }
table.list th { background: #f0f0f0; }
section.grid { margin-bottom: 1.25rem; }
.week { display: grid; border: 1px solid #888; font-size: .75rem; }
.week .head { background: #f0f0f0; text-align: center; font-weight: 600; padding: .2rem;
  border-left: 1px solid #bbb; border-bottom: 1px solid #888; }
.week .times { position: relative; }
.week .times span { position: absolute; right: .3rem; color: #555; }
.week .col { position: relative; border-left: 1px solid #bbb; }
.week .line { position: absolute; left: 0; right: 0; border-top: 1px dotted #d0d0d0; }
.week .ev { position: absolute; overflow: hidden; border: 1px solid #666; border-radius: 3px;
  padding: 1px 3px; line-height: 1.15; }
.week .ev.session { border-style: dashed; }
.week .ev b { display: block; }
p.meta { color: #444; margin: .1rem 0 .5rem; }
p.none { color: #666; font-style: italic; }
@media print {
  body { margin: 0; font-size: 10pt; }
  nav { display: none; }
  h2 { break-before: page; }
  section.grid, table.list { break-inside: avoid; page-break-inside: avoid; }
  .week .ev, .week .head, table.list th { -webkit-print-color-adjust: exact;
    print-color-adjust: exact; }
}
"""


def _esc(value: object) -> str:
    return html.escape("" if value is None else str(value))


def _anchor(kind: str, item: str) -> str:
    return f"{kind}-{re.sub(r'[^A-Za-z0-9_-]', '_', item)}"


def _html_table(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    head = "".join(f"<th>{_esc(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{_esc(v)}</td>" for v in row) + "</tr>" for row in rows)
    return f'<table class="list"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def _html_grid(
    instance: Instance,
    events: Sequence[Event],
    label: Label,
    window: tuple[list[int], int, int],
) -> str:
    days, start, end = window
    scale = 48 / 60  # pixels per minute: an hour is 48 px on screen and on paper
    height = round((end - start) * scale)
    placed = lanes_of(events)
    widths = day_widths(placed, days)
    columns = " ".join(f"{widths[d]}fr" for d in days)
    parts = [
        f'<div class="week" style="grid-template-columns: 3.2rem {columns}">',
        '<div class="head"></div>',
        *(f'<div class="head">{DAY_TITLES[d]}</div>' for d in days),
        f'<div class="times" style="height:{height}px">',
        *(
            f'<span style="top:{round((m - start) * scale)}px">{clock(m)}</span>'
            for m in range(start, end, 60)
        ),
        "</div>",
    ]
    by_day: dict[int, list[str]] = {d: [] for d in days}
    for event, lane, lanes in placed:
        top = round((event.start - start) * scale)
        tall = max(round((event.end - event.start) * scale) - 1, 10)
        left, width = 100 * lane / lanes, 100 / lanes
        text = [event.times, *label(event)]
        by_day[event.day].append(
            f'<div class="ev {event.kind}" title="{_esc(" ".join(text))}" '
            f'style="top:{top}px;height:{tall}px;left:{left:.2f}%;width:{width:.2f}%;'
            f'background:{colour_of(instance, event)}"><b>{_esc(text[0])}</b>'
            + "<br>".join(_esc(t) for t in text[1:])
            + "</div>"
        )
    for day in days:
        lines = "".join(
            f'<div class="line" style="top:{round((m - start) * scale)}px"></div>'
            for m in range(start + 60, end, 60)
        )
        parts.append(
            f'<div class="col" style="height:{height}px">{lines}' + "".join(by_day[day]) + "</div>"
        )
    parts.append("</div>")
    return "".join(parts)


def _html_section(
    instance: Instance,
    kind: str,
    item: str,
    title: str,
    meta: str,
    events: Sequence[Event],
    label: Label,
    window: tuple[list[int], int, int],
) -> str:
    body = (
        _html_grid(instance, events, label, window)
        if events
        else '<p class="none">Nothing scheduled this week.</p>'
    )
    return (
        f'<section class="grid" id="{_anchor(kind, item)}"><h3>{_esc(title)}</h3>'
        f'<p class="meta">{_esc(meta)}</p>{body}</section>'
    )


def html_page(instance: Instance, roster: Roster) -> str:
    events = roster_events(instance, roster)
    window = window_of(events)
    tables = roster_tables(instance, roster)
    name = instance.program.name or "IOP"
    objective = "none" if roster.objective is None else str(roster.objective)
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{_esc(name)}: weekly roster</title><style>{_CSS}</style></head><body>",
        f"<h1>{_esc(name)}: weekly roster</h1>",
        f'<p class="meta">Status {_esc(roster.status)}, objective {_esc(objective)}; '
        f"{len(roster.groups)} groups run, {len(roster.clients)} clients placed, "
        f"{len(roster.unassigned)} unassigned.</p>",
        '<nav><a href="#lists">Group lists</a><a href="#therapists">Therapists</a>'
        '<a href="#rooms">Rooms</a><a href="#groups">Groups</a></nav>',
    ]
    if roster.explanation:
        parts.append(
            "<ul>" + "".join(f"<li>{_esc(line)}</li>" for line in roster.explanation) + "</ul>"
        )
    parts.append('<h2 id="lists">Group lists</h2>')
    parts.append(_html_table(*tables["group_lists"]))
    if roster.unassigned:
        parts.append("<h3>Unassigned</h3>")
        parts.append(_html_table(*tables["unassigned"]))
    parts.append("<h3>Penalties</h3>")
    parts.append(_html_table(*tables["penalties"]))

    parts.append('<h2 id="therapists">Therapists</h2>')
    for therapist in instance.therapists:
        mine = of_therapist(events, therapist.id)
        groups = sorted({e.group for e in mine if e.group is not None})
        sessions = sum(1 for e in mine if e.kind == "session")
        caseload = sum(1 for p in roster.clients if p.therapist == therapist.id)
        meta = (
            f"Facilitates {', '.join(groups) or 'no group'}; {sessions} individual "
            f"sessions; caseload {caseload}."
        )
        parts.append(
            _html_section(
                instance,
                "therapist",
                therapist.id,
                f"Therapist {therapist.id}",
                meta,
                mine,
                therapist_label,
                window,
            )
        )

    parts.append('<h2 id="rooms">Rooms</h2>')
    rooms = used_rooms(instance, roster)
    if not rooms:
        parts.append('<p class="none">No running group has a room.</p>')
    for room in rooms:
        mine = of_room(events, room)
        used = sorted({e.group for e in mine if e.group is not None})
        parts.append(
            _html_section(
                instance,
                "room",
                room,
                f"Room {room}",
                f"Groups: {', '.join(used)}.",
                mine,
                room_label,
                window,
            )
        )

    parts.append('<h2 id="groups">Groups</h2>')
    for group_id in running_groups(instance, roster):
        group = instance.group(group_id)
        listed = next(g for g in roster.groups if g.id == group_id)
        meta = (
            f"{group.name + '; ' if group.name else ''}{group.shift}, {group.population}; "
            f"facilitator {listed.facilitator}; room {group.room or 'none'}; "
            f"{len(listed.clients)} clients: {', '.join(listed.clients)}."
        )
        parts.append(
            _html_section(
                instance,
                "group",
                group_id,
                f"Group {group_id}",
                meta,
                of_group(events, group_id),
                group_label,
                window,
            )
        )
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"
