"""The parse cache: what the C loader made of each file, so an unchanged file is not parsed again.

One cache file per environment folder in ``.syncset/cache/``. An entry is trusted only when the
file's path, size, mtime *and* content hash all match: the bytes are read and hashed on every
run anyway (the environment's digest needs them), so an edit that keeps the size and the mtime
is still seen. Deleting the folder makes the next run cold. A cache that cannot be read (absent,
truncated, from another version, tampered with) is ignored; one that cannot be written is
skipped. Nothing in it decides where anything is written: the cache file's name is a hash of the
folder's path, chosen here.

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


FORMAT = 1
"""Bumped when the entry layout or the parser's output changes: an older cache is ignored."""

Key = tuple[int, int, bytes]
"""(size, mtime in ns, content hash) of one file."""

_ALLOWED = {
    ("datetime", "date"): datetime.date,
    ("datetime", "datetime"): datetime.datetime,
    ("datetime", "timedelta"): datetime.timedelta,
    ("datetime", "timezone"): datetime.timezone,
}


class _SafeUnpickler(pickle.Unpickler):
    """Only the plain values YAML's safe loader can produce; any other global is refused."""

    def find_class(self, module: str, name: str) -> Any:
        try:
            return _ALLOWED[(module, name)]
        except KeyError:
            raise pickle.UnpicklingError(f"{module}.{name} is not allowed in a cache") from None


def content_key(data: bytes, status: os.stat_result) -> Key:
    return status.st_size, status.st_mtime_ns, hashlib.blake2b(data, digest_size=16).digest()


class ParseCache:
    """Parsed documents by shown path, for one environment folder."""

    def __init__(self, root: Path, folder: Path) -> None:
        name = hashlib.sha256(str(folder.resolve()).encode()).hexdigest()[:24]
        try:
            # a .syncset/ linked out of the repository is neither read nor written through
            self._path: Path | None = confined(root, root / CACHE_DIR / f"{name}.parse", root)
        except SyncsetError:
            self._path = None
        self._old = _load(self._path) if self._path else {}
        self._new: dict[str, tuple[Key, list[Any]]] = {}
        self._changed = False

    def lookup(self, shown: str, key: Key) -> list[Any] | None:
        """The cached documents of ``shown`` when its key is exactly the one stored."""
        entry = self._old.get(shown)
        if entry is None or entry[0] != key:
            return None
        self._new[shown] = entry
        return entry[1]

    def store(self, shown: str, key: Key, documents: list[Any]) -> None:
        self._new[shown] = (key, documents)
        self._changed = True

    def save(self) -> None:
        """Write the entries seen this run (a removed file's entry goes), if anything changed."""
        if self._path is None or (not self._changed and self._new.keys() == self._old.keys()):
            return
        body = pickle.dumps((FORMAT, self._new), protocol=pickle.HIGHEST_PROTOCOL)
        # a read-only checkout still plans; its next run is cold again
        with contextlib.suppress(SyncsetError):
            atomic_write_bytes(self._path, body)


def _load(path: Path) -> dict[str, tuple[Key, list[Any]]]:
    try:
        body = path.read_bytes()
        version, entries = _SafeUnpickler(io.BytesIO(body)).load()
    except Exception:  # any unreadable cache is only a cold run
        return {}
    if version != FORMAT or not isinstance(entries, dict):
        return {}
    return {shown: entry for shown, entry in entries.items() if _well_formed(shown, entry)}


def _well_formed(shown: Any, entry: Any) -> bool:
    if not (isinstance(shown, str) and isinstance(entry, tuple) and len(entry) == 2):
        return False
    key, documents = entry
    return (
        isinstance(key, tuple)
        and len(key) == 3
        and isinstance(documents, list)
        and isinstance(key[2], bytes)
    )
