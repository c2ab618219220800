"""``syncset schema export DIR``: JSON Schema files that editors (yaml-language-server) can use.

``jsonschema`` is not a dependency, so the files are checked with :func:`check`, a small
validator for the keywords pydantic emits, with ``format`` checked the way the JSON language
service behind yaml-language-server does (an RFC 3339 ``date-time`` needs a time and a zone).
"""

from __future__ import annotations

import json
import re
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from example_root import EXAMPLE_ROOT
from ruamel.yaml import YAML

from syncset.config.schema_export import combined_schema, export_schemas, kind_schemas
from syncset.schemas import CATALOG

if TYPE_CHECKING:
    from conftest import CliRunner, Repo

DRAFT_2020 = "https://json-schema.org/draft/2020-12/schema"
DATE_TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$", re.I)
DATE = re.compile(r"^\d{4}-\d\d-\d\d$")
KNOWN_KEYWORDS = {
    "$defs",
    "$ref",
    "$schema",
    "additionalProperties",
    "allOf",
    "anyOf",
    "const",
    "default",
    "description",
    "enum",
    "exclusiveMinimum",
    "format",
    "if",
    "items",
    "maximum",
    "minimum",
    "minLength",
    "pattern",
    "properties",
    "required",
    "then",
    "title",
    "type",
}
TYPES = {
    "object": dict,
    "array": list,
    "string": str,
    "boolean": bool,
    "null": type(None),
    "number": (int, float),
    "integer": int,
}


def check(schema: dict[str, Any], value: Any, files: dict[str, Any], root: Any = None) -> list[str]:
    """Errors of ``value`` against ``schema`` (``files``: other exported schemas by name)."""
    root = schema if root is None else root
    if "$ref" in schema:
        ref = schema["$ref"]
        if ref.startswith("#/$defs/"):
            return check(root["$defs"][ref.removeprefix("#/$defs/")], value, files, root)
        target = files[ref.removeprefix("./")]
        return check(target, value, files, target)
    errors: list[str] = []
    expected = schema.get("type")
    if expected and not (
        isinstance(value, TYPES[expected])
        and not (expected in ("integer", "number") and isinstance(value, bool))
    ):
        return [f"{value!r} is not of type {expected}"]
    if "const" in schema and value != schema["const"]:
        errors.append(f"{value!r} is not {schema['const']!r}")
    if "enum" in schema and value not in schema["enum"]:
        errors.append(f"{value!r} is not one of {schema['enum']}")
    if isinstance(value, str):
        if "pattern" in schema and not re.search(schema["pattern"], value):
            errors.append(f"{value!r} does not match {schema['pattern']}")
        if len(value) < schema.get("minLength", 0):
            errors.append(f"{value!r} is too short")
        if schema.get("format") == "date-time" and not DATE_TIME.match(value):
            errors.append(f"{value!r} is not a RFC3339 date-time")
        if schema.get("format") == "date" and not DATE.match(value):
            errors.append(f"{value!r} is not a RFC3339 date")
    if "exclusiveMinimum" in schema and not value > schema["exclusiveMinimum"]:
        errors.append(f"{value!r} is not above {schema['exclusiveMinimum']}")
    if "minimum" in schema and not value >= schema["minimum"]:
        errors.append(f"{value!r} is below {schema['minimum']}")
    if "maximum" in schema and not value <= schema["maximum"]:
        errors.append(f"{value!r} is above {schema['maximum']}")
    if "anyOf" in schema:
        branches = [check(branch, value, files, root) for branch in schema["anyOf"]]
        if all(branches):
            errors.append(f"{value!r} matches no branch: {branches}")
    for branch in schema.get("allOf", []):
        if "if" not in branch or not check(branch["if"], value, files, root):
            errors += check(branch.get("then", branch), value, files, root)
    if isinstance(value, dict):
        properties = schema.get("properties", {})
        errors += [f"missing {name}" for name in schema.get("required", []) if name not in value]
        for name, item in value.items():
            if name in properties:
                errors += check(properties[name], item, files, root)
            elif schema.get("additionalProperties") is False:
                errors.append(f"unexpected {name}")
            elif isinstance(schema.get("additionalProperties"), dict):
                errors += check(schema["additionalProperties"], item, files, root)
    if isinstance(value, list) and "items" in schema:
        for item in value:
            errors += check(schema["items"], item, files, root)
    return errors


def as_json(value: Any) -> Any:
    """A parsed YAML value as an editor sees it: dates are plain strings."""
    if isinstance(value, dict):
        return {key: as_json(item) for key, item in value.items()}
    if isinstance(value, list):
        return [as_json(item) for item in value]
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Every exported schema file, parsed, by file name."""
    folder = tmp_path_factory.mktemp("schemas")
    export_schemas(folder)
    return {path.name: json.loads(path.read_text()) for path in folder.iterdir()}


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


def test_every_schema_uses_only_known_keywords_and_local_refs(exported: dict[str, Any]) -> None:
    def walk(node: Any, name: str, root: dict[str, Any]) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key in ("properties", "$defs"):
                    for sub in value.values():
                        walk(sub, name, root)
                    continue
                assert key in KNOWN_KEYWORDS, f"{name}: unexpected keyword {key}"
                if key == "$ref" and value.startswith("#/$defs/"):
                    assert value.removeprefix("#/$defs/") in root["$defs"], f"{name}: {value}"
                elif key == "$ref":
                    assert value.removeprefix("./") in exported, f"{name}: {value}"
                walk(value, name, root)
        elif isinstance(node, list):
            for item in node:
                walk(item, name, root)

    for name, schema in exported.items():
        walk(schema, name, schema)


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


def test_combined_schema_refuses_unknown_fields_and_kinds(exported: dict[str, Any]) -> None:
    combined = exported["record.schema.json"]
    good = {"kind": "team", "id": "application-development", "name": "Application Development"}

    assert check(combined, good, exported) == []
    assert check(combined, {**good, "nmae": "x"}, exported) == ["unexpected nmae"]
    assert check(combined, {**good, "kind": "teams"}, exported)
    assert check(combined, {**good, "id": "Application Development"}, exported)


def test_child_collections_are_described(exported: dict[str, Any]) -> None:
    calendar = exported["calendar.schema.json"]
    hours = calendar["$defs"]["CalendarHours"]

    assert calendar["properties"]["hours"]["items"] == {"$ref": "#/$defs/CalendarHours"}
    assert hours["additionalProperties"] is False
    assert calendar["$defs"]["Weekday"]["enum"][0] == "mon"
    assert check(calendar, {"kind": "calendar", "id": "c", "name": "C", "hours": [{}]}, exported)


def test_timestamps_accept_a_date_or_a_date_time_in_the_schema(exported: dict[str, Any]) -> None:
    holiday = exported["holiday.schema.json"]
    record = {"kind": "holiday", "id": "x", "name": "X", "start_at": "2026-12-25"}

    assert check(holiday, {**record, "end_at": "2026-12-25T18:00:00Z"}, exported) == []
    assert check(holiday, {**record, "end_at": "25/12/2026"}, exported)


def test_sprint_length_is_a_positive_integer_in_the_schema(exported: dict[str, Any]) -> None:
    sprint = exported["scrum_workspace.schema.json"]["properties"]["sprint_length"]

    assert sprint["type"] == "integer"
    assert sprint["exclusiveMinimum"] == 0


def test_environment_and_mappings_schemas_accept_the_examples(exported: dict[str, Any]) -> None:
    loader = YAML(typ="safe", pure=False)
    for path in sorted((EXAMPLE_ROOT / "environments").glob("*/environment.yaml")):
        assert check(exported["environment.schema.json"], loader.load(path), exported) == []
    for path in sorted((EXAMPLE_ROOT / "environments").glob("*/mappings.yaml")):
        assert check(exported["mappings.schema.json"], loader.load(path), exported) == []


def test_the_mappings_schema_describes_proposals_for_editors(exported: dict[str, Any]) -> None:
    schema = exported["mappings.schema.json"]
    proposal = {"target": "howard.tanner@widget.example", "score": 0.76, "matched": "name"}
    good = {"version": 1, "proposed": {"person": {"h.tanner@wdc.example": proposal}}}
    over = {"proposed": {"person": {"h.tanner@wdc.example": {**proposal, "score": 1.5}}}}
    bare = {"proposed": {"person": {"h.tanner@wdc.example": {"score": 0.7}}}}

    assert check(schema, good, exported) == []
    assert check(schema, over, exported) == ["1.5 is above 1"]
    assert check(schema, bare, exported) == ["missing target"]


def example_records() -> list[Any]:
    loader = YAML(typ="safe", pure=False)
    params = []
    for path in sorted((EXAMPLE_ROOT / "environments").rglob("*.yaml")):
        if path.name in ("environment.yaml", "mappings.yaml"):
            continue
        shown = path.relative_to(EXAMPLE_ROOT).as_posix()
        for index, document in enumerate(loader.load_all(path)):
            params.append(pytest.param(as_json(document), id=f"{shown}#{index}"))
    return params


@pytest.mark.parametrize("record", example_records())
def test_example_records_pass_the_editor_schema(exported: dict[str, Any], record: Any) -> None:
    assert check(exported["record.schema.json"], record, exported) == []


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
