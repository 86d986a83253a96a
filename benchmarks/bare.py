"""Section c's subprocess: the same one-field PATCH without Pulumi, timed per request.

``python -m benchmarks.bare URL TOKEN PATH ETAG N [WARMUP]`` PATCHes the appointment ``N`` times
each way (after ``WARMUP`` untimed ones, 10 by default), in alternating blocks, chaining the ETag
from each 204, and prints one JSON object of per-call seconds:

- ``requests``: one ``requests.Session``, the same headers and body bytes the provider sends;
- ``client``: the package's ``GraphClient.patch`` (token, fresh ``client-request-id``, retry
  policy, response parsing) on a client bounded as one operation at the appointment's version
  (``for_operation("beta")``, as the provider makes one per operation), the provider's network
  layer without the provider host around it;
- ``provider``: ``VirtualAppointmentProvider.update`` called directly (minimal PATCH, client,
  outputs), the provider without the host.

It runs in its own process, as the provider host does, so the emulator's process serves both
under the same conditions.
"""

from __future__ import annotations

import json
import sys
import time
import uuid

import requests

from pulumi.dynamic import Config, ConfigureRequest

from pulumi_virtualappointment import VirtualAppointmentProvider
from pulumi_virtualappointment._appointment import APPOINTMENT, parse_resource_path
from pulumi_virtualappointment._client import GraphClient, new_session
from pulumi_virtualappointment._config import Settings
from pulumi_virtualappointment._model import normalise_live
from pulumi_virtualappointment._patch import encode

BLOCK = 25


def main(url: str, token: str, path: str, etag: str, n: int, warmup: int = 10) -> dict[str, list[float]]:
    session = requests.Session()
    client = GraphClient(Settings(endpoint=url, access_token=token), lambda: token, session=new_session())
    target = f"{url}/beta/{path}"
    provider = VirtualAppointmentProvider()
    provider.configure(ConfigureRequest(Config({"msgraph:endpoint": url, "msgraph:accessToken": token}, "bench")))
    times: dict[str, list[float]] = {"requests": [], "client": [], "provider": []}
    state = {"etag": etag, "i": 0}

    def body() -> bytes:
        state["i"] += 1
        return encode({"externalAppointmentId": f"bare-{state['i'] % 2}"})

    def bare() -> None:
        headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json",
                   "If-Match": state["etag"], "client-request-id": str(uuid.uuid4())}
        response = session.patch(target, data=body(), headers=headers, timeout=(10, 30))
        if response.status_code != 204:
            raise RuntimeError(f"bare PATCH answered {response.status_code}: {response.text}")
        state["etag"] = response.headers["ETag"]

    def via_client() -> None:
        state["etag"] = client.for_operation(APPOINTMENT.api_version).patch(path, body(), state["etag"]).etag

    meeting, _ = parse_resource_path(path)
    live = client.for_operation(APPOINTMENT.api_version).get(path).body or {}
    recorded = {"onlineMeetingId": meeting, **normalise_live(APPOINTMENT, live)}

    def via_provider() -> None:
        state["i"] += 1
        olds = {**recorded, "externalAppointmentId": f"bare-{(state['i'] + 1) % 2}", "etag": state["etag"]}
        news = {**recorded, "externalAppointmentId": f"bare-{state['i'] % 2}"}
        state["etag"] = provider.update(path, olds, news).outs["etag"]

    variants = (("requests", bare), ("client", via_client), ("provider", via_provider))
    for _, fn in variants:  # warm-up: imports, first connections
        for _ in range(warmup):
            fn()
    while len(times["provider"]) < n:
        for name, fn in variants:
            for _ in range(min(BLOCK, n - len(times[name]))):
                started = time.perf_counter()
                fn()
                times[name].append(time.perf_counter() - started)
    return {**times, "etag": state["etag"]}


if __name__ == "__main__":
    url, token, path, etag, n = sys.argv[1:6]
    print(json.dumps(main(url, token, path, etag, int(n), *(int(w) for w in sys.argv[6:7]))))
