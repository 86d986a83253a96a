"""The onlineMeeting's rules: what createOrGet and PATCH accept, Graph's defaults, how a change applies.

Pure: standard library and ``_json`` only; ``_store`` applies these functions under its lock and
the Graph routes only carry their results. The facts are docs/graph.md's (sources cited there);
where the docs are silent the emulator makes the choice written here.

Ids. A meeting belongs to one user (its organizer); createOrGet finds it by (user, externalId).
A new id is built as Graph's are: standard base64 of the ASCII text
``1*{organizer object id}*0**19:meeting_{random}@thread.v2``. Object ids are GUIDs, so the text
holds none of ``>?~`` and its base64 never contains ``+`` or ``/``. A user is addressed by its
object id (a GUID) or its UPN (``name@domain.tld``, :func:`is_user`); a UPN gets a stable GUID
derived from it as its object id.
The organizer is ``{"identity": {"user": {"id", "displayName": null, "tenantId"}}, "upn", "role":
"presenter"}``, ``upn`` being the user's path segment when it is a UPN, else ``null``.
``joinWebUrl`` is a ``teams.microsoft.com/l/meetup-join/`` link to the chat thread,
``chatInfo`` names that thread (``messageId`` "0"), ``joinMeetingIdSettings`` has a 12-digit
``joinMeetingId`` and no passcode (createOrGet never makes one: docs-contrib#73). The virtual
appointment join link (:func:`join_url`) is stable per meeting and is also the appointment's
``appointmentClientJoinWebUrl`` when the client sets none.

createOrGet takes exactly its six parameters (``chatInfo``, ``endDateTime``, ``externalId``,
``participants``, ``startDateTime``, ``subject``); annotations are ignored, anything else is a
400 naming it, and so is a missing or empty ``externalId``. No start: now; no end: start + 1 h;
an end without a start, or earlier than it, is a 400 (the docs' words: an equal end is
accepted). ``participants.organizer`` is checked and ignored: the organizer is always the user.
When the meeting exists, the body is still checked, then ignored: the existing meeting comes
back unchanged (the docs are silent; docs-contrib#465).

PATCH takes only the update table's properties; any other one, read-only or unknown (``id``
included), is a 400 naming it. ``anonymizeIdentityForRoles`` is in the v1.0 update page but not in
the v1.0 schema (docs/graph.md 1.1, 10.2): it is beta's only (:data:`BETA_ONLY`), so a v1.0 PATCH
of it is refused as any property the type does not have (``property '...' does not exist on type
'microsoft.graph.onlineMeeting'``; the docs are silent, this is the emulator's choice) and v1.0
answers never carry it; the stored meeting keeps it for beta. Types and enum members are checked
(a 400 names the property and the allowed values; ``unknownFutureValue`` is never accepted). Rules: ``startDateTime`` and
``endDateTime`` come together and the end must be later than the start (the docs are silent on
equal times; the emulator wants a positive length); ``participants`` may carry ``attendees``
only, a list that replaces the old one whole (the organizer cannot change); ``allowedPresenters:
roleIsPresenter`` needs ``participants.attendees`` in the same body; once ``attendee`` is in
``anonymizeIdentityForRoles`` no PATCH removes it. Complex values (``lobbyBypassSettings``,
``watermarkProtection``, ``sensitivityLabelAssignment``, ``broadcastSettings``) are merged member
by member, as the docs' own example PATCHes part of ``lobbyBypassSettings``; everything else is
replaced. ``null`` resets a property (or a member) to its default; for the two times, ``null``
means what leaving them out of createOrGet means (start now, end one hour later).

Defaults (the docs give ``allowedPresenters: everyone``, and their examples show
``isEntryExitAnnounced: true`` and ``lobbyBypassSettings {scope: organization,
isDialInBypassEnabled: false}``; the rest are Teams' defaults for a new meeting): every
``allow*`` boolean true, ``allowedLobbyAdmitters`` organizerAndCoOrganizersAndPresenters,
``allowLiveShare`` and ``allowMeetingChat`` enabled, ``isEndToEndEncryptionEnabled`` and
``recordAutomatically`` false, ``watermarkProtection`` both members false,
``anonymizeIdentityForRoles`` empty, ``subject``, ``meetingSpokenLanguageTag``,
``sensitivityLabelAssignment`` and ``broadcastSettings`` null. An attendee's ``role`` defaults to
``attendee``; an attendee needs an ``identity`` or a ``upn``. ``broadcastSettings``'s members
and their defaults are those of learn's broadcastMeetingSettings page.

Evolvable enum members are those after ``unknownFutureValue`` in the schema of the request's API
version: in both, ``invited`` and ``organizationExcludingGuests`` of lobbyBypassScope; of
onlineMeetingRole, ``producer`` and ``coorganizer`` in v1.0 but ``coorganizer`` alone in beta,
where ``producer`` is a regular member (learn meetingparticipantinfo, v1.0 and beta pages). They
are stored as sent, with or without the header, and answered as ``unknownFutureValue`` unless the
request sent ``Prefer: include-unknown-enum-members`` (:func:`render`). Times are ``_odata``'s: any
offset in, UTC with seven fractional digits out (``2026-12-01T09:00:00.0000000Z``).

``$select`` on a GET of a meeting or of the lookup answers ``id`` (always: the key names the
entity) and the properties named that the meeting has (:func:`render`); a property of the type
the emulator does not store (``videoTeleconferenceId``, say: :func:`selectable`) may be named and
is left out, as it is from every answer. The docs are silent on these details (docs/graph.md
10.3): they are the emulator's choices.

Lookup by join URL (``GET {owner}/onlineMeetings?$filter=JoinWebUrl eq '...'``) answers a
collection of the owner's meetings with that ``joinWebUrl`` (Graph's one; two only where an
out-of-band edit gave one meeting another's URL). The docs say the URL's format
"might differ" without affecting the lookup, and their SDK examples send it percent-decoded, so
a URL matches when it is the stored one or the same once percent-decoded
(:func:`has_join_web_url`). No match: the docs are silent; the emulator answers an empty
collection (``{"value": []}``), as OData does for a filter that matches nothing.

Out-of-band edits (:func:`edited`) may set any modelled property, types checked and complex
values merged, none of PATCH's rules applied, except that an ``externalId`` sent is a non-empty
string (an edit never removes one) and ``id`` cannot change. A seeded meeting (:func:`seeded`) is
the default meeting, starting now or at the given start, with the given properties applied as
such an edit. Without an ``externalId`` (absent or ``null``) it has none (``"externalId":
null``), as a meeting made in the Teams app or by a plain ``POST {owner}/onlineMeetings``:
createOrGet, which always sends one, never finds it, and any number of such meetings may coexist.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import json
import re
import secrets
import uuid
from dataclasses import dataclass
from typing import Any, Mapping
from urllib.parse import quote, unquote

from ._json import BodyError, is_annotation
from ._odata import (
    HOUR, Check, Complex, Enum, boolean, collection, format_time, open_object, parse_time, string, time_value,
)

__all__ = [
    "TENANT_ID",
    "CREATE_PARAMETERS",
    "PROPERTIES",
    "clean_create",
    "clean_update",
    "new_meeting",
    "new_id",
    "thread_for",
    "updated",
    "edited",
    "seeded",
    "render",
    "is_user",
    "in_version",
    "selectable",
    "BETA_ONLY",
    "join_url",
    "has_join_web_url",
]

TENANT_ID = "0e1a7e00-0000-4000-8000-00000000e3a7"
"""The tenant the emulator pretends to be; it appears in generated URLs and identities."""

_USER_NAMESPACE = uuid.UUID("8f6a3c1e-2b4d-4e5f-9a7b-1c2d3e4f5a6b")
_GUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")

# -- the schema: types of docs/graph.md 1.2 and 1.3, properties of 1.1 ------------------------


def _external_id(value: Any, where: str) -> str:
    if isinstance(value, str) and value.strip():
        return value
    raise BodyError(
        f"Invalid request body: '{where}' is required and must be a non-empty string, got {json.dumps(value)}."
    )


_IDENTITY = open_object({"displayName": string, "id": string, "tenantId": string})
_IDENTITY_SET = open_object({"application": _IDENTITY, "device": _IDENTITY, "user": _IDENTITY})

ROLE = Enum("onlineMeetingRole", ("attendee", "presenter", "producer", "coorganizer"),
            {"v1.0": ("producer", "coorganizer"), "beta": ("coorganizer",)})
_INVITED = ("invited", "organizationExcludingGuests")
LOBBY_SCOPE = Enum(
    "lobbyBypassScope",
    ("organizer", "organization", "organizationAndFederated", "everyone", *_INVITED),
    {"v1.0": _INVITED, "beta": _INVITED},
)
_PARTICIPANT_INFO = Complex("meetingParticipantInfo", {"identity": (_IDENTITY_SET, None), "upn": (string, None),
                                                       "role": (ROLE, None)})


def _participant(default_role: str) -> Check:
    """A meetingParticipantInfo with every member, ``role`` defaulting to ``default_role``."""

    def check(value: Any, where: str) -> dict[str, Any]:
        given = _PARTICIPANT_INFO.clean(value, where)
        if given.get("identity") is None and given.get("upn") is None:
            raise BodyError(f"Invalid value for property '{where}': a participant needs an 'identity' or a 'upn'.")
        return {"identity": given.get("identity"), "upn": given.get("upn"), "role": given.get("role") or default_role}
    return check


PARTICIPANTS = Complex(
    "meetingParticipants",
    {"organizer": (_participant("presenter"), None), "attendees": (collection(_participant("attendee")), [])},
)
LOBBY = Complex(
    "lobbyBypassSettings", {"scope": (LOBBY_SCOPE, "organization"), "isDialInBypassEnabled": (boolean, False)}
)
WATERMARK = Complex(
    "watermarkProtectionValues", {"isEnabledForContentSharing": (boolean, False), "isEnabledForVideo": (boolean, False)}
)
_CAPTIONS = Complex(
    "broadcastMeetingCaptionSettings",
    {"isCaptionEnabled": (boolean, False), "spokenLanguage": (string, None),
     "translationLanguages": (collection(string), None)},
)
BROADCAST = Complex(
    "broadcastMeetingSettings",
    {
        "allowedAudience": (
            Enum("broadcastMeetingAudience", ("everyone", "organization", "roleIsAttendee")), "everyone"
        ),
        "captions": (_CAPTIONS, None),
        "isAttendeeReportEnabled": (boolean, False),
        "isQuestionAndAnswerEnabled": (boolean, False),
        "isRecordingEnabled": (boolean, False),
        "isVideoOnDemandEnabled": (boolean, False),
    },
)
CHAT_INFO = Complex("chatInfo", {"threadId": (string, None), "messageId": (string, None),
                                 "replyChainMessageId": (string, None)})
JOIN_MEETING_ID = Complex(
    "joinMeetingIdSettings",
    {"isPasscodeRequired": (boolean, False), "joinMeetingId": (string, None), "passcode": (string, None)},
)


@dataclass(frozen=True)
class Property:
    """One modelled property: its check, its default, and whether PATCH may send it."""

    check: Check | Complex
    default: Any = None
    updatable: bool = True

    def clean(self, value: Any, where: str) -> Any:
        """The stored form of a value that is not ``null`` (a complex value: the members sent)."""
        return self.check.clean(value, where) if isinstance(self.check, Complex) else self.check(value, where)


def _flag(default: bool) -> Property:
    return Property(boolean, default)


PROPERTIES: Mapping[str, Property] = {
    "allowAttendeeToEnableCamera": _flag(True),
    "allowAttendeeToEnableMic": _flag(True),
    "allowBreakoutRooms": _flag(True),
    "allowCopyingAndSharingMeetingContent": _flag(True),
    "allowedLobbyAdmitters": Property(
        Enum("allowedLobbyAdmitterRoles", ("organizerAndCoOrganizersAndPresenters", "organizerAndCoOrganizers")),
        "organizerAndCoOrganizersAndPresenters",
    ),
    "allowedPresenters": Property(
        Enum("onlineMeetingPresenters", ("everyone", "organization", "roleIsPresenter", "organizer")), "everyone"
    ),
    "allowLiveShare": Property(Enum("meetingLiveShareOptions", ("enabled", "disabled")), "enabled"),
    "allowMeetingChat": Property(Enum("meetingChatMode", ("enabled", "disabled", "limited")), "enabled"),
    "allowPowerPointSharing": _flag(True),
    "allowRecording": _flag(True),
    "allowTeamworkReactions": _flag(True),
    "allowTranscription": _flag(True),
    "allowWhiteboard": _flag(True),
    "anonymizeIdentityForRoles": Property(collection(Enum("onlineMeetingRole", ("attendee",))), []),
    "broadcastSettings": Property(BROADCAST),
    "endDateTime": Property(time_value),
    "isEndToEndEncryptionEnabled": _flag(False),
    "isEntryExitAnnounced": _flag(True),
    "lobbyBypassSettings": Property(LOBBY, LOBBY.defaults()),
    "meetingSpokenLanguageTag": Property(string),
    "participants": Property(PARTICIPANTS, PARTICIPANTS.defaults()),
    "recordAutomatically": _flag(False),
    "sensitivityLabelAssignment": Property(Complex("onlineMeetingSensitivityLabelAssignment",
                                                   {"sensitivityLabelId": (string, None)})),
    "startDateTime": Property(time_value),
    "subject": Property(string),
    "watermarkProtection": Property(WATERMARK, WATERMARK.defaults()),
    # Not in the update table: set when the meeting is made, or out of band.
    "chatInfo": Property(CHAT_INFO, updatable=False),
    "creationDateTime": Property(time_value, updatable=False),
    "externalId": Property(_external_id, updatable=False),
    "joinMeetingIdSettings": Property(JOIN_MEETING_ID, updatable=False),
    "joinWebUrl": Property(string, updatable=False),
}
"""Every property the emulator stores, by its Graph name (beta's; v1.0 has all but :data:`BETA_ONLY`)."""

BETA_ONLY = frozenset({"anonymizeIdentityForRoles"})
"""Properties the beta schema has and the v1.0 schema does not: v1.0 neither shows nor accepts them."""

_READ_ONLY = frozenset({
    "id", "allowParticipantsToChangeName", "attendeeReport", "audioConferencing", "chatRestrictions",
    "cloudVideoInteropInfo", "expiryDateTime", "isBroadcast", "joinInformation", "meetingOptionsWebUrl",
    "meetingTemplateId", "meetingType", "shareMeetingChatHistoryDefault", "videoTeleconferenceId",
    "attendanceReports", "recordings", "transcripts",  # relationships
})
"""Properties of onlineMeeting that are neither modelled nor in the update table."""


def in_version(name: str, version: str) -> bool:
    """Whether a modelled property is in that API version's schema."""
    return version == "beta" or name not in BETA_ONLY


def selectable(version: str) -> tuple[str, ...]:
    """What ``$select`` may name in that version: ``id``, the modelled properties, those never stored."""
    return ("id", *(name for name in PROPERTIES if in_version(name, version)), *sorted(_READ_ONLY - {"id"}))


_TIMES = ("startDateTime", "endDateTime")

CREATE_PARAMETERS = ("chatInfo", "endDateTime", "externalId", "participants", "startDateTime", "subject")
"""The parameters of the createOrGet action, as the v1.0 CSDL declares them."""


def _unknown(key: str) -> BodyError:
    return BodyError(f"Invalid request body: property '{key}' does not exist on type 'microsoft.graph.onlineMeeting'.")


# -- createOrGet ---------------------------------------------------------------------------


def clean_create(body: Mapping[str, Any]) -> dict[str, Any]:
    """Check a createOrGet body; the fields a new meeting takes (times as ticks)."""
    sent = {key: value for key, value in body.items() if not is_annotation(key)}
    for key in sent:
        if key not in CREATE_PARAMETERS:
            raise BodyError(
                f"Invalid request body: '{key}' is not a parameter of createOrGet; "
                f"expected some of {', '.join(CREATE_PARAMETERS)}."
            )
    fields: dict[str, Any] = {"externalId": _external_id(sent.get("externalId"), "externalId")}
    if sent.get("subject") is not None:
        fields["subject"] = string(sent["subject"], "subject")
    for name in ("startDateTime", "endDateTime"):
        if sent.get(name) is not None:
            fields[name] = parse_time(sent[name], name)
    _check_times(fields.get("startDateTime"), fields.get("endDateTime"), strictly_later=False)
    if sent.get("participants") is not None:
        fields["attendees"] = PARTICIPANTS.merged(None, PARTICIPANTS.clean(sent["participants"], "participants"))[
            "attendees"
        ]
    if sent.get("chatInfo") is not None:
        chat = CHAT_INFO.clean(sent["chatInfo"], "chatInfo")
        fields["chatInfo"] = {key: value for key, value in chat.items() if value is not None}
    return fields


def _check_times(start: int | None, end: int | None, strictly_later: bool) -> None:
    """createOrGet refuses an end earlier than the start (the docs' words); PATCH wants it later."""
    if end is not None and start is None:
        raise BodyError("Invalid request body: 'endDateTime' was given without 'startDateTime'.")
    if end is None:
        return
    if strictly_later and end <= start:
        raise BodyError("Invalid request body: 'endDateTime' must be later than 'startDateTime'.")
    if end < start:
        raise BodyError("Invalid request body: 'endDateTime' is earlier than 'startDateTime'.")


_UPN = re.compile(r"[^@\s/]+@[^@\s/.]+(?:\.[^@\s/.]+)+")


def is_user(segment: str) -> bool:
    """Whether a (decoded) ``users/{segment}`` names a user: an object id (a GUID, any case) or a UPN
    (``name@domain.tld``); anything else (msgraph-sdk's ``me-token-to-replace``, say) is not."""
    return bool(_GUID.fullmatch(segment.lower()) or _UPN.fullmatch(segment))


def object_id(user: str) -> str:
    """The user's object id: the id itself when it is a GUID, else a GUID derived from it."""
    return user if _GUID.fullmatch(user) else str(uuid.uuid5(_USER_NAMESPACE, user))


def _digest(user: str, meeting_id: str) -> str:
    return hashlib.sha256(f"{user}/{meeting_id}".encode()).hexdigest()


def new_id(user: str) -> tuple[str, str]:
    """A fresh ``(meeting id, chat thread id)`` for a meeting organised by ``user``."""
    thread = f"19:meeting_{base64.b64encode(secrets.token_hex(18).encode()).decode()}@thread.v2"
    return base64.b64encode(f"1*{object_id(user)}*0**{thread}".encode("ascii")).decode("ascii"), thread


def thread_for(user: str, meeting_id: str) -> str:
    """The chat thread of a meeting whose id was given (seeded), stable per meeting."""
    return f"19:meeting_{_digest(user, meeting_id)[:32]}@thread.v2"


def join_url(user: str, meeting_id: str) -> str:
    """The meeting's virtual appointment join link (getVirtualAppointmentJoinWebUrl), stable per meeting."""
    return (
        f"https://visit.teams.microsoft.com/webrtc-svc/api/route?tid={TENANT_ID}"
        f"&convId=19:meeting_{_digest(user, meeting_id)[:32]}@thread.v2"
    )


def has_join_web_url(entity: Mapping[str, Any], url: str) -> bool:
    """Whether the meeting's ``joinWebUrl`` is ``url``, or the same once both are percent-decoded."""
    stored = entity.get("joinWebUrl")
    return isinstance(stored, str) and (stored == url or unquote(stored) == unquote(url))


def _organizer(user: str) -> dict[str, Any]:
    identity = {"user": {"id": object_id(user), "displayName": None, "tenantId": TENANT_ID}}
    return {"identity": identity, "upn": user if "@" in user else None, "role": "presenter"}


def _join_web_url(user: str, thread: str) -> str:
    context = json.dumps({"Tid": TENANT_ID, "Oid": object_id(user)}, separators=(",", ":"))
    return f"https://teams.microsoft.com/l/meetup-join/{quote(thread, safe='')}/0?context={quote(context, safe='')}"


def _ordered(entity: Mapping[str, Any]) -> dict[str, Any]:
    return {"id": entity["id"], **{key: entity[key] for key in sorted(entity) if key != "id"}}


def new_meeting(user: str, meeting_id: str, thread: str, fields: Mapping[str, Any], created: int) -> dict[str, Any]:
    """The entity createOrGet makes from :func:`clean_create`'s fields, every property present."""
    start = fields.get("startDateTime", created)
    end = fields.get("endDateTime", start + HOUR)
    entity = {name: copy.deepcopy(prop.default) for name, prop in PROPERTIES.items() if prop.updatable}
    entity.update(
        id=meeting_id,
        chatInfo=CHAT_INFO.merged({"threadId": thread, "messageId": "0", "replyChainMessageId": None},
                                  fields.get("chatInfo", {})),
        creationDateTime=format_time(created, "creationDateTime"),
        startDateTime=format_time(start, "startDateTime"),
        endDateTime=format_time(end, "endDateTime"),
        externalId=fields.get("externalId"),
        joinMeetingIdSettings={
            "isPasscodeRequired": False,
            "joinMeetingId": str(int(_digest(user, meeting_id)[:16], 16) % 10**12).zfill(12),
            "passcode": None,
        },
        joinWebUrl=_join_web_url(user, thread),
        participants={"organizer": _organizer(user), "attendees": fields.get("attendees", [])},
        subject=fields.get("subject"),
    )
    return _ordered(entity)


# -- PATCH ---------------------------------------------------------------------------------


def clean_update(body: Mapping[str, Any], version: str) -> dict[str, Any]:
    """Check a PATCH body against the update table of ``version`` and its rules; the changes (``None``: reset)."""
    changes: dict[str, Any] = {}
    for key, value in body.items():
        if is_annotation(key):
            continue
        prop = PROPERTIES.get(key)
        if prop is not None and not in_version(key, version):
            raise _unknown(key)
        if prop is None or not prop.updatable:
            raise _not_updatable(key)
        if key == "participants" and isinstance(value, dict) and "organizer" in value:
            raise BodyError(
                "Invalid request body: 'participants.organizer' can't be updated; the organizer of a meeting "
                "can't change after it is created. Send 'participants.attendees' only."
            )
        changes[key] = None if value is None else prop.clean(value, key)
    if ("startDateTime" in changes) != ("endDateTime" in changes):
        raise BodyError(
            "Invalid request body: 'startDateTime' and 'endDateTime' must be sent together; adjusting the start "
            "or end of an online meeting requires both."
        )
    if "startDateTime" in changes:
        start, end = (None if changes[name] is None else parse_time(changes[name], name) for name in _TIMES)
        _check_times(start, end, strictly_later=True)
    if changes.get("allowedPresenters") == "roleIsPresenter" and (changes.get("participants") or {}).get(
        "attendees"
    ) is None:
        raise BodyError(
            "Invalid request body: 'allowedPresenters' roleIsPresenter needs the full list of attendees, the "
            "presenters' role set to presenter, in 'participants.attendees' of the same request."
        )
    return changes


def _not_updatable(key: str) -> BodyError:
    if key == "joinMeetingIdSettings":
        return BodyError(
            "Invalid request body: 'joinMeetingIdSettings' can't be modified once the online meeting is created; "
            "cancel it and create a new one."
        )
    if key in PROPERTIES or key in _READ_ONLY:
        return BodyError(
            f"Invalid request body: property '{key}' of onlineMeeting can't be updated (it is read-only or not "
            "in the update table)."
        )
    return _unknown(key)


def _set(entity: dict[str, Any], name: str, value: Any) -> None:
    """Apply one checked value: complex values merge, ``None`` resets, others replace."""
    prop = PROPERTIES[name]
    if name == "participants" and value is None:
        value = {"attendees": None}
    if isinstance(prop.check, Complex) and value is not None:
        entity[name] = prop.check.merged(entity.get(name), value)
    else:
        entity[name] = copy.deepcopy(prop.default) if value is None else value


def updated(entity: Mapping[str, Any], changes: Mapping[str, Any], now: int) -> dict[str, Any]:
    """The meeting after a PATCH of :func:`clean_update`'s changes."""
    result = copy.deepcopy(dict(entity))
    for name, value in changes.items():
        if name not in _TIMES:
            _set(result, name, value)
    if "startDateTime" in changes:
        start = now if changes["startDateTime"] is None else parse_time(changes["startDateTime"], "startDateTime")
        end = start + HOUR if changes["endDateTime"] is None else parse_time(changes["endDateTime"], "endDateTime")
        result["startDateTime"] = format_time(start, "startDateTime")
        result["endDateTime"] = format_time(end, "endDateTime")
    if "attendee" in (entity.get("anonymizeIdentityForRoles") or []) and "attendee" not in (
        result.get("anonymizeIdentityForRoles") or []
    ):
        raise BodyError(
            "Invalid request body: 'anonymizeIdentityForRoles': the attendee value can't be removed through a "
            "PATCH operation once added."
        )
    return result


# -- out of band ---------------------------------------------------------------------------


def edited(entity: Mapping[str, Any], body: Mapping[str, Any]) -> dict[str, Any]:
    """The meeting after an out-of-band change: any modelled property, types checked, no PATCH rules."""
    result = copy.deepcopy(dict(entity))
    for key, value in body.items():
        if is_annotation(key):
            continue
        if key == "id":
            if value != entity["id"]:
                raise BodyError(
                    f"Invalid request body: 'id' is {json.dumps(value)}, but the meeting is '{entity['id']}'."
                )
            continue
        prop = PROPERTIES.get(key)
        if prop is None:
            raise _unknown(key)
        if key == "externalId":
            _external_id(value, key)
        _set(result, key, None if value is None else prop.clean(value, key))
    return result


def seeded(user: str, meeting_id: str, thread: str, body: Mapping[str, Any], now: int) -> dict[str, Any]:
    """A meeting made out of band: the default one, then ``body`` as an edit; without an ``externalId``
    (absent or ``null``) it has none, as a meeting made in Teams."""
    fields: dict[str, Any] = {}
    if body.get("externalId") is not None:
        fields["externalId"] = _external_id(body["externalId"], "externalId")
    if body.get("startDateTime") is not None:
        fields["startDateTime"] = parse_time(body["startDateTime"], "startDateTime")
    rest = {key: value for key, value in body.items() if key != "externalId"}
    return edited(new_meeting(user, meeting_id, thread, fields, now), rest)


# -- answers -------------------------------------------------------------------------------


def render(
    entity: Mapping[str, Any], version: str, include_unknown: bool, select: tuple[str, ...] | None = None
) -> dict[str, Any]:
    """The entity as ``version`` answers it: its properties only (``select``'s and ``id``, when
    given), members evolvable in that version hidden unless the client asked for them."""
    shown = {key: copy.deepcopy(value) for key, value in entity.items() if in_version(key, version)}
    if select is not None:
        shown = {key: shown[key] for key in ("id", *select) if key in shown}
    lobby = shown.get("lobbyBypassSettings")
    if isinstance(lobby, dict):
        lobby["scope"] = LOBBY_SCOPE.shown(lobby.get("scope"), version, include_unknown)
    participants = shown.get("participants") or {}
    for info in [participants.get("organizer"), *(participants.get("attendees") or [])]:
        if isinstance(info, dict):
            info["role"] = ROLE.shown(info.get("role"), version, include_unknown)
    return shown
