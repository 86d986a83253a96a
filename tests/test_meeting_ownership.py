"""Whose meeting a ``createOrGet`` 200 is, and what stops being guarded: the HTTP tier against the emulator.

The rule (issue 17), and why: ``createOrGet`` answers 200 with the organiser's existing meeting of that
externalId, whoever made it. Only evidence says this resource made it: an earlier attempt of this very
create that got no answer at all (sent, then the connection dropped or timed out), whose 200 now holds
what that attempt asked for. An answered attempt (429, 503, a 504 with a body, any 4xx) changed nothing
in Graph, so a 200 after it is a meeting that was there before. Equal values prove nothing: Teams'
defaults (lobby scope, recording) match anyone's meeting, and a program that declares what someone
else's meeting holds would take it over, PATCH it and delete it on destroy.
"""

from __future__ import annotations

import socket
import threading

import pytest

from pulumi_virtualappointment import ForbiddenError, MeetingExistsError
from pulumi_virtualappointment._engine import _CLAIMED
from pulumi_virtualappointment._transport import Transport, TransportFailure
from test_meeting_http import emulator, provider  # noqa: F401  (the meeting tier's own fixtures)

PROPS = {"externalId": "visit-42", "subject": "Consultation", "startDateTime": "2026-12-01T09:00:00Z",
         "endDateTime": "2026-12-01T09:30:00Z", "adoptExisting": False}
THEIRS = {"externalId": "visit-42", "subject": "Consultation", "startDateTime": "2026-12-01T09:00:00Z",
          "endDateTime": "2026-12-01T09:30:00Z", "allowMeetingChat": "enabled"}


def _statuses(emulator):
    return [(r["method"], r["status"]) for r in emulator.requests()]


def _theirs(emulator):
    meeting = emulator.seed_meeting("me", **THEIRS)
    emulator.clear_requests()
    return f"users/{emulator.me}/onlineMeetings/{meeting}"


def test_a_meeting_holding_every_declared_value_is_still_not_ours(provider, emulator):
    """Equal values are no evidence: someone else's meeting of this externalId, with the very values
    the program declares, is refused; nothing is written to it."""
    path = _theirs(emulator)
    before = emulator.meeting(path)
    with pytest.raises(MeetingExistsError, match=r"already exists \(me/onlineMeetings/.+\) and this create did not "
                                                  r"make it"):
        provider.create(dict(PROPS))
    assert _statuses(emulator) == [("POST", 200)]
    assert emulator.meeting(path) == before


@pytest.mark.parametrize("answered", [
    {"status": 429, "code": "TooManyRequests", "retryAfter": "0"},
    {"status": 503, "code": "ServiceUnavailable"},
    {"status": 504, "code": "GatewayTimeout"},
], ids=["429", "503", "504 with a body"])
def test_an_answered_attempt_before_the_200_is_a_refusal_not_a_takeover(provider, emulator, answered):
    """One 429 before the 200 used to count as "an earlier attempt may have made it": the other
    party's meeting was PATCHed with the program's values and deleted by destroy."""
    path = _theirs(emulator)
    before = emulator.meeting(path)
    emulator.inject(answered)
    said = "which can hide a meeting Graph did make" if answered["status"] == 504 else "this create did not make it"
    with pytest.raises(MeetingExistsError, match=said):
        provider.create({**PROPS, "allowMeetingChat": "disabled"})
    assert _statuses(emulator) == [("POST", answered["status"]), ("POST", 200)]
    assert emulator.meeting(path) == before


def test_a_lost_answer_then_the_200_is_this_creates_own(provider, emulator):
    """No answer at all: the first attempt may have made the meeting, and the 200 holds what it asked for."""
    emulator.inject({"lostResponse": True})
    result = provider.create({**PROPS, "allowMeetingChat": "disabled"})
    assert _statuses(emulator) == [("POST", None), ("POST", 200), ("PATCH", 200), ("GET", 200)]
    [(path, entry)] = emulator.meetings().items()
    assert entry["entity"]["allowMeetingChat"] == "disabled" and result.outs["onlineMeetingId"] in path


def test_a_lost_answer_then_a_200_with_other_values_is_not_ours(provider, emulator):
    """The lost attempt did not make this one: createOrGet returned a meeting that was there before,
    holding other values than the attempt asked for."""
    path = _theirs(emulator)
    emulator.inject({"lostResponse": True})
    with pytest.raises(MeetingExistsError):
        provider.create({**PROPS, "subject": "Another subject"})
    assert emulator.meeting(path)["subject"] == "Consultation"


def test_an_attempt_that_never_reached_graph_proves_nothing(provider, emulator, monkeypatch):
    """A connection refused (or a connect that timed out) sent nothing: it cannot have made a meeting."""
    path = _theirs(emulator)
    real, calls = Transport.send, []

    def refusing_once(self, method, url, body, headers, seconds):
        calls.append(method)
        if len(calls) == 1:
            raise TransportFailure("connection refused", retryable=True, sent=False)
        return real(self, method, url, body, headers, seconds)

    monkeypatch.setattr(Transport, "send", refusing_once)
    with pytest.raises(MeetingExistsError):
        provider.create(dict(PROPS))
    assert calls == ["POST", "POST"] and emulator.meeting(path)["allowMeetingChat"] == "enabled"


def test_a_closed_port_is_a_failure_that_sent_nothing():
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # bound, never listening: connections are refused
        with pytest.raises(TransportFailure) as caught:
            Transport().send("POST", f"http://127.0.0.1:{port}/v1.0/me/onlineMeetings/createOrGet", b"{}", {}, 5)
    assert caught.value.retryable and caught.value.sent is False


def test_adopt_existing_takes_over_with_one_minimal_patch(provider, emulator):
    path = _theirs(emulator)
    provider.create({**PROPS, "allowMeetingChat": "disabled", "adoptExisting": True})
    assert _statuses(emulator) == [("POST", 200), ("PATCH", 200), ("GET", 200)]
    assert emulator.meeting(path)["allowMeetingChat"] == "disabled"


def test_a_meeting_declared_twice_is_refused_without_advising_adopt_existing(provider, emulator):
    provider.create(dict(PROPS))
    with pytest.raises(MeetingExistsError) as caught:
        provider.create({**PROPS, "adoptExisting": True})
    message = str(caught.value)
    assert "another resource of this deployment created or adopted it: declare each meeting once" in message
    assert "adopt_existing" not in message and "adoptExisting" not in message


def test_a_create_that_adopted_and_then_failed_gives_its_claim_back(provider, emulator):
    """The join-link read failed after the adoption: the resource was not created, so the meeting is
    no other resource's; the next attempt (here, in the same provider process) may adopt it."""
    _theirs(emulator)
    emulator.inject({"latency": 0.001}, {"status": 403, "code": "Forbidden", "message": "denied"})
    with pytest.raises(ForbiddenError):
        provider.create({**PROPS, "adoptExisting": True})
    result = provider.create({**PROPS, "adoptExisting": True})
    assert result.outs["virtualAppointmentJoinWebUrl"].startswith("https://visit.teams.microsoft.com/")


def test_the_refusal_says_what_to_do_when_the_resource_was_renamed_or_replaced(provider, emulator):
    _theirs(emulator)
    with pytest.raises(MeetingExistsError) as caught:
        provider.create(dict(PROPS))
    message = str(caught.value)
    assert "adopt_existing=True" in message
    assert "aliases" in message and "delete_before_replace=True" in message


# -- what the program stops declaring is no longer guarded ------------------------------------------------


@pytest.mark.parametrize("etags", [False, True], ids=["no meeting ETags", "meeting ETags"])
@pytest.mark.parametrize("dropped", ["subject", "lobby member"])
def test_a_value_the_program_drops_is_no_longer_guarded(provider, emulator, etags, dropped):
    """The Diff reports a change when the recorded outputs hold a value the program no longer
    declares, so the engine calls Update, which sends nothing and records outputs without it; a
    later change to it in Teams is then no conflict for an unrelated update, a refresh or destroy."""
    emulator.meeting_etags = etags
    declared = {**PROPS, "lobbyBypassSettings": {"scope": "organizer", "isDialInBypassEnabled": False}}
    created = provider.create(dict(declared))
    if dropped == "subject":
        news = {k: v for k, v in declared.items() if k != "subject"}
        teams = {"subject": "Renamed in Teams"}
    else:
        news = {**declared, "lobbyBypassSettings": {"scope": "organizer"}}
        teams = {"lobbyBypassSettings": {"scope": "organizer", "isDialInBypassEnabled": True}}
    diff = provider.diff(created.id, created.outs, news)
    assert diff.changes is True  # DIFF_SOME: an update that records the drop (the inputs may already agree)
    emulator.clear_requests()
    outs = provider.update(created.id, created.outs, news).outs
    assert emulator.requests() == []
    assert "subject" not in outs if dropped == "subject" else outs["lobbyBypassSettings"] == {"scope": "organizer"}
    assert provider.diff(created.id, outs, news).changes is False
    path = f"users/{emulator.me}/onlineMeetings/{created.outs['onlineMeetingId']}"
    emulator.edit_meeting(path, teams)
    later = {**news, "allowMeetingChat": "disabled"}
    outs = provider.update(created.id, outs, later).outs  # unrelated: no conflict
    assert emulator.meeting(path)["allowMeetingChat"] == "disabled"
    read = provider.read(created.id, outs)
    assert ("subject" not in read.inputs) if dropped == "subject" else (
        read.inputs["lobbyBypassSettings"] == {"scope": "organizer"})
    _CLAIMED.clear()  # a later deployment's destroy (within one, a create's meeting is kept: see _engine)
    provider.delete(created.id, read.outs)
    assert emulator.meetings() == {}


# -- "sent" means the request was written whole: what counts as an unanswered attempt -----------------


@pytest.fixture
def trusting(monkeypatch):
    for name in ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"):
        monkeypatch.delenv(name, raising=False)


def _failure_of(url: str, **session: object) -> TransportFailure:
    transport = Transport()
    for name, value in session.items():
        setattr(transport.session, name, value)
    with pytest.raises(TransportFailure) as caught:
        transport.send("POST", f"{url}/v1.0/me/onlineMeetings/createOrGet", b'{"externalId":"visit-42"}',
                       {"Content-Type": "application/json"}, 5)
    return caught.value


def test_a_tls_handshake_the_server_cuts_sent_nothing(tmp_path, trusting):
    """Found by review: a handshake cut (or reset) came back as "sent", so the 200 after it took over
    someone else's meeting. Nothing of the request was written: it proves nothing."""
    from loopback import server_tls

    _, cert = server_tls(tmp_path)
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(4)

    def cut() -> None:
        while True:
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            conn.close()

    threading.Thread(target=cut, daemon=True).start()
    try:
        failure = _failure_of(f"https://127.0.0.1:{listener.getsockname()[1]}", verify=str(cert))
    finally:
        listener.close()
    assert failure.retryable and failure.sent is False, failure.reason


def test_a_proxy_that_refuses_the_tunnel_sent_nothing():
    """A CONNECT answered 407 (or 502): the request never left for Graph."""
    from loopback import answer, response, serving

    with serving(answer(response("407 Proxy Authentication Required"))) as proxy:
        failure = _failure_of("https://127.0.0.1:9", proxies={"https": proxy.url}, trust_env=False)
        assert [r.split(b" ", 2)[:2] for r in proxy.requests] == [[b"CONNECT", b"127.0.0.1:9"]]
    assert failure.sent is False, failure.reason


def test_a_request_read_whole_and_never_answered_counts_as_sent():
    """The lost answer: the server read all of it (and may have acted on it), then closed."""
    from loopback import serving

    with serving(lambda conn, request: None) as server:
        failure = _failure_of(server.url)
        assert len(server.requests) == 1 and server.requests[0].endswith(b'{"externalId":"visit-42"}')
    assert failure.sent is True, failure.reason


def test_after_a_504_the_refusal_says_graph_may_have_made_it(provider, emulator):
    """Found by review: a gateway's 504 can hide a create Graph made, so "this create did not make it"
    is not known there. Still no takeover (an answer is not a lost one), but the refusal says so."""
    _theirs(emulator)
    emulator.inject({"status": 504, "code": "GatewayTimeout"})
    with pytest.raises(MeetingExistsError) as caught:
        provider.create(dict(PROPS))
    message = str(caught.value)
    assert "an earlier attempt of this create was answered 504 Gateway Timeout, which can hide a meeting Graph " \
           "did make" in message
    assert "adopt_existing=True" in message and "this create did not make it" not in message
