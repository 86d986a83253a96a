"""The emulator's onlineMeeting, and the virtualAppointment that now lives under it: real HTTP on 127.0.0.1.

Facts from docs/graph.md; where the docs are silent the emulator's choice is what these tests pin
(see the docstring of ``emulator/_meeting.py``).
"""

from __future__ import annotations

import base64
import errno
import json
import re
from datetime import datetime, timedelta, timezone
from typing import Any
from urllib.parse import quote, unquote

import pytest
import requests

from emulator_fixtures import (  # noqa: F401 - fixtures are used by name
    DOCS_BODY,
    ME,
    ME_PATH,
    MEETING,
    MEETING_PATH,
    USER_MEETING_PATH,
    WEAK_ETAG,
    Graph,
    emulator,
    emulator_options,
    error_of,
    graph,
)
from pulumi_virtualappointment.emulator import Emulator, _store
from pulumi_virtualappointment.emulator._schema import join_url

GRAPH_JSON = "application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8"
UTC7 = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{7}Z$")
OTHER = "22222222-2222-2222-2222-222222222222"
PREFER = {"Prefer": "include-unknown-enum-members"}

DOCS_CREATE = {
    "startDateTime": "2020-02-06T01:49:21.3524945+00:00",
    "endDateTime": "2020-02-06T02:19:21.3524945+00:00",
    "subject": "Create a meeting with customId provided",
    "externalId": "7eb8263f-d0e0-4149-bb1c-1f0476083c56",
    "participants": {
        "attendees": [
            {"identity": {"user": {"id": "1f35f2e6-9cab-44ad-8d5a-b74c14720000"}}, "upn": "test1@contoso.com"}
        ]
    },
}
"""The request body of the createOrGet reference's example."""

DEFAULTS: dict[str, Any] = {
    "allowAttendeeToEnableCamera": True,
    "allowAttendeeToEnableMic": True,
    "allowBreakoutRooms": True,
    "allowCopyingAndSharingMeetingContent": True,
    "allowLiveShare": "enabled",
    "allowMeetingChat": "enabled",
    "allowPowerPointSharing": True,
    "allowRecording": True,
    "allowTeamworkReactions": True,
    "allowTranscription": True,
    "allowWhiteboard": True,
    "allowedLobbyAdmitters": "organizerAndCoOrganizersAndPresenters",
    "allowedPresenters": "everyone",
    "broadcastSettings": None,
    "isEndToEndEncryptionEnabled": False,
    "isEntryExitAnnounced": True,
    "lobbyBypassSettings": {"scope": "organization", "isDialInBypassEnabled": False},
    "meetingSpokenLanguageTag": None,
    "recordAutomatically": False,
    "sensitivityLabelAssignment": None,
    "watermarkProtection": {"isEnabledForContentSharing": False, "isEnabledForVideo": False},
}
"""Every updatable property's default in v1.0, as the emulator chose and documents them."""
BETA_DEFAULTS: dict[str, Any] = {**DEFAULTS, "anonymizeIdentityForRoles": []}
"""Beta adds ``anonymizeIdentityForRoles``, absent from the v1.0 schema."""

ORGANIZER = {
    "identity": {"user": {"id": ME, "displayName": None, "tenantId": "0e1a7e00-0000-4000-8000-00000000e3a7"}},
    "upn": None,
    "role": "presenter",
}


def instant(text: str) -> datetime:
    """A written-back time, which must be UTC with seven fractional digits (to the microsecond)."""
    assert UTC7.match(text), text
    return datetime.strptime(text[:19], "%Y-%m-%dT%H:%M:%S").replace(tzinfo=timezone.utc) + timedelta(
        microseconds=int(text[20:26])
    )


def context_of(emu: Emulator, version: str = "v1.0", user: str = ME) -> str:
    return f"{emu.url}/{version}/$metadata#users('{user}')/onlineMeetings/$entity"


def created(graph: Graph, external_id: str = "ext-1", **body: Any) -> dict[str, Any]:
    """createOrGet a new meeting of ``me``; its entity (without the context)."""
    response = graph.create_or_get({"externalId": external_id, **body})
    assert response.status_code == 201, response.text
    return {key: value for key, value in response.json().items() if key != "@odata.context"}


def path_of(meeting_id: str, owner: str = "me") -> str:
    return f"{owner}/onlineMeetings/{meeting_id}"


def in_v1(stored: dict[str, Any]) -> dict[str, Any]:
    """A stored meeting as v1.0 shows it: without the beta-only properties the store also keeps."""
    return {key: value for key, value in stored.items() if key != "anonymizeIdentityForRoles"}


def in_version(meeting: dict[str, Any], version: str) -> dict[str, Any]:
    """A v1.0 answer as ``version`` shows the same meeting (beta adds ``anonymizeIdentityForRoles``)."""
    return {**meeting, "anonymizeIdentityForRoles": []} if version == "beta" else meeting


# -- createOrGet --------------------------------------------------------------------------


def test_create_or_get_creates_a_meeting_with_201_in_graphs_shape(graph: Graph, emulator: Emulator):
    response = graph.create_or_get(DOCS_CREATE)
    assert response.status_code == 201
    assert response.headers["Content-Type"] == GRAPH_JSON
    assert "ETag" not in response.headers
    body = response.json()
    assert body["@odata.context"] == context_of(emulator)
    assert list(body)[:2] == ["@odata.context", "id"]
    assert body == {
        "@odata.context": context_of(emulator),
        "id": body["id"],
        **DEFAULTS,
        "chatInfo": {"threadId": body["chatInfo"]["threadId"], "messageId": "0", "replyChainMessageId": None},
        "creationDateTime": body["creationDateTime"],
        "startDateTime": "2020-02-06T01:49:21.3524945Z",
        "endDateTime": "2020-02-06T02:19:21.3524945Z",
        "externalId": DOCS_CREATE["externalId"],
        "joinMeetingIdSettings": {
            "isPasscodeRequired": False,
            "joinMeetingId": body["joinMeetingIdSettings"]["joinMeetingId"],
            "passcode": None,
        },
        "joinWebUrl": body["joinWebUrl"],
        "participants": {
            "organizer": ORGANIZER,
            "attendees": [
                {
                    "identity": {"user": {"id": "1f35f2e6-9cab-44ad-8d5a-b74c14720000"}},
                    "upn": "test1@contoso.com",
                    "role": "attendee",
                }
            ],
        },
        "subject": "Create a meeting with customId provided",
    }
    assert re.fullmatch(r"19:meeting_[A-Za-z0-9]+@thread\.v2", body["chatInfo"]["threadId"])
    assert re.fullmatch(r"[0-9]{12}", body["joinMeetingIdSettings"]["joinMeetingId"])
    assert body["joinWebUrl"].startswith("https://teams.microsoft.com/l/meetup-join/19%3Ameeting_")
    assert instant(body["creationDateTime"]) <= datetime.now(timezone.utc)
    assert in_v1(emulator.meeting(path_of(body["id"]))) == {k: v for k, v in body.items() if k != "@odata.context"}


def test_the_id_is_base64_of_graphs_text_and_never_holds_a_slash_or_a_plus(graph: Graph, emulator: Emulator):
    meeting = created(graph)
    text = base64.b64decode(meeting["id"], validate=True).decode("ascii")
    assert text == f"1*{ME}*0**{meeting['chatInfo']['threadId']}"
    ids = [emulator.seed_meeting(owner, externalId=f"e{index}")
           for index in range(100) for owner in ("me", "users/Someone.Else@Contoso.com")]
    assert len(set(ids)) == len(ids)
    assert not any("/" in id_ or "+" in id_ for id_ in ids)
    assert graph.meeting("GET", path_of(meeting["id"])).status_code == 200  # usable as a path segment as is


def test_create_or_get_returns_the_existing_meeting_unchanged_with_200(graph: Graph, emulator: Emulator):
    first = created(graph, "same", subject="first")
    later = {"externalId": "same", "subject": "second", "startDateTime": "2030-01-01T00:00:00Z",
             "participants": {"attendees": [{"upn": "x@contoso.com"}]}}
    response = graph.create_or_get(later)
    assert response.status_code == 200
    assert {k: v for k, v in response.json().items() if k != "@odata.context"} == first
    assert in_v1(emulator.meeting(path_of(first["id"]))) == first
    assert len(emulator.meetings()) == 1


def test_create_or_get_finds_a_meeting_by_user_and_external_id(graph: Graph, emulator: Emulator):
    mine = created(graph, "shared")
    theirs = graph.create_or_get({"externalId": "shared"}, owner=f"users/{OTHER}")
    assert theirs.status_code == 201
    assert theirs.json()["id"] != mine["id"]
    assert theirs.json()["@odata.context"] == context_of(emulator, user=OTHER)
    again = graph.create_or_get({"externalId": "shared"}, owner=f"users/{ME.upper()}", version="beta")
    assert (again.status_code, again.json()["id"]) == (200, mine["id"])
    assert again.json()["@odata.context"] == context_of(emulator, "beta")
    assert sorted(emulator.meetings()) == sorted([f"users/{ME}/onlineMeetings/{mine['id']}",
                                                  f"users/{OTHER}/onlineMeetings/{theirs.json()['id']}"])


def test_create_or_get_defaults_start_to_now_and_end_to_an_hour_later(graph: Graph):
    before = datetime.now(timezone.utc) - timedelta(seconds=1)
    meeting = created(graph, "no-times")
    start, end = instant(meeting["startDateTime"]), instant(meeting["endDateTime"])
    assert before <= start <= datetime.now(timezone.utc)
    assert end - start == timedelta(hours=1)
    start_only = created(graph, "start-only", startDateTime="2026-12-01T09:00:00.5Z")
    assert (start_only["startDateTime"], start_only["endDateTime"]) == (
        "2026-12-01T09:00:00.5000000Z", "2026-12-01T10:00:00.5000000Z")


@pytest.mark.parametrize(
    "sent, written",
    [
        ("2026-12-01T09:00:00Z", "2026-12-01T09:00:00.0000000Z"),
        ("2020-09-09T14:33:30.8546353-07:00", "2020-09-09T21:33:30.8546353Z"),  # the update reference's example
        ("2026-12-01T10:00:00.123456789+01:00", "2026-12-01T09:00:00.1234567Z"),  # past 7 digits: dropped
        ("2026-12-01T09:00:00", "2026-12-01T09:00:00.0000000Z"),  # no offset: UTC
        ("2026-12-31T23:30:00-01:00", "2027-01-01T00:30:00.0000000Z"),
    ],
)
def test_times_are_written_back_in_utc_with_seven_fractional_digits(graph: Graph, sent, written):
    meeting = created(graph, startDateTime=sent)
    assert meeting["startDateTime"] == written
    instant(meeting["creationDateTime"])


@pytest.mark.parametrize(
    "times, named",
    [
        ({"endDateTime": "2026-12-01T09:00:00Z"}, "without 'startDateTime'"),
        ({"startDateTime": "2026-12-01T09:00:00Z", "endDateTime": "2026-12-01T08:59:59.9999999Z"}, "earlier"),
        ({"startDateTime": "tomorrow"}, "'startDateTime'"),
        ({"startDateTime": "2026-12-01T09:00:00Z", "endDateTime": "2026-13-01T09:00:00Z"}, "'endDateTime'"),
        ({"startDateTime": 1764579600}, "'startDateTime'"),
    ],
)
def test_create_or_get_refuses_impossible_times_with_400(graph: Graph, emulator: Emulator, times, named):
    response = graph.create_or_get({"externalId": "x", **times})
    assert response.status_code == 400
    error = error_of(response)
    assert error["code"] == "BadRequest" and named in error["message"]
    assert emulator.meetings() == {}


def test_create_or_get_accepts_an_end_equal_to_the_start(graph: Graph):
    meeting = created(graph, startDateTime="2026-12-01T09:00:00Z", endDateTime="2026-12-01T10:00:00+01:00")
    assert meeting["startDateTime"] == meeting["endDateTime"] == "2026-12-01T09:00:00.0000000Z"


@pytest.mark.parametrize("body", [{}, {"externalId": None}, {"externalId": ""}, {"externalId": "  "},
                                  {"externalId": 5}, {"subject": "no id"}], ids=repr)
def test_create_or_get_needs_a_non_empty_external_id(graph: Graph, emulator: Emulator, body):
    response = graph.create_or_get(body)
    assert response.status_code == 400
    assert "'externalId'" in error_of(response)["message"]
    assert emulator.meetings() == {}


@pytest.mark.parametrize("key", ["lobbyBypassSettings", "joinMeetingIdSettings", "allowRecording", "id", "bogus"])
def test_create_or_get_refuses_any_other_key_naming_it(graph: Graph, emulator: Emulator, key):
    response = graph.create_or_get({"externalId": "x", key: {"isPasscodeRequired": True}})
    assert response.status_code == 400
    assert f"'{key}'" in error_of(response)["message"]
    assert emulator.meetings() == {}


def test_create_or_get_ignores_annotations(graph: Graph):
    meeting = created(graph, **{"@odata.type": "#microsoft.graph.onlineMeeting", "subject": "s"})
    assert meeting["subject"] == "s"


def test_create_or_get_checks_the_body_even_when_the_meeting_exists(graph: Graph):
    created(graph, "exists")
    response = graph.create_or_get({"externalId": "exists", "allowRecording": False})
    assert response.status_code == 400
    assert "'allowRecording'" in error_of(response)["message"]


def test_create_or_get_needs_a_json_object(graph: Graph, emulator: Emulator):
    path = "me/onlineMeetings/createOrGet"
    response = graph.meeting("POST", path, data=b'{"externalId": "x"}', headers={"Content-Type": "text/plain"})
    assert (response.status_code, error_of(response)["code"]) == (415, "UnsupportedMediaType")
    assert error_of(graph.meeting("POST", path))["code"] == "BadRequest"
    response = graph.meeting("POST", path, data=b"[]", headers={"Content-Type": "application/json"})
    assert response.status_code == 400
    assert emulator.meetings() == {}


def test_create_or_get_takes_chat_info_and_ignores_an_organizer_sent(graph: Graph):
    someone = {"identity": {"user": {"id": OTHER}}, "upn": "other@contoso.com"}
    meeting = created(graph, chatInfo={"threadId": "19:abc@thread.tacv2", "@odata.type": "#microsoft.graph.chatInfo"},
                      participants={"organizer": someone})
    assert meeting["chatInfo"] == {"threadId": "19:abc@thread.tacv2", "messageId": "0", "replyChainMessageId": None}
    assert meeting["participants"] == {"organizer": ORGANIZER, "attendees": []}


@pytest.mark.parametrize(
    "participants, named",
    [
        ({"attendees": [{"role": "attendee"}]}, "'participants.attendees[0]'"),
        ({"attendees": [{"upn": "a@contoso.com", "role": "boss"}]}, "attendee, presenter, producer, coorganizer"),
        ({"attendees": [{"upn": 5}]}, "'participants.attendees[0].upn'"),
        ({"attendees": {"upn": "a@contoso.com"}}, "'participants.attendees'"),
        ({"producers": []}, "'participants.producers'"),
        ({"attendees": [{"identity": {"user": {"id": 7}}}]}, "'participants.attendees[0].identity.user.id'"),
    ],
)
def test_attendees_are_type_checked(graph: Graph, participants, named):
    response = graph.create_or_get({"externalId": "x", "participants": participants})
    assert response.status_code == 400
    assert named in error_of(response)["message"]


# -- GET ----------------------------------------------------------------------------------


@pytest.mark.parametrize("version", ["v1.0", "beta"])
@pytest.mark.parametrize("owner", ["me", f"users/{ME}", f"users/{ME.upper()}"])
def test_get_returns_the_meeting_under_both_versions_and_owners(graph: Graph, emulator: Emulator, version, owner):
    meeting = created(graph)
    response = graph.meeting("GET", path_of(meeting["id"], owner), version=version)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == GRAPH_JSON
    assert response.json() == {"@odata.context": context_of(emulator, version), **in_version(meeting, version)}
    assert "ETag" not in response.headers


def test_get_of_a_missing_meeting_is_404_item_not_found(graph: Graph):
    meeting = created(graph)
    for path in ("me/onlineMeetings/nope", path_of(meeting["id"], f"users/{OTHER}")):
        response = graph.meeting("GET", path)
        assert response.status_code == 404
        error = error_of(response)
        assert error["code"] == "itemNotFound" and "does not exist" in error["message"]


def find_by_join_url(graph: Graph, url: str, owner: str = "me", version: str = "v1.0", **kwargs: Any):
    """``GET {owner}/onlineMeetings?$filter=JoinWebUrl eq '{url}'``, the URL encoded as the docs ask."""
    expression = "JoinWebUrl eq '" + url.replace("'", "''") + "'"
    return graph.meeting("GET", f"{owner}/onlineMeetings?$filter={quote(expression, safe='')}", version=version,
                         **kwargs)


@pytest.mark.parametrize("version", ["v1.0", "beta"])
@pytest.mark.parametrize("owner", ["me", f"users/{ME}", f"users/{ME.upper()}"])
def test_a_meeting_is_found_by_its_join_url_as_a_collection_of_one(graph: Graph, emulator: Emulator, version, owner):
    meeting = created(graph)
    created(graph, "ext-2")
    response = find_by_join_url(graph, meeting["joinWebUrl"], owner, version)
    assert response.status_code == 200
    assert response.json() == {"@odata.context": f"{emulator.url}/{version}/$metadata#users('{ME}')/onlineMeetings",
                               "value": [in_version(meeting, version)]}
    assert "ETag" not in response.headers
    assert emulator.requests()[-1]["query"] == {"$filter": f"JoinWebUrl eq '{meeting['joinWebUrl']}'"}


def test_the_join_url_may_be_given_percent_decoded_or_with_any_case_of_the_property(graph: Graph):
    """The docs: the URL's format "might differ" without affecting the lookup; their SDK examples
    send it decoded, and spell the property JoinWebUrl where the schema says joinWebUrl."""
    meeting = created(graph)
    decoded = unquote(meeting["joinWebUrl"])
    assert decoded != meeting["joinWebUrl"]
    assert find_by_join_url(graph, decoded).json()["value"] == [meeting]
    response = graph.meeting("GET", "me/onlineMeetings", params={"$filter": f"joinWebUrl  EQ  '{decoded}'"})
    assert response.json()["value"] == [meeting]


def test_no_meeting_of_that_user_with_that_join_url_is_an_empty_collection(graph: Graph, emulator: Emulator):
    meeting = created(graph)
    other = emulator.seed_meeting(f"users/{OTHER}", externalId="theirs")
    theirs = emulator.meeting(f"users/{OTHER}/onlineMeetings/{other}")["joinWebUrl"]
    for owner, url in (("me", theirs), (f"users/{OTHER}", meeting["joinWebUrl"]), ("me", "https://teams/x'y")):
        response = find_by_join_url(graph, url, owner)
        assert response.status_code == 200
        assert response.json()["value"] == []


def test_a_quote_in_the_join_url_is_doubled_in_the_filter(graph: Graph, emulator: Emulator):
    meeting_id = emulator.seed_meeting("me", externalId="quoted")
    emulator.edit_meeting(f"me/onlineMeetings/{meeting_id}", {"joinWebUrl": "https://teams/l/it's?a=1&b=%27"})
    assert [m["id"] for m in find_by_join_url(graph, "https://teams/l/it's?a=1&b=%27").json()["value"]] == [meeting_id]


@pytest.mark.parametrize("query", ["", "?$filter=subject eq 'x'", "?$filter=JoinWebUrl eq 'unterminated",
                                   "?$filter=JoinWebUrl eq 'a' or subject eq 'b'", "?$top=1"])
def test_the_collection_needs_the_join_url_filter_and_refuses_any_other_with_400(graph: Graph, query):
    created(graph)
    response = graph.meeting("GET", f"me/onlineMeetings{query}")
    assert response.status_code == 400
    assert error_of(response)["code"] == "BadRequest"
    assert "JoinWebUrl eq" in error_of(response)["message"]


def test_the_filter_given_twice_is_400_naming_it(graph: Graph):
    meeting = created(graph)
    expression = quote(f"JoinWebUrl eq '{meeting['joinWebUrl']}'", safe="")
    response = graph.meeting("GET", f"me/onlineMeetings?$filter={expression}&$filter={expression}")
    assert response.status_code == 400
    error = error_of(response)
    assert (error["code"], error["message"]) == (
        "BadRequest", "$filter is given 2 times: the emulator reads one, JoinWebUrl eq '{joinWebUrl}'.")


def test_every_meeting_of_the_owner_with_that_join_url_is_in_the_collection(graph: Graph, emulator: Emulator):
    """Graph's docs promise one; a filter answers every match, and a client must not take the first."""
    first, second = created(graph), created(graph, "ext-2")
    emulator.edit_meeting(f"me/onlineMeetings/{second['id']}", {"joinWebUrl": first["joinWebUrl"]})
    found = find_by_join_url(graph, first["joinWebUrl"]).json()["value"]
    assert sorted(m["id"] for m in found) == sorted([first["id"], second["id"]])


def test_the_lookup_hides_evolvable_members_unless_the_client_prefers_them(graph: Graph, emulator: Emulator):
    meeting_id = emulator.seed_meeting("me", externalId="evolvable", lobbyBypassSettings={"scope": "invited"})
    url = emulator.meeting(f"me/onlineMeetings/{meeting_id}")["joinWebUrl"]
    assert find_by_join_url(graph, url).json()["value"][0]["lobbyBypassSettings"]["scope"] == "unknownFutureValue"
    shown = find_by_join_url(graph, url, headers=PREFER).json()["value"][0]
    assert shown["lobbyBypassSettings"]["scope"] == "invited"


# -- $select -------------------------------------------------------------------------------


def select_context(emu: Emulator, selected: str, version: str = "v1.0", entity: bool = True) -> str:
    return f"{emu.url}/{version}/$metadata#users('{ME}')/onlineMeetings({selected})" + ("/$entity" if entity else "")


@pytest.mark.parametrize("version", ["v1.0", "beta"])
def test_select_answers_only_the_selected_properties_and_the_id(graph: Graph, emulator: Emulator, version):
    meeting = created(graph, subject="s")
    response = graph.meeting("GET", path_of(meeting["id"]) + "?$select=subject,joinWebUrl", version=version)
    assert response.status_code == 200
    body = response.json()
    assert list(body) == ["@odata.context", "id", "subject", "joinWebUrl"]
    assert body == {"@odata.context": select_context(emulator, "subject,joinWebUrl", version),
                    "id": meeting["id"], "subject": "s", "joinWebUrl": meeting["joinWebUrl"]}
    assert emulator.requests()[-1]["query"] == {"$select": "subject,joinWebUrl"}


def test_select_reads_names_in_any_case_and_answers_the_schemas(graph: Graph, emulator: Emulator):
    meeting = created(graph)
    body = graph.meeting("GET", path_of(meeting["id"]), params={"$select": " ID , LobbyBypassSettings"}).json()
    assert body == {"@odata.context": select_context(emulator, "id,lobbyBypassSettings"), "id": meeting["id"],
                    "lobbyBypassSettings": meeting["lobbyBypassSettings"]}


def test_select_star_and_no_select_answer_everything(graph: Graph, emulator: Emulator):
    meeting = created(graph)
    full = graph.meeting("GET", path_of(meeting["id"])).json()
    assert graph.meeting("GET", path_of(meeting["id"]), params={"$select": "*"}).json() == full


def test_select_of_a_property_the_emulator_does_not_model_leaves_it_out(graph: Graph, emulator: Emulator):
    """videoTeleconferenceId is on the type; the emulator never has one, so it is never in an answer."""
    meeting = created(graph)
    body = graph.meeting("GET", path_of(meeting["id"]), params={"$select": "subject,videoTeleconferenceId"}).json()
    assert body == {"@odata.context": select_context(emulator, "subject,videoTeleconferenceId"),
                    "id": meeting["id"], "subject": None}


def test_select_keeps_evolvable_members_hidden_unless_the_client_prefers_them(graph: Graph, emulator: Emulator):
    meeting_id = emulator.seed_meeting("me", externalId="evolvable", lobbyBypassSettings={"scope": "invited"})
    path = path_of(meeting_id) + "?$select=lobbyBypassSettings"
    assert graph.meeting("GET", path).json()["lobbyBypassSettings"]["scope"] == "unknownFutureValue"
    assert graph.meeting("GET", path, headers=PREFER).json()["lobbyBypassSettings"]["scope"] == "invited"


@pytest.mark.parametrize("version", ["v1.0", "beta"])
def test_select_applies_to_the_lookup_by_join_url(graph: Graph, emulator: Emulator, version):
    meeting = created(graph, subject="s")
    expression = quote("JoinWebUrl eq '" + meeting["joinWebUrl"] + "'", safe="")
    response = graph.meeting("GET", f"me/onlineMeetings?$filter={expression}&$select=subject", version=version)
    assert response.status_code == 200
    assert response.json() == {"@odata.context": select_context(emulator, "subject", version, entity=False),
                               "value": [{"id": meeting["id"], "subject": "s"}]}


@pytest.mark.parametrize(
    "query, message",
    [
        ("$select=bogus", "Could not find a property named 'bogus' on type 'microsoft.graph.onlineMeeting'."),
        ("$select=subject,participants/organizer",
         "Could not find a property named 'participants/organizer' on type 'microsoft.graph.onlineMeeting'."),
        ("$select=anonymizeIdentityForRoles",
         "Could not find a property named 'anonymizeIdentityForRoles' on type 'microsoft.graph.onlineMeeting'."),
        ("$select=", "Invalid $select '': expected property names separated by commas."),
        ("$select=subject,,id", "Invalid $select 'subject,,id': expected property names separated by commas."),
        ("$select=subject&$select=id", "$select is given 2 times: the emulator reads one."),
    ],
)
def test_select_refuses_what_is_not_a_property_of_the_version_with_400(graph: Graph, query, message):
    meeting = created(graph)
    for path in (path_of(meeting["id"]), "me/onlineMeetings?$filter=" + quote(
            "JoinWebUrl eq '" + meeting["joinWebUrl"] + "'", safe="")):
        response = graph.meeting("GET", f"{path}{'&' if '?' in path else '?'}{query}")
        assert response.status_code == 400
        error = error_of(response)
        assert (error["code"], error["message"]) == ("BadRequest", message)


def test_select_in_beta_may_name_its_own_properties(graph: Graph, emulator: Emulator):
    meeting = created(graph)
    body = graph.meeting("GET", path_of(meeting["id"]) + "?$select=anonymizeIdentityForRoles", version="beta").json()
    assert body == {"@odata.context": select_context(emulator, "anonymizeIdentityForRoles", "beta"),
                    "id": meeting["id"], "anonymizeIdentityForRoles": []}


# -- PATCH --------------------------------------------------------------------------------


def test_patch_changes_what_is_sent_and_answers_200_with_the_meeting(graph: Graph, emulator: Emulator):
    meeting = created(graph, subject="before")
    body = {  # the update reference's example 1
        "startDateTime": "2020-09-09T14:33:30.8546353-07:00",
        "endDateTime": "2020-09-09T15:03:30.8566356-07:00",
        "subject": "Patch Meeting Subject",
        "meetingSpokenLanguageTag": "en-US",
    }
    response = graph.meeting("PATCH", path_of(meeting["id"]), json=body)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == GRAPH_JSON
    assert "ETag" not in response.headers
    expected = {**meeting, "subject": "Patch Meeting Subject", "meetingSpokenLanguageTag": "en-US",
                "startDateTime": "2020-09-09T21:33:30.8546353Z", "endDateTime": "2020-09-09T22:03:30.8566356Z"}
    assert response.json() == {"@odata.context": context_of(emulator), **expected}
    assert in_v1(emulator.meeting(path_of(meeting["id"]))) == expected


def test_patch_merges_complex_values_member_by_member(graph: Graph, emulator: Emulator):
    path = path_of(created(graph)["id"])
    graph.meeting("PATCH", path, json={"lobbyBypassSettings": {"scope": "everyone"}})
    response = graph.meeting("PATCH", path, json={"lobbyBypassSettings": {"isDialInBypassEnabled": True}})
    assert response.json()["lobbyBypassSettings"] == {"scope": "everyone", "isDialInBypassEnabled": True}
    graph.meeting("PATCH", path, json={"watermarkProtection": {"isEnabledForVideo": True},
                                       "sensitivityLabelAssignment": {"sensitivityLabelId": "c7f2d7a7"},
                                       "broadcastSettings": {"isRecordingEnabled": True}})
    stored = emulator.meeting(path)
    assert stored["watermarkProtection"] == {"isEnabledForContentSharing": False, "isEnabledForVideo": True}
    assert stored["sensitivityLabelAssignment"] == {"sensitivityLabelId": "c7f2d7a7"}
    assert stored["broadcastSettings"] == {
        "allowedAudience": "everyone", "captions": None, "isAttendeeReportEnabled": False,
        "isQuestionAndAnswerEnabled": False, "isRecordingEnabled": True, "isVideoOnDemandEnabled": False,
    }


def test_patch_replaces_every_other_value_whole(graph: Graph, emulator: Emulator):
    path = path_of(created(graph)["id"])
    graph.meeting("PATCH", path, json={"anonymizeIdentityForRoles": ["attendee"], "allowMeetingChat": "limited"},
                  version="beta")
    stored = emulator.meeting(path)
    assert (stored["anonymizeIdentityForRoles"], stored["allowMeetingChat"]) == (["attendee"], "limited")


def test_null_resets_a_property_or_a_member_to_its_default(graph: Graph, emulator: Emulator):
    path = path_of(created(graph, subject="s")["id"])
    changed = {"allowRecording": False, "allowedPresenters": "organizer", "subject": "x",
               "lobbyBypassSettings": {"scope": "everyone", "isDialInBypassEnabled": True},
               "watermarkProtection": {"isEnabledForVideo": True}, "meetingSpokenLanguageTag": "fr-FR",
               "sensitivityLabelAssignment": {"sensitivityLabelId": "l"}}
    assert graph.meeting("PATCH", path, json=changed).status_code == 200
    response = graph.meeting("PATCH", path, json={"lobbyBypassSettings": {"isDialInBypassEnabled": None}})
    assert response.json()["lobbyBypassSettings"] == {"scope": "everyone", "isDialInBypassEnabled": False}
    response = graph.meeting("PATCH", path, json=dict.fromkeys(changed))
    assert response.status_code == 200
    body = response.json()
    assert {key: body[key] for key in changed} == {**{k: DEFAULTS.get(k) for k in changed}, "subject": None}


def test_null_times_mean_what_leaving_them_out_of_create_or_get_means(graph: Graph):
    path = path_of(created(graph, startDateTime="2020-01-01T00:00:00Z")["id"])
    before = datetime.now(timezone.utc) - timedelta(seconds=1)
    body = graph.meeting("PATCH", path, json={"startDateTime": None, "endDateTime": None}).json()
    assert before <= instant(body["startDateTime"]) <= datetime.now(timezone.utc)
    assert instant(body["endDateTime"]) - instant(body["startDateTime"]) == timedelta(hours=1)
    body = graph.meeting("PATCH", path, json={"startDateTime": "2027-01-01T00:00:00Z", "endDateTime": None}).json()
    assert body["startDateTime"] == "2027-01-01T00:00:00.0000000Z"
    assert body["endDateTime"] == "2027-01-01T01:00:00.0000000Z"


@pytest.mark.parametrize(
    "key", ["joinWebUrl", "externalId", "id", "chatInfo", "joinMeetingIdSettings", "creationDateTime",
            "allowParticipantsToChangeName", "chatRestrictions", "meetingTemplateId", "audioConferencing", "bogus"]
)
def test_patch_refuses_properties_outside_the_update_table_naming_them(graph: Graph, emulator: Emulator, key):
    meeting = created(graph)
    response = graph.meeting("PATCH", path_of(meeting["id"]), json={"subject": "changed", key: "x"})
    assert response.status_code == 400
    error = error_of(response)
    assert error["code"] == "BadRequest" and f"'{key}'" in error["message"]
    assert in_v1(emulator.meeting(path_of(meeting["id"]))) == meeting


@pytest.mark.parametrize(
    "body, named",
    [
        ({"allowRecording": "yes"}, "'allowRecording': expected a boolean"),
        ({"allowedPresenters": "all"}, "'allowedPresenters'"),
        ({"allowedPresenters": "unknownFutureValue"}, "values: everyone, organization, roleIsPresenter, organizer"),
        ({"allowMeetingChat": "on"}, "allowed values: enabled, disabled, limited"),
        ({"allowLiveShare": True}, "allowed values: enabled, disabled"),
        ({"allowedLobbyAdmitters": "everyone"}, "organizerAndCoOrganizersAndPresenters, organizerAndCoOrganizers"),
        ({"lobbyBypassSettings": {"scope": "anyone"}}, "'lobbyBypassSettings.scope'"),
        ({"lobbyBypassSettings": {"scope": "anyone"}}, "organizationExcludingGuests"),
        ({"lobbyBypassSettings": {"bypass": True}}, "'lobbyBypassSettings.bypass'"),
        ({"lobbyBypassSettings": "everyone"}, "'lobbyBypassSettings': expected an object"),
        ({"watermarkProtection": "String"}, "'watermarkProtection'"),
        ({"subject": 5}, "'subject'"),
        ({"broadcastSettings": {"allowedAudience": "world"}}, "'broadcastSettings.allowedAudience'"),
        ({"startDateTime": "tomorrow", "endDateTime": "2026-12-01T09:00:00Z"}, "'startDateTime'"),
    ],
)
def test_patch_checks_types_and_enum_members(graph: Graph, emulator: Emulator, body, named):
    meeting = created(graph)
    response = graph.meeting("PATCH", path_of(meeting["id"]), json=body)
    assert response.status_code == 400
    assert named in error_of(response)["message"]
    assert in_v1(emulator.meeting(path_of(meeting["id"]))) == meeting


@pytest.mark.parametrize(
    "body, named",
    [
        ({"anonymizeIdentityForRoles": ["presenter"]}, "'anonymizeIdentityForRoles[0]'"),
        ({"anonymizeIdentityForRoles": "attendee"}, "'anonymizeIdentityForRoles': expected a collection"),
    ],
)
def test_beta_patch_checks_anonymize_identity_for_roles(graph: Graph, emulator: Emulator, body, named):
    meeting = created(graph)
    response = graph.meeting("PATCH", path_of(meeting["id"]), json=body, version="beta")
    assert response.status_code == 400
    assert named in error_of(response)["message"]
    assert in_v1(emulator.meeting(path_of(meeting["id"]))) == meeting


def test_anonymize_identity_for_roles_is_beta_only(graph: Graph, emulator: Emulator):
    """Absent from the v1.0 schema (docs/graph.md 1.1): v1.0 neither shows it nor accepts it."""
    meeting = created(graph)
    path = path_of(meeting["id"])
    assert "anonymizeIdentityForRoles" not in meeting
    assert "anonymizeIdentityForRoles" not in graph.meeting("GET", path).json()
    assert graph.meeting("GET", path, version="beta").json()["anonymizeIdentityForRoles"] == []
    response = graph.meeting("PATCH", path, json={"subject": "x", "anonymizeIdentityForRoles": ["attendee"]})
    assert response.status_code == 400
    error = error_of(response)
    assert (error["code"], error["message"]) == (
        "BadRequest",
        "Invalid request body: property 'anonymizeIdentityForRoles' does not exist on type "
        "'microsoft.graph.onlineMeeting'.",
    )
    assert in_v1(emulator.meeting(path)) == meeting
    beta = graph.meeting("PATCH", path, json={"anonymizeIdentityForRoles": ["attendee"]}, version="beta")
    assert (beta.status_code, beta.json()["anonymizeIdentityForRoles"]) == (200, ["attendee"])
    assert "anonymizeIdentityForRoles" not in graph.meeting("GET", path).json()
    assert "anonymizeIdentityForRoles" not in find_by_join_url(graph, meeting["joinWebUrl"]).json()["value"][0]
    assert find_by_join_url(graph, meeting["joinWebUrl"], version="beta").json()["value"][0][
        "anonymizeIdentityForRoles"] == ["attendee"]


@pytest.mark.parametrize(
    "times, named",
    [
        ({"startDateTime": "2026-12-01T09:00:00Z"}, "sent together"),
        ({"endDateTime": "2026-12-01T09:00:00Z"}, "sent together"),
        ({"startDateTime": None, "endDateTime": "2026-12-01T09:00:00Z"}, "without 'startDateTime'"),
        ({"startDateTime": "2026-12-01T09:00:00Z", "endDateTime": "2026-12-01T09:00:00Z"}, "later than"),
        ({"startDateTime": "2026-12-01T09:00:00Z", "endDateTime": "2026-12-01T08:00:00Z"}, "later than"),
    ],
)
def test_start_and_end_are_sent_together_and_the_end_is_later(graph: Graph, emulator: Emulator, times, named):
    meeting = created(graph)
    response = graph.meeting("PATCH", path_of(meeting["id"]), json=times)
    assert response.status_code == 400
    assert named in error_of(response)["message"]
    assert in_v1(emulator.meeting(path_of(meeting["id"]))) == meeting


def test_attendees_are_replaced_whole_and_the_organizer_cannot_change(graph: Graph, emulator: Emulator):
    path = path_of(created(graph)["id"])
    ann, bo = {"upn": "ann@contoso.com"}, {"identity": {"user": {"id": OTHER}}, "role": "presenter"}
    body = graph.meeting("PATCH", path, json={"participants": {"attendees": [ann, bo]}}).json()
    assert body["participants"] == {
        "organizer": ORGANIZER,
        "attendees": [{"identity": None, "upn": "ann@contoso.com", "role": "attendee"},
                      {"identity": {"user": {"id": OTHER}}, "upn": None, "role": "presenter"}],
    }
    body = graph.meeting("PATCH", path, json={"participants": {"attendees": [bo]}}).json()
    assert [attendee["identity"] for attendee in body["participants"]["attendees"]] == [{"user": {"id": OTHER}}]
    before = emulator.meeting(path)
    response = graph.meeting("PATCH", path, json={"participants": {"organizer": ORGANIZER, "attendees": []}})
    assert response.status_code == 400
    assert "'participants.organizer'" in error_of(response)["message"]
    assert emulator.meeting(path) == before
    assert graph.meeting("PATCH", path, json={"participants": None}).json()["participants"] == {
        "organizer": ORGANIZER, "attendees": []}


def test_role_is_presenter_needs_the_attendees_in_the_same_body(graph: Graph, emulator: Emulator):
    path = path_of(created(graph)["id"])
    response = graph.meeting("PATCH", path, json={"allowedPresenters": "roleIsPresenter"})
    assert response.status_code == 400
    assert "roleIsPresenter" in error_of(response)["message"]
    presenters = {"attendees": [{"upn": "ann@contoso.com", "role": "presenter"}]}
    response = graph.meeting("PATCH", path, json={"allowedPresenters": "roleIsPresenter", "participants": presenters})
    assert response.status_code == 200
    assert response.json()["allowedPresenters"] == "roleIsPresenter"


def test_attendee_once_anonymized_cannot_be_removed_by_patch(graph: Graph, emulator: Emulator):
    path = path_of(created(graph)["id"])
    assert graph.meeting("PATCH", path, json={"anonymizeIdentityForRoles": ["attendee"]},
                         version="beta").status_code == 200
    for value in ([], None):
        response = graph.meeting("PATCH", path, json={"anonymizeIdentityForRoles": value}, version="beta")
        assert response.status_code == 400
        assert "can't be removed" in error_of(response)["message"]
    assert emulator.meeting(path)["anonymizeIdentityForRoles"] == ["attendee"]


def test_patch_of_a_missing_meeting_is_404(graph: Graph):
    response = graph.meeting("PATCH", "me/onlineMeetings/nope", json={"subject": "x"})
    assert (response.status_code, error_of(response)["code"]) == (404, "itemNotFound")


def test_without_meeting_etags_no_etag_is_sent_and_if_match_is_ignored(graph: Graph, emulator: Emulator):
    assert emulator.meeting_etags is False
    path = path_of(created(graph)["id"])
    for header in ('W/"stale"', "not even quoted"):
        response = graph.meeting("PATCH", path, json={"subject": header}, headers={"If-Match": header})
        assert response.status_code == 200 and "ETag" not in response.headers
    assert "ETag" not in graph.meeting("GET", path).headers
    assert emulator.meeting_etag(path) is None
    assert list(emulator.meetings().values())[0]["etag"] is None
    assert graph.meeting("DELETE", path, headers={"If-Match": 'W/"stale"'}).status_code == 204


# -- evolvable enums ------------------------------------------------------------------------


def test_evolvable_members_read_unknown_future_value_unless_the_client_prefers_them(graph: Graph, emulator: Emulator):
    path = path_of(created(graph)["id"])
    body = {"lobbyBypassSettings": {"scope": "invited"},
            "participants": {"attendees": [{"upn": "a@contoso.com", "role": "coorganizer"},
                                           {"upn": "b@contoso.com", "role": "producer"},
                                           {"upn": "c@contoso.com", "role": "presenter"}]}}
    plain = graph.meeting("PATCH", path, json=body).json()  # sent without the header: accepted
    assert plain["lobbyBypassSettings"]["scope"] == "unknownFutureValue"
    assert [a["role"] for a in plain["participants"]["attendees"]] == ["unknownFutureValue"] * 2 + ["presenter"]
    assert plain["participants"]["organizer"]["role"] == "presenter"
    for prefer in ("include-unknown-enum-members", 'odata.maxpagesize=5, Include-Unknown-Enum-Members'):
        full = graph.meeting("GET", path, headers={"Prefer": prefer}).json()
        assert full["lobbyBypassSettings"]["scope"] == "invited"
        assert [a["role"] for a in full["participants"]["attendees"]] == ["coorganizer", "producer", "presenter"]
    assert graph.meeting("GET", path).json() == plain
    assert emulator.meeting(path)["lobbyBypassSettings"]["scope"] == "invited"
    again = graph.create_or_get({"externalId": "ext-1"}, headers=PREFER).json()
    assert again["lobbyBypassSettings"]["scope"] == "invited"
    organization = graph.meeting("PATCH", path, json={"lobbyBypassSettings": {"scope": "organizationExcludingGuests"}})
    assert organization.json()["lobbyBypassSettings"]["scope"] == "unknownFutureValue"


def test_evolvable_members_are_those_of_the_api_version(graph: Graph, emulator: Emulator):
    """v1.0 puts producer and coorganizer after unknownFutureValue; beta only coorganizer (learn
    meetingparticipantinfo?view=graph-rest-beta). lobbyBypassScope's are the same in both."""
    meeting = created(graph)
    path = path_of(meeting["id"])
    body = {"lobbyBypassSettings": {"scope": "invited"},
            "participants": {"attendees": [{"upn": "a@contoso.com", "role": "coorganizer"},
                                           {"upn": "b@contoso.com", "role": "producer"}]}}
    beta = graph.meeting("PATCH", path, json=body, version="beta").json()
    assert [a["role"] for a in beta["participants"]["attendees"]] == ["unknownFutureValue", "producer"]
    assert beta["lobbyBypassSettings"]["scope"] == "unknownFutureValue"
    v1 = graph.meeting("GET", path).json()
    assert [a["role"] for a in v1["participants"]["attendees"]] == ["unknownFutureValue", "unknownFutureValue"]
    found = find_by_join_url(graph, meeting["joinWebUrl"], version="beta").json()["value"][0]
    assert [a["role"] for a in found["participants"]["attendees"]] == ["unknownFutureValue", "producer"]
    shown = graph.meeting("GET", path, version="beta", headers=PREFER).json()
    assert [a["role"] for a in shown["participants"]["attendees"]] == ["coorganizer", "producer"]


# -- DELETE -------------------------------------------------------------------------------


def test_delete_is_204_and_the_appointment_goes_with_the_meeting(graph: Graph, emulator: Emulator):
    emulator.seed_meeting(MEETING_PATH, externalId="with-appointment")
    assert graph.put(json=DOCS_BODY).status_code == 201
    response = graph.meeting("DELETE")
    assert response.status_code == 204
    assert response.content == b""
    assert graph.meeting("GET").status_code == 404
    assert emulator.get(ME_PATH) is None and emulator.appointments() == {}
    assert "does not exist" in error_of(graph.get())["message"]


def test_delete_of_a_missing_meeting_is_404(graph: Graph):
    response = graph.meeting("DELETE", "me/onlineMeetings/nope")
    assert (response.status_code, error_of(response)["code"]) == (404, "itemNotFound")


def test_create_or_get_after_a_delete_makes_a_new_meeting(graph: Graph):
    first = created(graph, "again")
    assert graph.meeting("DELETE", path_of(first["id"])).status_code == 204
    second = created(graph, "again")
    assert second["id"] != first["id"]


# -- getVirtualAppointmentJoinWebUrl -----------------------------------------------------------


@pytest.mark.parametrize("version", ["v1.0", "beta"])
def test_the_virtual_appointment_join_url_is_stable_per_meeting(graph: Graph, emulator: Emulator, version):
    meeting = created(graph)
    path = path_of(meeting["id"]) + "/getVirtualAppointmentJoinWebUrl"
    response = graph.meeting("GET", path, version=version)
    assert response.status_code == 200
    assert "ETag" not in response.headers
    url = "https://visit.teams.microsoft.com/webrtc-svc/api/route?tid=0e1a7e00-0000-4000-8000-00000000e3a7&convId="
    body = response.json()
    assert set(body) == {"@odata.context", "value"}
    assert body["@odata.context"] == f"{emulator.url}/{version}/$metadata#Edm.String"
    assert body["value"].startswith(url + "19:meeting_") and body["value"].endswith("@thread.v2")
    graph.meeting("PATCH", path_of(meeting["id"]), json={"subject": "changed"})
    assert graph.meeting("GET", path.replace("me/", f"users/{ME}/"), version=version).json()["value"] == body["value"]
    assert body["value"] == join_url(ME, meeting["id"])  # also the appointment's default join URL
    other = graph.meeting("GET", path_of(created(graph, "other")["id"]) + "/getVirtualAppointmentJoinWebUrl")
    assert other.json()["value"] != body["value"]


def test_the_join_url_of_a_missing_meeting_is_404(graph: Graph):
    for function in ("getVirtualAppointmentJoinWebUrl", "getVirtualAppointmentJoinWebUrl()"):
        response = graph.meeting("GET", f"me/onlineMeetings/nope/{function}")
        assert (response.status_code, error_of(response)["code"]) == (404, "itemNotFound")


@pytest.mark.parametrize("version", ["v1.0", "beta"])
@pytest.mark.parametrize("owner", ["me", f"users/{ME}"])
def test_the_join_url_function_may_be_called_with_parentheses(graph: Graph, emulator: Emulator, version, owner):
    """OData calls a function as ``name()``; Graph accepts both, and msgraph-sdk sends the parentheses."""
    path = path_of(created(graph)["id"], owner) + "/getVirtualAppointmentJoinWebUrl"
    called = graph.meeting("GET", path + "()", version=version)
    assert called.status_code == 200
    assert called.json() == graph.meeting("GET", path, version=version).json()
    assert [entry["path"] for entry in emulator.requests()][-2] == f"/{version}/{path}()"


# -- methods --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "method, path, allowed",
    [
        ("GET", "me/onlineMeetings/createOrGet", "POST"),
        ("PATCH", f"users/{ME}/onlineMeetings/createOrGet", "POST"),
        ("PUT", MEETING_PATH, "DELETE, GET, HEAD, PATCH"),
        ("POST", MEETING_PATH, "DELETE, GET, HEAD, PATCH"),
        ("POST", f"{MEETING_PATH}/getVirtualAppointmentJoinWebUrl", "GET, HEAD"),
        ("DELETE", f"{MEETING_PATH}/getVirtualAppointmentJoinWebUrl", "GET, HEAD"),
        ("POST", f"{MEETING_PATH}/getVirtualAppointmentJoinWebUrl()", "GET, HEAD"),
        ("OPTIONS", MEETING_PATH, "DELETE, GET, HEAD, PATCH"),
        ("POST", "me/onlineMeetings", "GET, HEAD"),
        ("DELETE", f"users/{ME}/onlineMeetings", "GET, HEAD"),
    ],
)
def test_any_other_method_is_405_with_allow(graph: Graph, emulator: Emulator, method, path, allowed):
    emulator.seed_meeting(MEETING_PATH, externalId="x")
    response = graph.meeting(method, path, json={"externalId": "y"})
    assert response.status_code == 405
    assert response.headers["Allow"] == allowed
    assert error_of(response)["code"] == "BadRequest"
    assert list(emulator.meetings()) == [USER_MEETING_PATH]


# -- meeting ETags (the switch) ---------------------------------------------------------------


def test_with_meeting_etags_every_answer_carries_a_weak_etag_new_on_every_change(graph: Graph, emulator: Emulator):
    emulator.meeting_etags = True
    first = graph.create_or_get({"externalId": "tagged"})
    path = path_of(first.json()["id"])
    etags = [first.headers["ETag"]]
    assert graph.meeting("GET", path).headers["ETag"] == etags[0]
    assert graph.create_or_get({"externalId": "tagged"}).headers["ETag"] == etags[0]
    etags.append(graph.meeting("PATCH", path, json={"subject": "a"}).headers["ETag"])
    etags.append(graph.meeting("PATCH", path, json={"subject": "a"}).headers["ETag"])
    etags.append(emulator.edit_meeting(path, {"subject": "teams"}))
    assert all(WEAK_ETAG.match(etag) for etag in etags)
    assert len(set(etags)) == len(etags)
    assert graph.meeting("GET", path).headers["ETag"] == etags[-1] == emulator.meeting_etag(path)
    assert "ETag" not in graph.meeting("GET", path + "/getVirtualAppointmentJoinWebUrl").headers


@pytest.mark.parametrize("method", ["PATCH", "DELETE"])
def test_with_meeting_etags_a_stale_if_match_is_412_and_changes_nothing(graph: Graph, emulator: Emulator, method):
    emulator.meeting_etags = True
    path = path_of(created(graph)["id"])
    stale = emulator.meeting_etag(path)
    current = emulator.edit_meeting(path, {"subject": "teams"})
    before = emulator.meeting(path)
    response = graph.meeting(method, path, json={"subject": "mine"} if method == "PATCH" else None,
                             headers={"If-Match": stale})
    assert response.status_code == 412
    error = error_of(response)
    assert (error["code"], error["innerError"]["code"]) == ("PreconditionFailed", "entityTagDoesNotMatch")
    assert emulator.meeting(path) == before
    assert emulator.meeting_etag(path) == current


@pytest.mark.parametrize("spelling", ["exact", "strong", "star", "list"])
def test_with_meeting_etags_a_matching_if_match_succeeds(graph: Graph, emulator: Emulator, spelling):
    emulator.meeting_etags = True
    path = path_of(created(graph)["id"])
    etag = emulator.meeting_etag(path)
    header = {"exact": etag, "strong": etag[2:], "star": "*", "list": f'W/"other", {etag}'}[spelling]
    response = graph.meeting("PATCH", path, json={"subject": "x"}, headers={"If-Match": header})
    assert response.status_code == 200
    assert graph.meeting("DELETE", path, headers={"If-Match": response.headers["ETag"]}).status_code == 204


def test_with_meeting_etags_a_malformed_if_match_is_400_and_a_missing_meeting_404(graph: Graph, emulator: Emulator):
    emulator.meeting_etags = True
    path = path_of(created(graph)["id"])
    response = graph.meeting("PATCH", path, json={"subject": "x"}, headers={"If-Match": "abc"})
    assert (response.status_code, error_of(response)["innerError"]["code"]) == (400, "malformedEntityTag")
    response = graph.meeting("DELETE", "me/onlineMeetings/nope", headers={"If-Match": 'W/"x"'})
    assert response.status_code == 404


def test_meeting_etags_switch_from_the_constructor_and_the_admin_api(graph: Graph, emulator: Emulator):
    path = path_of(created(graph)["id"])
    settings = graph.admin("PATCH", "settings", json={"meetingEtags": True})
    assert settings.json()["meetingEtags"] is True and emulator.meeting_etags is True
    etag = graph.meeting("GET", path).headers["ETag"]  # kept all along: shown at once
    assert emulator.meetings()[f"users/{ME}/onlineMeetings/{path.split('/')[-1]}"]["etag"] == etag
    emulator.meeting_etags = False
    assert graph.admin("GET", "settings").json()["meetingEtags"] is False
    assert "ETag" not in graph.meeting("GET", path).headers
    with Emulator(meeting_etags=True) as emu:
        assert emu.meeting_etags is True and emu.implicit_meetings is False
        assert WEAK_ETAG.match(emu.edit_meeting(path_of(emu.seed_meeting("me", externalId="x")), {"subject": "s"}))


# -- the appointment lives under its meeting -------------------------------------------------


@pytest.mark.parametrize("method", ["GET", "PUT", "PATCH", "DELETE"])
def test_an_appointment_without_its_meeting_is_404_saying_the_meeting_does_not_exist(graph: Graph, emulator: Emulator,
                                                                                     method):
    emulator.seed(ME_PATH, {"externalAppointmentId": "orphan"})  # out of band: no meeting needed
    response = graph.request(method, json={"externalAppointmentId": "x"} if method in ("PUT", "PATCH") else None,
                             headers={"If-Match": "*"} if method != "GET" else None)
    assert response.status_code == 404
    error = error_of(response)
    assert error["code"] == "itemNotFound"
    assert error["message"] == f"The online meeting '{MEETING}' of user '{ME}' does not exist."
    assert emulator.get(ME_PATH)["externalAppointmentId"] == "orphan"


def test_an_appointment_under_an_existing_meeting_is_served(graph: Graph, emulator: Emulator):
    emulator.seed_meeting(MEETING_PATH, externalId="m")
    assert graph.get().status_code == 404 and error_of(graph.get())["message"].startswith("No virtualAppointment")
    assert graph.put(json=DOCS_BODY).status_code == 201
    assert graph.patch(json={"externalAppointmentId": "x"}).status_code == 204
    assert graph.get(f"users/{ME.upper()}/onlineMeetings/{MEETING}/virtualAppointment").status_code == 200
    assert graph.delete().status_code == 204
    assert emulator.meeting(MEETING_PATH) is not None  # deleting the appointment keeps the meeting


def test_another_users_meeting_does_not_hold_my_appointment(graph: Graph, emulator: Emulator):
    emulator.seed_meeting(f"users/{OTHER}/onlineMeetings/{MEETING}", externalId="theirs")
    assert graph.put(json={}).status_code == 404
    assert graph.put(f"users/{OTHER}/onlineMeetings/{MEETING}/virtualAppointment", json={}).status_code == 201


def test_implicit_meetings_lets_any_meeting_id_hold_an_appointment(graph: Graph, emulator: Emulator):
    assert graph.admin("GET", "settings").json()["implicitMeetings"] is False
    emulator.implicit_meetings = True
    assert graph.put(json={"externalAppointmentId": "alone"}).status_code == 201
    assert graph.meeting("GET").status_code == 404  # the meeting routes still see real meetings only
    assert graph.admin("PATCH", "settings", json={"implicitMeetings": False}).json()["implicitMeetings"] is False
    assert emulator.implicit_meetings is False
    assert "does not exist" in error_of(graph.get())["message"]
    with Emulator(implicit_meetings=True) as emu:
        client = Graph(emu)
        assert client.put(json={}).status_code == 201
        client.close()


def test_meeting_ids_are_percent_decoded_path_segments(graph: Graph, emulator: Emulator):
    assert emulator.seed_meeting("me/onlineMeetings/a%2Fb%3D%3D", externalId="slash") == "a/b=="
    assert graph.put("me/onlineMeetings/a%2Fb==/virtualAppointment", json={}).status_code == 201
    assert graph.meeting("GET", "me/onlineMeetings/a%2Fb%3D%3D").json()["id"] == "a/b=="
    assert list(emulator.meetings()) == [f"users/{ME}/onlineMeetings/a%2Fb=="]
    response = graph.meeting("GET", "me/onlineMeetings/%FF")
    assert response.status_code == 400 and "not valid UTF-8" in error_of(response)["message"]


# -- user segments ---------------------------------------------------------------------------


INVALID_USERS = ["me-token-to-replace", "u-42", "11111111-1111-1111-1111-11111111111", "ada", "ada@contoso",
                 "@contoso.com", "ada@", "a b@contoso.com", "ada@@contoso.com", "a%2Fb@contoso.com"]
"""Neither an object id (a GUID) nor a UPN; ``me-token-to-replace`` is msgraph-sdk's placeholder for
``/me`` when its URL rewrite is missing."""


@pytest.mark.parametrize("user", INVALID_USERS)
@pytest.mark.parametrize(
    "method, tail, body",
    [
        ("POST", "onlineMeetings/createOrGet", {"externalId": "x"}),
        ("GET", f"onlineMeetings/{MEETING}", None),
        ("PATCH", f"onlineMeetings/{MEETING}", {"subject": "x"}),
        ("DELETE", f"onlineMeetings/{MEETING}", None),
        ("GET", f"onlineMeetings/{MEETING}/getVirtualAppointmentJoinWebUrl()", None),
        ("GET", "onlineMeetings?$filter=JoinWebUrl%20eq%20'x'", None),
    ],
    ids=["createOrGet", "get", "patch", "delete", "joinUrl", "lookup"],
)
def test_a_user_segment_that_is_neither_a_guid_nor_a_upn_is_an_invalid_user(graph: Graph, emulator: Emulator,
                                                                            user, method, tail, body):
    """It used to be served as a user, so a client with a broken ``/me`` rewrite passed here and failed on Graph."""
    emulator.seed_meeting(MEETING_PATH, externalId="mine")
    before = emulator.meetings()
    response = graph.meeting(method, f"users/{user}/{tail}", json=body)
    assert response.status_code == 404
    error = error_of(response)
    assert (error["code"], error["message"]) == (
        "ErrorInvalidUser", f"The requested user '{unquote(user)}' is invalid.")
    assert emulator.meetings() == before
    assert [(e["method"], e["status"]) for e in emulator.requests()] == [(method, 404)]


@pytest.mark.parametrize("user", [ME.upper(), "AdeleV@contoso.com", "AdeleV%40Contoso.com",
                                  "alice_fabrikam.com#EXT#@contoso.onmicrosoft.com"])
def test_object_ids_and_upns_are_users(graph: Graph, emulator: Emulator, user):
    response = graph.create_or_get({"externalId": "x"}, owner=f"users/{quote(unquote(user), safe='@')}")
    assert response.status_code == 201


def test_an_appointment_under_an_invalid_user_is_404_too(graph: Graph, emulator: Emulator):
    response = graph.get(f"users/u-42/onlineMeetings/{MEETING}/virtualAppointment")
    assert (response.status_code, error_of(response)["code"]) == (404, "ErrorInvalidUser")


def test_implicit_meetings_assume_the_meeting_not_the_user(graph: Graph, emulator: Emulator):
    """A test of the appointment alone assumes its meeting; a user segment Graph would refuse stays refused."""
    emulator.implicit_meetings = True
    good = f"users/0b5a3c2d-4e6f-4a1b-9c8d-7e6f5a4b3c2d/onlineMeetings/{MEETING}/virtualAppointment"
    assert graph.put(good, json={"externalAppointmentId": "alone"}).status_code == 201
    assert graph.get(good).json()["externalAppointmentId"] == "alone"
    for path in (f"users/u-42/onlineMeetings/{MEETING}/virtualAppointment", f"users/u-42/onlineMeetings/{MEETING}"):
        response = graph.get(path) if path.endswith("virtualAppointment") else graph.meeting("GET", path)
        assert (response.status_code, error_of(response)["code"]) == (404, "ErrorInvalidUser")


# -- the shared plumbing ------------------------------------------------------------------------


def test_meeting_routes_need_a_bearer_token(graph: Graph, emulator: Emulator):
    response = graph.create_or_get({"externalId": "x"}, headers={"Authorization": None})
    assert (response.status_code, error_of(response)["code"]) == (401, "InvalidAuthenticationToken")
    assert emulator.meetings() == {}


def test_scripted_faults_and_the_request_log_cover_meeting_routes(graph: Graph, emulator: Emulator):
    emulator.inject({"status": 429, "retryAfter": "0.01"})
    throttled = graph.create_or_get({"externalId": "x"}, headers={"client-request-id": "c-1"})
    assert (throttled.status_code, throttled.headers["Retry-After"]) == (429, "0.01")
    assert emulator.meetings() == {}
    meeting_id = graph.create_or_get({"externalId": "x"}).json()["id"]
    graph.meeting("PATCH", path_of(meeting_id), json={"subject": "s"}, headers={"Prefer": PREFER["Prefer"]})
    log = emulator.requests()
    assert [(e["method"], e["path"], e["status"], e["fault"]) for e in log] == [
        ("POST", "/v1.0/me/onlineMeetings/createOrGet", 429, "status"),
        ("POST", "/v1.0/me/onlineMeetings/createOrGet", 201, None),
        ("PATCH", f"/v1.0/me/onlineMeetings/{meeting_id}", 200, None),
    ]
    assert log[0]["body"] == {"externalId": "x"} and log[0]["headers"]["authorization"] == "Bearer <redacted>"
    assert log[2]["headers"]["prefer"] == "include-unknown-enum-members"


def test_a_lost_create_or_get_response_is_safe_to_retry(graph: Graph, emulator: Emulator):
    emulator.inject({"lostResponse": True})
    with pytest.raises(requests.ConnectionError):
        graph.create_or_get({"externalId": "retry-me"})
    (path, record), = emulator.meetings().items()
    retried = graph.create_or_get({"externalId": "retry-me"})
    assert (retried.status_code, retried.json()["id"]) == (200, record["entity"]["id"])


def test_random_faults_apply_to_meeting_routes(graph: Graph, emulator: Emulator):
    emulator.set_fault_rates(rate503=1)
    assert graph.meeting("GET", f"{MEETING_PATH}/getVirtualAppointmentJoinWebUrl").status_code == 503
    emulator.set_fault_rates(rate_drop=1)
    with pytest.raises(requests.ConnectionError):
        graph.create_or_get({"externalId": "dropped"})
    assert emulator.meetings() == {}


def test_host_and_origin_checks_guard_meeting_routes(graph: Graph, emulator: Emulator):
    port = emulator.url.rsplit(":", 1)[1]
    assert graph.create_or_get({"externalId": "x"}, headers={"Host": f"evil.example:{port}"}).status_code == 403
    assert graph.create_or_get({"externalId": "x"}, headers={"Origin": "http://evil.example"}).status_code == 403
    assert emulator.meetings() == {} and emulator.requests() == []


@pytest.mark.parametrize("method, path", [("POST", "me/onlineMeetings/createOrGet"), ("PATCH", MEETING_PATH)])
def test_oversized_and_deeply_nested_bodies_are_refused_on_meeting_routes(graph: Graph, emulator: Emulator,
                                                                          method, path):
    emulator.seed_meeting(MEETING_PATH, externalId="x")
    before = emulator.meetings()
    headers = {"Content-Type": "application/json"}
    big = graph.meeting(method, path, data=b'{"externalId": "' + b"x" * (1024 * 1024) + b'"}', headers=headers)
    assert (big.status_code, error_of(big)["code"]) == (413, "RequestEntityTooLarge")
    deep = graph.meeting(method, path, data=b"[" * 100 + b"]" * 100, headers=headers)
    assert deep.status_code == 400 and "nested deeper than 64 levels" in error_of(deep)["message"]
    assert emulator.meetings() == before


@pytest.mark.parametrize("method, path", [("POST", "me/onlineMeetings/createOrGet"), ("PATCH", MEETING_PATH)])
@pytest.mark.parametrize("body", [b'{"externalId": "x", "subject": "bad \\ud800 subject"}',
                                  b'{"externalId": "x", "\\udfff": 1}'], ids=["in-a-value", "in-a-key"])
def test_a_lone_surrogate_is_a_400_not_a_meeting_that_breaks_every_later_answer(graph: Graph, emulator: Emulator,
                                                                                 method, path, body):
    """JSON may escape half a surrogate pair (``\\ud800``), which is not text: stored, it made every
    later answer about the meeting (and the admin list) fail to encode."""
    emulator.seed_meeting(MEETING_PATH, externalId="x")
    before = emulator.meetings()
    refused = graph.meeting(method, path, data=body, headers={"Content-Type": "application/json"})
    assert (refused.status_code, error_of(refused)["code"]) == (400, "BadRequest")
    assert "lone surrogate" in error_of(refused)["message"]
    assert emulator.meetings() == before
    assert graph.admin("GET", "meetings").status_code == 200


def test_reset_forgets_meetings_too(graph: Graph, emulator: Emulator):
    created(graph)
    assert graph.admin("POST", "reset").status_code == 204
    assert emulator.meetings() == {}
    created(graph)
    emulator.reset()
    assert emulator.meetings() == {} and graph.admin("GET", "meetings").json() == {}


# -- the state file ---------------------------------------------------------------------------


def test_meetings_survive_a_restart_with_their_etags(tmp_path):
    state = tmp_path / "state.json"
    with Emulator(state_file=state, meeting_etags=True) as emu:
        client = Graph(emu)
        meeting = created(client, "kept", subject="s")
        patched = client.meeting("PATCH", path_of(meeting["id"]), json={"lobbyBypassSettings": {"scope": "invited"}})
        emu.seed(f"{path_of(meeting['id'])}/virtualAppointment", {"externalAppointmentId": "a"})
        saved = json.loads(state.read_text())
        assert list(saved["meetings"]) == [f"users/{ME}/onlineMeetings/{meeting['id']}"]
        client.close()
    with Emulator(state_file=state, meeting_etags=True) as emu:
        client = Graph(emu)
        again = client.create_or_get({"externalId": "kept"}, headers=PREFER)
        assert again.status_code == 200
        expected = {**patched.json(), "lobbyBypassSettings": {"scope": "invited", "isDialInBypassEnabled": False}}
        assert again.json() == {**expected, "@odata.context": context_of(emu)}
        assert again.headers["ETag"] == patched.headers["ETag"]
        assert client.get(f"{path_of(meeting['id'])}/virtualAppointment").status_code == 200
        client.close()


def test_a_state_file_written_before_meetings_existed_still_loads(tmp_path):
    state = tmp_path / "state.json"
    entry = {"entity": {"externalAppointmentId": "old"}, "etag": 'W/"x"'}
    state.write_text(json.dumps({"format": "pulumi-virtualappointment-emulator/1", "me": ME,
                                 "appointments": {f"users/{ME}/onlineMeetings/M/virtualAppointment": entry}}))
    with Emulator(state_file=state) as emu:
        assert emu.meetings() == {}
        assert emu.get("me/onlineMeetings/M/virtualAppointment")["externalAppointmentId"] == "old"


@pytest.mark.parametrize(
    "meetings, named",
    [
        ({f"users/{ME}/onlineMeetings/M": {"entity": {"externalId": ""}, "etag": 'W/"x"'}}, "externalId"),
        ({f"users/{ME}/onlineMeetings/M": {"entity": {"externalId": "e", "allowRecording": "no"}, "etag": 'W/"x"'}},
         "allowRecording"),
        ({f"users/{ME}/onlineMeetings/M": {"entity": {"externalId": "e", "id": "N"}, "etag": 'W/"x"'}}, "'id'"),
        ({"not/a/meeting": {"entity": {"externalId": "e"}, "etag": 'W/"x"'}}, "online meeting path"),
    ],
)
def test_a_bad_meeting_in_the_state_file_is_refused_naming_it(tmp_path, meetings, named):
    state = tmp_path / "state.json"
    state.write_text(json.dumps({"format": "pulumi-virtualappointment-emulator/1", "appointments": {},
                                 "meetings": meetings}))
    with pytest.raises(ValueError, match=named):
        Emulator(state_file=state)


def _disk_full(path: str, data: bytes) -> None:
    raise OSError(errno.ENOSPC, "No space left on device")


def test_a_failed_state_file_write_changes_no_meeting(tmp_path, monkeypatch):
    with Emulator(state_file=tmp_path / "state.json") as emu:
        client = Graph(emu)
        path = path_of(emu.seed_meeting(MEETING_PATH, externalId="kept"))
        emu.seed(ME_PATH, {"externalAppointmentId": "kept"})
        before, appointments = emu.meetings(), emu.appointments()
        saved = (tmp_path / "state.json").read_bytes()
        monkeypatch.setattr(_store, "_atomic_write", _disk_full)
        for response in (client.create_or_get({"externalId": "new"}),
                         client.meeting("PATCH", path, json={"subject": "x"}),
                         client.meeting("DELETE", path),
                         client.admin("PUT", "meetings/me", json={"externalId": "new"}),
                         client.admin("DELETE", f"meetings/{path}")):
            assert response.status_code == 500
            assert "No space left on device" in error_of(response)["message"]
        for change in (lambda: emu.seed_meeting("me", externalId="new"),
                       lambda: emu.edit_meeting(path, {"subject": "x"}),
                       lambda: emu.remove_meeting(path),
                       emu.reset):
            with pytest.raises(_store.PersistError):
                change()
        assert (emu.meetings(), emu.appointments()) == (before, appointments)
        assert (tmp_path / "state.json").read_bytes() == saved
        client.close()


# -- the admin API and the in-process methods --------------------------------------------------


def test_admin_meeting_routes_mirror_the_python_api(graph: Graph, emulator: Emulator):
    seeded = graph.admin("PUT", f"meetings/{MEETING_PATH}", json={"externalId": "e", "subject": "s"})
    assert seeded.status_code == 200
    assert seeded.json() == {"entity": emulator.meeting(MEETING_PATH), "etag": None}
    assert seeded.json()["entity"]["id"] == MEETING
    generated = graph.admin("PUT", f"meetings/users/{OTHER}", json={"externalId": "e"}).json()["entity"]["id"]
    assert graph.admin("GET", f"meetings/users/{OTHER}/onlineMeetings/{generated}").json()["entity"]["id"] == generated
    assert graph.admin("GET", "meetings").json() == emulator.meetings()
    assert sorted(emulator.meetings()) == sorted([USER_MEETING_PATH, f"users/{OTHER}/onlineMeetings/{generated}"])
    edited = graph.admin("PATCH", f"meetings/{MEETING_PATH}",
                         json={"joinWebUrl": "https://teams.example/x", "participants": {"organizer": None}})
    assert edited.status_code == 200
    assert edited.json()["entity"]["joinWebUrl"] == "https://teams.example/x"
    assert emulator.meeting(MEETING_PATH)["participants"]["organizer"] is None
    emulator.seed(ME_PATH, {})
    assert graph.admin("DELETE", f"meetings/{MEETING_PATH}").status_code == 204
    assert emulator.get(ME_PATH) is None
    assert graph.admin("GET", f"meetings/{MEETING_PATH}").status_code == 404
    assert graph.admin("PATCH", f"meetings/{MEETING_PATH}", json={"subject": "x"}).status_code == 404
    assert graph.admin("DELETE", f"meetings/{MEETING_PATH}").status_code == 404


@pytest.mark.parametrize(
    "method, path, body, named",
    [
        ("PUT", f"meetings/{MEETING_PATH}", {"externalId": ""}, "'externalId'"),
        ("PUT", f"meetings/{MEETING_PATH}", {"externalId": 5}, "'externalId'"),
        ("PUT", f"meetings/{MEETING_PATH}", {"externalId": "e", "bogus": 1}, "'bogus'"),
        ("PUT", f"meetings/{MEETING_PATH}", {"externalId": "e", "id": "other"}, "'id'"),
        ("PUT", f"meetings/{MEETING_PATH}", {"externalId": "taken"}, "already has externalId"),
        ("PUT", "meetings/not/a/meeting", {"externalId": "e"}, "online meeting path"),
        ("GET", "meetings/me", None, "names no meeting"),
        ("PATCH", f"meetings/{MEETING_PATH}/virtualAppointment", {}, "online meeting path"),
    ],
)
def test_admin_refuses_bad_meeting_input_with_400(graph: Graph, emulator: Emulator, method, path, body, named):
    emulator.seed_meeting("me", externalId="taken")
    before = emulator.meetings()
    response = graph.admin(method, path, json=body)
    assert response.status_code == 400
    assert named in error_of(response)["message"]
    assert emulator.meetings() == before


def test_a_meeting_made_in_teams_is_seeded_without_an_external_id(graph: Graph, emulator: Emulator):
    """Meetings made in the Teams app (or by a plain POST) have no externalId; seeding one used to be a 400."""
    seeded = graph.admin("PUT", "meetings/me", json={"subject": "Made in Teams"})
    assert seeded.status_code == 200
    entity = seeded.json()["entity"]
    assert (entity["externalId"], entity["subject"]) == (None, "Made in Teams")
    path = path_of(entity["id"])
    assert graph.meeting("GET", path).json() == {"@odata.context": context_of(emulator), **in_v1(entity)}
    other = emulator.seed_meeting("me", subject="Also made in Teams")  # two without one do not clash
    assert emulator.meeting(path_of(other))["externalId"] is None
    again = emulator.seed_meeting(MEETING_PATH, {"externalId": None, "subject": "null is none too"})
    assert emulator.meeting(path_of(again))["externalId"] is None


def test_create_or_get_never_finds_a_meeting_without_an_external_id(graph: Graph, emulator: Emulator):
    teams = graph.admin("PUT", "meetings/me", json={"subject": "Made in Teams"}).json()["entity"]
    for external_id in ("Made in Teams", teams["id"], "null"):
        response = graph.create_or_get({"externalId": external_id})
        assert response.status_code == 201
        assert response.json()["id"] != teams["id"]
    assert emulator.meeting(path_of(teams["id"])) == teams
    assert len(emulator.meetings()) == 4


def test_the_graph_routes_serve_a_meeting_without_an_external_id_as_any_other(graph: Graph, emulator: Emulator):
    teams = graph.admin("PUT", "meetings/me", json={"subject": "Made in Teams"}).json()["entity"]
    path = path_of(teams["id"])
    patched = graph.meeting("PATCH", path, json={"subject": "renamed"})
    assert (patched.status_code, patched.json()["subject"], patched.json()["externalId"]) == (200, "renamed", None)
    assert find_by_join_url(graph, teams["joinWebUrl"]).json()["value"] == [{**in_v1(teams), "subject": "renamed"}]
    join = graph.meeting("GET", f"{path}/getVirtualAppointmentJoinWebUrl")
    assert (join.status_code, join.json()["value"]) == (200, join_url(ME, teams["id"]))
    response = graph.meeting("PATCH", path, json={"externalId": "late"})
    assert response.status_code == 400 and "'externalId'" in error_of(response)["message"]
    assert graph.meeting("DELETE", path).status_code == 204
    assert emulator.meetings() == {}


def test_a_meeting_without_an_external_id_survives_a_restart(tmp_path):
    state = tmp_path / "state.json"
    with Emulator(state_file=state) as emu:
        meeting_id = emu.seed_meeting("me", subject="Made in Teams")
        before = emu.meetings()
    with Emulator(state_file=state) as emu:
        assert emu.meetings() == before
        assert emu.meeting(path_of(meeting_id))["externalId"] is None


def test_admin_settings_report_and_change_the_switches(graph: Graph, emulator: Emulator):
    assert graph.admin("GET", "settings").json() == {
        "etagOnWrite": True, "meetingEtags": False, "implicitMeetings": False, "me": ME, "tokenRequired": False}
    changed = graph.admin("PATCH", "settings", json={"meetingEtags": True, "implicitMeetings": True})
    assert (changed.json()["meetingEtags"], changed.json()["implicitMeetings"]) == (True, True)
    assert (emulator.meeting_etags, emulator.implicit_meetings) == (True, True)
    for body in ({"meetingEtags": "yes"}, {"implicitMeetings": 1}, {"meetingEtags": False, "bogus": True}):
        assert graph.admin("PATCH", "settings", json=body).status_code == 400
    assert (emulator.meeting_etags, emulator.implicit_meetings) == (True, True)


def test_seed_meeting_takes_a_path_an_owner_or_a_body_id(emulator: Emulator):
    assert emulator.seed_meeting(MEETING_PATH, externalId="given") == MEETING
    generated = emulator.seed_meeting("me", {"externalId": "generated", "subject": "s"})
    assert emulator.meeting(path_of(generated))["subject"] == "s"
    assert base64.b64decode(generated).startswith(f"1*{ME}*0**19:meeting_".encode())
    assert emulator.seed_meeting(f"users/{OTHER}", {"id": "X", "externalId": "e"}, subject="kw wins") == "X"
    assert emulator.meeting(f"users/{OTHER}/onlineMeetings/X")["subject"] == "kw wins"
    replaced = emulator.seed_meeting(MEETING_PATH, externalId="given", startDateTime="2026-12-01T09:00:00Z")
    assert replaced == MEETING and emulator.meeting(MEETING_PATH)["endDateTime"] == "2026-12-01T10:00:00.0000000Z"
    with pytest.raises(ValueError, match="'id'"):
        emulator.seed_meeting(MEETING_PATH, id="other", externalId="e")
    with pytest.raises(ValueError, match="'externalId'"):
        emulator.seed_meeting("me", externalId="  ")
    with pytest.raises(ValueError, match="online meeting path"):
        emulator.seed_meeting(ME_PATH, externalId="e")


def test_edit_meeting_sets_any_property_and_returns_the_etag_only_when_they_are_on(emulator: Emulator):
    emulator.seed_meeting(MEETING_PATH, externalId="e")
    assert emulator.edit_meeting(MEETING_PATH, {"joinWebUrl": "https://x.test", "externalId": "f"}) is None
    assert emulator.meeting(MEETING_PATH)["externalId"] == "f"
    emulator.meeting_etags = True
    etag = emulator.edit_meeting(MEETING_PATH, {"startDateTime": "2026-12-01T09:00:00Z"})  # no PATCH rules
    assert etag == emulator.meeting_etag(MEETING_PATH) and WEAK_ETAG.match(etag)
    with pytest.raises(ValueError, match="'externalId'"):
        emulator.edit_meeting(MEETING_PATH, {"externalId": None})
    with pytest.raises(LookupError):
        emulator.edit_meeting("me/onlineMeetings/nope", {"subject": "x"})
    emulator.remove_meeting(MEETING_PATH)
    assert emulator.meeting(MEETING_PATH) is None and emulator.meeting_etag(MEETING_PATH) is None
    with pytest.raises(LookupError):
        emulator.remove_meeting(MEETING_PATH)
