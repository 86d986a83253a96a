"""The onlineMeeting kind: its schema, time normalisation and minimal PATCH (pure tier).

Facts behind each rule are in docs/graph.md: start and end change together, attendees are sent
as a whole list, presenters by role need the attendees, Graph writes times back in UTC with
seven fractional digits, and a removed property is not cleared (the docs do not say which of
these Graph lets a client clear).
"""

from datetime import datetime, timedelta, timezone
from functools import partial

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pulumi_virtualappointment import OnlineMeetingProvider, _model, _patch
from pulumi_virtualappointment._meeting import MEETING, meeting_identity, meeting_path
from pulumi_virtualappointment._model import UNKNOWN, LiveValueError, instant

validate = partial(_model.validate, MEETING)
normalise_live = partial(_model.normalise_live, MEETING)
minimal_patch = partial(_patch.minimal_patch, MEETING)
apply_patch = partial(_patch.apply_patch, MEETING)
START, END = "2026-12-01T09:00:00Z", "2026-12-01T09:30:00Z"


def _failures(props):
    """(state path, the message ``check`` gives: the reason and the Python argument path)."""
    return [(f.path, _model.describe_failure(MEETING, f)) for f in validate({"externalId": "ext-1", **props})[1]]


# -- times ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("text,expected", [
    ("2026-12-01T10:00:00+01:00", "2026-12-01T09:00:00Z"),
    ("2026-12-01T09:00:00Z", "2026-12-01T09:00:00Z"),
    ("2026-12-01T09:00:00.0000000Z", "2026-12-01T09:00:00Z"),  # Graph's seven digits, all zero
    ("2020-02-06T01:49:21.3524945Z", "2020-02-06T01:49:21.3524945Z"),
    ("2026-12-01T09:00:00.5+00:00", "2026-12-01T09:00:00.5Z"),
    ("2026-12-01T02:00:00-07:00", "2026-12-01T09:00:00Z"),
    ("2026-12-01 09:00Z", "2026-12-01T09:00:00Z"),
    ("2026-12-31T23:30:00-01:00", "2027-01-01T00:30:00Z"),
])
def test_times_normalise_to_graphs_utc_form(text, expected):
    assert instant(text) == expected


@pytest.mark.parametrize("text", ["2026-12-01T09:00:00", "2026-13-01T09:00:00Z", "tomorrow", "2026-12-01", ""])
def test_a_time_without_a_zone_or_not_a_time_is_refused(text):
    assert instant(text) is None
    assert _failures({"startDateTime": text, "endDateTime": END}) == [(
        "startDateTime", "expected an ISO 8601 date and time with a zone such as 2026-12-01T09:00:00Z or "
        f"2026-12-01T10:00:00+01:00, got {text!r} (Python argument: start_date_time)")]


def test_aware_datetimes_are_accepted_and_naive_ones_refused():
    aware = datetime(2026, 12, 1, 10, tzinfo=timezone(timedelta(hours=1)))
    out, failures = validate({"externalId": "e", "startDateTime": aware, "endDateTime": aware + timedelta(hours=1)})
    assert failures == [] and (out["startDateTime"], out["endDateTime"]) == (START, "2026-12-01T10:00:00Z")
    assert _failures({"startDateTime": datetime(2026, 12, 1, 9), "endDateTime": END})[0] == (
        "startDateTime", "is a datetime without a time zone; give it one (tzinfo=timezone.utc, say) "
                         "(Python argument: start_date_time)")


def test_graphs_seven_digit_answer_is_not_a_diff_of_what_the_program_said():
    declared, _ = validate({"externalId": "e", "startDateTime": "2026-12-01T10:00:00+01:00",
                            "endDateTime": "2026-12-01T10:30:00+01:00"})
    live = normalise_live({"startDateTime": "2026-12-01T09:00:00.0000000Z", "endDateTime": "2026-12-01T09:30:00.0000000Z"})
    assert minimal_patch(live, declared) == {}


# -- cross-property rules -------------------------------------------------------------------------


def test_start_and_end_are_declared_together_and_the_end_comes_after():
    assert _failures({"startDateTime": START}) == [(
        "endDateTime", "is required when start_date_time is given: Graph changes a meeting's start and end together "
                       "(Python argument: end_date_time)")]
    assert _failures({"startDateTime": END, "endDateTime": START}) == [(
        "endDateTime", f"must be after start_date_time ({END}), got {START} (Python argument: end_date_time)")]
    assert _failures({"startDateTime": "2026-12-01T09:00:00.5Z", "endDateTime": "2026-12-01T09:00:00Z"})[0][0] == "endDateTime"
    assert _failures({"startDateTime": UNKNOWN, "endDateTime": END}) == []  # known at `up`


def test_presenters_by_role_need_the_attendees():
    assert _failures({"allowedPresenters": "roleIsPresenter"}) == [(
        "allowedPresenters", "roleIsPresenter needs participants (the attendees and their roles); declare "
                             "participants too (Python argument: allowed_presenters)")]
    assert _failures({"allowedPresenters": "roleIsPresenter", "participants": {"attendees": []}}) == []


@pytest.mark.parametrize("props,path,reason", [
    ({"allowMeetingChat": "on"}, "allowMeetingChat", "expected one of enabled, disabled, limited, got 'on'"),
    ({"lobbyBypassSettings": {"scope": "world"}}, "lobbyBypassSettings.scope", "expected one of organizer,"),
    ({"lobbyBypassSettings": {}}, "lobbyBypassSettings", "needs at least one of scope, is_dial_in_bypass_enabled"),
    ({"participants": {"attendees": [{"role": "presenter"}]}}, "participants.attendees[0].upn",
     "is required: set upn to the attendee's user principal name"),
    ({"participants": {"organizer": {}}}, "participants.organizer", "is not a property here; expected one of: attendees"),
    ({"participants": {"attendees": [{"upn": "a@b.co", "role": "boss"}]}}, "participants.attendees[0].role",
     "expected one of attendee, presenter, producer, coorganizer"),
    ({"recordAutomatically": "yes"}, "recordAutomatically", "expected true or false, got 'yes'"),
    ({"joinWebUrl": "https://x"}, "joinWebUrl", "is not a property of OnlineMeeting; expected one of: external_id, "
                                                "user_id, allow_attendee_to_enable_camera"),
    ({"externalId": " "}, "externalId", "must not be empty"),
])
def test_each_failure_names_the_property_and_the_fix(props, path, reason):
    failures = dict(_failures(props))
    assert reason in failures[path]


def test_external_id_is_required():
    _, failures = validate({"subject": "x"})
    assert [(f.path, f.reason) for f in failures] == [
        ("externalId", "is required: set external_id to the scheduling system's id for this meeting")]


def test_attendees_normalise_upn_case_and_the_default_role():
    out, _ = validate({"externalId": "e", "participants": {"attendees": [{"upn": " Ada@Contoso.com "}]}})
    assert out["participants"] == {"attendees": [{"role": "attendee", "upn": "ada@contoso.com"}]}


def test_the_check_passes_through_the_provider():
    result = OnlineMeetingProvider().check({}, {"externalId": "e", "allowMeetingChat": "sometimes", "__provider": "x"})
    assert [(f.property, f.reason) for f in result.failures] == [(
        "allowMeetingChat", "expected one of enabled, disabled, limited, got 'sometimes' (Python argument: "
                            "allow_meeting_chat)")]


# -- what Graph answers -----------------------------------------------------------------------------


def test_live_values_keep_only_what_is_managed_and_read_graphs_shapes():
    live = normalise_live({
        "id": "MSp1", "externalId": "e", "joinWebUrl": "https://j", "subject": "S",
        "startDateTime": "2026-12-01T09:00:00.0000000Z", "endDateTime": "2026-12-01T09:30:00.0000000Z",
        "participants": {"organizer": {"upn": "me@contoso.com", "role": "presenter"},
                         "attendees": [{"identity": {"user": {"id": "1"}}, "upn": "Ada@contoso.com", "role": "attendee"}]},
        "lobbyBypassSettings": {"scope": "organization", "isDialInBypassEnabled": False},
        "allowMeetingChat": "enabled", "recordAutomatically": False, "chatInfo": {"threadId": "19:x"},
    })
    assert live == {
        "subject": "S", "startDateTime": START, "endDateTime": END,
        "participants": {"attendees": [{"role": "attendee", "upn": "ada@contoso.com"}]},
        "lobbyBypassSettings": {"scope": "organization", "isDialInBypassEnabled": False},
        "allowMeetingChat": "enabled", "recordAutomatically": False,
    }


@pytest.mark.parametrize("entity,path", [
    ({"startDateTime": "soon"}, "startDateTime"),
    ({"participants": {"attendees": "x"}}, "participants.attendees"),
    ({"lobbyBypassSettings": ["organization"]}, "lobbyBypassSettings"),
    ({"recordAutomatically": "perhaps"}, "recordAutomatically"),
])
def test_a_live_value_of_a_shape_graph_never_sends_names_the_property(entity, path):
    with pytest.raises(LiveValueError) as caught:
        normalise_live(entity)
    assert caught.value.path == path


def test_an_enum_member_graph_added_later_is_read_not_refused():
    assert normalise_live({"allowMeetingChat": "unknownFutureValue"})["allowMeetingChat"] == "unknownFutureValue"


@pytest.mark.parametrize("entity", [{}, {"participants": None}, {"participants": {"attendees": None}},
                                    {"participants": {"organizer": {"upn": "me@x.co"}}}])
def test_a_meeting_without_attendees_reads_as_an_empty_list(entity):
    """Graph may answer no attendees as null or leave them out: a program declaring none converges."""
    assert normalise_live(entity)["participants"] == {"attendees": []}
    assert minimal_patch(normalise_live(entity), {"participants": {"attendees": []}}) == {}


@pytest.mark.parametrize("external_id", ["booking/2026/42", "Visit 42", "crm#42", "a?b", ".."])
def test_an_external_id_is_text_not_a_path_segment(external_id):
    assert _failures({"externalId": external_id}) == []


@pytest.mark.parametrize("text", ["0001-01-01T00:30:00+01:00", "9999-12-31T23:30:00-01:00"])
def test_a_time_out_of_range_once_in_utc_is_a_failure_not_a_crash(text):
    assert instant(text) is None
    assert _failures({"startDateTime": text, "endDateTime": END})[0][0] == "startDateTime"


def test_a_year_before_1000_keeps_four_digits():
    assert instant("0999-06-01T12:00:00Z") == "0999-06-01T12:00:00Z"


# -- the minimal PATCH --------------------------------------------------------------------------------

BASE = {"subject": "S", "startDateTime": START, "endDateTime": END, "allowMeetingChat": "enabled",
        "lobbyBypassSettings": {"scope": "organization"},
        "participants": {"attendees": [{"upn": "ada@contoso.com", "role": "attendee"},
                                       {"upn": "bob@contoso.com", "role": "presenter"}]}}


@pytest.mark.parametrize("name,desired,expected", [
    ("nothing changed", BASE, {}),
    ("the subject", {**BASE, "subject": "T"}, {"subject": "T"}),
    ("only the end moved: Graph wants the start too", {**BASE, "endDateTime": "2026-12-01T10:00:00Z"},
     {"startDateTime": START, "endDateTime": "2026-12-01T10:00:00Z"}),
    ("attendees reordered: no change", {**BASE, "participants": {"attendees": BASE["participants"]["attendees"][::-1]}}, {}),
    ("one role changed: the whole list", {**BASE, "participants": {"attendees": [
        {"upn": "ada@contoso.com", "role": "presenter"}, {"upn": "bob@contoso.com", "role": "presenter"}]}},
     {"participants": {"attendees": [{"upn": "ada@contoso.com", "role": "presenter"},
                                     {"upn": "bob@contoso.com", "role": "presenter"}]}}),
    ("presenters by role bring the attendees", {**BASE, "allowedPresenters": "roleIsPresenter"},
     {"allowedPresenters": "roleIsPresenter", "participants": BASE["participants"]}),
    ("a property dropped from the program is left as it is", {k: v for k, v in BASE.items() if k != "subject"}, {}),
    ("a lobby member the program stops declaring is left as it is", {**BASE, "lobbyBypassSettings": {}}, {}),
])
def test_minimal_patch_table(name, desired, expected):
    assert minimal_patch(BASE, desired) == expected


def test_a_lobby_member_graph_added_is_not_a_change():
    live = {**BASE, "lobbyBypassSettings": {"scope": "organization", "isDialInBypassEnabled": False}}
    assert minimal_patch(live, BASE) == {}


times = st.datetimes(min_value=datetime(2025, 1, 1), max_value=datetime(2030, 1, 1)).map(
    lambda d: d.replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ"))
states = st.fixed_dictionaries({}, optional={
    "subject": st.text(min_size=1, max_size=5),
    "allowMeetingChat": st.sampled_from(["enabled", "disabled", "limited"]),
    "recordAutomatically": st.booleans(),
    "lobbyBypassSettings": st.fixed_dictionaries({"scope": st.sampled_from(["organizer", "everyone"])}),
    "participants": st.fixed_dictionaries({"attendees": st.lists(st.fixed_dictionaries(
        {"upn": st.sampled_from(["a@x.co", "b@x.co", "c@x.co"]), "role": st.sampled_from(["attendee", "presenter"])}),
        max_size=3)}),
}).flatmap(lambda d: st.one_of(st.just(d), st.tuples(times, times).map(
    lambda t: {**d, "startDateTime": min(t), "endDateTime": max(t)})))


@settings(max_examples=200, deadline=None)
@given(states, states)
def test_applying_the_patch_yields_the_desired_values(applied, desired):
    result = apply_patch(applied, minimal_patch(applied, desired))
    for key, value in desired.items():
        assert MEETING.fields[key].same(result[key], value), key


@settings(max_examples=100, deadline=None)
@given(states)
def test_the_patch_of_a_state_with_itself_is_empty(state):
    assert minimal_patch(state, state) == {}


@settings(max_examples=200, deadline=None)
@given(states, states)
def test_start_and_end_always_travel_together(applied, desired):
    body = minimal_patch(applied, desired)
    assert ("startDateTime" in body) == ("endDateTime" in body)


# -- paths ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("meeting,user,path", [
    ("MSp1", None, "me/onlineMeetings/MSp1"),
    ("MSp1=", "ada@contoso.com", "users/ada%40contoso.com/onlineMeetings/MSp1="),
])
def test_paths_round_trip(meeting, user, path):
    assert meeting_path(meeting, user) == path
    assert meeting_identity(path) == {"onlineMeetingId": meeting, **({"userId": user} if user else {})}


@pytest.mark.parametrize("bad", ["me/onlineMeetings", "me/onlineMeetings/..", "users/./onlineMeetings/m",
                                 "me/onlineMeetings/m/virtualAppointment"])
def test_anything_else_is_not_a_meeting_id(bad):
    with pytest.raises(ValueError, match="is not an onlineMeeting id"):
        meeting_identity(bad)


@pytest.mark.parametrize("text,problem", [
    ("2026-12-01T09:00:00+99:00", "its UTC offset +99:00 has no such hour"),
    ("2026-12-01T09:00:00+05:99", "its UTC offset +05:99 has no such minute"),
    ("2026-12-01T09:00:00-12:75", "its UTC offset -12:75 has no such minute"),
    ("2026-12-01T09:00:00+2400", "its UTC offset +2400 has no such hour"),
])
def test_an_offset_outside_rfc_3339_is_an_input_error_not_a_moved_meeting(text, problem):
    """Issue 17: `+99:00` used to move the meeting four days. RFC 3339 offsets are 00-23 hours and
    00-59 minutes."""
    assert instant(text) is None
    assert _failures({"startDateTime": text, "endDateTime": END}) == [(
        "startDateTime", f"{problem}: an RFC 3339 offset is +HH:MM with HH 00-23 and MM 00-59, got {text!r} "
                         "(Python argument: start_date_time)")]


@pytest.mark.parametrize("text", ["2026-12-01T09:00:00+23:59", "2026-12-01T09:00:00-00:00", "2026-12-01T09:00:00+1400"])
def test_every_rfc_3339_offset_is_accepted(text):
    assert instant(text) is not None


@pytest.mark.parametrize("moment", [
    datetime(9999, 12, 31, 23, 0, tzinfo=timezone(timedelta(hours=-5))),
    datetime(1, 1, 1, 0, 30, tzinfo=timezone(timedelta(hours=5))),
], ids=["year 9999, negative offset", "year 1, positive offset"])
def test_an_aware_datetime_at_the_calendars_edge_fails_at_the_programs_line_naming_the_property(moment):
    """Issue 17: the resource class converted it to UTC before validating, so the program met an
    OverflowError from the datetime module instead of an error naming start_date_time."""
    from pulumi_virtualappointment import InvalidInputError, OnlineMeeting

    with pytest.raises(InvalidInputError, match=r"OnlineMeeting 'm' has invalid input:\n  startDateTime: is out of range "
                                                r"once in UTC, got .* \(Python argument: start_date_time\)"):
        OnlineMeeting("m", external_id="e", start_date_time=moment, end_date_time=moment)
    assert _failures({"startDateTime": moment, "endDateTime": END})[0][1].startswith("is out of range once in UTC")
