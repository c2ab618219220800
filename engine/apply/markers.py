"""Apply's marker re-check: no record created twice, even by two runners at once.

Two checkouts applying one environment each hold their own lock, so both may plan the same
create. Right before a batch of creates is sent, the markers it is about to write are looked up
in the account (:meth:`Provider.find_by_markers`: one list-by-marker query per kind and page).
A marker found there was created by someone else since our read: the applier updates that
record instead, or reports the duplicates when there are several.

That leaves a window of one request: two runners whose re-checks both run before either create
lands. Where the platform keeps names unique, the second create is refused and the applier
finds the first by its marker and updates it. Elsewhere both copies land, so the same query,
sent again once a batch has landed, *verifies* it: the copy listed first is the one created
first (the providers list a marker's records in the account's order of creation), every
runner keeps that one, and a runner whose own copy came later releases it (disables it and
clears its marker). Two runners agree without talking: the one that saw only its own copy
created it first. docs/ci.md says how the shipped CI workflows keep runners apart anyway.
"""

from __future__ import annotations

from syncset.errors import ProviderError
from syncset.plan.match import MatchHow
from syncset.plan.model import RecordChange
from syncset.plan.resolve import Match
from syncset.providers.base import MARKER_SOURCE, LiveRecord, Marker, Provider
from syncset.schemas import KindSpec

Appeared = dict[str, list[LiveRecord] | str]
"""Ref → the live records carrying its marker, or why the re-check could not look."""


def recheck_markers(provider: Provider, creates: list[RecordChange]) -> Appeared:
    """The markers of ``creates`` that the account already holds, one query per kind."""
    by_kind: dict[str, list[Marker]] = {}
    for change in creates:
        by_kind.setdefault(change.kind, []).append(Marker(MARKER_SOURCE, change.id))
    appeared: Appeared = {}
    for kind, markers in by_kind.items():
        try:
            found = provider.find_by_markers(kind, markers)
        except ProviderError as exc:
            appeared.update({f"{kind}/{m.source_id}": str(exc) for m in markers})
            continue
        appeared.update({f"{kind}/{m.source_id}": records for m, records in found.items()})
    return appeared


def duplicated(live_ids: tuple[str, ...]) -> str:
    """Why a record whose marker several live records carry is not written."""
    return (
        f"{len(live_ids)} records of the account carry its ownership marker "
        f"({', '.join(live_ids)}): resolve them in the account, then plan again"
    )


def refusal(change: RecordChange, match: Match) -> str:
    """Why the fresh read forbids writing ``change``, or "": several records carry its marker,
    or its twin carries an old id's marker and the plan does not move that one (a saved plan
    made before the re-key was found)."""
    if match.duplicates:
        return duplicated(match.duplicates)
    if match.how is MatchHow.REKEY and change.rekeyed_from != match.rekeyed_from:
        return (
            f"the account's record carries the ownership marker of {change.kind}/"
            f"{match.rekeyed_from}, which this plan does not move: plan again (with moved: or "
            "--rekey to move it)"
        )
    return ""


def later_copies(
    found: Appeared, created: dict[str, str], ordered: bool
) -> dict[str, tuple[LiveRecord, int]]:
    """Ref → (the copy to keep, how many copies) for each record of ``created`` (ref → the live
    id we created) whose copy is not the one to keep. ``ordered``: the provider lists oldest
    first, so the first is kept (another runner's landed before ours). Otherwise the copy with
    the smallest live id is kept: every runner that sees both agrees, and one that saw only its
    own keeps it, so at worst two stay (the next plan reports them), never none."""
    later: dict[str, tuple[LiveRecord, int]] = {}
    for ref, own in created.items():
        copies = found.get(ref)
        if not isinstance(copies, list) or len(copies) < 2:
            continue
        keep = copies[0] if ordered else min(copies, key=lambda c: c.live_id)
        if keep.live_id != own:
            later[ref] = (keep, len(copies))
    return later


def released_fields(spec: KindSpec) -> dict[str, bool]:
    """What a released copy is sent besides its cleared marker: disabled where it can be."""
    return {"disabled": True} if spec.removal == "disable" else {}


def released(spec: KindSpec, own: str, first: LiveRecord, copies: int) -> str:
    """The result of a record another runner created at the same moment as we did."""
    done = "disabled and unmarked" if spec.removal == "disable" else "unmarked"
    if spec.removal == "delete":
        done = "deleted"
    note = "" if spec.removal != "none" else f" (remove it by hand: {spec.removal_note})"
    return (
        f"another runner created it at the same moment ({copies} copies): the first, "
        f"{first.live_id}, is kept; ours, {own}, was {done}{note}"
    )
