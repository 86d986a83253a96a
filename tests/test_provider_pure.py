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


@pytest.mark.parametrize(
    "change,changes,replaces",
    [
        ({}, False, []),
        ({"adoptExisting": True}, False, []),
        ({"externalAppointmentId": "y"}, True, []),
        ({"externalAppointmentId": None}, True, []),
        ({"settings": {"allowClientToJoinUsingBrowser": False}}, True, []),
        ({"onlineMeetingId": "m2"}, True, ["onlineMeetingId"]),
        ({"userId": "u"}, True, ["userId"]),
        ({"externalAppointmentId": rpc.UNKNOWN}, True, []),
        ({"settings": {"allowClientToJoinUsingBrowser": rpc.UNKNOWN}}, True, []),
        ({"onlineMeetingId": rpc.UNKNOWN}, True, ["onlineMeetingId"]),
    ],
)
def test_diff_changes_exactly_when_the_patch_is_not_empty(provider, change, changes, replaces):
    news = {k: v for k, v in {**NEWS, **change}.items() if v is not None}
    result = provider.diff("me/onlineMeetings/m/virtualAppointment", dict(OLDS), news)
    assert (result.changes, result.replaces) == (changes, replaces)


def test_diff_ignores_computed_outputs(provider):
    olds = {**OLDS, "joinWebUrl": "https://other", "etag": 'W/"9"'}
    assert provider.diff("id", olds, dict(NEWS)).changes is False
