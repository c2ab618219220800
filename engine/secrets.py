"""The one secret masker: values read as secrets in this process, masked at every edge.

A secret enters syncset in two ways only: ``{{ env("NAME") }}`` in a template (whatever
expression computed the name) and a credential handed to, or minted for, a provider (an OAuth
access token). Both are recorded in :data:`SECRETS`, one registry for the whole process, because a
value read while rendering a template can surface three layers later: in a pydantic message, in
an HTTP server's echo, in a CI comment. Every edge that shows or stores text asks the same
registry: the CLI's stdout and stderr (:func:`masked_std_streams`), plan files, CI comments and
reports, the journal, log records (:func:`install_log_masking`) and the text of every
:class:`syncset.errors.SyncsetError`.

Masking by value is the safety net; the structural masks come first: a record's *secret paths*
(every value whose template read a secret) are shown as ``sensitive`` and masked with
:func:`mask_paths` before a value is compared, printed or journalled. The net catches what the
structure cannot know: a secret quoted inside a message, or echoed by a server in an encoding
(URL, base64 of ``user:secret``, JSON escapes), see :func:`encodings`.

Values shorter than :data:`MIN_LENGTH`, and words such as ``true`` that a reader cannot mistake
for a secret but that masking would garble (JSON booleans), are not masked as text; their paths
are still masked structurally.
"""

from __future__ import annotations

import base64
import copy
import html
import json
import logging
import re
import sys
import threading
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, TextIO
from urllib.parse import quote, quote_plus

if TYPE_CHECKING:
    from syncset.schemas import KindSpec

MASK = "***"
MIN_LENGTH = 4
"""Shorter values are not masked as text (they would mask half of every output)."""
_UNMISTAKABLE = frozenset({"true", "false", "null", "none", "yes", "no", "on", "off"})
_MIN_ENCODED = 8
"""An encoded form shorter than this is not masked: it could match anything."""


def encodings(value: str) -> set[str]:
    """``value`` and the forms it takes when a server, a URL or a serializer has encoded it."""
    raw = value.encode("utf-8")
    forms = {
        value,
        json.dumps(value)[1:-1],
        json.dumps(value, ensure_ascii=False)[1:-1],
        repr(value)[1:-1],
        quote(value, safe=""),
        quote(value),
        quote_plus(value),
        html.escape(value),
    }
    for encode in (base64.b64encode, base64.urlsafe_b64encode):
        full = encode(raw).decode()
        forms.update({full, full.rstrip("=")})
        for offset in range(3):
            # Inside base64 of "user:secret" (a Basic header) the secret starts at any of three
            # alignments; the characters made only of its own bytes are the same at each.
            tail = raw[offset:]
            forms.add(encode(tail[: len(tail) // 3 * 3]).decode())
    forms.update(line.strip() for line in value.splitlines())
    return {form for form in forms if len(form) >= (len(value) if form == value else _MIN_ENCODED)}


def _maskable(value: str) -> bool:
    if len(value) < MIN_LENGTH or value.strip().lower() in _UNMISTAKABLE:
        return False
    return not (value.isdigit() and len(value) < _MIN_ENCODED)


class SecretMasker:
    """The secret values this process has read, and masking of them in any text or tree."""

    def __init__(self) -> None:
        self._values: set[str] = set()
        self._forms: set[str] = set()
        self._pattern: re.Pattern[str] | None = None
        self._lock = threading.Lock()

    def add(self, *values: str | None) -> None:
        """Remember secret values (``None`` and short values are ignored)."""
        for value in values:
            if not value or value in self._values or not _maskable(value):
                continue
            with self._lock:
                self._values.add(value)
                self._forms.update(encodings(value))
                self._pattern = None

    def forget(self) -> None:
        """Forget every value (for tests that need a process without secrets)."""
        with self._lock:
            self._values.clear()
            self._forms.clear()
            self._pattern = None

    def knows(self, text: str) -> bool:
        """Whether ``text`` holds a secret or an encoding of one."""
        pattern = self._compiled()
        return pattern is not None and pattern.search(text) is not None

    def mask(self, text: str) -> str:
        """``text`` with every secret, and every encoding of one, replaced by ``***``."""
        pattern = self._compiled()
        if pattern is None or not text:
            return text
        return pattern.sub(MASK, text)

    def mask_tree(self, value: Any) -> Any:
        """A copy of a JSON-like tree with every string (keys too) masked."""
        if self._compiled() is None:
            return value
        return self._masked_tree(value)

    def _masked_tree(self, value: Any) -> Any:
        if isinstance(value, str):
            return self.mask(value)
        if isinstance(value, Mapping):
            return {self._masked_tree(k): self._masked_tree(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [self._masked_tree(item) for item in value]
        return value

    def _compiled(self) -> re.Pattern[str] | None:
        pattern = self._pattern
        if pattern is None and self._forms:
            with self._lock:
                # Longest first: an alternation takes the first form that matches at a place.
                ordered = sorted(self._forms, key=len, reverse=True)
                pattern = self._pattern = re.compile("|".join(map(re.escape, ordered)))
        return pattern


SECRETS = SecretMasker()
"""The masker of this process: templates and providers add to it, every edge masks with it."""


# -- structural masks: the paths of a record that hold a secret --------------------------------


def mask_paths(fields: dict[str, Any] | None, secret_paths: Iterable[str]) -> dict[str, Any] | None:
    """A copy of ``fields`` with the value at every secret path masked.

    Paths are dotted with list indexes (``secret``, ``settings.token``, ``columns[1].note``);
    a path that does not exist in ``fields`` is ignored.
    """
    if fields is None:
        return None
    out: Any = copy.deepcopy(fields)
    for path in secret_paths:
        _mask_path(out, _steps(path))
    return dict(out)


def _steps(path: str) -> list[str | int]:
    return [int(p) if p.isdigit() else p for p in re.split(r"\.|\[|\]\.?", path) if p != ""]


def _mask_path(node: Any, steps: list[str | int]) -> None:
    for index, step in enumerate(steps):
        last = index == len(steps) - 1
        if isinstance(node, dict) and isinstance(step, str) and step in node:
            if last:
                if node[step] is not None:
                    node[step] = MASK
                return
            node = node[step]
        elif isinstance(node, list) and isinstance(step, int) and step < len(node):
            if last:
                node[step] = MASK
                return
            node = node[step]
        else:
            return


def within_secret(path: str, secret_paths: Iterable[str]) -> bool:
    """True when ``path`` is a secret path, inside one, or holds one (``settings`` holds
    ``settings.token``): a value that contains a secret is as secret as the secret."""
    return any(_within(path, s) or _within(s, path) for s in secret_paths)


def _within(inner: str, outer: str) -> bool:
    return inner == outer or inner.startswith(f"{outer}.") or inner.startswith(f"{outer}[")


def without_input(message: str, value: Any) -> str:
    """A validation message about a secret value, with every quoting of the value masked
    (validators quote the input as given, stripped or lower-cased)."""
    leaves = [value] if isinstance(value, str) else _string_leaves(value)
    forms = {
        form
        for leaf in leaves
        for text in (leaf, leaf.lower(), leaf.strip(), leaf.strip().lower())
        for form in (repr(text), text)
        if form
    }
    for form in sorted(forms, key=len, reverse=True):
        message = message.replace(form, MASK)
    return SECRETS.mask(message)


def _string_leaves(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, Mapping):
        return [leaf for item in value.values() for leaf in _string_leaves(item)]
    if isinstance(value, list | tuple):
        return [leaf for item in value for leaf in _string_leaves(item)]
    return []


def sensitive_paths(spec: KindSpec, fields: Mapping[str, Any]) -> Iterator[str]:
    """The paths of the fields a kind declares ``Sensitive()`` that hold a value, child items'
    included (``secret``, ``columns[2].token``)."""
    for name in spec.sensitive:
        if fields.get(name) is not None:
            yield name
    for child in spec.children.values():
        for index, item in enumerate(fields.get(child.field) or []):
            for name in child.sensitive:
                if isinstance(item, Mapping) and item.get(name) is not None:
                    yield f"{child.field}[{index}].{name}"


# -- the edges: standard streams and log records ------------------------------------------------


class _MaskedStream:
    """A text stream that masks what is written to it; everything else is the wrapped stream's
    (its encoding too, so that click and rich write through this object, not around it)."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        self._stream.write(SECRETS.mask(text))
        return len(text)

    def writelines(self, lines: Iterable[str]) -> None:
        for line in lines:
            self.write(line)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


@contextmanager
def masked_std_streams() -> Iterator[None]:
    """Mask secrets in everything written to ``sys.stdout`` and ``sys.stderr`` meanwhile."""
    saved = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = _MaskedStream(saved[0]), _MaskedStream(saved[1])
    try:
        yield
    finally:
        sys.stdout, sys.stderr = saved


def install_log_masking() -> None:
    """Mask secrets in every log record this process creates, whichever logger and handler."""
    previous = logging.getLogRecordFactory()
    if getattr(previous, "masks_secrets", False):
        return

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        if SECRETS.knows(message := record.getMessage()):
            record.msg, record.args = SECRETS.mask(message), ()
        return record

    factory.masks_secrets = True  # type: ignore[attr-defined]
    logging.setLogRecordFactory(factory)


install_log_masking()
