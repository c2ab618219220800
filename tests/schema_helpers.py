"""The exported editor schemas, checked the way an editor checks YAML with them.

The validator is the third-party ``jsonschema`` (draft 2020-12, ``format`` checked). The files
refer to each other by relative ``$ref`` (``./team.schema.json``); a ``referencing`` registry
holds each under its file URI, so a reference resolves next to the file, as yaml-language-server
resolves it. YAML is read as yaml-language-server reads it, YAML 1.2: a date is a string
(syncset's own loader makes it a date). Each ``---`` document is validated on its own.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from ruamel.yaml import YAML
from ruamel.yaml.constructor import SafeConstructor

from syncset.config.templating import Renderer
from syncset.schemas import CATALOG


class _EditorConstructor(SafeConstructor):
    """YAML 1.2's core schema as editors use it: no timestamps, so dates stay text."""


_EditorConstructor.add_constructor(
    "tag:yaml.org,2002:timestamp", SafeConstructor.construct_yaml_str
)


def editor_documents(path: Path) -> list[Any]:
    """Every ``---`` document of ``path``, as an editor sees it."""
    loader = YAML(typ="safe", pure=True)
    loader.Constructor = _EditorConstructor
    return list(loader.load_all(path.read_text("utf-8")))


class Schemas:
    """The schema files of one folder, validating through a registry of their file URIs."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder.resolve()
        self.files = {p.name: json.loads(p.read_text("utf-8")) for p in self.folder.iterdir()}
        self.registry: Registry[Any] = Registry().with_resources(
            (self.uri(name), Resource.from_contents(schema)) for name, schema in self.files.items()
        )
        self._validators: dict[str, Draft202012Validator] = {}

    def uri(self, name: str) -> str:
        return (self.folder / name).as_uri()

    def validator(self, name: str) -> Draft202012Validator:
        if name not in self._validators:
            self._validators[name] = Draft202012Validator(
                {"$ref": self.uri(name)},
                registry=self.registry,
                format_checker=Draft202012Validator.FORMAT_CHECKER,
            )
        return self._validators[name]

    def errors(self, name: str, document: Any) -> list[str]:
        """``path: message`` of every error of ``document`` against schema file ``name``."""
        found = self.validator(name).iter_errors(document)
        return sorted(f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in found)


def glob_regex(pattern: str) -> re.Pattern[str]:
    """A ``yaml.schemas`` glob as yaml-language-server applies it: ``**/`` in front, so it
    matches at any depth; ``*`` stays within a folder, ``**/`` spans folders."""
    out = ""
    for part in re.split(r"(\*\*/|\*|\?)", "**/" + pattern.lstrip("/")):
        if part == "**/":
            out += "(?:.*/)?"
        elif part == "*":
            out += "[^/]*"
        elif part == "?":
            out += "[^/]"
        else:
            out += re.escape(part)
    return re.compile(out + r"\Z")


def schemas_for(settings: dict[str, Any], relative: str) -> list[str]:
    """The schema files a ``.vscode/settings.json`` assigns to a repository-relative path."""
    found = []
    for schema, globs in settings["yaml.schemas"].items():
        patterns = [globs] if isinstance(globs, str) else globs
        if any(glob_regex(p).match(relative) for p in patterns):
            found.append(schema)
    return found


def model_accepts(record: dict[str, Any], variables: dict[str, Any]) -> bool:
    """Whether syncset's validate takes the record: templates rendered, then its kind's model."""
    rendered, _ = Renderer(variables).render_tree(record, skip_top=frozenset({"kind", "id"}))
    try:
        CATALOG[record["kind"]].model.model_validate(rendered)
    except ValueError:  # pydantic's ValidationError
        return False
    return True
