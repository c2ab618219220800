"""Mutations of the fake 4me/Xurrent account: ``<type>Create``/``<type>Update`` and their rules.

Where each behaviour comes from:
* payload ``{ <type> errors { path message } clientMutationId }``; a validation failure is a
  payload with ``errors`` filled and the record null (XURRENT_API.md "Writing"); no deletes;
* required inputs (the ``!`` of ``<Type>CreateInput`` in the SDL) must not be blank, on create
  and after an update: "Name can't be blank" on ``["name"]`` (XURRENT_SCHEMA.md, ``!``);
* names unique per account for Calendar, Team, Site, Organization, "Name has already been
  taken" even against a disabled record; people unique by ``primaryEmail`` (XURRENT_API.md
  "Identity"); ``source`` at most 30 characters, ``sourceID`` at most 128 (same);
* ``xxxId``/``xxxIds`` must name records that exist, else an error on that input's path;
  ``*Ids`` lists replace the whole set (XURRENT_API.md "treat as replace");
* calendar hours: ``newCalendarHours`` adds, ``calendarHoursToDelete`` deletes by id, weekdays
  ``mon..sun``, ``ISO8601Time``; columns: ``newColumns`` items with ``id`` update that column,
  without add one, ``columnsToDelete`` removes, action type default ``none``
  (XURRENT_SCHEMA.md "AgileBoardColumn", XURRENT_API.md table);
* UI extensions: ``html css javascript formDefinition`` set the prepared version
  (``being_prepared``), ``activate: true`` makes it ``active`` and the old active one
  ``archived``; ``category`` can no longer be updated (XURRENT_SCHEMA.md "UiExtension").

Decisions on facts the documents leave open:
* ``ISO8601Time`` is ``HH:MM`` from ``00:00`` to ``24:00`` (``24:00`` ends a whole day) and is
  read back as given; ``timeUntil`` must be later than ``timeFrom``; ``ISO8601DateTime`` needs
  a date and a time, and is stored and read in UTC with ``+00:00``; a holiday ends after it
  starts;
* a ``CalendarHoursInput`` with ``id`` updates that hour in place (as columns do); with
  ``new_hours_replace=True`` the account instead treats ``newCalendarHours`` as the whole new
  set of hours (an alternative reading, for a client that must cope with either);
* a new column without ``position`` goes last; ``dialogType`` defaults to ``none``;
* content sent for a UI extension that has no prepared version starts one from the active
  version's content (so sending only ``css`` keeps the active ``html``); ``activate: true``
  with nothing prepared changes nothing; sending the current ``category`` on update is accepted
  (only a different one is refused);
* ``xxxId: null`` clears a reference; an update of an id that is not this account's record of
  that type is a payload error on ``["id"]``; name uniqueness is exact (case-sensitive), e-mail
  uniqueness ignores case; messages follow the Rails style of the quoted ones.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from graphql import (
    GraphQLError,
    GraphQLInputObjectType,
    GraphQLNonNull,
    GraphQLScalarType,
    GraphQLSchema,
    get_named_type,
)
from serverkit import Counters
from xurrent_sdl import CREATE_INPUTS
from xurrent_store import Record, Store, now

Errors = list[dict[str, Any]]

UNIQUE = {"Calendar": "name", "Team": "name", "Site": "name", "Organization": "name"}
UNIQUE_IGNORING_CASE = {"Person": "primaryEmail"}
LONGEST = {"source": 30, "sourceID": 128}
CONTENT = ("html", "css", "javascript", "formDefinition")
LABELS = {"sourceID": "Source ID", "id": "Id"}
TIME = re.compile(r"([01]\d|2[0-3]):[0-5]\d|24:00")


def _lower(name: str) -> str:
    return name[:1].lower() + name[1:]


def label(key: str) -> str:
    """``workHoursId`` -> ``Work hours``, as Rails names an attribute in a message."""
    if key in LABELS:
        return LABELS[key]
    base = key.removesuffix("Ids").removesuffix("Id") if key.endswith(("Id", "Ids")) else key
    words = re.sub(r"(?<!^)([A-Z])", r" \1", base).lower()
    return words[:1].upper() + words[1:]


def error(path: list[Any], message: str) -> dict[str, Any]:
    return {"path": [str(p) for p in path], "message": message}


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def reference_field(key: str) -> str:
    """The read field an ``xxxId``/``xxxIds`` input sets: ``holidayIds`` -> ``holidays``."""
    return key[:-3] + "s" if key.endswith("Ids") else key[:-2]


# -- scalars ----------------------------------------------------------------------------------


def _time(value: Any) -> str:
    if not isinstance(value, str) or not TIME.fullmatch(value):
        raise GraphQLError(f"Time must be HH:MM from 00:00 to 24:00, not {value!r}")
    return value


def _date_time(value: Any) -> str:
    if not isinstance(value, str) or "T" not in value:
        raise GraphQLError(f"Date and time must be ISO 8601 (YYYY-MM-DDTHH:MM:SSZ), not {value!r}")
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise GraphQLError(f"Date and time must be ISO 8601, not {value!r}") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat()


def _time_zone(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise GraphQLError(f"Time zone must be a time zone name, not {value!r}")
    return value


def install_scalars(schema: GraphQLSchema) -> None:
    """Input coercion of the custom scalars (literals and variables alike)."""
    parsers: dict[str, Callable[[Any], Any]] = {
        "ISO8601Time": _time,
        "ISO8601DateTime": _date_time,
        "ISO8601Timestamp": _date_time,
        "TimeZone": _time_zone,
    }
    for name, parse in parsers.items():
        scalar = schema.type_map[name]
        assert isinstance(scalar, GraphQLScalarType)
        scalar.parse_value = parse  # type: ignore[method-assign,assignment]
        scalar.coerce_input_value = parse


# -- mutations --------------------------------------------------------------------------------


class Writer:
    """Applies ``<type>Create``/``<type>Update`` inputs to the :class:`Store`."""

    def __init__(self, store: Store, counters: Counters, new_hours_replace: bool = False) -> None:
        self.store = store
        self.counters = counters
        self.new_hours_replace = new_hours_replace

    def attach(self) -> None:
        mutation = self.store.schema.mutation_type
        assert mutation is not None
        for type_name in CREATE_INPUTS:
            for action in ("Create", "Update"):
                resolver = self.mutation(type_name, action == "Create")
                mutation.fields[f"{_lower(type_name)}{action}"].resolve = resolver

    def mutation(self, type_name: str, creating: bool) -> Callable[..., dict[str, Any]]:
        key = _lower(type_name)

        def resolve(_root: Any, _info: Any, input: dict[str, Any]) -> dict[str, Any]:
            payload: dict[str, Any] = {"clientMutationId": input.get("clientMutationId")}
            with self.store.lock:
                record, errors = self._write(type_name, creating, input)
            if errors or record is None:
                self.counters.add("rejected")
                return {**payload, key: None, "errors": errors}
            self.counters.add(f"{'create' if creating else 'update'}:{type_name}")
            return {**payload, key: record, "errors": []}

        return resolve

    def _write(
        self, type_name: str, creating: bool, values: dict[str, Any]
    ) -> tuple[Record | None, Errors]:
        if creating:
            record = self.store.new_record(type_name)
        else:
            current = self.store.records.get(values["id"])
            if (
                not current
                or current["__typename"] != type_name
                or (current.get("account") != self.store.account)
            ):
                return None, [error(["id"], f"{type_name} not found")]
            record = copy.deepcopy(current)
        errors = self._apply(type_name, record, values, creating)
        errors = errors or self._validate(type_name, record)
        if errors:
            return None, errors
        record["updatedAt"] = now()
        self.store.commit(record)
        return record, []

    def _apply(
        self, type_name: str, record: Record, values: dict[str, Any], creating: bool
    ) -> Errors:
        errors: Errors = []
        # Deletions of children first, so that a new child may take a removed one's place.
        for key in sorted(values, key=lambda k: not k.endswith("ToDelete")):
            value = values[key]
            if key in ("id", "clientMutationId"):
                continue
            if type_name == "UiExtension" and key in (*CONTENT, "activate", "category"):
                continue
            if key in ("newCalendarHours", "newColumns"):
                self._new_children(record, key, value or [], errors)
            elif key.endswith("ToDelete"):
                self._delete_children(record, key, value or [], errors)
            elif key.endswith(("Id", "Ids")) and key != "sourceID":
                self._set_reference(type_name, record, key, value, errors)
            else:
                if key in LONGEST and value is not None and len(value) > LONGEST[key]:
                    message = f"is too long (maximum is {LONGEST[key]} characters)"
                    errors.append(error([key], f"{label(key)} {message}"))
                record[key] = value
        if type_name == "UiExtension":
            self._versions(record, values, creating, errors)
        return errors

    # -- references ------------------------------------------------------------------------

    def _target(self, type_name: str, field: str) -> str:
        gtype = self.store.object_type(type_name)
        return get_named_type(gtype.fields[field].type).name.removesuffix("Connection")

    def _check(self, target: str, value: Any, path: list[Any], errors: Errors) -> None:
        found = self.store.get(value)
        if value is not None and (found is None or found["__typename"] != target):
            errors.append(error(path, f"{label(str(path[-1]))} {value!r} does not exist"))

    def _set_reference(
        self, type_name: str, record: Record, key: str, value: Any, errors: Errors
    ) -> None:
        field = reference_field(key)
        target = self._target(type_name, field)
        for one in (value or []) if key.endswith("Ids") else [value]:
            self._check(target, one, [key], errors)
        record[field] = list(dict.fromkeys(value or [])) if key.endswith("Ids") else value

    # -- children: calendar hours, board columns -------------------------------------------

    def _new_children(self, record: Record, key: str, items: list[Any], errors: Errors) -> None:
        field = "calendarHours" if key == "newCalendarHours" else "columns"
        child_type = "CalendarHour" if field == "calendarHours" else "AgileBoardColumn"
        existing = [dict(c) for c in record.get(field) or []]
        replacing = field == "calendarHours" and self.new_hours_replace
        kept: list[Record] = [] if replacing else existing
        for index, item in enumerate(items):
            path: list[Any] = [key, index]
            values = self._child_values(item, path, errors)
            if item.get("id") is not None:
                match = next((c for c in existing if c["id"] == item["id"]), None)
                if match is None:
                    errors.append(error([*path, "id"], f"{label(child_type)} not found"))
                    continue
                match.update(values)
                if replacing:
                    kept.append(match)
                child = match
            else:
                child = {**self._child_defaults(field, kept), **values}
                child = {**self.store.new_child(child_type, record), **child}
                kept.append(child)
            self._check_child(field, child, path, errors)
        record[field] = kept

    def _child_values(self, item: dict[str, Any], path: list[Any], errors: Errors) -> Record:
        values: Record = {}
        for name, value in item.items():
            if name == "id":
                continue
            if name in ("teamId", "memberId"):
                target = "Team" if name == "teamId" else "Person"
                self._check(target, value, [*path, name], errors)
                values[name[:-2]] = value
            else:
                values[name] = value
        return values

    @staticmethod
    def _child_defaults(field: str, siblings: list[Record]) -> Record:
        if field != "columns":
            return {}
        positions = [c.get("position") or 0 for c in siblings]
        return {"position": max(positions, default=0) + 1, "actionType": "none"} | {
            "dialogType": "none"
        }

    @staticmethod
    def _check_child(field: str, child: Record, path: list[Any], errors: Errors) -> None:
        required = ("weekday", "timeFrom", "timeUntil") if field == "calendarHours" else ("name",)
        for name in required:
            if _blank(child.get(name)):
                errors.append(error([*path, name], f"{label(name)} can't be blank"))
        start, end = child.get("timeFrom"), child.get("timeUntil")
        if field == "calendarHours" and start and end and end <= start:
            errors.append(error([*path, "timeUntil"], "Time until must be after time from"))

    def _delete_children(self, record: Record, key: str, ids: list[str], errors: Errors) -> None:
        field = "calendarHours" if key == "calendarHoursToDelete" else "columns"
        children = record.get(field) or []
        known = {c["id"] for c in children}
        for index, child_id in enumerate(ids):
            if child_id not in known:
                errors.append(error([key, index], f"{child_id!r} does not exist"))
        record[field] = [c for c in children if c["id"] not in set(ids)]

    # -- UI extension versions -------------------------------------------------------------

    def _versions(
        self, record: Record, values: dict[str, Any], creating: bool, errors: Errors
    ) -> None:
        if creating:
            record["category"] = values.get("category")
        elif "category" in values and values["category"] != record.get("category"):
            errors.append(error(["category"], "The category can no longer be updated"))
        versions: list[Record] = record.setdefault("versions", [])
        content = {k: values[k] for k in CONTENT if k in values}
        prepared = next((v for v in versions if v["status"] == "being_prepared"), None)
        if content and prepared is None:
            active = next((v for v in versions if v["status"] == "active"), {})
            number = max((v.get("versionNr") or 0 for v in versions), default=0) + 1
            prepared = self.store.new_child("UiExtensionVersion", record)
            prepared.update({k: active.get(k) for k in CONTENT})
            prepared.update(status="being_prepared", versionNr=number)
            prepared.update(activatedAt=None, archivedAt=None)
            versions.append(prepared)
        if content and prepared is not None:
            prepared.update(content, updatedAt=now())
        if values.get("activate") and prepared is not None:
            for version in versions:
                if version["status"] == "active":
                    version.update(status="archived", archivedAt=now(), updatedAt=now())
            prepared.update(status="active", activatedAt=now(), updatedAt=now())

    # -- whole-record rules ----------------------------------------------------------------

    def _validate(self, type_name: str, record: Record) -> Errors:
        errors: Errors = []
        create_input = self.store.schema.type_map[f"{type_name}CreateInput"]
        assert isinstance(create_input, GraphQLInputObjectType)
        for key, field in create_input.fields.items():
            stored = reference_field(key) if key.endswith("Id") else key
            if isinstance(field.type, GraphQLNonNull) and _blank(record.get(stored)):
                errors.append(error([key], f"{label(key)} can't be blank"))
        errors += self._unique(type_name, record)
        start, end = record.get("startAt"), record.get("endAt")
        if type_name == "Holiday" and start and end and end <= start:
            errors.append(error(["endAt"], "End at must be after start at"))
        return errors

    def _unique(self, type_name: str, record: Record) -> Errors:
        field = UNIQUE.get(type_name) or UNIQUE_IGNORING_CASE.get(type_name)
        if field is None or record.get(field) is None:
            return []

        def same(value: Any) -> Any:
            return value.casefold() if type_name in UNIQUE_IGNORING_CASE and value else value

        for other in self.store.of_type(type_name):
            if other["id"] == record["id"] or other.get("account") != record.get("account"):
                continue
            if same(other.get(field)) == same(record[field]):
                return [error([field], f"{label(field)} has already been taken")]
        return []
