"""Promotion to many: one source environment to every environment a glob selects.

``syncset promote dev 'customers/*'`` makes one branch with one commit per destination. Each
destination keeps its own ``mappings.yaml``, variables and overrides: only record files are
copied, exactly as a promotion to one environment copies them.

Nothing is half-written. Every destination is checked (promotes from the source, no
uncommitted changes, something to carry) and every destination's account is read for its
reference data *before* a file is written; a destination that fails any of it refuses the
whole promotion, naming it. Then all files are copied and every destination is validated as
the copy left it; one that would not validate puts every file of every destination back. Only
then are the commits made, and a commit git refuses undoes the branch and the files.

Reading the accounts runs in a bounded thread pool (:data:`WORKERS` at a time): each account
has its own API budget, and a hundred accounts one after another would be slow.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from syncset.config.validate import validate_environment
from syncset.errors import RefusedError, RepositoryError, SyncsetError
from syncset.model import Environment
from syncset.plan.model import MappingState
from syncset.plan.resolve import LiveState, Reference
from syncset.promotion.commits import branch_base
from syncset.promotion.mapping import reference_status
from syncset.promotion.promote import (
    Promotion,
    commit_all,
    copy_files,
    git_repository,
    prepare,
    promotable_target,
    refuse_uncommitted,
    restore,
    validated_after_copy,
)
from syncset.schemas import CATALOG

WORKERS = 8
"""Accounts read at once: enough to make a hundred quick, few enough for any API budget."""

AccountReader = Callable[[Environment, Sequence[str]], LiveState]
"""Reads the reference-data kinds named from an environment's account (the CLI passes
:func:`syncset.workflow.read_reference_data`; the stage never opens a provider itself)."""


@dataclass
class Target:
    """One destination of a promotion to many, after the copy."""

    promotion: Promotion
    references: list[Reference]
    """Every reference value the destination uses after the promotion, with its state."""

    @property
    def name(self) -> str:
        return self.promotion.destination

    @property
    def unmapped(self) -> list[Reference]:
        return [r for r in self.references if r.state is MappingState.UNMAPPED]

    @property
    def prepared(self) -> bool:
        return not self.unmapped


@dataclass
class FanOut:
    source: str
    pattern: str
    """What the user typed (``customers/*``), for the description."""
    targets: list[Target] = field(default_factory=list)
    """Destinations that receive records, in the order the pattern selected them."""
    up_to_date: list[str] = field(default_factory=list)
    """Destinations that already have the source's records: no commit for them."""
    branch: str | None = None
    sync_set: str | None = None


def promote_many(
    root: Path,
    source: str,
    destinations: Sequence[str],
    read_account: AccountReader,
    *,
    pattern: str = "",
    sync_set: str | None = None,
    ids: tuple[str, ...] = (),
    commit: bool = True,
    now: datetime | None = None,
    workers: int = WORKERS,
) -> FanOut:
    """Promote ``source`` to each of ``destinations``: one branch, a commit per destination."""
    repo = git_repository(root)
    if source in destinations:
        raise RefusedError(
            f"{pattern or 'the destinations'!r} selects {source}, the environment promoted "
            "from: name or match only the environments to promote to"
        )
    targets = [promotable_target(root, source, name) for name in destinations]
    refuse_uncommitted(repo, targets)
    source_env = validate_environment(root, source)
    fan = FanOut(source, pattern or ", ".join(destinations), sync_set=sync_set)
    planned: list[tuple[Environment, Promotion]] = []
    for target in targets:
        promotion = prepare(root, source_env, target, sync_set, ids)
        if promotion.records:
            planned.append((target, promotion))
        else:
            fan.up_to_date.append(target.name)
    if not planned:
        return fan
    live = _read_accounts(source_env, planned, read_account, workers)
    originals: dict[str, bytes | None] = {}
    try:
        for target, promotion in planned:
            copy_files(root, target.folder, promotion.files, originals)
        after = [validated_after_copy(root, target.name) for target, _ in planned]
    except (SyncsetError, OSError):
        restore(root, originals)
        raise
    promotions = [promotion for _, promotion in planned]
    if commit:
        base = branch_base(source, [t.name for t, _ in planned], now or datetime.now(UTC))
        try:
            fan.branch = commit_all(repo, base, promotions, sync_set)
        except Exception as exc:  # git refused: leave the tree as it was
            restore(root, originals)
            raise RepositoryError(f"git refused the promotion commit: {exc}") from None
    for env, promotion in zip(after, promotions, strict=True):
        fan.targets.append(Target(promotion, reference_status(env, live[env.name])))
    return fan


def _read_accounts(
    source: Environment,
    planned: list[tuple[Environment, Promotion]],
    read_account: AccountReader,
    workers: int,
) -> dict[str, LiveState]:
    """Each destination's reference data, at most ``workers`` accounts at a time; refuses,
    naming every destination that could not be read, before anything is written."""

    def read(item: tuple[Environment, Promotion]) -> LiveState | str:
        target, promotion = item
        try:
            return read_account(target, kinds_after(source, target, promotion))
        except SyncsetError as exc:
            return str(exc).splitlines()[0] if str(exc) else type(exc).__name__

    with ThreadPoolExecutor(max_workers=max(1, min(workers, len(planned)))) as pool:
        results = list(pool.map(read, planned))
    failed = [
        f"{target.name}: {result}"
        for (target, _), result in zip(planned, results, strict=True)
        if isinstance(result, str)
    ]
    if failed:
        raise RefusedError(
            f"cannot read the account of {len(failed)} of {len(planned)} destinations, so "
            "nothing was promoted (promote needs each account's people, organizations and "
            "sites to say what is still to map):\n  "
            + "\n  ".join(failed)
            + "\nfix the account, or leave it out of the pattern"
        )
    return {
        target.name: result
        for (target, _), result in zip(planned, results, strict=True)
        if isinstance(result, LiveState)
    }


def kinds_after(source: Environment, target: Environment, promotion: Promotion) -> list[str]:
    """The reference-data kinds the destination uses once the promotion is copied: its own
    and those of every carried record, in catalog order (only these are read: each kind
    costs requests, and a token may not be allowed to read every kind)."""
    used = set(target.reference_kinds_used())
    for key in [*promotion.records, *promotion.also_carried]:
        record = source.records[key]
        used |= {t for _, t, _ in CATALOG[record.kind].reference_values(record.fields)}
    return [spec.name for spec in CATALOG.reference_kinds() if spec.name in used]
