"""The emulator's Graph wire format, over real HTTP on 127.0.0.1."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from emulator_fixtures import (  # noqa: F401 - fixtures are used by name
    DOCS_BODY,
    DOCS_PROPERTIES,
    GUID,
    MEETING,
    ME,
    ME_PATH,
    USER_PATH,
    WEAK_ETAG,
    Graph,
    emulator,
    error_of,
    graph,
)
from pulumi_virtualappointment.emulator import Emulator
from pulumi_virtualappointment.emulator._schema import join_url

GRAPH_JSON = "application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8"
EMPTY = {
    "appointmentClientJoinWebUrl": None,
    "appointmentClients": None,
    "externalAppointmentId": None,
    "externalAppointmentUrl": None,
    "settings": None,
}


@pytest.fixture
def emulator_options() -> dict:
    """These tests are about the appointment alone: any meeting id counts as an existing meeting."""
    return {"implicit_meetings": True}


def context_url(emu: Emulator, user: str = ME, meeting: str = MEETING) -> str:
    return f"{emu.url}/beta/$metadata#users('{user}')/onlineMeetings('{meeting}')/virtualAppointment/$entity"


# -- GET / PUT / PATCH / DELETE --------------------------------------------------------


def test_get_of_missing_appointment_is_404_item_not_found(graph: Graph):
    response = graph.get()
    assert response.status_code == 404
    assert response.headers["Content-Type"] == "application/json"
    error = error_of(response)
    assert error["code"] == "itemNotFound"
    assert "client-request-id" not in error["innerError"]
    assert response.headers["client-request-id"] == response.headers["request-id"]


def test_put_creates_with_201_the_full_entity_and_a_weak_etag(graph: Graph, emulator: Emulator):
    response = graph.put(json=DOCS_BODY)
    assert response.status_code == 201
    assert response.headers["Content-Type"] == GRAPH_JSON
    assert WEAK_ETAG.match(response.headers["ETag"])
    body = response.json()
    assert GUID.match(body["id"])
    assert body == {"@odata.context": context_url(emulator), "id": body["id"], **DOCS_PROPERTIES}
    assert list(body) == ["@odata.context", "id", *sorted(DOCS_PROPERTIES)]
    assert emulator.get(ME_PATH) == {"id": body["id"], **DOCS_PROPERTIES}
    assert emulator.etag(ME_PATH) == response.headers["ETag"]


def test_get_returns_what_put_stored_with_the_same_etag(graph: Graph):
    created = graph.put(json=DOCS_BODY)
    response = graph.get()
    assert response.status_code == 200
    assert response.headers["Content-Type"] == GRAPH_JSON
    assert response.json() == created.json()
    assert response.headers["ETag"] == created.headers["ETag"]


def test_reads_never_change_the_etag(graph: Graph):
    etag = graph.put(json={"externalAppointmentId": "x"}).headers["ETag"]
    assert [graph.get().headers["ETag"] for _ in range(3)] == [etag] * 3


def test_unset_properties_are_null_and_graph_fills_in_the_join_url(graph: Graph, emulator: Emulator):
    response = graph.put(json={})
    body = response.json()
    generated = join_url(ME, MEETING)
    assert generated.startswith("https://visit.teams.microsoft.com/webrtc-svc/api/route?tid=")
    assert "&convId=19:meeting_" in generated
    assert body == {
        "@odata.context": context_url(emulator),
        "id": body["id"],
        **EMPTY,
        "appointmentClientJoinWebUrl": generated,
    }
    assert graph.get().json()["appointmentClientJoinWebUrl"] == generated


def test_complex_values_come_back_with_every_member(graph: Graph):
    graph.put(json={"appointmentClients": [{"displayName": "Ann"}], "settings": {}})
    body = graph.get().json()
    assert body["appointmentClients"] == [{"displayName": "Ann", "emailAddress": None, "smsCapablePhoneNumber": None}]
    assert body["settings"] == {"allowClientToJoinUsingBrowser": None}


def test_put_replaces_the_whole_entity_and_keeps_the_id(graph: Graph):
    first = graph.put(json=DOCS_BODY).json()
    second = graph.put(json={"externalAppointmentId": "new"})
    assert second.status_code == 201
    body = second.json()
    assert body["id"] == first["id"]
    assert body["externalAppointmentId"] == "new"
    assert body["settings"] is None and body["appointmentClients"] is None
    assert body["appointmentClientJoinWebUrl"] == join_url(ME, MEETING)


def test_patch_is_204_with_no_body_and_changes_only_supplied_properties(graph: Graph, emulator: Emulator):
    graph.put(json=DOCS_BODY)
    clients = [{"displayName": "Bo", "emailAddress": None, "smsCapablePhoneNumber": "+1 425 555 0100"}]
    response = graph.patch(json={"appointmentClients": clients, "externalAppointmentUrl": None})
    assert response.status_code == 204
    assert response.content == b""
    assert "Content-Type" not in response.headers
    assert WEAK_ETAG.match(response.headers["ETag"])
    expected = {**DOCS_PROPERTIES, "appointmentClients": clients, "externalAppointmentUrl": None}
    assert emulator.get(ME_PATH) == {"id": emulator.get(ME_PATH)["id"], **expected}
    assert graph.get().headers["ETag"] == response.headers["ETag"]


def test_patch_replaces_settings_whole_and_accepts_the_docs_string_boolean(graph: Graph, emulator: Emulator):
    graph.put(json={"settings": {"allowClientToJoinUsingBrowser": True}})
    assert graph.patch(json={"settings": {"allowClientToJoinUsingBrowser": "false"}}).status_code == 204
    assert emulator.get(ME_PATH)["settings"] == {"allowClientToJoinUsingBrowser": False}
    assert graph.patch(json={"settings": {}}).status_code == 204
    assert emulator.get(ME_PATH)["settings"] == {"allowClientToJoinUsingBrowser": None}


def test_patch_with_null_join_url_lets_graph_compute_it_again(graph: Graph, emulator: Emulator):
    graph.put(json=DOCS_BODY)
    graph.patch(json={"appointmentClientJoinWebUrl": None})
    assert emulator.get(ME_PATH)["appointmentClientJoinWebUrl"] == join_url(ME, MEETING)


def test_patch_and_delete_of_missing_appointment_are_404(graph: Graph, emulator: Emulator):
    assert error_of(graph.patch(json={"externalAppointmentId": "x"}))["code"] == "itemNotFound"
    assert error_of(graph.delete())["code"] == "itemNotFound"
    assert emulator.get(ME_PATH) is None


def test_delete_is_204_and_the_appointment_is_gone(graph: Graph, emulator: Emulator):
    graph.put(json=DOCS_BODY)
    response = graph.delete()
    assert response.status_code == 204
    assert response.content == b""
    assert "ETag" not in response.headers
    assert graph.get().status_code == 404
    assert emulator.etag(ME_PATH) is None


def test_head_answers_like_get_without_a_body(graph: Graph):
    etag = graph.put(json={}).headers["ETag"]
    response = graph.request("HEAD")
    assert response.status_code == 200
    assert response.content == b""
    assert response.headers["ETag"] == etag


# -- paths ------------------------------------------------------------------------------


def test_me_and_users_paths_reach_the_same_appointment(graph: Graph, emulator: Emulator):
    created = graph.put(json={"externalAppointmentId": "via-me"})
    via_user = graph.get(USER_PATH)
    via_upper = graph.get(USER_PATH.replace(ME, ME.upper()))
    assert via_user.json() == via_upper.json() == created.json()
    assert via_user.headers["ETag"] == created.headers["ETag"]
    assert emulator.get(USER_PATH) == emulator.get(ME_PATH)
    assert list(emulator.appointments()) == [USER_PATH]


def test_other_users_have_their_own_appointments(graph: Graph):
    graph.put(f"users/22222222-2222-2222-2222-222222222222/onlineMeetings/{MEETING}/virtualAppointment", json={})
    assert graph.get().status_code == 404


def test_meeting_ids_are_percent_decoded_and_an_encoded_slash_stays_in_the_id(graph: Graph, emulator: Emulator):
    encoded = "me/onlineMeetings/a%2Fb%3D%3D/virtualAppointment"
    assert graph.put(encoded, json={}).status_code == 201
    assert graph.get("me/onlineMeetings/a%2Fb==/virtualAppointment").status_code == 200
    assert emulator.get(encoded) is not None
    assert list(emulator.appointments()) == [f"users/{ME}/onlineMeetings/a%2Fb==/virtualAppointment"]
    assert graph.get().json()["error"]["code"] == "itemNotFound"


def test_unknown_path_is_404_with_a_graph_error_body(graph: Graph):
    response = graph.get("me/onlineMeetings/M/somethingElse")
    assert response.status_code == 404
    assert error_of(response)["code"] == "BadRequest"


def test_wrong_method_is_405_with_allow(graph: Graph):
    response = graph.request("POST", json={})
    assert response.status_code == 405
    assert error_of(response)["code"] == "BadRequest"
    assert response.headers["Allow"] == "DELETE, GET, HEAD, PATCH, PUT"


def test_v1_is_refused_because_the_resource_is_beta_only(graph: Graph):
    response = graph.get(version="v1.0")
    assert response.status_code == 400
    assert "only in beta" in error_of(response)["message"]


# -- ETags and preconditions ------------------------------------------------------------


def test_every_write_changes_the_etag(graph: Graph, emulator: Emulator):
    etags = [graph.put(json={"externalAppointmentId": "a"}).headers["ETag"]]
    etags.append(graph.patch(json={"externalAppointmentId": "b"}).headers["ETag"])
    etags.append(graph.patch(json={"externalAppointmentId": "b"}).headers["ETag"])
    etags.append(graph.put(json={"externalAppointmentId": "b"}).headers["ETag"])
    etags.append(emulator.edit(ME_PATH, {"externalAppointmentId": "c"}))
    assert all(WEAK_ETAG.match(etag) for etag in etags)
    assert len(set(etags)) == len(etags)


@pytest.mark.parametrize("spelling", ["exact", "strong", "star", "list"])
def test_patch_with_matching_if_match_succeeds(graph: Graph, emulator: Emulator, spelling: str):
    etag = graph.put(json={}).headers["ETag"]
    header = {"exact": etag, "strong": etag[2:], "star": "*", "list": f'W/"other", {etag}'}[spelling]
    response = graph.patch(json={"externalAppointmentId": "x"}, headers={"If-Match": header})
    assert response.status_code == 204
    assert emulator.get(ME_PATH)["externalAppointmentId"] == "x"


@pytest.mark.parametrize("method", ["PATCH", "PUT", "DELETE"])
def test_stale_if_match_is_412_and_changes_nothing(graph: Graph, emulator: Emulator, method: str):
    stale = graph.put(json={"externalAppointmentId": "old"}).headers["ETag"]
    current = emulator.edit(ME_PATH, {"externalAppointmentId": "teams"})
    before = emulator.get(ME_PATH)
    response = graph.request(
        method,
        json={"externalAppointmentId": "mine"} if method != "DELETE" else None,
        headers={"If-Match": stale, "client-request-id": "c0ffee00-0000-4000-8000-000000000001"},
    )
    assert response.status_code == 412
    error = error_of(response)
    assert error["code"] == "PreconditionFailed"
    assert error["innerError"]["code"] == "entityTagDoesNotMatch"
    assert error["innerError"]["client-request-id"] == "c0ffee00-0000-4000-8000-000000000001"
    assert response.headers["client-request-id"] == "c0ffee00-0000-4000-8000-000000000001"
    assert emulator.get(ME_PATH) == before
    assert emulator.etag(ME_PATH) == current


def test_if_match_on_missing_appointment_is_404_for_patch_and_412_for_put(graph: Graph, emulator: Emulator):
    assert graph.patch(json={}, headers={"If-Match": "*"}).status_code == 404
    response = graph.put(json={}, headers={"If-Match": "*"})
    assert response.status_code == 412
    assert error_of(response)["innerError"]["code"] == "entityTagDoesNotMatch"
    assert emulator.get(ME_PATH) is None


def test_if_none_match_star_makes_put_create_only(graph: Graph, emulator: Emulator):
    assert graph.put(json={"externalAppointmentId": "a"}, headers={"If-None-Match": "*"}).status_code == 201
    response = graph.put(json={"externalAppointmentId": "b"}, headers={"If-None-Match": "*"})
    assert response.status_code == 412
    assert emulator.get(ME_PATH)["externalAppointmentId"] == "a"


@pytest.mark.parametrize("header", ["abc", 'W/"abc', '"a" "b"', ""])
def test_malformed_if_match_is_400_malformed_entity_tag(graph: Graph, emulator: Emulator, header: str):
    etag = graph.put(json={}).headers["ETag"]
    response = graph.patch(json={"externalAppointmentId": "x"}, headers={"If-Match": header})
    assert response.status_code == 400
    error = error_of(response)
    assert (error["code"], error["innerError"]["code"]) == ("BadRequest", "malformedEntityTag")
    assert emulator.etag(ME_PATH) == etag


def test_out_of_band_edit_merges_changes_etag_and_can_create(emulator: Emulator, graph: Graph):
    etag = graph.put(json=DOCS_BODY).headers["ETag"]
    new = emulator.edit(ME_PATH, {"settings": {"allowClientToJoinUsingBrowser": False}})
    assert new != etag
    assert graph.get().headers["ETag"] == new
    entity = emulator.get(ME_PATH)
    assert entity == {"id": entity["id"], **DOCS_PROPERTIES, "settings": {"allowClientToJoinUsingBrowser": False}}
    other = "users/33333333-3333-3333-3333-333333333333/onlineMeetings/X/virtualAppointment"
    emulator.edit(other, {"externalAppointmentId": "made-in-teams"})
    assert emulator.get(other)["externalAppointmentId"] == "made-in-teams"


def test_etag_on_write_off_drops_the_header_from_put_and_patch_only(emulator: Emulator, graph: Graph):
    emulator.etag_on_write = False
    created = graph.put(json={})
    patched = graph.patch(json={"externalAppointmentId": "x"})
    assert (created.status_code, patched.status_code) == (201, 204)
    assert "ETag" not in created.headers and "ETag" not in patched.headers
    assert graph.get().headers["ETag"] == emulator.etag(ME_PATH)
    emulator.etag_on_write = True
    assert graph.patch(json={}).headers["ETag"] == emulator.etag(ME_PATH)


def test_etag_on_write_can_be_off_from_the_constructor():
    with Emulator(etag_on_write=False, implicit_meetings=True) as emu:
        client = Graph(emu)
        assert "ETag" not in client.put(json={}).headers
        client.close()


# -- authentication ------------------------------------------------------------------


@pytest.mark.parametrize(
    "authorization", [None, "", "Basic dXNlcjpwdw==", "Bearer", "Bearer   ", "test-token"], ids=repr
)
def test_requests_without_a_bearer_token_are_401(graph: Graph, emulator: Emulator, authorization):
    response = graph.put(json={}, headers={"Authorization": authorization})
    assert response.status_code == 401
    assert error_of(response)["code"] == "InvalidAuthenticationToken"
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert emulator.get(ME_PATH) is None


def test_a_configured_token_is_the_only_one_accepted():
    with Emulator(token="right", implicit_meetings=True) as emu:
        wrong, right = Graph(emu, token="wrong"), Graph(emu, token="right")
        response = wrong.get()
        assert response.status_code == 401
        assert error_of(response)["code"] == "InvalidAuthenticationToken"
        assert right.get().status_code == 404
        assert right.request("GET", headers={"Authorization": "bearer right"}).status_code == 404
        wrong.close()
        right.close()


# -- body validation -------------------------------------------------------------------


def test_invalid_json_is_400_and_changes_nothing(graph: Graph, emulator: Emulator):
    etag = graph.put(json={"externalAppointmentId": "a"}).headers["ETag"]
    response = graph.patch(data=b'{"externalAppointmentId": ', headers={"Content-Type": "application/json"})
    assert response.status_code == 400
    assert error_of(response)["code"] == "BadRequest"
    assert "not valid JSON" in response.json()["error"]["message"]
    assert emulator.etag(ME_PATH) == etag


@pytest.mark.parametrize(
    "body, named",
    [
        ({"subject": "x"}, "'subject'"),
        ({"settings": {"allowClientToJoinUsingBrowser": True, "lobby": 1}}, "'settings.lobby'"),
        ({"appointmentClients": [{"displayName": "a", "phone": "1"}]}, "'appointmentClients[0].phone'"),
        ({"settings": "yes"}, "'settings'"),
        ({"settings": {"allowClientToJoinUsingBrowser": "maybe"}}, "'settings.allowClientToJoinUsingBrowser'"),
        ({"appointmentClients": {"displayName": "a"}}, "'appointmentClients'"),
        ({"appointmentClients": ["a"]}, "'appointmentClients[0]'"),
        ({"appointmentClients": [{"emailAddress": 5}]}, "'appointmentClients[0].emailAddress'"),
        ({"externalAppointmentId": 5}, "'externalAppointmentId'"),
        ({"externalAppointmentUrl": ["x"]}, "'externalAppointmentUrl'"),
    ],
    ids=lambda value: value if isinstance(value, str) else None,
)
def test_unknown_or_mistyped_properties_are_400_naming_the_property(graph: Graph, emulator: Emulator, body, named):
    etag = graph.put(json={"externalAppointmentId": "a"}).headers["ETag"]
    for method in ("PATCH", "PUT"):
        response = graph.request(method, json=body)
        assert response.status_code == 400
        error = error_of(response)
        assert error["code"] == "BadRequest"
        assert named in error["message"]
    assert emulator.etag(ME_PATH) == etag


@pytest.mark.parametrize("body", [b"[]", b'"x"', b"null", b"1"])
def test_a_body_that_is_not_an_object_is_400(graph: Graph, body: bytes):
    response = graph.put(data=body, headers={"Content-Type": "application/json"})
    assert response.status_code == 400
    assert error_of(response)["code"] == "BadRequest"


def test_missing_body_is_400_and_wrong_content_type_is_415(graph: Graph, emulator: Emulator):
    assert error_of(graph.put())["code"] == "BadRequest"
    response = graph.put(data=b"{}", headers={"Content-Type": "text/plain"})
    assert response.status_code == 415
    assert error_of(response)["code"] == "UnsupportedMediaType"
    charset = graph.put(data=b"{}", headers={"Content-Type": "application/json; charset=utf-8"})
    assert charset.status_code == 201


# -- ids and the request log --------------------------------------------------------------


def test_success_responses_carry_request_id_and_echo_client_request_id(graph: Graph):
    response = graph.put(json={}, headers={"client-request-id": "11112222-3333-4444-5555-666677778888"})
    assert GUID.match(response.headers["request-id"])
    assert response.headers["client-request-id"] == "11112222-3333-4444-5555-666677778888"
    assert graph.get().headers["request-id"] != response.headers["request-id"]


def test_the_request_log_records_graph_requests_with_the_token_redacted(graph: Graph, emulator: Emulator):
    graph.put(json=DOCS_BODY, headers={"client-request-id": "abc"})
    graph.patch(json={"externalAppointmentId": "z"}, headers={"If-Match": "*"}, params={"$select": "id"})
    graph.admin("GET", "appointments")
    log = emulator.requests()
    assert [(entry["method"], entry["status"], entry["fault"]) for entry in log] == [
        ("PUT", 201, None),
        ("PATCH", 204, None),
    ]
    put, patch = log
    assert put["path"] == f"/beta/{ME_PATH}"
    assert put["query"] == {}
    assert put["body"] == DOCS_BODY
    assert put["headers"]["authorization"] == "Bearer <redacted>"
    assert put["headers"]["client-request-id"] == "abc"
    assert put["headers"]["content-type"] == "application/json"
    assert patch["query"] == {"$select": "id"}
    assert patch["headers"]["if-match"] == "*"
    assert "test-token" not in repr(log)
    emulator.clear_requests()
    assert emulator.requests() == []


def test_the_log_keeps_unparseable_bodies_as_text(graph: Graph, emulator: Emulator):
    graph.put(data=b"not json", headers={"Content-Type": "application/json"})
    graph.get()
    assert [entry["body"] for entry in emulator.requests()] == ["not json", None]


# -- the admin API over HTTP -----------------------------------------------------------------


def test_admin_api_mirrors_the_python_api(graph: Graph, emulator: Emulator):
    graph.put(json={"externalAppointmentId": "a"})
    listed = graph.admin("GET", "appointments").json()
    assert listed == {USER_PATH: {"entity": emulator.get(ME_PATH), "etag": emulator.etag(ME_PATH)}}
    edited = graph.admin("PATCH", f"appointments/{ME_PATH}", json={"externalAppointmentUrl": "https://x.test/a"})
    assert edited.status_code == 200
    assert edited.json() == {"entity": emulator.get(ME_PATH), "etag": emulator.etag(ME_PATH)}
    assert emulator.get(ME_PATH)["externalAppointmentId"] == "a"
    seeded = graph.admin("PUT", "appointments/users/u2/onlineMeetings/M2/virtualAppointment", json={"settings": None})
    assert seeded.json()["entity"]["externalAppointmentId"] is None
    assert graph.admin("GET", "appointments/users/u2/onlineMeetings/M2/virtualAppointment").status_code == 200
    assert graph.admin("GET", "requests").json() == emulator.requests()
    assert graph.admin("DELETE", "requests").status_code == 204
    assert emulator.requests() == []
    assert graph.admin("PATCH", "settings", json={"etagOnWrite": False}).json()["etagOnWrite"] is False
    assert emulator.etag_on_write is False
    assert graph.admin("POST", "reset").status_code == 204
    assert graph.admin("GET", "appointments").json() == {}
    assert emulator.requests() == []


def test_admin_api_refuses_bad_input_with_400(graph: Graph):
    assert graph.admin("PATCH", f"appointments/{ME_PATH}", json={"bogus": 1}).status_code == 400
    assert graph.admin("PUT", "appointments/not/a/path", json={}).status_code == 400
    assert graph.admin("POST", "faults", json={"script": [{"status": 418}]}).status_code == 400
    assert graph.admin("POST", "faults", json={"rates": {"rate429": 2}}).status_code == 400
    assert graph.admin("GET", "nothing-here").status_code == 404


def test_seed_and_reset_from_python(emulator: Emulator, graph: Graph):
    etag = emulator.seed(USER_PATH, DOCS_BODY)
    assert graph.get().headers["ETag"] == etag
    assert graph.get().json()["settings"] == {"allowClientToJoinUsingBrowser": True}
    with pytest.raises(ValueError, match="'nope'"):
        emulator.seed(USER_PATH, {"nope": 1})
    emulator.inject({"status": 429})
    emulator.reset()
    assert emulator.get(ME_PATH) is None
    assert graph.get().status_code == 404
    assert emulator.requests()[-1]["fault"] is None


def test_emulator_refuses_non_loopback_hosts_and_reports_when_not_running():
    with pytest.raises(ValueError, match="loopback"):
        Emulator(host="0.0.0.0")
    emu = Emulator()
    with pytest.raises(RuntimeError, match="not running"):
        emu.url
    emu.stop()  # stopping a never-started emulator is harmless


def test_the_graph_facts_cite_the_seed_by_name_never_by_a_machine_path():
    """docs/graph.md, the facts the emulator follows, is read in a checkout anywhere: it names the
    seed document (outside the repository) by what it is, never by this machine's absolute path."""
    facts = (Path(__file__).resolve().parents[1] / "docs" / "graph.md").read_text(encoding="utf-8")
    assert re.findall(r"(?<![\w.])/(?:work|home|root|tmp|Users)/\S*", facts) == []
    assert "`seed/virtualappointment-update.txt` in the project's shared notes" in facts
