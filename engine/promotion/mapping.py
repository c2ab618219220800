"""Reference mapping: which people, organizations and sites the YAML uses, and what they are in
this account; ``--set`` records a mapping and ``--suggest`` proposes them.

Mappings are written into mappings.yaml with ruamel.yaml's round-trip writer, so the file keeps
its comments and order, and a suggestion carries its score as a comment: the pull request is
where a suggestion is reviewed. An existing mapping is never changed by ``--suggest``.
"""

from __future__ import annotations

import difflib
import io
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rapidfuzz import fuzz
from rapidfuzz.utils import default_process
from ruamel.yaml.comments import CommentedMap

from syncset.config.load import MAPPINGS_FILE
from syncset.config.yamlio import (
    Locator,
    YamlFileError,
    read_text,
    round_trip,
    round_trip_documents,
)
from syncset.errors import ConfigError, Problem, RefusedError, SyncsetError
from syncset.model import Environment
from syncset.plan.match import natural_key
from syncset.plan.model import MappingState
from syncset.plan.resolve import LiveState, Reference, map_references
from syncset.safepath import atomic_write_text, confined
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


def write_mappings(
    environment: Environment,
    assignments: list[tuple[str, str, str]],
    comments: dict[tuple[str, str], str] | None = None,
    overwrite: bool = True,
) -> int:
    """Record mappings in mappings.yaml, keeping its comments and order; returns how many."""
    path = confined(environment.folder, environment.folder / MAPPINGS_FILE, environment.root)
    yaml = round_trip()
    document = _current_mappings(path, f"{environment.relative_folder}/{MAPPINGS_FILE}")
    if not isinstance(document, CommentedMap):
        document = CommentedMap(version=1)
    references = document.get("references")
    if not isinstance(references, CommentedMap) or not references:
        fresh = CommentedMap(references or {})
        fresh.fa.set_block_style()
        document["references"] = references = fresh
    # Comment lines below the last mapping belong to what follows `references`: keep them there.
    trailing = _detach_trailing(references)
    written = 0
    for kind, source, target in assignments:
        table = references.get(kind)
        if not isinstance(table, CommentedMap):
            table = CommentedMap(table or {})
            table.fa.set_block_style()
            references[kind] = table
        if source in table and not overwrite:
            continue
        table[source] = target
        comment = (comments or {}).get((kind, source))
        if comment:
            _set_line_comment(table, source, f"  # {comment}\n")
        written += 1
    if trailing:
        _attach_trailing(references, trailing)
    stream = io.StringIO()
    yaml.dump(document, stream)
    atomic_write_text(path, stream.getvalue())
    return written


def _current_mappings(path: Path, shown: str) -> Any:
    """mappings.yaml as it is (None when absent), read round-trip to keep its comments."""
    if not path.exists():
        return None
    try:
        documents = round_trip_documents(read_text(path, shown), shown)
    except YamlFileError as exc:
        raise ConfigError([exc.problem]) from None
    return documents[0] if documents else None


def _deepest_last(mapping: CommentedMap) -> tuple[CommentedMap, Any] | None:
    """The mapping and key of the entry written last below ``mapping``."""
    node, key = mapping, None
    while isinstance(node, CommentedMap) and node:
        key = list(node)[-1]
        value = node[key]
        if isinstance(value, CommentedMap) and value:
            node = value
            continue
        return node, key
    return None


def _detach_trailing(mapping: CommentedMap) -> str:
    found = _deepest_last(mapping)
    if found is None:
        return ""
    node, key = found
    slot = node.ca.items.get(key)
    token = slot[2] if slot and len(slot) > 2 else None
    if token is None or "\n" not in token.value.rstrip("\n"):
        return ""
    own, _, following = str(token.value).partition("\n")
    token.value = own + "\n"
    return following


def _attach_trailing(mapping: CommentedMap, following: str) -> None:
    found = _deepest_last(mapping)
    if found is None:
        return
    node, key = found
    slot = node.ca.items.get(key)
    token = slot[2] if slot and len(slot) > 2 else None
    own = token.value if token is not None else "\n"
    _set_line_comment(node, key, own + following)


def _set_line_comment(mapping: CommentedMap, key: Any, text: str) -> None:
    from ruamel.yaml.error import CommentMark
    from ruamel.yaml.tokens import CommentToken

    slot = mapping.ca.items.setdefault(key, [None, None, None, None])
    slot[2] = CommentToken(text, CommentMark(0), None)
