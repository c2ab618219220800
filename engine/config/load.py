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

from syncset.config.parse_cache import ParseCache, content_key
from syncset.config.yamlio import (
    YamlFileError,
    decode_text,
    gc_paused,
    parse_documents,
    read_bytes,
)
from syncset.errors import Problem, RepositoryError
from syncset.safepath import link_problem

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
    if not folder.resolve().is_relative_to(root.resolve()):
        raise RepositoryError(
            f"{ENVIRONMENTS_DIR}/{name}: a symbolic link to {folder.resolve()}, outside the "
            "repository: syncset reads and writes only inside it; move the folder in instead"
        )
    return folder


def record_files(folder: Path, problems: list[Problem] | None = None) -> list[Path]:
    """Every ``*.yaml``/``*.yml`` below an environment folder except its two reserved files;
    hidden files and folders are skipped. One walk of the tree (it is on every command's path).

    A symbolic link that leads out of the folder is never read (a Problem in ``problems``); one
    that stays inside is read as a file, or skipped as a folder (its target is walked anyway).
    """
    files: list[Path] = []
    pending = [(folder, True)]
    while pending:
        directory, top = pending.pop()
        with os.scandir(directory) as entries:
            for entry in entries:
                name = entry.name
                if name.startswith(".") or (top and name in RESERVED_FILES):
                    continue
                is_yaml = name.endswith((".yaml", ".yml"))
                if entry.is_symlink():
                    if not (is_yaml or entry.is_dir()):
                        continue
                    if _outside_link(Path(entry.path), folder, problems) or entry.is_dir():
                        continue
                elif entry.is_dir():
                    pending.append((Path(entry.path), False))
                    continue
                if is_yaml:
                    files.append(Path(entry.path))
    return sorted(files)


def _outside_link(path: Path, folder: Path, problems: list[Problem] | None) -> bool:
    """Whether the link ``path`` leads out of ``folder`` (and so must not be read)."""
    why = link_problem(path, folder)
    if why is not None and problems is not None:
        problems.append(Problem(_shown(folder, path), 1, 1, why))
    return why is not None


def _shown(folder: Path, path: Path) -> str:
    root = folder.parent.parent
    return path.relative_to(root).as_posix() if path.is_relative_to(root) else str(path)


def _relative(root: Path, path: Path) -> str:
    """``path`` as shown in messages: relative to the repository when inside it.

    String slicing, not ``Path.relative_to``: it runs once per file of every command, and
    pathlib's version costs more than reading a small file.
    """
    prefix = f"{root}{os.sep}"
    text = str(path)
    if text.startswith(prefix):
        return text[len(prefix) :].replace(os.sep, "/")
    return path.relative_to(root).as_posix() if path.is_relative_to(root) else text


def read_documents(
    root: Path,
    path: Path,
    problems: list[Problem],
    digest: Any = None,
    cache: ParseCache | None = None,
) -> list[Document]:
    """Parse one file; a file that cannot be read adds its Problem and yields no documents.

    With a ``cache``, a file whose size, mtime and content hash are those stored is not parsed
    again; a file that fails to read or parse is never stored (its Problem comes back each run).
    """
    shown = _relative(root, path)
    try:
        raw, status = read_bytes(path, shown, digest)
        key = content_key(raw, status) if cache is not None else None
        data = cache.lookup(shown, key) if cache is not None and key is not None else None
        if data is None:
            data = parse_documents(decode_text(raw, shown), shown)
            if cache is not None and key is not None:
                cache.store(shown, key, data)
    except YamlFileError as exc:
        problems.append(exc.problem)
        return []
    return [Document(shown, index, doc) for index, doc in enumerate(data) if doc is not None]


def read_single(
    root: Path, path: Path, problems: list[Problem], digest: Any = None
) -> Document | None:
    """A file that must hold exactly one mapping (environment.yaml, mappings.yaml)."""
    documents = read_documents(root, path, problems, digest)
    if not documents:
        return None
    if len(documents) > 1 or not isinstance(documents[0].data, dict):
        problems.append(
            Problem(documents[0].path, 1, 1, "expected exactly one YAML mapping in this file")
        )
        return None
    return documents[0]


def read_environment_files(
    root: Path,
    folder: Path,
    problems: list[Problem],
    digest: Any = None,
    *,
    parse_cache: bool = False,
) -> tuple[Document | None, Document | None, list[Document]]:
    """environment.yaml, mappings.yaml (None when absent) and every record document.

    With ``parse_cache``, record files go through the environment's parse cache
    (config/parse_cache.py).

    ``digest`` (a hashlib object) is fed every file read, in a fixed order: the environment's
    digest, which a saved plan records so that apply can refuse it when the folder changed.
    """
    with gc_paused():
        config_path, mappings_path = folder / ENVIRONMENT_FILE, folder / MAPPINGS_FILE
        config = None
        if not (config_path.is_symlink() and _outside_link(config_path, folder, problems)):
            config = read_single(root, config_path, problems, digest)
        mappings = None
        if mappings_path.exists() and not (
            mappings_path.is_symlink() and _outside_link(mappings_path, folder, problems)
        ):
            mappings = read_single(root, mappings_path, problems, digest)
        cache = ParseCache(root, folder) if parse_cache else None
        documents: list[Document] = []
        for path in record_files(folder, problems):
            documents.extend(read_documents(root, path, problems, digest, cache))
        if cache is not None:
            cache.save()
    return config, mappings, documents
