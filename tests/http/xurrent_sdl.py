"""The GraphQL schema (SDL) of the fake 4me/Xurrent account, written from the documentation.

Sources, and nothing else (never the product's catalog or provider):
* ``../shared/design/XURRENT_SCHEMA.md``: the described types, enums and child inputs
  (hand-written in ``xurrent_types.gql`` beside this file); each root connection with its
  arguments (``view`` only where listed, with the listed values), its filter fields, and the
  Create/Update inputs (``!`` = required) below; the conventions: ``source sourceID
  clientMutationId`` on every input, payload ``{ <type> errors { path message }
  clientMutationId }``, ``node(id:)``, no delete mutations, ``UiExtensionUpdateInput.category``
  deprecated;
* ``../shared/design/XURRENT_API.md``: connections with ``nodes`` and
  ``pageInfo { endCursor hasNextPage }``, ``rateLimit { cost limit remaining resetAt }``.

``python ../shared/tools/xurrent_names.py tests/http/xurrent_sdl.py`` must print ``ok`` (it
reads :data:`SDL`). Left out on purpose, since the page gives them no shape and a name we would
invent must not exist in the fake: ``customFields`` and every ``*Attachments`` input;
``RequestTemplate.actionType/completionReason`` (their enums have no listed values) with their
inputs and filter; ``Person.lifeCycleState/sendEmailNotifications/showNotificationPopup``.

Decisions where the documents are silent (none is a name of a described type):
* referenced-only types carry ``id``, and ``name`` where the documents map them by name
  (Service, ServiceInstance); ``services``, ``serviceInstances``, ``workflowTemplates`` take
  paging arguments only (their filters and views are undocumented);
* filter value inputs ``IdFilter``, ``StringFilter``, ``BooleanFilter``,
  ``ISO8601TimestampFilter``, ``<Enum>Filter``, each ``{ values: [...] negate: Boolean }``;
* ``order: [<Type>Order!]`` is ``{ field: <Type>OrderField! direction: OrderDirection }``,
  fields ``createdAt id name|subject updatedAt`` (shape undocumented: do not depend on it);
* view enums are ``<Type>View``; ``Account`` is ``{ id name }``; connections also have
  ``edges { cursor node }``, ``pageInfo { hasPreviousPage startCursor }``; no ``totalCount``.

Variants (:func:`sdl`): ``hour_ids`` exposes ``CalendarHour.id`` (the SDKs show none, so off by
default); ``request_template_on_boards=False`` is a deployment from before 2025-11;
``without`` drops further ``Type.field`` names (a deployment that lacks a field).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

from graphql import GraphQLInputObjectType, GraphQLObjectType, build_schema, print_schema

PAGE = "after: String, before: String, first: Int, last: Int"
"""Paging arguments of every connection (XURRENT_API.md "Reading")."""

_HAND_WRITTEN = Path(__file__).with_name("xurrent_types.gql").read_text(encoding="utf-8")
TYPES = "".join(
    line for line in _HAND_WRITTEN.splitlines(keepends=True) if not line.startswith("#")
).strip()
"""The hand-written object types, enums and child inputs (names of XURRENT_SCHEMA.md)."""

HOUR_WITHOUT_ID = "type CalendarHour {\n"
HOUR_WITH_ID = "type CalendarHour implements Node {\n  id: ID!\n"

CREATE_INPUTS = {
    "Calendar": "disabled: Boolean holidayIds: [ID!] name: String! "
    "newCalendarHours: [CalendarHoursInput!]",
    "Holiday": "calendarIds: [ID!] endAt: ISO8601DateTime! name: String! pictureUri: String "
    "startAt: ISO8601DateTime!",
    "Team": "agileBoardId: ID autoAssign: Boolean configurationManagerId: ID coordinatorId: ID "
    "disabled: Boolean inboundEmailLocalPart: String managerId: ID memberIds: [ID!] "
    "name: String! pictureUri: String remarks: String timeZone: TimeZone uiExtensionId: ID "
    "workHoursId: ID",
    "AgileBoard": "customerRepresentativeSlaIds: [ID!] description: String disabled: Boolean "
    "managerId: ID name: String! newColumns: [AgileBoardColumnInput!] pictureUri: String "
    "requestTemplateId: ID serviceInstanceId: ID",
    "ProductBacklog": "description: String disabled: Boolean name: String! pictureUri: String "
    "productOwnerId: ID requestTemplateId: ID serviceInstanceId: ID",
    "ScrumWorkspace": "agileBoardId: ID! description: String disabled: Boolean name: String! "
    "pictureUri: String productBacklogId: ID! sprintLength: Int! teamId: ID!",
    "UiExtension": "activate: Boolean category: UiExtensionCategory! css: String "
    "darkModeSafe: Boolean description: String disabled: Boolean formDefinition: JSON "
    "html: String javascript: String name: String! title: String",
    "RequestTemplate": "assetSelection: Boolean assignToSelf: Boolean category: RequestCategory "
    "configurationItemId: ID copySubjectToRequests: Boolean description: String "
    "desiredCompletion: Int disabled: Boolean effortClassId: ID endUsers: Boolean "
    "impact: RequestImpact instructions: String keywords: String memberId: ID note: String "
    "registrationHints: String reservationOfferingIds: [ID!] rfcTypeId: ID serviceId: ID "
    "specialists: Boolean status: RequestStatus subject: String! supplierId: ID "
    "supportHoursId: ID teamId: ID timeZone: TimeZone translateSubject: Boolean "
    "uiExtensionId: ID urgent: Boolean workflowManagerId: ID workflowTemplateId: ID",
    "Person": "authenticationID: String autoTranslation: Boolean configurationItemIds: [ID!] "
    "disabled: Boolean doNotTranslateLanguages: [String!] employeeID: String "
    "excludeTeamNotifications: Boolean information: String jobTitle: String language: String "
    "location: String managerId: ID name: String! oauthPersonEnablement: Boolean "
    "organizationId: ID pictureUri: String primaryEmail: String! siteId: ID "
    "skillPoolIds: [ID!] supportID: String teamIds: [ID!] timeFormat24h: Boolean "
    "timeZone: TimeZone uiExtensionId: ID vip: Boolean workHoursId: ID",
    "Organization": "businessUnit: Boolean businessUnitOrganizationId: ID disabled: Boolean "
    "endUserPrivacy: Boolean financialID: String managerId: ID name: String! parentId: ID "
    "permittedCustomerIds: [ID!] pictureUri: String region: String remarks: String "
    "substituteId: ID timeAllocationIds: [ID!] uiExtensionId: ID",
    "Site": "disabled: Boolean name: String! pictureUri: String remarks: String "
    "timeZone: TimeZone uiExtensionId: ID",
}
"""``<Type>CreateInput`` fields besides ``source sourceID clientMutationId`` (XURRENT_SCHEMA.md).

``<Type>UpdateInput`` is the same with ``id: ID!`` and nothing required, plus
:data:`UPDATE_ONLY` (the page lists them so; the mechanical rule keeps them from drifting)."""

UPDATE_ONLY = {
    "Calendar": "calendarHoursToDelete: [ID!]",
    "AgileBoard": "columnsToDelete: [ID!]",
}
"""Update input fields that the create input lacks (XURRENT_SCHEMA.md)."""

UPDATE_ONLY = {
    "Calendar": "calendarHoursToDelete: [ID!]",
    "AgileBoard": "columnsToDelete: [ID!]",
}
"""Update input fields that the create input lacks (XURRENT_SCHEMA.md)."""

DEPRECATED_ON_UPDATE = {"UiExtension": ("category", "The category can no longer be updated")}
"""``UiExtensionUpdateInput.category (deprecated)`` (XURRENT_SCHEMA.md)."""

ROOTS = {
    "Calendar": ("calendars", ""),
    "Holiday": ("holidays", ""),
    "Team": ("teams", "all coordinated_by_me current_account managed_by_me"),
    "AgileBoard": ("agileBoards", "all current_account"),
    "ProductBacklog": ("productBacklogs", "all current_account"),
    "ScrumWorkspace": ("scrumWorkspaces", "all current_account"),
    "UiExtension": ("uiExtensions", "all current_account"),
    "RequestTemplate": ("requestTemplates", "all current_account"),
    "Person": ("people", "all all_with_roles archive current_account trash"),
    "Organization": ("organizations", "all current_account managed_by_me"),
    "Site": ("sites", "all current_account"),
}
"""Root connection and ``view`` values of each type; calendars and holidays take no view."""

CONNECTIONS = {type_name: connection for type_name, (connection, _) in ROOTS.items()}

REFERENCE_CONNECTIONS = {
    "Service": "services",
    "ServiceInstance": "serviceInstances",
    "WorkflowTemplate": "workflowTemplates",
}
"""Undocumented root connections of referenced types (a decision: paging arguments only)."""

FILTERS = {
    "Calendar": "createdAt id name source sourceID updatedAt",
    "Holiday": "createdAt id source sourceID updatedAt",
    "Team": "coordinator createdAt disabled id manager name source sourceID updatedAt",
    "AgileBoard": "createdAt disabled id manager name requestTemplate serviceInstance source "
    "sourceID updatedAt",
    "ProductBacklog": "createdAt disabled id name productOwner requestTemplate serviceInstance "
    "source sourceID updatedAt",
    "ScrumWorkspace": "createdAt disabled id name productBacklog source sourceID team updatedAt",
    "UiExtension": "category createdAt createdBy darkModeSafe disabled id name source sourceID "
    "updatedAt updatedBy",
    "RequestTemplate": "category createdAt disabled endUsers id impact member service source "
    "sourceID specialists subject team uiExtension updatedAt workflowManager workflowTemplate",
    "Person": "authenticationID createdAt disabled employeeID guest id jobTitle location manager "
    "name organization primaryEmail site skillPool source sourceID supportID team updatedAt vip",
    "Organization": "businessUnit businessUnitOrganization createdAt disabled financialID id "
    "manager name parent source sourceID substitute updatedAt",
    "Site": "createdAt disabled id name source sourceID updatedAt",
}
"""Filter fields per root connection (XURRENT_SCHEMA.md "filter fields")."""

FILTER_TYPES = {
    "BooleanFilter": "businessUnit darkModeSafe disabled endUsers guest specialists vip",
    "StringFilter": "authenticationID employeeID financialID jobTitle location name "
    "primaryEmail source sourceID subject supportID",
    "ISO8601TimestampFilter": "createdAt updatedAt",
    "UiExtensionCategoryFilter": "UiExtension.category",
    "RequestCategoryFilter": "RequestTemplate.category",
    "RequestImpactFilter": "RequestTemplate.impact",
}
"""The value type of each filter field (a decision); any other field is an ``IdFilter``."""

OLDER_THAN_2025_11 = (
    "AgileBoard.requestTemplate",
    "AgileBoardCreateInput.requestTemplateId",
    "AgileBoardUpdateInput.requestTemplateId",
    "AgileBoardFilter.requestTemplate",
    "ProductBacklog.requestTemplate",
    "ProductBacklogCreateInput.requestTemplateId",
    "ProductBacklogUpdateInput.requestTemplateId",
    "ProductBacklogFilter.requestTemplate",
)
"""What a deployment from before 2025-11 lacks (XURRENT_SCHEMA.md, "What follows")."""


def _lower(name: str) -> str:
    return name[:1].lower() + name[1:]


def filter_type(type_name: str, field: str) -> str:
    for value_type, fields in FILTER_TYPES.items():
        if field in fields.split() or f"{type_name}.{field}" in fields.split():
            return value_type
    return "IdFilter"


def _root_connection(type_name: str, connection: str) -> tuple[list[str], str]:
    """The filter input, (where listed) the view and order types, and the root field."""
    filters = " ".join(f"{f}: {filter_type(type_name, f)}" for f in FILTERS[type_name].split())
    parts = [f"input {type_name}Filter {{ {filters} }}"]
    args = f"{PAGE}, filter: {type_name}Filter"
    views = ROOTS[type_name][1]
    if views:
        label = "subject" if type_name == "RequestTemplate" else "name"
        parts.append(f"enum {type_name}View {{ {views} }}")
        parts.append(f"enum {type_name}OrderField {{ createdAt id {label} updatedAt }}")
        parts.append(
            f"input {type_name}Order {{ direction: OrderDirection field: {type_name}OrderField! }}"
        )
        args += f", order: [{type_name}Order!], view: {type_name}View = current_account"
    return parts, f"{connection}({args}): {type_name}Connection"


def _mutations(type_name: str) -> tuple[list[str], list[str]]:
    """The Create/Update inputs and payloads, and the two mutation fields."""
    common = "clientMutationId: String source: String sourceID: String"
    fields = CREATE_INPUTS[type_name]
    optional = re.sub(r"(\w)!", r"\1", fields)  # nothing is required on update ...
    optional = re.sub(r"\[(\w+)\]", r"[\1!]", optional)  # ... but list items stay non-null
    extra = UPDATE_ONLY.get(type_name, "")
    if type_name in DEPRECATED_ON_UPDATE:
        name, reason = DEPRECATED_ON_UPDATE[type_name]
        optional = re.sub(
            rf"\b{name}: (\w+)", rf'{name}: \1 @deprecated(reason: "{reason}")', optional
        )
    key = _lower(type_name)
    parts = [
        f"input {type_name}CreateInput {{ {common} {fields} }}",
        f"input {type_name}UpdateInput {{ {common} id: ID! {optional} {extra} }}",
    ]
    fields_of_mutation = []
    for action in ("Create", "Update"):
        parts.append(
            f"type {type_name}{action}Payload {{ clientMutationId: String errors: [Error!] "
            f"{key}: {type_name} }}"
        )
        fields_of_mutation.append(
            f"{key}{action}(input: {type_name}{action}Input!): {type_name}{action}Payload"
        )
    return parts, fields_of_mutation


def _connections(text: str) -> list[str]:
    """``<Type>Connection`` and ``<Type>Edge`` for every connection the text uses."""
    names = sorted(set(re.findall(r"\b(\w+)Connection\b", text)))
    return [
        f"type {n}Connection {{ edges: [{n}Edge] nodes: [{n}] pageInfo: PageInfo! }}\n"
        f"type {n}Edge {{ cursor: String! node: {n} }}"
        for n in names
    ]


def _full_sdl(hour_ids: bool) -> str:
    assert TYPES.count(HOUR_WITHOUT_ID) == 1
    types = TYPES.replace(HOUR_WITHOUT_ID, HOUR_WITH_ID) if hour_ids else TYPES
    parts, query, mutations = [types], ["node(id: ID!): Node", "rateLimit: RateLimit"], []
    for type_name, connection in CONNECTIONS.items():
        definitions, root = _root_connection(type_name, connection)
        parts += definitions
        query.append(root)
    query += [f"{c}({PAGE}): {t}Connection" for t, c in REFERENCE_CONNECTIONS.items()]
    for type_name in CREATE_INPUTS:
        definitions, fields = _mutations(type_name)
        parts += definitions
        mutations += fields
    parts.append("type Query {\n  " + "\n  ".join(query) + "\n}")
    parts.append("type Mutation {\n  " + "\n  ".join(mutations) + "\n}")
    parts += _connections("\n".join(parts))
    return "\n".join(parts) + "\n"


def _without(text: str, names: Iterable[str]) -> str:
    """The SDL with each ``Type.field`` (object or input type) removed, printed anew."""
    schema = build_schema(text)
    for name in names:
        type_name, _, field = name.partition(".")
        gtype = schema.type_map.get(type_name)
        if not isinstance(gtype, (GraphQLObjectType, GraphQLInputObjectType)):
            raise ValueError(f"{name}: no object or input type {type_name} in the schema")
        if field not in gtype.fields:
            raise ValueError(f"{name}: {type_name} has no field {field}")
        del gtype.fields[field]
    return print_schema(schema)


def sdl(
    hour_ids: bool = False,
    request_template_on_boards: bool = True,
    without: Iterable[str] = (),
) -> str:
    """The SDL of one deployment: see the module docstring for the variants."""
    dropped = [*without, *(() if request_template_on_boards else OLDER_THAN_2025_11)]
    text = _full_sdl(hour_ids)
    return _without(text, dropped) if dropped else text


SDL = sdl()
"""The default account's schema: no hour ids, ``requestTemplate`` on boards and backlogs."""
