"""A roster as a picture (``png``): the week of the whole program, one therapist or one room,
on one A4 landscape page (taller only when a large program needs it).

The page has a title with the week's date and the roster's status, a timeline (one band per
day, time running across; see :mod:`solver.files.grid`) and, on the right, the legend: what the
boxes say (a colour per appointment kind), then each group's size, meetings, room, facilitator
and members, and the clients left out or missing appointments. Every text is drawn
literally (no mathtext), so an id such as ``$\\frac{1}$`` is printed as written.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from solver.errors import InputError, Problem
from solver.files.atomic import atomic_path
from solver.files.events import (
    Event,
    appointment_summary,
    day_title,
    of_room,
    of_therapist,
    roster_events,
    running_groups,
    week_title,
)
from solver.files.extras import require_extra
from solver.files.grid import (
    EDGE_COLOUR,
    INK,
    GroupCard,
    Label,
    Timeline,
    colour_of,
    group_cards,
    kind_keys,
    program_parts,
    room_parts,
    room_title,
    status_text,
    therapist_parts,
    timeline,
)
from solver.instance import Instance, minutes_to_time
from solver.roster import Roster

__all__ = ["draw_week", "write_png"]

PAGE = (842.0, 595.0)  # A4 landscape, in points
_MARGIN = 22.0
_PANEL = 205.0  # the legend's width
_LABELS = 56.0  # the day names' width
_DPI = 150
_MUTED, _BAND, _HOUR = "#4a4a4a", "#f2f2f2", "#c8c8c8"
_GROUP_KEY = "#e0e0e0"


@dataclass
class _Choice:
    """What one view shows."""

    title: str
    summary: str
    events: list[Event]
    parts: Label
    share_lanes: bool
    key: list[tuple[str, bool, str]]
    heading: str
    cards: list[GroupCard]
    lists: list[tuple[str, list[str]]] = field(default_factory=list)


def _choose(instance: Instance, roster: Roster, view: str, events: list[Event]) -> _Choice:
    name = instance.program.name or "IOP"
    session_keys = [(colour, True, words) for colour, words in kind_keys(instance)]
    if view == "program":
        lists = [("Unassigned", [u.id for u in roster.unassigned])] if roster.unassigned else []
        missed = [f"{p.id} {m.kind} ×{m.count}" for p in roster.clients for m in p.missed]
        lists += [("Missed appointments", missed)] if missed else []
        if roster.status in ("infeasible", "unknown"):
            pins = [
                f"{c.id}: {what} {pin}"
                for c in instance.clients
                for what, pin in (("group", c.pinned_group), ("therapist", c.pinned_therapist))
                if pin is not None
            ]
            lists = [("Pins", pins), ("Clients this week", [c.id for c in instance.clients])]
        return _Choice(
            f"{name}: weekly roster",
            status_text(instance, roster),
            events,
            program_parts,
            False,
            [(_GROUP_KEY, False, "group (clients) · facilitator · room"), *session_keys],
            "Groups",
            group_cards(instance, roster, running_groups(instance, roster)),
            lists,
        )
    if instance.has_therapist(view):
        mine = of_therapist(events, view)
        facilitated = [
            g for g in running_groups(instance, roster) if any(e.group == g for e in mine)
        ]
        caseload = [p.id for p in roster.clients if p.therapist == view]
        if [kind.id for kind in instance.kinds] == ["individual"]:
            session_keys = [(session_keys[0][0], True, "individual session with a client")]
        return _Choice(
            f"{name}: therapist {view}",
            f"facilitates {len(facilitated)} group{'' if len(facilitated) == 1 else 's'} · "
            f"{appointment_summary(mine)} · caseload "
            f"{len(caseload)} (max {instance.therapist(view).max_caseload})",
            mine,
            therapist_parts,
            True,
            [(_GROUP_KEY, False, "group facilitated · room · size"), *session_keys],
            "Facilitates",
            group_cards(instance, roster, facilitated),
            [("Caseload", caseload)],
        )
    rooms = {g.room for g in instance.groups if g.room is not None}
    if view in rooms:
        mine = of_room(events, view)
        held = [g for g in running_groups(instance, roster) if instance.group(g).room == view]
        return _Choice(
            f"{name}: {room_title(view)}",
            f"{len(held)} group{' meets' if len(held) == 1 else 's meet'} here this week",
            mine,
            room_parts,
            False,
            [(_GROUP_KEY, False, "group · facilitator · size")],
            f"Groups in {room_title(view)}",
            group_cards(instance, roster, held),
        )
    listed = sorted(rooms)
    raise InputError(
        [
            Problem(
                "",
                "view",
                f"unknown view {view!r}: use 'program', a therapist id "
                f"({', '.join(t.id for t in instance.therapists) or 'none'}) or a room "
                f"({', '.join(listed) or 'none'})",
            )
        ]
    )


class _Page:
    """One page drawn in points, (0, 0) at the top left; every text literal."""

    def __init__(self, width: float, height: float) -> None:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
        from matplotlib.font_manager import FontProperties

        self._fonts = FontProperties
        self.figure = Figure(figsize=(width / 72, height / 72), dpi=_DPI)
        canvas = FigureCanvasAgg(self.figure)
        self._renderer = canvas.get_renderer()  # type: ignore[no-untyped-call]
        self.axes = self.figure.add_axes((0.0, 0.0, 1.0, 1.0))
        self.axes.set_axis_off()
        self.resize(width, height)

    def resize(self, width: float, height: float) -> None:
        self.figure.set_size_inches(width / 72, height / 72)
        self.axes.set_xlim(0, width)
        self.axes.set_ylim(height, 0)
        self.width, self.height = width, height

    def measure(self, text: str, size: float, bold: bool = False) -> float:
        prop = self._fonts(size=size, weight="bold" if bold else "normal")
        w, _, _ = self._renderer.get_text_width_height_descent(text, prop, ismath=False)
        return float(w) * 72 / _DPI

    def text(self, x: float, y: float, text: str, size: float, **style: Any) -> Any:
        style.setdefault("va", "top")
        style.setdefault("color", INK)
        return self.axes.text(x, y, text, fontsize=size, parse_math=False, **style)

    def box(self, x: float, y: float, w: float, h: float, fill: str, dashed: bool) -> Any:
        from matplotlib.patches import Rectangle

        patch = Rectangle(
            (x, y),
            w,
            h,
            facecolor=fill,
            edgecolor="#222222" if dashed else EDGE_COLOUR,
            linewidth=0.7,
            linestyle=(0, (2.5, 1.5)) if dashed else "-",
        )
        self.axes.add_patch(patch)
        return patch

    def wrap(self, words: Sequence[str], sep: str, width: float, size: float) -> list[str]:
        """Words joined by ``sep`` into lines no wider than ``width`` (a long word alone)."""
        lines: list[str] = []
        for word in words:
            if lines and self.measure(lines[-1] + sep + word, size) <= width:
                lines[-1] += sep + word
            else:
                lines.append(word)
        return [line + sep.rstrip() if i < len(lines) - 1 else line for i, line in enumerate(lines)]

    def fit(
        self, parts: Sequence[str], width: float, rows: int, size: float, sep: str = " · "
    ) -> list[str]:
        """As many of ``parts`` as fit, in order: one a line when there is room, else joined."""
        if rows >= len(parts):
            return list(parts)
        lines: list[str] = []
        for part in parts:
            if lines and self.measure(lines[-1] + sep + part, size) <= width:
                lines[-1] += sep + part
            elif len(lines) < rows:
                lines.append(part)
            else:
                break
        return lines


def write_png(
    instance: Instance, roster: Roster, view: str, path: Path, week_start: dt.date
) -> Path:
    """Draw ``view`` (``program``, a therapist id or a room) of the week to ``path``."""
    figure = draw_week(instance, roster, view, week_start)
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(path) as tmp:
        figure.savefig(tmp, format="png", dpi=_DPI)
    return path


def draw_week(instance: Instance, roster: Roster, view: str, week_start: dt.date) -> Any:
    """The picture of ``view`` as a matplotlib ``Figure`` (one axes; its texts are literal).

    Raises:
        InputError: an unknown view.
        ImportError: matplotlib is not installed.
    """
    choice = _choose(instance, roster, view, roster_events(instance, roster))
    require_extra("matplotlib", "drawing pictures")
    found = roster.status not in ("infeasible", "unknown")
    if not found:
        choice.key = []
    layout = timeline(choice.events, share_lanes=choice.share_lanes)
    width, height = PAGE
    page = _Page(width, height)
    top = _MARGIN + 44
    legend_height = _legend(page, choice, width - _MARGIN - _PANEL, top, draw=False)
    # Lanes 9 to 56 points high (6 points between days, 30 for the hours above and below):
    # the page grows only when lanes of 9 points would not fit.
    gaps = top + 30 + _MARGIN + 6 * (len(layout.days) - 1)
    lane = max(9.0, min(56.0, (height - gaps) / layout.total_lanes))
    height = max(height, top + legend_height + _MARGIN, gaps + lane * layout.total_lanes)
    lane = max(lane, min(20.0, (height - gaps) / layout.total_lanes))  # a taller page: use it
    page.resize(width, height)
    _title(page, choice, week_start)
    _legend(page, choice, width - _MARGIN - _PANEL, top, draw=True)
    if found:
        _grid(page, instance, choice, layout, top + 14, lane, week_start)
    else:
        _no_roster(page, roster, top + 10)
    return page.figure


def _title(page: _Page, choice: _Choice, week_start: dt.date) -> None:
    page.text(_MARGIN, _MARGIN, choice.title, 15, fontweight="bold")
    subtitle = f"{week_title(week_start)} · {choice.summary}"
    page.text(_MARGIN, _MARGIN + 22, subtitle, 9, color=_MUTED)


def _legend(page: _Page, choice: _Choice, x: float, y: float, *, draw: bool) -> float:
    """The legend, from ``(x, y)`` down; returns its height."""
    start = y
    indent = 16.0
    for fill, dashed, words in choice.key:
        if draw:
            page.box(x, y, 11, 8, fill, dashed)
            page.text(x + indent, y - 0.5, words, 7.5)
        y += 12
    y += 6
    if choice.cards:
        if draw:
            page.text(x, y, choice.heading, 9.5, fontweight="bold")
        y += 14
    for card in choice.cards:
        if draw:
            page.box(x, y + 0.5, 11, 8, card.colour, False)
            page.text(x + indent, y, card.title, 8, fontweight="bold")
        y += 11
        lines = [*card.lines, *page.wrap(card.members, ", ", _PANEL - indent, 7.5)]
        for line in lines:
            if draw:
                page.text(x + indent, y, line, 7.5, color=INK)
            y += 9.5
        y += 5
    for heading, ids in choice.lists:
        if draw:
            page.text(x, y, f"{heading} ({len(ids)})", 9.5, fontweight="bold")
        y += 14
        for line in page.wrap(ids or ["none"], ", ", _PANEL, 7.5):
            if draw:
                page.text(x, y, line, 7.5)
            y += 9.5
        y += 5
    return y - start


def _grid(
    page: _Page,
    instance: Instance,
    choice: _Choice,
    layout: Timeline,
    top: float,
    lane: float,
    week_start: dt.date,
) -> None:
    left, right = _MARGIN + _LABELS, page.width - _MARGIN - _PANEL - 16
    span = layout.end - layout.start

    def at(minute: int) -> float:
        return left + (minute - layout.start) / span * (right - left)

    y = top
    bottoms: list[float] = []
    for day in layout.days:
        height = layout.lanes[day] * lane
        band = page.box(left, y, right - left, height, _BAND, False)
        band.set(edgecolor=_BAND, zorder=0.1)
        for minute in range(layout.start + 60, layout.end, 60):
            page.axes.plot([at(minute)] * 2, [y, y + height], color=_HOUR, lw=0.5, zorder=0.2)
        page.text(_MARGIN, y + 1, day_title(week_start, day), 8.5, fontweight="bold")
        if layout.group_lanes and not choice.share_lanes and layout.lanes[day] > layout.group_lanes:
            split = y + layout.group_lanes * lane
            if layout.group_lanes:
                page.axes.plot([left, right], [split, split], color="#9a9a9a", lw=0.6, ls=":")
            words = "sessions" if not instance.kinds[1:] else "appointments"
            page.text(_MARGIN, split + 1, words, 7, color=_MUTED, fontstyle="italic")
        for item in (p for p in layout.placed if p.event.day == day):
            _event(page, item.event, choice.parts, instance, at, y + item.lane * lane, lane)
        y += height + 6
        bottoms.append(y)
    for minute in range(layout.start, layout.end + 1, 60):
        label = minutes_to_time(minute)
        page.text(at(minute), top - 2, label, 7.5, ha="center", va="bottom", color=_MUTED)
        page.text(at(minute), y - 4, label, 7.5, ha="center", va="top", color=_MUTED)
    if not layout.placed:
        page.text((left + right) / 2, top + 20, "Nothing scheduled this week.", 12, ha="center")


def _event(
    page: _Page,
    event: Event,
    parts: Label,
    instance: Instance,
    at: Any,
    y: float,
    lane: float,
) -> None:
    x0, x1 = at(event.start), at(event.end)
    session = event.kind == "session"
    patch = page.box(x0 + 0.6, y + 1, x1 - x0 - 1.2, lane - 2, colour_of(instance, event), session)
    size = 7.5 if lane >= 13 else 6.5
    rows = max(1, int((lane - 3) // (size * 1.25)))
    lines = page.fit(parts(event), x1 - x0 - 4, rows, size, " " if session else " · ")
    if len(lines) == 1:
        text = page.text(x0 + 2.5, y + lane / 2, lines[0], size, va="center")
        text.set_clip_path(patch)
        return
    for i, line in enumerate(lines):
        text = page.text(x0 + 2.5, y + 2 + i * size * 1.25, line, size)
        text.set_clip_path(patch)


def _no_roster(page: _Page, roster: Roster, y: float) -> None:
    """The headline and explanation of a roster that was not found, in place of the week."""
    width = page.width - 2 * _MARGIN - _PANEL - 16
    page.text(_MARGIN, y, f"No roster this week ({roster.status})", 13, fontweight="bold")
    y += 24
    for line in roster.explanation:
        for i, part in enumerate(page.wrap(line.split(" "), " ", width - 12, 9)):
            if i == 0:
                page.text(_MARGIN, y, "•", 9)
            page.text(_MARGIN + 12, y, part, 9)
            y += 12
        y += 4
