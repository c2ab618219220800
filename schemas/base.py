"""The strict base of every kind, and the data the engine reads about a kind.

A kind's fields are ordinary pydantic fields. What makes a field a *reference*, a *child
collection*, *sensitive*, *settable on create only* or *opt-in* is declared beside its type with
``Annotated[..., Ref("calendar")]``, ``Children(key=...)``, ``Sensitive()``, ``CreateOnly()`` and
``OptIn()``, and the per-kind facts (natural key, reference data, how a record is removed, names
that do not exist in the platform) are class variables. :func:`build_spec` turns all of that
into one frozen :class:`KindSpec`, so resolve, diff, plan and apply never inspect pydantic
internals themselves.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal, get_args, get_origin

from pydantic import BaseModel, ConfigDict

from syncset.schemas.types import Slug

Removal = Literal["disable", "delete", "none"]
"""How a managed record that left the YAML can be removed: ``none`` when the platform can
neither disable nor delete it (4me/Xurrent holidays); the kind's ``removal_note`` says why."""


@dataclass(frozen=True)
class Ref:
    """Marks a field as a reference to records of ``kind`` (by id, or natural key for ref data)."""

    kind: str


@dataclass(frozen=True)
class Children:
    """Marks a list field as a child collection, whose items are matched by ``key`` fields."""

    key: tuple[str, ...]


@dataclass(frozen=True)
class Sensitive:
    """Marks a field whose value must never be shown, logged or written to YAML."""


@dataclass(frozen=True)
class CreateOnly:
    """Marks a field the platform sets on create only: a change of it on an existing record is
    an error at plan time, which names the record, both values and what to do."""


@dataclass(frozen=True)
class OptIn:
    """Marks a field a sync set leaves out unless it opts in (``include: [team.members]``):
    snapshot does not write it and promotion does not carry it. People are not configuration."""


class StrictModel(BaseModel):
    """Unknown fields are errors: a typo must never be silently ignored.

    Validators are built on a model's first use (``defer_build``), not when the catalog is
    imported: a small environment validates three or four of the twenty kinds, and building the
    others cost every command about 10 ms of start-up.
    """

    model_config = ConfigDict(
        extra="forbid", populate_by_name=False, validate_default=False, defer_build=True
    )


class ChildModel(StrictModel):
    """Base of the items of a child collection (calendar hours, board columns)."""

    label: ClassVar[str] = "item"
    removed_fields: ClassVar[dict[str, str]] = {}
    """Names the platform does not have, with the reason validate gives (see RecordModel)."""


class RecordModel(StrictModel):
    """Base of every kind: ``kind`` (a literal in each subclass) and a stable ``id`` slug."""

    kind: str
    id: Slug

    natural_key: ClassVar[tuple[str, ...]] = ("name",)
    unique_natural_key: ClassVar[bool] = True
    key_is_email: ClassVar[bool] = False
    """The natural key is an e-mail address: compared ignoring case, suggested by local part."""
    key_folds_case_and_spacing: ClassVar[bool] = False
    """The platform treats names that differ only in case or spacing as one (``Service Desk``
    and ``service  desk``): validate rejects the second as a duplicate."""
    reference_data: ClassVar[bool] = False
    removal: ClassVar[Removal] = "disable"
    removal_note: ClassVar[str] = ""
    """Why a ``removal: none`` record stays, and what to do instead (shown in plans)."""
    label: ClassVar[str] = ""
    """How messages name the kind ("agile board"); the kind name with spaces by default."""
    removed_fields: ClassVar[dict[str, str]] = {}
    """Names the platform does not have, each with the reason: validate's unknown-field message
    becomes ``description is not a calendar field: calendars have no description in Xurrent``."""
    versioned: ClassVar[tuple[str, ...]] = ()
    """Fields the platform writes as a new version that apply activates (UI extension content)."""


ReferenceValue = tuple[str, str, str]
"""``(field path, target kind, value)``: one value a record's references hold."""


@dataclass(frozen=True)
class RefSpec:
    """One reference: ``field`` (or ``child``'s item field) points at records of ``target``."""

    field: str
    target: str
    many: bool
    child: str | None = None

    @property
    def path(self) -> str:
        return f"{self.child}[].{self.field}" if self.child else self.field


@dataclass(frozen=True)
class ChildSpec:
    """A child collection: the list field, the key of its items, and the item model."""

    field: str
    key: tuple[str, ...]
    model: type[ChildModel]
    sensitive: frozenset[str] = frozenset()

    @property
    def label(self) -> str:
        return self.model.label

    @property
    def removed(self) -> dict[str, str]:
        return self.model.removed_fields


@dataclass(frozen=True)
class KindSpec:
    """Everything the engine knows about a kind, as plain data."""

    name: str
    title: str
    model: type[RecordModel]
    natural_key: tuple[str, ...]
    unique_natural_key: bool
    reference_data: bool
    removal: Removal
    references: tuple[RefSpec, ...]
    children: dict[str, ChildSpec] = field(default_factory=dict)
    sensitive: frozenset[str] = frozenset()
    fields: tuple[str, ...] = ()
    required: frozenset[str] = frozenset()
    key_is_email: bool = False
    key_folds_case_and_spacing: bool = False
    create_only: frozenset[str] = frozenset()
    opt_in: frozenset[str] = frozenset()
    removal_note: str = ""
    removed: dict[str, str] = field(default_factory=dict)
    versioned: tuple[str, ...] = ()

    def key_value(self, value: Any) -> Any:
        """A natural-key value as it is compared: e-mail addresses ignore case."""
        return value.lower() if self.key_is_email and isinstance(value, str) else value

    def unique_key_value(self, value: Any) -> Any:
        """A natural-key value as uniqueness sees it: folded where the platform folds it."""
        if self.key_folds_case_and_spacing and isinstance(value, str):
            return " ".join(value.split()).casefold()
        return self.key_value(value)

    def reference(self, path: str) -> RefSpec | None:
        """The reference declared at ``path`` (``field`` or ``child[].field``), if any."""
        for ref in self.references:
            if ref.path == path:
                return ref
        return None

    def targets(self) -> set[str]:
        """The kinds this kind points at."""
        return {ref.target for ref in self.references}

    def reference_values(
        self, fields: Mapping[str, Any], indexed: bool = False
    ) -> Iterator[ReferenceValue]:
        """Every ``(field path, target kind, value)`` a record's references hold.

        With ``indexed`` an item of a reference list is named by its index (``members[1]``), to
        place a problem on the item; otherwise by the list (``members``), as plans show it.
        """
        for ref in self.references:
            if ref.child is None:
                items: list[tuple[str, Any]] = [(ref.field, fields.get(ref.field))]
            else:
                items = [
                    (f"{ref.child}[{index}].{ref.field}", item.get(ref.field))
                    for index, item in enumerate(fields.get(ref.child) or [])
                ]
            for path, value in items:
                if value is None:
                    continue
                if not isinstance(value, list):
                    yield path, ref.target, value
                    continue
                for index, one in enumerate(value):
                    yield (f"{path}[{index}]" if indexed else path), ref.target, one

    def map_references(
        self,
        fields: dict[str, Any],
        convert: Callable[[RefSpec, Any], Any] | None = None,
        sort_sets: bool = False,
    ) -> dict[str, Any]:
        """A copy of ``fields`` with every reference value replaced by ``convert(ref, value)``.

        With :meth:`reference_values`, the one walker over a record's references: YAML ids to
        live ids (apply), live ids to YAML ids (resolve, snapshot, compare), source values to
        mapped ones (reference data). A list reference converts item by item, and with
        ``sort_sets`` comes out sorted (id lists are sets); child items are copied with their
        reference fields converted; a missing or None value is left as it is.
        """
        out = dict(fields)
        for ref in self.references:
            if ref.child is not None:
                if out.get(ref.child):
                    out[ref.child] = [
                        _converted(item, ref, convert, sort_sets) for item in out[ref.child]
                    ]
            else:
                value = out.get(ref.field)
                if value is not None:  # ``out`` is this call's own copy: set in place
                    out[ref.field] = _converted_value(value, ref, convert, sort_sets)
        return out


def _converted(
    holder: dict[str, Any],
    ref: RefSpec,
    convert: Callable[[RefSpec, Any], Any] | None,
    sort_sets: bool,
) -> dict[str, Any]:
    """``holder`` (a record's fields or one child item) with ``ref``'s value converted."""
    value = holder.get(ref.field)
    if value is None:
        return holder
    return {**holder, ref.field: _converted_value(value, ref, convert, sort_sets)}


def _converted_value(
    value: Any,
    ref: RefSpec,
    convert: Callable[[RefSpec, Any], Any] | None,
    sort_sets: bool,
) -> Any:
    """``ref``'s value converted: a list item by item (sorted with ``sort_sets``), or one."""
    if ref.many:
        items = [convert(ref, v) for v in value] if convert is not None else list(value)
        return sorted(items) if sort_sets else items
    return convert(ref, value) if convert is not None else value


def top_field(path: str) -> str:
    """The top-level field of a field path: ``columns[Review].wip_limit`` → ``columns``."""
    return path.split("[", 1)[0].split(".", 1)[0]


def _flagged(model: type[StrictModel], marker: type) -> frozenset[str]:
    """The fields of ``model`` annotated with ``marker`` (CreateOnly, OptIn)."""
    return frozenset(
        name
        for name, info in model.model_fields.items()
        if any(isinstance(m, marker) for m in info.metadata)
    )


def _markers(annotation_metadata: list[Any]) -> tuple[Ref | None, Children | None, bool]:
    ref = next((m for m in annotation_metadata if isinstance(m, Ref)), None)
    children = next((m for m in annotation_metadata if isinstance(m, Children)), None)
    sensitive = any(isinstance(m, Sensitive) for m in annotation_metadata)
    return ref, children, sensitive


def _is_list(annotation: Any) -> bool:
    if get_origin(annotation) is list:
        return True
    return any(_is_list(arg) for arg in get_args(annotation))


def _item_model(annotation: Any) -> type[ChildModel]:
    for arg in get_args(annotation):
        if isinstance(arg, type) and issubclass(arg, ChildModel):
            return arg
        found = _item_model(arg) if get_args(arg) else None
        if found is not None:
            return found
    raise TypeError(f"child collection {annotation!r} has no ChildModel item type")


def _field_refs(
    model: type[StrictModel], child: str | None
) -> tuple[list[RefSpec], frozenset[str]]:
    refs: list[RefSpec] = []
    sensitive: set[str] = set()
    for name, info in model.model_fields.items():
        ref, _, secret = _markers(info.metadata)
        if ref is not None:
            refs.append(RefSpec(name, ref.kind, _is_list(info.annotation), child))
        if secret:
            sensitive.add(name)
    return refs, frozenset(sensitive)


def build_spec(model: type[RecordModel]) -> KindSpec:
    """Collect a kind's declared facts from its model into a :class:`KindSpec`."""
    kind_field = model.model_fields["kind"]
    (name,) = get_args(kind_field.annotation)
    references, sensitive = _field_refs(model, None)
    children: dict[str, ChildSpec] = {}
    for field_name, info in model.model_fields.items():
        _, child_marker, _ = _markers(info.metadata)
        if child_marker is None:
            continue
        item = _item_model(info.annotation)
        child_refs, child_sensitive = _field_refs(item, field_name)
        references.extend(child_refs)
        children[field_name] = ChildSpec(field_name, child_marker.key, item, child_sensitive)
    fields = tuple(f for f in model.model_fields if f not in ("kind", "id"))
    required = frozenset(
        f
        for f, info in model.model_fields.items()
        if info.is_required() and f not in ("kind", "id")
    )
    return KindSpec(
        name=name,
        title=model.label or name.replace("_", " "),
        model=model,
        natural_key=model.natural_key,
        unique_natural_key=model.unique_natural_key,
        key_folds_case_and_spacing=model.key_folds_case_and_spacing,
        reference_data=model.reference_data,
        removal=model.removal,
        references=tuple(references),
        children=children,
        sensitive=sensitive,
        fields=fields,
        required=required,
        key_is_email=model.key_is_email,
        create_only=_flagged(model, CreateOnly),
        opt_in=_flagged(model, OptIn),
        removal_note=model.removal_note,
        removed=dict(model.removed_fields),
        versioned=model.versioned,
    )
