"""The resource kinds the benchmarks run over, each described once.

A case is one resource kind under one emulator setting: its inputs, this package's provider and
the full-body baseline's (``benchmarks.fullbody``) for it, and the changes a lifecycle makes to
it. Sections a and b run every case through the same steps; c and e take their inputs from here.

- ``APPOINTMENT``: a ``VirtualAppointment`` (beta) with 10 clients: an ETag on every answer.
- ``MEETING_ETAGS``: an ``OnlineMeeting`` (v1.0) with 10 attendees, the emulator's meeting ETags
  on: updates are guarded by If-Match like the appointment's.
- ``MEETING_NO_ETAG``: the same meeting as Graph documents it, without an ETag: an update reads
  the meeting first and writes only if nothing managed changed (read-compare-write).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, Callable, Mapping

from pulumi.dynamic.dynamic import serialize_provider

from pulumi_virtualappointment import OnlineMeetingProvider, VirtualAppointmentProvider
from pulumi_virtualappointment._appointment import APPOINTMENT as APPOINTMENT_KIND
from pulumi_virtualappointment._meeting import MEETING as MEETING_KIND
from pulumi_virtualappointment._model import Kind

from .fullbody import FullBodyAppointmentProvider, FullBodyMeetingProvider
from .noop import BarePatchProvider, NoopProvider

__all__ = [
    "OURS", "FULL", "OURS_MEETING", "FULL_MEETING", "NOOP", "BARE", "Change", "Case",
    "APPOINTMENT", "MEETING_ETAGS", "MEETING_NO_ETAG", "CASES", "appointment", "meeting",
]

OURS = serialize_provider(VirtualAppointmentProvider())
"""The ``__provider`` string each VirtualAppointment registers."""
FULL = serialize_provider(FullBodyAppointmentProvider())
OURS_MEETING = serialize_provider(OnlineMeetingProvider())
FULL_MEETING = serialize_provider(FullBodyMeetingProvider())
NOOP = serialize_provider(NoopProvider())
BARE = serialize_provider(BarePatchProvider())


def clients(count: int = 10, phone: str = "123-456-7890") -> list[dict]:
    return [{"displayName": f"Client {c}", "emailAddress": f"client{c}@contoso.com",
             "smsCapablePhoneNumber": phone if c == 0 else f"+1 425-555-{c:04d}"} for c in range(count)]


def appointment(name: str, clients_: int = 10) -> dict:
    """One appointment as state: settings, ``clients_`` clients, two scheduling-system links."""
    return {
        "onlineMeetingId": name,
        "settings": {"allowClientToJoinUsingBrowser": True},
        "appointmentClients": clients(clients_),
        "externalAppointmentId": "AAMk-1",
        "externalAppointmentUrl": f"https://scheduling.contoso.com/appointments/{name}",
    }


def attendees(count: int = 10) -> dict:
    return {"attendees": [{"upn": f"client{c}@contoso.com", "role": "presenter" if c == 0 else "attendee"}
                          for c in range(count)]}


def meeting(name: str, attendees_: int = 10) -> dict:
    """One meeting as state: subject, times, ``attendees_`` attendees, lobby, chat, recording."""
    return {
        "externalId": name,
        "subject": "Visit",
        "startDateTime": "2026-12-01T09:00:00Z",
        "endDateTime": "2026-12-01T10:00:00Z",
        "participants": attendees(attendees_),
        "lobbyBypassSettings": {"scope": "everyone", "isDialInBypassEnabled": True},
        "allowedPresenters": "organizer",
        "allowMeetingChat": "limited",
        "recordAutomatically": True,
    }


@dataclass(frozen=True)
class Change:
    """One `up` that changes the program: a label, the properties it sets, and emulator
    settings (admin API names) for that step alone."""

    label: str
    props: Mapping[str, Any]
    switches: Mapping[str, bool] = field(default_factory=dict)


@dataclass(frozen=True)
class Case:
    """One resource kind under one emulator setting."""

    key: str
    title: str
    """As tables name it (``VirtualAppointment (10 clients)``)."""
    resource: str
    """A short name (``VirtualAppointment``, ``OnlineMeeting``)."""
    kind: Kind
    ours: str
    full: str
    build: Callable[[str], dict]
    """A resource name -> its inputs (state names, no provider, no user)."""
    changes: tuple[Change, ...]
    """The `up`s of a lifecycle after the create, in order; each keeps the ones before it."""
    switches: Mapping[str, bool] = field(default_factory=dict)
    """Emulator settings (admin API names) for the whole case."""

    @property
    def urn_type(self) -> str:
        return f"pulumi-python:dynamic/virtualappointment:{self.kind.resource}"

    def inputs(self, provider: str, name: str, user: str | None = None, **props: Any) -> dict:
        """What a program registers: the serialized provider, the inputs, optionally a user."""
        return {"__provider": provider, **self.build(name), **({"userId": user} if user else {}), **props}

    def declared(self) -> list[tuple[Change, dict, dict]]:
        """Each change with the properties declared before it and after it (changes accumulate)."""
        out, before = [], {}
        for change in self.changes:
            after = {**before, **change.props}
            out.append((change, before, after))
            before = after
        return out


APPOINTMENT = Case(
    key="appointment",
    title="VirtualAppointment (10 clients)",
    resource="VirtualAppointment",
    kind=APPOINTMENT_KIND,
    ours=OURS,
    full=FULL,
    build=appointment,
    changes=(
        Change("one field changed (`externalAppointmentId`)", {"externalAppointmentId": "AAMk-2"}),
        Change("one field changed, the 204 without ETag", {"externalAppointmentId": "AAMk-3"}, {"etagOnWrite": False}),
        Change("one client's phone changed", {"appointmentClients": clients(phone="+1 425-555-9999")}),
    ),
)

_MEETING_CHANGES = (
    Change("one field changed (`subject`)", {"subject": "Visit (rescheduled)"}),
    Change("one attendee added", {"participants": attendees(11)}),
)

MEETING_ETAGS = Case(
    key="meeting-etags",
    title="OnlineMeeting (10 attendees), meeting ETags on",
    resource="OnlineMeeting",
    kind=MEETING_KIND,
    ours=OURS_MEETING,
    full=FULL_MEETING,
    build=meeting,
    changes=_MEETING_CHANGES,
    switches={"meetingEtags": True},
)

MEETING_NO_ETAG = replace(
    MEETING_ETAGS,
    key="meeting-no-etag",
    title="OnlineMeeting (10 attendees), no ETag, as Graph documents",
    switches={"meetingEtags": False},
)

CASES = (APPOINTMENT, MEETING_ETAGS, MEETING_NO_ETAG)
