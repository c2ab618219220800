"""The ``xurrent`` provider: a 4me/Xurrent account through its GraphQL API.

Reads are cursor-paged lists of 100 with only the fields the catalog declares (see
:mod:`syncset.providers.xurrent.queries`); child collections and list references come with their
parent and are paged through ``node(id:)`` only when they outgrow one page. Writes are
``<type>Create``/``<type>Update`` mutations with variables; a payload's ``errors { path message }``
becomes :class:`syncset.errors.WriteRejected` naming the YAML field. The ownership marker is
``source``/``sourceID``, and removal is ``disabled: true`` (the API has no deletes).

A create whose answer was lost may have landed: it is looked up by its marker before it is sent
again, so a flaky connection never duplicates a record. An update is recomputed from the live
record before it is sent again, which makes it safe to repeat.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any, ClassVar, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator

from syncset.errors import ProviderError, WriteRejected
from syncset.providers.base import ApiStats, Capabilities, LiveRecord, Marker, ProviderContext
from syncset.providers.http.client import (
    Auth,
    AuthFailed,
    BearerAuth,
    ClientCredentials,
    HttpClient,
    HttpError,
    HttpSettings,
    KindCheck,
    OutcomeUnknown,
    PermissionDenied,
    PingReport,
    RequestRefused,
    TimedOut,
    Unreachable,
    check_url,
    create_once,
)
from syncset.providers.xurrent.children import diff_children
from syncset.providers.xurrent.queries import (
    RATE_LIMIT_QUERY,
    TYPE_MAPS,
    TypeMap,
    from_api,
    list_query,
    mutation_text,
    nested_page_query,
    node_query,
    to_input,
)

Domain = Literal[
    "4me.com", "xurrent.com", "4me.qa", "xurrent.qa", "4me-demo.com", "xurrent-demo.com"
]
MAX_PAGES = 10_000
"""A bound on any paging loop (a million records): a server whose cursor never ends is a bug."""
Nodes = list[dict[str, Any]]
_DENIED = re.compile(r"not authori[sz]ed|access denied|permission|forbidden", re.IGNORECASE)


class AccountRefused(PermissionDenied):
    category = "account"


class XurrentSettings(BaseModel):
    """``account:`` settings of a 4me/Xurrent environment."""

    model_config = ConfigDict(extra="forbid")
    domain: Domain | None = None
    region: Literal["au", "uk", "ch", "us"] | None = None
    account: str = Field(min_length=1, description="The account id sent in the account header.")
    url: str | None = Field(default=None, description="GraphQL endpoint (default from domain).")
    token_url: str | None = Field(default=None, description="OAuth token endpoint.")
    token: SecretStr | None = Field(default=None, description="A personal access token.")
    client_id: str | None = None
    client_secret: SecretStr | None = None
    scope: str | None = None
    account_header: str | None = None
    list_view: str | None = Field(default="all", description="`view:` of list queries.")
    marker_filter: bool = Field(
        default=True, description="Find records by `filter: {sourceID}`; false scans lists."
    )
    http: HttpSettings = Field(default_factory=HttpSettings)

    @field_validator("url", "token_url")
    @classmethod
    def _secure(cls, value: str | None) -> str | None:
        return None if value is None else check_url(value)

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.domain is None and self.url is None:
            raise ValueError("give domain (and region) or url")
        if self.region and self.domain and self.domain.endswith("-demo.com"):
            raise ValueError(f"{self.domain} has no regions: leave region out")
        oauth = self.client_id is not None or self.client_secret is not None
        if (self.token is None) == (not oauth):
            raise ValueError("give either token, or client_id and client_secret")
        if oauth and (self.client_id is None or self.client_secret is None):
            raise ValueError("OAuth needs both client_id and client_secret")
        if oauth and self.domain is None and self.token_url is None:
            raise ValueError("with url instead of domain, OAuth needs token_url too")
        return self

    def endpoints(self) -> tuple[str, str | None, str]:
        """GraphQL URL, token URL (None with a personal token), and the account header name."""
        host = f"{self.region}.{self.domain}" if self.region else f"{self.domain}"
        url = self.url or f"https://graphql.{host}/"
        token_url = self.token_url or (f"https://oauth.{host}/token" if self.domain else None)
        default_header = "X-4me-Account" if (self.domain or "").startswith("4me") else None
        header = self.account_header or default_header or "X-Xurrent-Account"
        return url, token_url if self.token is None else None, header


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
        self._http = HttpClient(
            auth, settings.http, self._stats, headers={header: settings.account}
        )
        if settings.token is not None:
            self._http.redactor.add(settings.token.get_secret_value())

    # -- the protocol ------------------------------------------------------------------------

    @property
    def capabilities(self) -> Capabilities:
        return Capabilities(kinds=frozenset(TYPE_MAPS), removal="disable")

    @property
    def stats(self) -> ApiStats:
        return self._stats

    def describe(self) -> str:
        how = self._http.auth.describe()
        return f"xurrent account {self._settings.account} at {self._url} ({how})"

    def list(self, kind: str) -> list[LiveRecord]:
        tm = self._type(kind)
        return list(self._pages(tm, list_query(tm, self._settings.list_view), {}))

    def get(self, kind: str, live_id: str) -> LiveRecord | None:
        tm = self._type(kind)
        data = self._query(node_query(tm), {"id": live_id}, kind)
        node = data.get("node")
        return self._record(tm, node) if node else None

    def find_by_marker(self, kind: str, marker: Marker) -> LiveRecord | None:
        tm = self._type(kind)
        if self._settings.marker_filter:
            query = list_query(tm, self._settings.list_view, by_marker=True)
            records = self._pages(tm, query, {"sourceID": marker.source_id})
        else:
            records = iter(self.list(kind))
        return next((r for r in records if r.marker == marker), None)

    def create(self, kind: str, fields: dict[str, Any], marker: Marker | None) -> LiveRecord:
        tm = self._writable(kind)
        payload = self._input(tm, fields, marker, None)
        find = (lambda: self.find_by_marker(kind, marker)) if marker else None
        return create_once(
            lambda: self._mutate(tm, "Create", payload),
            find,
            self._settings.http.max_attempts,
            f"{kind} create",
            grace=self._settings.http.timeout_seconds,
        )

    def update(
        self, kind: str, live_id: str, fields: dict[str, Any], marker: Marker | None = None
    ) -> LiveRecord:
        tm = self._writable(kind)
        needs_live = any(c.name in fields for c in tm.children)
        for _ in range(self._settings.http.max_attempts):
            current = self.get(kind, live_id) if needs_live else None
            if needs_live and current is None:
                raise WriteRejected(f"{kind} {live_id} does not exist in the account")
            payload = {"id": live_id, **self._input(tm, fields, marker, current)}
            try:
                return self._mutate(tm, "Update", payload)
            except OutcomeUnknown:
                continue  # recomputed from the live record, the update is safe to send again
        raise OutcomeUnknown(f"{kind} {live_id} update: no answer; run apply again")

    def remove(self, kind: str, live_id: str, how: Literal["disable", "delete"]) -> None:
        if how == "delete":
            raise WriteRejected(
                "4me/Xurrent cannot delete configuration records: use only_in_account: disable"
            )
        self.update(kind, live_id, {"disabled": True})

    def close(self) -> None:
        self._http.close()

    # -- ping --------------------------------------------------------------------------------

    def ping(self) -> PingReport:
        """Reach the endpoint, authenticate, check the account, read one page of each kind."""
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
        for kind in sorted(TYPE_MAPS):
            tm = TYPE_MAPS[kind]
            try:
                variables = {"after": None}
                data = self._query(list_query(tm, self._settings.list_view), variables, kind)
                nodes = (data.get(tm.connection) or {}).get("nodes") or []
                report.kinds.append(KindCheck(kind, records=len(nodes)))
            except (Unreachable, TimedOut, AuthFailed):
                raise
            except HttpError as exc:
                report.kinds.append(KindCheck(kind, problem=str(exc), category=exc.category))
            except ProviderError as exc:
                report.kinds.append(KindCheck(kind, problem=str(exc), category="error"))
        report.requests = self._http.budget.requests
        report.cost = self._http.budget.cost
        return report

    # -- internals ---------------------------------------------------------------------------

    def _type(self, kind: str) -> TypeMap:
        tm = TYPE_MAPS.get(kind)
        if tm is None:
            raise ProviderError(f"a 4me/Xurrent account holds no {kind!r} records")
        return tm

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
            value = node.get(f.read)
            if f.shape == "refs":
                value = {"nodes": self._rest_of(tm, live_id, f.read, "id", value)}
            fields[f.name] = from_api(f, value)
        for child in tm.children:
            items = []
            nodes = self._rest_of(tm, live_id, child.read, child.inner(), node.get(child.read))
            for item in nodes:
                values = {f.name: from_api(f, item.get(f.read)) for f in child.fields}
                items.append({"id": item["id"], **values})
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
    ) -> dict[str, Any]:
        known = {f.name for f in tm.fields} | {c.name for c in tm.children}
        unknown = sorted(set(fields) - known)
        if unknown:
            raise WriteRejected(f"4me/Xurrent {tm.kind} has no field {unknown[0]!r}", unknown[0])
        payload = to_input(tm.fields, fields)
        for child in tm.children:
            if child.name in fields:
                live = current.fields.get(child.name, []) if current else []
                new, delete = diff_children(child, fields[child.name] or [], live)
                if new:
                    payload[child.new_input] = new
                if delete:
                    payload[child.delete_input] = delete
        if marker is not None:
            payload["source"] = marker.source
            payload["sourceID"] = marker.source_id
        return payload

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
