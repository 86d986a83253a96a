"""Program tier: the shipped Pulumi programs themselves, run under ``pulumi.runtime`` mocks that
forward every dynamic resource to the real provider host (see ``engine.py``), against the
emulator. First run creates, second sends nothing, an edit sends one minimal PATCH, removal deletes.

The programs that declare an ``OnlineMeeting`` (the quick start, ``examples/meeting-and-appointment``)
run against an emulator of their own without ``implicit_meetings``: there an appointment exists only
under a meeting that exists, as in Graph.
"""

from __future__ import annotations

import gc
import re
import shutil
from pathlib import Path

import pulumi
import pytest
import requests

from conftest import TOKEN
from emulator_fixtures import WEAK_ETAG
from pulumi_virtualappointment.testing import Engine, ProviderError, run_program
from pulumi_virtualappointment.emulator import Emulator

ROOT = Path(__file__).resolve().parent.parent
BASIC_PATH = "me/onlineMeetings/MSpkYzE3Njc0Yy04MWQ5LTRhZGItYmZi/virtualAppointment"


@pytest.fixture(scope="module")
def emulator():
    with Emulator(token=TOKEN, implicit_meetings=True) as emu:
        yield emu


def _ops(engine):
    return [(s.name, s.op) for s in engine.steps]


def _wire(emulator):
    return [(r["method"], r["path"].split("/beta/")[1], r["raw_body"]) for r in emulator.requests()]


def _copy_program(src: Path, tmp_path: Path) -> Path:
    dest = tmp_path / src.name
    shutil.copytree(src, dest, ignore=shutil.ignore_patterns(".venv", "__pycache__"))
    return dest / "__main__.py"


def test_basic_example_lifecycle(engine, emulator, tmp_path):
    program = _copy_program(ROOT / "examples" / "basic", tmp_path)
    project = "virtualappointment-basic"

    run_program(program, engine, {}, project=project)
    assert _ops(engine) == [("consultation", "create")]
    assert [m for m, _, _ in _wire(emulator)] == ["GET", "PUT"]
    assert emulator.get(BASIC_PATH)["externalAppointmentId"] == "AAMkADKnAAA="

    emulator.clear_requests()
    run_program(program, engine, {}, project=project, preview=True)
    run_program(program, engine, {}, project=project)
    assert _ops(engine) == [("consultation", "same")]
    assert emulator.requests() == []

    program.write_text(program.read_text().replace('"AAMkADKnAAA="', '"AAMk-rescheduled"'))
    etag = engine.load()["consultation"]["outputs"]["etag"]
    run_program(program, engine, {}, project=project)
    assert _ops(engine) == [("consultation", "update")]
    assert _wire(emulator) == [("PATCH", BASIC_PATH, '{"externalAppointmentId":"AAMk-rescheduled"}')]
    assert emulator.requests()[0]["headers"]["if-match"] == etag

    emulator.clear_requests()
    program.write_text("import pulumi\n")
    run_program(program, engine, {}, project=project)
    assert _ops(engine) == [("consultation", "delete")]
    assert _wire(emulator) == [("DELETE", BASIC_PATH, "")]
    assert emulator.get(BASIC_PATH) is None


def test_invalid_program_input_fails_check_naming_the_property(engine, emulator):
    """A pull-request preview stops at the bad value, before any request (the meeting's id is still
    unknown then: Check lets unknowns through and judges the rest)."""
    program = ROOT / "__main__.py"
    project = "virtualappointment-quickstart"
    config = {f"{project}:externalAppointmentUrl": "not-a-url"}
    with pytest.raises(Exception, match=r"externalAppointmentUrl: expected an absolute http\(s\) URL"):
        run_program(program, engine, config, project=project, preview=True)
    assert emulator.requests() == []


def test_from_data_example_declares_every_entry_and_patches_one_edit(engine, emulator, tmp_path):
    program = _copy_program(ROOT / "examples" / "from-data", tmp_path)
    data = program.parent / "appointments.yaml"
    project = "virtualappointment-from-data"
    adopted = "me/onlineMeetings/MSpkNTU1NWUtNjY2Ni00Nzc3LTg4ODg/virtualAppointment"
    emulator.seed(adopted, {"externalAppointmentId": "set-in-teams", "externalAppointmentUrl": "https://teams/x"})
    emulator.clear_requests()

    run_program(program, engine, {}, project=project)
    assert sorted(_ops(engine)) == [("consult-ada", "create"), ("consult-grady", "create"), ("intake-adopted", "create")]
    assert emulator.get("users/5f1c1d2e-0a1b-4c2d-9e3f-4a5b6c7d8e9f/onlineMeetings/MSpkOTk5OWEtMjIyMi00MzMzLTg0NDQ"
                        "/virtualAppointment")["settings"] == {"allowClientToJoinUsingBrowser": False}
    assert emulator.get(adopted)["externalAppointmentId"] == "INTAKE-42"
    assert emulator.get(adopted)["externalAppointmentUrl"] == "https://teams/x"  # not listed: untouched

    emulator.clear_requests()
    data.write_text(data.read_text().replace("allow_client_to_join_using_browser: false",
                                             "allow_client_to_join_using_browser: true"))
    run_program(program, engine, {}, project=project)
    assert sorted(_ops(engine)) == [("consult-ada", "update"), ("consult-grady", "same"), ("intake-adopted", "same")]
    assert [(m, body) for m, _, body in _wire(emulator)] == [
        ("PATCH", '{"settings":{"allowClientToJoinUsingBrowser":true}}')]


def test_from_data_reports_every_invalid_entry_with_file_and_entry(engine, emulator, tmp_path):
    program = _copy_program(ROOT / "examples" / "from-data", tmp_path)
    (program.parent / "bad.yaml").write_text(
        "appointments:\n"
        "  - name: ok\n    online_meeting_id: m1\n"
        "  - name: ok\n    online_meeting_id: m2\n"
        "  - name: broken\n    appointment_clients:\n      - email_address: not-an-email\n"
        "  - just a string\n"
    )
    with pytest.raises(Exception) as caught:
        run_program(program, engine, {"virtualappointment-from-data:dataFile": "bad.yaml"},
                    project="virtualappointment-from-data")
    assert str(caught.value) == (
        "4 problem(s) in bad.yaml:\n"
        "  bad.yaml: entry 2 (ok): name: 'ok' is used by an earlier entry; names must be unique\n"
        "  bad.yaml: entry 3 (broken): appointment_clients[0].email_address: expected an email address such as "
        "name@contoso.com, got 'not-an-email'\n"
        "  bad.yaml: entry 3 (broken): online_meeting_id: is required: set online_meeting_id to the Teams online "
        "meeting id\n"
        "  bad.yaml: entry 4: expected a mapping of properties, got str"
    )
    assert emulator.requests() == []


# -- programs that declare the meeting too: an appointment exists only under its meeting ---------------

EXAMPLE = ROOT / "examples" / "meeting-and-appointment"
EXAMPLE_PROJECT = "virtualappointment-meeting"
QUICKSTART_PROJECT = "virtualappointment-quickstart"
ETAGS = pytest.mark.parametrize("meeting_etags", [False, True], ids=["meetings-without-etag", "meetings-with-etag"])
"""Graph documents no ETag for meetings (the emulator's default); with one, updates carry If-Match."""

EXAMPLE_CREATE_OR_GET = (
    '{"endDateTime":"2026-12-01T09:30:00Z","externalId":"booking-2026-12-01-0900-grady",'
    '"participants":{"attendees":[{"role":"presenter","upn":"adelev@contoso.com"}]},'
    '"startDateTime":"2026-12-01T09:00:00Z","subject":"Consultation: Grady Archie"}'
)
EXAMPLE_REST = (  # createOrGet takes none of these; roleIsPresenter needs the attendees in the same body
    '{"allowedPresenters":"roleIsPresenter","lobbyBypassSettings":{"isDialInBypassEnabled":false,"scope":"organizer"},'
    '"participants":{"attendees":[{"role":"presenter","upn":"adelev@contoso.com"}]}}'
)
EXAMPLE_PUT = (
    '{"appointmentClients":[{"displayName":"Grady Archie","emailAddress":"gradya@contoso.com",'
    '"smsCapablePhoneNumber":"123-456-7890"}],"externalAppointmentId":"AAMkADKnAAA=",'
    '"externalAppointmentUrl":"https://anyschedulingsystem.com/api/appointments/MkADKnAAA=",'
    '"settings":{"allowClientToJoinUsingBrowser":true}}'
)


class _AnyWeakEtag:
    """Equal to any weak ETag: the one an answer carried, which the request log does not keep."""

    def __eq__(self, other):
        return isinstance(other, str) and bool(WEAK_ETAG.match(other))

    def __repr__(self):
        return "<any weak ETag>"


@pytest.fixture(scope="module")
def meeting_emulator():
    """Graph as it is: no ``implicit_meetings``, so an appointment needs its meeting."""
    with Emulator(token=TOKEN) as emu:
        yield emu


@pytest.fixture
def meeting_engine(meeting_emulator, tmp_path):
    meeting_emulator.reset()
    meeting_emulator.meeting_etags = False
    return Engine({"msgraph:endpoint": meeting_emulator.url, "msgraph:accessToken": TOKEN}, tmp_path / "state.json")


@pytest.fixture
def exported(monkeypatch):
    """The stack outputs the program exports, resolved (the mocks keep them as Outputs on the stack)."""
    values = {}
    export = pulumi.export

    def record(name, value):
        export(name, value)
        pulumi.Output.from_input(value).apply(lambda v: values.__setitem__(name, v))

    monkeypatch.setattr(pulumi, "export", record)
    return values


def _key(name):
    """A key of the quick start's own stack config (``pulumi config set name ...``)."""
    return f"{QUICKSTART_PROJECT}:{name}"


def _take(emulator):
    """Graph requests since the last call: (method, path with version, status, body as sent, If-Match)."""
    sent = [(r["method"], r["path"].lstrip("/"), r["status"], r["raw_body"], r["headers"].get("if-match"))
            for r in emulator.requests()]
    emulator.clear_requests()
    return sent


def _paths(emulator):
    """(meeting path, appointment path) below the version, of the one meeting Graph holds."""
    [canonical] = emulator.meetings()
    meeting = f"me/onlineMeetings/{canonical.rsplit('/', 1)[1]}"
    return meeting, f"{meeting}/virtualAppointment"


def _meeting_update(meeting, body, etag, meeting_etags):
    """What one meeting update sends: If-Match with the recorded ETag, or, with no ETag, a read that
    checks nothing the program manages changed, then the PATCH."""
    if meeting_etags:
        return [("PATCH", f"v1.0/{meeting}", 200, body, etag)]
    return [("GET", f"v1.0/{meeting}", 200, "", None), ("PATCH", f"v1.0/{meeting}", 200, body, None)]


def _refresh_reads(meeting, appointment):
    """What a refresh sends, sorted: one GET of the appointment, of the meeting and of its join link."""
    return [("GET", f"beta/{appointment}", 200, "", None), ("GET", f"v1.0/{meeting}", 200, "", None),
            ("GET", f"v1.0/{meeting}/getVirtualAppointmentJoinWebUrl", 200, "", None)]


def _refused(kind, path, up, *args):
    """``up(*args)`` fails with the "changed outside this program ... refresh" error for ``path``."""
    message = (f"The {kind} changed outside this program since the last deployment, so nothing was written: "
               "run `pulumi refresh` to accept the change into the stack's state, then `pulumi up` to apply the program "
               f"on top of it. ({path}: ")
    with pytest.raises(ProviderError, match=re.escape(message)):
        up(*args)
    # The failed run leaves the SDK's futures holding the error, unretrieved; collect them now. Collected
    # later, asyncio logs them from inside whatever allocates, and on CPython 3.11 the traceback it formats
    # re-enters ast.parse (caret positions), which can corrupt an ast.parse in progress (pytest's assertion
    # rewriting of a module imported later: "SystemError: AST constructor recursion depth mismatch").
    gc.collect()


def _destroy(engine, emulator):
    """``pulumi destroy``; returns the requests as (method, path, If-Match), in order: the appointment
    first (it was registered after the meeting it depends on, as the engine's reverse dependency order
    has it), then the meeting (read first when Graph gives it no ETag)."""
    engine.destroy()
    return [(m, p, etag) for m, p, _, _, etag in _take(emulator)]


@ETAGS
def test_meeting_and_appointment_example_lifecycle(meeting_engine, meeting_emulator, tmp_path, meeting_etags):
    emu, engine = meeting_emulator, meeting_engine
    emu.meeting_etags = meeting_etags
    program = _copy_program(EXAMPLE, tmp_path)

    def up(preview=False):
        run_program(program, engine, {}, project=EXAMPLE_PROJECT, preview=preview)
        return _ops(engine)

    def edit(old, new):
        assert old in program.read_text()
        program.write_text(program.read_text().replace(old, new))

    def recorded(name):
        return engine.load()[name]["outputs"].get("etag")

    created = [("consultation-meeting", "create"), ("consultation", "create")]
    assert up(preview=True) == created and _take(emu) == []

    # `up`: createOrGet, one PATCH for what it does not take, the join link; then the appointment under it
    assert up() == created
    meeting, appointment = _paths(emu)
    assert _take(emu) == [
        ("POST", "v1.0/me/onlineMeetings/createOrGet", 201, EXAMPLE_CREATE_OR_GET, None),
        ("PATCH", f"v1.0/{meeting}", 200, EXAMPLE_REST, _AnyWeakEtag() if meeting_etags else None),
        ("GET", f"v1.0/{meeting}/getVirtualAppointmentJoinWebUrl", 200, "", None),
        ("GET", f"beta/{appointment}", 404, "", None),
        ("PUT", f"beta/{appointment}", 201, EXAMPLE_PUT, None),
    ]
    held = emu.meeting(meeting)
    assert (held["subject"], held["startDateTime"], held["endDateTime"], held["allowedPresenters"]) == (
        "Consultation: Grady Archie", "2026-12-01T09:00:00.0000000Z", "2026-12-01T09:30:00.0000000Z", "roleIsPresenter")
    assert held["lobbyBypassSettings"] == {"scope": "organizer", "isDialInBypassEnabled": False}
    assert held["participants"]["attendees"] == [{"identity": None, "upn": "adelev@contoso.com", "role": "presenter"}]
    assert emu.get(appointment)["externalAppointmentId"] == "AAMkADKnAAA="
    state = engine.load()
    assert state["consultation-meeting"]["id"] == meeting
    assert state["consultation"]["id"] == appointment
    assert state["consultation"]["inputs"]["onlineMeetingId"] == meeting.rsplit("/", 1)[1]
    assert recorded("consultation-meeting") == emu.meeting_etag(meeting)
    assert (recorded("consultation-meeting") is not None) == meeting_etags

    unchanged = [("consultation-meeting", "same"), ("consultation", "same")]
    assert up(preview=True) == unchanged and up() == unchanged
    assert _take(emu) == []

    # one meeting property; at preview the meeting being updated has no outputs yet (the dynamic host
    # cannot preview them), so the appointment's meeting id is unknown there: listed, then left alone
    edit('subject="Consultation: Grady Archie"', 'subject="Consultation: Grady Archie (follow-up)"')
    assert up(preview=True) == [("consultation-meeting", "update"), ("consultation", "update")]
    assert _take(emu) == []
    etag = recorded("consultation-meeting")
    assert up() == [("consultation-meeting", "update"), ("consultation", "same")]
    assert _take(emu) == _meeting_update(meeting, '{"subject":"Consultation: Grady Archie (follow-up)"}', etag,
                                         meeting_etags)
    assert emu.meeting(meeting)["subject"] == "Consultation: Grady Archie (follow-up)"
    assert recorded("consultation-meeting") == emu.meeting_etag(meeting)

    # one appointment property: one PATCH with If-Match
    edit('external_appointment_id="AAMkADKnAAA="', 'external_appointment_id="AAMk-rescheduled"')
    etag = recorded("consultation")
    assert up() == [("consultation-meeting", "same"), ("consultation", "update")]
    assert _take(emu) == [("PATCH", f"beta/{appointment}", 204, '{"externalAppointmentId":"AAMk-rescheduled"}', etag)]
    assert emu.get(appointment)["externalAppointmentId"] == "AAMk-rescheduled"

    # changed in Teams (a managed property), while the program moves the end: refused, nothing written
    emu.edit_meeting(meeting, {"lobbyBypassSettings": {"scope": "everyone"}})
    edit('end_date_time="2026-12-01T10:30:00+01:00"', 'end_date_time="2026-12-01T10:45:00+01:00"')
    etag = recorded("consultation-meeting")
    _refused("onlineMeeting", meeting, up)
    times = '{"endDateTime":"2026-12-01T09:45:00Z","startDateTime":"2026-12-01T09:00:00Z"}'  # sent together
    if meeting_etags:
        assert _take(emu) == [("PATCH", f"v1.0/{meeting}", 412, times, etag), ("GET", f"v1.0/{meeting}", 200, "", None)]
    else:
        assert _take(emu) == [("GET", f"v1.0/{meeting}", 200, "", None)]
    held = emu.meeting(meeting)
    assert held["lobbyBypassSettings"]["scope"] == "everyone" and held["endDateTime"] == "2026-12-01T09:30:00.0000000Z"

    # `pulumi refresh` accepts it
    engine.refresh()
    assert sorted(_take(emu)) == _refresh_reads(meeting, appointment)
    assert sorted((s.name, s.op, s.detail["changed"]) for s in engine.steps) == [
        ("consultation", "refresh", False), ("consultation-meeting", "refresh", True)]
    assert engine.load()["consultation-meeting"]["inputs"]["lobbyBypassSettings"] == {
        "isDialInBypassEnabled": False, "scope": "everyone"}
    assert recorded("consultation-meeting") == emu.meeting_etag(meeting)

    # the next `up` applies the program on top of it
    etag = recorded("consultation-meeting")
    assert up() == [("consultation-meeting", "update"), ("consultation", "same")]
    body = ('{"endDateTime":"2026-12-01T09:45:00Z","lobbyBypassSettings":{"isDialInBypassEnabled":false,'
            '"scope":"organizer"},"startDateTime":"2026-12-01T09:00:00Z"}')
    assert _take(emu) == _meeting_update(meeting, body, etag, meeting_etags)
    held = emu.meeting(meeting)
    assert held["lobbyBypassSettings"]["scope"] == "organizer" and held["endDateTime"] == "2026-12-01T09:45:00.0000000Z"

    state = engine.load()
    meeting_etag = state["consultation-meeting"]["outputs"].get("etag")
    read = [] if meeting_etag else [("GET", f"v1.0/{meeting}", None)]  # no ETag: read-compare-delete
    assert _destroy(engine, emu) == [
        ("DELETE", f"beta/{appointment}", state["consultation"]["outputs"]["etag"]),
        *read, ("DELETE", f"v1.0/{meeting}", meeting_etag),
    ]
    assert emu.meetings() == {} and emu.appointments() == {} and engine.load() == {}


def test_meeting_example_exports_the_links_graph_holds(meeting_engine, meeting_emulator, tmp_path, exported):
    emu = meeting_emulator
    run_program(_copy_program(EXAMPLE, tmp_path), meeting_engine, {}, project=EXAMPLE_PROJECT)
    meeting, appointment = _paths(emu)
    session = requests.Session()
    session.trust_env = False  # loopback only, never through a proxy
    link = session.get(f"{emu.url}/v1.0/{meeting}/getVirtualAppointmentJoinWebUrl",
                       headers={"Authorization": f"Bearer {TOKEN}"}, timeout=5).json()["value"]
    assert exported == {
        "onlineMeetingId": meeting.rsplit("/", 1)[1],
        "joinWebUrl": emu.meeting(meeting)["joinWebUrl"],
        "virtualAppointmentJoinWebUrl": link,
    }
    assert link == emu.get(appointment)["appointmentClientJoinWebUrl"]  # the appointment's own client link
    assert exported["joinWebUrl"].startswith("https://teams.microsoft.com/l/meetup-join/")


def test_meeting_example_rebooked_replaces_the_meeting_and_moves_the_appointment(meeting_engine, meeting_emulator,
                                                                                tmp_path):
    """A new booking id is a new meeting (createOrGet's key): it is made first, the appointment, whose
    meeting id changed, is made again under it, and the old appointment and meeting are deleted at the
    end, dependents first. Graph ends with one of each."""
    emu, engine = meeting_emulator, meeting_engine
    program = _copy_program(EXAMPLE, tmp_path)
    run_program(program, engine, {}, project=EXAMPLE_PROJECT)
    old_meeting, old_appointment = _paths(emu)
    _take(emu)

    program.write_text(program.read_text().replace("2026-12-01-0900-grady", "2026-12-02-0900-grady"))
    run_program(program, engine, {}, project=EXAMPLE_PROJECT, preview=True)
    assert [(s.name, s.op, s.detail) for s in engine.steps] == [
        ("consultation-meeting", "replace", {"keys": ["externalId"], "deleteBeforeReplace": False}),
        ("consultation", "update", {})]  # its meeting id is unknown until the new meeting exists
    assert _take(emu) == []

    run_program(program, engine, {}, project=EXAMPLE_PROJECT)
    assert _ops(engine) == [("consultation-meeting", "replace"), ("consultation", "replace"),
                            ("consultation", "delete"), ("consultation-meeting", "delete")]
    meeting, appointment = _paths(emu)
    assert meeting != old_meeting and emu.meeting(meeting)["externalId"] == "booking-2026-12-02-0900-grady"
    sent = _take(emu)
    assert sent[0] == ("POST", "v1.0/me/onlineMeetings/createOrGet", 201,
                       EXAMPLE_CREATE_OR_GET.replace("2026-12-01-0900", "2026-12-02-0900"), None)
    put = sent.index(("PUT", f"beta/{appointment}", 201, EXAMPLE_PUT, None))
    assert sent[put - 1] == ("GET", f"beta/{appointment}", 404, "", None)
    assert [(m, p, status) for m, p, status, _, _ in sent[put + 1:]] == [
        ("DELETE", f"beta/{old_appointment}", 204), ("GET", f"v1.0/{old_meeting}", 200),
        ("DELETE", f"v1.0/{old_meeting}", 204)]
    assert list(emu.appointments()) == [f"users/{emu.me}/{appointment.removeprefix('me/')}"]
    assert engine.load()["consultation"]["id"] == appointment


@ETAGS
def test_root_quickstart_lifecycle_from_stack_config(meeting_engine, meeting_emulator, meeting_etags):
    """The quick start: with only msgraph:endpoint and msgraph:accessToken set, every other key defaults."""
    emu, engine = meeting_emulator, meeting_engine
    emu.meeting_etags = meeting_etags

    def up(config, preview=False):
        run_program(ROOT / "__main__.py", engine, config, project=QUICKSTART_PROJECT, preview=preview)
        return _ops(engine)

    def recorded(name):
        return engine.load()[name]["outputs"].get("etag")

    assert up({}) == [("meeting", "create"), ("appointment", "create")]
    meeting, appointment = _paths(emu)
    assert _take(emu) == [  # createOrGet takes everything declared: no PATCH
        ("POST", "v1.0/me/onlineMeetings/createOrGet", 201,
         '{"externalId":"quickstart-appointment","subject":"Virtual appointment"}', None),
        ("GET", f"v1.0/{meeting}/getVirtualAppointmentJoinWebUrl", 200, "", None),
        ("GET", f"beta/{appointment}", 404, "", None),
        ("PUT", f"beta/{appointment}", 201, '{"settings":{"allowClientToJoinUsingBrowser":true}}', None),
    ]
    assert emu.meeting(meeting)["subject"] == "Virtual appointment"
    assert emu.get(appointment)["settings"] == {"allowClientToJoinUsingBrowser": True}

    unchanged = [("meeting", "same"), ("appointment", "same")]
    assert up({}, preview=True) == unchanged and up({}) == unchanged
    assert _take(emu) == []

    config = {_key("subject"): "Follow-up consultation"}
    etag = recorded("meeting")
    assert up(config) == [("meeting", "update"), ("appointment", "same")]
    assert _take(emu) == _meeting_update(meeting, '{"subject":"Follow-up consultation"}', etag, meeting_etags)
    assert emu.meeting(meeting)["subject"] == "Follow-up consultation"

    config[_key("externalAppointmentId")] = "AAMkADKnAAA="
    etag = recorded("appointment")
    assert up(config) == [("meeting", "same"), ("appointment", "update")]
    assert _take(emu) == [("PATCH", f"beta/{appointment}", 204, '{"externalAppointmentId":"AAMkADKnAAA="}', etag)]

    emu.edit_meeting(meeting, {"subject": "Set in Teams"})
    config[_key("subject")] = "Second follow-up"
    etag = recorded("meeting")
    _refused("onlineMeeting", meeting, up, config)
    if meeting_etags:
        assert _take(emu) == [("PATCH", f"v1.0/{meeting}", 412, '{"subject":"Second follow-up"}', etag),
                              ("GET", f"v1.0/{meeting}", 200, "", None)]
    else:
        assert _take(emu) == [("GET", f"v1.0/{meeting}", 200, "", None)]
    assert emu.meeting(meeting)["subject"] == "Set in Teams"

    engine.refresh()
    assert sorted(_take(emu)) == _refresh_reads(meeting, appointment)
    assert engine.load()["meeting"]["inputs"]["subject"] == "Set in Teams"

    etag = recorded("meeting")
    assert up(config) == [("meeting", "update"), ("appointment", "same")]
    assert _take(emu) == _meeting_update(meeting, '{"subject":"Second follow-up"}', etag, meeting_etags)
    assert emu.meeting(meeting)["subject"] == "Second follow-up"

    state = engine.load()
    meeting_etag = state["meeting"]["outputs"].get("etag")
    read = [] if meeting_etag else [("GET", f"v1.0/{meeting}", None)]  # no ETag: read-compare-delete
    assert _destroy(engine, emu) == [
        ("DELETE", f"beta/{appointment}", state["appointment"]["outputs"]["etag"]),
        *read, ("DELETE", f"v1.0/{meeting}", meeting_etag),
    ]
    assert emu.meetings() == {} and emu.appointments() == {} and engine.load() == {}


def test_root_quickstart_412_demonstration_as_the_readme_runs_it(meeting_engine, meeting_emulator):
    emu, engine = meeting_emulator, meeting_engine

    def up(config):
        run_program(ROOT / "__main__.py", engine, config, project=QUICKSTART_PROJECT)

    up({})
    meeting, appointment = _paths(emu)
    up({_key("externalAppointmentId"): "AAMkADKnAAA="})
    emu.edit(appointment, {"externalAppointmentId": "set-in-teams"})  # the README's curl to the admin API
    _take(emu)

    etag = engine.load()["appointment"]["outputs"]["etag"]
    config = {_key("externalAppointmentId"): "AAMkADKnAAB="}
    _refused("virtualAppointment", appointment, up, config)
    assert _take(emu) == [("PATCH", f"beta/{appointment}", 412, '{"externalAppointmentId":"AAMkADKnAAB="}', etag),
                          ("GET", f"beta/{appointment}", 200, "", None)]
    assert emu.get(appointment)["externalAppointmentId"] == "set-in-teams"

    engine.refresh()
    assert sorted(_take(emu)) == _refresh_reads(meeting, appointment)
    assert engine.load()["appointment"]["inputs"]["externalAppointmentId"] == "set-in-teams"
    etag = engine.load()["appointment"]["outputs"]["etag"]
    up(config)
    assert _take(emu) == [("PATCH", f"beta/{appointment}", 204, '{"externalAppointmentId":"AAMkADKnAAB="}', etag)]
    assert emu.get(appointment)["externalAppointmentId"] == "AAMkADKnAAB="


@ETAGS
def test_root_quickstart_a_meeting_setting_added_after_the_first_up_is_one_minimal_patch(
        meeting_engine, meeting_emulator, meeting_etags):
    """`pulumi config set lobbyBypassScope organizer` after the first `up`, nothing changed in Teams.

    Regression guard: the read-compare-write (no ETag) compared every key of the PATCH body with the
    recorded values, and a property the program starts to manage has none recorded but a live one
    (Graph gives every meeting setting a default): the update was refused as "changed outside this
    program", and stayed refused after `pulumi refresh`, which does not record undeclared properties."""
    emu, engine = meeting_emulator, meeting_engine
    emu.meeting_etags = meeting_etags

    def up(config):
        run_program(ROOT / "__main__.py", engine, config, project=QUICKSTART_PROJECT)
        return _ops(engine)

    up({})
    meeting, _ = _paths(emu)
    _take(emu)
    etag = engine.load()["meeting"]["outputs"].get("etag")
    assert up({_key("lobbyBypassScope"): "organizer"}) == [("meeting", "update"), ("appointment", "same")]
    assert _take(emu) == _meeting_update(meeting, '{"lobbyBypassSettings":{"scope":"organizer"}}', etag, meeting_etags)
    assert emu.meeting(meeting)["lobbyBypassSettings"] == {"scope": "organizer", "isDialInBypassEnabled": False}


@pytest.mark.parametrize("project_file", sorted(ROOT.glob("**/Pulumi.yaml")), ids=lambda p: str(p.parent.relative_to(ROOT)) or ".")
def test_every_project_file_is_one_the_cli_can_load(project_file):
    """``pulumi`` refuses a project file that is not YAML (the root one once had an unquoted
    ``(false: Teams only)``); the stand-in reads them as the CLI does, name and config defaults."""
    if ".venv" in project_file.parts or ".ci" in project_file.parts:
        pytest.skip("not a project of this repository")
    from pulumi_virtualappointment.testing._stand_in import project_settings

    name, defaults = project_settings(project_file.parent)
    assert name and re.fullmatch(r"[A-Za-z0-9_.-]+", name)
    assert all(key.startswith(f"{name}:") or key.startswith("msgraph:") for key in defaults)
