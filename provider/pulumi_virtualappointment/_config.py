"""Provider settings from stack config and environment (stack config wins).

The engine hands a dynamic provider's ``configure`` the whole stack config with namespaces kept
(``msgraph:endpoint``) and secrets decrypted; outside the engine only the environment exists.
No secret is kept anywhere but in the provider process's memory.
"""

from __future__ import annotations

import difflib
import ipaddress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping, Optional
from urllib.parse import urlsplit

from ._errors import ConfigurationError

__all__ = ["Settings", "resolve_settings", "check_keys", "environment_notes", "AUTH_MODES", "API_VERSIONS", "DEFAULT_ENDPOINT",
           "DEFAULT_API_VERSION"]

DEFAULT_ENDPOINT = "https://graph.microsoft.com"
DEFAULT_API_VERSION = None
"""Unset: each resource uses its own version (virtualAppointment beta, onlineMeeting v1.0)."""
DEFAULT_MAX_RETRIES = 4
DEFAULT_TIMEOUT_SECONDS = 30.0
DEFAULT_OPERATION_TIMEOUT_SECONDS = 300.0
API_VERSIONS = ("v1.0", "beta")
"""The Graph versions there are; ``msgraph:apiVersion`` forces one on every resource."""
AUTH_MODES = ("token", "cli", "device_code", "browser", "username_password")
"""Values of ``msgraph:auth``; ``_auth`` builds one credential per mode."""

# stack config key -> environment variable
_KEYS = {
    "msgraph:endpoint": "MSGRAPH_ENDPOINT",
    "msgraph:apiVersion": "MSGRAPH_API_VERSION",
    "msgraph:accessToken": "MSGRAPH_ACCESS_TOKEN",
    "msgraph:maxRetries": "MSGRAPH_MAX_RETRIES",
    "msgraph:timeoutSeconds": "MSGRAPH_TIMEOUT_SECONDS",
    "msgraph:operationTimeoutSeconds": "MSGRAPH_OPERATION_TIMEOUT_SECONDS",
    "msgraph:auth": "MSGRAPH_AUTH",
    "msgraph:tenantId": "AZURE_TENANT_ID",
    "msgraph:clientId": "AZURE_CLIENT_ID",
    "msgraph:username": "MSGRAPH_USERNAME",
    "msgraph:password": "MSGRAPH_PASSWORD",
    "msgraph:authRecordPath": "MSGRAPH_AUTH_RECORD_PATH",
    "msgraph:allowUnencryptedCache": "MSGRAPH_ALLOW_UNENCRYPTED_CACHE",
}
_TRUE, _FALSE = ("true", "1", "yes"), ("false", "0", "no")


@dataclass(frozen=True)
class Settings:
    """What the Graph client and its credential need; ``repr`` never shows the token or password."""

    endpoint: str = DEFAULT_ENDPOINT
    api_version: Optional[str] = DEFAULT_API_VERSION
    """``msgraph:apiVersion``: when set, every resource uses it instead of its own version."""
    access_token: Optional[str] = field(default=None, repr=False)
    max_retries: int = DEFAULT_MAX_RETRIES
    timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS
    """Wall time of one request, connect to last byte."""
    operation_timeout_seconds: float = DEFAULT_OPERATION_TIMEOUT_SECONDS
    """Wall time of one provider operation (create, read, update, delete), retries included."""
    auth: Optional[str] = None
    """One of ``AUTH_MODES``; ``None`` means token mode when a token is set."""
    tenant_id: Optional[str] = None
    client_id: Optional[str] = None
    username: Optional[str] = None
    password: Optional[str] = field(default=None, repr=False)
    auth_record_path: Optional[str] = None
    """Where ``login`` saved the AuthenticationRecord; ``None`` means the default under home."""
    allow_unencrypted_cache: bool = False
    """Keep the persistent token cache in plain text where no keyring exists (headless Linux)."""
    sources: Mapping[str, str] = field(default_factory=dict, compare=False)
    """Where each setting came from, as the user set it (``stack config msgraph:endpoint``)."""
    names: Mapping[str, str] = field(default_factory=dict, compare=False)
    """How the user sets each one, for advice (``stack config msgraph:endpoint or MSGRAPH_ENDPOINT``)."""
    notes: tuple[str, ...] = field(default=(), compare=False)
    """Things the reader should be told but that stop nothing (a near-miss ``MSGRAPH_`` variable)."""

    def source(self, key: str) -> str:
        """Where the setting ``key`` came from, or that it is the default."""
        return self.sources.get(key) or f"the default: {key} is unset"

    def name(self, key: str) -> str:
        """How the user sets ``key`` (stack config and environment for the provider; a command's flags)."""
        return self.names.get(key) or f"stack config {key} or {_KEYS.get(key, key)}"

    def base_url(self, version: str) -> str:
        """Service root plus version, e.g. ``https://graph.microsoft.com/beta``: ``version`` (a
        resource's own) unless msgraph:apiVersion overrides it."""
        return f"{self.endpoint}/{self.api_version or version}"

    @property
    def record_file(self) -> Path:
        """Where ``login`` saves the AuthenticationRecord (account ids, no secrets) for silent runs."""
        if self.auth_record_path:
            return Path(self.auth_record_path).expanduser()
        return Path.home() / ".pulumi-virtualappointment" / "auth-record.json"


def is_loopback(host: str) -> bool:
    """Whether ``host`` names this machine (plain http is allowed only there)."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _endpoint(value: str, source: str) -> str:
    def refused(problem: str) -> ConfigurationError:
        return ConfigurationError(f"{source} {problem}: give an absolute URL such as https://graph.microsoft.com, "
                                  f"got {value!r}")

    try:
        parts = urlsplit(str(value).strip())
        port = parts.port
    except ValueError as exc:  # "Invalid IPv6 URL", "Port out of range 0-65535", a port that is not a number
        if "port" in str(exc).lower():
            raise refused("has a port that is not one (1-65535)") from None
        raise refused(f"is not a URL ({exc})") from None
    if port == 0:
        raise refused("has a port that is not one (1-65535)")
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


def _mode(value: Any, source: str) -> Optional[str]:
    if value is None:
        return None
    mode = str(value).strip().lower().replace("-", "_")
    if mode not in AUTH_MODES:
        raise ConfigurationError(f"{source} must be one of {', '.join(AUTH_MODES)}, got {value!r}")
    return mode


def _flag(value: Any, source: str) -> bool:
    text = str(value).strip().lower()  # str(True) is "True": stack config may hold a real bool
    if text in _TRUE + _FALSE:
        return text in _TRUE
    raise ConfigurationError(f"{source} must be true or false, got {value!r}")


def _text(value: Any) -> Optional[str]:
    return (str(value).strip() or None) if value is not None else None


def check_keys(config_keys: Iterable[str]) -> None:
    """Refuse a ``msgraph:`` stack config key this package does not know, naming the nearest one it
    does (or listing them): a typo (``msgraph:endpiont``) would otherwise be ignored, and a token meant
    for the emulator sent to the real Graph."""
    for key in config_keys:
        if key.startswith("msgraph:") and key not in _KEYS:
            near = _nearest(key, list(_KEYS))
            guess = f"did you mean {near}?" if near else f"its settings are {', '.join(_KEYS)}"
            raise ConfigurationError(f"stack config {key} is not a setting of pulumi-virtualappointment; {guess}")


def environment_notes(environ: Mapping[str, str]) -> tuple[str, ...]:
    """A note for each ``MSGRAPH_`` variable that is not one of this package's but nearly is one
    (``MSGRAPH_ACCES_TOKEN``). Only a note: other tools use that prefix for settings of their own
    (``MSGRAPH_CLIENT_SECRET``), and the environment is not this package's to refuse."""
    known = sorted({env for env in _KEYS.values() if env.startswith("MSGRAPH_")})
    notes = []
    for name in sorted(environ):
        if name.startswith("MSGRAPH_") and name not in known:
            near = _nearest(name, known, cutoff=0.8)
            if near:
                notes.append(f"environment variable {name} is not a setting of pulumi-virtualappointment and is "
                             f"ignored; did you mean {near}?")
    return tuple(notes)


def _nearest(name: str, choices: list[str], cutoff: float = 0.6) -> Optional[str]:
    """The nearest of ``choices`` after their shared prefix (``msgraph:``/``MSGRAPH_``: no evidence)."""
    near = difflib.get_close_matches(name[8:], [c[8:] for c in choices], n=1, cutoff=cutoff)
    return f"{name[:8]}{near[0]}" if near else None


def _read(config_get: Callable[[str], Any], environ: Mapping[str, str],
          config_name: Callable[[str], Optional[str]]) -> dict[str, tuple[Any, str]]:
    """Each key's value with where it came from (for error messages); stack config first."""
    values: dict[str, tuple[Any, str]] = {}
    for key, env in _KEYS.items():
        value = config_get(key)
        if value not in (None, ""):
            values[key] = (value, config_name(key) or key)
        elif environ.get(env):
            values[key] = (environ[env], f"environment variable {env}")
    return values


def _stack_config(key: str) -> str:
    return f"stack config {key}"


def resolve_settings(config_get: Callable[[str], Any], environ: Mapping[str, str],
                     config_keys: Iterable[str] = (),
                     config_name: Callable[[str], Optional[str]] = _stack_config) -> Settings:
    """Read every key from stack config first, then the environment, then the default; a ``msgraph:``
    key among ``config_keys`` (the whole stack config) or an ``MSGRAPH_`` variable this package does
    not know is refused first (:func:`check_keys`); an ``MSGRAPH_`` variable that nearly names one is
    noted (``Settings.notes``). ``config_name`` says how messages name what ``config_get`` reads (stack
    config for the provider; a command's flags, ``None`` for a setting it has no flag for), so advice
    never names a setting the reader does not read."""
    check_keys(config_keys)
    values = _read(config_get, environ, config_name)

    def pick(key: str, default: Any) -> tuple[Any, str]:
        return values.get(key, (default, key))

    def text(key: str) -> Optional[str]:
        return _text(values.get(key, (None, ""))[0])

    endpoint = _endpoint(*pick("msgraph:endpoint", DEFAULT_ENDPOINT))
    version, version_source = pick("msgraph:apiVersion", DEFAULT_API_VERSION)
    if version is not None:
        given, version = version, str(version).strip("/ ").lower()
        if version not in API_VERSIONS:
            raise ConfigurationError(f"{version_source} must be {' or '.join(API_VERSIONS)} (or unset: each resource "
                                     f"uses its own), got {given!r}")
    return Settings(
        endpoint=endpoint,
        api_version=version,
        access_token=text("msgraph:accessToken"),
        max_retries=_number(*pick("msgraph:maxRetries", DEFAULT_MAX_RETRIES), int, 0, 10),
        timeout_seconds=_number(*pick("msgraph:timeoutSeconds", DEFAULT_TIMEOUT_SECONDS), float, 1, 600),
        operation_timeout_seconds=_number(
            *pick("msgraph:operationTimeoutSeconds", DEFAULT_OPERATION_TIMEOUT_SECONDS), float, 1, 3600
        ),
        auth=_mode(*pick("msgraph:auth", None)),
        tenant_id=text("msgraph:tenantId"),
        client_id=text("msgraph:clientId"),
        username=text("msgraph:username"),
        password=_password(values),
        auth_record_path=text("msgraph:authRecordPath"),
        allow_unencrypted_cache=_flag(*pick("msgraph:allowUnencryptedCache", False)),
        sources={key: source for key, (_, source) in values.items()},
        names={key: f"{config_name(key)} or {env}" if config_name(key) else env for key, env in _KEYS.items()},
        notes=environment_notes(environ),
    )


def _password(values: Mapping[str, tuple[Any, str]]) -> Optional[str]:
    """Passwords are taken verbatim: leading or trailing spaces may be part of them."""
    value = values.get("msgraph:password", (None, ""))[0]
    return str(value) if value else None
