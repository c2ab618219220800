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
import re
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedBase, CommentedMap, CommentedSeq
from ruamel.yaml.error import MarkedYAMLError, YAMLError

from syncset.config.digest import FilesDigest
from syncset.errors import Problem, SyncsetError

MAX_FILE_BYTES = 8 * 1024 * 1024
"""One YAML file may hold at most this much: a larger one is refused before it is parsed."""

KeyPath = Sequence[str | int]


def _fast_loader() -> YAML:
    loader = YAML(typ="safe", pure=False)
    from ruamel.yaml.main import CParser  # type: ignore[attr-defined]  # set only with the C ext

    if CParser is None or loader.Parser is not CParser:
        raise SyncsetError(
            "ruamel.yaml's C extension is not installed, which makes loading about 6x slower: "
            "run `pip install ruamel.yaml.clib` (make demo / make test install it)."
        )
    return loader


_FAST = _fast_loader()


def _loader_class(yaml: YAML) -> type[Any]:
    """The loader ``yaml.load_all`` builds for the C parser, built once instead of per call.

    ruamel.yaml defines this class anew on every ``load_all`` (its ``XLoader``) and looks up
    the YAML version per scalar through two caught AttributeErrors: together about a fifth of
    parsing a small file. This is the same class, with the same constructor and resolver set
    up the same way; its ``processing_version`` is what ruamel's lookup comes to for it (the
    loader has neither ``_scanner`` nor ``typ`` nor ``_serializer``): the configured version,
    else YAML 1.2. tests/unit/test_yamlio_loader.py compares both on every sample file.
    """
    from ruamel.yaml.resolver import _DEFAULT_YAML_VERSION  # type: ignore[attr-defined]

    parser, constructor, resolver = yaml.Parser, yaml.Constructor, yaml.Resolver
    version, duplicates = yaml.version, yaml.allow_duplicate_keys

    class Loader(parser, constructor, resolver):  # type: ignore[misc, valid-type]
        def __init__(self, stream: str) -> None:
            parser.__init__(self, stream)
            self._parser = self._composer = self
            constructor.__init__(self, loader=self)
            self.allow_duplicate_keys = duplicates
            resolver.__init__(self, version=version, loadumper=self)
            self._processing_version = self._loader_version or _DEFAULT_YAML_VERSION

        @property
        def processing_version(self) -> Any:
            return self._processing_version

        def resolve(self, kind: Any, value: Any, implicit: Any) -> Any:
            """The node's tag, as the resolver gives it, remembered for short values: mapping
            keys and small scalars repeat across files (``kind``, ``id``, ``true``, weekdays),
            and the resolver's regular expressions cost about a fifth of parsing a file."""
            if self.yaml_path_resolvers or (value is not None and len(value) > _TAG_VALUE_MAX):
                return resolver.resolve(self, kind, value, implicit)
            key = (kind, value, implicit, self._processing_version)
            tag = _TAGS.get(key)
            if tag is None:
                tag = resolver.resolve(self, kind, value, implicit)
                if len(_TAGS) < _TAGS_MAX:
                    _TAGS[key] = tag
            return tag

    return Loader


_TAG_VALUE_MAX = 64
"""Longer scalars (descriptions, HTML) are resolved each time: they rarely repeat."""
_TAGS_MAX = 50_000
"""Remembered tags at most (a few MB): what files hold never grows this without bound."""
_TAGS: dict[tuple[Any, Any, Any, Any], Any] = {}
"""(node kind, value, implicit, YAML version) → tag, shared by every loader: the resolver's
answer depends on nothing else (the safe loader adds no path resolvers). A
tag object is shared between nodes; nothing changes one once made (it caches its own text)."""


_LOADER = _loader_class(_FAST)


def _load_all(text: str) -> list[Any]:
    """Every document of ``text``, as ``_FAST.load_all(text)`` gives them."""
    loader = _LOADER(text)
    try:
        documents = []
        while loader.check_data():
            documents.append(loader.get_data())
        return documents
    finally:
        loader.dispose()
        # The loader is its own parser, composer, constructor and resolver: those attributes
        # point back at it, a cycle that only the cyclic collector frees, and plan pauses it
        # (gc_paused). Cleared, the loader goes when this returns; kept, every file's loader
        # (its nodes, its resolver tables) stayed until the command ended: about 7 KB per
        # file, 0.7 GB at 100,000 files (docs/performance.md).
        loader.__dict__.clear()


_PAUSES = threading.Lock()
_paused = 0  # pauses open now, in every thread (ci plan --workers plans in threads)
_resume = False  # whether the collector was on when the first of them began


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector: it triples the time of building large trees.

    Pauses nest and may overlap across threads: the collector comes back when the last open
    pause ends (not when the first thread is done while others still build their trees)."""
    global _paused, _resume
    with _PAUSES:
        if _paused == 0:
            _resume = gc.isenabled()
            gc.disable()
        _paused += 1
    try:
        yield
    finally:
        with _PAUSES:
            _paused -= 1
            if _paused == 0 and _resume:
                # What was built while paused is long-lived: freeze it so that re-enabling
                # does not start with a full collection over every object just loaded.
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


def read_text(path: Path, shown: str, digest: FilesDigest | None = None) -> str:
    """Read a UTF-8 file, refusing oversize and undecodable files with a positioned Problem.

    ``digest`` (a :class:`~syncset.config.digest.FilesDigest`) is fed the file's name and bytes
    as they are read.
    """
    data, _ = read_bytes(path, shown, digest)
    return decode_text(data, shown)


def read_bytes(
    path: Path, shown: str, digest: FilesDigest | None = None
) -> tuple[bytes, os.stat_result]:
    """A file's bytes and the ``stat`` taken before reading them (the parse cache keys on it);
    an oversize or unreadable file is a positioned Problem."""
    try:
        status = path.stat()
        size = status.st_size
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
            digest.add(shown, data, status)
    except OSError as exc:
        raise YamlFileError(Problem(shown, 1, 1, f"cannot read file: {exc.strerror}")) from None
    return data, status


def decode_text(data: bytes, shown: str) -> str:
    """UTF-8 (a BOM allowed); undecodable bytes are a Problem at their line and column."""
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
        elif "unexpected ':'" in what:
            what = f"invalid YAML: {what}: {_quote_hint(current, col)}"
        else:
            what = f"invalid YAML: {what}"
    else:
        what = f"invalid YAML: {exc}"
    return Problem(shown, line, col, what)


def _quote_hint(line: str, col: int) -> str:
    """In a flow map (``{time_from: 08:00}``) a ':' inside a value ends the key: say which
    value to quote, as it is written."""
    start = max(line.rfind(c, 0, col - 1) for c in " ,{[") + 1
    ends = [i for i in (line.find(c, col - 1) for c in " ,}]") if i >= 0]
    value = line[start : min(ends) if ends else len(line)]
    example = f"'{value}'" if value else "'08:00'"
    return f"a value with ':' in a flow map must be quoted: write {example}"


def _char_at(mark: Any) -> str:
    try:
        return str(mark.buffer[mark.pointer])
    except (AttributeError, IndexError, TypeError):
        return ""


MAX_DEPTH = 500
"""Deeper nesting is refused before parsing: the C parser recurses on the C stack and a file of
~50,000 nested collections would crash the process instead of raising."""

_FLOW_BUDGET = MAX_DEPTH // 2
_PREFIX = MAX_DEPTH // 4 - 2
_BLOCK_PREFIX = re.compile(rf"^[ \t?:-]{{{_PREFIX},}}", re.MULTILINE)
"""A line whose leading run of blanks and block indicators (``- ``, ``? ``, ``: ``) is this long
may start a block collection deep enough to matter."""
_ANY_BREAK_PREFIX = re.compile(rf"(?:^|[\n\r\x85\u2028\u2029])[ \t?:-]{{{_PREFIX},}}")
"""The same after any line break libyaml knows (a lone CR, NEL, LS, PS): slower, so only for
texts that hold one."""


def check_depth(text: str, shown: str) -> None:
    """Refuse a document nested more than :data:`MAX_DEPTH` collections deep.

    First a bound that no quoting can fool: flow nesting is at most the number of ``[`` and
    ``{`` in the file, and block nesting at most twice the longest run of blanks and ``-?:``
    indicators a line starts with (a nested block collection is indented further, or follows
    an indicator on the same line). Nearly every file is below it; a file that is not is
    measured exactly by one pass over libyaml's events, which keeps its own stack.
    """
    if text.count("[") + text.count("{") < _FLOW_BUDGET and not _long_block_prefix(text):
        return
    problem = _measured_depth_problem(text, shown)
    if problem is not None:
        raise YamlFileError(problem)


def _long_block_prefix(text: str) -> bool:
    if _BLOCK_PREFIX.search(text):
        return True
    exotic_breaks = "\r" in text or not text.isascii()
    return exotic_breaks and _ANY_BREAK_PREFIX.search(text) is not None


def _measured_depth_problem(text: str, shown: str) -> Problem | None:
    from ruamel.yaml.events import CollectionEndEvent, CollectionStartEvent
    from ruamel.yaml.main import CParser  # type: ignore[attr-defined]  # set only with the C ext

    parser = CParser(text)
    depth = 0
    try:
        while parser.check_event():
            event = parser.get_event()
            if isinstance(event, CollectionStartEvent):
                depth += 1
                if depth > MAX_DEPTH:
                    mark = event.start_mark
                    return Problem(
                        shown,
                        mark.line + 1,
                        mark.column + 1,
                        f"YAML nested more than {MAX_DEPTH} levels deep: flatten the document",
                    )
            elif isinstance(event, CollectionEndEvent):
                depth -= 1
    except YAMLError:
        return None  # not YAML: the real parse reports it, at a depth this pass has seen
    finally:
        parser.dispose()
    return None


def parse_documents(text: str, shown: str) -> list[Any]:
    """Parse every document of a YAML stream with the C loader (no positions)."""
    check_depth(text, shown)
    try:
        return _load_all(text)
    except YAMLError as exc:
        raise YamlFileError(_syntax_problem(exc, shown, text)) from None
    except RecursionError:
        raise YamlFileError(Problem(shown, 1, 1, "YAML nested too deeply to read")) from None


def round_trip_documents(text: str, shown: str) -> list[Any]:
    """Every document of ``text`` with comments and positions (the round-trip loader), nesting
    bounded like :func:`parse_documents`."""
    check_depth(text, shown)
    try:
        return list(round_trip().load_all(text))
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
                self._documents[shown] = round_trip_documents(text, shown)
            except (OSError, UnicodeDecodeError, YamlFileError):
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
