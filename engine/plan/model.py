"""The plan: immutable data that says, record by record, what apply would do and why.

A plan is built by :mod:`syncset.plan.build`, rendered by :mod:`syncset.render`, and executed by
:mod:`syncset.apply.run`; none of them changes it. It is saved as JSON with a ``format_version``
and a checksum, so that a file from another version, for another environment, or edited by hand is
refused with a message instead of being half-understood. Secret values are never in a plan: a
sensitive change carries ``sensitive: true`` and no values.

The JSON contract (stable; documented in docs/plan-format.md): ``format_version``,
``environment``, ``status``, ``summary``, ``unmapped``, ``changes`` (each with ``kind``, ``id``,
``status``, ``action``, ``changes`` of ``{field, before, after}``), ``api_calls``, and more.
"""

from __future__ import annotations

import hashlib
import json
from enum import StrEnum
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from syncset.errors import PlanFileError
from syncset.safepath import atomic_write_text
from syncset.secrets import SECRETS

FORMAT_VERSION = 1


class Status(StrEnum):
    """How a record of the YAML and the account compare (the seeds' words)."""

    EXISTS_NO_DIFFERENCES = "exists_no_differences"
    EXISTS_DIFFERENCES = "exists_differences"
    DOESNT_EXIST = "doesnt_exist"
    ONLY_IN_ACCOUNT = "only_in_account"
    DUPLICATE = "duplicate"
    """Two or more live records carry the record's ownership marker: apply writes none."""
    REKEYED = "rekeyed"
    """The record's id changed in the YAML: its live twin carries the old id's marker. Apply
    rewrites the marker (action ``update``) only with consent (``moved:`` or ``--rekey``)."""


class Reason(StrEnum):
    """Why a record gets its action, as a code: what tools and code may decide on. The
    change's ``reason`` says it in words, for people only (as Terraform's reasons)."""

    NOT_IN_ACCOUNT = "not_in_account"
    MATCHED_BY_MARKER = "matched_by_marker"
    RENAMED = "renamed"
    """Matched by its marker, and its natural key changed."""
    ADOPTED_BY_LINK = "adopted_by_link"
    ADOPTED_BY_NATURAL_KEY = "adopted_by_natural_key"
    NOT_MANAGED = "not_managed"
    CANNOT_BE_REMOVED = "cannot_be_removed"
    """Managed, left the YAML, and of a kind the platform can neither disable nor delete."""
    KEPT_BY_POLICY = "kept_by_policy"
    ALREADY_DISABLED = "already_disabled"
    REMOVED_BY_POLICY = "removed_by_policy"
    DELETE_UNAVAILABLE = "delete_unavailable"
    """The policy says delete, the kind can only be disabled: it is disabled, and the plan says
    so (never a silent downgrade)."""
    DUPLICATE_MARKER = "duplicate_marker"
    """Several live records carry the marker: one must be resolved in the account first."""
    REKEYED = "rekeyed"
    """Re-keyed with consent: apply rewrites the marker to the new id (and the differences)."""
    REKEY_UNCONFIRMED = "rekey_unconfirmed"
    """Re-keyed without consent: apply writes nothing (no create, no removal of the old id)."""


class MappingState(StrEnum):
    """What a reference-data value of the YAML means in the account."""

    MAPPED = "mapped"
    AUTOMATIC = "automatic"
    UNMAPPED = "unmapped"
    MISSING_TARGET = "missing_target"


class Action(StrEnum):
    """What apply will do to the record."""

    NONE = "none"
    CREATE = "create"
    UPDATE = "update"
    ADOPT = "adopt"
    DISABLE = "disable"
    DELETE = "delete"


class PlanStatus(StrEnum):
    BEING_PREPARED = "being_prepared"
    PREPARED = "prepared"


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class FieldChange(_Frozen):
    field: str
    before: Any = None
    after: Any = None
    sensitive: bool = False


class RecordChange(_Frozen):
    kind: str
    id: str
    name: str
    status: Status
    action: Action
    managed: bool
    changes: tuple[FieldChange, ...] = ()
    reason: str = ""
    """Why, in words: for people only, never read by apply (as Terraform's reasons)."""
    reason_code: Reason | None = None
    """Why, as a code (absent from plans saved before it existed)."""
    live_id: str | None = None
    fingerprint: str | None = None
    """Digest of the live record as read: apply re-reads and refuses a record that changed."""
    path: str | None = None
    wave: int | None = None
    deferred: tuple[str, ...] = ()
    """References left out at create to break a cycle; set by an update in a later wave."""
    rekeyed_from: str | None = None
    """The old id whose marker the live record carries (status ``rekeyed``): apply of an
    ``update`` rewrites the marker to ``id``; a saved plan carries the move this way."""

    @property
    def ref(self) -> str:
        return f"{self.kind}/{self.id}"

    @property
    def summary_key(self) -> str:
        if self.status is Status.ONLY_IN_ACCOUNT:
            return "only_in_account_managed" if self.managed else "only_in_account_unmanaged"
        return self.status.value


class Use(_Frozen):
    record: str
    field: str


class ProposedTarget(_Frozen):
    """What ``map --suggest`` proposed for an unmapped value, awaiting review."""

    target: str
    score: float
    matched: str = ""


class UnmappedValue(_Frozen):
    value: str
    kind: str
    used_by: tuple[Use, ...]
    proposed: ProposedTarget | None = None
    """A proposal in mappings.yaml awaiting review: the value is unmapped until it is accepted
    (absent from plans saved before proposals existed)."""


class MappingEntry(_Frozen):
    kind: str
    value: str
    state: MappingState
    target: str | None = None
    used_by: tuple[Use, ...] = ()


class Selection(_Frozen):
    kinds: tuple[str, ...] = ()
    ids: tuple[str, ...] = ()
    sync_set: str | None = None
    changed_since: str | None = None

    @property
    def everything(self) -> bool:
        return not (self.kinds or self.ids or self.sync_set or self.changed_since)


class Plan(_Frozen):
    format_version: int = FORMAT_VERSION
    environment: str
    account: str
    status: PlanStatus
    created_at: str
    git_commit: str | None = None
    env_digest: str
    """Digest of the environment folder's files: apply refuses a plan when it changed."""
    policy: str = "keep"
    selection: Selection = Field(default_factory=Selection)
    summary: dict[str, dict[str, int]]
    unmapped: tuple[UnmappedValue, ...] = ()
    mappings: tuple[MappingEntry, ...] = ()
    changes: tuple[RecordChange, ...] = ()
    api_calls: int = 0
    api_budget_remaining: int | None = None
    checksum: str = ""

    @property
    def pending(self) -> list[RecordChange]:
        return [c for c in self.changes if c.action is not Action.NONE]

    @property
    def duplicates(self) -> list[RecordChange]:
        """Records apply will not write: two or more live records carry their marker."""
        return [c for c in self.changes if c.status is Status.DUPLICATE]

    @property
    def unconfirmed_rekeys(self) -> list[RecordChange]:
        """Re-keyed records without consent: shown, never written, until ``moved:``/``--rekey``."""
        return [c for c in self.changes if c.reason_code is Reason.REKEY_UNCONFIRMED]

    @property
    def refused(self) -> list[RecordChange]:
        """Records apply refuses to write: duplicates and re-keys without consent."""
        return self.duplicates + self.unconfirmed_rekeys

    @property
    def left_in_account(self) -> list[RecordChange]:
        """Managed records no longer in YAML that stay as they are: kept by the policy, or of a
        kind the platform cannot remove (the reason says what to do)."""
        return [
            c
            for c in self.changes
            if c.status is Status.ONLY_IN_ACCOUNT
            and c.managed
            and c.action is Action.NONE
            and c.reason_code in (Reason.CANNOT_BE_REMOVED, Reason.KEPT_BY_POLICY)
        ]

    @property
    def awaiting_review(self) -> list[UnmappedValue]:
        """Unmapped values with a proposal in mappings.yaml (``syncset map ENV --accept``)."""
        return [u for u in self.unmapped if u.proposed is not None]

    @property
    def has_changes(self) -> bool:
        return bool(self.pending)

    @property
    def out_of_sync(self) -> bool:
        """What ``plan --detailed-exitcode`` exits 2 for: pending changes, references still to
        map, re-keys waiting for consent, or duplicates to resolve in the account (the account
        does not match, and apply alone won't make it)."""
        return (
            self.has_changes
            or bool(self.unmapped)
            or bool(self.unconfirmed_rekeys)
            or bool(self.duplicates)
        )

    def computed_checksum(self) -> str:
        """The checksum the plan's JSON carries (saved plans also hold it in ``checksum``)."""
        return _checksum(self._body())

    def to_json(self) -> str:
        """The plan file: every string through the secret masker, then the checksum."""
        body = SECRETS.mask_tree(self._body())
        body["checksum"] = _checksum(body)
        return json.dumps(body, indent=2, ensure_ascii=False) + "\n"

    def save(self, path: Path) -> None:
        atomic_write_text(path, self.to_json())

    def _body(self) -> dict[str, Any]:
        """The JSON body without the checksum. ``rekeyed_from`` is written only where a record
        is re-keyed, so every other change (and the checksum of plans saved before it
        existed) reads as it did. Dropped here, not by a wrap serializer: that makes a dump
        5 times slower."""
        body = self.model_dump(mode="json", exclude={"checksum"})
        for change in body["changes"]:
            if change.get("rekeyed_from") is None:
                change.pop("rekeyed_from", None)
        return body


def _checksum(body: dict[str, Any]) -> str:
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return "sha256:" + hashlib.sha256(canonical.encode()).hexdigest()


def load_plan(path: Path, shown: str | None = None) -> Plan:
    """Read a saved plan, refusing other format versions and hand-edited files."""
    name = shown or str(path)
    try:
        body = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise PlanFileError(f"{name}: cannot read plan file: {exc.strerror}") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise PlanFileError(f"{name}: not a plan file (invalid JSON: {exc})") from None
    except RecursionError:
        raise PlanFileError(f"{name}: not a plan file (JSON nested too deeply)") from None
    if not isinstance(body, dict) or "format_version" not in body:
        raise PlanFileError(f"{name}: not a plan file (no format_version)")
    if body["format_version"] != FORMAT_VERSION:
        raise PlanFileError(
            f"{name}: plan format_version {body['format_version']} is not supported (this "
            f"syncset writes {FORMAT_VERSION}): plan again with this version"
        )
    stated = body.pop("checksum", None)
    if stated != _checksum(body):
        raise PlanFileError(
            f"{name}: checksum does not match: the plan was edited after it was written; "
            "plan again instead of editing the file"
        )
    try:
        return Plan.model_validate({**body, "checksum": stated})
    except ValidationError as exc:
        raise PlanFileError(f"{name}: not a valid plan: {exc.errors()[0]['msg']}") from None


def planned_change(**values: Any) -> RecordChange:
    """A RecordChange built from values the planner made itself, without re-validating them
    (saved plans are still validated when they are loaded).

    What ``RecordChange.model_construct(**values)`` makes (the same ``__dict__`` in field
    order, defaults filled in, ``model_fields_set`` the names given), in half its time: a plan
    makes one per record, and pydantic's generic loop looks for aliases and default factories
    RecordChange does not have (tests/unit/test_plan_shortcuts.py holds the two side by side).
    Unlike model_construct, a name that is not a field, or a required field left out, is an
    error: neither is left for apply to trip over.
    """
    given = values.keys()
    if not (given >= _CHANGE_REQUIRED and given <= _CHANGE_NAMES):
        unknown = ", ".join(sorted(given - _CHANGE_NAMES)) or "none"
        missing = ", ".join(sorted(_CHANGE_REQUIRED - given)) or "none"
        raise TypeError(f"RecordChange fields unknown: {unknown}; missing: {missing}")
    change = _new_change(RecordChange)
    filled = _CHANGE_TEMPLATE.copy()  # every field, in order: update keeps that order
    filled.update(values)
    _object_setattr(change, "__dict__", filled)
    _object_setattr(change, "__pydantic_fields_set__", set(values))
    _object_setattr(change, "__pydantic_extra__", None)
    _object_setattr(change, "__pydantic_private__", None)
    return change


_new_change = RecordChange.__new__
_object_setattr = object.__setattr__
_CHANGE_DEFAULTS = {
    name: info.get_default()
    for name, info in RecordChange.model_fields.items()
    if not info.is_required()
}
_CHANGE_NAMES = frozenset(RecordChange.model_fields)
_CHANGE_REQUIRED = _CHANGE_NAMES - _CHANGE_DEFAULTS.keys()
_CHANGE_TEMPLATE = {name: _CHANGE_DEFAULTS.get(name) for name in RecordChange.model_fields}
"""Each field with its default (None for a required one, which is always given)."""


_CANONICAL = json.JSONEncoder(sort_keys=True, default=str)
"""What ``json.dumps(value, sort_keys=True, default=str)`` encodes with, built once: the
digests of saved plans depend on these exact bytes, so keep every option as it is."""


def fingerprint(fields: dict[str, Any], marker: Any, disabled: bool) -> str:
    """A digest of a live record as read (timestamps excluded: reading must not stale a plan)."""
    body = dict(fields)
    body.pop("created_at", None)
    body.pop("updated_at", None)
    marker_body = [marker.source, marker.source_id] if marker is not None else None
    canonical = _CANONICAL.encode([body, marker_body, disabled])
    return hashlib.sha256(canonical.encode()).hexdigest()[:24]
