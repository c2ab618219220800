"""Child collections (calendar hours, board columns): from a desired list to the parent's inputs.

The engine hands a provider the *whole* desired list; the API wants only the changes, as new
items (``newCalendarHours``/``newColumns``) and ids to drop (``…ToDelete``). Items are matched by
the kind's child key (a column by name, an hour by weekday and start), so an unchanged item keeps
its live id, as :func:`syncset.providers.sandbox.provider._with_child_ids` does.
"""

from __future__ import annotations

from typing import Any

from syncset.providers.xurrent.queries import ChildMap, to_input


def diff_children(
    child: ChildMap, desired: list[dict[str, Any]], live: list[dict[str, Any]]
) -> tuple[list[dict[str, Any]], list[str]]:
    """``(new items as inputs, live ids to delete)`` that turn ``live`` into ``desired``.

    A changed item is sent with its id when the API updates items in place (board columns);
    otherwise (calendar hours) the old item is deleted and a new one added.
    """
    by_key = {_key(child, item): item for item in live}
    new: list[dict[str, Any]] = []
    delete: list[str] = []
    for item in desired:
        values = {k: v for k, v in item.items() if k != "id"}
        current = by_key.pop(_key(child, values), None)
        if current is not None and not _differs(values, current):
            continue
        payload = to_input(child.fields, values)
        if current is not None and child.in_place:
            payload = {"id": current["id"], **payload}
        elif current is not None:
            delete.append(str(current["id"]))
        new.append(payload)
    delete.extend(str(item["id"]) for item in by_key.values())
    return new, delete


def _key(child: ChildMap, item: dict[str, Any]) -> tuple[Any, ...]:
    return tuple(item.get(k) for k in child.key)


def _differs(desired: dict[str, Any], live: dict[str, Any]) -> bool:
    """Only what the desired item states is compared: server defaults are not differences."""
    return any(live.get(name) != value for name, value in desired.items())
