"""Proposals awaiting review: ``map --accept`` makes them mappings, ``--reject`` drops them.

``map --suggest`` writes its guesses under ``proposed:`` in mappings.yaml. They are not mappings:
the plan still lists their values as unmapped (Being Prepared) and says how many proposals await
review. Accepting is the review: each accepted proposal's target is checked against the account
first (a proposal edited by hand may name someone the account does not have), and only when all
of them exist are they moved into ``references``, in one atomic write. Rejecting, or deleting the
entry by hand, drops a proposal.

A selector is ``KIND`` (every proposal of that kind) or ``KIND:SOURCE`` (one value), the form
of ``--set KIND:SOURCE=TARGET`` without the target; no selector means every proposal.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from syncset.config.load import MAPPINGS_FILE
from syncset.config.yamlio import Locator
from syncset.errors import ConfigError, Problem, SyncsetError
from syncset.model import Environment
from syncset.plan.resolve import LiveState
from syncset.promotion.mapping import account_values
from syncset.promotion.mappings_file import MappingsFile
from syncset.schemas import CATALOG
from syncset.schemas.environment import Proposal


@dataclass(frozen=True)
class Chosen:
    """One proposal picked by a selector; ``source`` as the file spells it."""

    kind: str
    source: str
    proposal: Proposal

    @property
    def selector(self) -> str:
        return f"{self.kind}:{self.source}"


def select(environment: Environment, selectors: list[str], verb: str) -> list[Chosen]:
    """The proposals ``selectors`` name (all when there are none); a selector that names no
    proposal is an error naming the closest ones, and nothing is written."""
    every = [
        Chosen(kind, source, proposal)
        for kind, table in environment.mappings.proposed.items()
        for source, proposal in table.items()
    ]
    shown = f"{environment.relative_folder}/{MAPPINGS_FILE}"
    if not every:
        raise SyncsetError(
            f"{verb}: {shown} has no proposals to {verb.lstrip('-')}: "
            f"syncset map {environment.name} --suggest writes them"
        )
    if not selectors:
        return every
    chosen: list[Chosen] = []
    for text in selectors:
        found = [c for c in every if _selects(text, c)]
        if not found:
            close = difflib.get_close_matches(text, [c.selector for c in every], n=1, cutoff=0.5)
            hint = (
                f"did you mean {close[0]}?"
                if close
                else "proposals: " + ", ".join(c.selector for c in every)
            )
            raise SyncsetError(f"{verb} {text}: no such proposal in {shown} ({hint})")
        chosen += [c for c in found if c not in chosen]
    return chosen


def _selects(text: str, chosen: Chosen) -> bool:
    kind, colon, source = text.partition(":")
    if kind != chosen.kind:
        return False
    if not colon:
        return True
    spec = CATALOG[kind]
    return bool(spec.key_value(source) == spec.key_value(chosen.source))


def check_targets(environment: Environment, live: LiveState, chosen: list[Chosen]) -> None:
    """Every proposal to accept must name a value the account has, else a problem at the
    proposal's target (``path:line:col``), and nothing is accepted."""
    shown = f"{environment.relative_folder}/{MAPPINGS_FILE}"
    locator = Locator(environment.root)
    problems = []
    for item in chosen:
        spec = CATALOG[item.kind]
        known = account_values(live, item.kind)
        target = spec.key_value(item.proposal.target)
        if target in known:
            continue
        close = difflib.get_close_matches(target, list(known), n=1)
        hint = f" (did you mean {close[0]}?)" if close else ""
        path = ("proposed", item.kind, item.source, "target")
        line, col = locator.position(shown, 0, path, at_value=True)
        problems.append(
            Problem(
                shown,
                line,
                col,
                f"cannot accept {item.selector}: {item.kind} {item.proposal.target!r} does not "
                f"exist in the {environment.name} account{hint}: correct the target, or reject "
                f"it (syncset map {environment.name} --reject {item.selector})",
                field=f"proposed.{item.kind}",
            )
        )
    if problems:
        raise ConfigError(problems)


def accept(environment: Environment, chosen: list[Chosen]) -> int:
    """Move the chosen proposals into ``references`` (with their score as a comment, for the
    pull request's reviewer); returns how many."""
    file = MappingsFile(environment)
    comments = {
        (c.kind, c.source): (
            f"accepted proposal: score {c.proposal.score:.2f}"
            + (f" ({c.proposal.matched})" if c.proposal.matched else "")
        )
        for c in chosen
    }
    file.set_references([(c.kind, c.source, c.proposal.target) for c in chosen], comments)
    file.remove_proposals([(c.kind, c.source) for c in chosen])
    file.save()
    return len(chosen)


def reject(environment: Environment, chosen: list[Chosen]) -> int:
    """Drop the chosen proposals; the values stay unmapped. Returns how many."""
    file = MappingsFile(environment)
    file.remove_proposals([(c.kind, c.source) for c in chosen])
    file.save()
    return len(chosen)
