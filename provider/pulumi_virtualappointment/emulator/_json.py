"""Request bodies as every emulated resource reads them: JSON objects, refused with a Graph 400.

Pure: standard library only. JSON nested deeper than :data:`MAX_DEPTH` arrays and objects is
refused (400) before it is parsed: Graph's bodies are a few levels deep, and deeper input would
exhaust the stack of the parser or of whatever copies or prints the value later (the request
log included). Keys containing ``@`` are OData annotations (``@odata.type``); every resource
ignores them.
"""

from __future__ import annotations

import json
import re
from typing import Any

__all__ = ["BodyError", "MAX_DEPTH", "parse_json", "parse_json_object", "is_annotation"]


class BodyError(ValueError):
    """A body Graph would refuse with 400 BadRequest; the message names the property."""


MAX_DEPTH = 64
"""How deeply arrays and objects may nest in a JSON body."""

_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_BRACKET = re.compile(r"[\[\]{}]")


def _too_deep(text: str) -> bool:
    """Whether arrays and objects nest deeper than ``MAX_DEPTH``, found without recursion."""
    depth = 0
    for bracket in _BRACKET.findall(_STRING.sub("", text)):
        depth += 1 if bracket in "[{" else -1
        if depth > MAX_DEPTH:
            return True
    return False


def parse_json(raw: bytes) -> Any:
    """Decode UTF-8 JSON; raises :class:`BodyError` when it is invalid or nested too deeply."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BodyError(f"Invalid request body: the body is not valid JSON ({exc}).") from None
    if _too_deep(text):
        raise BodyError(f"Invalid request body: JSON nested deeper than {MAX_DEPTH} levels.")
    try:
        return json.loads(text)
    except ValueError as exc:
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
