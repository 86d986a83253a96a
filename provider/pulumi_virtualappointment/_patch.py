"""The minimal PATCH body between what was applied and what is desired, for any resource kind.

Pure: standard library only. Graph's rules for PATCH, and how the body follows them:

1. Only properties whose applied and desired values differ are sent.
2. A property that was managed (present in ``applied``) and is no longer desired is sent as
   ``null``, which clears it in Graph, for kinds that clear removed properties
   (``Kind.clears_removed``); for the others it is left as Graph has it and no longer managed
   (their properties are not all nullable).
3. A complex value or a collection is sent whole when any part of it changed: Graph replaces
   collections, and a partial complex value can drop its siblings.
4. Properties Graph wants together (``Kind.together``: an online meeting's start and end) are all
   sent when one of them is, and a value that needs others beside it (``Kind.companions``:
   ``allowedPresenters: roleIsPresenter`` needs the attendees and their roles) brings them along.
5. Values are compared normalised (see ``_model``): booleans coerced, times in UTC, ``null``
   members dropped, collections compared as multisets because Graph documents no order for them.
   A reordering alone is therefore not a change; a change sends the list in the program's order.
6. :func:`encode` writes a deterministic body (sorted keys, no spaces) to assert byte for byte.
7. No ``@odata.type`` annotations are sent: none of these types is polymorphic.

The law the tests hold this to: ``apply_patch(kind, a, minimal_patch(kind, a, b))`` equals ``b`` on
the desired keys, and ``minimal_patch(kind, a, a)`` is empty.
"""

from __future__ import annotations

import json
from typing import Any, Mapping

from ._model import Kind

__all__ = ["minimal_patch", "apply_patch", "same_value", "encode"]


def same_value(kind: Kind, key: str, applied: Any, desired: Any) -> bool:
    """Whether two normalised values of property ``key`` mean the same thing to Graph."""
    return kind.fields[key].same(applied, desired)


def minimal_patch(kind: Kind, applied: Mapping[str, Any], desired: Mapping[str, Any]) -> dict[str, Any]:
    """The smallest PATCH body that turns ``applied`` into ``desired`` (both normalised).

    Keys other than the kind's managed properties are ignored, so whole state bags may be
    passed. An empty result means no request is needed.
    """
    body: dict[str, Any] = {}
    for key in kind.fields:
        old, new = applied.get(key), desired.get(key)
        if new is None:
            if old is not None and kind.clears_removed:
                body[key] = None
        elif old is None or not same_value(kind, key, old, new):
            body[key] = new
    for group in kind.together:
        if any(k in body for k in group):
            body.update({k: desired[k] for k in group if desired.get(k) is not None})
    for (key, value), companions in kind.companions.items():
        if key in body and body[key] == value:
            body.update({k: desired[k] for k in companions if desired.get(k) is not None})
    return body


def apply_patch(kind: Kind, entity: Mapping[str, Any], body: Mapping[str, Any]) -> dict[str, Any]:
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
