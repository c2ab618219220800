"""Load: find the repository and its environments, and read their YAML files into documents.

Nothing here interprets a record; it only turns files into :class:`Document` values (plain
data plus where it came from) and collects every file-level problem instead of stopping at the
first one.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from engine.errors import Problem, RepositoryError
from engine.yamlio import YamlFileError, gc_paused, parse_documents, read_text

ENVIRONMENTS_DIR = "environments"
ENVIRONMENT_FILE = "environment.yaml"
MAPPINGS_FILE = "mappings.yaml"
RESERVED_FILES = frozenset({ENVIRONMENT_FILE, MAPPINGS_FILE})


@dataclass(frozen=True, slots=True)
class Document:
    """One YAML document of a file: its data (as parsed) and where it came from."""

    path: str
    index: int
    data: Any


def find_root(start: Path | None = None) -> Path:
    """The repository root: the nearest folder upwards holding ``environments/``.

    ``SYNCSET_ROOT`` overrides the search (for CI jobs that run from elsewhere).
    """
    override = os.environ.get("SYNCSET_ROOT")
    if override:
        root = Path(override).resolve()
        if not (root / ENVIRONMENTS_DIR).is_dir():
            raise RepositoryError(f"SYNCSET_ROOT={override} has no {ENVIRONMENTS_DIR}/ folder")
        return root
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / ENVIRONMENTS_DIR).is_dir():
            return folder
    raise RepositoryError(
        f"no {ENVIRONMENTS_DIR}/ folder here or above {here}: run syncset from the repository"
    )


def environment_names(root: Path) -> list[str]:
    """Every folder of ``environments/`` that has an ``environment.yaml``, sorted."""
    base = root / ENVIRONMENTS_DIR
    return sorted(p.parent.name for p in base.glob(f"*/{ENVIRONMENT_FILE}"))


def environment_folder(root: Path, name: str) -> Path:
    folder = root / ENVIRONMENTS_DIR / name
    if not (folder / ENVIRONMENT_FILE).is_file():
        known = ", ".join(environment_names(root)) or "none"
        raise RepositoryError(
            f"unknown environment {name!r}: no {ENVIRONMENTS_DIR}/{name}/{ENVIRONMENT_FILE} "
            f"(environments: {known})"
        )
    return folder


def record_files(folder: Path) -> list[Path]:
    """Every ``*.yaml``/``*.yml`` below an environment folder except its two reserved files."""
    files = [
        path
        for pattern in ("*.yaml", "*.yml")
        for path in folder.rglob(pattern)
        if path.is_file()
        and not (path.parent == folder and path.name in RESERVED_FILES)
        and not any(part.startswith(".") for part in path.relative_to(folder).parts)
    ]
    return sorted(files)


def read_documents(root: Path, path: Path, problems: list[Problem]) -> list[Document]:
    """Parse one file; a file that cannot be read adds its Problem and yields no documents."""
    shown = path.relative_to(root).as_posix() if path.is_relative_to(root) else str(path)
    try:
        text = read_text(path, shown)
        data = parse_documents(text, shown)
    except YamlFileError as exc:
        problems.append(exc.problem)
        return []
    return [Document(shown, index, doc) for index, doc in enumerate(data) if doc is not None]


def read_single(root: Path, path: Path, problems: list[Problem]) -> Document | None:
    """A file that must hold exactly one mapping (environment.yaml, mappings.yaml)."""
    documents = read_documents(root, path, problems)
    if not documents:
        return None
    if len(documents) > 1 or not isinstance(documents[0].data, dict):
        problems.append(
            Problem(documents[0].path, 1, 1, "expected exactly one YAML mapping in this file")
        )
        return None
    return documents[0]


def read_environment_files(
    root: Path, folder: Path, problems: list[Problem]
) -> tuple[Document | None, Document | None, list[Document]]:
    """environment.yaml, mappings.yaml (None when absent) and every record document."""
    with gc_paused():
        config = read_single(root, folder / ENVIRONMENT_FILE, problems)
        mappings_path = folder / MAPPINGS_FILE
        mappings = read_single(root, mappings_path, problems) if mappings_path.exists() else None
        documents: list[Document] = []
        for path in record_files(folder):
            documents.extend(read_documents(root, path, problems))
    return config, mappings, documents


def folder_digest(root: Path, folder: Path) -> str:
    """A digest of every file of an environment folder (names and bytes).

    A saved plan records it; apply refuses the plan when the folder no longer has the same
    digest, whether or not the change was committed.
    """
    import hashlib

    digest = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        relative = path.relative_to(root).as_posix()
        if any(part.startswith(".") for part in path.relative_to(folder).parts):
            continue
        digest.update(relative.encode())
        digest.update(b"\0")
        digest.update(path.read_bytes())
        digest.update(b"\0")
    return "sha256:" + digest.hexdigest()
