"""A roster as a picture (``png``): one weekly grid of the whole program, one therapist or
one room.
"""

from __future__ import annotations

from pathlib import Path

from solver.errors import InputError, Problem
from solver.files.events import DAY_TITLES, clock, of_room, of_therapist, roster_events
from solver.files.extras import require_extra
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
from solver.instance import Instance
from solver.roster import Roster

__all__ = ["write_png"]


def write_png(instance: Instance, roster: Roster, view: str, path: Path) -> Path:
    events = roster_events(instance, roster)
    name = instance.program.name or "IOP"
    label: Label
    if view == "program":
        shown = [e for e in events if e.kind == "group"]
        title, label = f"{name}: all groups", group_label
    elif instance.has_therapist(view):
        shown, label = of_therapist(events, view), therapist_label
        title = f"{name}: therapist {view}"
    elif view in {g.room for g in instance.groups if g.room is not None}:
        shown, label = of_room(events, view), room_label
        title = f"{name}: room {view}"
    else:
        rooms = sorted({g.room for g in instance.groups if g.room is not None})
        raise InputError(
            [
                Problem(
                    "",
                    "view",
                    f"unknown view {view!r}: use 'program', a therapist id "
                    f"({', '.join(t.id for t in instance.therapists) or 'none'}) or a room "
                    f"({', '.join(rooms) or 'none'})",
                )
            ]
        )
    require_extra("matplotlib", "drawing pictures")
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.patches import Rectangle

    days, start, end = window_of(shown)
    placed = lanes_of(shown)
    widths = day_widths(placed, days)
    offsets: dict[int, float] = {}
    total = 0
    for day in days:
        offsets[day] = total
        total += widths[day]
    hours = (end - start) / 60
    figure = Figure(figsize=(1.0 + 1.6 * total, 1.2 + 0.55 * hours), dpi=100)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    axes.set_xlim(0, total)
    axes.set_ylim(end, start)
    axes.set_xticks(
        [offsets[d] + widths[d] / 2 for d in days], labels=[DAY_TITLES[d] for d in days]
    )
    axes.xaxis.tick_top()
    axes.tick_params(axis="x", length=0)
    ticks = list(range(start, end + 1, 60))
    axes.set_yticks(ticks, labels=[clock(m) for m in ticks])
    axes.grid(axis="y", color="#dddddd", linewidth=0.6)
    axes.set_axisbelow(True)
    for day in days[1:]:
        axes.axvline(offsets[day], color="#aaaaaa", linewidth=0.8)
    for event, lane, lanes in placed:
        width = widths[event.day] / lanes
        left = offsets[event.day] + lane * width
        box = Rectangle(
            (left + 0.02, event.start),
            width - 0.04,
            event.end - event.start,
            facecolor=colour_of(instance, event),
            edgecolor="#555555",
            linewidth=0.8,
            linestyle="--" if event.kind == "session" else "-",
        )
        axes.add_patch(box)
        text = axes.text(
            left + 0.05,
            event.start + 4,
            "\n".join([event.times, *label(event)]),
            fontsize=7,
            va="top",
            ha="left",
            clip_on=True,
        )
        text.set_clip_path(box)
    if not shown:
        axes.text(
            total / 2,
            (start + end) / 2,
            "Nothing scheduled this week.",
            ha="center",
            va="center",
            color="#666666",
        )
    axes.set_title(title, pad=24)
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, format="png", dpi=110)
    return path
