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
    Disabled,
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
    weekday: WeekdayValue = Field(
        description="The day of the week of this span: mon, tue, wed, thu, fri, sat or sun."
    )
    time_from: TimeOfDay = Field(
        description="When the working time starts, as HH:MM (8:00 and 08:00 are the same)."
    )
    time_until: TimeOfDay = Field(
        description=(
            "When the working time ends, as HH:MM; 24:00 is the end of the day. Must "
            "be after time_from."
        )
    )

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
    name: NonEmptyStr = Field(
        description=(
            "The calendar's name in the account; an unmanaged calendar with this name is adopted."
        )
    )
    disabled: Disabled = False
    holidays: Annotated[list[Slug], Ref("holiday")] = Field(
        default_factory=list,
        description="Ids of the holiday records on which nobody works in this calendar.",
    )
    hours: Annotated[list[CalendarHours], Children(key=("weekday", "time_from"))] = Field(
        default_factory=list,
        description=(
            "The working hours: one item per span of a weekday, matched by weekday and time_from."
        ),
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
    name: NonEmptyStr = Field(
        description="The holiday's name; with start_at, how an unmanaged holiday is recognised."
    )
    start_at: Timestamp = Field(
        description=(
            "When the holiday starts: a date (2026-12-25, from midnight) or a "
            "timestamp (2026-12-25T09:00:00Z); a time without a zone is UTC."
        )
    )
    end_at: Annotated[Timestamp, BeforeValidator(end_of_day)] = Field(
        description=(
            "When the holiday ends: a bare date includes that whole day (it ends at "
            "the next midnight), or a timestamp. Must be after start_at."
        )
    )

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
    name: NonEmptyStr = Field(
        description=(
            "The team's name; names that differ only in case or spacing are one name in Xurrent."
        )
    )
    remarks: str | None = Field(
        default=None,
        description="Free text about the team (teams have remarks, not a description).",
    )
    time_zone: TimeZone | None = Field(
        default=None,
        description=(
            "The team's time zone, an IANA name such as Europe/Amsterdam; its work "
            "hours are in this zone."
        ),
    )
    coordinator: Annotated[Email | None, Ref("person")] = Field(
        default=None,
        description=(
            "Primary e-mail of the person who coordinates the team's work; mapped "
            "between accounts in mappings.yaml."
        ),
    )
    manager: Annotated[Email | None, Ref("person")] = Field(
        default=None,
        description=(
            "Primary e-mail of the team's manager; mapped between accounts in mappings.yaml."
        ),
    )
    configuration_manager: Annotated[Email | None, Ref("person")] = Field(
        default=None,
        description=(
            "Primary e-mail of the person responsible for the configuration items the"
            " team supports; mapped between accounts in mappings.yaml."
        ),
    )
    members: Annotated[list[Email], Ref("person"), OptIn()] = Field(
        default_factory=list,
        description=(
            "Primary e-mails of the team's members. Opt-in: a sync set carries them "
            "only with include: [team.members]."
        ),
    )
    work_hours: Annotated[Slug | None, Ref("calendar")] = Field(
        default=None, description="Id of the calendar with the team's work hours."
    )
    agile_board: Annotated[Slug | None, Ref("agile_board")] = Field(
        default=None, description="Id of the agile board the team works on."
    )
    ui_extension: Annotated[Slug | None, Ref("ui_extension")] = Field(
        default=None, description="Id of the UI extension that adds fields to the team's form."
    )
    disabled: Disabled = False


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
    name: NonEmptyStr = Field(
        description=(
            "The column's name, unique on its board: how the column is matched with the account's."
        )
    )
    action_type: Annotated[
        ColumnActionType, known_values(ColumnActionType, "an action type", _OLD_ACTIONS)
    ] = Field(
        default=ColumnActionType.NONE,
        description=(
            "What happens to an item moved into the column: none (the default), "
            "accept, assign, start or complete."
        ),
    )
    dialog_type: Annotated[
        ColumnDialogType | None, known_values(ColumnDialogType, "a dialog type")
    ] = Field(
        default=None,
        description=(
            "The dialog shown when an item is moved into the column: full, minimal or none."
        ),
    )
    clear_member: bool | None = Field(
        default=None,
        description="Whether moving an item into the column clears its assigned member.",
    )
    remove_after: NonNegativeInt | None = Field(
        default=None, description="Days after which items leave the column."
    )
    wip_limit: PositiveInt | None = Field(
        default=None,
        description="The most items the column may hold at once (work-in-progress limit).",
    )
    team: Annotated[Slug | None, Ref("team")] = Field(
        default=None, description="Id of the team an item gets when it is moved into the column."
    )
    member: Annotated[Email | None, Ref("person")] = Field(
        default=None,
        description=(
            "Primary e-mail of the person an item gets when it is moved into the "
            "column; mapped between accounts in mappings.yaml."
        ),
    )


class AgileBoard(RecordModel):
    """A board of columns through which a team moves its work."""

    label: ClassVar[str] = "agile board"
    kind: Literal["agile_board"]
    name: NonEmptyStr = Field(
        description="The board's name; an unmanaged board with this name is adopted."
    )
    description: str | None = Field(default=None, description="What the board is for.")
    manager: Annotated[Email | None, Ref("person")] = Field(
        default=None,
        description=(
            "Primary e-mail of the board's manager; mapped between accounts in mappings.yaml."
        ),
    )
    request_template: Annotated[Slug | None, Ref("request_template")] = Field(
        default=None,
        description=(
            "Id of the request template linked to the board (accounts whose schema is"
            " older than 2025-11 lack it)."
        ),
    )
    disabled: Disabled = False
    columns: Annotated[list[AgileBoardColumn], Children(key=("name",))] = Field(
        default_factory=list,
        description=(
            "The board's columns, left to right: a column's position is its place in "
            "this list; matched by name."
        ),
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
    name: NonEmptyStr = Field(
        description="The backlog's name; an unmanaged backlog with this name is adopted."
    )
    description: str | None = Field(default=None, description="What the backlog holds.")
    product_owner: Annotated[Email | None, Ref("person")] = Field(
        default=None,
        description=(
            "Primary e-mail of the product owner who orders the backlog; mapped "
            "between accounts in mappings.yaml."
        ),
    )
    request_template: Annotated[Slug | None, Ref("request_template")] = Field(
        default=None,
        description=(
            "Id of the request template linked to the backlog (accounts whose schema "
            "is older than 2025-11 lack it)."
        ),
    )
    disabled: Disabled = False


class ScrumWorkspace(RecordModel):
    """Where a team runs sprints over a product backlog on an agile board."""

    label: ClassVar[str] = "scrum workspace"
    kind: Literal["scrum_workspace"]
    name: NonEmptyStr = Field(
        description="The workspace's name; an unmanaged workspace with this name is adopted."
    )
    description: str | None = Field(default=None, description="What the workspace is for.")
    team: Annotated[Slug, Ref("team")] = Field(description="Id of the team that runs the sprints.")
    product_backlog: Annotated[Slug, Ref("product_backlog")] = Field(
        description="Id of the product backlog the sprints take their work from."
    )
    agile_board: Annotated[Slug, Ref("agile_board")] = Field(
        description="Id of the agile board on which the sprints' work moves."
    )
    sprint_length: PositiveInt = Field(description="Length of a sprint in weeks.")
    disabled: Disabled = False


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
    name: NonEmptyStr = Field(
        description="The extension's name; an unmanaged extension with this name is adopted."
    )
    category: Annotated[
        UiExtensionCategory,
        known_values(UiExtensionCategory, "a UI extension category"),
        CreateOnly(),
    ] = Field(
        description=(
            "The record type whose form the extension belongs to (request_template, "
            "team, …). Set on create only: a change needs a new extension."
        )
    )
    title: str | None = Field(default=None, description="The title shown above the fields.")
    description: str | None = Field(
        default=None, description="What the extension does, for administrators."
    )
    html: str | None = Field(
        default=None,
        description=(
            "The HTML of the extension's fields. A change is written as a new "
            "version, which apply activates."
        ),
    )
    css: str | None = Field(
        default=None, description="The CSS that styles the fields; versioned like html."
    )
    javascript: str | None = Field(
        default=None,
        description="The JavaScript that adds behaviour to the fields; versioned like html.",
    )
    form_definition: dict[str, Any] | None = Field(
        default=None, description="The form definition (JSON); versioned like html."
    )
    dark_mode_safe: bool | None = Field(
        default=None, description="Whether the extension displays correctly in dark mode."
    )
    disabled: Disabled = False


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
    subject: NonEmptyStr = Field(
        description=(
            "The subject of requests made from the template. Not unique: adopting an "
            "existing template may need a link in mappings.yaml."
        )
    )
    category: Annotated[
        RequestCategory | None, known_values(RequestCategory, "a request category")
    ] = Field(
        default=None,
        description="The category of requests made from the template (incident, rfc, …).",
    )
    impact: Annotated[RequestImpact | None, known_values(RequestImpact, "an impact")] = Field(
        default=None,
        description="The impact of requests made from the template: low, medium, high or top.",
    )
    status: Annotated[RequestStatus | None, known_values(RequestStatus, "a request status")] = (
        Field(default=None, description="The status that requests made from the template start in.")
    )
    service: Annotated[str | None, Ref("service")] = Field(
        default=None,
        description=(
            "Name of the service the template belongs to; mapped between accounts in mappings.yaml."
        ),
    )
    instructions: str | None = Field(
        default=None,
        description="Instructions for the specialists who work on requests from the template.",
    )
    note: str | None = Field(
        default=None, description="The note that requests made from the template start with."
    )
    keywords: str | None = Field(
        default=None, description="Words, separated by commas, that help people find the template."
    )
    end_users: bool | None = Field(
        default=None, description="Whether end users can select the template."
    )
    specialists: bool | None = Field(
        default=None, description="Whether specialists can select the template."
    )
    team: Annotated[Slug | None, Ref("team")] = Field(
        default=None, description="Id of the team that requests from the template are assigned to."
    )
    support_hours: Annotated[Slug | None, Ref("calendar")] = Field(
        default=None,
        description=(
            "Id of the calendar of the support hours that apply to requests from the template."
        ),
    )
    ui_extension: Annotated[Slug | None, Ref("ui_extension")] = Field(
        default=None,
        description="Id of the UI extension that adds fields to requests from the template.",
    )
    supplier: Annotated[str | None, Ref("organization")] = Field(
        default=None,
        description=(
            "Name of the supplier organization of requests from the template; mapped "
            "between accounts in mappings.yaml."
        ),
    )
    disabled: Disabled = False


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
    disabled: Disabled = False


class Organization(RecordModel):
    """Reference data, mapped by name."""

    reference_data: ClassVar[bool] = True
    kind: Literal["organization"]
    name: NonEmptyStr
    parent: Annotated[str | None, Ref("organization")] = None
    manager: Annotated[Email | None, Ref("person")] = None
    disabled: Disabled = False


class Site(RecordModel):
    """Reference data, mapped by name."""

    reference_data: ClassVar[bool] = True
    kind: Literal["site"]
    name: NonEmptyStr
    disabled: Disabled = False


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
