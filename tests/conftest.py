"""Shared fixtures: a Graph emulator on 127.0.0.1 and a provider configured against it."""

from __future__ import annotations

import pytest

pytest.register_assert_rewrite("twin", "cli_harness")  # helper modules whose asserts the tiers read
from pulumi.dynamic import Config, ConfigureRequest

from pulumi_virtualappointment import VirtualAppointmentProvider
from pulumi_virtualappointment._client import GraphClient
from pulumi_virtualappointment._config import resolve_settings
from pulumi_virtualappointment._engine import _CLAIMED
from pulumi_virtualappointment.emulator import Emulator

TOKEN = "test-token-7f3c9a1e-do-not-leak"
"""A recognisable fake bearer token: tests search outputs and errors for it."""


@pytest.fixture(autouse=True)
def _fresh_provider_process():
    """Each test is a deployment of its own: the real engine starts one provider host per
    deployment, so what a host remembers (meetings its creates now manage) never crosses tests."""
    _CLAIMED.clear()
    yield
    _CLAIMED.clear()


@pytest.fixture
def emulator():
    with Emulator(token=TOKEN, implicit_meetings=True) as emu:
        yield emu


@pytest.fixture
def engine(emulator, tmp_path):
    """The engine stand-in against this module's emulator (reset first: the program tiers share one
    emulator per module), with its state under the test's ``tmp_path``."""
    from pulumi_virtualappointment.testing import Engine

    emulator.reset()
    return Engine({"msgraph:endpoint": emulator.url, "msgraph:accessToken": TOKEN}, tmp_path / "state.json")


def configured_provider(url: str, token: str = TOKEN, cls: type = VirtualAppointmentProvider, **extra):
    """A provider configured the way the engine does it: ``configure`` with namespaced keys."""
    provider = cls()
    raw = {"msgraph:endpoint": url, "msgraph:accessToken": token, **extra}
    provider.configure(ConfigureRequest(Config(raw, "test-project")))
    return provider


class Sleeps(list):
    """Records requested sleeps instead of waiting."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


@pytest.fixture
def sleeps():
    return Sleeps()


@pytest.fixture
def provider(emulator, sleeps):
    """A provider whose client sleeps into ``sleeps`` (retries never wait in tests)."""
    provider = configured_provider(emulator.url)
    settings = resolve_settings({"msgraph:endpoint": emulator.url, "msgraph:accessToken": TOKEN}.get, {})
    provider._client = GraphClient(settings, lambda: TOKEN, sleep=sleeps)
    return provider
