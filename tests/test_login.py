"""``python -m pulumi_virtualappointment login``: one interactive sign-in, a saved record, and the exact
settings for silent runs. A fake credential stands in for azure-identity: nothing signs in for real."""

from __future__ import annotations

import io
import json
import stat
import subprocess
import sys
from datetime import datetime, timezone

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
    assert not (tmp_path / "r.json").exists()


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
