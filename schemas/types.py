"""Field types shared by the kinds: slugs, e-mails, times of day, weekdays, timestamps.

They normalise as they validate (e-mails lower-cased, times zero-padded, timestamps in UTC) so
that two spellings of the same value never show up as a difference in a plan.
"""

from __future__ import annotations

import difflib
import functools
import re
import zoneinfo
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, Field, PlainSerializer, WithJsonSchema

SLUG_PATTERN = r"^[a-z0-9](?:[a-z0-9_.-]{0,126}[a-z0-9])?$"
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_TIME = re.compile(r"^([01]?\d|2[0-4]):([0-5]\d)$")

Slug = Annotated[
    str,
    Field(
        pattern=SLUG_PATTERN,
        description="A stable record id: lower-case letters, digits, '-', '_' or '.', at most 128.",
    ),
]
"""A record's identity across environments; also the value of references to config records."""

_SEGMENT = r"[a-z0-9](?:[a-z0-9_.-]{0,126}[a-z0-9])?"
ENVIRONMENT_NAME_PATTERN = rf"^{_SEGMENT}(?:/{_SEGMENT}){{0,7}}$"
"""An environment's name: its folder's path below ``environments/``, one slug per folder
(``dev``, ``customers/acme``). No segment can be ``.`` or ``..`` nor empty, so a name never
climbs out of the folder it names, and no segment holds ``~``, which paths built from a name
use in place of ``/`` (:func:`syncset.safepath.environment_component`)."""

EnvironmentName = Annotated[
    str,
    Field(
        pattern=ENVIRONMENT_NAME_PATTERN,
        description="The environment's folder below environments/: slugs joined by '/', "
        "e.g. dev or customers/acme.",
    ),
]

NonEmptyStr = Annotated[str, Field(min_length=1)]

Disabled = Annotated[
    bool,
    Field(
        description="Whether the record is disabled in the account. Always compared: false "
        "(the default) brings back a record that was disabled there."
    ),
]
"""Every kind's ``disabled`` (see :func:`syncset.config.validate.normalise`)."""


def _check_email(value: str) -> str:
    value = value.strip()
    if not _EMAIL.match(value):
        raise ValueError(f"{value!r} is not an e-mail address (expected name@domain.example)")
    return value.lower()


EMAIL_PATTERN = r"^\s*[^@\s]+@[^@\s]+\.[^@\s]+\s*$"
"""What :func:`_check_email` accepts, for the editor schema (around its ``format: email``)."""

Email = Annotated[
    str,
    AfterValidator(_check_email),
    WithJsonSchema({"type": "string", "format": "email", "pattern": EMAIL_PATTERN}),
]
"""An e-mail address, compared case-insensitively (stored lower-case)."""


@functools.cache
def _time_zones() -> frozenset[str]:
    """The IANA zone names, listed once per process: ``zoneinfo.available_timezones`` walks
    the whole tz database (tens of milliseconds) on every call, and this check runs for every
    record and every live row with a time zone."""
    return frozenset(zoneinfo.available_timezones())


def _check_time_zone(value: str) -> str:
    """The platform accepts IANA zone names only; the `tzdata` package ships the database so
    the check is the same on machines without /usr/share/zoneinfo."""
    known = _time_zones()
    if value in known:
        return value
    close = difflib.get_close_matches(value, sorted(known), n=1)
    hint = f"did you mean {close[0]!r}?" if close else "use an IANA name such as 'Europe/Amsterdam'"
    raise ValueError(f"{value!r} is not a time zone in the IANA database: {hint}")


TimeZone = Annotated[str, AfterValidator(_check_time_zone)]
"""An IANA time zone name (``Europe/Amsterdam``), checked against the tz database."""


def _parse_time(value: Any) -> str:
    if isinstance(value, int) and not isinstance(value, bool):
        # YAML 1.1 reads 09:00 as the sexagesimal integer 540: turn it back into a time.
        value = f"{value // 60:02d}:{value % 60:02d}"
    if isinstance(value, time):
        value = value.strftime("%H:%M")
    if not isinstance(value, str):
        raise ValueError("expected a time of day as HH:MM")
    match = _TIME.match(value.strip())
    if not match or (int(match.group(1)) == 24 and match.group(2) != "00"):
        raise ValueError(f"{value!r} is not a time of day (expected HH:MM, 00:00 to 24:00)")
    return f"{int(match.group(1)):02d}:{match.group(2)}"


TIME_OF_DAY_PATTERN = r"^\s*(?:(?:[01]?\d|2[0-3]):[0-5]\d|24:00)\s*$"
"""What :func:`_parse_time` accepts as text. Not JSON Schema's ``format: time``: that is RFC
3339's ``08:00:00Z``, with seconds and a zone, and it has neither ``24:00`` nor ``8:00``."""

TimeOfDay = Annotated[
    str,
    BeforeValidator(_parse_time),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "string", "pattern": TIME_OF_DAY_PATTERN},
                # A YAML 1.1 loader reads an unquoted 08:00 as the integer 480 (minutes).
                {"type": "integer", "minimum": 0, "maximum": 24 * 60},
            ]
        }
    ),
]
"""A time of day as ``HH:MM``; 24:00 is allowed as the end of a day."""


def _parse_timestamp(value: Any) -> datetime:
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        moment = datetime(value.year, value.month, value.day)
    elif isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            raise ValueError(
                f"{value!r} is not a date or timestamp (expected 2026-12-25 or "
                "2026-12-25T09:00:00Z)"
            ) from None
    else:
        raise ValueError("expected a date (2026-12-25) or a timestamp (2026-12-25T09:00:00Z)")
    # A timestamp without a zone is read as UTC: YAML loaders disagree about zones otherwise.
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def _format_timestamp(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


_DAY = r"\d{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01])"
_CLOCK = r"(?:[01]\d|2[0-3])(?::?[0-5]\d(?::?[0-5]\d(?:[.,]\d+)?)?)?"
_OFFSET = r"(?:Z|[+-](?:[01]\d|2[0-3])(?::?[0-5]\d)?)?"
LOCAL_TIMESTAMP_PATTERN = rf"^\s*{_DAY}(?:[Tt ]{_CLOCK}{_OFFSET})?\s*$"
"""The ISO 8601 timestamps :func:`_parse_timestamp` reads that RFC 3339's ``date-time`` refuses:
no zone (read as UTC), a space for the ``T``, no seconds (``2026-12-25 09:00``)."""

Timestamp = Annotated[
    datetime,
    BeforeValidator(_parse_timestamp),
    PlainSerializer(_format_timestamp, return_type=str),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "string", "format": "date"},
                {"type": "string", "format": "date-time"},
                {"type": "string", "pattern": LOCAL_TIMESTAMP_PATTERN},
            ]
        }
    ),
]
"""A moment in time, normalised to UTC and written as ``2026-12-25T00:00:00Z``."""


_DATE_ONLY = re.compile(r"^\s*(\d{4})-(\d{2})-(\d{2})\s*$")


def end_of_day(value: Any) -> Any:
    """A bare date as an *end* means the whole day is included: it ends at the next midnight.

    Quoted (or templated) dates are strings by the time they arrive; they count as dates too.
    """
    if isinstance(value, str) and (match := _DATE_ONLY.match(value)):
        try:
            value = date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
        except ValueError:
            return value
    if isinstance(value, date) and not isinstance(value, datetime):
        return datetime(value.year, value.month, value.day) + timedelta(days=1)
    return value


def known_values(enum: type[StrEnum], what: str, renamed: dict[str, str] | None = None) -> Any:
    """A validator for ``enum`` whose error says which values Xurrent has.

    ``renamed`` maps values that older syncset files used to the value to write now, so that
    validate says ``'monday' is not a weekday: Xurrent uses mon, tue, … (write mon)``. Used as
    ``Annotated[Enum, known_values(Enum, ...)]``: the JSON Schema still offers exactly the enum's
    values.
    """
    values = [member.value for member in enum]
    old = renamed or {}

    def check(value: Any) -> Any:
        if value is None or isinstance(value, enum) or value in values:
            return value
        hint = f"'{value}' is not {what}: Xurrent uses {', '.join(values)}"
        if isinstance(value, str) and value.strip().lower() in old:
            hint += f" (write {old[value.strip().lower()]})"
        raise ValueError(hint)

    return BeforeValidator(check)


class Weekday(StrEnum):
    """Days of the week as Xurrent's ``Weekday`` enum spells them."""

    MON = "mon"
    TUE = "tue"
    WED = "wed"
    THU = "thu"
    FRI = "fri"
    SAT = "sat"
    SUN = "sun"


_OLD_WEEKDAYS = {
    "monday": "mon",
    "tuesday": "tue",
    "wednesday": "wed",
    "thursday": "thu",
    "friday": "fri",
    "saturday": "sat",
    "sunday": "sun",
}

WeekdayValue = Annotated[Weekday, known_values(Weekday, "a weekday", _OLD_WEEKDAYS)]
"""A weekday of calendar hours, ``mon`` … ``sun``; the long names of syncset 0.1 are pointed at."""
