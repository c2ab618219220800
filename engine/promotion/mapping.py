"""Reference mapping: which people, organizations and sites the YAML uses, and what they are in
this account; ``--set`` records a mapping and ``--suggest`` proposes them.

A suggestion is a fuzzy guess (a 0.76 match of a person's name), so it is written under
``proposed:`` in mappings.yaml with its score and what it matched on, never as a mapping: the
value stays unmapped and the plan Being Prepared until someone accepts it
(:mod:`syncset.promotion.proposals`). An existing mapping is never changed by ``--suggest``.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

from rapidfuzz import fuzz
from rapidfuzz.utils import default_process

from syncset.config.load import MAPPINGS_FILE
from syncset.config.yamlio import Locator
from syncset.errors import Problem, RefusedError, SyncsetError
from syncset.model import Environment
from syncset.plan.match import natural_key
from syncset.plan.model import MappingState
from syncset.plan.resolve import LiveState, Reference, map_references
from syncset.promotion.mappings_file import Assignment, MappingsFile, NewProposal
from syncset.schemas import CATALOG

SUGGEST_THRESHOLD = 0.6


@dataclass(frozen=True)
class Suggestion:
    kind: str
    value: str
    target: str
    score: float
    why: str


def reference_status(environment: Environment, live: LiveState) -> list[Reference]:
    return map_references(environment, live)


def account_values(live: LiveState, kind: str) -> dict[str, str]:
    """Natural key → display name of every reference-data record of ``kind`` in the account."""
    spec = CATALOG[kind]
    return {
        str(natural_key(spec, record.fields)[0]): str(record.fields.get("name", ""))
        for record in live.by_kind.get(kind, [])
    }


def mapping_target_problems(environment: Environment, live: LiveState) -> list[Problem]:
    """Every mapping in mappings.yaml whose target is not in the account, placed in the file."""
    shown = f"{environment.relative_folder}/{MAPPINGS_FILE}"
    locator = Locator(environment.root)
    problems = []
    for kind, table in environment.mappings.references.items():
        known = account_values(live, kind)
        for source, target in table.items():
            value = CATALOG[kind].key_value(target)
            if value in known:
                continue
            line, col = locator.position(shown, 0, ("references", kind, source), at_value=True)
            problems.append(
                Problem(
                    shown,
                    line,
                    col,
                    f"{kind} {target!r} does not exist in the {environment.name} account: map "
                    f"{source} to a {kind} that does (syncset map {environment.name} --suggest)",
                    field=f"references.{kind}",
                )
            )
    return problems


def parse_assignment(text: str) -> tuple[str, str, str]:
    """``person:a@x.example=b@y.example`` → ``("person", "a@x.example", "b@y.example")``."""
    kind, _, rest = text.partition(":")
    source, _, target = rest.partition("=")
    if not kind or not source or not target:
        raise SyncsetError(f"--set {text}: expected KIND:SOURCE=TARGET, e.g. person:a@x=b@y")
    if kind not in CATALOG or not CATALOG[kind].reference_data:
        names = ", ".join(s.name for s in CATALOG.reference_kinds())
        raise SyncsetError(f"--set {text}: {kind} is not a reference-data kind ({names})")
    spec = CATALOG[kind]
    return kind, spec.key_value(source), spec.key_value(target)


def check_targets(live: LiveState, assignments: list[tuple[str, str, str]]) -> None:
    for kind, source, target in assignments:
        known = account_values(live, kind)
        if target not in known:
            close = difflib.get_close_matches(target, list(known), n=1)
            hint = f" (did you mean {close[0]}?)" if close else ""
            raise RefusedError(
                f"--set {kind}:{source}={target}: no {kind} {target!r} in the account{hint}"
            )


def suggest(references: list[Reference], live: LiveState) -> list[Suggestion]:
    """The best target for each unmapped value, when one scores at least the threshold."""
    suggestions = []
    for reference in references:
        if reference.state is not MappingState.UNMAPPED:
            continue
        best: Suggestion | None = None
        for target, name in account_values(live, reference.kind).items():
            score, why = _score(reference.kind, reference.value, target, name)
            if score >= SUGGEST_THRESHOLD and (best is None or score > best.score):
                best = Suggestion(reference.kind, reference.value, target, score, why)
        if best is not None:
            suggestions.append(best)
    return suggestions


def _score(kind: str, value: str, target: str, name: str) -> tuple[float, str]:
    if not CATALOG[kind].key_is_email:
        ratio = difflib.SequenceMatcher(None, value.lower(), target.lower()).ratio()
        return round(ratio, 2), "similar name"
    local = value.split("@", 1)[0].lower()
    target_local = target.split("@", 1)[0].lower()
    if local == target_local:
        return 0.95, "same e-mail local part"
    guessed = re.sub(r"[._-]+", " ", local).strip()
    # token_sort_ratio ignores word order: "tanner.howard" is "Howard Tanner" (1.00), where
    # SequenceMatcher scored 0.46 and never suggested it.
    ratio = fuzz.token_sort_ratio(guessed, name, processor=default_process) / 100
    return round(ratio, 2), f"name similar to {name}"


def write_mappings(environment: Environment, assignments: list[Assignment]) -> int:
    """Record mappings decided by hand (``--set``) in mappings.yaml; returns how many. A
    proposal for the same value is dropped: the decision is made."""
    file = MappingsFile(environment)
    written = file.set_references(assignments)
    file.remove_proposals([(kind, source) for kind, source, _ in assignments])
    file.save()
    return written


def write_proposals(environment: Environment, suggestions: list[Suggestion]) -> int:
    """Write suggestions under ``proposed:``, never as mappings; returns how many are new."""
    file = MappingsFile(environment)
    added = file.add_proposals(
        [NewProposal(s.kind, s.value, s.target, s.score, s.why) for s in suggestions]
    )
    if added:
        file.save()
    return added
