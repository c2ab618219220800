"""How catalog kinds map to 4me/Xurrent GraphQL types, and the operation texts built from that map.

The map is derived from the kind catalog, so the provider reads exactly the fields a kind's
schema declares: a scalar ``time_zone`` is ``timeZone``; a reference ``work_hours`` is read as
``workHours { id }`` and written as ``workHoursId``; a list reference ``holidays`` is read as the
connection ``holidays { nodes { id } }`` and written as ``holidayIds``; a child collection is
read as a connection and written through the parent's ``new…``/``…ToDelete`` inputs; a UI
extension's content is read from ``activeVersion { html … }``. Only the exceptions (names the API
spells differently) are listed by hand. Every name is one of ../shared/design/XURRENT_SCHEMA.md,
except ``services`` and ``Service.name``, which the SDK generated from the live schema confirms
(works4me-xurrent-graphql: ``Queries/ServiceQuery.cs``, ``Entities/Queries/Service.cs``).

Accounts differ: a field listed in :data:`OPTIONAL` may be missing from an account's schema and is
then left out of every operation, and calendar hours are read with their ``id`` only where the
schema has ``CalendarHour.id`` (:func:`build_type_map`). :func:`operations` lists every text the
provider can send for a kind, which is what :mod:`syncset.providers.xurrent.schema` validates
against the account's schema. Query texts hold only these constant names; every value travels in
variables.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import Enum
from typing import Any, Literal, get_args

from syncset.schemas import CATALOG, KindSpec

PAGE_SIZE = 100
"""The API's maximum for ``first``: a list of N records costs ceil(N/100) requests."""

Shape = Literal["scalar", "ref", "refs", "timestamp", "time", "email"]


@dataclass(frozen=True)
class FieldMap:
    """One catalog field: its GraphQL read name, its input name, and how values convert.
    ``via`` is the object it is read through (``activeVersion``); it is written directly."""

    name: str
    read: str
    input: str
    shape: Shape = "scalar"
    via: str | None = None
    values: tuple[str, ...] = ()
    """The enum values the catalog allows (checked against the account's enum)."""

    def selection(self) -> str:
        if self.shape == "ref":
            return f"{self.read} {{ id }}"
        if self.shape == "refs":
            return f"{self.read}(first: {PAGE_SIZE}) {{ nodes {{ id }} {PAGE_INFO} }}"
        return self.read


@dataclass(frozen=True)
class ChildMap:
    """A child collection read through the connection ``read`` and written via the parent."""

    name: str
    read: str
    new_input: str
    delete_input: str
    key: tuple[str, ...]
    fields: tuple[FieldMap, ...]
    in_place: bool
    """Whether a changed item keeps its id (sent in ``new…`` with its id) or is replaced."""
    ids: bool = True
    """Whether items are read with their ``id``; without ids a change replaces the whole set."""

    def inner(self) -> str:
        """The selection of one item."""
        return " ".join([*(["id"] if self.ids else []), *(f.selection() for f in self.fields)])

    def selection(self) -> str:
        return f"{self.read}(first: {PAGE_SIZE}) {{ nodes {{ {self.inner()} }} {PAGE_INFO} }}"


@dataclass(frozen=True)
class TypeMap:
    kind: str
    type_name: str
    connection: str
    mutation: str
    fields: tuple[FieldMap, ...]
    children: tuple[ChildMap, ...]
    writable: bool
    view: str | None = None
    """The ``view:`` of list queries: none for configuration (the account's own records)."""
    activate: str | None = None
    """The input that activates content written through ``via`` fields (``activate``)."""
    create_only: frozenset[str] = frozenset()
    left_out: dict[str, str] = field(default_factory=dict)
    """Catalog fields this account's schema lacks, with the reason (never read or written)."""

    def selection(self) -> str:
        parts = ["id", "source", "sourceID"] if self.writable else ["id"]  # markers: config only
        nested: dict[str, list[str]] = {}
        for f in self.fields:
            if f.via:
                nested.setdefault(f.via, []).append(f.selection())
            else:
                parts.append(f.selection())
        parts += [f"{via} {{ {' '.join(inner)} }}" for via, inner in nested.items()]
        parts += [c.selection() for c in self.children]
        return " ".join(parts)

    def field_for_input(self, name: str) -> str | None:
        """The catalog field an input name (from an ``errors { path }``) belongs to."""
        for f in self.fields:
            if name in (f.input, f.read):
                return f.name
        for c in self.children:
            if name in (c.new_input, c.delete_input, c.read):
                return c.name
        return None

    def versioned(self) -> frozenset[str]:
        return frozenset(f.name for f in self.fields if f.via)


PAGE_INFO = "pageInfo { hasNextPage endCursor }"

_TYPES: dict[str, tuple[str, str]] = {
    "calendar": ("Calendar", "calendars"),
    "holiday": ("Holiday", "holidays"),
    "team": ("Team", "teams"),
    "agile_board": ("AgileBoard", "agileBoards"),
    "product_backlog": ("ProductBacklog", "productBacklogs"),
    "scrum_workspace": ("ScrumWorkspace", "scrumWorkspaces"),
    "ui_extension": ("UiExtension", "uiExtensions"),
    "request_template": ("RequestTemplate", "requestTemplates"),
    "person": ("Person", "people"),
    "organization": ("Organization", "organizations"),
    "site": ("Site", "sites"),
    "service": ("Service", "services"),
}
"""Kind → (GraphQL type, top-level connection). Every other name is derived."""

_OVERRIDES: dict[str, FieldMap] = {
    "calendar.hours": FieldMap("hours", "calendarHours", "newCalendarHours"),
    "holiday.start_at": FieldMap("start_at", "startAt", "startAt", "timestamp"),
    "holiday.end_at": FieldMap("end_at", "endAt", "endAt", "timestamp"),
    "hours.time_from": FieldMap("time_from", "timeFrom", "timeFrom", "time"),
    "hours.time_until": FieldMap("time_until", "timeUntil", "timeUntil", "time"),
    "person.primary_email": FieldMap("primary_email", "primaryEmail", "primaryEmail", "email"),
}

CHILD_INPUTS = {
    "calendar.hours": "CalendarHoursInput",
    "agile_board.columns": "AgileBoardColumnInput",
}
"""The input type of one child item."""
_IN_PLACE = {"agile_board.columns"}
_EXTRA_CHILD_FIELDS = {"agile_board.columns": ("position",)}  # a column's place in the list
_VERSIONS = {"ui_extension": ("activeVersion", "activate")}  # read through, activated by

OPTIONAL: dict[str, str] = {
    "agile_board.request_template": "AgileBoard.requestTemplate (schemas from 2025-11 on)",
    "product_backlog.request_template": "ProductBacklog.requestTemplate (schemas from 2025-11 on)",
    "ui_extension.dark_mode_safe": "UiExtension.darkModeSafe (a later addition)",
}
"""Fields an account's schema may lack (older deployments): left out of the operations, and a
YAML value for one is an error. Every other field is required: a schema without it refuses the
kind."""

REFERENCE_VIEWS: dict[str, tuple[str, ...]] = {
    "person": ("all", "all_with_roles", "archive", "current_account", "trash"),
    "organization": ("all", "current_account", "managed_by_me"),
    "site": ("all", "current_account"),
    "service": ("all", "current_account"),
}
"""The ``view`` values each reference-data connection takes (``reference_views`` setting)."""


def camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def _enum_values(annotation: Any) -> tuple[str, ...]:
    if isinstance(annotation, type) and issubclass(annotation, Enum):
        return tuple(str(member.value) for member in annotation)
    for arg in get_args(annotation):
        found = _enum_values(arg)
        if found:
            return found
    return ()


def _field(scope: str, name: str, ref_many: bool | None, annotation: Any) -> FieldMap:
    override = _OVERRIDES.get(f"{scope}.{name}")
    if override is not None:
        return override
    read = camel(name)
    if ref_many is None:
        return FieldMap(name, read, read, values=_enum_values(annotation))
    if ref_many:
        return FieldMap(name, read, f"{camel(name.removesuffix('s'))}Ids", "refs")
    return FieldMap(name, read, f"{read}Id", "ref")


def _ref_kinds(spec: KindSpec, child: str | None) -> dict[str, bool]:
    return {r.field: r.many for r in spec.references if r.child == child}


def _children(spec: KindSpec, hour_ids: bool) -> tuple[ChildMap, ...]:
    children = []
    for name, child in spec.children.items():
        where = f"{spec.name}.{name}"
        child_refs = _ref_kinds(spec, name)
        model_fields = child.model.model_fields
        names = [*model_fields, *_EXTRA_CHILD_FIELDS.get(where, ())]
        read = _OVERRIDES[where].read if where in _OVERRIDES else camel(name)
        upper = read[:1].upper() + read[1:]
        annotations = {n: model_fields[n].annotation if n in model_fields else None for n in names}
        children.append(
            ChildMap(
                name=name,
                read=read,
                new_input=f"new{upper}",
                delete_input=f"{read}ToDelete",
                key=child.key,
                fields=tuple(_field(name, n, child_refs.get(n), annotations[n]) for n in names),
                in_place=where in _IN_PLACE,
                ids=hour_ids or where != "calendar.hours",
            )
        )
    return tuple(children)


def build_type_map(
    spec: KindSpec,
    hour_ids: bool = True,
    left_out: dict[str, str] | None = None,
    view: str | None = None,
) -> TypeMap:
    """The map of ``spec`` for one account: calendar hours read with ids or not, the fields in
    ``left_out`` (catalog names, with the reason) dropped, lists read with ``view``."""
    type_name, connection = _TYPES[spec.name]
    gone = dict(left_out or {})
    refs = _ref_kinds(spec, None)
    via, activate = _VERSIONS.get(spec.name, (None, None))
    fields = []
    for name in spec.fields:
        if name in spec.children or name in gone:
            continue
        one = _field(spec.name, name, refs.get(name), spec.model.model_fields[name].annotation)
        if name in spec.versioned:
            one = FieldMap(one.name, one.read, one.input, one.shape, via, one.values)
        fields.append(one)
    mutation = type_name[:1].lower() + type_name[1:]
    return TypeMap(
        spec.name,
        type_name,
        connection,
        mutation,
        tuple(fields),
        _children(spec, hour_ids),
        not spec.reference_data,
        view=view,
        activate=activate,
        create_only=spec.create_only,
        left_out=gone,
    )


TYPE_MAPS: dict[str, TypeMap] = {name: build_type_map(CATALOG[name]) for name in _TYPES}
"""The kinds a 4me/Xurrent account holds, as the newest schema has them (hour ids included)."""


# -- query texts ----------------------------------------------------------------------------


def list_query(tm: TypeMap, by_marker: bool = False) -> str:
    args = [f"first: {PAGE_SIZE}", "after: $after"]
    if tm.view:
        args.append(f"view: {tm.view}")
    variables = "$after: String"
    if by_marker:
        args.append("filter: { sourceID: { values: $sourceID } }")
        variables += ", $sourceID: [String!]!"
    return (
        f"query ({variables}) {{ {tm.connection}({', '.join(args)}) "
        f"{{ nodes {{ {tm.selection()} }} {PAGE_INFO} }} }}"
    )


def node_query(tm: TypeMap) -> str:
    return (
        f"query ($id: ID!) {{ node(id: $id) {{ ... on {tm.type_name} {{ {tm.selection()} }} }} }}"
    )


def nested_page_query(tm: TypeMap, connection: str, inner: str) -> str:
    """The next page of one nested connection of one record, read through ``node(id:)``."""
    return (
        f"query ($id: ID!, $after: String) {{ node(id: $id) {{ ... on {tm.type_name} {{ "
        f"{connection}(first: {PAGE_SIZE}, after: $after) {{ nodes {{ {inner} }} {PAGE_INFO} }}"
        " } } }"
    )


def mutation_text(tm: TypeMap, action: Literal["Create", "Update"]) -> str:
    name = f"{tm.mutation}{action}"
    return (
        f"mutation ($input: {tm.type_name}{action}Input!) {{ {name}(input: $input) "
        f"{{ errors {{ path message }} {tm.mutation} {{ {tm.selection()} }} }} }}"
    )


RATE_LIMIT_QUERY = "query { rateLimit { cost limit remaining resetAt } }"


@dataclass(frozen=True)
class Operation:
    """One text the provider may send, and the input fields it may carry in its variables."""

    purpose: str
    text: str
    inputs: dict[str, tuple[str, ...]] = field(default_factory=dict)
    """Input type → the field names the provider may set in it."""
    enums: dict[tuple[str, str], tuple[str, ...]] = field(default_factory=dict)
    """``(input type, field)`` → the enum values the catalog may send there."""


def operations(tm: TypeMap, marker_filter: bool = True) -> list[Operation]:
    """Every operation the provider may send for ``tm``: list, marker look-up, node, the next
    page of each nested connection, and for configuration kinds create and update."""
    ops = [Operation("list", list_query(tm)), Operation("node", node_query(tm))]
    if marker_filter and tm.writable:
        ops.append(Operation("marker look-up", list_query(tm, by_marker=True)))
    for f in tm.fields:
        if f.shape == "refs":
            ops.append(Operation(f"{f.name} page", nested_page_query(tm, f.read, "id")))
    for child in tm.children:
        ops.append(
            Operation(f"{child.name} page", nested_page_query(tm, child.read, child.inner()))
        )
    if tm.writable:
        ops += [_mutation(tm, "Create"), _mutation(tm, "Update")]
    return ops


def _mutation(tm: TypeMap, action: Literal["Create", "Update"]) -> Operation:
    input_type = f"{tm.type_name}{action}Input"
    fields = [f for f in tm.fields if action == "Create" or f.name not in tm.create_only]
    names = ["source", "sourceID", *(f.input for f in fields)]
    enums = {(input_type, f.input): f.values for f in fields if f.values}
    inputs: dict[str, tuple[str, ...]] = {}
    if action == "Update":
        names.insert(0, "id")
    if tm.activate and tm.versioned():
        names.append(tm.activate)
    for child in tm.children:
        names.append(child.new_input)
        if action == "Update" and child.ids:
            names.append(child.delete_input)
        item_type = CHILD_INPUTS[f"{tm.kind}.{child.name}"]
        item = [f.input for f in child.fields]
        inputs[item_type] = tuple(["id", *item] if child.in_place else item)
        enums.update({(item_type, f.input): f.values for f in child.fields if f.values})
    inputs[input_type] = tuple(names)
    return Operation(action.lower(), mutation_text(tm, action), inputs, enums)


# -- values ----------------------------------------------------------------------------------


def from_api(f: FieldMap, value: Any) -> Any:
    """A value as the API returns it → the catalog's normal form."""
    if value is None:
        return [] if f.shape == "refs" else None
    if f.shape == "ref":
        return value.get("id") if isinstance(value, dict) else value
    if f.shape == "refs":
        return [node["id"] for node in value.get("nodes", [])]
    if f.shape == "timestamp" and isinstance(value, str):
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
        moment = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment
        return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    if f.shape == "time" and isinstance(value, str):
        return value[:5]
    if f.shape == "email" and isinstance(value, str):
        return value.lower()
    return value


def to_input(fields: tuple[FieldMap, ...], values: dict[str, Any]) -> dict[str, Any]:
    """Catalog values (references as live ids) → GraphQL input fields."""
    out: dict[str, Any] = {}
    for f in fields:
        if f.name in values:
            value = values[f.name]
            out[f.input] = [] if f.shape == "refs" and value is None else value
    return out
