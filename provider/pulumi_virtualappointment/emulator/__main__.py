"""``python -m pulumi_virtualappointment.emulator``: run the Graph emulator until stopped.

Prints one line, ``Graph emulator listening on http://HOST:PORT (v1.0 and beta) ...``, flushed
so a parent process can read the URL, then serves until SIGINT or SIGTERM and exits 0. The line
also says how to call the admin API; with ``--token`` that takes the same bearer token
(shown as ``<--token value>``: the token itself is never printed). It refuses a non-loopback
``--host`` unless ``--allow-remote`` is given: without ``--token`` the emulator accepts any
bearer token and its admin API has no authentication, so it must not be reachable from
other machines. Arguments it could not serve with are refused before it starts (exit 2, the
option named): a ``--port`` outside 0-65535 (0: any free port), an empty ``--token`` (or one
with white space around it, which no client can send), a ``--state-file`` that is a folder or
whose folder does not exist (every write would fail).
"""

from __future__ import annotations

import argparse
import signal
import sys
import time
from typing import Any, Callable, Sequence

from ._store import DEFAULT_ME
from ._server import Emulator, check_port, check_state_file, check_token, is_loopback


def _rate(text: str) -> float:
    value = float(text)
    if not 0 <= value <= 1:
        raise argparse.ArgumentTypeError(f"a rate is a probability between 0 and 1, got {text}")
    return value


def _port(text: str) -> int:
    return _argument(check_port, int(text) if text.strip().lstrip("+-").isdigit() else text)


def _token(text: str) -> str:
    return _argument(check_token, text)


def _state_file(text: str) -> str:
    return _argument(check_state_file, text)


def _argument(check: Callable[[Any], Any], value: Any) -> Any:
    """``check(value)``, its ``ValueError`` as argparse's error for the option (exit 2)."""
    try:
        return check(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m pulumi_virtualappointment.emulator",
        description=(
            "A local Microsoft Graph serving online meetings (/v1.0 and /beta: .../onlineMeetings/createOrGet, "
            ".../onlineMeetings/{id}, .../onlineMeetings/{id}/getVirtualAppointmentJoinWebUrl) and their "
            "virtualAppointment (/beta/.../onlineMeetings/{id}/virtualAppointment), for /me and /users/{id}."
        ),
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (loopback only; default %(default)s)")
    parser.add_argument(
        "--port", type=_port, default=8765,
        help="port to listen on, 1-65535, or 0 for any free port (default %(default)s)",
    )
    parser.add_argument("--allow-remote", action="store_true", help="allow a non-loopback --host (no real auth!)")
    parser.add_argument("--token", type=_token, help="the only bearer token accepted (default: any non-empty token)")
    parser.add_argument(
        "--state-file", type=_state_file,
        help="JSON file that keeps meetings and appointments across restarts (its folder must exist)",
    )
    parser.add_argument(
        "--no-etag-on-write", action="store_true", help="appointment PUT 201 and PATCH 204 without an ETag header"
    )
    parser.add_argument(
        "--meeting-etags",
        action="store_true",
        help="give meetings ETags and honour If-Match on their PATCH and DELETE (default: none, as Graph's docs show)",
    )
    parser.add_argument(
        "--implicit-meetings",
        action="store_true",
        help="let appointments exist under any meeting id, as if the meeting existed "
        "(default: the meeting must exist)",
    )
    parser.add_argument("--me", default=DEFAULT_ME, help="user id that /me stands for (default %(default)s)")
    parser.add_argument("--fault-429", type=_rate, default=0.0, metavar="RATE", help="probability of 429 per request")
    parser.add_argument("--fault-503", type=_rate, default=0.0, metavar="RATE", help="probability of 503 per request")
    parser.add_argument("--fault-504", type=_rate, default=0.0, metavar="RATE", help="probability of 504 per request")
    parser.add_argument("--fault-drop", type=_rate, default=0.0, metavar="RATE", help="probability of a dropped connection")
    parser.add_argument(
        "--fault-lost-response", type=_rate, default=0.0, metavar="RATE", help="probability of applying, then dropping"
    )
    parser.add_argument("--retry-after", metavar="SECONDS", help="Retry-After sent with random 429/503 (default none)")
    parser.add_argument("--latency", type=float, default=0.0, metavar="SECONDS", help="delay added to every request")
    parser.add_argument("--seed", type=int, help="seed for random faults, to reproduce a run")
    parser.add_argument("--verbose", action="store_true", help="log every request on stderr")
    return parser


def _admin_usage(emulator: Emulator) -> str:
    """Where the admin API is and how to call it, the token named but never printed."""
    admin = f"{emulator.url}/_emulator/"
    if emulator.token is None:
        return f"admin API at {admin} (e.g. curl {admin}requests)"
    return f'admin API at {admin} with the token (e.g. curl -H "Authorization: Bearer <--token value>" {admin}requests)'


def _raise_interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def main(argv: Sequence[str] | None = None) -> int:
    """Parse arguments, serve until SIGINT/SIGTERM, stop cleanly; returns the exit status."""
    parser = _parser()
    args = parser.parse_args(argv)
    if not args.allow_remote and not is_loopback(args.host):
        parser.error(
            f"--host {args.host} is not a loopback address; without --token the emulator accepts any token and its "
            "admin API has no authentication, so it listens on 127.0.0.1/::1/localhost only (add --allow-remote, "
            "and a --token, to override)"
        )
    try:
        emulator = Emulator(
            token=args.token,
            etag_on_write=not args.no_etag_on_write,
            state_file=args.state_file,
            host=args.host,
            port=args.port,
            me=args.me,
            allow_remote=args.allow_remote,
            verbose=args.verbose,
            meeting_etags=args.meeting_etags,
            implicit_meetings=args.implicit_meetings,
        )
        emulator.set_fault_rates(
            args.fault_429, args.fault_503, args.fault_504, args.fault_drop, args.fault_lost_response,
            args.latency, args.seed, args.retry_after,
        )
        emulator.start()
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"error: cannot listen on {args.host}:{args.port}: {exc}; try another --port (0 picks a free one)",
              file=sys.stderr)
        return 1
    signal.signal(signal.SIGTERM, _raise_interrupt)
    try:  # the banner inside: a signal sent the moment it is read must still stop cleanly, with 0
        print(
            f"Graph emulator listening on {emulator.url} (v1.0 and beta); {_admin_usage(emulator)}; Ctrl+C to stop",
            flush=True,
        )
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        emulator.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
