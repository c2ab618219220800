"""Configuration kinds of 4me/Xurrent, the types its Account Sync moves between accounts.

Field names are the snake_case of the GraphQL input fields; a reference field drops the ``Id``
suffix (``workHoursId`` → ``work_hours``) because in YAML it holds a record id or a natural key,
never a live id. See ../shared/design/XURRENT_API.md for the source of each type.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, ClassVar, Literal, Self

from pydantic import BeforeValidator, Field, PositiveInt, model_validator

from syncset.schemas.base import ChildModel, Children, RecordModel, Ref
from syncset.schemas.types import (
    Email,
    NonEmptyStr,
    Slug,
    TimeOfDay,
    Timestamp,
    Weekday,
    end_of_day,
)


class CalendarHours(ChildModel):
    """One span of working time on one weekday."""

    weekday: Weekday
    time_from: TimeOfDay
    time_until: TimeOfDay

    @model_validator(mode="after")
    def _from_before_until(self) -> Self:
        if self.time_from >= self.time_until:
            raise ValueError(
                f"time_from {self.time_from} must be before time_until {self.time_until}"
            )
        return self


class Calendar(RecordModel):
    """Work or support hours, with the holidays on which nobody works."""

    title: ClassVar[str] = "calendar"
    kind: Literal["calendar"]
    name: NonEmptyStr
    description: str | None = None
    time_zone: str | None = None
    disabled: bool = False
    holidays: Annotated[list[Slug], Ref("holiday")] = Field(default_factory=list)
    hours: Annotated[list[CalendarHours], Children(key=("weekday", "time_from"))] = Field(
        default_factory=list
    )


class Holiday(RecordModel):
    """A day (or span) without work. Bare dates are whole days: ``end_at`` is inclusive."""

    natural_key: ClassVar[tuple[str, ...]] = ("name", "start_at")
    unique_natural_key: ClassVar[bool] = False
    kind: Literal["holiday"]
    name: NonEmptyStr
    start_at: Timestamp
    end_at: Annotated[Timestamp, BeforeValidator(end_of_day)]
    disabled: bool = False

    @model_validator(mode="after")
    def _start_before_end(self) -> Self:
        if self.start_at >= self.end_at:
            raise ValueError("start_at must be before end_at")
        return self


class Team(RecordModel):
    """A group of people who work on requests together."""

    kind: Literal["team"]
    name: NonEmptyStr
    description: str | None = None
    coordinator: Annotated[Email | None, Ref("person")] = None
    manager: Annotated[Email | None, Ref("person")] = None
    configuration_manager: Annotated[Email | None, Ref("person")] = None
    members: Annotated[list[Email], Ref("person")] = Field(default_factory=list)
    work_hours: Annotated[Slug | None, Ref("calendar")] = None
    agile_board: Annotated[Slug | None, Ref("agile_board")] = None
    ui_extension: Annotated[Slug | None, Ref("ui_extension")] = None
    disabled: bool = False


class ColumnAction(StrEnum):
    """What happens to an item moved into a column (values unverified against the live API)."""

    NO_ACTION = "no_action"
    ASSIGN = "assign"
    PROGRESS = "progress"
    WAIT = "wait"
    COMPLETE = "complete"


class AgileBoardColumn(ChildModel):
    """A column of an agile board; its position is its place in the YAML list."""

    name: NonEmptyStr
    description: str | None = None
    action_type: ColumnAction = ColumnAction.NO_ACTION
    clear_member: bool | None = None
    wip_limit: PositiveInt | None = None
    team: Annotated[Slug | None, Ref("team")] = None
    member: Annotated[Email | None, Ref("person")] = None


class AgileBoard(RecordModel):
    """A board of columns through which a team moves its work."""

    title: ClassVar[str] = "agile board"
    kind: Literal["agile_board"]
    name: NonEmptyStr
    description: str | None = None
    manager: Annotated[Email | None, Ref("person")] = None
    request_template: Annotated[Slug | None, Ref("request_template")] = None
    disabled: bool = False
    columns: Annotated[list[AgileBoardColumn], Children(key=("name",))] = Field(
        default_factory=list
    )

    @model_validator(mode="after")
    def _unique_column_names(self) -> Self:
        names = [column.name for column in self.columns]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise ValueError(f"column names must be unique; repeated: {', '.join(duplicates)}")
        return self


class ProductBacklog(RecordModel):
    """The ordered list of work a product owner keeps for a scrum team."""

    title: ClassVar[str] = "product backlog"
    kind: Literal["product_backlog"]
    name: NonEmptyStr
    description: str | None = None
    product_owner: Annotated[Email | None, Ref("person")] = None
    request_template: Annotated[Slug | None, Ref("request_template")] = None
    disabled: bool = False


class ScrumWorkspace(RecordModel):
    """Where a team runs sprints over a product backlog on an agile board."""

    title: ClassVar[str] = "scrum workspace"
    kind: Literal["scrum_workspace"]
    name: NonEmptyStr
    description: str | None = None
    team: Annotated[Slug, Ref("team")]
    product_backlog: Annotated[Slug, Ref("product_backlog")]
    agile_board: Annotated[Slug, Ref("agile_board")]
    sprint_length: PositiveInt = Field(description="Length of a sprint in weeks.")
    disabled: bool = False


class UiExtension(RecordModel):
    """Custom fields and behaviour added to forms: HTML, CSS and JavaScript."""

    title: ClassVar[str] = "UI extension"
    kind: Literal["ui_extension"]
    name: NonEmptyStr
    category: NonEmptyStr
    title_text: str | None = Field(default=None, description="The title shown above the fields.")
    description: str | None = None
    html: str | None = None
    css: str | None = None
    javascript: str | None = None
    activate: bool | None = None
    disabled: bool = False


class RequestTemplate(RecordModel):
    """A pre-filled request. Its subject is not unique, so adoption may need a link."""

    title: ClassVar[str] = "request template"
    natural_key: ClassVar[tuple[str, ...]] = ("subject",)
    unique_natural_key: ClassVar[bool] = False
    kind: Literal["request_template"]
    subject: NonEmptyStr
    category: str | None = None
    instructions: str | None = None
    note: str | None = None
    team: Annotated[Slug | None, Ref("team")] = None
    support_hours: Annotated[Slug | None, Ref("calendar")] = None
    ui_extension: Annotated[Slug | None, Ref("ui_extension")] = None
    supplier: Annotated[str | None, Ref("organization")] = None
    disabled: bool = False


class Person(RecordModel):
    """Reference data: people are mapped between accounts by primary e-mail, never copied."""

    natural_key: ClassVar[tuple[str, ...]] = ("primary_email",)
    key_is_email: ClassVar[bool] = True
    reference_data: ClassVar[bool] = True
    kind: Literal["person"]
    name: NonEmptyStr
    primary_email: Email
    organization: Annotated[str | None, Ref("organization")] = None
    site: Annotated[str | None, Ref("site")] = None
    manager: Annotated[Email | None, Ref("person")] = None
    disabled: bool = False


class Organization(RecordModel):
    """Reference data, mapped by name."""

    reference_data: ClassVar[bool] = True
    kind: Literal["organization"]
    name: NonEmptyStr
    parent: Annotated[str | None, Ref("organization")] = None
    manager: Annotated[Email | None, Ref("person")] = None
    disabled: bool = False


class Site(RecordModel):
    """Reference data, mapped by name."""

    reference_data: ClassVar[bool] = True
    kind: Literal["site"]
    name: NonEmptyStr
    disabled: bool = False


KINDS: tuple[type[RecordModel], ...] = (
    Calendar,
    Holiday,
    Team,
    AgileBoard,
    ProductBacklog,
    ScrumWorkspace,
    UiExtension,
    RequestTemplate,
    Person,
    Organization,
    Site,
)
