"""Real-CLI tier: ``pulumi preview/up/refresh/destroy`` against the emulator with a local backend.

Runs wherever the ``pulumi`` CLI is on PATH; elsewhere every test here is skipped, saying why
(the CLI's installer downloads from the internet, which our build machines cannot reach).
The assertions come from the emulator's request log, not from the CLI's text.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import requests
import yaml

from conftest import TOKEN
from pulumi_virtualappointment.emulator import Emulator

ROOT = Path(__file__).resolve().parent.parent
PULUMI = shutil.which("pulumi")

pytestmark = [
    pytest.mark.cli,
    pytest.mark.skipif(
        PULUMI is None,
        reason="real-CLI tier: the pulumi CLI is not on PATH (its installer needs the internet); "
        "the protocol and program tiers cover the provider through the SDK's own host instead",
    ),
]


class Stack:
    """A throwaway project + stack in a temp dir, logged in to a local file backend."""

    def __init__(self, workdir: Path, program: Path, project: str):
        self.dir = workdir / "project"
        self.dir.mkdir()
        # The project's own files only (the repository root holds the quick start beside .git and
        # the CI's virtualenv): its program modules, data files and Pulumi.yaml.
        for source in program.parent.iterdir():
            if source.is_file() and source.suffix in {".py", ".yaml", ".yml", ".txt", ".json"}:
                shutil.copy2(source, self.dir / source.name)
        # The Pulumi.yaml as shipped (its config defaults, description), but the program runs in this
        # interpreter's environment (which has the package installed) instead of a new virtualenv.
        settings = yaml.safe_load((self.dir / "Pulumi.yaml").read_text())
        assert settings["name"] == project
        settings["runtime"] = {"name": "python", "options": {"virtualenv": str(Path(sys.prefix))}}
        (self.dir / "Pulumi.yaml").write_text(yaml.safe_dump(settings, sort_keys=False))
        (workdir / "backend").mkdir()
        self.env = {
            **os.environ,
            "PULUMI_HOME": str(workdir / "home"),
            "PULUMI_BACKEND_URL": (workdir / "backend").as_uri(),  # never the user's logged-in backend
            "PULUMI_CONFIG_PASSPHRASE": "test-passphrase",
            "PULUMI_SKIP_UPDATE_CHECK": "true",
            "PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION": "true",
            "PULUMI_PYTHON_CMD": sys.executable,
        }
        self.run("login", f"file://{workdir / 'backend'}")
        self.run("stack", "init", "dev")

    def run(self, *args: str) -> str:
        done = subprocess.run(
            [PULUMI, *args, "--non-interactive"],
            cwd=self.dir, env=self.env, capture_output=True, text=True, timeout=300,
        )
        if done.returncode != 0:
            raise AssertionError(f"pulumi {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
        return done.stdout

    def config(self, key: str, value: str, secret: bool = False) -> None:
        self.run("config", "set", *(["--secret"] if secret else []), key, value)


@pytest.fixture
def emulator():
    with Emulator(token=TOKEN) as emu:
        yield emu


def test_quickstart_up_refresh_destroy(tmp_path, emulator):
    """The README's quick start, command for command, against an emulator where an appointment
    needs its meeting."""
    stack = Stack(tmp_path, ROOT / "__main__.py", "virtualappointment-quickstart")
    stack.config("msgraph:endpoint", emulator.url)
    stack.config("msgraph:accessToken", TOKEN, secret=True)

    stack.run("preview")
    assert [r["method"] for r in emulator.requests()] == []
    stack.run("up", "--yes", "--skip-preview")
    assert [r["method"] for r in emulator.requests()] == ["POST", "GET", "GET", "PUT"]
    meeting = stack.run("stack", "output", "onlineMeetingId").strip()
    path = f"me/onlineMeetings/{meeting}/virtualAppointment"
    assert stack.run("stack", "output", "virtualAppointmentJoinWebUrl").startswith("https://visit.teams.microsoft.com/")

    emulator.clear_requests()
    stack.run("up", "--yes", "--skip-preview")
    assert emulator.requests() == []

    stack.config("externalAppointmentId", "AAMkADKnAAA=")
    stack.run("up", "--yes", "--skip-preview")
    assert [(r["method"], r["raw_body"]) for r in emulator.requests()] == [
        ("PATCH", '{"externalAppointmentId":"AAMkADKnAAA="}')]
    emulator.clear_requests()
    stack.config("subject", "Follow-up consultation")
    stack.run("up", "--yes", "--skip-preview")
    assert [(r["method"], r["raw_body"]) for r in emulator.requests()] == [
        ("GET", ""), ("PATCH", '{"subject":"Follow-up consultation"}')]

    # "In Teams", as the README does it: the admin API with the emulator's token.
    edited = requests.patch(f"{emulator.url}/_emulator/appointments/{path}", json={"externalAppointmentId": "set-in-teams"},
                            headers={"Authorization": f"Bearer {TOKEN}"}, timeout=10)
    assert edited.status_code == 200, edited.text
    stack.config("externalAppointmentId", "AAMkADKnAAB=")
    with pytest.raises(AssertionError, match="changed outside this program"):
        stack.run("up", "--yes", "--skip-preview")
    assert emulator.get(path)["externalAppointmentId"] == "set-in-teams"
    stack.run("refresh", "--yes", "--skip-preview")
    stack.run("up", "--yes", "--skip-preview")
    assert emulator.get(path)["externalAppointmentId"] == "AAMkADKnAAB="

    stack.run("destroy", "--yes", "--skip-preview")
    assert emulator.meetings() == {} and emulator.appointments() == {}
    assert TOKEN not in stack.run("stack", "export", "--show-secrets=false")


def test_the_demo_drives_the_real_cli_through_the_automation_api():
    import io

    from pulumi_virtualappointment import _demo

    out = io.StringIO()
    assert _demo.run(None, out=out, cli=True) == 0, out.getvalue()
    assert out.getvalue().startswith("Driving the pulumi CLI through Pulumi's Automation API")
    assert out.getvalue().rstrip().endswith("Every step did what it printed.")
