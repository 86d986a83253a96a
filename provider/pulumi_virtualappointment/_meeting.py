"""The ``onlineMeeting`` kind (Graph v1.0, live): the meeting a virtual appointment runs in.

Pure: a description for the engine. Every fact here is sourced in ``docs/graph.md``:

- created with ``POST {owner}/onlineMeetings/createOrGet``, keyed by the scheduling system's
  ``externalId`` for that organiser (201 new, 200 existing); its body takes only ``externalId``,
  ``subject``, ``startDateTime``, ``endDateTime`` and ``participants``: the rest is set with one
  minimal PATCH;
- updated with ``PATCH {owner}/onlineMeetings/{id}`` (200 with the meeting); Graph documents no
  ETag for meetings, so without one an update reads first and writes only if nothing managed
  changed (read-compare-write, weaker than If-Match: a change in the moment between the read and
  the write is not seen);
- the managed properties are the update table's, less those Graph applies late or for good
  (``isEndToEndEncryptionEnabled`` "can take up to 24 hours", ``anonymizeIdentityForRoles``
  cannot be undone), deprecated (``broadcastSettings``) or tenant-specific
  (``sensitivityLabelAssignment``);
- the start and the end change together; attendees are sent as a whole list; presenters by role
  need the attendees and their roles in the same body;
- a property removed from the program is left as Graph has it (no longer managed): the docs do
  not say which of these Graph lets a client clear with ``null``;
- evolvable enum members (a lobby scope of ``invited``, a ``coorganizer``) come back only when the
  request says ``Prefer: include-unknown-enum-members``, so every request says it;
- the virtual-appointment join link is ``GET {meeting}/getVirtualAppointmentJoinWebUrl``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Mapping

from ._appointment import owner, parse_meeting_path, segment
from ._errors import MeetingExistsError
from ._model import UNKNOWN, Choice, Failure, Flag, Instant, Items, Kind, Record, Text

__all__ = ["MEETING", "meeting_path", "meeting_identity"]

ROLES = ("attendee", "presenter", "producer", "coorganizer")
LOBBY_SCOPES = ("organizer", "organization", "organizationAndFederated", "everyone", "invited",
                "organizationExcludingGuests")
PRESENTERS = ("everyone", "organization", "roleIsPresenter", "organizer")
CHAT_MODES = ("enabled", "disabled", "limited")

_ATTENDEE = Record(
    members={"upn": Text(fold=True), "role": Choice(ROLES)},
    required=("upn",),
    required_reason="is required: set upn to the attendee's user principal name, such as name@contoso.com",
    defaults={"role": "attendee"},
)


def meeting_path(meeting_id: str, user_id: str | None = None) -> str:
    """The Graph path below the version, also the Pulumi resource id."""
    return f"{owner(user_id)}/onlineMeetings/{segment(meeting_id)}"


def meeting_identity(path: Any) -> dict[str, Any]:
    """Inverse of :func:`meeting_path`, as properties; ``ValueError`` for anything else."""
    meeting, user = parse_meeting_path(path)
    return {"onlineMeetingId": meeting, **({"userId": user} if user else {})}


def _moment(value: str) -> tuple[datetime, int]:
    """A normalised instant (``_model.instant``) as something comparable: (seconds, 100 ns ticks)."""
    seconds, _, fraction = value.rstrip("Z").partition(".")
    return datetime.strptime(seconds, "%Y-%m-%dT%H:%M:%S"), int(fraction.ljust(7, "0"))


def _start_and_end(values: dict, failures: list) -> None:
    """Graph changes the start and the end together, and the end must come after the start."""
    start, end = values.get("startDateTime"), values.get("endDateTime")
    if (start is None) != (end is None):
        missing, given = ("endDateTime", "start_date_time") if end is None else ("startDateTime", "end_date_time")
        failures.append(Failure(missing, f"is required when {given} is given: Graph changes a meeting's start and "
                                         "end together"))
    elif start is not None and UNKNOWN not in (start, end) and _moment(end) <= _moment(start):
        failures.append(Failure("endDateTime", f"must be after start_date_time ({start}), got {end}"))


def _presenters(values: dict, failures: list) -> None:
    """Presenters by role need the attendees and their roles (the update page's rule)."""
    if values.get("allowedPresenters") == "roleIsPresenter" and "participants" not in values:
        failures.append(Failure("allowedPresenters", "roleIsPresenter needs participants (the attendees and their "
                                                     "roles); declare participants too"))


def _address(props: Mapping[str, Any]) -> str:
    return meeting_path(props["onlineMeetingId"], props.get("userId"))


def _create_path(props: Mapping[str, Any]) -> str:
    return f"{owner(props.get('userId'))}/onlineMeetings/createOrGet"


_FLAGS = (
    "allowAttendeeToEnableCamera", "allowAttendeeToEnableMic", "allowBreakoutRooms",
    "allowCopyingAndSharingMeetingContent", "allowPowerPointSharing", "allowRecording", "allowTeamworkReactions",
    "allowTranscription", "allowWhiteboard", "isEntryExitAnnounced", "recordAutomatically",
)

MEETING = Kind(
    name="onlineMeeting",
    resource="OnlineMeeting",
    api_version="v1.0",
    fields=dict(sorted({
        "subject": Text(),
        "startDateTime": Instant(),
        "endDateTime": Instant(),
        "participants": Record(members={"attendees": Items(_ATTENDEE, noun="attendees", max_items=1000)},
                               required=("attendees",), required_reason="is required when participants is given: "
                               "list the attendees (an empty list for none)", defaults={"attendees": []}),
        "lobbyBypassSettings": Record(members={"scope": Choice(LOBBY_SCOPES), "isDialInBypassEnabled": Flag()},
                                      at_least_one=True),
        "allowedPresenters": Choice(PRESENTERS),
        "allowMeetingChat": Choice(CHAT_MODES),
        "allowLiveShare": Choice(("enabled", "disabled")),
        "allowedLobbyAdmitters": Choice(("organizerAndCoOrganizersAndPresenters", "organizerAndCoOrganizers")),
        "meetingSpokenLanguageTag": Text(),
        "watermarkProtection": Record(members={"isEnabledForContentSharing": Flag(), "isEnabledForVideo": Flag()},
                                      at_least_one=True),
        **{name: Flag() for name in _FLAGS},
    }.items())),
    identity=("externalId", "userId"),
    replaces=("externalId",),
    path_keys=("userId",),
    required={"externalId": "is required: set external_id to the scheduling system's id for this meeting"},
    computed=("etag", "onlineMeetingId", "joinWebUrl", "virtualAppointmentJoinWebUrl"),
    clears_removed=False,
    together=(("startDateTime", "endDateTime"),),
    companions={("allowedPresenters", "roleIsPresenter"): ("participants",)},
    checks=(_start_and_end, _presenters),
    address=_address,
    identity_of=meeting_identity,
    object_key="onlineMeetingId",
    create="createOrGet",
    create_keys=("externalId", "subject", "startDateTime", "endDateTime", "participants"),
    create_path=_create_path,
    from_body={"onlineMeetingId": "id", "joinWebUrl": "joinWebUrl"},
    identity_from_body=("externalId",),
    functions={"virtualAppointmentJoinWebUrl": "getVirtualAppointmentJoinWebUrl"},
    exists_error=MeetingExistsError,
    exists_messages={
        "": (
            "An online meeting with this external_id already exists ({path}) and this create did not make it "
            "(createOrGet answers with the organiser's meeting of that externalId, whoever made it), so it was not "
            "created and nothing was changed. To manage it from this program, set adopt_existing=True "
            "(adoptExisting) on the resource: the next `pulumi up` then changes only the properties the program "
            "declares. If an earlier `pulumi up` of this program failed while creating this meeting, it is that "
            "one: adopt it so. If it is the meeting of a resource this program renamed, give the resource its old "
            "name in aliases=[...] instead; if `pulumi up --replace` is replacing it, set delete_before_replace=True "
            "on it (createOrGet finds the old meeting until it is deleted)."
        ),
        "gateway": (
            "An online meeting with this external_id already exists ({path}); an earlier attempt of this create "
            "was answered 504 Gateway Timeout, which can hide a meeting Graph did make, but no value or answer "
            "shows whose it is, so it was not taken over and nothing was changed. If no one else makes meetings "
            "with this externalId for this organiser, it is most likely the one this create asked for: set "
            "adopt_existing=True (adoptExisting) on the resource, and the next `pulumi up` takes it over with only "
            "the properties the program declares."
        ),
        "taken": (
            "An online meeting with this external_id already exists ({path}) and another resource of this "
            "deployment created or adopted it: declare each meeting once (one resource per external_id and "
            "organiser). It was not created and nothing was changed."
        ),
    },
    get_hint="check the meeting id and the user in that id.",
    readdress_hint=(
        "A meeting belongs to its organiser: user_id can only say who that is (unset means the signed-in user). "
        "To move the meeting to another organiser, set replace_on_changes=[\"user_id\"] on it: it is then deleted "
        "and created again under the new one."
    ),
    headers={"Prefer": "include-unknown-enum-members"},
    etags=False,
    live_defaults={"participants": {"attendees": []}},
)
"""A Teams online meeting (docs/graph.md)."""
