"""check and diff: pure steps of the provider, no network (pure tier)."""

import pytest
from pulumi.runtime import rpc

from pulumi_virtualappointment import VirtualAppointmentProvider

OLDS = {
    "onlineMeetingId": "m",
    "settings": {"allowClientToJoinUsingBrowser": True},
    "externalAppointmentId": "x",
    "adoptExisting": False,
    "etag": 'W/"1"',
    "joinWebUrl": "https://visit.teams.microsoft.com/j/1",
    "__provider": "serialized",
}
NEWS = {k: v for k, v in OLDS.items() if k not in ("etag", "joinWebUrl")}


@pytest.fixture
def provider():
    return VirtualAppointmentProvider()


def test_check_normalises_and_strips_the_sdk_key(provider):
    result = provider.check({}, {"onlineMeetingId": "m", "settings": {"allowClientToJoinUsingBrowser": "true"},
                                 "__provider": "serialized"})
    assert result.failures == []
    assert result.inputs == {"onlineMeetingId": "m", "settings": {"allowClientToJoinUsingBrowser": True}}


def test_check_failures_name_state_and_python_paths(provider):
    result = provider.check({}, {"onlineMeetingId": "m", "appointmentClients": [{"emailAddress": "x"}]})
    assert [(f.property, f.reason) for f in result.failures] == [(
        "appointmentClients[0].emailAddress",
        "expected an email address such as name@contoso.com, got 'x' "
        "(Python argument: appointment_clients[0].email_address)",
    )]


CHANGED = None
"""A change is reported as DIFF_UNKNOWN, so the engine works out the changed keys itself (and
``replace_on_changes`` can act on them); no change is a definite ``False``."""


@pytest.mark.parametrize(
    "change,changes,replaces",
    [
        ({}, False, []),
        ({"adoptExisting": True}, False, []),
        ({"externalAppointmentId": "y"}, CHANGED, []),
        ({"externalAppointmentId": None}, CHANGED, []),
        ({"settings": {"allowClientToJoinUsingBrowser": False}}, CHANGED, []),
        ({"onlineMeetingId": "m2"}, CHANGED, ["onlineMeetingId"]),
        ({"userId": "u"}, CHANGED, []),  # re-addresses the same appointment: an update, never a replace
        ({"externalAppointmentId": rpc.UNKNOWN}, CHANGED, []),
        ({"settings": {"allowClientToJoinUsingBrowser": rpc.UNKNOWN}}, CHANGED, []),
        # a meeting id not known at preview (its meeting is being updated): decided at `up`, not replaced now
        ({"onlineMeetingId": rpc.UNKNOWN}, CHANGED, []),
        ({"userId": rpc.UNKNOWN}, CHANGED, []),
    ],
)
def test_diff_changes_exactly_when_the_patch_is_not_empty(provider, change, changes, replaces):
    news = {k: v for k, v in {**NEWS, **change}.items() if v is not None}
    result = provider.diff("me/onlineMeetings/m/virtualAppointment", dict(OLDS), news)
    assert (result.changes, result.replaces) == (changes, replaces)


@pytest.mark.parametrize("old,new,changes", [
    ("Alice@Contoso.com", "alice@contoso.com", False),  # one user: UPNs are case-insensitive
    ("5F1C1D2E-0A1B-4C2D-9E3F-4A5B6C7D8E9F", "5f1c1d2e-0a1b-4c2d-9e3f-4a5b6c7d8e9f", False),
    ("alice@contoso.com", "bob@contoso.com", CHANGED),
    ("alice@contoso.com", None, CHANGED),
])
def test_a_user_id_change_is_never_a_replacement(provider, old, new, changes):
    olds = {**OLDS, "userId": old}
    news = {k: v for k, v in {**NEWS, "userId": new}.items() if v is not None}
    result = provider.diff("users/x/onlineMeetings/m/virtualAppointment", olds, news)
    assert (result.changes, result.replaces) == (changes, [])


def test_diff_ignores_computed_outputs(provider):
    olds = {**OLDS, "joinWebUrl": "https://other", "etag": 'W/"9"'}
    assert provider.diff("id", olds, dict(NEWS)).changes is False
