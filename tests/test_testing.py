"""``pulumi_virtualappointment.testing``: what a user's own tests get.

The sandbox runs a program through the real provider host against the emulator; the pytest
fixture ``graph_sandbox`` (installed with the package) is one line in a user's test.
"""

from __future__ import annotations

import textwrap

import pulumi
import pytest

from pulumi_virtualappointment import OnlineMeeting, VirtualAppointment
from pulumi_virtualappointment.testing import Sandbox

pytest_plugins = ["pytester"]


def _booking(subject: str = "Consultation"):
    def program():
        meeting = OnlineMeeting("meeting", external_id="booking-1", subject=subject)
        VirtualAppointment("visit", online_meeting_id=meeting.online_meeting_id, external_appointment_id="ext-1")
        pulumi.export("link", meeting.virtual_appointment_join_web_url)

    return program


def test_a_function_program_is_created_then_unchanged_then_minimally_updated(graph_sandbox):
    first = graph_sandbox.up(_booking())
    assert first.ops == [("meeting", "create"), ("visit", "create")]
    assert [m for m, _, _ in first.wire] == ["POST", "GET", "GET", "PUT"]
    assert first.outputs["link"].startswith("https://visit.teams.microsoft.com/")
    assert graph_sandbox.preview(_booking()).requests == []
    assert graph_sandbox.up(_booking()).requests == []
    edit = graph_sandbox.up(_booking("Rescheduled"))
    assert [(m, body) for m, _, body in edit.wire] == [("GET", ""), ("PATCH", '{"subject":"Rescheduled"}')]
    assert edit.ops == [("meeting", "update"), ("visit", "same")]


def test_refresh_and_destroy_report_what_they_sent(graph_sandbox):
    graph_sandbox.up(_booking())
    assert [m for m, _, _ in graph_sandbox.refresh().wire] == ["GET", "GET", "GET"]
    gone = graph_sandbox.destroy()
    assert [m for m, _, _ in gone.wire] == ["DELETE", "GET", "DELETE"] and graph_sandbox.state == {}
    assert graph_sandbox.emulator.meetings() == {}


def test_a_program_file_with_stack_config(tmp_path):
    program = tmp_path / "__main__.py"
    program.write_text(textwrap.dedent('''\
        import pulumi
        from pulumi_virtualappointment import OnlineMeeting
        meeting = OnlineMeeting("m", external_id=pulumi.Config().require("externalId"))
        pulumi.export("id", meeting.online_meeting_id)
    '''))
    with Sandbox(config={"sandbox:externalId": "from-config"}, meeting_etags=True) as sandbox:
        run = sandbox.up(tmp_path)
        [(path, entry)] = sandbox.emulator.meetings().items()
        assert entry["entity"]["externalId"] == "from-config" and path.endswith(run.outputs["id"])
        assert sandbox.state["m"]["outputs"]["etag"] == entry["etag"]


def test_the_fixture_is_one_line_in_a_users_test(pytester):
    pytester.makepyfile(test_users_program='''
        from pulumi_virtualappointment import OnlineMeeting

        def test_unchanged_program_sends_nothing(graph_sandbox):
            program = lambda: OnlineMeeting("m", external_id="e", subject="s")
            assert [m for m, _, _ in graph_sandbox.up(program).wire] == ["POST", "GET"]
            assert graph_sandbox.up(program).requests == []
    ''')
    result = pytester.runpytest_subprocess("-q", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)
