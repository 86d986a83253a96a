"""Settings from stack config and environment; stack config wins (pure tier)."""

import pytest

from pulumi_virtualappointment import ConfigurationError
from pulumi_virtualappointment._auth import token_source
from pulumi_virtualappointment._config import resolve_settings


def _config(**values):
    return lambda key: values.get(key)


def test_defaults_are_public_graph_beta():
    s = resolve_settings(_config(), {})
    assert (s.base_url, s.access_token, s.max_retries, s.timeout_seconds) == (
        "https://graph.microsoft.com/beta", None, 4, 30.0)


def test_stack_config_wins_over_environment():
    env = {"MSGRAPH_ENDPOINT": "https://graph.microsoft.us", "MSGRAPH_ACCESS_TOKEN": "env-token", "MSGRAPH_API_VERSION": "v1.0"}
    s = resolve_settings(_config(**{"msgraph:endpoint": "http://127.0.0.1:8765/", "msgraph:accessToken": "cfg-token"}), env)
    assert (s.base_url, s.access_token) == ("http://127.0.0.1:8765/v1.0", "cfg-token")


def test_environment_is_the_fallback():
    s = resolve_settings(_config(), {"MSGRAPH_ENDPOINT": "https://graph.microsoft.us", "MSGRAPH_ACCESS_TOKEN": "t",
                                     "MSGRAPH_MAX_RETRIES": "2", "MSGRAPH_TIMEOUT_SECONDS": "5"})
    assert (s.base_url, s.access_token, s.max_retries, s.timeout_seconds) == ("https://graph.microsoft.us/beta", "t", 2, 5.0)


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
        ("msgraph:apiVersion", "beta/x", "must be an API version"),
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
