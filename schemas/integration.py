"""Kinds of an integration platform (Synatic-style solutions, flows and connections).

They exist so that a platform reached through the declarative ``rest`` provider has typed
records too, and they are where a real secret lives: a connection's credentials, which YAML may
only hold as ``{{ env("NAME") }}``.
"""

from __future__ import annotations

from typing import Annotated, ClassVar, Literal

from pydantic import Field

from syncset.schemas.base import RecordModel, Ref, Sensitive
from syncset.schemas.types import NonEmptyStr, Slug

Scalar = str | int | float | bool | None


class Solution(RecordModel):
    """A group of flows delivered together."""

    kind: Literal["solution"]
    name: NonEmptyStr
    description: str | None = None
    disabled: bool = False


class Connection(RecordModel):
    """Credentials and settings to reach a system; usually *linked* per account, not copied."""

    kind: Literal["connection"]
    name: NonEmptyStr
    type: NonEmptyStr
    description: str | None = None
    settings: dict[str, Scalar] = Field(default_factory=dict)
    secret: Annotated[str | None, Sensitive()] = None
    disabled: bool = False


class Flow(RecordModel):
    """A data flow of a solution, reading and writing through connections."""

    removal: ClassVar[Literal["disable", "delete"]] = "delete"
    kind: Literal["flow"]
    name: NonEmptyStr
    description: str | None = None
    solution: Annotated[Slug | None, Ref("solution")] = None
    connections: Annotated[list[Slug], Ref("connection")] = Field(default_factory=list)
    enabled: bool | None = None
    disabled: bool = False


KINDS: tuple[type[RecordModel], ...] = (Solution, Connection, Flow)
