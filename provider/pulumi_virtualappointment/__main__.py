"""``python -m pulumi_virtualappointment <command>``: the package's command line.

Each command lives in its own module with ``add_parser(subparsers)``, which registers its
arguments and sets ``run(args, **deps)``; adding a command is one entry in ``_COMMANDS``. The
emulator keeps its own entry point, ``python -m pulumi_virtualappointment.emulator``.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any, Optional, Sequence

from . import _demo, _export, _login

__all__ = ["main", "parser"]

_COMMANDS = (_demo, _login, _export)


def parser() -> argparse.ArgumentParser:
    """The top-level parser with one subcommand per module in ``_COMMANDS``."""
    top = argparse.ArgumentParser(
        prog="python -m pulumi_virtualappointment",
        description="Commands for the pulumi-virtualappointment provider.",
    )
    commands = top.add_subparsers(dest="command", required=True, metavar="command")
    for command in _COMMANDS:
        command.add_parser(commands)
    return top


def main(argv: Optional[Sequence[str]] = None, **deps: Any) -> int:
    """Parse ``argv`` and run the command; ``deps`` (fakes in tests) go to its ``run``."""
    args = parser().parse_args(argv)
    return args.run(args, **deps)


if __name__ == "__main__":
    sys.exit(main())
