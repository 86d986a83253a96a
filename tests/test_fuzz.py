"""Hostile input: check never raises, and the emulator always answers with a Graph error.

Hypothesis throws arbitrary JSON-like values at ``check`` (wrong types, huge strings, deep
nesting, unicode, unknown keys) and malformed bodies and headers at the emulator.
"""

from __future__ import annotations

import json
import re

import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import TOKEN
from pulumi_virtualappointment import VirtualAppointmentProvider
from pulumi_virtualappointment._appointment import APPOINTMENT
from functools import partial

from pulumi_virtualappointment import _model

INPUT_KEYS = APPOINTMENT.input_keys
normalise_live = partial(_model.normalise_live, APPOINTMENT)

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=50)
    | st.sampled_from(["", " ", "true", "x" * 5000, "a@b.co", "https://x/y", "\u202e\u0000é🙂"]),
    lambda children: st.lists(children, max_size=5) | st.dictionaries(
        st.sampled_from(["displayName", "emailAddress", "smsCapablePhoneNumber", "allowClientToJoinUsingBrowser",
                         "@odata.type", "x"]) | st.text(max_size=10), children, max_size=5),
    max_leaves=30,
)
props = st.dictionaries(st.sampled_from(list(INPUT_KEYS) + ["id", "@odata.type", "bogus"]) | st.text(max_size=8),
                        json_values, max_size=8)
SEGMENT = r'(?:[A-Za-z_][A-Za-z0-9_]*|\[\d+\]|\["(?:[^"\\]|\\.)*"\])'
PATH_SHAPE = re.compile(rf"^{SEGMENT}(?:\.?{SEGMENT})*$")


@settings(max_examples=300, deadline=None)
@given(props)
def test_check_never_raises_and_names_a_path_for_every_failure(news):
    result = VirtualAppointmentProvider().check({}, dict(news))
    for failure in result.failures:
        assert isinstance(failure.property, str) and failure.reason
        assert PATH_SHAPE.match(failure.property), failure.property
        head = re.match(r'[A-Za-z_][A-Za-z0-9_]*|\["(?:[^"\\]|\\.)*"\]', failure.property).group(0)
        head = json.loads(head[1:-1]) if head.startswith("[") else head
        assert head in news or head == "onlineMeetingId"
    if not result.failures:
        assert isinstance(result.inputs["onlineMeetingId"], str)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    method=st.sampled_from(["PATCH", "PUT", "GET", "DELETE"]),
    body=st.binary(max_size=300) | json_values.map(lambda v: repr(v).encode()),
    content_type=st.sampled_from(["application/json", "text/plain", "application/json; charset=utf-8", ""]),
    if_match=st.sampled_from([None, "*", 'W/"x"', "garbage", '"', ""]),
)
def test_emulator_answers_malformed_requests_with_graph_errors(emulator, method, body, content_type, if_match):
    path = "me/onlineMeetings/MSpkFuzz/virtualAppointment"
    emulator.seed(path, {"externalAppointmentId": "before"})
    before = (emulator.get(path), emulator.etag(path))
    headers = {"Authorization": f"Bearer {TOKEN}", "Content-Type": content_type}
    if if_match is not None:
        headers["If-Match"] = if_match
    answer = requests.request(method, f"{emulator.url}/beta/{path}", data=body, headers=headers, timeout=10)
    if answer.status_code >= 400:
        error = answer.json()["error"]
        assert error["code"] and error["message"] and error["innerError"]["request-id"]
        assert (emulator.get(path), emulator.etag(path)) == before  # a refused request changes nothing
    elif method == "GET":
        assert (emulator.get(path), emulator.etag(path)) == before
    elif method == "DELETE":
        assert emulator.get(path) is None
    else:  # an accepted write must have applied exactly the body sent, with Graph's merge rules
        sent = json.loads(body)
        start = {} if method == "PUT" else normalise_live(before[0])
        live, expected = normalise_live(emulator.get(path)), normalise_live({**start, **sent})
        if "appointmentClientJoinWebUrl" not in expected:  # Graph computes one when none is set
            live.pop("appointmentClientJoinWebUrl", None)
        assert live == expected
