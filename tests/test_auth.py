"""Credentials per msgraph:auth mode, token caching, national clouds, the application-token check
and the sign-in error texts. Fake credentials and clocks only: nothing here asks Azure for a token
(real azure-identity classes are constructed to check their configuration, never asked)."""

from __future__ import annotations

import base64
import json
import os
import threading
import time

import pytest

from fifo import WaitingWriter
from azure.core.credentials import AccessToken
from azure.identity import AuthenticationRecord, CredentialUnavailableError

from conftest import TOKEN
from pulumi_virtualappointment import AuthenticationError, ConfigurationError, ForbiddenError
from pulumi_virtualappointment._auth import (
    CACHE_NAME,
    DEFAULT_CLIENT_ID,
    Cloud,
    StaticToken,
    TokenCache,
    azure_factory,
    build_credential,
    _redact,
    cloud_for,
    token_claims,
    token_source,
)
from pulumi_virtualappointment._client import GraphClient
from pulumi_virtualappointment._config import resolve_settings
from pulumi_virtualappointment._errors import error_for_response

US_SCOPE = "https://graph.microsoft.us/OnlineMeetings.ReadWrite"
PUBLIC_SCOPE = "https://graph.microsoft.com/OnlineMeetings.ReadWrite"
PUBLIC_DEFAULT = "https://graph.microsoft.com/.default"


def jwt(claims: dict) -> str:
    def part(value: dict) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()

    return f"{part({'alg': 'RS256', 'typ': 'JWT'})}.{part(claims)}.c2lnbmF0dXJl"


APP_TOKEN = jwt({"aud": "https://graph.microsoft.com", "roles": ["OnlineMeetings.ReadWrite.All"], "appid": "a-1"})
USER_TOKEN = jwt({"aud": "https://graph.microsoft.com", "scp": "OnlineMeetings.ReadWrite User.Read", "upn": "u@x"})


class Clock:
    def __init__(self, now: float = 1_000.0):
        self.now = now

    def __call__(self) -> float:
        return self.now


class FakeCredential:
    """Hands out ``token-1``, ``token-2``, ... valid ``lifetime`` seconds from ``clock``."""

    def __init__(self, clock=time.time, lifetime: float = 3600, tokens=None, delay: float = 0.0):
        self.clock, self.lifetime, self.delay = clock, lifetime, delay
        self.tokens = tokens
        self.calls: list[tuple] = []

    def get_token(self, *scopes, **kwargs):
        self.calls.append(scopes)
        time.sleep(self.delay)
        token = self.tokens[len(self.calls) - 1] if self.tokens else f"token-{len(self.calls)}"
        return AccessToken(token, int(self.clock() + self.lifetime))


class Factory:
    """Records every credential built; returns a fake instead."""

    def __init__(self):
        self.built: list[tuple[str, dict]] = []
        self.credential = FakeCredential()

    def __call__(self, name, **kwargs):
        self.built.append((name, kwargs))
        return self.credential


def settings(**config):
    return resolve_settings(config.get, {})


@pytest.fixture
def record_file(tmp_path):
    record = AuthenticationRecord("tenant-guid", "app-1", "login.microsoftonline.us", "home.1", "ada@contoso.us")
    path = tmp_path / "record.json"
    path.write_text(record.serialize())
    return path


# -- which credential for which configuration -------------------------------------------------------


def test_a_token_alone_means_token_mode_and_builds_no_azure_credential():
    factory = Factory()
    mode, credential = build_credential(settings(**{"msgraph:accessToken": "t"}), factory)
    assert mode == "token" and isinstance(credential, StaticToken) and factory.built == []
    assert repr(credential) == "StaticToken(***)"


def test_an_explicit_mode_wins_over_a_present_token():
    factory = Factory()
    mode, _ = build_credential(settings(**{"msgraph:auth": "cli", "msgraph:accessToken": "t"}), factory)
    assert (mode, factory.built) == ("cli", [("AzureCliCredential", {})])


def test_cli_passes_the_tenant_only_when_set():
    factory = Factory()
    build_credential(settings(**{"msgraph:auth": "cli", "msgraph:tenantId": "contoso.onmicrosoft.com"}), factory)
    assert factory.built == [("AzureCliCredential", {"tenant_id": "contoso.onmicrosoft.com"})]


BAD_TENANT = ("msgraph:tenantId (AZURE_TENANT_ID) 'not a tenant' is not a tenant: give its id (a GUID) or a domain "
              "such as contoso.onmicrosoft.com (letters, digits, '-' and '.' only)")


@pytest.mark.parametrize("mode", ["cli", "device_code", "browser", "username_password"])
def test_a_tenant_azure_identity_would_refuse_is_a_configuration_error_naming_the_setting(mode, record_file):
    """Regression: azure-identity's ValueError ("Invalid tenant ID provided") ended `export` and the
    provider with a traceback."""
    config = {"msgraph:auth": mode, "msgraph:tenantId": "not a tenant", "msgraph:authRecordPath": str(record_file),
              "msgraph:username": "ada@contoso.com", "msgraph:password": "pw"}
    with pytest.raises(ConfigurationError) as caught:
        build_credential(settings(**config), azure_factory)
    assert str(caught.value) == BAD_TENANT


def test_a_tenant_is_not_checked_where_it_is_not_used():
    mode, _ = build_credential(settings(**{"msgraph:accessToken": "t", "msgraph:tenantId": "not a tenant"}), Factory())
    assert mode == "token"


def test_a_value_error_as_a_credential_is_built_is_a_configuration_error_without_secrets():
    def refusing(name, **kwargs):
        raise ValueError(f"client_id {kwargs['client_id']} and pw-123 are not accepted")

    config = {"msgraph:auth": "username_password", "msgraph:clientId": "app 1", "msgraph:username": "ada",
              "msgraph:password": "pw-123"}
    with pytest.warns(UserWarning), pytest.raises(ConfigurationError) as caught:
        build_credential(settings(**config), refusing)
    assert str(caught.value) == ("msgraph:auth=username_password cannot be set up: client_id app 1 and *** are not "
                                 "accepted. Check msgraph:tenantId (AZURE_TENANT_ID) and msgraph:clientId "
                                 "(AZURE_CLIENT_ID).")
    assert caught.value.__suppress_context__


@pytest.mark.parametrize("mode,cls", [("device_code", "DeviceCodeCredential"), ("browser", "InteractiveBrowserCredential")])
def test_interactive_modes_are_silent_with_the_saved_record_and_the_persistent_cache(mode, cls, record_file):
    factory = Factory()
    config = {"msgraph:auth": mode, "msgraph:endpoint": "https://graph.microsoft.us", "msgraph:tenantId": "tenant-guid",
              "msgraph:clientId": "app-1", "msgraph:authRecordPath": str(record_file)}
    build_credential(settings(**config), factory)
    [(name, kwargs)] = factory.built
    options, record = kwargs.pop("cache_persistence_options"), kwargs.pop("authentication_record")
    assert (name, kwargs) == (cls, {"client_id": "app-1", "tenant_id": "tenant-guid",
                                    "disable_automatic_authentication": True})
    assert (options.name, options.allow_unencrypted_storage) == (CACHE_NAME, False)
    assert (record.username, record.client_id, record.home_account_id) == ("ada@contoso.us", "app-1", "home.1")


def test_interactive_defaults_are_azure_identitys_public_client_and_an_encrypted_cache(record_file):
    factory = Factory()
    config = {"msgraph:auth": "device_code", "msgraph:authRecordPath": str(record_file),
              "msgraph:allowUnencryptedCache": "true"}
    build_credential(settings(**config), factory)
    [(_, kwargs)] = factory.built
    assert (kwargs["client_id"], "tenant_id" in kwargs) == (DEFAULT_CLIENT_ID, False)
    assert kwargs["cache_persistence_options"].allow_unencrypted_storage is True


def test_username_password_is_built_with_a_warning():
    factory = Factory()
    config = {"msgraph:auth": "username_password", "msgraph:username": "ada@contoso.com", "msgraph:password": "pw",
              "msgraph:tenantId": "contoso.onmicrosoft.com"}
    with pytest.warns(UserWarning) as caught:
        build_credential(settings(**config), factory)
    assert str(caught[0].message) == (
        "msgraph:auth=username_password sends the password to Microsoft Entra ID: it cannot satisfy multi-factor "
        "authentication and Microsoft has deprecated it. Prefer device_code or browser with a one-time "
        "`python -m pulumi_virtualappointment login`.")
    assert factory.built == [("UsernamePasswordCredential", {
        "client_id": DEFAULT_CLIENT_ID, "username": "ada@contoso.com", "password": "pw",
        "authority": "login.microsoftonline.com", "tenant_id": "contoso.onmicrosoft.com"})]


@pytest.mark.filterwarnings("ignore:UsernamePasswordCredential is deprecated:DeprecationWarning")
def test_real_azure_identity_classes_are_configured_as_asked(record_file):
    """Constructed for real (no request is made by construction); never asked for a token."""
    config = {"msgraph:auth": "device_code", "msgraph:authRecordPath": str(record_file), "msgraph:tenantId": "tenant-guid"}
    _, device = build_credential(settings(**config), azure_factory)
    assert type(device).__name__ == "DeviceCodeCredential"
    assert (device._client_id, device._tenant_id, device._authority) == ("app-1", "tenant-guid", "https://login.microsoftonline.us")
    assert device._disable_automatic_authentication is True and device._cache_options.name == CACHE_NAME
    assert device._auth_record.username == "ada@contoso.us"
    _, cli = build_credential(settings(**{"msgraph:auth": "cli", "msgraph:tenantId": "tenant-guid"}), azure_factory)
    assert (type(cli).__name__, cli.tenant_id) == ("AzureCliCredential", "tenant-guid")
    config = {"msgraph:auth": "username_password", "msgraph:username": "ada@x.cn", "msgraph:password": "pw",
              "msgraph:endpoint": "https://microsoftgraph.chinacloudapi.cn"}
    with pytest.warns(UserWarning, match="deprecated"):
        _, ropc = build_credential(settings(**config), azure_factory)
    assert (type(ropc).__name__, ropc._client_id, ropc._tenant_id, ropc._authority) == (
        "UsernamePasswordCredential", DEFAULT_CLIENT_ID, "organizations", "https://login.chinacloudapi.cn")


# -- what fails, and what the user reads ----------------------------------------------------------------


def test_nothing_configured_lists_the_modes_and_keys():
    with pytest.raises(ConfigurationError) as caught:
        token_source(settings())
    assert str(caught.value) == (
        "No Microsoft Graph credentials are configured. Choose how to sign in with stack config msgraph:auth or "
        "MSGRAPH_AUTH: token: a ready delegated token in stack config (`pulumi config set --secret "
        "msgraph:accessToken <token>`) or MSGRAPH_ACCESS_TOKEN (for the local emulator any non-empty token works); "
        "cli: the user signed in with `az login`; device_code or browser: sign in once with `python -m "
        "pulumi_virtualappointment login`, later runs are silent; username_password: stack config msgraph:username "
        "or MSGRAPH_USERNAME and stack config msgraph:password or MSGRAPH_PASSWORD (no MFA; deprecated). stack "
        "config msgraph:tenantId or AZURE_TENANT_ID and stack config msgraph:clientId or AZURE_CLIENT_ID pick the "
        "tenant and the app registration. The API accepts delegated permissions only (OnlineMeetings.ReadWrite).")


def test_token_mode_without_a_token_says_where_to_put_one():
    with pytest.raises(ConfigurationError, match=r"^stack config msgraph:auth is token but no token is set\. Set a "
                                                 r"delegated access token in stack config \(`pulumi config set "
                                                 r"--secret msgraph:accessToken <token>`\) or MSGRAPH_ACCESS_TOKEN"):
        token_source(settings(**{"msgraph:auth": "token"}))


def test_a_missing_sign_in_fails_at_once_with_the_login_command(tmp_path):
    path = tmp_path / "none.json"
    config = {"msgraph:auth": "device_code", "msgraph:authRecordPath": str(path), "msgraph:tenantId": "contoso.com"}
    with pytest.raises(ConfigurationError) as caught:
        token_source(settings(**config), Factory())
    assert str(caught.value) == (
        f"msgraph:auth=device_code needs a saved sign-in and there is none at {path}. Sign in once on this machine, "
        "as the user that runs Pulumi: `python -m pulumi_virtualappointment login --device-code --tenant-id "
        f"contoso.com --auth-record {path}`; later runs get tokens silently from the saved sign-in ({path}) and the "
        "persistent token cache. The provider never prompts during `pulumi preview` or `pulumi up`.")


def test_the_default_record_lives_under_home(monkeypatch, tmp_path):
    monkeypatch.setenv("HOME", str(tmp_path))
    assert settings().record_file == tmp_path / ".pulumi-virtualappointment" / "auth-record.json"
    with pytest.raises(ConfigurationError, match=r"there is none at .*auth-record\.json\. .*login`;"):
        token_source(settings(**{"msgraph:auth": "browser"}), Factory())


def test_a_record_for_another_app_or_a_broken_record_is_refused(record_file):
    with pytest.raises(ConfigurationError, match=r"was made for the app app-1, but msgraph:clientId is app-2\. "
                                                 r"Sign in once .*login --client-id app-2 --auth-record"):
        token_source(settings(**{"msgraph:auth": "browser", "msgraph:clientId": "app-2",
                                 "msgraph:authRecordPath": str(record_file)}), Factory())
    record_file.write_text("{not json")
    with pytest.raises(ConfigurationError, match=r"is not a saved sign-in \(AuthenticationRecord\)\. Sign in once"):
        token_source(settings(**{"msgraph:auth": "browser", "msgraph:authRecordPath": str(record_file)}), Factory())


def test_username_password_names_what_is_missing_and_never_the_password():
    with pytest.raises(ConfigurationError) as caught:
        token_source(settings(**{"msgraph:auth": "username_password", "msgraph:password": "pw-123"}), Factory())
    assert str(caught.value) == "msgraph:auth=username_password needs msgraph:username (MSGRAPH_USERNAME)."


def test_a_credential_failure_becomes_a_configuration_error_with_the_fix(record_file):
    class Refusing:
        def get_token(self, *scopes, **kwargs):
            raise CredentialUnavailableError("Interactive authentication is required to get a token.")

    factory = Factory()
    factory.credential = Refusing()
    config = {"msgraph:auth": "browser", "msgraph:authRecordPath": str(record_file)}
    source = token_source(settings(**config), factory)
    with pytest.raises(ConfigurationError) as caught:
        source()
    assert str(caught.value).startswith(
        "Could not get a Microsoft Graph token (msgraph:auth=browser): Interactive authentication is required to get "
        "a token. Sign in once on this machine, as the user that runs Pulumi: `python -m pulumi_virtualappointment "
        "login --auth-record ")
    assert caught.value.__suppress_context__  # the provider host prints tracebacks: no chained credential text


def test_credential_error_text_is_stripped_of_secrets():
    class Leaky:
        def get_token(self, *scopes, **kwargs):
            raise ValueError("bad password pw-123 for ada")

    cache = TokenCache(Leaky(), ["s"], source="msgraph:auth=username_password", hint="Check it.", secrets=("pw-123", None))
    with pytest.raises(ConfigurationError, match=r"^Could not get a Microsoft Graph token \(msgraph:auth="
                                                 r"username_password\): bad password \*\*\* for ada\. Check it\.$"):
        cache()


@pytest.mark.parametrize("status,cls,hint", [
    (401, AuthenticationError, "Sign in again: `python -m pulumi_virtualappointment login` (msgraph:auth device_code "
     "or browser), `az login` (cli), or set a new delegated token in msgraph:accessToken / MSGRAPH_ACCESS_TOKEN "
     "(tokens expire after about an hour)."),
    (403, ForbiddenError, "The signed-in user needs the delegated permission OnlineMeetings.ReadWrite, with consent "
     "granted (by the user or a tenant admin) to the app in msgraph:clientId; application permissions are not "
     "supported by this API."),
])
def test_401_and_403_name_the_code_the_ids_and_the_fix(status, cls, hint):
    body = {"error": {"code": "InvalidAuthenticationToken", "message": "Access token has expired.",
                      "innerError": {"request-id": "r-7", "client-request-id": "c-7"}}}
    err = error_for_response("GET", "me/onlineMeetings/m/virtualAppointment", status, body, {}, "c-0")
    assert type(err) is cls
    assert str(err) == (f"Graph GET me/onlineMeetings/m/virtualAppointment failed: HTTP {status} "
                        "InvalidAuthenticationToken: Access token has expired. (request-id: r-7, client-request-id: "
                        f"c-7). {hint}")


# -- national clouds ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("endpoint,authority,resource", [
    ("https://graph.microsoft.com", "login.microsoftonline.com", "https://graph.microsoft.com"),
    ("https://graph.microsoft.us/", "login.microsoftonline.us", "https://graph.microsoft.us"),
    ("https://dod-graph.microsoft.us", "login.microsoftonline.us", "https://dod-graph.microsoft.us"),
    ("https://microsoftgraph.chinacloudapi.cn", "login.chinacloudapi.cn", "https://microsoftgraph.chinacloudapi.cn"),
    ("http://127.0.0.1:8765", "login.microsoftonline.com", "https://graph.microsoft.com"),
    ("http://localhost:9", "login.microsoftonline.com", "https://graph.microsoft.com"),
])
def test_the_endpoint_determines_authority_and_scope(endpoint, authority, resource):
    cloud = cloud_for(endpoint)
    assert cloud == Cloud(authority, resource)
    assert (cloud.delegated_scope, cloud.default_scope) == (f"{resource}/OnlineMeetings.ReadWrite", f"{resource}/.default")


@pytest.mark.parametrize("mode,scope", [("cli", "https://graph.microsoft.us/.default"), ("browser", US_SCOPE)])
def test_credentials_are_asked_for_the_endpoints_scope(mode, scope, record_file):
    factory = Factory()
    config = {"msgraph:auth": mode, "msgraph:endpoint": "https://graph.microsoft.us",
              "msgraph:authRecordPath": str(record_file)}
    token_source(settings(**config), factory)()
    assert factory.credential.calls == [(scope,)]


# -- caching and refresh ----------------------------------------------------------------------------------


def test_one_token_serves_every_request_until_five_minutes_before_expiry():
    clock = Clock()
    credential = FakeCredential(clock, lifetime=3600)
    cache = TokenCache(credential, [PUBLIC_SCOPE], clock=clock)
    assert [cache() for _ in range(3)] == ["token-1"] * 3
    clock.now += 3600 - 300 - 1
    assert cache() == "token-1"
    clock.now += 1
    assert cache() == "token-2" and credential.calls == [(PUBLIC_SCOPE,), (PUBLIC_SCOPE,)]


def test_a_short_lived_token_is_renewed_half_way_not_on_every_request():
    clock = Clock()
    credential = FakeCredential(clock, lifetime=240)
    cache = TokenCache(credential, ["s"], clock=clock)
    assert cache() == "token-1"
    clock.now += 119
    assert cache() == "token-1"
    clock.now += 1
    assert cache() == "token-2"


def test_concurrent_worker_threads_share_one_token_request():
    credential = FakeCredential(delay=0.05)
    cache = TokenCache(credential, ["s"])
    start = threading.Barrier(8)
    results = []

    def worker():
        start.wait()
        results.append(cache())

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == ["token-1"] * 8 and len(credential.calls) == 1


def test_the_graph_client_asks_the_credential_once_for_many_requests(emulator):
    factory = Factory()
    factory.credential = FakeCredential(tokens=[TOKEN])
    config = {"msgraph:auth": "cli", "msgraph:endpoint": emulator.url}
    client = GraphClient(settings(**config), token_source(settings(**config), factory), version="beta")
    emulator.seed("me/onlineMeetings/m1/virtualAppointment", {"externalAppointmentId": "a"})
    for _ in range(3):
        client.get("me/onlineMeetings/m1/virtualAppointment")
    assert len(emulator.requests()) == 3 and factory.credential.calls == [(PUBLIC_DEFAULT,)]


# -- delegated tokens only -------------------------------------------------------------------------------


def test_claims_are_read_from_a_jwt_and_opaque_tokens_have_none():
    assert token_claims(USER_TOKEN)["scp"] == "OnlineMeetings.ReadWrite User.Read"
    assert [token_claims(t) for t in ("dev-token", "a.b.c", "a.!!.c", "x.W10.y")] == [None, None, None, None]


def test_an_application_token_is_refused_before_any_request(emulator):
    config = {"msgraph:endpoint": emulator.url, "msgraph:accessToken": APP_TOKEN}
    client = GraphClient(settings(**config), token_source(settings(**config)), version="beta")
    with pytest.raises(ConfigurationError) as caught:
        client.get("me/onlineMeetings/m1/virtualAppointment")
    assert str(caught.value) == (
        "The token from msgraph:accessToken is an application (app-only) token: it carries application roles "
        "(OnlineMeetings.ReadWrite.All) and no delegated scopes (scp), so it was not sent. The virtualAppointment API "
        "accepts delegated permissions only (OnlineMeetings.ReadWrite, on behalf of a signed-in work or school user); "
        "application permissions cannot call it. Use a user's token: msgraph:auth=device_code or browser after "
        "`python -m pulumi_virtualappointment login`, msgraph:auth=cli after `az login`, or a delegated token in "
        "msgraph:accessToken.")
    assert emulator.requests() == []


def test_an_app_token_from_the_azure_cli_is_refused_too():
    factory = Factory()
    factory.credential = FakeCredential(tokens=[APP_TOKEN])
    with pytest.raises(ConfigurationError, match=r"^The token from msgraph:auth=cli is an application"):
        token_source(settings(**{"msgraph:auth": "cli"}), factory)()


@pytest.mark.parametrize("token", [USER_TOKEN, jwt({"roles": ["r"], "scp": "OnlineMeetings.ReadWrite"}), "dev-token"])
def test_delegated_and_opaque_tokens_are_accepted(token):
    assert token_source(settings(**{"msgraph:accessToken": token}))() == token


def test_a_provider_with_a_missing_sign_in_fails_before_any_request(emulator, tmp_path):
    from conftest import configured_provider

    provider = configured_provider(emulator.url, **{"msgraph:auth": "device_code",
                                                    "msgraph:authRecordPath": str(tmp_path / "r.json")})
    with pytest.raises(ConfigurationError, match="needs a saved sign-in"):
        provider.create({"onlineMeetingId": "m1"})
    assert emulator.requests() == []


@pytest.mark.parametrize("token,problem", [
    ("eyJ-SECRET-a\nSECRET-b", "a line break"),
    ("eyJ-SECRET-a\x7fb", "a control character"),
    ("eyJ-SECRET-aé", "a character that is not ASCII"),
])
def test_a_malformed_token_from_a_credential_is_refused_without_echoing_it(token, problem):
    """The same check as for msgraph:accessToken, on what a credential hands back (a broken az CLI,
    a proxy rewriting the token endpoint's answer)."""
    cache = TokenCache(FakeCredential(tokens=[token]), ["s"], source="msgraph:auth=cli")
    with pytest.raises(ConfigurationError) as caught:
        cache()
    assert str(caught.value).startswith(f"The token from msgraph:auth=cli contains {problem}")
    assert "SECRET" not in str(caught.value)


# -- a record path that is not a regular file ---------------------------------------------------------




@pytest.mark.parametrize("where", ["stack config", "environment"])
def test_a_fifo_as_the_record_path_is_refused_without_opening_it(tmp_path, where):
    fifo = tmp_path / "record.fifo"
    writer = WaitingWriter(fifo)
    try:
        config, environ = {"msgraph:auth": "device_code"}, {}
        if where == "stack config":
            config["msgraph:authRecordPath"] = str(fifo)
        else:
            environ["MSGRAPH_AUTH_RECORD_PATH"] = str(fifo)
        factory = Factory()
        with pytest.raises(ConfigurationError) as caught:
            token_source(resolve_settings(config.get, environ), factory)
        assert str(caught.value) == (
            f"msgraph:authRecordPath (MSGRAPH_AUTH_RECORD_PATH) names {fifo}, a FIFO (named pipe), not a regular file, "
            "so it was not read. Point it at the file `python -m pulumi_virtualappointment login` saved.")
        assert not writer.released.wait(0.2) and factory.built == []  # never opened for reading
    finally:
        writer.close()


def test_a_directory_as_the_record_path_is_refused_by_what_it_is(tmp_path):
    with pytest.raises(ConfigurationError, match=r"^msgraph:authRecordPath \(MSGRAPH_AUTH_RECORD_PATH\) names .*, a "
                                                 r"directory, not a regular file, so it was not read\."):
        token_source(settings(**{"msgraph:auth": "browser", "msgraph:authRecordPath": str(tmp_path)}), Factory())


def test_a_record_that_is_not_utf8_is_not_a_saved_sign_in(record_file):
    record_file.write_bytes(b"\xff\xfe{")
    with pytest.raises(ConfigurationError, match=r"is not a saved sign-in \(AuthenticationRecord\)\. Sign in once"):
        token_source(settings(**{"msgraph:auth": "browser", "msgraph:authRecordPath": str(record_file)}), Factory())


# -- redaction of secrets in credential messages ---------------------------------------------------------


@pytest.mark.parametrize("secret", ["a", "ai", "on", "nva", "tion", "grant", "invalid"])
def test_a_short_secret_leaves_ordinary_words_intact(secret):
    assert _redact("Authentication failed: invalid_grant", (secret,)) == "Authentication failed: invalid_grant"


@pytest.mark.parametrize("text, expected", [
    ("bad password a for ada", "bad password *** for ada"),
    ("password=a&client_id=app", "password=***&client_id=app"),
    ("'a' is wrong; a.", "'***' is wrong; ***."),
])
def test_a_short_secret_is_still_hidden_where_it_stands_alone(text, expected):
    assert _redact(text, ("a",)) == expected


def test_a_secret_of_eight_characters_or_more_is_hidden_everywhere_even_inside_words():
    text = "Secret pw-12345 and xpw-12345678y, pw-12345678pw-12345678 end"
    assert _redact(text, ("pw-12345678", "pw-12345")) == "Secret *** and x***y, ****** end"
    assert _redact("tokenabcdefgh", ("abcdefgh",)) == "token***"
    assert _redact("tokenabcdefg", ("abcdefg",)) == "tokenabcdefg"  # 7 characters: whole tokens only


def test_the_longer_of_two_overlapping_secrets_is_hidden_whole():
    assert _redact("got x-pw-12345678-y", ("pw-12345678", "x-pw-12345678-y")) == "got ***"


def test_a_short_password_does_not_mangle_the_credential_failure():
    class Refusing:
        def get_token(self, *scopes, **kwargs):
            raise ValueError("Authentication failed: invalid_grant")

    cache = TokenCache(Refusing(), ["s"], source="msgraph:auth=username_password", hint="Check it.", secrets=("a", "n"))
    with pytest.raises(ConfigurationError) as caught:
        cache()
    assert str(caught.value) == ("Could not get a Microsoft Graph token (msgraph:auth=username_password): "
                                 "Authentication failed: invalid_grant. Check it.")
