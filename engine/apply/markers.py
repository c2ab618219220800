"""Apply's marker re-check: no record created twice, even by two runners at once.

Two checkouts applying one environment each hold their own lock, so both may plan the same
create. Right before a batch of creates is sent, the markers it is about to write are looked up
in the account (:meth:`Provider.find_by_markers`: one list-by-marker query per kind and page).
A marker found there was created by someone else since our read: the applier updates that
record instead, or reports the duplicates when there are several. What remains is a window of
one request: two runners whose re-checks both run before either create lands (docs/ci.md says
how the shipped CI workflows keep runners of one environment apart).
"""

from __future__ import annotations

from syncset.errors import ProviderError
from syncset.plan.match import MatchHow
from syncset.plan.model import RecordChange
from syncset.plan.resolve import Match
from syncset.providers.base import MARKER_SOURCE, LiveRecord, Marker, Provider

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
