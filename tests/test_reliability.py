"""Reliability against the emulator: lost responses, moved ETags, TLS, hostile input.

Each test names the failure it guards: a write applied twice, a write lost, a conflict reported
where there was none, or an overwrite of somebody else's change.
"""

from __future__ import annotations

import contextlib
import logging
import socket
import threading

import pytest

from conftest import TOKEN, configured_provider
from pulumi_virtualappointment._client import GraphClient
from pulumi_virtualappointment._config import resolve_settings
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
    session = provider._graph().session
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


class _EditAfterPatch(GraphClient):
    """A client that lets Teams change the appointment right after each PATCH is answered."""

    def __init__(self, emulator, change, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.emulator, self.change = emulator, change

    def patch(self, path, body, if_match):
        answer = super().patch(path, body, if_match)
        self.emulator.edit(PATH, self.change)
        return answer


def _settings(endpoint):
    return resolve_settings({"msgraph:endpoint": endpoint, "msgraph:accessToken": TOKEN}.get, {})


def _client(endpoint, sleeps):
    """A client for ``endpoint`` whose retries sleep into ``sleeps``."""
    return GraphClient(_settings(endpoint), lambda: TOKEN, sleep=sleeps)


def test_lost_response_of_the_second_patch_is_recognised_too(provider, emulator):
    created = provider.create(dict(PROPS))
    emulator.edit(PATH, {"externalAppointmentUrl": "https://set/in/teams"})  # unmanaged: moves the ETag
    emulator.clear_requests()
    emulator.inject({"latency": 0.001}, {"latency": 0.001}, {"lostResponse": True})
    result = provider.update(created.id, created.outs, {**PROPS, "externalAppointmentId": "ext-2"})
    assert _calls(emulator) == [("PATCH", 412), ("GET", 200), ("PATCH", None), ("PATCH", 412), ("GET", 200)]
    assert emulator.get(PATH)["externalAppointmentId"] == "ext-2"
    assert result.outs["etag"] == emulator.etag(PATH)


def test_change_between_an_etagless_204_and_its_get_is_a_conflict(provider, emulator, sleeps):
    created = provider.create(dict(PROPS))
    emulator.etag_on_write = False
    provider._client = _EditAfterPatch(emulator, {"externalAppointmentId": "teams"}, _settings(emulator.url), lambda: TOKEN)
    with pytest.raises(ConflictError, match="changed again right after this deployment wrote it"):
        provider.update(created.id, created.outs, {**PROPS, "externalAppointmentId": "ext-2"})


def test_put_that_timed_out_at_the_gateway_is_reread_before_it_is_sent_again(provider, emulator, sleeps):
    emulator.inject({"latency": 0.001}, {"status": 504})
    result = provider.create(dict(PROPS))
    assert _calls(emulator) == [("GET", 404), ("PUT", 504), ("GET", 404), ("PUT", 201)]
    assert sleeps == [] and result.outs["etag"] == emulator.etag(PATH)


def test_refresh_of_a_resource_managing_nothing_keeps_managing_nothing(provider, emulator):
    emulator.seed(PATH, {"externalAppointmentId": "teams", "settings": {"allowClientToJoinUsingBrowser": False}})
    result = provider.read(PATH, {"onlineMeetingId": "MSpkYzE3", "adoptExisting": True})
    assert result.inputs == {"onlineMeetingId": "MSpkYzE3", "adoptExisting": True}


def test_update_without_a_recorded_etag_reads_one_instead_of_sending_a_wildcard(provider, emulator):
    created = provider.create(dict(PROPS))
    olds = {k: v for k, v in created.outs.items() if k != "etag"}
    emulator.clear_requests()
    provider.update(created.id, olds, {**PROPS, "externalAppointmentId": "ext-2"})
    log = emulator.requests()
    assert [(r["method"], r["status"]) for r in log] == [("GET", 200), ("PATCH", 204)]
    assert log[1]["headers"]["if-match"] == created.outs["etag"]


def test_clearing_the_join_url_reads_the_one_graph_computes(provider, emulator):
    created = provider.create({**PROPS, "appointmentClientJoinWebUrl": "https://mine/j/1"})
    assert created.outs["joinWebUrl"] == "https://mine/j/1"
    emulator.clear_requests()
    result = provider.update(created.id, created.outs, dict(PROPS))
    assert [r["method"] for r in emulator.requests()] == ["PATCH", "GET"]
    assert result.outs["joinWebUrl"] == emulator.get(PATH)["appointmentClientJoinWebUrl"] != "https://mine/j/1"


@contextlib.contextmanager
def _answering(payload: bytes):
    """A loopback server that answers every connection with ``payload`` and closes; yields its URL."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    server.settimeout(5)

    def serve():
        while True:
            try:
                conn, _ = server.accept()
            except OSError:
                return
            conn.recv(65536)
            conn.sendall(payload)
            conn.close()

    threading.Thread(target=serve, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.getsockname()[1]}"
    finally:
        server.close()


def test_a_response_cut_off_mid_body_is_a_retried_transport_error(sleeps):
    cut = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"id\":\"abcdefg"
    with _answering(cut) as endpoint:
        with pytest.raises(GraphTransportError, match="after 5 attempt.*the response was cut off"):
            _client(endpoint, sleeps).get(PATH)


def test_a_success_that_is_not_json_is_an_error_not_a_crash(sleeps):
    html = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 13\r\n\r\n<html>x</html"
    with _answering(html) as endpoint:
        with pytest.raises(GraphError, match="HTTP 200 invalidResponse: not a JSON body: <html>x</html"):
            _client(endpoint, sleeps).get(PATH)


def test_tls_failure_is_named_and_not_retried(emulator, sleeps):
    with pytest.raises(GraphTransportError, match=r"after 1 attempt\(s\): the TLS handshake failed \(not retried\)"):
        _client(emulator.url.replace("http://", "https://"), sleeps).get(PATH)
    assert sleeps == []
