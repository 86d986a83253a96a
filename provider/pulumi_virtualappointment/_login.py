"""``python -m pulumi_virtualappointment login``: the one interactive sign-in.

The provider never prompts: the engine runs it without a terminal. This command signs the user
in once, in a browser or with a device code (for machines without one: SSH sessions, CI
runners), which fills the persistent token cache and saves the AuthenticationRecord: account
ids only, no token, no password. Later ``pulumi preview`` and ``pulumi up`` runs by the same OS
user on the same machine get their tokens silently from the two (``msgraph:auth`` device_code or
browser), refreshing them, until the sign-in is revoked or left unused for months.
"""

from __future__ import annotations

import argparse
import os
import sys
from datetime import datetime
from pathlib import Path
from typing import Any, Mapping, Optional, TextIO

from ._auth import (
    CACHE_NAME,
    DEFAULT_CLIENT_ID,
    CredentialFactory,
    azure_factory,
    check_tenant,
    cache_options,
    cloud_for,
)
from ._config import _KEYS, DEFAULT_ENDPOINT, Settings, resolve_settings
from ._errors import ConfigurationError

__all__ = ["add_parser", "run"]

_CLASSES = {"browser": "InteractiveBrowserCredential", "device_code": "DeviceCodeCredential"}


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Register ``login`` on the package's command line."""
    parser = subparsers.add_parser(
        "login",
        help="sign in once so that later Pulumi runs get Graph tokens silently",
        description="Sign in once (browser, or --device-code where there is none); save the sign-in record "
        "(no secrets) and print what to set so that `pulumi preview` and `pulumi up` sign in silently.",
    )
    add = parser.add_argument
    add("--tenant-id", help="tenant id or domain (default: AZURE_TENANT_ID, else any work account)")
    add("--client-id", help=f"app registration to sign in to (default: AZURE_CLIENT_ID, else {DEFAULT_CLIENT_ID})")
    add("--device-code", action="store_true", help="sign in with a code on another device instead of a browser")
    add("--endpoint", help=f"Graph endpoint, for national clouds (default: MSGRAPH_ENDPOINT, else {DEFAULT_ENDPOINT})")
    add("--auth-record", help="where to save the sign-in record (default: MSGRAPH_AUTH_RECORD_PATH, "
        "else ~/.pulumi-virtualappointment/auth-record.json)")
    add("--allow-unencrypted-cache", action="store_true",
        help="keep the token cache in a plain file where no keyring exists (headless Linux)")
    parser.set_defaults(run=run)
    return parser


def _settings(args: argparse.Namespace, environ: Mapping[str, str]) -> Settings:
    """Flags win over the environment, as stack config does for the provider."""
    flags = {
        "msgraph:tenantId": args.tenant_id,
        "msgraph:clientId": args.client_id,
        "msgraph:endpoint": args.endpoint,
        "msgraph:authRecordPath": args.auth_record,
        "msgraph:allowUnencryptedCache": "true" if args.allow_unencrypted_cache else None,
    }
    return resolve_settings(flags.get, environ)


def _credential(mode: str, settings: Settings, factory: CredentialFactory, out: TextIO) -> Any:
    def prompt(uri: str, code: str, expires_on: datetime) -> None:
        until = f"{expires_on:%H:%M} UTC"
        print(f"To sign in, open {uri} and enter the code {code} (valid until {until}).", file=out, flush=True)

    kwargs: dict[str, Any] = {"prompt_callback": prompt} if mode == "device_code" else {}
    if settings.tenant_id:
        kwargs["tenant_id"] = settings.tenant_id
    return factory(
        _CLASSES[mode],
        client_id=settings.client_id or DEFAULT_CLIENT_ID,
        authority=cloud_for(settings.endpoint).authority,
        cache_persistence_options=cache_options(settings),
        **kwargs,
    )


def _save(record: Any, path: Path) -> None:
    """The record names the account (user name, ids): readable by its owner only."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(record.serialize(), encoding="utf-8")
    os.chmod(path, 0o600)


def _failure(exc: Exception, mode: str) -> str:
    text = f"Sign-in failed: {str(exc).strip() or type(exc).__name__}"
    if mode == "browser":
        text += "\nOn a machine without a browser (SSH, a CI runner) add --device-code."
    if "encrypt" in str(exc).lower():
        text += ("\nWhere no keyring is available (headless Linux) add --allow-unencrypted-cache: the token cache "
                 "is then a plain file readable by this user only.")
    return text


def instructions(mode: str, record: Any, settings: Settings, path: Path) -> str:
    """What to set so that Pulumi runs sign in silently: stack config and environment forms."""
    values = [("msgraph:auth", mode), ("msgraph:tenantId", record.tenant_id), ("msgraph:clientId", record.client_id)]
    if settings.endpoint != DEFAULT_ENDPOINT:
        values.append(("msgraph:endpoint", settings.endpoint))
    if settings.auth_record_path:
        values.append(("msgraph:authRecordPath", str(path)))
    if settings.allow_unencrypted_cache:
        values.append(("msgraph:allowUnencryptedCache", "true"))
    return "\n".join([
        f"Signed in as {record.username} (tenant {record.tenant_id}, app {record.client_id}).",
        f"Saved the sign-in record to {path} (account ids only: no token, no password). Tokens stay in this",
        f"user's persistent token cache \"{CACHE_NAME}\"; Pulumi runs by this user on this machine now get",
        "them silently. Set in the stack:",
        *(f"  pulumi config set {key} {value}" for key, value in values),
        "or in the pipeline's environment:",
        *(f"  {_KEYS[key]}={value}" for key, value in values),
    ])


def run(
    args: argparse.Namespace,
    factory: Optional[CredentialFactory] = None,
    out: Optional[TextIO] = None,
    err: Optional[TextIO] = None,
    environ: Optional[Mapping[str, str]] = None,
) -> int:
    """Sign in, save the record, print the settings; 0 on success, 1 when sign-in fails, 2 on bad settings."""
    out, err = out or sys.stdout, err or sys.stderr
    mode = "device_code" if args.device_code else "browser"
    try:
        settings = _settings(args, os.environ if environ is None else environ)
        check_tenant(settings, "--tenant-id (AZURE_TENANT_ID)")
    except ConfigurationError as exc:
        print(exc, file=err)
        return 2
    credential = _credential(mode, settings, factory or azure_factory, out)
    if mode == "browser":
        print("Opening a browser to sign in...", file=out, flush=True)
    try:
        record = credential.authenticate(scopes=[cloud_for(settings.endpoint).delegated_scope])
    except Exception as exc:  # azure-identity's and msal's failures alike: the user needs the text
        print(_failure(exc, mode), file=err)
        return 1
    path = settings.record_file
    _save(record, path)
    print(instructions(mode, record, settings, path), file=out)
    return 0
