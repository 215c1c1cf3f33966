"""The checker's version-2 penalty terms recomputed by hand: appointment_missed, extra_trip
by days, provider_change and session_moved by kind (the week of ``test_check_v2``)."""

from __future__ import annotations

import copy

from test_check_v2 import (
    BASE_PENALTIES,
    Doc,
    appt,
    base_instance,
    base_roster,
    checked,
    client,
    entry,
)


def terms(instance: Doc, roster: Doc, previous: Doc | None = None) -> dict[str, int]:
    return checked(instance, roster, previous).terms()


def test_appointment_missed_counts_each_missed_wanted_appointment() -> None:
    instance, roster = base_instance(), base_roster()
    instance["program"]["weights"] = {"appointment_missed": 7}
    client(instance, "C3")["appointments"] = {"family": 3}
    client(roster, "C3")["missed"][0]["count"] = 2
    report = checked(instance, roster)
    assert report.penalties.appointment_missed == 14
    assert report.rules() == {"objective"}  # the roster's numbers are the base week's


def test_appointment_missed_only_for_placed_clients() -> None:
    instance, roster = base_instance(), base_roster()
    roster["clients"] = [c for c in roster["clients"] if c["id"] != "C3"]
    entry(roster["groups"], "G1")["clients"] = ["C1"]
    roster["unassigned"] = [{"id": "C3", "reasons": ["x"]}]
    assert terms(instance, roster)["appointment_missed"] == 0


def test_extra_trip_counts_days_not_appointments() -> None:
    instance, roster = base_instance(), base_roster()
    instance["program"]["weights"] = {"extra_trip": 1}
    # C1: two appointments on tue (one trip); C3: thu; C2: mon and wed, P1's days.
    assert terms(instance, roster)["extra_trip"] == 2
    client(roster, "C1")["appointments"][0] = appt("individual", "T1", "wed", "13:00", "14:00")
    assert terms(instance, roster)["extra_trip"] == 2  # tue (family), thu
    client(roster, "C1")["appointments"][1] = appt("family", "T1", "wed", "17:00", "18:00")
    assert terms(instance, roster)["extra_trip"] == 1  # thu only


def _previous_psychiatry(*items: Doc) -> Doc:
    previous = base_roster()
    placement = client(previous, "C2")
    placement["appointments"] = [placement["appointments"][0], *items]
    return previous


def test_provider_change_per_specialist_kind() -> None:
    instance, roster = base_instance(), base_roster()
    wed = ("wed", "10:00", "10:30")
    assert terms(instance, roster, base_roster())["provider_change"] == 0
    changed = _previous_psychiatry(appt("psychiatry", "D2", *wed))
    assert terms(instance, roster, changed)["provider_change"] == 20
    # The first previous appointment of the kind, in list order, names the provider.
    first_d2 = _previous_psychiatry(
        appt("psychiatry", "D2", "thu", "10:00", "10:30"), appt("psychiatry", "D1", *wed)
    )
    assert terms(instance, roster, first_d2)["provider_change"] == 20
    # A previous provider who left, or no previous appointment of the kind: not counted.
    gone = _previous_psychiatry(appt("psychiatry", "D9", *wed))
    assert terms(instance, roster, gone)["provider_change"] == 0
    assert terms(instance, roster, _previous_psychiatry())["provider_change"] == 0


def test_provider_change_not_for_primary_kinds() -> None:
    previous = base_roster()
    client(previous, "C1").update(therapist="T2")
    for appointment in client(previous, "C1")["appointments"]:
        appointment["provider"] = "T2"
    penalties = terms(base_instance(), base_roster(), previous)
    assert (penalties["provider_change"], penalties["therapist_change"]) == (0, 50)


def test_session_moved_compares_kind_day_and_start() -> None:
    instance, roster = base_instance(), base_roster()
    previous = base_roster()
    # The same times with the kinds swapped: both of C1's appointments moved.
    client(previous, "C1")["appointments"] = [
        appt("family", "T1", "tue", "10:00", "11:00"),
        appt("individual", "T1", "tue", "17:00", "18:00"),
    ]
    # C2's psychiatry with a prescriber who left: still there, not moved (nor re-provided).
    client(previous, "C2")["appointments"][1]["provider"] = "D9"
    penalties = terms(instance, roster, previous)
    assert (penalties["session_moved"], penalties["provider_change"]) == (10, 0)


def test_every_v2_term_recomputed_by_hand() -> None:
    instance, roster = base_instance(), base_roster()
    previous = base_roster()
    client(previous, "C2")["appointments"][1] = appt("psychiatry", "D2", "thu", "10:00", "10:30")
    client(previous, "C3")["group"] = "P1"
    expected = {
        **BASE_PENALTIES,
        "group_change": 50,
        "provider_change": 20,
        "session_moved": 5,
    }
    roster["penalties"] = copy.deepcopy(expected)
    roster["objective"] = roster["best_bound"] = sum(expected.values())
    report = checked(instance, roster, previous)
    assert report.ok, report.lines()
    assert report.terms() == expected
    assert len(report.terms()) == 12
