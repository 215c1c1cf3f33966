"""A weekly timeline in HTML (see :mod:`solver.files.grid`): one band per day, time running
across, boxes placed in percent of the day's hours, lanes of equal height. No script, no
external resource; every text escaped.
"""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Sequence

from solver.files.events import Event, day_title
from solver.files.grid import Label, colour_of, timeline
from solver.instance import Instance, minutes_to_time

__all__ = ["TIMELINE_CSS", "esc", "html_timeline"]

TIMELINE_CSS = """
.tl { --lane: 22px; --names: 5.6rem; font-size: .78rem; margin: .25rem 1.2rem .75rem 0; }
.tl-hours { position: relative; height: 1.1rem; margin-left: var(--names); color: #4a4a4a; }
.tl-hours span { position: absolute; transform: translateX(-50%); font-size: .72rem; }
.tl-day { display: flex; margin-bottom: 4px; }
.tl-name { width: var(--names); flex: none; position: relative; font-weight: 600;
  line-height: var(--lane); }
.tl-name small { position: absolute; left: 0; font-weight: 400; font-style: italic;
  color: #4a4a4a; }
.tl-track { position: relative; flex: 1; background: #f2f2f2; }
.tl-h { position: absolute; top: 0; bottom: 0; border-left: 1px solid #c8c8c8; }
.tl-split { position: absolute; left: 0; right: 0; border-top: 1px dotted #9a9a9a; }
.tl .ev { position: absolute; height: calc(var(--lane) - 2px); margin-top: 1px;
  overflow: hidden; white-space: nowrap; text-overflow: ellipsis; padding: 0 3px;
  border: 1px solid #4d4d4d; border-radius: 2px; color: #1a1a1a;
  line-height: calc(var(--lane) - 4px); }
.tl .ev.session { border: 1px dashed #222; background: #fff; }
.swatch { display: inline-block; width: .9em; height: .9em; border: 1px solid #4d4d4d;
  vertical-align: -.1em; margin-right: .3em; }
.swatch.session { border-style: dashed; border-color: #222; background: #fff; }
"""


def esc(value: object) -> str:
    """Text for HTML, quotes included (safe in attributes too)."""
    return html.escape("" if value is None else str(value))


def html_timeline(
    instance: Instance,
    events: Sequence[Event],
    parts: Label,
    week_start: dt.date,
    *,
    share_lanes: bool = False,
    print_height_mm: float = 0.0,
) -> str:
    """The week of ``events``; ``print_height_mm``: fit the lanes into that height on paper."""
    layout = timeline(events, share_lanes=share_lanes)
    span = layout.end - layout.start

    def pct(minute: int) -> str:
        return f"{100 * (minute - layout.start) / span:.3f}%"

    style = ""
    if print_height_mm:
        lane = min(7.0, print_height_mm / max(layout.total_lanes, 1))
        style = f' style="--lane-print: {lane:.2f}mm"'
    parts_html = [f'<div class="tl"{style}><div class="tl-hours">']
    parts_html += [
        f'<span style="left:{pct(m)}">{minutes_to_time(m)}</span>'
        for m in range(layout.start, layout.end + 1, 60)
    ]
    parts_html.append("</div>")
    hours = "".join(
        f'<i class="tl-h" style="left:{pct(m)}"></i>'
        for m in range(layout.start + 60, layout.end, 60)
    )
    for day in layout.days:
        lanes = layout.lanes[day]
        name = esc(day_title(week_start, day))
        track = [f'<div class="tl-track" style="height:calc(var(--lane) * {lanes})">{hours}']
        if not share_lanes and lanes > layout.group_lanes:
            top = f"calc(var(--lane) * {layout.group_lanes})"
            below = "appointments" if instance.kinds[1:] else "sessions"
            name += f'<small style="top:{top}">{below}</small>'
            if layout.group_lanes:
                track.append(f'<i class="tl-split" style="top:{top}"></i>')
        for item in layout.placed:
            event = item.event
            if event.day != day:
                continue
            words = [w for w in parts(event) if w != event.times]  # the axis and title show it
            sep = " " if event.kind == "session" else " · "
            title = " · ".join([event.times, *words])
            track.append(
                f'<div class="ev {event.kind}" title="{esc(title)}" style="left:{pct(event.start)};'
                f"width:calc({pct(event.end)} - {pct(event.start)});"
                f"top:calc(var(--lane) * {item.lane});"
                f'background:{colour_of(instance, event)}">{esc(sep.join(words))}</div>'
            )
        track.append("</div>")
        parts_html.append(
            f'<div class="tl-day"><div class="tl-name">{name}</div>{"".join(track)}</div>'
        )
    parts_html.append("</div>")
    return "".join(parts_html)
