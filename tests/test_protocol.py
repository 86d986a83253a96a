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


def test_the_message_a_user_reads_is_the_providers_own_not_a_traceback(server, emulator):
    """The SDK's host answers a failed call with ``traceback.format_exc()`` and the CLI prints it
    whole; for this package's errors it is the message alone (``_sdk_host``). If an SDK release
    changes the host's shape, the traceback comes back and this test says so."""
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
    assert all("Traceback" not in details and "\n" not in details for details in failures), failures
    assert failures[0].startswith("The virtualAppointment changed outside this program since the last deployment, "
                                  "so nothing was written: run `pulumi refresh`")
    assert failures[1].startswith("Graph GET me/onlineMeetings/MSpkNone/virtualAppointment failed: HTTP 404")
    assert failures[2].startswith("VirtualAppointment.get: ")


def test_a_create_whose_meeting_does_not_exist_reads_as_one_error(server, emulator):
    """GET 404, then the PUT's 404 raised while handling it: the user reads the PUT's error alone."""
    emulator.implicit_meetings = False
    try:
        checked, failures = server.check(URN, {}, INPUTS)
        assert failures == []
        with pytest.raises(ProviderError) as caught:
            server.create(URN, checked)
    finally:
        emulator.implicit_meetings = True
    details = caught.value.details
    assert "Traceback" not in details and "During handling" not in details
    assert details.startswith("Graph PUT me/onlineMeetings/MSpkYzE3/virtualAppointment failed: HTTP 404")


def test_a_defect_keeps_its_traceback_for_the_bug_report(emulator):
    """Only this package's own errors lose the traceback: anything else is a defect, and its
    traceback is what a bug report needs."""
    from pathlib import Path

    from defective_provider import DefectiveProvider
    from pulumi_virtualappointment.testing import ProviderHost

    tests = str(Path(__file__).resolve().parent)
    config = {"msgraph:endpoint": emulator.url, "msgraph:accessToken": TOKEN}
    with ProviderHost(config, env={"PYTHONPATH": tests}) as server:
        with pytest.raises(ProviderError) as caught:
            server.create(URN, {**INPUTS, "__provider": serialize_provider(DefectiveProvider())})
    details = caught.value.details
    assert details.startswith("Traceback (most recent call last):")
    assert details.rstrip().endswith("RuntimeError: a defect in the provider")


def test_outside_the_sdks_host_nothing_is_replaced():
    import sys

    from pulumi_virtualappointment import _sdk_host

    before = getattr(sys.modules["__main__"], "traceback", None)
    assert _sdk_host.install() is False
    assert getattr(sys.modules["__main__"], "traceback", None) is before


def test_a_mistyped_msgraph_key_fails_the_preview_naming_the_nearest_setting(emulator):
    """Issue 17: `msgraph:endpiont` was ignored, so the token went to the real Graph. The host now
    fails every call (a preview's Check first) with the sentence, before any request."""
    config = {"msgraph:endpiont": emulator.url, "msgraph:accessToken": TOKEN}
    emulator.clear_requests()
    with ProviderServer(config) as server:
        with pytest.raises(ProviderError) as caught:
            server.check(URN, {}, INPUTS)
    assert caught.value.details == ("stack config msgraph:endpiont is not a setting of pulumi-virtualappointment; did "
                                    "you mean msgraph:endpoint?")
    assert emulator.requests() == []
