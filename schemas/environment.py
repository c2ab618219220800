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


class EnvironmentConfig(StrictModel):
    """The contents of ``environments/<name>/environment.yaml``; ``name`` is the folder's path
    below ``environments/`` (``customers/acme`` for a grouped one)."""

    version: Literal[1]
    name: EnvironmentName
    account: Account
    vars: dict[str, Any] = Field(default_factory=dict)
    promotes_from: EnvironmentName | None = None
    policies: Policies = Field(default_factory=Policies)


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
