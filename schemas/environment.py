"""``environment.yaml`` and ``mappings.yaml``: what differs between environments, declared once.

The account's provider-specific settings are checked by the provider's own settings model
(``syncset.providers.registry``), so adding a provider never touches this file.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from syncset.schemas.base import StrictModel
from syncset.schemas.types import EnvironmentName, NonEmptyStr

OnlyInAccount = Literal["keep", "disable", "delete"]


class Account(StrictModel):
    """Which provider reaches the live account; the other keys are that provider's settings."""

    model_config = StrictModel.model_config | {"extra": "allow"}
    provider: NonEmptyStr = Field(
        description="The provider that reaches the account: sandbox, xurrent or rest; the "
        "other keys of account are that provider's settings (templates allowed)."
    )


class Policies(StrictModel):
    """What apply may do beyond creating and updating."""

    only_in_account: OnlyInAccount = Field(
        default="keep",
        description="Managed records no longer in YAML: keep (default), disable or delete.",
    )
    allow_empty: bool = Field(
        default=False, description="Allow a plan whose desired state is empty (it removes all)."
    )


class Move(StrictModel):
    """One ``moved:`` entry: a record whose id changed in the YAML (Terraform's ``moved``).

    The account's record carries the old id in its ownership marker; this entry consents to
    rewriting that marker to the new id, instead of creating the record again. Both are
    ``kind/id``; validate checks them against the YAML (docs/plan-format.md, "Re-keying").
    """

    from_: str = Field(alias="from", description="The record's old id, as kind/id.")
    to: str = Field(description="The record's new id, as kind/id; declared in the YAML.")


class EnvironmentConfig(StrictModel):
    """The contents of ``environments/<name>/environment.yaml``; ``name`` is the folder's path
    below ``environments/`` (``customers/acme`` for a grouped one)."""

    version: Literal[1] = Field(description="The version of this file's format: 1.")
    name: EnvironmentName = Field(
        description="The environment's name: its folder's path below environments/ "
        "(customers/acme)."
    )
    account: Account = Field(
        description="The live account of this environment: its provider and that provider's "
        "settings."
    )
    vars: dict[str, Any] = Field(
        default_factory=dict,
        description="Variables for {{ vars.NAME }} in this environment's records; a value may "
        'read a secret with {{ env("NAME") }}.',
    )
    promotes_from: EnvironmentName | None = Field(
        default=None,
        description="The environment whose records are promoted into this one (qa promotes "
        "from dev).",
    )
    policies: Policies = Field(
        default_factory=Policies,
        description="What apply may do in this account beyond creating and updating records.",
    )
    moved: list[Move] = Field(
        default_factory=list,
        description="Records whose id changed: [{from: team/ops, to: team/operations}].",
    )

    def moves(self) -> dict[tuple[str, str], str]:
        """``(kind, new id)`` → old id of every ``moved:`` entry (validated: well-formed)."""
        out: dict[tuple[str, str], str] = {}
        for move in self.moved:
            kind, _, old = move.from_.partition("/")
            out[(kind, move.to.partition("/")[2])] = old
        return out


class Proposal(StrictModel):
    """A target ``syncset map --suggest`` guessed for an unmapped value, awaiting review.

    A guess is not a decision: until ``map --accept`` moves it into ``references`` the value
    stays unmapped and the plan Being Prepared.
    """

    target: NonEmptyStr = Field(description="The value in this account the source would map to.")
    score: float = Field(ge=0, le=1, description="How well it matched, 0 to 1.")
    matched: str = Field(default="", description="What it matched on, for the reviewer.")


class Mappings(StrictModel):
    """The contents of ``environments/<name>/mappings.yaml``.

    * ``references``: per reference-data kind, source value → this account's value;
    * ``proposed``: per reference-data kind, source value → a :class:`Proposal` (never a mapping);
    * ``links``: ``kind/id`` → the natural key of an existing record of this account to bind to;
    * ``overrides``: ``kind/id`` or ``kind`` → field values that differ in this environment.
    """

    version: Literal[1] = Field(default=1, description="The version of this file's format: 1.")
    references: dict[str, dict[str, str]] = Field(
        default_factory=dict,
        description="Per reference-data kind (person, organization, site, service): a value "
        "used in the records → this account's value.",
    )
    proposed: dict[str, dict[str, Proposal]] = Field(
        default_factory=dict,
        description="Suggestions awaiting review (syncset map ENV --accept): not mappings.",
    )
    links: dict[str, str] = Field(
        default_factory=dict,
        description="kind/id → the natural key of an existing record of this account, to bind "
        "the record to instead of creating it.",
    )
    overrides: dict[str, dict[str, Any]] = Field(
        default_factory=dict,
        description="kind/id (or kind) → field values that differ in this environment; they "
        "may use templates like the records.",
    )
