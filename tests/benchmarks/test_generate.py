"""The benchmark generator, its perturbations, the greedy baseline and the runner's plumbing."""

from __future__ import annotations

import copy
import importlib.util
import json
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

# The benchmarks are scripts beside the package, not part of it: make them importable.
ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks import generate as gen  # noqa: E402
from solver.instance import Instance, Interval, parse_instance  # noqa: E402
from solver.roster import Roster  # noqa: E402
from solver.search.greedy import greedy_roster, run_greedy  # noqa: E402

HAS_CHECKER = importlib.util.find_spec("solver.checker") is not None


def _assert_checked(instance: Instance, roster: Roster, previous: Roster | None = None) -> None:
    """Every roster the greedy makes passes the project's checker, numbers included."""
    if not HAS_CHECKER:
        return
    from solver.checker import check

    report = check(instance, roster, previous=previous)
    assert report.ok, report.lines()
    assert report.objective == roster.objective


def _pins(data: dict[str, Any]) -> dict[str, tuple[str | None, str | None]]:
    return {
        c["id"]: (c.get("pinned_group"), c.get("pinned_therapist"))
        for c in data["clients"]
        if c.get("pinned_group") or c.get("pinned_therapist")
    }


@pytest.fixture(scope="module")
def small() -> dict[str, Any]:
    return gen.generate("s", "normal", 1)


# --- generate ---------------------------------------------------------------------------------


@pytest.mark.parametrize("tier", ["s", "m"])
@pytest.mark.parametrize("scenario", gen.SCENARIOS)
def test_generate_is_valid_and_deterministic(tier: str, scenario: str) -> None:
    data = gen.generate(tier, scenario, 1)
    instance = parse_instance(data)
    assert data == gen.generate(tier, scenario, 1)
    assert data != gen.generate(tier, scenario, 2)
    # The dict survives a trip through JSON unchanged: files and memory agree.
    assert json.loads(json.dumps(data)) == data
    spec = gen.TIERS[tier]
    assert len(instance.clients) == spec.clients
    if scenario == "overload":
        assert len(instance.groups) < spec.groups
        assert len(instance.therapists) < spec.therapists
    else:
        assert len(instance.groups) == spec.groups
        assert len(instance.therapists) == spec.therapists


def test_tiers_have_their_sites(small: dict[str, Any]) -> None:
    medium = gen.generate("m", "normal", 1)
    for data, sites in ((small, 1), (medium, 2)):
        rooms = {g["room"] for g in data["groups"] if g["room"] is not None}
        assert {room.split("-")[0] for room in rooms} == {f"S{k}" for k in range(1, sites + 1)}
    # Multi-site: a group asks for its site's tag, which its site's therapists hold.
    for group in medium["groups"]:
        site = group["id"].split("-")[0]
        assert f"site_{site}" in group["facilitator_specialties"]
    for therapist in medium["therapists"]:
        assert f"site_{therapist['id'].split('-')[0]}" in therapist["specialties"]


def test_realistic_mix() -> None:
    data = gen.generate("m", "normal", 1)
    clients = data["clients"]
    populations = Counter(c["population"] for c in clients)
    assert populations["adolescent"] == 20
    assert set(Counter(c["track"] for c in clients)) == {
        "substance_use",
        "mental_health",
        "dual_diagnosis",
    }
    assert sum("shift_preference" in c for c in clients) > 0.25 * len(clients)
    assert any(c.get("keep_apart") for c in clients)
    assert any(c.get("priority", 1) > 1 for c in clients)
    assert _pins(data)
    for client in clients:
        if client["population"] == "adolescent":
            # School hours, Monday to Friday.
            school = {iv["day"] for iv in client["busy"] if iv["start"] == "08:00"}
            assert set(gen.WEEKDAYS) <= school
    for group in data["groups"]:
        assert len(group["meetings"]) == 3
        if group["population"] == "adolescent":
            assert "adolescents" in group["facilitator_specialties"]
        if "substance_use" in group["tracks"]:
            assert "lcdc" in group["facilitator_specialties"]
    for therapist in data["therapists"]:
        assert 10 <= therapist["max_caseload"] <= 15
        assert therapist["max_groups"] in (1, 2)


@pytest.mark.parametrize(
    ("tier", "scenario"), [("s", "normal"), ("s", "overload"), ("m", "normal")]
)
def test_every_group_has_a_possible_facilitator(tier: str, scenario: str) -> None:
    instance = parse_instance(gen.generate(tier, scenario, 2))

    def inside(availability: list[Interval], meeting: Interval) -> bool:
        spans = sorted(
            (iv.start_minute, iv.end_minute) for iv in availability if iv.day == meeting.day
        )
        reach = meeting.start_minute
        for start, end in spans:
            if start <= reach:
                reach = max(reach, end)
        return reach >= meeting.end_minute

    for group in instance.groups:
        assert any(
            set(group.facilitator_specialties) <= set(t.specialties)
            and all(inside(t.availability, m) for m in group.meetings)
            for t in instance.therapists
        ), group.id


def test_evening_scenario_has_more_day_workers() -> None:
    def day_workers(data: dict[str, Any]) -> int:
        return sum(
            1
            for c in data["clients"]
            if c["population"] == "adult"
            and sum(
                iv["day"] in gen.WEEKDAYS and iv["start"] <= "09:00" and iv["end"] >= "15:30"
                for iv in c["busy"]
            )
            >= 4
        )

    assert day_workers(gen.generate("m", "evening", 1)) > 2 * day_workers(
        gen.generate("m", "normal", 1)
    )


def test_unknown_tier_or_scenario() -> None:
    with pytest.raises(ValueError, match="tier"):
        gen.generate("xxl", "normal", 1)
    with pytest.raises(ValueError, match="scenario"):
        gen.generate("s", "holiday", 1)


# --- perturb ----------------------------------------------------------------------------------


@pytest.mark.parametrize("change", gen.CHANGES)
def test_perturbation_is_valid(small: dict[str, Any], change: str) -> None:
    before = copy.deepcopy(small)
    after = gen.perturb(small, change, 1)
    assert small == before, "perturb must not change its input"
    assert after == gen.perturb(small, change, 1)
    instance = parse_instance(after)
    outcome = run_greedy(instance)
    assert outcome.failed_pins == ()
    _assert_checked(instance, outcome.roster)


def test_discharge_removes_clients_and_their_references(small: dict[str, Any]) -> None:
    data = copy.deepcopy(small)
    # Make sure someone lists everyone else, so a discharge must clean a keep_apart list.
    data["clients"][0]["keep_apart"] = [c["id"] for c in data["clients"][1:]]
    after = gen.perturb(data, "discharge", 3)
    ids = {c["id"] for c in after["clients"]}
    assert 0 < len(data["clients"]) - len(ids) <= 3
    for client in after["clients"]:
        assert set(client.get("keep_apart", [])) <= ids
    parse_instance(after)


def test_intake_adds_clients(small: dict[str, Any]) -> None:
    after = gen.perturb(small, "intake", 1)
    before_ids = [c["id"] for c in small["clients"]]
    after_ids = [c["id"] for c in after["clients"]]
    assert after_ids[: len(before_ids)] == before_ids
    assert len(after_ids) > len(before_ids)
    assert len(set(after_ids)) == len(after_ids)


def test_therapist_off_loses_one_day(small: dict[str, Any]) -> None:
    after = gen.perturb(small, "therapist_off", 1)
    lost = []
    for old, new in zip(small["therapists"], after["therapists"], strict=True):
        old_days = {iv["day"] for iv in old["availability"]}
        new_days = {iv["day"] for iv in new["availability"]}
        if old_days != new_days:
            lost.append(old_days - new_days)
            assert new_days < old_days
    assert len(lost) == 1 and len(lost[0]) == 1


def test_shift_change_changes_one_client(small: dict[str, Any]) -> None:
    after = gen.perturb(small, "shift_change", 1)
    changed = [
        new["id"] for old, new in zip(small["clients"], after["clients"], strict=True) if old != new
    ]
    assert len(changed) == 1
    assert changed[0] not in _pins(small)


# --- the greedy baseline ----------------------------------------------------------------------


@pytest.mark.parametrize("scenario", gen.SCENARIOS)
@pytest.mark.parametrize("seed", [1, 2])
def test_greedy_roster_obeys_the_format(scenario: str, seed: int) -> None:
    data = gen.generate("s", scenario, seed)
    instance = parse_instance(data)
    roster = greedy_roster(instance)
    assert roster.status == "feasible"
    assert roster.best_bound is None
    assert roster.objective == roster.penalties.total()
    placed = [p.id for p in roster.clients]
    unassigned = [u.id for u in roster.unassigned]
    assert len(placed) == len(set(placed)), "a client placed twice"
    assert sorted(placed + unassigned) == sorted(c.id for c in instance.clients)
    in_groups = [cid for g in roster.groups for cid in g.clients]
    assert sorted(in_groups) == sorted(placed)
    assert all(u.reasons for u in roster.unassigned)
    for client_id, (group, therapist) in _pins(data).items():
        placement = roster.placement(client_id)
        assert placement is not None
        assert group is None or placement.group == group
        assert therapist is None or placement.therapist == therapist
    _assert_checked(instance, roster)


def test_greedy_counts_rerun_terms(small: dict[str, Any]) -> None:
    previous = greedy_roster(parse_instance(small))
    after = parse_instance(gen.perturb(small, "intake", 1))
    roster = greedy_roster(after, previous=previous)
    assert roster.objective == roster.penalties.total()
    _assert_checked(after, roster, previous)


def test_greedy_reports_pins_it_cannot_honour(small: dict[str, Any]) -> None:
    data = copy.deepcopy(small)
    client = next(c for c in data["clients"] if c["population"] == "adult")
    client["busy"] = [{"day": d, "start": "00:00", "end": "24:00"} for d in gen.WEEKDAYS]
    client["pinned_therapist"] = data["therapists"][0]["id"]
    client["needs"] = []
    client.pop("avoid_therapists", None)
    outcome = run_greedy(parse_instance(data))
    assert client["id"] in outcome.failed_pins
    assert outcome.roster.status == "unknown"
    assert outcome.roster.objective is None
    assert outcome.roster.explanation


# --- command lines ----------------------------------------------------------------------------


def test_generate_command_line(tmp_path: Path) -> None:
    out = tmp_path / "s.json"
    assert gen.main(["--tier", "s", "--scenario", "evening", "--seed", "4", "--out", str(out)]) == 0
    assert json.loads(out.read_text()) == gen.generate("s", "evening", 4)
    suite = tmp_path / "suite"
    assert gen.main(["--suite", str(suite), "--tiers", "s", "--seeds", "1"]) == 0
    names = sorted(p.stem for p in suite.glob("*.json"))
    expected = [f"s-{sc}-1" for sc in gen.SCENARIOS]
    expected += [f"s-normal-1-{change}" for change in gen.CHANGES]
    assert names == sorted(expected)
    for path in suite.glob("*.json"):
        parse_instance(json.loads(path.read_text()))


def test_runner_with_the_greedy_as_solver(tmp_path: Path, small: dict[str, Any]) -> None:
    from benchmarks import run

    suite = tmp_path / "suite"
    suite.mkdir()
    (suite / "s-normal-1.json").write_text(json.dumps(small))
    out = tmp_path / "out"
    argv = [
        "--suite",
        str(suite),
        "--out",
        str(out),
        "--solver",
        "solver.search.greedy:solve_detailed",
    ]
    assert run.main(argv) == 0
    rows = (out / "results.csv").read_text().splitlines()
    assert rows[0].startswith("name,tier,scenario,clients,status,objective")
    assert len(rows) == 2
    header, table = (out / "results.md").read_text().split("\n\n", 1)
    assert "workers" in header and "cores" in header
    assert "| s-normal-1 | s | normal | 40 | feasible |" in table
    fields = dict(zip(rows[0].split(","), rows[1].split(","), strict=True))
    assert fields["objective"] == fields["greedy_objective"]
    assert float(fields["peak_mib"]) > 0
    assert fields["wall_per_limit"].endswith(" ok")  # the greedy takes far less than 60 s
    if HAS_CHECKER:
        assert fields["check"] == "ok"
