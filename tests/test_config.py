"""Settings from stack config and environment; stack config wins (pure tier)."""

import pytest

from pulumi_virtualappointment import ConfigurationError
from pulumi_virtualappointment._auth import token_source
from pulumi_virtualappointment._config import resolve_settings


def _config(**values):
    return lambda key: values.get(key)


def test_defaults_are_public_graph_at_each_resources_own_version():
    s = resolve_settings(_config(), {})
    assert (s.base_url("beta"), s.base_url("v1.0"), s.access_token, s.max_retries, s.timeout_seconds,
            s.operation_timeout_seconds) == (
        "https://graph.microsoft.com/beta", "https://graph.microsoft.com/v1.0", None, 4, 30.0, 300.0)


def test_api_version_set_overrides_every_resources_own():
    s = resolve_settings(_config(**{"msgraph:apiVersion": "beta"}), {})
    assert (s.base_url("v1.0"), s.base_url("beta")) == ("https://graph.microsoft.com/beta",) * 2


def test_stack_config_wins_over_environment():
    env = {"MSGRAPH_ENDPOINT": "https://graph.microsoft.us", "MSGRAPH_ACCESS_TOKEN": "env-token", "MSGRAPH_API_VERSION": "v1.0"}
    s = resolve_settings(_config(**{"msgraph:endpoint": "http://127.0.0.1:8765/", "msgraph:accessToken": "cfg-token"}), env)
    assert (s.base_url("beta"), s.access_token) == ("http://127.0.0.1:8765/v1.0", "cfg-token")


def test_environment_is_the_fallback():
    s = resolve_settings(_config(), {"MSGRAPH_ENDPOINT": "https://graph.microsoft.us", "MSGRAPH_ACCESS_TOKEN": "t",
                                     "MSGRAPH_MAX_RETRIES": "2", "MSGRAPH_TIMEOUT_SECONDS": "5",
                                     "MSGRAPH_OPERATION_TIMEOUT_SECONDS": "60"})
    assert (s.base_url("beta"), s.access_token, s.max_retries, s.timeout_seconds, s.operation_timeout_seconds) == (
        "https://graph.microsoft.us/beta", "t", 2, 5.0, 60.0)


@pytest.mark.parametrize("endpoint", ["http://127.0.0.1:1", "http://localhost:9", "http://[::1]:9", "http://127.5.0.1"])
def test_plain_http_is_accepted_for_loopback(endpoint):
    assert resolve_settings(_config(**{"msgraph:endpoint": endpoint}), {}).endpoint == endpoint


@pytest.mark.parametrize("endpoint", ["http://graph.microsoft.com", "http://10.0.0.5:8765", "http://192.168.1.2"])
def test_plain_http_is_refused_elsewhere(endpoint):
    with pytest.raises(ConfigurationError, match=r"stack config msgraph:endpoint uses plain http://.*use https://"):
        resolve_settings(_config(**{"msgraph:endpoint": endpoint}), {})


@pytest.mark.parametrize(
    "key,value,message",
    [
        ("msgraph:endpoint", "graph.microsoft.com", "must be an absolute URL"),
        ("msgraph:apiVersion", "beta/x", "must be v1.0 or beta"),
        ("msgraph:maxRetries", "many", "msgraph:maxRetries must be a number from 0 to 10, got 'many'"),
        ("msgraph:timeoutSeconds", "0", "must be a number from 1 to 600"),
    ],
)
def test_bad_values_name_the_key(key, value, message):
    with pytest.raises(ConfigurationError, match=message.replace("(", r"\(")):
        resolve_settings(_config(**{key: value}), {})


def test_token_never_appears_in_the_settings_repr():
    s = resolve_settings(_config(**{"msgraph:accessToken": "sekrit-123"}), {})
    assert "sekrit-123" not in repr(s)


def test_missing_token_error_says_how_to_set_one():
    with pytest.raises(ConfigurationError, match=r"pulumi config set --secret msgraph:accessToken.*MSGRAPH_ACCESS_TOKEN"):
        token_source(resolve_settings(_config(), {}))


AUTH_ENV = {"MSGRAPH_AUTH": "cli", "AZURE_TENANT_ID": "env-tenant", "AZURE_CLIENT_ID": "env-app",
            "MSGRAPH_USERNAME": "env@contoso.com", "MSGRAPH_PASSWORD": "env-pw", "MSGRAPH_AUTH_RECORD_PATH": "/env/r.json",
            "MSGRAPH_ALLOW_UNENCRYPTED_CACHE": "yes"}


def _auth_fields(s):
    return (s.auth, s.tenant_id, s.client_id, s.username, s.password, s.auth_record_path, s.allow_unencrypted_cache)


def test_auth_keys_fall_back_to_the_environment():
    assert _auth_fields(resolve_settings(_config(), AUTH_ENV)) == (
        "cli", "env-tenant", "env-app", "env@contoso.com", "env-pw", "/env/r.json", True)


def test_stack_config_wins_for_every_auth_key():
    config = _config(**{"msgraph:auth": "device_code", "msgraph:tenantId": "cfg-tenant", "msgraph:clientId": "cfg-app",
                        "msgraph:username": "cfg@contoso.com", "msgraph:password": "cfg-pw",
                        "msgraph:authRecordPath": "/cfg/r.json", "msgraph:allowUnencryptedCache": "false"})
    assert _auth_fields(resolve_settings(config, AUTH_ENV)) == (
        "device_code", "cfg-tenant", "cfg-app", "cfg@contoso.com", "cfg-pw", "/cfg/r.json", False)


def test_auth_defaults_leave_the_mode_to_the_token():
    assert _auth_fields(resolve_settings(_config(), {})) == (None, None, None, None, None, None, False)


@pytest.mark.parametrize("value,mode", [("Browser", "browser"), (" device-code ", "device_code"), ("token", "token")])
def test_auth_mode_spelling_is_forgiving(value, mode):
    assert resolve_settings(_config(**{"msgraph:auth": value}), {}).auth == mode


def test_an_unknown_mode_lists_the_modes():
    with pytest.raises(ConfigurationError) as caught:
        resolve_settings(_config(), {"MSGRAPH_AUTH": "managed_identity"})
    assert str(caught.value) == ("environment variable MSGRAPH_AUTH must be one of token, cli, device_code, browser, "
                                 "username_password, got 'managed_identity'")


def test_unencrypted_cache_flag_must_be_a_boolean():
    with pytest.raises(ConfigurationError, match=r"^stack config msgraph:allowUnencryptedCache must be true or false, got 'maybe'$"):
        resolve_settings(_config(**{"msgraph:allowUnencryptedCache": "maybe"}), {})


def test_password_is_kept_verbatim_and_never_in_the_repr():
    s = resolve_settings(_config(**{"msgraph:password": " pw with spaces ", "msgraph:username": "ada"}), {})
    assert s.password == " pw with spaces " and "pw with spaces" not in repr(s)


@pytest.mark.parametrize("endpoint,problem", [
    ("https://[::1", "is not a URL (Invalid IPv6 URL)"),
    ("http://127.0.0.1:99999", "has a port that is not one (1-65535)"),
    ("http://127.0.0.1:0", "has a port that is not one (1-65535)"),
    ("https://graph.microsoft.com:abc", "has a port that is not one (1-65535)"),
])
def test_a_malformed_endpoint_is_a_configuration_error_naming_the_setting(endpoint, problem):
    """Issue 17: these reached the first request, as a traceback or as five retries reported as a
    Graph failure."""
    with pytest.raises(ConfigurationError) as caught:
        resolve_settings(_config(**{"msgraph:endpoint": endpoint}), {})
    assert str(caught.value) == (f"stack config msgraph:endpoint {problem}: give an absolute URL such as "
                                 f"https://graph.microsoft.com, got {endpoint!r}")


@pytest.mark.parametrize("version", ["v2", "v1", "beta/x", ""])
def test_the_api_version_is_v1_or_beta(version):
    with pytest.raises(ConfigurationError, match=r"^environment variable MSGRAPH_API_VERSION must be v1\.0 or beta "
                                                 r"\(or unset: each resource uses its own\), got "):
        resolve_settings(_config(), {"MSGRAPH_API_VERSION": version or " "})


@pytest.mark.parametrize("version,kept", [("v1.0", "v1.0"), ("beta", "beta"), ("/beta/", "beta"), ("Beta ", "beta")])
def test_both_api_versions_are_accepted(version, kept):
    assert resolve_settings(_config(**{"msgraph:apiVersion": version}), {}).api_version == kept


def test_an_unknown_msgraph_key_names_the_nearest_setting():
    """Issue 17: `msgraph:endpiont` was ignored, and a dev token went to the real Graph."""
    from pulumi_virtualappointment._config import check_keys

    with pytest.raises(ConfigurationError) as caught:
        check_keys(["msgraph:endpiont", "project:subject", "aws:region"])
    assert str(caught.value) == ("stack config msgraph:endpiont is not a setting of pulumi-virtualappointment; did "
                                 "you mean msgraph:endpoint?")
    with pytest.raises(ConfigurationError) as caught:
        check_keys(["msgraph:zzz"])
    assert str(caught.value).startswith("stack config msgraph:zzz is not a setting of pulumi-virtualappointment; its "
                                        "settings are msgraph:endpoint, msgraph:apiVersion, msgraph:accessToken, ")
    check_keys(["msgraph:endpoint", "msgraph:accessToken", "proj:x"])


def test_an_msgraph_variable_of_another_tool_is_no_error_and_a_near_miss_of_ours_a_note():
    """Found by review: MSGRAPH_CLIENT_ID, MSGRAPH_CLIENT_SECRET and the like are other tools'
    settings; refusing them failed every run. A variable that nearly names one of ours is noted."""
    environ = {"MSGRAPH_CLIENT_ID": "x", "MSGRAPH_CLIENT_SECRET": "y", "MSGRAPH_ACCES_TOKEN": "t",
               "MSGRAPH_ENDPOINT": "https://graph.microsoft.com"}
    settings = resolve_settings(_config(), environ)
    assert settings.notes == ("environment variable MSGRAPH_ACCES_TOKEN is not a setting of pulumi-virtualappointment "
                              "and is ignored; did you mean MSGRAPH_ACCESS_TOKEN?",)