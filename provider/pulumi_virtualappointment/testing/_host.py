"""The provider host the engine launches for dynamic resources, driven over gRPC.

``ProviderHost`` starts ``python -m pulumi.dynamic`` (what the engine itself runs for a dynamic
provider) and talks to it with the SDK's own protobuf stubs and serialisation: Configure (stack
config, no secrets accepted, as the engine is told), Check, Diff, Create, Read, Update, Delete.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import threading
from typing import Any, Optional

import grpc
from pulumi.runtime import rpc
from pulumi.runtime.proto import provider_pb2, provider_pb2_grpc

__all__ = ["ProviderHost", "ProviderServer", "ProviderError", "to_struct", "from_struct", "plain", "has_unknown", "PROVIDER_KEY",
           "TYPE", "DYNAMIC"]

PROVIDER_KEY = "__provider"
TYPE = "pulumi-python:dynamic/virtualappointment:VirtualAppointment"
DYNAMIC = "pulumi-python:dynamic"
"""Every dynamic resource type starts so; the stand-in serves them all through the one host."""


def to_struct(props: dict) -> Any:
    loop = asyncio.new_event_loop()
    try:
        return loop.run_until_complete(rpc.serialize_properties(props, {}))
    finally:
        loop.close()


def from_struct(struct: Any) -> dict:
    return rpc.deserialize_properties(struct, keep_unknowns=True)


def plain(value: Any) -> Any:
    """``value`` with every secret marker removed (what a host that accepts no secrets receives)."""
    value = rpc.unwrap_rpc_secret(value)
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value


def has_unknown(value: Any) -> bool:
    if isinstance(value, dict):
        return any(has_unknown(v) for v in value.values())
    if isinstance(value, list):
        return any(has_unknown(v) for v in value)
    return value == rpc.UNKNOWN


class ProviderError(Exception):
    """The provider host answered a call with an error (the text the CLI would print)."""

    def __init__(self, method: str, details: str):
        self.method, self.details = method, details
        super().__init__(f"{method}: {details}")


class _Tail:
    """Reads a pipe to its end in a thread of its own, keeping the last ``limit`` bytes: a host
    whose output nobody reads blocks once the pipe is full (64 KiB), and the run with it."""

    def __init__(self, pipe: Any, limit: int = 1024 * 1024):
        self.pipe, self.limit, self.kept = pipe, limit, bytearray()
        self.thread = threading.Thread(target=self._drain, name="provider-host-output", daemon=True)
        self.thread.start()

    def _drain(self) -> None:
        for chunk in iter(lambda: self.pipe.read1(65536), b""):
            self.kept += chunk
            if len(self.kept) > self.limit:
                del self.kept[: len(self.kept) - self.limit]

    def text(self) -> str:
        self.thread.join(timeout=10)
        self.pipe.close()
        return self.kept.decode(errors="replace")


class ProviderHost:
    """``python -m pulumi.dynamic`` in a subprocess, reached over gRPC on 127.0.0.1. What it writes
    after its port (stdout) and to stderr is read as it comes; the last MiB of each is ``stdout`` and
    ``stderr`` once it stopped."""

    def __init__(self, config: dict[str, Any], env: Optional[dict] = None):
        self.config = config
        self.env = {**os.environ, "PULUMI_PROJECT": "test-project", **(env or {})}
        self.process: Optional[subprocess.Popen] = None
        self.stdout = self.stderr = ""

    def start(self) -> "ProviderHost":
        self.process = subprocess.Popen(
            [sys.executable, "-m", "pulumi.dynamic"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=self.env,
        )
        self._err = _Tail(self.process.stderr)
        line = self.process.stdout.readline().decode(errors="replace").strip()
        self._out = _Tail(self.process.stdout)
        if not line.isdigit():
            self.process.kill()
            self.process.wait(timeout=10)
            raise ProviderError("start", f"the provider host did not start (it printed {line!r}): {self._err.text()[-2000:]}")
        port = int(line)
        self.channel = grpc.insecure_channel(f"127.0.0.1:{port}")
        self.stub = provider_pb2_grpc.ResourceProviderStub(self.channel)
        answer = self.stub.Configure(provider_pb2.ConfigureRequest(args=to_struct(self.config), acceptSecrets=False))
        self.accepts_secrets = answer.acceptSecrets
        return self

    def stop(self) -> None:
        if self.process:
            self.channel.close()
            self.process.terminate()
            self.process.wait(timeout=10)
            self.stdout, self.stderr = self._out.text(), self._err.text()
            self.process = None

    def __enter__(self) -> "ProviderHost":
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

    def diff(self, urn: str, id_: str, olds: dict, news: dict, old_inputs: Optional[dict] = None) -> Any:
        request = provider_pb2.DiffRequest(urn=urn, id=id_, olds=to_struct(olds), news=to_struct(news),
                                           old_inputs=to_struct(old_inputs or {}))
        return self.call("Diff", request)

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



ProviderServer = ProviderHost
"""The name the project's own tests used first."""
