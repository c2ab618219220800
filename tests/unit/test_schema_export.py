"""``syncset schema export DIR``: JSON Schema files that editors (yaml-language-server) can use.

Checked with the third-party ``jsonschema`` validator (tests/schema_helpers.py). The point of
the schemas is no false errors: what syncset's validate takes, the schema takes — templates,
zone-less timestamps, ``8:00`` — and what the models refuse for its shape, the schema refuses.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from jsonschema import Draft202012Validator
from pydantic import TypeAdapter, ValidationError
from schema_helpers import Schemas, model_accepts

from syncset.config.schema_export import TEMPLATE, combined_schema, export_schemas, kind_schemas
from syncset.schemas import CATALOG
from syncset.schemas.types import TimeOfDay, Timestamp

if TYPE_CHECKING:
    from conftest import CliRunner, Repo

DRAFT_2020 = "https://json-schema.org/draft/2020-12/schema"
VARS = {
    "weeks": 2,
    "flag": "true",
    "day": "mon",
    "start": "08:00",
    "calendar": "office-hours",
    "boss": "ann.smith@widget.example",
    "date": "2026-12-24",
}
"""The variables the template cases render with."""


@pytest.fixture(scope="module")
def schemas(tmp_path_factory: pytest.TempPathFactory) -> Schemas:
    folder = tmp_path_factory.mktemp("schemas")
    export_schemas(folder)
    return Schemas(folder)


@pytest.fixture(scope="module")
def exported(schemas: Schemas) -> dict[str, Any]:
    """Every exported schema file, parsed, by file name."""
    return schemas.files


def test_export_writes_a_schema_per_config_kind_plus_combined_environment_and_mappings(
    exported: dict[str, Any],
) -> None:
    kinds = {spec.name for spec in CATALOG.config_kinds()}

    assert set(exported) == {f"{kind}.schema.json" for kind in kinds} | {
        "record.schema.json",
        "environment.schema.json",
        "mappings.schema.json",
    }


def test_reference_data_kinds_get_no_record_schema(exported: dict[str, Any]) -> None:
    assert "person.schema.json" not in exported
    assert "person" not in exported["record.schema.json"]["properties"]["kind"]["enum"]


def test_every_file_is_a_valid_draft_2020_12_schema_and_says_so(exported: dict[str, Any]) -> None:
    for name, schema in exported.items():
        assert schema["$schema"] == DRAFT_2020, name
        Draft202012Validator.check_schema(schema)


def test_every_field_has_a_description(exported: dict[str, Any]) -> None:
    def undescribed(schema: dict[str, Any], where: str) -> list[str]:
        missing = [
            f"{where}.{f}"
            for f, v in schema.get("properties", {}).items()
            if not v.get("description")
        ]
        for name, definition in schema.get("$defs", {}).items():
            missing += undescribed(definition, f"{where}/{name}")
            assert definition.get("description"), f"{where}/{name}"
        return missing

    missing = [
        m
        for name, s in exported.items()
        if name != "record.schema.json"
        for m in undescribed(s, name)
    ]
    assert missing == []


@pytest.mark.parametrize("kind", sorted(s.name for s in CATALOG.config_kinds()))
def test_kind_schema_is_a_strict_object_with_kind_const_and_id(
    exported: dict[str, Any], kind: str
) -> None:
    schema = exported[f"{kind}.schema.json"]

    assert schema["type"] == "object"
    assert schema["additionalProperties"] is False
    assert schema["properties"]["kind"]["const"] == kind
    assert {"kind", "id"} <= set(schema["required"])
    assert set(schema["properties"]) == {"kind", "id", *CATALOG[kind].fields}
    assert schema["description"]


def test_combined_schema_dispatches_on_kind(exported: dict[str, Any]) -> None:
    combined = exported["record.schema.json"]

    assert combined["$schema"] == DRAFT_2020
    assert combined["required"] == ["kind", "id"]
    dispatch = {
        branch["if"]["properties"]["kind"]["const"]: branch["then"]["$ref"]
        for branch in combined["allOf"]
    }
    assert dispatch == {name: f"./{name}.schema.json" for name in kind_schemas()}
    assert combined == combined_schema()


def test_combined_schema_refuses_unknown_fields_and_kinds(schemas: Schemas) -> None:
    good = {"kind": "team", "id": "application-development", "name": "Application Development"}

    assert schemas.errors("record.schema.json", good) == []
    assert schemas.errors("record.schema.json", {**good, "nmae": "x"}) == [
        ": Additional properties are not allowed ('nmae' was unexpected)"
    ]
    assert schemas.errors("record.schema.json", {**good, "kind": "teams"})
    assert schemas.errors("record.schema.json", {**good, "id": "Application Development"})


def test_the_mappings_schema_describes_proposals_for_editors(schemas: Schemas) -> None:
    proposal = {"target": "howard.tanner@widget.example", "score": 0.76, "matched": "name"}
    good = {"version": 1, "proposed": {"person": {"h.tanner@wdc.example": proposal}}}
    over = {"proposed": {"person": {"h.tanner@wdc.example": {**proposal, "score": 1.5}}}}
    bare = {"proposed": {"person": {"h.tanner@wdc.example": {"score": 0.7}}}}

    assert schemas.errors("mappings.schema.json", good) == []
    assert schemas.errors("mappings.schema.json", over) == [
        "proposed/person/h.tanner@wdc.example/score: 1.5 is greater than the maximum of 1"
    ]
    assert schemas.errors("mappings.schema.json", bare) == [
        "proposed/person/h.tanner@wdc.example: 'target' is a required property"
    ]


def test_child_collections_are_described(schemas: Schemas, exported: dict[str, Any]) -> None:
    calendar = exported["calendar.schema.json"]
    hours = calendar["$defs"]["CalendarHours"]

    assert calendar["properties"]["hours"]["items"] == {"$ref": "#/$defs/CalendarHours"}
    assert hours["additionalProperties"] is False
    assert calendar["$defs"]["Weekday"]["enum"][0] == "mon"
    record = {"kind": "calendar", "id": "c", "name": "C", "hours": [{}]}
    assert schemas.errors("calendar.schema.json", record) == [
        "hours/0: 'time_from' is a required property",
        "hours/0: 'time_until' is a required property",
        "hours/0: 'weekday' is a required property",
    ]


def test_templates_are_accepted_wherever_a_typed_value_is_and_never_for_kind_or_id(
    exported: dict[str, Any],
) -> None:
    workspace = exported["scrum_workspace.schema.json"]["properties"]
    column = exported["agile_board.schema.json"]["$defs"]["AgileBoardColumn"]["properties"]

    assert TEMPLATE in workspace["sprint_length"]["anyOf"]
    assert workspace["sprint_length"]["anyOf"][0] == {"exclusiveMinimum": 0, "type": "integer"}
    assert TEMPLATE in workspace["disabled"]["anyOf"]
    assert TEMPLATE in workspace["team"]["anyOf"]  # an id reference: a pattern refuses "{{"
    assert TEMPLATE in column["wip_limit"]["anyOf"]
    assert TEMPLATE in column["action_type"]["anyOf"]
    assert "anyOf" not in workspace["kind"] and "anyOf" not in workspace["id"]
    assert "anyOf" not in workspace["name"]  # any string passes already
    assert "anyOf" not in json.dumps(exported["environment.schema.json"]["properties"]["policies"])


def test_the_validator_checks_the_formats_the_schemas_use() -> None:
    """Without its checker a format passes anything: the extra must bring them."""
    checker = Draft202012Validator.FORMAT_CHECKER

    assert {"date", "date-time", "email"} <= set(checker.checkers)
    assert not checker.conforms("2026-12-25T09:00:00", "date-time")  # RFC 3339 wants a zone
    assert not checker.conforms("2026-02-30", "date")
    assert not checker.conforms("rodney.wilson", "email")


def test_formats_are_carried(exported: dict[str, Any]) -> None:
    team = exported["team.schema.json"]["properties"]
    holiday = exported["holiday.schema.json"]["properties"]

    assert team["manager"]["anyOf"][0]["format"] == "email"
    assert team["members"]["items"]["anyOf"][0]["format"] == "email"
    formats = [branch.get("format") for branch in holiday["start_at"]["anyOf"]]
    assert formats[:2] == ["date", "date-time"]


def workspace(**fields: Any) -> dict[str, Any]:
    return {
        "kind": "scrum_workspace",
        "id": "app-dev",
        "name": "App Dev",
        "team": "app-dev",
        "product_backlog": "app-dev",
        "agile_board": "app-dev",
        "sprint_length": 2,
        **fields,
    }


def team(**fields: Any) -> dict[str, Any]:
    return {"kind": "team", "id": "app-dev", "name": "App Dev", **fields}


def calendar(**hour: Any) -> dict[str, Any]:
    item = {"weekday": "mon", "time_from": "08:00", "time_until": "17:00", **hour}
    return {"kind": "calendar", "id": "office-hours", "name": "Office Hours", "hours": [item]}


def holiday(**fields: Any) -> dict[str, Any]:
    base = {"kind": "holiday", "id": "xmas", "name": "Christmas", "start_at": "2026-12-25"}
    return {**base, "end_at": "2026-12-26", **fields}


CASES = [
    # (record, accepted by validate and by the schema)
    (workspace(), True),
    (workspace(sprint_length="{{ vars.weeks }}"), True),
    (workspace(sprint_length="2"), True),
    (workspace(sprint_length="two"), False),
    (workspace(sprint_length=[2]), False),
    (workspace(sprint_length=0), False),
    (workspace(disabled="{{ vars.flag }}"), True),
    (workspace(disabled="{% if vars.weeks > 1 %}true{% else %}false{% endif %}"), True),
    (workspace(disabled="yes"), True),
    (workspace(disabled="maybe"), False),
    (workspace(team="{{ vars.calendar }}"), True),
    (workspace(team="App Dev"), False),
    (workspace(name=5), False),
    (team(manager="rodney.wilson@wdc.example"), True),
    (team(manager="Rodney.Wilson@WDC.example"), True),
    (team(manager="{{ vars.boss }}"), True),
    (team(manager="rodney.wilson"), False),
    (team(manager="rodney@wdc"), False),
    (team(members=["ann.smith@widget.example", "{{ vars.boss }}"]), True),
    (team(members=["ann smith"]), False),
    (calendar(), True),
    (calendar(time_from="8:00"), True),
    (calendar(time_until="24:00"), True),
    (calendar(time_from="{{ vars.start }}"), True),
    (calendar(time_from="25:00"), False),
    (calendar(time_from="8am"), False),
    (calendar(time_from="08:00:00"), False),
    (calendar(weekday="{{ vars.day }}"), True),
    (calendar(weekday="monday"), False),
    (holiday(), True),
    (holiday(start_at="2026-12-25T09:00:00Z"), True),
    (holiday(start_at="2026-12-25T09:00:00"), True),
    (holiday(start_at="2026-12-25 09:00"), True),
    (holiday(start_at="2026-12-25T09:00:00+01:00"), True),
    (holiday(start_at="{{ vars.date }}"), True),
    (holiday(start_at="25/12/2026"), False),
    (holiday(start_at="2026-13-01"), False),
    (holiday(start_at="2026-12-25T25:00"), False),
]


@pytest.mark.parametrize(("record", "accepted"), CASES, ids=lambda v: json.dumps(v)[:70])
def test_the_schema_agrees_with_validate(
    schemas: Schemas, record: dict[str, Any], accepted: bool
) -> None:
    assert model_accepts(record, VARS) is accepted
    errors = schemas.errors("record.schema.json", record)
    assert (errors == []) is accepted, errors


def test_a_templated_id_is_refused_as_validate_refuses_it(schemas: Schemas) -> None:
    assert schemas.errors("record.schema.json", workspace(id="{{ vars.day }}"))


def test_times_of_day_pass_the_schema_exactly_when_the_model_takes_them(
    exported: dict[str, Any],
) -> None:
    schema = exported["calendar.schema.json"]["$defs"]["CalendarHours"]["properties"]["time_from"]
    check = Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)
    model = TypeAdapter(TimeOfDay)
    values = [
        f"{pad}{hour:{width}}:{minute:02d}{pad}"
        for hour in range(26)
        for minute in (0, 1, 30, 59, 60)
        for width in ("d", "02d")
        for pad in ("", " ")
    ]
    for value in [*values, "12", "12:5", "1200", "-1:00", "24:30"]:
        try:
            model.validate_python(value)
            taken = True
        except ValidationError:
            taken = False
        assert check.is_valid(value) is taken, value


ISO_FORMS = ["%Y-%m-%d", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S.%f"]


@given(
    moment=st.datetimes(min_value=datetime(1000, 1, 1), max_value=datetime(9999, 12, 30)),
    form=st.sampled_from(ISO_FORMS),
    zone=st.sampled_from(["", "Z", "+01:00", "-05:30", "+0200"]),
)
def test_every_timestamp_the_model_reads_passes_the_schema(
    exported: dict[str, Any], moment: datetime, form: str, zone: str
) -> None:
    schema = exported["holiday.schema.json"]["properties"]["start_at"]
    text = moment.strftime(form) + (zone if "H" in form else "")
    TypeAdapter(Timestamp).validate_python(text)

    assert Draft202012Validator(
        schema, format_checker=Draft202012Validator.FORMAT_CHECKER
    ).is_valid(text), text


def test_the_normalised_timestamp_passes_too(exported: dict[str, Any]) -> None:
    schema = exported["holiday.schema.json"]["properties"]["end_at"]
    written = TypeAdapter(Timestamp).dump_python(
        datetime(2026, 12, 25, tzinfo=timezone(timedelta(hours=1))), mode="json"
    )
    assert Draft202012Validator(
        schema, format_checker=Draft202012Validator.FORMAT_CHECKER
    ).is_valid(written)


def test_cli_schema_export_writes_the_files(repo: Repo, cli: CliRunner) -> None:
    result = cli("schema", "export", "schemas-out")

    assert result.code == 0
    written = sorted(p.name for p in (repo.root / "schemas-out").iterdir())
    assert len(written) == len(CATALOG.config_kinds()) + 3
    assert result.out.strip() == f"wrote {len(written)} schemas to schemas-out"
    for name in written:
        json.loads((repo.root / "schemas-out" / name).read_text())


def test_export_overwrites_stale_files_in_place(tmp_path: Path) -> None:
    (tmp_path / "team.schema.json").write_text("stale")

    written = export_schemas(tmp_path)

    assert tmp_path / "team.schema.json" in written
    assert json.loads((tmp_path / "team.schema.json").read_text())["title"] == "Team"
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(p.name for p in written)


def test_enum_fields_offer_exactly_xurrents_values(exported: dict[str, Any]) -> None:
    board = exported["agile_board.schema.json"]["$defs"]
    ui = exported["ui_extension.schema.json"]["$defs"]
    template = exported["request_template.schema.json"]["$defs"]

    assert exported["calendar.schema.json"]["$defs"]["Weekday"]["enum"] == [
        "mon",
        "tue",
        "wed",
        "thu",
        "fri",
        "sat",
        "sun",
    ]
    assert board["ColumnActionType"]["enum"] == ["none", "accept", "assign", "start", "complete"]
    assert board["ColumnDialogType"]["enum"] == ["full", "minimal", "none"]
    assert "request_template" in ui["UiExtensionCategory"]["enum"]
    assert "request" not in ui["UiExtensionCategory"]["enum"]
    assert template["RequestCategory"]["enum"][:3] == ["case", "complaint", "compliment"]
    assert template["RequestImpact"]["enum"] == ["low", "medium", "high", "top"]
