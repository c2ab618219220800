"""Configuration kinds of 4me/Xurrent, the types its Account Sync moves between accounts.

Every field is a real field of the Xurrent GraphQL API (../shared/design/XURRENT_SCHEMA.md is the
authority), in snake_case: ``timeZone`` is ``time_zone``. A reference field drops the ``Id``
suffix (``workHoursId`` → ``work_hours``) because in YAML it holds a record id or a natural key,
never a live id. Enum fields take the API's own values (``mon``, ``none``, ``request_template``).
Names that older syncset files used but Xurrent does not have are listed per kind in
``removed_fields``, so that validate says what became of them (docs/migration-xurrent-names.md).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any, ClassVar, Literal, Self

from pydantic import BeforeValidator, Field, NonNegativeInt, PositiveInt, model_validator

from syncset.schemas.base import ChildModel, Children, CreateOnly, OptIn, RecordModel, Ref
from syncset.schemas.types import (
    Email,
    NonEmptyStr,
    Slug,
    TimeOfDay,
    Timestamp,
    TimeZone,
    WeekdayValue,
    end_of_day,
    known_values,
)


class CalendarHours(ChildModel):
    """One span of working time on one weekday; ``00:00`` to ``24:00`` is the whole day."""

    label: ClassVar[str] = "calendar hours"
    weekday: WeekdayValue
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

    label: ClassVar[str] = "calendar"
    removed_fields: ClassVar[dict[str, str]] = {
        "description": "calendars have no description in Xurrent",
        "time_zone": "the time zone of work hours is the team's time_zone in Xurrent",
    }
    kind: Literal["calendar"]
    name: NonEmptyStr
    disabled: bool = False
    holidays: Annotated[list[Slug], Ref("holiday")] = Field(default_factory=list)
    hours: Annotated[list[CalendarHours], Children(key=("weekday", "time_from"))] = Field(
        default_factory=list
    )


class Holiday(RecordModel):
    """A day (or span) without work. Bare dates are whole days: ``end_at`` is inclusive.

    Xurrent can neither disable nor delete a holiday: one that leaves the YAML stays in the
    account (calendars that drop it from their ``holidays`` detach it on apply).
    """

    natural_key: ClassVar[tuple[str, ...]] = ("name", "start_at")
    unique_natural_key: ClassVar[bool] = False
    removal: ClassVar[Literal["none"]] = "none"
    removal_note: ClassVar[str] = (
        "holidays cannot be disabled or deleted in Xurrent: remove it by hand (calendars that "
        "drop it from their holidays detach it on apply)"
    )
    removed_fields: ClassVar[dict[str, str]] = {
        "disabled": "holidays cannot be disabled in Xurrent; take the holiday out of the "
        "calendars' holidays instead"
    }
    kind: Literal["holiday"]
    name: NonEmptyStr
    start_at: Timestamp
    end_at: Annotated[Timestamp, BeforeValidator(end_of_day)]

    @model_validator(mode="after")
    def _start_before_end(self) -> Self:
        if self.start_at >= self.end_at:
            raise ValueError("start_at must be before end_at")
        return self


class Team(RecordModel):
    """A group of people who work on requests together.

    ``members`` is opt-in: people are not configuration, so a sync set carries a team without
    its members unless it says ``include: [team.members]`` (docs/promotion.md).
    """

    removed_fields: ClassVar[dict[str, str]] = {"description": "Xurrent calls it remarks"}
    key_folds_case_and_spacing: ClassVar[bool] = True
    kind: Literal["team"]
    name: NonEmptyStr
    remarks: str | None = None
    time_zone: TimeZone | None = Field(
        default=None, description="The time zone of the work hours (Xurrent's TimeZone values)."
    )
    coordinator: Annotated[Email | None, Ref("person")] = None
    manager: Annotated[Email | None, Ref("person")] = None
    configuration_manager: Annotated[Email | None, Ref("person")] = None
    members: Annotated[list[Email], Ref("person"), OptIn()] = Field(default_factory=list)
    work_hours: Annotated[Slug | None, Ref("calendar")] = None
    agile_board: Annotated[Slug | None, Ref("agile_board")] = None
    ui_extension: Annotated[Slug | None, Ref("ui_extension")] = None
    disabled: bool = False


class ColumnActionType(StrEnum):
    """What happens to an item moved into a column (``AgileBoardColumnActionType``)."""

    NONE = "none"
    ACCEPT = "accept"
    ASSIGN = "assign"
    START = "start"
    COMPLETE = "complete"


class ColumnDialogType(StrEnum):
    """The dialog shown when an item is moved into a column (``AgileBoardColumnDialogType``)."""

    FULL = "full"
    MINIMAL = "minimal"
    NONE = "none"


_OLD_ACTIONS = {"no_action": "none", "progress": "start"}


class AgileBoardColumn(ChildModel):
    """A column of an agile board; its position is its place in the YAML list."""

    label: ClassVar[str] = "agile board column"
    removed_fields: ClassVar[dict[str, str]] = {
        "description": "agile board columns have no description in Xurrent"
    }
    name: NonEmptyStr
    action_type: Annotated[
        ColumnActionType, known_values(ColumnActionType, "an action type", _OLD_ACTIONS)
    ] = ColumnActionType.NONE
    dialog_type: Annotated[
        ColumnDialogType | None, known_values(ColumnDialogType, "a dialog type")
    ] = None
    clear_member: bool | None = None
    remove_after: NonNegativeInt | None = Field(
        default=None, description="Days after which items leave the column."
    )
    wip_limit: PositiveInt | None = None
    team: Annotated[Slug | None, Ref("team")] = None
    member: Annotated[Email | None, Ref("person")] = None


class AgileBoard(RecordModel):
    """A board of columns through which a team moves its work."""

    label: ClassVar[str] = "agile board"
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

    label: ClassVar[str] = "product backlog"
    kind: Literal["product_backlog"]
    name: NonEmptyStr
    description: str | None = None
    product_owner: Annotated[Email | None, Ref("person")] = None
    request_template: Annotated[Slug | None, Ref("request_template")] = None
    disabled: bool = False


class ScrumWorkspace(RecordModel):
    """Where a team runs sprints over a product backlog on an agile board."""

    label: ClassVar[str] = "scrum workspace"
    kind: Literal["scrum_workspace"]
    name: NonEmptyStr
    description: str | None = None
    team: Annotated[Slug, Ref("team")]
    product_backlog: Annotated[Slug, Ref("product_backlog")]
    agile_board: Annotated[Slug, Ref("agile_board")]
    sprint_length: PositiveInt = Field(description="Length of a sprint in weeks.")
    disabled: bool = False


class UiExtensionCategory(StrEnum):
    """The record type a UI extension belongs to (``UiExtensionCategory``)."""

    APP_OFFERING = "app_offering"
    CONTRACT = "contract"
    CUSTOM_COLLECTION = "custom_collection"
    KNOWLEDGE_ARTICLE_TEMPLATE = "knowledge_article_template"
    ORGANIZATION = "organization"
    PERSON = "person"
    PROBLEM = "problem"
    PRODUCT = "product"
    PRODUCT_CATEGORY = "product_category"
    PROJECT = "project"
    PROJECT_TASK_TEMPLATE = "project_task_template"
    RELEASE = "release"
    REQUEST_TEMPLATE = "request_template"
    RISK = "risk"
    SCIM_USER = "scim_user"
    SERVICE = "service"
    SERVICE_INSTANCE = "service_instance"
    SHOP_ARTICLE = "shop_article"
    SITE = "site"
    TASK_TEMPLATE = "task_template"
    TEAM = "team"
    WORKFLOW_TEMPLATE = "workflow_template"


class UiExtension(RecordModel):
    """Fields and behaviour added to forms: HTML, CSS, JavaScript and a form definition.

    The content lives in versions: Xurrent shows the *active* version, and apply writes changed
    content as a new version and activates it. The category is set on create only.
    """

    label: ClassVar[str] = "UI extension"
    removed_fields: ClassVar[dict[str, str]] = {
        "title_text": "Xurrent calls it title",
        "activate": "apply activates a new version whenever html, css, javascript or "
        "form_definition change",
    }
    versioned: ClassVar[tuple[str, ...]] = ("html", "css", "javascript", "form_definition")
    kind: Literal["ui_extension"]
    name: NonEmptyStr
    category: Annotated[
        UiExtensionCategory,
        known_values(UiExtensionCategory, "a UI extension category"),
        CreateOnly(),
    ]
    title: str | None = Field(default=None, description="The title shown above the fields.")
    description: str | None = None
    html: str | None = None
    css: str | None = None
    javascript: str | None = None
    form_definition: dict[str, Any] | None = None
    dark_mode_safe: bool | None = None
    disabled: bool = False


class RequestCategory(StrEnum):
    """``RequestCategory``."""

    CASE = "case"
    COMPLAINT = "complaint"
    COMPLIMENT = "compliment"
    FULFILLMENT = "fulfillment"
    INCIDENT = "incident"
    ORDER = "order"
    OTHER = "other"
    RESERVATION = "reservation"
    RFC = "rfc"
    RFI = "rfi"


class RequestImpact(StrEnum):
    """``RequestImpact``."""

    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    TOP = "top"


class RequestStatus(StrEnum):
    """``RequestStatus``: the status a request from the template starts in."""

    ACCEPTED = "accepted"
    ASSIGNED = "assigned"
    COMPLETED = "completed"
    DECLINED = "declined"
    IN_PROGRESS = "in_progress"
    ON_BACKLOG = "on_backlog"
    PROJECT_PENDING = "project_pending"
    RESERVATION_PENDING = "reservation_pending"
    WAITING_FOR = "waiting_for"
    WAITING_FOR_CUSTOMER = "waiting_for_customer"
    WORKFLOW_PENDING = "workflow_pending"


class RequestTemplate(RecordModel):
    """A pre-filled request. Its subject is not unique, so adoption may need a link."""

    label: ClassVar[str] = "request template"
    natural_key: ClassVar[tuple[str, ...]] = ("subject",)
    unique_natural_key: ClassVar[bool] = False
    kind: Literal["request_template"]
    subject: NonEmptyStr
    category: Annotated[
        RequestCategory | None, known_values(RequestCategory, "a request category")
    ] = None
    impact: Annotated[RequestImpact | None, known_values(RequestImpact, "an impact")] = None
    status: Annotated[RequestStatus | None, known_values(RequestStatus, "a request status")] = None
    service: Annotated[str | None, Ref("service")] = None
    instructions: str | None = None
    note: str | None = None
    keywords: str | None = None
    end_users: bool | None = Field(default=None, description="Available to end users.")
    specialists: bool | None = Field(default=None, description="Available to specialists.")
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


class Service(RecordModel):
    """Reference data, mapped by name: the service a request template belongs to.

    Only its name is read (the SDK of the live schema has ``Service.name``, ``services``)."""

    reference_data: ClassVar[bool] = True
    kind: Literal["service"]
    name: NonEmptyStr


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
    Service,
)
