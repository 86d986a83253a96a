"""Pulumi dynamic providers for Teams online meetings and their virtual appointments (Microsoft Graph).

Declare an ``OnlineMeeting`` (v1.0, live) and its ``VirtualAppointment`` (beta, retired: the
emulator) in a Pulumi program; ``pulumi up`` sends the smallest PATCH that gets Graph there,
guarded by ``If-Match`` where Graph gives an ETag and by a read-compare-write where it does not.
"""

from ._errors import (
    AppointmentExistsError,
    AuthenticationError,
    ConfigurationError,
    ConflictError,
    ForbiddenError,
    GraphError,
    GraphResponseError,
    GraphTransportError,
    InvalidInputError,
    MeetingExistsError,
    NotFoundError,
    PreconditionFailedError,
    ResourceExistsError,
    ThrottledError,
)
from ._appointment import validate_properties
from ._version import __version__
from ._provider import OnlineMeetingProvider, VirtualAppointmentProvider
from ._resource import (
    LobbyBypassSettingsArgs,
    MeetingAttendeeArgs,
    MeetingParticipantsArgs,
    OnlineMeeting,
    OnlineMeetingArgs,
    VirtualAppointment,
    VirtualAppointmentArgs,
    VirtualAppointmentSettingsArgs,
    VirtualAppointmentUserArgs,
    WatermarkProtectionArgs,
)


__all__ = [
    "__version__",
    "OnlineMeeting",
    "OnlineMeetingArgs",
    "MeetingParticipantsArgs",
    "MeetingAttendeeArgs",
    "LobbyBypassSettingsArgs",
    "WatermarkProtectionArgs",
    "OnlineMeetingProvider",
    "VirtualAppointment",
    "VirtualAppointmentArgs",
    "VirtualAppointmentSettingsArgs",
    "VirtualAppointmentUserArgs",
    "VirtualAppointmentProvider",
    "validate_properties",
    "GraphError",
    "ConfigurationError",
    "InvalidInputError",
    "GraphTransportError",
    "GraphResponseError",
    "AuthenticationError",
    "ForbiddenError",
    "NotFoundError",
    "PreconditionFailedError",
    "ThrottledError",
    "ConflictError",
    "ResourceExistsError",
    "AppointmentExistsError",
    "MeetingExistsError",
]
