"""Where the bearer token comes from: one credential per provider process, its token cached.

``msgraph:auth`` (``MSGRAPH_AUTH``) picks the credential; every mode yields a *delegated*
token, since the virtualAppointment API takes no application permissions:

    token              a ready token from msgraph:accessToken / MSGRAPH_ACCESS_TOKEN
    cli                azure-identity AzureCliCredential (the user of ``az login``)
    device_code        DeviceCodeCredential          silent after a one-time ``login``, from the
    browser            InteractiveBrowserCredential  saved AuthenticationRecord + persistent cache
    username_password  UsernamePasswordCredential (no MFA; deprecated by Microsoft)

Credentials are built in the provider process from stack config or environment, never from
resource inputs, so neither state nor the pickled provider holds a secret. The provider never
prompts: the engine runs it without a terminal (its stdout is the gRPC handshake), so the
interactive credentials get ``disable_automatic_authentication=True`` and a missing sign-in
fails at once with the command that fixes it. No mode probes the network on its own (no
``DefaultAzureCredential``, whose chain calls the managed-identity endpoint).

azure-identity is imported only when a mode needs it: token mode, ``check`` and ``diff`` never
pay for importing it and msal.
"""

from __future__ import annotations

import base64
import json
import os
import re
import stat
import threading
import time
import warnings
from dataclasses import dataclass
from typing import Any, Callable, NamedTuple, Optional, Sequence
from urllib.parse import urlsplit

from ._config import Settings, is_loopback
from ._errors import ConfigurationError, GraphError, _shown

__all__ = [
    "token_source", "build_credential", "TokenCache", "StaticToken", "Cloud", "cloud_for", "token_claims",
    "refuse_application_token", "check_token", "cache_options", "azure_factory", "login_command",
    "DEFAULT_CLIENT_ID", "CACHE_NAME", "REFRESH_MARGIN", "file_kind", "read_regular_file",
]

DEFAULT_CLIENT_ID = "04b07795-8ddb-461a-bbee-02f9e1bf7b46"
"""azure-identity's own default public client (the Azure CLI's app), used without msgraph:clientId."""
CACHE_NAME = "pulumi-virtualappointment"
"""Name of the persistent token cache shared by ``login`` and the provider."""
REFRESH_MARGIN = 300.0
"""Seconds before expiry at which a cached token is replaced."""
PERMISSION = "OnlineMeetings.ReadWrite"
_PUBLIC = "login.microsoftonline.com"
_AUTHORITIES = {
    "graph.microsoft.com": _PUBLIC,
    "graph.microsoft.us": "login.microsoftonline.us",
    "dod-graph.microsoft.us": "login.microsoftonline.us",
    "microsoftgraph.chinacloudapi.cn": "login.chinacloudapi.cn",
}
_TENANT = re.compile(r"[A-Za-z0-9.-]+")
"""What azure-identity accepts as a tenant (a GUID or a domain); it raises ``ValueError`` for anything else."""
_NEVER = 2**62
"""``expires_on`` of a ready token: it cannot be renewed, so it is never refreshed (Graph's 401 says
when it has expired)."""

def _no_token(settings: Settings) -> str:
    return (
        f"{settings.source('msgraph:auth')} is token but no token is set. Set a delegated access token in "
        f"{_token_setting(settings)} (the API accepts delegated permissions only: OnlineMeetings.ReadWrite). "
        "For the local emulator any non-empty token works."
    )


def _token_setting(settings: Settings) -> str:
    """Where a token goes, as this reader takes one (a secret in stack config for the provider)."""
    name = settings.name("msgraph:accessToken")
    if name.startswith("stack config "):
        return "stack config (`pulumi config set --secret msgraph:accessToken <token>`) or MSGRAPH_ACCESS_TOKEN"
    return name


def _missing(settings: Settings) -> str:
    """No credentials: every way to sign in, each named as this reader sets it."""
    name = settings.name
    return (
        f"No Microsoft Graph credentials are configured. Choose how to sign in with {name('msgraph:auth')}: "
        f"token: a ready delegated token in {_token_setting(settings)} (for the local emulator any non-empty "
        "token works); cli: the user signed in with `az login`; device_code or browser: sign in once with "
        "`python -m pulumi_virtualappointment login`, later runs are silent; username_password: "
        f"{name('msgraph:username')} and {name('msgraph:password')} (no MFA; deprecated). "
        f"{name('msgraph:tenantId')} and {name('msgraph:clientId')} pick the tenant and the app registration. "
        "The API accepts delegated permissions only (OnlineMeetings.ReadWrite)."
    )


_APP_TOKEN = (
    "The token from {source} is an application (app-only) token: it carries application roles "
    "({roles}) and no delegated scopes (scp), so it was not sent. The virtualAppointment API accepts "
    "delegated permissions only (OnlineMeetings.ReadWrite, on behalf of a signed-in work or school "
    "user); application permissions cannot call it. Use a user's token: msgraph:auth=device_code or "
    "browser after `python -m pulumi_virtualappointment login`, msgraph:auth=cli after `az login`, or a "
    "delegated token in msgraph:accessToken."
)
_ROPC_WARNING = (
    "msgraph:auth=username_password sends the password to Microsoft Entra ID: it cannot satisfy "
    "multi-factor authentication and Microsoft has deprecated it. Prefer device_code or browser with a "
    "one-time `python -m pulumi_virtualappointment login`."
)

CredentialFactory = Callable[..., Any]
"""``factory("DeviceCodeCredential", **kwargs)``: builds an azure-identity credential by class name.
Tests pass a fake; nothing else in this module constructs a credential."""


class _Token(NamedTuple):
    token: str
    expires_on: int


def _identity() -> Any:
    """azure.identity, imported on first use (it pulls in msal)."""
    import azure.identity

    return azure.identity


def azure_factory(name: str, **kwargs: Any) -> Any:
    """The real factory: ``azure.identity.<name>(**kwargs)``. Constructing makes no request."""
    return getattr(_identity(), name)(**kwargs)


# -- clouds -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Cloud:
    """The sign-in authority and the token audience that go with a Graph endpoint."""

    authority: str
    resource: str

    @property
    def delegated_scope(self) -> str:
        """What the user credentials request: consent is asked for exactly this permission."""
        return f"{self.resource}/{PERMISSION}"

    @property
    def default_scope(self) -> str:
        """The Azure CLI accepts only ``/.default`` scopes."""
        return f"{self.resource}/.default"


def cloud_for(endpoint: str) -> Cloud:
    """National clouds sign in at their own authority; the emulator (loopback) and unknown hosts
    use the public one. The audience is always the endpoint's own host, never a hard-coded one."""
    host = (urlsplit(endpoint).hostname or "").lower()
    if not host or is_loopback(host):
        return Cloud(_PUBLIC, "https://graph.microsoft.com")
    return Cloud(_AUTHORITIES.get(host, _PUBLIC), f"https://{host}")


# -- the token itself ---------------------------------------------------------------------------


def token_claims(token: str) -> Optional[dict]:
    """The JWT payload, *not verified* (Graph verifies); ``None`` for an opaque token such as the
    emulator's plain strings, which are accepted as they are."""
    parts = token.split(".")
    if len(parts) != 3:
        return None
    try:
        claims = json.loads(base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4)))
    except ValueError:  # binascii.Error, JSONDecodeError and UnicodeDecodeError are ValueErrors
        return None
    return claims if isinstance(claims, dict) else None


def refuse_application_token(token: str, source: str) -> None:
    """Roles without scopes mean an app-only token: Graph would answer 403 on every call, so say
    why before sending anything."""
    claims = token_claims(token) or {}
    roles = claims.get("roles")
    if roles and not claims.get("scp"):
        names = ", ".join(map(str, roles)) if isinstance(roles, list) else str(roles)
        raise ConfigurationError(_APP_TOKEN.format(source=source, roles=names))


def _malformed(token: str) -> Optional[str]:
    """What makes ``token`` unusable in an ``Authorization`` header, without quoting it: a bearer
    token is visible ASCII (a JWT is base64url and dots), so a wrapped or decorated copy fails here
    instead of in ``requests``, whose error would quote the header, token and all."""
    if not token:
        return "nothing"
    for position, char in enumerate(token, 1):
        if char in "\r\n":
            return f"a line break (character {position})"
        if char.isspace():
            return f"a space (character {position})"
        if not char.isascii():
            return f"a character that is not ASCII (character {position})"
        if not char.isprintable():
            return f"a control character (character {position})"
    return None


def check_token(token: str, source: str) -> None:
    """Refuse a token that cannot be sent as it is; the message never contains the token."""
    problem = _malformed(token)
    if problem is not None:
        raise ConfigurationError(
            f"The token from {source} contains {problem}, so it was not sent; copy it again as one line, "
            "without spaces, quotes or line breaks."
        )


_WHOLE_TOKENS_BELOW = 8
"""Secrets shorter than this are hidden only where they stand as a whole token (see ``_redact``)."""


def _redact(text: str, secrets: Sequence[Optional[str]]) -> str:
    """``text`` with each secret replaced by ``***``.

    A secret of 8 characters or more is replaced wherever it occurs, inside longer text too: a
    token or password glued to other characters (``password=...``, a URL) is still hidden. A
    shorter one is replaced only as a whole token (not preceded or followed by a letter, digit or
    ``_``): a 1-character password ``a`` would otherwise turn "invalid_grant" into
    "inv***lid_gr***nt", hiding the very error the user needs, and a secret that short is no
    secret inside a word, where it cannot be told from the word (Entra ID passwords have 8
    characters at least; tokens have hundreds). One pass over the text, longest secret first, so
    a secret inside another is never half-replaced, and ``***`` itself is never re-matched.
    """
    unique = sorted(set(filter(None, secrets)), key=len, reverse=True)
    if not unique:
        return text
    pattern = "|".join(
        re.escape(secret) if len(secret) >= _WHOLE_TOKENS_BELOW else rf"(?<!\w){re.escape(secret)}(?!\w)"
        for secret in unique
    )
    return re.sub(pattern, "***", text)


_KINDS = (
    (stat.S_ISDIR, "a directory"),
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


def file_kind(mode: int) -> str:
    """What a file that is not a regular one is, for a message (``a FIFO (named pipe)``)."""
    return next((name for test, name in _KINDS if test(mode)), "not a regular file")


def read_regular_file(path: "os.PathLike[str] | str", refuse: Callable[[str], Exception]) -> bytes:
    """The bytes of ``path`` (links followed) if it is a regular file; else ``refuse(kind)`` is raised.

    Anything else is refused by ``stat`` before it is opened: opening a FIFO for reading waits for
    a writer (forever, in a pipeline; and it would release a writer waiting for a reader), and a
    device can be read forever. The open itself cannot wait either (``O_NONBLOCK``, which does not
    change how a regular file reads) and is checked again on the descriptor, so a FIFO put there
    between the two is refused too. ``OSError`` (no such file, permission) propagates.
    """
    mode = os.stat(path).st_mode
    if not stat.S_ISREG(mode):
        raise refuse(file_kind(mode))
    descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0))
    with open(descriptor, "rb") as handle:
        mode = os.fstat(descriptor).st_mode
        if not stat.S_ISREG(mode):
            raise refuse(file_kind(mode))
        return handle.read()


class StaticToken:
    """A ready bearer token (token mode), shaped like an azure-identity credential."""

    def __init__(self, token: str):
        self._token = token

    def get_token(self, *scopes: str, **kwargs: Any) -> _Token:
        return _Token(self._token, _NEVER)

    def __repr__(self) -> str:
        return "StaticToken(***)"


class TokenCache:
    """One token for all of the provider server's worker threads, replaced ``margin`` seconds
    before it expires (or half-way, for short-lived tokens), so Graph requests never wait for a
    sign-in and the credential is asked once per token, not once per request. Every new token
    passes the application-token check; credential failures become ``ConfigurationError`` with
    ``hint``, their text stripped of ``secrets``."""

    def __init__(
        self,
        credential: Any,
        scopes: Sequence[str],
        *,
        source: str = "msgraph:accessToken",
        hint: str = "",
        secrets: Sequence[Optional[str]] = (),
        clock: Callable[[], float] = time.time,
        margin: float = REFRESH_MARGIN,
    ):
        self._credential, self._scopes = credential, tuple(scopes)
        self._source, self._hint, self._secrets = source, hint, tuple(secrets)
        self._clock, self._margin = clock, margin
        self._lock = threading.Lock()
        self._entry: Optional[tuple[str, float]] = None  # (token, refresh at); replaced whole

    def __call__(self) -> str:
        token = self._fresh()
        if token is None:
            with self._lock:
                token = self._fresh() or self._acquire()
        return token

    def __repr__(self) -> str:
        return f"TokenCache({self._source})"

    def _fresh(self) -> Optional[str]:
        entry = self._entry
        return entry[0] if entry is not None and self._clock() < entry[1] else None

    def _acquire(self) -> str:
        now = self._clock()
        try:
            token = self._credential.get_token(*self._scopes)
        except GraphError:
            raise
        except Exception as exc:  # azure-identity's errors, msal's, a missing `az`: all say "no token"
            reason = _redact(str(exc).strip().rstrip(".") or type(exc).__name__, self._secrets)
            raise ConfigurationError(
                f"Could not get a Microsoft Graph token ({self._source}): {reason}. {self._hint}".rstrip()
            ) from None
        check_token(token.token, self._source)
        refuse_application_token(token.token, self._source)
        lifetime = max(float(token.expires_on) - now, 0.0)
        self._entry = (token.token, now + lifetime - min(self._margin, lifetime / 2))
        return token.token


# -- building the credential for a mode -------------------------------------------------------


def login_command(mode: str, settings: Settings) -> str:
    """The exact ``login`` invocation that makes ``mode`` work with these settings."""
    parts = ["python -m pulumi_virtualappointment login"]
    if mode == "device_code":
        parts.append("--device-code")
    for flag, value in (("--tenant-id", settings.tenant_id), ("--client-id", settings.client_id)):
        if value:
            parts.append(f"{flag} {value}")
    if settings.auth_record_path:
        parts.append(f"--auth-record {settings.auth_record_path}")
    return " ".join(parts)


def _hint(mode: str, settings: Settings) -> str:
    if mode == "cli":
        return (
            "Sign in with `az login` (add `--tenant <tenant>` for another tenant) as the user who owns the "
            "meetings, or choose another msgraph:auth mode; the Azure CLI must be on PATH."
        )
    if mode == "username_password":
        return (
            "Check msgraph:username and msgraph:password (MSGRAPH_USERNAME, MSGRAPH_PASSWORD); an account "
            "that requires multi-factor authentication cannot use this mode: use device_code instead."
        )
    return (
        f"Sign in once on this machine, as the user that runs Pulumi: `{login_command(mode, settings)}`; "
        f"later runs get tokens silently from the saved sign-in ({settings.record_file}) and the "
        "persistent token cache. The provider never prompts during `pulumi preview` or `pulumi up`."
    )


def cache_options(settings: Settings) -> Any:
    """The persistent token cache ``login`` fills and the provider reads."""
    return _identity().TokenCachePersistenceOptions(
        name=CACHE_NAME, allow_unencrypted_storage=settings.allow_unencrypted_cache
    )


def _record(mode: str, settings: Settings) -> Any:
    """The saved sign-in; without one the provider fails now instead of waiting for a prompt."""
    path = settings.record_file
    try:
        data = read_regular_file(path, lambda kind: ConfigurationError(
            f"msgraph:authRecordPath (MSGRAPH_AUTH_RECORD_PATH) names {path}, {kind}, not a regular file, so it was "
            "not read. Point it at the file `python -m pulumi_virtualappointment login` saved."
        ))
    except FileNotFoundError:
        raise ConfigurationError(
            f"msgraph:auth={mode} needs a saved sign-in and there is none at {path}. {_hint(mode, settings)}"
        ) from None
    except OSError as exc:
        raise ConfigurationError(f"Cannot read the saved sign-in {path}: {exc.strerror}.") from None
    try:
        record = _identity().AuthenticationRecord.deserialize(data.decode("utf-8"))
    except (ValueError, KeyError, TypeError):  # UnicodeDecodeError is a ValueError
        raise ConfigurationError(
            f"{path} is not a saved sign-in (AuthenticationRecord). {_hint(mode, settings)}"
        ) from None
    if settings.client_id and settings.client_id != record.client_id:
        raise ConfigurationError(
            f"The saved sign-in {path} was made for the app {record.client_id}, but msgraph:clientId is "
            f"{settings.client_id}. {_hint(mode, settings)}"
        )
    return record


def _only(**kwargs: Any) -> dict:
    return {k: v for k, v in kwargs.items() if v is not None}


def _token(settings: Settings, cloud: Cloud, factory: CredentialFactory) -> Any:
    if not settings.access_token:
        raise ConfigurationError(_no_token(settings))
    check_token(settings.access_token, "msgraph:accessToken")
    return StaticToken(settings.access_token)


def _cli(settings: Settings, cloud: Cloud, factory: CredentialFactory) -> Any:
    return factory("AzureCliCredential", **_only(tenant_id=settings.tenant_id))


def _interactive(name: str, mode: str) -> Callable[[Settings, Cloud, CredentialFactory], Any]:
    """The record carries the authority ``login`` signed in at (for the endpoint's cloud):
    azure-identity takes it from there and refuses a second one."""

    def build(settings: Settings, cloud: Cloud, factory: CredentialFactory) -> Any:
        return factory(
            name,
            client_id=settings.client_id or DEFAULT_CLIENT_ID,
            **_only(tenant_id=settings.tenant_id),
            cache_persistence_options=cache_options(settings),
            authentication_record=_record(mode, settings),
            disable_automatic_authentication=True,
        )

    return build


def _username_password(settings: Settings, cloud: Cloud, factory: CredentialFactory) -> Any:
    needed = (
        ("msgraph:username (MSGRAPH_USERNAME)", settings.username),
        ("msgraph:password (MSGRAPH_PASSWORD)", settings.password),
    )
    missing = [name for name, value in needed if not value]
    if missing:
        raise ConfigurationError(f"msgraph:auth=username_password needs {' and '.join(missing)}.")
    warnings.warn(_ROPC_WARNING, UserWarning, stacklevel=2)
    return factory(
        "UsernamePasswordCredential",
        client_id=settings.client_id or DEFAULT_CLIENT_ID,
        username=settings.username,
        password=settings.password,
        authority=cloud.authority,
        **_only(tenant_id=settings.tenant_id),
    )


_BUILDERS = {
    "token": _token,
    "cli": _cli,
    "device_code": _interactive("DeviceCodeCredential", "device_code"),
    "browser": _interactive("InteractiveBrowserCredential", "browser"),
    "username_password": _username_password,
}


def check_tenant(settings: Settings, setting: str = "msgraph:tenantId (AZURE_TENANT_ID)") -> None:
    """azure-identity refuses a tenant it cannot put in a URL with a bare ``ValueError``: say which setting."""
    tenant = settings.tenant_id
    if tenant is not None and not _TENANT.fullmatch(tenant):
        raise ConfigurationError(
            f"{setting} {_shown(tenant, 100)!r} is not a tenant: give its id (a GUID) or a domain such as "
            "contoso.onmicrosoft.com (letters, digits, '-' and '.' only)"
        )


def build_credential(settings: Settings, factory: Optional[CredentialFactory] = None) -> tuple[str, Any]:
    """The mode and its credential (fails here, before any request, when it cannot work)."""
    if not (settings.auth or settings.access_token):
        raise ConfigurationError(_missing(settings))
    mode = settings.auth or "token"
    if mode == "token":
        return mode, _token(settings, cloud_for(settings.endpoint), factory or azure_factory)
    check_tenant(settings)
    try:
        return mode, _BUILDERS[mode](settings, cloud_for(settings.endpoint), factory or azure_factory)
    except GraphError:
        raise
    except ValueError as exc:  # azure-identity checks its arguments as it builds a credential
        reason = _redact(str(exc).strip().rstrip(".") or type(exc).__name__, (settings.access_token, settings.password))
        raise ConfigurationError(
            f"msgraph:auth={mode} cannot be set up: {reason}. Check msgraph:tenantId (AZURE_TENANT_ID) and "
            "msgraph:clientId (AZURE_CLIENT_ID)."
        ) from None


def token_source(
    settings: Settings, factory: Optional[CredentialFactory] = None, clock: Callable[[], float] = time.time
) -> TokenCache:
    """The callable the Graph client asks for a bearer token before each request."""
    mode, credential = build_credential(settings, factory)
    cloud = cloud_for(settings.endpoint)
    scope = cloud.default_scope if mode == "cli" else cloud.delegated_scope
    return TokenCache(
        credential,
        [scope],
        source="msgraph:accessToken" if mode == "token" else f"msgraph:auth={mode}",
        hint="" if mode == "token" else _hint(mode, settings),
        secrets=(settings.access_token, settings.password),
        clock=clock,
    )
