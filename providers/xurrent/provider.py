"""The ``xurrent`` provider: a 4me/Xurrent account through its GraphQL API.

Before anything is read, the account's own schema is checked
(:mod:`syncset.providers.xurrent.schema`): a kind the schema cannot serve is refused, an optional
field it lacks is left out. Reads are cursor-paged lists of 100 of the account's own records (no
``view``, which would also return other accounts' records) with only the fields the catalog declares
(see :mod:`syncset.providers.xurrent.queries`); child collections and list references come with
their parent and are paged through ``node(id:)`` only when they outgrow one page. Writes are
``<type>Create``/``<type>Update`` mutations with variables; a payload's ``errors { path message }``
becomes :class:`syncset.errors.WriteRejected` naming the YAML field. The ownership marker is
``source``/``sourceID``, and removal is ``disabled: true`` (the API has no deletes).

A create whose answer was lost is looked up by its marker before it is sent again (a flaky
connection never duplicates a record); an update is recomputed from the live record first.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, ClassVar, Literal

from pydantic import BaseModel

from syncset.errors import ProviderError, WriteRejected
from syncset.providers import base
from syncset.providers.base import ApiStats, Capabilities, LiveRecord, Marker, ProviderContext
from syncset.providers.http.client import (
    Auth,
    AuthFailed,
    BearerAuth,
    ClientCredentials,
    HttpClient,
    HttpError,
    KindCheck,
    OutcomeUnknown,
    PermissionDenied,
    PingReport,
    RequestRefused,
    TimedOut,
    Unreachable,
)
from syncset.providers.http.reads import list_concurrently
from syncset.providers.xurrent.inputs import appends_message, extra_after_replace, record_input
from syncset.providers.xurrent.queries import (
    RATE_LIMIT_QUERY,
    TYPE_MAPS,
    TypeMap,
    from_api,
    list_query,
    mutation_text,
    nested_page_query,
    node_query,
)
from syncset.providers.xurrent.schema import AccountSchema, SchemaReport, adapted_type_map
from syncset.providers.xurrent.settings import XurrentSettings
from syncset.schemas import CATALOG

MAX_PAGES = 10_000
"""A bound on any paging loop (a million records): a server whose cursor never ends is a bug."""
Nodes = list[dict[str, Any]]
_DENIED = re.compile(r"not authori[sz]ed|access denied|permission|forbidden", re.IGNORECASE)


class AccountRefused(PermissionDenied):
    category = "account"


class SchemaRefused(ProviderError):
    """The account's schema lacks what a kind needs: the kind is refused before any write."""

    category = "schema"


class XurrentProvider:
    """A 4me/Xurrent account. Reference data (people, organizations, sites) is read-only."""

    name: ClassVar[str] = "xurrent"
    settings_model: ClassVar[type[BaseModel]] = XurrentSettings

    def __init__(self, settings: XurrentSettings, context: ProviderContext) -> None:
        self._settings = settings
        self._url, token_url, header = settings.endpoints()
        self._stats = ApiStats()
        auth: Auth
        if settings.token is not None:
            auth = BearerAuth(settings.token.get_secret_value())
        else:
            assert token_url is not None and settings.client_secret is not None
            auth = ClientCredentials(
                token_url,
                settings.client_id or "",
                settings.client_secret.get_secret_value(),
                settings.scope,
            )
        headers = {header: settings.account}
        self._http = HttpClient(auth, settings.http, self._stats, headers, clock=context.clock)
        if settings.token is not None:
            self._http.redactor.add(settings.token.get_secret_value())
        self._schema = AccountSchema(
            self._fetch_schema,
            url=self._url,
            account=settings.account,
            root=Path(context.root),
            schema_file=settings.schema_file,
            marker_filter=settings.marker_filter,
            views=settings.reference_views,
        )
        self._maps: dict[str, TypeMap] = {}

    # -- the protocol ------------------------------------------------------------------------

    @property
    def capabilities(self) -> Capabilities:
        # A list without an order argument comes oldest first: unverified for live accounts
        # (docs/providers.md); were it wrong, both copies would be disabled and unmarked (4me has
        # no deletes) and the next plan would create the record again.
        return Capabilities(
            kinds=frozenset(TYPE_MAPS), removal="disable", lists_in_creation_order=True
        )

    @property
    def stats(self) -> ApiStats:
        return self._stats

    def describe(self) -> str:
        how = self._http.auth.describe()
        return f"xurrent account {self._settings.account} at {self._url} ({how})"

    def list(self, kind: str) -> list[LiveRecord]:
        tm = self._type(kind)
        return list(self._pages(tm, list_query(tm), {}))

    def list_many(self, kinds: Sequence[str]) -> base.KindLists:
        """:meth:`list` of each kind, several at once through the one HTTP client (its burst
        limiter and budget shared: :mod:`syncset.providers.http.reads`). The schema is checked
        for every kind first, in this thread: it is fetched once, and a kind it refuses stops
        the read before any page is sent."""
        for kind in kinds:
            self._type(kind)
        return list_concurrently(self.list, kinds)

    def get(self, kind: str, live_id: str) -> LiveRecord | None:
        tm = self._type(kind)
        data = self._query(node_query(tm), {"id": live_id}, kind)
        node = data.get("node")
        return self._record(tm, node) if node else None

    def find_by_marker(self, kind: str, marker: Marker) -> LiveRecord | None:
        return next(iter(self.find_by_markers(kind, [marker]).get(marker, [])), None)

    def find_by_markers(self, kind: str, markers: Sequence[Marker]) -> base.MarkerHits:
        """``sourceID`` filters of MARKER_BATCH values (a filter takes a list), pages read."""
        tm = self._type(kind)
        if not self._settings.marker_filter:
            return base.carriers(self.list(kind), markers)
        ids, query = sorted({m.source_id for m in markers}), list_query(tm, True)
        size = base.MARKER_BATCH
        pages = (
            self._pages(tm, query, {"sourceID": ids[i : i + size]})
            for i in range(0, len(ids), size)
        )
        return base.carriers((record for page in pages for record in page), markers)

    def create(self, kind: str, fields: dict[str, Any], marker: Marker | None) -> LiveRecord:
        tm = self._writable(kind)
        payload = self._input(tm, fields, marker, None, creating=True)
        find = (lambda: self.find_by_marker(kind, marker)) if marker else None
        return self._http.create_once(
            lambda: self._mutate(tm, "Create", payload), find, f"{kind} create"
        )

    def update(
        self, kind: str, live_id: str, fields: dict[str, Any], marker: Marker | None = None
    ) -> LiveRecord:
        tm = self._writable(kind)
        needs_live = any(c.name in fields for c in tm.children) or bool(
            tm.versioned() & set(fields)
        )
        for _ in range(self._settings.http.max_attempts):
            current = self.get(kind, live_id) if needs_live else None
            if needs_live and current is None:
                raise WriteRejected(f"{kind} {live_id} does not exist in the account")
            payload = {"id": live_id, **self._input(tm, fields, marker, current)}
            try:
                updated = self._mutate(tm, "Update", payload)
            except OutcomeUnknown:
                continue  # recomputed from the live record, the update is safe to send again
            self._check_replaced(tm, fields, updated)
            return updated
        raise OutcomeUnknown(f"{kind} {live_id} update: no answer; run apply again")

    def unsupported_fields(self) -> dict[str, dict[str, str]]:
        """Kind → catalog field → why this account lacks it (its schema has no such field)."""
        report = self._schema.report()
        return {kind: dict(k.left_out) for kind, k in report.kinds.items() if k.left_out}

    def remove(self, kind: str, live_id: str, how: Literal["disable", "delete"]) -> None:
        spec = CATALOG[kind]
        if spec.removal == "none":
            raise WriteRejected(spec.removal_note)
        if how == "delete":
            raise WriteRejected(
                "4me/Xurrent cannot delete configuration records: use only_in_account: disable"
            )
        self.update(kind, live_id, {"disabled": True})

    def close(self) -> None:
        self._http.close()

    # -- ping --------------------------------------------------------------------------------

    def ping(self) -> PingReport:
        """Reach the endpoint, authenticate, check the account, fetch and check its schema, and
        read one page of each kind the schema can serve."""
        report = PingReport(account=self.describe())
        try:
            self._query(RATE_LIMIT_QUERY, {}, None)
        except (PermissionDenied, RequestRefused) as exc:
            raise AccountRefused(
                f"account {self._settings.account!r} was refused: {exc}; check account and "
                "that the token belongs to it"
            ) from None
        except HttpError:
            raise
        except ProviderError:
            pass  # an API without the rateLimit query: reading each kind below still tells
        schema = self._schema.report(fresh=True)
        report.schema = f"{self._schema.source}, {schema.digest[:19]}…, hour ids: " + (
            "yes" if schema.hour_ids else "no (hours are replaced as a set)"
        )
        for kind in sorted(TYPE_MAPS):
            report.kinds.append(self._ping_kind(kind, schema))
        report.requests = self._http.budget.requests
        report.cost = self._http.budget.cost
        return report

    def _ping_kind(self, kind: str, schema: SchemaReport) -> KindCheck:
        try:
            tm = self._type(kind)
            data = self._query(list_query(tm), {"after": None}, kind)
        except (Unreachable, TimedOut, AuthFailed):
            raise
        except (HttpError, SchemaRefused) as exc:
            return KindCheck(kind, problem=str(exc), category=exc.category)
        except ProviderError as exc:
            return KindCheck(kind, problem=str(exc), category="error")
        nodes = (data.get(tm.connection) or {}).get("nodes") or []
        return KindCheck(kind, records=len(nodes), note=schema.kinds[kind].notes())

    # -- internals ---------------------------------------------------------------------------

    def _type(self, kind: str) -> TypeMap:
        """The kind's map as this account's schema has it; a kind it cannot serve is refused."""
        if kind not in TYPE_MAPS:
            raise ProviderError(f"a 4me/Xurrent account holds no {kind!r} records")
        if kind not in self._maps:
            report = self._schema.report()
            if not report.kinds[kind].ok:
                raise SchemaRefused(report.kinds[kind].refusal(kind))
            self._maps[kind] = adapted_type_map(report, kind, self._settings.reference_views)
        return self._maps[kind]

    def _fetch_schema(self) -> str:
        """The account's schema: a GET on the endpoint with the usual headers."""
        try:
            return self._http.request("GET", self._url, idempotent=True).text
        except RequestRefused as exc:
            raise SchemaRefused(
                f"the account's schema could not be fetched ({exc}): pin it with schema_file"
            ) from None

    def _writable(self, kind: str) -> TypeMap:
        tm = self._type(kind)
        if not tm.writable:
            raise WriteRejected(f"{kind} is reference data: syncset maps it, never writes it")
        return tm

    def _query(self, query: str, variables: dict[str, Any], kind: str | None) -> dict[str, Any]:
        body = self._post(query, variables, kind, idempotent=True)
        errors = body.get("errors")
        if errors:
            messages = "; ".join(str(e.get("message", e)) for e in errors[:3])
            what = f"reading {kind}" if kind else "the query"
            if _DENIED.search(messages):
                raise PermissionDenied(f"{what}: the token may not ({messages})")
            raise ProviderError(f"{what}: the API refused it ({messages})")
        data = body.get("data")
        return data if isinstance(data, dict) else {}

    def _post(
        self, query: str, variables: dict[str, Any], kind: str | None, idempotent: bool
    ) -> dict[str, Any]:
        response = self._http.request(
            "POST",
            self._url,
            json={"query": query, "variables": variables},
            kind=kind,
            idempotent=idempotent,
        )
        try:
            body = response.json()
        except ValueError:
            body = None
        if not isinstance(body, dict):
            raise ProviderError(f"{self._url} did not answer with GraphQL JSON")
        return body

    def _pages(self, tm: TypeMap, query: str, variables: dict[str, Any]) -> Iterator[LiveRecord]:
        after: str | None = None
        seen: set[str] = set()
        for _ in range(MAX_PAGES):
            data = self._query(query, {**variables, "after": after}, tm.kind)
            connection = data.get(tm.connection) or {}
            for node in connection.get("nodes") or []:
                yield self._record(tm, node)
            info = connection.get("pageInfo") or {}
            if not info.get("hasNextPage"):
                return
            after = info.get("endCursor")
            if not after or after in seen:
                raise ProviderError(f"listing {tm.kind}: the API's cursor did not advance")
            seen.add(after)
        raise ProviderError(f"listing {tm.kind}: more than {MAX_PAGES} pages")

    def _rest_of(self, tm: TypeMap, live_id: str, read: str, inner: str, first: Any) -> Nodes:
        """Every node of a nested connection, paging through ``node(id:)`` past the first."""
        first = first or {}
        nodes: Nodes = [*(first.get("nodes") or [])]
        info = first.get("pageInfo") or {}
        for _ in range(MAX_PAGES):
            if not info.get("hasNextPage"):
                return nodes
            query = nested_page_query(tm, read, inner)
            variables = {"id": live_id, "after": info.get("endCursor")}
            page = (self._query(query, variables, tm.kind).get("node") or {}).get(read) or {}
            nodes.extend(page.get("nodes") or [])
            info = page.get("pageInfo") or {}
        raise ProviderError(f"reading {tm.kind} {live_id}: {read} has too many pages")

    def _record(self, tm: TypeMap, node: dict[str, Any]) -> LiveRecord:
        live_id = str(node["id"])
        fields: dict[str, Any] = {}
        for f in tm.fields:
            value = (node.get(f.via) or {}).get(f.read) if f.via else node.get(f.read)
            if f.shape == "refs":
                value = {"nodes": self._rest_of(tm, live_id, f.read, "id", value)}
            fields[f.name] = from_api(f, value)
        for child in tm.children:
            items = []
            nodes = self._rest_of(tm, live_id, child.read, child.inner(), node.get(child.read))
            for item in nodes:
                values = {f.name: from_api(f, item.get(f.read)) for f in child.fields}
                items.append({"id": item["id"], **values} if child.ids else values)
            if any(f.name == "position" for f in child.fields):
                items.sort(key=lambda item: (item.get("position") is None, item.get("position")))
            fields[child.name] = items
        source = node.get("source")
        marker = Marker(source, str(node.get("sourceID") or "")) if source else None
        return LiveRecord(tm.kind, live_id, fields, marker, bool(fields.get("disabled")))

    def _input(
        self,
        tm: TypeMap,
        fields: dict[str, Any],
        marker: Marker | None,
        current: LiveRecord | None,
        creating: bool = False,
    ) -> dict[str, Any]:
        live = {"id": current.live_id, **current.fields} if current else None
        hours_append = not creating and self._schema.hours_append()
        return record_input(
            tm,
            fields,
            marker,
            live,
            creating=creating,
            hours_append=hours_append,
            account=self.describe(),
        )

    def _check_replaced(self, tm: TypeMap, fields: dict[str, Any], updated: LiveRecord) -> None:
        """Hours sent without ids were assumed to replace the set: say so when they did not."""
        found = extra_after_replace(tm, fields, updated.fields)
        if found is not None:
            self._schema.learn_hours_append()
            child, extra = found
            sent = len(fields[child.name] or [])
            raise ProviderError(appends_message(tm, child, updated.live_id, extra, sent))

    def _mutate(
        self, tm: TypeMap, action: Literal["Create", "Update"], payload: dict[str, Any]
    ) -> LiveRecord:
        body = self._post(mutation_text(tm, action), {"input": payload}, tm.kind, False)
        if body.get("errors"):
            messages = "; ".join(str(e.get("message", e)) for e in body["errors"][:3])
            named = re.search(r"input\.(\w+)", messages)
            raise WriteRejected(messages, tm.field_for_input(named.group(1)) if named else None)
        result = (body.get("data") or {}).get(f"{tm.mutation}{action}") or {}
        errors = result.get("errors") or []
        if errors:
            path = [p for p in errors[0].get("path") or [] if isinstance(p, str)]
            field = next((tm.field_for_input(p) for p in path if tm.field_for_input(p)), None)
            raise WriteRejected("; ".join(str(e.get("message")) for e in errors), field)
        node = result.get(tm.mutation)
        if not node:
            raise ProviderError(f"{tm.mutation}{action} answered without the record")
        return self._record(tm, node)


def open_xurrent(settings: BaseModel, context: ProviderContext) -> XurrentProvider:
    assert isinstance(settings, XurrentSettings)
    return XurrentProvider(settings, context)
