"""``pulumi_virtualappointment.testing``: what a user's own tests get.

The sandbox runs a program through the real provider host against the emulator; the pytest
fixture ``graph_sandbox`` (installed with the package) is one line in a user's test.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pulumi
import pytest

from pulumi_virtualappointment import OnlineMeeting, VirtualAppointment
from pulumi_virtualappointment.testing import ProviderError, Sandbox

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


TESTING_PAGE = Path(__file__).resolve().parents[1] / "docs" / "testing.md"


def _readme_example() -> str:
    """docs/testing.md's fixture example, verbatim: a test of this file fails when the page stops working."""
    page = TESTING_PAGE.read_text(encoding="utf-8")
    return page.split("```python\n", 1)[1].split("```", 1)[0]


def test_the_readme_example_runs_against_a_project_directory(pytester):
    """As a user lays it out: ``infra/`` with its ``Pulumi.yaml`` (project ``infra``, a config
    default), a helper module beside ``__main__.py``, the test run from the repository root."""
    infra = pytester.mkdir("infra")
    (infra / "Pulumi.yaml").write_text(textwrap.dedent('''\
        name: infra
        runtime: python
        config:
          subject:
            type: string
            default: Consultation
    '''))
    (infra / "booking.py").write_text(textwrap.dedent('''\
        import pulumi
        from pulumi_virtualappointment import OnlineMeeting

        def declare():
            subject = pulumi.Config().require("subject")
            return OnlineMeeting("meeting", external_id="booking-1", subject=subject)
    '''))
    (infra / "__main__.py").write_text("from booking import declare\n\ndeclare()\n")
    pytester.makepyfile(test_infra=_readme_example() + textwrap.dedent('''

        def test_the_project_default_is_what_was_created(graph_sandbox):
            graph_sandbox.up("infra/__main__.py")
            [entry] = graph_sandbox.emulator.meetings().values()
            assert entry["entity"]["subject"] == "Consultation"
            assert graph_sandbox.up("infra").requests == []
    '''))
    result = pytester.runpytest_subprocess("-q", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=2)


def test_stack_config_files_are_read_and_the_callers_config_wins(tmp_path):
    (tmp_path / "Pulumi.yaml").write_text("name: bookings\nruntime: python\nconfig:\n  subject: From project\n"
                                          "  bookings:externalId:\n    default: from-project\n  room:\n    type: string\n")
    (tmp_path / "Pulumi.dev.yaml").write_text("config:\n  bookings:subject: From stack\n")
    (tmp_path / "__main__.py").write_text(textwrap.dedent('''\
        import pulumi
        from pulumi_virtualappointment import OnlineMeeting
        config = pulumi.Config()
        assert pulumi.get_project() == "bookings" and config.get("room") is None
        OnlineMeeting("m", external_id=config.require("externalId"), subject=config.require("subject"))
    '''))
    with Sandbox(meeting_etags=True) as sandbox:
        sandbox.up(tmp_path)
        [entry] = sandbox.emulator.meetings().values()
        assert (entry["entity"]["externalId"], entry["entity"]["subject"]) == ("from-project", "From stack")
        edit = sandbox.up(tmp_path / "__main__.py", config={"bookings:subject": "From the test"})
        assert [(m, body) for m, _, body in edit.wire] == [("PATCH", '{"subject":"From the test"}')]


def test_an_encrypted_stack_value_is_refused_by_name(tmp_path):
    (tmp_path / "Pulumi.yaml").write_text("name: bookings\nruntime: python\n")
    (tmp_path / "Pulumi.dev.yaml").write_text("config:\n  bookings:token:\n    secure: AAABAJ0=\n")
    (tmp_path / "__main__.py").write_text("raise AssertionError('the program must not run')\n")
    with Sandbox() as sandbox, pytest.raises(ProviderError) as caught:
        sandbox.up(tmp_path)
    assert str(caught.value) == ("Pulumi.dev.yaml: 'bookings:token' is an encrypted secret the stand-in cannot "
                                 "decrypt; pass it plainly with config={...} (the provider host receives it plain "
                                 "anyway)")


def test_a_missing_program_is_named(tmp_path):
    with Sandbox() as sandbox, pytest.raises(ProviderError) as caught:
        sandbox.up(tmp_path / "infra")
    assert str(caught.value) == f"run_program: no Pulumi program at {tmp_path / 'infra'} (give a __main__.py or its directory)"


def test_two_resources_of_one_name_are_refused_not_merged(graph_sandbox):
    def program():
        meeting = OnlineMeeting("booking", external_id="booking-1", subject="s")
        VirtualAppointment("booking", online_meeting_id=meeting.online_meeting_id, external_appointment_id="e")

    with pytest.raises(Exception) as caught:
        graph_sandbox.up(program)
    assert "the engine stand-in keys resources by name, and 'booking' is already declared in this program" in str(caught.value)
    assert list(graph_sandbox.state) == ["booking"]  # the meeting, not overwritten by the appointment


def test_a_name_that_changes_type_is_created_then_the_old_one_deleted():
    """Another type is another URN to the engine: the new resource is created, the old one deleted."""
    with Sandbox(implicit_meetings=True) as sandbox:
        sandbox.up(lambda: OnlineMeeting("booking", external_id="booking-1", subject="s"))
        [meeting_path] = sandbox.emulator.meetings()
        meeting_id = meeting_path.rsplit("/", 1)[-1]
        run = sandbox.up(lambda: VirtualAppointment("booking", online_meeting_id="other-meeting",
                                                    external_appointment_id="e"))
        assert run.ops == [("booking", "create"), ("booking", "delete")]
        assert [(m, path) for m, path, _ in run.wire] == [
            ("GET", "me/onlineMeetings/other-meeting/virtualAppointment"),
            ("PUT", "me/onlineMeetings/other-meeting/virtualAppointment"),
            ("GET", f"me/onlineMeetings/{meeting_id}"), ("DELETE", f"me/onlineMeetings/{meeting_id}")]
        assert list(sandbox.state) == ["booking"] and sandbox.state["booking"]["id"].endswith("other-meeting/virtualAppointment")


def test_the_plugin_every_pytest_session_loads_imports_neither_pulumi_nor_requests():
    """pytest loads the package's plugin (an entry point) in every session of an environment that
    has the package: it must not pull in Pulumi, gRPC or requests for tests that never use it."""
    import subprocess
    import sys

    code = ("import sys, pulumi_virtualappointment.testing.pytest_plugin as p, pulumi_virtualappointment as pkg; "
            "pkg.__version__; print(sorted(m for m in ('pulumi', 'grpc', 'requests', 'azure.identity') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert done.stdout.strip() == "[]"


def test_a_preview_with_a_get_records_nothing(graph_sandbox):
    """Found by the differential tier: the engine persists nothing in a preview; the stand-in wrote
    the ``get`` resource into its state, so the next ``up`` and the state disagreed with the engine's."""
    meeting_id = graph_sandbox.emulator.seed_meeting("me", externalId="made-in-teams", subject="Seeded")

    def program():
        found = OnlineMeeting.get("looked-up", f"me/onlineMeetings/{meeting_id}")
        pulumi.export("subject", found.subject)

    preview = graph_sandbox.preview(program)
    assert [m for m, _, _ in preview.wire] == ["GET", "GET"] and graph_sandbox.state == {}
    assert graph_sandbox.up(program).outputs == {"subject": "Seeded"}
    assert list(graph_sandbox.state) == ["looked-up"]


def test_attendees_and_clients_are_secret_inputs_whatever_the_program_wraps(graph_sandbox):
    """Personal data is secret in the state's recorded inputs as well as its outputs, also when the
    program passes it plainly (the engine encrypts a top-level input the program sent as secret;
    the resource classes send these as secret themselves)."""
    def program():
        meeting = OnlineMeeting("meeting", external_id="booking-1",
                                participants={"attendees": [{"upn": "adelev@contoso.com"}]})
        VirtualAppointment("visit", online_meeting_id=meeting.online_meeting_id,
                           appointment_clients=[{"display_name": "Grady Archie", "email_address": "gradya@contoso.com"}])

    graph_sandbox.up(program)
    state = graph_sandbox.state
    assert state["meeting"]["secret_inputs"] == ["participants"] and state["meeting"]["secret"] == ["participants"]
    assert state["visit"]["secret_inputs"] == ["appointmentClients"] and state["visit"]["secret"] == ["appointmentClients"]


def test_a_runs_outputs_are_its_own_programs_only():
    """Issue 17: the SDK keeps the root stack in a context variable, so every later run in the process
    (another Sandbox's too) saw the earlier programs' exports as its own."""
    def exporting(name):
        def program():
            OnlineMeeting("meeting", external_id=f"booking-{name}")
            pulumi.export(name, name)
        return program

    with Sandbox() as first, Sandbox() as second:
        assert first.up(exporting("first")).outputs == {"first": "first"}
        assert second.up(exporting("second")).outputs == {"second": "second"}
        assert first.preview(exporting("again")).outputs == {"again": "again"}


def test_every_limit_the_differential_tier_allows_is_in_the_modules_docstring():
    """A step of a real-CLI scenario that the stand-in does not model names its limit (tests/twin.py);
    each must be one a user of the module is told about."""
    import twin

    import pulumi_virtualappointment.testing as testing

    words = {"protect": "``protect``", "target": "``--target``", "replace": "``--replace``",
             "import": "``pulumi import`` command"}
    assert set(twin.LIMITS) == set(words)
    for limit, said in words.items():
        assert said in testing.__doc__, limit


def test_a_renamed_resource_with_its_old_name_as_an_alias_is_the_same_resource(graph_sandbox):
    """Found by the differential tier: the engine moves a resource to its new name when an alias names
    the old one (no create, no delete); the stand-in created the new one and deleted the old."""
    def program(name, aliases=()):
        def declare():
            OnlineMeeting(name, external_id="booking-1", subject="Consultation",
                          opts=pulumi.ResourceOptions(aliases=[pulumi.Alias(name=old) for old in aliases]))
        return declare

    graph_sandbox.up(program("meeting"))
    renamed = graph_sandbox.up(program("consultation", aliases=["meeting"]))
    assert renamed.ops == [("consultation", "same")] and renamed.requests == []
    assert list(graph_sandbox.state) == ["consultation"]


@pytest.mark.timeout(60)
def test_a_provider_host_that_writes_a_lot_never_blocks_the_run():
    """Issue 17: the host's stdout and stderr were pipes nobody read once the port was known, so a
    host writing more than 64 KiB (notes of 300 renamed resources) blocked, and the run with it."""
    from chatty_provider import WRITTEN, ChattyProvider
    from pulumi.dynamic.dynamic import serialize_provider

    from pulumi_virtualappointment.testing import ProviderHost

    tests = str(Path(__file__).resolve().parent)
    props = {"__provider": serialize_provider(ChattyProvider()), "onlineMeetingId": "MSpk"}
    with ProviderHost({}, env={"PYTHONPATH": tests}) as host:
        checked, failures = host.check("urn:pulumi:dev::t::pulumi-python:dynamic:Resource::a", {}, props)
        assert failures == [] and checked["onlineMeetingId"] == "MSpk"
    assert host.stderr.endswith("the end\n") and host.stdout.endswith("the end\n")
    assert len(host.stderr) <= WRITTEN


def test_a_replacement_whose_create_fails_leaves_the_old_resource_managed(graph_sandbox):
    """Issue 17: the engine marks the old resource for deletion only once its replacement's create
    succeeded (step.go, CreateStep); the stand-in marked it first, so the run after a failed
    replacement deleted the meeting the state still recorded."""
    def program(external_id):
        return lambda: OnlineMeeting("meeting", external_id=external_id, subject="Consultation")

    graph_sandbox.up(program("booking-1"))
    [kept] = graph_sandbox.emulator.meetings()
    graph_sandbox.emulator.inject({"status": 400, "code": "BadRequest", "message": "no licence"})
    with pytest.raises(ProviderError, match="no licence"):
        graph_sandbox.up(program("booking-2"))
    assert list(graph_sandbox.state) == ["meeting"]
    again = graph_sandbox.up(program("booking-1"))
    assert again.ops == [("meeting", "same")] and again.requests == []
    assert list(graph_sandbox.emulator.meetings()) == [kept]


def test_the_stack_config_configures_the_provider_as_the_engine_does(tmp_path):
    """Issue 17: the engine hands the dynamic provider the whole stack config; the stand-in gave it
    only the Sandbox's endpoint and token, so `msgraph:apiVersion: beta` in Pulumi.dev.yaml (or
    passed in) never reached it. The Sandbox's own endpoint and token still win: a stack file naming
    real Graph must not send a sandbox's requests there."""
    (tmp_path / "Pulumi.yaml").write_text("name: bookings\nruntime: python\n")
    (tmp_path / "Pulumi.dev.yaml").write_text("config:\n  msgraph:apiVersion: beta\n"
                                              "  msgraph:endpoint: https://graph.microsoft.com\n")
    (tmp_path / "__main__.py").write_text(textwrap.dedent('''\
        from pulumi_virtualappointment import OnlineMeeting
        OnlineMeeting("m", external_id="from-stack-file", subject="S")
    '''))
    with Sandbox() as sandbox:
        run = sandbox.up(tmp_path)
        assert [r["path"].split("/")[1] for r in run.requests] == ["beta", "beta"]
        assert [r["path"].split("/")[1] for r in sandbox.refresh().requests] == ["beta", "beta"]
    with Sandbox() as sandbox:
        (tmp_path / "Pulumi.dev.yaml").unlink()
        run = sandbox.up(tmp_path, config={"msgraph:apiVersion": "beta"})
        assert {r["path"].split("/")[1] for r in run.requests} == {"beta"}


def test_an_unset_property_the_engine_keeps_by_ignore_changes_still_reads_as_recorded(graph_sandbox):
    """Found by review: unset properties are not handed to the SDK (declaring is cheaper so), but one
    in ``ignore_changes`` keeps its recorded value, and the program must still read that one."""
    def program(subject):
        def declare():
            meeting = OnlineMeeting("meeting", external_id="booking-1", subject=subject,
                                    opts=pulumi.ResourceOptions(ignore_changes=["subject"]))
            pulumi.export("subject", meeting.subject)
        return declare

    assert graph_sandbox.up(program("Kept")).outputs == {"subject": "Kept"}
    kept = graph_sandbox.up(program(None))
    assert kept.requests == [] and kept.outputs == {"subject": "Kept"}


def test_an_export_of_none_is_no_stack_output_as_under_the_engine(graph_sandbox):
    """Found by the differential tier: `pulumi stack output` has no key for an export whose value is
    None; the stand-in reported it as None."""
    def program():
        meeting = OnlineMeeting("meeting", external_id="booking-1")
        pulumi.export("subject", meeting.subject)  # unset: None
        pulumi.export("id", meeting.online_meeting_id)

    assert list(graph_sandbox.up(program).outputs) == ["id"]
