"""Two provider processes (the SDK's own host, as two pipelines would run it) update the same
object from the same recorded state, many rounds, for every resource kind (``resource_kinds``).

- With an ETag (the virtualAppointment; the onlineMeeting when Graph sends one): two updates at
  the same moment, every round: exactly one write applies, the other fails with the refresh-first
  error, and nothing is lost.
- Without one (the onlineMeeting as Graph documents it: read-compare-write): an update made after
  the other one's write is refused the same way, so no write is lost when the changes are made at
  different times. Two at the same moment can both read before either writes, and then both
  writes apply and both report success: the later one overwrites the earlier, which is lost. The
  design accepts that window; the test measures how many simultaneous rounds end so.
"""

from __future__ import annotations

import threading

import pytest

from conftest import TOKEN
from pulumi_virtualappointment.testing import ProviderError, ProviderServer
from pulumi_virtualappointment.emulator import Emulator
from resource_kinds import APPOINTMENT, MEETING_ETAGS, MEETING_NO_ETAG, KindCase

ROUNDS = 25
SLOT = "Race"
GUARDED = (APPOINTMENT, MEETING_ETAGS)


def _update_together(servers, urn, id_, outs, news):
    results: list = [None, None]
    start = threading.Barrier(2)

    def run(i):
        start.wait()
        results[i] = _update(servers[i], urn, id_, outs, news[i])

    threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return results


def _update(server, urn, id_, outs, news):
    try:
        return "ok", server.update(urn, id_, outs, news)
    except ProviderError as exc:
        return "error", exc.details


def _refused_for_refresh(error: str) -> bool:
    return ("changed outside this program since the last deployment" in error
            and "nothing was written" in error and "pulumi refresh" in error)


class Race:
    """Two provider hosts on one emulator, and one object both manage from the same state."""

    def __init__(self, case: KindCase, emulator: Emulator, servers):
        self.case, self.emulator, self.servers = case, emulator, servers
        self.urn = case.urn("visit", "dev::race")
        self.checked, _ = servers[0].check(self.urn, {}, case.inputs(SLOT))
        self.id, self.outs = servers[0].create(self.urn, self.checked)
        emulator.clear_requests()

    def news(self, n: int) -> list[dict]:
        """Each pipeline's program: the raced text property set to its own value."""
        return [{**self.checked, self.case.text: f"{who}-{n}"} for who in "AB"]

    def held(self) -> str:
        return self.case.held(self.emulator, self.id)[self.case.text]

    def patches(self) -> tuple[int, int]:
        """(PATCHes applied, PATCHes refused with 412) since the last call."""
        log = [r for r in self.emulator.requests() if r["method"] == "PATCH"]
        self.emulator.clear_requests()
        return (sum(1 for r in log if 200 <= r["status"] < 300), sum(1 for r in log if r["status"] == 412))


@pytest.fixture
def race(request):
    """A :class:`Race` for the case given as the parameter: its emulator and two provider hosts."""
    case = request.param
    with Emulator(token=TOKEN, **case.emulator) as emulator:
        config = {"msgraph:endpoint": emulator.url, "msgraph:accessToken": TOKEN}
        with ProviderServer(config) as a, ProviderServer(config) as b:
            yield Race(case, emulator, [a, b])


@pytest.mark.parametrize("race", GUARDED, ids=[c.id for c in GUARDED], indirect=True)
def test_two_pipelines_racing_never_lose_a_write(race):
    wins, applied, refused = {"A": 0, "B": 0}, 0, 0
    for n in range(ROUNDS):
        results = _update_together(race.servers, race.urn, race.id, race.outs, race.news(n))
        kinds = sorted(kind for kind, _ in results)
        assert kinds == ["error", "ok"], f"round {n}: {results}"
        winner = [i for i, (kind, _) in enumerate(results) if kind == "ok"][0]
        assert _refused_for_refresh(results[1 - winner][1])
        assert race.held() == f"{'AB'[winner]}-{n}"  # the winner's write is there
        race.outs = results[winner][1]
        assert race.outs["etag"] == race.case.etag_of(race.emulator, race.id)
        wins["AB"[winner]] += 1
        done, stopped = race.patches()
        assert (done, stopped) == (1, 1), f"round {n}: {done} PATCHes applied, {stopped} refused with 412"
        applied, refused = applied + done, refused + stopped
    print(f"\nrace ({race.case.label}): {ROUNDS} rounds of two simultaneous updates: {applied} applied, "
          f"{refused} refused with 412 and reported; wins {wins}; lost writes 0")
    assert applied == ROUNDS


@pytest.mark.parametrize("race", [MEETING_NO_ETAG], ids=[MEETING_NO_ETAG.id], indirect=True)
def test_without_etag_an_update_after_the_other_write_is_refused_and_nothing_is_lost(race):
    """Read-compare-write: the second pipeline reads the first one's write and writes nothing."""
    applied = refused = 0
    for n in range(ROUNDS):
        first = n % 2  # A and B take turns at being first
        news = race.news(n)
        kind, outs = _update(race.servers[first], race.urn, race.id, race.outs, news[first])
        assert kind == "ok", f"round {n}: {outs}"
        late_kind, error = _update(race.servers[1 - first], race.urn, race.id, race.outs, news[1 - first])
        assert late_kind == "error" and _refused_for_refresh(error), f"round {n}: {late_kind} {error}"
        assert race.held() == f"{'AB'[first]}-{n}"
        assert race.patches() == (1, 0)  # the late one read the change and sent no PATCH at all
        race.outs, applied, refused = outs, applied + 1, refused + 1
    print(f"\nrace ({race.case.label}): {ROUNDS} rounds of two updates at different times: {applied} applied, "
          f"{refused} refused as changed outside this program and reported, without a PATCH; lost writes 0")


@pytest.mark.parametrize("race", [MEETING_NO_ETAG], ids=[MEETING_NO_ETAG.id], indirect=True)
def test_without_etag_simultaneous_updates_can_overwrite_one_write(race):
    """Read-compare-write at the same moment: each round ends either as with an ETag (one applied,
    one refused) or with both applied and reported, Graph holding one of them: the other write is
    lost. The figure is measured, not promised."""
    one_refused = overwritten = 0
    for n in range(ROUNDS):
        results = _update_together(race.servers, race.urn, race.id, race.outs, race.news(n))
        held = race.held()
        done, stopped = race.patches()
        assert stopped == 0  # no ETag, so no 412
        ok = [i for i, (kind, _) in enumerate(results) if kind == "ok"]
        assert held in (f"A-{n}", f"B-{n}"), f"round {n}: Graph holds {held!r}"
        keeper = "AB".index(held[0])
        assert keeper in ok, f"round {n}: Graph holds {held!r}, whose pipeline failed: {results}"
        if len(ok) == 1:
            assert _refused_for_refresh(results[1 - keeper][1]) and done == 1, f"round {n}: {results}"
            one_refused += 1
        else:
            assert len(ok) == 2 and done == 2, f"round {n}: {results}"
            assert results[1 - keeper][1][race.case.text] == f"{'AB'[1 - keeper]}-{n}"  # reported as applied
            overwritten += 1
        race.outs = results[keeper][1]
    print(f"\nrace ({race.case.label}): {ROUNDS} rounds of two simultaneous updates: {one_refused} ended with one "
          f"applied and the other refused and reported; {overwritten} with both applied and reported, the later "
          f"overwriting the earlier (lost writes {overwritten}: the read-compare-write window)")
    assert one_refused + overwritten == ROUNDS
