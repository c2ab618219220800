"""How catalog kinds map to 4me/Xurrent GraphQL types, and the query texts built from that map.

The map is derived from the kind catalog, so the provider reads exactly the fields a kind's
schema declares: a scalar ``time_zone`` is ``timeZone``; a reference ``work_hours`` is read as
``workHours { id }`` and written as ``workHoursId``; a list reference ``holidays`` is read as the
connection ``holidays { nodes { id } }`` and written as ``holidayIds``; a child collection is
read as a connection and written through the parent's ``new…``/``…ToDelete`` inputs. Only the
exceptions (names the API spells differently) are listed by hand in :data:`_OVERRIDES`.

Query texts hold only these constant names; every value travels in GraphQL variables.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from syncset.schemas import CATALOG, KindSpec

PAGE_SIZE = 100
"""The API's maximum for ``first``: a list of N records costs ceil(N/100) requests."""

Shape = Literal["scalar", "ref", "refs", "timestamp", "time", "email"]


@dataclass(frozen=True)
class FieldMap:
    """One catalog field: its GraphQL read name, its input name, and how values convert."""

    name: str
    read: str
    input: str
    shape: Shape = "scalar"

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
    node_type: str
    new_input: str
    delete_input: str
    key: tuple[str, ...]
    fields: tuple[FieldMap, ...]
    in_place: bool
    """Whether a changed item keeps its id (sent in ``new…`` with its id) or is replaced."""

    def inner(self) -> str:
        """The selection of one item."""
        return " ".join(["id", *(f.selection() for f in self.fields)])

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

    def selection(self) -> str:
        parts = ["id", "source", "sourceID", *(f.selection() for f in self.fields)]
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
}
"""Kind → (GraphQL type, top-level connection). Every other name is derived."""

_OVERRIDES: dict[str, FieldMap] = {
    "ui_extension.title_text": FieldMap("title_text", "title", "title"),
    "calendar.hours": FieldMap("hours", "calendarHours", "newCalendarHours"),
    "holiday.start_at": FieldMap("start_at", "startAt", "startAt", "timestamp"),
    "holiday.end_at": FieldMap("end_at", "endAt", "endAt", "timestamp"),
    "hours.time_from": FieldMap("time_from", "timeFrom", "timeFrom", "time"),
    "hours.time_until": FieldMap("time_until", "timeUntil", "timeUntil", "time"),
    "person.primary_email": FieldMap("primary_email", "primaryEmail", "primaryEmail", "email"),
}

_CHILD_TYPES = {"calendar.hours": "CalendarHours", "agile_board.columns": "AgileBoardColumn"}
_IN_PLACE = {"agile_board.columns"}
_EXTRA_CHILD_FIELDS = {"agile_board.columns": ("position",)}
"""Child fields the engine adds to items (a column's position is its place in the list)."""


def camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def _field(scope: str, name: str, ref_many: bool | None) -> FieldMap:
    override = _OVERRIDES.get(f"{scope}.{name}")
    if override is not None:
        return override
    read = camel(name)
    if ref_many is None:
        return FieldMap(name, read, read)
    if ref_many:
        return FieldMap(name, read, f"{camel(name.removesuffix('s'))}Ids", "refs")
    return FieldMap(name, read, f"{read}Id", "ref")


def _ref_kinds(spec: KindSpec, child: str | None) -> dict[str, bool]:
    return {r.field: r.many for r in spec.references if r.child == child}


def build_type_map(spec: KindSpec) -> TypeMap:
    type_name, connection = _TYPES[spec.name]
    refs = _ref_kinds(spec, None)
    fields = tuple(
        _field(spec.name, name, refs.get(name)) for name in spec.fields if name not in spec.children
    )
    children = []
    for name, child in spec.children.items():
        where = f"{spec.name}.{name}"
        child_refs = _ref_kinds(spec, name)
        names = [*child.model.model_fields, *_EXTRA_CHILD_FIELDS.get(where, ())]
        read = _OVERRIDES[where].read if where in _OVERRIDES else camel(name)
        upper = read[:1].upper() + read[1:]
        children.append(
            ChildMap(
                name=name,
                read=read,
                node_type=_CHILD_TYPES[where],
                new_input=f"new{upper}",
                delete_input=f"{read}ToDelete",
                key=child.key,
                fields=tuple(_field(name, n, child_refs.get(n)) for n in names),
                in_place=where in _IN_PLACE,
            )
        )
    mutation = type_name[:1].lower() + type_name[1:]
    return TypeMap(
        spec.name,
        type_name,
        connection,
        mutation,
        fields,
        tuple(children),
        not spec.reference_data,
    )


TYPE_MAPS: dict[str, TypeMap] = {name: build_type_map(CATALOG[name]) for name in _TYPES}
"""The kinds a 4me/Xurrent account holds (configuration and reference data)."""


# -- query texts ----------------------------------------------------------------------------


def list_query(tm: TypeMap, view: str | None, by_marker: bool = False) -> str:
    args = [f"first: {PAGE_SIZE}", "after: $after"]
    if view:
        args.append(f"view: {view}")
    variables = "$after: String"
    if by_marker:
        args.append("filter: { sourceID: { values: [$sourceID] } }")
        variables += ", $sourceID: String!"
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
