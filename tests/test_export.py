"""``python -m pulumi_virtualappointment export``: what is live, written as a program that adopts it.

Pure: resource names, which live values a program can declare, the Python and YAML it writes
(an odd string never escapes its literal). Command, against the emulator: flags, exit codes,
the atomic write, progress and summary on stderr, and never a request but GET. The round-trip
law, with Hypothesis through the program tier (``pulumi_virtualappointment.testing``): export N
emulated objects and `up` the program: every object is adopted with no PATCH, PUT or DELETE (a
meeting's createOrGet answers 200, the one it found) and Graph is left exactly as it was; a
preview afterwards changes nothing and sends nothing.
"""

from __future__ import annotations

import ast
import hashlib
import io
import os
import stat
import subprocess
import sys
import threading
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Optional
from urllib.parse import unquote

import pytest

from fifo import WaitingWriter
import requests
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import TOKEN
from pulumi_virtualappointment.__main__ import main
from pulumi_virtualappointment._client import GraphResponse
from pulumi_virtualappointment._codegen import Found, plan, python_program, slug, unique_names, yaml_data
from pulumi_virtualappointment._errors import GraphResponseError
from pulumi_virtualappointment._export import (
    EXIT_GRAPH, EXIT_OK, EXIT_SKIPPED, EXIT_UNEXPECTED, EXIT_USAGE, PROGRESS_ABOVE, Reader, Wanted,
)
from pulumi_virtualappointment.emulator import Emulator
from pulumi_virtualappointment.testing import Sandbox

ROOT = Path(__file__).resolve().parent.parent
WRITES = {"POST", "PATCH", "PUT", "DELETE"}
GRADY = {"displayName": "Grady Archie", "emailAddress": "gradya@contoso.com", "smsCapablePhoneNumber": "123-456-7890"}


# -- helpers ----------------------------------------------------------------------------------------


def export(emu: Emulator, *argv: str, token: str = TOKEN, environ: Optional[dict] = None, **deps: Any):
    """Run the command in-process against ``emu``: ``(exit code, stdout, stderr)``."""
    out, err = io.StringIO(), io.StringIO()
    env = {"MSGRAPH_ENDPOINT": emu.url, "MSGRAPH_ACCESS_TOKEN": token} if environ is None else environ
    code = main(["export", *argv], environ=env, out=out, err=err, **deps)
    return code, out.getvalue(), err.getvalue()


def meeting(emu: Emulator, external_id: Optional[str], owner: str = "me", appointment: Optional[dict] = None,
            **props: Any) -> str:
    """Seed a meeting (and its appointment); its id. ``external_id=None``: one made without it."""
    meeting_id = emu.seed_meeting(owner, externalId=external_id or "placeholder", **props)
    if external_id is None:  # Graph lets a meeting exist without one (POST /onlineMeetings, Teams)
        record = emu.store._meetings[emu.store.meeting_key(f"{owner}/onlineMeetings/{meeting_id}")]
        del record.entity["externalId"]
    if appointment is not None:
        emu.seed(f"{owner}/onlineMeetings/{meeting_id}/virtualAppointment", appointment)
    return meeting_id


def join_url(emu: Emulator, meeting_id: str, owner: str = "me") -> str:
    return emu.meeting(f"{owner}/onlineMeetings/{meeting_id}")["joinWebUrl"]


def graph_state(emu: Emulator) -> tuple:
    """Every meeting and appointment with its ETag: any write changes it."""
    return emu.meetings(), emu.appointments()


def tag(text: str) -> str:
    """What a lossy name carries: the first 6 hex digits of the SHA-256 of the text it stands for."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:6]


def found(external_id: Any = "ext-1", meeting_id: str = "M1", appointment: Optional[dict] = None,
          user: Optional[str] = None, **meeting_props: Any) -> Found:
    entity = {"id": meeting_id, "joinWebUrl": "https://teams.microsoft.com/l/meetup-join/x", **meeting_props}
    if external_id is not None:
        entity["externalId"] = external_id
    return Found(f"id {meeting_id}", meeting_id, user, entity, appointment)


def calls(program: str) -> dict[str, list[ast.Call]]:
    """The program's top-level resource calls by class; anything else at top level fails the test."""
    tree = ast.parse(program)
    found: dict[str, list[ast.Call]] = {}
    for node in tree.body:
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            continue
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):  # the docstring
            continue
        value = node.value if isinstance(node, (ast.Assign, ast.Expr)) else None
        assert isinstance(value, ast.Call) and isinstance(value.func, ast.Name), ast.dump(node)
        assert value.func.id in ("OnlineMeeting", "VirtualAppointment"), value.func.id
        found.setdefault(value.func.id, []).append(value)
    return found


def keywords(call: ast.Call) -> dict[str, ast.expr]:
    """The keywords of the args class a resource call passes (``Resource(name, Args(...))``)."""
    args = call.args[1]
    assert isinstance(args, ast.Call)
    return {k.arg: k.value for k in args.keywords}


# -- names ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("text, expected", [
    ("booking-2026-12-01-0900-grady", "booking-2026-12-01-0900-grady"),
    ("Consultation: Grady Archie", "consultation-grady-archie"),
    ("Ödön's \"intake\"\n#2", "odon-s-intake-2"),
    ("--__--", ""),
    ("東京 会議", ""),
    ("x" * 100, "x" * 48),
    ("a" * 47 + "-b", "a" * 47),
    (None, ""),
])
def test_slug_keeps_only_lower_case_ascii_letters_digits_and_single_dashes(text, expected):
    assert slug(text) == expected


def test_repeated_names_take_numbers_in_sort_order_and_never_another_ones_name():
    bases = {"b": "x", "a": "x", "c": "x-2", "d": "x"}
    assert unique_names(bases, {k: k for k in bases}) == {"a": "x", "b": "x-3", "c": "x-2", "d": "x-4"}
    reordered = dict(reversed(list(bases.items())))
    assert unique_names(reordered, {k: k for k in bases}) == unique_names(bases, {k: k for k in bases})


def test_names_come_from_the_external_id_else_the_subject_and_are_never_empty():
    result = plan([
        found("Booking 42", "M1"),
        found("booking-42", "M2"),
        found(None, "M3", subject="Weekly sync", appointment={"externalAppointmentId": "e"}),
        found("東京", "M4", subject="会議"),
        found(None, "M5", appointment={"externalAppointmentId": "f"}),
    ])
    names = [d.name for d in result.declarations]
    assert names == ["booking-42-meeting", f"booking-42-{tag('Booking 42')}-meeting", "untitled-appointment",
                     f"untitled-{tag('東京')}-meeting", f"weekly-sync-{tag('Weekly sync')}-appointment"]
    no_external_id = ("it has no externalId, and createOrGet finds a meeting only by its externalId, so a program "
                      "could not adopt it (it would create another meeting)")
    assert result.skipped == [("meeting id M5", no_external_id), ("meeting id M3", no_external_id)]


@pytest.mark.parametrize("external_id, name", [
    ("booking-2026-12-01-0900-grady", "booking-2026-12-01-0900-grady"),
    ("Booking 1", f"booking-1-{tag('Booking 1')}"),
    ("booking_1", f"booking-1-{tag('booking_1')}"),
    ("café", f"cafe-{tag('café')}"),
    ("x" * 60, f"{'x' * 48}-{tag('x' * 60)}"),
])
def test_a_name_is_its_slug_and_a_lossy_slug_carries_a_hash_of_its_text(external_id, name):
    assert [d.name for d in plan([found(external_id)]).declarations] == [f"{name}-meeting"]


def test_a_name_stays_the_same_when_meetings_whose_slugs_collide_with_it_join_the_export():
    """Regression: "Booking 1" was booking-1, then booking-1-2 once "booking-1" (a smaller meeting id)
    was exported beside it, so the next `up` replaced it."""
    alone = plan([found("Booking 1", "M9")])
    crowded = plan([found("Booking 1", "M9"), found("BOOKING 1", "M1"), found("booking-1", "M2")])
    assert [d.name for d in alone.declarations] == [f"booking-1-{tag('Booking 1')}-meeting"]
    assert sorted(d.name for d in crowded.declarations) == sorted([
        f"booking-1-{tag('Booking 1')}-meeting", f"booking-1-{tag('BOOKING 1')}-meeting", "booking-1-meeting"])


def test_a_non_string_external_id_is_reported_as_not_text():
    result = plan([found(5)])
    assert result.skipped == [("meeting id M1", "its externalId is not text, so createOrGet could not find it (it "
                                                "would create another meeting)")]


def test_meetings_of_one_organiser_sharing_an_external_id_are_skipped_and_their_appointments_exported_by_id():
    result = plan([found("dup", "M1", appointment={"externalAppointmentId": "a1"}),
                   found("dup", "M2", appointment={"externalAppointmentId": "a2"}),
                   found("dup", "M3", user="AdeleV@contoso.com")])
    reason = "another meeting of this organiser has the same externalId; createOrGet would find only one of them"
    assert result.skipped == [("meeting id M1", reason), ("meeting id M2", reason)]
    assert [(d.name, d.inputs.get("onlineMeetingId"), d.meeting_variable) for d in result.declarations] == [
        ("dup-appointment", "M1", None), ("dup-2-appointment", "M2", None), ("dup-3-meeting", None, None)]
    program = python_program(result)
    assert "online_meeting_id='M1'," in program and "online_meeting_id='M2'," in program


def test_the_same_objects_in_any_order_give_the_same_program():
    items = [found(f"ext-{n}", f"M{n}", subject=f"S{n}", appointment={"externalAppointmentId": str(n)})
             for n in range(5)]
    assert python_program(plan(items)) == python_program(plan(list(reversed(items))))
    assert python_program(plan(items + items[:2])) == python_program(plan(items))  # asked for twice: once


# -- what can be declared ---------------------------------------------------------------------------


def _meeting_inputs(result) -> dict:
    return next(d.inputs for d in result.declarations if d.kind.name == "onlineMeeting")


def test_a_value_the_provider_would_change_is_left_out_and_said_so():
    result = plan([found(subject="  spaced  ", meetingSpokenLanguageTag="", allowMeetingChat="unknownFutureValue",
                         allowRecording=False)])
    inputs = _meeting_inputs(result)
    assert {"subject", "meetingSpokenLanguageTag", "allowMeetingChat"}.isdisjoint(inputs)
    assert inputs["allowRecording"] is False
    assert [n.split(":")[0] + ":" + n.split(":")[1] for n in result.notes] == [
        "ext-1-meeting: meeting_spoken_language_tag left unmanaged",
        "ext-1-meeting: allow_meeting_chat left unmanaged",
        "ext-1-meeting: subject left unmanaged",
    ]


def test_attendees_that_cannot_be_declared_take_presenters_by_role_with_them():
    result = plan([found(participants={"attendees": [{"identity": {"user": {"id": "u1"}}, "role": "presenter"}]},
                         allowedPresenters="roleIsPresenter")])
    inputs = _meeting_inputs(result)
    assert "participants" not in inputs and "allowedPresenters" not in inputs
    assert len(result.notes) == 2 and "participants.attendees" not in " ".join(result.notes)


def test_attendees_are_written_as_graph_reads_them_lower_case_with_their_role():
    result = plan([found(participants={"attendees": [{"upn": "AdeleV@Contoso.com", "role": None}]})])
    assert _meeting_inputs(result)["participants"] == {"attendees": [{"role": "attendee", "upn": "adelev@contoso.com"}]}


def test_start_and_end_go_together_and_a_meeting_without_length_keeps_neither():
    result = plan([found(startDateTime="2026-12-01T09:00:00.0000000Z", endDateTime="2026-12-01T10:00:00+01:00")])
    inputs = _meeting_inputs(result)
    assert "startDateTime" not in inputs and "endDateTime" not in inputs
    assert [n.split(":")[1].strip() for n in result.notes] == ["start_date_time left unmanaged",
                                                                "end_date_time left unmanaged"]
    kept = _meeting_inputs(plan([found(startDateTime="2026-12-01T09:00:00.1200000Z",
                                       endDateTime="2026-12-01T10:30:00+01:00")]))
    assert (kept["startDateTime"], kept["endDateTime"]) == ("2026-12-01T09:00:00.12Z", "2026-12-01T09:30:00Z")


def test_join_urls_and_ids_are_never_written():
    result = plan([found(appointment={"id": "A1", "appointmentClientJoinWebUrl": "https://visit.teams/x",
                                      "externalAppointmentId": "e"})])
    program = python_program(result)
    for computed in ("https://visit.teams/x", "https://teams.microsoft.com/l/meetup-join/x", "'A1'"):
        assert computed not in program
    assert "\n# 'me/onlineMeetings/M1'\nmeeting_ext_1 = OnlineMeeting(\n" in program  # a comment names it


def test_clients_the_provider_refuses_leave_the_list_unmanaged_without_quoting_them():
    result = plan([found(appointment={"appointmentClients": [GRADY, {"emailAddress": "not-an-email"}],
                                      "externalAppointmentId": "e"})])
    appointment = next(d for d in result.declarations if d.kind.name == "virtualAppointment")
    assert "appointmentClients" not in appointment.inputs and appointment.inputs["externalAppointmentId"] == "e"
    assert result.notes == ["ext-1-appointment: appointment_clients left unmanaged: expected an email address such "
                            "as name@contoso.com"]


@pytest.mark.parametrize("external_id, reason", [
    (None, "it has no externalId"),
    ("", "it has no externalId"),
    (" padded ", "its externalId has spaces around it"),
    ("x" * 3000, "its external_id cannot be declared: is 3000 characters long"),
])
def test_a_meeting_createorget_could_not_find_is_skipped_and_its_appointment_exported_by_id(external_id, reason):
    result = plan([found(external_id, appointment={"externalAppointmentId": "e"})])
    assert [what for what, _ in result.skipped] == ["meeting id M1"]
    assert result.skipped[0][1].startswith(reason)
    (appointment,) = result.declarations
    assert appointment.inputs == {"onlineMeetingId": "M1", "externalAppointmentId": "e"}
    assert "online_meeting_id='M1'," in python_program(result)


def test_the_yaml_format_writes_appointments_only_and_skips_a_meeting_without_one():
    result = plan([found("ext-1", "M1", appointment={"settings": {"allowClientToJoinUsingBrowser": True}}),
                   found("ext-2", "M2")], meetings=False)
    assert [d.name for d in result.declarations] == ["ext-1-appointment"]
    assert result.skipped[0][0] == "meeting id M2" and "--format python" in result.skipped[0][1]
    assert yaml.safe_load(yaml_data(result)) == {"appointments": [
        {"name": "ext-1-appointment", "online_meeting_id": "M1",
         "settings": {"allow_client_to_join_using_browser": True}, "adopt_existing": True}]}


# -- the text: odd strings stay strings ----------------------------------------------------------------

ODD = st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=40).filter(
    lambda s: s.strip() == s and s)
"""Any text the provider keeps as it is: quotes, backslashes, line breaks inside, bidi controls,
NUL, U+2028, emoji, triple quotes..."""


@settings(max_examples=150, deadline=None)
@given(external_id=ODD, subject=ODD, name=ODD, appointment_id=ODD, user=st.sampled_from([None, "AdeleV@contoso.com"]))
def test_odd_strings_stay_inside_their_literals_and_come_back_unchanged(external_id, subject, name, appointment_id,
                                                                         user):
    item = found(external_id, subject=subject, user=user,
                 appointment={"appointmentClients": [{"displayName": name}], "externalAppointmentId": appointment_id})
    program = python_program(plan([item]))
    compile(program, "__main__.py", "exec")
    resources = calls(program)
    assert [len(resources["OnlineMeeting"]), len(resources["VirtualAppointment"])] == [1, 1]
    meeting_args = keywords(resources["OnlineMeeting"][0])
    assert ast.literal_eval(meeting_args["external_id"]) == external_id
    assert ast.literal_eval(meeting_args["subject"]) == subject
    appointment_args = keywords(resources["VirtualAppointment"][0])
    assert ast.literal_eval(appointment_args["external_appointment_id"]) == appointment_id
    clients = appointment_args["appointment_clients"]  # pulumi.Output.secret([VirtualAppointmentUserArgs(...)])
    assert ast.literal_eval(clients.args[0].elts[0].keywords[0].value) == name
    assert ast.unparse(appointment_args["online_meeting_id"]).endswith(".online_meeting_id")
    for node in ast.walk(ast.parse(program)):
        if isinstance(node, ast.Name):  # only our own names: no literal became code
            assert node.id in {"pulumi", "OnlineMeeting", "OnlineMeetingArgs", "VirtualAppointment",
                               "VirtualAppointmentArgs", "VirtualAppointmentUserArgs", "MeetingParticipantsArgs",
                               "MeetingAttendeeArgs"} or node.id.startswith("meeting_"), node.id
    for line in program.splitlines():
        if line.startswith("#"):
            assert line.isascii() and line.isprintable()


@settings(max_examples=150, deadline=None)
@given(name=ODD, appointment_id=ODD, url_tail=ODD)
def test_the_yaml_reads_back_as_the_values_and_the_from_data_loader_accepts_it(tmp_path_factory, name,
                                                                                 appointment_id, url_tail):
    result = plan([found(appointment={"appointmentClients": [{"displayName": name}],
                                      "externalAppointmentId": appointment_id,
                                      "externalAppointmentUrl": "https://example.com/" + url_tail})], meetings=False)
    text = yaml_data(result)
    (entry,) = yaml.safe_load(text)["appointments"]
    assert entry["appointment_clients"] == [{"display_name": name}]
    assert entry["external_appointment_id"] == appointment_id
    if "external_appointment_url" in entry:
        assert entry["external_appointment_url"] == "https://example.com/" + url_tail
    data = tmp_path_factory.mktemp("data") / "appointments.yaml"
    data.write_text(text, encoding="utf-8")
    sys.path.insert(0, str(ROOT / "examples" / "from-data"))
    try:
        from loader import load_appointments
    finally:
        sys.path.remove(str(ROOT / "examples" / "from-data"))
    assert load_appointments(data) == [entry]


# -- the command -----------------------------------------------------------------------------------


@pytest.fixture
def emu():
    with Emulator(token=TOKEN) as emulator:  # an appointment needs its meeting, as in Graph
        yield emulator


def test_export_reads_by_id_and_join_url_with_gets_only_and_writes_the_program(emu, tmp_path):
    one = meeting(emu, "booking-1", subject="One", appointment={"appointmentClients": [GRADY]})
    two = meeting(emu, "booking-2", subject="Two")
    emu.clear_requests()
    output = tmp_path / "__main__.py"
    code, out, err = export(emu, "--id", one, "--join-url", join_url(emu, two), "--output", str(output))
    assert (code, out) == (EXIT_OK, "")
    assert err == f"export: wrote {output}: 2 meeting(s), 1 appointment(s)\n"
    assert {r["method"] for r in emu.requests()} == {"GET"}
    lookups = [r["query"] for r in emu.requests() if r["path"] == "/v1.0/me/onlineMeetings"]
    assert lookups == [{"$filter": f"JoinWebUrl eq '{join_url(emu, two)}'"}]
    assert all(r["headers"].get("prefer") == "include-unknown-enum-members"
               for r in emu.requests() if r["path"].startswith("/v1.0/"))
    program = output.read_text(encoding="utf-8")
    assert [call.args[0].value for calls_ in calls(program).values() for call in calls_] == [
        "booking-1-meeting", "booking-2-meeting", "booking-1-appointment"]
    assert "appointment_clients=pulumi.Output.secret([" in program
    assert "participants=pulumi.Output.secret(MeetingParticipantsArgs(attendees=[]))" in program
    assert "online_meeting_id=meeting_booking_1.online_meeting_id," in program
    assert program.count("adopt_existing=True,") == 3


def test_standard_output_is_the_default_and_a_directory_gets_the_formats_file(emu, tmp_path):
    one = meeting(emu, "booking-1", appointment={"externalAppointmentId": "e"})
    code, out, _ = export(emu, "--id", one)
    assert code == EXIT_OK and out.startswith('"""Exported from Microsoft Graph')
    assert export(emu, "--id", one, "--output", str(tmp_path))[0] == EXIT_OK
    assert (tmp_path / "__main__.py").read_text(encoding="utf-8") == out
    assert export(emu, "--id", one, "--output", str(tmp_path), "--format", "yaml")[0] == EXIT_OK
    assert yaml.safe_load((tmp_path / "appointments.yaml").read_text(encoding="utf-8"))["appointments"][0][
        "online_meeting_id"] == one


def test_from_file_reads_ids_and_join_urls_a_line_skipping_comments_and_blank_lines(emu, tmp_path):
    one, two = meeting(emu, "booking-1"), meeting(emu, "booking-2")
    listing = tmp_path / "meetings.txt"
    listing.write_text(f"# exported on Monday\n\n{one}\n  {join_url(emu, two)}  \n", encoding="utf-8")
    by_file = export(emu, "--from-file", str(listing))
    by_stdin = export(emu, "--from-file", "-", stdin=io.StringIO(listing.read_text(encoding="utf-8")))
    by_flags = export(emu, "--id", two, "--id", one)
    assert by_file[0] == by_stdin[0] == by_flags[0] == EXIT_OK
    assert by_file[1] == by_stdin[1] == by_flags[1]
    assert by_file[1].count("OnlineMeeting(") == 2


def test_user_addresses_the_organisers_meetings_and_is_written_on_both_resources(emu):
    theirs = meeting(emu, "theirs", owner="users/AdeleV@contoso.com", appointment={"externalAppointmentId": "e"})
    emu.clear_requests()
    code, out, _ = export(emu, "--user", "AdeleV@contoso.com", "--id", theirs)
    assert code == EXIT_OK
    assert {unquote(r["path"]).split("/")[2:4] == ["users", "AdeleV@contoso.com"] for r in emu.requests()} == {True}
    assert out.count("user_id='AdeleV@contoso.com',") == 2


def test_no_appointments_reads_meetings_only(emu):
    one = meeting(emu, "booking-1", appointment={"externalAppointmentId": "e"})
    emu.clear_requests()
    code, out, _ = export(emu, "--no-appointments", "--id", one)
    assert code == EXIT_OK and "VirtualAppointment(" not in out
    assert [r["path"].split("/")[1] for r in emu.requests()] == ["v1.0"]


def test_what_is_missing_is_skipped_with_a_reason_the_rest_written_and_the_exit_code_is_4(emu, tmp_path):
    one = meeting(emu, "booking-1")
    nameless = meeting(emu, None, appointment={"externalAppointmentId": "kept"})
    output = tmp_path / "__main__.py"
    code, _, err = export(emu, "--id", one, "--id", "no-such-meeting", "--join-url", "https://teams/l/none",
                          "--id", nameless, "--output", str(output))
    assert code == EXIT_SKIPPED
    program = output.read_text(encoding="utf-8")
    assert "'booking-1-meeting'" in program and "external_appointment_id='kept'" in program
    assert f"online_meeting_id={nameless!r}," in program
    lines = err.splitlines()
    assert lines[0] == f"export: wrote {output}: 1 meeting(s), 1 appointment(s)"
    assert lines[1] == "export: skipped 3:"
    assert lines[2] == "  meeting id no-such-meeting: no such meeting of me (404)"
    assert lines[3] == "  meeting join URL https://teams/l/none: no meeting of me has this join URL"
    assert lines[4].startswith(f"  meeting id {nameless}: it has no externalId")


def test_a_meeting_made_in_teams_seeded_through_the_admin_api_is_skipped_by_the_command_with_exit_4(emu):
    """The emulator seeds a meeting without externalId as Teams makes one; ``python -m ... export``
    meets it over HTTP, reads it with GETs only, and skips it saying why."""
    session = requests.Session()
    session.trust_env = False  # loopback only: never through a proxy
    seeded = session.put(f"{emu.url}/_emulator/meetings/me", json={"subject": "Made in Teams"},
                         headers={"Authorization": f"Bearer {TOKEN}"}, timeout=5)
    session.close()
    assert seeded.status_code == 200 and seeded.json()["entity"]["externalId"] is None
    meeting_id = seeded.json()["entity"]["id"]
    before = graph_state(emu)
    env = {**os.environ, "MSGRAPH_ENDPOINT": emu.url, "MSGRAPH_ACCESS_TOKEN": TOKEN}
    done = subprocess.run([sys.executable, "-m", "pulumi_virtualappointment", "export", "--id", meeting_id],
                          env=env, capture_output=True, text=True, timeout=60)
    assert (done.returncode, done.stdout) == (EXIT_SKIPPED, "")
    assert done.stderr.splitlines() == [
        "export: nothing to write, nothing written: 0 meeting(s), 0 appointment(s)",
        "export: skipped 1:",
        f"  meeting id {meeting_id}: it has no externalId, and createOrGet finds a meeting only by its externalId, "
        "so a program could not adopt it (it would create another meeting)",
    ]
    assert [(r["method"], r["path"], r["status"]) for r in emu.requests()] == [
        ("GET", f"/v1.0/me/onlineMeetings/{meeting_id}", 200),
        ("GET", f"/beta/me/onlineMeetings/{meeting_id}/virtualAppointment", 404),
    ]
    assert graph_state(emu) == before


def test_nothing_left_to_export_writes_nothing_and_exits_4(emu, tmp_path):
    output = tmp_path / "__main__.py"
    output.write_text("# the program as it was\n")
    code, out, err = export(emu, "--id", "gone", "--output", str(output))
    assert (code, out) == (EXIT_SKIPPED, "")
    assert output.read_text() == "# the program as it was\n"
    assert err.splitlines()[0] == "export: nothing to write, nothing written: 0 meeting(s), 0 appointment(s)"


@pytest.mark.parametrize("argv, message", [
    (["--id", "a/b"], "--id: 'a/b' is not a meeting id"),
    (["--join-url", "teams/l/x"], "--join-url: 'teams/l/x' is not a join URL"),
    (["--from-file", "/no/such/file"], "--from-file /no/such/file: cannot be read"),
    ([], "nothing to export: give --id, --join-url or --from-file"),
    (["--id", "M1", "--user", "a b"], "--user: 'a b' is not a user id or UPN"),
    (["--id", "M1", "--output", "/no/such/dir/x.py"], "--output /no/such/dir/x.py: the directory /no/such/dir"),
    (["--id", "M1", "--endpoint", "http://graph.example.com"], "--endpoint uses plain http:// to graph.example.com"),
    (["--id", "M1", "--endpoint", "https://[::1"], "--endpoint is not a URL (Invalid IPv6 URL)"),  # issue 17
    (["--id", "M1", "--endpoint", "http://127.0.0.1:99999"], "--endpoint has a port that is not one (1-65535)"),
])
def test_usage_and_configuration_errors_exit_2_before_any_request(emu, argv, message):
    code, out, err = export(emu, *argv)
    assert (code, out) == (EXIT_USAGE, "")
    assert err.startswith(f"export: {message}")
    assert emu.requests() == []


def test_missing_credentials_exit_2_naming_how_to_sign_in(emu):
    code, _, err = export(emu, "--id", "M1", environ={"MSGRAPH_ENDPOINT": emu.url})
    assert code == EXIT_USAGE and "No Microsoft Graph credentials are configured" in err
    assert emu.requests() == []


def test_an_unknown_flag_or_format_is_argparses_exit_2(emu):
    for argv in (["--id", "M1", "--format", "hcl"], ["--id", "M1", "--frobnicate"]):
        with pytest.raises(SystemExit) as caught:
            export(emu, *argv)
        assert caught.value.code == EXIT_USAGE


def test_a_graph_error_halfway_writes_nothing_and_exits_3(emu, tmp_path):
    ids = [meeting(emu, f"booking-{n}") for n in range(3)]
    output = tmp_path / "__main__.py"
    output.write_text("# the program as it was\n")
    emu.inject({"latency": 0.001}, {"status": 403})  # the first meeting reads, the second is refused
    code, out, err = export(emu, "--no-appointments", *(a for i in ids for a in ("--id", i)), "--output", str(output))
    assert (code, out) == (EXIT_GRAPH, "")
    assert output.read_text() == "# the program as it was\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["__main__.py"]
    assert err.startswith("export: nothing was written: Graph GET me/onlineMeetings/")
    assert "HTTP 403 Forbidden" in err and "request-id" in err
    assert [r["method"] for r in emu.requests()] == ["GET", "GET"]


def test_a_wrong_token_is_a_401_exit_3_that_never_shows_the_token(emu):
    code, _, err = export(emu, "--id", meeting(emu, "booking-1"), token="expired-token-do-not-print")
    assert code == EXIT_GRAPH and "HTTP 401" in err and "expired-token-do-not-print" not in err


def test_throttling_is_retried_as_the_provider_does(emu):
    one = meeting(emu, "booking-1")
    slept: list[float] = []
    emu.inject({"status": 429, "retryAfter": "0.25"}, {"status": 503, "retryAfter": "0.5"})
    code, out, _ = export(emu, "--no-appointments", "--id", one, sleep=slept.append)
    assert code == EXIT_OK and "'booking-1-meeting'" in out
    assert slept == [0.25, 0.5]
    emu.inject(*[{"status": 503, "retryAfter": "0"}] * 5)
    assert export(emu, "--no-appointments", "--id", one, sleep=slept.append)[0] == EXIT_GRAPH  # 1 + 4 retries


def test_a_failed_move_into_place_leaves_the_old_file_and_no_temporary_one(emu, tmp_path, monkeypatch):
    output = tmp_path / "__main__.py"
    output.write_text("# the program as it was\n")
    output.chmod(0o640)

    def refuse(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", refuse)
    code, _, err = export(emu, "--id", meeting(emu, "booking-1"), "--output", str(output))
    assert code == EXIT_USAGE and "nothing written" in err and "No space left on device" in err
    assert output.read_text() == "# the program as it was\n"
    assert [p.name for p in tmp_path.iterdir()] == ["__main__.py"]
    monkeypatch.undo()
    assert export(emu, "--id", meeting(emu, "booking-2"), "--output", str(output))[0] == EXIT_OK
    assert "'booking-2-meeting'" in output.read_text() and (output.stat().st_mode & 0o777) == 0o640


def test_progress_is_reported_on_stderr_above_a_handful_of_objects(emu):
    ids = [meeting(emu, f"booking-{n}") for n in range(PROGRESS_ABOVE + 1)]
    _, _, quiet = export(emu, "--no-appointments", *(a for i in ids[:PROGRESS_ABOVE] for a in ("--id", i)))
    assert "reading" not in quiet
    code, _, err = export(emu, "--no-appointments", *(a for i in ids for a in ("--id", i)))
    progress = [line for line in err.splitlines() if "] reading meeting" in line]
    assert code == EXIT_OK
    assert progress == [f"export: [{n}/{len(ids)}] reading meeting id {i}" for n, i in enumerate(ids, start=1)]


def test_two_exports_of_the_same_objects_are_byte_identical(emu):
    ids = [meeting(emu, external_id) for external_id in ("Booking 0", "booking-0", "booking 1")]
    first = export(emu, "--id", ids[0], "--id", ids[1], "--id", ids[2])
    second = export(emu, "--id", ids[2], "--id", ids[1], "--id", ids[0])
    assert first[0] == EXIT_OK and first[1] == second[1]
    names = [call.args[0].value for call in calls(first[1])["OnlineMeeting"]]
    assert sorted(names) == sorted(["booking-0-meeting", f"booking-0-{tag('Booking 0')}-meeting",
                                    f"booking-1-{tag('booking 1')}-meeting"])


def test_the_command_is_registered_with_its_exit_codes_in_the_help(capsys):
    with pytest.raises(SystemExit):
        main(["export", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    for line in ("0 everything asked for was exported", "1 an unexpected failure (a Python traceback): nothing written",
                 "2 usage, input file, configuration or output path error", "3 Graph error",
                 "4 some objects were skipped (reasons on stderr); the others were written",
                 "the flags above winning",
                 "The written program holds attendees' and clients' details in plain text (Output.secret protects "
                 "only the state), so commit it only where those may be read."):
        assert line in text


def test_the_exit_codes_leave_1_to_pythons_own_exit_on_an_unexpected_failure():
    assert (EXIT_OK, EXIT_UNEXPECTED, EXIT_USAGE, EXIT_GRAPH, EXIT_SKIPPED) == (0, 1, 2, 3, 4)


def requested(emu: Emulator) -> list[tuple]:
    """The emulator's log as ``(method, path, query)``."""
    return [(r["method"], r["path"], r["query"]) for r in emu.requests()]


def lookup(url: str, owner: str = "me") -> tuple:
    """The log entry of a lookup by join URL."""
    return ("GET", f"/v1.0/{owner}/onlineMeetings", {"$filter": f"JoinWebUrl eq '{url}'"})


def test_output_through_a_symlink_writes_the_file_it_points_to_and_keeps_the_link(emu, tmp_path):
    real = tmp_path / "real" / "main.py"
    real.parent.mkdir()
    real.write_text("# the program as it was\n")
    link = tmp_path / "link.py"
    link.symlink_to(real)
    code, out, err = export(emu, "--no-appointments", "--id", meeting(emu, "booking-1"), "--output", str(link))
    resolved = os.path.realpath(real)
    assert (code, out, err) == (EXIT_OK, "", f"export: wrote {resolved}: 1 meeting(s), 0 appointment(s)\n")
    assert link.is_symlink() and os.readlink(link) == str(real)
    assert "'booking-1-meeting'" in real.read_text(encoding="utf-8")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["link.py", "real"]
    assert [p.name for p in real.parent.iterdir()] == ["main.py"]


def test_an_output_that_is_not_a_regular_file_is_refused_before_any_request(emu, tmp_path):
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    link = tmp_path / "link-to-fifo"
    link.symlink_to(fifo)
    inner = tmp_path / "project" / "__main__.py"
    inner.mkdir(parents=True)  # --output project: its __main__.py is a directory
    resolved = os.path.realpath(fifo)
    for output, shown in ((fifo, resolved), (link, resolved), (inner.parent, os.path.realpath(inner))):
        code, out, err = export(emu, "--id", "M1", "--output", str(output))
        assert (code, out, err) == (EXIT_USAGE, "", f"export: --output {output}: {shown} is not a regular file\n")
    assert emu.requests() == []
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode) and link.is_symlink() and inner.is_dir()


def test_output_dash_is_standard_output(emu, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    one = meeting(emu, "booking-1")
    code, out, _ = export(emu, "--no-appointments", "--id", one, "--output", "-")
    assert (code, out) == (EXIT_OK, export(emu, "--no-appointments", "--id", one)[1])
    assert list(tmp_path.iterdir()) == []


def test_output_with_a_trailing_separator_names_a_directory_that_must_exist(emu, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, out, err = export(emu, "--id", "M1", "--output", "newdir/")
    assert (code, out, err) == (EXIT_USAGE, "", "export: --output newdir/: the directory newdir does not exist\n")
    assert list(tmp_path.iterdir()) == [] and emu.requests() == []


def test_yaml_without_appointments_is_a_usage_error_before_any_request(emu):
    code, out, err = export(emu, "--id", "M1", "--format", "yaml", "--no-appointments")
    assert (code, out, err) == (EXIT_USAGE, "", "export: --format yaml declares appointments only, so with "
                                                "--no-appointments there is nothing to export\n")
    assert emu.requests() == []


LONG = "a" * 2100
LONG_URL = "https://teams.microsoft.com/l/" + LONG


@pytest.mark.parametrize("flag, value", [("--id", LONG), ("--join-url", LONG_URL), ("--from-file", LONG)])
def test_an_id_or_join_url_longer_than_2048_characters_is_refused_before_any_request(emu, tmp_path, flag, value):
    argument, where = value, flag
    if flag == "--from-file":
        listing = tmp_path / "meetings.txt"
        listing.write_text(f"# one\nM1\n{value}\n", encoding="utf-8")
        argument, where = str(listing), f"{listing}:3"
    code, out, err = export(emu, flag, argument)
    shown = value[:79] + "\u2026"
    assert (code, out, err) == (EXIT_USAGE, "", f"export: {where}: {shown!r} is {len(value):,} characters long; an id "
                                                "or join URL has at most 2,048\n")
    assert emu.requests() == []


def test_a_value_of_exactly_2048_characters_is_read(emu):
    code, _, err = export(emu, "--id", "a" * 2048)
    assert (code, err.splitlines()[-1]) == (EXIT_SKIPPED, f"  meeting id {'a' * 199}\u2026: no such meeting of me (404)")


@pytest.mark.parametrize("how", ["file", "text stdin", "byte stdin"])
def test_from_file_with_a_utf8_byte_order_mark_reads_its_first_line(emu, tmp_path, how):
    one, two = meeting(emu, "booking-1"), meeting(emu, "booking-2")
    text = f"\ufeff{one}\n{join_url(emu, two)}\n"
    listing = tmp_path / "meetings.txt"
    listing.write_bytes(text.encode("utf-8"))
    stdin = io.TextIOWrapper(io.BytesIO(text.encode("utf-8")), encoding="latin-1") if how == "byte stdin" else \
        io.StringIO(text)
    code, out, err = export(emu, "--no-appointments", "--from-file", str(listing) if how == "file" else "-",
                            stdin=stdin)
    assert (code, err) == (EXIT_OK, "export: wrote to standard output: 2 meeting(s), 0 appointment(s)\n")
    assert out == export(emu, "--no-appointments", "--id", one, "--id", two)[1]


class _Full(io.RawIOBase):
    """A stream that refuses every write while ``full``, as a full disk does."""

    full = True

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        if self.full:
            raise OSError(28, "No space left on device")
        return len(data)


def test_standard_output_that_cannot_be_written_is_exit_2(emu):
    raw = _Full()
    out, err = io.TextIOWrapper(io.BufferedWriter(raw), encoding="utf-8"), io.StringIO()
    code = main(["export", "--id", meeting(emu, "booking-1")], environ={"MSGRAPH_ENDPOINT": emu.url,
                                                                       "MSGRAPH_ACCESS_TOKEN": TOKEN},
                out=out, err=err)
    assert (code, err.getvalue()) == (EXIT_USAGE, "export: cannot write to standard output: [Errno 28] No space left "
                                                  "on device\n")
    raw.full = False  # what the buffer kept can go now: closing it raises nothing
    out.close()


def test_standard_output_is_written_as_utf8_whatever_its_encoding(emu):
    out, err = io.TextIOWrapper(io.BytesIO(), encoding="cp1252"), io.StringIO()
    one = meeting(emu, "東京-booking", subject="会議 Ödön")
    code = main(["export", "--no-appointments", "--id", one], environ={"MSGRAPH_ENDPOINT": emu.url,
                                                                      "MSGRAPH_ACCESS_TOKEN": TOKEN}, out=out, err=err)
    out.flush()
    assert code == EXIT_OK
    assert "subject='会議 Ödön'," in out.buffer.getvalue().decode("utf-8")


def test_a_process_whose_locale_cannot_encode_the_program_still_writes_it_as_utf8(emu):
    one = meeting(emu, "東京-booking", subject="会議 Ödön")
    env = {**os.environ, "MSGRAPH_ENDPOINT": emu.url, "MSGRAPH_ACCESS_TOKEN": TOKEN, "PYTHONIOENCODING": "cp1252"}
    done = subprocess.run([sys.executable, "-m", "pulumi_virtualappointment", "export", "--no-appointments", "--id",
                           one], env=env, capture_output=True, timeout=60)
    assert (done.returncode, done.stderr) == (EXIT_OK, b"export: wrote to standard output: 1 meeting(s), "
                                                       b"0 appointment(s)\n")
    assert "subject='会議 Ödön'," in done.stdout.decode("utf-8")


def test_an_unexpected_failure_propagates_for_pythons_exit_1_and_writes_nothing(emu, tmp_path, monkeypatch):
    output = tmp_path / "__main__.py"
    output.write_text("# the program as it was\n")

    def broken(result):
        raise RuntimeError("a bug")

    monkeypatch.setattr("pulumi_virtualappointment._export.python_program", broken)
    with pytest.raises(RuntimeError, match="a bug"):
        export(emu, "--id", meeting(emu, "booking-1"), "--output", str(output))
    assert output.read_text() == "# the program as it was\n"
    assert [p.name for p in tmp_path.iterdir()] == ["__main__.py"]


def test_a_tenant_azure_identity_would_refuse_is_exit_2_naming_the_flag(emu):
    code, out, err = export(emu, "--id", "M1", "--auth", "cli", "--tenant-id", "not a tenant")
    assert (code, out, err) == (EXIT_USAGE, "", "export: --tenant-id (AZURE_TENANT_ID) 'not a tenant' is not a tenant: "
                                                "give its id (a GUID) or a domain such as contoso.onmicrosoft.com "
                                                "(letters, digits, '-' and '.' only)\n")
    assert emu.requests() == []


def test_two_meetings_of_one_organiser_with_the_same_external_id_export_only_their_appointments(emu):
    first = meeting(emu, "dup", appointment={"externalAppointmentId": "a1"})
    second = meeting(emu, "other", appointment={"externalAppointmentId": "a2"})
    emu.store._meetings[emu.store.meeting_key(f"me/onlineMeetings/{second}")].entity["externalId"] = "dup"  # Graph
    # refuses a second one through createOrGet; a meeting made otherwise (POST /onlineMeetings) may repeat it
    code, out, err = export(emu, "--id", first, "--id", second)
    reason = "another meeting of this organiser has the same externalId; createOrGet would find only one of them"
    assert code == EXIT_SKIPPED
    assert sorted(err.splitlines()[2:4]) == sorted([f"  meeting id {first}: {reason}", f"  meeting id {second}: {reason}"])
    assert "OnlineMeeting(" not in out
    assert out.count("VirtualAppointment(") == 2 and f"online_meeting_id={second!r}," in out


def test_a_join_url_may_be_given_percent_decoded(emu):
    one = meeting(emu, "booking-1")
    decoded = unquote(join_url(emu, one))
    assert decoded != join_url(emu, one)
    emu.clear_requests()
    code, out, _ = export(emu, "--no-appointments", "--join-url", decoded)
    assert code == EXIT_OK and "'booking-1-meeting'" in out
    assert requested(emu) == [lookup(decoded)]


def test_a_meeting_graph_answers_with_another_join_url_is_skipped(emu, monkeypatch):
    meeting(emu, "booking-1")
    monkeypatch.setattr("pulumi_virtualappointment.emulator._meeting.has_join_web_url", lambda entity, url: True)
    emu.clear_requests()
    asked = "https://teams.microsoft.com/l/meetup-join/other"
    code, out, err = export(emu, "--no-appointments", "--join-url", asked)
    assert (code, out) == (EXIT_SKIPPED, "")
    assert err.splitlines()[1:] == ["export: skipped 1:", f"  meeting join URL {asked}: Graph answered a meeting "
                                                          "with another join URL"]
    assert requested(emu) == [lookup(asked)]


def test_two_meetings_with_the_join_url_skip_that_item_and_the_rest_is_exported(emu):
    one, two, three = (meeting(emu, f"booking-{n}") for n in (1, 2, 3))
    url = join_url(emu, one)
    emu.edit_meeting(f"me/onlineMeetings/{two}", {"joinWebUrl": url})
    emu.clear_requests()
    code, out, err = export(emu, "--no-appointments", "--join-url", url, "--id", three)
    assert code == EXIT_SKIPPED and "'booking-3-meeting'" in out and "booking-1" not in out
    shown = url[:199] + "\u2026"  # a summary line shows at most 200 characters of it
    assert err.splitlines()[1:] == ["export: skipped 1:", f"  meeting join URL {shown}: 2 meetings of me have this "
                                                          "join URL; give the one to export by id"]
    assert requested(emu) == [("GET", f"/v1.0/me/onlineMeetings/{three}", {}), lookup(url)]  # ids first


class _Answering:
    """A client for :class:`Reader` that answers every GET with ``body`` and records the paths."""

    def __init__(self, body: Any):
        self.body, self.paths = body, []

    def for_operation(self, *args: Any) -> "_Answering":
        return self

    def get(self, path: str) -> GraphResponse:
        self.paths.append(path)
        return GraphResponse(200, self.body, None, "r-1", "c-1", "GET", path)


def test_a_paged_answer_to_the_join_url_lookup_is_an_invalid_response():
    client = _Answering({"value": [], "@odata.nextLink": "https://graph.microsoft.com/v1.0/me/onlineMeetings?$skiptoken=x"})
    with pytest.raises(GraphResponseError) as caught:
        Reader(client, None).read(Wanted("joinUrl", "https://teams/l/x"))
    assert (caught.value.code, caught.value.graph_message) == (
        "invalidResponse", "the lookup by join URL answered one page of several (@odata.nextLink); Graph documents "
                           "one meeting")
    assert client.paths == ["me/onlineMeetings?$filter=JoinWebUrl%20eq%20%27https%3A%2F%2Fteams%2Fl%2Fx%27"]


# -- the round-trip law ---------------------------------------------------------------------------


def round_trip(sb: Sandbox, program: Path, meetings: int, appointments: int) -> tuple:
    """`up` the exported program, then preview it; assert the law; the adopting run's requests."""
    before = graph_state(sb.emulator)
    run = sb.up(program)
    assert sorted(op for _, op in run.ops) == ["create"] * (meetings + appointments)
    assert not [m for m, _, _ in run.wire if m in {"PATCH", "PUT", "DELETE"}], run.wire
    posts = [(r["path"].endswith("/onlineMeetings/createOrGet"), r["status"]) for r in run.requests
             if r["method"] == "POST"]
    assert posts == [(True, 200)] * meetings  # createOrGet found each meeting: none created
    assert {m for m, _, _ in run.wire} <= {"GET", "POST"}
    assert graph_state(sb.emulator) == before  # every ETag as it was: nothing written
    preview = sb.preview(program)
    assert [op for _, op in preview.ops] == ["same"] * (meetings + appointments)
    assert preview.requests == []
    return run


ADDRESS = st.from_regex(r"[A-Za-z][A-Za-z0-9.]{0,8}@(contoso\.com|Fabrikam\.org)", fullmatch=True)
TEXT = st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=24)
START = st.datetimes(datetime(2024, 1, 1), datetime(2030, 1, 1), timezones=st.just(timezone.utc))
CLIENT = st.fixed_dictionaries({}, optional={
    "displayName": TEXT,
    "emailAddress": ADDRESS,
    "smsCapablePhoneNumber": st.sampled_from(["+1 425-555-0100", "123-456-7890", "(0)20 7946 0958"]),
})
APPOINTMENT = st.fixed_dictionaries({}, optional={
    "settings": st.fixed_dictionaries({"allowClientToJoinUsingBrowser": st.booleans()}),
    "appointmentClients": st.lists(CLIENT, max_size=12),
    "externalAppointmentId": TEXT,
    "externalAppointmentUrl": st.sampled_from(["https://booking.example/a?b=1&c='2'", "http://x.example/ü"]),
})
MEETING = st.fixed_dictionaries({"externalId": TEXT.filter(str.strip)}, optional={
    "subject": TEXT,
    "times": st.tuples(START, st.sampled_from([0, 1, 30, 90, 24 * 60])),
    "participants": st.lists(st.fixed_dictionaries({"upn": ADDRESS}, optional={
        "role": st.sampled_from(["attendee", "presenter", "producer", "coorganizer"])}), max_size=4),
    "allowedPresenters": st.sampled_from(["everyone", "organization", "roleIsPresenter", "organizer"]),
    "lobbyBypassSettings": st.fixed_dictionaries({}, optional={
        "scope": st.sampled_from(["organizer", "organization", "everyone", "invited"]),
        "isDialInBypassEnabled": st.booleans()}),
    "allowMeetingChat": st.sampled_from(["enabled", "disabled", "limited"]),
    "meetingSpokenLanguageTag": st.sampled_from(["en-US", "de-DE", " fr-FR"]),
    "recordAutomatically": st.booleans(),
    "watermarkProtection": st.fixed_dictionaries({"isEnabledForVideo": st.booleans()}),
    "appointment": APPOINTMENT,
})


def _seed(emu: Emulator, spec: dict) -> str:
    props = {k: v for k, v in spec.items() if k not in ("times", "participants", "appointment")}
    if "times" in spec:
        start, minutes = spec["times"]
        props["startDateTime"] = start.isoformat()
        props["endDateTime"] = (start + timedelta(minutes=minutes)).isoformat()
    if "participants" in spec:
        props["participants"] = {"attendees": spec["participants"]}
    return meeting(emu, props.pop("externalId"), appointment=spec.get("appointment"), **props)


@pytest.fixture(scope="module")
def sandbox():
    with Sandbox() as sb:
        yield sb


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(specs=st.lists(MEETING, min_size=1, max_size=4, unique_by=lambda m: m["externalId"]))
def test_round_trip_law_the_exported_program_adopts_every_object_without_a_write(sandbox, tmp_path, specs):
    emu = sandbox.emulator
    emu.reset()
    sandbox.engine.state_file.unlink(missing_ok=True)
    ids = [_seed(emu, spec) for spec in specs]
    emu.clear_requests()
    program = tmp_path / "__main__.py"
    program.unlink(missing_ok=True)  # tmp_path is the same for every example
    code, _, err = export(emu, *(a for i in ids for a in ("--id", i)), "--output", str(program), token=sandbox.token)
    exported = sum(1 for spec in specs if spec["externalId"] == spec["externalId"].strip())
    assert code == (EXIT_OK if exported == len(specs) else EXIT_SKIPPED), err
    assert {r["method"] for r in emu.requests()} == {"GET"}
    appointments = sum(1 for spec in specs if "appointment" in spec)
    if not exported + appointments:  # every meeting skipped (an externalId with spaces around it), none left
        assert err.startswith("export: nothing to write, nothing written") and not program.exists()
        return
    assert err.startswith(f"export: wrote {program}: {exported} meeting(s), {appointments} appointment(s)")
    round_trip(sandbox, program, exported, appointments)


def test_round_trip_of_three_objects_then_an_edit_in_code_sends_one_patch(sandbox, tmp_path):
    """The README's workflow: export, `up` (adopts, no change), edit the program, `up` (one PATCH)."""
    emu = sandbox.emulator
    emu.reset()
    sandbox.engine.state_file.unlink(missing_ok=True)
    ids = [
        meeting(emu, "booking-2026-12-01-0900-grady", subject="Consultation: Grady Archie",
                startDateTime="2026-12-01T10:00:00+01:00", endDateTime="2026-12-01T10:30:00+01:00",
                participants={"attendees": [{"upn": "AdeleV@contoso.com", "role": "presenter"}]},
                allowedPresenters="roleIsPresenter",
                appointment={"settings": {"allowClientToJoinUsingBrowser": True}, "appointmentClients": [GRADY],
                             "externalAppointmentId": "AAMkADKnAAA="}),
        meeting(emu, "booking-2026-12-02-1400-ödön", subject="Intake: Ödön \"Ödi\" Horváth",
                appointment={"appointmentClients": [{"displayName": "Ödön Horváth"}]}),
        meeting(emu, "follow-up-7", subject="Follow-up"),
    ]
    program = tmp_path / "__main__.py"
    code, _, _ = export(emu, "--id", ids[0], "--id", ids[1], "--join-url", join_url(emu, ids[2]),
                        "--output", str(program), token=sandbox.token)
    assert code == EXIT_OK
    run = round_trip(sandbox, program, 3, 2)
    assert [m for m, _, _ in run.wire].count("GET") == 5  # each meeting's join link, each appointment
    program.write_text(program.read_text(encoding="utf-8").replace("subject='Follow-up'", "subject='Rescheduled'"),
                       encoding="utf-8")
    edit = sandbox.up(program)
    assert sorted(op for _, op in edit.ops) == ["same"] * 4 + ["update"]
    assert [(m, body) for m, _, body in edit.wire] == [("GET", ""), ("PATCH", '{"subject":"Rescheduled"}')]


def test_round_trip_of_the_yaml_through_the_from_data_example(tmp_path):
    with Sandbox(project="virtualappointment-from-data") as sb:
        emu = sb.emulator
        ids = [meeting(emu, f"booking-{n}", appointment={"appointmentClients": [GRADY] * n,
                                                         "externalAppointmentId": f"AAMk-{n}"}) for n in range(3)]
        project = tmp_path / "from-data"
        project.mkdir()
        for name in ("__main__.py", "loader.py", "Pulumi.yaml"):
            (project / name).write_bytes((ROOT / "examples" / "from-data" / name).read_bytes())
        code, _, err = export(emu, *(a for i in ids for a in ("--id", i)), "--format", "yaml", "--output",
                              str(project), token=sb.token)
        assert code == EXIT_OK, err
        round_trip(sb, project, 0, 3)


def test_an_output_that_is_the_from_file_list_is_refused_before_any_request(emu, tmp_path):
    one = meeting(emu, "booking-1")
    listing = tmp_path / "meetings.txt"
    listing.write_text(f"{one}\n", encoding="utf-8")
    (tmp_path / "link.txt").symlink_to(listing)
    emu.clear_requests()
    code, out, err = export(emu, "--from-file", str(listing), "--output", str(tmp_path / "link.txt"))
    assert (code, out) == (EXIT_USAGE, "")
    assert err == f"export: --output {tmp_path / 'link.txt'} is the --from-file list itself: write the program elsewhere\n"
    assert emu.requests() == [] and listing.read_text(encoding="utf-8") == f"{one}\n"




@pytest.mark.parametrize("through_a_link", [False, True])
def test_a_fifo_as_the_from_file_list_is_a_usage_error_and_is_never_opened(emu, tmp_path, through_a_link):
    fifo = tmp_path / "meetings.fifo"
    writer = WaitingWriter(fifo)
    given = fifo
    if through_a_link:
        given = tmp_path / "meetings.txt"
        given.symlink_to(fifo)
    try:
        code, out, err = export(emu, "--from-file", str(given))
        assert (code, out, emu.requests()) == (EXIT_USAGE, "", [])
        assert err == (f"export: --from-file {given}: it is a FIFO (named pipe), not a regular file, so it was not "
                       "read (give a file, or - for standard input)\n")
        assert not writer.released.wait(0.2)  # nobody opened it for reading
    finally:
        writer.close()


def test_a_directory_as_the_from_file_list_is_a_usage_error_naming_what_it_is(emu, tmp_path):
    code, out, err = export(emu, "--from-file", str(tmp_path))
    assert (code, out, err) == (EXIT_USAGE, "", f"export: --from-file {tmp_path}: it is a directory, not a regular "
                                                "file, so it was not read (give a file, or - for standard input)\n")


def test_from_file_dash_still_reads_standard_input_when_it_is_a_pipe(emu):
    one = meeting(emu, "booking-1")
    reader, writer = os.pipe()
    os.write(writer, f"{one}\n".encode())
    os.close(writer)
    with os.fdopen(reader, "r", encoding="utf-8") as stdin:
        code, out, err = export(emu, "--no-appointments", "--from-file", "-", stdin=stdin)
    assert (code, err) == (EXIT_OK, "export: wrote to standard output: 1 meeting(s), 0 appointment(s)\n")
    assert out == export(emu, "--no-appointments", "--id", one)[1]


def test_export_never_advises_stack_config_it_does_not_read(emu):
    """Issue 17: export reads flags and the environment only; its advice named `pulumi config set`
    and msgraph:accessToken, which it never reads."""
    code, _, err = export(emu, "--id", "M1", environ={"MSGRAPH_ENDPOINT": emu.url})
    assert code == EXIT_USAGE
    assert "stack config" not in err and "pulumi config" not in err and "msgraph:accessToken" not in err
    assert "--auth or MSGRAPH_AUTH" in err and "MSGRAPH_ACCESS_TOKEN" in err


def test_an_expired_token_during_export_is_told_how_export_takes_one(emu):
    meeting_id = meeting(emu, "visit-1")
    emu.inject({"status": 401, "code": "InvalidAuthenticationToken", "message": "Lifetime validation failed"})
    code, _, err = export(emu, "--id", meeting_id)
    assert code == 3
    assert err.rstrip().endswith("`az login` (cli), or set a new delegated token in MSGRAPH_ACCESS_TOKEN (tokens "
                                 "expire after about an hour).")
    assert "stack config" not in err and "msgraph:accessToken" not in err
