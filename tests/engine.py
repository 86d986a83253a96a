"""Test stand-ins for the Pulumi engine (the CLI cannot be installed on our machines).

``ProviderServer`` starts the provider host the engine itself launches for dynamic resources
(``python -m pulumi.dynamic``) and talks to it over gRPC with the SDK's own protobuf stubs and
serialisation. ``Engine`` sequences those calls the way the engine does for ``preview``,
``up``, ``refresh`` and ``destroy``, keeping state (inputs and outputs per resource) in a JSON
file. ``run_program`` executes a real Pulumi program under ``pulumi.runtime`` mocks whose
``new_resource`` forwards each dynamic resource to that engine stand-in.

These are test stand-ins, not the engine: they mirror its provider protocol, not its planner.
"""

from __future__ import annotations

import asyncio
import json
import os
import runpy
import subprocess
import sys
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

import grpc
import pulumi
from pulumi.runtime import rpc
from pulumi.runtime.proto import provider_pb2, provider_pb2_grpc

PROVIDER_KEY = "__provider"
TYPE = "pulumi-python:dynamic/virtualappointment:VirtualAppointment"


def to_struct(props: dict) -> Any:
    loop = asyncio.new_event_loop()
    try:
        return loop.run_until_complete(rpc.serialize_properties(props, {}))
    finally:
        loop.close()


def from_struct(struct: Any) -> dict:
    return rpc.deserialize_properties(struct, keep_unknowns=True)


class ProviderError(Exception):
    """The provider host answered a call with an error (the text the CLI would print)."""

    def __init__(self, method: str, details: str):
        self.method, self.details = method, details
        super().__init__(f"{method}: {details}")


class ProviderServer:
    """``python -m pulumi.dynamic`` in a subprocess, reached over gRPC on 127.0.0.1."""

    def __init__(self, config: dict[str, Any], env: Optional[dict] = None):
        self.config = config
        self.env = {**os.environ, "PULUMI_PROJECT": "test-project", **(env or {})}
        self.process: Optional[subprocess.Popen] = None

    def start(self) -> "ProviderServer":
        self.process = subprocess.Popen(
            [sys.executable, "-m", "pulumi.dynamic"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=self.env,
        )
        port = int(self.process.stdout.readline().decode().strip())
        self.channel = grpc.insecure_channel(f"127.0.0.1:{port}")
        self.stub = provider_pb2_grpc.ResourceProviderStub(self.channel)
        self.stub.Configure(provider_pb2.ConfigureRequest(args=to_struct(self.config), acceptSecrets=False))
        return self

    def stop(self) -> None:
        if self.process:
            self.channel.close()
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process.stdout.close()
            self.process.stderr.close()
            self.process = None

    def __enter__(self) -> "ProviderServer":
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    def call(self, method: str, request: Any) -> Any:
        try:
            return getattr(self.stub, method)(request)
        except grpc.RpcError as exc:
            raise ProviderError(method, exc.details()) from None

    def check(self, urn: str, olds: dict, news: dict) -> tuple[dict, list[tuple[str, str]]]:
        answer = self.call("Check", provider_pb2.CheckRequest(urn=urn, olds=to_struct(olds), news=to_struct(news)))
        return from_struct(answer.inputs), [(f.property, f.reason) for f in answer.failures]

    def diff(self, urn: str, id_: str, olds: dict, news: dict) -> provider_pb2.DiffResponse:
        return self.call("Diff", provider_pb2.DiffRequest(urn=urn, id=id_, olds=to_struct(olds), news=to_struct(news)))

    def create(self, urn: str, inputs: dict, preview: bool = False) -> tuple[str, dict]:
        answer = self.call("Create", provider_pb2.CreateRequest(urn=urn, properties=to_struct(inputs), preview=preview))
        return answer.id, from_struct(answer.properties)

    def update(self, urn: str, id_: str, olds: dict, news: dict) -> dict:
        request = provider_pb2.UpdateRequest(urn=urn, id=id_, olds=to_struct(olds), news=to_struct(news))
        return from_struct(self.call("Update", request).properties)

    def read(self, urn: str, id_: str, outputs: dict, inputs: dict) -> tuple[str, dict, dict]:
        request = provider_pb2.ReadRequest(urn=urn, id=id_, properties=to_struct(outputs), inputs=to_struct(inputs))
        answer = self.call("Read", request)
        return answer.id, from_struct(answer.properties), from_struct(answer.inputs)

    def delete(self, urn: str, id_: str, outputs: dict) -> None:
        self.call("Delete", provider_pb2.DeleteRequest(urn=urn, id=id_, properties=to_struct(outputs)))


@dataclass
class Step:
    """What the engine stand-in did for one resource in one run."""

    name: str
    op: str  # same, create, update, replace, delete, refresh
    failures: list = field(default_factory=list)


class Engine:
    """Sequences provider calls as the engine does; state in a JSON file (name -> id/inputs/outputs)."""

    def __init__(self, server: ProviderServer, state_file: Path):
        self.server = server
        self.state_file = Path(state_file)
        self.steps: list[Step] = []
        self.seen: set[str] = set()
        self._lock = threading.Lock()  # the mock monitor registers resources from several threads

    def load(self) -> dict:
        return json.loads(self.state_file.read_text()) if self.state_file.exists() else {}

    def save(self, state: dict) -> None:
        self.state_file.write_text(json.dumps(state, indent=1, sort_keys=True))

    @staticmethod
    def urn(name: str) -> str:
        return f"urn:pulumi:dev::test::{TYPE}::{name}"

    def register(self, name: str, inputs: dict, preview: bool) -> tuple[str, dict]:
        """One resource registration: Check, Diff, then Create/Update/Replace unless previewing."""
        with self._lock:
            return self._register(name, inputs, preview)

    def _register(self, name: str, inputs: dict, preview: bool) -> tuple[str, dict]:
        self.seen.add(name)
        state = self.load()
        old = state.get(name)
        urn = self.urn(name)
        checked, failures = self.server.check(urn, old["inputs"] if old else {}, inputs)
        if failures:
            self.steps.append(Step(name, "failed", failures))
            raise ProviderError("Check", "; ".join(f"{p}: {r}" for p, r in failures))
        if old is None:
            self.steps.append(Step(name, "create"))
            if preview:
                return "", checked
            id_, outs = self.server.create(urn, checked)
        else:
            diff = self.server.diff(urn, old["id"], old["outputs"], checked)
            if diff.changes != provider_pb2.DiffResponse.DIFF_SOME:
                self.steps.append(Step(name, "same"))
                return old["id"], old["outputs"]
            if list(diff.replaces):
                self.steps.append(Step(name, "replace"))
                if preview:
                    return old["id"], checked
                id_, outs = self.server.create(urn, checked)
                self.server.delete(urn, old["id"], old["outputs"])
            else:
                self.steps.append(Step(name, "update"))
                if preview:
                    return old["id"], checked
                id_, outs = old["id"], self.server.update(urn, old["id"], old["outputs"], checked)
        state[name] = {"id": id_, "inputs": checked, "outputs": outs}
        self.save(state)
        return id_, outs

    def delete_unseen(self) -> None:
        """After a program run: resources it no longer declares are deleted."""
        state = self.load()
        for name in sorted(set(state) - self.seen):
            self.server.delete(self.urn(name), state[name]["id"], state[name]["outputs"])
            self.steps.append(Step(name, "delete"))
            del state[name]
        self.save(state)

    def refresh(self) -> None:
        """``pulumi refresh``: Read every resource; the provider's inputs replace the recorded ones."""
        state = self.load()
        for name, entry in list(state.items()):
            id_, outs, inputs = self.server.read(self.urn(name), entry["id"], entry["outputs"], entry["inputs"])
            self.steps.append(Step(name, "refresh"))
            if not id_:
                del state[name]
            else:
                state[name] = {"id": id_, "inputs": inputs or entry["inputs"], "outputs": outs}
        self.save(state)

    def destroy(self) -> None:
        self.seen = set()
        self.delete_unseen()


class ForwardingMocks(pulumi.runtime.Mocks):
    """``pulumi.runtime`` mocks that hand dynamic resources to the engine stand-in."""

    def __init__(self, engine: Engine, preview: bool):
        self.engine, self.preview = engine, preview

    def new_resource(self, args: pulumi.runtime.MockResourceArgs):
        if args.typ != TYPE:
            return f"{args.name}-id", dict(args.inputs)
        id_, outs = self.engine.register(args.name, dict(args.inputs), self.preview)
        return id_ or None, {k: v for k, v in outs.items() if k != PROVIDER_KEY}

    def call(self, args: pulumi.runtime.MockCallArgs):
        return {}


def run_program(program: Path, engine: Engine, config: dict[str, str], preview: bool = False, project: str = "test") -> None:
    """Run a real Pulumi program file under mocks, forwarding to ``engine``; then delete what it dropped."""
    engine.seen = set()
    engine.steps = []
    pulumi.runtime.set_mocks(ForwardingMocks(engine, preview), project=project, stack="dev", preview=preview)
    pulumi.runtime.set_all_config(config)
    cwd = os.getcwd()
    os.chdir(program.parent)
    try:
        pulumi.runtime.test(lambda: runpy.run_path(str(program), run_name="__main__"))()
    finally:
        os.chdir(cwd)
        pulumi.runtime.set_all_config({})
    if not preview:
        engine.delete_unseen()
