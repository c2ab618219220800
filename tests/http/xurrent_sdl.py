"""The GraphQL schema of the fake 4me/Xurrent account, written from the public documentation.

Source: ../shared/design/XURRENT_API.md (developer.4me.com / developer.xurrent.com and the SDKs
generated from the live schema). Only the types the sync sets use are here. The object types and
their create inputs are written out by hand; the mechanical parts (connections, filters, update
inputs, payloads, the query and mutation roots) are generated from those, the same way for every
type, so one rule cannot drift between types.

Deliberate choices where the documentation is silent (they make the fake *stricter*):
* list connections take ``view`` and default to ``current``, which leaves disabled records out,
  so a provider that forgets ``view: all`` misses them;
* ``first``/``last`` is required and must be 1..100 (enforced by the resolvers).
"""

from __future__ import annotations

import re

OBJECTS = """
interface Node { id: ID! }
scalar ISO8601Timestamp
type PageInfo {
  hasNextPage: Boolean! hasPreviousPage: Boolean! startCursor: String endCursor: String
}
type Error { path: [String!] message: String! }
type RateLimit { cost: Int! limit: Int! remaining: Int! resetAt: ISO8601Timestamp! }
enum RecordView { all current disabled }
enum Weekday { monday tuesday wednesday thursday friday saturday sunday }
enum AgileBoardColumnActionType { no_action assign progress wait complete }
input StringFilter { values: [String!] }

type Calendar implements Node {
  id: ID! source: String sourceID: String name: String! description: String timeZone: String
  disabled: Boolean! holidays(ARGS): HolidayConnection calendarHours(ARGS): CalendarHoursConnection
  createdAt: ISO8601Timestamp updatedAt: ISO8601Timestamp
}
type CalendarHours { id: ID! weekday: Weekday! timeFrom: String! timeUntil: String! }
type Holiday implements Node {
  id: ID! source: String sourceID: String name: String! startAt: ISO8601Timestamp!
  endAt: ISO8601Timestamp! disabled: Boolean! calendars(ARGS): CalendarConnection
}
type Team implements Node {
  id: ID! source: String sourceID: String name: String! description: String
  coordinator: Person manager: Person configurationManager: Person members(ARGS): PersonConnection
  workHours: Calendar agileBoard: AgileBoard uiExtension: UiExtension disabled: Boolean!
}
type AgileBoard implements Node {
  id: ID! source: String sourceID: String name: String! description: String manager: Person
  requestTemplate: RequestTemplate disabled: Boolean! columns(ARGS): AgileBoardColumnConnection
}
type AgileBoardColumn {
  id: ID! name: String! description: String position: Int!
  actionType: AgileBoardColumnActionType! clearMember: Boolean wipLimit: Int team: Team
  member: Person
}
type ProductBacklog implements Node {
  id: ID! source: String sourceID: String name: String! description: String productOwner: Person
  requestTemplate: RequestTemplate disabled: Boolean!
}
type ScrumWorkspace implements Node {
  id: ID! source: String sourceID: String name: String! description: String team: Team!
  productBacklog: ProductBacklog! agileBoard: AgileBoard! sprintLength: Int! disabled: Boolean!
}
type UiExtension implements Node {
  id: ID! source: String sourceID: String name: String! category: String! title: String
  description: String html: String css: String javascript: String activate: Boolean
  disabled: Boolean!
}
type RequestTemplate implements Node {
  id: ID! source: String sourceID: String subject: String! category: String instructions: String
  note: String team: Team supportHours: Calendar uiExtension: UiExtension supplier: Organization
  disabled: Boolean!
}
type Person implements Node {
  id: ID! source: String sourceID: String name: String! primaryEmail: String!
  organization: Organization site: Site manager: Person disabled: Boolean!
}
type Organization implements Node {
  id: ID! source: String sourceID: String name: String! parent: Organization manager: Person
  disabled: Boolean!
}
type Site implements Node {
  id: ID! source: String sourceID: String name: String! disabled: Boolean!
}

input CalendarHoursInput { id: ID weekday: Weekday timeFrom: String timeUntil: String }
input AgileBoardColumnInput {
  id: ID name: String description: String position: Int actionType: AgileBoardColumnActionType
  dialogType: String clearMember: Boolean removeAfter: Int wipLimit: Int teamId: ID memberId: ID
}
"""

CREATE_INPUTS = {
    "Calendar": "name: String! description: String timeZone: String disabled: Boolean "
    "holidayIds: [ID!] newCalendarHours: [CalendarHoursInput!]",
    "Holiday": "name: String! startAt: ISO8601Timestamp! endAt: ISO8601Timestamp! "
    "disabled: Boolean calendarIds: [ID!]",
    "Team": "name: String! description: String coordinatorId: ID managerId: ID "
    "configurationManagerId: ID memberIds: [ID!] workHoursId: ID agileBoardId: ID "
    "uiExtensionId: ID disabled: Boolean",
    "AgileBoard": "name: String! description: String managerId: ID requestTemplateId: ID "
    "serviceInstanceId: ID disabled: Boolean newColumns: [AgileBoardColumnInput!]",
    "ProductBacklog": "name: String! description: String productOwnerId: ID "
    "requestTemplateId: ID serviceInstanceId: ID disabled: Boolean",
    "ScrumWorkspace": "name: String! description: String teamId: ID! productBacklogId: ID! "
    "agileBoardId: ID! sprintLength: Int! disabled: Boolean",
    "UiExtension": "category: String! name: String! title: String description: String "
    "html: String css: String javascript: String activate: Boolean disabled: Boolean",
    "RequestTemplate": "subject: String! category: String instructions: String note: String "
    "teamId: ID supportHoursId: ID uiExtensionId: ID supplierId: ID serviceId: ID "
    "workflowTemplateId: ID disabled: Boolean",
}
"""Create inputs (besides ``clientMutationId``, ``source`` and ``sourceID``, which all have)."""

DELETE_INPUTS = {"Calendar": "calendarHoursToDelete: [ID!]", "AgileBoard": "columnsToDelete: [ID!]"}

CONNECTIONS = {
    "Calendar": "calendars",
    "Holiday": "holidays",
    "Team": "teams",
    "AgileBoard": "agileBoards",
    "ProductBacklog": "productBacklogs",
    "ScrumWorkspace": "scrumWorkspaces",
    "UiExtension": "uiExtensions",
    "RequestTemplate": "requestTemplates",
    "Person": "people",
    "Organization": "organizations",
    "Site": "sites",
}

_ARGS = "first: Int, last: Int, after: String, before: String"


def _lower(name: str) -> str:
    return name[:1].lower() + name[1:]


def build_sdl() -> str:
    parts = [OBJECTS.replace("ARGS", _ARGS)]
    query = ["node(id: ID!): Node", "rateLimit: RateLimit"]
    mutation = []
    for type_name in [*CONNECTIONS, "CalendarHours", "AgileBoardColumn"]:
        parts.append(f"type {type_name}Connection {{ nodes: [{type_name}!]! pageInfo: PageInfo! }}")
    for type_name, connection in CONNECTIONS.items():
        parts.append(f"input {type_name}Filter {{ sourceID: StringFilter name: StringFilter }}")
        query.append(
            f"{connection}({_ARGS}, view: RecordView, filter: {type_name}Filter): "
            f"{type_name}Connection"
        )
    common = "clientMutationId: String source: String sourceID: String"
    for type_name, fields in CREATE_INPUTS.items():
        optional = re.sub(r"!(?=\s|$)", "", fields)
        optional = re.sub(r"(\[\w+)(\])", r"\1!\2", optional)  # list items stay non-null
        extra = DELETE_INPUTS.get(type_name, "")
        parts.append(f"input {type_name}CreateInput {{ {common} {fields} }}")
        parts.append(f"input {type_name}UpdateInput {{ {common} id: ID! {optional} {extra} }}")
        for action in ("Create", "Update"):
            parts.append(
                f"type {type_name}{action}Payload {{ errors: [Error!] "
                f"{_lower(type_name)}: {type_name} clientMutationId: String }}"
            )
            mutation.append(
                f"{_lower(type_name)}{action}(input: {type_name}{action}Input!): "
                f"{type_name}{action}Payload"
            )
    parts.append("type Query {\n  " + "\n  ".join(query) + "\n}")
    parts.append("type Mutation {\n  " + "\n  ".join(mutation) + "\n}")
    return "\n".join(parts)


SDL = build_sdl()
