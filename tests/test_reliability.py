"""Reliability against the emulator: lost responses, moved ETags, TLS, hostile input.

Each test names the failure it guards: a write applied twice, a write lost, a conflict reported
where there was none, or an overwrite of somebody else's change.
"""

from __future__ import annotations

import logging

import pytest

from conftest import TOKEN, configured_provider
from pulumi_virtualappointment import ConflictError, GraphError, GraphTransportError

PATH = "me/onlineMeetings/MSpkYzE3/virtualAppointment"
PROPS = {"onlineMeetingId": "MSpkYzE3", "externalAppointmentId": "ext-1",
         "settings": {"allowClientToJoinUsingBrowser": True}}


def _calls(emulator):
    return [(r["method"], r["status"]) for r in emulator.requests()]


def test_lost_put_response_is_reread_not_resent(provider, emulator):
    # The GET passes (a 1 ms latency is the mildest fault); the PUT is applied but its response never arrives.
    emulator.inject({"latency": 0.001}, {"lostResponse": True})
    result = provider.create(dict(PROPS))
    assert _calls(emulator) == [("GET", 404), ("PUT", None), ("GET", 200)]
    assert result.outs["etag"] == emulator.etag(PATH)


def test_dropped_put_is_sent_again_after_a_404_reread(provider, emulator):
    emulator.inject({"latency": 0.001}, {"drop": True})
    result = provider.create(dict(PROPS))
    assert _calls(emulator) == [("GET", 404), ("PUT", None), ("GET", 404), ("PUT", 201)]
    assert result.outs["etag"] == emulator.etag(PATH)


def test_unmanaged_change_in_teams_is_not_a_conflict(provider, emulator):
    created = provider.create(dict(PROPS))
    emulator.edit(PATH, {"externalAppointmentUrl": "https://set/in/teams"})  # not managed by the program
    emulator.clear_requests()
    result = provider.update(created.id, created.outs, {**PROPS, "externalAppointmentId": "ext-2"})
    assert _calls(emulator) == [("PATCH", 412), ("GET", 200), ("PATCH", 204)]
    assert emulator.get(PATH)["externalAppointmentUrl"] == "https://set/in/teams"
    assert emulator.get(PATH)["externalAppointmentId"] == "ext-2"
    assert result.outs["etag"] == emulator.etag(PATH)


def test_managed_change_in_teams_is_a_conflict_and_is_kept(provider, emulator):
    created = provider.create(dict(PROPS))
    emulator.edit(PATH, {"settings": {"allowClientToJoinUsingBrowser": False}})
    emulator.clear_requests()
    with pytest.raises(ConflictError):
        provider.update(created.id, created.outs, {**PROPS, "externalAppointmentId": "ext-2"})
    assert _calls(emulator) == [("PATCH", 412), ("GET", 200)]
    assert emulator.get(PATH)["settings"] == {"allowClientToJoinUsingBrowser": False}
    assert emulator.get(PATH)["externalAppointmentId"] == "ext-1"


def test_dropped_connections_are_retried_then_reported_with_the_count(provider, emulator, sleeps):
    emulator.inject(*[{"drop": True}] * 5)
    with pytest.raises(GraphTransportError, match=r"Graph GET .* got no response after 5 attempt\(s\): connection "
                                                  r"failed or was dropped \(client-request-id: [0-9a-f-]{36}\)"):
        provider.read(PATH, dict(PROPS))
    assert len(sleeps) == 4


def test_tls_verification_is_always_on(emulator):
    provider = configured_provider("https://graph.microsoft.com")
    session = provider._graph()._session
    assert session.verify is True


def test_409_while_the_tenant_is_provisioned_waits_as_told(provider, emulator, sleeps):
    emulator.inject({"latency": 0.001}, {"status": 409, "headers": {"Retry-After": "1.5"}})
    result = provider.create(dict(PROPS))
    assert _calls(emulator) == [("GET", 404), ("PUT", 409), ("PUT", 201)]
    assert sleeps == [1.5] and result.outs["etag"] == emulator.etag(PATH)


def test_409_without_a_retry_header_is_reported_not_retried(provider, emulator, sleeps):
    emulator.inject({"latency": 0.001}, {"status": 409, "code": "Conflict", "message": "Conflict."})
    with pytest.raises(GraphError, match=r"HTTP 409 Conflict: Conflict\."):
        provider.create(dict(PROPS))
    assert sleeps == []


def test_nothing_personal_or_secret_is_logged(provider, emulator, caplog):
    caplog.set_level(logging.DEBUG)
    personal = {**PROPS, "appointmentClients": [{"displayName": "Grady Archie", "emailAddress": "gradya@contoso.com",
                                                 "smsCapablePhoneNumber": "+1 425-555-0100"}]}
    created = provider.create(dict(personal))
    emulator.edit(PATH, {"externalAppointmentId": "x"})
    with pytest.raises(ConflictError):
        provider.update(created.id, created.outs, {**personal, "externalAppointmentUrl": "https://x/1"})
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "virtualAppointment" in logged  # urllib3's request lines were captured: the check is real
    for secret in (TOKEN, "gradya@contoso.com", "425-555-0100", "Grady Archie"):
        assert secret not in logged
