"""Validate: turn an environment's documents into typed, normalised records, or say what is wrong.

Records are rendered (templates), merged with their overrides, validated by their kind's model
and normalised; then the checks across records run (:mod:`syncset.config.crosscheck`). Every
problem goes to one :class:`syncset.config.problems.Validator`, pinned to ``path:line:col``.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from syncset.config.crosscheck import check_mappings, check_references
from syncset.config.digest import FilesDigest
from syncset.config.header import read_header
from syncset.config.known import KnownRecords
from syncset.config.load import (
    Document,
    environment_folder,
    read_environment_files,
    read_record_documents,
)
from syncset.config.moved import check_moved
from syncset.config.parse_cache import ParseCache, Validated
from syncset.config.parse_pool import FileCheck
from syncset.config.problems import Validator, split_dotted
from syncset.config.templating import Renderer, TemplateProblem
from syncset.config.yamlio import gc_paused
from syncset.errors import Problem
from syncset.model import Environment, Origin, Record, RecordKey
from syncset.schemas import CATALOG, KindSpec
from syncset.schemas.environment import Mappings
from syncset.secrets import sensitive_paths


def validate_environment(
    root: Path,
    name: str,
    environ: dict[str, str] | None = None,
    *,
    parse_cache: bool = False,
    while_parsing: Callable[[dict[str, Any]], None] | None = None,
    record_paths: list[Path] | None = None,
) -> Environment:
    """Load and validate ``environments/<name>``; raises ConfigError listing every problem.

    ``parse_cache``: reuse and update ``.syncset/cache/`` (plan does; validate promises to
    write nothing, so it does not). ``while_parsing`` is called with the account settings
    (``provider`` and the rest, rendered) as the record files start to parse, when
    environment.yaml and mappings.yaml are valid: a plan starts reading the account then.
    ``record_paths``: the record files, when the caller has just walked the folder for them.
    """
    folder = environment_folder(root, name)
    check = Validator(root)
    digest = FilesDigest()
    header = read_header(check, root, folder, name, environ, digest)
    config_doc, mappings_doc, config, renderer, account, mappings = header
    header_valid = config is not None and not check.problems
    cache = ParseCache(root, folder) if parse_cache else None
    checked = FileCheck(_validated_where_parsed(root, renderer, mappings, mappings_doc))
    documents = read_record_documents(
        root,
        folder,
        check.problems,
        digest,
        cache=cache,
        started=(lambda: while_parsing(account)) if while_parsing and header_valid else None,
        paths=record_paths,
        check=checked if header_valid else None,
    )
    with gc_paused():
        known = (
            KnownRecords(cache, config_doc, mappings_doc, checked.results) if header_valid else None
        )
        records = _records(
            check, documents, renderer, mappings, mappings_doc, known, config_doc is not None
        )
    if cache is not None:
        cache.save()

    declared = declared_keys(documents)
    check_references(check, records, documents, declared)
    check_mappings(check, mappings, mappings_doc, declared)
    if config_doc is not None and config is not None:
        check_moved(check, config_doc, config, declared)
    check.raise_if_any()
    assert config is not None
    return Environment(
        name,
        root,
        folder,
        config,
        mappings,
        records,
        account,
        "sha256:" + digest.hexdigest(),
        tuple(digest.stamps),
    )


def _records(
    check: Validator,
    documents: list[Document],
    renderer: Renderer,
    mappings: Mappings,
    mappings_doc: Document | None = None,
    known: KnownRecords | None = None,
    vars_known: bool = True,
) -> dict[RecordKey, Record]:
    """Every record of ``documents`` by key; ``vars_known`` is False when environment.yaml
    did not read at all (its problem is reported): a template's problem is then not the
    record's own (its variables are unknown), and is not reported until that file reads."""
    records: dict[RecordKey, Record] = {}
    first_seen: dict[RecordKey, Document] = {}
    for doc in documents:
        record = known.record(doc) if known is not None else None
        if record is None:
            problems = len(check.problems)
            record = _record(check, doc, renderer, mappings, mappings_doc, vars_known)
            if known is not None:
                known.validated(doc, record, clean=len(check.problems) == problems)
        if record is None:
            continue
        if record.key in records:
            first = first_seen[record.key]
            line, col = check.locator.position(first.path, first.index, ("id",), True)
            check.add(
                doc,
                ("id",),
                f"duplicate id: {record.ref} is already declared at {first.path}:{line}:{col}",
                record.ref,
                at_value=True,
            )
            check.shadowed.append(record)
            continue
        records[record.key] = record
        first_seen[record.key] = doc
    if known is not None:
        known.store()
    return records


def _validated_where_parsed(
    root: Path, renderer: Renderer, mappings: Mappings, mappings_doc: Document | None
) -> Callable[[str, list[Any]], Validated | None]:
    """Validation of one file's documents, run where the file is parsed: a parse worker
    validates the files it parsed (config/parse_pool.py), which shares the work after parsing
    between the cores too. A file comes back validated only when every document of it became
    a record with no problem and no secret, as the parse cache stores them; any other file is
    validated again in this process, which places its problems and registers its secrets."""

    def validated(shown: str, documents: list[Any]) -> Validated | None:
        records: Validated = []
        for index, data in enumerate(documents):
            if data is None:
                continue
            tally = _Tally(root)
            record = _record(tally, Document(shown, index, data), renderer, mappings, mappings_doc)
            if record is None or tally.problems or record.secrets:
                return None
            records.append((index, record.kind, record.id, record.fields))
        return records

    return validated


class _Tally(Validator):
    """A Validator that only counts problems: where they are is found out later, in this
    process, when the file is validated again."""

    def add(self, doc: Document, path: Any, message: str, *args: Any, **kwargs: Any) -> None:
        self.problems.append(Problem(doc.path, 1, 1, ""))

    def add_pydantic(
        self, doc: Document, error: ValidationError, *args: Any, **kwargs: Any
    ) -> None:
        self.problems.append(Problem(doc.path, 1, 1, ""))


def _record(
    check: Validator,
    doc: Document,
    renderer: Renderer,
    mappings: Mappings,
    mappings_doc: Document | None = None,
    vars_known: bool = True,
) -> Record | None:
    data = doc.data
    if not isinstance(data, dict):
        check.add(doc, (), "expected a mapping with kind, id and fields")
        return None
    kind = data.get("kind")
    if not isinstance(kind, str) or not kind:
        check.add(doc, ("kind",), "every record needs a kind (e.g. kind: calendar)")
        return None
    if kind not in CATALOG:
        close = difflib.get_close_matches(kind, CATALOG.names(), n=1)
        hint = f"did you mean {close[0]!r}?" if close else f"kinds: {', '.join(CATALOG.names())}"
        check.add(doc, ("kind",), f"unknown kind {kind!r}: {hint}", at_value=True)
        return None
    spec = CATALOG[kind]
    subject = f"{kind}/{data.get('id', '?')}"
    if spec.reference_data:
        check.add(
            doc,
            ("kind",),
            f"{kind} is reference data: it is mapped between accounts, never copied; "
            "map it in mappings.yaml instead",
            subject,
            at_value=True,
        )
        return None
    overrides = _overrides_for(spec, mappings, data.get("id"))
    merged = {**data, **{name: value for name, (_, value) in overrides.items()}}

    def redirect(path: tuple[str | int, ...]) -> tuple[Document, tuple[str | int, ...]] | None:
        if mappings_doc is None or not path or path[0] not in overrides:
            return None
        return mappings_doc, ("overrides", overrides[str(path[0])][0], *path)

    try:
        rendered, secrets = renderer.render_tree(merged, skip_top=frozenset({"kind", "id"}))
    except TemplateProblem as first:
        if not vars_known:
            return None
        for exc in _every_template_problem(renderer, merged, first):
            target = redirect(exc.path) or (doc, exc.path)
            check.add(target[0], target[1], exc.message, subject, at_value=True)
        return None
    try:
        model: BaseModel = spec.model.model_validate(rendered)
    except ValidationError as exc:
        check.add_pydantic(doc, exc, subject, spec, rendered, redirect, secrets)
        return None
    fields = normalise(spec, model)
    _check_duplicate_children(check, doc, spec, fields, subject)
    leaked = [f for f in sensitive_paths(spec, fields) if f not in secrets]
    for path in leaked:
        check.add(
            doc,
            tuple(split_dotted(path)),
            'sensitive value written in YAML: use {{ env("NAME") }} and keep it in a secret store',
            subject,
            at_value=True,
        )
    secrets |= set(sensitive_paths(spec, fields))
    return Record(kind, str(data["id"]), fields, Origin(doc.path, doc.index), frozenset(secrets))


def _every_template_problem(
    renderer: Renderer, data: dict[str, Any], first: TemplateProblem
) -> list[TemplateProblem]:
    """Each field's template problem, not only the first one met: a record with two broken
    templates shows both in one run. Rendered again field by field, only once one failed."""
    if not first.path:  # about the whole document (too large, too deep): one problem
        return [first]
    found = []
    for name, value in data.items():
        if name in ("kind", "id"):
            continue
        try:
            renderer.render_tree({name: value})
        except TemplateProblem as exc:
            found.append(exc)
    return found or [first]


def _check_duplicate_children(
    check: Validator, doc: Document, spec: KindSpec, fields: dict[str, Any], subject: str
) -> None:
    """Two children with one key (two Monday 08:00 hours) cannot both exist in the account:
    the plan would match only one of them."""
    for name, child in spec.children.items():
        first: dict[tuple[Any, ...], int] = {}
        for index, item in enumerate(fields.get(name) or []):
            key = tuple(item.get(k) for k in child.key)
            if first.setdefault(key, index) != index:
                check.add(
                    doc,
                    (name, index),
                    f"duplicate {child.label}: {', '.join(map(str, key))} is already item "
                    f"{first[key] + 1} of {name}; remove one",
                    subject,
                )


def normalise(spec: KindSpec, model: BaseModel) -> dict[str, Any]:
    """The record's declared fields as JSON values; ``disabled`` is always stated.

    ``disabled`` defaults to false even when unset, so that a record disabled in the account
    (by a removal policy, or by hand) comes back when it is declared again.
    """
    fields = model.model_dump(mode="json", exclude_unset=True)
    fields.pop("kind", None)
    fields.pop("id", None)
    if "disabled" in spec.fields:
        fields.setdefault("disabled", False)
    for name in spec.children:
        if name in fields and name == "columns":
            for position, item in enumerate(fields[name], start=1):
                item["position"] = position
    return fields


def _overrides_for(
    spec: KindSpec, mappings: Mappings, record_id: Any
) -> dict[str, tuple[str, Any]]:
    """Field → (override key, value) from mappings.yaml: per kind, then per record.

    Only fields the kind has: an unknown field is reported once, in mappings.yaml. Overrides
    are merged *before* rendering, so they may use ``{{ vars.x }}`` like the record itself.
    """
    out: dict[str, tuple[str, Any]] = {}
    for key in (spec.name, f"{spec.name}/{record_id}"):
        for name, value in (mappings.overrides.get(key) or {}).items():
            if name in spec.fields:
                out[name] = (key, value)
    return out


def declared_keys(documents: list[Document]) -> set[RecordKey]:
    """``(kind, id)`` of every document that names both, valid or not: a reference to a record
    that failed validation is not also reported as undeclared."""
    return {
        (doc.data["kind"], str(doc.data["id"]))
        for doc in documents
        if isinstance(doc.data, dict)
        and isinstance(doc.data.get("kind"), str)
        and doc.data.get("id") is not None
    }


def records_in_context(
    root: Path, source: str, target: Environment, environ: dict[str, str] | None = None
) -> dict[RecordKey, Record]:
    """The records of ``source``'s folder as they would be in ``target``.

    Rendered with the target's variables and overridden by the target's mappings.yaml: what a
    promotion would put into the target's desired state. Problems raise ConfigError.
    """
    folder = environment_folder(root, source)
    check = Validator(root)
    _, _, documents = read_environment_files(root, folder, check.problems)
    renderer = Renderer(target.config.vars, environ)
    with gc_paused():
        records = _records(check, documents, renderer, target.mappings)
    check.raise_if_any()
    return records
