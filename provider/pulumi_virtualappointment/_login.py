"""``python -m pulumi_virtualappointment login``: the one interactive sign-in.

The provider never prompts: the engine runs it without a terminal. This command signs the user
in once, in a browser or with a device code (for machines without one: SSH sessions, CI
runners), which fills the persistent token cache and saves the AuthenticationRecord: account
ids only, no token, no password. Later ``pulumi preview`` and ``pulumi up`` runs by the same OS
user on the same machine get their tokens silently from the two (``msgraph:auth`` device_code or
browser), refreshing them, until the sign-in is revoked or left unused for months.

The record's path is made absolute (``~`` expanded, relative to the current directory) before it
is saved or printed: the provider runs in the Pulumi project's directory, not this one. Whether it
can be saved there is settled before the sign-in starts (a sign-in that cannot be kept is wasted
minutes and a browser tab): see ``_Pending``.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import stat
import sys
import tempfile
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
    file_kind,
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


def _absolute(path: Path) -> Path:
    """``path`` as the provider must be told it, from any directory: absolute, the folder's links
    resolved, the file's own name kept as given (a link there is refused, never followed)."""
    try:
        path = Path.cwd() / path.expanduser()
        return path.parent.resolve() / path.name
    except (OSError, RuntimeError) as exc:  # no current directory; a loop of links
        raise _refused(path, f"it cannot be made absolute: {exc}") from None


def _refused(path: Path, problem: str) -> ConfigurationError:
    return ConfigurationError(
        f"Cannot save the sign-in record to {path}: {problem}. Nothing was signed in: choose another file with "
        "--auth-record (MSGRAPH_AUTH_RECORD_PATH)."
    )


def _file_in_the_way(folder: Path) -> Optional[str]:
    """A regular file where the record's folder (or one above it) has to be."""
    for parent in (folder, *folder.parents):
        if parent.exists():
            return None if parent.is_dir() else f"{parent} is a file, not a folder"
    return None


def _problem(path: Path) -> Optional[str]:
    """What is at ``path`` that must not be replaced: only a regular file (or nothing) may be."""
    try:
        mode = os.lstat(path).st_mode
    except (FileNotFoundError, NotADirectoryError):
        return _file_in_the_way(path.parent)
    except OSError as exc:
        return exc.strerror or str(exc)
    if stat.S_ISLNK(mode):
        return (f"it is a symbolic link (to {os.readlink(path)}) and login never writes through one: give the "
                "file's own path or remove the link")
    if stat.S_ISDIR(mode):
        return "it is a directory"
    return None if stat.S_ISREG(mode) else f"it is {file_kind(mode)}, not a regular file"


class _Pending:
    """The record's file, checked and reserved before the sign-in, written after it.

    The record names the account (user name, ids): it is readable by its owner only from the
    first byte. It is written to a temporary file that ``mkstemp`` creates in the same folder
    (``O_CREAT|O_EXCL``, mode 0600, whatever the umask: no window in which another user could
    read it, and never opened through a link) and moved into place by ``os.replace``, so the
    path holds the old record or the whole new one. Creating that file *is* the check that the
    folder can be written (for root, ACLs and read-only mounts alike, where permission bits
    mislead), done before the sign-in.

    A symbolic link at the path is refused before the sign-in rather than replaced: replacing it
    would silently turn the user's link into a file, and writing through it would let whoever
    made the link choose which file is overwritten. A link put there *during* the sign-in is
    replaced by the rename (which never follows one): its target is never written either way.
    """

    def __init__(self, path: Path):
        problem = _problem(path)
        if problem:
            raise _refused(path, problem)
        descriptor, temporary = _reserve(path)
        self.path = path
        self._descriptor: Optional[int] = descriptor  # None once the file object owns it
        self._temporary: Optional[str] = temporary  # None once moved into place or removed

    def commit(self, text: str) -> None:
        """Write ``text`` and move it into place (on failure the old record stays as it was)."""
        descriptor, temporary = self._descriptor, self._temporary
        assert descriptor is not None and temporary is not None, "committed twice"
        self._descriptor = None
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, self.path)
        self._temporary = None

    def discard(self) -> None:
        """Remove the temporary file unless it was moved into place."""
        if self._descriptor is not None:
            os.close(self._descriptor)
            self._descriptor = None
        if self._temporary is not None:
            with contextlib.suppress(OSError):
                os.unlink(self._temporary)
            self._temporary = None


def _reserve(path: Path) -> tuple[int, str]:
    """The folder (created if missing) and an empty 0600 temporary file in it, open for writing."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise _refused(path, f"cannot create the folder {path.parent}: {exc.strerror}") from None
    try:
        descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as exc:
        raise _refused(path, f"cannot create a file in {path.parent}: {exc.strerror}") from None
    if hasattr(os, "fchmod"):  # mkstemp asks for 0600; a umask can only have narrowed it
        os.fchmod(descriptor, 0o600)
    return descriptor, temporary


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
        for note in settings.notes:
            print(f"login: note: {note}", file=err)
        check_tenant(settings, "--tenant-id (AZURE_TENANT_ID)")
        pending = _Pending(_absolute(settings.record_file))
    except ConfigurationError as exc:
        print(exc, file=err)
        return 2
    path = pending.path
    try:
        record = _sign_in(mode, settings, factory or azure_factory, out, err)
        if record is None:
            return 1
        pending.commit(record.serialize())
    finally:
        pending.discard()
    print(instructions(mode, record, settings, path), file=out)
    return 0


def _sign_in(mode: str, settings: Settings, factory: CredentialFactory, out: TextIO, err: TextIO) -> Any:
    """The interactive sign-in's AuthenticationRecord, or ``None`` (said on ``err``) when it failed."""
    credential = _credential(mode, settings, factory, out)
    if mode == "browser":
        print("Opening a browser to sign in...", file=out, flush=True)
    try:
        return credential.authenticate(scopes=[cloud_for(settings.endpoint).delegated_scope])
    except Exception as exc:  # azure-identity's and msal's failures alike: the user needs the text
        print(_failure(exc, mode), file=err)
        return None
