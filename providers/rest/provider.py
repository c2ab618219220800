"""The ``rest`` provider: any JSON/REST platform, described in environment.yaml, no code.

:mod:`syncset.providers.rest.settings` says per kind where to list, create, update and remove
records, where the records sit in an answer, which fields carry the id and the ownership marker,
how fields are renamed, and how lists page. This module turns that description into the provider
protocol, through the same HTTP layer as every other provider: reads are paged list calls (never
one GET per record), creates whose answer was lost are looked up by their marker before they are
sent again, and updates send absolute values, so repeating one is harmless.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any, ClassVar, Literal
from urllib.parse import quote

import httpx
from pydantic import BaseModel

from syncset.errors import ProviderError, WriteRejected
from syncset.providers.base import (
    ApiStats,
    Capabilities,
    KindLists,
    LiveRecord,
    Marker,
    MarkerHits,
    ProviderContext,
    carriers,
)
from syncset.providers.http.client import (
    AuthFailed,
    HttpClient,
    HttpError,
    KindCheck,
    OutcomeUnknown,
    PingReport,
    TimedOut,
    Unreachable,
)
from syncset.providers.http.reads import list_concurrently
from syncset.providers.rest.settings import KindEndpoints, Pagination, RestSettings
from syncset.schemas import CATALOG

MAX_PAGES = 10_000
"""A bound on any paging loop: a server whose pages never end is a bug, not a large account."""
_MISSING = object()
Raw = dict[str, Any]
Raws = list[Raw]


def dig(data: Any, path: str, default: Any = None) -> Any:
    """The value at a dotted JSON path (``""`` is the whole document)."""
    for step in filter(None, path.split(".")):
        if not isinstance(data, dict) or step not in data:
            return default
        data = data[step]
    return data


def put(data: dict[str, Any], path: str, value: Any) -> None:
    """Set the value at a dotted JSON path, creating the objects on the way."""
    *parents, last = path.split(".")
    for step in parents:
        data = data.setdefault(step, {})
    data[last] = value


class RestProvider:
    """A JSON/REST account as environment.yaml describes it."""

    name: ClassVar[str] = "rest"
    settings_model: ClassVar[type[BaseModel]] = RestSettings

    def __init__(self, settings: RestSettings, context: ProviderContext) -> None:
        self._settings = settings
        self._stats = ApiStats()
        self._http = HttpClient(
            settings.auth.build(),
            settings.http,
            self._stats,
            headers=settings.headers,
            clock=context.clock,
        )
        self._http.redactor.add(*settings.auth.secrets())
        self._base = httpx.URL(settings.base_url)

    # -- the protocol ------------------------------------------------------------------------

    @property
    def capabilities(self) -> Capabilities:
        modes = {endpoints.removal for endpoints in self._settings.kinds.values()}
        removal: Literal["disable", "delete", "both"] = "both" if len(modes) > 1 else modes.pop()
        return Capabilities(kinds=frozenset(self._settings.kinds), removal=removal)

    @property
    def stats(self) -> ApiStats:
        return self._stats

    def describe(self) -> str:
        return f"rest account at {self._settings.base_url} ({self._http.auth.describe()})"

    def list(self, kind: str) -> list[LiveRecord]:
        return [self._live(kind, raw) for raw in self._pages(kind, {})]

    def list_many(self, kinds: Sequence[str]) -> KindLists:
        """:meth:`list` of each kind, several at once through the one HTTP client (its burst
        limiter and budget shared: :mod:`syncset.providers.http.reads`)."""
        for kind in kinds:
            self._endpoints(kind)  # an unknown kind is refused before any page is sent
        return list_concurrently(self.list, kinds)

    def get(self, kind: str, live_id: str) -> LiveRecord | None:
        endpoints = self._endpoints(kind)
        response = self._http.request(
            "GET", self._item_url(endpoints, live_id), kind=kind, idempotent=True, accept=(404,)
        )
        if response.status_code == 404:
            return None
        raw = dig(self._json(response), endpoints.record)
        return self._live(kind, raw) if isinstance(raw, dict) else None

    def find_by_marker(self, kind: str, marker: Marker) -> LiveRecord | None:
        endpoints = self._endpoints(kind)
        values = {"source": marker.source, "source_id": marker.source_id}
        params = {k: v.format(**values) for k, v in (endpoints.marker_query or {}).items()}
        for raw in self._pages(kind, params):
            record = self._live(kind, raw)
            if record.marker == marker:
                return record
        return None

    def find_by_markers(self, kind: str, markers: Sequence[Marker]) -> MarkerHits:
        """One paged list, filtered by the marker query's parameters that name no single record
        (``{source}``, not ``{source_id}``): a REST API filters one value per parameter."""
        endpoints = self._endpoints(kind)
        sources = {m.source for m in markers}
        shared = {
            k: v
            for k, v in (endpoints.marker_query or {}).items()
            if "{source_id}" not in v and (len(sources) == 1 or "{source}" not in v)
        }
        values = {"source": next(iter(sources), "")}
        params = {k: v.format(**values) for k, v in shared.items()}
        return carriers((self._live(kind, raw) for raw in self._pages(kind, params)), markers)

    def create(self, kind: str, fields: dict[str, Any], marker: Marker | None) -> LiveRecord:
        endpoints = self._writable(kind)
        body = self._body(kind, fields, marker)
        url = self._url(endpoints.create or endpoints.list)
        find = (lambda: self.find_by_marker(kind, marker)) if marker else None
        return self._http.create_once(
            lambda: self._write(kind, "POST", url, body, idempotent=False), find, f"{kind} create"
        )

    def update(
        self, kind: str, live_id: str, fields: dict[str, Any], marker: Marker | None = None
    ) -> LiveRecord:
        endpoints = self._writable(kind)
        body = self._body(kind, fields, marker)
        url = self._item_url(endpoints, live_id)
        # Absolute values (child lists whole): sending it again cannot do harm.
        return self._write(kind, endpoints.update_method, url, body, idempotent=True)

    def remove(self, kind: str, live_id: str, how: Literal["disable", "delete"]) -> None:
        endpoints = self._writable(kind)
        if how != endpoints.removal:
            raise WriteRejected(f"{kind} records are removed by {endpoints.removal}, not {how}")
        if how == "disable":
            self.update(kind, live_id, {"disabled": True})
            return
        url = self._item_url(endpoints, live_id)
        self._http.request("DELETE", url, kind=kind, idempotent=True, accept=(404,))

    def close(self) -> None:
        self._http.close()

    def ping(self) -> PingReport:
        """Authenticate, then read the first page of each kind; the budget as last reported."""
        report = PingReport(account=self.describe())
        for kind in sorted(self._settings.kinds):
            try:
                count = len(next(self._page_lists(kind, {}), []))
                report.kinds.append(KindCheck(kind, records=count))
            except (Unreachable, TimedOut, AuthFailed):
                raise
            except HttpError as exc:
                report.kinds.append(KindCheck(kind, problem=str(exc), category=exc.category))
            except ProviderError as exc:
                report.kinds.append(KindCheck(kind, problem=str(exc), category="error"))
        report.requests = self._http.budget.requests
        report.cost = self._http.budget.cost
        return report

    # -- reading -----------------------------------------------------------------------------

    def _pages(self, kind: str, params: dict[str, Any]) -> Iterator[Raw]:
        for page in self._page_lists(kind, params):
            yield from page

    def _page_lists(self, kind: str, params: dict[str, Any]) -> Iterator[Raws]:
        """The records of each page in turn, paging as the kind's pagination says."""
        endpoints = self._endpoints(kind)
        paging = self._settings.pagination_of(kind)
        url: str | None = self._url(endpoints.list)
        query: dict[str, Any] | None = {**params, **self._first_query(paging)}
        page, seen = paging.first_page, set()
        for _ in range(MAX_PAGES):
            assert url is not None
            response = self._http.request("GET", url, params=query, kind=kind, idempotent=True)
            body = self._json(response)
            records = self._records(kind, endpoints, body)
            yield records
            if paging.style == "none":
                return
            if paging.style == "link-header":
                url, query = response.links.get("next", {}).get("url"), None
                if url is None:
                    return
                url = self._same_origin(url)
            elif paging.style == "page":
                total = dig(body, paging.total_pages) if paging.total_pages else None
                last = total is not None and page - paging.first_page + 1 >= int(total)
                if last or len(records) < paging.per_page:
                    return
                page += 1
                query = {**params, **self._first_query(paging), paging.page_param: page}
            else:
                cursor = dig(body, paging.next_cursor)
                if not cursor:
                    return
                if cursor in seen:
                    raise ProviderError(f"listing {kind}: the API's cursor did not advance")
                seen.add(cursor)
                query = {**params, **self._first_query(paging), paging.cursor_param: cursor}
        raise ProviderError(f"listing {kind}: more than {MAX_PAGES} pages")

    @staticmethod
    def _first_query(paging: Pagination) -> dict[str, Any]:
        if paging.style in ("link-header", "page"):
            extra = {paging.page_param: paging.first_page} if paging.style == "page" else {}
            return {paging.per_page_param: paging.per_page, **extra}
        if paging.style == "cursor":
            return {paging.limit_param: paging.per_page}
        return {}

    def _records(self, kind: str, endpoints: KindEndpoints, body: Any) -> Raws:
        records = dig(body, endpoints.records, _MISSING)
        if not isinstance(records, list):
            where = f"at {endpoints.records!r}" if endpoints.records else "as the body"
            raise ProviderError(
                f"listing {kind}: no list of records {where} of the answer from "
                f"{endpoints.list}: check kinds.{kind}.records in environment.yaml"
            )
        return [r for r in records if isinstance(r, dict)]

    def _live(self, kind: str, raw: Raw) -> LiveRecord:
        endpoints = self._endpoints(kind)
        spec = CATALOG[kind]
        fields: dict[str, Any] = {}
        for name in spec.fields:
            value = dig(raw, endpoints.api_name(name), _MISSING)
            if value is _MISSING:
                # Absent means the platform's default, which is the model's default.
                value = spec.model.model_fields[name].get_default(call_default_factory=True)
            fields[name] = value
        live_id = dig(raw, endpoints.id_field)
        if live_id is None:
            raise ProviderError(f"a {kind} record has no {endpoints.id_field!r} field")
        source = dig(raw, endpoints.ownership.source)
        source_id = dig(raw, endpoints.ownership.source_id)
        marker = Marker(str(source), str(source_id or "")) if source else None
        return LiveRecord(kind, str(live_id), fields, marker, bool(fields.get("disabled")))

    # -- writing -----------------------------------------------------------------------------

    def _body(self, kind: str, fields: dict[str, Any], marker: Marker | None) -> dict[str, Any]:
        endpoints = self._endpoints(kind)
        unknown = sorted(set(fields) - set(CATALOG[kind].fields))
        if unknown:
            raise WriteRejected(f"{kind} has no field {unknown[0]!r}", unknown[0])
        body: dict[str, Any] = {}
        for name, value in fields.items():
            put(body, endpoints.api_name(name), value)
        if marker is not None:
            put(body, endpoints.ownership.source, marker.source)
            put(body, endpoints.ownership.source_id, marker.source_id)
        return body

    def _write(
        self, kind: str, method: str, url: str, body: dict[str, Any], idempotent: bool
    ) -> LiveRecord:
        response = self._http.request(
            method, url, json=body, kind=kind, idempotent=idempotent, accept=(400, 409, 422)
        )
        if response.status_code in (400, 409, 422):
            raise self._rejection(kind, response)
        endpoints = self._endpoints(kind)
        raw = dig(self._json(response, allow_empty=True), endpoints.record)
        if isinstance(raw, dict):
            return self._live(kind, raw)
        location = response.headers.get("location")
        if location:
            answer = self._http.request(
                "GET", self._same_origin(location), kind=kind, idempotent=True
            )
            raw = dig(self._json(answer), endpoints.record)
            if isinstance(raw, dict):
                return self._live(kind, raw)
        raise OutcomeUnknown(f"{method} {kind}: the answer holds no record (check record:)")

    def _rejection(self, kind: str, response: httpx.Response) -> WriteRejected:
        """A 400/409/422 as the account's message and the YAML field it blames."""
        body = self._json(response, allow_empty=True)
        message: Any = None
        blamed: Any = None
        errors = body.get("errors") if isinstance(body, dict) else None
        if isinstance(errors, list) and errors:
            first = errors[0]
            if isinstance(first, dict):
                message = first.get("message") or first.get("detail")
                blamed = first.get("field") or first.get("path") or first.get("attribute")
            else:
                message = first
        elif isinstance(errors, dict) and errors:  # {"name": ["has already been taken"]}
            blamed, texts = next(iter(errors.items()))
            message = texts[0] if isinstance(texts, list) and texts else texts
        if isinstance(body, dict):
            message = message or body.get("message") or body.get("error")
        if isinstance(blamed, list):
            blamed = ".".join(str(step) for step in blamed)
        field = self._endpoints(kind).catalog_name(str(blamed)) if blamed else None
        if field not in CATALOG[kind].fields:
            field = None
        text = str(message or f"HTTP {response.status_code}")[:300]
        return WriteRejected(self._http.redactor.clean(text), field)

    # -- helpers -----------------------------------------------------------------------------

    def _endpoints(self, kind: str) -> KindEndpoints:
        endpoints = self._settings.kinds.get(kind)
        if endpoints is None:
            raise ProviderError(f"this rest account declares no kind {kind!r} (kinds: in settings)")
        return endpoints

    def _writable(self, kind: str) -> KindEndpoints:
        if CATALOG[kind].reference_data:
            raise WriteRejected(f"{kind} is reference data: syncset maps it, never writes it")
        return self._endpoints(kind)

    def _url(self, path: str) -> str:
        return self._settings.base_url + "/" + path.lstrip("/")

    def _item_url(self, endpoints: KindEndpoints, live_id: str) -> str:
        return self._url(endpoints.item_path().replace("{id}", quote(live_id, safe="")))

    def _same_origin(self, url: str) -> str:
        """A URL from the server (next link, Location), refused if it leaves base_url's host."""
        target = self._base.join(url)
        if (target.scheme, target.host, target.port) != (
            self._base.scheme,
            self._base.host,
            self._base.port,
        ):
            raise ProviderError(
                f"the account pointed to another host ({target.host}): refusing to send the "
                "credentials there"
            )
        return str(target)

    def _json(self, response: httpx.Response, allow_empty: bool = False) -> Any:
        if allow_empty and not response.content:
            return None
        try:
            return response.json()
        except ValueError:
            raise ProviderError(
                f"{response.request.method} {response.request.url.path}: the answer is not JSON"
            ) from None


def open_rest(settings: BaseModel, context: ProviderContext) -> RestProvider:
    assert isinstance(settings, RestSettings)
    return RestProvider(settings, context)
