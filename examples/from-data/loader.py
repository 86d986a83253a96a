"""Read appointment entries from a YAML file and validate every one before anything is declared.

Errors are collected for the whole file and reported together, each with the file, the entry
(number and name) and the property, so a pull request shows every mistake at once.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from pulumi_virtualappointment import validate_properties


class DataFileError(Exception):
    """The data file cannot be used; the message lists every problem."""


def _entry_problems(source: str, index: int, entry: Any, names: set[str]) -> list[str]:
    if not isinstance(entry, dict):
        return [f"{source}: entry {index}: expected a mapping of properties, got {type(entry).__name__}"]
    name = entry.get("name")
    where = f"{source}: entry {index} ({name})" if name else f"{source}: entry {index}"
    problems = []
    if not isinstance(name, str) or not name.strip():
        problems.append(f"{where}: name: is required (the Pulumi resource name, kept stable)")
    elif name in names:
        problems.append(f"{where}: name: {name!r} is used by an earlier entry; names must be unique")
    names.add(name if isinstance(name, str) else "")
    props = {k: v for k, v in entry.items() if k != "name"}
    problems += [f"{where}: {message}" for message in validate_properties(props)]
    return problems


def load_appointments(path: Path) -> list[dict[str, Any]]:
    """The validated entries of ``path``; raises :class:`DataFileError` listing every problem."""
    source = path.name
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise DataFileError(f"{source}: cannot be read as YAML: {exc}") from None
    entries = document.get("appointments") if isinstance(document, dict) else None
    if not isinstance(entries, list):
        raise DataFileError(f"{source}: expected a top-level 'appointments:' list")
    names: set[str] = set()
    problems = [p for i, entry in enumerate(entries, start=1) for p in _entry_problems(source, i, entry, names)]
    if problems:
        raise DataFileError(f"{len(problems)} problem(s) in {source}:\n  " + "\n  ".join(problems))
    return entries
