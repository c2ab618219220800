"""A fake JSON/REST integration platform on 127.0.0.1, one collection per pagination style.

Each :class:`Collection` names its own fields (so the provider's field mapping is exercised),
wraps its list answers its own way and pages in one of the styles the ``rest`` provider knows:
``link`` (``Link: <…>; rel="next"``), ``page`` (``page``/``per_page`` with ``meta.total_pages``)
or ``cursor`` (``cursor``/``limit`` with ``meta.next_cursor``). ``per_page``/``limit`` above 100
is refused. Names are unique where a collection says so (422 with ``field``), and any other
query parameter filters the list by equality (how the provider finds a record by its marker).
"""

from __future__ import annotations

import base64
import itertools
import json
import threading
import time
from contextlib import suppress
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import parse_qs, urlencode, urlsplit

from serverkit import Counters, Faults, JsonHandler, Limits, Tokens

PAGING_PARAMS = {"page", "per_page", "cursor", "limit"}


@dataclass(frozen=True)
class Collection:
    style: Literal["link", "page", "cursor"]
    wrap: str
    """Where a list answer holds the records: "" (the body), "results", "data.items"."""
    unique: str | None = None
    hidden: tuple[str, ...] = ()
    """Fields accepted on write but never returned (a connection's secret)."""


COLLECTIONS = {
    "solutions": Collection("link", "", unique="display_name"),
    "connections": Collection("page", "results", unique="name", hidden=("secret",)),
    "flows": Collection("cursor", "data.items"),
}


class RestAccount:
    def __init__(
        self,
        auth: Literal["oauth", "bearer", "api_key"] = "oauth",
        api_key: str = "rk_live_0123456789abcdef",
        limits: Limits | None = None,
        tokens: Tokens | None = None,
        faults: Faults | None = None,
        denied: frozenset[str] = frozenset(),
        next_host: str | None = None,
        echo_credentials: bool = False,
    ) -> None:
        self.auth = auth
        self.api_key = api_key
        self.limits = limits or Limits()
        self.tokens = tokens or Tokens(clients={"syncset-ci": "s3cr3t-client-secret"})
        self.faults = faults or Faults()
        self.denied = denied
        self.next_host = next_host
        """Put another host in Link headers (a hostile or misconfigured server)."""
        self.echo_credentials = echo_credentials
        self.counters = Counters()
        self.records: dict[str, dict[str, dict[str, Any]]] = {name: {} for name in COLLECTIONS}
        self.lock = threading.RLock()
        self._ids = itertools.count(1)

    def seed(self, collection: str, **fields: Any) -> str:
        record_id = f"{collection[:3]}_{next(self._ids)}"
        with self.lock:
            self.records[collection][record_id] = {"id": record_id, **fields}
        return record_id

    def authorized(self, headers: Any) -> bool:
        if self.auth == "api_key":
            return bool(headers.get("X-Api-Key") == self.api_key)
        return self.tokens.valid(headers.get("Authorization")) is not None

    def shown(self, collection: str, record: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in record.items() if k not in COLLECTIONS[collection].hidden}

    def page(self, collection: str, query: dict[str, str], base: str) -> tuple[Any, dict[str, str]]:
        """One page of a list answer: ``(body, extra headers)``."""
        style = COLLECTIONS[collection].style
        filters = {k: v for k, v in query.items() if k not in PAGING_PARAMS}
        with self.lock:
            items = [
                self.shown(collection, r)
                for r in self.records[collection].values()
                if all(str(r.get(k)) == v for k, v in filters.items())
            ]
        size = int(query.get("limit" if style == "cursor" else "per_page", "30"))
        if not 1 <= size <= 100:
            raise ValueError("page size must be between 1 and 100")
        if style == "cursor":
            start = int(base64.b64decode(query["cursor"]).decode()) if "cursor" in query else 0
            chunk, more = items[start : start + size], start + size < len(items)
            cursor = base64.b64encode(str(start + size).encode()).decode() if more else None
            return {"data": {"items": chunk}, "meta": {"next_cursor": cursor}}, {}
        number = int(query.get("page", "1"))
        chunk = items[(number - 1) * size : number * size]
        if style == "page":
            pages = max(1, -(-len(items) // size))
            return {"results": chunk, "meta": {"total_pages": pages}}, {}
        headers = {}
        if number * size < len(items):
            host = self.next_host or base
            link = f"{host}/api/{collection}?{urlencode({**filters, 'page': number + 1})}"
            headers["Link"] = f'<{link}&per_page={size}>; rel="next"'
        return chunk, headers

    def write(
        self, method: str, collection: str, record_id: str | None, body: dict[str, Any]
    ) -> tuple[int, Any]:
        spec = COLLECTIONS[collection]
        with self.lock:
            table = self.records[collection]
            if record_id is not None and record_id not in table:
                return 404, {"error": "not found"}
            if method == "DELETE":
                assert record_id is not None
                del table[record_id]
                return 204, None
            current = dict(table[record_id]) if record_id else {"id": f"{collection[:3]}_new"}
            record = {**current, **body}
            if spec.unique and any(
                other["id"] != record.get("id")
                and other.get(spec.unique) == record.get(spec.unique)
                for other in table.values()
            ):
                message = "has already been taken"
                return 422, {"errors": [{"field": spec.unique, "message": message}]}
            if record_id is None:
                record["id"] = f"{collection[:3]}_{next(self._ids)}"
            table[record["id"]] = record
            self.counters.add(f"{method.lower()}:{collection}")
            return (200 if record_id else 201), self.shown(collection, record)


class RestHandler(JsonHandler):
    app: RestAccount

    def do_GET(self) -> None:
        self._serve("GET")

    def do_POST(self) -> None:
        self._serve("POST")

    def do_PATCH(self) -> None:
        self._serve("PATCH")

    def do_PUT(self) -> None:
        self._serve("PUT")

    def do_DELETE(self) -> None:
        self._serve("DELETE")

    def _serve(self, method: str) -> None:
        self.app.faults.round_trip()
        with suppress(BrokenPipeError, ConnectionResetError):
            self._handle(method)

    def _handle(self, method: str) -> None:
        app = self.app
        parts = urlsplit(self.path)
        if parts.path == "/token" and method == "POST":
            app.counters.add("token")
            self.send_json(*app.tokens.issue(self.form()))
            return
        raw = self.body()
        if not app.authorized(self.headers):
            app.counters.add("401")
            message = "invalid credentials"
            if app.echo_credentials:
                message += f": {self.headers.get('Authorization') or self.headers.get('X-Api-Key')}"
            self.send_json(401, {"error": message})
            return
        retry, headers = app.limits.admit()
        if retry is not None:
            app.counters.add("429")
            self.throttled(retry, headers)
            return
        app.counters.add("requests")
        steps = parts.path.removeprefix("/api/").strip("/").split("/")
        collection, record_id = steps[0], (steps[1] if len(steps) > 1 else None)
        if collection not in COLLECTIONS or len(steps) > 2:
            self.send_json(404, {"error": f"no route {parts.path}"}, headers)
            return
        if collection in app.denied:
            self.send_json(403, {"error": f"this key may not access {collection}"}, headers)
            return
        if method == "GET":
            self._read(collection, record_id, parts.query, headers)
        else:
            self._write(method, collection, record_id, raw, headers)

    def _read(
        self, collection: str, record_id: str | None, query: str, headers: dict[str, str]
    ) -> None:
        app, faults = self.app, self.app.faults
        if faults.draw(faults.read_500):
            app.counters.add("500")
            self.send_json(500, {"error": "internal"}, headers)
            return
        if faults.draw(faults.read_slow):
            app.counters.add("slow")
            time.sleep(faults.slow_seconds)
        if record_id is not None:
            record = app.records[collection].get(record_id)
            status, body = (
                (200, app.shown(collection, record)) if record else (404, {"error": "not found"})
            )
            wrapped = {"data": body} if collection == "flows" and status < 300 else body
            self.send_json(status, wrapped, headers)
            return
        app.counters.add(f"list:{collection}")
        params = {k: v[0] for k, v in parse_qs(query).items()}
        try:
            body, extra = app.page(collection, params, f"http://{self.headers.get('Host')}")
        except ValueError as exc:
            self.send_json(400, {"error": str(exc)}, headers)
            return
        self.send_json(200, body, {**headers, **extra})

    def _write(
        self,
        method: str,
        collection: str,
        record_id: str | None,
        raw: bytes,
        headers: dict[str, str],
    ) -> None:
        app, faults = self.app, self.app.faults
        if faults.draw(faults.write_500_before):
            app.counters.add("500")
            message = "internal"
            if app.echo_credentials:
                message += (
                    f" ({self.headers.get('Authorization') or self.headers.get('X-Api-Key')})"
                )
            self.send_json(500, {"error": message}, headers)
            return
        body = json.loads(raw) if raw else {}
        status, answer = app.write(method, collection, record_id, body)
        if faults.draw(faults.write_drop_after):
            app.counters.add("dropped")
            self.drop()
            return
        if faults.draw(faults.write_500_after):
            app.counters.add("500")
            self.send_json(500, {"error": "internal"}, headers)
            return
        if faults.draw(faults.write_slow_after):
            app.counters.add("slow")
            time.sleep(faults.slow_seconds)
        if status == 204:
            self.send_response(204)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        wrapped = {"data": answer} if collection == "flows" and status < 300 else answer
        self.send_json(status, wrapped, headers)
