"""Scenario ``split`` (issue 15): outside-like staff patterns, open hours and busy hours."""

from __future__ import annotations

import json
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest

# The benchmarks are scripts beside the package, not part of it: make them importable.
ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks import generate as gen  # noqa: E402
from benchmarks import generate_patterns as pat  # noqa: E402
from benchmarks import generate_v2 as gen2  # noqa: E402
from solver.instance import Instance, Interval, parse_instance  # noqa: E402
from solver.search.greedy import run_greedy  # noqa: E402
from solver.vocabulary import vocabulary_warnings  # noqa: E402

Blocks = list[tuple[int, int]]


def _minutes(time: str) -> int:
    hours, minutes = time.split(":")
    return int(hours) * 60 + int(minutes)


def _by_day(intervals: list[dict[str, str]]) -> dict[str, Blocks]:
    days: dict[str, Blocks] = defaultdict(list)
    for iv in intervals:
        days[iv["day"]].append((_minutes(iv["start"]), _minutes(iv["end"])))
    return {day: sorted(blocks) for day, blocks in days.items()}


def _joined_pairs(blocks: Blocks) -> list[str]:
    """For each two consecutive blocks that touch or overlap: ``touch`` or ``overlap``."""
    return [
        "touch" if b[0] == a[1] else "overlap"
        for a, b in zip(blocks, blocks[1:], strict=False)
        if b[0] <= a[1]
    ]


def _inside(availability: list[Interval], meeting: Interval) -> bool:
    spans = sorted((iv.start_minute, iv.end_minute) for iv in availability if iv.day == meeting.day)
    reach = meeting.start_minute
    for start, end in spans:
        if start <= reach:
            reach = max(reach, end)
    return reach >= meeting.end_minute


def _only_evening_share(instance: Instance) -> float:
    """Share of the adults whose busy hours leave them only evening groups."""
    adults = [c for c in instance.clients if c.population == "adult"]
    count = 0
    for client in adults:
        fits = [
            g
            for g in instance.groups
            if g.population == "adult"
            and not any(
                b.day == m.day and b.start_minute < m.end_minute and m.start_minute < b.end_minute
                for b in client.busy
                for m in g.meetings
            )
        ]
        count += bool(fits) and all(g.shift == "evening" for g in fits)
    return count / len(adults)


@pytest.fixture(scope="module")
def medium() -> dict[str, Any]:
    return gen.generate("m", "split", 1)


def test_split_is_a_scenario() -> None:
    assert pat.SCENARIO in gen.SCENARIOS
    assert gen.unpinned_week("s", "split", 3) == pat.split_week("s", 3)
    with pytest.raises(ValueError, match="tier"):
        pat.split_week("xxl", 1)


@pytest.mark.parametrize("tier", ["s", "m"])
def test_deterministic_and_valid(tier: str) -> None:
    data = gen.generate(tier, "split", 1)
    assert data == gen.generate(tier, "split", 1)
    assert data != gen.generate(tier, "split", 2)
    assert json.loads(json.dumps(data)) == data
    instance = parse_instance(data)
    spec = gen.TIERS[tier]
    assert len(instance.clients) == spec.clients
    assert len(instance.groups) == spec.groups
    assert len(instance.therapists) == spec.therapists
    assert vocabulary_warnings(instance) == []
    for group in instance.groups:
        assert any(
            set(group.facilitator_specialties) <= set(t.specialties)
            and all(_inside(t.availability, m) for m in group.meetings)
            for t in instance.therapists
        ), group.id


def test_therapist_days_in_two_blocks(medium: dict[str, Any]) -> None:
    days = [blocks for t in medium["therapists"] for blocks in _by_day(t["availability"]).values()]
    kinds = [kind for blocks in days for kind in _joined_pairs(blocks)]
    two_block_days = sum(bool(_joined_pairs(blocks)) for blocks in days)
    # About 30 % of the working days, as in the outside week; both touching and overlapping.
    assert 0.15 * len(days) <= two_block_days <= 0.5 * len(days)
    assert {"touch", "overlap"} <= set(kinds)
    # Part-timers: three days, at most one group.
    part_timers = [t for t in medium["therapists"] if t["max_groups"] == 1]
    assert part_timers and all(len(_by_day(t["availability"])) == 3 for t in part_timers)
    # Split shifts: some day has a real gap (the afternoon off).
    assert any(
        b[0] - a[1] >= 180 for blocks in days for a, b in zip(blocks, blocks[1:], strict=False)
    )


def test_open_hours_in_two_blocks(medium: dict[str, Any]) -> None:
    hours = _by_day(medium["program"]["open_hours"])
    assert set(hours) == set(gen.WEEKDAYS)  # no Saturday to absorb evening sessions
    two = [day for day, blocks in hours.items() if len(blocks) == 2]
    assert 1 <= len(two) <= 3
    assert all(len(blocks) == 1 for day, blocks in hours.items() if day not in two)
    assert all(blocks[0][0] == 8 * 60 for blocks in hours.values())


def test_group_times_vary(medium: dict[str, Any]) -> None:
    starts: dict[str, set[str]] = {g["shift"]: set() for g in medium["groups"]}
    for group in medium["groups"]:
        starts[group["shift"]].add(group["meetings"][0]["start"])
    assert {"17:30", "18:00"} <= starts["evening"]
    assert len(starts["morning"]) >= 2
    days = {tuple(m["day"] for m in g["meetings"]) for g in medium["groups"]}
    assert days <= set(pat.PATTERNS.values())
    assert len(days) >= 3


def test_tighter_evenings_than_normal(medium: dict[str, Any]) -> None:
    split = _only_evening_share(parse_instance(medium))
    normal = _only_evening_share(parse_instance(gen.unpinned_week("m", "normal", 1)))
    assert split >= 0.35
    assert split > normal
    # Travel margins: some working weeks end at a quarter or half past the hour.
    ends = {iv["end"][3:] for c in medium["clients"] for iv in c["busy"]}
    assert {"15", "30", "45"} & ends


@pytest.mark.parametrize("tier", ["s", "m"])
def test_pins_are_honoured_by_the_greedy(tier: str) -> None:
    data = gen.generate(tier, "split", 1)
    pinned = {
        c["id"]: (c.get("pinned_group"), c.get("pinned_therapist"))
        for c in data["clients"]
        if c.get("pinned_group") or c.get("pinned_therapist")
    }
    assert len(pinned) == gen.TIERS[tier].pins
    unpinned = run_greedy(parse_instance(pat.split_week(tier, 1))).roster
    for client_id, (group, therapist) in pinned.items():
        placement = unpinned.placement(client_id)
        assert placement is not None
        assert group in (None, placement.group)
        assert therapist in (None, placement.therapist)
    assert run_greedy(parse_instance(data)).failed_pins == ()


def test_version_2_builds_on_it() -> None:
    data = gen2.generate_v2("s", "split", 1)
    instance = parse_instance(data)
    assert instance.source_version == 2
    assert data["program"]["open_hours"] == pat.split_week("s", 1)["program"]["open_hours"]


def test_command_line(tmp_path: Path) -> None:
    out = tmp_path / "s-split.json"
    assert gen.main(["--tier", "s", "--scenario", "split", "--seed", "2", "--out", str(out)]) == 0
    assert json.loads(out.read_text()) == gen.generate("s", "split", 2)
