"""The minimal PATCH body between what was applied and what is desired.

Pure: standard library only. Graph's rules for PATCH on virtualAppointment, and how the body
follows them:

1. Only properties whose applied and desired values differ are sent.
2. A property that was managed (present in ``applied``) and is no longer desired is sent as
   ``null``, which clears it in Graph.
3. ``settings`` (a complex value) and ``appointmentClients`` (a collection) are sent whole when
   any part of them changed: Graph replaces collections, and a partial complex value can drop
   its siblings.
4. Values are compared normalised (see ``_model``): booleans already coerced, ``null`` members of
   clients dropped, and ``appointmentClients`` compared as a multiset, because Graph documents no
   order for the collection. A reordering alone is therefore not a change; a change of any
   client sends the list in the program's order.
5. :func:`encode` writes a deterministic body (sorted keys, no spaces) to assert byte for byte.
6. No ``@odata.type`` annotations are sent: none of these types is polymorphic.

The law the tests hold this to: ``apply_patch(a, minimal_patch(a, b))`` equals ``b`` on managed
keys, and ``minimal_patch(a, a)`` is empty.
"""

from __future__ import annotations

import json
from typing import Any, Mapping

from ._model import MANAGED_KEYS

__all__ = ["minimal_patch", "apply_patch", "same_value", "encode"]


def _client_key(client: Any) -> str:
    return json.dumps(client, sort_keys=True, separators=(",", ":"))


def same_value(key: str, applied: Any, desired: Any) -> bool:
    """Whether two normalised values of property ``key`` mean the same thing to Graph."""
    if key == "appointmentClients" and isinstance(applied, list) and isinstance(desired, list):
        return sorted(map(_client_key, applied)) == sorted(map(_client_key, desired))
    return applied == desired


def minimal_patch(applied: Mapping[str, Any], desired: Mapping[str, Any]) -> dict[str, Any]:
    """The smallest PATCH body that turns ``applied`` into ``desired`` (both normalised).

    Keys other than the managed Graph properties are ignored, so whole state bags may be
    passed. An empty result means no request is needed.
    """
    body: dict[str, Any] = {}
    for key in MANAGED_KEYS:
        old, new = applied.get(key), desired.get(key)
        if new is None:
            if old is not None:
                body[key] = None
        elif old is None or not same_value(key, old, new):
            body[key] = new
    return body


def apply_patch(entity: Mapping[str, Any], body: Mapping[str, Any]) -> dict[str, Any]:
    """Graph's merge semantics: supplied values replace, ``null`` clears, others untouched."""
    result = dict(entity)
    for key, value in body.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = value
    return result


def encode(body: Mapping[str, Any]) -> bytes:
    """The request body as sent: deterministic bytes (sorted keys, compact, UTF-8)."""
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
