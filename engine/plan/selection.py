"""Which records a command speaks about: --kind, --id, --sync-set and --changed-since."""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable
from pathlib import Path

from syncset.errors import RepositoryError, SyncsetError
from syncset.model import Environment, RecordKey
from syncset.plan.model import Selection
from syncset.schemas import CATALOG

KeyFilter = Callable[[RecordKey], bool]


def check_selection(selection: Selection) -> None:
    """Refuse unknown kinds and malformed ids before anything is read."""
    for kind in selection.kinds:
        if kind not in CATALOG:
            raise SyncsetError(f"--kind {kind}: unknown kind (kinds: {', '.join(CATALOG.names())})")
    for ref in selection.ids:
        kind, _, record_id = ref.partition("/")
        if not record_id or kind not in CATALOG:
            raise SyncsetError(f"--id {ref}: expected KIND/ID, e.g. team/application-development")


def refuse_empty_selectors(selection: Selection, keys: Iterable[RecordKey]) -> None:
    """A --kind or --id that names nothing the plan could speak about is an error, not "no
    changes": a typo must not read as "the account matches". The candidates are named, the
    closest first, so the user sees what they may have meant."""
    known = set(keys)
    problems = [
        _missing(f"--kind {kind}", kind, {k for k, _ in known})
        for kind in selection.kinds
        if not any(k == kind for k, _ in known)
    ]
    problems += [
        _missing(f"--id {ref}", ref, {f"{k}/{i}" for k, i in known})
        for ref in selection.ids
        if tuple(ref.split("/", 1)) not in known
    ]
    if problems:
        raise SyncsetError("; ".join(problems))


def _missing(option: str, wanted: str, candidates: set[str], shown: int = 5) -> str:
    """``--id team/nosuch: matches nothing (closest: team/ops, ...)``."""
    if not candidates:
        return f"{option}: matches nothing (the YAML and the account hold no records)"
    closest = difflib.get_close_matches(wanted, sorted(candidates), n=shown, cutoff=0)
    more = len(candidates) - len(closest)
    tail = f", and {more} more" if more > 0 else ""
    shown_names = ", ".join(closest) + tail
    return f"{option}: matches nothing in the YAML or the account (closest: {shown_names})"


def record_filter(root: Path, environment: Environment, selection: Selection) -> KeyFilter | None:
    """A predicate over ``(kind, id)``, or None when everything is selected."""
    if selection.everything:
        return None
    kinds = set(selection.kinds)
    ids = {tuple(i.split("/", 1)) for i in selection.ids}
    in_set: set[RecordKey] | None = None
    if selection.sync_set:
        from syncset.config.syncsets import closure, get_syncset

        in_set = set(closure(environment, get_syncset(root, selection.sync_set)).records)
        if not in_set:
            raise SyncsetError(
                f"--sync-set {selection.sync_set}: selects no record of {environment.name}; "
                f"its roots are not in {environment.relative_folder}"
            )
    changed: set[RecordKey] | None = None
    if selection.changed_since:
        changed = changed_records(root, environment, selection.changed_since)

    def keep(key: RecordKey) -> bool:
        if (kinds or ids) and not (key[0] in kinds or key in ids):
            return False
        if in_set is not None and key not in in_set:
            return False
        return changed is None or key in changed

    return keep


def changed_records(root: Path, environment: Environment, ref: str) -> set[RecordKey] | None:
    """Records in files changed since ``ref`` and the records that reference them.

    None (everything) when environment.yaml or mappings.yaml changed: they affect every record.
    """
    from syncset.promotion.gitrepo import changed_files

    files = changed_files(root, ref)
    folder = environment.relative_folder
    if {f"{folder}/environment.yaml", f"{folder}/mappings.yaml"} & files:
        return None
    direct = {key for key, record in environment.records.items() if record.origin.path in files}
    # A file changed or deleted since the ref held records then: a record it no longer holds
    # is selected too, so that its removal shows in the plan.
    direct |= _keys_at(root, ref, {f for f in files if f.startswith(f"{folder}/")})
    referrers = {
        key
        for key, record in environment.records.items()
        for _, target, value in CATALOG[key[0]].reference_values(record.fields)
        if (target, value) in direct
    }
    return direct | referrers


def _keys_at(root: Path, ref: str, files: set[str]) -> set[RecordKey]:
    """``(kind, id)`` of the records the files held at ``ref`` (unparseable files: none)."""
    from syncset.config.yamlio import YamlFileError, parse_documents
    from syncset.promotion.gitrepo import file_at

    keys: set[RecordKey] = set()
    for relative in sorted(files):
        text = file_at(root, ref, relative)
        if text is None:
            continue
        try:
            documents = parse_documents(text, relative)
        except YamlFileError:
            continue
        for data in documents:
            if isinstance(data, dict) and isinstance(data.get("kind"), str) and "id" in data:
                keys.add((data["kind"], str(data["id"])))
    return keys


__all__ = ["RepositoryError", "check_selection", "record_filter", "refuse_empty_selectors"]
