"""No secret in state, in the serialized provider, in error text or in the provider host's logs.

Protocol tier: the SDK's own provider host (``python -m pulumi.dynamic``) is configured with known
secret values, driven through a whole lifecycle and its failure paths against the emulator, and
every byte that leaves it (responses, as protobuf and as values; the ``__provider`` blob, also
base64-decoded; error details; its stderr) is searched for each secret.
"""

from __future__ import annotations

import base64
import json

import pytest
from pulumi.dynamic.dynamic import serialize_provider
from pulumi.runtime.proto import provider_pb2

from pulumi_virtualappointment.testing import PROVIDER_KEY, ProviderError, ProviderServer, to_struct
from pulumi_virtualappointment import VirtualAppointmentProvider
from pulumi_virtualappointment.emulator import Emulator



def jwt(claims: dict) -> str:
    """An unsigned JWT: enough for the provider's claim check, which never verifies."""
    payload = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    return f"eyJhbGciOiJSUzI1NiJ9.{payload}.c2ln"


TOKEN = "tok-SECRET-5b1d9e07"
PASSWORD = "pw-SECRET-8c2f4a31"
WRONG_TOKEN = "tok-SECRET-wrong-77d0"
APP_TOKEN = jwt({"aud": "https://graph.microsoft.com", "roles": ["OnlineMeetings.ReadWrite.All"], "tag": "SECRET-app"})
SECRETS = (TOKEN, PASSWORD, WRONG_TOKEN, APP_TOKEN)
URN = "urn:pulumi:dev::test::pulumi-python:dynamic/virtualappointment:VirtualAppointment::visit"
PATH = "me/onlineMeetings/MSpkYzE3/virtualAppointment"
INPUTS = {
    PROVIDER_KEY: serialize_provider(VirtualAppointmentProvider()),
    "onlineMeetingId": "MSpkYzE3",
    "settings": {"allowClientToJoinUsingBrowser": True},
    "appointmentClients": [{"displayName": "Grady Archie", "emailAddress": "gradya@contoso.com"}],
}


class Seen(list):
    """Every text that left the provider host, searched at the end."""

    def add(self, value) -> None:
        if isinstance(value, (bytes, str)):
            self.append(value.decode("latin-1") if isinstance(value, bytes) else value)
        else:
            self.append(json.dumps(value, default=str, sort_keys=True))

    def blob(self, props: dict) -> None:
        self.add(props[PROVIDER_KEY])
        self.add(base64.b64decode(props[PROVIDER_KEY]))

    def fails(self, call) -> str:
        with pytest.raises(ProviderError) as caught:
            call()
        self.add(caught.value.details)
        return caught.value.details


def _serve(emu: Emulator, config: dict) -> ProviderServer:
    return ProviderServer({"msgraph:endpoint": emu.url, **config}).start()


def _stop(server: ProviderServer, seen: Seen) -> None:
    """Stop the host and keep everything it wrote to stdout and stderr (the engine logs both)."""
    server.stop()
    seen.add(server.stderr), seen.add(server.stdout)


def _lifecycle(server: ProviderServer, later: ProviderServer, emu: Emulator, seen: Seen) -> None:
    """check, create, diff, update, a 412 conflict, read, then (a later deployment, as the engine runs
    `pulumi destroy` with a host of its own) delete: every response recorded."""
    checked = server.call("Check", provider_pb2.CheckRequest(urn=URN, olds=to_struct({}), news=to_struct(INPUTS)))
    seen.add(checked.SerializeToString())
    inputs, _ = server.check(URN, {}, INPUTS)
    id_, outs = server.create(URN, inputs)
    seen.add(outs), seen.blob(outs)
    seen.add(server.diff(URN, id_, outs, inputs).SerializeToString())
    news, _ = server.check(URN, inputs, {**INPUTS, "externalAppointmentId": "AAMkADKnAAA="})
    outs = server.update(URN, id_, outs, news)
    seen.add(outs), seen.blob(outs)
    emu.edit(PATH, {"externalAppointmentId": "theirs"})
    stale, _ = server.check(URN, news, {**INPUTS, "externalAppointmentId": "again"})
    assert "changed outside this program" in seen.fails(lambda: server.update(URN, id_, outs, stale))
    read_id, read_outs, read_inputs = server.read(URN, id_, outs, news)
    seen.add(read_outs), seen.add(read_inputs), seen.blob(read_outs), seen.blob(read_inputs)
    later.delete(URN, id_, read_outs)
    assert emu.get(PATH) is None


def test_no_secret_leaves_the_provider_host():
    seen = Seen()
    with Emulator(token=TOKEN, implicit_meetings=True) as emu:
        main = {"msgraph:accessToken": TOKEN, "msgraph:password": PASSWORD, "msgraph:username": "ada@contoso.com"}
        servers = {
            "main": _serve(emu, main),
            "destroy": _serve(emu, main),
            "wrong": _serve(emu, {"msgraph:accessToken": WRONG_TOKEN, "msgraph:password": PASSWORD}),
            "app": _serve(emu, {"msgraph:accessToken": APP_TOKEN}),
            "ropc": _serve(emu, {"msgraph:auth": "username_password", "msgraph:password": PASSWORD}),
        }
        try:
            _lifecycle(servers["main"], servers["destroy"], emu, seen)
            inputs, _ = servers["main"].check(URN, {}, INPUTS)
            emu.clear_requests()
            unauthorized = seen.fails(lambda: servers["wrong"].create(URN, inputs))
            assert "HTTP 401 InvalidAuthenticationToken" in unauthorized and "Sign in again" in unauthorized
            assert "application (app-only) token" in seen.fails(lambda: servers["app"].create(URN, inputs))
            assert "needs msgraph:username (MSGRAPH_USERNAME)" in seen.fails(lambda: servers["ropc"].create(URN, inputs))
            assert [r["method"] for r in emu.requests()] == ["GET"]  # the 401; the app token was never sent
        finally:
            for server in servers.values():
                _stop(server, seen)
    assert len(seen) > 20
    leaks = [(secret, text[:200]) for text in seen for secret in SECRETS if secret in text]
    assert leaks == []
    assert all("SECRET" not in text for text in seen)
