"""Child collections (calendar hours, board columns): from a desired list to the parent's inputs.

The engine hands a provider the *whole* desired list; the API wants only the changes, as new
items (``newCalendarHours``/``newColumns``) and ids to drop (``…ToDelete``). Items are matched by
the kind's child key (a column by name, an hour by weekday and start), so an unchanged item keeps
its live id, as :func:`syncset.providers.sandbox.provider._with_child_ids` does.

Calendar hours have no ``id`` in every account's schema. Without ids the client cannot name an
hour to delete, so a change sends the whole desired set in ``newCalendarHours``, on the
assumption that the API then replaces the calendar's hours. That is unverified: the provider
reads the result back and :func:`appended` tells whether the account kept the old hours too.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from syncset.providers.xurrent.queries import ChildMap, to_input


def diff_children(
    child: ChildMap, desired: list[dict[str, Any]], live: list[dict[str, Any]]
) -> tuple[list[dict[str, Any]], list[str]]:
    """``(new items as inputs, live ids to delete)`` that turn ``live`` into ``desired``.

    A changed item is sent with its id when the API updates items in place (board columns);
    otherwise (calendar hours) the old item is deleted and a new one added. Without item ids the
    whole desired set is sent, and nothing can be deleted.
    """
    if not child.ids:
        wanted = [{k: v for k, v in item.items() if k != "id"} for item in desired]
        return [to_input(child.fields, values) for values in wanted], []
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


def appended(
    child: ChildMap, desired: list[dict[str, Any]], result: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """The items the account holds beyond ``desired`` after a whole set was sent without ids:
    empty when it replaced the set, the old items when it appended the new ones to them."""
    wanted = Counter(_item(child, item) for item in desired)
    extra = []
    for item in result:
        key = _item(child, item)
        if wanted[key] > 0:
            wanted[key] -= 1
        else:
            extra.append(item)
    return extra


def _item(child: ChildMap, item: dict[str, Any]) -> tuple[Any, ...]:
    return tuple(item.get(f.name) for f in child.fields)


def _key(child: ChildMap, item: dict[str, Any]) -> tuple[Any, ...]:
    return tuple(item.get(k) for k in child.key)


def _differs(desired: dict[str, Any], live: dict[str, Any]) -> bool:
    """Only what the desired item states is compared: server defaults are not differences."""
    return any(live.get(name) != value for name, value in desired.items())
