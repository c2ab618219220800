"""The planner's two shortcuts past generic library code, held against what they replace.

:func:`planned_change` builds a RecordChange without pydantic's generic ``model_construct``
loop, and :func:`fingerprint` encodes with an encoder built once instead of ``json.dumps``.
Both must give exactly what the generic call gives: plans compare equal, dump the same JSON,
and carry the same fingerprints (saved plans and apply compare them).
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, date, datetime
from typing import Any

import pytest

from syncset.plan.model import (
    Action,
    FieldChange,
    Reason,
    RecordChange,
    Status,
    fingerprint,
    planned_change,
)
from syncset.providers.base import Marker

MINIMAL: dict[str, Any] = {
    "kind": "team",
    "id": "dev",
    "name": "Dev",
    "status": Status.DOESNT_EXIST,
    "action": Action.CREATE,
    "managed": True,
}
FULL: dict[str, Any] = {
    **MINIMAL,
    "status": Status.EXISTS_DIFFERENCES,
    "action": Action.UPDATE,
    "changes": (FieldChange.model_construct(field="remarks", before="a", after="b"),),
    "reason": "matched by its ownership marker",
    "reason_code": Reason.MATCHED_BY_MARKER,
    "live_id": "SBX-1",
    "fingerprint": "0123456789abcdef01234567",
    "path": "environments/dev/teams/dev.yaml",
    "wave": 2,
    "deferred": ("agile_board",),
    "rekeyed_from": "ops",
}


@pytest.mark.parametrize("values", [MINIMAL, FULL, {**MINIMAL, "wave": None, "reason": ""}])
def test_a_planned_change_is_what_model_construct_and_model_validate_make(values):
    fast = planned_change(**values)
    generic = RecordChange.model_construct(**values)
    validated = RecordChange.model_validate(values)

    for other in (generic, validated):
        assert fast == other
        assert fast.__dict__ == other.__dict__
        assert list(fast.__dict__) == list(other.__dict__)  # field order: repr, iteration
        assert fast.model_fields_set == other.model_fields_set
        assert fast.model_dump() == other.model_dump()
        assert fast.model_dump_json() == other.model_dump_json()
        assert repr(fast) == repr(other)
    assert fast.__pydantic_extra__ is None and fast.__pydantic_private__ is None


def test_a_planned_change_is_frozen_like_any_record_change():
    with pytest.raises(Exception, match="frozen"):
        planned_change(**MINIMAL).reason = "changed"  # type: ignore[misc]


def test_a_planned_change_refuses_unknown_and_missing_fields():
    with pytest.raises(TypeError, match="unknown: colour; missing: none"):
        planned_change(**MINIMAL, colour="red")
    with pytest.raises(TypeError, match="unknown: none; missing: managed"):
        planned_change(**{k: v for k, v in MINIMAL.items() if k != "managed"})


def test_record_change_has_nothing_the_planned_change_shortcut_skips():
    """No aliases, default factories or post-init: what model_construct would honour."""
    for name, info in RecordChange.model_fields.items():
        assert info.alias is None and info.validation_alias is None, name
        assert info.default_factory is None, name
        hash(info.default)  # shared by every change: must be immutable
    assert not RecordChange.__pydantic_post_init__
    assert not RecordChange.__private_attributes__


def _fingerprint_as_json_dumps(fields: dict[str, Any], marker: Any, disabled: bool) -> str:
    """The digest as it was first written (plans saved since carry these values)."""
    body = {k: v for k, v in fields.items() if k not in ("created_at", "updated_at")}
    marker_body = [marker.source, marker.source_id] if marker is not None else None
    canonical = json.dumps([body, marker_body, disabled], sort_keys=True, default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()[:24]


LIVE_FIELDS: list[dict[str, Any]] = [
    {},
    {"name": "Dev", "created_at": "2026-01-01T00:00:00Z", "updated_at": "2026-01-02T00:00:00Z"},
    {
        "zeta": 1,
        "name": "Équipe ☃",
        "ratio": 0.1,
        "big": 10**20,
        "nan": float("nan"),
        "start": date(2026, 12, 25),
        "at": datetime(2026, 1, 1, tzinfo=UTC),
        "members": ["SBX-2", "SBX-1"],
        "hours": [{"weekday": "mon", "id": "SBX-9", "time_from": "08:00"}],
        "settings": {"b": None, "a": True},
        "created_at": "2026-01-01T00:00:00Z",
    },
]


@pytest.mark.parametrize("fields", LIVE_FIELDS)
@pytest.mark.parametrize("marker", [None, Marker("syncset", "dev")])
@pytest.mark.parametrize("disabled", [False, True])
def test_a_fingerprint_is_the_digest_json_dumps_gave(fields, marker, disabled):
    before = dict(fields)

    assert fingerprint(fields, marker, disabled) == _fingerprint_as_json_dumps(
        fields, marker, disabled
    )
    assert fields == before  # the live record is not changed by taking its digest


def test_a_fingerprint_value_is_pinned():
    fields = {"name": "Dev", "members": ["SBX-1"], "updated_at": "2026-01-02T00:00:00Z"}
    assert fingerprint(fields, Marker("syncset", "dev"), False) == _fingerprint_as_json_dumps(
        fields, Marker("syncset", "dev"), False
    )
    assert fingerprint(fields, Marker("syncset", "dev"), False) == "2a1c642758a034df53274b8a"
