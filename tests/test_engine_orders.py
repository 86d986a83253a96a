"""Program tier, the engine's own orders: what ``pulumi up`` does with a replacement, ``get``,
``import_``, ``retain_on_delete``, ``ignore_changes``, ``replace_on_changes`` and secrets.

Each test runs a small real Pulumi program through the engine stand-in (``engine.py``: a provider
host per deployment, the step orders of the engine's source) against the emulator, and asserts
what Graph saw and what it holds afterwards. These are the paths the real CLI takes and a
provider called only directly never meets.
"""

from __future__ import annotations

import textwrap

import pytest
from pulumi.runtime import rpc

from conftest import TOKEN
from pulumi_virtualappointment.testing import ProviderError, run_program
from pulumi_virtualappointment.emulator import Emulator

MEETING = "MSpkOrders"
PATH = f"me/onlineMeetings/{MEETING}/virtualAppointment"
HEADER = "import pulumi\nfrom pulumi_virtualappointment import VirtualAppointment\n"


@pytest.fixture(scope="module")
def emulator():
    with Emulator(token=TOKEN, implicit_meetings=True) as emu:
        yield emu


@pytest.fixture
def up(engine, tmp_path):
    """``up(body, preview=False)``: run a program whose body follows the imports."""

    def run(body: str, preview: bool = False) -> list:
        program = tmp_path / "__main__.py"
        program.write_text(HEADER + textwrap.dedent(body))
        run_program(program, engine, {}, preview=preview)
        return [(s.name, s.op) for s in engine.steps]

    return run


def _wire(emulator):
    return [(r["method"], r["path"].removeprefix("/beta/"), r["status"]) for r in emulator.requests()]


def _appointment(meeting=MEETING, user=None, options="", **extra):
    args = ", ".join([f"online_meeting_id={meeting!r}", f"user_id={user!r}", "external_appointment_id='ext-1'",
                      *(f"{k}={v!r}" for k, v in extra.items())])
    return f"VirtualAppointment('visit', {args}{', opts=pulumi.ResourceOptions(' + options + ')' if options else ''})\n"


# -- identity changes and replacements ------------------------------------------------------------


def test_a_user_id_change_to_the_same_user_updates_in_place_and_keeps_the_appointment(up, emulator):
    up(_appointment())
    join_url = emulator.get(PATH)["appointmentClientJoinWebUrl"]
    emulator.clear_requests()
    assert up(_appointment(user=emulator.me.upper())) == [("visit", "update")]
    assert _wire(emulator) == [("GET", f"users/{emulator.me.upper()}/onlineMeetings/{MEETING}/virtualAppointment", 200)]
    assert emulator.get(PATH)["appointmentClientJoinWebUrl"] == join_url  # the same appointment, untouched


def test_a_forced_replacement_deletes_first_so_the_new_resource_never_loses_what_it_took(up, engine, emulator):
    """The Diff asks for delete-before-replace: creating first would let the new resource adopt the
    appointment and the old one's delete (at the end of the run, step_generator.go:2164) remove it."""
    up(_appointment(adopt_existing=True))
    emulator.clear_requests()
    steps = up(_appointment(user=emulator.me, adopt_existing=True, options="replace_on_changes=['user_id']"))
    own = f"users/{emulator.me}/onlineMeetings/{MEETING}/virtualAppointment"
    assert steps == [("visit", "replace"), ("visit", "delete")]
    assert _wire(emulator) == [("DELETE", PATH, 204), ("GET", own, 404), ("PUT", own, 201)]
    assert emulator.get(PATH)["externalAppointmentId"] == "ext-1" and engine.load()["visit"]["id"] == own


def test_create_before_delete_onto_the_same_appointment_keeps_it(up, engine, emulator):
    """When the program insists on creating first, the delete in the same deployment leaves alone
    what the create adopted."""
    up(_appointment(adopt_existing=True))
    emulator.clear_requests()
    options = "replace_on_changes=['user_id'], delete_before_replace=False"
    steps = up(_appointment(user=emulator.me, adopt_existing=True, options=options))
    own = f"users/{emulator.me}/onlineMeetings/{MEETING}/virtualAppointment"
    assert steps == [("visit", "replace"), ("visit", "delete")]
    assert _wire(emulator) == [("GET", own, 200)]  # adopted as declared: no write, and no DELETE
    assert emulator.get(PATH)["externalAppointmentId"] == "ext-1" and engine.load()["visit"]["id"] == own


def test_a_pending_delete_left_by_a_failed_run_does_not_remove_what_the_new_resource_changed(up, engine, emulator):
    """The run fails after the replacement's create: the old resource stays in the state marked for
    deletion, and the next run deletes it in a provider host that remembers nothing. Its DELETE
    carries the old ETag: the appointment changed since (the adoption wrote it), so it is kept."""
    up(_appointment(adopt_existing=True))
    options = "replace_on_changes=['user_id'], delete_before_replace=False"
    replacing = _appointment(user=emulator.me, adopt_existing=True, options=options).replace("'ext-1'", "'ext-2'")
    with pytest.raises(ProviderError, match="Check"):
        # a resource after it fails its Check (its id is known only once the replacement is done)
        up(replacing.replace("VirtualAppointment('visit'", "visit = VirtualAppointment('visit'")
           + "VirtualAppointment('broken', online_meeting_id=visit.online_meeting_id.apply(lambda _: '..'))\n")
    assert [k for k in engine.load() if k.endswith("#pending-delete")] == ["visit#pending-delete"]
    emulator.clear_requests()
    with pytest.raises(ProviderError, match="changed outside this program since the last deployment, so it was not "
                                            "deleted: run `pulumi refresh`"):
        up(replacing)
    assert [m for m, _, _ in _wire(emulator)] == ["DELETE", "GET"]
    assert emulator.get(PATH)["externalAppointmentId"] == "ext-2"


def test_a_meeting_change_creates_the_new_appointment_then_deletes_the_old(up, emulator):
    """Another meeting is another appointment: creating first leaves the old one if the create fails."""
    up(_appointment())
    emulator.clear_requests()
    new = "me/onlineMeetings/MSpkOther/virtualAppointment"
    assert up(_appointment(meeting="MSpkOther")) == [("visit", "replace"), ("visit", "delete")]
    assert _wire(emulator) == [("GET", new, 404), ("PUT", new, 201), ("DELETE", PATH, 204)]
    assert emulator.get(PATH) is None and emulator.get(new)["externalAppointmentId"] == "ext-1"


def test_a_meeting_change_whose_create_fails_keeps_the_old_appointment(up, emulator):
    up(_appointment())
    new = "me/onlineMeetings/MSpkOther/virtualAppointment"
    emulator.seed(new, {"externalAppointmentId": "theirs"})
    with pytest.raises(ProviderError, match="already has a virtualAppointment"):
        up(_appointment(meeting="MSpkOther"))
    assert emulator.get(PATH)["externalAppointmentId"] == "ext-1" and emulator.get(new)["externalAppointmentId"] == "theirs"


def test_the_program_may_ask_to_delete_first(up, emulator):
    up(_appointment())
    emulator.clear_requests()
    new = "me/onlineMeetings/MSpkOther/virtualAppointment"
    up(_appointment(meeting="MSpkOther", options="delete_before_replace=True"))
    assert _wire(emulator) == [("DELETE", PATH, 204), ("GET", new, 404), ("PUT", new, 201)]


# -- options the engine acts on ---------------------------------------------------------------------


def test_retain_on_delete_keeps_the_appointment_when_the_program_drops_it(up, emulator):
    up(_appointment(options="retain_on_delete=True"))
    emulator.clear_requests()
    assert up("") == [("visit", "delete")]
    assert emulator.requests() == [] and emulator.get(PATH) is not None


def test_ignore_changes_keeps_the_recorded_value_and_sends_nothing(up, emulator):
    up(_appointment(options="ignore_changes=['external_appointment_id']"))
    emulator.clear_requests()
    body = _appointment(options="ignore_changes=['external_appointment_id']").replace("'ext-1'", "'ext-2'")
    assert up(body) == [("visit", "same")]
    assert emulator.requests() == [] and emulator.get(PATH)["externalAppointmentId"] == "ext-1"


def test_ignore_changes_takes_a_nested_python_path(up, emulator):
    options = "ignore_changes=['settings.allow_client_to_join_using_browser']"
    up(_appointment(settings={"allow_client_to_join_using_browser": True}, options=options))
    emulator.clear_requests()
    assert up(_appointment(settings={"allow_client_to_join_using_browser": False}, options=options)) == [
        ("visit", "same")]
    assert emulator.requests() == []


def test_replace_on_changes_recreates_on_a_managed_property(up, emulator):
    """The provider answers a change as DIFF_UNKNOWN, so the engine knows the changed keys."""
    options = "replace_on_changes=['external_appointment_id']"
    up(_appointment(options=options))
    emulator.clear_requests()
    steps = up(_appointment(options=options).replace("'ext-1'", "'ext-2'"))
    assert steps == [("visit", "replace"), ("visit", "delete")]
    assert _wire(emulator) == [("DELETE", PATH, 204), ("GET", PATH, 404), ("PUT", PATH, 201)]
    assert emulator.get(PATH)["externalAppointmentId"] == "ext-2"


def test_import_fails_as_for_every_dynamic_provider_so_adoption_is_the_way_in(up, emulator):
    emulator.seed(PATH, {"externalAppointmentId": "theirs"})
    with pytest.raises(ProviderError) as caught:
        up(_appointment(options=f"import_={PATH!r}"))
    assert caught.value.method == "Read" and "__provider" in caught.value.details
    assert emulator.get(PATH)["externalAppointmentId"] == "theirs"


# -- get, refresh and secrets -------------------------------------------------------------------------


def test_get_reads_the_appointment_and_keeps_its_clients_secret(up, engine, emulator):
    clients = [{"displayName": "Grady Archie", "emailAddress": "gradya@contoso.com"}]
    emulator.seed(PATH, {"externalAppointmentId": "theirs", "appointmentClients": clients})
    emulator.clear_requests()
    assert up(f"seen = VirtualAppointment.get('seen', {PATH!r})\n") == [("seen", "read")]
    assert _wire(emulator) == [("GET", PATH, 200)]
    entry = engine.load()["seen"]
    assert entry["outputs"]["externalAppointmentId"] == "theirs" and entry["secret"] == ["appointmentClients"]


def test_get_of_a_missing_appointment_fails_the_program_naming_the_id(up, emulator):
    with pytest.raises(ProviderError, match=f"VirtualAppointment.get found no virtualAppointment at {PATH}"):
        up(f"VirtualAppointment.get('seen', {PATH!r})\n")


def test_a_secret_input_reaches_graph_plain_and_stays_secret_in_state(up, engine, emulator):
    body = _appointment().replace(
        "external_appointment_id='ext-1'",
        "appointment_clients=pulumi.Output.secret([{'display_name': 'Ada', 'email_address': 'ada@contoso.com'}])")
    up(body)
    assert emulator.get(PATH)["appointmentClients"] == [
        {"displayName": "Ada", "emailAddress": "ada@contoso.com", "smsCapablePhoneNumber": None}]
    assert engine.load()["visit"]["secret"] == ["appointmentClients"]
    assert not rpc.is_rpc_secret(engine.load()["visit"]["inputs"]["appointmentClients"])  # sent plain


def test_clients_are_secret_in_state_even_when_the_program_did_not_say_so(up, engine):
    up(_appointment(appointment_clients=[{"display_name": "Ada", "email_address": "ada@contoso.com"}]))
    assert engine.load()["visit"]["secret"] == ["appointmentClients"]


def test_refresh_reads_graph_during_a_preview_too(up, engine, emulator):
    up(_appointment())
    emulator.edit(PATH, {"externalAppointmentId": "set-in-teams"})
    emulator.clear_requests()
    engine.refresh(preview=True)  # `pulumi preview --refresh`
    assert _wire(emulator) == [("GET", PATH, 200)]
    assert [(s.op, s.detail) for s in engine.steps] == [("refresh", {"changed": True})]
    assert engine.load()["visit"]["inputs"]["externalAppointmentId"] == "ext-1"  # a preview records nothing
    engine.refresh()
    assert engine.load()["visit"]["inputs"]["externalAppointmentId"] == "set-in-teams"


def test_attendees_are_secret_in_state_as_personal_data(up, engine):
    up("from pulumi_virtualappointment import OnlineMeeting\n"
       "OnlineMeeting('m', external_id='e', participants={'attendees': [{'upn': 'ada@contoso.com'}]})\n")
    assert engine.load()["m"]["secret"] == ["participants"]
