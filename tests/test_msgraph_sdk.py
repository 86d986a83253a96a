"""msgraph-sdk tier: the emulator answers Microsoft's own generated Graph client as Graph does.

Users test scheduling code written with ``msgraph-sdk`` (PyPI) against the emulator, so its fidelity
is checked here by a client this project did not write: every call is the SDK's own
(``GraphServiceClient``: createOrGet, get, patch, the virtual-appointment join link, the lookup by
join URL, delete; for ``me`` and ``users/{id}``), every answer must parse into the SDK's v1.0
models with nothing left over (``additional_data`` holds only ``@odata.context``), and the
emulator's request log pins the exact requests the SDK sent.

The client is built as a user points it at a local Graph: a static token credential (nothing
signs in, nothing reaches login.microsoftonline.com), the SDK's default middleware (the ``/me``
rewrite, retries, telemetry) on an httpx client whose base URL, and the request adapter's, is the
emulator over http on 127.0.0.1. The token goes only to the auth provider's allowed host
(``127.0.0.1``), and kiota allows plain http for loopback only. Environment proxies are ignored and
the transport refuses any host but 127.0.0.1 before a byte is sent, so nothing reaches
graph.microsoft.com.
"""

from __future__ import annotations

import asyncio
import json
import time
import warnings
from datetime import datetime, timedelta, timezone
from typing import Any, Awaitable, Callable
from urllib.parse import quote

import pytest

pytest.importorskip("msgraph", reason="msgraph-sdk is in the test extra")

# The generated SDK warns about its own request-configuration classes as it defines them (on import
# and on first use): its noise, not this tier's finding.
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning:msgraph",
                                        "ignore::DeprecationWarning:kiota_abstractions")

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    import httpx  # msgraph-sdk brings it
    from azure.core.credentials import AccessToken
    from kiota_abstractions.base_request_configuration import RequestConfiguration
    from kiota_authentication_azure.azure_identity_authentication_provider import (
        AzureIdentityAuthenticationProvider,
    )
    from kiota_http.kiota_client_factory import KiotaClientFactory
    from kiota_serialization_json.json_serialization_writer import JsonSerializationWriter
    from msgraph import GraphRequestAdapter, GraphServiceClient
    from msgraph.graph_request_adapter import options as SDK_OPTIONS
    from msgraph.generated.models.lobby_bypass_scope import LobbyBypassScope
    from msgraph.generated.models.lobby_bypass_settings import LobbyBypassSettings
    from msgraph.generated.models.meeting_participant_info import MeetingParticipantInfo
    from msgraph.generated.models.meeting_participants import MeetingParticipants
    from msgraph.generated.models.o_data_errors.o_data_error import ODataError
    from msgraph.generated.models.online_meeting import OnlineMeeting
    from msgraph.generated.models.online_meeting_presenters import OnlineMeetingPresenters
    from msgraph.generated.models.online_meeting_role import OnlineMeetingRole
    from msgraph.generated.users.item.online_meetings.create_or_get import create_or_get_post_request_body
    from msgraph.generated.users.item.online_meetings.item.online_meeting_item_request_builder import (
        OnlineMeetingItemRequestBuilder,
    )
    from msgraph.generated.users.item.online_meetings.online_meetings_request_builder import (
        OnlineMeetingsRequestBuilder,
    )
    from msgraph_core import GraphClientFactory

from pulumi_virtualappointment.emulator import DEFAULT_ME, Emulator  # noqa: E402 - after the skip
from pulumi_virtualappointment.emulator._meeting import TENANT_ID, join_url, object_id  # noqa: E402

CreateOrGetPostRequestBody = create_or_get_post_request_body.CreateOrGetPostRequestBody

TOKEN = "msgraph-sdk-tier-token"
UPN = "AdeleV@contoso.com"
CONTEXT = {"@odata.context"}
"""All an answer may leave in a model's ``additional_data``: everything else has its own field."""

OWNERS: dict[str, tuple[Callable[[GraphServiceClient], Any], str, str]] = {
    "me": (lambda client: client.me, "me", DEFAULT_ME),
    "users/{id}": (lambda client: client.users.by_user_id(DEFAULT_ME), f"users/{DEFAULT_ME}", DEFAULT_ME),
    "users/{upn}": (lambda client: client.users.by_user_id(UPN), "users/AdeleV%40contoso.com", UPN.lower()),
}
"""How the SDK addresses each owner, the path it sends, and the user the emulator stores."""


class StaticToken:
    """An azure-core ``TokenCredential`` handing out one fake token: nothing signs in."""

    def __init__(self) -> None:
        self.scopes: list[tuple[str, ...]] = []

    def get_token(self, *scopes: str, **kwargs: Any) -> AccessToken:
        self.scopes.append(scopes)
        return AccessToken(TOKEN, int(time.time()) + 3600)


class LoopbackOnly(httpx.AsyncBaseTransport):
    """httpx's transport, for 127.0.0.1 only: any other host is refused before a byte is sent."""

    def __init__(self) -> None:
        self._inner = httpx.AsyncHTTPTransport()
        self.refused: list[str] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.host != "127.0.0.1":
            self.refused.append(str(request.url))
            raise httpx.ConnectError(f"this tier talks to 127.0.0.1 only, not {request.url.host}", request=request)
        return await self._inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self._inner.aclose()


def sdk(base_url: str, scenario: Callable[[GraphServiceClient], Awaitable[Any]], *, rewrite_me: bool = True,
        transport: LoopbackOnly | None = None) -> Any:
    """Run ``scenario(client)`` with a GraphServiceClient whose base URL is ``base_url`` (``.../v1.0``).

    ``rewrite_me=False`` builds the http client with kiota's own defaults, as users who pass their
    own client do (msgraph-sdk-python#544, #1271): the SDK's ``/me`` rewrite is then missing."""

    async def main() -> Any:
        http = httpx.AsyncClient(base_url=base_url, transport=transport or LoopbackOnly(), trust_env=False,
                                 timeout=10)
        if rewrite_me:
            http = GraphClientFactory.create_with_default_middleware(client=http, options=SDK_OPTIONS)
        else:
            http = KiotaClientFactory.create_with_default_middleware(client=http)
        auth = AzureIdentityAuthenticationProvider(StaticToken(), scopes=["https://graph.microsoft.com/.default"],
                                                   allowed_hosts=["127.0.0.1"])
        adapter = GraphRequestAdapter(auth, client=http)
        adapter.base_url = base_url
        async with http:
            return await scenario(GraphServiceClient(request_adapter=adapter))

    # A loop of its own, never made the thread's current one: asyncio.run() would leave the main thread
    # without a current loop, and later tiers (pulumi's) call asyncio.get_event_loop().
    loop = asyncio.new_event_loop()
    try:
        return loop.run_until_complete(main())
    finally:
        loop.run_until_complete(loop.shutdown_asyncgens())
        loop.close()


@pytest.fixture
def emu():
    """The emulator as constructed by a user, with the one token the SDK's credential hands out."""
    with Emulator(token=TOKEN) as emulator:
        yield emulator


def as_json(model: Any) -> dict[str, Any]:
    """A parsed model written back by the SDK's own serializer (models hold a backing store each)."""
    writer = JsonSerializationWriter()
    writer.write_object_value(None, model)
    return json.loads(writer.get_serialized_content())


def sent(emu: Emulator) -> list[tuple[str, str, int]]:
    return [(entry["method"], entry["path"], entry["status"]) for entry in emu.requests()]


def prefer_unknown_members() -> RequestConfiguration:
    config: RequestConfiguration = RequestConfiguration()
    config.headers.add("Prefer", "include-unknown-enum-members")
    return config


def by_join_url(url: str, select: list[str] | None = None) -> RequestConfiguration:
    query = OnlineMeetingsRequestBuilder.OnlineMeetingsRequestBuilderGetQueryParameters(
        filter=f"JoinWebUrl eq '{url}'", select=select)
    return RequestConfiguration(query_parameters=query)


# -- the whole life of a meeting ------------------------------------------------------------------------


@pytest.mark.parametrize("owner", OWNERS)
def test_a_meeting_lives_and_dies_through_the_sdk_as_graph_documents(emu, owner):
    builder, path, user = OWNERS[owner]
    start = datetime(2026, 12, 1, 9, 0, tzinfo=timezone.utc)

    async def scenario(client: GraphServiceClient) -> tuple:
        meetings = builder(client).online_meetings
        body = CreateOrGetPostRequestBody(external_id="booking-1", subject="Consultation", start_date_time=start,
                                          end_date_time=start + timedelta(minutes=30))
        created = await meetings.create_or_get.post(body)
        again = await meetings.create_or_get.post(CreateOrGetPostRequestBody(external_id="booking-1"))
        item = meetings.by_online_meeting_id(created.id)
        got = await item.get()
        patched = await item.patch(OnlineMeeting(
            subject="Follow-up", allowed_presenters=OnlineMeetingPresenters.Organizer,
            lobby_bypass_settings=LobbyBypassSettings(scope=LobbyBypassScope.Everyone)))
        join = await item.get_virtual_appointment_join_web_url.get()
        found = await meetings.get(by_join_url(created.join_web_url))
        await item.delete()
        with pytest.raises(ODataError) as gone:
            await item.get()
        return created, again, got, patched, join, found, gone.value

    created, again, got, patched, join, found, gone = sdk(f"{emu.url}/v1.0", scenario)

    assert isinstance(created, OnlineMeeting) and set(created.additional_data) == CONTEXT
    assert created.additional_data["@odata.context"] == (
        f"{emu.url}/v1.0/$metadata#users('{user}')/onlineMeetings/$entity")
    assert (created.external_id, created.subject) == ("booking-1", "Consultation")
    assert (created.start_date_time, created.end_date_time) == (start, start + timedelta(minutes=30))
    organizer = created.participants.organizer
    assert (organizer.role, organizer.identity.user.id) == (OnlineMeetingRole.Presenter, object_id(user))
    # tenantId is communicationsUserIdentity's, sent untyped as in the docs' examples: the SDK keeps it aside
    assert {k: str(v) for k, v in organizer.identity.user.additional_data.items()} == {"tenantId": TENANT_ID}
    assert created.participants.attendees == []
    assert created.lobby_bypass_settings.scope == LobbyBypassScope.Organization
    assert created.join_meeting_id_settings.is_passcode_required is False
    assert created.chat_info.thread_id.startswith("19:meeting_")
    assert as_json(again) == as_json(got) == as_json(created)  # 200 for the existing one, then GET: the same

    assert set(patched.additional_data) == CONTEXT
    assert (patched.subject, patched.allowed_presenters) == ("Follow-up", OnlineMeetingPresenters.Organizer)
    assert (patched.lobby_bypass_settings.scope, patched.lobby_bypass_settings.is_dial_in_bypass_enabled) == (
        LobbyBypassScope.Everyone, False)

    assert join.value == join_url(user, created.id)
    assert join.additional_data == {"@odata.context": f"{emu.url}/v1.0/$metadata#Edm.String"}

    assert [meeting.id for meeting in found.value] == [created.id]
    assert set(found.value[0].additional_data) == set() and found.odata_next_link is None
    assert found.additional_data == {"@odata.context": f"{emu.url}/v1.0/$metadata#users('{user}')/onlineMeetings"}

    assert (gone.response_status_code, gone.error.code) == (404, "itemNotFound")
    meeting = f"/v1.0/{path}/onlineMeetings/{created.id}"
    assert sent(emu) == [
        ("POST", f"/v1.0/{path}/onlineMeetings/createOrGet", 201),
        ("POST", f"/v1.0/{path}/onlineMeetings/createOrGet", 200),
        ("GET", meeting, 200),
        ("PATCH", meeting, 200),
        ("GET", f"{meeting}/getVirtualAppointmentJoinWebUrl()", 200),
        ("GET", f"/v1.0/{path}/onlineMeetings", 200),
        ("DELETE", meeting, 204),
        ("GET", meeting, 404),
    ]
    assert emu.requests()[5]["query"] == {"$filter": f"JoinWebUrl eq '{created.join_web_url}'"}
    assert all(entry["headers"]["authorization"] == "Bearer <redacted>" for entry in emu.requests())
    assert emu.meetings() == {}


# -- the rules the SDK met ----------------------------------------------------------------------------


def test_select_answers_only_the_selected_properties_which_the_model_reads(emu):
    meeting_id = emu.seed_meeting("me", externalId="booking-1", subject="Consultation")

    async def scenario(client: GraphServiceClient) -> tuple:
        query = OnlineMeetingItemRequestBuilder.OnlineMeetingItemRequestBuilderGetQueryParameters(
            select=["subject", "joinWebUrl"])
        item = client.me.online_meetings.by_online_meeting_id(meeting_id)
        one = await item.get(RequestConfiguration(query_parameters=query))
        listed = await client.me.online_meetings.get(by_join_url(one.join_web_url, select=["subject"]))
        return one, listed

    one, listed = sdk(f"{emu.url}/v1.0", scenario)
    assert one.additional_data == {
        "@odata.context": f"{emu.url}/v1.0/$metadata#users('{DEFAULT_ME}')/onlineMeetings(subject,joinWebUrl)/$entity"}
    assert (one.id, one.subject, one.join_web_url) == (meeting_id, "Consultation",
                                                       emu.meeting(f"me/onlineMeetings/{meeting_id}")["joinWebUrl"])
    assert (one.start_date_time, one.participants, one.external_id, one.allow_recording) == (None, None, None, None)
    assert [(m.id, m.subject, m.join_web_url) for m in listed.value] == [(meeting_id, "Consultation", None)]
    assert emu.requests()[0]["query"] == {"$select": "subject,joinWebUrl"}
    assert emu.requests()[1]["query"]["$select"] == "subject"


def test_evolvable_members_read_unknown_future_value_unless_the_sdk_sends_prefer(emu):
    meeting_id = emu.seed_meeting("me", externalId="booking-1")

    async def scenario(client: GraphServiceClient) -> tuple:
        item = client.me.online_meetings.by_online_meeting_id(meeting_id)
        attendees = [MeetingParticipantInfo(upn="co@contoso.com", role=OnlineMeetingRole.Coorganizer),
                     MeetingParticipantInfo(upn="pro@contoso.com", role=OnlineMeetingRole.Producer)]
        lobby = LobbyBypassSettings(scope=LobbyBypassScope.Invited)
        plain = await item.patch(OnlineMeeting(participants=MeetingParticipants(attendees=attendees),
                                               lobby_bypass_settings=lobby))
        return plain, await item.get(prefer_unknown_members())

    plain, shown = sdk(f"{emu.url}/v1.0", scenario)
    assert [a.role for a in plain.participants.attendees] == [OnlineMeetingRole.UnknownFutureValue] * 2
    assert plain.lobby_bypass_settings.scope == LobbyBypassScope.UnknownFutureValue
    assert [a.role for a in shown.participants.attendees] == [OnlineMeetingRole.Coorganizer, OnlineMeetingRole.Producer]
    assert shown.lobby_bypass_settings.scope == LobbyBypassScope.Invited
    assert emu.requests()[1]["headers"]["prefer"] == "include-unknown-enum-members"


def test_a_beta_only_property_sent_to_v1_is_refused_as_graph_refuses_unknown_properties(emu):
    meeting_id = emu.seed_meeting("me", externalId="booking-1")

    async def scenario(client: GraphServiceClient) -> ODataError:
        item = client.me.online_meetings.by_online_meeting_id(meeting_id)
        assert "anonymizeIdentityForRoles" not in (await item.get()).additional_data
        with pytest.raises(ODataError) as refused:
            await item.patch(OnlineMeeting(additional_data={"anonymizeIdentityForRoles": ["attendee"]}))
        return refused.value

    refused = sdk(f"{emu.url}/v1.0", scenario)
    assert (refused.response_status_code, refused.error.code, refused.error.message) == (
        400, "BadRequest", "Invalid request body: property 'anonymizeIdentityForRoles' does not exist on type "
                           "'microsoft.graph.onlineMeeting'.")
    assert emu.meeting(f"me/onlineMeetings/{meeting_id}")["anonymizeIdentityForRoles"] == []


def test_a_client_without_the_me_rewrite_fails_here_as_on_graph(emu):
    """Without msgraph's middleware options ``client.me`` sends ``users/me-token-to-replace``."""

    async def scenario(client: GraphServiceClient) -> ODataError:
        with pytest.raises(ODataError) as refused:
            await client.me.online_meetings.create_or_get.post(CreateOrGetPostRequestBody(external_id="booking-1"))
        return refused.value

    refused = sdk(f"{emu.url}/v1.0", scenario, rewrite_me=False)
    assert (refused.response_status_code, refused.error.code, refused.error.message) == (
        404, "ErrorInvalidUser", "The requested user 'me-token-to-replace' is invalid.")
    assert sent(emu) == [("POST", "/v1.0/users/me-token-to-replace/onlineMeetings/createOrGet", 404)]
    assert emu.meetings() == {}


def test_the_tier_cannot_reach_any_host_but_loopback():
    """The guard itself: a client pointed at Graph is refused by the transport, nothing sent."""
    transport = LoopbackOnly()

    async def scenario(client: GraphServiceClient) -> None:
        await client.me.online_meetings.by_online_meeting_id("x").get()

    with pytest.raises(httpx.ConnectError, match="127.0.0.1 only"):
        sdk("https://graph.microsoft.com/v1.0", scenario, transport=transport)
    assert transport.refused == ["https://graph.microsoft.com/v1.0/me/onlineMeetings/x"]


def test_a_join_url_as_graph_writes_it_is_found_through_the_sdks_encoding(emu):
    """The SDK percent-encodes the filter once more; the emulator decodes it once, as Graph does."""
    meeting_id = emu.seed_meeting("me", externalId="booking-1")
    url = emu.meeting(f"me/onlineMeetings/{meeting_id}")["joinWebUrl"]
    assert "%3A" in url and quote(url, safe="") != url

    async def scenario(client: GraphServiceClient) -> Any:
        return await client.me.online_meetings.get(by_join_url(url))

    found = sdk(f"{emu.url}/v1.0", scenario)
    assert [meeting.id for meeting in found.value] == [meeting_id]
