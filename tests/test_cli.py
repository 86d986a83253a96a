"""Real-CLI tier: ``pulumi preview/up/refresh/destroy`` against the emulator with a local backend.

Runs wherever the ``pulumi`` CLI is on PATH; elsewhere every test here is skipped, saying why
(the CLI's installer downloads from the internet, which our build machines cannot reach).
The assertions come from the emulator's request log, not from the CLI's text.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import requests
import yaml

import quickstart
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

    def __init__(self, workdir: Path, program: Path, project: str, login: bool = True):
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
        if login:
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


def _curl(words: list[str], output: Any) -> requests.Response:
    """The README's ``curl`` lines: ``-X``, ``-H``, ``-d`` and a URL, ``$(pulumi stack output X)`` expanded."""
    method, headers, data, url = "GET", {}, None, None
    args = iter(words[1:])
    for word in args:
        if word == "-X":
            method = next(args)
        elif word == "-H":
            name, value = next(args).split(": ", 1)
            headers[name] = value
        elif word == "-d":
            data = next(args)
        else:
            url = re.sub(r"\$\(pulumi stack output (\w+)\)", lambda m: output(m.group(1)), word)
    return requests.request(method, url, headers=headers, data=data, timeout=30)


def test_quickstart_as_the_readme_types_it(tmp_path):
    """The README's quick start, line for line (tests/quickstart.py reads them from the README, and
    tests/test_readme.py holds that list equal to it everywhere), against the emulator the first
    line starts, on a free port instead of 8765. ``pulumi login --local`` and the passphrase land
    in this test's own home directory; ``up`` and ``refresh`` get ``--yes --skip-preview`` as
    a pipeline gives them."""
    stack = Stack(tmp_path, ROOT / "__main__.py", "virtualappointment-quickstart", login=False)
    stack.env["HOME"] = str(tmp_path / "user-home")  # what `pulumi login --local` means by ~/.pulumi
    stack.env.pop("PULUMI_BACKEND_URL")
    stack.env.pop("PULUMI_CONFIG_PASSPHRASE")
    emulator = None
    try:
        for words, expect in quickstart.STEPS:
            command = " ".join(words)
            if words[0] == "python":  # the emulator, with the README's flags, on a free port
                assert words[1:3] == ["-m", "pulumi_virtualappointment.emulator"] and words[-1] == "&"
                emulator = Emulator(token=words[words.index("--token") + 1]).start()
                continue
            assert emulator is not None, "the README starts the emulator first"
            words = [w.replace(quickstart.README_ENDPOINT, emulator.url) for w in words]
            emulator.clear_requests()
            if words[0] == "export":
                name, value = words[1].split("=", 1)
                stack.env[name] = value
                result: Any = None
            elif words[0] == "curl":
                result = _curl(words, lambda name: stack.run("stack", "output", name).strip())
            else:
                assert words[0] == "pulumi", command
                extra = ["--yes", "--skip-preview"] if words[1] in {"up", "refresh", "destroy"} else []
                if expect and expect[0] == "fails":
                    with pytest.raises(AssertionError, match=expect[1]):
                        stack.run(*words[1:], *extra)
                    continue
                result = stack.run(*words[1:], *extra)
            if expect is None:
                continue
            kind, value = expect
            if kind == "requests":
                got = [(r["method"], r["raw_body"]) if isinstance(value[0], tuple) else r["method"]
                       for r in emulator.requests()]
                assert got == value, command
            elif kind == "prints":
                assert result.startswith(value), (command, result)
            elif kind == "status":
                assert result.status_code == value, (command, result.text)
        [appointment] = emulator.appointments()
        assert emulator.get(appointment)["externalAppointmentId"] == "AAMkADKnAAB="  # after the refusal
        stack.run("destroy", "--yes", "--skip-preview")
        assert emulator.meetings() == {} and emulator.appointments() == {}
        assert quickstart.README_TOKEN not in stack.run("stack", "export", "--show-secrets=false")
    finally:
        if emulator is not None:
            emulator.stop()


def test_a_change_in_teams_is_refused_and_nothing_is_written(tmp_path, emulator):
    """Between the refusal and the refresh, Graph still holds what Teams set."""
    stack = Stack(tmp_path, ROOT / "__main__.py", "virtualappointment-quickstart")
    stack.config("msgraph:endpoint", emulator.url)
    stack.config("msgraph:accessToken", TOKEN, secret=True)
    stack.run("preview")
    assert emulator.requests() == []
    stack.run("up", "--yes", "--skip-preview")
    emulator.clear_requests()
    stack.run("up", "--yes", "--skip-preview")
    assert emulator.requests() == []
    [path] = emulator.appointments()
    edited = requests.patch(f"{emulator.url}/_emulator/appointments/{path}", json={"externalAppointmentId": "set-in-teams"},
                            headers={"Authorization": f"Bearer {TOKEN}"}, timeout=10)
    assert edited.status_code == 200, edited.text
    stack.config("externalAppointmentId", "AAMkADKnAAB=")
    with pytest.raises(AssertionError, match="changed outside this program"):
        stack.run("up", "--yes", "--skip-preview")
    assert emulator.get(path)["externalAppointmentId"] == "set-in-teams"
    assert [r["method"] for r in emulator.requests() if r["method"] != "GET"][-1:] == ["PATCH"]


def test_the_demo_drives_the_real_cli_through_the_automation_api():
    import io

    from pulumi_virtualappointment import _demo

    out = io.StringIO()
    assert _demo.run(None, out=out, cli=True) == 0, out.getvalue()
    assert out.getvalue().startswith("Driving the pulumi CLI through Pulumi's Automation API")
    assert out.getvalue().rstrip().endswith("Every step did what it printed.")
