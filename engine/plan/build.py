"""Plan: turn a resolution into the frozen :class:`syncset.plan.model.Plan`. Pure: no I/O here.

For every YAML record the status and action follow from how it matched (marker, link, natural
key or nothing) and from its differences; for every config record of the account that no YAML
record matched, from its ownership marker and the environment's policy. Changes are ordered by
the dependency graph of the records' references (:mod:`syncset.plan.order`), removals last and in
reverse.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from syncset.config.load import ENVIRONMENT_FILE
from syncset.config.yamlio import Locator
from syncset.errors import ConfigError, Problem
from syncset.model import RecordKey
from syncset.plan.diff import Difference, diff_fields
from syncset.plan.match import MatchHow, natural_key
from syncset.plan.model import (
    Action,
    FieldChange,
    MappingEntry,
    MappingState,
    Plan,
    PlanStatus,
    ProposedTarget,
    Reason,
    RecordChange,
    Selection,
    Status,
    UnmappedValue,
    Use,
    fingerprint,
    planned_change,
)
from syncset.plan.order import Order, order_records, reference_edges
from syncset.plan.removals import in_removal_order, live_id_for, only_in_account
from syncset.plan.resolve import Match, Reference, ReferenceUse, Resolution
from syncset.plan.selection import refuse_empty_selectors
from syncset.schemas import CATALOG, KindSpec
from syncset.schemas.base import top_field

KeyFilter = Callable[[RecordKey], bool]


def record_order(resolution: Resolution) -> Order:
    fields = {key: match.record.fields for key, match in resolution.matches.items()}
    edges = reference_edges(fields, walked=resolution.reference_values)
    return order_records(resolution.matches, edges)


def build_plan(
    resolution: Resolution,
    *,
    selection: Selection = Selection(),
    selected: KeyFilter | None = None,
    env_digest: str = "",
    git_commit: str | None = None,
    api_calls: int = 0,
    api_budget_remaining: int | None = None,
    now: datetime | None = None,
    account_removal: str = "both",
    rekey: bool = False,
) -> Plan:
    """The plan for ``resolution``; ``selected`` limits which records it speaks about.

    ``rekey`` (``--rekey``) consents to every re-key found, as ``moved:`` entries do to theirs.

    Raises ConfigError when a selected record changes a field the platform sets on create only.
    """
    environment = resolution.environment
    policy = environment.config.policies.only_in_account
    order = record_order(resolution)
    waves = order.wave_of()
    deferred = order.deferred_of()
    keep = selected or (lambda key: True)
    conflicts = create_only_conflicts(resolution, keep)
    if conflicts:
        raise ConfigError(conflicts)
    changes = [
        _desired_change(resolution, match, waves.get(key), deferred.get(key, ()), rekey)
        for key in order.flat()
        if keep(key) and (match := resolution.matches[key])
    ]
    only_live = [(live.kind, live_id_for(live)) for live in resolution.unmatched_live]
    refuse_empty_selectors(selection, list(resolution.matches) + only_live)
    removals = [
        only_in_account(live, policy, account_removal)
        for live in resolution.unmatched_live
        if keep((live.kind, live_id_for(live)))
    ]
    removals = in_removal_order(removals, resolution.unmatched_live)
    all_changes = changes + removals
    references = [r for r in resolution.references.values() if _used_by_selected(r.used_by, keep)]
    unmapped = [r for r in references if r.state is MappingState.UNMAPPED]
    return Plan(
        environment=environment.name,
        account=resolution.live.account,
        status=PlanStatus.BEING_PREPARED if unmapped else PlanStatus.PREPARED,
        created_at=(now or datetime.now(UTC)).strftime("%Y-%m-%dT%H:%M:%SZ"),
        git_commit=git_commit,
        env_digest=env_digest,
        policy=policy,
        selection=selection,
        summary=_summary(all_changes),
        unmapped=tuple(
            UnmappedValue(
                value=r.value, kind=r.kind, used_by=_uses(r.used_by), proposed=_proposed(r)
            )
            for r in unmapped
        ),
        mappings=tuple(
            MappingEntry(
                kind=r.kind,
                value=r.value,
                state=r.state,
                target=r.target,
                used_by=_uses(r.used_by),
            )
            for r in references
        ),
        changes=tuple(all_changes),
        api_calls=api_calls,
        api_budget_remaining=api_budget_remaining,
    )


def create_only_conflicts(resolution: Resolution, keep: KeyFilter) -> list[Problem]:
    """A create-only field (a UI extension's category) that differs from the account's record:
    apply could not write it, so the plan refuses, naming the record, both values and what to do.
    """
    problems: list[Problem] = []
    locator = Locator(resolution.environment.root)
    for key, match in resolution.matches.items():
        spec = CATALOG[key[0]]
        if not spec.create_only or match.live is None or not keep(key):
            continue
        desired = resolution.desired[key]
        live = resolution.comparable(key) or {}
        for name in sorted(spec.create_only & set(desired)):
            if desired[name] == live.get(name):
                continue
            record = match.record
            line, col = locator.position(
                record.origin.path, record.origin.document, (name,), at_value=True
            )
            message = (
                f"{name} cannot change once {_a(spec.title)} exists ({spec.title} records get "
                f"it on create only): the account has {live.get(name)!r}, the YAML says "
                f"{desired[name]!r}; write {name}: {live.get(name)}, or give the record a new "
                f"id so that apply creates a new {spec.title} (the old one is then only in "
                "the account)"
            )
            problems.append(Problem(record.origin.path, line, col, message, record.ref, name))
    return problems


def _a(title: str) -> str:
    return f"an {title}" if title[:1] in "aeiouAEIO" else f"a {title}"


def _versioned_note(spec: KindSpec, differences: list[Difference]) -> str:
    """``; html, css: written as a new version, which apply activates`` (UI extensions)."""
    if not (spec.versioned and differences):
        return ""
    changed = sorted({top_field(d.field) for d in differences} & set(spec.versioned))
    if not changed:
        return ""
    return f"; {', '.join(changed)}: written as a new version, which apply activates"


def _uses(uses: list[ReferenceUse]) -> tuple[Use, ...]:
    return tuple(Use(record=u.record, field=u.field) for u in uses)


def _proposed(reference: Reference) -> ProposedTarget | None:
    proposal = reference.proposal
    if proposal is None:
        return None
    return ProposedTarget(target=proposal.target, score=proposal.score, matched=proposal.matched)


def _used_by_selected(uses: list[ReferenceUse], keep: KeyFilter) -> bool:
    return any(keep(_key_of(u.record)) for u in uses)


def _key_of(ref: str) -> RecordKey:
    kind, _, record_id = ref.partition("/")
    return (kind, record_id)


def _desired_change(
    resolution: Resolution,
    match: Match,
    wave: int | None,
    deferred: tuple[str, ...],
    rekey: bool,
) -> RecordChange:
    record = match.record
    key = record.key
    spec = CATALOG[record.kind]
    desired = resolution.desired[key]
    live = match.live
    differences = diff_fields(spec, desired, resolution.comparable(key), record.secrets)
    common = {
        "kind": record.kind,
        "id": record.id,
        "name": str(natural_key(spec, record.fields)[0]),
        "path": record.origin.path,
        "wave": wave,
        "changes": tuple(_field_change(d) for d in differences),
    }
    if match.duplicates:
        return _duplicate(common, match.duplicates)
    if live is None:
        reason = "not in the account: it will be created" + _versioned_note(spec, differences)
        if deferred:
            reason += f"; {', '.join(deferred)} set later, once the records they need exist"
        return planned_change(
            **common,
            status=Status.DOESNT_EXIST,
            action=Action.CREATE,
            managed=True,
            reason=reason,
            reason_code=Reason.NOT_IN_ACCOUNT,
            deferred=deferred,
        )
    status = Status.EXISTS_DIFFERENCES if differences else Status.EXISTS_NO_DIFFERENCES
    found = {
        "live_id": live.live_id,
        "fingerprint": fingerprint(live.fields, live.marker, live.disabled),
        "status": status,
    }
    if match.how is MatchHow.REKEY:
        consent = "moved: in environment.yaml" if match.moved else "--rekey" if rekey else ""
        config = f"{resolution.environment.relative_folder}/{ENVIRONMENT_FILE}"
        return _rekeyed(common, found, match, spec, differences, consent, deferred, config)
    if match.how is MatchHow.MARKER:
        action = Action.UPDATE if differences else Action.NONE
        renamed = any(d.field in spec.natural_key for d in differences)
        reason = "matched by its ownership marker" + (" (renamed)" if renamed else "")
        reason += _versioned_note(spec, differences)
        return planned_change(
            **common,
            **found,
            action=action,
            managed=True,
            reason=reason,
            reason_code=Reason.RENAMED if renamed else Reason.MATCHED_BY_MARKER,
            deferred=deferred if action is Action.UPDATE else (),
        )
    linked = match.how is MatchHow.LINK
    how = "linked in mappings.yaml" if linked else f"same {spec.natural_key[0]}"
    owner = f", taking it over from {live.marker.source!r}" if live.marker else ""
    owner += _renamed_note(spec, differences)
    return planned_change(
        **common,
        **found,
        action=Action.ADOPT,
        deferred=deferred,
        managed=False,
        reason_code=Reason.ADOPTED_BY_LINK if linked else Reason.ADOPTED_BY_NATURAL_KEY,
        reason=f"exists without the ownership marker ({how}): it will be adopted{owner}"
        + _versioned_note(spec, differences),
    )


def _rekeyed(
    common: dict[str, Any],
    found: dict[str, Any],
    match: Match,
    spec: KindSpec,
    differences: list[Difference],
    consent: str,
    deferred: tuple[str, ...],
    config: str,
) -> RecordChange:
    """A record whose YAML id changed, its twin still under the old id's marker: with consent
    an update that rewrites the marker, without it a record apply leaves alone (never a create
    that collides with the twin's name, never a removal of the twin)."""
    kind, new, old = common["kind"], common["id"], match.rekeyed_from
    values = {**common, **found, "status": Status.REKEYED, "managed": True, "rekeyed_from": old}
    if consent:
        reason = (
            f"re-key consented ({consent}): apply rewrites its ownership marker from "
            f"{kind}/{old} to {kind}/{new}"
            + _renamed_note(spec, differences)
            + _versioned_note(spec, differences)
        )
        return planned_change(
            **values,
            action=Action.UPDATE,
            reason=reason,
            reason_code=Reason.REKEYED,
            deferred=deferred,
        )
    reason = (
        f"re-keyed from {kind}/{old}: the account's record carries the marker of {kind}/{old}, "
        f"which the YAML no longer has; add `moved: [{{from: {kind}/{old}, to: {kind}/{new}}}]` "
        f"to {config} or run with --rekey to move it; until then apply writes nothing for it "
        f"(no create, no removal of {kind}/{old})"
    )
    return planned_change(
        **values, action=Action.NONE, reason=reason, reason_code=Reason.REKEY_UNCONFIRMED
    )


def _renamed_note(spec: KindSpec, differences: list[Difference]) -> str:
    """``, and renamed from 'CRM (production)' to 'CRM'``: a link binds a record whose natural
    key differs, and adopting it writes the YAML's name; the plan says so in words."""
    renames = [d for d in differences if d.field in spec.natural_key]
    return "".join(f", and renamed from {d.before!r} to {d.after!r} ({d.field})" for d in renames)


def _duplicate(common: dict[str, Any], live_ids: tuple[str, ...]) -> RecordChange:
    """A record whose marker two or more live records carry: reported, never written."""
    return planned_change(
        **common,
        status=Status.DUPLICATE,
        action=Action.NONE,
        managed=True,
        live_id=live_ids[0],
        reason_code=Reason.DUPLICATE_MARKER,
        reason=f"{len(live_ids)} records of the account carry its ownership marker (live ids "
        f"{', '.join(live_ids)}): apply leaves it alone until all but one are deleted, disabled "
        "and unmarked, or merged in the account; then plan again",
    )


def _field_change(difference: Difference) -> FieldChange:
    return FieldChange.model_construct(
        field=difference.field,
        before=difference.before,
        after=difference.after,
        sensitive=difference.sensitive,
    )


def _summary(changes: list[RecordChange]) -> dict[str, dict[str, int]]:
    summary: dict[str, dict[str, int]] = {}
    for change in changes:
        counts = summary.setdefault(change.kind, {})
        key = change.summary_key
        counts[key] = counts.get(key, 0) + 1
    return dict(sorted(summary.items()))
