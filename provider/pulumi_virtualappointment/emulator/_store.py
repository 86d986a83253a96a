"""The emulator's state: online meetings and their virtualAppointments, ETags, the state file.

Thread-safe: one lock guards every read-modify-write of either kind, so an ``If-Match`` check
and the write it guards are atomic, as they are in Graph, and so is a meeting's delete with its
appointment's. Both are keyed on ``(user id, meeting id)`` after percent-decoding, with the user
id lower-cased (Graph user ids and UPNs are case-insensitive); ``me/...`` is the signed-in
user's ``users/{me}/...``. The rules of each kind are pure functions elsewhere (``_schema`` for
the appointment, ``_meeting`` for the meeting); this module holds state and applies them.

ETags (``_etags``) are new on every write, never on a read. For appointments, on PATCH and
DELETE a missing appointment is 404 before any precondition; on PUT an ``If-Match`` against a
missing appointment fails (412), and ``If-None-Match: *`` makes PUT create-only.

Meetings keep an ETag too, but show it only while :attr:`Store.meeting_etags` is on (Graph's
docs show none for onlineMeeting): off, every meeting record is read with ``etag`` ``None``
and ``If-Match`` is ignored; on, ``If-Match`` holds on PATCH and DELETE exactly as for
appointments. Switching it on mid-run shows the tags kept all along.

An appointment exists only under a meeting: the Graph routes pass ``meeting_required=True``,
and then a missing meeting is 404 (``NotFound``, saying so) before anything else is looked at,
unless :attr:`Store.implicit_meetings` makes any meeting id count as an existing meeting of the
caller (for tests of the appointment alone). The out-of-band methods (``seed``, ``edit``) never need the meeting. Deleting a
meeting deletes its appointment in the same write. The store takes any user id: which ones name a
user is a rule of the Graph routes (``_graph``), so a test may seed what a misconfigured client
would look for.

Each percent-decoded path segment must be UTF-8: ``%FF`` and ``%FE`` would otherwise both
decode to U+FFFD and address the same appointment, so they are refused (``ValueError``; 400).

With a state file every change is written atomically (``_persist``), so a crash or restart
loses nothing and never leaves half a file.
If that write fails the change is undone in memory too and :class:`PersistError` is raised
(Graph: 500), so memory, file and answer agree: a failed request changes nothing.
"""

from __future__ import annotations

import copy
import json
import os
import threading
from dataclasses import dataclass, replace
from typing import Any, Iterable, Mapping, NamedTuple
from urllib.parse import unquote_to_bytes

from .._appointment import parse_resource_path, resource_path, segment
from . import _meeting
from ._etags import MalformedTag, TagMaker, matches, parse_entity_tags
from ._json import BodyError
from ._odata import now_ticks
from ._persist import atomic_write as _atomic_write
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
    "meeting_missing",
    "parse_entity_tags",
]

DEFAULT_ME = "11111111-1111-1111-1111-111111111111"
"""The signed-in user's id that ``me/...`` paths stand for, unless told otherwise."""

STATE_FORMAT = "pulumi-virtualappointment-emulator/1"
"""The state file's format; ``meetings`` was added compatibly (a file without it has none)."""


class Key(NamedTuple):
    """Where a meeting and its appointment live: the owning user's id and the meeting's id."""

    user: str
    meeting: str

    @property
    def path(self) -> str:
        """The appointment's canonical Graph path below the version (``users/{user}/...``)."""
        return resource_path(self.meeting, self.user)

    @property
    def meeting_path(self) -> str:
        """The meeting's canonical Graph path below the version (``users/{user}/onlineMeetings/{id}``)."""
        return f"users/{segment(self.user)}/onlineMeetings/{segment(self.meeting)}"


@dataclass(frozen=True)
class Record:
    """One stored entity, as Graph represents it (with ``id``), and its current ETag (if shown)."""

    entity: dict[str, Any]
    etag: str | None


class NotFound(LookupError):
    """No appointment or meeting at that path (Graph: 404 itemNotFound)."""


def missing(key: Key) -> NotFound:
    """The error for an absent appointment, worded the same wherever it is raised."""
    return NotFound(f"No virtualAppointment exists for online meeting '{key.meeting}' of user '{key.user}'.")


def meeting_missing(key: Key) -> NotFound:
    """The error for an absent meeting, on meeting and appointment routes alike."""
    return NotFound(f"The online meeting '{key.meeting}' of user '{key.user}' does not exist.")


class PreconditionFailed(Exception):
    """``If-Match``/``If-None-Match`` did not hold (Graph: 412, inner entityTagDoesNotMatch)."""


class PersistError(Exception):
    """The state file could not be written; the change was undone (Graph: 500)."""


def decode_segment(segment: str) -> str:
    """Percent-decode one path segment, refusing bytes that are not UTF-8 (``ValueError``)."""
    try:
        return unquote_to_bytes(segment).decode("utf-8")
    except UnicodeDecodeError:
        raise ValueError(f"The path segment '{segment}' is not valid UTF-8 once percent-decoded.") from None


def _tags(header: str | None) -> str | frozenset[str] | None:
    return parse_entity_tags(header) if header is not None else None


def _stale(tags: str | frozenset[str] | None, record: Record) -> bool:
    return tags is not None and not matches(tags, record.etag or "")


_STALE = "The If-Match value does not match the {}'s current ETag."
_VERSIONS = ("beta/", "v1.0/")


class Store:
    """All meetings and appointments, guarded by one lock; persisted after each change when asked."""

    def __init__(
        self,
        me: str = DEFAULT_ME,
        state_file: str | os.PathLike | None = None,
        *,
        meeting_etags: bool = False,
        implicit_meetings: bool = False,
    ) -> None:
        self.me = me.lower()
        self.state_file = os.fspath(state_file) if state_file is not None else None
        self.meeting_etags = meeting_etags
        """Whether meetings show their ETag and honour ``If-Match`` (off: as Graph's docs show)."""
        self.implicit_meetings = implicit_meetings
        """Whether any meeting id counts as an existing meeting of the caller for appointments."""
        self._lock = threading.RLock()
        self._records: dict[Key, Record] = {}
        self._meetings: dict[Key, Record] = {}
        self._new_etag = TagMaker()
        if self.state_file and os.path.exists(self.state_file):
            self._load()

    # -- addressing ---------------------------------------------------------------

    def key(self, path: str) -> Key:
        """An appointment's ``me/...`` or ``users/{id}/...`` path (leading ``/`` and ``beta/`` allowed)."""
        text = path.strip("/")
        if text.startswith("beta/"):
            text = text[len("beta/"):]
        for part in text.split("/"):
            decode_segment(part)
        meeting, user = parse_resource_path(text)
        return self.key_for(user, meeting)

    def key_for(self, user: str | None, meeting: str) -> Key:
        """The storage key of already-decoded ids; ``None`` for the user means ``me``."""
        return Key(self.user(user), meeting)

    def user(self, user: str | None) -> str:
        """The stored form of a decoded user id; ``None`` means ``me``."""
        return (user or self.me).lower()

    def meeting_address(self, path: str) -> tuple[str, str | None]:
        """``(user, meeting id or None)`` of ``me``, ``users/{id}``, or either with ``/onlineMeetings/{id}``.

        A leading ``/`` and ``v1.0/`` or ``beta/`` are allowed; segments are percent-decoded.
        """
        text = path.strip("/")
        for version in _VERSIONS:
            if text.startswith(version):
                text = text[len(version):]
        parts = [decode_segment(part) for part in text.split("/")]
        user: str | None = ""
        meeting: str | None = ""
        rest: list[str] = []
        if parts[0] == "me":
            user, rest = None, parts[1:]
        elif parts[0] == "users" and len(parts) >= 2:
            user, rest = parts[1], parts[2:]
        if not rest:
            meeting = None
        elif len(rest) == 2 and rest[0] == "onlineMeetings":
            meeting = rest[1]
        if user in ("", ".", "..") or meeting in ("", ".", ".."):
            raise ValueError(
                f"{path!r} is not an online meeting path; expected me/onlineMeetings/{{id}} or "
                "users/{userId}/onlineMeetings/{id} (or me, users/{userId} to let the emulator pick the id)"
            )
        return self.user(user), meeting

    def meeting_key(self, path: str) -> Key:
        """The key of a meeting path (``me/onlineMeetings/{id}`` or ``users/{userId}/onlineMeetings/{id}``)."""
        user, meeting = self.meeting_address(path)
        if meeting is None:
            expected = "me/onlineMeetings/{id} or users/{userId}/onlineMeetings/{id}"
            raise ValueError(f"{path!r} names no meeting; expected {expected}")
        return Key(user, meeting)

    # -- appointments ---------------------------------------------------------------

    def read(self, key: Key, meeting_required: bool = False) -> Record | None:
        """A copy of the appointment, or ``None``; never changes its ETag."""
        with self._lock:
            self._check_meeting(key, meeting_required)
            return copy.deepcopy(self._records.get(key))

    def snapshot(self) -> dict[str, dict[str, Any]]:
        """``{canonical path: {"entity": ..., "etag": ...}}`` of every appointment."""
        with self._lock:
            return _listed(self._records, lambda key: key.path)

    def put(
        self,
        key: Key,
        body: Mapping[str, Any],
        if_match: str | None = None,
        if_none_match: str | None = None,
        meeting_required: bool = False,
    ) -> tuple[Record, bool]:
        """Create or replace; returns ``(record, created)``."""
        changes = clean_changes(body)
        match_tags, none_tags = _tags(if_match), _tags(if_none_match)
        with self._lock:
            self._check_meeting(key, meeting_required)
            current = self._records.get(key)
            if match_tags is not None and (current is None or _stale(match_tags, current)):
                raise PreconditionFailed(_STALE.format("appointment"))
            if none_tags is not None and current is not None and not _stale(none_tags, current):
                raise PreconditionFailed("If-None-Match: the appointment already exists.")
            return self._write(key, replaced(changes)), current is None

    def patch(
        self, key: Key, body: Mapping[str, Any], if_match: str | None = None, meeting_required: bool = False
    ) -> Record:
        """Graph's PATCH: supplied properties replace whole, null clears; 404 first."""
        changes = clean_changes(body)
        tags = _tags(if_match)
        with self._lock:
            current = self._existing(key, meeting_required)
            if _stale(tags, current):
                raise PreconditionFailed(_STALE.format("appointment"))
            return self._write(key, merged(current.entity, changes))

    def delete(self, key: Key, if_match: str | None = None, meeting_required: bool = False) -> None:
        """Remove the appointment; 404 before any precondition."""
        tags = _tags(if_match)
        with self._lock:
            current = self._existing(key, meeting_required)
            if _stale(tags, current):
                raise PreconditionFailed(_STALE.format("appointment"))
            self._apply([(self._records, key, None)])

    def edit(self, key: Key, body: Mapping[str, Any]) -> Record:
        """An out-of-band change (as if made in Teams): PATCH semantics, creates if absent."""
        changes = clean_changes(body)
        with self._lock:
            current = self._records.get(key)
            return self._write(key, merged(current.entity if current else {}, changes))

    def seed(self, key: Key, body: Mapping[str, Any]) -> Record:
        """Create or replace directly, without preconditions."""
        return self.put(key, body)[0]

    # -- meetings -------------------------------------------------------------------

    def read_meeting(self, key: Key) -> Record | None:
        """A copy of the meeting, or ``None``; the ETag only while meeting ETags are on."""
        with self._lock:
            current = self._meetings.get(key)
            return self._shown(current) if current is not None else None

    def find_meetings(self, user: str | None, join_web_url: str) -> list[Record]:
        """The user's meetings with that join URL (``_meeting.has_join_web_url``), in key order:
        Graph gives each meeting its own, but an out-of-band edit may make two share one."""
        owner = self.user(user)
        with self._lock:
            return [self._shown(record) for key, record in sorted(self._meetings.items())
                    if key.user == owner and _meeting.has_join_web_url(record.entity, join_web_url)]

    def meeting_snapshot(self) -> dict[str, dict[str, Any]]:
        """``{canonical meeting path: {"entity": ..., "etag": ...}}``, ETags as :meth:`read_meeting` shows them."""
        with self._lock:
            return _listed({key: self._shown(rec) for key, rec in self._meetings.items()}, lambda k: k.meeting_path)

    def create_or_get(self, user: str | None, body: Mapping[str, Any]) -> tuple[Record, bool]:
        """createOrGet: the user's meeting with that externalId, unchanged, or a new one; ``(record, created)``."""
        fields = _meeting.clean_create(body)
        owner = self.user(user)
        with self._lock:
            found = self._by_external_id(owner, fields["externalId"])
            if found is not None:
                return self._shown(self._meetings[found]), False
            meeting_id, thread = _meeting.new_id(owner)
            while Key(owner, meeting_id) in self._meetings:  # pragma: no cover - 144 random bits
                meeting_id, thread = _meeting.new_id(owner)
            entity = _meeting.new_meeting(owner, meeting_id, thread, fields, now_ticks())
            return self._write_meeting(Key(owner, meeting_id), entity), True

    def patch_meeting(
        self, key: Key, body: Mapping[str, Any], if_match: str | None = None, version: str = "v1.0"
    ) -> Record:
        """PATCH: checked against the update table of that API version, then applied; 404, then 412 (ETags on only)."""
        changes = _meeting.clean_update(body, version)
        tags = _tags(if_match) if self.meeting_etags else None
        with self._lock:
            current = self._existing_meeting(key)
            if _stale(tags, current):
                raise PreconditionFailed(_STALE.format("online meeting"))
            return self._write_meeting(key, _meeting.updated(current.entity, changes, now_ticks()))

    def delete_meeting(self, key: Key, if_match: str | None = None) -> None:
        """Remove the meeting and its appointment in one write; 404, then 412 (ETags on only)."""
        tags = _tags(if_match) if self.meeting_etags else None
        with self._lock:
            current = self._existing_meeting(key)
            if _stale(tags, current):
                raise PreconditionFailed(_STALE.format("online meeting"))
            self._apply([(self._meetings, key, None), (self._records, key, None)])

    def seed_meeting(self, user: str | None, meeting_id: str | None, body: Mapping[str, Any]) -> Record:
        """Create or replace a meeting directly; ``meeting_id`` ``None`` takes ``body["id"]`` or a new id."""
        owner = self.user(user)
        if meeting_id is None and body.get("id") is not None:
            meeting_id = _meeting_id(body["id"])
        with self._lock:
            if meeting_id is None:
                meeting_id, thread = _meeting.new_id(owner)
            else:
                thread = _meeting.thread_for(owner, meeting_id)
            key = Key(owner, meeting_id)
            entity = _meeting.seeded(owner, meeting_id, thread, body, now_ticks())
            self._check_unique(key, entity.get("externalId"))
            return self._write_meeting(key, entity)

    def edit_meeting(self, key: Key, body: Mapping[str, Any]) -> Record:
        """An out-of-band change (as if made in Teams): any modelled property, no PATCH rules; 404 if absent."""
        with self._lock:
            entity = _meeting.edited(self._existing_meeting(key).entity, body)
            self._check_unique(key, entity.get("externalId"))
            return self._write_meeting(key, entity)

    # -- both -----------------------------------------------------------------------

    def reset(self) -> None:
        """Forget every meeting and appointment (and persist the empty state)."""
        with self._lock:
            self._apply([(self._records, key, None) for key in self._records]
                        + [(self._meetings, key, None) for key in self._meetings])

    # -- internals ----------------------------------------------------------------

    def _check_meeting(self, key: Key, required: bool) -> None:
        if required and not self.implicit_meetings and key not in self._meetings:
            raise meeting_missing(key)

    def _existing(self, key: Key, meeting_required: bool = False) -> Record:
        self._check_meeting(key, meeting_required)
        current = self._records.get(key)
        if current is None:
            raise missing(key)
        return current

    def _existing_meeting(self, key: Key) -> Record:
        current = self._meetings.get(key)
        if current is None:
            raise meeting_missing(key)
        return current

    def _by_external_id(self, user: str, external_id: str) -> Key | None:
        for key, record in self._meetings.items():
            if key.user == user and record.entity.get("externalId") == external_id:
                return key
        return None

    def _check_unique(self, key: Key, external_id: str | None) -> None:
        """No other meeting of the user has this externalId (meetings without one never clash)."""
        if external_id is None:
            return
        other = self._by_external_id(key.user, external_id)
        if other is not None and other != key:
            raise BodyError(
                f"Invalid request body: meeting '{other.meeting}' of user '{key.user}' already has externalId "
                f"'{external_id}'; createOrGet finds a meeting by user and externalId, so they must be unique."
            )

    def _shown(self, record: Record) -> Record:
        record = copy.deepcopy(record)
        return record if self.meeting_etags else replace(record, etag=None)

    def _write(self, key: Key, properties: Mapping[str, Any]) -> Record:
        """Store an appointment's new properties under a new ETag; Graph fills in the join URL when unset."""
        entity = {"id": entity_id(key.user, key.meeting)}
        entity.update(with_join_url(properties, key.user, key.meeting))
        record = Record(entity, self._new_etag())
        self._apply([(self._records, key, record)])
        return copy.deepcopy(record)

    def _write_meeting(self, key: Key, entity: dict[str, Any]) -> Record:
        record = Record(entity, self._new_etag())
        self._apply([(self._meetings, key, record)])
        return self._shown(record)

    def _apply(self, changes: Iterable[tuple[dict[Key, Record], Key, Record | None]]) -> None:
        """Set each key's record in its table (``None`` removes it) and persist; a failed write undoes it all."""
        changes = list(changes)
        undo = [(table, key, table.get(key)) for table, key, _ in reversed(changes)]
        _assign(changes)
        try:
            self._save()
        except Exception as exc:
            _assign(undo)
            raise PersistError(
                f"The change was not applied: cannot write the emulator's state file {self.state_file}: {exc}"
            ) from exc

    def _save(self) -> None:
        if not self.state_file:
            return
        state = {
            "format": STATE_FORMAT,
            "me": self.me,
            "appointments": self.snapshot(),
            "meetings": _listed(self._meetings, lambda key: key.meeting_path),
        }
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
            for path, item in state.get("meetings", {}).items():
                key = self.meeting_key(path)
                thread = _meeting.thread_for(key.user, key.meeting)
                entity = _meeting.seeded(key.user, key.meeting, thread, item["entity"], now_ticks())
                self._check_unique(key, entity.get("externalId"))
                self._meetings[key] = Record(entity, str(item["etag"]))
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
            raise ValueError(
                f"cannot load the emulator state file {self.state_file}: {exc}; "
                "move it away or pass another path to start with no meetings or appointments"
            ) from exc


def _meeting_id(value: Any) -> str:
    if isinstance(value, str) and value not in ("", ".", ".."):
        return value
    raise BodyError(f"Invalid request body: 'id' must be a non-empty string, got {json.dumps(value)}.")


def _listed(records: Mapping[Key, Record], path: Any) -> dict[str, dict[str, Any]]:
    return {path(key): {"entity": copy.deepcopy(rec.entity), "etag": rec.etag} for key, rec in sorted(records.items())}


def _assign(changes: Iterable[tuple[dict[Key, Record], Key, Record | None]]) -> None:
    for table, key, record in changes:
        if record is None:
            table.pop(key, None)
        else:
            table[key] = record
