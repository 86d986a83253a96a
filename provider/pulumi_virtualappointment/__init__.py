"""Pulumi dynamic provider for the Microsoft Graph ``virtualAppointment`` of a Teams online meeting.

Declare the appointment in a Pulumi program; ``pulumi up`` sends the smallest PATCH that gets
Graph there, guarded by ``If-Match`` with the ETag recorded at the last deployment.
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
    NotFoundError,
    PreconditionFailedError,
    ThrottledError,
)
from ._model import validate_properties
from ._version import __version__
from ._provider import VirtualAppointmentProvider
from ._resource import (
    VirtualAppointment,
    VirtualAppointmentArgs,
    VirtualAppointmentSettingsArgs,
    VirtualAppointmentUserArgs,
)


__all__ = [
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
    "AppointmentExistsError",
]
