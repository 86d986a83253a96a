"""Protocol tier for ``OnlineMeeting``: the provider served by the SDK's own host (``python -m
pulumi.dynamic``, what the engine launches), driven over gRPC with a provider serialised by the SDK,
against the emulator (meetings without ETags unless a test turns them on, as Graph documents none).
"""

from __future__ import annotations

import pytest
from pulumi.dynamic.dynamic import serialize_provider
from pulumi.output import Unknown
from pulumi.runtime import rpc
from pulumi.runtime.proto import provider_pb2

from conftest import TOKEN
from pulumi_virtualappointment.testing import ProviderError, ProviderServer
from pulumi_virtualappointment import OnlineMeetingProvider
from pulumi_virtualappointment.emulator import Emulator
from pulumi_virtualappointment.emulator._schema import join_url

URN = "urn:pulumi:dev::test::pulumi-python:dynamic/virtualappointment:OnlineMeeting::consultation"
SERIALIZED = serialize_provider(OnlineMeetingProvider())
DIFF = provider_pb2.DiffResponse
INPUTS = {
    "__provider": SERIALIZED,
    "externalId": "booking-42",
    "subject": " Consultation ",
    "startDateTime": "2026-12-01T10:00:00+01:00",
    "endDateTime": "2026-12-01T10:30:00.25+01:00",
    "participants": {"attendees": [{"upn": "AdeleV@Contoso.com"}, {"upn": "grady@contoso.com", "role": "presenter"}]},
    "lobbyBypassSettings": {"scope": "organizer", "isDialInBypassEnabled": "false"},
    "adoptExisting": False,
}
CHECKED = {
    "__provider": SERIALIZED,
    "externalId": "booking-42",
    "subject": "Consultation",
    "startDateTime": "2026-12-01T09:00:00Z",
    "endDateTime": "2026-12-01T09:30:00.25Z",
    "participants": {"attendees": [{"role": "attendee", "upn": "adelev@contoso.com"},
                                   {"role": "presenter", "upn": "grady@contoso.com"}]},
    "lobbyBypassSettings": {"isDialInBypassEnabled": False, "scope": "organizer"},
    "adoptExisting": False,
}
"""What Check makes of :data:`INPUTS`: times in UTC, UPNs in lower case, the role defaulted, text stripped."""
CREATE_OR_GET = (
    '{"endDateTime":"2026-12-01T09:30:00.25Z","externalId":"booking-42","participants":{"attendees":'
    '[{"role":"attendee","upn":"adelev@contoso.com"},{"role":"presenter","upn":"grady@contoso.com"}]},'
    '"startDateTime":"2026-12-01T09:00:00Z","subject":"Consultation"}'
)
PREFER = "include-unknown-enum-members"


@pytest.fixture(scope="module")
def emulator():
    with Emulator(token=TOKEN) as emu:
        yield emu


def _host(emulator):
    """A provider host as the engine starts one: a new one for every deployment."""
    return ProviderServer({"msgraph:endpoint": emulator.url, "msgraph:accessToken": TOKEN})


@pytest.fixture
def server(emulator):
    emulator.reset()
    emulator.meeting_etags = False
    with _host(emulator) as server:
        yield server


def _sent(emulator):
    """Graph requests since the last call: (method, path with version, status, body as sent, If-Match)."""
    sent = [(r["method"], r["path"].lstrip("/"), r["status"], r["raw_body"], r["headers"].get("if-match"))
            for r in emulator.requests()]
    assert all(r["headers"].get("prefer") == PREFER for r in emulator.requests())  # evolvable enum members
    emulator.clear_requests()
    return sent


def _up(server, emulator):
    """``pulumi up`` of :data:`INPUTS`: Check, then Create; returns (checked, id, outputs)."""
    checked, failures = server.check(URN, {}, INPUTS)
    assert failures == []
    id_, outs = server.create(URN, checked)
    _sent(emulator)
    return checked, id_, outs


def _news(server, checked, **changes):
    news, failures = server.check(URN, checked, {**INPUTS, **changes})
    assert failures == []
    return news


def test_check_normalises_times_upns_and_roles_over_grpc(server, emulator):
    checked, failures = server.check(URN, {}, INPUTS)
    assert failures == [] and checked == CHECKED
    assert emulator.requests() == []


def test_check_failures_reach_the_engine_with_the_property_path(server):
    _, failures = server.check(URN, {}, {**INPUTS, "endDateTime": "2026-12-01T10:00:00+01:00",
                                         "lobbyBypassSettings": {"scope": "nobody"}})
    assert failures == [("lobbyBypassSettings.scope",
                         ("expected one of organizer, organization, organizationAndFederated, everyone, invited, "
                          "organizationExcludingGuests, got 'nobody' (Python argument: lobby_bypass_settings.scope)"))]
    _, failures = server.check(URN, {}, {**INPUTS, "endDateTime": "2026-12-01T10:00:00+01:00"})
    assert failures == [("endDateTime", ("must be after start_date_time (2026-12-01T09:00:00Z), got "
                                         "2026-12-01T09:00:00Z (Python argument: end_date_time)"))]
    _, failures = server.check(URN, {}, {"__provider": SERIALIZED, "subject": "x"})
    assert failures == [("externalId", ("is required: set external_id to the scheduling system's id for this "
                                        "meeting (Python argument: external_id)"))]


def test_create_posts_create_or_get_then_patches_the_rest_then_reads_the_join_link(server, emulator):
    id_, outs = server.create(URN, CHECKED)
    [canonical] = emulator.meetings()
    meeting_id = canonical.rsplit("/", 1)[1]
    path = f"me/onlineMeetings/{meeting_id}"
    assert id_ == path
    assert _sent(emulator) == [
        ("POST", "v1.0/me/onlineMeetings/createOrGet", 201, CREATE_OR_GET, None),
        ("PATCH", f"v1.0/{path}", 200, '{"lobbyBypassSettings":{"isDialInBypassEnabled":false,"scope":"organizer"}}',
         None),
        ("GET", f"v1.0/{path}/getVirtualAppointmentJoinWebUrl", 200, "", None),
    ]
    held = emulator.meeting(path)
    assert held["lobbyBypassSettings"] == {"scope": "organizer", "isDialInBypassEnabled": False}
    assert held["endDateTime"] == "2026-12-01T09:30:00.2500000Z"
    assert outs == {  # every input, and what Graph computed; no etag: Graph sent none
        **CHECKED,
        "onlineMeetingId": meeting_id,
        "joinWebUrl": held["joinWebUrl"],
        "virtualAppointmentJoinWebUrl": join_url(emulator.me, meeting_id),
    }


def test_a_create_of_a_later_deployment_is_refused_then_adopts_and_sends_nothing_more(server, emulator):
    """An earlier deployment made the meeting and its answer never reached the state (the CLI was
    killed): a create in a later deployment (another provider host) cannot tell it from someone
    else's, so it is refused, saying to adopt it; adopting it then writes nothing."""
    _, id_, outs = _up(server, emulator)
    with _host(emulator) as retry:
        with pytest.raises(ProviderError) as caught:
            retry.create(URN, CHECKED)
        assert "this create did not make it" in caught.value.details
        assert "If an earlier `pulumi up` of this program failed while creating this meeting" in caught.value.details
        emulator.clear_requests()
        again_id, again = retry.create(URN, {**CHECKED, "adoptExisting": True})
    assert (again_id, again) == (id_, {**outs, "adoptExisting": True})
    assert _sent(emulator) == [
        ("POST", "v1.0/me/onlineMeetings/createOrGet", 200, CREATE_OR_GET, None),
        ("GET", f"v1.0/{id_}/getVirtualAppointmentJoinWebUrl", 200, "", None),
    ]
    assert len(emulator.meetings()) == 1


def test_unchanged_diff_is_none_and_sends_nothing(server, emulator):
    checked, id_, outs = _up(server, emulator)
    again = _news(server, checked)
    assert again == checked
    assert server.diff(URN, id_, outs, again, checked).changes == DIFF.DIFF_NONE
    reordered = _news(server, checked, participants={"attendees": list(reversed(INPUTS["participants"]["attendees"]))})
    assert server.diff(URN, id_, outs, reordered, checked).changes == DIFF.DIFF_NONE  # Graph keeps no order
    assert emulator.requests() == []


@pytest.mark.parametrize("meeting_etags", [False, True], ids=["without-etag", "with-etag"])
def test_one_field_update_is_one_minimal_patch(server, emulator, meeting_etags):
    emulator.meeting_etags = meeting_etags
    checked, id_, outs = _up(server, emulator)
    assert ("etag" in outs) == meeting_etags
    news = _news(server, checked, subject="Follow-up")
    diff = server.diff(URN, id_, outs, news, checked)
    assert (diff.changes, list(diff.replaces)) == (DIFF.DIFF_UNKNOWN, [])  # the engine works out the keys
    assert emulator.requests() == []
    new_outs = server.update(URN, id_, outs, news)
    if meeting_etags:  # If-Match with the recorded ETag
        assert _sent(emulator) == [("PATCH", f"v1.0/{id_}", 200, '{"subject":"Follow-up"}', outs["etag"])]
        assert new_outs["etag"] == emulator.meeting_etag(id_) != outs["etag"]
    else:  # no ETag: read, check nothing managed changed, write
        assert _sent(emulator) == [("GET", f"v1.0/{id_}", 200, "", None),
                                   ("PATCH", f"v1.0/{id_}", 200, '{"subject":"Follow-up"}', None)]
        assert "etag" not in new_outs
    assert emulator.meeting(id_)["subject"] == "Follow-up"
    assert new_outs == {**outs, "subject": "Follow-up", **({"etag": new_outs["etag"]} if meeting_etags else {})}


def test_a_new_end_is_sent_with_the_start_as_graph_requires(server, emulator):
    checked, id_, outs = _up(server, emulator)
    server.update(URN, id_, outs, _news(server, checked, endDateTime="2026-12-01T11:00:00+01:00"))
    assert _sent(emulator)[1] == ("PATCH", f"v1.0/{id_}", 200,
                                  '{"endDateTime":"2026-12-01T10:00:00Z","startDateTime":"2026-12-01T09:00:00Z"}', None)
    assert emulator.meeting(id_)["endDateTime"] == "2026-12-01T10:00:00.0000000Z"


def test_an_update_after_a_change_in_teams_is_refused_and_writes_nothing(server, emulator):
    checked, id_, outs = _up(server, emulator)
    emulator.edit_meeting(id_, {"lobbyBypassSettings": {"scope": "everyone"}})
    with pytest.raises(ProviderError) as caught:
        server.update(URN, id_, outs, _news(server, checked, subject="Follow-up"))
    assert caught.value.details == (
        "The onlineMeeting changed outside this program since the last deployment, so nothing was written: run "
        "`pulumi refresh` to accept the change into the stack's state, then `pulumi up` to apply the program on top "
        f"of it. ({id_}: its managed values differ from those recorded)")
    assert _sent(emulator) == [("GET", f"v1.0/{id_}", 200, "", None)]
    assert emulator.meeting(id_)["subject"] == "Consultation"


def test_adding_a_property_after_create_is_one_minimal_patch_without_an_etag(server, emulator):
    """Regression guard: a property the program starts to manage has no recorded value, but Graph holds
    its default; the read-compare-write refused that as a change made outside this program."""
    checked, id_, outs = _up(server, emulator)
    server.update(URN, id_, outs, _news(server, checked, allowMeetingChat="disabled"))
    assert _sent(emulator) == [("GET", f"v1.0/{id_}", 200, "", None),
                               ("PATCH", f"v1.0/{id_}", 200, '{"allowMeetingChat":"disabled"}', None)]
    assert emulator.meeting(id_)["allowMeetingChat"] == "disabled"


def test_preview_with_unknown_values_passes_check_and_reports_changes(server, emulator):
    checked, id_, outs = _up(server, emulator)
    news, failures = server.check(URN, checked, {**INPUTS, "subject": rpc.UNKNOWN})
    assert failures == [] and isinstance(news["subject"], Unknown)
    assert server.diff(URN, id_, outs, news, checked).changes == DIFF.DIFF_UNKNOWN
    unknown_times, failures = server.check(URN, checked, {**INPUTS, "startDateTime": rpc.UNKNOWN})
    assert failures == [] and isinstance(unknown_times["startDateTime"], Unknown)
    unknown_key, _ = server.check(URN, checked, {**INPUTS, "externalId": rpc.UNKNOWN})
    diff = server.diff(URN, id_, outs, unknown_key, checked)
    assert (diff.changes, list(diff.replaces)) == (DIFF.DIFF_UNKNOWN, [])  # decided at `up`, when it is known
    replaced = _news(server, checked, externalId="booking-43")
    diff = server.diff(URN, id_, outs, replaced, checked)
    assert (list(diff.replaces), diff.deleteBeforeReplace) == (["externalId"], False)  # another meeting: created first
    assert emulator.requests() == []


def test_read_returns_live_managed_values_and_leaves_the_rest_unmanaged(server, emulator):
    checked, id_, outs = _up(server, emulator)
    emulator.edit_meeting(id_, {"subject": "Set in Teams", "allowMeetingChat": "disabled",
                                "lobbyBypassSettings": {"isDialInBypassEnabled": True}})
    read_id, read_outs, read_inputs = server.read(URN, id_, outs, checked)
    assert read_id == id_
    assert _sent(emulator) == [("GET", f"v1.0/{id_}", 200, "", None),
                               ("GET", f"v1.0/{id_}/getVirtualAppointmentJoinWebUrl", 200, "", None)]
    assert read_inputs == {**checked, "subject": "Set in Teams",
                           "lobbyBypassSettings": {"isDialInBypassEnabled": True, "scope": "organizer"}}
    assert read_outs == {**outs, **read_inputs}  # allowMeetingChat was never declared: not read into state
    news = _news(server, read_inputs)
    assert server.diff(URN, id_, read_outs, news, read_inputs).changes == DIFF.DIFF_UNKNOWN  # the program differs


def test_read_of_a_deleted_meeting_reports_it_gone(server, emulator):
    checked, id_, outs = _up(server, emulator)
    emulator.remove_meeting(id_)
    assert server.read(URN, id_, outs, checked) == ("", {"__provider": SERIALIZED}, {})  # the host adds the key
    assert _sent(emulator) == [("GET", f"v1.0/{id_}", 404, "", None)]


def test_get_by_id_reads_everything_over_grpc(server, emulator):
    meeting_id = emulator.seed_meeting("me", externalId="set-up-in-teams", subject="Intake",
                                       startDateTime="2026-12-02T08:00:00Z", endDateTime="2026-12-02T08:20:00Z")
    path = f"me/onlineMeetings/{meeting_id}"
    read_id, outs, inputs = server.read(URN, path, {}, {"__provider": SERIALIZED})  # what `get` sends
    assert read_id == path
    assert _sent(emulator) == [("GET", f"v1.0/{path}", 200, "", None),
                               ("GET", f"v1.0/{path}/getVirtualAppointmentJoinWebUrl", 200, "", None)]
    assert {k: inputs[k] for k in ("onlineMeetingId", "externalId", "subject", "startDateTime", "endDateTime",
                                   "allowedPresenters", "lobbyBypassSettings", "participants")} == {
        "onlineMeetingId": meeting_id, "externalId": "set-up-in-teams", "subject": "Intake",
        "startDateTime": "2026-12-02T08:00:00Z", "endDateTime": "2026-12-02T08:20:00Z", "allowedPresenters": "everyone",
        "lobbyBypassSettings": {"isDialInBypassEnabled": False, "scope": "organization"},
        "participants": {"attendees": []},
    }
    assert outs["joinWebUrl"] == emulator.meeting(path)["joinWebUrl"]
    assert outs["virtualAppointmentJoinWebUrl"] == join_url(emulator.me, meeting_id)


def test_get_of_a_missing_meeting_is_an_error_naming_the_id(server, emulator):
    with pytest.raises(ProviderError) as caught:
        server.read(URN, "me/onlineMeetings/MSpkMissing", {}, {"__provider": SERIALIZED})
    assert ("OnlineMeeting.get found no onlineMeeting at me/onlineMeetings/MSpkMissing: check the meeting id and the "
            "user in that id.") in caught.value.details
    assert _sent(emulator) == [("GET", "v1.0/me/onlineMeetings/MSpkMissing", 404, "", None)]


@pytest.mark.parametrize("meeting_etags", [False, True], ids=["without-etag", "with-etag"])
def test_delete_over_grpc(server, emulator, meeting_etags):
    emulator.meeting_etags = meeting_etags
    _, id_, outs = _up(server, emulator)
    with _host(emulator) as later:  # `pulumi destroy`: a later deployment, a provider host of its own
        later.delete(URN, id_, outs)
        # with an ETag the DELETE carries it; without one the meeting is read first (read-compare-delete)
        read = [] if meeting_etags else [("GET", f"v1.0/{id_}", 200, "", None)]
        assert _sent(emulator) == [*read, ("DELETE", f"v1.0/{id_}", 204, "", outs.get("etag"))]
        assert emulator.meetings() == {}
        later.delete(URN, id_, outs)  # already gone: done, not an error
        gone = [("DELETE", f"v1.0/{id_}", 404, "", outs.get("etag"))] if meeting_etags else [("GET", f"v1.0/{id_}", 404, "", None)]
        assert _sent(emulator) == gone
