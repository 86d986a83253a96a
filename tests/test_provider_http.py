"""HTTP tier: the provider's lifecycle against the Graph emulator on 127.0.0.1.

Every test asserts the exact requests Graph saw (method, path, body bytes, If-Match) from the
emulator's request log, so a change in what goes over the wire fails here.
"""

from __future__ import annotations

import json
import re
import types
import uuid

import pytest

from pulumi_virtualappointment import (
    AppointmentExistsError,
    AuthenticationError,
    ConflictError,
    GraphResponseError,
    GraphTransportError,
    InvalidInputError,
    NotFoundError,
    ThrottledError,
)
from conftest import TOKEN, configured_provider
from pulumi_virtualappointment._engine import _CLAIMED

PATH = "me/onlineMeetings/MSpkYzE3/virtualAppointment"
USER_PATH = "users/0b5a3c2d-4e6f-4a1b-9c8d-7e6f5a4b3c2d/onlineMeetings/MSpkYzE3/virtualAppointment"
GRADY = {"displayName": "Grady Archie", "emailAddress": "gradya@contoso.com", "smsCapablePhoneNumber": "123-456-7890"}
PROPS = {
    "onlineMeetingId": "MSpkYzE3",
    "settings": {"allowClientToJoinUsingBrowser": True},
    "appointmentClients": [GRADY],
    "externalAppointmentId": "AAMkADKnAAA=",
    "adoptExisting": False,
}


def _log(emulator):
    return [(r["method"], r["path"], r["body"], r["headers"].get("if-match")) for r in emulator.requests()]


def _create(provider, emulator, props=PROPS):
    result = provider.create(dict(props))
    emulator.clear_requests()
    return result


# -- create ------------------------------------------------------------------------------------


def test_create_gets_then_puts_the_managed_properties(provider, emulator):
    result = provider.create(dict(PROPS))
    assert result.id == PATH
    assert _log(emulator) == [
        ("GET", "/beta/" + PATH, None, None),
        ("PUT", "/beta/" + PATH, {"appointmentClients": [GRADY], "externalAppointmentId": "AAMkADKnAAA=",
                                  "settings": {"allowClientToJoinUsingBrowser": True}}, None),
    ]
    live_etag = emulator.etag(PATH)
    assert result.outs == {**PROPS, "etag": live_etag, "joinWebUrl": emulator.get(PATH)["appointmentClientJoinWebUrl"]}


def test_create_for_another_user_uses_the_users_path(provider, emulator):
    result = provider.create({**PROPS, "userId": "0b5a3c2d-4e6f-4a1b-9c8d-7e6f5a4b3c2d"})
    assert result.id == USER_PATH
    assert [r["path"] for r in emulator.requests()] == ["/beta/" + USER_PATH] * 2


def test_create_refuses_an_existing_appointment_unless_adopting(provider, emulator):
    emulator.seed(PATH, {"externalAppointmentId": "theirs"})
    emulator.clear_requests()
    with pytest.raises(AppointmentExistsError, match=r"set adopt_existing=True .*nothing|nothing was changed.*adopt_existing=True"):
        provider.create(dict(PROPS))
    assert [r["method"] for r in emulator.requests()] == ["GET"]
    assert emulator.get(PATH)["externalAppointmentId"] == "theirs"


def test_adoption_patches_only_what_differs_with_the_live_etag(provider, emulator):
    emulator.seed(PATH, {"externalAppointmentId": "theirs", "settings": {"allowClientToJoinUsingBrowser": True},
                         "externalAppointmentUrl": "https://keep/me"})
    live_etag = emulator.etag(PATH)
    emulator.clear_requests()
    result = provider.create({**PROPS, "adoptExisting": True})
    assert _log(emulator) == [
        ("GET", "/beta/" + PATH, None, None),
        ("PATCH", "/beta/" + PATH, {"appointmentClients": [GRADY], "externalAppointmentId": "AAMkADKnAAA="}, live_etag),
    ]
    assert emulator.get(PATH)["externalAppointmentUrl"] == "https://keep/me"  # unmanaged: untouched
    assert result.outs["etag"] == emulator.etag(PATH) != live_etag


def test_adopting_an_appointment_already_as_declared_sends_nothing(provider, emulator):
    emulator.seed(PATH, {k: v for k, v in PROPS.items() if k not in ("onlineMeetingId", "adoptExisting")})
    emulator.clear_requests()
    result = provider.create({**PROPS, "adoptExisting": True})
    assert [r["method"] for r in emulator.requests()] == ["GET"]
    assert result.outs["etag"] == emulator.etag(PATH)


# -- update ------------------------------------------------------------------------------------


def test_one_field_update_is_one_patch_with_if_match(provider, emulator):
    created = _create(provider, emulator)
    news = {**PROPS, "externalAppointmentId": "AAMk-new"}
    result = provider.update(created.id, created.outs, news)
    requests = emulator.requests()
    assert [(r["method"], r["path"]) for r in requests] == [("PATCH", "/beta/" + PATH)]
    assert requests[0]["raw_body"] == '{"externalAppointmentId":"AAMk-new"}'
    assert requests[0]["headers"]["if-match"] == created.outs["etag"]
    assert requests[0]["headers"]["content-type"] == "application/json"
    assert result.outs == {**news, "etag": emulator.etag(PATH), "joinWebUrl": created.outs["joinWebUrl"]}
    assert emulator.get(PATH)["externalAppointmentId"] == "AAMk-new"


def test_update_without_changes_sends_nothing(provider, emulator):
    created = _create(provider, emulator)
    result = provider.update(created.id, created.outs, {**PROPS, "adoptExisting": True})
    assert emulator.requests() == []
    assert result.outs["etag"] == created.outs["etag"]


def test_removed_property_is_cleared_with_null(provider, emulator):
    created = _create(provider, emulator)
    news = {k: v for k, v in PROPS.items() if k != "externalAppointmentId"}
    result = provider.update(created.id, created.outs, news)
    assert _log(emulator) == [("PATCH", "/beta/" + PATH, {"externalAppointmentId": None}, created.outs["etag"])]
    assert emulator.get(PATH)["externalAppointmentId"] is None
    assert "externalAppointmentId" not in result.outs


def test_204_without_etag_costs_one_get(provider, emulator):
    created = _create(provider, emulator)
    emulator.etag_on_write = False
    result = provider.update(created.id, created.outs, {**PROPS, "settings": {"allowClientToJoinUsingBrowser": False}})
    assert [r["method"] for r in emulator.requests()] == ["PATCH", "GET"]
    assert result.outs["etag"] == emulator.etag(PATH) != created.outs["etag"]


def test_out_of_band_change_fails_with_refresh_first_and_writes_nothing(provider, emulator):
    created = _create(provider, emulator)
    emulator.edit(PATH, {"externalAppointmentId": "changed-in-teams"})
    their_etag = emulator.etag(PATH)
    emulator.clear_requests()
    with pytest.raises(ConflictError) as caught:
        provider.update(created.id, created.outs, {**PROPS, "settings": {"allowClientToJoinUsingBrowser": False}})
    message = str(caught.value)
    assert "changed outside this program since the last deployment" in message
    assert "nothing was written" in message and "`pulumi refresh`" in message
    assert re.search(rf"\({re.escape(PATH)}: Graph answered HTTP 412 PreconditionFailed to the recorded ETag "
                     r"W/\"[^\"]+\": The If-Match value does not match the appointment's current ETag\. "
                     r"\(request-id: [0-9a-f-]{36}, client-request-id: [0-9a-f-]{36}\)\)$", message)
    assert [(r["method"], r["status"]) for r in emulator.requests()] == [("PATCH", 412), ("GET", 200)]
    live = emulator.get(PATH)
    assert live["externalAppointmentId"] == "changed-in-teams"
    assert live["settings"] == {"allowClientToJoinUsingBrowser": True}
    assert emulator.etag(PATH) == their_etag


def test_refresh_accepts_the_change_then_update_applies_the_program(provider, emulator):
    created = _create(provider, emulator)
    emulator.edit(PATH, {"externalAppointmentId": "changed-in-teams", "externalAppointmentUrl": "https://unmanaged/1"})
    refreshed = provider.read(created.id, created.outs)
    assert refreshed.inputs == {**PROPS, "externalAppointmentId": "changed-in-teams"}
    assert refreshed.outs["etag"] == emulator.etag(PATH)
    emulator.clear_requests()
    provider.update(created.id, refreshed.outs, dict(PROPS))
    assert _log(emulator) == [("PATCH", "/beta/" + PATH, {"externalAppointmentId": "AAMkADKnAAA="}, refreshed.outs["etag"])]


def test_lost_patch_response_is_recognised_by_rereading(provider, emulator):
    created = _create(provider, emulator)
    emulator.inject({"lostResponse": True})
    news = {**PROPS, "externalAppointmentId": "AAMk-new"}
    result = provider.update(created.id, created.outs, news)
    assert [(r["method"], r["status"]) for r in emulator.requests()] == [("PATCH", None), ("PATCH", 412), ("GET", 200)]
    assert result.outs["etag"] == emulator.etag(PATH)
    assert emulator.get(PATH)["externalAppointmentId"] == "AAMk-new"


# -- read and delete -----------------------------------------------------------------------------


def test_read_returns_live_managed_values_only(provider, emulator):
    created = _create(provider, emulator)
    result = provider.read(created.id, created.outs)
    assert result.id == PATH
    assert result.inputs == PROPS
    assert result.outs == created.outs
    assert [r["method"] for r in emulator.requests()] == ["GET"]


def test_read_of_a_deleted_appointment_reports_it_gone(provider, emulator):
    result = provider.read(PATH, {**PROPS, "etag": 'W/"x"'})
    assert (result.id, result.outs) == ("", {})


def test_get_by_id_reads_everything_graph_holds(provider, emulator):
    emulator.seed(USER_PATH, {"externalAppointmentId": "x"})
    result = provider.read(USER_PATH, {})
    join_url = emulator.get(USER_PATH)["appointmentClientJoinWebUrl"]  # Graph fills it in
    assert result.inputs == {"onlineMeetingId": "MSpkYzE3", "userId": "0b5a3c2d-4e6f-4a1b-9c8d-7e6f5a4b3c2d", "externalAppointmentId": "x",
                             "appointmentClientJoinWebUrl": join_url}


def test_delete_sends_delete_and_treats_404_as_done(provider, emulator):
    created = _create(provider, emulator)
    _CLAIMED.clear()  # `pulumi destroy` runs in a provider host of its own, which created nothing
    provider.delete(created.id, created.outs)
    provider.delete(created.id, created.outs)
    assert [(r["method"], r["status"]) for r in emulator.requests()] == [("DELETE", 204), ("DELETE", 404)]
    assert emulator.get(PATH) is None


# -- transport behaviour -----------------------------------------------------------------------


def test_429_is_retried_after_the_fractional_retry_after(provider, emulator, sleeps):
    emulator.inject({"status": 429, "retryAfter": "0.125"}, {"status": 503, "retryAfter": "0.25"})
    provider.create(dict(PROPS))
    assert [(r["method"], r["status"]) for r in emulator.requests()] == [
        ("GET", 429), ("GET", 503), ("GET", 404), ("PUT", 201)]
    assert sleeps == [0.125, 0.25]


def test_throttling_that_persists_gives_up_with_the_count(provider, emulator, sleeps):
    emulator.inject(*[{"status": 429, "retryAfter": "0.01"}] * 5)
    with pytest.raises(ThrottledError, match=r"failed after 5 attempts: HTTP 429 TooManyRequests"):
        provider.read(PATH, dict(PROPS))
    assert len(emulator.requests()) == 5 and len(sleeps) == 4


def test_every_request_has_a_fresh_client_request_id_and_the_bearer_token(provider, emulator):
    created = _create(provider, emulator)
    provider.update(created.id, created.outs, {**PROPS, "externalAppointmentId": "n"})
    provider.read(created.id, created.outs)
    ids = [r["headers"]["client-request-id"] for r in emulator.requests()]
    assert len(ids) == len(set(ids)) == 2
    assert all(uuid.UUID(i) for i in ids)


def test_wrong_token_gives_an_authentication_error_with_ids_and_no_token(emulator):
    provider = configured_provider(emulator.url, token="not-the-right-token")
    with pytest.raises(AuthenticationError) as caught:
        provider.read(PATH, dict(PROPS))
    text = str(caught.value)
    assert "HTTP 401 InvalidAuthenticationToken" in text and "Sign in again" in text
    assert "request-id: " in text and "not-the-right-token" not in text


def test_no_emulator_means_a_transport_error_not_a_traceback(sleeps):
    provider = configured_provider("http://127.0.0.1:9")
    with pytest.raises(GraphTransportError, match=r"Graph GET me/onlineMeetings/.* got no response after 5 attempt"):
        provider._graph()._sleep = sleeps
        provider.read(PATH, dict(PROPS))


def test_the_token_never_appears_in_outputs_or_errors(provider, emulator):
    created = provider.create(dict(PROPS))
    updated = provider.update(created.id, created.outs, {**PROPS, "externalAppointmentId": "n"})
    read = provider.read(created.id, updated.outs)
    emulator.edit(PATH, {"externalAppointmentId": "x"})
    try:
        provider.update(created.id, updated.outs, dict(PROPS))
    except ConflictError as exc:
        error_text = str(exc)
    blob = json.dumps([created.outs, updated.outs, read.outs, read.inputs]) + error_text
    assert TOKEN not in blob
    assert all(r["headers"]["authorization"] == "Bearer <redacted>" for r in emulator.requests())


def test_check_and_diff_need_no_credentials_and_no_network():
    provider = configured_provider("http://127.0.0.1:9", token="")
    checked = provider.check({}, {"onlineMeetingId": "m", "__provider": "p"})
    assert checked.failures == [] and checked.inputs == {"onlineMeetingId": "m"}
    assert provider.diff(PATH, {"onlineMeetingId": "m", "etag": "e"}, checked.inputs).changes is False


# -- never overwrite, never delete what is not ours (the hardening issue) -------------------------


class _SeedBeforePut:
    """A GraphClient stand-in: another writer creates the appointment between create's GET and PUT."""

    def __init__(self, client, emulator, entity):
        self._client, self._emulator, self._entity = client, emulator, entity

    def put(self, path, body, if_none_match=None):
        self._emulator.seed(PATH, self._entity)
        return self._client.put(path, body, if_none_match)

    def __getattr__(self, name):
        return getattr(self._client, name)


def _racing(provider, emulator, entity):
    racing = _SeedBeforePut(provider._client.for_operation("beta"), emulator, entity)
    provider._client = types.SimpleNamespace(for_operation=lambda *args, **kwargs: racing)


def test_create_puts_with_if_none_match_star(provider, emulator):
    provider.create(dict(PROPS))
    put = emulator.requests()[1]
    assert (put["method"], put["headers"].get("if-none-match")) == ("PUT", "*")


def test_an_appointment_created_between_get_and_put_is_not_overwritten(provider, emulator):
    _racing(provider, emulator, {"externalAppointmentId": "theirs"})
    with pytest.raises(AppointmentExistsError, match="already has a virtualAppointment .* set\\s+adopt_existing=True"):
        provider.create(dict(PROPS))
    assert [(r["method"], r["status"]) for r in emulator.requests()] == [("GET", 404), ("PUT", 412)]
    assert emulator.get(PATH)["externalAppointmentId"] == "theirs"
    assert emulator.get(PATH)["appointmentClients"] is None


def test_the_same_race_while_adopting_adopts_with_a_minimal_patch(provider, emulator):
    _racing(provider, emulator, {"externalAppointmentId": "theirs", "externalAppointmentUrl": "https://keep/me"})
    result = provider.create({**PROPS, "adoptExisting": True})
    assert [(r["method"], r["status"]) for r in emulator.requests()] == [
        ("GET", 404), ("PUT", 412), ("GET", 200), ("PATCH", 204)]
    assert emulator.get(PATH)["externalAppointmentUrl"] == "https://keep/me"
    assert emulator.get(PATH)["externalAppointmentId"] == "AAMkADKnAAA="
    assert result.outs["etag"] == emulator.etag(PATH)


def test_a_new_user_id_that_reaches_the_appointment_is_recorded_with_one_get(provider, emulator):
    created = _create(provider, emulator)
    me = emulator.me.upper()  # the signed-in user's own id, spelled differently
    result = provider.update(created.id, created.outs, {**PROPS, "userId": me})
    own = f"users/{me}/onlineMeetings/MSpkYzE3/virtualAppointment"
    assert _log(emulator) == [("GET", "/beta/" + own, None, None)]
    assert result.outs == {**created.outs, "userId": me}
    assert provider.read(created.id, result.outs).id == own  # a refresh moves the resource id along
    assert emulator.get(PATH)["externalAppointmentId"] == "AAMkADKnAAA="


def test_a_new_user_id_and_a_change_is_one_get_and_one_patch_at_the_new_address(provider, emulator):
    created = _create(provider, emulator)
    result = provider.update(created.id, created.outs, {**PROPS, "userId": emulator.me, "externalAppointmentId": "x"})
    own = f"/beta/users/{emulator.me}/onlineMeetings/MSpkYzE3/virtualAppointment"
    assert _log(emulator) == [("GET", own, None, None), ("PATCH", own, {"externalAppointmentId": "x"}, created.outs["etag"])]
    assert result.outs["etag"] == emulator.etag(PATH)


def test_a_new_user_id_that_does_not_reach_the_appointment_changes_nothing(provider, emulator):
    created = _create(provider, emulator)
    with pytest.raises(NotFoundError) as caught:
        provider.update(created.id, created.outs, {**PROPS, "userId": "someone-else@contoso.com",
                                                   "externalAppointmentId": "x"})
    assert "user_id someone-else@contoso.com does not reach this virtualAppointment, so nothing was changed and the " \
           f"resource still addresses {PATH}" in str(caught.value)
    assert "itemNotFound" in str(caught.value)  # a user Graph takes, whose meeting is not there
    assert [r["method"] for r in emulator.requests()] == ["GET"]
    assert emulator.get(PATH)["externalAppointmentId"] == "AAMkADKnAAA="


def test_get_of_a_missing_appointment_is_an_error_naming_the_id(provider, emulator):
    with pytest.raises(NotFoundError) as caught:
        provider.read(USER_PATH, {})
    assert str(caught.value).startswith(f"Graph GET {USER_PATH} failed: HTTP 404 itemNotFound")
    assert str(caught.value).endswith(
        f"VirtualAppointment.get found no virtualAppointment at {USER_PATH}: check the online meeting id and "
        "the user in that id.")


@pytest.mark.parametrize("bad", [
    "me/onlineMeetings/../virtualAppointment",
    "me/onlineMeetings/%2E%2E/virtualAppointment",
    "users/./onlineMeetings/m/virtualAppointment",
    "users/a%2Fb/onlineMeetings/m/virtualAppointment",
    "me/onlineMeetings/m",
])
def test_get_with_an_id_that_leaves_its_path_sends_nothing(provider, emulator, bad):
    with pytest.raises(InvalidInputError, match="VirtualAppointment.get: "):
        provider.read(bad, {})
    assert emulator.requests() == []


def test_the_conflict_message_says_refresh_once_in_one_sentence(provider, emulator):
    created = _create(provider, emulator)
    emulator.edit(PATH, {"externalAppointmentId": "changed-in-teams"})
    with pytest.raises(ConflictError) as caught:
        provider.update(created.id, created.outs, {**PROPS, "externalAppointmentId": "x"})
    message = str(caught.value)
    assert message.startswith(
        "The virtualAppointment changed outside this program since the last deployment, so nothing was "
        "written: run `pulumi refresh` to accept the change into the stack's state, then `pulumi up` to apply the "
        f"program on top of it. ({PATH}: Graph answered HTTP 412 PreconditionFailed to the recorded ETag "
        f"{created.outs['etag']}: The If-Match value does not match the appointment's current ETag. (request-id: ")
    assert message.count("pulumi refresh") == 1 and message.count(PATH) == 1 and message.endswith("))")


def test_delete_carries_the_recorded_etag(provider, emulator):
    created = _create(provider, emulator)
    _CLAIMED.clear()
    provider.delete(created.id, created.outs)
    assert _log(emulator) == [("DELETE", "/beta/" + PATH, None, created.outs["etag"])]
    assert emulator.get(PATH) is None


def test_delete_after_an_unmanaged_change_rereads_and_deletes(provider, emulator):
    created = _create(provider, emulator)
    emulator.edit(PATH, {"externalAppointmentUrl": "https://set/in/teams"})  # not managed by the program
    _CLAIMED.clear()
    emulator.clear_requests()
    provider.delete(created.id, created.outs)
    assert [(r["method"], r["status"]) for r in emulator.requests()] == [("DELETE", 412), ("GET", 200), ("DELETE", 204)]
    assert emulator.get(PATH) is None


def test_delete_after_a_managed_change_is_refused_and_keeps_it(provider, emulator):
    created = _create(provider, emulator)
    emulator.edit(PATH, {"externalAppointmentId": "changed-in-teams"})
    _CLAIMED.clear()
    emulator.clear_requests()
    with pytest.raises(ConflictError) as caught:
        provider.delete(created.id, created.outs)
    assert str(caught.value).startswith(
        "The virtualAppointment changed outside this program since the last deployment, so it was not "
        "deleted: run `pulumi refresh` to accept the change into the stack's state, then `pulumi destroy` or "
        f"`pulumi up` again. ({PATH}: ")
    assert [(r["method"], r["status"]) for r in emulator.requests()] == [("DELETE", 412), ("GET", 200)]
    assert emulator.get(PATH)["externalAppointmentId"] == "changed-in-teams"


@pytest.mark.parametrize("bad", ["me/onlineMeetings/abc%0A/virtualAppointment",
                                 "me/onlineMeetings/%20abc%09/virtualAppointment"])
def test_get_with_an_id_padded_by_whitespace_sends_nothing(provider, emulator, bad):
    with pytest.raises(InvalidInputError, match="must not start or end with spaces or control characters"):
        provider.read(bad, {})
    assert emulator.requests() == []


def test_a_create_answered_without_an_etag_reads_one_so_updates_keep_if_match(provider, emulator):
    emulator.etag_on_write = False
    result = provider.create(dict(PROPS))
    assert [(r["method"], r["status"]) for r in emulator.requests()] == [("GET", 404), ("PUT", 201), ("GET", 200)]
    assert result.outs["etag"] == emulator.etag(PATH)


def test_clearing_a_join_url_without_a_recorded_etag_is_sent(provider, emulator):
    created = _create(provider, emulator, {**PROPS, "appointmentClientJoinWebUrl": "https://custom.example/join"})
    olds = {k: v for k, v in created.outs.items() if k != "etag"}
    provider.update(created.id, olds, dict(PROPS))
    assert [(m, body) for m, _, body, _ in _log(emulator)][:2] == [
        ("GET", None), ("PATCH", {"appointmentClientJoinWebUrl": None})]
    assert emulator.get(PATH)["appointmentClientJoinWebUrl"] != "https://custom.example/join"


def test_an_answer_under_a_forced_api_version_blames_the_version_not_the_input(emulator):
    """Issue 17: with msgraph:apiVersion v1.0 every resource uses v1.0, where the appointment does not
    exist; the advice was "check online_meeting_id" (404) or "check the property values" (400),
    sending the user after the wrong cause."""
    provider = configured_provider(emulator.url, **{"msgraph:apiVersion": "v1.0"})
    with pytest.raises(GraphResponseError) as caught:
        provider.create(dict(PROPS))
    message = str(caught.value)
    assert message.startswith(f"Graph GET {PATH} failed: HTTP 400 BadRequest: virtualAppointment is only in beta")
    assert message.endswith(". stack config msgraph:apiVersion makes every resource use v1.0, and the "
                            "virtualAppointment is served under beta: unset stack config msgraph:apiVersion or "
                            "MSGRAPH_API_VERSION (this answer may be the version's, not the input's).")
    assert "online_meeting_id" not in message and "property values" not in message


def test_a_404_at_the_resources_own_version_names_what_to_check(emulator):
    emulator.implicit_meetings = False
    try:
        provider = configured_provider(emulator.url)
        with pytest.raises(NotFoundError, match=r"Check online_meeting_id and user_id: the meeting or its appointment "
                                                r"does not exist for that user\.$"):
            provider.create(dict(PROPS))
    finally:
        emulator.implicit_meetings = True
