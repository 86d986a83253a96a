"""What every resource class shares: the two call forms, args to state, names both ways, ``get``.

Constructed like Pulumi's generated SDKs: ``Resource(name, Args(...), opts)`` or
``Resource(name, opts, property=..., ...)``. Python names are snake_case; the SDK translates them
(nested ones too) to Graph's camelCase state names through ``translate_input_property`` and back
for output attributes through ``translate_output_property``, from the kind's own schema.
"""

import asyncio
import inspect
import re
from dataclasses import MISSING, fields, is_dataclass
from datetime import datetime, timezone
from typing import Any, ClassVar, Optional

import pulumi
from pulumi.dynamic import Resource

from ._errors import InvalidInputError
from ._model import UNKNOWN, Kind, checked_id, describe_failure, validate

__all__ = ["Declared"]


def _plain(value: Any, path: str) -> Any:
    """Args dataclasses -> dicts (``None`` fields dropped), also inside Outputs (e.g. a list of
    clients wrapped in ``pulumi.Output.secret``); aware datetimes -> ISO 8601 text; plain values
    and dicts pass through. A naive datetime fails here, naming the argument."""
    if isinstance(value, pulumi.Output):
        return value.apply(lambda v: _plain(v, path))
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise InvalidInputError(
                f"{path}: a datetime without a time zone; give it one (tzinfo=timezone.utc, say) so it names one "
                "moment"
            )
        try:
            return value.astimezone(timezone.utc).isoformat()
        except OverflowError:  # out of range once in UTC: the text as given, for check to say so, naming it
            return value.isoformat()
    if is_dataclass(value) and not isinstance(value, type):
        return {k: _plain(getattr(value, k), f"{path}.{k}") for k in (f.name for f in fields(value))
                if getattr(value, k) is not None}
    if isinstance(value, dict):
        return {k: _plain(v, f"{path}.{k}") for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v, f"{path}[{i}]") for i, v in enumerate(value)]
    return value


def _known(value: Any, names: dict[str, str]) -> Any:
    """A plain copy for validation: Python names to Graph's (nested too), an Output or any other
    awaitable as the preview's unknown value."""
    if isinstance(value, pulumi.Output) or hasattr(value, "__await__"):
        return UNKNOWN
    if isinstance(value, dict):
        return {names.get(k, k) if isinstance(k, str) else k: _known(v, names) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_known(v, names) for v in value]
    return value


class _Unset:
    """The output attribute of a property the program left unset: ``None`` (the provider outputs only
    what the program manages), as an Output made when it is read. The SDK would make one per
    property at every declaration, which was half of what declaring a meeting cost. (An unset
    property in ``ignore_changes`` is registered after all: the engine keeps its recorded value.)"""

    def __init__(self, owner: str, name: str) -> None:
        self.owner, self.name = owner, name

    def __get__(self, instance: Any, owner: type) -> Any:
        return self if instance is None else pulumi.Output.from_input(None)

    def __repr__(self) -> str:
        return f"<{self.owner}.{self.name}: an Output; None while the program leaves it unset>"


def _ignored(opts: Optional[pulumi.ResourceOptions]) -> set[str]:
    """The top-level Python names in ``opts.ignore_changes`` (paths such as ``a.b`` or ``a[0]`` too)."""
    paths = getattr(opts, "ignore_changes", None) or ()
    return {re.split(r"[.\[]", path, maxsplit=1)[0] for path in paths if isinstance(path, str)}


def _own_init(cls: type) -> Any:
    """``cls.__init__``: ``Declared.__init__`` with the class's signature and a docstring naming its arguments."""

    def __init__(self: Any, resource_name: str, *args: Any, **kwargs: Any) -> None:
        Declared.__init__(self, resource_name, *args, **kwargs)

    args_cls = cls._args  # type: ignore[attr-defined]
    keyword = inspect.Parameter.KEYWORD_ONLY
    params = [
        inspect.Parameter("self", inspect.Parameter.POSITIONAL_OR_KEYWORD),
        inspect.Parameter("resource_name", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=str),
        inspect.Parameter("args", inspect.Parameter.POSITIONAL_OR_KEYWORD, default=None,
                          annotation=f"Optional[{args_cls.__name__}]"),
        inspect.Parameter("opts", inspect.Parameter.POSITIONAL_OR_KEYWORD, default=None,
                          annotation="Optional[pulumi.ResourceOptions]"),
        *(inspect.Parameter(f.name, keyword, default=inspect.Parameter.empty if f.default is MISSING else f.default)
          for f in fields(args_cls)),  # their types: the args class's, and the typed overloads type checkers read
    ]
    __init__.__signature__ = inspect.Signature(params, return_annotation=None)  # type: ignore[attr-defined]
    __init__.__qualname__ = f"{cls.__name__}.__init__"
    names = ", ".join(f.name for f in fields(args_cls))
    __init__.__doc__ = (
        f"Declare a {cls.__name__}: ``{cls.__name__}(resource_name, {args_cls.__name__}(...), opts)`` or "
        f"``{cls.__name__}(resource_name, opts, property=value, ...)``. The properties: {names}. A property left "
        "unset is unmanaged; bad input raises InvalidInputError here, naming it."
    )
    return __init__


def _has_output(value: Any) -> bool:
    if isinstance(value, pulumi.Output) or hasattr(value, "__await__"):
        return True
    if isinstance(value, dict):
        return any(_has_output(v) for v in value.values())
    if isinstance(value, (list, tuple)):
        return any(_has_output(v) for v in value)
    return False


def _secret(value: Any) -> Any:
    """``value`` as a secret Output. A plain value (no Output inside: args classes are dicts by now)
    becomes one known Output; ``pulumi.Output.secret`` would lift every list item and dict member into
    Outputs of their own first, which cost more than the rest of a declaration."""
    if _has_output(value):
        return pulumi.Output.secret(value)
    loop = asyncio.get_event_loop()

    def ready(result: Any) -> Any:
        future = loop.create_future()
        future.set_result(result)
        return future

    return pulumi.Output(set(), ready(value), ready(True), ready(True))


class Declared(Resource):
    """A resource of one kind, declared by a program. Subclasses set the three class attributes
    and declare their output annotations."""

    _kind: ClassVar[Kind]
    _args: ClassVar[type]
    _provider: ClassVar[type]
    _secret: ClassVar[tuple[str, ...]] = ()
    """Properties the engine keeps encrypted in state, inputs and outputs, whatever the program marked secret."""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        """Each resource class gets an ``__init__`` of its own, whose signature and docstring are the
        class's (what ``help()`` and editors show, rather than the SDK's ``props``/``provider``), and
        an :class:`_Unset` attribute for every property, read while the program leaves it unset."""
        super().__init_subclass__(**kwargs)
        if "_args" not in cls.__dict__:
            return
        for f in fields(cls._args):
            if f.name not in cls.__dict__:
                setattr(cls, f.name, _Unset(cls.__name__, f.name))
        cls.__init__ = _own_init(cls)  # type: ignore[misc]

    def __init__(self, resource_name: str, *args: Any, **kwargs: Any) -> None:
        given, opts = self._split(args, kwargs)
        # Only what the program sets, and what Graph computes: the SDK makes an Output (and several
        # asyncio tasks) for every property it is handed, and a meeting has 29 (see _Unset).
        props = {}
        kept = {self._names().get(n, n) for n in _ignored(opts)}  # unset but ignored: the engine keeps the
        # recorded value (the paths may name Graph's camelCase or the Python name), so it must be read
        for name in _field_names(self._args):
            value = getattr(given, name)
            if value is not None:
                props[name] = _plain(value, name)
            elif name in kept:
                props[name] = None
        self._preflight(resource_name, props)
        for name in self._secret:  # personal data: encrypted in the state's inputs too, however given
            if name in props:
                props[name] = _secret(props[name])
        props.update(dict.fromkeys(self._outputs()))
        super().__init__(self._provider(), resource_name, props, self._options(opts))

    @classmethod
    def _preflight(cls, resource_name: str, props: dict[str, Any]) -> None:
        """``check``'s own validation of what is known now, so bad input fails at the program's
        line (and in mocked unit tests); values still Outputs are checked by ``check`` later."""
        graph = _names(cls._kind)[1]
        _, failures = validate(cls._kind, _known({graph.get(k, k): v for k, v in props.items()}, graph))
        if failures:
            problems = "\n".join(f"  {f.path}: {describe_failure(cls._kind, f)}" for f in failures)
            raise InvalidInputError(f"{cls.__name__} {resource_name!r} has invalid input:\n{problems}")

    @classmethod
    def _outputs(cls) -> list[str]:
        """Python names of the outputs that are not inputs (Graph computes them)."""
        return [cls._names()[k] for k in cls._kind.computed]

    @classmethod
    def _options(cls, opts: Optional[pulumi.ResourceOptions], **more: Any) -> pulumi.ResourceOptions:
        if opts is None and not more:  # the usual case: one options object, no merging
            return pulumi.ResourceOptions(additional_secret_outputs=list(cls._secret) or None)
        merged = pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(**more)) if more else opts
        if cls._secret:
            merged = pulumi.ResourceOptions.merge(merged, pulumi.ResourceOptions(additional_secret_outputs=list(cls._secret)))
        return merged or pulumi.ResourceOptions()

    @classmethod
    def _split(cls, args: tuple, kwargs: dict) -> tuple[Any, Optional[pulumi.ResourceOptions]]:
        """Accept both generated-SDK call shapes: (args, opts) or (opts, **properties)."""
        name, names = cls.__name__, [f.name for f in fields(cls._args)]
        positional = list(args)
        given = kwargs.pop("args", None)
        opts = kwargs.pop("opts", None)
        if positional and isinstance(positional[0], cls._args):
            given = positional.pop(0)
        if positional:
            opts = positional.pop(0)
        if positional:
            raise TypeError(f"{name} takes (name, args, opts) or (name, opts, **properties)")
        if opts is not None and not isinstance(opts, pulumi.ResourceOptions):
            raise TypeError(f"opts must be a pulumi.ResourceOptions, got {type(opts).__name__}")
        unknown = sorted(set(kwargs) - set(names))
        if unknown:
            raise TypeError(f"{name} got unexpected argument(s) {', '.join(unknown)}; expected: {', '.join(names)}")
        if given is not None:
            if kwargs:
                raise TypeError(f"pass either {cls._args.__name__} or keyword properties, not both")
            return given, opts
        missing = [k for k in cls._kind.required if cls._names()[k] not in kwargs]
        if missing:
            advice = cls._kind.required[missing[0]].removeprefix("is required: ")
            raise TypeError(f"{name} needs {cls._names()[missing[0]]}: {advice}")
        return cls._args(**kwargs), opts

    @classmethod
    def _names(cls) -> dict[str, str]:
        return _names(cls._kind)[0]

    @classmethod
    def _get(cls, resource_name: str, id: Any, opts: Optional[pulumi.ResourceOptions]) -> Any:
        """Read an existing object by id without managing it. A plain id is checked here, so a bad
        one fails at this line; an Output is checked by the provider, before any request. A
        missing object is an error, not empty outputs."""
        if isinstance(id, str):
            try:
                checked_id(cls._kind, id)
            except ValueError as exc:
                raise InvalidInputError(f"{cls.__name__}.get: {exc}") from None
        resource = cls.__new__(cls)
        props: dict[str, Any] = dict.fromkeys([*(f.name for f in fields(cls._args)), *cls._outputs()])
        Resource.__init__(resource, cls._provider(), resource_name, props, cls._options(opts, id=id))
        return resource

    def translate_input_property(self, prop: str) -> str:
        """A Python name -> Graph's; a property path (``ignore_changes=["settings.allow_client_to_join_using_browser"]``,
        which the SDK passes whole) name by name."""
        names = _names(self._kind)[1]
        if "." in prop or "[" in prop:
            return re.sub(r'"(?:[^"\\]|\\.)*"|[A-Za-z_][A-Za-z0-9_]*', lambda m: names.get(m.group(0), m.group(0)), prop)
        return names.get(prop, prop)

    def translate_output_property(self, prop: str) -> str:
        return self._names().get(prop, prop)


_FIELD_NAMES: dict[type, tuple[str, ...]] = {}


def _field_names(args_cls: type) -> tuple[str, ...]:
    names = _FIELD_NAMES.get(args_cls)
    if names is None:
        names = _FIELD_NAMES[args_cls] = tuple(f.name for f in fields(args_cls))
    return names


_NAMES: dict[str, tuple[dict[str, str], dict[str, str]]] = {}


def _names(kind: Kind) -> tuple[dict[str, str], dict[str, str]]:
    """(Graph -> Python, Python -> Graph) names, computed once per kind: the SDK asks for every
    property of every resource."""
    names = _NAMES.get(kind.name)
    if names is None:
        python = kind.python_names()
        names = _NAMES[kind.name] = (python, {py: graph for graph, py in python.items()})
    return names
