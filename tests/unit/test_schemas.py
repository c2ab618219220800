"""The kind catalog: what each kind declares as data, and the field types that normalise."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Any, ClassVar, Literal

import pytest
from pydantic import TypeAdapter, ValidationError

from syncset.schemas import CATALOG, Catalog, RecordModel, UnknownKindError
from syncset.schemas.types import Email, Slug, TimeOfDay, Timestamp, Weekday, end_of_day
from syncset.schemas.xurrent import CalendarHours

CONFIG_KINDS = {
    "calendar",
    "holiday",
    "team",
    "agile_board",
    "product_backlog",
    "scrum_workspace",
    "ui_extension",
    "request_template",
    "solution",
    "connection",
    "flow",
}


def test_catalog_holds_the_issue_kinds() -> None:
    assert {spec.name for spec in CATALOG.config_kinds()} == CONFIG_KINDS
    assert {spec.name for spec in CATALOG.reference_kinds()} == {
        "person",
        "organization",
        "site",
        "service",
    }


@pytest.mark.parametrize(
    ("kind", "natural_key", "unique"),
    [
        ("calendar", ("name",), True),
        ("holiday", ("name", "start_at"), False),
        ("team", ("name",), True),
        ("agile_board", ("name",), True),
        ("request_template", ("subject",), False),
        ("person", ("primary_email",), True),
        ("organization", ("name",), True),
    ],
)
def test_natural_keys(kind: str, natural_key: tuple[str, ...], unique: bool) -> None:
    spec = CATALOG[kind]

    assert spec.natural_key == natural_key
    assert spec.unique_natural_key is unique


def references(kind: str) -> dict[str, tuple[str, bool]]:
    return {ref.path: (ref.target, ref.many) for ref in CATALOG[kind].references}


def test_team_references() -> None:
    assert references("team") == {
        "coordinator": ("person", False),
        "manager": ("person", False),
        "configuration_manager": ("person", False),
        "members": ("person", True),
        "work_hours": ("calendar", False),
        "agile_board": ("agile_board", False),
        "ui_extension": ("ui_extension", False),
    }


def test_child_collection_references_carry_the_child_path() -> None:
    assert references("agile_board") == {
        "manager": ("person", False),
        "request_template": ("request_template", False),
        "columns[].team": ("team", False),
        "columns[].member": ("person", False),
    }
    assert CATALOG["agile_board"].reference("columns[].team") is not None
    assert CATALOG["agile_board"].reference("team") is None


def test_scrum_workspace_points_at_team_backlog_and_board() -> None:
    assert CATALOG["scrum_workspace"].targets() == {"team", "product_backlog", "agile_board"}
    assert CATALOG["scrum_workspace"].required == {
        "name",
        "team",
        "product_backlog",
        "agile_board",
        "sprint_length",
    }


def test_calendar_references_holidays_and_owns_hours() -> None:
    spec = CATALOG["calendar"]

    assert references("calendar") == {"holidays": ("holiday", True)}
    assert spec.children["hours"].key == ("weekday", "time_from")
    assert spec.children["hours"].model is CalendarHours


def test_board_columns_are_a_child_collection_keyed_by_name() -> None:
    assert CATALOG["agile_board"].children["columns"].key == ("name",)


def test_sensitive_fields_are_declared() -> None:
    assert CATALOG["connection"].sensitive == {"secret"}
    assert all(not spec.sensitive for spec in CATALOG if spec.name != "connection")


def test_removal_policy_disables_except_flows_and_holidays() -> None:
    removal = {spec.name: spec.removal for spec in CATALOG.config_kinds()}

    assert removal.pop("flow") == "delete"
    assert removal.pop("holiday") == "none"
    assert "cannot be disabled or deleted in Xurrent" in CATALOG["holiday"].removal_note
    assert set(removal.values()) == {"disable"}


def test_create_only_and_opt_in_fields_are_declared_on_the_kinds() -> None:
    assert {spec.name: spec.create_only for spec in CATALOG if spec.create_only} == {
        "ui_extension": {"category"}
    }
    assert {spec.name: spec.opt_in for spec in CATALOG if spec.opt_in} == {"team": {"members"}}
    assert CATALOG["ui_extension"].versioned == ("html", "css", "javascript", "form_definition")


def test_names_xurrent_does_not_have_carry_the_reason() -> None:
    assert CATALOG["calendar"].removed == {
        "description": "calendars have no description in Xurrent",
        "time_zone": "the time zone of work hours is the team's time_zone in Xurrent",
    }
    assert CATALOG["team"].removed["description"] == "Xurrent calls it remarks"
    assert "description" in CATALOG["agile_board"].children["columns"].removed
    assert set(CATALOG["ui_extension"].removed) == {"title_text", "activate"}
    assert "disabled" in CATALOG["holiday"].removed
    assert "disabled" not in CATALOG["holiday"].fields


@pytest.mark.parametrize("kind", sorted(CONFIG_KINDS))
def test_every_kind_is_strict_and_has_kind_and_id(kind: str) -> None:
    model = CATALOG[kind].model

    with pytest.raises(ValidationError) as caught:
        model.model_validate({"kind": kind, "id": "x", "surprise": 1})

    types = {(error["loc"], error["type"]) for error in caught.value.errors()}
    assert (("surprise",), "extra_forbidden") in types
    with pytest.raises(ValidationError):
        model.model_validate({"kind": "not-" + kind, "id": "x"})


def test_spec_fields_exclude_kind_and_id() -> None:
    assert CATALOG["product_backlog"].fields == (
        "name",
        "description",
        "product_owner",
        "request_template",
        "disabled",
    )


def test_unknown_kind_lookup_raises_unknown_kind_error() -> None:
    with pytest.raises(UnknownKindError):
        CATALOG["spaceship"]
    assert "spaceship" not in CATALOG


def test_registering_a_kind_twice_is_refused() -> None:
    class Gadget(RecordModel):
        kind: Literal["gadget"]
        name: str

    catalog = Catalog([Gadget])

    with pytest.raises(ValueError, match="kind 'gadget' is registered twice"):
        catalog.register(Gadget)


def test_reference_to_an_unregistered_kind_is_refused() -> None:
    from typing import Annotated

    from syncset.schemas.base import Ref

    class Widget(RecordModel):
        kind: Literal["widget"]
        owner: Annotated[str | None, Ref("gizmo")] = None

    with pytest.raises(ValueError, match=r"widget.owner points at unknown kind gizmo"):
        Catalog([Widget]).validate_references()


def test_a_child_collection_reference_to_an_unregistered_kind_is_refused() -> None:
    """The shipped catalog is checked so at import; here a catalog whose check must fail."""
    from typing import Annotated

    from pydantic import Field

    from syncset.schemas.base import ChildModel, Children, Ref

    class Slot(ChildModel):
        name: str
        holder: Annotated[str | None, Ref("gizmo")] = None

    class Rack(RecordModel):
        kind: Literal["rack"]
        name: str
        slots: Annotated[list[Slot], Children(key=("name",))] = Field(default_factory=list)

    class Gizmo(RecordModel):
        kind: Literal["gizmo"]
        name: str

    catalog = Catalog([Rack])

    with pytest.raises(ValueError, match=r"rack\.slots\[\]\.holder points at unknown kind gizmo"):
        catalog.validate_references()
    catalog.register(Gizmo)
    catalog.validate_references()  # once the kind exists, the same reference is fine


def test_class_level_facts_default_for_a_new_kind() -> None:
    class Plain(RecordModel):
        kind: Literal["plain"]
        name: str
        secret_note: ClassVar[str] = "not a field"

    spec = Catalog([Plain])["plain"]

    assert (spec.natural_key, spec.reference_data, spec.removal) == (("name",), False, "disable")
    assert spec.fields == ("name",)


# --- field types --------------------------------------------------------------------------


def validate(annotation: Any, value: Any) -> Any:
    return TypeAdapter(annotation).validate_python(value)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Frank.Watson@WDC.example", "frank.watson@wdc.example"),
        ("  rodney.wilson@wdc.example\n", "rodney.wilson@wdc.example"),
        ("a+b@x.example", "a+b@x.example"),
    ],
)
def test_email_is_trimmed_and_lower_cased(raw: str, expected: str) -> None:
    assert validate(Email, raw) == expected


@pytest.mark.parametrize("raw", ["rodney", "rodney@", "@wdc.example", "a b@c.example", "a@b"])
def test_email_rejects_non_addresses(raw: str) -> None:
    with pytest.raises(ValidationError, match="is not an e-mail address"):
        validate(Email, raw)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("08:00", "08:00"),
        ("8:05", "08:05"),
        ("24:00", "24:00"),
        ("00:00", "00:00"),
        (540, "09:00"),  # YAML 1.1 sexagesimal: 9:00 is read as 540 minutes
        (time(17, 30), "17:30"),
    ],
)
def test_time_of_day_normalises(raw: Any, expected: str) -> None:
    assert validate(TimeOfDay, raw) == expected


@pytest.mark.parametrize("raw", ["24:01", "25:00", "12:60", "1200", "noon", True, 8.5])
def test_time_of_day_rejects_other_values(raw: Any) -> None:
    with pytest.raises(ValidationError):
        validate(TimeOfDay, raw)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (date(2026, 12, 25), datetime(2026, 12, 25, tzinfo=UTC)),
        ("2026-12-25", datetime(2026, 12, 25, tzinfo=UTC)),
        ("2026-12-25T09:00:00Z", datetime(2026, 12, 25, 9, tzinfo=UTC)),
        ("2026-12-25T10:00:00+01:00", datetime(2026, 12, 25, 9, tzinfo=UTC)),
        (datetime(2026, 12, 25, 9), datetime(2026, 12, 25, 9, tzinfo=UTC)),
    ],
)
def test_timestamps_are_parsed_into_utc(raw: Any, expected: datetime) -> None:
    assert validate(Timestamp, raw) == expected


def test_timestamps_serialise_as_utc_strings() -> None:
    adapter = TypeAdapter(Timestamp)

    value = adapter.validate_python("2026-12-25T10:00:00+01:00")

    assert adapter.dump_python(value, mode="json") == "2026-12-25T09:00:00Z"


@pytest.mark.parametrize("raw", ["25/12/2026", "tomorrow", 20261225])
def test_timestamps_reject_other_values(raw: Any) -> None:
    with pytest.raises(ValidationError):
        validate(Timestamp, raw)


def test_end_of_day_moves_a_bare_date_to_the_next_midnight() -> None:
    assert end_of_day(date(2026, 12, 31)) == datetime(2027, 1, 1)
    moment = datetime(2026, 12, 31, 12)
    assert end_of_day(moment) is moment


def test_weekday_values_are_xurrents_three_letter_names() -> None:
    assert [day.value for day in Weekday] == [
        "mon",
        "tue",
        "wed",
        "thu",
        "fri",
        "sat",
        "sun",
    ]


@pytest.mark.parametrize("good", ["a", "a1", "app-dev", "app_dev.v2", "x" * 128])
def test_slug_accepts_stable_ids(good: str) -> None:
    assert validate(Slug, good) == good


@pytest.mark.parametrize("bad", ["", "A", "-a", "a-", "a b", "ü", "x" * 129, "a/b"])
def test_slug_refuses_other_ids(bad: str) -> None:
    with pytest.raises(ValidationError):
        validate(Slug, bad)
