"""What every resource class shares: the two call forms, args to state, names both ways, ``get``.

Constructed like Pulumi's generated SDKs: ``Resource(name, Args(...), opts)`` or
``Resource(name, opts, property=..., ...)``. Python names are snake_case; the SDK translates them
(nested ones too) to Graph's camelCase state names through ``translate_input_property`` and back
for output attributes through ``translate_output_property``, from the kind's own schema.
"""

import re
from dataclasses import fields, is_dataclass
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
        return value.astimezone(timezone.utc).isoformat()
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


class Declared(Resource):
    """A resource of one kind, declared by a program. Subclasses set the three class attributes
    and declare their output annotations."""

    _kind: ClassVar[Kind]
    _args: ClassVar[type]
    _provider: ClassVar[type]
    _secret: ClassVar[tuple[str, ...]] = ()
    """Properties the engine keeps encrypted in state, inputs and outputs, whatever the program marked secret."""

    def __init__(self, resource_name: str, *args: Any, **kwargs: Any) -> None:
        given, opts = self._split(args, kwargs)
        props = {f.name: _plain(getattr(given, f.name), f.name) for f in fields(self._args)}
        self._preflight(resource_name, props)
        for name in self._secret:  # personal data: encrypted in the state's inputs too, however given
            if props.get(name) is not None:
                props[name] = pulumi.Output.secret(props[name])
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


_NAMES: dict[str, tuple[dict[str, str], dict[str, str]]] = {}


def _names(kind: Kind) -> tuple[dict[str, str], dict[str, str]]:
    """(Graph -> Python, Python -> Graph) names, computed once per kind: the SDK asks for every
    property of every resource."""
    names = _NAMES.get(kind.name)
    if names is None:
        python = kind.python_names()
        names = _NAMES[kind.name] = (python, {py: graph for graph, py in python.items()})
    return names
