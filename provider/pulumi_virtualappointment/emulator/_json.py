"""Request bodies as every emulated resource reads them: JSON objects, refused with a Graph 400.

Pure: standard library only. JSON nested deeper than :data:`MAX_DEPTH` arrays and objects is
refused (400), and so is half a surrogate pair (see ``.._wirejson``). Keys containing ``@`` are
OData annotations (``@odata.type``); every resource ignores them.
"""

from __future__ import annotations

from typing import Any

from .._wirejson import Unusable, loads

__all__ = ["BodyError", "MAX_DEPTH", "parse_json", "parse_json_object", "is_annotation"]


class BodyError(ValueError):
    """A body Graph would refuse with 400 BadRequest; the message names the property."""


MAX_DEPTH = 64
"""How deeply arrays and objects may nest in a JSON body."""


def parse_json(raw: bytes) -> Any:
    """Decode UTF-8 JSON; raises :class:`BodyError` when it is invalid or nested too deeply."""
    try:
        return loads(raw.decode("utf-8"), MAX_DEPTH)
    except Unusable as exc:
        raise BodyError(f"Invalid request body: {exc}.") from None
    except ValueError as exc:  # UnicodeDecodeError included
        raise BodyError(f"Invalid request body: the body is not valid JSON ({exc}).") from None


def parse_json_object(raw: bytes) -> dict[str, Any]:
    """Decode a request body that must be one JSON object."""
    value = parse_json(raw)
    if not isinstance(value, dict):
        raise BodyError(f"Invalid request body: expected a JSON object, got {type(value).__name__}.")
    return value


def is_annotation(key: str) -> bool:
    """Whether a body key is an OData annotation such as ``@odata.type`` (always ignored)."""
    return "@" in key
