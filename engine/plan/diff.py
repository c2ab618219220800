"""Diff: field-level differences between a desired record and its live twin, both in YAML terms.

Only what the YAML declares is compared (server-filled fields, timestamps and ids never are);
id lists arrive sorted (they are sets); child collections are matched by their key and compared
item by item. Plain equality runs first: DeepDiff costs about 2 ms a record, so it only looks at
nested mappings that are known to differ. Secret values never leave this module: a change to a
sensitive field carries no values, only ``sensitive=True``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from syncset.schemas import ChildSpec, KindSpec
from syncset.secrets import within_secret


@dataclass(frozen=True)
class Difference:
    """One changed field: ``before`` is the live value, ``after`` the desired one."""

    field: str
    before: Any
    after: Any
    sensitive: bool = False


def _masked(field: str, before: Any, after: Any, secrets: frozenset[str]) -> Difference:
    if within_secret(field, secrets):
        return Difference(field, None, None, sensitive=True)
    return Difference(field, before, after)


def diff_fields(
    spec: KindSpec,
    desired: dict[str, Any],
    live: dict[str, Any] | None,
    secrets: frozenset[str] = frozenset(),
) -> list[Difference]:
    """Differences between ``desired`` and ``live`` (None: the record does not exist yet)."""
    if live is None:
        created: list[Difference] = []
        for name, value in desired.items():
            child = spec.children.get(name)
            if child is not None:
                created.extend(_diff_children(child, [], value or [], secrets))
            else:
                created.append(_masked(name, None, value, secrets))
        return created
    if desired == live:
        return []
    differences: list[Difference] = []
    for name, after in desired.items():
        before = live.get(name)
        if before == after:
            continue
        child = spec.children.get(name)
        if child is not None:
            differences.extend(_diff_children(child, before or [], after or [], secrets))
        elif isinstance(before, dict) and isinstance(after, dict):
            differences.extend(_diff_mapping(name, before, after, secrets))
        else:
            differences.append(_masked(name, before, after, secrets))
    return differences


def _diff_mapping(
    name: str, before: dict[str, Any], after: dict[str, Any], secrets: frozenset[str]
) -> list[Difference]:
    """Per-key differences of a mapping-valued field (e.g. a connection's settings)."""
    from deepdiff import DeepDiff  # imported here: it costs 0.3 s of every command's start

    delta = DeepDiff(before, after, ignore_order=True, view="tree")
    keys = sorted(
        {str(level.path(output_format="list")[0]) for group in delta.values() for level in group}
    )
    return [_masked(f"{name}.{key}", before.get(key), after.get(key), secrets) for key in keys]


def child_label(child: ChildSpec, item: dict[str, Any]) -> str:
    """``hours[monday 08:00]``: a child item named by its key, stable across reorders."""
    return f"{child.field}[{' '.join(str(item.get(k)) for k in child.key)}]"


def _diff_children(
    child: ChildSpec,
    live_items: list[dict[str, Any]],
    desired_items: list[dict[str, Any]],
    secrets: frozenset[str],
) -> list[Difference]:
    def key(item: dict[str, Any]) -> tuple[Any, ...]:
        return tuple(item.get(k) for k in child.key)

    live_by_key = {key(item): item for item in live_items}
    desired_keys = {key(item) for item in desired_items}
    differences: list[Difference] = []
    for index, item in enumerate(desired_items):
        label = child_label(child, item)
        current = live_by_key.get(key(item))
        if current is None:
            secret = within_secret(f"{child.field}[{index}]", secrets) or any(
                item.get(name) is not None for name in child.sensitive
            )
            differences.append(Difference(label, None, None if secret else item, secret))
            continue
        for name, after in item.items():
            before = current.get(name)
            if before != after:
                path = f"{child.field}[{index}].{name}"
                shown = _masked(path, before, after, secrets)
                differences.append(Difference(f"{label}.{name}", *_values(shown), shown.sensitive))
    for item in live_items:
        if key(item) not in desired_keys:
            secret = any(item.get(name) is not None for name in child.sensitive)
            differences.append(
                Difference(child_label(child, item), None if secret else item, None, secret)
            )
    return differences


def _values(difference: Difference) -> tuple[Any, Any]:
    return difference.before, difference.after
