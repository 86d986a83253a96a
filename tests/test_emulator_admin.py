"""``GET /_emulator/``: the admin API lists itself, from the table it is routed by (real HTTP on 127.0.0.1).

The banner prints ``/_emulator/`` as the admin API's address; it answered 404 until the index
existed. The list is ``ADMIN_ROUTES``, the table ``ROUTES`` is built from, so a route cannot be
served without being listed, nor listed without being served.
"""

from __future__ import annotations

import pytest

from emulator_fixtures import (  # noqa: F401 - fixtures are used by name
    MEETING_PATH,
    ME_PATH,
    Graph,
    emulator,
    emulator_options,
    error_of,
    graph,
)
from pulumi_virtualappointment.emulator import Emulator
from pulumi_virtualappointment.emulator._admin import ADMIN_ROUTES, PREFIX, ROUTES

SAMPLE_PATHS = {"meetings": MEETING_PATH, "appointments": ME_PATH}
"""What stands for ``{path}`` when a listed route is called."""


def _listing() -> list[dict[str, str]]:
    return [{"method": r.method, "path": r.path, "description": r.description} for r in ADMIN_ROUTES]


@pytest.mark.parametrize("address", ["/_emulator/", "/_emulator"])
def test_admin_index_answers_200_with_every_route_its_method_and_what_it_does(graph: Graph, emulator, address):
    response = graph.session.get(f"{emulator.url}{address}", timeout=5)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json"
    routes = response.json()["routes"]
    assert routes == _listing()
    assert {"method": "GET", "path": "/_emulator/", "description": "this list of the admin routes"} in routes
    for route in routes:
        assert route["method"] in {"GET", "PUT", "PATCH", "POST", "DELETE"}
        assert route["path"].startswith("/_emulator/")
        assert route["description"] and "\n" not in route["description"], route


def test_admin_index_lists_exactly_what_the_router_serves():
    served = {
        (method, rule.rule)
        for rule in ROUTES.iter_rules()
        for method in rule.methods or ()
        if method != "HEAD"  # werkzeug adds HEAD to every GET
    }
    listed = {(route.method, PREFIX + route.rule) for route in ADMIN_ROUTES}
    assert served == listed
    assert len(listed) == len(ADMIN_ROUTES), "a route is listed twice"


@pytest.mark.parametrize("route", ADMIN_ROUTES, ids=lambda r: f"{r.method} {r.path}")
def test_every_listed_route_is_served_over_http(graph: Graph, emulator: Emulator, route):
    section = route.path.removeprefix(PREFIX + "/").split("/")[0]
    path = route.path.replace("{path}", SAMPLE_PATHS.get(section, ""))
    response = graph.session.request(route.method, f"{emulator.url}{path}", json={}, timeout=5)
    assert response.status_code != 405, response.text
    if response.status_code == 404:  # a missing meeting or appointment, never a missing route
        assert error_of(response)["code"] == "itemNotFound", response.text


def test_admin_index_refuses_other_methods_with_405_and_allow(graph: Graph, emulator: Emulator):
    response = graph.session.post(f"{emulator.url}/_emulator/", json={}, timeout=5)
    assert response.status_code == 405
    assert response.headers["Allow"] == "GET, HEAD"
    assert error_of(response)["code"] == "BadRequest"


@pytest.mark.parametrize("authorization", [None, "Bearer wrong"], ids=["no token", "wrong token"])
def test_admin_index_needs_the_token_when_one_is_set(authorization):
    with Emulator(token="s3cret") as emu:
        client = Graph(emu, token=None)
        try:
            for address in ("/_emulator/", "/_emulator"):
                refused = client.session.get(f"{emu.url}{address}", headers={"Authorization": authorization}, timeout=5)
                assert refused.status_code == 401
                assert error_of(refused)["code"] == "InvalidAuthenticationToken"
                assert "routes" not in refused.json()
            answer = client.admin("GET", "")  # the helper sends the emulator's token
            assert (answer.status_code, answer.json()["routes"]) == (200, _listing())
        finally:
            client.close()


def test_admin_index_is_not_logged_as_graph_traffic(graph: Graph, emulator: Emulator):
    assert graph.admin("GET", "").status_code == 200
    assert emulator.requests() == []
