"""Section d's subprocess: declare N resources in one program under ``pulumi.runtime`` mocks.

Run as ``python -m benchmarks.declare N KIND`` (KIND one of :data:`KINDS`: ``appointment``,
``meeting``, or either with ``-noop``: the no-op dynamic resource registering the same state);
prints one JSON line. Each size runs in a fresh process so ``ru_maxrss`` (the peak resident set)
belongs to that size alone. The mocks answer like the provider (outputs repeat the inputs plus
what Graph computes) and measure the state each resource registers: its serialized inputs,
``__provider`` included.
"""

from __future__ import annotations

import gc
import json
import resource
import sys
import time
from typing import Any

import pulumi

PROVIDER_KEY = "__provider"
APPOINTMENT_COMPUTED = {"etag": 'W/"AAAAAQ=="', "joinWebUrl": "https://visit.teams.microsoft.com/j/1"}
MEETING_COMPUTED = {"etag": 'W/"AAAAAQ=="', "onlineMeetingId": "MSpkYzE3", "joinWebUrl": "https://teams.microsoft.com/l/1",
                    "virtualAppointmentJoinWebUrl": "https://visit.teams.microsoft.com/j/1"}


def state_inputs(i: int) -> dict[str, Any]:
    """One appointment as state (camelCase): settings, two clients and an external id."""
    return {
        "onlineMeetingId": f"MSpkYzE3Njc0Yy04MWQ5-{i:05d}",
        "settings": {"allowClientToJoinUsingBrowser": True},
        "appointmentClients": [
            {"displayName": "Grady Archie", "emailAddress": "gradya@contoso.com", "smsCapablePhoneNumber": "123-456-7890"},
            {"displayName": f"Client {i}", "emailAddress": f"client{i}@contoso.com"},
        ],
        "externalAppointmentId": f"AAMkADKnAAA-{i}",
    }


def meeting_state_inputs(i: int) -> dict[str, Any]:
    """One meeting as state (camelCase): subject, times, two attendees, lobby, chat, recording."""
    return {
        "externalId": f"visit-{i:05d}",
        "subject": f"Visit {i}",
        "startDateTime": "2026-12-01T09:00:00+01:00",
        "endDateTime": "2026-12-01T10:00:00+01:00",
        "participants": {"attendees": [{"upn": "gradya@contoso.com", "role": "presenter"},
                                       {"upn": f"client{i}@contoso.com"}]},
        "lobbyBypassSettings": {"scope": "everyone"},
        "allowMeetingChat": "limited",
        "recordAutomatically": True,
    }


class MeasuringMocks(pulumi.runtime.Mocks):
    """Counts registrations and the JSON size of what each one registers."""

    def __init__(self) -> None:
        self.count = 0
        self.input_bytes = 0
        self.provider_bytes = 0

    def new_resource(self, args: pulumi.runtime.MockResourceArgs):
        self.count += 1
        self.input_bytes += len(json.dumps(args.inputs, separators=(",", ":")))
        self.provider_bytes += len(str(args.inputs.get(PROVIDER_KEY, "")))
        outs = {k: v for k, v in args.inputs.items() if k != PROVIDER_KEY}
        if "externalId" in args.inputs:
            outs.update(MEETING_COMPUTED)
            return f"me/onlineMeetings/{args.inputs['externalId']}", outs
        outs.update(APPOINTMENT_COMPUTED)
        return f"me/onlineMeetings/{args.inputs.get('onlineMeetingId')}/virtualAppointment", outs

    def call(self, args: pulumi.runtime.MockCallArgs):
        return {}


def _declare_ours(n: int) -> None:
    from pulumi_virtualappointment import (
        VirtualAppointment,
        VirtualAppointmentSettingsArgs,
        VirtualAppointmentUserArgs,
    )

    for i in range(n):
        VirtualAppointment(
            f"visit-{i}",
            online_meeting_id=f"MSpkYzE3Njc0Yy04MWQ5-{i:05d}",
            settings=VirtualAppointmentSettingsArgs(allow_client_to_join_using_browser=True),
            appointment_clients=[
                VirtualAppointmentUserArgs(display_name="Grady Archie", email_address="gradya@contoso.com",
                                           sms_capable_phone_number="123-456-7890"),
                VirtualAppointmentUserArgs(display_name=f"Client {i}", email_address=f"client{i}@contoso.com"),
            ],
            external_appointment_id=f"AAMkADKnAAA-{i}",
        )


def _declare_meetings(n: int) -> None:
    from pulumi_virtualappointment import (
        LobbyBypassSettingsArgs,
        MeetingAttendeeArgs,
        MeetingParticipantsArgs,
        OnlineMeeting,
    )

    for i in range(n):
        OnlineMeeting(
            f"meeting-{i}",
            external_id=f"visit-{i:05d}",
            subject=f"Visit {i}",
            start_date_time="2026-12-01T09:00:00+01:00",
            end_date_time="2026-12-01T10:00:00+01:00",
            participants=MeetingParticipantsArgs(attendees=[
                MeetingAttendeeArgs(upn="gradya@contoso.com", role="presenter"),
                MeetingAttendeeArgs(upn=f"client{i}@contoso.com"),
            ]),
            lobby_bypass_settings=LobbyBypassSettingsArgs(scope="everyone"),
            allow_meeting_chat="limited",
            record_automatically=True,
        )


def _declare_noop(n: int) -> None:
    from benchmarks.noop import NoopResource

    for i in range(n):
        NoopResource(f"visit-{i}", state_inputs(i), tuple(APPOINTMENT_COMPUTED))


def _declare_noop_meetings(n: int) -> None:
    from benchmarks.noop import NoopResource

    for i in range(n):
        NoopResource(f"meeting-{i}", meeting_state_inputs(i), tuple(MEETING_COMPUTED))


KINDS = {"appointment": _declare_ours, "appointment-noop": _declare_noop,
         "meeting": _declare_meetings, "meeting-noop": _declare_noop_meetings}


class GcClock:
    """Seconds spent in CPython's cyclic garbage collector (``gc.callbacks``)."""

    def __init__(self) -> None:
        self.seconds, self._started = 0.0, 0.0

    def __call__(self, phase: str, info: dict) -> None:
        if phase == "start":
            self._started = time.perf_counter()
        else:
            self.seconds += time.perf_counter() - self._started


def measure(n: int, kind: str) -> dict[str, Any]:
    declare = KINDS[kind]
    import pulumi_virtualappointment  # noqa: F401  (imports paid before the baseline is read)
    import benchmarks.noop  # noqa: F401

    mocks = MeasuringMocks()
    pulumi.runtime.set_mocks(mocks, project="bench", stack="dev", preview=False)
    before_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    clock = GcClock()
    gc.callbacks.append(clock)
    started = time.perf_counter()
    try:
        pulumi.runtime.test(lambda: declare(n))()
    finally:
        seconds = time.perf_counter() - started
        gc.callbacks.remove(clock)
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    if mocks.count != n:
        raise RuntimeError(f"{mocks.count} of {n} resources registered")
    return {
        "n": n,
        "kind": kind,
        "seconds": seconds,
        "gc_seconds": clock.seconds,
        "before_kb": before_kb,
        "peak_kb": peak_kb,
        "input_bytes": mocks.input_bytes / n,
        "provider_bytes": mocks.provider_bytes / n,
    }


if __name__ == "__main__":
    print(json.dumps(measure(int(sys.argv[1]), sys.argv[2])))
