"""The emulator's store: entity tags, the state file, and restarts that lose nothing."""

from __future__ import annotations

import json
import os
import threading

import pytest

from emulator_fixtures import DOCS_BODY, ME, ME_PATH, USER_PATH, Graph
from pulumi_virtualappointment.emulator import Emulator
from pulumi_virtualappointment.emulator._store import MalformedTag, Store, parse_entity_tags


@pytest.mark.parametrize(
    "header, parsed",
    [
        ("*", "*"),
        (' * ', "*"),
        ('W/"abc=="', frozenset({"abc=="})),
        ('"abc"', frozenset({"abc"})),
        ('W/"a", "b" ,W/"c"', frozenset({"a", "b", "c"})),
        ('""', frozenset({""})),
    ],
)
def test_entity_tag_headers_parse_to_opaque_values(header, parsed):
    assert parse_entity_tags(header) == parsed


@pytest.mark.parametrize("header", ["", "abc", 'W/abc', '"a" "b"', '"a",', 'w/"a"', '"a', "*, \"a\""])
def test_malformed_entity_tag_headers_are_refused(header):
    with pytest.raises(MalformedTag):
        parse_entity_tags(header)


def test_state_survives_a_restart_with_the_same_entity_and_etag(tmp_path):
    state = tmp_path / "state.json"
    with Emulator(state_file=state, implicit_meetings=True) as emu:
        client = Graph(emu)
        created = client.put(json=DOCS_BODY)
        body, etag = created.json(), created.headers["ETag"]
        client.close()
    with Emulator(state_file=str(state), implicit_meetings=True) as emu:
        client = Graph(emu)
        again = client.get()
        assert again.json() == {**body, "@odata.context": again.json()["@odata.context"]}
        assert again.headers["ETag"] == etag
        assert client.patch(json={}, headers={"If-Match": etag}).status_code == 204
        client.close()


def test_every_change_is_persisted_and_leaves_no_temporary_files(tmp_path):
    state = tmp_path / "state.json"

    def saved() -> dict:
        assert sorted(os.listdir(tmp_path)) == ["state.json"]
        return json.loads(state.read_text())["appointments"]

    with Emulator(state_file=state, implicit_meetings=True) as emu:
        client = Graph(emu)
        client.put(json={"externalAppointmentId": "a"})
        assert saved()[USER_PATH]["entity"]["externalAppointmentId"] == "a"
        client.patch(json={"externalAppointmentId": "b"})
        assert saved()[USER_PATH] == {"entity": emu.get(ME_PATH), "etag": emu.etag(ME_PATH)}
        emu.edit(ME_PATH, {"externalAppointmentId": "c"})
        assert saved()[USER_PATH]["etag"] == emu.etag(ME_PATH)
        other = "users/u2/onlineMeetings/M/virtualAppointment"
        emu.seed(other, {})
        assert set(saved()) == {USER_PATH, other}
        client.delete()
        assert set(saved()) == {other}
        emu.reset()
        assert saved() == {}
        client.close()


def test_state_file_records_the_format_and_me(tmp_path):
    state = tmp_path / "state.json"
    Store(me="ABC", state_file=state).seed(Store(me="abc").key("me/onlineMeetings/M/virtualAppointment"), {})
    saved = json.loads(state.read_text())
    assert saved["format"] == "pulumi-virtualappointment-emulator/1"
    assert saved["me"] == "abc"


def test_a_missing_state_file_starts_empty_and_is_created_on_first_change(tmp_path):
    state = tmp_path / "new.json"
    store = Store(state_file=state)
    assert store.snapshot() == {}
    assert not state.exists()
    store.edit(store.key(ME_PATH), {"externalAppointmentId": "x"})
    assert json.loads(state.read_text())["appointments"][USER_PATH]["entity"]["externalAppointmentId"] == "x"


@pytest.mark.parametrize("content", ["{", "[]", '{"format": "other"}', '{"format": "pulumi-virtualappointment-emulator/1"}'])
def test_an_unreadable_state_file_is_refused_naming_it(tmp_path, content):
    state = tmp_path / "state.json"
    state.write_text(content)
    with pytest.raises(ValueError, match="state.json"):
        Emulator(state_file=state)


def test_a_hand_edited_state_file_is_validated_like_a_request(tmp_path):
    state = tmp_path / "state.json"
    entry = {"entity": {"externalAppointmentId": 5}, "etag": 'W/"x"'}
    state.write_text(json.dumps({"format": "pulumi-virtualappointment-emulator/1", "appointments": {USER_PATH: entry}}))
    with pytest.raises(ValueError, match="externalAppointmentId"):
        Store(state_file=state)


def test_concurrent_conditional_patches_let_exactly_one_win():
    store = Store()
    key = store.key(ME_PATH)
    etag = store.seed(key, {}).etag
    results: list[str] = []

    def attempt(value: str) -> None:
        try:
            store.patch(key, {"externalAppointmentId": value}, if_match=etag)
            results.append("won")
        except Exception as exc:  # noqa: BLE001 - collected and asserted below
            results.append(type(exc).__name__)

    threads = [threading.Thread(target=attempt, args=(str(i),)) for i in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == ["PreconditionFailed"] * 19 + ["won"]


def test_store_keys_accept_me_users_leading_slash_and_version(tmp_path):
    store = Store(me=ME.upper())
    keys = {
        store.key(ME_PATH),
        store.key(USER_PATH),
        store.key("/" + USER_PATH.replace(ME, ME.upper())),
        store.key("beta/" + ME_PATH),
    }
    assert len(keys) == 1
    assert keys.pop().path == USER_PATH
    with pytest.raises(ValueError, match="not a virtualAppointment id"):
        store.key("me/onlineMeetings/M")
