"""Injected faults: scripted and seeded-random failures a Graph client must survive."""

from __future__ import annotations

import time

import pytest
import requests

from emulator_fixtures import ME_PATH, Graph, emulator, error_of, graph  # noqa: F401 - fixtures
from pulumi_virtualappointment.emulator import Emulator, Fault
from pulumi_virtualappointment.emulator._faults import FaultPlan, Rates, parse_fault


@pytest.fixture
def emulator_options() -> dict:
    """These tests are about the appointment alone: any meeting id counts as an existing meeting."""
    return {"implicit_meetings": True}


def statuses(emu: Emulator) -> list[tuple[str, int | None, str | None]]:
    return [(entry["method"], entry["status"], entry["fault"]) for entry in emu.requests()]


def test_429_carries_retry_after_and_the_next_request_succeeds(graph: Graph, emulator: Emulator):
    emulator.seed(ME_PATH, {})
    emulator.inject({"status": 429, "retryAfter": "0.05"})
    throttled = graph.get(headers={"client-request-id": "retry-1"})
    assert throttled.status_code == 429
    assert throttled.headers["Retry-After"] == "0.05"
    error = error_of(throttled)
    assert error["code"] == "TooManyRequests"
    assert error["innerError"]["client-request-id"] == "retry-1"
    assert graph.get().status_code == 200
    assert statuses(emulator) == [("GET", 429, "status"), ("GET", 200, None)]


@pytest.mark.parametrize("status, code", [(503, "ServiceUnavailable"), (504, "GatewayTimeout"), (409, "Conflict")])
def test_status_faults_answer_with_graph_error_codes_and_apply_nothing(graph: Graph, emulator: Emulator, status, code):
    emulator.inject({"status": status})
    response = graph.put(json={"externalAppointmentId": "x"})
    assert response.status_code == status
    assert "Retry-After" not in response.headers
    assert error_of(response)["code"] == code
    assert emulator.get(ME_PATH) is None


def test_a_status_fault_can_set_its_code_and_extra_headers(graph: Graph, emulator: Emulator):
    emulator.inject({"status": 409, "code": "TenantProvisioning", "headers": {"x-ms-retry-after-ms": "20"}})
    response = graph.put(json={})
    assert (response.status_code, response.headers["x-ms-retry-after-ms"]) == (409, "20")
    assert error_of(response)["code"] == "TenantProvisioning"


def test_scripted_faults_are_consumed_one_per_request_in_order(graph: Graph, emulator: Emulator):
    emulator.inject({"status": 429}, {"status": 503})
    emulator.inject({"status": 504})
    codes = [graph.get().status_code for _ in range(4)]
    assert codes == [429, 503, 504, 404]


def test_faults_apply_before_authentication(graph: Graph, emulator: Emulator):
    emulator.inject({"status": 429})
    assert graph.get(headers={"Authorization": None}).status_code == 429
    assert graph.get(headers={"Authorization": None}).status_code == 401


def test_admin_requests_neither_consume_faults_nor_appear_in_the_log(graph: Graph, emulator: Emulator):
    emulator.inject({"status": 503})
    assert graph.admin("GET", "faults").json()["script"] == [{"status": 503}]
    assert graph.admin("GET", "appointments").status_code == 200
    assert graph.get().status_code == 503
    assert statuses(emulator) == [("GET", 503, "status")]


def test_drop_closes_the_connection_before_applying_the_request(graph: Graph, emulator: Emulator):
    emulator.inject({"drop": True})
    with pytest.raises(requests.ConnectionError):
        graph.put(json={"externalAppointmentId": "lost"})
    assert emulator.get(ME_PATH) is None
    assert graph.put(json={"externalAppointmentId": "kept"}).status_code == 201
    assert statuses(emulator) == [("PUT", None, "drop"), ("PUT", 201, None)]
    assert emulator.requests()[0]["body"] == {"externalAppointmentId": "lost"}


def test_lost_response_applies_the_request_then_closes_the_connection(graph: Graph, emulator: Emulator):
    etag = emulator.seed(ME_PATH, {"externalAppointmentId": "before"})
    emulator.inject({"lostResponse": True})
    with pytest.raises(requests.ConnectionError):
        graph.patch(json={"externalAppointmentId": "after"}, headers={"If-Match": etag})
    assert emulator.get(ME_PATH)["externalAppointmentId"] == "after"
    assert emulator.etag(ME_PATH) != etag
    replay = graph.patch(json={"externalAppointmentId": "after"}, headers={"If-Match": etag})
    assert replay.status_code == 412  # what a client that retries blindly will see
    assert statuses(emulator) == [("PATCH", None, "lostResponse"), ("PATCH", 412, None)]


def test_the_server_keeps_serving_many_requests_after_drops(graph: Graph, emulator: Emulator):
    emulator.inject(*[{"drop": True}, {"lostResponse": True}] * 5)
    for _ in range(10):
        with pytest.raises(requests.ConnectionError):
            graph.get()
    assert [graph.get().status_code for _ in range(3)] == [404] * 3


def test_latency_delays_then_serves_normally(graph: Graph, emulator: Emulator):
    emulator.inject({"latency": 0.2})
    started = time.monotonic()
    assert graph.get().status_code == 404
    assert time.monotonic() - started >= 0.2
    assert statuses(emulator) == [("GET", 404, None)]


def test_latency_combines_with_a_status(graph: Graph, emulator: Emulator):
    emulator.inject({"latency": 0.1, "status": 503, "retryAfter": 1})
    started = time.monotonic()
    response = graph.get()
    assert (response.status_code, response.headers["Retry-After"]) == (503, "1")
    assert time.monotonic() - started >= 0.1


def test_seeded_random_faults_are_reproducible(graph: Graph, emulator: Emulator):
    def run() -> list[int]:
        emulator.set_fault_rates(rate429=0.3, rate503=0.2, rate504=0.1, seed=1234, retry_after="0")
        return [graph.get().status_code for _ in range(30)]

    first, second = run(), run()
    assert first == second
    assert {429, 503, 504, 404} <= set(first)
    emulator.set_fault_rates(rate429=0.3, rate503=0.2, rate504=0.1, seed=1235)
    assert [graph.get().status_code for _ in range(30)] != first


def test_random_429_sends_the_configured_retry_after(graph: Graph, emulator: Emulator):
    emulator.set_fault_rates(rate429=1, retry_after="0.01")
    response = graph.get()
    assert (response.status_code, response.headers["Retry-After"]) == (429, "0.01")


def test_random_drops_and_lost_responses(graph: Graph, emulator: Emulator):
    emulator.set_fault_rates(rate_drop=1)
    with pytest.raises(requests.ConnectionError):
        graph.put(json={})
    assert emulator.get(ME_PATH) is None
    emulator.set_fault_rates(rate_lost_response=1)
    with pytest.raises(requests.ConnectionError):
        graph.put(json={})
    assert emulator.get(ME_PATH) is not None


def test_scripted_faults_come_before_the_rates_and_clear_faults_resets_both(graph: Graph, emulator: Emulator):
    emulator.set_fault_rates(rate503=1)
    emulator.inject({"status": 429})
    assert [graph.get().status_code for _ in range(2)] == [429, 503]
    emulator.clear_faults()
    assert graph.get().status_code == 404


def test_faults_over_the_admin_api(graph: Graph, emulator: Emulator):
    posted = graph.admin("POST", "faults", json={"script": [{"status": 429, "retryAfter": "0.05"}, {"drop": True}]})
    assert posted.status_code == 200
    assert posted.json()["script"] == [{"status": 429, "retryAfter": "0.05"}, {"drop": True}]
    assert graph.get().status_code == 429
    with pytest.raises(requests.ConnectionError):
        graph.get()
    assert graph.admin("POST", "faults", json={"rates": {"rate503": 1, "seed": 7}}).status_code == 200
    assert graph.get().status_code == 503
    assert graph.admin("DELETE", "faults").status_code == 204
    assert graph.get().status_code == 404


@pytest.mark.parametrize(
    "spec, message",
    [
        ({"status": 418}, "status must be one of"),
        ({"status": 429, "drop": True}, "at most one"),
        ({"latency": -1}, "latency"),
        ({"latency": "1"}, "latency"),
        ({"retryAfter": "1"}, "go with a status"),
        ({"latency": 0}, "does nothing"),
        ({"stauts": 429}, "unknown fault key"),
        ({"status": 429, "headers": {"a": 1}}, "headers"),
        ("429", "must be an object"),
    ],
)
def test_invalid_faults_are_refused_saying_why(spec, message):
    with pytest.raises(ValueError, match=message):
        parse_fault(spec)


def test_inject_adds_nothing_when_any_fault_is_invalid():
    plan = FaultPlan()
    with pytest.raises(ValueError):
        plan.inject({"status": 429}, {"status": 200})
    assert plan.next() is None


@pytest.mark.parametrize(
    "kwargs", [{"rate429": 1.5}, {"rate429": 0.6, "rate503": 0.6}, {"rate_drop": True}, {"seed": "x"}, {"latency": 99}]
)
def test_invalid_rates_are_refused(kwargs):
    with pytest.raises(ValueError):
        Rates(**kwargs)


def test_a_seed_fixes_the_sequence_of_outcomes():
    def outcomes(seed: int) -> list[str | None]:
        plan = FaultPlan()
        plan.set_rates(Rates(rate429=0.2, rate_drop=0.2, rate_lost_response=0.2, seed=seed))
        return [fault.kind if fault else None for fault in (plan.next() for _ in range(200))]

    assert outcomes(5) == outcomes(5)
    assert outcomes(5) != outcomes(6)
    assert set(outcomes(5)) == {"status", "drop", "lostResponse", None}


def test_a_fault_round_trips_through_its_dict_form():
    fault = parse_fault({"status": 429, "retryAfter": "2.128", "latency": 0.5, "headers": {"X-A": "b"}})
    assert fault == Fault(latency=0.5, status=429, retry_after="2.128", headers=(("X-A", "b"),))
    assert parse_fault(fault.to_json()) == fault
