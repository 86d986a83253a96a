"""Protocol tier: the provider served by the SDK's own host (``python -m pulumi.dynamic``, what the
engine launches), driven over gRPC with a provider serialised by the SDK, against the emulator."""

from __future__ import annotations

import pytest
from pulumi.dynamic.dynamic import serialize_provider
from pulumi.output import Unknown
from pulumi.runtime import rpc
from pulumi.runtime.proto import provider_pb2

from conftest import TOKEN
from pulumi_virtualappointment.testing import ProviderError, ProviderServer
from pulumi_virtualappointment import VirtualAppointmentProvider

URN = "urn:pulumi:dev::test::pulumi-python:dynamic/virtualappointment:VirtualAppointment::visit"
PATH = "me/onlineMeetings/MSpkYzE3/virtualAppointment"
SERIALIZED = serialize_provider(VirtualAppointmentProvider())
INPUTS = {
    "__provider": SERIALIZED,
    "onlineMeetingId": "MSpkYzE3",
    "settings": {"allowClientToJoinUsingBrowser": "true"},
    "appointmentClients": [{"displayName": "Grady Archie", "emailAddress": "gradya@contoso.com",
                            "smsCapablePhoneNumber": "123-456-7890"}],
    "adoptExisting": False,
}


@pytest.fixture(scope="module")
def emulator():
    from pulumi_virtualappointment.emulator import Emulator

    with Emulator(token=TOKEN, implicit_meetings=True) as emu:
        yield emu


def _host(emulator):
    """A provider host as the engine starts one: a new one for every deployment."""
    return ProviderServer({"msgraph:endpoint": emulator.url, "msgraph:accessToken": TOKEN})


@pytest.fixture
def server(emulator):
    emulator.reset()
    with _host(emulator) as server:
        yield server


def _up(server):
    checked, failures = server.check(URN, {}, INPUTS)
    assert failures == []
    return checked, *server.create(URN, checked)


def test_check_normalises_over_grpc(server, emulator):
    checked, failures = server.check(URN, {}, INPUTS)
    assert failures == []
    assert checked["settings"] == {"allowClientToJoinUsingBrowser": True}
    assert checked["__provider"] == SERIALIZED
    assert emulator.requests() == []


def test_check_failure_reaches_the_engine_with_the_property_path(server):
    _, failures = server.check(URN, {}, {**INPUTS, "externalAppointmentUrl": "not a url"})
    assert failures == [("externalAppointmentUrl",
                         "expected an absolute http(s) URL such as https://example.com/a, got 'not a url' "
                         "(Python argument: external_appointment_url)")]


def test_create_then_unchanged_diff_sends_no_request(server, emulator):
    checked, id_, outs = _up(server)
    assert id_ == PATH and outs["etag"] == emulator.etag(PATH)
    emulator.clear_requests()
    again, _ = server.check(URN, checked, INPUTS)
    diff = server.diff(URN, id_, outs, again)
    assert diff.changes == provider_pb2.DiffResponse.DIFF_NONE
    assert emulator.requests() == []


def test_one_field_update_is_one_patch_with_exact_body_and_if_match(server, emulator):
    checked, id_, outs = _up(server)
    emulator.clear_requests()
    news, _ = server.check(URN, checked, {**INPUTS, "externalAppointmentId": "AAMkADKnAAA="})
    assert server.diff(URN, id_, outs, news).changes == provider_pb2.DiffResponse.DIFF_UNKNOWN
    new_outs = server.update(URN, id_, outs, news)
    [patch] = emulator.requests()
    assert (patch["method"], patch["raw_body"], patch["headers"]["if-match"]) == (
        "PATCH", '{"externalAppointmentId":"AAMkADKnAAA="}', outs["etag"])
    assert new_outs["etag"] == emulator.etag(PATH) != outs["etag"]
    assert new_outs["externalAppointmentId"] == "AAMkADKnAAA="


def test_out_of_band_edit_then_refresh_then_update(server, emulator):
    checked, id_, outs = _up(server)
    emulator.edit(PATH, {"settings": {"allowClientToJoinUsingBrowser": False}})
    news, _ = server.check(URN, checked, {**INPUTS, "externalAppointmentId": "x"})
    with pytest.raises(ProviderError) as caught:
        server.update(URN, id_, outs, news)
    assert "changed outside this program since the last deployment" in caught.value.details
    assert "so nothing was written: run `pulumi refresh` to accept the change" in caught.value.details
    assert emulator.get(PATH)["externalAppointmentId"] is None

    read_id, read_outs, read_inputs = server.read(URN, id_, outs, checked)
    assert read_id == id_
    assert read_inputs["settings"] == {"allowClientToJoinUsingBrowser": False}
    assert read_outs["etag"] == emulator.etag(PATH)

    emulator.clear_requests()
    final = server.update(URN, id_, read_outs, news)
    assert [(r["method"], r["body"]) for r in emulator.requests()] == [
        ("PATCH", {"externalAppointmentId": "x", "settings": {"allowClientToJoinUsingBrowser": True}})]
    assert final["etag"] == emulator.etag(PATH)


def test_preview_with_unknown_values_passes_check_and_reports_changes(server, emulator):
    checked, id_, outs = _up(server)
    emulator.clear_requests()
    news, failures = server.check(URN, checked, {**INPUTS, "externalAppointmentUrl": rpc.UNKNOWN})
    assert failures == [] and isinstance(news["externalAppointmentUrl"], Unknown)
    assert server.diff(URN, id_, outs, news).changes == provider_pb2.DiffResponse.DIFF_UNKNOWN
    unknown, _ = server.check(URN, checked, {**INPUTS, "onlineMeetingId": rpc.UNKNOWN})
    assert list(server.diff(URN, id_, outs, unknown).replaces) == []  # decided at `up`, when it is known
    replaced, _ = server.check(URN, checked, {**INPUTS, "onlineMeetingId": "MSpkOther"})
    assert list(server.diff(URN, id_, outs, replaced).replaces) == ["onlineMeetingId"]
    assert emulator.requests() == []


def test_adoption_over_grpc(server, emulator):
    emulator.seed(PATH, {"externalAppointmentId": "theirs"})
    with pytest.raises(ProviderError, match="set\nadopt_existing=True|adopt_existing=True"):
        _up(server)
    checked, _ = server.check(URN, {}, {**INPUTS, "adoptExisting": True})
    id_, outs = server.create(URN, checked)
    assert emulator.get(PATH)["appointmentClients"] == INPUTS["appointmentClients"]
    assert emulator.get(PATH)["externalAppointmentId"] == "theirs"
    assert outs["adoptExisting"] is True


def test_delete_over_grpc(server, emulator):
    _, id_, outs = _up(server)
    with _host(emulator) as later:  # `pulumi destroy`: a later deployment, a provider host of its own
        later.delete(URN, id_, outs)
        assert emulator.get(PATH) is None
        later.delete(URN, id_, outs)  # already gone: done, not an error


def test_a_delete_in_the_deployment_that_created_the_appointment_keeps_it(server, emulator):
    """A replacement whose new resource adopted the old one's appointment: create, then delete."""
    _, id_, outs = _up(server)
    emulator.clear_requests()
    server.delete(URN, id_, outs)
    assert emulator.requests() == [] and emulator.get(PATH) is not None


def test_get_by_id_reads_everything_over_grpc(server, emulator):
    emulator.seed(PATH, {"externalAppointmentId": "set-in-teams"})
    read_id, outs, inputs = server.read(URN, PATH, {}, {"__provider": SERIALIZED})
    assert read_id == PATH
    assert inputs["externalAppointmentId"] == "set-in-teams" and inputs["onlineMeetingId"] == "MSpkYzE3"
    assert outs["etag"] == emulator.etag(PATH)


def test_secret_inputs_reach_graph_as_plain_values(server, emulator):
    secret_clients = rpc.wrap_rpc_secret(INPUTS["appointmentClients"])
    checked, failures = server.check(URN, {}, {**INPUTS, "appointmentClients": secret_clients})
    assert failures == []
    server.create(URN, checked)
    assert emulator.get(PATH)["appointmentClients"] == INPUTS["appointmentClients"]


def _last_line(details: str) -> str:
    return details.strip().splitlines()[-1]


def test_the_message_a_user_reads_stands_alone(server, emulator):
    """The host forwards a traceback; its last line is what the CLI shows. No chained noise."""
    checked, id_, outs = _up(server)
    emulator.edit(PATH, {"settings": {"allowClientToJoinUsingBrowser": False}})  # managed: a conflict
    news, _ = server.check(URN, checked, {**INPUTS, "externalAppointmentId": "mine"})
    failures = []
    for call in (lambda: server.update(URN, id_, outs, news),
                 lambda: server.read(URN, "me/onlineMeetings/MSpkNone/virtualAppointment", {}, {"__provider": SERIALIZED}),
                 lambda: server.read(URN, "me/onlineMeetings/../virtualAppointment", {}, {"__provider": SERIALIZED})):
        with pytest.raises(ProviderError) as caught:
            call()
        failures.append(caught.value.details)
    for details in failures:
        assert "During handling of the above exception" not in details
        assert "The above exception was the direct cause" not in details
    assert [_last_line(d).split(":")[0] for d in failures] == [
        "pulumi_virtualappointment._errors.ConflictError",
        "pulumi_virtualappointment._errors.NotFoundError",
        "pulumi_virtualappointment._errors.InvalidInputError",
    ]


def test_a_create_whose_meeting_does_not_exist_reads_as_one_error(server, emulator):
    """GET 404, then the PUT's 404 raised while handling it: the CLI shows the host's last line,
    and the traceback carries no "During handling" chain above it."""
    emulator.implicit_meetings = False
    try:
        checked, failures = server.check(URN, {}, INPUTS)
        assert failures == []
        with pytest.raises(ProviderError) as caught:
            server.create(URN, checked)
    finally:
        emulator.implicit_meetings = True
    details = caught.value.details
    assert "During handling of the above exception" not in details
    assert "The above exception was the direct cause" not in details
    assert _last_line(details).startswith("pulumi_virtualappointment._errors.NotFoundError: Graph PUT "
                                          "me/onlineMeetings/MSpkYzE3/virtualAppointment failed: HTTP 404")
