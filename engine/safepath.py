"""Where syncset may write and read, and with which file modes (docs/security.md).

Nothing from an account or a file decides where we write: every writer asks :func:`confined`
for the path it may write, which refuses anything that is not inside the environment folder the
write belongs to once symbolic links are resolved. Readers use :func:`link_problem` so that a
link never brings a file from outside the environment folder into a plan.

File modes: state syncset keeps for itself (journal, locks, the sandbox file, anything written
inside a ``.syncset`` folder) is private, 0600 in folders of 0700, whatever the umask; a file the
user owns keeps its mode when syncset rewrites it, and a new one gets 0666 minus the umask, as a
plain write would.
"""

from __future__ import annotations

import os
import posixpath
import re
import secrets
import stat
from collections.abc import Sequence
from pathlib import Path

from syncset.errors import RefusedError, SyncsetError
from syncset.schemas.types import ENVIRONMENT_NAME_PATTERN

PRIVATE_FOLDER = ".syncset"
PRIVATE_FILE_MODE = 0o600
PRIVATE_FOLDER_MODE = 0o700


def shown_path(path: Path, root: Path | None) -> str:
    """``path`` relative to ``root`` when it is below it (as messages show files)."""
    if root is not None:
        for base in (root, root.resolve()):
            if path.is_relative_to(base):
                return path.relative_to(base).as_posix()
    return str(path)


def confined(folder: Path, path: Path, root: Path | None = None) -> Path:
    """The real path to write for ``path``, refused unless it stays inside ``folder``.

    ``path`` must lie inside ``folder`` as written (no ``..`` climbing out) and after every
    symbolic link on the way is resolved (no link leading out). The resolved path is returned,
    so a link that stays inside the folder keeps pointing where it did.
    """
    shown = shown_path(path, root)
    where = shown_path(folder, root)
    where = "the repository" if where == "." else where
    lexical = Path(posixpath.normpath(path.absolute().as_posix()))
    if not lexical.is_relative_to(Path(posixpath.normpath(folder.absolute().as_posix()))):
        raise RefusedError(
            f"{shown}: is outside {where}, the folder this write belongs to: nothing was "
            "written; check the name the path was made from (a record id, an environment)"
        )
    real = path.resolve()
    if not real.is_relative_to(folder.resolve()):
        raise RefusedError(
            f"{shown}: a symbolic link on the way leads out of {where} (to {real}): nothing "
            "was written; replace the link with a real folder or file"
        )
    return real


_ENVIRONMENT_NAME = re.compile(ENVIRONMENT_NAME_PATTERN)
GROUP_SEPARATOR = "~"
"""What stands for ``/`` when an environment's name becomes one path component: never part
of a name's segment, so the encoding cannot collide (``customers/acme`` → ``customers~acme``)."""


def environment_component(name: str) -> str:
    """``name`` as one file or folder name, for the state kept per environment (lock, journal
    folder, saved plans): a grouped name's ``/`` becomes ``~``, so every such path is one
    component directly inside its folder and cannot climb out of it. A name that is not an
    environment name (``../x``, ``a//b``, empty) is refused before any path is built."""
    if not _ENVIRONMENT_NAME.fullmatch(name):
        raise RefusedError(
            f"{name!r} is not an environment name: lower-case slugs joined by '/' (such as "
            "dev or customers/acme), no '..' and no empty part; nothing was read or written"
        )
    return name.replace("/", GROUP_SEPARATOR)


def environment_of_component(component: str) -> str | None:
    """The environment :func:`environment_component` made ``component`` from, or None."""
    name = component.replace(GROUP_SEPARATOR, "/")
    return name if _ENVIRONMENT_NAME.fullmatch(name) else None


def link_problem(path: Path, folder: Path) -> str | None:
    """Why ``path`` (a symbolic link) must not be read, or None when it stays in ``folder``."""
    target = path.resolve()
    if target.is_relative_to(folder.resolve()):
        return None
    return (
        f"a symbolic link to {target}, outside the environment folder: syncset reads only "
        "files inside it; copy the file (or folder) in instead of linking it"
    )


def check_repository_path(value: str) -> str:
    """A path setting that must name a place inside the repository, outside ``.git``.

    Used by settings models (the sandbox ``path:``), so that validate refuses it at its
    ``path:line:col``. Links are checked again when the path is opened (:func:`confined`).
    """
    text = value.strip()
    if not text:
        raise ValueError("is empty: give a path relative to the repository root")
    if text.startswith(("/", "\\", "~")) or (len(text) > 1 and text[1] == ":"):
        raise ValueError(
            f"{value!r} is absolute: give a path relative to the repository root "
            "(e.g. .syncset/dev.sqlite)"
        )
    normal = posixpath.normpath(text.replace("\\", "/"))
    if normal == ".." or normal.startswith("../"):
        raise ValueError(
            f"{value!r} climbs out of the repository with '..': keep it inside "
            "(e.g. .syncset/dev.sqlite)"
        )
    if ".git" in normal.split("/"):
        raise ValueError(f"{value!r} is inside .git/, which belongs to git: use .syncset/ instead")
    if normal == ".":
        raise ValueError("names the repository root itself: give a file path")
    return text


def is_private_state(path: Path) -> bool:
    """Whether ``path`` is inside a ``.syncset`` folder: syncset's own state, kept private."""
    return PRIVATE_FOLDER in path.absolute().parts[:-1]


def make_folders(folder: Path, private: bool) -> None:
    """Create ``folder`` and its missing parents: 0700 when private, else as umask says."""
    missing: list[Path] = []
    current = folder
    while not current.exists():
        missing.append(current)
        if current.parent == current:
            break
        current = current.parent
    for path in reversed(missing):
        private_here = private or PRIVATE_FOLDER in path.parts
        try:
            path.mkdir(mode=PRIVATE_FOLDER_MODE if private_here else 0o777)
        except FileExistsError:
            continue  # made by a concurrent writer in the meantime
        if private_here:
            path.chmod(PRIVATE_FOLDER_MODE)  # the umask may have taken owner bits away


def open_new(path: Path, private: bool, flags: int = 0) -> int:
    """Create ``path`` exclusively and return its descriptor: 0600 when private, else
    0666 minus the umask (the kernel applies it, as for any plain write)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | flags, 0o600 if private else 0o666)
    if private:
        os.fchmod(fd, PRIVATE_FILE_MODE)
    return fd


def existing_mode(path: Path) -> int | None:
    """The permission bits of an existing regular file (None when there is none)."""
    try:
        info = path.stat()
    except OSError:
        return None
    return stat.S_IMODE(info.st_mode) if stat.S_ISREG(info.st_mode) else None


def atomic_write_text(path: Path, text: str) -> None:
    """Write a file so that a reader sees the old content or the new one, never half of it."""
    atomic_write_bytes(path, text.encode("utf-8"))


def atomic_write_bytes(path: Path, data: bytes | Sequence[bytes], *, durable: bool = True) -> None:
    """Write ``data`` (or its parts one after another, with no copy joining them) to a
    temporary file beside ``path``, fsync it (unless not ``durable``), then rename it into
    place.

    Modes (see above): private state (inside ``.syncset``) is 0600; a file being
    replaced keeps its mode; a new file gets 0666 minus the umask. A failure is a
    SyncsetError naming the file, and nothing is left half-written. ``durable=False`` skips
    the fsync, for a cache that can tell a damaged file from the one it wrote (its own
    checksum): after a crash the file may be the old one, short, or hold pages of zeros.
    """
    private = is_private_state(path)
    try:
        make_folders(path.parent, private)
        mode = None if private else existing_mode(path)
        tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
        fd = open_new(tmp, private)
    except OSError as exc:
        raise SyncsetError(_cannot_write(path, exc)) from None
    try:
        with os.fdopen(fd, "wb") as handle:
            if mode is not None:
                os.fchmod(handle.fileno(), mode)
            for part in (data,) if isinstance(data, bytes | bytearray | memoryview) else data:
                handle.write(part)
            handle.flush()
            if durable:
                os.fsync(handle.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise SyncsetError(_cannot_write(path, exc)) from None
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _cannot_write(path: Path, exc: OSError) -> str:
    where = Path(exc.filename) if exc.filename else path
    return (
        f"{path}: cannot write ({exc.strerror or exc}, at {where}): nothing was changed; "
        "check that the folder exists, is a folder and is writable"
    )
