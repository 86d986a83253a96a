"""``python -m pulumi_virtualappointment export``: what is live in Graph, written as a Pulumi program.

``pulumi import`` cannot bring objects into a dynamic provider (pulumi/pulumi#16175); adoption can.
This command reads meetings (by id or by join URL) and their virtual appointments, and writes a
program (or the data file of examples/from-data) that declares each with ``adopt_existing=True``
and exactly the values Graph holds, so its first ``pulumi up`` adopts them without a write
(``_codegen`` decides what can be declared and writes the text).

It only reads: GET a meeting, GET ``...?$filter=JoinWebUrl eq '...'``, GET its appointment; never
``createOrGet``, which would create what is missing. It signs in and talks to Graph as the provider
does (``resolve_settings``, ``token_source``, ``GraphClient``: retries, time bounds, errors), from
the environment and flags (stack config exists only inside Pulumi). The output is written only
when every read is done: to a temporary file beside the real file (a symlink is followed and kept)
moved into place, or to standard output at the end, as UTF-8 whatever the locale.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import stat
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Mapping, Optional, Sequence, TextIO
from urllib.parse import quote, unquote, urlsplit

from ._appointment import APPOINTMENT, owner, resource_path
from ._auth import read_regular_file, token_source
from ._client import GraphClient
from ._codegen import Found, Plan, plan, python_program, yaml_data
from ._config import DEFAULT_ENDPOINT, AUTH_MODES, resolve_settings
from ._errors import ConfigurationError, GraphError, NotFoundError, _shown
from ._meeting import MEETING, meeting_path
from ._model import is_id

__all__ = ["add_parser", "run", "EXIT_OK", "EXIT_UNEXPECTED", "EXIT_USAGE", "EXIT_GRAPH", "EXIT_SKIPPED"]

EXIT_OK = 0
"""Every meeting asked for was exported (with its appointment, if it has one)."""
EXIT_UNEXPECTED = 1
"""Never returned: Python's own status when a bug ends the run with a traceback. Nothing was
written, since writing comes last."""
EXIT_USAGE = 2
"""Bad flags, input file, configuration or output path (nothing was read or written), or standard
output could not be written."""
EXIT_GRAPH = 3
"""Graph failed (sign-in, permission, throttling past the retries, no answer): nothing was written."""
EXIT_SKIPPED = 4
"""Some were skipped (the summary says why) and the rest written, or nothing was left (nothing written)."""
PROGRESS_ABOVE = 5
"""More objects than this, and each read is reported on stderr as it happens."""
MAX_INPUT = 2048
"""The longest meeting id or join URL read (Graph's are a few hundred characters)."""
_FILES = {"python": "__main__.py", "yaml": "appointments.yaml"}

_EPILOG = f"""\
what it writes:
  python (default)  a Pulumi program: one OnlineMeeting and one VirtualAppointment per object,
                    the appointment taking its meeting's online_meeting_id output, each with
                    adopt_existing=True, attendees and clients in pulumi.Output.secret(...)
  yaml              the data file of examples/from-data, which declares appointments only: each
                    names its meeting by id; a meeting without an appointment is skipped
  Only values a program can declare exactly as Graph holds them are written, so the first
  `pulumi up` adopts everything with no write; others are left unmanaged and listed. Ids and
  join URLs (Graph computes them) are never written. A meeting without an externalId, or with
  the externalId of another meeting of its organiser, is skipped (createOrGet could not find it);
  its appointment is exported on its own, by meeting id.
  Resource names come from the externalId (else the subject) as [a-z0-9-], with 6 hex digits of
  its SHA-256 when that changed it (case, accents, spaces), so a name does not depend on what
  else is exported.
  The written program holds attendees' and clients' details in plain text (Output.secret
  protects only the state), so commit it only where those may be read.

exit codes:
  {EXIT_OK}  everything asked for was exported
  {EXIT_UNEXPECTED}  an unexpected failure (a Python traceback): nothing written
  {EXIT_USAGE}  usage, input file, configuration or output path error: nothing read or written;
     or standard output could not be written
  {EXIT_GRAPH}  Graph error (sign-in, permission, throttled, no answer): nothing written
  {EXIT_SKIPPED}  some objects were skipped (reasons on stderr); the others were written
     (nothing is written when none is left)

configuration: as the provider's, from the environment (MSGRAPH_ENDPOINT, MSGRAPH_ACCESS_TOKEN,
MSGRAPH_AUTH, AZURE_TENANT_ID, ...; see the README), the flags above winning.
"""


@dataclass(frozen=True)
class Wanted:
    """One meeting to read: by ``id`` or by ``joinUrl``."""

    by: str
    value: str

    def __str__(self) -> str:
        return f"{'id' if self.by == 'id' else 'join URL'} {_shown(self.value, 200)}"


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Register ``export`` on the package's command line."""
    parser = subparsers.add_parser(
        "export",
        help="write existing meetings and appointments as a Pulumi program that adopts them",
        description="Read online meetings (by id or join URL) and their virtual appointments from Graph and\n"
        "write a Pulumi program (or the data file of examples/from-data) that adopts them unchanged.\n"
        "It only reads (GET): it never creates, changes or deletes anything in Graph.",
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add = parser.add_argument
    add("--id", action="append", default=[], metavar="MEETING_ID", help="a meeting's id (repeatable)")
    add("--join-url", action="append", default=[], metavar="URL", help="a meeting's join URL (repeatable)")
    add("--from-file", metavar="FILE", help="one meeting id or join URL a line (# comments, blank lines "
        "ignored; - for standard input)")
    add("--user", metavar="USER", help="the organiser (user id or UPN); default: the signed-in user (/me)")
    add("--output", metavar="PATH", help="file to write, or a directory to write __main__.py / appointments.yaml "
        "in (default, or -: standard output)")
    add("--format", choices=("python", "yaml"), default="python", help="python (default) or yaml")
    add("--no-appointments", action="store_true",
        help="read meetings only (Microsoft retired the beta virtualAppointment: real Graph has none)")
    add("--endpoint", help=f"Graph endpoint (default: MSGRAPH_ENDPOINT, else {DEFAULT_ENDPOINT})")
    add("--auth", choices=AUTH_MODES, help="how to sign in (default: MSGRAPH_AUTH, else token)")
    add("--tenant-id", help="tenant to sign in to (default: AZURE_TENANT_ID)")
    add("--client-id", help="app registration to sign in with (default: AZURE_CLIENT_ID)")
    parser.set_defaults(run=run)
    return parser


class UsageError(Exception):
    """What was asked for cannot be read (exit 2, before any request)."""


# -- what to read ---------------------------------------------------------------------------------


def _wanted_one(text: str, where: str, by: Optional[str] = None) -> Wanted:
    value = text.strip()
    if len(value) > MAX_INPUT:
        raise UsageError(f"{where}: {_shown(value, 80)!r} is {len(value):,} characters long; an id or join URL has "
                         f"at most {MAX_INPUT:,}")
    by = by or ("joinUrl" if urlsplit(value).scheme.lower() in ("http", "https") else "id")
    if by == "joinUrl":
        parts = urlsplit(value)
        if parts.scheme.lower() not in ("http", "https") or not parts.netloc or not value.isprintable():
            raise UsageError(f"{where}: {_shown(value, 200)!r} is not a join URL (an absolute https:// link)")
    elif not is_id(value):
        raise UsageError(f"{where}: {_shown(value, 200)!r} is not a meeting id: it must be one path segment "
                         "(no spaces, '/', '?' or '#')")
    return Wanted(by, value)


def _not_regular(name: str, kind: str) -> UsageError:
    return UsageError(f"--from-file {name}: it is {kind}, not a regular file, so it was not read (give a file, or - "
                      "for standard input)")


def _lines(name: str, stdin: TextIO) -> list[str]:
    """The file's lines, read as UTF-8 (standard input too, whatever the locale), a byte order mark
    dropped. A named file must be a regular one: a FIFO or a device is refused unopened (it could be
    waited on or read forever); a pipe is read only as ``-``."""
    buffer = getattr(stdin, "buffer", None)
    try:
        if name != "-":
            text = read_regular_file(name, lambda kind: _not_regular(name, kind)).decode("utf-8")
        else:
            text = stdin.read() if buffer is None else buffer.read().decode("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"--from-file {name}: cannot be read: {exc}") from None
    return text.removeprefix("\ufeff").splitlines()


def wanted(args: argparse.Namespace, stdin: TextIO) -> list[Wanted]:
    """Every meeting asked for, in the order given: flags, then the file's lines."""
    if args.format == "yaml" and args.no_appointments:
        raise UsageError("--format yaml declares appointments only, so with --no-appointments there is nothing to "
                         "export")
    items = [_wanted_one(v, "--id", "id") for v in args.id]
    items += [_wanted_one(v, "--join-url", "joinUrl") for v in args.join_url]
    if args.from_file:
        for number, line in enumerate(_lines(args.from_file, stdin), start=1):
            if line.strip() and not line.lstrip().startswith("#"):
                items.append(_wanted_one(line, f"{args.from_file}:{number}"))
    if not items:
        raise UsageError("nothing to export: give --id, --join-url or --from-file")
    if args.user is not None and not is_id(args.user.strip()):
        raise UsageError(f"--user: {_shown(args.user, 200)!r} is not a user id or UPN")
    return items


_FLAGS = {"msgraph:endpoint": "endpoint", "msgraph:auth": "auth", "msgraph:tenantId": "tenant_id",
          "msgraph:clientId": "client_id"}
_AS_FLAGS = {
    **{f"stack config {key}": "--" + name.replace("_", "-") for key, name in _FLAGS.items()},
    "msgraph:tenantId (AZURE_TENANT_ID)": "--tenant-id (AZURE_TENANT_ID)",
    "msgraph:clientId (AZURE_CLIENT_ID)": "--client-id (AZURE_CLIENT_ID)",
}
"""How the provider's messages name a setting, and the flag that sets it here."""


def _flag_name(key: str) -> Optional[str]:
    return "--" + _FLAGS[key].replace("_", "-") if key in _FLAGS else None


def _as_flags(exc: ConfigurationError) -> ConfigurationError:
    """The flags reach the provider's settings as stack config: name them as flags."""
    text = str(exc)
    for setting, flag in _AS_FLAGS.items():
        text = text.replace(setting, flag)
    return ConfigurationError(text)


def connect(args: argparse.Namespace, environ: Mapping[str, str], sleep: Callable[[float], None]) -> GraphClient:
    """The provider's client and credential from the environment, these flags winning (as stack
    config does); ``ConfigurationError`` naming the flags."""
    flags = {key: getattr(args, name) for key, name in _FLAGS.items()}
    try:  # settings named as export takes them: its flags, else the environment (no stack config here)
        graph = resolve_settings(flags.get, environ, config_name=_flag_name)
        return GraphClient(graph, token_source(graph), sleep=sleep)
    except ConfigurationError as exc:
        raise _as_flags(exc) from None


# -- reading Graph --------------------------------------------------------------------------------


class Reader:
    """Reads meetings and their appointments with GETs only; a missing one is ``None``."""

    def __init__(self, client: GraphClient, user: Optional[str], appointments: bool = True):
        self.client, self.user, self.appointments = client, user, appointments

    def _meetings(self) -> GraphClient:
        return self.client.for_operation(MEETING.api_version, MEETING.headers)

    def by_id(self, meeting_id: str) -> Optional[Mapping[str, Any]]:
        try:
            return self._meetings().get(meeting_path(meeting_id, self.user)).body or {}
        except NotFoundError:
            return None

    def by_join_url(self, url: str) -> Mapping[str, Any] | str:
        """``$filter=JoinWebUrl eq '...'`` (the docs: a collection of the one meeting; the URL
        encoded); the meeting, or why there is none to export. One that Graph answers is taken
        only if its join URL is the one asked (both percent-decoded, as either form finds it)."""
        literal = url.replace("'", "''")
        query = quote(f"JoinWebUrl eq '{literal}'", safe="")
        answer = self._meetings().get(f"{owner(self.user)}/onlineMeetings?$filter={query}")
        body = answer.body if isinstance(answer.body, Mapping) else {}
        found = body.get("value")
        if not isinstance(found, list) or not all(isinstance(m, dict) for m in found):
            raise answer.invalid("the lookup by join URL answered without a list of meetings in 'value'")
        if "@odata.nextLink" in body:
            raise answer.invalid("the lookup by join URL answered one page of several (@odata.nextLink); Graph "
                                 "documents one meeting")
        if len(found) > 1:
            return f"{len(found)} meetings of {owner(self.user)} have this join URL; give the one to export by id"
        if not found:
            return f"no meeting of {owner(self.user)} has this join URL"
        joins = found[0].get("joinWebUrl")
        if not isinstance(joins, str) or unquote(joins) != unquote(url):
            return "Graph answered a meeting with another join URL"
        return found[0]

    def appointment(self, meeting_id: str) -> Optional[Mapping[str, Any]]:
        if not self.appointments:
            return None
        client = self.client.for_operation(APPOINTMENT.api_version, APPOINTMENT.headers)
        try:
            return client.get(resource_path(meeting_id, self.user)).body or {}
        except NotFoundError:
            return None

    def read(self, item: Wanted) -> Found | str:
        """The meeting and its appointment, or why there is nothing to export."""
        if item.by == "id":
            meeting = self.by_id(item.value)
            if meeting is None:
                return f"no such meeting of {owner(self.user)} (404)"
        else:
            meeting = self.by_join_url(item.value)
            if isinstance(meeting, str):
                return meeting
        meeting_id = meeting.get("id") if isinstance(meeting.get("id"), str) else item.value
        if not is_id(meeting_id):
            return f"Graph's meeting id {_shown(meeting_id, 200)!r} is not one a path can hold"
        return Found(str(item), meeting_id, self.user, meeting, self.appointment(meeting_id))


def read_all(reader: Reader, items: Sequence[Wanted], err: TextIO) -> tuple[list[Found], list[tuple[str, str]]]:
    """Read each item (progress on ``err`` when there are more than a handful); what was found and
    what was not, with why. A Graph error stops everything (the caller writes nothing)."""
    found, missing = [], []
    for number, item in enumerate(items, start=1):
        if len(items) > PROGRESS_ABOVE:
            print(f"export: [{number}/{len(items)}] reading meeting {item}", file=err, flush=True)
        result = reader.read(item)
        if isinstance(result, str):
            missing.append((f"meeting {item}", result))
        else:
            found.append(result)
    return found, missing


# -- writing --------------------------------------------------------------------------------------


def output_file(output: Optional[str], form: str) -> Optional[Path]:
    """The file ``--output`` names, symlinks resolved (the link is kept, its target written), or
    ``None`` for standard output (no ``--output``, or ``-``). ``UsageError`` for a directory that
    does not exist (a trailing separator names one) and for anything but a regular file."""
    if output is None or output == "-":
        return None
    path = Path(output)
    if output.endswith(tuple(filter(None, (os.sep, os.altsep)))) and not path.is_dir():
        raise UsageError(f"--output {output}: the directory {path} does not exist")
    target = Path(os.path.realpath(path / _FILES[form] if path.is_dir() else path))
    if not target.parent.is_dir():
        raise UsageError(f"--output {output}: the directory {target.parent} does not exist")
    try:
        mode = target.stat().st_mode
    except FileNotFoundError:
        return target
    except OSError as exc:
        raise UsageError(f"--output {output}: cannot be written: {exc}") from None
    if not stat.S_ISREG(mode):  # a FIFO, device or socket would be read from or replaced
        raise UsageError(f"--output {output}: {target} is not a regular file")
    return target


def _mode(path: Path) -> int:
    """The existing file's permissions, else what a new file gets under the umask."""
    try:
        return path.stat().st_mode & 0o777
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def write_atomically(path: Path, text: str) -> None:
    """Write ``text`` to a temporary file beside ``path`` and move it into place: readers see the
    old file or the whole new one, never a part; on failure the temporary file is removed."""
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temporary, _mode(path))
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


def write_out(out: TextIO, text: str) -> None:
    """``text`` on standard output as UTF-8, whatever the locale's encoding (through the stream's
    bytes when it has them): a program holds any character its values do."""
    out.flush()
    buffer = getattr(out, "buffer", None)
    if buffer is None:
        out.write(text)
        out.flush()
    else:
        buffer.write(text.encode("utf-8"))
        buffer.flush()


def _summary(result: Plan, skipped: list[tuple[str, str]], written: str, err: TextIO) -> None:
    meetings, appointments = result.count(MEETING), result.count(APPOINTMENT)
    print(f"export: {written}: {meetings} meeting(s), {appointments} appointment(s)", file=err)
    if skipped:
        print(f"export: skipped {len(skipped)}:", file=err)
        for what, why in skipped:
            print(f"  {what}: {why}", file=err)
    if result.notes:
        print(f"export: {len(result.notes)} value(s) left unmanaged (not written; Graph keeps them):", file=err)
        for note in result.notes:
            print(f"  {_shown(note, 400)}", file=err)


def run(
    args: argparse.Namespace,
    environ: Optional[Mapping[str, str]] = None,
    out: Optional[TextIO] = None,
    err: Optional[TextIO] = None,
    stdin: Optional[TextIO] = None,
    sleep: Callable[[float], None] = time.sleep,
) -> int:
    """Read, plan, write; the exit code (``EXIT_*``). An unexpected error propagates (exit 1)
    before anything is written."""
    out, err = out or sys.stdout, err or sys.stderr
    try:
        items = wanted(args, stdin or sys.stdin)
        user = args.user.strip() if args.user else None
        target = output_file(args.output, args.format)
        if target is not None and args.from_file not in (None, "-") and target == Path(os.path.realpath(args.from_file)):
            raise UsageError(f"--output {args.output} is the --from-file list itself: write the program elsewhere")
        client = connect(args, os.environ if environ is None else environ, sleep)
        for note in client.settings.notes:
            print(f"export: note: {note}", file=err)
    except (UsageError, ConfigurationError) as exc:
        print(f"export: {exc}", file=err)
        return EXIT_USAGE
    try:
        found, skipped = read_all(Reader(client, user, not args.no_appointments), items, err)
    except ConfigurationError as exc:  # a credential that cannot work shows only once it is asked
        print(f"export: {_as_flags(exc)}", file=err)
        return EXIT_USAGE
    except GraphError as exc:
        print(f"export: nothing was written: {exc}", file=err)
        return EXIT_GRAPH
    finally:
        client.close()
    result = plan(found, meetings=args.format == "python")
    skipped += result.skipped
    if not result.declarations:
        _summary(result, skipped, "nothing to write, nothing written", err)
        return EXIT_SKIPPED
    text = python_program(result) if args.format == "python" else yaml_data(result)
    try:
        if target is None:
            write_out(out, text)
        else:
            write_atomically(target, text)
    except OSError as exc:
        where = "to standard output" if target is None else f"{target}, nothing written"
        print(f"export: cannot write {where}: {exc}", file=err)
        return EXIT_USAGE
    _summary(result, skipped, "wrote to standard output" if target is None else f"wrote {target}", err)
    return EXIT_SKIPPED if skipped else EXIT_OK
