"""Promote: carry records from one environment folder to the next as a git branch and commit.

Files are copied unchanged (what differs between accounts lives in each environment's
mappings.yaml), so ``git diff`` and ``syncset compare`` show exactly what waits to be promoted.
Every refusal happens before anything is written; a destination that would no longer validate
after the copy is restored byte for byte. The commit is made with gitpython on a new branch
``promote/SRC-to-DST/<yyyymmdd-hhmmss>``, ready to push for a pull request
(:mod:`syncset.promotion.commits`).

The steps (:func:`promotable_target`, :func:`prepare`, :func:`copy_files`,
:func:`validated_after_copy`, :func:`restore`) are public because a promotion to many
environments (:mod:`syncset.promotion.fanout`) runs each of them for every destination before
it commits anything.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import git

from syncset.config.syncsets import closure, get_syncset, reachable
from syncset.config.validate import records_in_context, validate_environment
from syncset.errors import ConfigError, RefusedError, RepositoryError, SyncsetError
from syncset.model import Environment, RecordKey
from syncset.promotion.commits import branch_base, commit_promotions
from syncset.promotion.compare import Comparison, compare_folders
from syncset.promotion.gitrepo import open_repo
from syncset.safepath import atomic_write_bytes, confined


@dataclass
class Promotion:
    source: str
    destination: str
    records: list[RecordKey]
    files: dict[str, str] = field(default_factory=dict)
    """Destination path → source path, repository-relative."""
    comparison: Comparison | None = None
    branch: str | None = None
    commit: str | None = None
    also_carried: list[RecordKey] = field(default_factory=list)
    """Records not selected but in the same file as a selected one."""
    left_behind: int = 0
    """Records of the source that differ from the destination but are not in this promotion."""

    def by_kind(self) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for kind, record_id in sorted(self.records):
            out.setdefault(kind, []).append(record_id)
        return out


def promote(
    root: Path,
    source: str,
    destination: str,
    *,
    sync_set: str | None = None,
    ids: tuple[str, ...] = (),
    commit: bool = True,
    now: datetime | None = None,
) -> Promotion:
    """Copy the selected records' files from ``source`` to ``destination``."""
    repo = git_repository(root)
    target = promotable_target(root, source, destination)
    refuse_uncommitted(repo, [target])
    source_env = validate_environment(root, source)
    promotion = prepare(root, source_env, target, sync_set, ids)
    if not promotion.records:
        return promotion
    originals = copy_files(root, target.folder, promotion.files)
    try:
        validated_after_copy(root, destination)
    except RefusedError:
        restore(root, originals)
        raise
    if commit:
        base = branch_base(source, [destination], now or datetime.now(UTC))
        try:
            commit_all(repo, base, [promotion], sync_set)
        except Exception as exc:  # git refused: leave the tree as it was
            restore(root, originals)
            raise RepositoryError(f"git refused the promotion commit: {exc}") from None
    return promotion


def commit_all(
    repo: git.Repo, base: str, promotions: Sequence[Promotion], sync_set: str | None
) -> str:
    """One commit per promotion on a new branch (:func:`commit_promotions`); returns it."""
    commits = [(list(p.files), commit_message(p, sync_set)) for p in promotions]
    branch, shas = commit_promotions(repo, base, commits)
    for promotion, sha in zip(promotions, shas, strict=True):
        promotion.branch, promotion.commit = branch, sha
    return branch


def git_repository(root: Path) -> git.Repo:
    repo = open_repo(root)
    if repo is None:
        raise RepositoryError(f"{root} is not a git repository: promote works on git branches")
    return repo


def promotable_target(root: Path, source: str, destination: str) -> Environment:
    """The destination, validated, when it declares that it promotes from ``source``."""
    target = validate_environment(root, destination)
    if target.config.promotes_from != source:
        declared = target.config.promotes_from or "nothing"
        raise RefusedError(
            f"{destination} promotes from {declared}, not {source}: set promotes_from: {source} "
            f"in environments/{destination}/environment.yaml to allow it"
        )
    return target


def refuse_uncommitted(repo: git.Repo, targets: Sequence[Environment]) -> None:
    """Refuse when a destination folder has uncommitted changes (one git call for all)."""
    folders = [target.relative_folder for target in targets]
    dirty = repo.git.status("--porcelain", "--", *folders)
    if dirty.strip():
        named = ", ".join(
            folder for folder in folders if any(folder + "/" in line for line in dirty.splitlines())
        )
        raise RefusedError(
            f"{named or ', '.join(folders)} has uncommitted changes; commit or stash them first:\n"
            + dirty
        )


def prepare(
    root: Path,
    source_env: Environment,
    target: Environment,
    sync_set: str | None,
    ids: tuple[str, ...],
) -> Promotion:
    """What a promotion to ``target`` would carry, and where to; writes nothing."""
    in_context = records_in_context(root, source_env.name, target)
    comparison = compare_folders(source_env.name, target.name, in_context, target.records)
    differing = {(e.kind, e.id) for e in comparison.differing()}
    selected = _select(root, source_env, sync_set, ids, differing)
    promotion = Promotion(source_env.name, target.name, sorted(selected), comparison=comparison)
    if not selected:
        return promotion
    promotion.files = _file_moves(source_env, target, selected)
    carried = {
        key
        for key, record in source_env.records.items()
        if record.origin.path in set(promotion.files.values()) and key not in selected
    }
    promotion.also_carried = sorted(carried)
    moved = set(selected) | carried
    promotion.comparison = comparison.restricted(moved)
    promotion.left_behind = len(differing - moved)
    return promotion


def validated_after_copy(root: Path, destination: str) -> Environment:
    """The destination as the copy left it; a RefusedError when it no longer validates (the
    caller restores the files)."""
    try:
        return validate_environment(root, destination)
    except ConfigError as exc:
        raise RefusedError(
            f"after the copy {destination} would not validate, so nothing was changed:\n{exc}\n"
            "promote the records it needs too (e.g. with --sync-set)"
        ) from None


def _select(
    root: Path,
    source: Environment,
    sync_set: str | None,
    ids: tuple[str, ...],
    differing: set[RecordKey],
) -> set[RecordKey]:
    """The records to carry: a sync set's closure, the named ids with what they need, or
    every record that differs; in each case only those that differ from the destination."""
    if sync_set:
        found = closure(source, get_syncset(root, sync_set))
        wanted = set(found.records)
        _refuse_left_out(sync_set, source, found.left_out, wanted & differing)
    elif ids:
        wanted = set()
        for ref in ids:
            kind, _, record_id = ref.partition("/")
            if (kind, record_id) not in source.records:
                raise SyncsetError(f"--id {ref}: no such record in {source.name}")
            wanted |= reachable(source, [(kind, record_id)])[0]
    else:
        wanted = set(differing)
    return wanted & differing


def _refuse_left_out(
    sync_set: str,
    source: Environment,
    left_out: tuple[tuple[str, str], ...],
    carried: set[RecordKey],
) -> None:
    """Files are copied whole: a record that declares an opt-in field the set leaves out (a
    team's members) cannot be carried without it, so the promotion is refused."""
    for ref, name in left_out:
        kind, _, record_id = ref.partition("/")
        if (kind, record_id) not in carried:
            continue
        path = source.records[(kind, record_id)].origin.path
        raise RefusedError(
            f"{ref} declares {name}, which sync set {sync_set} leaves out ({kind}.{name} is "
            f"opt-in: people are not configuration): remove {name} from {path}, or add "
            f"include: [{kind}.{name}] to {sync_set} in syncsets.yaml to carry it"
        )


def _file_moves(
    source: Environment, target: Environment, selected: set[RecordKey]
) -> dict[str, str]:
    """Destination path → source path for every file to copy; refuses ambiguous layouts."""
    source_prefix = source.relative_folder + "/"
    target_prefix = target.relative_folder + "/"
    by_target_file: dict[str, set[RecordKey]] = {}
    for key, record in target.records.items():
        by_target_file.setdefault(record.origin.path, set()).add(key)
    by_source_file: dict[str, set[RecordKey]] = {}
    for key, record in source.records.items():
        by_source_file.setdefault(record.origin.path, set()).add(key)
    moves: dict[str, str] = {}
    for key in sorted(selected):
        source_path = source.records[key].origin.path
        existing = target.records.get(key)
        if existing is not None:
            destination_path = existing.origin.path
        else:
            destination_path = target_prefix + source_path.removeprefix(source_prefix)
        held = by_target_file.get(destination_path, set())
        if not held <= by_source_file[source_path]:
            others = ", ".join(f"{k}/{i}" for k, i in sorted(held - by_source_file[source_path]))
            raise RefusedError(
                f"{destination_path} also holds {others}, which {source_path} does not: "
                "split the file so that each record can be promoted on its own"
            )
        previous = moves.get(destination_path)
        if previous is not None and previous != source_path:
            raise RefusedError(f"{destination_path} would receive two source files")
        moves[destination_path] = source_path
    return moves


def copy_files(
    root: Path,
    folder: Path,
    moves: dict[str, str],
    originals: dict[str, bytes | None] | None = None,
) -> dict[str, bytes | None]:
    """Copy byte for byte (line ends included); returns what each destination held before,
    recorded in ``originals`` (when given) before each write, so that a failure half-way
    still knows what to restore.

    Every destination is checked to stay inside the destination folder before anything is
    written, so a refusal leaves the tree as it was.
    """
    paths = {destination: confined(folder, root / destination, root) for destination in moves}
    originals = {} if originals is None else originals
    for destination, source in moves.items():
        path = paths[destination]
        originals[destination] = path.read_bytes() if path.exists() else None
        atomic_write_bytes(path, (root / source).read_bytes())
    return originals


def restore(root: Path, originals: dict[str, bytes | None]) -> None:
    """Put every destination back as it was, removing folders the copy created."""
    for relative, content in originals.items():
        path = root / relative
        if content is not None:
            atomic_write_bytes(path.resolve(), content)
            continue
        path.unlink(missing_ok=True)
        folder = path.parent
        while folder != root and not folder.is_symlink() and folder.is_dir():
            if any(folder.iterdir()):
                break
            folder.rmdir()
            folder = folder.parent


def commit_message(promotion: Promotion, sync_set: str | None) -> str:
    """The first line names both environments (so each commit of a fan-out names its target),
    then the records by kind."""
    count = len(promotion.records)
    scope = f" (sync set {sync_set})" if sync_set else ""
    lines = [
        f"Promote {promotion.source} → {promotion.destination}: {count} records{scope}",
        "",
    ]
    for kind, ids in promotion.by_kind().items():
        lines.append(f"{kind}: {', '.join(ids)}")
    if promotion.also_carried:
        carried = ", ".join(f"{k}/{i}" for k, i in promotion.also_carried)
        lines += ["", f"Also carried (same files): {carried}"]
    return "\n".join(lines) + "\n"
