"""Scale guards: request and connection budgets, as counts (never seconds).

- An unchanged preview, and an unchanged ``up``, of many resources send no HTTP request at all.
- A one-field update through the SDK's provider host is one PATCH, plus one GET only when Graph
  sends no ETag: after an appointment's 204 without one, before a meeting's PATCH when meetings
  have none (read-compare-write).

Each guard runs for every resource kind it applies to (``resource_kinds``).
- The Graph client keeps one connection pool for all of the provider host's worker threads:
  sequential requests ride one connection, concurrent ones open at most the pool's size, and
  other threads reuse what is pooled.

Guarded elsewhere, not repeated here: 10,000 resources declaring in one program under mocks and
the serialized provider staying under 200 bytes (``test_resource.py``:
``test_ten_thousand_resources_declare_in_one_program``,
``test_provider_pickles_by_reference_in_under_200_bytes``). The figures behind these budgets
are printed by ``python -m benchmarks`` (see ``benchmarks/README.md``).
"""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from pulumi.runtime.proto import provider_pb2

from conftest import TOKEN, configured_provider
from pulumi_virtualappointment.testing import Engine, ProviderServer, run_program
from pulumi_virtualappointment._client import GraphClient
from pulumi_virtualappointment._config import Settings
from pulumi_virtualappointment.emulator import Emulator
from resource_kinds import APPOINTMENT, MEETING_ETAGS, MEETING_NO_ETAG, KindCase

N_RESOURCES = 50
UNCHANGED = (APPOINTMENT, MEETING_ETAGS, MEETING_NO_ETAG)
ONE_FIELD = [  # (case, emulator switches set after the create, requests of the update)
    (APPOINTMENT, {"etag_on_write": True}, ["PATCH"]),
    (APPOINTMENT, {"etag_on_write": False}, ["PATCH", "GET"]),  # a 204 without ETag: one GET for it
    (MEETING_ETAGS, {}, ["PATCH"]),
    (MEETING_NO_ETAG, {}, ["GET", "PATCH"]),  # no ETag: read, compare, then write
]


def _program(case: KindCase) -> str:
    return f"from pulumi_virtualappointment import {case.kind.resource}\n\nfor i in range({N_RESOURCES}):\n" \
           f"    {case.declaration}\n"


@pytest.fixture(scope="module")
def served():
    with Emulator(token=TOKEN, implicit_meetings=True) as emu:
        with ProviderServer({"msgraph:endpoint": emu.url, "msgraph:accessToken": TOKEN}) as server:
            yield emu, server


@pytest.fixture
def emulator(served):
    emu = served[0]
    emu.reset()
    yield emu
    emu.etag_on_write, emu.meeting_etags, emu.implicit_meetings = True, False, True


@pytest.fixture
def server(served, emulator):
    return served[1]


@pytest.mark.parametrize("case", UNCHANGED, ids=[c.id for c in UNCHANGED])
def test_unchanged_preview_and_up_of_many_resources_send_no_request(server, emulator, tmp_path, case):
    case.settle(emulator)
    program = tmp_path / "__main__.py"
    program.write_text(_program(case))
    engine = Engine(server.config, tmp_path / "state.json")

    run_program(program, engine, {})
    assert [s.op for s in engine.steps] == ["create"] * N_RESOURCES
    assert len(case.stored(emulator)) == N_RESOURCES

    emulator.clear_requests()
    run_program(program, engine, {}, preview=True)
    assert [s.op for s in engine.steps] == ["same"] * N_RESOURCES
    assert emulator.requests() == []

    run_program(program, engine, {})
    assert [s.op for s in engine.steps] == ["same"] * N_RESOURCES
    assert emulator.requests() == []


@pytest.mark.parametrize("case, switches, wire", ONE_FIELD,
                         ids=["virtualAppointment-etag-on-write", "virtualAppointment-no-etag-on-write",
                              MEETING_ETAGS.id, MEETING_NO_ETAG.id])
def test_one_field_update_through_the_host_is_one_patch_and_a_get_only_without_etag(
    server, emulator, case, switches, wire
):
    case.settle(emulator)
    urn = case.urn("visit", "dev::scale")
    inputs = case.inputs(0)
    checked, _ = server.check(urn, {}, inputs)
    id_, outs = server.create(urn, checked)
    for name, value in switches.items():
        setattr(emulator, name, value)
    emulator.clear_requests()

    news, failures = server.check(urn, checked, {**inputs, case.text: "after"})
    assert failures == []
    assert server.diff(urn, id_, outs, news).changes == provider_pb2.DiffResponse.DIFF_UNKNOWN
    new_outs = server.update(urn, id_, outs, news)

    log = emulator.requests()
    assert [r["method"] for r in log] == wire
    patch = log[wire.index("PATCH")]
    assert patch["raw_body"] == f'{{"{case.text}":"after"}}'
    assert patch["headers"].get("if-match") == outs.get("etag")
    assert (outs.get("etag") is not None) == case.etags
    assert new_outs.get("etag") == case.etag_of(emulator, id_)
    assert new_outs[case.text] == "after" == case.held(emulator, id_)[case.text]


# -- one connection pool for every worker thread ---------------------------------------------------


class _KeepAliveGraph(BaseHTTPRequestHandler):
    """Answers every GET with a small appointment over HTTP/1.1 keep-alive, counting connections.

    The emulator cannot count reuse: werkzeug's server closes every connection after one answer.
    """

    protocol_version = "HTTP/1.1"
    BODY = json.dumps({"id": "x", "externalAppointmentId": "ext"}).encode()

    def setup(self) -> None:
        super().setup()
        with self.server.lock:
            self.server.connections += 1

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        time.sleep(self.server.delay)
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(self.BODY)))
        self.send_header("ETag", 'W/"1"')
        self.end_headers()
        self.wfile.write(self.BODY)

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def keep_alive():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _KeepAliveGraph)
    httpd.daemon_threads = True
    httpd.lock, httpd.connections, httpd.delay = threading.Lock(), 0, 0.0
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield httpd
    httpd.shutdown()
    httpd.server_close()
    thread.join(timeout=5)


@pytest.fixture
def client(keep_alive):
    host, port = keep_alive.server_address[:2]
    graph = GraphClient(Settings(endpoint=f"http://{host}:{port}", access_token=TOKEN), lambda: TOKEN)
    yield graph
    graph.close()


def _pool_size(client: GraphClient) -> int:
    return client.session.get_adapter(client.settings.endpoint).poolmanager.connection_pool_kw["maxsize"]


def _urllib3_connections(client: GraphClient) -> int:
    pools = client.session.get_adapter(client.settings.endpoint).poolmanager.pools
    return sum(pools[key].num_connections for key in pools.keys())


def _in_threads(count: int, work) -> None:
    start = threading.Barrier(count)
    errors: list = []

    def run() -> None:
        try:
            start.wait(timeout=30)
            work()
        except Exception as exc:  # noqa: BLE001 - re-raised below, in the test's thread
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(t.is_alive() for t in threads) and errors == []


def test_sequential_requests_reuse_one_connection(client, keep_alive):
    for _ in range(20):
        client.get("me/onlineMeetings/m/virtualAppointment")
    assert keep_alive.connections == 1
    assert _urllib3_connections(client) == 1


def test_worker_threads_share_the_pool_and_open_at_most_its_size(client, keep_alive):
    threads, per_thread = 8, 10
    assert threads < _pool_size(client)  # the SDK host has 4 workers; the pool must hold them all
    keep_alive.delay = 0.005  # requests overlap

    _in_threads(threads, lambda: [client.get("me/onlineMeetings/m/virtualAppointment") for _ in range(per_thread)])
    opened = keep_alive.connections
    assert 1 <= opened <= min(threads, _pool_size(client))
    assert _urllib3_connections(client) == opened

    for _ in range(threads):  # fresh threads, one at a time: every one rides a pooled connection
        _in_threads(1, lambda: client.get("me/onlineMeetings/m/virtualAppointment"))
    assert keep_alive.connections == opened


def test_worker_threads_share_one_graph_client(emulator):
    """Each operation gets its own time bound, over the one pool and the one token source."""
    provider = configured_provider(emulator.url)
    clients: list = []
    _in_threads(8, lambda: clients.append(provider._graph()))
    assert len(clients) == 8 and len({id(c) for c in clients}) == 8
    assert len({id(c.session) for c in clients}) == 1 and len({id(c._token) for c in clients}) == 1
