"""The parse cache: what the C loader made of each file, so an unchanged file is not parsed again.

One cache file per environment folder in ``.syncset/cache/``. An entry is trusted only when the
file's path, size, mtime *and* content hash all match: the bytes are read and hashed on every
run anyway (the environment's digest needs them), so an edit that keeps the size and the mtime
is still seen. Deleting the folder makes the next run cold. A cache that cannot be read (absent,
truncated, from another version, tampered with) is ignored; one that cannot be written is
skipped. Nothing in it decides where anything is written: the cache file's name is a hash of the
folder's path, chosen here.

An entry may also hold what validation made of the file's documents (their kind, id and
normalised fields), so that a warm plan does not render and validate them again. Those are
trusted only under the same *context*: environment.yaml, mappings.yaml and syncset's own code
(:func:`context_of`: also the Python and pydantic versions), since a record's fields depend
on its variables, its overrides and the kind models. A record that read a secret (an
``env()`` value, a sensitive field) or had any problem is never stored: secrets are never
written to disk, and problems are reported anew. The cache is private state (``.syncset/``,
mode 0600, never committed): whoever can write it can make a plan take a record as valid,
as whoever can write the sandbox file can change the account; a stored record whose kind and
id are not its document's is validated again.

Pickle is used because it is the fastest way back to the parsed trees, with an unpickler that
refuses every global except the ``datetime`` types the safe loader produces, so a crafted cache
file cannot run code.
"""

from __future__ import annotations

import contextlib
import datetime
import hashlib
import io
import os
import pickle
import sys
import zlib
from pathlib import Path
from typing import Any

from syncset.errors import SyncsetError
from syncset.safepath import atomic_write_bytes, confined

CACHE_DIR = Path(".syncset") / "cache"
NO_CACHE_VARIABLE = "SYNCSET_NO_CACHE"
"""Set (to anything but empty or ``0``) to keep every command from using the cache."""


def cache_enabled(asked: bool | None = None) -> bool:
    """Whether a planning command uses the cache: ``asked`` (False from ``--no-cache``) or,
    when it says nothing, on unless ``SYNCSET_NO_CACHE`` says otherwise."""
    if asked is not None:
        return asked
    return os.environ.get(NO_CACHE_VARIABLE, "") in ("", "0")


FORMAT = 4
"""Bumped when the entry layout or the parser's output changes: an older cache is ignored."""

BATCH_ENTRIES = 200
"""Entries pickled together: the cache is a list of such pickles. One pickle of every entry
keeps a memo of every object it wrote, which grows past the processor's caches: at 100,000
files it took 0.95 s against 0.26 s in batches (and 0.05 against 0.03 s at 10,000), for a
slightly smaller file, read back as fast (docs/performance.md)."""

Key = tuple[int, int, bytes]
"""(size, mtime in ns, content hash) of one file."""

Validated = list[tuple[int, str, str, dict[str, Any]]]
"""Each document of a file as validated: (its index in the file, kind, id, fields)."""

Entry = tuple[Key, list[Any], tuple[bytes, Validated] | None]
"""A file's key, its parsed documents, and (context, its validated records) if stored."""

_ALLOWED = {
    ("datetime", "date"): datetime.date,
    ("datetime", "datetime"): datetime.datetime,
    ("datetime", "timedelta"): datetime.timedelta,
    ("datetime", "timezone"): datetime.timezone,
}


class SafeUnpickler(pickle.Unpickler):
    """Only the plain values YAML's safe loader can produce; any other global is refused."""

    def find_class(self, module: str, name: str) -> Any:
        try:
            return _ALLOWED[(module, name)]
        except KeyError:
            raise pickle.UnpicklingError(f"{module}.{name} is not allowed in a cache") from None


def cache_file(root: Path, folder: Path, suffix: str) -> Path | None:
    """Where an environment folder's cache of one sort lives: named by a hash of the folder's
    path, chosen here; None when ``.syncset/`` leads out of the repository (it is then
    neither read nor written through) or cannot be resolved (a loop of links)."""
    name = hashlib.sha256(str(folder.resolve()).encode()).hexdigest()[:24]
    try:
        return confined(root, root / CACHE_DIR / f"{name}.{suffix}", root)
    except (SyncsetError, OSError, RuntimeError):  # RuntimeError: a loop of links
        return None


def content_key(data: bytes, status: os.stat_result) -> Key:
    return status.st_size, status.st_mtime_ns, hashlib.blake2b(data, digest_size=16).digest()


class ParseCache:
    """Parsed documents (and validated records) by shown path, for one environment folder."""

    def __init__(self, root: Path, folder: Path) -> None:
        self._path = cache_file(root, folder, "parse")
        self._old = _load(self._path) if self._path else {}
        self._new: dict[str, Entry] = {}
        self._changed = False

    def __contains__(self, shown: str) -> bool:
        """Whether the cache holds an entry for ``shown`` (of whatever content)."""
        return shown in self._old

    def lookup(self, shown: str, key: Key) -> list[Any] | None:
        """The cached documents of ``shown`` when its key is exactly the one stored."""
        entry = self._old.get(shown)
        if entry is None or entry[0] != key:
            return None
        self._new[shown] = entry
        return entry[1]

    def store(self, shown: str, key: Key, documents: list[Any]) -> None:
        self._new[shown] = (key, documents, None)
        self._changed = True

    def validated(self, shown: str, context: bytes) -> Validated | None:
        """The validated records of ``shown`` as stored under ``context``, if its documents
        came from this cache this run (its key matched) and were stored under that context."""
        entry = self._new.get(shown)
        if entry is None or entry[2] is None or entry[2][0] != context:
            return None
        return entry[2][1]

    def store_validated(self, shown: str, context: bytes, records: Validated) -> None:
        """Keep what validation made of ``shown`` (read this run) under ``context``."""
        entry = self._new.get(shown)
        if entry is not None and entry[2] != (context, records):
            self._new[shown] = (entry[0], entry[1], (context, records))
            self._changed = True

    def save(self) -> None:
        """Write the entries seen this run (a removed file's entry goes), if anything changed."""
        if self._path is None or (not self._changed and self._new.keys() == self._old.keys()):
            return
        entries = list(self._new.items())
        batches = [
            pickle.dumps(dict(entries[start : start + BATCH_ENTRIES]), pickle.HIGHEST_PROTOCOL)
            for start in range(0, len(entries), BATCH_ENTRIES)
        ]
        write_sealed(self._path, pickle.dumps((FORMAT, batches), pickle.HIGHEST_PROTOCOL))


def context_of(*parts: Any) -> bytes:
    """The digest validated records are stored under: ``parts`` (environment.yaml's and
    mappings.yaml's data) and syncset's own code, by its modules' sizes and mtimes, so that a
    changed kind model or validation rule (a new version, an edited checkout) revalidates;
    also the versions of Python and of the libraries that parse, validate and diff."""
    digest = hashlib.blake2b(pickle.dumps(parts, pickle.HIGHEST_PROTOCOL), digest_size=16)
    digest.update(_code_stamp())
    return digest.digest()


_stamp: bytes | None = None


def _code_stamp() -> bytes:
    global _stamp
    if _stamp is None:
        import pydantic
        import pydantic_core

        import syncset
        import syncset.providers
        import syncset.schemas

        # Parsing, validation, normalisation and diffs also depend on the interpreter and
        # these libraries (read from their metadata: importing them would cost start-up).
        versions = (
            sys.version,
            pydantic.VERSION,
            pydantic_core.__version__,
            *(_version(name) for name in _LIBRARIES),
        )
        digest = hashlib.blake2b(repr(versions).encode(), digest_size=16)
        for package in (syncset, syncset.schemas, syncset.providers):
            for folder, _, files in sorted(os.walk(Path(str(package.__file__)).parent)):
                for name in sorted(f for f in files if f.endswith(".py")):
                    status = os.stat(os.path.join(folder, name))
                    digest.update(
                        f"{folder}/{name}:{status.st_size}:{status.st_mtime_ns};".encode()
                    )
        _stamp = digest.digest()
    return _stamp


_LIBRARIES = ("ruamel.yaml", "ruamel.yaml.clib", "jinja2", "deepdiff", "tzdata")
"""Libraries whose behaviour reaches a cached tree, a validated record or a stored plan."""


def _version(distribution: str) -> str:
    from importlib import metadata

    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:  # tzdata where the system has the database
        return "absent"


def write_sealed(path: Path, *parts: bytes) -> None:
    """A cache file: the CRC-32 of ``parts`` joined, then the parts, written without an fsync
    (a cache is worth no wait for the disk) and without a copy joining them (a stored plan is
    tens of MB at 100,000 records). A crash may then leave the old file, a short one or pages
    of zeros (file systems write pages out of order); the CRC tells them from the body
    written, and :func:`read_sealed` reads all of them as no cache. A read-only checkout
    still plans."""
    crc = 0
    for part in parts:
        crc = zlib.crc32(part, crc)
    with contextlib.suppress(SyncsetError):
        atomic_write_bytes(path, [crc.to_bytes(4, "big"), *parts], durable=False)


def read_sealed(path: Path) -> bytes | None:
    """The body :func:`write_sealed` wrote (its parts joined), or None when the file is absent
    or not that."""
    try:
        data = path.read_bytes()
    except OSError:
        return None
    body = data[4:]
    return body if len(data) >= 4 and zlib.crc32(body).to_bytes(4, "big") == data[:4] else None


def _load(path: Path) -> dict[str, Entry]:
    try:
        body = read_sealed(path)
        if body is None:
            return {}
        version, batches = SafeUnpickler(io.BytesIO(body)).load()
        if version != FORMAT or not isinstance(batches, list):
            return {}
        entries: dict[Any, Any] = {}
        for batch in batches:
            entries.update(SafeUnpickler(io.BytesIO(batch)).load())
    except Exception:  # any unreadable cache is only a cold run (a batch not a dict too)
        return {}
    return {shown: entry for shown, entry in entries.items() if _well_formed(shown, entry)}


def _well_formed(shown: Any, entry: Any) -> bool:
    if not (isinstance(shown, str) and isinstance(entry, tuple) and len(entry) == 3):
        return False
    key, documents, validated = entry
    return (
        isinstance(key, tuple)
        and len(key) == 3
        and isinstance(key[2], bytes)
        and isinstance(documents, list)
        and (validated is None or _well_formed_records(validated))
    )


def _well_formed_records(validated: Any) -> bool:
    if not (isinstance(validated, tuple) and len(validated) == 2):
        return False
    context, records = validated
    return (
        isinstance(context, bytes)
        and isinstance(records, list)
        and all(
            isinstance(r, tuple)
            and len(r) == 4
            and isinstance(r[0], int)
            and isinstance(r[1], str)
            and isinstance(r[2], str)
            and isinstance(r[3], dict)
            for r in records
        )
    )
