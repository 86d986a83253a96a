"""Provider settings from stack config and environment (stack config wins).

The engine hands a dynamic provider's ``configure`` the whole stack config with namespaces kept
(``msgraph:endpoint``) and secrets decrypted; outside the engine only the environment exists.
No secret is kept anywhere but in the provider process's memory.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, Optional
from urllib.parse import urlsplit

from ._errors import ConfigurationError

__all__ = ["Settings", "resolve_settings", "DEFAULT_ENDPOINT", "DEFAULT_API_VERSION"]

DEFAULT_ENDPOINT = "https://graph.microsoft.com"
DEFAULT_API_VERSION = "beta"
DEFAULT_MAX_RETRIES = 4
DEFAULT_TIMEOUT_SECONDS = 30.0

# stack config key -> environment variable
_KEYS = {
    "msgraph:endpoint": "MSGRAPH_ENDPOINT",
    "msgraph:apiVersion": "MSGRAPH_API_VERSION",
    "msgraph:accessToken": "MSGRAPH_ACCESS_TOKEN",
    "msgraph:maxRetries": "MSGRAPH_MAX_RETRIES",
    "msgraph:timeoutSeconds": "MSGRAPH_TIMEOUT_SECONDS",
}


@dataclass(frozen=True)
class Settings:
    """What the Graph client needs; ``repr`` never shows the token."""

    endpoint: str = DEFAULT_ENDPOINT
    api_version: str = DEFAULT_API_VERSION
    access_token: Optional[str] = field(default=None, repr=False)
    max_retries: int = DEFAULT_MAX_RETRIES
    timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS

    @property
    def base_url(self) -> str:
        """Service root plus version, e.g. ``https://graph.microsoft.com/beta``."""
        return f"{self.endpoint}/{self.api_version}"


def is_loopback(host: str) -> bool:
    """Whether ``host`` names this machine (plain http is allowed only there)."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _endpoint(value: str, source: str) -> str:
    parts = urlsplit(value.strip())
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise ConfigurationError(
            f"{source} must be an absolute URL such as https://graph.microsoft.com, got {value!r}"
        )
    if parts.scheme == "http" and not is_loopback(parts.hostname):
        raise ConfigurationError(
            f"{source} uses plain http:// to {parts.hostname}; a bearer token must travel over TLS, "
            "so use https:// (http:// is accepted only for a local emulator on 127.0.0.1 or localhost)"
        )
    if parts.query or parts.fragment:
        raise ConfigurationError(f"{source} must not carry a query or fragment, got {value!r}")
    return value.strip().rstrip("/")


def _number(value: Any, source: str, kind: Callable, low: float, high: float) -> Any:
    try:
        number = kind(value)
    except (TypeError, ValueError):
        number = None
    if number is None or not low <= number <= high:
        raise ConfigurationError(f"{source} must be a number from {low} to {high}, got {value!r}")
    return number


def resolve_settings(config_get: Callable[[str], Any], environ: Mapping[str, str]) -> Settings:
    """Read every key from stack config first, then the environment, then the default."""
    values: dict[str, tuple[Any, str]] = {}
    for key, env in _KEYS.items():
        value = config_get(key)
        if value not in (None, ""):
            values[key] = (value, f"stack config {key}")
        elif environ.get(env):
            values[key] = (environ[env], f"environment variable {env}")

    def pick(key: str, default: Any) -> tuple[Any, str]:
        return values.get(key, (default, key))

    endpoint = _endpoint(*pick("msgraph:endpoint", DEFAULT_ENDPOINT))
    version, version_source = pick("msgraph:apiVersion", DEFAULT_API_VERSION)
    version = str(version).strip("/ ")
    if not version or "/" in version:
        raise ConfigurationError(f"{version_source} must be an API version such as beta, got {version!r}")
    token = values.get("msgraph:accessToken", (None, ""))[0]
    return Settings(
        endpoint=endpoint,
        api_version=version,
        access_token=str(token).strip() if token else None,
        max_retries=_number(*pick("msgraph:maxRetries", DEFAULT_MAX_RETRIES), int, 0, 10),
        timeout_seconds=_number(*pick("msgraph:timeoutSeconds", DEFAULT_TIMEOUT_SECONDS), float, 1, 600),
    )
