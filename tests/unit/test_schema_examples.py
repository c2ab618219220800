"""The editor set-up as shipped: the examples and ``syncset init``'s files pass their schemas.

Each YAML file gets the schema that the ``.vscode/settings.json`` of ``syncset init`` assigns to
it (the one the docs show), and each of its ``---`` documents is validated on its own, as
yaml-language-server does (tests/schema_helpers.py).
"""

from __future__ import annotations

import json
import re
from importlib.resources import files
from pathlib import Path
from typing import Any

import pytest
from example_root import EXAMPLE_ROOT, PROJECT_ROOT
from schema_helpers import Schemas, editor_documents, schemas_for

from syncset.config.schema_export import export_schemas
from syncset.init.scaffold import SCHEMA_DIR, scaffold_files, write_scaffold

SETTINGS: dict[str, Any] = json.loads(
    files("syncset.init").joinpath("templates", "vscode-settings.json").read_text("utf-8")
)
"""The editor settings ``syncset init`` writes."""


def yaml_files(root: Path) -> list[str]:
    found = [*root.glob("environments/**/*.yaml"), *root.glob("environments/**/*.yml")]
    return sorted(p.relative_to(root).as_posix() for p in found)


INIT_FILES = sorted(
    rel for rel in scaffold_files() if rel.startswith("environments/") and rel.endswith(".yaml")
)


@pytest.fixture(scope="module")
def example_schemas(tmp_path_factory: pytest.TempPathFactory) -> Schemas:
    folder = tmp_path_factory.mktemp("schemas")
    export_schemas(folder)
    return Schemas(folder)


@pytest.fixture(scope="module")
def init_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("init")
    write_scaffold(root)
    return root


def check_file(schemas: Schemas, settings: dict[str, Any], root: Path, rel: str) -> None:
    (schema,) = schemas_for(settings, rel)  # exactly one schema per file
    name = schema.removeprefix(f"./{SCHEMA_DIR}/")
    documents = editor_documents(root / rel)
    assert documents, rel
    for index, document in enumerate(documents):
        assert schemas.errors(name, document) == [], f"{rel} document {index + 1}"


@pytest.mark.parametrize("rel", yaml_files(EXAMPLE_ROOT))
def test_every_example_document_passes_its_schema(example_schemas: Schemas, rel: str) -> None:
    check_file(example_schemas, SETTINGS, EXAMPLE_ROOT, rel)


def test_the_examples_hold_every_kind_of_file() -> None:
    names = {Path(rel).name for rel in yaml_files(EXAMPLE_ROOT)}
    assert {"environment.yaml", "mappings.yaml"} < names
    assert len(names) > 2


@pytest.mark.parametrize("rel", INIT_FILES)
def test_every_file_init_writes_passes_the_schema_its_settings_give_it(
    init_root: Path, rel: str
) -> None:
    settings = json.loads((init_root / ".vscode/settings.json").read_text("utf-8"))
    check_file(Schemas(init_root / SCHEMA_DIR), settings, init_root, rel)


def test_init_writes_the_settings_the_tests_read_and_the_schemas_they_name(init_root: Path) -> None:
    assert json.loads((init_root / ".vscode/settings.json").read_text("utf-8")) == SETTINGS
    for schema in SETTINGS["yaml.schemas"]:
        assert (init_root / schema).is_file()
    assert {rel for rel in INIT_FILES if rel.endswith("environment.yaml")} == {
        f"environments/{name}/environment.yaml" for name in ("dev", "qa", "prod")
    }


def test_the_docs_show_the_settings_init_writes() -> None:
    page = (PROJECT_ROOT / "docs/yaml-format.md").read_text("utf-8")
    blocks = [json.loads(b) for b in re.findall(r"```json\n(.*?)```", page, re.S)]
    assert SETTINGS in blocks


def test_a_record_file_may_hold_several_kinds_each_document_checked_alone(
    example_schemas: Schemas, tmp_path: Path
) -> None:
    path = tmp_path / "environments/dev/calendars/office.yaml"
    path.parent.mkdir(parents=True)
    path.write_text(
        "kind: calendar\nid: office\nname: Office\nholidays: [xmas]\n"
        "---\nkind: holiday\nid: xmas\nname: Christmas\nstart_at: 2026-12-25\nend_at: 2026-12-25\n"
        "---\nkind: holiday\nid: boxing-day\nname: Boxing Day\nstart_at: 26/12/2026\n"
        "end_at: 2026-12-26\n",
        "utf-8",
    )
    (schema,) = schemas_for(SETTINGS, "environments/dev/calendars/office.yaml")
    name = schema.removeprefix(f"./{SCHEMA_DIR}/")

    errors = [example_schemas.errors(name, doc) for doc in editor_documents(path)]

    assert errors[:2] == [[], []]
    assert len(errors[2]) == 1
    assert errors[2][0].startswith("start_at: '26/12/2026' is not valid under any of")


@pytest.mark.parametrize(
    ("rel", "schema"),
    [
        ("environments/dev/teams/app-dev.yaml", "record"),
        ("environments/dev/teams/nested/app-dev.yml", "record"),
        ("environments/dev/environment.yaml", "environment"),
        ("environments/prod/mappings.yaml", "mappings"),
    ],
)
def test_the_settings_globs_give_each_file_one_schema(rel: str, schema: str) -> None:
    assert schemas_for(SETTINGS, rel) == [f"./{SCHEMA_DIR}/{schema}.schema.json"]
