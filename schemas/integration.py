"""Kinds of an integration platform (Synatic-style solutions, flows and connections).

They exist so that a platform reached through the declarative ``rest`` provider has typed
records too, and they are where a real secret lives: a connection's credentials, which YAML may
only hold as ``{{ env("NAME") }}``.
"""

from __future__ import annotations

from typing import Annotated, ClassVar, Literal

from pydantic import Field

from syncset.schemas.base import RecordModel, Ref, Sensitive
from syncset.schemas.types import Disabled, NonEmptyStr, Slug

Scalar = str | int | float | bool | None


class Solution(RecordModel):
    """A group of flows delivered together."""

    kind: Literal["solution"]
    name: NonEmptyStr = Field(
        description="The solution's name; an unmanaged solution with this name is adopted."
    )
    description: str | None = Field(default=None, description="What the solution delivers.")
    disabled: Disabled = False


class Connection(RecordModel):
    """Credentials and settings to reach a system; usually *linked* per account, not copied."""

    kind: Literal["connection"]
    name: NonEmptyStr = Field(
        description="The connection's name; an unmanaged connection with this name is adopted."
    )
    type: NonEmptyStr = Field(
        description="The type of system the connection reaches (the platform's connector name)."
    )
    description: str | None = Field(default=None, description="What the connection is for.")
    settings: dict[str, Scalar] = Field(
        default_factory=dict,
        description="Settings of the connection that are not secret (host, port, …), by name.",
    )
    secret: Annotated[str | None, Sensitive()] = Field(
        default=None,
        description=(
            'The credential. Sensitive: only as {{ env("NAME") }}, never written in '
            "YAML, never shown in plans or logs."
        ),
    )
    disabled: Disabled = False


class Flow(RecordModel):
    """A data flow of a solution, reading and writing through connections."""

    removal: ClassVar[Literal["disable", "delete"]] = "delete"
    kind: Literal["flow"]
    name: NonEmptyStr = Field(
        description="The flow's name; an unmanaged flow with this name is adopted."
    )
    description: str | None = Field(default=None, description="What the flow does.")
    solution: Annotated[Slug | None, Ref("solution")] = Field(
        default=None, description="Id of the solution the flow belongs to."
    )
    connections: Annotated[list[Slug], Ref("connection")] = Field(
        default_factory=list,
        description="Ids of the connections the flow reads and writes through.",
    )
    enabled: bool | None = Field(
        default=None, description="Whether the flow is switched on to run in the platform."
    )
    disabled: Disabled = False


KINDS: tuple[type[RecordModel], ...] = (Solution, Connection, Flow)
