"""OData values as Graph reads them: date-times to 100 ns, checks of primitives, enums and complex types.

Pure: standard library and ``_json`` only. A *check* takes a value that is not ``null`` and the
property path it came from, and returns the value's stored form or raises :class:`BodyError`
naming that path (Graph: 400). An :class:`Enum` lists the members a client may send (never the
``unknownFutureValue`` sentinel) and, per API version, those that are only shown on request
(evolvable members, after the sentinel in that version's schema: a member can be evolvable in
v1.0 and a regular one in beta). A :class:`Complex` type checks the members sent, refuses
unknown ones, and merges them member by member onto a current value or the members' defaults.

``$filter`` is read for the one lookup a client of the meeting makes: ``JoinWebUrl eq '{url}'``
(:func:`join_web_url_filter`). ``$select`` (:func:`select_list`) is a comma-separated list of
property names, white space around each ignored, matched in any case (as the docs spell
``JoinWebUrl`` for ``joinWebUrl``) and answered in the schema's spelling; ``*`` selects everything.
A name the type does not have is a 400 ``Could not find a property named '{name}' on type
'microsoft.graph.{type}'.`` (OData's wording, as Graph answers it); an empty list or item, or
``$select`` given twice, is a 400 too. The docs are silent on all of these details: these are
the emulator's choices.

Date-times are read as ISO 8601 with an offset (none means UTC), kept as 100 ns ticks since
0001-01-01 (digits past the seventh are dropped, the docs being silent on rounding), and written
in UTC with seven fractional digits, as Graph writes them: ``2026-12-01T09:00:00.0000000Z``.
"""

from __future__ import annotations

import copy
import json
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any, Callable, Mapping, Sequence

from ._json import BodyError, is_annotation

__all__ = [
    "Check",
    "Complex",
    "Enum",
    "HOUR",
    "SENTINEL",
    "boolean",
    "collection",
    "expected",
    "format_time",
    "join_web_url_filter",
    "now_ticks",
    "open_object",
    "parse_time",
    "select_list",
    "string",
    "time_value",
]

SENTINEL = "unknownFutureValue"
"""What an evolvable member is shown as when the client did not ask for evolvable members."""


# -- times -------------------------------------------------------------------------------

TICKS_PER_SECOND = 10_000_000
HOUR = 3600 * TICKS_PER_SECOND
_EPOCH = datetime(1, 1, 1, tzinfo=timezone.utc)
_TIME = re.compile(
    r"([0-9]{4})-([0-9]{2})-([0-9]{2})T([0-9]{2}):([0-9]{2})(?::([0-9]{2})(?:\.([0-9]+))?)?(Z|[+-][0-9]{2}:[0-9]{2})?"
)


def _bad_time(value: Any, where: str) -> BodyError:
    return BodyError(
        f"Invalid value for property '{where}': expected a date and time such as 2026-12-01T09:00:00Z, "
        f"got {json.dumps(value)}."
    )


def parse_time(value: Any, where: str) -> int:
    """An ISO 8601 date and time as 100 ns ticks since 0001-01-01 UTC (no offset: UTC)."""
    match = _TIME.fullmatch(value) if isinstance(value, str) else None
    if match is None:
        raise _bad_time(value, where)
    year, month, day, hour, minute, second, fraction, zone = match.groups()
    try:
        moment = datetime(int(year), int(month), int(day), int(hour), int(minute), int(second or 0),
                          tzinfo=timezone.utc)
        if zone and zone != "Z":
            hours, minutes = int(zone[1:3]), int(zone[4:6])
            if minutes >= 60:
                raise ValueError(zone)
            moment -= (1 if zone[0] == "+" else -1) * timedelta(hours=hours, minutes=minutes)
    except (ValueError, OverflowError):
        raise _bad_time(value, where) from None
    seconds = (moment - _EPOCH) // timedelta(seconds=1)
    return seconds * TICKS_PER_SECOND + int((fraction or "")[:7].ljust(7, "0"))


def format_time(ticks: int, where: str) -> str:
    """Graph's UTC form with seven fractional digits; a 400 naming ``where`` past year 9999."""
    seconds, fraction = divmod(ticks, TICKS_PER_SECOND)
    try:
        moment = _EPOCH + timedelta(seconds=seconds)
    except OverflowError:
        raise BodyError(f"Invalid value for property '{where}': the time is after 9999-12-31.") from None
    return f"{moment.year:04d}-{moment:%m-%dT%H:%M:%S}.{fraction:07d}Z"


def now_ticks() -> int:
    """The current time in ticks (to the microsecond the clock gives)."""
    return (datetime.now(timezone.utc) - _EPOCH) // timedelta(microseconds=1) * 10


# -- types -------------------------------------------------------------------------------

Check = Callable[[Any, str], Any]
"""Validates a value that is not ``null`` and returns its stored form, or raises BodyError."""


def expected(where: str, what: str, value: Any) -> BodyError:
    """The 400 for a value of the wrong type at ``where``."""
    return BodyError(f"Invalid value for property '{where}': expected {what}, got {json.dumps(value)}.")


def boolean(value: Any, where: str) -> bool:
    """A JSON boolean (no strings: Graph's onlineMeeting examples send true and false)."""
    if isinstance(value, bool):
        return value
    raise expected(where, "a boolean", value)


def string(value: Any, where: str) -> str:
    """A JSON string."""
    if isinstance(value, str):
        return value
    raise expected(where, "a string", value)


def time_value(value: Any, where: str) -> str:
    """A date-time, stored as Graph writes it back."""
    return format_time(parse_time(value, where), where)


def collection(item: Check) -> Check:
    """A JSON array, each element checked by ``item``."""

    def check(value: Any, where: str) -> list:
        if not isinstance(value, list):
            raise expected(where, "a collection", value)
        return [item(element, f"{where}[{index}]") for index, element in enumerate(value)]
    return check


@dataclass(frozen=True)
class Enum:
    """An OData enum: the members a client may send, and per API version those only shown when asked for."""

    name: str
    members: tuple[str, ...]
    evolvable: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    """``{version: members after unknownFutureValue in that version's schema}``."""

    def __call__(self, value: Any, where: str) -> str:
        if isinstance(value, str) and value in self.members:
            return value
        raise BodyError(
            f"Invalid value for property '{where}': {json.dumps(value)} is not a member of '{self.name}'; "
            f"allowed values: {', '.join(self.members)}."
        )

    def shown(self, value: Any, version: str, include_unknown: bool) -> Any:
        """``unknownFutureValue`` for a member evolvable in ``version``, unless the client asked for them."""
        return SENTINEL if value in self.evolvable.get(version, ()) and not include_unknown else value


@dataclass(frozen=True)
class Complex:
    """A complex type: members with their checks and defaults, merged member by member."""

    type_name: str
    members: Mapping[str, tuple[Check, Any]]

    def clean(self, value: Any, where: str) -> dict[str, Any]:
        """The members sent, checked; ``None`` is kept (it resets that member)."""
        if not isinstance(value, dict):
            raise expected(where, "an object", value)
        given = {}
        for key, member in value.items():
            if is_annotation(key):
                continue
            if key not in self.members:
                raise BodyError(
                    f"Invalid request body: property '{where}.{key}' does not exist on type "
                    f"'microsoft.graph.{self.type_name}'."
                )
            given[key] = None if member is None else self.members[key][0](member, f"{where}.{key}")
        return given

    def defaults(self) -> dict[str, Any]:
        """Every member at its default."""
        return {key: copy.deepcopy(default) for key, (_, default) in self.members.items()}

    def merged(self, current: Mapping[str, Any] | None, given: Mapping[str, Any]) -> dict[str, Any]:
        """``current`` (or the defaults) with the given members; ``None`` resets a member."""
        result = self.defaults() if current is None else copy.deepcopy(dict(current))
        for key, value in given.items():
            result[key] = copy.deepcopy(self.members[key][1]) if value is None else value
        return result

    def __call__(self, value: Any, where: str) -> dict[str, Any]:
        """As a member of another type: a whole value, unsent members at their defaults."""
        return self.merged(None, self.clean(value, where))


def open_object(known: Mapping[str, Check]) -> Check:
    """An open type: known members checked, others kept as sent, annotations dropped."""

    def check(value: Any, where: str) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise expected(where, "an object", value)
        return {
            key: member if member is None or key not in known else known[key](member, f"{where}.{key}")
            for key, member in value.items()
            if not is_annotation(key)
        }
    return check


# -- $filter -----------------------------------------------------------------------------

_JOIN_WEB_URL_FILTER = re.compile(r"\s*joinWebUrl\s+eq\s+'((?:[^']|'')*)'\s*", re.IGNORECASE | re.DOTALL)


def join_web_url_filter(expressions: Sequence[str]) -> str:
    """The join URL of ``$filter=JoinWebUrl eq '{joinWebUrl}'`` (``expressions``: every ``$filter``
    of the query, already percent-decoded once, so a URL the client encoded as the docs ask comes
    out as Graph wrote it); an OData string literal doubles its quotes. The docs spell the property
    ``JoinWebUrl``, the schema ``joinWebUrl``: either case is read. Any other filter, none, or more
    than one is a 400 saying what is served."""
    if not expressions:
        raise BodyError(
            "This request needs a $filter: the emulator serves the onlineMeetings collection only as "
            "$filter=JoinWebUrl eq '{joinWebUrl}', which finds one meeting by its join URL."
        )
    if len(expressions) > 1:
        raise BodyError(f"$filter is given {len(expressions)} times: the emulator reads one, JoinWebUrl eq '{{joinWebUrl}}'.")
    match = _JOIN_WEB_URL_FILTER.fullmatch(expressions[0])
    if match is None:
        raise BodyError(
            f"Invalid $filter {json.dumps(expressions[0])}: the emulator supports only JoinWebUrl eq '{{joinWebUrl}}' "
            "(the join URL URL-encoded, a quote in it doubled)."
        )
    return match.group(1).replace("''", "'")


# -- $select -----------------------------------------------------------------------------


def select_list(expressions: Sequence[str], names: Sequence[str], type_name: str) -> tuple[str, ...] | None:
    """The properties ``$select`` names, in the schema's spelling and the order asked, without
    repeats; ``None`` when there is no ``$select`` or it selects everything (``*``). ``names`` are
    the type's properties (matched in any case); anything else is a :class:`BodyError`."""
    if not expressions:
        return None
    if len(expressions) > 1:
        raise BodyError(f"$select is given {len(expressions)} times: the emulator reads one.")
    items = [item.strip() for item in expressions[0].split(",")]
    if not all(items):
        raise BodyError(f"Invalid $select '{expressions[0]}': expected property names separated by commas.")
    if "*" in items:
        return None
    known = {name.lower(): name for name in names}
    selected: dict[str, None] = {}
    for item in items:
        name = known.get(item.lower())
        if name is None:
            raise BodyError(f"Could not find a property named '{item}' on type 'microsoft.graph.{type_name}'.")
        selected[name] = None
    return tuple(selected)
