"""mappings.yaml edited in place: live mappings under ``references``, guesses under ``proposed``.

``map --set``, ``--suggest``, ``--accept`` and ``--reject`` all edit the one file through
:class:`MappingsFile`, read and written with ruamel.yaml's round-trip loader so that the file
keeps its comments, key order and layout, and written atomically (``safepath``), so that an
interrupted write never leaves half a file. A comment line below the last entry of a section
belongs to what follows it: ruamel keeps it on that entry, so every edit that adds or removes the
last entry moves those lines along instead of losing them.
"""

from __future__ import annotations

import io
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ruamel.yaml.comments import CommentedMap

from syncset.config.load import MAPPINGS_FILE
from syncset.config.yamlio import YamlFileError, read_text, round_trip, round_trip_documents
from syncset.errors import ConfigError
from syncset.model import Environment
from syncset.safepath import atomic_write_text, confined
from syncset.schemas import CATALOG

Assignment = tuple[str, str, str]
"""``(kind, source value, target value)``."""


@dataclass(frozen=True)
class NewProposal:
    kind: str
    source: str
    target: str
    score: float
    matched: str


class MappingsFile:
    """One environment's mappings.yaml as a round-trip document, saved by :meth:`save`."""

    def __init__(self, environment: Environment) -> None:
        folder = environment.folder
        self.path = confined(folder, folder / MAPPINGS_FILE, environment.root)
        self.shown = f"{environment.relative_folder}/{MAPPINGS_FILE}"
        document = _current(self.path, self.shown)
        self.document = document if isinstance(document, CommentedMap) else CommentedMap(version=1)

    def save(self) -> None:
        stream = io.StringIO()
        round_trip().dump(self.document, stream)
        atomic_write_text(self.path, stream.getvalue())

    def set_references(
        self,
        assignments: list[Assignment],
        comments: dict[tuple[str, str], str] | None = None,
        overwrite: bool = True,
    ) -> int:
        """Record live mappings; returns how many were written."""
        references = self._section("references")
        trailing = _detach_trailing(references)
        written = 0
        for kind, source, target in assignments:
            table = _table(references, kind)
            if source in table and not overwrite:
                continue
            table[source] = target
            comment = _one_line((comments or {}).get((kind, source), ""))
            if comment:
                _set_line_comment(table, source, f"  # {comment}\n")
            written += 1
        if trailing:
            _attach_trailing(references, trailing)
        return written

    def proposals(self) -> dict[str, CommentedMap]:
        """``proposed:`` as it is in the file: kind → source → proposal."""
        section = self.document.get("proposed")
        if not isinstance(section, dict):
            return {}
        return {kind: table for kind, table in section.items() if isinstance(table, CommentedMap)}

    def add_proposals(self, proposals: list[NewProposal]) -> int:
        """Add proposals for sources not proposed yet (a proposal in the file may have been
        edited by its reviewer: it is never replaced); returns how many were added."""
        current = self.proposals()
        fresh = [
            p for p in proposals if find_key(current.get(p.kind, {}), p.kind, p.source) is None
        ]
        if not fresh:
            return 0
        # The section goes last, so the end-of-file comments stay below it.
        ending = "" if "proposed" in self.document else _detach_trailing(self.document)
        section = self._section("proposed")
        trailing = ending or _detach_trailing(section)
        for proposal in fresh:
            entry = CommentedMap(
                target=proposal.target, score=proposal.score, matched=proposal.matched
            )
            entry.fa.set_block_style()
            _table(section, proposal.kind)[proposal.source] = entry
        if trailing:
            _attach_trailing(section, trailing)
        return len(fresh)

    def remove_proposals(self, keys: list[tuple[str, str]]) -> None:
        """Drop these ``(kind, source)`` proposals, and the tables and section left empty."""
        section = self.document.get("proposed")
        if not isinstance(section, CommentedMap):
            return
        for kind, source in keys:
            table = section.get(kind)
            found = find_key(table, kind, source) if isinstance(table, CommentedMap) else None
            if found is not None:
                _remove(table, found, section, kind, self.document, "proposed")

    def _section(self, name: str) -> CommentedMap:
        section = self.document.get(name)
        if not isinstance(section, CommentedMap) or not section:
            fresh = CommentedMap(section or {})
            fresh.fa.set_block_style()
            self.document[name] = section = fresh
        return section


def find_key(table: Any, kind: str, source: str) -> Any:
    """The key of ``table`` that is ``source`` as the kind compares it (e-mails ignore case)."""
    if kind not in CATALOG:
        return source if source in table else None
    spec = CATALOG[kind]
    wanted = spec.key_value(source)
    return next((key for key in table if spec.key_value(key) == wanted), None)


def _table(section: CommentedMap, kind: str) -> CommentedMap:
    table = section.get(kind)
    if not isinstance(table, CommentedMap):
        table = CommentedMap(table or {})
        table.fa.set_block_style()
        section[kind] = table
    return table


def _remove(
    table: CommentedMap,
    source: str,
    section: CommentedMap,
    kind: str,
    document: CommentedMap,
    name: str,
) -> None:
    """Delete ``table[source]``; a table or section left empty goes too. Comment lines that
    followed the deleted entry move to whatever now precedes them."""
    levels: list[tuple[CommentedMap, Any, CommentedMap | None, Any]] = [
        (table, source, section, kind),
        (section, kind, document, name),
        (document, name, None, None),
    ]
    following = ""
    for mapping, key, parent, parent_key in levels:
        following += _detach_entry_trailing(mapping, key)
        keys = list(mapping)
        before = keys[keys.index(key) - 1] if keys.index(key) > 0 else None
        del mapping[key]
        if mapping or parent is None:
            if following and before is not None:
                _attach_entry_trailing(mapping, before, following)
            elif following and mapping:
                _attach_leading(mapping, parent, parent_key, following)
            return


def _current(path: Path, shown: str) -> Any:
    """mappings.yaml as it is (None when absent), read round-trip to keep its comments."""
    if not path.exists():
        return None
    try:
        documents = round_trip_documents(read_text(path, shown), shown)
    except YamlFileError as exc:
        raise ConfigError([exc.problem]) from None
    return documents[0] if documents else None


def _deepest_last(mapping: CommentedMap) -> tuple[CommentedMap, Any] | None:
    """The mapping and key of the entry written last below ``mapping``."""
    node, key = mapping, None
    while isinstance(node, CommentedMap) and node:
        key = list(node)[-1]
        value = node[key]
        if isinstance(value, CommentedMap) and value:
            node = value
            continue
        return node, key
    return None


def _entry_end(mapping: CommentedMap, key: Any) -> tuple[CommentedMap, Any]:
    """Where the comment after ``mapping[key]`` is kept: the entry's last line."""
    value = mapping[key]
    found = _deepest_last(value) if isinstance(value, CommentedMap) else None
    return found if found is not None else (mapping, key)


def _detach_trailing(mapping: CommentedMap) -> str:
    found = _deepest_last(mapping)
    return _split_off(*found) if found is not None else ""


def _detach_entry_trailing(mapping: CommentedMap, key: Any) -> str:
    return _split_off(*_entry_end(mapping, key))


def _split_off(node: CommentedMap, key: Any) -> str:
    """The comment lines after the entry's own line comment, taken off it."""
    slot = node.ca.items.get(key)
    token = slot[2] if slot and len(slot) > 2 else None
    if token is None or "\n" not in token.value.rstrip("\n"):
        return ""
    own, _, following = str(token.value).partition("\n")
    token.value = own + "\n"
    return following


def _attach_trailing(mapping: CommentedMap, following: str) -> None:
    found = _deepest_last(mapping)
    if found is not None:
        _append(*found, following)


def _attach_entry_trailing(mapping: CommentedMap, key: Any, following: str) -> None:
    _append(*_entry_end(mapping, key), following)


def _append(node: CommentedMap, key: Any, following: str) -> None:
    slot = node.ca.items.get(key)
    token = slot[2] if slot and len(slot) > 2 else None
    if token is not None:
        token.value = str(token.value) + following  # in place: the comment keeps its column
    else:
        _set_line_comment(node, key, "\n" + following)


def _attach_leading(
    mapping: CommentedMap, parent: CommentedMap | None, key: Any, following: str
) -> None:
    """Comment lines before the first entry of ``mapping`` (the entry before them is gone, and
    with it its own leading comment). ruamel keeps them on the parent's key, or on the
    document for the top level."""
    from ruamel.yaml.error import CommentMark
    from ruamel.yaml.tokens import CommentToken

    token = CommentToken(following, CommentMark(0), None)
    if parent is None:
        comment = mapping.ca.comment
        if comment is None:
            mapping.ca.comment = comment = [None, []]
        comment[1] = [token]
        return
    slot = parent.ca.items.setdefault(key, [None, None, None, None])
    slot[3] = [token]


def _one_line(text: str, limit: int = 200) -> str:
    """``text`` safe for a ``#`` comment: it may hold account data (a person's name), so a line
    break or any other control character would end the comment and write YAML of its own."""
    flat = "".join(" " if unicodedata.category(ch)[0] in "CZ" and ch != " " else ch for ch in text)
    flat = " ".join(flat.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def _set_line_comment(mapping: CommentedMap, key: Any, text: str) -> None:
    from ruamel.yaml.error import CommentMark
    from ruamel.yaml.tokens import CommentToken

    slot = mapping.ca.items.setdefault(key, [None, None, None, None])
    slot[2] = CommentToken(text, CommentMark(0), None)
