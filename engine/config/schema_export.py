"""JSON Schema of every kind, for editors (yaml-language-server) to complete and check YAML.

The schemas are pydantic's, with what pydantic cannot know added:

* **templates**: every value of a record but ``kind`` and ``id`` is rendered before its model
  reads it (:mod:`syncset.config.templating`), so wherever a value would reject a template
  string (an integer, a boolean, an enum, a pattern or a format) the schema also accepts one:
  ``anyOf: [the type, {type: string, pattern: TEMPLATE_PATTERN}]``. ``environment.yaml`` and
  ``mappings.yaml`` are read as written (their untyped ``account``, ``vars`` and ``overrides``
  accept anything), so their schemas are left as they are;
* **numbers and truth values as text**: the models read ``"5"`` as 5 and ``yes`` / ``off`` as
  booleans (pydantic's lax mode, which templates need: a rendered template is text), and a
  YAML 1.2 editor sees ``disabled: yes`` as the string "yes"; the schema accepts those texts;
* ``$schema`` (draft 2020-12) on every file: without it yaml-language-server falls back to
  draft-07, which ignores the descriptions pydantic writes beside a ``$ref``.

The point is no false errors: every file the models accept must pass the schema
(tests/unit/test_schema_export.py and test_schema_examples.py check cases, the examples and
``syncset init``'s files with a third-party validator).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from syncset.config.templating import TEMPLATE_PATTERN
from syncset.errors import SyncsetError
from syncset.safepath import atomic_write_text
from syncset.schemas import CATALOG
from syncset.schemas.environment import EnvironmentConfig, Mappings

DRAFT = "https://json-schema.org/draft/2020-12/schema"
TEMPLATE: dict[str, Any] = {"type": "string", "pattern": TEMPLATE_PATTERN}
"""The branch that lets a template stand for a typed value."""
INTEGER_TEXT: dict[str, Any] = {
    "type": "string",
    "pattern": r"^\s*[+-]?[0-9]+(?:_[0-9]+)*(?:\.0+)?\s*$",
}
"""An integer written as text, as the models read it (``"5"``, ``"1_000"``)."""
BOOLEAN_TEXT: dict[str, Any] = {
    "type": "string",
    "pattern": r"^(?:[Tt][Rr][Uu][Ee]|[Ff][Aa][Ll][Ss][Ee]|[Yy](?:[Ee][Ss])?|[Nn][Oo]?"
    r"|[Oo](?:[Nn]|[Ff][Ff])|[TtFf01])$",
}
"""The words the models read as a boolean, in any case: true/false, yes/no, on/off, y/n, t/f,
1/0 (YAML 1.1 booleans, which a YAML 1.2 editor reads as strings)."""
_AS_TEXT = {"integer": INTEGER_TEXT, "boolean": BOOLEAN_TEXT}
_ANNOTATIONS = ("title", "description", "default", "examples")
_STRING_CHECKS = ("enum", "const", "pattern", "format", "maxLength")


def kind_schemas() -> dict[str, dict[str, Any]]:
    return {spec.name: _kind_schema(spec.name) for spec in CATALOG.config_kinds()}


def _kind_schema(name: str) -> dict[str, Any]:
    schema = CATALOG[name].model.model_json_schema()
    defs: dict[str, Any] = schema.get("$defs", {})
    for definition in defs.values():
        _template_properties(definition, defs)
    _template_properties(schema, defs, skip=("kind", "id"))
    schema["properties"]["kind"]["description"] = (
        f"What this record is: always {name}. It picks the schema; it is never templated."
    )
    return {"$schema": DRAFT, **schema}


def _template_properties(
    schema: dict[str, Any], defs: dict[str, Any], skip: tuple[str, ...] = ()
) -> None:
    for field, value in schema.get("properties", {}).items():
        if field not in skip:
            schema["properties"][field] = _templated(value, defs)


def _templated(node: dict[str, Any], defs: dict[str, Any]) -> dict[str, Any]:
    """``node`` accepting a template wherever its value would refuse one."""
    if "anyOf" in node:
        branches = [
            _templated(branch, defs) if "anyOf" in branch else _templated_inside(branch, defs)
            for branch in node["anyOf"]
        ]
        return {**node, "anyOf": branches + _as_text(branches, defs)}
    node = _templated_inside(node, defs)
    outer = {key: node[key] for key in _ANNOTATIONS if key in node}
    inner = {key: value for key, value in node.items() if key not in _ANNOTATIONS}
    extra = _as_text([inner], defs)
    return {"anyOf": [inner, *extra], **outer} if extra else node


def _as_text(branches: list[dict[str, Any]], defs: dict[str, Any]) -> list[dict[str, Any]]:
    """The text branches a value of ``branches`` needs: a template, and numbers or booleans
    spelt as text unless a branch reads text its own way (a time of day: ``17:00`` or the
    minutes a YAML 1.1 loader makes of it, never ``"1020"``); none when any string passes."""
    if any(_takes_any_string(b) for b in branches):
        return []
    own_text = any(b.get("type") == "string" for b in branches)
    extra = [] if own_text else [_AS_TEXT[b["type"]] for b in branches if b.get("type") in _AS_TEXT]
    if extra or any(_refuses_template(b, defs) for b in branches):
        extra.append(TEMPLATE)
    return extra


def _templated_inside(node: dict[str, Any], defs: dict[str, Any]) -> dict[str, Any]:
    """The items of a list, the values of a mapping (a list itself is never one template)."""
    if isinstance(node.get("items"), dict):
        node = {**node, "items": _templated(node["items"], defs)}
    if isinstance(node.get("additionalProperties"), dict):
        node = {**node, "additionalProperties": _templated(node["additionalProperties"], defs)}
    return node


def _refuses_template(node: dict[str, Any], defs: dict[str, Any]) -> bool:
    """A scalar a template string does not pass: a typed one, or a checked string."""
    if "$ref" in node:
        target = defs.get(node["$ref"].removeprefix("#/$defs/"), {})
        return "properties" not in target and _refuses_template(target, defs)
    kind = node.get("type")
    if kind == "string":
        return any(check in node for check in _STRING_CHECKS)
    return kind in ("integer", "number", "boolean") or "enum" in node or "const" in node


def _takes_any_string(node: dict[str, Any]) -> bool:
    return node.get("type") == "string" and not any(check in node for check in _STRING_CHECKS)


def combined_schema() -> dict[str, Any]:
    """One schema for any record file: the kind selects the branch."""
    branches = []
    for name in kind_schemas():
        branches.append(
            {
                "if": {"properties": {"kind": {"const": name}}, "required": ["kind"]},
                "then": {"$ref": f"./{name}.schema.json"},
            }
        )
    return {
        "$schema": DRAFT,
        "title": "syncset record",
        "type": "object",
        "required": ["kind", "id"],
        "properties": {"kind": {"enum": [s.name for s in CATALOG.config_kinds()]}},
        "allOf": branches,
    }


def export_schemas(directory: Path) -> list[Path]:
    """Write the schemas into ``directory`` (created if missing; it must not be a file)."""
    if directory.exists() and not directory.is_dir():
        raise SyncsetError(
            f"{directory}: exists and is not a folder: give the folder to write the schemas "
            "into (it is created when missing)"
        )
    files: dict[str, dict[str, Any]] = {
        f"{name}.schema.json": schema for name, schema in kind_schemas().items()
    }
    files["record.schema.json"] = combined_schema()
    files["environment.schema.json"] = {"$schema": DRAFT, **EnvironmentConfig.model_json_schema()}
    files["mappings.schema.json"] = {"$schema": DRAFT, **Mappings.model_json_schema()}
    written = []
    for name, schema in files.items():
        path = directory / name
        atomic_write_text(path, json.dumps(schema, indent=2, sort_keys=True) + "\n")
        written.append(path)
    return written
