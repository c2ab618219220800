"""Load: find the repository and its environments, and read their YAML files into documents.

Nothing here interprets a record; it only turns files into :class:`Document` values (plain
data plus where it came from) and collects every file-level problem instead of stopping at the
first one.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from syncset.config import parse_pool
from syncset.config.digest import FilesDigest
from syncset.config.parse_cache import Key, ParseCache, content_key
from syncset.config.parse_pool import FileCheck, Parsed, parse_files
from syncset.config.yamlio import YamlFileError, gc_paused, read_bytes
from syncset.errors import Problem, RefusedError, RepositoryError
from syncset.progress_events import Step, notify
from syncset.safepath import environment_component, link_problem

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
    """Every environment of ``environments/``, sorted: a folder holding ``environment.yaml``
    is one, named by its path below ``environments/`` (``dev``, ``customers/acme``); a folder
    without one is a *group* and is searched further. Hidden folders are skipped.

    An environment inside another is refused (RepositoryError): its files would be the outer
    environment's records too, and a plan of one would remove the other's.
    """
    base = root / ENVIRONMENTS_DIR
    names: list[str] = []
    pending = [(base, "")]
    while pending:
        folder, name = pending.pop()
        if name and (folder / ENVIRONMENT_FILE).is_file():
            names.append(name)
            _refuse_nested(root, folder, name)
            continue
        for entry in _subfolders(folder):
            pending.append((Path(entry.path), f"{name}/{entry.name}" if name else entry.name))
    return sorted(names)


def _subfolders(folder: Path) -> list[os.DirEntry[str]]:
    """The visible subfolders of ``folder``; a linked folder is listed only when it holds an
    environment (so that :func:`environment_folder` can refuse it by name), never walked."""
    try:
        with os.scandir(folder) as entries:
            found = [e for e in entries if not e.name.startswith(".") and e.is_dir()]
    except OSError:
        return []
    return [e for e in found if not e.is_symlink() or (Path(e.path) / ENVIRONMENT_FILE).is_file()]


def _refuse_nested(root: Path, folder: Path, name: str) -> None:
    for directory, subfolders, files in os.walk(folder):
        subfolders[:] = sorted(d for d in subfolders if not d.startswith("."))
        if directory != str(folder) and ENVIRONMENT_FILE in files:
            inner = Path(directory).relative_to(root / ENVIRONMENTS_DIR).as_posix()
            raise RepositoryError(
                f"{ENVIRONMENTS_DIR}/{inner}/{ENVIRONMENT_FILE}: environment {inner!r} lies "
                f"inside environment {name!r}, and environments cannot nest (the outer one "
                f"would read the inner one's records as its own): move {inner} out of "
                f"{ENVIRONMENTS_DIR}/{name}/, e.g. beside it, or group both in a folder "
                f"without an {ENVIRONMENT_FILE}"
            )


_GLOB_CHARACTERS = frozenset("*?[")


def select_environments(
    root: Path, patterns: Iterable[str], *, keep_unknown: bool = False
) -> list[str]:
    """The environments ``patterns`` select, each once, in the order the patterns give them
    (sorted within a pattern): exact names, or globs as fnmatch's where ``*`` and ``?`` stay
    inside one folder (``customers/*`` is every customer, not their groups' groups) and
    ``**`` crosses folders. A pattern that selects nothing is an error naming the candidates:
    a typo must not silently plan nothing. With ``keep_unknown``, an exact name that is not
    an environment is kept instead, for a command that reports each environment's failure
    beside the others' results (drift)."""
    known = environment_names(root)
    chosen: dict[str, None] = {}
    for pattern in patterns:
        if _GLOB_CHARACTERS.isdisjoint(pattern):
            matched = [pattern] if pattern in known or keep_unknown else []
        else:
            regex = _glob_regex(pattern)
            matched = [name for name in known if regex.fullmatch(name)]
        if not matched:
            raise RepositoryError(_no_match(pattern, known))
        chosen.update(dict.fromkeys(matched))
    return list(chosen)


def select_environment(root: Path, pattern: str, command: str) -> str:
    """The one environment ``pattern`` selects, for a command that works on one."""
    selected = select_environments(root, [pattern])
    if len(selected) > 1:
        raise RepositoryError(
            f"{pattern!r} selects {len(selected)} environments ({', '.join(selected)}): "
            f"{command} works on one; name it exactly"
        )
    return selected[0]


def _glob_regex(pattern: str) -> re.Pattern[str]:
    """fnmatch's translation, except that ``*``/``?`` never match ``/`` and ``**`` does
    (``**/`` also matches no folder at all, as in .gitignore)."""
    out: list[str] = []
    i = 0
    while i < len(pattern):
        char = pattern[i]
        if pattern.startswith("**/", i):
            out.append("(?:.*/)?")  # customers/**/acme matches customers/acme too
            i += 3
            continue
        if pattern.startswith("**", i):
            out.append(".*")
            i += 2
            continue
        if char == "*":
            out.append("[^/]*")
        elif char == "?":
            out.append("[^/]")
        elif char == "[" and (end := pattern.find("]", i + 2)) != -1:
            body = pattern[i + 1 : end]
            body = "^" + body[1:] if body.startswith("!") else body
            out.append(f"(?!/)[{body.replace(chr(92), chr(92) * 2)}]")
            i = end + 1
            continue
        else:
            out.append(re.escape(char))
        i += 1
    try:
        return re.compile("".join(out))
    except re.error as exc:  # a character class such as [z-a]
        raise RepositoryError(
            f"{pattern!r} is not a pattern syncset can read ({exc.msg}): use names, * and ? "
            "within one folder, ** across folders, [abc] for one of several characters"
        ) from None


def _no_match(pattern: str, known: list[str]) -> str:
    listed = ", ".join(known) or "none"
    if _GLOB_CHARACTERS.isdisjoint(pattern):
        return (
            f"unknown environment {pattern!r}: no {ENVIRONMENTS_DIR}/{pattern}/"
            f"{ENVIRONMENT_FILE} (environments: {listed})"
        )
    return (
        f"no environment matches {pattern!r} ('*' stays within one folder, '**' crosses "
        f"folders; environments: {listed})"
    )


def environment_folder(root: Path, name: str) -> Path:
    try:
        environment_component(name)  # refuses '../x' and other non-names before a path is built
    except RefusedError:
        if name in environment_names(root):  # a real folder with a name syncset cannot use
            raise RepositoryError(
                f"{ENVIRONMENTS_DIR}/{name}/: {name!r} is not an environment name: rename the "
                "folder to lower-case letters, digits, '-', '_' or '.' (groups joined by '/')"
            ) from None
        raise
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


def record_files(
    folder: Path, problems: list[Problem] | None = None, root: Path | None = None
) -> list[Path]:
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
                    if _outside_link(Path(entry.path), folder, problems, root) or entry.is_dir():
                        continue
                elif entry.is_dir():
                    pending.append((Path(entry.path), False))
                    continue
                if is_yaml:
                    files.append(Path(entry.path))
    return sorted(files)


def _outside_link(
    path: Path, folder: Path, problems: list[Problem] | None, root: Path | None = None
) -> bool:
    """Whether the link ``path`` leads out of ``folder`` (and so must not be read)."""
    why = link_problem(path, folder)
    if why is not None and problems is not None:
        problems.append(Problem(_shown(root or folder.parent.parent, path), 1, 1, why))
    return why is not None


def _shown(root: Path, path: Path) -> str:
    return path.relative_to(root).as_posix() if path.is_relative_to(root) else str(path)


def shown_path(root: Path, path: Path) -> str:
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
    digest: FilesDigest | None = None,
    cache: ParseCache | None = None,
) -> list[Document]:
    """Parse one file; a file that cannot be read adds its Problem and yields no documents.

    With a ``cache``, a file whose size, mtime and content hash are those stored is not parsed
    again; a file that fails to read or parse is never stored (its Problem comes back each run).
    """
    return read_many(root, [path], problems, digest, cache)


def read_many(
    root: Path,
    paths: list[Path],
    problems: list[Problem],
    digest: FilesDigest | None = None,
    cache: ParseCache | None = None,
    told: bool = False,
    started: Callable[[], None] | None = None,
    check: FileCheck[Any] | None = None,
) -> list[Document]:
    """:func:`read_documents` for many files, in their order: every file is read (and fed to
    ``digest``) first, then those the cache does not hold are parsed together, on several
    cores when there are many (config/parse_pool.py). Problems come out in file order.
    ``told``: each file done is told to a display on a terminal (cli/reading.py).
    ``started``: called as parsing starts, ``check`` on each file parsed (see
    :func:`~syncset.config.parse_pool.parse_files`)."""
    tell = notify if told else lambda step, done, total: None
    names = [shown_path(root, path) for path in paths]
    if started is not None and not _may_fork(names, cache):
        started()  # no worker will be forked: no need to wait for the files to be read
        started = None
    slots: list[tuple[str, Parsed | None]] = []
    pending: list[tuple[str, bytes]] = []
    keys: list[Key | None] = []
    for path, shown in zip(paths, names, strict=True):
        try:
            raw, status = read_bytes(path, shown, digest)
        except YamlFileError as exc:
            slots.append((shown, exc.problem))
            continue
        key = content_key(raw, status) if cache is not None else None
        cached = cache.lookup(shown, key) if cache is not None and key is not None else None
        slots.append((shown, cached))
        if cached is None:
            pending.append((shown, raw))
            keys.append(key)
    tell(Step.FILES, 0, len(paths))
    parsed = iter(parse_files(pending, started, check))
    fresh = iter(keys)
    documents: list[Document] = []
    for done, (shown, slot) in enumerate(slots, 1):
        tell(Step.FILES, done, len(slots))
        data = next(parsed) if slot is None else slot
        if slot is None:
            key = next(fresh)
            if cache is not None and key is not None and not isinstance(data, Problem):
                cache.store(shown, key, data)
        if isinstance(data, Problem):
            problems.append(data)
            continue
        documents.extend(Document(shown, i, doc) for i, doc in enumerate(data) if doc is not None)
    return documents


def _may_fork(names: list[str], cache: ParseCache | None) -> bool:
    """Whether parsing these files may start the parse pool: not when fewer than its minimum
    are left to parse once the cache has given what it holds (a file changed since is parsed
    anyway; the pool never forks while another thread runs, so a wrong guess only costs the
    pool)."""
    left = len(names) if cache is None else sum(1 for name in names if name not in cache)
    return left >= parse_pool.PARALLEL_MIN_FILES


def read_single(
    root: Path, path: Path, problems: list[Problem], digest: FilesDigest | None = None
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
    digest: FilesDigest | None = None,
    *,
    parse_cache: bool = False,
) -> tuple[Document | None, Document | None, list[Document]]:
    """environment.yaml, mappings.yaml (None when absent) and every record document: what
    :func:`read_environment_header` and then :func:`read_record_documents` read.

    ``digest`` (a :class:`~syncset.config.digest.FilesDigest`) is fed every file read, in a
    fixed order: the environment's digest, which a saved plan records so that apply can refuse
    it when the folder changed.
    """
    config, mappings = read_environment_header(root, folder, problems, digest)
    cache = ParseCache(root, folder) if parse_cache else None
    documents = read_record_documents(root, folder, problems, digest, cache=cache)
    if cache is not None:
        cache.save()
    return config, mappings, documents


def read_environment_header(
    root: Path, folder: Path, problems: list[Problem], digest: FilesDigest | None = None
) -> tuple[Document | None, Document | None]:
    """environment.yaml and mappings.yaml (None when absent), read before the record files:
    the account they name can be read while the records are parsed (plan/prefetch.py)."""
    config_path, mappings_path = folder / ENVIRONMENT_FILE, folder / MAPPINGS_FILE
    config = None
    if not (config_path.is_symlink() and _outside_link(config_path, folder, problems, root)):
        config = read_single(root, config_path, problems, digest)
    mappings = None
    if mappings_path.exists() and not (
        mappings_path.is_symlink() and _outside_link(mappings_path, folder, problems, root)
    ):
        mappings = read_single(root, mappings_path, problems, digest)
    return config, mappings


def read_record_documents(
    root: Path,
    folder: Path,
    problems: list[Problem],
    digest: FilesDigest | None = None,
    *,
    cache: ParseCache | None = None,
    started: Callable[[], None] | None = None,
    paths: list[Path] | None = None,
    check: FileCheck[Any] | None = None,
) -> list[Document]:
    """Every record document of the environment folder, after its header in the digest.

    With a ``cache`` (config/parse_cache.py), unchanged record files are not parsed again;
    the caller saves it. ``started`` is called as parsing starts, ``check`` on each file
    parsed (see :func:`read_many`). ``paths``: :func:`record_files` of the folder, when the
    caller has them.
    """
    with gc_paused():
        if paths is None:
            paths = record_files(folder, problems, root)
        return read_many(root, paths, problems, digest, cache, True, started, check)
