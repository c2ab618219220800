"""Checks across records: references between them, unique names, and mappings.yaml.

Run by :func:`syncset.config.validate.validate_environment` after every record validated on its
own; the problems go into the same :class:`syncset.config.problems.Validator`, placed at
``path:line:col``.
"""

from __future__ import annotations

import difflib
from typing import Any

from pydantic import TypeAdapter, ValidationError

from syncset.config.load import Document
from syncset.config.problems import Validator, split_dotted
from syncset.config.yamlio import Locator
from syncset.errors import Problem
from syncset.model import Environment, Record, RecordKey
from syncset.schemas import CATALOG
from syncset.schemas.environment import Mappings


def check_references(
    check: Validator,
    records: dict[RecordKey, Record],
    documents: list[Document],
    declared: set[RecordKey],
) -> None:
    """Every reference to a config record must name one declared in the environment."""
    by_origin = {(d.path, d.index): d for d in documents}
    ids_by_kind: dict[str, set[str]] = {}
    for kind, record_id in declared:
        ids_by_kind.setdefault(kind, set()).add(record_id)
    for record in [*records.values(), *check.shadowed]:
        spec = CATALOG[record.kind]
        doc = by_origin[(record.origin.path, record.origin.document)]
        for path, target, value in spec.reference_values(record.fields, indexed=True):
            if CATALOG[target].reference_data or value in ids_by_kind.get(target, set()):
                continue
            known = sorted(ids_by_kind.get(target, set()))
            close = difflib.get_close_matches(value, known, n=1)
            hint = f"did you mean {close[0]!r}?" if close else f"declare {target}/{value} here"
            check.add(
                doc,
                tuple(split_dotted(path)),
                f"{target} {value!r} is not declared in this environment: {hint}",
                record.ref,
                at_value=True,
            )
    _check_unique_names(check, records, by_origin)


def _check_unique_names(
    check: Validator, records: dict[RecordKey, Record], by_origin: dict[tuple[str, int], Document]
) -> None:
    seen: dict[tuple[str, tuple[Any, ...]], Record] = {}
    for record in [*records.values(), *check.shadowed]:
        spec = CATALOG[record.kind]
        if not spec.unique_natural_key:
            continue
        value = tuple(record.fields.get(k) for k in spec.natural_key)
        folded = tuple(spec.unique_key_value(v) for v in value)
        other = seen.setdefault((record.kind, folded), record)
        if other is not record and other.key != record.key:  # a duplicate id says it already
            doc = by_origin[(record.origin.path, record.origin.document)]
            check.add(
                doc,
                (spec.natural_key[0],),
                f"{spec.natural_key[0]} {value[0]!r} is already used by {other.ref}: "
                f"{spec.name} {spec.natural_key[0]}s are unique in the account"
                + (" (ignoring case and spacing)" if spec.key_folds_case_and_spacing else ""),
                record.ref,
                at_value=True,
            )


def check_mappings(
    check: Validator,
    mappings: Mappings,
    doc: Document | None,
    records: set[RecordKey],
) -> None:
    if doc is None:
        return
    for kind, table in mappings.references.items():
        if kind not in CATALOG or not CATALOG[kind].reference_data:
            names = ", ".join(s.name for s in CATALOG.reference_kinds())
            check.add(doc, ("references", kind), f"not a reference-data kind (use {names})")
            continue
        spec = CATALOG[kind]
        key_field = spec.natural_key[0]
        adapter = spec.model.model_fields[key_field]
        for source, target in table.items():
            for value, where in ((source, False), (target, True)):
                try:
                    _check_value(adapter.annotation, adapter.metadata, value)
                except ValueError as exc:
                    check.add(doc, ("references", kind, source), str(exc), at_value=where)
    _check_proposed(check, mappings, doc)
    for key in mappings.links:
        kind, _, record_id = key.partition("/")
        if (kind, record_id) not in records:
            check.add(doc, ("links", key), f"{key} is not a record of this environment")
    for key, values in mappings.overrides.items():
        kind = key.partition("/")[0]
        if kind not in CATALOG:
            check.add(doc, ("overrides", key), f"unknown kind {kind!r}")
            continue
        if "/" in key and (kind, key.partition("/")[2]) not in records:
            check.add(doc, ("overrides", key), f"{key} is not a record of this environment")
        for name in values:
            if name not in CATALOG[kind].fields:
                why = CATALOG[kind].removed.get(name)
                message = f"{kind} has no field {name!r}" + (f": {why}" if why else "")
                check.add(doc, ("overrides", key, name), message)


def _check_proposed(check: Validator, mappings: Mappings, doc: Document) -> None:
    """``proposed:`` holds guesses awaiting review: the same value rules as ``references``,
    and a value mapped already has nothing left to propose (which one would apply?)."""
    for kind, table in mappings.proposed.items():
        if kind not in CATALOG or not CATALOG[kind].reference_data:
            names = ", ".join(s.name for s in CATALOG.reference_kinds())
            check.add(doc, ("proposed", kind), f"not a reference-data kind (use {names})")
            continue
        spec = CATALOG[kind]
        field = spec.model.model_fields[spec.natural_key[0]]
        mapped = {
            spec.key_value(source): target
            for source, target in mappings.references.get(kind, {}).items()
        }
        for source, proposal in table.items():
            for value, path in ((source, ()), (proposal.target, ("target",))):
                try:
                    _check_value(field.annotation, field.metadata, value)
                except ValueError as exc:
                    check.add(doc, ("proposed", kind, source, *path), str(exc), at_value=bool(path))
            if spec.key_value(source) in mapped:
                check.add(
                    doc,
                    ("proposed", kind, source),
                    f"{source} is already mapped to {mapped[spec.key_value(source)]!r} in "
                    "references: delete this proposal (or the mapping, then accept it)",
                )


def _check_value(annotation: Any, metadata: list[Any], value: str) -> None:
    from typing import Annotated

    try:
        TypeAdapter(Annotated[annotation, *metadata]).validate_python(value)
    except ValidationError as exc:
        raise ValueError(str(exc.errors()[0]["msg"]).removeprefix("Value error, ")) from None


def check_account_fields(
    environment: Environment, unsupported: dict[str, dict[str, str]], account: str
) -> list[Problem]:
    """A value for a field this account's schema lacks (an older deployment without
    ``AgileBoard.requestTemplate``) cannot be written there: an error at the field's line."""
    problems: list[Problem] = []
    locator = Locator(environment.root)
    for record in environment.records.values():
        spec = CATALOG[record.kind]
        for name, why in sorted(unsupported.get(record.kind, {}).items()):
            if record.fields.get(name) in (None, [], {}):
                continue
            origin = record.origin
            line, col = locator.position(origin.path, origin.document, (name,), at_value=True)
            message = (
                f"{account}: {why}, so {name} cannot be written there: remove {name} from this "
                f"{spec.title} (or override it with null for this environment in mappings.yaml)"
            )
            problems.append(Problem(origin.path, line, col, message, record.ref, name))
    return problems
