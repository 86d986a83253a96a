"""Graph error bodies become one exception type with the ids support needs (pure tier)."""

import pytest

from pulumi_virtualappointment import (
    AuthenticationError,
    ForbiddenError,
    GraphError,
    GraphResponseError,
    NotFoundError,
    PreconditionFailedError,
    ThrottledError,
)
from pulumi_virtualappointment._errors import error_for_response


def _body(inner_key):
    return {
        "error": {
            "code": "PreconditionFailed",
            "message": "ETag does not match.",
            inner_key: {"request-id": "r-1", "date": "2026-11-25T00:00:00", "client-request-id": "c-1"},
        }
    }


@pytest.mark.parametrize("inner_key", ["innerError", "innererror"])
def test_both_spellings_of_inner_error_are_read(inner_key):
    err = error_for_response("PATCH", "me/onlineMeetings/m/virtualAppointment", 412, _body(inner_key), {}, "c-0")
    assert isinstance(err, PreconditionFailedError) and isinstance(err, GraphError)
    assert (err.status, err.code, err.graph_message, err.request_id, err.client_request_id) == (
        412, "PreconditionFailed", "ETag does not match.", "r-1", "c-1")
    assert str(err) == (
        "Graph PATCH me/onlineMeetings/m/virtualAppointment failed: HTTP 412 PreconditionFailed: ETag does not match. "
        "(request-id: r-1, client-request-id: c-1). "
        "The appointment changed since its ETag was read; run `pulumi refresh`."
    )


@pytest.mark.parametrize(
    "status,cls,hint",
    [
        (401, AuthenticationError, "Sign in again"),
        (403, ForbiddenError, "OnlineMeetings.ReadWrite"),
        (404, NotFoundError, "Check online_meeting_id and user_id"),
        (429, ThrottledError, "throttling"),
        (503, ThrottledError, "throttling"),
        (500, GraphResponseError, None),
    ],
)
def test_status_picks_the_class_and_the_hint(status, cls, hint):
    err = error_for_response("GET", "p", status, {"error": {"code": "X", "message": "m"}}, {"request-id": "h-1"}, "c-9", 3)
    assert type(err) is cls
    assert err.request_id == "h-1" and err.client_request_id == "c-9"
    assert "after 3 attempts" in str(err)
    assert (hint in str(err)) if hint else str(err).endswith("client-request-id: c-9)")


def test_a_non_json_error_body_still_gives_a_message():
    err = error_for_response("GET", "p", 502, "<html>Bad gateway</html>", {}, "c")
    assert err.code is None and err.graph_message == "<html>Bad gateway</html>"
    assert "HTTP 502 unknown code: <html>Bad gateway</html>" in str(err)


def test_what_the_cli_shows_is_our_message_unless_a_defect_is_inside_it():
    """``_sdk_host.user_message``: the message of a GraphError; ``None`` (the host's whole traceback)
    for anything else, for a GraphError with nothing to say, and for one a defect is chained to."""
    from pulumi_virtualappointment._errors import ConflictError, GraphError
    from pulumi_virtualappointment._sdk_host import user_message

    def raised(make):
        try:
            make()
        except BaseException as exc:  # noqa: BLE001 - the chain Python builds is what is tested
            return exc

    assert user_message(ConflictError("changed outside this program")) == "changed outside this program"
    assert user_message(KeyError("x")) is None and user_message(None) is None
    assert user_message(GraphError("  ")) is None

    def ours_from_ours():
        try:
            raise GraphError("first")
        except GraphError:
            raise ConflictError("second")

    def ours_from_a_defect():
        try:
            {}["missing"]
        except KeyError:
            raise ConflictError("second")

    def ours_from_a_defect_suppressed():
        try:
            {}["missing"]
        except KeyError:
            raise ConflictError("second") from None

    assert user_message(raised(ours_from_ours)) == "second"
    assert user_message(raised(ours_from_a_defect)) is None
    assert user_message(raised(ours_from_a_defect_suppressed)) == "second"
