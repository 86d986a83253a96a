"""``VirtualAppointment``: the resource a Pulumi program declares.

Constructed like Pulumi's generated SDKs: ``VirtualAppointment(name, VirtualAppointmentArgs(...),
opts)`` or ``VirtualAppointment(name, opts, online_meeting_id=..., ...)``. Python names are
snake_case; the SDK translates them (nested ones too) to Graph's camelCase state names through
``translate_input_property`` and back for output attributes through ``translate_output_property``.

No ``from __future__ import annotations`` here: the SDK re-reads the class's output annotations
on every registration, and string annotations cost it twice as much to evaluate (the benchmark
measured about 15% of the time to declare a resource).
"""

from dataclasses import asdict, dataclass, fields, is_dataclass
from typing import Any, Mapping, Optional, Sequence, Union

import pulumi
from pulumi.dynamic import Resource

from ._errors import InvalidInputError
from ._model import GRAPH_NAMES, PYTHON_NAMES, checked_resource_id
from ._provider import VirtualAppointmentProvider

__all__ = [
    "VirtualAppointment",
    "VirtualAppointmentArgs",
    "VirtualAppointmentSettingsArgs",
    "VirtualAppointmentUserArgs",
]


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


def _plain(value: Any) -> Any:
    """Args dataclasses -> dicts (``None`` fields dropped), also inside Outputs (e.g. a list
    of clients wrapped in ``pulumi.Output.secret``); plain values and dicts pass through."""
    if isinstance(value, pulumi.Output):
        return value.apply(_plain)
    if is_dataclass(value) and not isinstance(value, type):
        return {k: _plain(v) for k, v in asdict(value).items() if v is not None}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


_ARG_NAMES = [f.name for f in fields(VirtualAppointmentArgs)]
_PERSONAL = pulumi.ResourceOptions(additional_secret_outputs=["appointment_clients"])
"""Client names, emails and phones are personal data: the engine keeps them encrypted in the
state's outputs, whether or not the program marked the input secret."""


def _split(args: tuple, kwargs: dict) -> tuple[VirtualAppointmentArgs, Optional[pulumi.ResourceOptions]]:
    """Accept both generated-SDK call shapes: (args, opts) or (opts, **properties)."""
    positional = list(args)
    given = kwargs.pop("args", None)
    opts = kwargs.pop("opts", None)
    if positional and isinstance(positional[0], VirtualAppointmentArgs):
        given = positional.pop(0)
    if positional:
        opts = positional.pop(0)
    if positional:
        raise TypeError("VirtualAppointment takes (name, args, opts) or (name, opts, **properties)")
    if opts is not None and not isinstance(opts, pulumi.ResourceOptions):
        raise TypeError(f"opts must be a pulumi.ResourceOptions, got {type(opts).__name__}")
    unknown = sorted(set(kwargs) - set(_ARG_NAMES))
    if unknown:
        raise TypeError(f"VirtualAppointment got unexpected argument(s) {', '.join(unknown)}; expected: {', '.join(_ARG_NAMES)}")
    if given is not None:
        if kwargs:
            raise TypeError("pass either VirtualAppointmentArgs or keyword properties, not both")
        return given, opts
    if "online_meeting_id" not in kwargs:
        raise TypeError("VirtualAppointment needs online_meeting_id (the Teams online meeting id)")
    return VirtualAppointmentArgs(**kwargs), opts


class VirtualAppointment(Resource, module="virtualappointment", name="VirtualAppointment"):
    """The ``virtualAppointment`` of a Teams online meeting, managed with minimal PATCHes.

    A property left unset is unmanaged: never sent, and a live value is not drift. Changing
    ``online_meeting_id`` or ``user_id`` replaces the resource.
    """

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

    def __init__(self, resource_name: str, *args: Any, **kwargs: Any) -> None:
        given, opts = _split(args, kwargs)
        props = {name: _plain(getattr(given, name)) for name in _ARG_NAMES}
        props.update(etag=None, join_web_url=None)
        opts = pulumi.ResourceOptions.merge(opts, _PERSONAL)
        super().__init__(VirtualAppointmentProvider(), resource_name, props, opts)

    @staticmethod
    def get(resource_name: str, id: pulumi.Input[str], opts: Optional[pulumi.ResourceOptions] = None) -> "VirtualAppointment":
        """Read an existing appointment by id (``me/onlineMeetings/{id}/virtualAppointment`` or
        ``users/{userId}/onlineMeetings/{id}/virtualAppointment``) without managing it.

        A plain id is checked here, so a bad one fails at this line; an Output is checked by the
        provider, before any request. A missing appointment is an error, not empty outputs."""
        if isinstance(id, str):
            try:
                checked_resource_id(id)
            except ValueError as exc:
                raise InvalidInputError(f"VirtualAppointment.get: {exc}") from None
        resource = VirtualAppointment.__new__(VirtualAppointment)
        props: dict[str, Any] = dict.fromkeys([*_ARG_NAMES, "etag", "join_web_url"])
        merged = pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(id=id))
        merged = pulumi.ResourceOptions.merge(merged, _PERSONAL)
        Resource.__init__(resource, VirtualAppointmentProvider(), resource_name, props, merged)
        return resource

    def translate_input_property(self, prop: str) -> str:
        return GRAPH_NAMES.get(prop, prop)

    def translate_output_property(self, prop: str) -> str:
        return PYTHON_NAMES.get(prop, prop)
