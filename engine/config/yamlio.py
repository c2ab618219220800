"""Reading YAML fast, and finding positions in it only when they are needed.

Parsing is most of the time of every command, so files are parsed with ruamel.yaml's C-based safe
loader, which builds plain dicts and lists without positions. Positions matter only when
something is wrong: then :class:`Locator` re-parses that one file with the (about 6 times slower)
round-trip loader and looks the position up. Comment-preserving writes (snapshot, map --suggest)
also use the round-trip loader.
"""

from __future__ import annotations

import gc
import os
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedBase, CommentedMap, CommentedSeq
from ruamel.yaml.error import MarkedYAMLError, YAMLError

from syncset.errors import Problem, SyncsetError

MAX_FILE_BYTES = 8 * 1024 * 1024
"""One YAML file may hold at most this much: a larger one is refused before it is parsed."""

KeyPath = Sequence[str | int]


def _fast_loader() -> YAML:
    loader = YAML(typ="safe", pure=False)
    from ruamel.yaml.main import CParser

    if CParser is None or loader.Parser is not CParser:
        raise SyncsetError(
            "ruamel.yaml's C extension is not installed, which makes loading about 6x slower: "
            "run `pip install ruamel.yaml.clib` (make demo / make test install it)."
        )
    return loader


_FAST = _fast_loader()


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector: it triples the time of building large trees."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            # What was built while paused is long-lived: freeze it so that re-enabling does not
            # start with a full collection over every object just loaded.
            gc.freeze()
            gc.enable()


class YamlFileError(Exception):
    """A file could not be read or parsed; carries the one Problem that says why."""

    def __init__(self, problem: Problem) -> None:
        self.problem = problem
        super().__init__(str(problem))


def _position_of_byte(data: bytes, offset: int) -> tuple[int, int]:
    """Line and column (in characters, as editors count) of the byte at ``offset``."""
    before = data[:offset]
    line = before.count(b"\n") + 1
    line_start = before.rfind(b"\n") + 1
    col = len(data[line_start:offset].decode("utf-8", errors="replace")) + 1
    return line, col


def read_text(path: Path, shown: str, digest: Any = None) -> str:
    """Read a UTF-8 file, refusing oversize and undecodable files with a positioned Problem.

    ``digest`` (a hashlib object) is fed the file's name and bytes as they are read.
    """
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise YamlFileError(
                Problem(
                    shown,
                    1,
                    1,
                    f"file is {size / 1e6:.1f} MB, over the {MAX_FILE_BYTES // 2**20} MiB limit "
                    "for one YAML file: split it into one file per record",
                )
            )
        data = path.read_bytes()
        if digest is not None:
            digest.update(shown.encode() + b"\0" + data + b"\0")
    except OSError as exc:
        raise YamlFileError(Problem(shown, 1, 1, f"cannot read file: {exc.strerror}")) from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line, col = _position_of_byte(data, exc.start)
        raise YamlFileError(
            Problem(
                shown,
                line,
                col,
                f"not UTF-8 (byte 0x{data[exc.start]:02x}): save the file as UTF-8",
            )
        ) from None


def _syntax_problem(exc: YAMLError, shown: str, text: str) -> Problem:
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    line, col = (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)
    lines = text.splitlines()
    current = lines[line - 1] if 0 < line <= len(lines) else ""
    if isinstance(exc, MarkedYAMLError):
        what = exc.problem or exc.context or "invalid YAML"
        if "duplicate key" in what:
            what = what.split(" with value")[0]
            what += ": each key may appear once in a mapping; remove or rename one"
        elif "tab" in what or "\t" in current[: max(col, 1)] or _char_at(mark) == "\t":
            what = "tab character used for indentation: YAML indents with spaces only"
        else:
            what = f"invalid YAML: {what}"
    else:
        what = f"invalid YAML: {exc}"
    return Problem(shown, line, col, what)


def _char_at(mark: Any) -> str:
    try:
        return str(mark.buffer[mark.pointer])
    except (AttributeError, IndexError, TypeError):
        return ""


MAX_FLOW_DEPTH = 500
"""Deeper ``[``/``{`` nesting is refused before parsing: the C parser recurses on the C stack
and a file of ~50,000 nested brackets would crash the process instead of raising."""


def _block_depth_problem(text: str, shown: str) -> Problem | None:
    """Block nesting shows as indentation and ``- - -`` prefixes: refuse absurd depths."""
    limit = 2 * MAX_FLOW_DEPTH
    if len(text) <= limit:
        return None
    for number, line in enumerate(text.splitlines(), start=1):
        if len(line) > limit and len(line) - len(line.lstrip(" -")) > limit:
            return Problem(shown, number, 1, f"YAML nested more than {MAX_FLOW_DEPTH} levels deep")
    return None


def _flow_depth_problem(text: str, shown: str) -> Problem | None:
    block = _block_depth_problem(text, shown)
    if block is not None:
        return block
    if text.count("[") + text.count("{") < MAX_FLOW_DEPTH:
        return None
    depth = 0
    line = 1
    quote = ""
    for char in text:
        if char == "\n":
            line += 1
        if quote:
            if char == quote:
                quote = ""
            continue
        if char in "'\"":
            quote = char
        elif char in "[{":
            depth += 1
            if depth > MAX_FLOW_DEPTH:
                return Problem(
                    shown, line, 1, f"YAML nested more than {MAX_FLOW_DEPTH} levels deep"
                )
        elif char in "]}":
            depth = max(0, depth - 1)
    return None


def parse_documents(text: str, shown: str) -> list[Any]:
    """Parse every document of a YAML stream with the C loader (no positions)."""
    too_deep = _flow_depth_problem(text, shown)
    if too_deep is not None:
        raise YamlFileError(too_deep)
    try:
        return list(_FAST.load_all(text))
    except YAMLError as exc:
        raise YamlFileError(_syntax_problem(exc, shown, text)) from None
    except RecursionError:
        raise YamlFileError(Problem(shown, 1, 1, "YAML nested too deeply to read")) from None


def round_trip() -> YAML:
    """A loader/dumper that keeps comments, key order and formatting."""
    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    yaml.width = 100
    yaml.indent(mapping=2, sequence=4, offset=2)
    return yaml


class Locator:
    """Finds the line and column of a key path in a file, parsing it round-trip on first use."""

    def __init__(self, root: Path) -> None:
        self._root = root
        self._documents: dict[str, list[Any]] = {}

    def documents(self, shown: str) -> list[Any]:
        if shown not in self._documents:
            try:
                text = (self._root / shown).read_text(encoding="utf-8-sig")
                self._documents[shown] = list(round_trip().load_all(text))
            except (OSError, YAMLError, UnicodeDecodeError, RecursionError):
                self._documents[shown] = []
        return self._documents[shown]

    def position(
        self, shown: str, document: int, path: KeyPath = (), at_value: bool = False
    ) -> tuple[int, int]:
        """1-based (line, col) of ``path`` in a document; the nearest parent if it is absent."""
        documents = self.documents(shown)
        if document >= len(documents):
            return 1, 1
        node: Any = documents[document]
        best = _start(node)
        for index, step in enumerate(path):
            last = index == len(path) - 1
            if isinstance(node, CommentedMap) and step in node:
                key_pos = node.lc.key(step)
                value_pos = node.lc.value(step)
                best = _one_based(value_pos if (at_value or not last) else key_pos)
                node = node[step]
            elif isinstance(node, CommentedSeq) and isinstance(step, int) and step < len(node):
                best = _one_based(node.lc.item(step))
                node = node[step]
            else:
                break
            if not last and isinstance(node, CommentedBase):
                best = _start(node) if best is None else best
        return best or (1, 1)


def _start(node: Any) -> tuple[int, int] | None:
    if isinstance(node, CommentedBase) and node.lc.line is not None:
        return node.lc.line + 1, node.lc.col + 1
    return None


def _one_based(pos: tuple[int, int]) -> tuple[int, int]:
    return pos[0] + 1, pos[1] + 1


def atomic_write_text(path: Path, text: str) -> None:
    """Write a file so that a reader sees the old content or the new one, never half of it."""
    atomic_write_bytes(path, text.encode("utf-8"))


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write to a temporary file beside ``path``, fsync it, then rename it into place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
