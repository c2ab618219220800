"""``environment.yaml`` and ``mappings.yaml``: what differs between environments, declared once.

The account's provider-specific settings are checked by the provider's own settings model
(``syncset.providers.registry``), so adding a provider never touches this file.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from syncset.schemas.base import StrictModel
from syncset.schemas.types import NonEmptyStr, Slug

OnlyInAccount = Literal["keep", "disable", "delete"]


class Account(StrictModel):
    """Which provider reaches the live account; the other keys are that provider's settings."""

    model_config = StrictModel.model_config | {"extra": "allow"}
    provider: NonEmptyStr


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
    """The contents of ``environments/<name>/environment.yaml``."""

    version: Literal[1]
    name: Slug
    account: Account
    vars: dict[str, Any] = Field(default_factory=dict)
    promotes_from: Slug | None = None
    policies: Policies = Field(default_factory=Policies)
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


class Mappings(StrictModel):
    """The contents of ``environments/<name>/mappings.yaml``.

    * ``references``: per reference-data kind, source value → this account's value;
    * ``links``: ``kind/id`` → the natural key of an existing record of this account to bind to;
    * ``overrides``: ``kind/id`` or ``kind`` → field values that differ in this environment.
    """

    version: Literal[1] = 1
    references: dict[str, dict[str, str]] = Field(default_factory=dict)
    links: dict[str, str] = Field(default_factory=dict)
    overrides: dict[str, dict[str, Any]] = Field(default_factory=dict)
