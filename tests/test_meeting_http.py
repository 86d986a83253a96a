"""HTTP tier: the OnlineMeeting provider against the emulator's meetings on 127.0.0.1.

Every test asserts the exact requests Graph saw (method, path, body bytes, If-Match, Prefer), so a
change in what goes over the wire fails here. Meetings carry no ETag by default (Graph documents
none): updates read first and write only if nothing managed changed. With ``meeting_etags`` on,
updates are guarded by If-Match like the appointment's.
"""

from __future__ import annotations

import threading

import pytest

from conftest import TOKEN, configured_provider
from loopback import answer, response, serving
from pulumi_virtualappointment import (
    ConflictError,
    ForbiddenError,
    GraphResponseError,
    InvalidInputError,
    MeetingExistsError,
    NotFoundError,
    OnlineMeetingProvider,
)
from pulumi_virtualappointment._client import GraphClient
from pulumi_virtualappointment._config import resolve_settings
from pulumi_virtualappointment._engine import _CLAIMED
from pulumi_virtualappointment.emulator import Emulator

PROPS = {
    "externalId": "visit-42",
    "subject": "Consultation",
    "startDateTime": "2026-12-01T09:00:00Z",
    "endDateTime": "2026-12-01T09:30:00Z",
    "participants": {"attendees": [{"role": "attendee", "upn": "ada@contoso.com"}]},
    "lobbyBypassSettings": {"scope": "everyone"},
    "allowMeetingChat": "disabled",
    "adoptExisting": False,
}
CREATE_BODY = ('{"endDateTime":"2026-12-01T09:30:00Z","externalId":"visit-42","participants":{"attendees":'
               '[{"role":"attendee","upn":"ada@contoso.com"}]},"startDateTime":"2026-12-01T09:00:00Z",'
               '"subject":"Consultation"}')


@pytest.fixture
def emulator():
    with Emulator(token=TOKEN) as emu:
        yield emu


@pytest.fixture
def provider(emulator, sleeps):
    provider = configured_provider(emulator.url, cls=OnlineMeetingProvider)
    settings = resolve_settings({"msgraph:endpoint": emulator.url, "msgraph:accessToken": TOKEN}.get, {})
    provider._client = GraphClient(settings, lambda: TOKEN, sleep=sleeps)
    return provider


def _wire(emulator):
    return [(r["method"], r["path"].removeprefix("/v1.0/"), r["raw_body"], r["headers"].get("if-match"))
            for r in emulator.requests()]


def _create(provider, emulator, props=PROPS):
    result = provider.create(dict(props))
    emulator.clear_requests()
    return result


# -- create ------------------------------------------------------------------------------------


def test_create_is_create_or_get_then_a_patch_for_the_rest_then_the_join_link(provider, emulator):
    result = provider.create(dict(PROPS))
    meeting = result.outs["onlineMeetingId"]
    path = f"me/onlineMeetings/{meeting}"
    assert _wire(emulator) == [
        ("POST", "me/onlineMeetings/createOrGet", CREATE_BODY, None),
        ("PATCH", path, '{"allowMeetingChat":"disabled","lobbyBypassSettings":{"scope":"everyone"}}', None),
        ("GET", f"{path}/getVirtualAppointmentJoinWebUrl", "", None),
    ]
    assert all(r["headers"]["prefer"] == "include-unknown-enum-members" for r in emulator.requests())
    live = emulator.meeting(f"users/{emulator.me}/onlineMeetings/{meeting}")
    assert result.id == path
    assert result.outs == {**PROPS, "onlineMeetingId": meeting, "joinWebUrl": live["joinWebUrl"],
                           "virtualAppointmentJoinWebUrl": result.outs["virtualAppointmentJoinWebUrl"]}
    assert result.outs["virtualAppointmentJoinWebUrl"].startswith("https://visit.teams.microsoft.com/")
    assert live["allowMeetingChat"] == "disabled" and live["subject"] == "Consultation"


def test_a_meeting_createorget_fully_describes_needs_no_patch(provider, emulator):
    props = {k: PROPS[k] for k in ("externalId", "subject")}
    provider.create(props)
    assert [m for m, *_ in _wire(emulator)] == ["POST", "GET"]


def test_a_lost_create_or_get_answer_is_asked_again(provider, emulator):
    emulator.inject({"lostResponse": True})
    result = provider.create(dict(PROPS))
    assert [(r["method"], r["status"]) for r in emulator.requests()][:2] == [("POST", None), ("POST", 200)]
    assert len(emulator.meetings()) == 1 and result.outs["onlineMeetingId"]


def test_an_existing_meeting_with_other_values_is_refused_unless_adopting(provider, emulator):
    emulator.seed_meeting("me", externalId="visit-42", subject="Made in Teams")
    emulator.clear_requests()
    with pytest.raises(MeetingExistsError, match=r"already exists \(me/onlineMeetings/.+\) and this create did not "
                                                  r"make it.*adopt_existing=True"):
        provider.create(dict(PROPS))
    assert [m for m, *_ in _wire(emulator)] == ["POST"]
    [(path, entry)] = emulator.meetings().items()
    assert entry["entity"]["subject"] == "Made in Teams"


def test_an_existing_meeting_is_refused_when_the_program_declares_none_of_its_values(provider, emulator):
    """Holding "every value the program declares" proves nothing when it declares none: a meeting
    made elsewhere with the same externalId would be taken over, and a destroy would delete it."""
    emulator.seed_meeting("me", externalId="visit-42", subject="Made in Teams")
    before = emulator.meetings()
    emulator.clear_requests()
    with pytest.raises(MeetingExistsError, match=r"already exists \(me/onlineMeetings/.+\) and this create did not "
                                                  r"make it.*adopt_existing=True"):
        provider.create({"externalId": "visit-42", "adoptExisting": False})
    assert [m for m, *_ in _wire(emulator)] == ["POST"]
    assert emulator.meetings() == before


def test_a_meeting_with_nothing_declared_is_ours_when_this_create_s_first_answer_was_lost(provider, emulator):
    emulator.inject({"lostResponse": True})
    result = provider.create({"externalId": "visit-42", "adoptExisting": False})
    assert [(r["method"], r["status"]) for r in emulator.requests()][:2] == [("POST", None), ("POST", 200)]
    assert len(emulator.meetings()) == 1 and result.outs["onlineMeetingId"]


def test_adopting_a_meeting_with_nothing_declared_writes_nothing(provider, emulator):
    meeting = emulator.seed_meeting("me", externalId="visit-42", subject="Made in Teams")
    emulator.clear_requests()
    result = provider.create({"externalId": "visit-42", "adoptExisting": True})
    assert [m for m, *_ in _wire(emulator)] == ["POST", "GET"]
    assert result.outs["onlineMeetingId"] == meeting


@pytest.mark.parametrize("adopt", [False, True])
def test_two_resources_of_one_deployment_created_at_once_never_share_a_meeting(provider, emulator, monkeypatch, adopt):
    """Two resources declaring one externalId, created at once (the engine runs independent creates
    in parallel): the second's createOrGet is answered 200 while the first is still reading the
    join link. It must not take the meeting, even when adopting: two resources would then own one
    meeting, each overwriting the other's values and each deleting it on destroy."""
    inside, release = threading.Event(), threading.Event()
    real_get = GraphClient.get

    def gated(self, path):
        if path.endswith("/getVirtualAppointmentJoinWebUrl") and threading.current_thread().name == "first":
            inside.set()
            release.wait(10)
        return real_get(self, path)

    monkeypatch.setattr(GraphClient, "get", gated)
    first = {}
    thread = threading.Thread(target=lambda: first.update(result=provider.create(dict(PROPS))), name="first")
    thread.start()
    try:
        assert inside.wait(10)
        with pytest.raises(MeetingExistsError, match=r"already exists \(me/onlineMeetings/.+\) and another resource of "
                                                      r"this deployment created or adopted it: declare each meeting once"):
            provider.create({**PROPS, "adoptExisting": adopt})
    finally:
        release.set()
        thread.join(10)
    assert first["result"].outs["onlineMeetingId"] and len(emulator.meetings()) == 1
    assert [(r["method"], r["status"]) for r in emulator.requests()] == [
        ("POST", 201), ("PATCH", 200), ("POST", 200), ("GET", 200)]


def test_adopting_patches_only_what_differs(provider, emulator):
    meeting = emulator.seed_meeting("me", externalId="visit-42", subject="Made in Teams", allowMeetingChat="disabled",
                                    startDateTime="2026-12-01T09:00:00Z", endDateTime="2026-12-01T09:30:00Z")
    emulator.clear_requests()
    provider.create({**PROPS, "adoptExisting": True})
    assert _wire(emulator)[1] == (
        "PATCH", f"me/onlineMeetings/{meeting}",
        '{"lobbyBypassSettings":{"scope":"everyone"},"participants":{"attendees":[{"role":"attendee",'
        '"upn":"ada@contoso.com"}]},"subject":"Consultation"}', None)


# -- update --------------------------------------------------------------------------------------


def test_one_field_update_without_an_etag_is_a_get_then_a_patch(provider, emulator):
    created = _create(provider, emulator)
    path = created.id
    result = provider.update(path, created.outs, {**PROPS, "subject": "Rescheduled"})
    assert _wire(emulator) == [("GET", path, "", None), ("PATCH", path, '{"subject":"Rescheduled"}', None)]
    assert result.outs == {**created.outs, "subject": "Rescheduled"}


def test_one_field_update_with_an_etag_is_one_patch_with_if_match(provider, emulator):
    emulator.meeting_etags = True
    created = _create(provider, emulator)
    result = provider.update(created.id, created.outs, {**PROPS, "subject": "Rescheduled"})
    assert _wire(emulator) == [("PATCH", created.id, '{"subject":"Rescheduled"}', created.outs["etag"])]
    assert result.outs["etag"] != created.outs["etag"]


def test_moving_the_end_sends_the_start_too(provider, emulator):
    created = _create(provider, emulator)
    provider.update(created.id, created.outs, {**PROPS, "endDateTime": "2026-12-01T10:00:00Z"})
    assert _wire(emulator)[1][2] == '{"endDateTime":"2026-12-01T10:00:00Z","startDateTime":"2026-12-01T09:00:00Z"}'


def test_an_unchanged_update_sends_nothing(provider, emulator):
    created = _create(provider, emulator)
    result = provider.update(created.id, created.outs, {**PROPS, "adoptExisting": True})
    assert emulator.requests() == [] and result.outs["onlineMeetingId"] == created.outs["onlineMeetingId"]


@pytest.mark.parametrize("etags", [False, True])
def test_a_managed_change_in_teams_is_refused_and_nothing_is_written(provider, emulator, etags):
    emulator.meeting_etags = etags
    created = _create(provider, emulator)
    emulator.edit_meeting(f"users/{emulator.me}/onlineMeetings/{created.outs['onlineMeetingId']}", {"subject": "Teams"})
    emulator.clear_requests()
    with pytest.raises(ConflictError, match=r"The onlineMeeting changed outside this program since the last deployment, "
                                            r"so nothing was written: run `pulumi refresh`.+\(me/onlineMeetings/.+: "):
        provider.update(created.id, created.outs, {**PROPS, "allowMeetingChat": "enabled"})
    assert [r["method"] for r in emulator.requests()] == (["PATCH", "GET"] if etags else ["GET"])
    live = emulator.meeting(f"users/{emulator.me}/onlineMeetings/{created.outs['onlineMeetingId']}")
    assert (live["subject"], live["allowMeetingChat"]) == ("Teams", "disabled")


@pytest.mark.parametrize("etags", [False, True])
def test_an_unmanaged_change_in_teams_is_not_a_conflict(provider, emulator, etags):
    emulator.meeting_etags = etags
    created = _create(provider, emulator)
    emulator.edit_meeting(f"users/{emulator.me}/onlineMeetings/{created.outs['onlineMeetingId']}",
                          {"recordAutomatically": True})
    emulator.clear_requests()
    provider.update(created.id, created.outs, {**PROPS, "subject": "Rescheduled"})
    assert [(r["method"], r["status"]) for r in emulator.requests()] == (
        [("PATCH", 412), ("GET", 200), ("PATCH", 200)] if etags else [("GET", 200), ("PATCH", 200)])
    live = emulator.meeting(f"users/{emulator.me}/onlineMeetings/{created.outs['onlineMeetingId']}")
    assert (live["subject"], live["recordAutomatically"]) == ("Rescheduled", True)


def test_a_change_of_external_id_replaces_creating_first(provider):
    """Another external id is another meeting: create it first, so a refused create keeps the old one."""
    olds = {**PROPS, "onlineMeetingId": "MSp1", "joinWebUrl": "https://j"}
    result = provider.diff("me/onlineMeetings/MSp1", olds, {**PROPS, "externalId": "visit-43"})
    assert (result.changes, result.replaces, result.delete_before_replace) == (None, ["externalId"], False)
    same = provider.diff("me/onlineMeetings/MSp1", olds, {**PROPS, "subject": "x"})
    assert same.delete_before_replace is True  # should the engine replace it (replace_on_changes): the same object


def test_a_user_id_change_re_addresses_the_same_meeting(provider, emulator):
    created = _create(provider, emulator)
    result = provider.update(created.id, created.outs, {**PROPS, "userId": emulator.me})
    own = f"users/{emulator.me}/onlineMeetings/{created.outs['onlineMeetingId']}"
    assert _wire(emulator) == [("GET", own, "", None)] and result.outs["userId"] == emulator.me
    assert provider.diff(created.id, created.outs, {**PROPS, "userId": emulator.me}).replaces == []


def test_a_user_id_that_is_not_the_organiser_changes_nothing_and_says_how_to_move_it(provider, emulator):
    created = _create(provider, emulator)
    with pytest.raises(NotFoundError, match=r'user_id bob@contoso.com does not reach this onlineMeeting, so nothing '
                                            r'was changed.*replace_on_changes=\["user_id"\]'):
        provider.update(created.id, created.outs, {**PROPS, "userId": "bob@contoso.com", "subject": "x"})
    assert [r["method"] for r in emulator.requests()] == ["GET"]


# -- read, get and delete ------------------------------------------------------------------------------


def test_refresh_reads_the_managed_values_and_the_join_link(provider, emulator):
    created = _create(provider, emulator)
    path = f"users/{emulator.me}/onlineMeetings/{created.outs['onlineMeetingId']}"
    emulator.edit_meeting(path, {"subject": "Teams", "lobbyBypassSettings": {"isDialInBypassEnabled": True}})
    emulator.clear_requests()
    result = provider.read(created.id, created.outs)
    assert [r["path"].removeprefix("/v1.0/") for r in emulator.requests()] == [
        created.id, f"{created.id}/getVirtualAppointmentJoinWebUrl"]
    assert result.inputs == {**PROPS, "subject": "Teams"}  # a lobby member the program does not declare stays out
    assert result.outs["virtualAppointmentJoinWebUrl"] == created.outs["virtualAppointmentJoinWebUrl"]


def test_refresh_of_a_deleted_meeting_reports_it_gone(provider, emulator):
    created = _create(provider, emulator)
    emulator.remove_meeting(f"users/{emulator.me}/onlineMeetings/{created.outs['onlineMeetingId']}")
    assert (provider.read(created.id, created.outs).id, provider.read(created.id, created.outs).outs) == ("", {})


def test_get_reads_everything_and_a_missing_meeting_is_an_error(provider, emulator):
    meeting = emulator.seed_meeting("me", externalId="ext-9", subject="Seen")
    result = provider.read(f"me/onlineMeetings/{meeting}", {})
    assert result.inputs["externalId"] == "ext-9" and result.inputs["subject"] == "Seen"
    assert result.outs["onlineMeetingId"] == meeting
    with pytest.raises(NotFoundError, match=r"OnlineMeeting.get found no onlineMeeting at me/onlineMeetings/MSpNone"):
        provider.read("me/onlineMeetings/MSpNone", {})
    with pytest.raises(InvalidInputError):
        provider.read("me/onlineMeetings/..", {})


def test_delete_removes_the_meeting_and_its_appointment(provider, emulator):
    created = _create(provider, emulator)
    meeting = created.outs["onlineMeetingId"]
    emulator.seed(f"me/onlineMeetings/{meeting}/virtualAppointment", {"externalAppointmentId": "a"})
    _CLAIMED.clear()
    provider.delete(created.id, created.outs)
    assert _wire(emulator)[-1] == ("DELETE", created.id, "", None)
    assert emulator.meetings() == {} and emulator.appointments() == {}
    provider.delete(created.id, created.outs)  # gone already: done


# -- found by the soak: what the state does not record is not drift ------------------------------------


def test_declaring_a_property_graph_holds_a_default_for_is_not_a_conflict(provider, emulator):
    created = _create(provider, emulator, {"externalId": "a", "subject": "s"})
    provider.update(created.id, created.outs, {"externalId": "a", "subject": "s", "allowMeetingChat": "disabled"})
    assert [(m, body) for m, _, body, _ in _wire(emulator)] == [("GET", ""), ("PATCH", '{"allowMeetingChat":"disabled"}')]


def test_a_lost_answer_to_a_patch_that_stops_managing_a_property_is_recognised(provider, emulator):
    emulator.meeting_etags = True
    olds = {"externalId": "b", "subject": "before", "allowMeetingChat": "disabled"}
    created = _create(provider, emulator, olds)
    emulator.inject({"lostResponse": True})
    result = provider.update(created.id, created.outs, {"externalId": "b", "subject": "after"})
    assert [(r["method"], r["status"]) for r in emulator.requests()] == [("PATCH", None), ("PATCH", 412), ("GET", 200)]
    assert result.outs["subject"] == "after" and emulator.meeting(created.id.replace("me/", f"users/{emulator.me}/"))[
        "allowMeetingChat"] == "disabled"  # no longer managed: left as it is


def test_re_running_an_update_whose_write_landed_is_done_without_writing_again(provider, emulator, sleeps):
    created = _create(provider, emulator, {"externalId": "c", "subject": "before"})
    news = {"externalId": "c", "subject": "after"}
    emulator.inject({"latency": 0.001}, {"lostResponse": True}, *[{"status": 503}] * 4)  # 5 PATCH attempts in all
    with pytest.raises(Exception):
        provider.update(created.id, created.outs, news)  # the PATCH landed; every answer was lost or refused
    emulator.clear_requests()
    result = provider.update(created.id, created.outs, news)
    assert [r["method"] for r in emulator.requests()] == ["GET"] and result.outs["subject"] == "after"


# -- found by review: a 200 is ours only when it holds what the program declares ------------------------


def test_a_foreign_meeting_with_the_external_id_is_refused_even_if_createorget_values_are_not_declared(provider, emulator):
    meeting = emulator.seed_meeting("me", externalId="visit-42", subject="Board review", allowRecording=True)
    emulator.clear_requests()
    with pytest.raises(MeetingExistsError, match="If an earlier `pulumi up` of this program failed"):
        provider.create({"externalId": "visit-42", "allowRecording": False})
    assert [m for m, *_ in _wire(emulator)] == ["POST"]
    assert emulator.meeting(f"users/{emulator.me}/onlineMeetings/{meeting}")["allowRecording"] is True


def test_two_resources_of_one_deployment_never_share_a_meeting(provider, emulator):
    provider.create({"externalId": "visit-42", "subject": "S"})
    emulator.clear_requests()
    with pytest.raises(MeetingExistsError):
        provider.create({"externalId": "visit-42", "subject": "S"})  # the same values: still another resource's
    assert [m for m, *_ in _wire(emulator)] == ["POST"]


def test_a_create_whose_patch_fails_deletes_the_meeting_it_made(provider, emulator, capfd):
    emulator.inject({"latency": 0.001}, {"status": 400, "code": "BadRequest", "message": "needs a licence"})
    with pytest.raises(GraphResponseError, match="HTTP 400 BadRequest: needs a licence"):
        provider.create(dict(PROPS))
    assert [(r["method"], r["status"]) for r in emulator.requests()] == [("POST", 201), ("PATCH", 400), ("DELETE", 204)]
    assert emulator.meetings() == {}
    assert "deleted the onlineMeeting me/onlineMeetings/" in capfd.readouterr().err
    _CLAIMED.clear()
    provider.create(dict(PROPS))  # the next run starts clean: a new meeting, no adopt_existing needed
    assert len(emulator.meetings()) == 1


def test_a_join_link_the_user_may_not_read_says_which_permission(provider, emulator):
    emulator.inject({"latency": 0.001}, {"latency": 0.001}, {"status": 403, "code": "Forbidden", "message": "denied"})
    with pytest.raises(ForbiddenError) as caught:
        provider.create(dict(PROPS))
    assert str(caught.value).endswith(
        "Reading getVirtualAppointmentJoinWebUrl needs the delegated permission VirtualAppointment.Read (or "
        "OnlineMeetings.Read) for the signed-in user, with consent granted; virtual appointments may also need a "
        "licence (Teams Premium) in the tenant.")
    assert emulator.meetings() == {}  # the create made it, and deleted it again


def test_a_shortcut_never_hides_a_change_made_in_teams(provider, emulator):
    """The update's write landed earlier (its answer lost); since then Teams changed something else the
    program manages: that is drift, refused, not a success."""
    created = _create(provider, emulator, {**PROPS, "allowRecording": False})
    path = f"users/{emulator.me}/onlineMeetings/{created.outs['onlineMeetingId']}"
    emulator.edit_meeting(path, {"subject": "Rescheduled", "allowRecording": True})
    emulator.clear_requests()
    with pytest.raises(ConflictError):
        provider.update(created.id, created.outs, {**PROPS, "allowRecording": False, "subject": "Rescheduled"})
    assert [m for m, *_ in _wire(emulator)] == ["GET"]


def test_a_property_the_program_stops_managing_may_change_in_teams(provider, emulator):
    created = _create(provider, emulator, {**PROPS, "allowRecording": False})
    path = f"users/{emulator.me}/onlineMeetings/{created.outs['onlineMeetingId']}"
    emulator.edit_meeting(path, {"allowRecording": True})
    emulator.clear_requests()
    provider.update(created.id, created.outs, {**PROPS, "subject": "Rescheduled"})  # allowRecording no longer declared
    assert [m for m, *_ in _wire(emulator)] == ["GET", "PATCH"]
    assert emulator.meeting(path)["allowRecording"] is True


def test_deleting_a_meeting_changed_in_teams_is_refused(provider, emulator):
    created = _create(provider, emulator)
    path = f"users/{emulator.me}/onlineMeetings/{created.outs['onlineMeetingId']}"
    emulator.edit_meeting(path, {"subject": "Teams"})
    _CLAIMED.clear()
    emulator.clear_requests()
    with pytest.raises(ConflictError, match="so it was not deleted"):
        provider.delete(created.id, created.outs)
    assert [m for m, *_ in _wire(emulator)] == ["GET"] and emulator.meeting(path) is not None


@pytest.mark.parametrize("body,problem", [
    (b'{"id": "..", "externalId": "visit-42"}', "has an id that is not one: '..'"),
    (b'{"externalId": "visit-42"}', "has no id"),
])
def test_a_meeting_id_graph_answers_must_be_one(body, problem, sleeps):
    with serving(answer(response("201 Created", body, ("Content-Type: application/json",)))) as graph:
        provider = configured_provider(graph.url, cls=OnlineMeetingProvider)
        provider._client = GraphClient(resolve_settings({"msgraph:endpoint": graph.url, "msgraph:accessToken": TOKEN}
                                                        .get, {}), lambda: TOKEN, sleep=sleeps)
        with pytest.raises(GraphResponseError, match=f"invalidResponse: Graph's onlineMeeting {problem}"):
            provider.create({"externalId": "visit-42", "subject": "S"})
    assert len(graph.requests) == 1  # nothing was sent to a path built from it
