"""Program tier: the shipped Pulumi programs themselves, run under ``pulumi.runtime`` mocks that
forward every VirtualAppointment to the real provider host (see ``engine.py``), against the
emulator. First run creates, second sends nothing, an edit sends one minimal PATCH, removal deletes.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from conftest import TOKEN
from engine import Engine, run_program
from pulumi_virtualappointment.emulator import Emulator

ROOT = Path(__file__).resolve().parent.parent
BASIC_PATH = "me/onlineMeetings/MSpkYzE3Njc0Yy04MWQ5LTRhZGItYmZi/virtualAppointment"


@pytest.fixture(scope="module")
def emulator():
    with Emulator(token=TOKEN, implicit_meetings=True) as emu:
        yield emu


@pytest.fixture
def engine(emulator, tmp_path):
    emulator.reset()
    return Engine({"msgraph:endpoint": emulator.url, "msgraph:accessToken": TOKEN}, tmp_path / "state.json")


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


def test_root_quickstart_program_from_stack_config(engine, emulator):
    program = ROOT / "__main__.py"
    project = "virtualappointment-quickstart"
    config = {
        f"{project}:onlineMeetingId": "MSpkQuick",
        f"{project}:allowClientToJoinUsingBrowser": "true",
        f"{project}:externalAppointmentId": "ext-1",
        f"{project}:clients": '[{"display_name": "Ada", "email_address": "ada@contoso.com"}]',
    }
    path = "me/onlineMeetings/MSpkQuick/virtualAppointment"

    run_program(program, engine, config, project=project)
    assert _ops(engine) == [("appointment", "create")]
    assert _wire(emulator)[1] == ("PUT", path, '{"appointmentClients":[{"displayName":"Ada","emailAddress":'
                                  '"ada@contoso.com"}],"externalAppointmentId":"ext-1",'
                                  '"settings":{"allowClientToJoinUsingBrowser":true}}')

    emulator.clear_requests()
    run_program(program, engine, config, project=project)
    assert _ops(engine) == [("appointment", "same")] and emulator.requests() == []

    run_program(program, engine, {**config, f"{project}:allowClientToJoinUsingBrowser": "false"}, project=project)
    assert _wire(emulator) == [("PATCH", path, '{"settings":{"allowClientToJoinUsingBrowser":false}}')]

    emulator.clear_requests()
    engine.destroy()
    assert _wire(emulator) == [("DELETE", path, "")]


def test_invalid_program_input_fails_check_naming_the_property(engine, emulator):
    program = ROOT / "__main__.py"
    project = "virtualappointment-quickstart"
    config = {f"{project}:onlineMeetingId": "m", f"{project}:externalAppointmentUrl": "not-a-url"}
    with pytest.raises(Exception, match=r"externalAppointmentUrl: expected an absolute http\(s\) URL"):
        run_program(program, engine, config, project=project)
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
