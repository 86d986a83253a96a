"""``python -m pulumi_virtualappointment login``: one interactive sign-in, a saved record, and the exact
settings for silent runs. A fake credential stands in for azure-identity: nothing signs in for real."""

from __future__ import annotations

import io
import json
import os
import stat
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

import pytest
from azure.identity import AuthenticationRecord

from pulumi_virtualappointment.__main__ import main
from pulumi_virtualappointment._auth import CACHE_NAME, DEFAULT_CLIENT_ID, token_source
from pulumi_virtualappointment._config import resolve_settings

RECORD = AuthenticationRecord("0c9d-tenant", "app-1", "login.microsoftonline.com", "uid.0c9d-tenant", "ada@contoso.com")


class FakeInteractive:
    """Answers ``authenticate`` with RECORD; shows the device code the way DeviceCodeCredential does."""

    def __init__(self, fail: Exception | None = None, **kwargs):
        self.kwargs, self.fail, self.scopes = kwargs, fail, None

    def authenticate(self, *, scopes):
        self.scopes = scopes
        if "prompt_callback" in self.kwargs:
            self.kwargs["prompt_callback"]("https://microsoft.com/devicelogin", "ABCD-EFGH",
                                           datetime(2026, 1, 2, 10, 15, tzinfo=timezone.utc))
        if self.fail:
            raise self.fail
        return RECORD


class Factory:
    def __init__(self, fail: Exception | None = None):
        self.fail, self.built = fail, []

    def __call__(self, name, **kwargs):
        credential = FakeInteractive(self.fail, **kwargs)
        self.built.append((name, credential))
        return credential


def login(*args, factory=None, environ=None):
    factory = factory or Factory()
    out, err = io.StringIO(), io.StringIO()
    code = main(["login", *args], factory=factory, out=out, err=err, environ=environ or {})
    return code, out.getvalue(), err.getvalue(), factory


def test_device_code_login_saves_the_record_and_prints_the_pipeline_settings(tmp_path):
    path = tmp_path / "sub" / "record.json"
    code, out, err, factory = login("--device-code", "--tenant-id", "contoso.onmicrosoft.com", "--client-id", "app-1",
                                    "--auth-record", str(path))
    assert (code, err) == (0, "")
    [(name, credential)] = factory.built
    kwargs = dict(credential.kwargs)
    options, _ = kwargs.pop("cache_persistence_options"), kwargs.pop("prompt_callback")
    assert (name, kwargs) == ("DeviceCodeCredential", {"client_id": "app-1", "authority": "login.microsoftonline.com",
                                                       "tenant_id": "contoso.onmicrosoft.com"})
    assert (options.name, options.allow_unencrypted_storage) == (CACHE_NAME, False)
    assert credential.scopes == ["https://graph.microsoft.com/OnlineMeetings.ReadWrite"]
    assert json.loads(path.read_text()) == json.loads(RECORD.serialize())
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert out == f"""\
To sign in, open https://microsoft.com/devicelogin and enter the code ABCD-EFGH (valid until 10:15 UTC).
Signed in as ada@contoso.com (tenant 0c9d-tenant, app app-1).
Saved the sign-in record to {path} (account ids only: no token, no password). Tokens stay in this
user's persistent token cache "pulumi-virtualappointment"; Pulumi runs by this user on this machine now get
them silently. Set in the stack:
  pulumi config set msgraph:auth device_code
  pulumi config set msgraph:tenantId 0c9d-tenant
  pulumi config set msgraph:clientId app-1
  pulumi config set msgraph:authRecordPath {path}
or in the pipeline's environment:
  MSGRAPH_AUTH=device_code
  AZURE_TENANT_ID=0c9d-tenant
  AZURE_CLIENT_ID=app-1
  MSGRAPH_AUTH_RECORD_PATH={path}
"""


def test_the_record_is_secret_free_account_ids_only(tmp_path):
    login("--auth-record", str(tmp_path / "r.json"))
    assert set(json.loads((tmp_path / "r.json").read_text())) == {
        "authority", "clientId", "homeAccountId", "tenantId", "username", "version"}


def test_browser_is_the_default_and_the_record_goes_under_home(monkeypatch, tmp_path):
    monkeypatch.setenv("HOME", str(tmp_path))
    code, out, _, factory = login()
    [(name, credential)] = factory.built
    assert (code, name, credential.kwargs["client_id"], "tenant_id" in credential.kwargs) == (
        0, "InteractiveBrowserCredential", DEFAULT_CLIENT_ID, False)
    assert "prompt_callback" not in credential.kwargs
    assert out.startswith("Opening a browser to sign in...\nSigned in as ada@contoso.com")
    assert "msgraph:authRecordPath" not in out and "pulumi config set msgraph:auth browser\n" in out
    assert (tmp_path / ".pulumi-virtualappointment" / "auth-record.json").exists()


def test_environment_fills_in_and_flags_win(tmp_path):
    environ = {"AZURE_TENANT_ID": "env-tenant", "AZURE_CLIENT_ID": "env-app", "MSGRAPH_ENDPOINT": "https://graph.microsoft.us",
               "MSGRAPH_AUTH_RECORD_PATH": str(tmp_path / "env.json")}
    code, out, _, factory = login("--client-id", "flag-app", environ=environ)
    kwargs = factory.built[0][1].kwargs
    assert (code, kwargs["tenant_id"], kwargs["client_id"], kwargs["authority"]) == (
        0, "env-tenant", "flag-app", "login.microsoftonline.us")
    assert factory.built[0][1].scopes == ["https://graph.microsoft.us/OnlineMeetings.ReadWrite"]
    assert (tmp_path / "env.json").exists()
    assert "  pulumi config set msgraph:endpoint https://graph.microsoft.us\n" in out
    assert "  MSGRAPH_ENDPOINT=https://graph.microsoft.us\n" in out


def test_national_cloud_and_unencrypted_cache_flags(tmp_path):
    code, out, _, factory = login("--device-code", "--endpoint", "https://microsoftgraph.chinacloudapi.cn",
                                  "--allow-unencrypted-cache", "--auth-record", str(tmp_path / "r.json"))
    credential = factory.built[0][1]
    assert (credential.kwargs["authority"], credential.kwargs["cache_persistence_options"].allow_unencrypted_storage) == (
        "login.chinacloudapi.cn", True)
    assert credential.scopes == ["https://microsoftgraph.chinacloudapi.cn/OnlineMeetings.ReadWrite"]
    assert "  pulumi config set msgraph:allowUnencryptedCache true\n" in out
    assert "  MSGRAPH_ALLOW_UNENCRYPTED_CACHE=true\n" in out


def test_a_failed_browser_sign_in_suggests_device_code(tmp_path):
    code, out, err, _ = login("--auth-record", str(tmp_path / "r.json"), factory=Factory(RuntimeError("Failed to open a browser.")))
    assert (code, err) == (1, "Sign-in failed: Failed to open a browser.\n"
                              "On a machine without a browser (SSH, a CI runner) add --device-code.\n")
    assert list(tmp_path.iterdir()) == []  # no record, and no temporary file left beside it


def test_a_missing_keyring_suggests_the_unencrypted_cache(tmp_path):
    failure = ValueError("Cache encryption is impossible because libsecret dependencies are not installed")
    code, _, err, _ = login("--device-code", "--auth-record", str(tmp_path / "r.json"), factory=Factory(failure))
    assert code == 1 and err.endswith(
        "add --allow-unencrypted-cache: the token cache is then a plain file readable by this user only.\n")
    assert "--device-code." not in err


def test_bad_settings_stop_before_any_sign_in():
    code, _, err, factory = login("--endpoint", "http://graph.example.com")
    assert (code, factory.built) == (2, [])
    assert err.startswith("stack config msgraph:endpoint uses plain http:// to graph.example.com")


def test_the_provider_signs_in_silently_with_what_login_saved(tmp_path):
    path = tmp_path / "r.json"
    login("--device-code", "--auth-record", str(path))
    built = []
    config = {"msgraph:auth": "device_code", "msgraph:tenantId": "0c9d-tenant", "msgraph:clientId": "app-1",
              "msgraph:authRecordPath": str(path)}
    token_source(resolve_settings(config.get, {}), lambda name, **kwargs: built.append((name, kwargs)))
    [(name, kwargs)] = built
    assert (name, kwargs["authentication_record"].home_account_id, kwargs["disable_automatic_authentication"]) == (
        "DeviceCodeCredential", "uid.0c9d-tenant", True)


def test_the_package_command_line_lists_login():
    result = subprocess.run([sys.executable, "-m", "pulumi_virtualappointment", "--help"], capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 0 and "login" in result.stdout
    missing = subprocess.run([sys.executable, "-m", "pulumi_virtualappointment"], capture_output=True, text=True, timeout=60)
    assert missing.returncode == 2 and "required: command" in missing.stderr


def test_a_tenant_azure_identity_would_refuse_is_exit_2_naming_the_flag_before_any_sign_in():
    code, out, err, factory = login("--device-code", "--tenant-id", "not a tenant")
    assert (code, out, factory.built) == (2, "", [])
    assert err == ("--tenant-id (AZURE_TENANT_ID) 'not a tenant' is not a tenant: give its id (a GUID) or a domain such "
                   "as contoso.onmicrosoft.com (letters, digits, '-' and '.' only)\n")


# -- where the record goes: absolute, writable, 0600 from the start, never through a link ------------


def saved_lines(path) -> list[str]:
    """The lines of ``login``'s output that name the record's path, as they must read for ``path``."""
    return [f"Saved the sign-in record to {path} (account ids only: no token, no password). Tokens stay in this",
            f"  pulumi config set msgraph:authRecordPath {path}", f"  MSGRAPH_AUTH_RECORD_PATH={path}"]


@pytest.mark.parametrize("how", ["flag", "environment", "home"])
def test_a_relative_record_path_is_saved_and_printed_absolute(tmp_path, monkeypatch, how):
    work, home = tmp_path / "work", tmp_path / "home"
    work.mkdir(), home.mkdir()
    monkeypatch.chdir(work)
    monkeypatch.setenv("HOME", str(home))
    given, expected = {"flag": ("rec/r.json", work / "rec" / "r.json"),
                       "environment": ("./r.json", work / "r.json"),
                       "home": ("~/rec/../r.json", home / "r.json")}[how]
    argv, environ = (("--auth-record", given), None) if how != "environment" else ((), {"MSGRAPH_AUTH_RECORD_PATH": given})
    code, out, err, _ = login("--device-code", *argv, environ=environ)
    assert (code, err) == (0, "")
    assert [line for line in out.splitlines() if "r.json" in line] == saved_lines(expected.resolve())
    assert json.loads(expected.read_text()) == json.loads(RECORD.serialize())


def test_the_printed_record_path_works_from_another_working_directory(tmp_path, monkeypatch):
    (tmp_path / "a").mkdir(), (tmp_path / "b").mkdir()
    monkeypatch.chdir(tmp_path / "a")
    _, out, _, _ = login("--device-code", "--auth-record", "r.json")
    printed = next(line.split("=", 1)[1] for line in out.splitlines() if line.startswith("  MSGRAPH_AUTH_RECORD_PATH="))
    monkeypatch.chdir(tmp_path / "b")  # the provider runs where the Pulumi project is
    built = []
    token_source(resolve_settings({}.get, {"MSGRAPH_AUTH": "device_code", "MSGRAPH_AUTH_RECORD_PATH": printed}),
                 lambda name, **kwargs: built.append(kwargs))
    assert built[0]["authentication_record"].home_account_id == "uid.0c9d-tenant"


def refused(path, problem: str) -> str:
    return (f"Cannot save the sign-in record to {path}: {problem}. Nothing was signed in: choose another file with "
            "--auth-record (MSGRAPH_AUTH_RECORD_PATH).\n")


def test_a_directory_a_path_under_a_file_and_a_fifo_are_refused_before_the_sign_in(tmp_path):
    (tmp_path / "dir").mkdir()
    (tmp_path / "file").write_text("not a folder")
    os.mkfifo(tmp_path / "fifo")
    for given, problem in ((tmp_path / "dir", "it is a directory"),
                           (tmp_path / "file" / "r.json", f"{tmp_path / 'file'} is a file, not a folder"),
                           (tmp_path / "file" / "deeper" / "r.json", f"{tmp_path / 'file'} is a file, not a folder"),
                           (tmp_path / "fifo", "it is a FIFO (named pipe), not a regular file")):
        code, out, err, factory = login("--device-code", "--auth-record", str(given))
        assert (code, out, err, factory.built) == (2, "", refused(given, problem), []), given
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dir", "fifo", "file"]
    assert list((tmp_path / "dir").iterdir()) == [] and (tmp_path / "file").read_text() == "not a folder"


def as_nobody(function):
    """``function()``'s result from a forked child that cannot override file permissions: root's child
    becomes nobody (65534), as the permission bits mean nothing to root."""
    reader, writer = os.pipe()
    child = os.fork()
    if child == 0:  # pragma: no cover - the child reports through the pipe and never returns
        try:
            if os.geteuid() == 0:
                os.setgroups([]), os.setgid(65534), os.setuid(65534)
            os.write(writer, json.dumps(function()).encode())
        finally:
            os._exit(0)
    os.close(writer)
    deadline = time.monotonic() + 30
    while os.waitpid(child, os.WNOHANG) == (0, 0):
        if time.monotonic() > deadline:
            os.kill(child, 9)
            pytest.fail("the child did not finish")
        time.sleep(0.01)
    with os.fdopen(reader, "rb") as pipe:
        return json.loads(pipe.read() or b"null")


@pytest.mark.parametrize("name", ["r.json", "new/r.json"])
def test_a_folder_this_user_cannot_write_is_refused_before_the_sign_in(name):
    top = Path(tempfile.mkdtemp())  # not tmp_path: pytest's folders are closed to other users
    try:
        top.chmod(0o755)
        (top / "ro").mkdir(mode=0o555)
        (top / "ro").chmod(0o555)
        path = top / "ro" / name

        def attempt():
            code, out, err, factory = login("--device-code", "--auth-record", str(path))
            return [code, out, err, len(factory.built)]

        what = "create a file in" if name == "r.json" else "create the folder"
        folder = path.parent
        assert as_nobody(attempt) == [2, "", refused(path, f"cannot {what} {folder}: Permission denied"), 0]
        assert list((top / "ro").iterdir()) == []
    finally:
        (top / "ro").chmod(0o755)
        for child in sorted(top.rglob("*"), reverse=True):
            child.rmdir() if child.is_dir() else child.unlink()
        top.rmdir()


@pytest.mark.parametrize("target", ["elsewhere.txt", "missing.txt"])
def test_a_symlink_at_the_record_path_is_refused_and_its_target_never_written(tmp_path, target):
    if target == "elsewhere.txt":
        (tmp_path / target).write_text("keep me")
    link = tmp_path / "r.json"
    link.symlink_to(tmp_path / target)
    code, out, err, factory = login("--device-code", "--auth-record", str(link))
    problem = (f"it is a symbolic link (to {tmp_path / target}) and login never writes through one: give the file's "
               "own path or remove the link")
    assert (code, out, err, factory.built) == (2, "", refused(link, problem), [])
    assert link.is_symlink() and sorted(p.name for p in tmp_path.iterdir()) == (
        ["elsewhere.txt", "r.json"] if target == "elsewhere.txt" else ["r.json"])  # a missing target stays missing
    assert target == "missing.txt" or (tmp_path / target).read_text() == "keep me"


class LinkDuringSignIn(Factory):
    """A credential whose sign-in, while it runs, puts a symlink at ``link`` (to ``target``)."""

    def __init__(self, link, target):
        super().__init__()
        self.link, self.target = link, target

    def __call__(self, name, **kwargs):
        credential = super().__call__(name, **kwargs)
        authenticate = credential.authenticate

        def racing(*, scopes):
            self.link.symlink_to(self.target)
            return authenticate(scopes=scopes)

        credential.authenticate = racing
        return credential


def test_a_symlink_put_there_during_the_sign_in_is_replaced_and_its_target_never_written(tmp_path):
    target, link = tmp_path / "victim.txt", tmp_path / "r.json"
    target.write_text("keep me")
    code, _, err, _ = login("--device-code", "--auth-record", str(link), factory=LinkDuringSignIn(link, target))
    assert (code, err) == (0, "")
    assert not link.is_symlink() and stat.S_IMODE(link.lstat().st_mode) == 0o600
    assert json.loads(link.read_text()) == json.loads(RECORD.serialize())
    assert target.read_text() == "keep me" and sorted(p.name for p in tmp_path.iterdir()) == ["r.json", "victim.txt"]


class Watching(Factory):
    """Records, while the sign-in runs, every file in ``folder`` with its permissions."""

    def __init__(self, folder):
        super().__init__()
        self.folder, self.seen = folder, None

    def __call__(self, name, **kwargs):
        credential = super().__call__(name, **kwargs)
        authenticate = credential.authenticate

        def watched(*, scopes):
            self.seen = {p.name: stat.S_IMODE(p.lstat().st_mode) for p in self.folder.iterdir()}
            return authenticate(scopes=scopes)

        credential.authenticate = watched
        return credential


@pytest.mark.parametrize("before", [None, "old record"])
def test_the_record_is_0600_from_the_start_whatever_the_umask(tmp_path, monkeypatch, before):
    path = tmp_path / "r.json"
    if before:
        path.write_text(before)
        path.chmod(0o644)
    moved = []
    real_replace = os.replace

    def replace(source, destination):  # the record reaches its path only by this rename
        moved.append((stat.S_IMODE(os.lstat(source).st_mode), Path(destination)))
        real_replace(source, destination)

    monkeypatch.setattr(os, "replace", replace)
    factory = Watching(tmp_path)
    umask = os.umask(0)
    try:
        code, _, err, _ = login("--device-code", "--auth-record", str(path), factory=factory)
    finally:
        os.umask(umask)
    assert (code, err, moved) == (0, "", [(0o600, path)])
    assert {mode for name, mode in factory.seen.items() if name != "r.json"} == {0o600}
    assert factory.seen.get("r.json") == (0o644 if before else None)  # the old record stays until the move
    assert stat.S_IMODE(path.stat().st_mode) == 0o600 and [p.name for p in tmp_path.iterdir()] == ["r.json"]


def test_a_failed_sign_in_keeps_the_old_record_as_it_was(tmp_path):
    path = tmp_path / "r.json"
    path.write_text("old record")
    code, _, _, _ = login("--device-code", "--auth-record", str(path), factory=Factory(RuntimeError("declined")))
    assert code == 1 and path.read_text() == "old record" and [p.name for p in tmp_path.iterdir()] == ["r.json"]
