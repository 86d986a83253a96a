"""Validation and normalisation of resource inputs (pure tier)."""

import pytest
from pulumi.runtime import rpc

from functools import partial

from pulumi_virtualappointment import _model
from pulumi_virtualappointment._appointment import APPOINTMENT, parse_resource_path, resource_path
from pulumi_virtualappointment._model import UNKNOWN, Failure, has_unknown

validate = partial(_model.validate, APPOINTMENT)
normalise_live = partial(_model.normalise_live, APPOINTMENT)
describe_failure = partial(_model.describe_failure, APPOINTMENT)

from emulator_fixtures import DOCS_BODY as DOCS_EXAMPLE  # the API page's PATCH example, verbatim


def test_unknown_sentinel_matches_the_sdk():
    assert UNKNOWN == rpc.UNKNOWN


def test_docs_example_is_accepted_verbatim_and_normalised():
    out, failures = validate({"onlineMeetingId": "MSpkYzE3Njc0Yy04MWQ5LTRhZGItYmZi", **DOCS_EXAMPLE})
    assert failures == []
    assert out == {
        "onlineMeetingId": "MSpkYzE3Njc0Yy04MWQ5LTRhZGItYmZi",
        "settings": {"allowClientToJoinUsingBrowser": True},
        "appointmentClients": [
            {"displayName": "Grady Archie", "emailAddress": "gradya@contoso.com", "smsCapablePhoneNumber": "123-456-7890"}
        ],
        "externalAppointmentId": "AAMkADKnAAA=",
        "externalAppointmentUrl": "https://anyschedulingsystem.com/api/appointments/MkADKnAAA=",
        "appointmentClientJoinWebUrl": DOCS_EXAMPLE["appointmentClientJoinWebUrl"],
    }


@pytest.mark.parametrize("text,expected", [("true", True), ("FALSE", False), (" True ", True), (True, True), (False, False)])
def test_boolean_strings_normalise_to_bool(text, expected):
    out, failures = validate({"onlineMeetingId": "m", "settings": {"allowClientToJoinUsingBrowser": text}})
    assert failures == []
    assert out["settings"] == {"allowClientToJoinUsingBrowser": expected}


def test_none_values_are_unmanaged_and_strings_are_stripped():
    out, failures = validate({"onlineMeetingId": " m1 ", "userId": None, "externalAppointmentId": "  x  ", "settings": None})
    assert failures == []
    assert out == {"onlineMeetingId": "m1", "externalAppointmentId": "x"}


@pytest.mark.parametrize(
    "props,path,reason_part",
    [
        ({}, "onlineMeetingId", "is required: set online_meeting_id"),
        ({"onlineMeetingId": 5}, "onlineMeetingId", "expected a string, got int 5"),
        ({"onlineMeetingId": "a/b"}, "onlineMeetingId", "must be one id: no spaces, control characters, '/'"),
        ({"onlineMeetingId": ".."}, "onlineMeetingId", "and not '.' or '..', got '..'"),
        ({"onlineMeetingId": "."}, "onlineMeetingId", "and not '.' or '..', got '.'"),
        ({"onlineMeetingId": "m", "userId": ".."}, "userId", "and not '.' or '..', got '..'"),
        ({"onlineMeetingId": "m\x00x"}, "onlineMeetingId", "must be one id: no spaces, control characters"),
        ({"onlineMeetingId": "m", "userId": ""}, "userId", "must not be empty"),
        ({"onlineMeetingId": "m", "settings": {"allowClientToJoinUsingBrowser": "yes"}},
         "settings.allowClientToJoinUsingBrowser", "expected true or false, got 'yes'"),
        ({"onlineMeetingId": "m", "settings": {}}, "settings.allowClientToJoinUsingBrowser", "is required when settings is given"),
        ({"onlineMeetingId": "m", "settings": "true"}, "settings", "expected an object, got str"),
        ({"onlineMeetingId": "m", "settings": {"allowClientToJoinUsingBrowser": True, "lobby": 1}},
         "settings.lobby", "is not a property here; expected one of: allow_client_to_join_using_browser"),
        ({"onlineMeetingId": "m", "appointmentClients": [{"emailAddress": "a@b.co"}, {"emailAddress": "nope"}]},
         "appointmentClients[1].emailAddress", "expected an email address"),
        ({"onlineMeetingId": "m", "appointmentClients": [{"smsCapablePhoneNumber": "call me"}]},
         "appointmentClients[0].smsCapablePhoneNumber", "expected a phone number"),
        ({"onlineMeetingId": "m", "appointmentClients": [{}]}, "appointmentClients[0]", "needs at least one of"),
        ({"onlineMeetingId": "m", "appointmentClients": "a@b.co"}, "appointmentClients", "expected a list of clients"),
        ({"onlineMeetingId": "m", "appointmentClients": [{"phone": "1"}]}, "appointmentClients[0].phone", "is not a property here"),
        ({"onlineMeetingId": "m", "externalAppointmentUrl": "ftp://x/y"}, "externalAppointmentUrl", "expected an absolute http(s) URL"),
        ({"onlineMeetingId": "m", "appointmentClientJoinWebUrl": "/relative"}, "appointmentClientJoinWebUrl", "absolute http(s) URL"),
        ({"onlineMeetingId": "m", "externalAppointmentId": "x" * 3000}, "externalAppointmentId", "is 3000 characters long"),
        ({"onlineMeetingId": "m", "adoptExisting": "maybe"}, "adoptExisting", "expected true or false"),
        ({"onlineMeetingId": "m", "subject": "hi"}, "subject", "is not a property of VirtualAppointment; expected one of: online_meeting_id"),
    ],
)
def test_each_failure_names_the_property_path(props, path, reason_part):
    _, failures = validate(props)
    assert [f.path for f in failures] == [path]
    assert reason_part in failures[0].reason


def test_failure_description_adds_the_python_argument_path():
    failure = Failure("appointmentClients[1].emailAddress", "expected an email address")
    assert describe_failure(failure) == (
        "expected an email address (Python argument: appointment_clients[1].email_address)"
    )
    assert describe_failure(Failure("settings", "x")) == "x"


def test_unknown_preview_values_pass_through():
    props = {
        "onlineMeetingId": UNKNOWN,
        "settings": {"allowClientToJoinUsingBrowser": UNKNOWN},
        "appointmentClients": UNKNOWN,
        "externalAppointmentUrl": UNKNOWN,
    }
    out, failures = validate(props)
    assert failures == []
    assert out == props
    assert has_unknown(out["settings"]) and not has_unknown({"a": ["b"]})


def test_several_failures_are_all_reported():
    _, failures = validate({"onlineMeetingId": 1, "externalAppointmentUrl": 2, "settings": []})
    assert sorted(f.path for f in failures) == ["externalAppointmentUrl", "onlineMeetingId", "settings"]


def test_live_representation_normalises_to_what_the_program_declared():
    live = {
        "@odata.context": "https://graph.microsoft.com/beta/$metadata#x",
        "id": "abc",
        "settings": {"@odata.type": "microsoft.graph.virtualAppointmentSettings", "allowClientToJoinUsingBrowser": "false"},
        "appointmentClients": [{"displayName": "A", "emailAddress": None, "smsCapablePhoneNumber": None}],
        "externalAppointmentId": None,
        "externalAppointmentUrl": "https://s/1",
        "appointmentClientJoinWebUrl": None,
    }
    assert normalise_live(live) == {
        "settings": {"allowClientToJoinUsingBrowser": False},
        "appointmentClients": [{"displayName": "A"}],
        "externalAppointmentUrl": "https://s/1",
    }


@pytest.mark.parametrize(
    "meeting,user,path",
    [
        ("MSpkYzE3", None, "me/onlineMeetings/MSpkYzE3/virtualAppointment"),
        ("MSo=", "u-1", "users/u-1/onlineMeetings/MSo=/virtualAppointment"),
        ("a+b", "x@contoso.com", "users/x%40contoso.com/onlineMeetings/a%2Bb/virtualAppointment"),
    ],
)
def test_resource_path_round_trips(meeting, user, path):
    assert resource_path(meeting, user) == path
    assert parse_resource_path(path) == (meeting, user)


def test_parse_resource_path_rejects_other_paths_with_the_expected_shapes():
    with pytest.raises(ValueError, match="expected me/onlineMeetings/"):
        parse_resource_path("me/events/1")
