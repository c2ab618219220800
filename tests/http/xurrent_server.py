"""A fake 4me/Xurrent account: GraphQL over HTTP on 127.0.0.1, imitating the documented API.

The schema is :func:`xurrent_sdl.sdl` (names from XURRENT_SCHEMA.md), the records and reads are
:mod:`xurrent_store`, the mutations :mod:`xurrent_writes`. This module is the account's options
and the HTTP side, which follows XURRENT_API.md:
* ``POST /graphql`` ``{query, variables, operationName}``: parsed and validated against the
  account's own SDL by graphql-core, then executed; ``GET /graphql`` with the usual headers
  returns that SDL as text (XURRENT_SCHEMA.md conventions); ``POST /token`` is the OAuth
  client-credentials grant (serverkit :class:`Tokens`);
* ``Authorization: Bearer`` (a personal token or an issued one), else 401; the account header
  (``header``, ``X-Xurrent-Account`` by default, ``X-4me-Account`` on 4me; header names are
  case-insensitive) must name this account;
* rate-limit headers on every answer, 429 with ``Retry-After`` (serverkit :class:`Limits`),
  injected faults and latency (:class:`Faults`), and ``rateLimit { cost limit remaining resetAt }``.

Decisions: a query that does not parse or validate is **HTTP 200** with a top-level ``errors``
array and no ``data``, as graphql-ruby (which 4me runs) answers; a body that is not JSON is 400;
a missing account header is 400, an unknown account 404 (unverified). String literals in query
text are accepted, as the real API accepts them; they are counted (``counters["spliced"]``) so a
test can still see whether a client sends values as variables.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable
from contextlib import suppress
from datetime import UTC, datetime
from typing import Any, ClassVar

from graphql import (
    DocumentNode,
    ExecutionResult,
    GraphQLError,
    OperationDefinitionNode,
    StringValueNode,
    build_schema,
    execute_sync,
    parse,
    validate,
    visit,
)
from graphql.language import FieldNode, Visitor
from serverkit import Counters, Faults, JsonHandler, Limits, Tokens
from xurrent_sdl import CONNECTIONS, REFERENCE_CONNECTIONS, sdl
from xurrent_store import Record, Store
from xurrent_writes import Writer, install_scalars

LISTS = {*CONNECTIONS.values(), *REFERENCE_CONNECTIONS.values()}


class _Literals(Visitor):
    def __init__(self) -> None:
        super().__init__()
        self.found = False

    def enter_string_value(self, node: StringValueNode, *_: Any) -> None:
        self.found = True


class XurrentAccount:
    """The schema, records and options of one account, and the counters tests assert on.

    HTTP behaviour: ``account`` (the id the header must carry), ``header``, ``limits``,
    ``tokens``, ``faults``, ``denied`` (root connections the token may not read),
    ``echo_credentials`` (quote the caller's Authorization header in error bodies, as a careless
    server might). Schema variants: ``hour_ids``, ``request_template_on_boards``, ``without``
    (see :mod:`xurrent_sdl`). Unverified facts: ``disabled_in_default_view``,
    ``visible_accounts`` (see :mod:`xurrent_store`), ``new_hours_replace`` (see
    :mod:`xurrent_writes`).
    """

    def __init__(
        self,
        account: str = "widget",
        header: str = "X-Xurrent-Account",
        limits: Limits | None = None,
        tokens: Tokens | None = None,
        faults: Faults | None = None,
        denied: frozenset[str] = frozenset(),
        echo_credentials: bool = False,
        *,
        hour_ids: bool = False,
        request_template_on_boards: bool = True,
        without: Iterable[str] = (),
        disabled_in_default_view: bool = True,
        visible_accounts: Iterable[str] = (),
        new_hours_replace: bool = False,
    ) -> None:
        self.account = account
        self.header = header
        self.limits = limits or Limits()
        self.tokens = tokens or Tokens(clients={"syncset-ci": "s3cr3t-client-secret"})
        self.faults = faults or Faults()
        self.denied = denied
        self.echo_credentials = echo_credentials
        self.queries: list[str] = []
        self.variables: list[Any] = []
        """The variables of each POST, beside :attr:`queries`."""
        self.counters = Counters()
        self.sdl = sdl(hour_ids, request_template_on_boards, without)
        self.schema = build_schema(self.sdl)
        install_scalars(self.schema)
        self.store = Store(self.schema, account, visible_accounts, disabled_in_default_view, denied)
        self.records = self.store.records
        self.lock = self.store.lock
        self.store.attach()
        Writer(self.store, self.counters, new_hours_replace).attach()
        assert self.schema.query_type is not None
        self.schema.query_type.fields["rateLimit"].resolve = self._rate_limit

    def seed(self, type_name: str, **fields: Any) -> str:
        """See :meth:`xurrent_store.Store.seed`."""
        return self.store.seed(type_name, **fields)

    def of_type(self, type_name: str) -> list[Record]:
        return self.store.of_type(type_name)

    def new_id(self, type_name: str) -> str:
        return self.store.new_id(type_name)

    def _rate_limit(self, _root: Any, _info: Any) -> dict[str, Any]:
        headers = self.limits._headers(self.limits._period_start + self.limits.period)
        reset = datetime.fromtimestamp(int(headers["X-CostLimit-Reset"]), UTC)
        return {
            "cost": self.limits.cost_per_request,
            "limit": int(headers["X-CostLimit-Limit"]),
            "remaining": int(headers["X-CostLimit-Remaining"]),
            "resetAt": reset.isoformat(),
        }

    def inspect(self, query: str) -> tuple[bool, list[str], bool]:
        """``(is a mutation, top-level field names, has string literals)`` of a document."""
        try:
            document = parse(query)
        except GraphQLError:
            return False, [], False
        operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
        if not operations:
            return False, [], False
        selections = operations[0].selection_set.selections
        names = [s.name.value for s in selections if isinstance(s, FieldNode)]
        literals = _Literals()
        visit(document, literals)
        return operations[0].operation.value == "mutation", names, literals.found

    def _checked(self, query: str) -> tuple[DocumentNode | None, list[GraphQLError]]:
        """The query parsed and validated once per schema and text (validation is most of the
        fake's time, and clients send the same few texts again and again)."""
        key = (self.sdl, query)
        if key not in _CHECKED:
            try:
                document = parse(query)
            except GraphQLError as error:
                _CHECKED[key] = (None, [error])
            else:
                errors = validate(self.schema, document)
                _CHECKED[key] = (None, errors) if errors else (document, [])
        return _CHECKED[key]

    def execute(
        self, query: str, variables: dict[str, Any] | None, operation_name: str | None = None
    ) -> dict[str, Any]:
        """Parse, validate against this account's schema, and run one document."""
        if not query.strip():
            self.counters.add("invalid")
            return {"errors": [{"message": "No query string was present"}]}
        document, errors = self._checked(query)
        if document is None:
            self.counters.add("invalid")
            return dict(ExecutionResult(None, errors).formatted)
        result = execute_sync(
            self.schema, document, variable_values=variables, operation_name=operation_name
        )
        if result.errors and result.data is None:
            self.counters.add("invalid")
        return dict(result.formatted)


_CHECKED: dict[tuple[str, str], tuple[DocumentNode | None, list[GraphQLError]]] = {}
"""(schema SDL, query text) → the parsed document, or the errors that refused it."""


class XurrentHandler(JsonHandler):
    app: ClassVar[XurrentAccount]

    def do_POST(self) -> None:
        # The client may have given up waiting (a slow answer on purpose).
        self.app.faults.round_trip()
        with suppress(BrokenPipeError, ConnectionResetError):
            self._post()

    def do_GET(self) -> None:
        self.app.faults.round_trip()
        with suppress(BrokenPipeError, ConnectionResetError):
            self._get()

    def _admitted(self) -> tuple[str, dict[str, str]] | None:
        """Token, account header and limits: the caller's token and the rate-limit headers."""
        app = self.app
        token = app.tokens.valid(self.headers.get("Authorization"))
        if token is None:
            app.counters.add("401")
            message = "Unauthorized: invalid or expired token"
            if app.echo_credentials:
                message += f" ({self.headers.get('Authorization')})"
            self.send_json(401, {"errors": [{"message": message}]})
            return None
        account = self.headers.get(app.header)
        if account != app.account:
            app.counters.add("wrong-account")
            message = f"Account '{account}' not found" if account else f"{app.header} missing"
            self.send_json(404 if account else 400, {"errors": [{"message": message}]})
            return None
        retry, headers = app.limits.admit()
        if retry is not None:
            app.counters.add("429")
            app.counters.add(f"429 for token {token[:12]}")  # one client, one token
            self.throttled(retry, headers)
            return None
        app.counters.add("requests")
        return token, headers

    def _get(self) -> None:
        if self.path != "/graphql":
            self.send_json(404, {"errors": [{"message": "Not Found"}]})
            return
        admitted = self._admitted()
        if admitted is None:
            return
        self.app.counters.add("schema")
        data = self.app.sdl.encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        for name, value in admitted[1].items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

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
        admitted = self._admitted()
        if admitted is None:
            return
        try:
            payload = json.loads(raw or b"{}")
            variables = payload.get("variables")
            if isinstance(variables, str):
                variables = json.loads(variables or "null")
        except (ValueError, AttributeError):
            self.send_json(400, {"errors": [{"message": "Body is not JSON"}]}, admitted[1])
            return
        self._answer(payload, variables, admitted[1])

    def _answer(self, payload: dict[str, Any], variables: Any, headers: dict[str, str]) -> None:
        app = self.app
        query = str(payload.get("query") or "")
        app.queries.append(query)
        app.variables.append(variables)
        mutation, names, literals = app.inspect(query)
        for name in names:
            app.counters.add(f"list:{name}" if name in LISTS else f"query:{name}")
        if literals:
            app.counters.add("spliced")
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
        result = app.execute(query, variables, payload.get("operationName"))
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
