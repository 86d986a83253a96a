"""Resource kinds as data: the schema toolkit, and the ``Kind`` that describes one Graph resource.

Pure: standard library only. State uses Graph's camelCase names, so a PATCH body is a slice of
state. A kind is a description (its fields, identity, paths, API version, create strategy);
:func:`validate`, :func:`managed` and :func:`normalise_live` work for every kind, so ``check`` and
the reading of Graph's answers exist once. Every failure names the property path
(``appointmentClients[1].emailAddress``) and says how to fix it.

Fields know three things: how a program's value is checked and normalised (``check``), how
Graph's value is read (``live``: a shape Graph never sends raises :class:`LiveValueError`), and
when two normalised values mean the same to Graph (``same``).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any, Callable, Mapping, Optional, Sequence

__all__ = [
    "UNKNOWN",
    "MAX_STRING",
    "Failure",
    "LiveValueError",
    "Field",
    "Text",
    "Flag",
    "Choice",
    "Instant",
    "Record",
    "Items",
    "Kind",
    "validate",
    "managed",
    "has_unknown",
    "normalise_live",
    "describe_failure",
    "python_name",
    "same_user",
    "is_id",
    "checked_id",
    "ID_RULE",
]

UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
"""The value Pulumi uses for a property not yet known at preview (``pulumi.runtime.rpc.UNKNOWN``)."""

MAX_STRING = 2048
_ID = re.compile(r"^[^\s/?#]+$")
_PLAIN_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
ID_RULE = "must be one id: no spaces, control characters, '/', '?' or '#', and not '.' or '..'"


@dataclass(frozen=True)
class Failure:
    """One invalid property: ``path`` in state names, ``reason`` says what to do."""

    path: str
    reason: str


class LiveValueError(ValueError):
    """Graph answered a managed property in a shape it does not have (``path``: where)."""

    def __init__(self, path: str, reason: str):
        super().__init__(f"{path}: {reason}")
        self.path, self.reason = path, reason


def python_name(name: str) -> str:
    """Graph's camelCase name -> the snake_case Python name (``smsCapablePhoneNumber`` ->
    ``sms_capable_phone_number``)."""
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name).lower()


def is_id(value: str) -> bool:
    """One path segment of its own: no separator, no control character, not a dot segment (which
    URL normalisation would remove: ``..`` would address the level above)."""
    return bool(_ID.match(value)) and value not in (".", "..") and value.isprintable()


def _is_annotation(key: Any) -> bool:
    return isinstance(key, str) and "@" in key


def _key_path(parent: str, key: Any) -> str:
    """Pulumi's property-path syntax: ``a.b`` for plain names, ``a["odd key"]`` otherwise."""
    if isinstance(key, str) and _PLAIN_KEY.fullmatch(key):
        return f"{parent}.{key}" if parent else key
    return f"{parent}[{json.dumps(str(key), ensure_ascii=False)}]"


def _fail(failures: list[Failure], path: str, reason: str) -> None:
    failures.append(Failure(path, reason))


def _describe(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _got(value: Any) -> str:
    return f"{type(value).__name__} {_describe(value)}"


# -- fields ---------------------------------------------------------------------------------------


class Field:
    """A property's rules. Subclasses override ``check`` and ``live``; ``same`` is equality."""

    def check(self, value: Any, path: str, failures: list[Failure]) -> Any:
        raise NotImplementedError

    def live(self, value: Any, path: str) -> Any:
        raise NotImplementedError

    def same(self, a: Any, b: Any) -> bool:
        return a == b

    def project(self, live: Any, declared: Any) -> Any:
        """The live value as far as the program manages it (a record: the members it declares)."""
        return live

    def names(self) -> Sequence[str]:
        """Member names inside this field (for Python-name translation)."""
        return ()


@dataclass(frozen=True)
class Text(Field):
    """A non-empty string (stripped), at most ``max_length``, optionally of a format."""

    valid: Optional[Callable[[str], Any]] = None
    expected: str = ""
    max_length: int = MAX_STRING
    fold: bool = False
    """Case-insensitive to Graph (a UPN): kept in lower case on both sides."""

    def check(self, value: Any, path: str, failures: list[Failure]) -> Any:
        if value == UNKNOWN:
            return value
        if not isinstance(value, str):
            _fail(failures, path, f"expected a string, got {_got(value)}")
            return value
        value = value.strip()
        if not value:
            _fail(failures, path, "must not be empty; omit the property to leave it unmanaged")
        elif len(value) > self.max_length:
            _fail(failures, path, f"is {len(value)} characters long; at most {self.max_length} are accepted")
        elif self.valid is not None and not self.valid(value):
            _fail(failures, path, f"{self.expected}, got {_describe(value)}")
        return value.lower() if self.fold else value

    def live(self, value: Any, path: str) -> Any:
        if not isinstance(value, str):
            raise LiveValueError(path, f"expected a string, got {type(value).__name__}")
        return value.lower() if self.fold else value


def _boolean(value: Any) -> Optional[bool]:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    return None


@dataclass(frozen=True)
class Flag(Field):
    """A boolean; ``"true"``/``"false"`` strings (as in Graph's own examples) normalise to it."""

    def check(self, value: Any, path: str, failures: list[Failure]) -> Any:
        if value == UNKNOWN:
            return value
        flag = _boolean(value)
        if flag is None:
            _fail(failures, path, f"expected true or false, got {_describe(value)}")
            return value
        return flag

    def live(self, value: Any, path: str) -> Any:
        flag = _boolean(value)
        if flag is None:
            raise LiveValueError(path, f"expected true or false, got {_describe(value)}")
        return flag


@dataclass(frozen=True)
class Choice(Field):
    """One of an enumeration's members. Graph may add members (``unknownFutureValue``), so a live
    value is any string."""

    values: tuple[str, ...] = ()

    def check(self, value: Any, path: str, failures: list[Failure]) -> Any:
        if value == UNKNOWN:
            return value
        if isinstance(value, str) and value.strip() in self.values:
            return value.strip()
        _fail(failures, path, f"expected one of {', '.join(self.values)}, got {_describe(value)}")
        return value

    def live(self, value: Any, path: str) -> Any:
        return Text().live(value, path)


_INSTANT = re.compile(
    r"^(\d{4})-(\d\d)-(\d\d)[Tt ](\d\d):(\d\d)(?::(\d\d)(?:\.(\d+))?)?\s*(Z|z|[+-]\d\d:?\d\d)$"
)


def instant(value: str) -> Optional[str]:
    """An ISO 8601 date and time with a zone -> Graph's UTC form, ``2026-12-01T09:00:00Z`` with
    up to seven fractional digits (Graph's precision), trailing zeros dropped; ``None`` if it is
    not one. Graph writes ``...T01:49:21.3524945Z`` for what was sent as ``...+00:00``: both sides
    are normalised the same way, so a round trip is never a diff."""
    return parse_instant(value)[0]


def parse_instant(value: str) -> tuple[Optional[str], Optional[str]]:
    """``(Graph's UTC form, None)``, or ``(None, what is wrong)`` when it can say more than "not a
    time" (an offset RFC 3339 does not have, a moment out of range once in UTC)."""
    match = _INSTANT.match(value.strip())
    if not match:
        return None, None
    year, month, day, hour, minute, second, fraction, zone = match.groups()
    offset = timedelta(0)
    if zone not in ("Z", "z"):
        digits = zone[1:].replace(":", "")
        hours, minutes = int(digits[:2]), int(digits[2:])
        if hours > 23 or minutes > 59:  # RFC 3339 time-numoffset: time-hour 00-23, time-minute 00-59
            unit = "hour" if hours > 23 else "minute"
            return None, (f"its UTC offset {zone} has no such {unit}: an RFC 3339 offset is +HH:MM with HH 00-23 "
                          "and MM 00-59")
        offset = (1 if zone[0] == "+" else -1) * timedelta(hours=hours, minutes=minutes)
    try:
        moment = datetime(int(year), int(month), int(day), int(hour), int(minute), int(second or 0))
    except ValueError:  # no such day or time
        return None, None
    try:
        moment -= offset
    except OverflowError:
        return None, "is out of range once in UTC"
    ticks = (fraction or "").ljust(7, "0")[:7].rstrip("0")
    return f"{moment.year:04d}" + moment.strftime("-%m-%dT%H:%M:%S") + (f".{ticks}" if ticks else "") + "Z", None


@dataclass(frozen=True)
class Instant(Field):
    """A point in time, normalised to Graph's UTC form (see :func:`instant`)."""

    def check(self, value: Any, path: str, failures: list[Failure]) -> Any:
        if value == UNKNOWN:
            return value
        if isinstance(value, datetime):
            if value.tzinfo is None:
                _fail(failures, path, "is a datetime without a time zone; give it one (tzinfo=timezone.utc, say)")
                return value
            try:
                value = value.astimezone(timezone.utc).isoformat()
            except OverflowError:
                _fail(failures, path, f"is out of range once in UTC, got {_describe(value)}")
                return value
        normalised, problem = parse_instant(value) if isinstance(value, str) else (None, None)
        if normalised is None:
            _fail(failures, path, f"{problem}, got {_describe(value)}" if problem else (
                "expected an ISO 8601 date and time with a zone such as 2026-12-01T09:00:00Z or "
                f"2026-12-01T10:00:00+01:00, got {_describe(value)}"))
            return value
        return normalised

    def live(self, value: Any, path: str) -> Any:
        normalised = instant(value) if isinstance(value, str) else None
        if normalised is None:
            raise LiveValueError(path, f"expected a date and time, got {_describe(value)}")
        return normalised


@dataclass(frozen=True)
class Record(Field):
    """A complex value: named members, each a field. ``required`` members must be given when the
    record is (``hint`` says with what); ``at_least_one`` that the record may not be empty."""

    members: Mapping[str, Field] = field(default_factory=dict)
    required: tuple[str, ...] = ()
    hint: str = ""
    at_least_one: bool = False
    required_reason: str = ""
    """Said of a missing required member instead of the generic advice built from ``hint``."""
    defaults: Mapping[str, Any] = field(default_factory=dict)
    """Members Graph fills in when they are not given: given the same value on both sides."""

    def check(self, value: Any, path: str, failures: list[Failure]) -> Any:
        if value == UNKNOWN:
            return value
        if not isinstance(value, Mapping):
            _fail(failures, path, f"expected an object, got {_got(value)}")
            return value
        before = len(failures)
        for key in value:
            if key not in self.members and not _is_annotation(key):
                names = ", ".join(python_name(k) for k in self.members)
                _fail(failures, _key_path(path, key), f"is not a property here; expected one of: {names}")
        missing = [k for k in self.required if value.get(k) is None]
        for key in missing:
            parent = path.rsplit(".", 1)[-1]
            _fail(failures, f"{path}.{key}", self.required_reason or (
                f"is required when {parent} is given; set it to {self.hint}, or omit {parent} to leave them unmanaged"))
        if missing:
            return {}
        out = {k: self.members[k].check(value[k], f"{path}.{k}", failures)
               for k in self.members if value.get(k) is not None}
        if self.at_least_one and not out and len(failures) == before:
            _fail(failures, path, f"needs at least one of {', '.join(python_name(k) for k in self.members)}")
        return {**self.defaults, **out}

    def live(self, value: Any, path: str) -> Any:
        if not isinstance(value, Mapping):
            raise LiveValueError(path, f"expected an object, got {type(value).__name__}")
        out = {k: self.members[k].live(value[k], f"{path}.{k}") for k in self.members if value.get(k) is not None}
        return {**self.defaults, **out}

    def project(self, live: Any, declared: Any) -> Any:
        if isinstance(live, Mapping) and isinstance(declared, Mapping):
            return {k: v for k, v in live.items() if k in declared}
        return live

    def same(self, a: Any, b: Any) -> bool:
        """Whether ``a`` holds ``b``: the members ``b`` declares; a member left out is unmanaged."""
        if isinstance(a, Mapping) and isinstance(b, Mapping):
            return all(k in a and self.members[k].same(a[k], b[k]) for k in b if k in self.members)
        return a == b

    def names(self) -> Sequence[str]:
        return [n for k, f in self.members.items() for n in (k, *f.names())]


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"))


@dataclass(frozen=True)
class Items(Field):
    """A collection, at most ``max_items`` long. Graph documents no order for the collections here,
    so two lists with the same members in another order are the same (a multiset)."""

    item: Field = field(default_factory=Field)
    noun: str = "items"
    max_items: int = 100

    def check(self, value: Any, path: str, failures: list[Failure]) -> Any:
        if value == UNKNOWN:
            return value
        if isinstance(value, (str, bytes)) or not isinstance(value, (list, tuple)):
            _fail(failures, path, f"expected a list of {self.noun}, got {_got(value)}")
            return value
        if len(value) > self.max_items:
            _fail(failures, path, f"has {len(value)} {self.noun}; at most {self.max_items} are accepted")
            return list(value)
        return [self.item.check(item, f"{path}[{i}]", failures) for i, item in enumerate(value)]

    def live(self, value: Any, path: str) -> Any:
        if not isinstance(value, list):
            raise LiveValueError(path, f"expected a list, got {type(value).__name__}")
        return [self.item.live(item, f"{path}[{i}]") for i, item in enumerate(value)]

    def same(self, a: Any, b: Any) -> bool:
        if isinstance(a, list) and isinstance(b, list):
            return sorted(map(_canonical, a)) == sorted(map(_canonical, b))
        return a == b

    def names(self) -> Sequence[str]:
        return self.item.names()


# -- kinds ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Kind:
    """What one Graph resource is; the engine (``_engine``) runs every kind's lifecycle the same way.

    ``fields`` are the managed Graph properties (their order is the body's, sorted); ``identity``
    the input keys that address the object, of which ``replaces`` force a replacement when they
    change and the rest only re-address it; ``computed`` the outputs Graph fills in.
    """

    name: str
    """Graph's name for the entity, as messages say it (``virtualAppointment``)."""
    resource: str
    """The Python class programs declare (``VirtualAppointment``)."""
    api_version: str
    fields: Mapping[str, Field]
    identity: tuple[str, ...]
    replaces: tuple[str, ...]
    required: Mapping[str, str]
    """Identity keys that must be set, with the advice when they are not."""
    computed: tuple[str, ...]
    behaviour: tuple[str, ...] = ("adoptExisting",)
    path_keys: Optional[tuple[str, ...]] = None
    """Identity keys that become path segments (checked as ids); all identity keys when unset."""
    clears_removed: bool = True
    """Whether a property removed from the program is sent as ``null`` (cleared) or left as Graph has it."""
    together: tuple[tuple[str, ...], ...] = ()
    """Properties Graph wants in one body whenever one of them changes."""
    companions: Mapping[tuple[str, Any], tuple[str, ...]] = field(default_factory=dict)
    """``(property, value) -> properties``: sending that value needs these in the same body."""
    graph_computed: tuple[str, ...] = ()
    """Managed properties Graph fills in when the program does not set them (any live value matches)."""
    checks: tuple[Callable[[dict, list], None], ...] = ()
    """Rules across properties, run on the normalised values when each property is valid."""
    address: Callable[[Mapping[str, Any]], str] = lambda props: ""
    """The object's Graph path (below the version; also the resource id) from its recorded properties."""
    identity_of: Callable[[str], dict] = lambda id_: {}
    """A resource id -> the identity properties it names (``ValueError`` if it is not one)."""
    object_key: str = ""
    """The recorded property that names the Graph object itself, whatever path addressed it."""
    create: str = "put"
    """How the engine creates: ``put`` (GET, then PUT with If-None-Match) or ``createOrGet``."""
    create_keys: tuple[str, ...] = ()
    """For ``createOrGet``: the properties its body takes (identity keys included)."""
    create_path: Callable[[Mapping[str, Any]], str] = lambda props: ""
    """For ``createOrGet``: where to POST."""
    from_body: Mapping[str, str] = field(default_factory=dict)
    """Computed outputs read from the entity Graph answers with: output -> Graph property."""
    identity_from_body: tuple[str, ...] = ()
    """Identity keys Graph's entity carries (read back by ``get``)."""
    functions: Mapping[str, str] = field(default_factory=dict)
    """Computed outputs read from a Graph function of the object: output -> function (``{"value": ...}``)."""
    exists_error: type = Exception
    exists_messages: Mapping[str, str] = field(default_factory=lambda: {"": "", "taken": ""})
    """Why a create refused an object that exists (``{path}`` is filled in): under ``""`` it is not
    this create's to take, under ``"gateway"`` an earlier attempt's 504 leaves whose it is open (a kind
    without that message says ``""``), under ``"taken"`` another resource of the deployment has it."""
    get_hint: str = ""
    readdress_hint: str = ""
    headers: Mapping[str, str] = field(default_factory=dict)
    """Headers every request for this kind carries."""
    etags: bool = True
    """Whether Graph documents ETags for the kind: a write answered without one is then read once."""
    live_defaults: Mapping[str, Any] = field(default_factory=dict)
    """What an absent or ``null`` member of Graph's answer means (a meeting without attendees)."""

    @property
    def managed_keys(self) -> tuple[str, ...]:
        return tuple(self.fields)

    @property
    def input_keys(self) -> tuple[str, ...]:
        return (*self.identity, *self.fields, *self.behaviour)

    def python_names(self) -> dict[str, str]:
        """Graph (state) name -> Python name, for every name the resource uses, nested ones too."""
        names = [*self.input_keys, *self.computed, *(n for f in self.fields.values() for n in f.names())]
        return {n: python_name(n) for n in names}

    def python_path(self, path: str) -> str:
        names = self.python_names()
        return re.sub(r"[A-Za-z]+", lambda m: names.get(m.group(0), m.group(0)), path)


_IDENTITY = Text(is_id, ID_RULE)
_TEXT = Text()
_FLAG = Flag()


def validate(kind: Kind, props: Mapping[str, Any]) -> tuple[dict[str, Any], list[Failure]]:
    """Validate resource inputs in state names; return ``(normalised, failures)``.

    Normalising: strings are stripped, ``"true"``/``"false"`` become booleans, times become UTC,
    ``None`` values and ``@odata`` annotations are dropped (unset means unmanaged), the entity key
    ``id`` (read-only, present in Graph's own examples) is dropped. Unknown preview values pass
    through untouched. Never raises: hostile input yields failures.
    """
    failures: list[Failure] = []
    if not isinstance(props, Mapping):
        return {}, [Failure("", f"expected an object of properties, got {type(props).__name__}")]
    out: dict[str, Any] = {}
    for key, value in props.items():
        if value is None or _is_annotation(key) or key == "id":
            continue
        if key in kind.identity:
            in_path = kind.path_keys is None or key in kind.path_keys
            out[key] = (_IDENTITY if in_path else _TEXT).check(value, key, failures)
        elif key in kind.fields:
            out[key] = kind.fields[key].check(value, key, failures)
        elif key in kind.behaviour:
            out[key] = _FLAG.check(value, key, failures)
        else:
            names = ", ".join(python_name(k) for k in kind.input_keys)
            _fail(failures, _key_path("", key), f"is not a property of {kind.resource}; expected one of: {names}")
    for key, advice in kind.required.items():
        if key not in out:
            _fail(failures, key, advice)
    if not failures:
        for rule in kind.checks:
            rule(out, failures)
    return out, failures


def checked_id(kind: Kind, id_: Any) -> str:
    """An id given to ``get``, as the canonical resource id, once every id in it is one; a
    ``ValueError`` saying why otherwise (checked before any request is sent)."""
    identity = kind.identity_of(id_)
    failures: list[Failure] = []
    for key, value in identity.items():
        if value != value.strip():
            _fail(failures, key, "must not start or end with spaces or control characters")
        _IDENTITY.check(value, key, failures)
    if failures:
        problems = "; ".join(f"{f.path} {f.reason}" for f in failures)
        raise ValueError(f"the id {id_!r} is not usable: {problems}")
    return kind.address(identity)


def describe_failure(kind: Kind, failure: Failure) -> str:
    """The reason, plus the Python argument path when it differs from the state path."""
    python = kind.python_path(failure.path)
    if python == failure.path:
        return failure.reason
    return f"{failure.reason} (Python argument: {python})"


def managed(kind: Kind, props: Mapping[str, Any]) -> dict[str, Any]:
    """The slice of ``props`` that Graph stores and the program manages."""
    return {k: props[k] for k in kind.fields if props.get(k) is not None}


def has_unknown(value: Any) -> bool:
    """Whether ``value`` is, or contains, a value unknown at preview time."""
    if isinstance(value, Mapping):
        return any(has_unknown(v) for v in value.values())
    if isinstance(value, (list, tuple)):
        return any(has_unknown(v) for v in value)
    return value == UNKNOWN


def normalise_live(kind: Kind, entity: Mapping[str, Any]) -> dict[str, Any]:
    """Graph's representation of the entity -> normalised managed values.

    Annotations, ``id``, unknown members and ``null`` members are dropped, so a value that
    round-trips through Graph compares equal to what the program declared. A member of the wrong
    shape (``settings`` that is a list, a client that is a number) raises :class:`LiveValueError`
    naming it: Graph never answers that way, so it is reported, never guessed at.
    """
    out: dict[str, Any] = {}
    for key, rules in kind.fields.items():
        value = entity.get(key)
        if value is None:
            value = kind.live_defaults.get(key)
        if value is None:
            continue
        value = rules.live(value, key)
        if value != {}:
            out[key] = value
    return out


def same_user(a: Any, b: Any) -> bool:
    """Whether two ``userId`` values name the same user to Graph: object ids and user principal
    names are case-insensitive in Microsoft Entra ID, so ``Alice@Contoso.com`` is
    ``alice@contoso.com``. Unset (``/me``) equals only unset: only Graph knows who "me" is."""
    if isinstance(a, str) and isinstance(b, str) and UNKNOWN not in (a, b):
        return a.casefold() == b.casefold()
    return a == b
