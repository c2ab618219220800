"""Changing values inside a round-trip YAML document the way a person would edit the file.

A snapshot or drift pull request is read as a git diff, so an edit must touch only what changed:
one changed calendar hour is one changed line, not a rewritten ``hours`` list. :func:`merge_into`
therefore edits containers in place (ruamel.yaml's ``CommentedMap`` and ``CommentedSeq`` keep
their flow or block style, comments and quoting) instead of assigning new plain values.

Strings that a YAML 1.1 reader would take for something else are written quoted: PyYAML reads
an unquoted ``17:00`` as the integer 1020 (a base-60 number) and ``on`` as ``True``. Times are
always quoted, whatever their digits, so a file's hours look alike.
"""

from __future__ import annotations

import re
from typing import Any

from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.nodes import ScalarNode
from ruamel.yaml.resolver import VersionedResolver
from ruamel.yaml.scalarstring import DoubleQuotedScalarString, ScalarString

_STRING_TAG = "tag:yaml.org,2002:str"
_TIMESTAMP_TAG = "tag:yaml.org,2002:timestamp"
_RESOLVERS = (VersionedResolver(version=(1, 1)), VersionedResolver(version=(1, 2)))
_TIME = re.compile(r"^\d{1,2}:\d{2}(:\d{2})?$")


def needs_quotes(text: str) -> bool:
    """Whether plain ``text`` would be read as a number, boolean or null by YAML 1.1 or 1.2
    (dates stay plain: the kinds that hold them type them as dates), or is a time of day."""
    if _TIME.match(text):
        return True
    for resolver in _RESOLVERS:
        tag = resolver.resolve(ScalarNode, text, (True, False))
        if tag not in (_STRING_TAG, _TIMESTAMP_TAG):
            return True
    return False


def yaml_safe(value: Any) -> Any:
    """``value`` ready for a round-trip dump: ambiguous strings quoted, flat mappings inside a
    list written in flow style when every one is small (one child per line, as the example
    files write calendar hours), else all in block style (board columns)."""
    if isinstance(value, str) and not isinstance(value, ScalarString) and needs_quotes(value):
        return DoubleQuotedScalarString(value)
    if isinstance(value, dict):
        return CommentedMap((k, yaml_safe(v)) for k, v in value.items())
    if isinstance(value, list):
        seq = CommentedSeq(yaml_safe(item) for item in value)
        if seq and all(_small_and_flat(item) for item in seq):
            for item in seq:
                item.fa.set_flow_style()
        return seq
    return value


def merge_into(container: Any, key: Any, value: Any) -> bool:
    """Set ``container[key]`` to ``value``, editing what is there in place where it can;
    whether anything changed."""
    current = container[key] if _has(container, key) else None
    if _has(container, key) and current == value:
        return False
    if isinstance(current, CommentedMap) and isinstance(value, dict):
        _merge_map(current, value)
    elif isinstance(current, CommentedSeq) and isinstance(value, list):
        _merge_seq(current, value)
    else:
        container[key] = _styled_like(current, value)
    return True


def _merge_map(current: CommentedMap, value: dict[str, Any]) -> None:
    for gone in [k for k in current if k not in value]:
        del current[gone]
    for k, v in value.items():
        merge_into(current, k, v)


def _merge_seq(current: CommentedSeq, value: list[Any]) -> None:
    """Items matched by position: children are ordered lists, and a changed child is edited
    where it stands. Extra items are appended in the style of the list's first item."""
    while len(current) > len(value):
        del current[len(current) - 1]
    for index, item in enumerate(value):
        if index < len(current):
            merge_into(current, index, item)
        else:
            current.append(_styled_like(current[0] if current else None, item))


def _styled_like(current: Any, value: Any) -> Any:
    """``value`` written as ``current`` was: its quote style, its flow or block style."""
    styled = yaml_safe(value)
    if isinstance(current, ScalarString) and isinstance(value, str):
        return type(current)(value)
    if isinstance(current, CommentedMap) and isinstance(styled, CommentedMap):
        if current.fa.flow_style():
            styled.fa.set_flow_style()
        else:
            styled.fa.set_block_style()
    return styled


def _has(container: Any, key: Any) -> bool:
    if isinstance(container, list):
        return isinstance(key, int) and 0 <= key < len(container)
    return key in container


FLOW_KEYS = 3
"""A child of at most this many scalar fields reads well on one line."""


def _small_and_flat(item: Any) -> bool:
    return (
        isinstance(item, CommentedMap)
        and len(item) <= FLOW_KEYS
        and all(not isinstance(v, dict | list) for v in item.values())
    )
