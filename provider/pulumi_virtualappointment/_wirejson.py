"""JSON parsed as Graph's bodies are: bounded depth, text only; pure, standard library only.

Graph's bodies are a few levels deep. Deeper input would exhaust the stack of the parser or of
whatever copies or prints the value later, so both the provider (answers) and the emulator
(requests) refuse it. The parser's own recursion guard stops absurd depths at once; the bound is
then checked without recursion, in one linear pass over the parsed value. The same pass refuses
half a surrogate pair (JSON may escape one as ``\\ud800``): it is not text, and a value holding it
fails later, far from where it came in, when it is encoded (an emulator answer, the engine's state).
"""

from __future__ import annotations

import json
from typing import Any, Union

__all__ = ["Unusable", "loads"]


class Unusable(ValueError):
    """JSON that parses but is not a body Graph would send: too deep, or not text."""


def _lone_surrogate(text: str) -> str | None:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        return f"U+{ord(text[exc.start]):04X}"
    return None


def loads(data: Union[str, bytes], max_depth: int) -> Any:
    """``json.loads(data)``; :class:`Unusable` when it nests arrays and objects deeper than
    ``max_depth`` or holds a lone surrogate, ``ValueError`` when it is not JSON."""
    too_deep = Unusable(f"the JSON is nested deeper than {max_depth} levels")
    try:
        value = json.loads(data)
    except RecursionError:
        raise too_deep from None
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, str):
            code = _lone_surrogate(item)
            if code:
                raise Unusable(f"the JSON holds a lone surrogate ({code}), which is not text")
        elif isinstance(item, (dict, list)):
            if depth > max_depth:
                raise too_deep
            if isinstance(item, dict):
                stack.extend((key, depth) for key in item)
                stack.extend((child, depth + 1) for child in item.values())
            else:
                stack.extend((child, depth + 1) for child in item)
    return value
