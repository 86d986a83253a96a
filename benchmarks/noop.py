"""A no-op dynamic provider and resource: the floor that Pulumi's own machinery costs.

Section c times ``Diff`` and ``Update`` of :class:`NoopProvider` through the SDK's provider host,
so what the host, gRPC and property (de)serialisation cost is measured on its own. Section d
declares :class:`NoopResource` with the same state as a ``VirtualAppointment`` or an
``OnlineMeeting``, so what the SDK costs per declared resource is measured apart from the
package's resource classes.

:class:`BarePatchProvider` is the no-op plus one bare ``requests`` PATCH per Update: the floor
for an Update that goes to the network, measured under the same host as the real provider.

Like the real provider these have no instance attributes at construction and live in an
importable module, so they pickle by reference; the provider host imports it from ``benchmarks.noop`` (the benchmark puts
the repository root on the host's ``PYTHONPATH``).
"""

from __future__ import annotations

import json
from typing import Any

import pulumi
import requests
from pulumi.dynamic import CheckResult, CreateResult, DiffResult, ReadResult, ResourceProvider, UpdateResult

__all__ = ["NoopProvider", "BarePatchProvider", "NoopResource"]

PROVIDER_KEY = "__provider"


class NoopProvider(ResourceProvider):
    """Answers every call from its arguments alone: no validation, no network."""

    serialize_as_secret_always = False
    """Same as the real provider, so both register the same (non-secret) ``__provider`` string."""

    def check(self, olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        return CheckResult(news, [])

    def diff(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        return DiffResult(changes=False)

    def create(self, props: dict[str, Any]) -> CreateResult:
        return CreateResult(f"noop/{props.get('onlineMeetingId', '')}", _outs(props))

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        return ReadResult(id_, props)

    def update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        return UpdateResult(_outs(news))

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        return None


class BarePatchProvider(NoopProvider):
    """Update = one ``requests`` PATCH of ``externalAppointmentId`` with ``If-Match``; nothing else.

    No validation, no minimal-PATCH computation, no retries, no error mapping: what any provider
    making that one request must at least cost inside the host.
    """

    def configure(self, req: Any) -> None:
        self._base = f"{req.config.get('msgraph:endpoint')}/beta"
        self._headers = {"Authorization": f"Bearer {req.config.get('msgraph:accessToken')}",
                         "Content-Type": "application/json"}
        self._session = requests.Session()

    def update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        body = json.dumps({"externalAppointmentId": news["externalAppointmentId"]}, separators=(",", ":"))
        headers = {**self._headers, "If-Match": olds["etag"]}
        response = self._session.patch(f"{self._base}/{id_}", data=body.encode(), headers=headers, timeout=(10, 30))
        if response.status_code != 204:
            raise RuntimeError(f"PATCH answered {response.status_code}: {response.text}")
        return UpdateResult({**_outs(news), "etag": response.headers["ETag"]})


def _outs(props: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in props.items() if k != PROVIDER_KEY}


class NoopResource(pulumi.dynamic.Resource, module="noop", name="Noop"):
    """A dynamic resource taking state-shaped (camelCase) inputs, as a resource of this package
    registers them, with ``computed`` outputs left for the provider (``etag``, ``joinWebUrl``, ...)."""

    def __init__(self, name: str, props: dict[str, Any], computed: tuple[str, ...] = ("etag", "joinWebUrl"),
                 opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(NoopProvider(), name, {**props, **dict.fromkeys(computed)}, opts)
