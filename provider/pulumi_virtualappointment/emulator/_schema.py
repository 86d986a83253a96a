"""What the emulator accepts in a virtualAppointment body, and how it shapes what it stores.

Pure: standard library and the package's ``_appointment`` description only. The rules, from
GRAPH_NOTES.md and the update reference (``seed/virtualappointment-update.txt``):

- A body is a JSON object whose keys are the five Graph properties; ``id`` (read-only, sent
  by Graph's own example) is ignored and annotations (keys with ``@``, e.g. ``@odata.type``)
  are dropped. Any other key is refused with 400 naming the property, as Graph refuses a
  property that does not exist on the type.
- The three strings are a string or ``null``; ``settings`` is an object or ``null``;
  ``appointmentClients`` is a list of objects or ``null``. ``allowClientToJoinUsingBrowser``
  is a boolean, or ``"true"``/``"false"`` because the docs' own example sends a string.
- Stored and returned shapes are Graph's: every property present, ``null`` when unset, and
  every member of a complex value present (``null`` when unset), so clients must cope with
  ``null`` members exactly as they must against the real service.
- PATCH replaces each supplied property whole (``settings`` and the client collection
  included) and ``null`` clears it; PUT replaces the entity.
- When the client sets no ``appointmentClientJoinWebUrl``, Graph's is the meeting's virtual
  appointment join link (``_meeting.join_url``), the one ``getVirtualAppointmentJoinWebUrl``
  answers for the same meeting.

Parsing (JSON objects, the depth limit, annotations) is ``_json``'s, shared with the meeting.
"""

from __future__ import annotations

import json
import uuid
from typing import Any, Mapping

from .._appointment import CLIENT_KEYS, GRAPH_PROPERTIES, MANAGED_KEYS, SETTINGS_KEYS
from ._json import MAX_DEPTH, BodyError, is_annotation, parse_json, parse_json_object
from ._meeting import TENANT_ID, join_url

__all__ = [
    "BodyError",
    "MAX_DEPTH",
    "TENANT_ID",
    "parse_json",
    "parse_json_object",
    "clean_changes",
    "replaced",
    "merged",
    "with_join_url",
    "entity_id",
    "join_url",
]

_ID_NAMESPACE = uuid.UUID("5d0c0a4e-7a1c-4b8e-9f4e-6a1f2b3c4d5e")

def _string(value: Any, where: str) -> str | None:
    if value is None or isinstance(value, str):
        return value
    raise BodyError(f"Invalid value for property '{where}': expected a string or null, got {json.dumps(value)}.")


def _boolean(value: Any, where: str) -> bool | None:
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    raise BodyError(f"Invalid value for property '{where}': expected a boolean, got {json.dumps(value)}.")


def _members(value: Any, where: str, allowed: tuple[str, ...], type_name: str) -> dict[str, Any]:
    """The members of a complex value, annotations dropped, unknown members refused."""
    if not isinstance(value, dict):
        raise BodyError(f"Invalid value for property '{where}': expected an object or null, got {json.dumps(value)}.")
    for key in value:
        if key not in allowed and not is_annotation(key):
            raise BodyError(
                f"Invalid request body: property '{where}.{key}' does not exist on type "
                f"'microsoft.graph.{type_name}'."
            )
    return value


def _settings(value: Any) -> dict[str, Any] | None:
    if value is None:
        return None
    members = _members(value, "settings", SETTINGS_KEYS, "virtualAppointmentSettings")
    where = "settings.allowClientToJoinUsingBrowser"
    return {"allowClientToJoinUsingBrowser": _boolean(members.get("allowClientToJoinUsingBrowser"), where)}


def _clients(value: Any) -> list[dict[str, Any]] | None:
    if value is None:
        return None
    if not isinstance(value, list):
        raise BodyError(
            f"Invalid value for property 'appointmentClients': expected a collection, got {json.dumps(value)}."
        )
    clients = []
    for index, item in enumerate(value):
        where = f"appointmentClients[{index}]"
        members = _members(item, where, CLIENT_KEYS, "virtualAppointmentUser")
        clients.append({key: _string(members.get(key), f"{where}.{key}") for key in CLIENT_KEYS})
    return clients


_CLEANERS = {
    "appointmentClientJoinWebUrl": lambda v: _string(v, "appointmentClientJoinWebUrl"),
    "appointmentClients": _clients,
    "externalAppointmentId": lambda v: _string(v, "externalAppointmentId"),
    "externalAppointmentUrl": lambda v: _string(v, "externalAppointmentUrl"),
    "settings": _settings,
}


def clean_changes(body: Mapping[str, Any]) -> dict[str, Any]:
    """Validate a PUT/PATCH body; return the supplied properties in their stored shape.

    Raises :class:`BodyError` for the first problem, naming the property.
    """
    changes: dict[str, Any] = {}
    for key, value in body.items():
        if is_annotation(key) or key == "id":
            continue
        if key not in GRAPH_PROPERTIES:
            raise BodyError(
                f"Invalid request body: property '{key}' does not exist on type 'microsoft.graph.virtualAppointment'."
            )
        changes[key] = _CLEANERS[key](value)
    return changes


def replaced(changes: Mapping[str, Any]) -> dict[str, Any]:
    """PUT semantics: the supplied properties, every other one null."""
    return {key: changes.get(key) for key in MANAGED_KEYS}


def merged(entity: Mapping[str, Any], changes: Mapping[str, Any]) -> dict[str, Any]:
    """PATCH semantics: supplied properties replace whole, ``null`` clears, others untouched."""
    result = {key: entity.get(key) for key in MANAGED_KEYS}
    result.update(changes)
    return result


def entity_id(user_id: str, meeting_id: str) -> str:
    """A stable ``id`` per appointment, so replacing one keeps its key as Graph would."""
    return str(uuid.uuid5(_ID_NAMESPACE, f"{user_id}/{meeting_id}"))


def with_join_url(entity: Mapping[str, Any], user_id: str, meeting_id: str) -> dict[str, Any]:
    """Fill in ``appointmentClientJoinWebUrl`` when unset, as Graph computes it."""
    result = dict(entity)
    if result.get("appointmentClientJoinWebUrl") is None:
        result["appointmentClientJoinWebUrl"] = join_url(user_id, meeting_id)
    return result
