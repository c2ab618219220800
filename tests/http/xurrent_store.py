"""The records of a fake 4me/Xurrent account and how they are read: connections, views, node.

Where each behaviour comes from:
* paging: ``first``/``last`` required and 1..100, ``after``/``before``, opaque cursors, nested
  connections paged too and read beyond their first page through ``node(id:)``
  (XURRENT_API.md "Reading"); ids are opaque node ids (same);
* views: ``current_account`` (the default) is the records of the account in the header; ``all``
  adds the records of other accounts this one can see (XURRENT_SCHEMA.md conventions,
  XURRENT_API.md "Authentication and headers"); ``view`` exists only where the SDL has it;
* filters ``{ values, negate }``, on root connections only (XURRENT_SCHEMA.md, XURRENT_API.md);
* ``Calendar.holidays``/``Holiday.calendars`` and ``Team.members``/``Person.teams`` are the two
  sides of one relation each (XURRENT_SCHEMA.md "Holiday": "the holiday side of the
  calendar-holiday relation").

Decisions on facts the documents leave open (each a constructor option where it matters):
* disabled records are in every view by default (``disabled_in_default_view=True``); with
  ``False`` they are left out unless the ``disabled`` filter is given (then Calendar, which has
  no such filter, shows disabled calendars only through ``node``);
* ``visible_accounts`` are the other accounts (a directory, a support domain) whose records
  ``view: all``, ``node(id:)`` and references reach; records of any other account are invisible;
* ``coordinated_by_me``, ``managed_by_me``, ``archive`` and ``trash`` return nothing (the fake's
  token belongs to no person, and nothing is archived or trashed);
* a filter matches by equality (a list-valued field when any element matches), ``values: [null]``
  matches an empty reference; ``order`` sorts stably, empty values last; the default order is
  the order of creation;
* cursors are base64 offsets; a cursor that does not decode is "Invalid cursor".
"""

from __future__ import annotations

import base64
import itertools
import threading
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any

from graphql import GraphQLError, GraphQLObjectType, GraphQLSchema, get_named_type
from xurrent_sdl import CONNECTIONS, REFERENCE_CONNECTIONS

Record = dict[str, Any]

CHILDREN = {
    ("Calendar", "calendarHours"): "CalendarHour",
    ("AgileBoard", "columns"): "AgileBoardColumn",
    ("UiExtension", "versions"): "UiExtensionVersion",
}
"""Children live inside their parent record (as in the API: written through the parent)."""

PARENT_FIELD = {"AgileBoardColumn": "agileBoard", "UiExtensionVersion": "uiExtension"}

RELATIONS = {
    ("Calendar", "holidays"): ("Holiday", "calendars"),
    ("Holiday", "calendars"): ("Calendar", "holidays"),
    ("Team", "members"): ("Person", "teams"),
    ("Person", "teams"): ("Team", "members"),
}
"""Many-to-many relations stored on both sides, kept equal on every write and seed."""

INVERSES = {
    ("ProductBacklog", "scrumWorkspaces"): ("ScrumWorkspace", "productBacklog"),
    ("Organization", "childOrganizations"): ("Organization", "parent"),
    ("Organization", "people"): ("Person", "organization"),
    ("Site", "people"): ("Person", "site"),
    ("Team", "scrumWorkspace"): ("ScrumWorkspace", "team"),
}
"""Read-only fields computed from the reference on the other side."""

FILTER_SOURCE = {("Person", "team"): "teams", ("Person", "skillPool"): "skillPools"}
"""Filter fields whose values live under another (list) field."""

EMPTY_VIEWS = {"archive", "coordinated_by_me", "managed_by_me", "trash"}
WIDE_VIEWS = {"all", "all_with_roles"}
MAX_PAGE = 100
SKIPPED = ("Connection", "Edge", "Payload")
"""Types whose fields hold the values themselves, not ids to resolve."""


def now() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat()


def _cursor(offset: int) -> str:
    return base64.b64encode(f"cursor:{offset}".encode()).decode()


def _offset(cursor: str) -> int:
    try:
        text = base64.b64decode(cursor.encode(), validate=True).decode()
        return int(text.removeprefix("cursor:"))
    except (ValueError, UnicodeDecodeError):
        raise GraphQLError(f"Invalid cursor {cursor!r}") from None


def _page_size(name: str, value: int | None) -> None:
    if value is not None and not 1 <= value <= MAX_PAGE:
        raise GraphQLError(f"`{name}` must be between 1 and {MAX_PAGE}, not {value}")


def paginate(
    items: list[Any],
    first: int | None,
    last: int | None,
    after: str | None,
    before: str | None,
    connection: str,
) -> dict[str, Any]:
    """One page of a connection, relay-style: after/before narrow, first/last take."""
    if first is None and last is None:
        raise GraphQLError(f"You must provide a `first` or `last` value to paginate {connection}")
    _page_size("first", first)
    _page_size("last", last)
    start, end = 0, len(items)
    if after:
        start = max(start, _offset(after) + 1)
    if before:
        end = min(end, _offset(before))
    if first is not None:
        end = min(end, start + first)
    if last is not None:
        start = max(start, end - last)
    offsets = range(start, max(start, end))
    edges = [{"cursor": _cursor(i), "node": items[i]} for i in offsets]
    return {
        "edges": edges,
        "nodes": [edge["node"] for edge in edges],
        "pageInfo": {
            "hasNextPage": end < len(items),
            "hasPreviousPage": start > 0,
            "startCursor": edges[0]["cursor"] if edges else None,
            "endCursor": edges[-1]["cursor"] if edges else None,
        },
    }


def _matches(value: Any, wanted: list[Any]) -> bool:
    if isinstance(value, list):
        return any(v in wanted for v in value) or (not value and None in wanted)
    return value in wanted


class Store:
    """The records of one account (and of the accounts it can see), under one lock."""

    def __init__(
        self,
        schema: GraphQLSchema,
        account: str,
        visible_accounts: Iterable[str] = (),
        disabled_in_default_view: bool = True,
        denied: frozenset[str] = frozenset(),
    ) -> None:
        self.schema = schema
        self.account = account
        self.visible = {account, *visible_accounts}
        self.disabled_in_default_view = disabled_in_default_view
        self.denied = denied
        self.records: dict[str, Record] = {}
        self.lock = threading.RLock()
        self._ids = itertools.count(1)

    # -- records -----------------------------------------------------------------------------

    def object_type(self, type_name: str) -> GraphQLObjectType:
        gtype = self.schema.type_map.get(type_name)
        if not isinstance(gtype, GraphQLObjectType):
            raise ValueError(f"no object type {type_name} in this account's schema")
        return gtype

    def new_id(self, type_name: str) -> str:
        return base64.b64encode(f"gid://fake/{type_name}/{next(self._ids)}".encode()).decode()

    def new_record(self, type_name: str, account: str | None = None, **parent: Any) -> Record:
        """A record with the defaults the API gives: no marker, booleans false, timestamps."""
        fields = self.object_type(type_name).fields
        record: Record = {"__typename": type_name, "id": self.new_id(type_name), **parent}
        record["account"] = account or self.account  # the owner, also where it is not readable
        for name, field in fields.items():
            if get_named_type(field.type).name == "Boolean":
                record[name] = False
        if "createdAt" in fields:
            record.update(createdAt=now(), updatedAt=now(), source=None, sourceID=None)
        return record

    def seed(self, type_name: str, **fields: Any) -> str:
        """Put a record straight into the account (reference data, a large starting state).

        Fields are the GraphQL read fields; references are ids, lists of ids for connections,
        and lists of dicts for children (``calendarHours``, ``columns``, ``versions``, whose ids
        are made when missing). ``account=`` puts the record in another account. A name this
        account's schema lacks is refused, so a test cannot seed what the API would not have.
        """
        gtype = self.object_type(type_name)
        unknown = set(fields) - set(gtype.fields) - {"account"}
        if unknown:
            raise ValueError(f"{type_name} has no field {sorted(unknown)} in this schema")
        record = self.new_record(type_name, fields.get("account"))
        for name, value in fields.items():
            child = CHILDREN.get((type_name, name))
            record[name] = self._seed_children(child, record, value) if child else value
        with self.lock:
            self.commit(record)
        return str(record["id"])

    def _seed_children(self, child_type: str, parent: Record, items: list[Record]) -> list[Record]:
        known = set(self.object_type(child_type).fields) | {"id"}
        children = []
        for item in items:
            if set(item) - known:
                raise ValueError(f"{child_type} has no field {sorted(set(item) - known)}")
            children.append({**self.new_child(child_type, parent), **item})
        return children

    def new_child(self, child_type: str, parent: Record) -> Record:
        link = {PARENT_FIELD[child_type]: parent["id"]} if child_type in PARENT_FIELD else {}
        return self.new_record(child_type, parent.get("account"), **link)

    def commit(self, record: Record) -> None:
        """Store a record and make the other side of its relations agree (call under lock)."""
        self.records[record["id"]] = record
        type_name = record["__typename"]
        for (owner, field), (other_type, other_field) in RELATIONS.items():
            if owner != type_name:
                continue
            wanted = set(record.get(field) or [])
            for other in self.records.values():
                if other["__typename"] != other_type:
                    continue
                linked = other.setdefault(other_field, [])
                if other["id"] in wanted and record["id"] not in linked:
                    linked.append(record["id"])
                elif other["id"] not in wanted and record["id"] in linked:
                    linked.remove(record["id"])

    def of_type(self, type_name: str) -> list[Record]:
        """Every record of a type, of every account (for tests to look at)."""
        with self.lock:
            return [r for r in self.records.values() if r["__typename"] == type_name]

    def get(self, record_id: Any) -> Record | None:
        """A record or child this account can see, by id; None otherwise."""
        if not isinstance(record_id, str):
            return None
        with self.lock:
            record = self.records.get(record_id)
            if record is None:
                record = self._child(record_id)
        if record is None or record.get("account") not in self.visible:
            return None
        return record

    def _child(self, child_id: str) -> Record | None:
        for record in self.records.values():
            for (type_name, field), _child_type in CHILDREN.items():
                if record["__typename"] == type_name:
                    for child in record.get(field) or []:
                        if child.get("id") == child_id:
                            return dict(child, account=record.get("account"))
        return None

    # -- reading -----------------------------------------------------------------------------

    def in_view(self, type_name: str, view: str) -> list[Record]:
        if view in EMPTY_VIEWS:
            return []
        accounts = self.visible if view in WIDE_VIEWS else {self.account}
        return [r for r in self.of_type(type_name) if r.get("account") in accounts]

    def filtered(
        self, type_name: str, items: list[Record], conditions: dict[str, Any]
    ) -> list[Record]:
        for key, condition in conditions.items():
            if not condition or condition.get("values") is None:
                continue
            wanted, negate = list(condition["values"]), bool(condition.get("negate"))
            source = FILTER_SOURCE.get((type_name, key), key)
            items = [r for r in items if _matches(r.get(source), wanted) != negate]
        if not self.disabled_in_default_view and "disabled" not in conditions:
            items = [r for r in items if not r.get("disabled")]
        return items

    @staticmethod
    def ordered(items: list[Record], order: list[dict[str, Any]] | None) -> list[Record]:
        for clause in reversed(order or []):
            field, descending = clause["field"], clause.get("direction") == "desc"
            present = sorted(
                (r for r in items if r.get(field) is not None),
                key=lambda r: r[field],
                reverse=descending,
            )
            items = present + [r for r in items if r.get(field) is None]
        return items

    def root_list(self, type_name: str, connection: str) -> Callable[..., dict[str, Any]]:
        def resolve(
            _root: Any,
            _info: Any,
            first: int | None = None,
            last: int | None = None,
            after: str | None = None,
            before: str | None = None,
            filter: dict[str, Any] | None = None,
            order: list[dict[str, Any]] | None = None,
            view: str = "current_account",
        ) -> dict[str, Any]:
            if connection in self.denied:
                raise GraphQLError(f"Not authorized to access {connection}")
            items = self.filtered(type_name, self.in_view(type_name, view), filter or {})
            items = self.ordered(items, order)
            return paginate(items, first, last, after, before, connection)

        return resolve

    def nested_items(self, type_name: str, field: str, source: Record) -> list[Record]:
        if (type_name, field) in CHILDREN:
            children = list(source.get(field) or [])
            if field == "columns":
                children.sort(key=lambda c: (c.get("position") is None, c.get("position") or 0))
            return children
        if (type_name, field) in INVERSES:
            other_type, reference = INVERSES[(type_name, field)]
            return [r for r in self.in_view(other_type, "all") if r.get(reference) == source["id"]]
        found = (self.get(i) for i in source.get(field) or [])
        return [r for r in found if r is not None]

    def nested(self, type_name: str, field: str) -> Callable[..., dict[str, Any]]:
        def resolve(
            source: Record,
            _info: Any,
            first: int | None = None,
            last: int | None = None,
            after: str | None = None,
            before: str | None = None,
        ) -> dict[str, Any]:
            items = self.nested_items(type_name, field, source)
            return paginate(items, first, last, after, before, f"{type_name}.{field}")

        return resolve

    def reference(self, type_name: str, field: str) -> Callable[..., Record | None]:
        def resolve(source: Record, _info: Any) -> Record | None:
            if (type_name, field) == ("UiExtension", "activeVersion"):
                versions = source.get("versions") or []
                return next((v for v in versions if v.get("status") == "active"), None)
            if (type_name, field) in INVERSES:
                found = self.nested_items(type_name, field, source)
                return found[0] if found else None
            return self.get(source.get(field))

        return resolve

    def node(self, _root: Any, _info: Any, id: str) -> Record | None:
        record = self.get(id)
        gtype = self.schema.type_map.get(record["__typename"]) if record else None
        interfaces = (
            [i.name for i in gtype.interfaces] if isinstance(gtype, GraphQLObjectType) else []
        )
        return record if "Node" in interfaces else None

    def attach(self) -> None:
        """Give every connection, reference and ``account`` field of the schema its resolver."""
        query = self.schema.query_type
        assert query is not None
        query.fields["node"].resolve = self.node
        for type_name, connection in {**CONNECTIONS, **REFERENCE_CONNECTIONS}.items():
            query.fields[connection].resolve = self.root_list(type_name, connection)
        for type_name, gtype in self.schema.type_map.items():
            if not isinstance(gtype, GraphQLObjectType) or type_name.startswith("__"):
                continue
            if type_name in ("Query", "Mutation") or type_name.endswith(SKIPPED):
                continue
            for field_name, field in gtype.fields.items():
                named = get_named_type(field.type)
                if named.name.endswith("Connection"):
                    field.resolve = self.nested(type_name, field_name)
                elif field_name == "account":
                    field.resolve = self._account
                elif isinstance(named, GraphQLObjectType) and named.interfaces:
                    field.resolve = self.reference(type_name, field_name)

    def _account(self, source: Record, _info: Any) -> dict[str, Any]:
        account = source.get("account") or self.account
        return {"id": account, "name": account}
