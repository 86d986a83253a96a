"""Names a package exports, imported on first use (PEP 562).

The package's pytest plugin loads in every pytest session of an environment that has the package
installed: importing ``pulumi_virtualappointment`` (or ``.testing``) must not pull in Pulumi, gRPC
and requests until a name that needs them is used.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any, Callable, Mapping, Sequence


def exports(package: str, namespace: dict[str, Any], where: Mapping[str, Sequence[str]]
            ) -> tuple[list[str], Callable[[str], Any], Callable[[], list[str]]]:
    """``(__all__, __getattr__, __dir__)`` for ``package``, whose ``where`` maps each submodule to
    the names it provides; a name, once imported, is kept in the package's ``namespace``."""
    owner = {name: module for module, names in where.items() for name in names}

    def getattr_(name: str) -> Any:
        module = owner.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(import_module(f".{module}", package), name)
        namespace[name] = value
        return value

    def dir_() -> list[str]:
        return sorted({*namespace, *owner})

    return list(owner), getattr_, dir_
