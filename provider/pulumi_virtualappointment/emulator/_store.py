"""The emulator's appointments, their ETags, and the optional state file.

Pure and thread-safe: one lock guards every read-modify-write, so an ``If-Match`` check and
the write it guards are atomic, as they are in Graph. Appointments are keyed on
``(user id, meeting id)`` after percent-decoding, with the user id lower-cased (Graph user
ids and UPNs are case-insensitive); ``me/...`` is the signed-in user's ``users/{me}/...``.

ETags are weak (``W/"<base64>"``) like Graph's and change on every write, never on a read.
``If-Match`` compares the opaque value, so ``W/"x"`` and ``"x"`` both match ``W/"x"``; ``*``
matches any existing appointment. On PATCH and DELETE a missing appointment is 404 before
any precondition; on PUT an ``If-Match`` against a missing appointment fails (412), and
``If-None-Match: *`` makes PUT create-only.

Each percent-decoded path segment must be UTF-8: ``%FF`` and ``%FE`` would otherwise both
decode to U+FFFD and address the same appointment, so they are refused (``ValueError``; 400).

With a state file every change is written atomically (temporary file in the same folder,
fsync, ``os.replace``), so a crash or restart loses nothing and never leaves half a file.
If that write fails the change is undone in memory too and :class:`PersistError` is raised
(Graph: 500), so memory, file and answer agree: a failed request changes nothing.
"""

from __future__ import annotations

import base64
import copy
import itertools
import json
import os
import re
import tempfile
import threading
import uuid
from dataclasses import dataclass
from typing import Any, Mapping, NamedTuple
from urllib.parse import unquote_to_bytes

from .._model import parse_resource_path, resource_path
from ._schema import clean_changes, entity_id, merged, replaced, with_join_url

__all__ = [
    "DEFAULT_ME",
    "Key",
    "Record",
    "Store",
    "NotFound",
    "PreconditionFailed",
    "MalformedTag",
    "PersistError",
    "decode_segment",
    "missing",
    "parse_entity_tags",
]

DEFAULT_ME = "11111111-1111-1111-1111-111111111111"
"""The signed-in user's id that ``me/...`` paths stand for, unless told otherwise."""

STATE_FORMAT = "pulumi-virtualappointment-emulator/1"

ANY = "*"
_TAG = re.compile(r'\s*(?:W/)?"([^"]*)"\s*')


class Key(NamedTuple):
    """Where an appointment lives: the owning user's id and the online meeting's id."""

    user: str
    meeting: str

    @property
    def path(self) -> str:
        """The canonical Graph path below the version (``users/{user}/...``)."""
        return resource_path(self.meeting, self.user)


@dataclass(frozen=True)
class Record:
    """One stored appointment: Graph's representation (with ``id``) and its current ETag."""

    entity: dict[str, Any]
    etag: str


class NotFound(LookupError):
    """No appointment at that path (Graph: 404 itemNotFound)."""


def missing(key: "Key") -> NotFound:
    """The error for an absent appointment, worded the same wherever it is raised."""
    return NotFound(f"No virtualAppointment exists for online meeting '{key.meeting}' of user '{key.user}'.")


class PreconditionFailed(Exception):
    """``If-Match``/``If-None-Match`` did not hold (Graph: 412, inner entityTagDoesNotMatch)."""


class MalformedTag(ValueError):
    """An entity-tag header that is neither ``*`` nor a list of quoted tags (400)."""


class PersistError(Exception):
    """The state file could not be written; the change was undone (Graph: 500)."""


def decode_segment(segment: str) -> str:
    """Percent-decode one path segment, refusing bytes that are not UTF-8 (``ValueError``)."""
    try:
        return unquote_to_bytes(segment).decode("utf-8")
    except UnicodeDecodeError:
        raise ValueError(f"The path segment '{segment}' is not valid UTF-8 once percent-decoded.") from None


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


def _matches(tags: str | frozenset[str], record: Record) -> bool:
    return tags == ANY or _opaque(record.etag) in tags


class Store:
    """All appointments, guarded by one lock; persisted after each change when asked."""

    def __init__(self, me: str = DEFAULT_ME, state_file: str | os.PathLike | None = None) -> None:
        self.me = me.lower()
        self.state_file = os.fspath(state_file) if state_file is not None else None
        self._lock = threading.RLock()
        self._records: dict[Key, Record] = {}
        self._versions = itertools.count(1)
        if self.state_file and os.path.exists(self.state_file):
            self._load()

    # -- addressing ---------------------------------------------------------------

    def key(self, path: str) -> Key:
        """Parse ``me/...`` or ``users/{id}/...`` (leading ``/`` and ``beta/`` allowed)."""
        text = path.strip("/")
        if text.startswith("beta/"):
            text = text[len("beta/"):]
        for segment in text.split("/"):
            decode_segment(segment)
        meeting, user = parse_resource_path(text)
        return self.key_for(user, meeting)

    def key_for(self, user: str | None, meeting: str) -> Key:
        """The storage key of already-decoded ids; ``None`` for the user means ``me``."""
        return Key((user or self.me).lower(), meeting)

    # -- reads --------------------------------------------------------------------

    def read(self, key: Key) -> Record | None:
        """A copy of the appointment, or ``None``; never changes its ETag."""
        with self._lock:
            record = self._records.get(key)
            return copy.deepcopy(record)

    def snapshot(self) -> dict[str, dict[str, Any]]:
        """``{canonical path: {"entity": ..., "etag": ...}}`` of every appointment."""
        with self._lock:
            return {
                key.path: {"entity": copy.deepcopy(rec.entity), "etag": rec.etag}
                for key, rec in sorted(self._records.items())
            }

    # -- writes -------------------------------------------------------------------

    def put(
        self, key: Key, body: Mapping[str, Any], if_match: str | None = None, if_none_match: str | None = None
    ) -> tuple[Record, bool]:
        """Create or replace; returns ``(record, created)``."""
        changes = clean_changes(body)
        match_tags = parse_entity_tags(if_match) if if_match is not None else None
        none_tags = parse_entity_tags(if_none_match) if if_none_match is not None else None
        with self._lock:
            current = self._records.get(key)
            if match_tags is not None and (current is None or not _matches(match_tags, current)):
                raise PreconditionFailed("The If-Match value does not match the appointment's current ETag.")
            if none_tags is not None and current is not None and _matches(none_tags, current):
                raise PreconditionFailed("If-None-Match: the appointment already exists.")
            return self._write(key, replaced(changes)), current is None

    def patch(self, key: Key, body: Mapping[str, Any], if_match: str | None = None) -> Record:
        """Graph's PATCH: supplied properties replace whole, null clears; 404 first."""
        changes = clean_changes(body)
        tags = parse_entity_tags(if_match) if if_match is not None else None
        with self._lock:
            current = self._existing(key)
            if tags is not None and not _matches(tags, current):
                raise PreconditionFailed("The If-Match value does not match the appointment's current ETag.")
            return self._write(key, merged(current.entity, changes))

    def delete(self, key: Key, if_match: str | None = None) -> None:
        """Remove the appointment; 404 before any precondition."""
        tags = parse_entity_tags(if_match) if if_match is not None else None
        with self._lock:
            current = self._existing(key)
            if tags is not None and not _matches(tags, current):
                raise PreconditionFailed("The If-Match value does not match the appointment's current ETag.")
            self._apply({key: None})

    def edit(self, key: Key, body: Mapping[str, Any]) -> Record:
        """An out-of-band change (as if made in Teams): PATCH semantics, creates if absent."""
        changes = clean_changes(body)
        with self._lock:
            current = self._records.get(key)
            return self._write(key, merged(current.entity if current else {}, changes))

    def seed(self, key: Key, body: Mapping[str, Any]) -> Record:
        """Create or replace directly, without preconditions."""
        return self.put(key, body)[0]

    def reset(self) -> None:
        """Forget every appointment (and persist the empty state)."""
        with self._lock:
            self._apply(dict.fromkeys(self._records))

    # -- internals ----------------------------------------------------------------

    def _existing(self, key: Key) -> Record:
        current = self._records.get(key)
        if current is None:
            raise missing(key)
        return current

    def _write(self, key: Key, properties: Mapping[str, Any]) -> Record:
        """Store new properties under a new ETag; Graph fills in the join URL when unset."""
        entity = {"id": entity_id(key.user, key.meeting)}
        entity.update(with_join_url(properties, key.user, key.meeting))
        record = Record(entity, self._new_etag())
        self._apply({key: record})
        return copy.deepcopy(record)

    def _apply(self, changes: Mapping[Key, Record | None]) -> None:
        """Set each key's record (``None`` removes it) and persist; a failed write undoes it all."""
        undo = {key: self._records.get(key) for key in changes}
        self._assign(changes)
        try:
            self._save()
        except Exception as exc:
            self._assign(undo)
            raise PersistError(
                f"The change was not applied: cannot write the emulator's state file {self.state_file}: {exc}"
            ) from exc

    def _assign(self, changes: Mapping[Key, Record | None]) -> None:
        for key, record in changes.items():
            if record is None:
                self._records.pop(key, None)
            else:
                self._records[key] = record

    def _new_etag(self) -> str:
        raw = uuid.uuid4().bytes + next(self._versions).to_bytes(4, "big")
        return f'W/"{base64.b64encode(raw).decode("ascii")}"'

    def _save(self) -> None:
        if not self.state_file:
            return
        state = {"format": STATE_FORMAT, "me": self.me, "appointments": self.snapshot()}
        data = json.dumps(state, indent=2, sort_keys=True, ensure_ascii=False).encode("utf-8")
        _atomic_write(self.state_file, data)

    def _load(self) -> None:
        try:
            with open(self.state_file, "rb") as handle:
                state = json.loads(handle.read().decode("utf-8"))
            if not isinstance(state, dict) or state.get("format") != STATE_FORMAT:
                raise ValueError(f"expected an object with format {STATE_FORMAT!r}")
            for path, item in state["appointments"].items():
                key = self.key(path)
                properties = replaced(clean_changes(item["entity"]))
                entity = {"id": entity_id(key.user, key.meeting), **with_join_url(properties, *key)}
                self._records[key] = Record(entity, str(item["etag"]))
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
            raise ValueError(
                f"cannot load the emulator state file {self.state_file}: {exc}; "
                "move it away or pass another path to start with no appointments"
            ) from exc


def _atomic_write(path: str, data: bytes) -> None:
    """Replace ``path`` with ``data`` so readers see the old file or the new, never half."""
    directory = os.path.dirname(os.path.abspath(path))
    fd, temporary = tempfile.mkstemp(prefix=".emulator-state-", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        try:
            os.unlink(temporary)
        except OSError:
            pass
        raise
    _fsync_directory(directory)


def _fsync_directory(directory: str) -> None:
    """Make the rename itself durable where the platform allows it."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
