"""From catalog values to the input of a ``<type>Create``/``<type>Update`` mutation.

What the API cannot take is refused before anything is sent: a field this account's schema lacks
(left out by :mod:`syncset.providers.xurrent.schema`), a create-only field on an update (a UI
extension's category). A UI extension's content (html, css, javascript, form definition) is one
version: Xurrent writes the inputs as the *prepared* version and ``activate: true`` makes it the
active one, so the input always carries the whole content, the unchanged parts taken from the active
version (whether a prepared version starts from the active one is not documented). Child collections
go through :func:`syncset.providers.xurrent.children.diff_children`.
"""

from __future__ import annotations

from typing import Any

from syncset.errors import ProviderError, WriteRejected
from syncset.providers.base import Marker
from syncset.providers.xurrent.children import appended, diff_children
from syncset.providers.xurrent.queries import ChildMap, TypeMap, to_input


def record_input(
    tm: TypeMap,
    fields: dict[str, Any],
    marker: Marker | None,
    current: dict[str, Any] | None,
    *,
    creating: bool,
    hours_append: bool,
    account: str,
) -> dict[str, Any]:
    """The input for ``fields`` (references as live ids); ``current`` is the live record's
    fields when the update needs them (child collections, versioned content)."""
    refuse_unwritable(tm, fields, creating, account)
    live = current or {}
    versioned = tm.versioned() & set(fields)
    values = dict(fields)
    if versioned and tm.activate:
        values |= {n: live[n] for n in tm.versioned() - versioned if live.get(n) is not None}
    payload = to_input(tm.fields, values)
    if versioned and tm.activate:
        payload[tm.activate] = True
    for child in tm.children:
        if child.name not in fields:
            continue
        live_items = live.get(child.name) or []
        if not child.ids and live_items and hours_append:
            raise ProviderError(appends_message(tm, child, live.get("id", ""), [], 0))
        new, delete = diff_children(child, fields[child.name] or [], live_items)
        if new or not child.ids:
            payload[child.new_input] = new
        if delete:
            payload[child.delete_input] = delete
    if marker is not None:
        payload["source"] = marker.source
        payload["sourceID"] = marker.source_id
    return payload


def refuse_unwritable(tm: TypeMap, fields: dict[str, Any], creating: bool, account: str) -> None:
    known = {f.name for f in tm.fields} | {c.name for c in tm.children}
    for name in sorted(set(fields) - known):
        if name in tm.left_out and fields[name] in (None, [], {}):
            continue
        why = tm.left_out.get(name, "no such field")
        raise WriteRejected(f"4me/Xurrent {tm.kind} of {account}: {why}", name)
    if not creating:
        for name in sorted(tm.create_only & set(fields)):
            raise WriteRejected(f"{name} is set on create only in Xurrent", name)


def extra_after_replace(
    tm: TypeMap, fields: dict[str, Any], result: dict[str, Any]
) -> tuple[ChildMap, list[dict[str, Any]]] | None:
    """After a whole set was sent without ids: the child and the items the account kept
    besides the ones sent (it appended instead of replacing), or None when it replaced."""
    for child in tm.children:
        if child.ids or child.name not in fields:
            continue
        extra = appended(child, fields[child.name] or [], result.get(child.name) or [])
        if extra:
            return child, extra
    return None


def appends_message(
    tm: TypeMap, child: ChildMap, live_id: str, extra: list[dict[str, Any]], sent: int
) -> str:
    """What happened when the account appended hours, and what to do."""
    shown = ", ".join(" ".join(str(i.get(f.name)) for f in child.fields) for i in extra[:5])
    if extra:
        what = f"it kept {len(extra)} old {child.name} besides the {sent} sent ({shown})"
    else:
        what = "on an earlier run it kept the old ones besides those sent"
    return (
        f"{tm.kind} {live_id}: this account's schema has no CalendarHour.id, so syncset sends "
        f"the whole set of {child.name}, expecting the account to replace the old set, but "
        f"{what}. syncset sends no more {child.name} to this account: remove the extra "
        f"{child.name} by hand in Xurrent; if the account does have hour ids, pin them "
        "(a schema_file with CalendarHour.id, or let syncset ping fetch the schema again) and "
        "syncset deletes old hours by id"
    )
