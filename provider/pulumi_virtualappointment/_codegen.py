"""From what Graph holds to code: which live values a program can declare, names, and the text.

Pure: standard library and the kinds only (PyYAML, already a dependency of the Pulumi SDK, is
imported to write the data file). ``export`` (``_export``) reads Graph and hands each meeting here
as :class:`Found`; :func:`plan` decides what is declared, :func:`python_program` and
:func:`yaml_data` write it.

The law this module serves: a declared value is exactly what ``normalise_live`` reads from Graph,
so the first ``pulumi up`` of the written program adopts every object without a PATCH. A live value
a program cannot declare so (an empty subject, a name with spaces around it that ``check`` would
strip, an email the provider refuses, an enum member it does not know) is left out: unmanaged, as
Graph has it, and said so in the plan's notes. What Graph computes is never written: ids of the
entity, join URLs (an appointment's ``appointmentClientJoinWebUrl`` included: Graph fills it in).

Resource names depend on their own object only, so a name stays the same across runs whatever
else is exported (a new name would make ``pulumi up`` replace the resource): the externalId's slug
(else the subject's), with six hex digits of the text's SHA-256 when the slug is not the text
itself. ``-2``, ``-3`` are left for names that still collide (:func:`unique_names`).

Every string reaches the program through ``repr`` (the data file through PyYAML), never pasted;
comments carry only ``ascii()`` text; variables are made of ``[a-z0-9_]``.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any, Mapping, Optional

from ._appointment import APPOINTMENT, resource_path
from ._meeting import MEETING, meeting_path
from ._model import Field, Items, Kind, LiveValueError, Record, is_id, normalise_live, python_name, validate

__all__ = ["Found", "Declaration", "Plan", "plan", "slug", "stable_name", "unique_names", "python_program",
           "yaml_data"]

NAME_LIMIT = 48
"""The longest slug a resource name is made from (before its hash and ``-meeting``/``-appointment``)."""
TAG_DIGITS = 6
"""Hex digits of the SHA-256 a lossy name carries: two texts with one slug get two names."""

_FIRST = {
    MEETING.name: ("subject", "startDateTime", "endDateTime", "participants"),
    APPOINTMENT.name: ("settings", "appointmentClients", "externalAppointmentId", "externalAppointmentUrl"),
}
"""Properties written first, in this order (the rest follow in the kind's order)."""
_COMPUTED = {APPOINTMENT.name: ("appointmentClientJoinWebUrl",)}
"""Managed properties Graph fills in itself: never exported (the program leaves them to Graph)."""
_ARGS = {
    (MEETING.name, "participants"): "MeetingParticipantsArgs",
    (MEETING.name, "participants.attendees[]"): "MeetingAttendeeArgs",
    (MEETING.name, "lobbyBypassSettings"): "LobbyBypassSettingsArgs",
    (MEETING.name, "watermarkProtection"): "WatermarkProtectionArgs",
    (APPOINTMENT.name, "settings"): "VirtualAppointmentSettingsArgs",
    (APPOINTMENT.name, "appointmentClients[]"): "VirtualAppointmentUserArgs",
}
"""The args class a program writes for each complex value, by its Graph path."""
_SECRET = {(MEETING.name, "participants"), (APPOINTMENT.name, "appointmentClients")}
"""Personal data (attendees' UPNs, clients' names, emails, phones): wrapped in ``pulumi.Output.secret``."""
_CLASS = {MEETING.name: ("OnlineMeeting", "OnlineMeetingArgs"),
          APPOINTMENT.name: ("VirtualAppointment", "VirtualAppointmentArgs")}


@dataclass(frozen=True)
class Found:
    """One meeting as Graph answered it, with its appointment's entity (``None``: it has none)."""

    source: str
    """What was asked for, for messages (``meeting id X``, ``join URL Y``)."""
    meeting_id: str
    user_id: Optional[str]
    """The organiser as ``--user`` named them; ``None`` is ``/me``."""
    meeting: Mapping[str, Any]
    appointment: Optional[Mapping[str, Any]] = None

    @property
    def path(self) -> str:
        return meeting_path(self.meeting_id, self.user_id)


@dataclass(frozen=True)
class Declaration:
    """One resource of the written program: its kind, Pulumi name, inputs in Graph's names
    (identity and managed values), and the meeting variable an appointment takes its id from
    (``None``: ``onlineMeetingId`` is in ``inputs``, literally)."""

    kind: Kind
    name: str
    variable: str
    inputs: dict[str, Any]
    path: str
    meeting_variable: Optional[str] = None


@dataclass
class Plan:
    """What an export writes, what it skips (``(what, why)``) and the values it leaves unmanaged."""

    declarations: list[Declaration] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def count(self, kind: Kind) -> int:
        """How many resources of ``kind`` are declared."""
        return sum(1 for d in self.declarations if d.kind is kind)


class _Skip(Exception):
    """This object cannot be declared; the message says why."""


# -- names ------------------------------------------------------------------------------------------


def slug(text: Any, limit: int = NAME_LIMIT) -> str:
    """``text`` as ``[a-z0-9-]``: accents dropped, every other run of characters one ``-``,
    at most ``limit`` long; ``""`` when nothing is left."""
    if not isinstance(text, str):
        return ""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii").lower()
    return re.sub(r"[^a-z0-9]+", "-", plain).strip("-")[:limit].rstrip("-")


def stable_name(text: str) -> str:
    """``slug(text)`` when that is ``text`` itself; else the slug (``untitled`` when empty), ``-`` and
    the first :data:`TAG_DIGITS` hex digits of the SHA-256 of ``text`` (UTF-8), so ``Booking 1`` and
    ``booking_1`` never share a name and neither depends on the other being exported."""
    name = slug(text)
    if name == text:
        return name
    digest = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:TAG_DIGITS]
    return f"{name or 'untitled'}-{digest}"


def unique_names(bases: Mapping[Any, str], order: Mapping[Any, Any]) -> dict[Any, str]:
    """``key -> name``: each key's base, and where bases still repeat (the same text twice, say), the
    first by ``order`` keeps it and the others take ``base-2``, ``base-3`` ... (a number no other
    key's base is). Deterministic for the same keys, whatever order they come in."""
    taken = set(bases.values())
    names: dict[Any, str] = {}
    seen: set[str] = set()
    for key in sorted(bases, key=lambda k: (bases[k], order[k])):
        name = base = bases[key]
        if name in seen:
            number = 2
            while f"{base}-{number}" in taken:
                number += 1
            name = f"{base}-{number}"
            taken.add(name)
        seen.add(name)
        names[key] = name
    return names


def _base(found: Found) -> str:
    """The name an object's resources are made from: of its externalId, else its subject (the first
    with a slug); ``untitled`` for neither, tagged with the first of them that is non-empty text."""
    texts = [t for t in (found.meeting.get("externalId"), found.meeting.get("subject")) if isinstance(t, str) and t]
    named = next((t for t in texts if slug(t)), texts[0] if texts else None)
    return stable_name(named) if named is not None else "untitled"


# -- what can be declared ---------------------------------------------------------------------------


def _reason(text: str) -> str:
    """A reason without the value it quotes (``..., got 'gradya@contoso'``): client details and
    attendees are personal data, and the summary may end up in a pipeline's log."""
    return re.sub(r",? got .*$", "", text, flags=re.DOTALL)


def _top(path: str) -> str:
    match = re.match(r"[A-Za-z]+", path)
    return match.group(0) if match else path


def declarable(kind: Kind, identity: Mapping[str, Any], live: Mapping[str, Any], what: str) -> tuple[dict, list[str]]:
    """The live values a program can declare exactly (``check`` normalises each to itself), and a
    note for each one left out. A problem with ``identity`` raises :class:`_Skip`."""
    values = {k: v for k, v in live.items() if k not in _COMPUTED.get(kind.name, ())}
    notes: list[str] = []

    def drop(key: str, reason: str) -> None:
        group = next((g for g in kind.together if key in g), (key,))
        for member in group:
            if member in values:
                del values[member]
                notes.append(f"{what}: {python_name(member)} left unmanaged: {_reason(reason)}")

    while True:
        normalised, failures = validate(kind, {**identity, **values})
        if not failures:
            break
        reasons = {_top(f.path): f.reason for f in reversed(failures)}  # the first failure of each property
        stuck = next((k for k in reasons if k in identity), None)
        if stuck is None and not reasons.keys() & values.keys():  # nothing left to drop
            stuck = next(iter(reasons))
        if stuck is not None:
            raise _Skip(f"its {python_name(stuck) or 'value'} cannot be declared: {_reason(reasons[stuck])}")
        for key, reason in reasons.items():
            if key in values:
                drop(key, reason)
    for key in list(values):
        if key in values and normalised.get(key) != values[key]:
            drop(key, "the provider would normalise the value Graph holds (spaces around it, say), so declaring "
                      "it would change it")
    return values, notes


_SHARED = "another meeting of this organiser has the same externalId; createOrGet would find only one of them"


def _meeting_identity(found: Found) -> dict[str, Any]:
    """What addresses the meeting for ``createOrGet``; :class:`_Skip` when it could not find it."""
    external_id = found.meeting.get("externalId")
    if external_id is not None and not isinstance(external_id, str):
        raise _Skip("its externalId is not text, so createOrGet could not find it (it would create another meeting)")
    if external_id is None or not external_id.strip():
        raise _Skip("it has no externalId, and createOrGet finds a meeting only by its externalId, so a program "
                    "could not adopt it (it would create another meeting)")
    if external_id != external_id.strip():
        raise _Skip("its externalId has spaces around it, which the provider strips, so createOrGet would not find "
                    "it (it would create another meeting)")
    return {"externalId": external_id, **({"userId": found.user_id} if found.user_id else {})}


def _live(kind: Kind, entity: Mapping[str, Any]) -> dict[str, Any]:
    try:
        return normalise_live(kind, entity)
    except LiveValueError as exc:
        raise _Skip(f"Graph's {kind.name} has {_reason(str(exc))}") from None


def _declare_meeting(found: Found, name: str, twin: bool, result: Plan) -> Optional[str]:
    """Add the meeting's declaration; its variable, or ``None`` when it was skipped (``twin``: another
    meeting read for its organiser has its externalId)."""
    what = f"{name}-meeting"
    try:
        identity = _meeting_identity(found)
        if twin:
            raise _Skip(_SHARED)
        values, notes = declarable(MEETING, identity, _live(MEETING, found.meeting), what)
    except _Skip as exc:
        result.skipped.append((f"meeting {found.source}", str(exc)))
        return None
    variable = "meeting_" + name.replace("-", "_")
    result.declarations.append(Declaration(MEETING, f"{name}-meeting", variable, {**identity, **values}, found.path))
    result.notes.extend(notes)
    return variable


def _declare_appointment(found: Found, name: str, variable: Optional[str], result: Plan) -> None:
    what = f"{name}-appointment"
    identity = {"onlineMeetingId": found.meeting_id, **({"userId": found.user_id} if found.user_id else {})}
    try:
        values, notes = declarable(APPOINTMENT, identity, _live(APPOINTMENT, found.appointment or {}), what)
    except _Skip as exc:
        result.skipped.append((f"virtual appointment of {found.source}", str(exc)))
        return
    if variable is not None:
        identity.pop("onlineMeetingId")
    result.declarations.append(Declaration(APPOINTMENT, f"{name}-appointment", "", {**identity, **values},
                                           resource_path(found.meeting_id, found.user_id), variable))
    result.notes.extend(notes)


def _shared_external_ids(unique: Mapping[tuple[str, str], Found]) -> set[tuple[str, str]]:
    """``(organiser, externalId)`` of two or more meetings read: createOrGet would find one of them."""
    seen: set[tuple[str, str]] = set()
    shared: set[tuple[str, str]] = set()
    for (user, _), item in unique.items():
        external_id = item.meeting.get("externalId")
        if isinstance(external_id, str):
            (shared if (user, external_id) in seen else seen).add((user, external_id))
    return shared


def plan(found: list[Found], meetings: bool = True) -> Plan:
    """What to declare for each meeting read and its appointment, in a stable order, with unique
    names (:func:`stable_name`); ``meetings=False`` declares appointments only (the data file), the
    meeting's id literal. Meetings of one organiser that share an externalId are skipped (their
    appointments declared by meeting id), as a meeting without one is."""
    result = Plan()
    unique: dict[tuple[str, str], Found] = {}
    for item in found:
        unique.setdefault(((item.user_id or "").casefold(), item.meeting_id), item)
    shared = _shared_external_ids(unique)
    bases = {key: _base(item) for key, item in unique.items()}
    names = unique_names(bases, {key: key for key in unique})
    for key in sorted(unique, key=lambda k: names[k]):
        item, name = unique[key], names[key]
        if not is_id(item.meeting_id):
            result.skipped.append((f"meeting {item.source}", f"its id {item.meeting_id!r} is not one a path can hold"))
            continue
        external_id = item.meeting.get("externalId")
        twin = isinstance(external_id, str) and (key[0], external_id) in shared
        variable = _declare_meeting(item, name, twin, result) if meetings else None
        if item.appointment is not None:
            _declare_appointment(item, name, variable, result)
        elif not meetings:
            result.skipped.append((f"meeting {item.source}", "it has no virtual appointment, and the data file "
                                   "declares appointments only (use --format python to export the meeting)"))
    return result


# -- Python -----------------------------------------------------------------------------------------

_HEADER = '''"""Exported from Microsoft Graph by `python -m pulumi_virtualappointment export`.

Every resource is declared with adopt_existing=True: the first `pulumi up` takes the live objects
over and changes nothing, as they already hold these values. From then on this program is the
source of truth: edit a value here and `pulumi up` sends that change. Keep the resource names (a
new name is a new resource); a property left out is left to Teams.
"""'''


def _field_code(kind: Kind, rules: Field, value: Any, path: str, indent: str, used: set[str]) -> str:
    """A value as Python: records as their args class, lists one item a line, scalars by ``repr``."""
    if isinstance(rules, Record):
        members = ", ".join(
            f"{python_name(k)}={_field_code(kind, rules.members[k], value[k], f'{path}.{k}', indent, used)}"
            for k in rules.members if k in value)
        used.add(_ARGS[(kind.name, path)])
        return f"{_ARGS[(kind.name, path)]}({members})"
    if isinstance(rules, Items):
        if not value:
            return "[]"
        inner = indent + "    "
        items = "".join(f"{inner}{_field_code(kind, rules.item, v, f'{path}[]', inner, used)},\n" for v in value)
        return f"[\n{items}{indent}]"
    if isinstance(value, (bool, str)):
        return repr(value)
    raise TypeError(f"{path}: cannot write a {type(value).__name__}")  # pragma: no cover - the kinds have none


def _ordered(declaration: Declaration) -> list[str]:
    kind, inputs = declaration.kind, declaration.inputs
    first = [k for k in (*kind.identity, *_FIRST[kind.name]) if k in inputs]
    return first + [k for k in kind.fields if k in inputs and k not in first]


def _argument(declaration: Declaration, key: str, used: set[str]) -> str:
    kind, value, indent = declaration.kind, declaration.inputs[key], " " * 8
    code = repr(value) if key in kind.identity else _field_code(kind, kind.fields[key], value, key, indent, used)
    if (kind.name, key) in _SECRET:
        used.add("pulumi")
        code = f"pulumi.Output.secret({code})"
    return f"{indent}{python_name(key)}={code},"


def _python(declaration: Declaration, used: set[str]) -> list[str]:
    resource, args = _CLASS[declaration.kind.name]
    used.update((resource, args))
    lines = [f"# {ascii(declaration.path)}"]
    lines.append(f"{declaration.variable} = {resource}(" if declaration.variable else f"{resource}(")
    lines += [f"    {declaration.name!r},", f"    {args}("]
    if declaration.meeting_variable:
        lines.append(f"        online_meeting_id={declaration.meeting_variable}.online_meeting_id,")
    lines += [_argument(declaration, key, used) for key in _ordered(declaration)]
    lines += ["        adopt_existing=True,", "    ),", ")"]
    return lines


def python_program(result: Plan) -> str:
    """The Pulumi program (``__main__.py``) that declares the plan: one resource per object, the
    appointment's meeting id from its meeting's ``online_meeting_id`` output."""
    used: set[str] = set()
    body = [line for d in result.declarations for line in ("", *_python(d, used))]
    names = sorted(used - {"pulumi"})
    imports = ["import pulumi", ""] if "pulumi" in used else []
    if names:
        imports += ["from pulumi_virtualappointment import (", *(f"    {n}," for n in names), ")"]
    return "\n".join([_HEADER, "", *imports, *body]) + "\n"


# -- the data file ----------------------------------------------------------------------------------

_YAML_HEADER = """\
# Exported from Microsoft Graph by `python -m pulumi_virtualappointment export --format yaml`,
# for the program of examples/from-data. It declares appointments only: each entry names its
# meeting by id and is adopted (adopt_existing: true), so the first `pulumi up` changes nothing.
# Keep the names stable: renaming an entry replaces the resource.
"""


def _python_names(value: Any) -> Any:
    if isinstance(value, dict):
        return {python_name(k): _python_names(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_python_names(v) for v in value]
    return value


def _entry(declaration: Declaration) -> dict[str, Any]:
    entry: dict[str, Any] = {"name": declaration.name}
    entry.update({python_name(k): _python_names(declaration.inputs[k]) for k in _ordered(declaration)})
    entry["adopt_existing"] = True
    return entry


def yaml_data(result: Plan) -> str:
    """The data file examples/from-data reads (``appointments:``, Python argument names)."""
    import yaml

    document = {"appointments": [_entry(d) for d in result.declarations if d.kind is APPOINTMENT]}
    for readable in (True, False):
        # PyYAML writes some characters raw that its reader then takes for line breaks (U+0085, say):
        # then every character outside ASCII is written as an escape instead.
        text = yaml.safe_dump(document, sort_keys=False, allow_unicode=readable, width=100)
        if yaml.safe_load(text) == document:
            return _YAML_HEADER + text
    raise ValueError("the data file would not read back as written")  # pragma: no cover - escapes always do
