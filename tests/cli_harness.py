"""The real ``pulumi`` CLI against the emulator: a project in a temporary directory, an explicit
``file://`` backend, a throwaway ``PULUMI_HOME``, no update check and no plugin downloads.

The CLI comes from ``scripts/build-pulumi-cli`` (built from the Go module ``github.com/pulumi/pulumi/pkg/v3``)
or from Pulumi's installer. Where the folder also holds ``tools/pulumi-cli``'s stand-in
``pulumi-language-python`` (the real one is not served by the Go module proxy), the program is
launched by that stand-in; the engine, the backend, the plugin protocol and the SDK's provider host
are Pulumi's own either way. ``LANGUAGE_HOST`` says which, and the tests carry it in their names.

Where no CLI is on PATH the tier is skipped, saying why, unless ``PULUMI_VIRTUALAPPOINTMENT_REQUIRE_CLI=1``
(``.ci/run`` sets it wherever Go exists): then a missing CLI is a failure, never a skip.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
PULUMI = shutil.which("pulumi")
REQUIRED = os.environ.get("PULUMI_VIRTUALAPPOINTMENT_REQUIRE_CLI") == "1"
REASON = ("real-CLI tier: the pulumi CLI is not on PATH; build it with "
          "`PATH=\"$(scripts/build-pulumi-cli):$PATH\"` (needs Go) or install it from pulumi.com")


def _language_host() -> str:
    """``stand-in language host`` when the ``pulumi-language-python`` the CLI finds is ours, else ``pulumi-language-python``."""
    if PULUMI is None:
        return "no CLI"
    beside = Path(PULUMI).resolve().parent / "pulumi-language-python"
    found = beside if beside.is_file() else Path(shutil.which("pulumi-language-python") or "/nonexistent")
    if found.is_file() and (found.parent / "language_host.py").is_file():
        return "stand-in language host"
    return "pulumi-language-python"


LANGUAGE_HOST = _language_host()


def need_cli() -> None:
    """Skip (or, where the CLI is required, fail) without a CLI."""
    if PULUMI is None:
        if REQUIRED:
            pytest.fail("PULUMI_VIRTUALAPPOINTMENT_REQUIRE_CLI=1 but no pulumi CLI is on PATH: " + REASON)
        pytest.skip(REASON)


@dataclass
class Result:
    """One CLI command: its exit code and what the user read."""

    args: list
    code: int
    stdout: str
    stderr: str

    @property
    def text(self) -> str:
        return self.stdout + self.stderr

    def sections(self) -> dict[str, list[str]]:
        """The CLI's "Diagnostics:" section: ``{heading: lines}``, a heading such as
        ``pulumi-python:dynamic/virtualappointment:VirtualAppointment (appointment)``."""
        if "\nDiagnostics:\n" not in self.stdout:
            return {}
        out: dict[str, list[str]] = {}
        heading = None
        for line in self.stdout.split("\nDiagnostics:\n", 1)[1].splitlines():
            if line.startswith("  ") and not line.startswith("    ") and line.rstrip().endswith(":"):
                heading = line.strip()[:-1]
                out[heading] = []
            elif line.startswith("    ") and heading is not None:
                out[heading].append(line[4:])
            elif line.strip() and not line.startswith(" "):
                break  # "Outputs:", "Resources:": the section is over
        return out

    def errors(self) -> list[str]:
        """Each ``error:`` a resource (not the stack) reported, as the user reads it (a message of
        several lines whole)."""
        out = []
        for heading, lines in self.sections().items():
            if heading.startswith("pulumi:pulumi:Stack"):
                continue
            inside = False  # continuation lines belong to this heading's last error only
            for line in lines:
                if line.startswith("error: "):
                    out.append(line.removeprefix("error: "))
                    inside = True
                elif inside:  # the CLI indents a message's further lines as the message's first
                    out[-1] += "\n" + line
        return out


class CliStack:
    """A project directory with one stack ``dev`` on a local backend of its own."""

    def __init__(self, workdir: Path, program: Path, emulator: Any = None, token: Optional[str] = None,
                 stack: str = "dev"):
        need_cli()
        self.dir = workdir / "project"
        shutil.copytree(program, self.dir, ignore=shutil.ignore_patterns(".venv", "__pycache__", "Pulumi.*.yaml"))
        project = yaml.safe_load((self.dir / "Pulumi.yaml").read_text())
        # The Pulumi.yaml as shipped, but the program runs in this interpreter's environment (which has
        # the package installed): the language host and the engine's provider plugin both take the
        # project's `virtualenv` option (the engine passes it on as PULUMI_RUNTIME_VIRTUALENV).
        project["runtime"] = {"name": "python", "options": {"virtualenv": sys.prefix}}
        (self.dir / "Pulumi.yaml").write_text(yaml.safe_dump(project, sort_keys=False))
        self.project = project["name"]
        self.stack = stack
        backend = workdir / "backend"
        backend.mkdir(exist_ok=True)
        self.env = {k: v for k, v in os.environ.items() if not k.startswith(("MSGRAPH_", "PULUMI_", "AZURE_"))}
        self.env.update({
            "PULUMI_HOME": str(workdir / "pulumi-home"),
            "PULUMI_BACKEND_URL": backend.as_uri(),  # never the user's logged-in backend
            "PULUMI_CONFIG_PASSPHRASE": "test-passphrase",
            "PULUMI_SKIP_UPDATE_CHECK": "true",
            "PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION": "true",
            "PULUMI_PYTHON_CMD": sys.executable,
            "NO_COLOR": "1",
        })
        self.check("stack", "init", stack)
        if emulator is not None:
            self.check("config", "set", "msgraph:endpoint", emulator.url)
            self.check("config", "set", "--secret", "msgraph:accessToken", token)

    # -- commands ---------------------------------------------------------------------------------

    def run(self, *args: str) -> Result:
        done = subprocess.run([PULUMI, *args, "--non-interactive", "--color", "never"], cwd=self.dir, env=self.env,
                              capture_output=True, text=True, timeout=600)
        return Result(list(args), done.returncode, done.stdout, done.stderr)

    def check(self, *args: str) -> Result:
        result = self.run(*args)
        if result.code != 0:
            raise AssertionError(f"pulumi {' '.join(args)} exited {result.code}:\n{result.stdout}\n{result.stderr}")
        return result

    def fails(self, *args: str) -> Result:
        result = self.run(*args)
        assert result.code != 0, f"pulumi {' '.join(args)} was expected to fail:\n{result.stdout}\n{result.stderr}"
        return result

    def up(self, *args: str) -> Result:
        return self.check("up", "--yes", "--skip-preview", *args)

    def preview(self, *args: str) -> Result:
        return self.check("preview", *args)

    def refresh(self, *args: str) -> Result:
        return self.check("refresh", "--yes", "--skip-preview", *args)

    def destroy(self, *args: str) -> Result:
        return self.check("destroy", "--yes", "--skip-preview", *args)

    def configure(self, values: dict[str, Any], secret: tuple = ()) -> None:
        """Stack config as a program reads it: strings as they are, other values as JSON; ``None`` removes."""
        for key, value in values.items():
            if value is None:
                self.run("config", "rm", key)
            else:
                text = value if isinstance(value, str) else json.dumps(value)
                self.check("config", "set", *(["--secret"] if key in secret else []), key, text)

    # -- what it recorded -------------------------------------------------------------------------

    def export(self) -> dict:
        return json.loads(self.check("stack", "export").stdout)

    def resources(self) -> dict[str, dict]:
        """The stack's custom resources by name (the stack itself and default providers left out)."""
        out = {}
        for entry in self.export()["deployment"].get("resources") or []:
            kind = entry["type"]
            if kind == "pulumi:pulumi:Stack" or kind.startswith("pulumi:providers:"):
                continue
            name = entry["urn"].rsplit("::", 1)[-1]
            out[name + ("#delete" if entry.get("delete") else "")] = entry
        return out

    def output(self, name: str) -> str:
        return self.check("stack", "output", name).stdout.strip()

    def urn(self, name: str, kind: str) -> str:
        return f"urn:pulumi:{self.stack}::{self.project}::pulumi-python:dynamic/virtualappointment:{kind}::{name}"


_STEP = re.compile(r"^ (?P<sym>[-+~ ]{2}) pulumi-python:dynamic/virtualappointment:(?P<kind>\w+) (?P<name>\S+) "
                   r"(?P<op>create|update|replace|delete|read|refresh|import|same)\b(?P<rest>.*)$")


_DIFF_BLOCK = re.compile(r"^    [-+~ ]{1,2} pulumi-python:dynamic/virtualappointment:\w+: \((?P<op>[\w-]+)\)$")
_DIFF_KEY = re.compile(r"^      [-+~]{1,2} (?P<key>\w+)[:=]")


def planned(result: Any) -> dict[str, tuple[str, list[str]]]:
    """What a ``pulumi preview`` plans per resource: ``{name: (op, [changed keys])}``, read from its
    progress lines (``~  ...:VirtualAppointment appointment update [diff: +externalAppointmentId]``)
    or, with ``--diff``, from its blocks (``~ ...:VirtualAppointment: (update)``, ``[urn=...::name]``,
    ``+ externalAppointmentId: ...``)."""
    out: dict[str, tuple[str, list[str]]] = {}
    block = None
    for line in result.stdout.splitlines():
        match = _STEP.match(line)
        if match and " original" not in match["rest"] and " replacement" not in match["rest"]:
            keys = re.search(r"\[diff: ([^\]]*)\]", match["rest"])
            out[match["name"]] = (match["op"], [k.lstrip("+-~") for k in keys.group(1).split(", ")] if keys else [])
            continue
        head = _DIFF_BLOCK.match(line)
        if head:
            block = [head["op"].removesuffix("-replacement"), None, []]
        elif block is not None and line.strip().startswith("[urn="):
            block[1] = line.strip()[:-1].rsplit("::", 1)[-1]
            out[block[1]] = (block[0], block[2])
        elif block is not None and _DIFF_KEY.match(line):
            block[2].append(_DIFF_KEY.match(line)["key"])
        elif not line.startswith("      "):
            block = None if not line.startswith("        [") else block
    return out


def summary(result: Result) -> list[str]:
    """The lines of the CLI's "Resources:" summary (``+ 3 created``, ``3 unchanged``, ...)."""
    lines = result.stdout.split("\nResources:\n", 1)[-1].splitlines() if "\nResources:\n" in result.stdout else []
    out = []
    for line in lines:
        if not line.strip():
            break
        out.append(line.strip())
    return out
