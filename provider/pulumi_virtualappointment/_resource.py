"""The resources a Pulumi program declares: ``OnlineMeeting`` and ``VirtualAppointment``.

Constructed like Pulumi's generated SDKs (see ``_declare``). The args dataclasses mirror Graph's
types in snake_case; plain dicts (snake_case keys, or Graph's camelCase keys as in the API docs'
examples) are accepted wherever an args class is.

The output attributes' annotations (and the typed ``__init__`` overloads) exist for type checkers
only (``TYPE_CHECKING``): the SDK re-reads a resource class's annotations at every registration,
which was a fifth of what declaring a meeting cost. ``help()`` and ``inspect.signature`` see each
class's own signature and docstring (``_declare.Declared.__init_subclass__``).
"""

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Mapping, Optional, Sequence, Union, overload

import pulumi

from ._appointment import APPOINTMENT
from ._declare import Declared
from ._meeting import MEETING
from ._provider import OnlineMeetingProvider, VirtualAppointmentProvider

__all__ = [
    "VirtualAppointment",
    "VirtualAppointmentArgs",
    "VirtualAppointmentSettingsArgs",
    "VirtualAppointmentUserArgs",
    "OnlineMeeting",
    "OnlineMeetingArgs",
    "MeetingParticipantsArgs",
    "MeetingAttendeeArgs",
    "LobbyBypassSettingsArgs",
    "WatermarkProtectionArgs",
]


# -- virtualAppointment ------------------------------------------------------------------------------


@dataclass
class VirtualAppointmentSettingsArgs:
    """``virtualAppointmentSettings``: ``False`` means clients can join only with Teams."""

    allow_client_to_join_using_browser: pulumi.Input[bool]


@dataclass
class VirtualAppointmentUserArgs:
    """``virtualAppointmentUser``: one client of the appointment (at least one field set)."""

    display_name: Optional[pulumi.Input[str]] = None
    email_address: Optional[pulumi.Input[str]] = None
    sms_capable_phone_number: Optional[pulumi.Input[str]] = None


SettingsInput = Union[VirtualAppointmentSettingsArgs, Mapping[str, Any]]
ClientInput = Union[VirtualAppointmentUserArgs, Mapping[str, Any]]


@dataclass
class VirtualAppointmentArgs:
    """The arguments of :class:`VirtualAppointment`; an unset (``None``) property is unmanaged."""

    online_meeting_id: pulumi.Input[str]
    user_id: Optional[pulumi.Input[str]] = None
    settings: Optional[pulumi.Input[SettingsInput]] = None
    appointment_clients: Optional[pulumi.Input[Sequence[pulumi.Input[ClientInput]]]] = None
    external_appointment_id: Optional[pulumi.Input[str]] = None
    external_appointment_url: Optional[pulumi.Input[str]] = None
    appointment_client_join_web_url: Optional[pulumi.Input[str]] = None
    adopt_existing: Optional[bool] = False


class VirtualAppointment(Declared, module="virtualappointment", name="VirtualAppointment"):
    """The ``virtualAppointment`` of a Teams online meeting (Graph beta, retired by Microsoft: it
    works against the emulator), managed with minimal, ETag-guarded PATCHes.

    A property left unset is unmanaged: never sent, and a live value is not drift. Changing
    ``online_meeting_id`` replaces the resource; changing ``user_id`` only re-addresses it.
    ``online_meeting_id`` takes an :class:`OnlineMeeting`'s ``online_meeting_id`` output.
    """

    _kind = APPOINTMENT
    _args = VirtualAppointmentArgs
    _provider = VirtualAppointmentProvider
    _secret = ("appointment_clients",)
    """Client names, emails and phones are personal data: kept encrypted in the state's outputs."""

    if TYPE_CHECKING:  # outputs as type checkers see them; at run time the SDK would re-read these
        # annotations at every registration, a fifth of what declaring a resource cost
        online_meeting_id: pulumi.Output[str]
        """The Teams online meeting the appointment belongs to."""
        user_id: pulumi.Output[Optional[str]]
        """The meeting organiser (user id or UPN); unset means the signed-in user (``/me``)."""
        settings: pulumi.Output[Optional[dict]]
        """``{"allow_client_to_join_using_browser": bool}``."""
        appointment_clients: pulumi.Output[Optional[list]]
        """Clients as dicts with ``display_name``, ``email_address``, ``sms_capable_phone_number``."""
        external_appointment_id: pulumi.Output[Optional[str]]
        """The appointment's id in the scheduling system."""
        external_appointment_url: pulumi.Output[Optional[str]]
        """The appointment's URL in the scheduling system."""
        appointment_client_join_web_url: pulumi.Output[Optional[str]]
        """The join URL as set by the program (unset: see ``join_web_url``)."""
        adopt_existing: pulumi.Output[Optional[bool]]
        """Whether create may take over an appointment that already exists."""
        etag: pulumi.Output[str]
        """The ETag Graph returned at the last deployment or refresh; sent as ``If-Match``."""
        join_web_url: pulumi.Output[Optional[str]]
        """The live ``appointmentClientJoinWebUrl`` (Graph fills it in when the program does not)."""

        @overload
        def __init__(self, resource_name: str, args: VirtualAppointmentArgs,
                     opts: Optional[pulumi.ResourceOptions] = None) -> None: ...

        @overload
        def __init__(
            self,
            resource_name: str,
            opts: Optional[pulumi.ResourceOptions] = None,
            *,
            online_meeting_id: pulumi.Input[str],
            user_id: Optional[pulumi.Input[str]] = None,
            settings: Optional[pulumi.Input[SettingsInput]] = None,
            appointment_clients: Optional[pulumi.Input[Sequence[pulumi.Input[ClientInput]]]] = None,
            external_appointment_id: Optional[pulumi.Input[str]] = None,
            external_appointment_url: Optional[pulumi.Input[str]] = None,
            appointment_client_join_web_url: Optional[pulumi.Input[str]] = None,
            adopt_existing: Optional[bool] = False,
        ) -> None: ...

        def __init__(self, resource_name: str, *args: Any, **kwargs: Any) -> None: ...

    @staticmethod
    def get(resource_name: str, id: pulumi.Input[str], opts: Optional[pulumi.ResourceOptions] = None) -> "VirtualAppointment":
        """Read an existing appointment by id (``me/onlineMeetings/{id}/virtualAppointment`` or
        ``users/{userId}/onlineMeetings/{id}/virtualAppointment``) without managing it. A plain id
        is checked here; a missing appointment is an error."""
        return VirtualAppointment._get(resource_name, id, opts)


# -- onlineMeeting ---------------------------------------------------------------------------------


@dataclass
class MeetingAttendeeArgs:
    """``meetingParticipantInfo`` of an attendee: who (UPN) and in which role."""

    upn: pulumi.Input[str]
    role: Optional[pulumi.Input[str]] = None
    """``attendee`` (the default), ``presenter``, ``producer`` or ``coorganizer``."""


@dataclass
class MeetingParticipantsArgs:
    """``meetingParticipants``: the attendees, as one list (the organiser cannot change)."""

    attendees: pulumi.Input[Sequence[pulumi.Input[Union[MeetingAttendeeArgs, Mapping[str, Any]]]]]


@dataclass
class LobbyBypassSettingsArgs:
    """``lobbyBypassSettings``: who skips the lobby."""

    scope: Optional[pulumi.Input[str]] = None
    """``organizer``, ``organization``, ``organizationAndFederated``, ``everyone``, ``invited`` or
    ``organizationExcludingGuests``."""
    is_dial_in_bypass_enabled: Optional[pulumi.Input[bool]] = None


@dataclass
class WatermarkProtectionArgs:
    """``watermarkProtectionValues`` (Teams Premium)."""

    is_enabled_for_content_sharing: Optional[pulumi.Input[bool]] = None
    is_enabled_for_video: Optional[pulumi.Input[bool]] = None


TimeInput = Union[str, datetime]


@dataclass
class OnlineMeetingArgs:
    """The arguments of :class:`OnlineMeeting`; an unset (``None``) property is unmanaged."""

    external_id: pulumi.Input[str]
    user_id: Optional[pulumi.Input[str]] = None
    subject: Optional[pulumi.Input[str]] = None
    start_date_time: Optional[pulumi.Input[TimeInput]] = None
    end_date_time: Optional[pulumi.Input[TimeInput]] = None
    participants: Optional[pulumi.Input[Union[MeetingParticipantsArgs, Mapping[str, Any]]]] = None
    lobby_bypass_settings: Optional[pulumi.Input[Union[LobbyBypassSettingsArgs, Mapping[str, Any]]]] = None
    allowed_presenters: Optional[pulumi.Input[str]] = None
    allow_meeting_chat: Optional[pulumi.Input[str]] = None
    allow_attendee_to_enable_camera: Optional[pulumi.Input[bool]] = None
    allow_attendee_to_enable_mic: Optional[pulumi.Input[bool]] = None
    is_entry_exit_announced: Optional[pulumi.Input[bool]] = None
    record_automatically: Optional[pulumi.Input[bool]] = None
    allow_breakout_rooms: Optional[pulumi.Input[bool]] = None
    allow_copying_and_sharing_meeting_content: Optional[pulumi.Input[bool]] = None
    allow_live_share: Optional[pulumi.Input[str]] = None
    allow_power_point_sharing: Optional[pulumi.Input[bool]] = None
    allow_recording: Optional[pulumi.Input[bool]] = None
    allow_teamwork_reactions: Optional[pulumi.Input[bool]] = None
    allow_transcription: Optional[pulumi.Input[bool]] = None
    allow_whiteboard: Optional[pulumi.Input[bool]] = None
    allowed_lobby_admitters: Optional[pulumi.Input[str]] = None
    meeting_spoken_language_tag: Optional[pulumi.Input[str]] = None
    watermark_protection: Optional[pulumi.Input[Union[WatermarkProtectionArgs, Mapping[str, Any]]]] = None
    adopt_existing: Optional[bool] = False


class OnlineMeeting(Declared, module="virtualappointment", name="OnlineMeeting"):
    """A Teams online meeting (Graph v1.0, live), created with ``createOrGet`` keyed by the
    scheduling system's ``external_id`` and managed with minimal PATCHes.

    Hand ``online_meeting_id`` to a :class:`VirtualAppointment`, and ``virtual_appointment_join_web_url``
    (the client's link, from ``getVirtualAppointmentJoinWebUrl``) to the scheduling system. A
    property left unset is unmanaged. Changing ``external_id`` replaces the meeting (the new one is
    created first, the old one deleted at the end of the run); changing ``user_id`` only
    re-addresses it, as a meeting belongs to its organiser.
    """

    _kind = MEETING
    _args = OnlineMeetingArgs
    _provider = OnlineMeetingProvider
    _secret = ("participants",)
    """Attendees' user principal names are personal data: kept encrypted in the state's outputs."""

    if TYPE_CHECKING:  # outputs as type checkers see them; at run time the SDK would re-read these
        # annotations at every registration, a fifth of what declaring a resource cost
        external_id: pulumi.Output[str]
        """The scheduling system's id for the meeting (``createOrGet``'s key, per organiser)."""
        user_id: pulumi.Output[Optional[str]]
        """The organiser (user id or UPN); unset means the signed-in user (``/me``)."""
        subject: pulumi.Output[Optional[str]]
        start_date_time: pulumi.Output[Optional[str]]
        """In UTC, as Graph keeps it (``2026-12-01T09:00:00Z``)."""
        end_date_time: pulumi.Output[Optional[str]]
        participants: pulumi.Output[Optional[dict]]
        lobby_bypass_settings: pulumi.Output[Optional[dict]]
        allowed_presenters: pulumi.Output[Optional[str]]
        allow_meeting_chat: pulumi.Output[Optional[str]]
        allow_attendee_to_enable_camera: pulumi.Output[Optional[bool]]
        allow_attendee_to_enable_mic: pulumi.Output[Optional[bool]]
        is_entry_exit_announced: pulumi.Output[Optional[bool]]
        record_automatically: pulumi.Output[Optional[bool]]
        allow_breakout_rooms: pulumi.Output[Optional[bool]]
        allow_copying_and_sharing_meeting_content: pulumi.Output[Optional[bool]]
        allow_live_share: pulumi.Output[Optional[str]]
        allow_power_point_sharing: pulumi.Output[Optional[bool]]
        allow_recording: pulumi.Output[Optional[bool]]
        allow_teamwork_reactions: pulumi.Output[Optional[bool]]
        allow_transcription: pulumi.Output[Optional[bool]]
        allow_whiteboard: pulumi.Output[Optional[bool]]
        allowed_lobby_admitters: pulumi.Output[Optional[str]]
        meeting_spoken_language_tag: pulumi.Output[Optional[str]]
        watermark_protection: pulumi.Output[Optional[dict]]
        adopt_existing: pulumi.Output[Optional[bool]]
        """Whether create may take over an existing meeting with this external id that holds other values
        (or any, when the program declares none of them)."""
        etag: pulumi.Output[Optional[str]]
        """The ETag, when Graph sends one (it documents none for meetings)."""
        online_meeting_id: pulumi.Output[str]
        """Graph's meeting id: what a :class:`VirtualAppointment` takes."""
        join_web_url: pulumi.Output[str]
        """The meeting's Teams join link."""
        virtual_appointment_join_web_url: pulumi.Output[str]
        """The virtual-appointment join link for clients (``getVirtualAppointmentJoinWebUrl``)."""

        @overload
        def __init__(self, resource_name: str, args: OnlineMeetingArgs,
                     opts: Optional[pulumi.ResourceOptions] = None) -> None: ...

        @overload
        def __init__(
            self,
            resource_name: str,
            opts: Optional[pulumi.ResourceOptions] = None,
            *,
            external_id: pulumi.Input[str],
            user_id: Optional[pulumi.Input[str]] = None,
            subject: Optional[pulumi.Input[str]] = None,
            start_date_time: Optional[pulumi.Input[TimeInput]] = None,
            end_date_time: Optional[pulumi.Input[TimeInput]] = None,
            participants: Optional[pulumi.Input[Union[MeetingParticipantsArgs, Mapping[str, Any]]]] = None,
            lobby_bypass_settings: Optional[pulumi.Input[Union[LobbyBypassSettingsArgs, Mapping[str, Any]]]] = None,
            allowed_presenters: Optional[pulumi.Input[str]] = None,
            allow_meeting_chat: Optional[pulumi.Input[str]] = None,
            allow_attendee_to_enable_camera: Optional[pulumi.Input[bool]] = None,
            allow_attendee_to_enable_mic: Optional[pulumi.Input[bool]] = None,
            is_entry_exit_announced: Optional[pulumi.Input[bool]] = None,
            record_automatically: Optional[pulumi.Input[bool]] = None,
            allow_breakout_rooms: Optional[pulumi.Input[bool]] = None,
            allow_copying_and_sharing_meeting_content: Optional[pulumi.Input[bool]] = None,
            allow_live_share: Optional[pulumi.Input[str]] = None,
            allow_power_point_sharing: Optional[pulumi.Input[bool]] = None,
            allow_recording: Optional[pulumi.Input[bool]] = None,
            allow_teamwork_reactions: Optional[pulumi.Input[bool]] = None,
            allow_transcription: Optional[pulumi.Input[bool]] = None,
            allow_whiteboard: Optional[pulumi.Input[bool]] = None,
            allowed_lobby_admitters: Optional[pulumi.Input[str]] = None,
            meeting_spoken_language_tag: Optional[pulumi.Input[str]] = None,
            watermark_protection: Optional[pulumi.Input[Union[WatermarkProtectionArgs, Mapping[str, Any]]]] = None,
            adopt_existing: Optional[bool] = False,
        ) -> None: ...

        def __init__(self, resource_name: str, *args: Any, **kwargs: Any) -> None: ...

    @staticmethod
    def get(resource_name: str, id: pulumi.Input[str], opts: Optional[pulumi.ResourceOptions] = None) -> "OnlineMeeting":
        """Read an existing meeting by id (``me/onlineMeetings/{id}`` or ``users/{userId}/onlineMeetings/{id}``)
        without managing it. A plain id is checked here; a missing meeting is an error."""
        return OnlineMeeting._get(resource_name, id, opts)
