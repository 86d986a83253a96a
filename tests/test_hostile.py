"""The client against hostile and broken servers: redirects, slow or huge answers, odd JSON.

Each test names what it guards: client data replayed to another origin, a write reported as done
that never happened, an operation that never ends, memory blown by a small answer, a raw
traceback instead of an error that names the problem, a token echoed in an error.
"""

from __future__ import annotations

import gzip
import json
import tracemalloc
import zlib

import pytest

from conftest import TOKEN, configured_provider
from loopback import answer, drip, response, serving
from pulumi_virtualappointment import (
    ConfigurationError,
    GraphResponseError,
    GraphTransportError,
)
from pulumi_virtualappointment._client import MAX_RESPONSE_BYTES, GraphClient
from pulumi_virtualappointment._config import resolve_settings

PATH = "me/onlineMeetings/MSpkYzE3/virtualAppointment"
PROPS = {"onlineMeetingId": "MSpkYzE3", "externalAppointmentId": "ext-1",
         "appointmentClients": [{"displayName": "Grady Archie", "emailAddress": "gradya@contoso.com"}]}
OUTS = {**PROPS, "etag": 'W/"e1"'}
JSON = "Content-Type: application/json"


def _client(endpoint, sleeps, **config):
    raw = {"msgraph:endpoint": endpoint, "msgraph:accessToken": TOKEN, **config}
    return GraphClient(resolve_settings(raw.get, {}), lambda: TOKEN, sleep=sleeps)


def _provider(endpoint, sleeps, **config):
    provider = configured_provider(endpoint, **config)
    provider._client = _client(endpoint, sleeps, **config)
    return provider


# -- redirects are never followed ---------------------------------------------------------------


@pytest.mark.parametrize("status", ["301 Moved Permanently", "302 Found", "303 See Other",
                                    "307 Temporary Redirect", "308 Permanent Redirect"])
def test_a_redirect_is_refused_and_nothing_reaches_its_target(status, sleeps):
    with serving(answer(response("204 No Content"))) as foreign:
        target = f"{foreign.url}/beta/{PATH}"
        with serving(answer(response(status, headers=(f"Location: {target}",)))) as graph:
            provider = _provider(graph.url, sleeps)
            with pytest.raises(GraphResponseError) as caught:
                provider.update(PATH, OUTS, {**PROPS, "externalAppointmentId": "ext-2"})
    code = int(status.split()[0])
    assert caught.value.status == code
    assert str(caught.value).startswith(
        f"Graph PATCH {PATH} failed: HTTP {code} redirect: Graph answered with a redirect to "
        f"{foreign.url.removeprefix('http://')}, which the provider never follows (a redirect could "
        "replay the request and its body at another address); nothing was sent there")
    assert foreign.requests == [] and len(graph.requests) == 1 and sleeps == []


@pytest.mark.parametrize("method", ["delete", "read"])
def test_a_see_other_never_turns_a_delete_or_a_read_into_a_success(method, sleeps):
    with serving(answer(response("200 OK", b"{}", (JSON,)))) as foreign:
        with serving(answer(response("303 See Other", headers=(f"Location: {foreign.url}/",)))) as graph:
            provider = _provider(graph.url, sleeps)
            with pytest.raises(GraphResponseError, match="HTTP 303 redirect"):
                getattr(provider, method)(PATH, dict(OUTS))
    assert foreign.requests == []


@pytest.mark.parametrize("status,reason", [
    ("304 Not Modified", "HTTP 304 redirect: Graph answered 304 Not Modified to a request that asked for no cached copy"),
    ("307 Temporary Redirect", "HTTP 307 redirect: Graph answered with a redirect without a Location"),
    ("300 Multiple Choices", "HTTP 300 redirect: Graph answered with a redirect without a Location"),
])
def test_a_3xx_without_a_target_is_an_error_not_an_empty_success(status, reason, sleeps):
    with serving(answer(response(status))) as graph:
        with pytest.raises(GraphResponseError, match=reason):
            _provider(graph.url, sleeps).read(PATH, dict(OUTS))


# -- deadlines ---------------------------------------------------------------------------------


def test_a_server_dripping_the_body_hits_the_per_request_bound(sleeps):
    head = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{"
    with serving(drip(head, every=0.2)) as graph:
        client = _client(graph.url, sleeps, **{"msgraph:timeoutSeconds": 1, "msgraph:maxRetries": 0})
        with pytest.raises(GraphTransportError) as caught:
            client.get(PATH)
    assert "no complete response within 1 s (msgraph:timeoutSeconds)" in str(caught.value)


def test_a_server_dripping_a_header_hits_the_per_request_bound(sleeps):
    with serving(drip(b"HTTP/1.1 200 OK\r\nX-Slow: ", every=0.2)) as graph:
        client = _client(graph.url, sleeps, **{"msgraph:timeoutSeconds": 1, "msgraph:maxRetries": 0})
        with pytest.raises(GraphTransportError, match=r"no complete response within 1 s \(msgraph:timeoutSeconds\)"):
            client.get(PATH)


def test_retries_of_a_slow_server_stop_at_the_operation_bound(sleeps):
    head = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{"
    config = {"msgraph:timeoutSeconds": 1, "msgraph:maxRetries": 10, "msgraph:operationTimeoutSeconds": 2}
    with serving(drip(head, every=0.2)) as graph:
        provider = _provider(graph.url, sleeps, **config)
        with pytest.raises(GraphTransportError) as caught:
            provider.read(PATH, dict(OUTS))
    assert "the operation's bound of 2 s (msgraph:operationTimeoutSeconds) was reached" in str(caught.value)
    assert 2 <= len(graph.requests) <= 3  # about two 1 s attempts fit in 2 s; never the 11 allowed


# -- size and shape ----------------------------------------------------------------------------


def _bomb(size: int) -> bytes:
    packer = zlib.compressobj(9, zlib.DEFLATED, 31)  # gzip framing
    block = b"[" * (1 << 20)
    return b"".join(packer.compress(block) for _ in range(size >> 20)) + packer.flush()


def test_a_gzip_bomb_is_refused_at_the_size_cap_without_inflating_it(sleeps):
    bomb = _bomb(64 << 20)
    assert len(bomb) < 200_000
    payload = response("200 OK", bomb, (JSON, "Content-Encoding: gzip"))
    with serving(answer(payload)) as graph:
        client = _client(graph.url, sleeps)
        tracemalloc.start()
        try:
            with pytest.raises(GraphResponseError, match=f"larger than {MAX_RESPONSE_BYTES} bytes"):
                client.get(PATH)
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
    assert peak < 4 * MAX_RESPONSE_BYTES


def test_a_declared_length_over_the_cap_is_refused_before_reading(sleeps):
    head = f"HTTP/1.1 200 OK\r\n{JSON}\r\nContent-Length: {MAX_RESPONSE_BYTES + 1}\r\n\r\n".encode()
    with serving(answer(head)) as graph:
        with pytest.raises(GraphResponseError, match=f"larger than {MAX_RESPONSE_BYTES} bytes"):
            _client(graph.url, sleeps).get(PATH)


def test_an_error_body_over_the_cap_is_still_an_error_with_its_status(sleeps):
    big = gzip.compress(b" " * (MAX_RESPONSE_BYTES + 10))
    with serving(answer(response("400 Bad Request", big, (JSON, "Content-Encoding: gzip")))) as graph:
        with pytest.raises(GraphResponseError) as caught:
            _client(graph.url, sleeps).get(PATH)
    assert caught.value.status == 400


@pytest.mark.parametrize("body,kind", [(b"[]", "an array"), (b"3", "a number"), (b"true", "true"),
                                       (b'"x"', "a string"), (b"null", "null")])
@pytest.mark.parametrize("method", ["read", "create", "update"])
def test_a_success_that_is_json_but_not_an_object_names_the_problem(method, body, kind, sleeps):
    with serving(answer(response("200 OK", body, (JSON,)))) as graph:
        provider = _provider(graph.url, sleeps)
        call = {"read": lambda: provider.read(PATH, dict(OUTS)),
                "create": lambda: provider.create({**PROPS, "adoptExisting": True}),
                "update": lambda: provider.update(PATH, {k: v for k, v in OUTS.items() if k != "etag"},
                                                  {**PROPS, "externalAppointmentId": "ext-2"})}[method]
        with pytest.raises(GraphResponseError, match=f"HTTP 200 invalidResponse: expected a JSON object, got {kind}"):
            call()


@pytest.mark.parametrize("method", ["read", "create"])
def test_json_nested_100000_deep_is_an_error_not_a_recursion_crash(method, sleeps):
    body = b"[" * 100_000 + b"]" * 100_000
    with serving(answer(response("200 OK", body, (JSON,)))) as graph:
        provider = _provider(graph.url, sleeps)
        with pytest.raises(GraphResponseError, match="invalidResponse: the JSON is nested deeper than"):
            provider.read(PATH, dict(OUTS)) if method == "read" else provider.create(dict(PROPS))


@pytest.mark.parametrize("entity,problem", [
    ({"settings": [1]}, "settings: expected an object, got list"),
    ({"appointmentClients": "x"}, "appointmentClients: expected a list, got str"),
    ({"appointmentClients": [1]}, r"appointmentClients\[0\]: expected an object, got int"),
    ({"appointmentClients": [{"displayName": {"a": 1}}]}, r"appointmentClients\[0\].displayName: expected a string, got dict"),
    ({"externalAppointmentId": 7}, "externalAppointmentId: expected a string, got int"),
    ({"settings": {"allowClientToJoinUsingBrowser": "maybe"}}, "settings.allowClientToJoinUsingBrowser: expected true or false"),
])
def test_a_live_value_of_the_wrong_shape_names_the_property(entity, problem, sleeps):
    with serving(answer(response("200 OK", json.dumps(entity).encode(), (JSON, 'ETag: W/"1"')))) as graph:
        with pytest.raises(GraphResponseError, match=f"HTTP 200 invalidResponse: Graph's virtualAppointment has {problem}"):
            _provider(graph.url, sleeps).read(PATH, dict(OUTS))


# -- the token never leaks through a broken header ------------------------------------------------


@pytest.mark.parametrize("token,problem", [
    ("tok-SECRET-a\r\nSECRET-b", "a line break"),
    ("tok-SECRET-a SECRET-b", "a space"),
    ("tok-SECRET-aé", "a character that is not ASCII"),
])
def test_a_malformed_token_is_a_configuration_error_that_never_echoes_it(token, problem, sleeps):
    with serving(answer(response("200 OK", b"{}", (JSON,)))) as graph:
        provider = configured_provider(graph.url, token=token)
        with pytest.raises(ConfigurationError) as caught:
            provider.read(PATH, dict(OUTS))
    text = str(caught.value)
    assert f"contains {problem}" in text and "copy it again" in text
    assert "SECRET" not in text and graph.requests == []


def test_a_header_value_requests_refuses_is_translated_without_its_value(sleeps):
    with serving(answer(response("204 No Content"))) as graph:
        provider = _provider(graph.url, sleeps)
        olds = {**OUTS, "etag": 'W/"e1"\r\nX-Leak: SECRET'}
        with pytest.raises(GraphTransportError) as caught:
            provider.update(PATH, olds, {**PROPS, "externalAppointmentId": "ext-2"})
    assert "the request could not be sent: a header value is not valid (InvalidHeader)" in str(caught.value)
    assert "SECRET" not in str(caught.value) and graph.requests == []
