"""Records only in the account: what becomes of each (untouched, kept, disabled, deleted) and
in which order removals run. Part of the planner (:mod:`syncset.plan.build`); pure, no I/O.

A record no YAML record matched is the environment's to remove only when it carries the
ownership marker; then the kind, the account and ``policies.only_in_account`` decide, and a
policy the platform cannot meet is stated in the reason, never downgraded in silence.
"""

from __future__ import annotations

import re
from typing import Any

from syncset.model import RecordKey
from syncset.plan.match import natural_key
from syncset.plan.model import (
    Action,
    FieldChange,
    Reason,
    RecordChange,
    Status,
    fingerprint,
    planned_change,
)
from syncset.plan.order import order_records, reference_edges
from syncset.providers.base import LiveRecord
from syncset.schemas import CATALOG


def only_in_account(live: LiveRecord, policy: str, account_removal: str) -> RecordChange:
    spec = CATALOG[live.kind]
    managed = live.owned_by()
    common = {
        "kind": live.kind,
        "id": live_id_for(live),
        "name": str(natural_key(spec, live.fields)[0]),
        "status": Status.ONLY_IN_ACCOUNT,
        "live_id": live.live_id,
        "fingerprint": fingerprint(live.fields, live.marker, live.disabled),
        "managed": managed,
    }
    if not managed:
        reason = "not managed by syncset: untouched"
        return planned_change(
            **common, action=Action.NONE, reason=reason, reason_code=Reason.NOT_MANAGED
        )
    if spec.removal == "none":
        reason = f"managed, no longer in YAML: {spec.removal_note}"
        code = Reason.CANNOT_BE_REMOVED
        return planned_change(**common, action=Action.NONE, reason=reason, reason_code=code)
    if policy == "keep":
        reason = "managed, no longer in YAML; kept (policies.only_in_account: keep)"
        code = Reason.KEPT_BY_POLICY
        return planned_change(**common, action=Action.NONE, reason=reason, reason_code=code)
    deletable = spec.removal == "delete" and account_removal in ("delete", "both")
    action = Action.DELETE if policy == "delete" and deletable else Action.DISABLE
    if action is Action.DISABLE and live.disabled:
        reason, code = "managed, already disabled", Reason.ALREADY_DISABLED
        return planned_change(**common, action=Action.NONE, reason=reason, reason_code=code)
    reason = f"managed, no longer in YAML: {action.value} (policies.only_in_account: {policy})"
    if policy == "delete" and action is Action.DISABLE:
        reason = (
            f"managed, no longer in YAML: delete is not available for {spec.name} records "
            f"({'this account' if spec.removal == 'delete' else 'the platform'} can only "
            f"disable them), so it will be disabled instead (policies.only_in_account: {policy})"
        )
        code = Reason.DELETE_UNAVAILABLE
    else:
        code = Reason.REMOVED_BY_POLICY
    changes: tuple[FieldChange, ...] = ()
    if action is Action.DISABLE:
        changes = (FieldChange.model_construct(field="disabled", before=live.disabled, after=True),)
    return planned_change(**common, action=action, reason=reason, reason_code=code, changes=changes)


def live_id_for(live: LiveRecord) -> str:
    """The id a live-only record is shown by: its marker's id, or a slug of its natural key."""
    if live.marker is not None and live.owned_by():
        return live.marker.source_id
    return slugify(str(natural_key(CATALOG[live.kind], live.fields)[0]))


def slugify(text: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    # Strip again after the cut: an id ending in "-" would not match SLUG_PATTERN.
    return slug[:120].strip("-") or "record"


def in_removal_order(
    removals: list[RecordChange], unmatched: list[LiveRecord]
) -> list[RecordChange]:
    """Removals in reverse topological order of the graph creates are ordered by
    (``order.reference_edges`` / ``order_records``), built over the live records' references:
    a record goes before the records it references (a team before its agile board), so that
    nothing is left pointing at a record already removed."""
    by_live_id = {live.live_id: live for live in unmatched}

    def target_of(kind: str, value: Any) -> RecordKey | None:
        target = by_live_id.get(str(value))
        return None if target is None or target.kind != kind else (kind, target.live_id)

    fields = {(live.kind, live.live_id): live.fields for live in unmatched}
    wave = order_records(fields, reference_edges(fields, target_of)).wave_of()
    kinds = CATALOG.names()

    def position(change: RecordChange) -> tuple[int, int, str, str]:
        # Later waves first; records of one wave do not depend on each other, so they keep
        # the reverse catalog order they have always had.
        depth = wave.get((change.kind, change.live_id or ""), 0)
        return (-depth, -kinds.index(change.kind), change.kind, change.id)

    return sorted(removals, key=position)
