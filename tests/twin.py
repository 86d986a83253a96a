"""The differential tier: one scenario through the real CLI and through the engine stand-in
(``pulumi_virtualappointment.testing``), each against a fresh emulator, compared step by step.

``Twin.step`` runs the same step on both sides (the same program, the same stack config, the same
change "in Teams") and then holds them equal on

- what Graph was sent, per object (a meeting with its join link, or an appointment) and in order
  within it (the engine runs independent steps in parallel, so the order across objects is its
  own): method, path, body and ``If-Match``, with meeting ids and ETags named by first appearance;
- whether the step failed, and what the provider said (ids, ETags and request ids named alike);
- the state afterwards: each resource's id, inputs and outputs, secrets as ``<secret>``;
- after an ``up``, the stack's outputs (the program's exports).

Not compared: resource options and dependencies as recorded (the stand-in keeps only what it acts on).

A step the stand-in does not model (``protect``, ``--target``, ``--replace``, ``pulumi import``) runs
on the CLI alone and names the documented limit it falls under (``LIMITS``, also in the testing
module's docstring). Any other difference fails the test: it is a stand-in defect.
"""

from __future__ import annotations

import difflib
import json
import re
import shutil
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Optional

from cli_harness import CliStack, Result
from pulumi_virtualappointment.emulator import Emulator
from pulumi_virtualappointment.testing import Engine, ProviderError, run_program

SECRET = "4dabf18193072939515e22adb298388d"  # the engine's secret signature in a state file
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
ETAG = re.compile(r'W/"[^"]*"')
THREAD = re.compile(r"meeting_[A-Za-z0-9]{16,}")  # a meeting's thread, random per emulator, in its join links

LIMITS = {
    "protect": "the stand-in has no `protect`: a protected resource is deleted like any other",
    "target": "the stand-in has no `--target`: every resource of the program takes part",
    "replace": "the stand-in has no `--replace`: replacements come only from the Diff and replace_on_changes",
    "import": "the stand-in has no `pulumi import` command (the `import_` option is modelled)",
}


@dataclass
class Side:
    """One side's view of a step."""

    failed: bool
    message: str
    requests: list
    state: dict
    result: Any = None  # the CLI's Result
    outputs: dict = field(default_factory=dict)  # the stack's outputs after an `up` (labelled)


@dataclass
class Outcome:
    cli: Side
    stand_in: Optional[Side]


def _message(text: str, labels: "_Labels") -> str:
    """A provider error with what differs between runs (ids, ETags, request ids) named alike."""
    return UUID.sub("<uuid>", ETAG.sub("<etag>", labels.text(text.strip())))


class _Labels:
    """Stable names for what differs between two runs: meeting ids (by externalId and order of
    appearance) and ETags (by order of appearance)."""

    def __init__(self) -> None:
        self.meetings: dict[str, str] = {}
        self.etags: dict[str, str] = {}
        self.counts: dict[str, int] = {}

    def learn(self, emulator: Emulator) -> None:
        for path, record in emulator.meetings().items():
            meeting_id = path.rsplit("/", 1)[-1]
            if meeting_id not in self.meetings:
                key = record["entity"].get("externalId") or "no-external-id"
                self.counts[key] = self.counts.get(key, 0) + 1
                self.meetings[meeting_id] = f"<{key}#{self.counts[key]}>"

    def text(self, value: str) -> str:
        for raw, label in self.meetings.items():
            value = value.replace(raw, label).replace(urllib.parse.quote(raw, safe=""), label)
        return value

    def etag(self, value: Optional[str]) -> Optional[str]:
        if not value or value == "*":
            return value
        return self.etags.setdefault(value, f"<etag{len(self.etags) + 1}>")

    def value(self, value: Any) -> Any:
        if isinstance(value, str):
            value = self.text(ETAG.sub(lambda m: self.etag(m.group(0)), value))
            return THREAD.sub("meeting_<thread>", value)  # the meeting's id, compared as a label, names it
        if isinstance(value, dict):
            if SECRET in value:
                return "<secret>"
            return {k: self.value(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self.value(v) for v in value]
        return value


def _group(path: str, body: Any) -> str:
    """The Graph object a request is about: ``meeting <externalId>`` or ``appointment <meeting>``."""
    tail = path.split("/", 2)[-1]
    if tail.endswith("/virtualAppointment"):
        return "appointment " + tail.rsplit("/", 2)[-2].split("#")[0] + ">"
    if tail.endswith("/createOrGet"):
        return f"meeting <{(body or {}).get('externalId') if isinstance(body, dict) else body}>"
    meeting = re.search(r"onlineMeetings/(<[^#>]+)#\d+>", tail)
    return f"meeting {meeting.group(1)}>" if meeting else f"other {tail}"


def grouped(requests: list, labels: _Labels) -> dict[str, list]:
    """Requests per Graph object, each as (method, path, body, If-Match), in their order."""
    out: dict[str, list] = {}
    for entry in requests:
        path = labels.text(entry["path"])
        body = labels.text(entry["raw_body"] or "")
        item = (entry["method"], path, body, labels.etag(entry["headers"].get("if-match")))
        out.setdefault(_group(path, entry["body"]), []).append(item)
    return out


class Twin:
    """The same program on the real CLI and on the stand-in, step by step."""

    def __init__(self, workdir: Path, program: Path, token: str, emulator_options: Optional[dict] = None):
        options = {"token": token, **(emulator_options or {})}
        self.cli_emulator = Emulator(**options).start()
        self.stand_in_emulator = Emulator(**options).start()
        self.cli = CliStack(workdir / "cli", program, self.cli_emulator, token)
        # The same files as the CLI's copy, without its Pulumi.dev.yaml (the stand-in reads that file, but
        # cannot decrypt the token the CLI keeps there: it gets the provider config directly instead).
        self.program = workdir / "stand-in" / "project"
        shutil.copytree(self.cli.dir, self.program, ignore=shutil.ignore_patterns("Pulumi.*.yaml"))
        self.engine = Engine({"msgraph:endpoint": self.stand_in_emulator.url, "msgraph:accessToken": token},
                             workdir / "stand-in" / "state.json")
        self.config: dict[str, Any] = {}
        self.labels = (_Labels(), _Labels())
        self.outcomes: list[Outcome] = []
        self.limits: list[str] = []

    def close(self) -> None:
        self.cli_emulator.stop()
        self.stand_in_emulator.stop()

    # -- running ------------------------------------------------------------------------------------

    def set(self, secret: tuple = (), **values: Any) -> None:
        """Stack config for the next steps (``None`` removes a key), on both sides; ``secret`` keys are
        set with ``--secret`` for the CLI (the stand-in hands config to the program as given)."""
        self.cli.configure(values, secret=secret)
        for key, value in values.items():
            if value is None:
                self.config.pop(key, None)
            else:
                self.config[key] = value

    def edit(self, change: Callable[[Emulator], Any]) -> None:
        """A change made "in Teams": the same function on both emulators."""
        change(self.cli_emulator)
        change(self.stand_in_emulator)
        for labels, emulator in zip(self.labels, (self.cli_emulator, self.stand_in_emulator)):
            labels.learn(emulator)

    def step(self, action: str, *args: str, limit: Optional[str] = None, compare_state: bool = True) -> Outcome:
        """``action`` is ``up``, ``preview``, ``refresh`` or ``destroy``, with the CLI's ``args``;
        ``limit`` names the entry of ``LIMITS`` that keeps the stand-in out of this step."""
        cli = self._cli(action, args)
        stand_in = None
        if limit is None:
            stand_in = self._stand_in(action, args)
        else:
            assert limit in LIMITS, limit
            self.limits.append(limit)
        outcome = Outcome(cli, stand_in)
        self.outcomes.append(outcome)
        if stand_in is not None:
            where = f"step {len(self.outcomes)} (pulumi {action} {' '.join(args)})"
            assert cli.failed == stand_in.failed, f"{where}: CLI failed={cli.failed} ({cli.message}), stand-in " \
                                                  f"failed={stand_in.failed} ({stand_in.message})"
            assert cli.message == stand_in.message, f"{where}: the errors differ"
            assert cli.requests == stand_in.requests, f"{where}: Graph saw different requests (- CLI, + stand-in)\n" + \
                _diff(cli.requests, stand_in.requests)
            if compare_state:
                assert cli.state == stand_in.state, f"{where}: the states differ (- CLI, + stand-in)\n" + \
                    _diff(cli.state, stand_in.state)
            if action == "up" and not cli.failed:
                assert cli.outputs == stand_in.outputs, f"{where}: the stack outputs differ (- CLI, + stand-in)\n" + \
                    _diff(cli.outputs, stand_in.outputs)
        return outcome

    def _cli(self, action: str, args: tuple) -> Side:
        emulator, labels = self.cli_emulator, self.labels[0]
        emulator.clear_requests()
        if action == "preview":
            result = self.cli.run("preview", *args)
        else:
            result = self.cli.run(action, "--yes", "--skip-preview", *args)
        labels.learn(emulator)
        message = ""
        if result.code != 0:
            found = result.errors()
            message = found[0] if found else result.text
        outputs = {}
        if action == "up" and result.code == 0:
            outputs = labels.value(json.loads(self.cli.check("stack", "output", "--json", "--show-secrets").stdout))
        return Side(result.code != 0, _message(message, labels), grouped(emulator.requests(), labels),
                    self._cli_state(labels), result, outputs)

    def _stand_in(self, action: str, args: tuple) -> Side:
        emulator, labels = self.stand_in_emulator, self.labels[1]
        emulator.clear_requests()
        config = {(k if ":" in k else f"{self.cli.project}:{k}"): v for k, v in self.config.items()}
        failed, message, outputs = False, "", None
        try:
            if action == "refresh" or "--refresh" in args:
                self.engine.refresh(preview=action == "preview")
            if action in ("up", "preview"):
                outputs = run_program(self.program, self.engine, config, preview=action == "preview")
            elif action == "destroy":
                self.engine.destroy()
        except ProviderError as exc:
            failed, message = True, exc.details
        except Exception as exc:  # noqa: BLE001 - a program failure is one side's outcome, compared
            failed, message = True, str(exc)
        labels.learn(emulator)
        return Side(failed, _message(message, labels), grouped(emulator.requests(), labels),
                    self._stand_in_state(labels), None, labels.value(outputs or {}))

    # -- states ---------------------------------------------------------------------------------------

    def _cli_state(self, labels: _Labels) -> dict:
        out = {}
        for name, entry in self.cli.resources().items():
            out[name] = labels.value({"id": entry.get("id", ""), "inputs": _without_provider(entry.get("inputs")),
                                      "outputs": _without_provider(entry.get("outputs"))})
        return out

    def _stand_in_state(self, labels: _Labels) -> dict:
        out = {}
        for key, entry in self.engine.load().items():
            name = key.replace("#pending-delete", "#delete")
            secret, secret_inputs = set(entry.get("secret") or []), set(entry.get("secret_inputs") or [])
            inputs = {k: ("<secret>" if k in secret_inputs else v) for k, v in _without_provider(entry["inputs"]).items()}
            outputs = {k: ("<secret>" if k in secret else v) for k, v in _without_provider(entry["outputs"]).items()}
            out[name] = labels.value({"id": entry["id"], "inputs": inputs, "outputs": outputs})
        return out


def _without_provider(props: Optional[dict]) -> dict:
    return {k: v for k, v in (props or {}).items() if k != "__provider"}


def _diff(cli: Any, stand_in: Any) -> str:
    return "\n".join(difflib.unified_diff(dumps(cli).splitlines(), dumps(stand_in).splitlines(), lineterm="", n=2))


def dumps(value: Any) -> str:
    return json.dumps(value, indent=1, sort_keys=True)
