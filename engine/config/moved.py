"""environment.yaml's ``moved:``: the records whose id changed in the YAML, checked statically.

A ``moved:`` entry consents to moving a record's ownership marker from its old id to its new
one (Terraform's ``moved`` blocks), so that the plan updates the account's record instead of
creating a second one that collides with its name. What can be known without the account is
checked here, with the entry's line: both ids are ``kind/id`` of a configuration kind, of the
same kind, the new id is declared and the old one is not, and no id is moved twice or along a
chain. Whether the account holds the old marker is for plan to say (``plan/resolve.py``).
"""

from __future__ import annotations

import re
from collections.abc import Callable

from syncset.config.load import Document
from syncset.config.problems import Validator
from syncset.model import RecordKey
from syncset.schemas import CATALOG
from syncset.schemas.environment import EnvironmentConfig
from syncset.schemas.types import SLUG_PATTERN

_SLUG = re.compile(SLUG_PATTERN)
_Add = Callable[[str, str], None]


def check_moved(
    check: Validator, doc: Document, config: EnvironmentConfig, declared: set[RecordKey]
) -> None:
    """Every problem of every ``moved:`` entry, each at its own ``from`` or ``to``."""
    froms: dict[str, int] = {}
    tos: dict[str, int] = {}
    chained = {move.to for move in config.moved}
    for index, move in enumerate(config.moved):
        source = _split(check, doc, index, "from", move.from_)
        target = _split(check, doc, index, "to", move.to)
        if source is None or target is None:
            continue

        def add(side: str, message: str, index: int = index) -> None:
            check.add(doc, ("moved", index, side), message, at_value=True)

        if source[0] != target[0]:
            add("to", f"{move.from_} and {move.to} are of different kinds: a record keeps its kind")
            continue
        if source == target:
            add("to", f"{move.to} is moved to itself: remove this entry")
            continue
        if target not in declared:
            add(
                "to",
                f"{move.to} is not a record of this environment: 'to' is the record's new id, "
                "as its YAML file declares it",
            )
        if source in declared and move.from_ not in chained:  # a chain is said once, below
            add(
                "from",
                f"{move.from_} is still declared in the YAML: 'from' is the id the record had "
                "before; rename it in its file, or remove this entry",
            )
        _once(add, "from", move.from_, index, froms, "moved twice")
        _once(add, "to", move.to, index, tos, "the target of two moves")
    for ref, index in tos.items():
        if ref in froms:
            check.add(
                doc,
                ("moved", froms[ref], "from"),
                f"{ref} is moved again (entry {froms[ref] + 1}) after it was moved to "
                f"(entry {index + 1}): write one entry from the first id to the last, no chains",
                at_value=True,
            )


def _once(add: _Add, side: str, ref: str, index: int, seen: dict[str, int], what: str) -> None:
    first = seen.setdefault(ref, index)
    if first != index:
        add(side, f"{ref} is {what} (entry {first + 1} too): keep one entry")


def _split(check: Validator, doc: Document, index: int, side: str, ref: str) -> RecordKey | None:
    """``team/ops`` → ``("team", "ops")``, or a problem saying what a well-formed one is."""
    kind, slash, record_id = ref.partition("/")
    problem = ""
    if not slash:
        problem = f"{ref!r} is not kind/id: write it as e.g. team/ops"
    elif kind not in CATALOG:
        problem = (
            f"unknown kind {kind!r} (kinds: {', '.join(s.name for s in CATALOG.config_kinds())})"
        )
    elif CATALOG[kind].reference_data:
        problem = f"{kind} is reference data, which is mapped, never moved (mappings.yaml)"
    elif not _SLUG.match(record_id):
        problem = (
            f"{record_id!r} is not a record id: lower-case letters, digits, '-', '_' or '.', "
            "starting and ending with a letter or digit"
        )
    if problem:
        check.add(doc, ("moved", index, side), problem, at_value=True)
        return None
    return (kind, record_id)
