"""Real-CLI and differential tiers: every promise under the real engine, and the stand-in held to it.

Each test runs one scenario on ``tests/programs/scenario`` (a meeting and its appointment, every
choice from stack config) through the real ``pulumi`` CLI and, step by step, through
``pulumi_virtualappointment.testing`` (``twin.Twin``), each against a fresh emulator. The test
asserts what the user reads (the CLI's plan, summary and errors), the state (``pulumi stack
export``) and what Graph was sent; the twin holds the stand-in's requests, errors and state equal
to the engine's on every step it models, and names the documented limit on the others.

The test ids carry which program launcher ran (``stand-in language host``: ``tools/pulumi-cli``'s,
as Pulumi's ``pulumi-language-python`` is not served by the Go module proxy; else Pulumi's own).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from cli_harness import LANGUAGE_HOST, planned, summary
from conftest import TOKEN
from twin import SECRET, Twin

pytestmark = pytest.mark.cli

SCENARIO = Path(__file__).resolve().parent / "programs" / "scenario"
MEETINGS = "/v1.0/me/onlineMeetings"
MEETING = f"{MEETINGS}/<scenario-booking#1>"
APPOINTMENT = "/beta/me/onlineMeetings/<scenario-booking#1>/virtualAppointment"
CREATE_BODY = ('{"endDateTime":"2026-12-01T09:30:00Z","externalId":"scenario-booking",'
               '"startDateTime":"2026-12-01T09:00:00Z","subject":"Consultation"}')
SEEDED_ID = ("MSoxMTExMTExMS0xMTExLTExMTEtMTExMS0xMTExMTExMTExMTEqMCoqMTk6bWVldGluZ19jMlZsWkdWa0xXVnNjMlYzYUdW"
             "eVpRQHRocmVhZC52Mg==")
"""A meeting made "in Teams" (seeded with this id on both emulators, so both programs name it alike)."""
REFUSAL = re.compile(
    r"The virtualAppointment changed outside this program since the last deployment, so nothing was written: "
    r"run `pulumi refresh` to accept the change into the stack's state, then `pulumi up` to apply the program "
    r"on top of it\. \(me/onlineMeetings/<scenario-booking#1>/virtualAppointment: Graph answered HTTP 412 "
    r"PreconditionFailed to the recorded ETag <etag>: The If-Match value does not match the appointment's current "
    r"ETag\. \(request-id: <uuid>, client-request-id: <uuid>\)\)")


@pytest.fixture(params=[LANGUAGE_HOST])
def twin(request, tmp_path):
    made = []

    def make(**emulator_options) -> Twin:
        made.append(Twin(tmp_path, SCENARIO, TOKEN, emulator_options))
        return made[-1]

    yield make
    for twin in made:
        twin.close()


def _meeting_group(*requests):
    return {"meeting <scenario-booking>": list(requests)}


def _created(result) -> None:
    assert summary(result) == ["+ 3 created"], result.stdout


def test_create_preview_update_refusal_refresh_destroy(twin):
    """The whole lifecycle; every figure the README quotes, from the CLI's own output."""
    t = twin()
    first = t.step("preview")
    assert first.cli.requests == {}
    assert planned(first.cli.result) == {"meeting": ("create", []), "appointment": ("create", [])}
    assert summary(first.cli.result) == ["+ 3 to create"]

    made = t.step("up")
    assert made.cli.requests == {
        "meeting <scenario-booking>": [("POST", f"{MEETINGS}/createOrGet", CREATE_BODY, None),
                                       ("GET", f"{MEETING}/getVirtualAppointmentJoinWebUrl", "", None)],
        "appointment <scenario-booking>": [("GET", APPOINTMENT, "", None),
                                           ("PUT", APPOINTMENT, '{"settings":{"allowClientToJoinUsingBrowser":true}}',
                                            None)],
    }
    _created(made.cli.result)
    for action in ("preview", "up"):  # unchanged: not one request, and the CLI says no change
        same = t.step(action)
        assert same.cli.requests == {} and summary(same.cli.result) == ["3 unchanged"], same.cli.result.stdout

    recorded = t.cli.resources()["appointment"]["outputs"]["etag"]
    t.set(externalAppointmentId="AAMkADKnAAA=")
    diff = t.step("preview", "--diff")
    assert diff.cli.requests == {}
    assert planned(diff.cli.result) == {"appointment": ("update", ["externalAppointmentId"])}
    assert '      + externalAppointmentId: "AAMkADKnAAA="' in diff.cli.result.stdout.splitlines()
    update = t.step("up")
    assert update.cli.requests == {"appointment <scenario-booking>": [
        ("PATCH", APPOINTMENT, '{"externalAppointmentId":"AAMkADKnAAA="}', "<etag1>")]}
    [patch] = t.cli_emulator.requests()
    assert patch["headers"]["if-match"] == recorded  # the ETag the last deployment recorded
    assert summary(update.cli.result) == ["~ 1 updated", "2 unchanged"]

    t.set(subject="Follow-up consultation")
    diff = t.step("preview", "--diff")
    # The meeting's new outputs are not known in a preview (the dynamic host cannot preview an
    # update: provider_plugin.go returns the inputs as outputs), so its id is unknown and the
    # appointment is listed too; `up` then sends the appointment nothing.
    assert planned(diff.cli.result) == {"meeting": ("update", ["subject"]), "appointment": ("update", ["onlineMeetingId"])}
    update = t.step("up")
    assert update.cli.requests == _meeting_group(("GET", MEETING, "", None),
                                                 ("PATCH", MEETING, '{"subject":"Follow-up consultation"}', None))
    assert summary(update.cli.result) == ["~ 1 updated", "2 unchanged"]

    t.edit(lambda emu: emu.edit(next(iter(emu.appointments())), {"externalAppointmentId": "set-in-teams"}))
    t.set(externalAppointmentId="AAMkADKnAAB=")
    refused = t.step("up")
    assert refused.cli.failed and REFUSAL.fullmatch(refused.cli.message), refused.cli.result.stdout
    assert "Traceback" not in refused.cli.result.text  # the user reads the sentence, not a Python stack
    assert refused.cli.requests == {"appointment <scenario-booking>": [
        ("PATCH", APPOINTMENT, '{"externalAppointmentId":"AAMkADKnAAB="}', "<etag2>"), ("GET", APPOINTMENT, "", None)]}
    assert [r["status"] for r in t.cli_emulator.requests()] == [412, 200]
    [path] = t.cli_emulator.appointments()
    assert t.cli_emulator.get(path)["externalAppointmentId"] == "set-in-teams"  # nothing written

    refreshed = t.step("refresh")
    assert refreshed.cli.requests == {
        "meeting <scenario-booking>": [("GET", MEETING, "", None),
                                       ("GET", f"{MEETING}/getVirtualAppointmentJoinWebUrl", "", None)],
        "appointment <scenario-booking>": [("GET", APPOINTMENT, "", None)],
    }
    state = t.cli.resources()["appointment"]
    assert state["inputs"]["externalAppointmentId"] == state["outputs"]["externalAppointmentId"] == "set-in-teams"
    again = t.step("up")
    assert again.cli.requests == {"appointment <scenario-booking>": [
        ("PATCH", APPOINTMENT, '{"externalAppointmentId":"AAMkADKnAAB="}', "<etag3>")]}

    gone = t.step("destroy")
    assert gone.cli.requests == {
        "appointment <scenario-booking>": [("DELETE", APPOINTMENT, "", "<etag4>")],
        "meeting <scenario-booking>": [("GET", MEETING, "", None), ("DELETE", MEETING, "", None)],
    }
    assert summary(gone.cli.result) == ["- 3 deleted"]
    assert t.cli_emulator.meetings() == {} and t.cli_emulator.appointments() == {}


def test_up_with_refresh_accepts_the_change_then_applies_the_program(twin):
    t = twin()
    t.step("up")
    t.edit(lambda emu: emu.edit(next(iter(emu.appointments())), {"externalAppointmentId": "set-in-teams"}))
    t.edit(lambda emu: emu.edit_meeting(next(iter(emu.meetings())), {"subject": "Moved in Teams"}))
    t.set(externalAppointmentId="AAMkADKnAAB=")
    run = t.step("up", "--refresh")
    assert not run.cli.failed
    assert run.cli.requests == {
        "meeting <scenario-booking>": [("GET", MEETING, "", None),
                                       ("GET", f"{MEETING}/getVirtualAppointmentJoinWebUrl", "", None),
                                       ("GET", MEETING, "", None),
                                       ("PATCH", MEETING, '{"subject":"Consultation"}', None)],
        "appointment <scenario-booking>": [("GET", APPOINTMENT, "", None),
                                           ("PATCH", APPOINTMENT, '{"externalAppointmentId":"AAMkADKnAAB="}', "<etag2>")],
    }
    [meeting], [appointment] = t.cli_emulator.meetings(), t.cli_emulator.appointments()
    assert t.cli_emulator.meeting(meeting)["subject"] == "Consultation"
    assert t.cli_emulator.get(appointment)["externalAppointmentId"] == "AAMkADKnAAB="


def test_a_new_external_id_makes_a_new_meeting_first_and_deletes_the_old_one_last(twin):
    t = twin()
    t.step("up")
    t.set(externalId="booking-2")
    plan = t.step("preview")
    assert planned(plan.cli.result) == {"meeting": ("replace", ["externalId"]), "appointment": ("update", ["onlineMeetingId"])}
    run = t.step("up")
    new_appointment = "/beta/me/onlineMeetings/<booking-2#1>/virtualAppointment"
    assert run.cli.requests == {
        "meeting <booking-2>": [
            ("POST", f"{MEETINGS}/createOrGet", CREATE_BODY.replace("scenario-booking", "booking-2"), None),
            ("GET", f"{MEETINGS}/<booking-2#1>/getVirtualAppointmentJoinWebUrl", "", None)],
        "appointment <booking-2>": [("GET", new_appointment, "", None),
                                    ("PUT", new_appointment, '{"settings":{"allowClientToJoinUsingBrowser":true}}', None)],
        "appointment <scenario-booking>": [("DELETE", APPOINTMENT, "", "<etag1>")],
        "meeting <scenario-booking>": [("GET", MEETING, "", None), ("DELETE", MEETING, "", None)],
    }
    assert [m["entity"]["externalId"] for m in t.cli_emulator.meetings().values()] == ["booking-2"]
    assert summary(run.cli.result) == ["+-2 replaced", "1 unchanged"]


def test_replace_on_changes_deletes_the_meeting_first_then_makes_it_again(twin):
    """A replacement the engine decides (replace_on_changes) is of the same object, keyed by its
    externalId: the Diff asks to delete first, so the new createOrGet makes a new meeting instead of
    finding the old one; the appointment in it follows, created before its old one is deleted."""
    t = twin()
    t.set(options={"meeting": {"replaceOnChanges": ["subject"]}})
    t.step("up")
    t.set(subject="Replaced")
    plan = t.step("preview")
    assert planned(plan.cli.result) == {"meeting": ("replace", ["subject"]), "appointment": ("update", ["onlineMeetingId"])}
    run = t.step("up")
    new_appointment = "/beta/me/onlineMeetings/<scenario-booking#2>/virtualAppointment"
    assert run.cli.requests == {
        "meeting <scenario-booking>": [
            ("GET", MEETING, "", None), ("DELETE", MEETING, "", None),
            ("POST", f"{MEETINGS}/createOrGet", CREATE_BODY.replace("Consultation", "Replaced"), None),
            ("GET", f"{MEETINGS}/<scenario-booking#2>/getVirtualAppointmentJoinWebUrl", "", None)],
        "appointment <scenario-booking>": [
            ("GET", new_appointment, "", None),
            ("PUT", new_appointment, '{"settings":{"allowClientToJoinUsingBrowser":true}}', None),
            ("DELETE", APPOINTMENT, "", "<etag1>")],  # its meeting took it along: 404, done
    }
    assert "-- pulumi-python:dynamic/virtualappointment:OnlineMeeting meeting deleted original" in run.cli.result.stdout


def test_a_renamed_resource_is_refused_until_it_is_given_its_old_name_as_an_alias(twin):
    """A new name is a new URN: the engine creates the new resource, then would delete the old one.
    createOrGet answers with the meeting the old resource manages, which this create did not make: it
    is refused, nothing changes, and the message says to use an alias; with one, nothing is sent."""
    t = twin()
    t.step("up")
    [before] = t.cli_emulator.meetings()
    t.set(meetingName="consultation")
    refused = t.step("up")
    assert refused.cli.failed and "this create did not make it" in refused.cli.message
    assert "aliases=[...]" in refused.cli.message and "Traceback" not in refused.cli.result.text
    assert refused.cli.requests == _meeting_group(("POST", f"{MEETINGS}/createOrGet", CREATE_BODY, None))
    assert list(t.cli_emulator.meetings()) == [before] and sorted(t.cli.resources()) == ["appointment", "meeting"]
    t.set(options={"meeting": {"aliases": ["meeting"]}})
    renamed = t.step("up")
    assert renamed.cli.requests == {} and sorted(t.cli.resources()) == ["appointment", "consultation"]
    assert list(t.cli_emulator.meetings()) == [before]


def test_up_replace_of_a_meeting_is_refused_unless_it_deletes_first(twin):
    """``up --replace`` is decided by the engine without the Diff, so it creates first: createOrGet
    finds the meeting being replaced, which is not this create's, and the replacement is refused,
    nothing changed. With ``delete_before_replace=True`` the old meeting goes first and a new one is made."""
    t = twin()
    t.step("up")
    [before] = t.cli_emulator.meetings()
    urn = t.cli.urn("meeting", "OnlineMeeting")
    refused = t.step("up", "--replace", urn, limit="replace")
    assert refused.cli.failed and "set delete_before_replace=True" in refused.cli.result.errors()[0]
    assert refused.cli.requests == _meeting_group(("POST", f"{MEETINGS}/createOrGet", CREATE_BODY, None))
    assert list(t.cli_emulator.meetings()) == [before] and len(t.cli_emulator.appointments()) == 1
    t.set(options={"meeting": {"deleteBeforeReplace": True}})
    t.step("up")
    run = t.step("up", "--replace", urn, limit="replace")
    assert not run.cli.failed, run.cli.result.stdout
    assert run.cli.requests["meeting <scenario-booking>"] == [
        ("GET", MEETING, "", None), ("DELETE", MEETING, "", None),
        ("POST", f"{MEETINGS}/createOrGet", CREATE_BODY, None),
        ("GET", f"{MEETINGS}/<scenario-booking#2>/getVirtualAppointmentJoinWebUrl", "", None)]
    [after] = t.cli_emulator.meetings()
    assert after != before and len(t.cli_emulator.appointments()) == 1  # the appointment followed it


def test_a_meeting_value_the_program_drops_is_left_to_teams_on_every_path(twin):
    """Issue 17: the program stops declaring the subject; the `up` records that (an update that sends
    nothing), so Teams may change it without stopping an unrelated update or the destroy."""
    t = twin()
    t.step("up")
    t.set(subject="none")
    plan = t.step("preview")
    assert planned(plan.cli.result)["meeting"] == ("update", ["subject"])
    dropped = t.step("up")
    assert dropped.cli.requests == {} and "subject" not in t.cli.resources()["meeting"]["outputs"]
    t.edit(lambda emu: emu.edit_meeting(next(iter(emu.meetings())), {"subject": "Renamed in Teams"}))
    t.set(allowMeetingChat="disabled")
    unrelated = t.step("up")
    assert unrelated.cli.requests == _meeting_group(("GET", MEETING, "", None),
                                                    ("PATCH", MEETING, '{"allowMeetingChat":"disabled"}', None))
    t.step("refresh")
    assert "subject" not in t.cli.resources()["meeting"]["inputs"]
    gone = t.step("destroy")
    assert not gone.cli.failed and t.cli_emulator.meetings() == {}


def test_target_updates_only_the_targeted_resource(twin):
    t = twin()
    t.step("up")
    t.set(subject="Not now", externalAppointmentId="AAMkADKnAAA=")
    run = t.step("up", "--target", t.cli.urn("appointment", "VirtualAppointment"), limit="target")
    assert run.cli.requests == {"appointment <scenario-booking>": [
        ("PATCH", APPOINTMENT, '{"externalAppointmentId":"AAMkADKnAAA="}', "<etag1>")]}
    assert t.cli.resources()["meeting"]["inputs"]["subject"] == "Consultation"
    assert planned(t.step("preview", limit="target").cli.result)["meeting"] == ("update", ["subject"])


def test_ignore_changes_keeps_the_recorded_value_and_sends_nothing(twin):
    t = twin()
    t.set(options={"meeting": {"ignoreChanges": ["subject"]}})
    t.step("up")
    t.set(subject="Ignored")
    for action in ("preview", "up"):
        run = t.step(action)
        assert run.cli.requests == {} and summary(run.cli.result) == ["3 unchanged"]
    [meeting] = t.cli_emulator.meetings()
    assert t.cli_emulator.meeting(meeting)["subject"] == "Consultation"
    t.set(subject="none")  # not declared at all, and ignored: the engine keeps the recorded value
    kept = t.step("up")
    assert kept.cli.requests == {} and kept.cli.outputs["subject"] == "Consultation"


def test_retain_on_delete_leaves_the_meeting_in_teams(twin):
    t = twin()
    t.set(options={"meeting": {"retainOnDelete": True}})
    t.step("up")
    run = t.step("destroy")
    assert run.cli.requests == {"appointment <scenario-booking>": [("DELETE", APPOINTMENT, "", "<etag1>")]}
    assert len(t.cli_emulator.meetings()) == 1 and t.cli_emulator.appointments() == {}


def test_protect_keeps_the_meeting_and_destroy_says_how_to_unprotect(twin):
    """The engine deletes dependents first: the appointment goes, then the protected meeting stops
    the destroy with the engine's own message; Graph keeps the meeting (protect the appointment too
    to keep both)."""
    t = twin()
    t.set(options={"meeting": {"protect": True}})
    t.step("up")
    run = t.step("destroy", limit="protect")
    assert run.cli.failed and run.cli.requests == {
        "appointment <scenario-booking>": [("DELETE", APPOINTMENT, "", "<etag1>")]}
    assert run.cli.message.startswith(f'resource "{t.cli.urn("meeting", "OnlineMeeting")}" cannot be deleted')
    assert "because it is protected" in run.cli.result.stdout
    assert len(t.cli_emulator.meetings()) == 1 and t.cli_emulator.appointments() == {}
    assert sorted(t.cli.resources()) == ["meeting"]


def test_get_reads_a_meeting_made_in_teams_without_managing_it(twin):
    t = twin()
    t.edit(lambda emu: emu.seed_meeting(f"me/onlineMeetings/{SEEDED_ID}", externalId="made-in-teams",
                                        subject="Seeded in Teams", startDateTime="2026-12-02T08:00:00Z",
                                        endDateTime="2026-12-02T08:30:00Z"))
    t.set(getMeetingId=f"me/onlineMeetings/{SEEDED_ID}", appointment="false")
    preview = t.step("preview")
    seeded = f"{MEETINGS}/<made-in-teams#1>"
    reads = {"meeting <made-in-teams>": [("GET", seeded, "", None),
                                         ("GET", f"{seeded}/getVirtualAppointmentJoinWebUrl", "", None)]}
    assert preview.cli.requests == reads  # a `get` reads Graph during a preview too
    run = t.step("up")
    assert run.cli.requests["meeting <made-in-teams>"] == reads["meeting <made-in-teams>"]
    assert t.cli.output("lookedUpSubject") == "Seeded in Teams"
    t.set(getMeetingId=None)
    t.step("up")
    assert len(t.cli_emulator.meetings()) == 2  # dropping the `get` deletes nothing


@pytest.mark.parametrize("given", ["secret config", "plain values in the program"])
def test_attendees_clients_and_the_token_never_reach_the_state_in_plain_text(twin, given):
    """Personal data is encrypted in the state's inputs and outputs whether or not the program
    marks it secret: the resource classes send it as secret themselves. (Stack config set without
    ``--secret`` is another matter: the engine records the whole stack config with the dynamic
    provider, as it is in Pulumi.<stack>.yaml; personal data in config belongs in ``--secret``.)"""
    t = twin()
    if given == "secret config":
        t.set(secret=("attendees", "clients"), secretData="true",
              attendees=[{"upn": "adelev@contoso.com", "role": "presenter"}],
              clients=[{"display_name": "Grady Archie", "email_address": "gradya@contoso.com",
                        "sms_capable_phone_number": "123-456-7890"}])
    else:
        t.set(secretData="inCode")
    t.step("up")
    exported = json.dumps(t.cli.export())
    for value in (TOKEN, "adelev@contoso.com", "Grady Archie", "gradya@contoso.com", "123-456-7890"):
        assert value not in exported
    shown = t.cli.check("stack", "export", "--show-secrets").stdout
    assert "gradya@contoso.com" in shown and "adelev@contoso.com" in shown  # they are there, encrypted
    resources = t.cli.resources()
    for name, key in (("meeting", "participants"), ("appointment", "appointmentClients")):
        assert SECRET in resources[name]["inputs"][key] and SECRET in resources[name]["outputs"][key]


def test_plain_stack_config_is_recorded_plainly_with_the_dynamic_provider(twin):
    """Why the test above keeps personal data out of plain stack config: the engine records the
    stack config as the inputs of the default ``pulumi-python`` provider, as Pulumi.dev.yaml holds it."""
    t = twin()
    t.set(subject="Consultation")
    t.step("up")
    [provider] = [r for r in t.cli.export()["deployment"]["resources"] if r["type"] == "pulumi:providers:pulumi-python"]
    assert provider["inputs"]["virtualappointment-scenario:subject"] == "Consultation"
    assert SECRET in provider["inputs"]["msgraph:accessToken"]


def test_import_fails_for_dynamic_providers_and_adopt_existing_is_the_way(twin):
    """``pulumi import`` and the ``import_`` option send the id alone, and the SDK's dynamic host
    cannot find its provider without the state (pulumi/pulumi#16175): what the user reads is the
    host's own ``KeyError: '__provider'``, recorded here and in the README beside the way that
    works, ``adopt_existing=True`` (or ``export``, which writes the program that adopts)."""
    t = twin()
    t.edit(lambda emu: emu.seed_meeting(f"me/onlineMeetings/{SEEDED_ID}", externalId="made-in-teams",
                                        startDateTime="2026-12-02T08:00:00Z", endDateTime="2026-12-02T08:30:00Z"))
    command = t.cli.run("import", "pulumi-python:dynamic/virtualappointment:OnlineMeeting", "imported",
                        f"me/onlineMeetings/{SEEDED_ID}", "--yes")
    assert command.code != 0 and command.errors()[0].splitlines()[-1] == "KeyError: '__provider'", command.stdout
    t.limits.append("import")
    t.set(appointment="false")
    t.step("up")
    t.set(importMeetingId=f"me/onlineMeetings/{SEEDED_ID}")
    run = t.step("up")  # the `import_` option, modelled by the stand-in too
    assert run.cli.failed and run.cli.message.splitlines()[-1] == "KeyError: '__provider'"
    assert run.cli.requests == {}
