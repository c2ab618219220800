"""JSON Schema of every kind, for editors (yaml-language-server) to complete and check YAML."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from syncset.errors import SyncsetError
from syncset.safepath import atomic_write_text
from syncset.schemas import CATALOG
from syncset.schemas.environment import EnvironmentConfig, Mappings


def kind_schemas() -> dict[str, dict[str, Any]]:
    return {spec.name: spec.model.model_json_schema() for spec in CATALOG.config_kinds()}


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
        "$schema": "https://json-schema.org/draft/2020-12/schema",
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
    files["environment.schema.json"] = EnvironmentConfig.model_json_schema()
    files["mappings.schema.json"] = Mappings.model_json_schema()
    written = []
    for name, schema in files.items():
        path = directory / name
        atomic_write_text(path, json.dumps(schema, indent=2, sort_keys=True) + "\n")
        written.append(path)
    return written
