"""Hostile and unlucky requests the emulator must survive: each test names the defect it guards.

Issues 9-14 of the tracker: deep JSON, a failed state-file write, header injection through
faults, cross-site and DNS-rebinding access, unbounded request bodies and log, and path
segments that are not UTF-8. Real HTTP on 127.0.0.1 only.
"""

from __future__ import annotations

import errno
import gc
import json
import subprocess
import sys
import tracemalloc
from typing import Iterator

import pytest
from werkzeug.test import EnvironBuilder

from emulator_fixtures import (  # noqa: F401 - fixtures are used by name
    ME_PATH,
    Graph,
    emulator,
    error_of,
    graph,
)
from pulumi_virtualappointment.emulator import Emulator, _app, _schema, _store
from pulumi_virtualappointment.emulator._faults import Rates, parse_fault
from pulumi_virtualappointment.emulator._log import RequestLog, describe
from pulumi_virtualappointment.emulator._schema import BodyError, parse_json_object
from pulumi_virtualappointment.emulator._wire import MAX_BODY, GraphRequest

JSON = {"Content-Type": "application/json"}
OTHER_PATH = "users/22222222-2222-2222-2222-222222222222/onlineMeetings/M2/virtualAppointment"


@pytest.fixture
def emulator_options() -> dict:
    """These tests are about the appointment alone: any meeting id counts as an existing meeting."""
    return {"implicit_meetings": True}


def nested(depth: int) -> bytes:
    """A JSON object ``depth`` levels deep: ``{"a":{"a":...1...}}``."""
    return b'{"a":' * (depth - 1) + b'{"a":1}' + b"}" * (depth - 1)


def host_of(emu: Emulator) -> str:
    """``127.0.0.1:PORT``: the emulator's own Host value."""
    return emu.url.split("://", 1)[1]


def port_of(emu: Emulator) -> str:
    return host_of(emu).rsplit(":", 1)[1]


# -- 9: deep JSON is a Graph 400 on every route, never an HTML 500 ---------------------------

BODY_ROUTES = [
    ("graph", "PUT", ME_PATH),
    ("graph", "PATCH", ME_PATH),
    ("admin", "PUT", f"appointments/{ME_PATH}"),
    ("admin", "PATCH", f"appointments/{ME_PATH}"),
    ("admin", "POST", "faults"),
    ("admin", "PATCH", "settings"),
]
ROUTE_IDS = [f"{kind}-{method}-{path.split('/')[0]}" for kind, method, path in BODY_ROUTES]
DEEP_BODIES = {
    "deeper-than-the-stack": b"[" * 100_000 + b"]" * 100_000,
    "parses-but-breaks-copies": nested(600),
    "just-over-the-limit": nested(65),
}


@pytest.mark.parametrize("body", list(DEEP_BODIES.values()), ids=list(DEEP_BODIES))
@pytest.mark.parametrize("kind, method, path", BODY_ROUTES, ids=ROUTE_IDS)
def test_deeply_nested_json_is_a_graph_400_not_an_html_500(graph: Graph, emulator: Emulator, kind, method, path, body):
    emulator.seed(ME_PATH, {"externalAppointmentId": "before"})
    before = emulator.appointments()
    send = graph.request if kind == "graph" else graph.admin
    response = send(method, path, data=body, headers=JSON)
    assert response.status_code == 400
    assert response.headers["Content-Type"] == "application/json"
    error = error_of(response)
    assert error["code"] == "BadRequest"
    assert "nested deeper than 64 levels" in error["message"]
    assert emulator.appointments() == before
    log = graph.admin("GET", "requests")
    assert log.status_code == 200
    if kind == "graph":
        assert [entry["body"] for entry in log.json()] == [body.decode()]  # kept as text, as unparseable JSON is


ADVERSARIAL_BODIES = {  # each MAX_BODY bytes, built to make a scan that backtracks take quadratic time
    "unterminated-escaped-quotes": b'{"subject":"' + b'\\"' * ((MAX_BODY - 12) // 2),
    "only-quotes": b'"' * MAX_BODY,
    "unterminated-backslashes": b'{"a":"' + b"\\" * (MAX_BODY - 6),
}


def test_a_body_built_to_make_the_depth_check_backtrack_is_refused_at_once():
    """The depth check is one linear pass: a 1 MiB body of escaped quotes in an unterminated string
    once took ~35 min of CPU per request (quadratic backtracking). The ceiling below is not a
    timing assertion (the pass takes well under a second); it stops a regression from hanging the
    suite, in a child process that can be killed."""
    script = (
        "import sys\n"
        "from pulumi_virtualappointment.emulator._schema import BodyError, parse_json\n"
        "try:\n    parse_json(sys.stdin.buffer.read())\nexcept BodyError as e:\n    print(e)\n"
    )
    for name, body in ADVERSARIAL_BODIES.items():
        assert len(body) <= MAX_BODY
        done = subprocess.run([sys.executable, "-c", script], input=body, capture_output=True, timeout=120)
        assert done.returncode == 0, (name, done.stderr[-500:])
        assert done.stdout.decode().startswith("Invalid request body: the body is not valid JSON"), (name, done.stdout)


def test_json_as_deep_as_the_limit_still_parses():
    assert _schema.MAX_DEPTH == 64
    assert parse_json_object(nested(64)) == json.loads(nested(64))
    with pytest.raises(BodyError, match="nested deeper than 64 levels"):
        parse_json_object(nested(65))
    in_strings = b'{"a": "' + b"[{" * 200 + b'", "b": "\\"' + b"[" * 200 + b'"}'
    assert parse_json_object(in_strings) == json.loads(in_strings)  # brackets inside strings do not nest


# -- 10: a failed state-file write changes nothing --------------------------------------------


@pytest.fixture
def persisted(tmp_path) -> Iterator[Emulator]:
    """An emulator with a state file holding two appointments."""
    with Emulator(state_file=tmp_path / "state.json", implicit_meetings=True) as emu:
        emu.seed(ME_PATH, {"externalAppointmentId": "kept"})
        emu.seed(OTHER_PATH, {"externalAppointmentId": "other"})
        yield emu


def _disk_full(path: str, data: bytes) -> None:
    raise OSError(errno.ENOSPC, "No space left on device")


WRITES = {
    "graph-put-create": ("graph", "PUT", "me/onlineMeetings/NEW/virtualAppointment", {"externalAppointmentId": "x"}),
    "graph-put-replace": ("graph", "PUT", ME_PATH, {"externalAppointmentId": "x"}),
    "graph-patch": ("graph", "PATCH", ME_PATH, {"externalAppointmentId": "x"}),
    "graph-delete": ("graph", "DELETE", ME_PATH, None),
    "admin-seed": ("admin", "PUT", f"appointments/{ME_PATH}", {"externalAppointmentId": "x"}),
    "admin-edit": ("admin", "PATCH", f"appointments/{ME_PATH}", {"externalAppointmentId": "x"}),
    "admin-delete": ("admin", "DELETE", f"appointments/{ME_PATH}", None),
    "admin-reset": ("admin", "POST", "reset", None),
}


@pytest.mark.parametrize("kind, method, path, body", list(WRITES.values()), ids=list(WRITES))
def test_a_failed_state_file_write_is_a_graph_500_and_changes_nothing(persisted, monkeypatch, kind, method, path, body):
    client = Graph(persisted)
    client.get()  # something in the log, which a failed reset must keep
    state = persisted.store.state_file
    before, saved, log = persisted.appointments(), open(state, "rb").read(), persisted.requests()
    monkeypatch.setattr(_store, "_atomic_write", _disk_full)
    send = client.request if kind == "graph" else client.admin
    response = send(method, path, json=body)
    assert response.status_code == 500
    assert persisted.appointments() == before
    assert open(state, "rb").read() == saved
    assert response.headers["Content-Type"] == "application/json"
    error = error_of(response)
    assert error["code"] == "InternalServerError"
    assert "state file" in error["message"] and "No space left on device" in error["message"]
    if kind == "admin":
        assert persisted.requests() == log
    monkeypatch.undo()
    assert send(method, path, json=body).status_code < 300  # the same request succeeds once the disk has room
    assert json.loads(open(state, "rb").read())["appointments"] == persisted.appointments()
    client.close()


def test_a_failed_state_file_write_in_process_raises_and_changes_nothing(persisted, monkeypatch):
    before = persisted.appointments()
    monkeypatch.setattr(_store, "_atomic_write", _disk_full)
    for change in (
        lambda: persisted.edit(ME_PATH, {"externalAppointmentId": "x"}),
        lambda: persisted.seed("me/onlineMeetings/NEW/virtualAppointment", {}),
        persisted.reset,
    ):
        with pytest.raises(_store.PersistError, match="No space left on device"):
            change()
        assert persisted.appointments() == before


# -- 11: fault values that would break a response are refused when set ------------------------

BAD_FAULTS = {
    "retryAfter-crlf": ({"status": 429, "retryAfter": "1\r\nSet-Cookie: a=b"}, "retryAfter"),
    "retryAfter-lf": ({"status": 429, "retryAfter": "1\n"}, "retryAfter"),
    "retryAfter-nul": ({"status": 503, "retryAfter": "1\x00"}, "retryAfter"),
    "retryAfter-not-latin-1": ({"status": 429, "retryAfter": "1\u20ac"}, "retryAfter"),
    "header-value-crlf": ({"status": 409, "headers": {"X-A": "b\r\nX-B: c"}}, "headers"),
    "header-value-not-latin-1": ({"status": 409, "headers": {"X-A": "caf\u00e9 \u20ac"}}, "headers"),
    "header-name-crlf": ({"status": 409, "headers": {"X-A\r\nX-B": "c"}}, "headers"),
    "header-name-colon": ({"status": 409, "headers": {"X-A: b": "c"}}, "headers"),
    "header-name-empty": ({"status": 409, "headers": {"": "c"}}, "headers"),
    "header-name-not-latin-1": ({"status": 409, "headers": {"X-\u20ac": "c"}}, "headers"),
    "header-content-length": ({"status": 409, "headers": {"Content-Length": "99999"}}, "headers"),
    "header-transfer-encoding": ({"status": 409, "headers": {"Transfer-Encoding": "chunked"}}, "headers"),
}


@pytest.mark.parametrize("spec, field", list(BAD_FAULTS.values()), ids=list(BAD_FAULTS))
def test_fault_values_that_would_break_a_response_are_a_400_naming_the_field(graph: Graph, emulator: Emulator,
                                                                            spec, field):
    emulator.inject({"status": 503})
    before = graph.admin("GET", "faults").json()
    response = graph.admin("POST", "faults", json={"script": [spec]})
    assert response.status_code == 400
    error = error_of(response)
    assert error["code"] == "BadRequest"
    assert f"fault {field}" in error["message"]
    assert graph.admin("GET", "faults").json() == before
    with pytest.raises(ValueError, match=f"fault {field}"):
        parse_fault(spec)


@pytest.mark.parametrize("value", ["1\r\nX: y", "\u20ac", "\x7f"], ids=["crlf", "not-latin-1", "del"])
def test_a_retry_after_rate_that_would_break_a_response_is_a_400(graph: Graph, emulator: Emulator, value):
    before = graph.admin("GET", "faults").json()
    response = graph.admin("POST", "faults", json={"rates": {"rate429": 1, "retry_after": value}})
    assert response.status_code == 400
    assert "fault retry_after" in error_of(response)["message"]
    assert graph.admin("GET", "faults").json() == before
    assert graph.get().status_code == 404
    with pytest.raises(ValueError, match="fault retry_after"):
        Rates(rate429=1, retry_after=value)


def test_latin_1_header_text_and_tabs_are_still_sent(graph: Graph, emulator: Emulator):
    emulator.inject({"status": 429, "retryAfter": "1", "headers": {"X-Note": "caf\u00e9\tau lait"}})
    response = graph.get()
    assert (response.status_code, response.headers["Retry-After"]) == (429, "1")
    assert response.headers["X-Note"] == "caf\u00e9\tau lait"


# -- 12: no access from other web pages: Host, Origin and the admin token ---------------------


def test_a_cross_site_text_plain_reset_is_403_and_empties_nothing(tmp_path):
    with Emulator(state_file=tmp_path / "state.json") as emu:
        emu.seed(ME_PATH, {"externalAppointmentId": "kept"})
        saved = (tmp_path / "state.json").read_bytes()
        client = Graph(emu)
        headers = {"Content-Type": "text/plain", "Origin": "http://evil.example"}  # a form a page may send unasked
        response = client.admin("POST", "reset", data=b"x", headers=headers)
        assert response.status_code == 403
        error = error_of(response)
        assert error["code"] == "Forbidden"
        assert "Origin" in error["message"]
        assert emu.get(ME_PATH)["externalAppointmentId"] == "kept"
        assert (tmp_path / "state.json").read_bytes() == saved
        client.close()


@pytest.mark.parametrize("kind, path", [("admin", "appointments"), ("admin", "requests"), ("graph", ME_PATH)])
def test_a_rebound_dns_name_reads_nothing(graph: Graph, emulator: Emulator, kind, path):
    emulator.seed(ME_PATH, {"externalAppointmentId": "client-data"})
    emulator.inject({"status": 503})
    port = port_of(emulator)
    send = graph.admin if kind == "admin" else graph.request
    response = send("GET", path, headers={"Host": f"evil.example:{port}"})
    assert response.status_code == 403
    assert error_of(response)["code"] == "Forbidden"
    assert "client-data" not in response.text
    assert emulator.requests() == []  # refused before the log and the faults
    assert graph.get().status_code == 503


def test_a_foreign_origin_is_403_on_graph_routes_and_changes_nothing(graph: Graph, emulator: Emulator):
    response = graph.put(json={"externalAppointmentId": "x"}, headers={"Origin": "http://evil.example"})
    assert response.status_code == 403
    assert error_of(response)["code"] == "Forbidden"
    assert emulator.get(ME_PATH) is None
    assert emulator.requests() == []


@pytest.mark.parametrize("host", ["{bound}", "127.0.0.1:{port}", "localhost:{port}", "LocalHost:{port}",
                                  "[::1]:{port}"])
def test_the_loopback_names_with_the_port_are_accepted_as_host(graph: Graph, emulator: Emulator, host):
    value = host.format(bound=host_of(emulator), port=port_of(emulator))
    assert graph.admin("GET", "appointments", headers={"Host": value}).status_code == 200
    assert graph.get(headers={"Host": value}).status_code == 404


@pytest.mark.parametrize(
    "host",
    ["127.0.0.1", "127.0.0.1:1", "localhost", "evil.example:{port}", "127.0.0.1.evil.example:{port}",
     "localhost.:{port}", "127.0.0.2:{port}", "[::2]:{port}", "user@127.0.0.1:{port}", ""],
)
def test_any_other_host_is_403(graph: Graph, emulator: Emulator, host):
    value = host.format(port=port_of(emulator))
    for response in (graph.admin("GET", "settings", headers={"Host": value}), graph.get(headers={"Host": value})):
        assert response.status_code == 403
        assert error_of(response)["code"] == "Forbidden"
        assert "Host" in error_of(response)["message"]


@pytest.mark.parametrize("origin", ["http://{host}", "http://localhost:{port}", "HTTP://LOCALHOST:{port}",
                                    "http://[::1]:{port}"])
def test_an_origin_of_this_emulator_is_accepted(graph: Graph, emulator: Emulator, origin):
    value = origin.format(host=host_of(emulator), port=port_of(emulator))
    assert graph.put(json={}, headers={"Origin": value}).status_code == 201
    assert graph.admin("POST", "reset", headers={"Origin": value}).status_code == 204


@pytest.mark.parametrize(
    "origin",
    ["null", "https://{host}", "http://127.0.0.1:1", "http://evil.example", "http://evil.example:{port}",
     "http://{host}/", "http://{host}.evil.example", "file://", ""],
)
def test_any_other_origin_is_403(graph: Graph, emulator: Emulator, origin):
    emulator.seed(ME_PATH, {})
    value = origin.format(host=host_of(emulator), port=port_of(emulator))
    for response in (graph.admin("POST", "reset", headers={"Origin": value}), graph.delete(headers={"Origin": value})):
        assert response.status_code == 403
        error = error_of(response)
        assert error["code"] == "Forbidden" and "Origin" in error["message"]
    assert emulator.get(ME_PATH) is not None


@pytest.mark.parametrize("authorization", [None, "Bearer wrong", "Basic YTpi", "Bearer"], ids=repr)
def test_admin_routes_need_the_configured_token(authorization):
    with Emulator(token="s3cret") as emu:
        emu.seed(ME_PATH, {"externalAppointmentId": "client-data"})
        client = Graph(emu, token=None)
        for method, path in [("GET", "appointments"), ("POST", "reset"), ("GET", "requests"), ("PATCH", "settings")]:
            response = client.session.request(
                method, f"{emu.url}/_emulator/{path}", headers={"Authorization": authorization}, json={}, timeout=5
            )
            assert response.status_code == 401
            assert error_of(response)["code"] == "InvalidAuthenticationToken"
            assert response.headers["WWW-Authenticate"] == 'Bearer realm="graph-emulator"'
        assert emu.get(ME_PATH)["externalAppointmentId"] == "client-data"
        assert client.admin("GET", "appointments").status_code == 200  # the helper sends emu.token
        assert emu.token == "s3cret"
        client.close()


def test_without_a_token_admin_routes_need_none(graph: Graph, emulator: Emulator):
    assert emulator.token is None
    assert graph.session.get(f"{emulator.url}/_emulator/appointments", timeout=5).status_code == 200


@pytest.mark.parametrize(
    "bound, host, accepted",
    [
        ("127.0.0.1", "127.0.0.1:8765", True),
        ("127.0.0.1", "[::1]:8765", True),
        ("::1", "[::1]:8765", True),
        ("localhost", "localhost:8765", True),
        ("127.0.0.1", "192.0.2.10:8765", False),
        ("0.0.0.0", "192.0.2.10:8765", True),  # allow_remote on a wildcard: any IP address, the port
        ("0.0.0.0", "[2001:db8::1]:8765", True),
        ("0.0.0.0", "192.0.2.10:1", False),
        ("0.0.0.0", "devbox.example:8765", False),  # a DNS name is what a rebinding attack uses
        ("192.0.2.10", "192.0.2.10:8765", True),
        ("192.0.2.10", "198.51.100.1:8765", True),
        ("192.0.2.10", "localhost:8765", True),
    ],
)
def test_hosts_with_allow_remote_accept_ip_addresses_but_no_other_names(bound, host, accepted):
    hosts = _app.Hosts.serving(bound, 8765, allow_remote=not bound.startswith(("127.", "::1", "localhost")))
    assert hosts.allows_host(host) is accepted


@pytest.mark.parametrize(
    "bound, origin, accepted",
    [
        ("0.0.0.0", "http://192.0.2.10:8765", False),  # a web page elsewhere on the network
        ("192.0.2.10", "http://192.0.2.10:8765", True),
        ("192.0.2.10", "http://198.51.100.1:8765", False),
        ("192.0.2.10", None, True),
    ],
)
def test_origins_with_allow_remote_are_only_the_named_hosts(bound, origin, accepted):
    assert _app.Hosts.serving(bound, 8765, allow_remote=True).allows_origin(origin) is accepted


def test_the_in_process_api_needs_no_token():
    with Emulator(token="s3cret") as emu:
        emu.inject({"status": 503})
        emu.edit(ME_PATH, {"externalAppointmentId": "x"})
        assert emu.requests() == [] and emu.get(ME_PATH)["externalAppointmentId"] == "x"


# -- 13: bodies over 1 MiB are a 413 however they arrive; the log is bounded in bytes ---------


def _over_limit_chunks() -> Iterator[bytes]:
    """``MAX_BODY + 1`` bytes of a JSON body, sent chunked (no Content-Length)."""
    head, tail = b'{"externalAppointmentId": "', b'"}'
    yield head
    remaining = MAX_BODY + 1 - len(head) - len(tail)
    while remaining:
        size = min(remaining, 256 * 1024)
        yield b"x" * size
        remaining -= size
    yield tail


def _body_of(size: int) -> bytes:
    head, tail = b'{"externalAppointmentId": "', b'"}'
    return head + b"x" * (size - len(head) - len(tail)) + tail


@pytest.mark.parametrize("transfer", ["content-length", "chunked"])
@pytest.mark.parametrize("kind, method, path", BODY_ROUTES, ids=ROUTE_IDS)
def test_a_body_over_1_mib_is_413_however_it_arrives(graph: Graph, emulator: Emulator, kind, method, path, transfer):
    emulator.seed(ME_PATH, {"externalAppointmentId": "before"})
    before = emulator.appointments()
    body = _body_of(MAX_BODY + 1) if transfer == "content-length" else _over_limit_chunks()
    send = graph.request if kind == "graph" else graph.admin
    response = send(method, path, data=body, headers=JSON)
    assert response.status_code == 413
    error = error_of(response)
    assert error["code"] == "RequestEntityTooLarge"
    assert error["message"] == "The request body is larger than 1 MiB."
    assert emulator.appointments() == before
    if kind == "graph":
        assert [(e["method"], e["status"], e["raw_body"]) for e in emulator.requests()] == [(method, 413, "")]


@pytest.mark.parametrize("transfer", ["content-length", "chunked"])
def test_a_body_of_exactly_1_mib_is_accepted(graph: Graph, emulator: Emulator, transfer):
    body = _body_of(MAX_BODY)
    response = graph.put(data=body if transfer == "content-length" else iter([body[:1000], body[1000:]]), headers=JSON)
    assert response.status_code == 201
    assert emulator.get(ME_PATH)["externalAppointmentId"] == "x" * (MAX_BODY - 29)


def _entry(body: bytes) -> dict:
    builder = EnvironBuilder(path=f"/beta/{ME_PATH}", method="PUT", data=body, content_type="application/json")
    request = GraphRequest(builder.get_environ())
    return describe(request, f"/beta/{ME_PATH}", request.get_data())


def test_the_request_log_keeps_a_body_once():
    body = _body_of(MAX_BODY)
    log = RequestLog()
    gc.collect()
    tracemalloc.start()
    try:
        for _ in range(4):
            log.record(_entry(body))
        gc.collect()
        kept = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    assert kept < 4 * MAX_BODY * 1.1  # was about 2 MiB per entry: parsed body and decoded text
    assert [entry["body"] for entry in log.entries()] == [json.loads(body)] * 4


def test_the_request_log_drops_the_oldest_entries_to_stay_within_its_byte_budget():
    log = RequestLog(budget=3 * MAX_BODY)
    for index in range(5):
        log.record({**_entry(_body_of(MAX_BODY)), "status": index})
    assert [entry["status"] for entry in log.entries()] == [3, 4]  # two entries of 1 MiB and their headers
    assert log.size <= 3 * MAX_BODY
    log.record({**_entry(b"{}"), "status": 5})
    assert [entry["status"] for entry in log.entries()] == [3, 4, 5]
    log.clear()
    assert (log.entries(), log.size) == ([], 0)


def test_the_request_log_still_keeps_at_most_its_entry_limit():
    log = RequestLog(limit=3)
    for index in range(5):
        log.record({**_entry(b"{}"), "status": index})
    assert [entry["status"] for entry in log.entries()] == [2, 3, 4]


# -- 14: path segments that are not UTF-8 are a 400, never U+FFFD ------------------------------


@pytest.mark.parametrize(
    "path",
    ["me/onlineMeetings/%FF/virtualAppointment", "me/onlineMeetings/%FE/virtualAppointment",
     "me/onlineMeetings/a%ED%A0%80/virtualAppointment", "users/%C3/onlineMeetings/M/virtualAppointment"],
)
def test_a_path_segment_that_is_not_utf8_is_a_400(graph: Graph, emulator: Emulator, path):
    for method, body in [("PUT", {"externalAppointmentId": "x"}), ("GET", None), ("PATCH", {}), ("DELETE", None)]:
        response = graph.request(method, path, json=body)
        assert response.status_code == 400
        error = error_of(response)
        assert error["code"] == "BadRequest"
        assert "not valid UTF-8" in error["message"]
    response = graph.admin("PUT", f"appointments/{path}", json={})
    assert response.status_code == 400
    assert "not valid UTF-8" in error_of(response)["message"]
    with pytest.raises(ValueError, match="not valid UTF-8"):
        emulator.seed(path, {})
    assert emulator.appointments() == {}


def test_ff_and_fe_no_longer_address_the_same_appointment(graph: Graph, emulator: Emulator):
    graph.put("me/onlineMeetings/%FF/virtualAppointment", json={"externalAppointmentId": "ff"})
    assert graph.get("me/onlineMeetings/%FE/virtualAppointment").status_code == 400
    assert graph.get("me/onlineMeetings/%EF%BF%BD/virtualAppointment").status_code == 404


def test_percent_encoded_utf8_still_addresses_its_meeting(graph: Graph, emulator: Emulator):
    assert graph.put("me/onlineMeetings/caf%C3%A9%2F1/virtualAppointment", json={}).status_code == 201
    assert emulator.get("me/onlineMeetings/caf%C3%A9%2F1/virtualAppointment") is not None
    assert list(emulator.appointments()) == [f"users/{emulator.me}/onlineMeetings/caf%C3%A9%2F1/virtualAppointment"]


def test_a_running_emulators_log_has_both_bounds():
    """The bounds the tests above exercise on small logs are the ones a started emulator uses."""
    from pulumi_virtualappointment.emulator import _log

    with Emulator(token="t") as emu:
        log = emu.app.log
        assert (log.limit, log.budget) == (_log.LIMIT, _log.BUDGET) == (10_000, 64 * 1024 * 1024)
