"""The resource kinds the lifecycle tests (soak, race, scale) run over, each described once.

A case is a description beside the others, not a copy of a test: what the kind's inputs are
(``identity`` of one resource, random ``desired`` values, a ``sample``), which Emulator switches
it runs under, how to read what Graph holds (``held``, ``etag_of``, ``stored``), and whether an
update is guarded by If-Match (``etags``) or by the read-compare-write Graph's meetings get
without an ETag. The tests say what must hold; the case says for what.

- ``APPOINTMENT``: the virtualAppointment (beta): an ETag on every answer, If-Match on PATCH and DELETE.
- ``MEETING_ETAGS``: the onlineMeeting (v1.0) with the emulator's ``meeting_etags`` on: If-Match
  like the appointment's.
- ``MEETING_NO_ETAG``: the onlineMeeting as Graph documents it, with no ETag: every update reads
  the meeting first and writes (without If-Match) only if nothing managed changed.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, Optional

from pulumi.dynamic import Config, ConfigureRequest
from pulumi.dynamic.dynamic import serialize_provider

from pulumi_virtualappointment import OnlineMeetingProvider, VirtualAppointmentProvider
from pulumi_virtualappointment._appointment import APPOINTMENT as APPOINTMENT_KIND
from pulumi_virtualappointment._engine import KindProvider
from pulumi_virtualappointment._meeting import CHAT_MODES, LOBBY_SCOPES, MEETING as MEETING_KIND
from pulumi_virtualappointment._model import Kind
from pulumi_virtualappointment.emulator import Emulator

__all__ = ["KindCase", "APPOINTMENT", "MEETING_ETAGS", "MEETING_NO_ETAG", "CASES", "configured"]


@dataclass(frozen=True)
class KindCase:
    """One resource kind under one Emulator setting, as the lifecycle tests need it."""

    id: str
    """The pytest id (``onlineMeeting-no-etag``)."""
    label: str
    """As the printed figures name it (``onlineMeeting, read-compare-write``)."""
    kind: Kind
    provider: type[KindProvider]
    emulator: Mapping[str, Any]
    """``Emulator(...)`` keyword arguments (switches the shared test emulators also set as attributes)."""
    etags: bool
    """Whether Graph answers with an ETag, so every PATCH carries If-Match; else read-compare-write."""
    held: Callable[[Emulator, str], Optional[dict]]
    """The stored entity at a resource id, or ``None``."""
    etag_of: Callable[[Emulator, str], Optional[str]]
    """Its current ETag as clients see it (``None`` where Graph sends none)."""
    stored: Callable[[Emulator], Mapping[str, Any]]
    """Every object of the kind Graph holds."""
    identity: Callable[[int], dict]
    """Slot number -> the identity inputs of a resource of its own."""
    desired: Callable[[random.Random, dict], dict]
    """Random inputs (identity included) over several managed properties, unset ones unmanaged."""
    sample: Mapping[str, Any]
    """Inputs of one resource beside its identity, in state names."""
    text: str
    """A text property the race and the one-field update change."""
    declaration: str
    """Python source declaring resource number ``i`` in a program (the class is ``kind.resource``)."""
    urn_type: str = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "urn_type", f"pulumi-python:dynamic/virtualappointment:{self.kind.resource}")

    def urn(self, name: str, stack: str = "dev::test") -> str:
        return f"urn:pulumi:{stack}::{self.urn_type}::{name}"

    def inputs(self, slot: int, **changes: Any) -> dict:
        """What a program registers for one resource: the serialized provider, identity, sample."""
        return {"__provider": serialize_provider(self.provider()), **self.identity(slot), **self.sample, **changes}

    def settle(self, emulator: Emulator) -> None:
        """Set this case's switches on a running emulator."""
        for name, value in self.emulator.items():
            setattr(emulator, name, value)


def configured(case: KindCase, url: str, token: str, **extra: str) -> KindProvider:
    """The case's provider configured the way the engine does it: ``configure`` with namespaced keys."""
    provider = case.provider()
    provider.configure(ConfigureRequest(Config({"msgraph:endpoint": url, "msgraph:accessToken": token, **extra},
                                               "test-project")))
    return provider


# -- virtualAppointment ---------------------------------------------------------------------------


def _appointment_desired(rng: random.Random, identity: dict) -> dict:
    props = dict(identity)
    if rng.random() < 0.8:
        props["externalAppointmentId"] = f"ext-{rng.randrange(5)}"
    if rng.random() < 0.7:
        props["settings"] = {"allowClientToJoinUsingBrowser": rng.random() < 0.5}
    if rng.random() < 0.6:
        props["appointmentClients"] = [{"displayName": f"Client {i}", "emailAddress": f"c{i}@contoso.com"}
                                       for i in range(rng.randrange(3))]
    return props


APPOINTMENT = KindCase(
    id="virtualAppointment",
    label="virtualAppointment",
    kind=APPOINTMENT_KIND,
    provider=VirtualAppointmentProvider,
    emulator={"implicit_meetings": True},
    etags=True,
    held=Emulator.get,
    etag_of=Emulator.etag,
    stored=Emulator.appointments,
    identity=lambda slot: {"onlineMeetingId": f"MSpk{slot}"},
    desired=_appointment_desired,
    sample={"settings": {"allowClientToJoinUsingBrowser": True},
            "appointmentClients": [{"displayName": "Ada", "emailAddress": "ada@contoso.com"}],
            "externalAppointmentId": "before"},
    text="externalAppointmentId",
    declaration=(
        'VirtualAppointment(f"visit-{i}", online_meeting_id=f"MSpkScale{i:03d}", '
        'settings={"allow_client_to_join_using_browser": "true"}, '
        'appointment_clients=[{"display_name": "Ada", "email_address": "ada@contoso.com"}, '
        '{"display_name": "Grady", "sms_capable_phone_number": "123-456-7890"}], external_appointment_id=f"ext-{i}")'
    ),
)


# -- onlineMeeting ---------------------------------------------------------------------------------


def _meeting_times(rng: random.Random) -> tuple[str, str]:
    """A start and a later end, in UTC or with an offset (both normalise to Graph's UTC form)."""
    day, hour, minutes = rng.randrange(1, 29), rng.randrange(8, 17), rng.choice((30, 45, 60))
    if rng.random() < 0.5:
        return f"2026-12-{day:02d}T{hour:02d}:00:00Z", f"2026-12-{day:02d}T{hour + minutes // 60:02d}:{minutes % 60:02d}:00Z"
    return (f"2026-12-{day:02d}T{hour + 1:02d}:00:00+01:00",
            f"2026-12-{day:02d}T{hour + 1 + minutes // 60:02d}:{minutes % 60:02d}:00+01:00")


def _meeting_desired(rng: random.Random, identity: dict) -> dict:
    props = dict(identity)
    if rng.random() < 0.7:
        props["subject"] = f"Visit {rng.randrange(5)}"
    if rng.random() < 0.6:
        props["startDateTime"], props["endDateTime"] = _meeting_times(rng)
    if rng.random() < 0.6:
        lobby = {"scope": rng.choice(LOBBY_SCOPES)}  # "invited" is evolvable: it comes back only when asked for
        if rng.random() < 0.5:
            lobby["isDialInBypassEnabled"] = rng.random() < 0.5
        props["lobbyBypassSettings"] = lobby
    if rng.random() < 0.5:
        props["allowMeetingChat"] = rng.choice(CHAT_MODES)
    if rng.random() < 0.5:
        props["recordAutomatically"] = rng.random() < 0.5
    if rng.random() < 0.6:
        props["participants"] = {"attendees": [{"upn": f"client{i}@contoso.com",
                                                "role": rng.choice(("attendee", "presenter", "coorganizer"))}
                                               for i in range(rng.randrange(3))]}
    return props


def _meeting(id_: str, label: str, etags: bool) -> KindCase:
    return KindCase(
        id=id_,
        label=label,
        kind=MEETING_KIND,
        provider=OnlineMeetingProvider,
        emulator={"meeting_etags": etags},
        etags=etags,
        held=Emulator.meeting,
        etag_of=Emulator.meeting_etag,
        stored=Emulator.meetings,
        identity=lambda slot: {"externalId": f"visit-{slot}"},
        desired=_meeting_desired,
        sample={"subject": "before", "startDateTime": "2026-12-01T09:00:00Z", "endDateTime": "2026-12-01T10:00:00Z",
                "participants": {"attendees": [{"upn": "ada@contoso.com"}]},
                "lobbyBypassSettings": {"scope": "everyone"}, "allowMeetingChat": "limited",
                "recordAutomatically": True},
        text="subject",
        declaration=(
            'OnlineMeeting(f"meeting-{i}", external_id=f"scale-{i:03d}", subject=f"Visit {i}", '
            'start_date_time="2026-12-01T09:00:00+01:00", end_date_time="2026-12-01T10:00:00+01:00", '
            'participants={"attendees": [{"upn": "ada@contoso.com"}, {"upn": "grady@contoso.com", "role": "presenter"}]}, '
            'lobby_bypass_settings={"scope": "everyone"}, allow_meeting_chat="limited", record_automatically=True)'
        ),
    )


MEETING_ETAGS = _meeting("onlineMeeting-etags", "onlineMeeting, ETags", etags=True)
MEETING_NO_ETAG = _meeting("onlineMeeting-no-etag", "onlineMeeting, read-compare-write", etags=False)

CASES = (APPOINTMENT, MEETING_ETAGS, MEETING_NO_ETAG)
