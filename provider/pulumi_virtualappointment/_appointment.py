"""The ``virtualAppointment`` kind (Graph beta; retired by Microsoft, served by the emulator).

Pure: a description for the engine. Paths: ``me/onlineMeetings/{id}/virtualAppointment`` or
``users/{userId}/onlineMeetings/{id}/virtualAppointment``; created with a PUT after a GET; a
property removed from the program is cleared with ``null``. An online meeting id names its
organiser, so ``onlineMeetingId`` alone picks the appointment and ``userId`` only re-addresses it.
"""

from __future__ import annotations

import re
from typing import Any, Mapping
from urllib.parse import quote, unquote, urlsplit

from ._errors import AppointmentExistsError
from ._model import Flag, Items, Kind, Record, Text, validate

__all__ = [
    "APPOINTMENT",
    "MANAGED_KEYS",
    "GRAPH_PROPERTIES",
    "SETTINGS_KEYS",
    "CLIENT_KEYS",
    "resource_path",
    "parse_resource_path",
    "validate_properties",
    "segment",
    "parse_meeting_path",
]

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]+$")
_PHONE = re.compile(r"^\+?[0-9()\-. ]+$")
MAX_CLIENTS = 100


def is_url(value: str) -> bool:
    parts = urlsplit(value)
    return parts.scheme.lower() in ("http", "https") and bool(parts.netloc) and " " not in value


def _is_phone(value: str) -> bool:
    return bool(_PHONE.match(value)) and 3 <= sum(ch.isdigit() for ch in value) <= 20


URL = Text(is_url, "expected an absolute http(s) URL such as https://example.com/a")
EMAIL = Text(_EMAIL.match, "expected an email address such as name@contoso.com")
PHONE = Text(
    _is_phone,
    "expected a phone number of digits with optional +, spaces, dashes, dots or brackets (for example +1 425-555-0100)",
)
_CLIENT = Record(
    members={"displayName": Text(), "emailAddress": EMAIL, "smsCapablePhoneNumber": PHONE}, at_least_one=True
)


def segment(value: str) -> str:
    """One id as a path segment (percent-encoded, so ``/`` in an id never splits the path)."""
    return quote(value, safe="=-_.~")


def owner(user_id: Any) -> str:
    """``me`` or ``users/{userId}``: whose meetings a path addresses."""
    return f"users/{segment(user_id)}" if user_id else "me"


def resource_path(online_meeting_id: str, user_id: str | None = None) -> str:
    """The Graph path below the version, also the Pulumi resource id."""
    return f"{owner(user_id)}/onlineMeetings/{segment(online_meeting_id)}/virtualAppointment"


def parse_meeting_path(path: Any, tail: tuple[str, ...] = ()) -> tuple[str, str | None]:
    """``me/onlineMeetings/{id}`` or ``users/{userId}/onlineMeetings/{id}``, then the segments
    ``tail``: ``(meeting id, user id or None)``. ``ValueError`` (saying what is expected) for anything
    else, including an empty id and the dot segments ``.`` and ``..``, which URL normalisation would
    remove from a path. (Whether an id is one a program may declare is ``validate``'s to say.)"""
    parts = path.strip("/").split("/") if isinstance(path, str) else []
    n = len(tail)
    if parts[:2] == ["me", "onlineMeetings"] and len(parts) == 3 + n and tuple(parts[3:]) == tail:
        meeting, user = unquote(parts[2]), None
    elif parts[:1] == ["users"] and parts[2:3] == ["onlineMeetings"] and len(parts) == 4 + n and tuple(parts[4:]) == tail:
        meeting, user = unquote(parts[3]), unquote(parts[1])
    else:
        meeting = user = ""
    if any(part in ("", ".", "..") for part in (meeting, user)):
        suffix = "".join(f"/{t}" for t in tail)
        kind = tail[-1] if tail else "onlineMeeting"
        raise ValueError(
            f"{path!r} is not {'an' if kind[0] in 'aeiou' else 'a'} {kind} id; expected me/onlineMeetings/{{id}}{suffix} "
            f"or users/{{userId}}/onlineMeetings/{{id}}{suffix}, each id one path segment (not '.' or '..')"
        )
    return meeting, user


def parse_resource_path(path: Any) -> tuple[str, str | None]:
    """Inverse of :func:`resource_path`: ``(online_meeting_id, user_id or None)``; see
    :func:`parse_meeting_path` for what is refused."""
    return parse_meeting_path(path, ("virtualAppointment",))


def _address(props: Mapping[str, Any]) -> str:
    return resource_path(props["onlineMeetingId"], props.get("userId"))


def _identity_of(id_: str) -> dict[str, Any]:
    meeting, user = parse_resource_path(id_)
    return {"onlineMeetingId": meeting, **({"userId": user} if user else {})}


APPOINTMENT = Kind(
    name="virtualAppointment",
    resource="VirtualAppointment",
    api_version="beta",
    fields={
        "appointmentClientJoinWebUrl": URL,
        "appointmentClients": Items(_CLIENT, noun="clients", max_items=MAX_CLIENTS),
        "externalAppointmentId": Text(),
        "externalAppointmentUrl": URL,
        "settings": Record(
            members={"allowClientToJoinUsingBrowser": Flag()},
            required=("allowClientToJoinUsingBrowser",),
            hint="true or false",
        ),
    },
    identity=("onlineMeetingId", "userId"),
    replaces=("onlineMeetingId",),
    required={"onlineMeetingId": "is required: set online_meeting_id to the Teams online meeting id"},
    computed=("etag", "joinWebUrl"),
    graph_computed=("appointmentClientJoinWebUrl",),
    address=_address,
    identity_of=_identity_of,
    object_key="onlineMeetingId",
    create="put",
    from_body={"joinWebUrl": "appointmentClientJoinWebUrl"},
    exists_error=AppointmentExistsError,
    exists_messages={"": (
        "The online meeting already has a virtualAppointment ({path}), so it was not created and nothing was "
        "changed. To manage the existing appointment from this program, set adopt_existing=True (adoptExisting) "
        "on the resource; the next `pulumi up` then changes only the properties the program declares."
    )},
    get_hint="check the online meeting id and the user in that id.",
    readdress_hint=(
        "An online meeting id already names its organiser: user_id can only say who that is (unset means the "
        "signed-in user)."
    ),
)
"""The virtualAppointment of a Teams online meeting (GRAPH_NOTES.md, docs/graph.md)."""

MANAGED_KEYS = APPOINTMENT.managed_keys
"""Graph properties the program can manage, in the stable order bodies are written in."""
GRAPH_PROPERTIES = frozenset(MANAGED_KEYS)
"""Every writable property of virtualAppointment (the entity key ``id`` is read-only)."""
SETTINGS_KEYS = ("allowClientToJoinUsingBrowser",)
CLIENT_KEYS = ("displayName", "emailAddress", "smsCapablePhoneNumber")


def _graph_keys(value: Any, names: Mapping[str, str]) -> Any:
    if isinstance(value, Mapping):
        return {names.get(k, k) if isinstance(k, str) else k: _graph_keys(v, names) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_graph_keys(v, names) for v in value]
    return value


def validate_properties(props: Mapping[str, Any]) -> list[str]:
    """Validate Python-named properties (as a program or a data file spells them) up front.

    Returns one message per problem, each starting with the Python argument path, so a program
    that declares appointments from data can report file, entry and property together.
    """
    graph_names = {python: graph for graph, python in APPOINTMENT.python_names().items()}
    _, failures = validate(APPOINTMENT, _graph_keys(props, graph_names) if isinstance(props, Mapping) else props)
    return [f"{APPOINTMENT.python_path(f.path) or '(properties)'}: {f.reason}" for f in failures]

