"""The network weeks: valid, unique ids, deterministic, independent sites unless linked."""

from __future__ import annotations

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

from benchmarks import generate_network as net  # noqa: E402
from solver.instance import Instance, load_instance, parse_instance  # noqa: E402
from solver.instance_parts import MAX_KINDS  # noqa: E402
from solver.precompute import Facts, derive_facts  # noqa: E402

SITES = ["S01", "S02", "S03"]
LINKS: dict[str, Any] = {"floating": 1.0, "video_groups": 2, "multi_site_clients": 0.1}


def _site(entry_id: str) -> str:
    """``S02`` from ``S02-T004``; ``NET`` for the network's own entries."""
    return entry_id.split("-")[0]


@pytest.fixture(scope="module")
def plain() -> tuple[dict[str, Any], Instance, Facts]:
    data = net.generate_network(3, 40, 1)
    instance = parse_instance(data)
    return data, instance, derive_facts(instance)


@pytest.fixture(scope="module")
def linked() -> tuple[dict[str, Any], Instance, Facts]:
    data = net.generate_network(3, 40, 1, **LINKS)
    instance = parse_instance(data)
    return data, instance, derive_facts(instance)


def test_valid_sizes_and_ids(plain: tuple[dict[str, Any], Instance, Facts]) -> None:
    data, instance, _ = plain
    assert data["format_version"] == 2 and instance.source_version == 2
    assert len(instance.clients) == 120
    assert Counter(_site(c.id) for c in instance.clients) == {s: 40 for s in SITES}
    for key in ("groups", "therapists", "clients"):
        ids = [entry["id"] for entry in data[key]]
        assert len(ids) == len(set(ids)), key
        assert {_site(i) for i in ids} == set(SITES), key
    rooms = {g.room for g in instance.groups if g.room is not None}
    assert rooms and all(_site(r) == _site(g.id) for g in instance.groups if (r := g.room))
    assert all(g.site == _site(g.id) for g in instance.groups)
    for client in instance.clients:
        site = _site(client.id)
        assert client.sites == [site]
        assert f"site_{site}" in client.needs
        assert all(k in ("individual", "family", f"psychiatry_{site}") for k in client.appointments)
    kinds = [k.id for k in instance.kinds]
    assert kinds == ["individual", "family", *(f"psychiatry_{s}" for s in SITES)]
    assert instance.kind("psychiatry_S02").provider_specialties == ["prescriber", "site_S02"]
    assert any(c.appointments.get("psychiatry_S03") for c in instance.clients)
    for therapist in instance.therapists:
        assert [s for s in therapist.specialties if s.startswith("site_")] == [
            f"site_{_site(therapist.id)}"
        ]


def test_deterministic(plain: tuple[dict[str, Any], Instance, Facts]) -> None:
    assert net.generate_network(3, 40, 1) == plain[0]
    assert net.generate_network(3, 40, 1, **LINKS) == net.generate_network(3, 40, 1, **LINKS)
    assert net.generate_network(3, 40, 2) != plain[0]


def test_sites_without_links_are_independent(
    plain: tuple[dict[str, Any], Instance, Facts],
) -> None:
    _, _, facts = plain
    for group_id, facilitators in facts.facilitators.items():
        assert facilitators, group_id
        assert {_site(t) for t in facilitators} == {_site(group_id)}
    placeable = 0
    for client_id, cf in facts.clients.items():
        site = _site(client_id)
        assert {_site(g) for g in cf.groups} <= {site}, client_id
        assert {_site(t) for t in cf.therapists} <= {site}, client_id
        for kind_id, kf in cf.kinds.items():
            assert {_site(t) for t in kf.starts} <= {site}, (client_id, kind_id)
        placeable += cf.placeable
    assert placeable >= 110  # not independent for want of any possibility
    for site in SITES:  # each site's prescribers see its clients
        assert any(
            cf.kinds[f"psychiatry_{site}"].starts
            for cf in facts.clients.values()
            if f"psychiatry_{site}" in cf.kinds
        ), site


def test_links_make_sites_share(linked: tuple[dict[str, Any], Instance, Facts]) -> None:
    data, instance, facts = linked
    # Floating: every site (share 1.0) gives one therapist the next site's specialty.
    for k, site in enumerate(SITES):
        nxt = SITES[(k + 1) % len(SITES)]
        floating = [
            t for t in instance.therapists if _site(t.id) == site and f"site_{nxt}" in t.specialties
        ]
        assert len(floating) == 1, site
    crossing = [
        (cid, t)
        for cid, cf in facts.clients.items()
        for t in cf.therapists
        if _site(t) != _site(cid)
    ]
    crossing += [(g, t) for g, ts in facts.facilitators.items() for t in ts if _site(t) != _site(g)]
    assert crossing
    # Video groups: no site, no room, facilitated by the network's own therapists, open to all.
    video = [g for g in instance.groups if g.site is None]
    assert [g.id for g in video] == ["NET-G01", "NET-G02"]
    assert all(g.room is None for g in video)
    for group in video:
        assert facts.facilitators[group.id]
        assert {_site(t) for t in facts.facilitators[group.id]} == {"NET"}
        joining = {_site(cid) for cid, cf in facts.clients.items() if group.id in cf.groups}
        assert len(joining) >= 2, group.id
    # Multi-site clients: 10 % list their site and the next, and may join the next site's groups.
    two = [c for c in instance.clients if len(c.sites) == 2]
    assert len(two) == 12
    for client in two:
        k = SITES.index(_site(client.id))
        assert client.sites == [SITES[k], SITES[(k + 1) % 3]]
    assert any(_site(g) == c.sites[1] for c in two for g in facts.clients[c.id].groups), (
        "no multi-site client may join a group of its second site"
    )
    assert len(data["clients"]) == 120


@pytest.mark.parametrize("clients", [10, 45])
def test_clients_per_site_is_exact(clients: int) -> None:
    data = net.generate_network(2, clients, 3)
    instance = parse_instance(data)  # keep-apart and pins left valid by the cut
    assert Counter(_site(c.id) for c in instance.clients) == {"S01": clients, "S02": clients}
    assert all(g.id.startswith(("S01-", "S02-")) for g in instance.groups)


def test_blocks() -> None:
    assert net._blocks(250) == [("m", 200, True), ("s", 40, True), ("s", 10, False)]
    assert net._blocks(40) == [("s", 40, True)]
    assert net._blocks(25) == [("s", 25, True)]


def test_bad_arguments() -> None:
    with pytest.raises(ValueError, match="sites"):
        net.generate_network(0, 40, 1)
    with pytest.raises(ValueError, match=str(MAX_KINDS)):
        net.generate_network(net.MAX_SITES + 1, 40, 1)
    with pytest.raises(ValueError, match="floating"):
        net.generate_network(2, 40, 1, floating=1.5)
    with pytest.raises(ValueError, match="multi_site_clients"):
        net.generate_network(2, 40, 1, multi_site_clients=-0.1)
    with pytest.raises(ValueError, match="clients_per_site"):
        net.generate_network(2, 0, 1)
    with pytest.raises(ValueError, match="unknown network tier"):
        net.generate_network_tier("n1", 1)


def test_tiers_fit_the_format() -> None:
    assert net.NETWORK_TIERS["n3k"].sites * net.NETWORK_TIERS["n3k"].clients_per_site == 3000
    assert net.NETWORK_TIERS["n20k"].sites * net.NETWORK_TIERS["n20k"].clients_per_site == 20000
    for spec in net.NETWORK_TIERS.values():
        assert spec.sites <= net.MAX_SITES
        assert 2 + spec.sites <= MAX_KINDS
        assert spec.floating > 0 and spec.video_groups > 0 and spec.multi_site_clients > 0


def test_command_line(tmp_path: Path) -> None:
    out = tmp_path / "net.json"
    argv = ["--sites", "2", "--clients-per-site", "40", "--seed", "1", "--video-groups", "1"]
    assert net.main([*argv, "--out", str(out)]) == 0
    instance = load_instance(out)
    assert len(instance.clients) == 80
    assert json.loads(out.read_text()) == net.generate_network(2, 40, 1, video_groups=1)
    # A tier's links, its sizes overridden.
    out2 = tmp_path / "tier.json"
    tier = ["--tier", "n3k", "--sites", "2", "--clients-per-site", "40", "--out", str(out2)]
    assert net.main(tier) == 0
    spec = net.NETWORK_TIERS["n3k"]
    assert json.loads(out2.read_text()) == net.generate_network(
        2,
        40,
        1,
        floating=spec.floating,
        video_groups=spec.video_groups,
        multi_site_clients=spec.multi_site_clients,
    )
