"""The minimal PATCH body: a table of named cases and the round-trip law (pure tier)."""

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from functools import partial

from pulumi_virtualappointment import _model, _patch
from pulumi_virtualappointment._appointment import APPOINTMENT, MANAGED_KEYS
from pulumi_virtualappointment._patch import encode

managed = partial(_model.managed, APPOINTMENT)
normalise_live = partial(_model.normalise_live, APPOINTMENT)
minimal_patch = partial(_patch.minimal_patch, APPOINTMENT)
apply_patch = partial(_patch.apply_patch, APPOINTMENT)
same_value = partial(_patch.same_value, APPOINTMENT)

GRADY = {"displayName": "Grady Archie", "emailAddress": "gradya@contoso.com", "smsCapablePhoneNumber": "123-456-7890"}
ADA = {"displayName": "Ada", "emailAddress": "ada@contoso.com"}
BASE = {
    "settings": {"allowClientToJoinUsingBrowser": True},
    "appointmentClients": [GRADY, ADA],
    "externalAppointmentId": "AAMkADKnAAA=",
    "externalAppointmentUrl": "https://s/1",
}

CASES = [
    ("nothing changed: no body, no request", BASE, dict(BASE), {}),
    ("one string changed: only that string", BASE, {**BASE, "externalAppointmentId": "new"}, {"externalAppointmentId": "new"}),
    (
        "settings flag changed: settings sent whole",
        BASE,
        {**BASE, "settings": {"allowClientToJoinUsingBrowser": False}},
        {"settings": {"allowClientToJoinUsingBrowser": False}},
    ),
    (
        "one client's phone changed: the whole collection is sent (Graph replaces collections)",
        BASE,
        {**BASE, "appointmentClients": [{**GRADY, "smsCapablePhoneNumber": "+1 425 555 0100"}, ADA]},
        {"appointmentClients": [{**GRADY, "smsCapablePhoneNumber": "+1 425 555 0100"}, ADA]},
    ),
    ("clients reordered only: not a change", BASE, {**BASE, "appointmentClients": [ADA, GRADY]}, {}),
    (
        "removed from the program: sent as null to clear it",
        BASE,
        {k: v for k, v in BASE.items() if k != "externalAppointmentUrl"},
        {"externalAppointmentUrl": None},
    ),
    ("newly managed property: sent", {}, {"externalAppointmentId": "x"}, {"externalAppointmentId": "x"}),
    ("never managed and still not: nothing sent", {}, {}, {}),
    (
        "identity, behaviour and outputs are never part of the body",
        {"onlineMeetingId": "a", "etag": 'W/"1"', "joinWebUrl": "https://j/1", "adoptExisting": False},
        {"onlineMeetingId": "b", "etag": 'W/"2"', "adoptExisting": True, "__provider": "x"},
        {},
    ),
    ("client list emptied: empty list sent, not null", BASE, {**BASE, "appointmentClients": []}, {"appointmentClients": []}),
]


@pytest.mark.parametrize("name,applied,desired,expected", CASES, ids=[c[0] for c in CASES])
def test_minimal_patch_table(name, applied, desired, expected):
    assert minimal_patch(applied, desired) == expected


def test_body_bytes_are_deterministic_and_carry_no_annotations():
    body = minimal_patch({}, {**BASE, "appointmentClientJoinWebUrl": "https://j/1"})
    assert encode(body) == (
        b'{"appointmentClientJoinWebUrl":"https://j/1","appointmentClients":[{"displayName":"Grady Archie",'
        b'"emailAddress":"gradya@contoso.com","smsCapablePhoneNumber":"123-456-7890"},{"displayName":"Ada",'
        b'"emailAddress":"ada@contoso.com"}],"externalAppointmentId":"AAMkADKnAAA=",'
        b'"externalAppointmentUrl":"https://s/1","settings":{"allowClientToJoinUsingBrowser":true}}'
    )
    assert b"@odata" not in encode(body)


def test_unicode_is_sent_as_utf8_not_escaped():
    assert encode({"externalAppointmentId": "Zoë"}) == '{"externalAppointmentId":"Zoë"}'.encode("utf-8")


def test_same_value_compares_clients_as_a_multiset():
    assert same_value("appointmentClients", [GRADY, ADA], [ADA, GRADY])
    assert not same_value("appointmentClients", [GRADY, GRADY], [GRADY])
    assert not same_value("appointmentClients", [GRADY], [ADA])


def test_a_value_round_tripped_through_graph_is_not_a_diff():
    declared = {"appointmentClients": [{"displayName": "A"}], "settings": {"allowClientToJoinUsingBrowser": True}}
    from_graph = {
        "id": "x",
        "appointmentClients": [{"displayName": "A", "emailAddress": None, "smsCapablePhoneNumber": None}],
        "settings": {"allowClientToJoinUsingBrowser": "true"},
        "externalAppointmentId": None,
    }
    assert minimal_patch(normalise_live(from_graph), declared) == {}


# -- the law -----------------------------------------------------------------------------------

text = st.text(min_size=1, max_size=12)
client = st.dictionaries(st.sampled_from(["displayName", "emailAddress", "smsCapablePhoneNumber"]), text, min_size=1)
values = {
    "settings": st.fixed_dictionaries({"allowClientToJoinUsingBrowser": st.booleans()}),
    "appointmentClients": st.lists(client, max_size=4),
    "externalAppointmentId": text,
    "externalAppointmentUrl": text.map(lambda s: "https://x/" + s),
    "appointmentClientJoinWebUrl": text.map(lambda s: "https://j/" + s),
}
state = st.fixed_dictionaries({}, optional=values)


def _equal_managed(a, b):
    a, b = managed(a), managed(b)
    return a.keys() == b.keys() and all(same_value(k, a[k], b[k]) for k in a)


@settings(max_examples=400)
@given(state, state)
def test_applying_the_patch_yields_the_desired_state(applied, desired):
    result = apply_patch(applied, minimal_patch(applied, desired))
    assert _equal_managed(result, desired)


@given(state)
def test_patch_of_a_state_with_itself_is_empty(a):
    assert minimal_patch(a, a) == {}


@given(state, state)
def test_patch_only_names_keys_that_differ(applied, desired):
    body = minimal_patch(applied, desired)
    assert set(body) <= set(MANAGED_KEYS)
    for key in body:
        assert not (key in applied and key in desired and same_value(key, applied[key], desired[key]))


@given(state, state)
def test_body_bytes_do_not_depend_on_key_order(applied, desired):
    reordered = dict(reversed(list(desired.items())))
    assert encode(minimal_patch(applied, desired)) == encode(minimal_patch(applied, reordered))
    assert json.loads(encode(minimal_patch(applied, desired))) == minimal_patch(applied, desired)
