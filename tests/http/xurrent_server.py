"""A fake 4me/Xurrent account: GraphQL over HTTP on 127.0.0.1, checked by graphql-core.

Every query is parsed and validated against :data:`xurrent_sdl.SDL` before it runs,
and resolvers enforce what the schema cannot say: ``first``/``last`` required and at most 100,
opaque cursors, the account header, unique names ("Name has already been taken" with
``path: ["name"]``, even against a disabled record), references that must exist, and no values
spliced into query text (string literals are refused: values travel as variables).
"""

from __future__ import annotations

import base64
import copy
import itertools
import json
import threading
import time
from contextlib import suppress
from datetime import UTC, datetime
from typing import Any

from graphql import (
    GraphQLError,
    GraphQLObjectType,
    OperationDefinitionNode,
    StringValueNode,
    build_schema,
    get_named_type,
    graphql_sync,
    parse,
    visit,
)
from graphql.language import FieldNode, Visitor
from serverkit import Counters, Faults, JsonHandler, Limits, Tokens
from xurrent_sdl import CONNECTIONS, CREATE_INPUTS, SDL

UNIQUE_NAMES = {"Calendar", "Team", "Site", "Organization"}
"""Types whose names are unique per account (XURRENT_API.md, "Identity")."""


def _lower(name: str) -> str:
    return name[:1].lower() + name[1:]


def _cursor(offset: int) -> str:
    return base64.b64encode(f"offset:{offset}".encode()).decode()


def _offset(cursor: str) -> int:
    try:
        text = base64.b64decode(cursor.encode(), validate=True).decode()
        return int(text.removeprefix("offset:"))
    except (ValueError, UnicodeDecodeError):
        raise GraphQLError(f"Invalid cursor {cursor!r}") from None


def paginate(items: list[Any], first: int | None, after: str | None) -> dict[str, Any]:
    if first is None:
        raise GraphQLError("You must provide a `first` or `last` value to paginate")
    if not 1 <= first <= 100:
        raise GraphQLError("`first` must be between 1 and 100")
    start = _offset(after) + 1 if after else 0
    page = items[start : start + first]
    return {
        "nodes": page,
        "pageInfo": {
            "hasNextPage": start + first < len(items),
            "hasPreviousPage": start > 0,
            "startCursor": _cursor(start) if page else None,
            "endCursor": _cursor(start + len(page) - 1) if page else None,
        },
    }


class _SplicedValues(Visitor):
    def __init__(self) -> None:
        super().__init__()
        self.found = False

    def enter_string_value(self, node: StringValueNode, *_: Any) -> None:
        self.found = True


class XurrentAccount:
    """The state and schema of one account, and the counters tests assert on."""

    def __init__(
        self,
        account: str = "widget",
        header: str = "X-Xurrent-Account",
        limits: Limits | None = None,
        tokens: Tokens | None = None,
        faults: Faults | None = None,
        denied: frozenset[str] = frozenset(),
        echo_credentials: bool = False,
    ) -> None:
        self.account = account
        self.header = header
        self.limits = limits or Limits()
        self.tokens = tokens or Tokens(clients={"syncset-ci": "s3cr3t-client-secret"})
        self.faults = faults or Faults()
        self.denied = denied
        self.echo_credentials = echo_credentials
        """Quote the caller's Authorization header in error bodies, as a careless server might."""
        self.queries: list[str] = []
        self.counters = Counters()
        self.records: dict[str, dict[str, Any]] = {}
        self.lock = threading.RLock()
        self._ids = itertools.count(1)
        self.schema = build_schema(SDL)
        self._attach()

    # -- state -------------------------------------------------------------------------------

    def new_id(self, type_name: str) -> str:
        return base64.b64encode(f"gid://fake/{type_name}/{next(self._ids)}".encode()).decode()

    def seed(self, type_name: str, **fields: Any) -> str:
        """Put a record straight into the account (reference data, or a large starting state)."""
        record = {"__typename": type_name, "id": self.new_id(type_name), "disabled": False}
        record.update({"source": None, "sourceID": None, **fields})
        with self.lock:
            self.records[record["id"]] = record
        return str(record["id"])

    def of_type(self, type_name: str) -> list[dict[str, Any]]:
        with self.lock:
            return [r for r in self.records.values() if r["__typename"] == type_name]

    # -- resolvers ---------------------------------------------------------------------------

    def _attach(self) -> None:
        query = self.schema.query_type
        mutation = self.schema.mutation_type
        assert query is not None and mutation is not None
        for type_name, connection in CONNECTIONS.items():
            query.fields[connection].resolve = self._list(type_name, connection)
        query.fields["node"].resolve = lambda _root, _info, id: self.records.get(id)
        query.fields["rateLimit"].resolve = self._rate_limit
        for name, gtype in self.schema.type_map.items():
            if not isinstance(gtype, GraphQLObjectType) or name in ("Query", "Mutation"):
                continue
            if name.startswith("__") or name.endswith(("Payload", "Connection")):
                continue
            for field_name, field_def in gtype.fields.items():
                named = get_named_type(field_def.type)
                if named.name.endswith("Connection") and name in self.schema.type_map:
                    field_def.resolve = self._nested(field_name)
                elif isinstance(named, GraphQLObjectType) and named.interfaces:
                    field_def.resolve = self._ref(field_name)
        for type_name in CREATE_INPUTS:
            for action in ("Create", "Update"):
                resolver = self._mutation(type_name, action)
                mutation.fields[f"{_lower(type_name)}{action}"].resolve = resolver

    def _list(self, type_name: str, connection: str) -> Any:
        def resolve(
            _root: Any,
            _info: Any,
            first: int | None = None,
            last: int | None = None,
            after: str | None = None,
            before: str | None = None,
            view: str = "current",
            filter: dict[str, Any] | None = None,
        ) -> dict[str, Any]:
            if connection in self.denied:
                raise GraphQLError(f"Not authorized to access {connection}")
            items = self.of_type(type_name)
            if view != "all":
                items = [r for r in items if bool(r.get("disabled")) == (view == "disabled")]
            for key, condition in (filter or {}).items():
                if condition and condition.get("values") is not None:
                    items = [r for r in items if r.get(key) in condition["values"]]
            return paginate(items, first if first is not None else last, after)

        return resolve

    def _nested(self, field_name: str) -> Any:
        def resolve(
            source: dict[str, Any],
            _info: Any,
            first: int | None = None,
            last: int | None = None,
            after: str | None = None,
            before: str | None = None,
        ) -> dict[str, Any]:
            items = [
                item if isinstance(item, dict) else self.records.get(item)
                for item in source.get(field_name) or []
            ]
            return paginate([i for i in items if i], first if first is not None else last, after)

        return resolve

    def _ref(self, field_name: str) -> Any:
        def resolve(source: dict[str, Any], _info: Any) -> dict[str, Any] | None:
            target = source.get(field_name)
            return self.records.get(target) if target else None

        return resolve

    def _rate_limit(self, _root: Any, _info: Any) -> dict[str, Any]:
        headers = self.limits._headers(self.limits._period_start + self.limits.period)
        reset = datetime.fromtimestamp(int(headers["X-RateLimit-Reset"]), UTC)
        return {
            "cost": 1,
            "limit": int(headers["X-RateLimit-Limit"]),
            "remaining": int(headers["X-RateLimit-Remaining"]),
            "resetAt": reset.isoformat(),
        }

    def _mutation(self, type_name: str, action: str) -> Any:
        key = _lower(type_name)

        def resolve(_root: Any, _info: Any, input: dict[str, Any]) -> dict[str, Any]:
            with self.lock:
                if action == "Update":
                    current = self.records.get(input["id"])
                    if current is None or current["__typename"] != type_name:
                        return {"errors": [{"path": ["id"], "message": "Not found"}], key: None}
                    record = copy.deepcopy(current)
                else:
                    record = {"__typename": type_name, "id": self.new_id(type_name)}
                    record.update({"disabled": False, "source": None, "sourceID": None})
                errors = self._apply(type_name, record, input) or self._unique(record)
                if errors:
                    self.counters.add("rejected")
                    return {"errors": errors, key: None}
                self.records[record["id"]] = record
                self.counters.add(f"{action.lower()}:{type_name}")
                return {"errors": [], key: record}

        return resolve

    def _apply(
        self, type_name: str, record: dict[str, Any], values: dict[str, Any]
    ) -> list[dict[str, Any]]:
        gtype = self.schema.type_map[type_name]
        assert isinstance(gtype, GraphQLObjectType)
        for key, value in values.items():
            if key in ("id", "clientMutationId"):
                continue
            if key.endswith("ToDelete"):
                field = key.removesuffix("ToDelete")
                items = record.get(field) or []
                if set(value or []) - {item["id"] for item in items}:
                    return [{"path": [key], "message": "Unknown id"}]
                record[field] = [item for item in items if item["id"] not in set(value or [])]
            elif key.startswith("new") and key[3:4].isupper():
                problem = self._children(record, _lower(key[3:]), key, value or [])
                if problem:
                    return [problem]
            elif key.endswith(("Ids", "Id")):
                ids = key.endswith("Ids")
                field = key[:-3] + "s" if ids else key[:-2]
                if field not in gtype.fields:
                    record[key] = value  # a reference the fake does not model (serviceId, …)
                    continue
                target = get_named_type(gtype.fields[field].type).name.removesuffix("Connection")
                for one in (value or []) if ids else [value]:
                    found = self.records.get(one) if one else None
                    if one and (found is None or found["__typename"] != target):
                        return [{"path": [key], "message": f"{target} {one} does not exist"}]
                record[field] = list(value or []) if ids else value
            elif key in ("startAt", "endAt"):
                moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
                record[key] = moment.astimezone(UTC).isoformat()  # "+00:00", not "Z"
            else:
                record[key] = value
        return []

    def _children(
        self, record: dict[str, Any], field: str, key: str, items: list[dict[str, Any]]
    ) -> dict[str, Any] | None:
        children = [dict(child) for child in record.get(field) or []]
        for index, item in enumerate(items):
            values = {}
            for name, value in item.items():
                if name.endswith("Id") and name != "id":
                    if value is not None and value not in self.records:
                        return {"path": [key, str(index), name], "message": "does not exist"}
                    values[name[:-2]] = value
                elif name != "id":
                    values[name] = value
            if item.get("id"):
                match = [c for c in children if c["id"] == item["id"]]
                if not match:
                    return {"path": [key, str(index), "id"], "message": "Unknown id"}
                match[0].update(values)
                continue
            if field == "columns":
                if not values.get("name"):
                    return {"path": [key, str(index), "name"], "message": "Name can't be blank"}
                values.setdefault("position", len(children) + 1)
                values.setdefault("actionType", "no_action")
            children.append({"id": self.new_id(field), **values})
        record[field] = children
        return None

    def _unique(self, record: dict[str, Any]) -> list[dict[str, Any]]:
        if record["__typename"] not in UNIQUE_NAMES:
            return []
        for other in self.of_type(record["__typename"]):
            if other["id"] != record["id"] and other.get("name") == record.get("name"):
                return [{"path": ["name"], "message": "Name has already been taken"}]
        return []

    # -- one request -------------------------------------------------------------------------

    def inspect(self, query: str) -> tuple[bool, list[str], bool]:
        """``(is a mutation, top-level field names, has string literals)`` of a document."""
        try:
            document = parse(query)
        except GraphQLError:
            return False, [], False
        operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
        if not operations:
            return False, [], False
        operation = operations[0]
        selections = operation.selection_set.selections
        names = [s.name.value for s in selections if isinstance(s, FieldNode)]
        spliced = _SplicedValues()
        visit(document, spliced)
        return operation.operation.value == "mutation", names, spliced.found

    def execute(self, query: str, variables: dict[str, Any] | None) -> dict[str, Any]:
        result = graphql_sync(self.schema, query, variable_values=variables, context_value=self)
        if result.errors and result.data is None:
            self.counters.add("invalid")
        return dict(result.formatted)


class XurrentHandler(JsonHandler):
    app: XurrentAccount

    def do_POST(self) -> None:
        # The client may have given up waiting (a slow answer on purpose).
        with suppress(BrokenPipeError, ConnectionResetError):
            self._post()

    def _post(self) -> None:
        app = self.app
        if self.path == "/token":
            app.counters.add("token")
            status, body = app.tokens.issue(self.form())
            self.send_json(status, body)
            return
        raw = self.body()
        if self.path != "/graphql":
            self.send_json(404, {"errors": [{"message": "Not Found"}]})
            return
        token = app.tokens.valid(self.headers.get("Authorization"))
        if token is None:
            app.counters.add("401")
            message = "Unauthorized: invalid or expired token"
            if app.echo_credentials:
                message += f" ({self.headers.get('Authorization')})"
            self.send_json(401, {"errors": [{"message": message}]})
            return
        account = self.headers.get(app.header)
        if account != app.account:
            app.counters.add("wrong-account")
            message = f"Account '{account}' not found" if account else f"{app.header} missing"
            self.send_json(404 if account else 400, {"errors": [{"message": message}]})
            return
        retry, headers = app.limits.admit()
        if retry is not None:
            app.counters.add("429")
            app.counters.add(f"429 for token {token[:12]}")  # one client, one token
            self.throttled(retry, headers)
            return
        app.counters.add("requests")
        payload = json.loads(raw or b"{}")
        self._answer(app, payload, headers)

    def _answer(
        self, app: XurrentAccount, payload: dict[str, Any], headers: dict[str, str]
    ) -> None:
        query = str(payload.get("query") or "")
        app.queries.append(query)
        mutation, names, spliced = app.inspect(query)
        for name in names:
            app.counters.add(f"list:{name}" if name in CONNECTIONS.values() else f"query:{name}")
        faults = app.faults
        if faults.draw(faults.write_500_before if mutation else faults.read_500):
            app.counters.add("500")
            message = "Internal Server Error"
            if app.echo_credentials:
                message += f" while serving {self.headers.get('Authorization')}"
            self.send_json(500, {"errors": [{"message": message}]}, headers)
            return
        if not mutation and faults.draw(faults.read_slow):
            app.counters.add("slow")
            time.sleep(faults.slow_seconds)
        if spliced:
            app.counters.add("spliced")
            body = {"errors": [{"message": "string literals in queries: use variables"}]}
            self.send_json(200, body, headers)
            return
        result = app.execute(query, payload.get("variables"))
        if mutation and faults.draw(faults.write_drop_after):
            app.counters.add("dropped")
            self.drop()
            return
        if mutation and faults.draw(faults.write_500_after):
            app.counters.add("500")
            self.send_json(500, {"errors": [{"message": "Internal Server Error"}]}, headers)
            return
        if mutation and faults.draw(faults.write_slow_after):
            app.counters.add("slow")
            time.sleep(faults.slow_seconds)
        self.send_json(200, result, headers)
