"""Weak entity tags as Graph writes them, and the ``If-Match``/``If-None-Match`` headers that name them.

Pure: standard library only. A tag is ``W/"<base64>"``, new on every write (a random part and
a counter, so two writes never share one) and never changed by a read. A header is ``*`` or a
comma-separated list of quoted tags; it compares the opaque value, so ``W/"x"`` and ``"x"`` both
match ``W/"x"`` (weak comparison), and ``*`` matches whatever exists. Anything else is
malformed (400).
"""

from __future__ import annotations

import base64
import itertools
import re
import uuid

__all__ = ["ANY", "MalformedTag", "TagMaker", "parse_entity_tags", "matches"]

ANY = "*"
_TAG = re.compile(r'\s*(?:W/)?"([^"]*)"\s*')


class MalformedTag(ValueError):
    """An entity-tag header that is neither ``*`` nor a list of quoted tags (400)."""


class TagMaker:
    """Makes fresh weak ETags; thread-safe enough under the store's lock."""

    def __init__(self) -> None:
        self._versions = itertools.count(1)

    def __call__(self) -> str:
        raw = uuid.uuid4().bytes + next(self._versions).to_bytes(4, "big")
        return f'W/"{base64.b64encode(raw).decode("ascii")}"'


def parse_entity_tags(header: str) -> str | frozenset[str]:
    """``*`` or the set of opaque values in an ``If-Match``/``If-None-Match`` header."""
    value = header.strip()
    if value == ANY:
        return ANY
    tags, pos = set(), 0
    while True:
        match = _TAG.match(value, pos)
        if not match:
            raise MalformedTag(f"The entity tag {header!r} is malformed; expected a quoted value such as W/\"abc\".")
        tags.add(match.group(1))
        pos = match.end()
        if pos == len(value):
            return frozenset(tags)
        if value[pos] != ",":
            raise MalformedTag(f"The entity tag {header!r} is malformed; expected a quoted value such as W/\"abc\".")
        pos += 1


def _opaque(etag: str) -> str:
    return etag[2:].strip('"') if etag.startswith("W/") else etag.strip('"')


def matches(tags: str | frozenset[str], etag: str) -> bool:
    """Whether a parsed header matches an existing entity's ETag."""
    return tags == ANY or _opaque(etag) in tags
