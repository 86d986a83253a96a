"""Two provider processes (the SDK's own host, as two pipelines would run it) update the same
appointment from the same recorded state at the same moment, many rounds: exactly one write
applies, the other fails with the refresh-first error, and nothing is lost."""

from __future__ import annotations

import threading

from pulumi.dynamic.dynamic import serialize_provider

from conftest import TOKEN
from engine import ProviderError, ProviderServer
from pulumi_virtualappointment import VirtualAppointmentProvider
from pulumi_virtualappointment.emulator import Emulator

ROUNDS = 25
URN = "urn:pulumi:dev::race::pulumi-python:dynamic/virtualappointment:VirtualAppointment::visit"
BASE = {"__provider": serialize_provider(VirtualAppointmentProvider()), "onlineMeetingId": "MSpkRace",
        "settings": {"allowClientToJoinUsingBrowser": True}}
PATH = "me/onlineMeetings/MSpkRace/virtualAppointment"


def _update_together(servers, id_, outs, news):
    results: list = [None, None]
    start = threading.Barrier(2)

    def run(i):
        start.wait()
        try:
            results[i] = ("ok", servers[i].update(URN, id_, outs, news[i]))
        except ProviderError as exc:
            results[i] = ("error", exc.details)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return results


def test_two_pipelines_racing_never_lose_a_write():
    with Emulator(token=TOKEN, implicit_meetings=True) as emulator:
        config = {"msgraph:endpoint": emulator.url, "msgraph:accessToken": TOKEN}
        with ProviderServer(config) as a, ProviderServer(config) as b:
            checked, _ = a.check(URN, {}, BASE)
            id_, outs = a.create(URN, checked)
            wins = {"A": 0, "B": 0}
            for n in range(ROUNDS):
                news = [{**checked, "externalAppointmentId": f"{who}-{n}"} for who in "AB"]
                results = _update_together([a, b], id_, outs, news)
                kinds = sorted(kind for kind, _ in results)
                assert kinds == ["error", "ok"], f"round {n}: {results}"
                winner = [i for i, (kind, _) in enumerate(results) if kind == "ok"][0]
                loser_error = results[1 - winner][1]
                assert "changed outside this program since the last deployment" in loser_error
                assert "nothing was written" in loser_error and "pulumi refresh" in loser_error
                live = emulator.get(PATH)
                assert live["externalAppointmentId"] == f"{'AB'[winner]}-{n}"  # the winner's write is there
                outs = results[winner][1]
                assert outs["etag"] == emulator.etag(PATH)
                wins["AB"[winner]] += 1
            patches = [r for r in emulator.requests() if r["method"] == "PATCH"]
            applied = [r for r in patches if r["status"] == 204]
    print(f"\nrace: {ROUNDS} rounds of two simultaneous updates: {len(applied)} applied, "
          f"{len(patches) - len(applied)} refused with 412 and reported; wins {wins}; lost writes 0")
    assert len(applied) == ROUNDS
