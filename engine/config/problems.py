"""Problems placed in their files: the collector every check of the configuration reports to.

:class:`Validator` gathers every problem of one run (not just the first) and pins each to
``path:line:col``; positions are looked up lazily by :class:`syncset.config.yamlio.Locator`, so
a valid tree is never parsed twice. A pydantic error becomes one problem per location, a name the
platform does not have says why (``description is not a calendar field: …``), and an error on a
secret path never quotes its input. Validation of single records (validate.py) and the checks
across them (crosscheck.py) both report here.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Collection, Iterable
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from syncset.config.load import Document
from syncset.config.templating import dotted
from syncset.config.yamlio import KeyPath, Locator
from syncset.errors import ConfigError, Problem
from syncset.model import Record
from syncset.schemas import KindSpec
from syncset.secrets import SECRETS, within_secret, without_input


class Validator:
    """Collects problems for one run; knows how to place them in their files."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.locator = Locator(root)
        self.problems: list[Problem] = []
        self.shadowed: list[Record] = []
        """Records refused as a duplicate id, still checked for their other problems (names,
        references) so that one run reports every independent problem."""

    def add(
        self,
        doc: Document,
        path: KeyPath,
        message: str,
        subject: str = "",
        at_value: bool = False,
    ) -> None:
        line, col = self.locator.position(doc.path, doc.index, path, at_value)
        shown = SECRETS.mask(message)
        self.problems.append(Problem(doc.path, line, col, shown, subject, dotted(list(path))))

    def add_pydantic(
        self,
        doc: Document,
        error: ValidationError,
        subject: str = "",
        spec: KindSpec | None = None,
        data: Any = None,
        redirect: Redirect | None = None,
        secrets: Collection[str] = (),
    ) -> None:
        """One problem per pydantic error; ``data`` is what was validated (default: the
        document's), and ``redirect`` may place an error elsewhere (an override's line).
        An error on a ``secrets`` path does not quote its input."""
        for item in error.errors(include_url=False):
            path = data_path(doc.data if data is None else data, item["loc"])
            kind = item["type"]
            if kind == "extra_forbidden":
                message = _removed(path, spec) or "unknown field" + _suggestion(path, spec)
            elif kind == "missing":
                message = "required field is missing"
                path = tuple(item["loc"][: len(path) + 1])
            else:
                message = quoted_safely(item, path, secrets)
            target = redirect(path) if redirect is not None else None
            if target is not None:
                self.add(target[0], target[1], message, subject, at_value=True)
            else:
                self.add(doc, path, message, subject, at_value=kind != "extra_forbidden")

    def raise_if_any(self) -> None:
        if self.problems:
            raise ConfigError(self.problems)


def quoted_safely(item: Any, path: tuple[str | int, ...], secrets: Collection[str]) -> str:
    """A pydantic error's message, without its input when the path holds a secret."""
    message = str(item["msg"]).removeprefix("Value error, ")
    if secrets and within_secret(dotted(list(path)), secrets):
        return without_input(message, item.get("input"))
    return message


Redirect = Callable[[tuple[str | int, ...]], tuple[Document, tuple[str | int, ...]] | None]
"""Where a problem at a record's key path really belongs, if not in the record's file."""


def data_path(data: Any, loc: Iterable[Any]) -> tuple[str | int, ...]:
    """The part of a pydantic error location that exists in the data (drops union tags)."""
    path: list[str | int] = []
    node = data
    for step in loc:
        in_dict = isinstance(node, dict) and step in node
        in_list = isinstance(node, list) and isinstance(step, int) and step < len(node)
        if in_dict or in_list:
            node = node[step]
        else:
            break
        path.append(step)
    return tuple(path)


def _removed(path: tuple[str | int, ...], spec: KindSpec | None) -> str:
    """``description is not a calendar field: calendars have no description in Xurrent`` for a
    name the platform does not have (older syncset files used it), else ``""``."""
    if spec is None or not path or not isinstance(path[-1], str):
        return ""
    name, label, removed = path[-1], spec.title, spec.removed
    if len(path) >= 3 and isinstance(path[0], str) and path[0] in spec.children:
        child = spec.children[path[0]]
        label, removed = child.label, child.removed
    reason = removed.get(name)
    return f"{name} is not {_article(label)} {label} field: {reason}" if reason else ""


def _article(label: str) -> str:
    # "an agile board", but "a UI extension"
    return "an" if label[:1] and label[0] in "aeiouAEIO" else "a"


def _suggestion(path: tuple[str | int, ...], spec: KindSpec | None) -> str:
    """``: did you mean 'name'?`` for a misspelt field, or the list of fields."""
    if spec is None or not path or not isinstance(path[-1], str):
        return ""
    names = list(spec.fields)
    if len(path) >= 3 and isinstance(path[0], str) and path[0] in spec.children:
        names = list(spec.children[path[0]].model.model_fields)
    close = difflib.get_close_matches(path[-1], names, n=1)
    return f": did you mean {close[0]!r}?" if close else f": {spec.name} has {', '.join(names)}"


def split_dotted(path: str) -> list[str | int]:
    steps: list[str | int] = []
    for part in path.replace("]", "").replace("[", ".").split("."):
        steps.append(int(part) if part.isdigit() else part)
    return steps
