"""Pulumi dynamic providers for Teams online meetings and their virtual appointments (Microsoft Graph).

Declare an ``OnlineMeeting`` (v1.0, live) and its ``VirtualAppointment`` (beta, retired: the
emulator) in a Pulumi program; ``pulumi up`` sends the smallest PATCH that gets Graph there,
guarded by ``If-Match`` where Graph gives an ETag and by a read-compare-write where it does not.

Names are imported on first use (PEP 562): the package's pytest plugin, which every pytest session
in an environment with the package loads, must not pull in Pulumi, gRPC and requests.
"""

from typing import TYPE_CHECKING

from ._lazy import exports
from ._version import __version__

_EXPORTS = {
    "_errors": (
        "GraphError", "ConfigurationError", "InvalidInputError", "GraphTransportError", "GraphResponseError",
        "AuthenticationError", "ForbiddenError", "NotFoundError", "PreconditionFailedError", "ThrottledError",
        "ConflictError", "ResourceExistsError", "AppointmentExistsError", "MeetingExistsError",
    ),
    "_appointment": ("validate_properties",),
    "_provider": ("OnlineMeetingProvider", "VirtualAppointmentProvider"),
    "_resource": (
        "OnlineMeeting", "OnlineMeetingArgs", "MeetingParticipantsArgs", "MeetingAttendeeArgs", "LobbyBypassSettingsArgs",
        "WatermarkProtectionArgs", "VirtualAppointment", "VirtualAppointmentArgs", "VirtualAppointmentSettingsArgs",
        "VirtualAppointmentUserArgs",
    ),
}
__all__, __getattr__, __dir__ = exports(__name__, globals(), _EXPORTS)
__all__ = ["__version__", *__all__]


if TYPE_CHECKING:  # what type checkers and editors see
    from ._appointment import validate_properties
    from ._errors import (
        AppointmentExistsError, AuthenticationError, ConfigurationError, ConflictError, ForbiddenError, GraphError,
        GraphResponseError, GraphTransportError, InvalidInputError, MeetingExistsError, NotFoundError,
        PreconditionFailedError, ResourceExistsError, ThrottledError,
    )
    from ._provider import OnlineMeetingProvider, VirtualAppointmentProvider
    from ._resource import (
        LobbyBypassSettingsArgs, MeetingAttendeeArgs, MeetingParticipantsArgs, OnlineMeeting, OnlineMeetingArgs,
        VirtualAppointment, VirtualAppointmentArgs, VirtualAppointmentSettingsArgs, VirtualAppointmentUserArgs,
        WatermarkProtectionArgs,
    )
