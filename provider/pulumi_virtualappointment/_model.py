"""The virtualAppointment property schema: validation and normalisation.

Pure: standard library only. State uses Graph's camelCase names, so a PATCH body is a slice
of state. ``check`` in the provider is ``validate`` here; every failure names the property
path (``appointmentClients[1].emailAddress``) and says how to fix it.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any, Callable, Mapping
from urllib.parse import quote, unquote, urlsplit

__all__ = [
    "UNKNOWN",
    "IDENTITY_KEYS",
    "MANAGED_KEYS",
    "GRAPH_PROPERTIES",
    "SETTINGS_KEYS",
    "CLIENT_KEYS",
    "Failure",
    "validate",
    "managed",
    "has_unknown",
    "normalise_live",
    "LiveValueError",
    "same_user",
    "resource_path",
    "parse_resource_path",
    "checked_resource_id",
    "describe_failure",
    "validate_properties",
]

UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
"""The value Pulumi uses for a property not yet known at preview (``pulumi.runtime.rpc.UNKNOWN``)."""

IDENTITY_KEYS = ("onlineMeetingId", "userId")
"""Keys that address the appointment; a change means a different resource (replacement)."""

MANAGED_KEYS = (
    "appointmentClientJoinWebUrl",
    "appointmentClients",
    "externalAppointmentId",
    "externalAppointmentUrl",
    "settings",
)
"""Graph properties the program can manage, in the stable order bodies are written in."""

GRAPH_PROPERTIES = frozenset(MANAGED_KEYS)
"""Every writable property of virtualAppointment (the entity key ``id`` is read-only)."""

SETTINGS_KEYS = ("allowClientToJoinUsingBrowser",)
CLIENT_KEYS = ("displayName", "emailAddress", "smsCapablePhoneNumber")
BEHAVIOUR_KEYS = ("adoptExisting",)
INPUT_KEYS = IDENTITY_KEYS + MANAGED_KEYS + BEHAVIOUR_KEYS

_PYTHON_NAMES = {
    "onlineMeetingId": "online_meeting_id",
    "userId": "user_id",
    "settings": "settings",
    "appointmentClients": "appointment_clients",
    "externalAppointmentId": "external_appointment_id",
    "externalAppointmentUrl": "external_appointment_url",
    "appointmentClientJoinWebUrl": "appointment_client_join_web_url",
    "adoptExisting": "adopt_existing",
    "allowClientToJoinUsingBrowser": "allow_client_to_join_using_browser",
    "displayName": "display_name",
    "emailAddress": "email_address",
    "smsCapablePhoneNumber": "sms_capable_phone_number",
    "etag": "etag",
    "joinWebUrl": "join_web_url",
}
PYTHON_NAMES: Mapping[str, str] = _PYTHON_NAMES
"""Graph (state) name -> Python keyword name, for every name the resource uses."""
GRAPH_NAMES: Mapping[str, str] = {py: graph for graph, py in _PYTHON_NAMES.items()}
"""Python keyword name -> Graph (state) name."""

MAX_STRING = 2048
MAX_CLIENTS = 100
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]+$")
_PHONE = re.compile(r"^\+?[0-9()\-. ]+$")
_ID = re.compile(r"^[^\s/?#]+$")


@dataclass(frozen=True)
class Failure:
    """One invalid property: ``path`` in state names, ``reason`` says what to do."""

    path: str
    reason: str


def _is_annotation(key: Any) -> bool:
    return isinstance(key, str) and "@" in key


def _python_path(path: str) -> str:
    return re.sub(r"[A-Za-z]+", lambda m: _PYTHON_NAMES.get(m.group(0), m.group(0)), path)


_PLAIN_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def _key_path(parent: str, key: Any) -> str:
    """Pulumi's property-path syntax: ``a.b`` for plain names, ``a["odd key"]`` otherwise."""
    if isinstance(key, str) and _PLAIN_KEY.fullmatch(key):
        return f"{parent}.{key}" if parent else key
    return f"{parent}[{json.dumps(str(key), ensure_ascii=False)}]"


def _fail(failures: list[Failure], path: str, reason: str) -> None:
    failures.append(Failure(path, reason))


def _describe(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _string(value: Any, path: str, failures: list[Failure]) -> Any:
    if value == UNKNOWN:
        return value
    if not isinstance(value, str):
        _fail(failures, path, f"expected a string, got {type(value).__name__} {_describe(value)}")
        return value
    value = value.strip()
    if not value:
        _fail(failures, path, "must not be empty; omit the property to leave it unmanaged")
    elif len(value) > MAX_STRING:
        _fail(failures, path, f"is {len(value)} characters long; at most {MAX_STRING} are accepted")
    return value


def _formatted(value: Any, path: str, failures: list[Failure], valid: Callable[[str], bool], expected: str) -> Any:
    """A non-empty string that must also pass ``valid``; ``expected`` says what would."""
    before = len(failures)
    value = _string(value, path, failures)
    if len(failures) == before and value != UNKNOWN and not valid(value):
        _fail(failures, path, f"{expected}, got {_describe(value)}")
    return value


def _is_url(value: str) -> bool:
    parts = urlsplit(value)
    return parts.scheme.lower() in ("http", "https") and bool(parts.netloc) and " " not in value


def _is_phone(value: str) -> bool:
    return bool(_PHONE.match(value)) and 3 <= sum(ch.isdigit() for ch in value) <= 20


def _url(value: Any, path: str, failures: list[Failure]) -> Any:
    return _formatted(value, path, failures, _is_url, "expected an absolute http(s) URL such as https://example.com/a")


def _email(value: Any, path: str, failures: list[Failure]) -> Any:
    return _formatted(value, path, failures, _EMAIL.match, "expected an email address such as name@contoso.com")


def _phone(value: Any, path: str, failures: list[Failure]) -> Any:
    return _formatted(
        value,
        path,
        failures,
        _is_phone,
        "expected a phone number of digits with optional +, spaces, dashes, dots or brackets (for example +1 425-555-0100)",
    )


def _boolean(value: Any, path: str, failures: list[Failure]) -> Any:
    if value == UNKNOWN or isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    _fail(failures, path, f"expected true or false, got {_describe(value)}")
    return value


def _unknown_keys(value: Mapping, allowed: tuple, path: str, failures: list[Failure]) -> None:
    for key in value:
        if key in allowed or _is_annotation(key):
            continue
        where = _key_path(path, key)
        names = ", ".join(_PYTHON_NAMES.get(k, k) for k in allowed)
        _fail(failures, where, f"is not a property here; expected one of: {names}")


def _object(value: Any, path: str, failures: list[Failure]) -> bool:
    if value == UNKNOWN:
        return False
    if not isinstance(value, Mapping):
        _fail(failures, path, f"expected an object, got {type(value).__name__} {_describe(value)}")
        return False
    return True


def _settings(value: Any, path: str, failures: list[Failure]) -> Any:
    if not _object(value, path, failures):
        return value
    _unknown_keys(value, SETTINGS_KEYS, path, failures)
    allow = value.get("allowClientToJoinUsingBrowser")
    if allow is None:
        _fail(
            failures,
            f"{path}.allowClientToJoinUsingBrowser",
            "is required when settings is given; set it to true or false, or omit settings to leave them unmanaged",
        )
        return {}
    return {"allowClientToJoinUsingBrowser": _boolean(allow, f"{path}.allowClientToJoinUsingBrowser", failures)}


_CLIENT_CHECKS = {"displayName": _string, "emailAddress": _email, "smsCapablePhoneNumber": _phone}


def _client(value: Any, path: str, failures: list[Failure]) -> Any:
    if not _object(value, path, failures):
        return value
    before = len(failures)
    _unknown_keys(value, CLIENT_KEYS, path, failures)
    out = {}
    for key in CLIENT_KEYS:
        if value.get(key) is not None:
            out[key] = _CLIENT_CHECKS[key](value[key], f"{path}.{key}", failures)
    if not out and len(failures) == before:
        _fail(failures, path, "needs at least one of display_name, email_address, sms_capable_phone_number")
    return out


def _clients(value: Any, path: str, failures: list[Failure]) -> Any:
    if value == UNKNOWN:
        return value
    if isinstance(value, (str, bytes)) or not isinstance(value, (list, tuple)):
        _fail(failures, path, f"expected a list of clients, got {type(value).__name__} {_describe(value)}")
        return value
    if len(value) > MAX_CLIENTS:
        _fail(failures, path, f"has {len(value)} clients; at most {MAX_CLIENTS} are accepted")
        return list(value)
    return [_client(item, f"{path}[{i}]", failures) for i, item in enumerate(value)]


_VALUE_CHECKS = {
    "settings": _settings,
    "appointmentClients": _clients,
    "externalAppointmentId": _string,
    "externalAppointmentUrl": _url,
    "appointmentClientJoinWebUrl": _url,
}


def _is_id(value: str) -> bool:
    """One path segment of its own: no separator, no control character, not a dot segment (which
    URL normalisation would remove: ``..`` would address the level above)."""
    return bool(_ID.match(value)) and value not in (".", "..") and value.isprintable()


def _identity(value: Any, path: str, failures: list[Failure]) -> Any:
    return _formatted(
        value, path, failures, _is_id, "must be one id: no spaces, control characters, '/', '?' or '#', and not '.' or '..'"
    )


def validate(props: Mapping[str, Any]) -> tuple[dict[str, Any], list[Failure]]:
    """Validate resource inputs in state names; return ``(normalised, failures)``.

    Normalising: strings are stripped, ``"true"``/``"false"`` become booleans, ``None``
    values and ``@odata`` annotations are dropped (unset means unmanaged), the entity key
    ``id`` (read-only, present in Graph's own examples) is dropped. Unknown preview values
    pass through untouched. Never raises: hostile input yields failures.
    """
    failures: list[Failure] = []
    if not isinstance(props, Mapping):
        return {}, [Failure("", f"expected an object of properties, got {type(props).__name__}")]
    out: dict[str, Any] = {}
    for key, value in props.items():
        if value is None or _is_annotation(key) or key == "id":
            continue
        if key in IDENTITY_KEYS:
            out[key] = _identity(value, key, failures)
        elif key in _VALUE_CHECKS:
            out[key] = _VALUE_CHECKS[key](value, key, failures)
        elif key == "adoptExisting":
            out[key] = _boolean(value, key, failures)
        else:
            names = ", ".join(_PYTHON_NAMES[k] for k in INPUT_KEYS)
            _fail(failures, _key_path("", key), f"is not a property of VirtualAppointment; expected one of: {names}")
    if "onlineMeetingId" not in out:
        _fail(failures, "onlineMeetingId", "is required: set online_meeting_id to the Teams online meeting id")
    return out, failures


def describe_failure(failure: Failure) -> str:
    """The reason, plus the Python argument path when it differs from the state path."""
    python = _python_path(failure.path)
    if python == failure.path:
        return failure.reason
    return f"{failure.reason} (Python argument: {python})"


def _graph_keys(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {GRAPH_NAMES.get(k, k) if isinstance(k, str) else k: _graph_keys(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_graph_keys(v) for v in value]
    return value


def validate_properties(props: Mapping[str, Any]) -> list[str]:
    """Validate Python-named properties (as a program or a data file spells them) up front.

    Returns one message per problem, each starting with the Python argument path, so a program
    that declares appointments from data can report file, entry and property together.
    """
    _, failures = validate(_graph_keys(props) if isinstance(props, Mapping) else props)
    return [f"{_python_path(f.path) or '(properties)'}: {f.reason}" for f in failures]


def managed(props: Mapping[str, Any]) -> dict[str, Any]:
    """The slice of ``props`` that Graph stores and the program manages."""
    return {k: props[k] for k in MANAGED_KEYS if props.get(k) is not None}


def has_unknown(value: Any) -> bool:
    """Whether ``value`` is, or contains, a value unknown at preview time."""
    if isinstance(value, Mapping):
        return any(has_unknown(v) for v in value.values())
    if isinstance(value, (list, tuple)):
        return any(has_unknown(v) for v in value)
    return value == UNKNOWN


class LiveValueError(ValueError):
    """Graph answered a managed property in a shape it does not have (``path``: where)."""

    def __init__(self, path: str, reason: str):
        super().__init__(f"{path}: {reason}")
        self.path, self.reason = path, reason


def _live_string(value: Any, path: str) -> str:
    if not isinstance(value, str):
        raise LiveValueError(path, f"expected a string, got {type(value).__name__}")
    return value


def _live_settings(value: Any, path: str) -> dict:
    if not isinstance(value, Mapping):
        raise LiveValueError(path, f"expected an object, got {type(value).__name__}")
    out = {}
    allow = value.get("allowClientToJoinUsingBrowser")
    if allow is not None:
        where = f"{path}.allowClientToJoinUsingBrowser"
        failures: list[Failure] = []
        out["allowClientToJoinUsingBrowser"] = _boolean(allow, where, failures)
        if failures:
            raise LiveValueError(where, f"expected true or false, got {_describe(allow)}")
    return out


def _live_clients(value: Any, path: str) -> list:
    if not isinstance(value, list):
        raise LiveValueError(path, f"expected a list, got {type(value).__name__}")
    clients = []
    for index, client in enumerate(value):
        where = f"{path}[{index}]"
        if not isinstance(client, Mapping):
            raise LiveValueError(where, f"expected an object, got {type(client).__name__}")
        clients.append({k: _live_string(client[k], f"{where}.{k}") for k in CLIENT_KEYS if client.get(k) is not None})
    return clients


_LIVE = {
    "settings": _live_settings,
    "appointmentClients": _live_clients,
    "externalAppointmentId": _live_string,
    "externalAppointmentUrl": _live_string,
    "appointmentClientJoinWebUrl": _live_string,
}


def normalise_live(entity: Mapping[str, Any]) -> dict[str, Any]:
    """Graph's representation of an appointment -> normalised managed values.

    Annotations, ``id``, unknown members and ``null`` members are dropped, so a value that
    round-trips through Graph compares equal to what the program declared. A member of the wrong
    shape (``settings`` that is a list, a client that is a number) raises :class:`LiveValueError`
    naming it: Graph never answers that way, so it is reported, never guessed at.
    """
    out: dict[str, Any] = {}
    for key in MANAGED_KEYS:
        value = entity.get(key)
        if value is None:
            continue
        value = _LIVE[key](value, key)
        if value != {}:
            out[key] = value
    return out


def same_user(a: Any, b: Any) -> bool:
    """Whether two ``userId`` values name the same user to Graph: object ids and user principal
    names are case-insensitive in Microsoft Entra ID, so ``Alice@Contoso.com`` is
    ``alice@contoso.com``. Unset (``/me``) equals only unset: only Graph knows who "me" is."""
    if isinstance(a, str) and isinstance(b, str) and UNKNOWN not in (a, b):
        return a.casefold() == b.casefold()
    return a == b


def _segment(value: str) -> str:
    return quote(value, safe="=-_.~")


def resource_path(online_meeting_id: str, user_id: str | None = None) -> str:
    """The Graph path below the version, also the Pulumi resource id."""
    owner = f"users/{_segment(user_id)}" if user_id else "me"
    return f"{owner}/onlineMeetings/{_segment(online_meeting_id)}/virtualAppointment"


def parse_resource_path(path: Any) -> tuple[str, str | None]:
    """Inverse of :func:`resource_path`: ``(online_meeting_id, user_id or None)``.

    ``ValueError`` (saying what is expected) for anything else, including an empty id and the dot
    segments ``.`` and ``..``, which URL normalisation would remove from a path. (Whether an id is
    one a program may declare is :func:`validate`'s to say.)"""
    parts = path.strip("/").split("/") if isinstance(path, str) else []
    if len(parts) == 4 and parts[0] == "me" and parts[1] == "onlineMeetings" and parts[3] == "virtualAppointment":
        meeting, user = unquote(parts[2]), None
    elif len(parts) == 5 and parts[0] == "users" and parts[2] == "onlineMeetings" and parts[4] == "virtualAppointment":
        meeting, user = unquote(parts[3]), unquote(parts[1])
    else:
        meeting = user = ""
    if any(part in ("", ".", "..") for part in (meeting, user)):
        raise ValueError(
            f"{path!r} is not a virtualAppointment id; expected me/onlineMeetings/{{id}}/virtualAppointment "
            "or users/{userId}/onlineMeetings/{id}/virtualAppointment, each id one path segment (not '.' or '..')"
        )
    return meeting, user


def checked_resource_id(id_: Any) -> str:
    """An id given to ``get``, as the canonical resource path, once its ids pass :func:`validate`;
    ``ValueError`` saying why otherwise (checked before any request is sent)."""
    meeting, user = parse_resource_path(id_)
    _, failures = validate({"onlineMeetingId": meeting, "userId": user})
    if failures:
        problems = "; ".join(f"{f.path} {f.reason}" for f in failures)
        raise ValueError(f"the id {id_!r} is not usable: {problems}")
    return resource_path(meeting, user)
