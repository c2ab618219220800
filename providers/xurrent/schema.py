"""The account's own schema: fetched, cached, and every operation of every kind checked against it.

Fields come and go between Xurrent deployments (a region, an on-premises QA, a schema older than
2025-11), so the provider does not assume the schema it was written for: it validates every
operation it would send (:func:`syncset.providers.xurrent.queries.operations`) against the schema
the account publishes, with graphql-core, before it reads or writes anything.

* The schema comes from a GET on the GraphQL endpoint with the usual headers, or from a pinned
  ``schema_file`` inside the repository (air-gapped CI).
* It is cached in ``.syncset/xurrent-schema/<hash of URL and account>.json`` with its digest,
  the time it was fetched and the check's result, and fetched again when older than a day
  (``syncset ping`` always fetches). A cache file that is damaged, too large or another
  account's is ignored; it is written atomically and readable by its owner only.
* Per kind the check says ``ok``, or the exact fields the account lacks. A field of
  :data:`syncset.providers.xurrent.queries.OPTIONAL` that is missing is *left out* instead; calendar
  hours are read with ids only where the schema has ``CalendarHour.id``.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from syncset.errors import ProviderError, SyncsetError
from syncset.providers.xurrent.queries import (
    OPTIONAL,
    TYPE_MAPS,
    Operation,
    TypeMap,
    build_type_map,
    operations,
)
from syncset.safepath import atomic_write_text
from syncset.schemas import CATALOG

CACHE_TTL_SECONDS = 24 * 3600
MAX_SCHEMA_BYTES = 64 * 1024 * 1024
"""A bound on a schema read from the account or a file (the real one is a few megabytes)."""
CHECK_VERSION = 1
CACHE_FOLDER = ".syncset/xurrent-schema"


class KindReport(BaseModel):
    """What the check found for one kind."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    lacks: list[str] = Field(default_factory=list)
    """Names this account's schema lacks that the kind needs (``Calendar.calendarHours``)."""
    left_out: dict[str, str] = Field(default_factory=dict)
    """Optional catalog fields the schema lacks, with the reason: never read or written."""
    missing_values: dict[str, list[str]] = Field(default_factory=dict)
    """``InputType.field`` → catalog enum values the account's enum does not have."""

    @property
    def ok(self) -> bool:
        return not self.lacks

    def refusal(self, kind: str) -> str:
        return (
            f"{kind} is refused: this account's schema lacks {', '.join(self.lacks)}, which "
            f"syncset needs to read and write {kind} records; nothing was written. Check that "
            "url/domain point at the account's deployment (syncset ping lists every kind), or "
            "that schema_file is this account's schema"
        )

    def notes(self) -> str | None:
        """What ping says besides ``ok``: fields left out, enum values the account lacks."""
        notes = [f"{name} left out: {why}" for name, why in self.left_out.items()]
        notes += [f"{at} lacks {', '.join(values)}" for at, values in self.missing_values.items()]
        return "; ".join(notes) or None


class SchemaReport(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    digest: str
    hour_ids: bool
    kinds: dict[str, KindReport]


class CacheFile(BaseModel):
    """The shape of a cache file; anything else in the file makes it ignored."""

    model_config = ConfigDict(extra="forbid")
    version: Literal[1]
    url: str
    account: str
    fetched_at: float
    digest: str
    sdl: str
    checks: dict[str, SchemaReport] = Field(default_factory=dict)
    hours_append: bool = False
    """Learned: the account appended calendar hours sent without ids instead of replacing."""


def digest_of(sdl: str) -> str:
    return "sha256:" + hashlib.sha256(sdl.encode("utf-8")).hexdigest()


# -- the check ---------------------------------------------------------------------------------


def check_schema(sdl: str, marker_filter: bool, views: dict[str, str]) -> SchemaReport:
    """Validate every operation of every kind against ``sdl`` (graphql-core).

    Memoised per process: environments on accounts of one deployment (``ci plan`` over dev, qa
    and prod; an MSP's customer accounts) share a schema, and the check costs a few tenths of
    a second. The reports are frozen, so sharing one is safe.
    """
    return _checked(sdl, marker_filter, tuple(sorted(views.items())))


@functools.lru_cache(maxsize=8)
def _checked(sdl: str, marker_filter: bool, views: tuple[tuple[str, str], ...]) -> SchemaReport:
    schema = _build(sdl)
    hour_type = schema.type_map.get("CalendarHour")
    hour_ids = bool(hour_type is not None and "id" in getattr(hour_type, "fields", {}))
    kinds = {
        kind: _check_kind(schema, kind, hour_ids, marker_filter, dict(views).get(kind))
        for kind in TYPE_MAPS
    }
    return SchemaReport(digest=digest_of(sdl), hour_ids=hour_ids, kinds=kinds)


def adapted_type_map(report: SchemaReport, kind: str, views: dict[str, str]) -> TypeMap:
    """The map of ``kind`` as this account's schema has it."""
    left_out = report.kinds[kind].left_out if kind in report.kinds else {}
    return build_type_map(CATALOG[kind], report.hour_ids, left_out, views.get(kind))


def _build(sdl: str) -> Any:
    from graphql import GraphQLError, build_client_schema, build_schema

    try:
        if sdl.lstrip().startswith("{"):
            body = json.loads(sdl)
            return build_client_schema(body.get("data", body))
        return build_schema(sdl, assume_valid_sdl=True)
    except (GraphQLError, ValueError, TypeError, AttributeError, KeyError) as exc:
        raise ProviderError(
            f"the account's schema could not be read as GraphQL ({str(exc)[:200]}): check the "
            "endpoint, or pin the account's schema with schema_file"
        ) from None


def _check_kind(
    schema: Any, kind: str, hour_ids: bool, marker_filter: bool, view: str | None
) -> KindReport:
    spec = CATALOG[kind]
    full = build_type_map(spec, hour_ids, view=view)
    left_out = {
        path.split(".", 1)[1]: f"this account's schema has no {reason}"
        for path, reason in OPTIONAL.items()
        if path.split(".", 1)[0] == kind and not _present(schema, full, path.split(".", 1)[1])
    }
    tm = build_type_map(spec, hour_ids, left_out, view)
    lacks: list[str] = []
    missing: dict[str, list[str]] = {}
    for op in operations(tm, marker_filter):
        lacks += _text_problems(schema, op) + _input_problems(schema, op)
        missing.update(_enum_gaps(schema, op))
    return KindReport(lacks=sorted(set(lacks)), left_out=left_out, missing_values=missing)


def _present(schema: Any, tm: TypeMap, name: str) -> bool:
    """Whether the schema can read and (for configuration) write the catalog field ``name``."""
    f = next(f for f in tm.fields if f.name == name)
    owner = schema.type_map.get(tm.type_name)
    if owner is None or (f.via or f.read) not in getattr(owner, "fields", {}):
        return False
    if not tm.writable:
        return True
    for action in ("Create", "Update"):
        inputs = schema.type_map.get(f"{tm.type_name}{action}Input")
        if inputs is None or f.input not in getattr(inputs, "fields", {}):
            return False
    return True


_PATTERNS = (
    (re.compile(r"Cannot query field '(\w+)' on type '(\w+)'"), "{1}.{0}"),
    (re.compile(r"Unknown argument '(\w+)' on field '([\w.]+)'"), "{1}({0}:)"),
    (re.compile(r"Unknown type '(\w+)'"), "{0}"),
    (re.compile(r"Value '(\w+)' does not exist in '(\w+)' enum"), "{1}.{0}"),
    (re.compile(r"Unknown field '(\w+)' on input type '(\w+)'"), "{1}.{0}"),
)


def _text_problems(schema: Any, op: Operation) -> list[str]:
    from graphql import GraphQLError, parse, validate

    try:
        errors = validate(schema, parse(op.text))
    except GraphQLError as exc:
        errors = [exc]
    return [_named(error.message) for error in errors]


def _named(message: str) -> str:
    """The name a validation message is about (``Calendar.description``), else the message."""
    for pattern, shape in _PATTERNS:
        match = pattern.search(message)
        if match:
            return shape.format(*match.groups())
    return message[:200]


def _input_problems(schema: Any, op: Operation) -> list[str]:
    lacks = []
    for type_name, names in op.inputs.items():
        gtype = schema.type_map.get(type_name)
        fields = getattr(gtype, "fields", None)
        if not isinstance(fields, dict):
            lacks.append(type_name)
            continue
        lacks += [f"{type_name}.{name}" for name in names if name not in fields]
    return lacks


def _enum_gaps(schema: Any, op: Operation) -> dict[str, list[str]]:
    from graphql import GraphQLEnumType, get_named_type

    gaps = {}
    for (type_name, name), values in op.enums.items():
        field = getattr(schema.type_map.get(type_name), "fields", {}).get(name)
        enum = get_named_type(field.type) if field is not None else None
        if isinstance(enum, GraphQLEnumType):
            absent = [v for v in values if v not in enum.values]
            if absent:
                gaps[f"{type_name}.{name}"] = absent
    return gaps


# -- fetching and caching ----------------------------------------------------------------------


class AccountSchema:
    """One account's schema and its check, loaded once per run (cached across runs)."""

    def __init__(
        self,
        fetch: Callable[[], str],
        *,
        url: str,
        account: str,
        root: Path,
        schema_file: str | None,
        marker_filter: bool,
        views: dict[str, str],
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._fetch = fetch
        self._url, self._account = url, account
        self._root = root
        self._schema_file = schema_file
        self._marker_filter = marker_filter
        self._views = dict(views)
        self._clock = clock
        key = hashlib.sha256(f"{url}\n{account}".encode()).hexdigest()[:32]
        self.cache_path = root / CACHE_FOLDER / f"{key}.json"
        self._report: SchemaReport | None = None
        self.source = ""
        """Where the schema came from, for ping: fetched, cached or the pinned file."""

    def report(self, fresh: bool = False) -> SchemaReport:
        """The check of this account's schema; ``fresh`` fetches it even when the cache is new."""
        if self._report is not None and not fresh:
            return self._report
        if self._schema_file:
            sdl = read_pinned(self._root, self._schema_file)
            self._report = check_schema(sdl, self._marker_filter, self._views)
            self.source = f"schema_file {self._schema_file}"
            return self._report
        self._report = self._cached_or_fetched(fresh)
        return self._report

    def hours_append(self) -> bool:
        cache = self._load()
        return bool(cache and cache.hours_append)

    def learn_hours_append(self) -> None:
        """Remember that this account appends hours sent without ids, so that no later run
        sends them again (each send would add another copy)."""
        cache = self._load() or CacheFile(
            version=1, url=self._url, account=self._account, fetched_at=0, digest="", sdl=""
        )
        cache.hours_append = True
        self._save(cache)

    def _cached_or_fetched(self, fresh: bool) -> SchemaReport:
        key = self._checks_key()
        cache = self._load()
        now = self._clock()
        if (
            cache is not None
            and cache.sdl
            and not fresh
            and 0 <= now - cache.fetched_at < CACHE_TTL_SECONDS
        ):
            self.source = "cached " + time.strftime(
                "%Y-%m-%d %H:%M UTC", time.gmtime(cache.fetched_at)
            )
            if key not in cache.checks:
                cache.checks = {key: check_schema(cache.sdl, self._marker_filter, self._views)}
                self._save(cache)
            return cache.checks[key]
        sdl = self._fetch()
        if len(sdl.encode("utf-8")) > MAX_SCHEMA_BYTES:
            raise ProviderError(f"the account's schema is larger than {MAX_SCHEMA_BYTES} bytes")
        digest = digest_of(sdl)
        known = cache is not None and cache.digest == digest and key in cache.checks
        report = cache.checks[key] if known and cache is not None else None
        report = report or check_schema(sdl, self._marker_filter, self._views)
        appends = bool(cache and cache.hours_append)
        self._save(
            CacheFile(
                version=1,
                url=self._url,
                account=self._account,
                fetched_at=now,
                digest=digest,
                sdl=sdl,
                checks={key: report},
                hours_append=appends,
            )
        )
        self.source = "fetched from the account"
        return report

    def _checks_key(self) -> str:
        """What the check depends on besides the schema: syncset's operations and settings."""
        texts = [
            [op.text, op.inputs, sorted(op.enums.items())]
            for hour_ids in (True, False)
            for kind in TYPE_MAPS
            for op in operations(
                build_type_map(CATALOG[kind], hour_ids, view=self._views.get(kind)),
                self._marker_filter,
            )
        ]
        blob = json.dumps([CHECK_VERSION, sorted(OPTIONAL), texts], sort_keys=True, default=str)
        return hashlib.sha256(blob.encode()).hexdigest()[:32]

    def _load(self) -> CacheFile | None:
        """The cache file, or None when it is missing, damaged, too large or not this account's."""
        try:
            if self.cache_path.stat().st_size > 2 * MAX_SCHEMA_BYTES:
                return None
            cache = CacheFile.model_validate_json(self.cache_path.read_bytes())
        except (OSError, ValidationError, ValueError):
            return None
        if (cache.url, cache.account) != (self._url, self._account):
            return None
        if cache.sdl and digest_of(cache.sdl) != cache.digest:
            return None
        return cache

    def _save(self, cache: CacheFile) -> None:
        # Inside .syncset, so private (0600) like every state file syncset keeps; a read-only
        # checkout keeps no cache, and the check still holds for this run.
        with contextlib.suppress(SyncsetError):
            atomic_write_text(self.cache_path, cache.model_dump_json())


def read_pinned(root: Path, schema_file: str) -> str:
    """The pinned schema file, which must be a file inside the repository."""
    base = root.resolve()
    path = (base / schema_file).resolve()
    if not path.is_relative_to(base):
        raise ProviderError(f"schema_file {schema_file}: must be inside the repository")
    try:
        if path.stat().st_size > MAX_SCHEMA_BYTES:
            raise ProviderError(f"schema_file {schema_file}: larger than {MAX_SCHEMA_BYTES} bytes")
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ProviderError(
            f"schema_file {schema_file}: cannot be read ({type(exc).__name__})"
        ) from None
