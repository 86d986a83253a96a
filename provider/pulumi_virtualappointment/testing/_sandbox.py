"""``Sandbox``: the emulator and the engine stand-in together, for a test or a demo."""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

from ..emulator import Emulator
from ._stand_in import Engine, Program, Step, run_program

__all__ = ["Sandbox", "Run"]

DEFAULT_TOKEN = "sandbox-token"


@dataclass
class Run:
    """What one deployment did: the steps the engine stand-in took, the Graph requests they caused
    (the emulator's log entries: ``method``, ``path``, ``raw_body``, ``headers``, ``status``), and
    what the program exported."""

    steps: list[Step]
    requests: list[dict[str, Any]]
    outputs: dict[str, Any] = field(default_factory=dict)

    @property
    def ops(self) -> list[tuple[str, str]]:
        """``(resource name, step)`` pairs: ``create``, ``same``, ``update``, ``replace``, ``delete``, ..."""
        return [(step.name, step.op) for step in self.steps]

    @property
    def wire(self) -> list[tuple[str, str, str]]:
        """``(method, path below the version, body)`` of each Graph request, in order."""
        return [(r["method"], r["path"].split("/", 2)[-1], r["raw_body"]) for r in self.requests]


class Sandbox:
    """A local Graph emulator on 127.0.0.1 and the engine stand-in against it, with a state of its
    own: ``up``, ``preview``, ``refresh`` and ``destroy`` a program and see what Graph was sent.

    ``config`` is the stack config (``{"project:key": value}``; ``msgraph:*`` keys reach the
    provider as the engine hands them over); a program's ``Pulumi.yaml`` and ``Pulumi.dev.yaml``
    beside it are read too, this config winning. ``project`` names the project when the program
    has no ``Pulumi.yaml`` (default ``sandbox``). Emulator options (``meeting_etags=True``,
    ``implicit_meetings=True``) pass through. Use it as a context manager, or the pytest fixture
    ``graph_sandbox``.
    """

    def __init__(self, directory: Optional[Path] = None, config: Optional[dict[str, Any]] = None,
                 project: Optional[str] = None, token: str = DEFAULT_TOKEN, **emulator_options: Any):
        self._own = directory is None
        self.directory = Path(tempfile.mkdtemp(prefix="graph-sandbox-")) if directory is None else Path(directory)
        self.config, self.project, self.token = dict(config or {}), project, token
        self.emulator = Emulator(token=token, **emulator_options)
        self.engine: Optional[Engine] = None

    def __enter__(self) -> "Sandbox":
        self.emulator.start()
        provider = {"msgraph:endpoint": self.emulator.url, "msgraph:accessToken": self.token,
                    **{k: v for k, v in self.config.items() if k.startswith("msgraph:")}}
        self.engine = Engine(provider, self.directory / "state.json")
        return self

    def __exit__(self, *exc: Any) -> None:
        self.emulator.stop()
        if self._own:
            shutil.rmtree(self.directory, ignore_errors=True)

    def _run(self, action: Any) -> Run:
        assert self.engine is not None, "use the Sandbox in a with block"
        before = len(self.emulator.requests())
        outputs = action() or {}
        return Run(list(self.engine.steps), self.emulator.requests()[before:], outputs)

    def up(self, program: Program, config: Optional[dict[str, Any]] = None) -> Run:
        """``pulumi up``: a program file, its project directory, or a function declaring resources."""
        return self._run(lambda: run_program(program, self.engine, {**self.config, **(config or {})},
                                             project=self.project))

    def preview(self, program: Program, config: Optional[dict[str, Any]] = None) -> Run:
        """``pulumi preview``: Check and Diff only (and the reads of ``get``)."""
        return self._run(lambda: run_program(program, self.engine, {**self.config, **(config or {})}, preview=True,
                                             project=self.project))

    def refresh(self, preview: bool = False) -> Run:
        """``pulumi refresh`` (``preview=True``: ``pulumi preview --refresh``'s reads, nothing recorded)."""
        return self._run(lambda: self.engine.refresh(preview=preview))

    def destroy(self) -> Run:
        """``pulumi destroy``."""
        return self._run(self.engine.destroy)

    @property
    def state(self) -> dict[str, Any]:
        """The stand-in's state: ``{resource name: {"id", "type", "inputs", "outputs", ...}}``."""
        return self.engine.load() if self.engine is not None else {}
