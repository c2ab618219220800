"""The environment's digest and its files' stamps, fed as each file is read.

A saved plan records the digest, so that apply can refuse the plan when the folder changed;
plan/reuse.py keeps a plan under the stamps.
"""

from __future__ import annotations

import hashlib
import os

FileStamp = tuple[str, int, int, int, int, int]
"""(shown path, size, mtime ns, ctime ns, inode, device) of a file, from its ``stat``."""


def stamp_of(shown: str, status: os.stat_result) -> FileStamp:
    return (
        shown,
        status.st_size,
        status.st_mtime_ns,
        status.st_ctime_ns,
        status.st_ino,
        status.st_dev,
    )


class FilesDigest:
    """The environment's digest: sha256 of the files read, names and bytes in a fixed order
    (a saved plan records it, so that apply can refuse it when the folder changed), and the
    ``stat`` stamp each file had before it was read (plan/reuse.py keeps a plan under them)."""

    def __init__(self) -> None:
        self._sha = hashlib.sha256()
        self.stamps: list[FileStamp] = []

    def add(self, shown: str, data: bytes, status: os.stat_result) -> None:
        self._sha.update(shown.encode() + b"\0" + data + b"\0")
        self.stamps.append(stamp_of(shown, status))

    def hexdigest(self) -> str:
        return self._sha.hexdigest()
