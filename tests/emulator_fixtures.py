"""Fixtures and helpers for the emulator's own tests: real HTTP on 127.0.0.1 only.

Import the fixtures into a test module (``from emulator_fixtures import emulator, emulator_options,
graph``); pytest puts this folder on ``sys.path`` for test modules that are not in a package.
A module whose tests are about the appointment alone defines its own ``emulator_options``
fixture returning ``{"implicit_meetings": True}``, so any meeting id counts as an existing
meeting; the default is the emulator as constructed with no arguments.
"""

from __future__ import annotations

import re
from typing import Any, Iterator

import pytest
import requests

from pulumi_virtualappointment.emulator import DEFAULT_ME, Emulator

ME = DEFAULT_ME
MEETING = "MSpkYzE3Njc0Yy04MWQ5LTRhZGItYmZi"
ME_PATH = f"me/onlineMeetings/{MEETING}/virtualAppointment"
USER_PATH = f"users/{ME}/onlineMeetings/{MEETING}/virtualAppointment"
MEETING_PATH = f"me/onlineMeetings/{MEETING}"
"""The meeting :data:`ME_PATH`'s appointment belongs to."""
USER_MEETING_PATH = f"users/{ME}/onlineMeetings/{MEETING}"
"""The canonical form of :data:`MEETING_PATH`, as snapshots list it."""
TOKEN = "test-token"
WEAK_ETAG = re.compile(r'^W/"[A-Za-z0-9+/]+=*"$')
GUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
GRAPH_DATE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$")

DOCS_BODY: dict[str, Any] = {
    "@odata.type": "#microsoft.graph.virtualAppointment",
    "id": "0c7fda79-ff00-f57f-37e3-28183b6d09b5",
    "settings": {"@odata.type": "microsoft.graph.virtualAppointmentSettings", "allowClientToJoinUsingBrowser": "true"},
    "appointmentClients": [
        {
            "@odata.type": "microsoft.graph.virtualAppointmentUser",
            "emailAddress": "gradya@contoso.com",
            "displayName": "Grady Archie",
            "smsCapablePhoneNumber": "123-456-7890",
        }
    ],
    "externalAppointmentId": "AAMkADKnAAA=",
    "externalAppointmentUrl": "https://anyschedulingsystem.com/api/appointments/MkADKnAAA=",
    "appointmentClientJoinWebUrl": "https://visit.teams.microsoft.com/webrtc-svc/api/route?tid=a796be92-&convId=19:meeting_=True",
}
"""The request body of the update reference's example, annotations and string boolean included."""

DOCS_PROPERTIES: dict[str, Any] = {
    "appointmentClientJoinWebUrl": DOCS_BODY["appointmentClientJoinWebUrl"],
    "appointmentClients": [
        {"displayName": "Grady Archie", "emailAddress": "gradya@contoso.com", "smsCapablePhoneNumber": "123-456-7890"}
    ],
    "externalAppointmentId": "AAMkADKnAAA=",
    "externalAppointmentUrl": "https://anyschedulingsystem.com/api/appointments/MkADKnAAA=",
    "settings": {"allowClientToJoinUsingBrowser": True},
}
"""How Graph stores and returns :data:`DOCS_BODY` (annotations and ``id`` dropped)."""


class Graph:
    """A small test client: real HTTP to one emulator, environment proxies ignored."""

    def __init__(self, emu: Emulator, token: str | None = TOKEN) -> None:
        self.emu = emu
        self.token = token
        self.session = requests.Session()
        self.session.trust_env = False  # never route loopback traffic through a proxy

    def url(self, path: str = ME_PATH, version: str = "beta") -> str:
        return f"{self.emu.url}/{version}/{path}" if version else f"{self.emu.url}/{path}"

    def request(self, method: str, path: str = ME_PATH, *, version: str = "beta", **kwargs: Any) -> requests.Response:
        headers = dict(kwargs.pop("headers", None) or {})
        if self.token is not None:
            headers.setdefault("Authorization", f"Bearer {self.token}")
        headers = {name: value for name, value in headers.items() if value is not None}
        kwargs.setdefault("timeout", 5)
        return self.session.request(method, self.url(path, version), headers=headers, **kwargs)

    def get(self, path: str = ME_PATH, **kwargs: Any) -> requests.Response:
        return self.request("GET", path, **kwargs)

    def put(self, path: str = ME_PATH, **kwargs: Any) -> requests.Response:
        return self.request("PUT", path, **kwargs)

    def patch(self, path: str = ME_PATH, **kwargs: Any) -> requests.Response:
        return self.request("PATCH", path, **kwargs)

    def delete(self, path: str = ME_PATH, **kwargs: Any) -> requests.Response:
        return self.request("DELETE", path, **kwargs)

    def meeting(
        self, method: str, path: str = MEETING_PATH, *, version: str = "v1.0", **kwargs: Any
    ) -> requests.Response:
        """A request to a meeting route (``v1.0`` unless told otherwise)."""
        return self.request(method, path, version=version, **kwargs)

    def create_or_get(self, body: Any, owner: str = "me", **kwargs: Any) -> requests.Response:
        """``POST {owner}/onlineMeetings/createOrGet`` with a JSON body."""
        return self.meeting("POST", f"{owner}/onlineMeetings/createOrGet", json=body, **kwargs)

    def admin(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        """An admin API call, with the emulator's own token when it was started with one."""
        headers = dict(kwargs.pop("headers", None) or {})
        if self.emu.token is not None:
            headers.setdefault("Authorization", f"Bearer {self.emu.token}")
        kwargs.setdefault("timeout", 5)
        return self.session.request(method, f"{self.emu.url}/_emulator/{path}", headers=headers, **kwargs)

    def close(self) -> None:
        self.session.close()


@pytest.fixture
def emulator_options() -> dict[str, Any]:
    """Keyword arguments of :class:`Emulator` for :func:`emulator`; override it in a module to change them."""
    return {}


@pytest.fixture
def emulator(emulator_options: dict[str, Any]) -> Iterator[Emulator]:
    """A running emulator on a free loopback port (``Emulator(**emulator_options)``), stopped after the test."""
    emu = Emulator(**emulator_options).start()
    try:
        yield emu
    finally:
        emu.stop()


@pytest.fixture
def graph(emulator: Emulator) -> Iterator[Graph]:
    """A client of :func:`emulator` sending ``Authorization: Bearer test-token``."""
    client = Graph(emulator)
    try:
        yield client
    finally:
        client.close()


def error_of(response: requests.Response) -> dict[str, Any]:
    """The ``error`` object of a Graph error response, after checking its shape."""
    body = response.json()
    assert set(body) == {"error"}
    error = body["error"]
    assert {"code", "message", "innerError"} <= set(error)
    inner = error["innerError"]
    assert GRAPH_DATE.match(inner["date"])
    assert inner["request-id"] == response.headers["request-id"]
    assert GUID.match(inner["request-id"])
    return error
