"""``compare --live`` matches one account's records with another's as a plan does.

Inline live states, no account: the marker first, then the destination's links, then the
natural key; several records that fit are reported as ambiguous instead of one being taken.
"""

from __future__ import annotations

from syncset.plan.resolve import LiveState
from syncset.promotion.compare import CompareStatus, compare_live
from syncset.providers.base import LiveRecord, Marker


def team(live_id: str, name: str, marker: str | None = None, remarks: str = "") -> LiveRecord:
    fields = {"name": name, "remarks": remarks, "disabled": False}
    return LiveRecord("team", live_id, fields, Marker("syncset", marker) if marker else None)


def entries(source: list[LiveRecord], destination: list[LiveRecord], **options: object) -> list:
    comparison = compare_live(
        "dev",
        "qa",
        LiveState({"team": source}, "dev account"),
        LiveState({"team": destination}, "qa account"),
        **options,  # type: ignore[arg-type]
    )
    return [(e.id, e.status, e.note) for e in comparison.entries]


def statuses(source: list[LiveRecord], destination: list[LiveRecord], **options: object) -> dict:
    return {
        ident: (status, note) for ident, status, note in entries(source, destination, **options)
    }


def test_the_marker_wins_over_a_record_of_the_same_name():
    found = statuses(
        [team("D1", "Ops", marker="ops")],
        [team("Q1", "Ops"), team("Q2", "Operations", marker="ops")],
    )

    assert found["ops"][0] is CompareStatus.EXISTS_DIFFERENCES  # renamed, matched by marker
    assert found["Ops"] == (CompareStatus.ONLY_IN_DESTINATION, "")


def test_a_link_of_the_destination_binds_a_record_to_one_of_another_name():
    found = statuses(
        [team("D1", "Ops", marker="ops")],
        [team("Q1", "Operations QA")],
        links={"team/ops": "Operations QA"},
    )

    assert found == {"ops": (CompareStatus.EXISTS_DIFFERENCES, "")}


def test_a_link_to_a_record_the_destination_lacks_says_so():
    found = statuses([team("D1", "Ops", marker="ops")], [], links={"team/ops": "Nowhere"})

    assert found == {"ops": (CompareStatus.DOESNT_EXIST, "link target 'Nowhere' is not in qa")}


def test_two_destination_records_that_fit_are_ambiguous_not_collapsed():
    found = entries(
        [team("D1", "Ops")],
        [team("Q1", "Ops", remarks="first"), team("Q2", "Ops", remarks="second")],
    )

    note = "2 records of qa fit 'Ops' and none carries the marker, so none is chosen"
    assert found == [
        ("Ops", CompareStatus.AMBIGUOUS, note),
        ("Ops", CompareStatus.ONLY_IN_DESTINATION, ""),
        ("Ops", CompareStatus.ONLY_IN_DESTINATION, ""),
    ]


def test_two_source_records_of_one_name_are_ambiguous_not_collapsed():
    found = statuses([team("D1", "Ops", remarks="a"), team("D2", "Ops", remarks="b")], [])

    assert found == {
        "Ops": (
            CompareStatus.AMBIGUOUS,
            "2 records of dev are 'Ops' and none carries the marker",
        )
    }


def person(live_id: str, email: str) -> LiveRecord:
    return LiveRecord("person", live_id, {"primary_email": email, "name": email}, None)


def test_a_reference_is_compared_after_the_mapping_a_promotion_would_use():
    def led_by(live_id: str, manager: str) -> LiveRecord:
        fields = {"name": "Ops", "manager": manager, "disabled": False}
        return LiveRecord("team", live_id, fields, Marker("syncset", "ops"))

    def compared(translate):
        comparison = compare_live(
            "dev",
            "qa",
            LiveState(
                {"team": [led_by("D1", "DP")], "person": [person("DP", "rod@a.example")]}, "dev"
            ),
            LiveState(
                {"team": [led_by("Q1", "QP")], "person": [person("QP", "ander@b.example")]}, "qa"
            ),
            translate=translate,
        )
        return [(e.status, [c.field for c in e.changes]) for e in comparison.entries]

    mapped = {"rod@a.example": "ANDER@b.example"}
    assert compared(lambda kind, value: mapped.get(value, value)) == [
        (CompareStatus.EXISTS_NO_DIFFERENCES, [])
    ]
    assert compared(None) == [(CompareStatus.EXISTS_DIFFERENCES, ["manager"])]
