"""A stand-in for the Pulumi engine: its provider calls, in its orders, without the CLI.

``Engine`` sequences the calls to the provider host (``_host.ProviderHost``: the
``python -m pulumi.dynamic`` process the engine itself launches for dynamic resources) in the orders the engine uses, read from its
source (pulumi/pulumi at 1b59498, ``pkg/resource/deploy/step_generator.go`` and ``step.go``):

- one provider host per deployment (``up``, ``preview``, ``refresh``, ``destroy``), configured
  with the stack config and told that the host accepts no secrets: values reach it plain, and
  outputs are marked secret again by top-level key (the input's, plus additional_secret_outputs),
  inputs only where the program sent them secret (state keys ``secret`` and ``secret_inputs``);
- ``ignore_changes``: ignored inputs take their old values before Check (step_generator.go:1267);
- Check with the old inputs, then Diff with the old *outputs*; a Diff that answers DIFF_UNKNOWN
  is settled by the engine's own diff of old and new inputs, which yields the changed keys
  (step_generator.go:2996), and ``replace_on_changes`` turns changed keys into replace keys
  (``applyReplaceOnChanges``, step_generator.go:3170);
- replacement: create-before-delete by default, the old resource deleted after every create and
  update of the run (step_generator.go:2164); delete-before-replace when the Diff or the
  resource option asks (step_generator.go:2043), the option winning;
- ``retain_on_delete``: the old resource's Delete is never called (step.go:661);
- refresh: Read with the recorded inputs and outputs; an empty id means gone; the provider's inputs
  replace the recorded ones; then the refresh Diff, called with the refreshed inputs/outputs as
  "old" and the recorded inputs as "new" (step.go:1616-1710); Reads run during previews too;
- ``get`` (ReadResource): Read with the program's inputs as both inputs and state; only an
  answer without outputs is "does not exist" (step.go:1338-1368), which the dynamic host never
  gives, so a provider must fail a missing ``get`` itself;
- ``import_``: Read with the id alone, which the dynamic host cannot serve (pulumi/pulumi#16175).

``run_program`` runs a real Pulumi program under ``pulumi.runtime`` mocks whose monitor hands every
dynamic resource, with its resource options, to the engine stand-in.

This replays the engine's provider calls; it is not the engine. It has no dependency graph (no
dependent replacements; deletes run in the reverse of the order resources first entered the state,
where the engine uses the reverse of its dependency order), no plans, no protect, no targets, no
parallelism between resources, and it diffs inputs at the top level only. Its state is keyed by
resource name, so two resources of one name (even of different types) are refused.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import gc
import json
import os
import re
import runpy
import sys
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator, Optional, Union

import pulumi
from pulumi.runtime import mocks as pulumi_mocks
from pulumi.runtime import rpc
from pulumi.runtime.proto import provider_pb2
from pulumi.runtime.settings import ROOT

from ._host import DYNAMIC, PROVIDER_KEY, TYPE, ProviderError, ProviderHost, has_unknown, plain

__all__ = ["Engine", "Options", "Step", "run_program"]

DIFF = provider_pb2.DiffResponse
PENDING = "#pending-delete"
"""State key suffix of a replaced resource whose delete has not run yet (the engine's ``Delete: true``)."""


@dataclass
class Options:
    """The resource options the engine acts on, as the program registered them."""

    delete_before_replace: Optional[bool] = None
    ignore_changes: list = field(default_factory=list)
    replace_on_changes: list = field(default_factory=list)
    retain_on_delete: bool = False
    additional_secret_outputs: list = field(default_factory=list)
    import_id: str = ""
    aliases: list = field(default_factory=list)
    """Old names the resource had (``aliases=[pulumi.Alias(name=...)]`` or alias URNs)."""

    @classmethod
    def of(cls, request: Any) -> "Options":
        return cls(
            delete_before_replace=request.deleteBeforeReplace if request.deleteBeforeReplaceDefined else None,
            ignore_changes=list(request.ignoreChanges),
            replace_on_changes=list(request.replaceOnChanges),
            retain_on_delete=bool(request.retainOnDelete),
            additional_secret_outputs=list(request.additionalSecretOutputs),
            import_id=request.importId,
            aliases=[alias.spec.name if alias.HasField("spec") else alias.urn.rsplit("::", 1)[-1]
                     for alias in request.aliases if alias.spec.name or alias.urn]
            + [urn.rsplit("::", 1)[-1] for urn in request.aliasURNs],
        )


@dataclass
class Step:
    """What the engine stand-in did for one resource in one run."""

    name: str
    op: str  # same, create, update, replace, delete, refresh, read, failed
    failures: list = field(default_factory=list)
    detail: dict = field(default_factory=dict)


_SEGMENT = re.compile(r'\.?([A-Za-z_][A-Za-z0-9_]*)|\[(\d+)\]|\["((?:[^"\\]|\\.)*)"\]')


def _segments(path: str) -> Optional[list]:
    """A property path (``settings.allowX``, ``a[0]``, ``a["odd key"]``) as keys and indexes."""
    out, at = [], 0
    while at < len(path):
        match = _SEGMENT.match(path, at)
        if not match:
            return None
        name, index, quoted = match.groups()
        out.append(int(index) if index is not None else json.loads(f'"{quoted}"') if quoted is not None else name)
        at = match.end()
    return out


def _reset(path: str, old: Any, new: Any) -> None:
    """``PropertyPath.Reset``: the value at ``path`` in ``new`` becomes the one in ``old`` (removed
    if ``old`` has none); a path whose parent is missing on either side changes nothing."""
    keys = _segments(path)
    if not keys:
        return
    for key in keys[:-1]:
        try:
            old, new = old[key], new[key]
        except (KeyError, IndexError, TypeError):
            return
    last = keys[-1]
    if not isinstance(new, (dict, list)) or not isinstance(old, (dict, list)):
        return
    try:
        new[last] = copy.deepcopy(old[last])
    except (KeyError, IndexError, TypeError):
        if isinstance(new, dict):
            new.pop(last, None)


def _contains(path: str, key: str) -> bool:
    """``PropertyPath.Contains`` for a top-level changed key: ``*`` or the key itself."""
    return path in ("*", key)


class Engine:
    """Sequences provider calls as the engine does; state in a JSON file (name -> id/inputs/outputs)."""

    def __init__(self, config: dict[str, Any], state_file: Path, env: Optional[dict] = None):
        self.config, self.env = config, env
        self.stack_config: dict[str, Any] = {}
        """The last program's stack config: the engine hands the provider the whole stack config, and
        ``refresh`` and ``destroy`` (no program) use the stack's."""
        self.state_file = Path(state_file)
        self.steps: list[Step] = []
        self.seen: set[str] = set()
        self.server: Optional[ProviderHost] = None
        self._lock = threading.Lock()  # the mock monitor registers resources from several threads

    # -- state -----------------------------------------------------------------------------------

    def load(self) -> dict:
        return json.loads(self.state_file.read_text()) if self.state_file.exists() else {}

    def save(self, state: dict) -> None:
        """Resources stay in the order they were registered: deletes run in reverse (a dependent,
        registered after what it depends on, goes first, as the engine's reverse dependency order)."""
        self.state_file.write_text(json.dumps(state, indent=1))

    @staticmethod
    def urn(name: str, typ: str = TYPE) -> str:
        return f"urn:pulumi:dev::test::{typ}::{name}"

    # -- deployments -------------------------------------------------------------------------------

    @contextlib.contextmanager
    def deployment(self, preview: bool = False, stack_config: Optional[dict[str, Any]] = None) -> Iterator["Engine"]:
        """One deployment: a fresh provider host, configured with the stack config (``config``, the
        engine stand-in's own endpoint and token, winning); replaced and dropped resources deleted at the end."""
        self.seen, self.steps = set(), []
        if stack_config is not None:
            self.stack_config = dict(stack_config)
        self.server = ProviderHost({**self.stack_config, **self.config}, self.env).start()
        try:
            yield self
            if not preview:
                self._delete_pending()
        finally:
            self.server.stop()

    def refresh(self, preview: bool = False) -> None:
        """``pulumi refresh``: Read every resource, the provider's inputs replacing the recorded ones,
        then the refresh Diff (step.go:1580-1710); ``preview`` reads but records nothing."""
        with self.deployment(preview=True):
            state = self.load()
            for name, entry in list(state.items()):
                if not entry.get("external") and not name.endswith(PENDING):
                    self._refresh_one(name, entry, state)
            if not preview:
                self.save(state)

    def destroy(self) -> None:
        """``pulumi destroy``: delete every resource (in reverse order of declaration)."""
        with self.deployment():
            pass  # nothing is declared: every resource is unseen

    # -- what a registration does ------------------------------------------------------------------

    def register(self, name: str, inputs: dict, options: Options, preview: bool, typ: str = TYPE) -> tuple[str, dict]:
        """One resource registration: Check, Diff, then Create/Update/Replace unless previewing."""
        with self._lock:
            if options.import_id:
                return self._import(name, options, typ)
            return self._register(name, inputs, options, preview, typ)

    def _claim(self, name: str, typ: str) -> None:
        """The state is keyed by name alone (the engine's is keyed by URN, type included): a second
        resource of the same name in one deployment is refused here rather than overwriting the first."""
        if name in self.seen:
            raise ProviderError("RegisterResource", f"the engine stand-in keys resources by name, and '{name}' is "
                                f"already declared in this program ({typ} is the second); give each resource "
                                "a distinct name")
        self.seen.add(name)

    def _register(self, name: str, inputs: dict, options: Options, preview: bool, typ: str) -> tuple[str, dict]:
        self._claim(name, typ)
        state = self.load()
        moved = next((a for a in options.aliases if name not in state and a in state and a not in self.seen), None)
        if moved is not None:  # an alias names the resource's old name: the same resource, renamed in place
            state = {name if key == moved else key: entry for key, entry in state.items()}
            if not preview:
                self.save(state)
        old, retyped = state.get(name), None
        if old is not None and old.get("type", TYPE) != typ:  # another URN: the engine creates, then deletes the old
            old, retyped = None, old
        urn = self.urn(name, typ)
        secret_inputs = sorted(k for k, v in inputs.items() if rpc.is_rpc_secret(v))
        secret = sorted({*secret_inputs, *options.additional_secret_outputs})
        news = plain(inputs)
        if old is not None:
            news = self._ignored(news, old["inputs"], options.ignore_changes)
        checked = self._check(name, urn, old["inputs"] if old else {}, news)
        if old is None:
            self.steps.append(Step(name, "create"))
            if preview:
                return "", checked
            id_, outs = self.server.create(urn, checked)
        else:
            changed, replace_keys, dbr = self._diff(urn, old, checked, options)
            if not changed:
                self.steps.append(Step(name, "same"))
                old.update(inputs=checked, options=self._kept(options), secret=secret, secret_inputs=secret_inputs)
                if not preview:
                    state[name] = old
                    self.save(state)
                return old["id"], self._marked(old["outputs"], secret)
            if replace_keys:
                self.steps.append(Step(name, "replace", detail={"keys": replace_keys, "deleteBeforeReplace": dbr}))
                if preview:
                    return old["id"], checked
                checked = self._check(name, urn, {}, news)  # the engine checks again for a replacement
                if dbr:
                    self._delete(name, old)
                id_, outs = self.server.create(urn, checked)
                if not dbr:  # created: only now is the old one marked, to be deleted at the end of this
                    state[name + PENDING] = {**old, "name": name}  # run (or a later one), step.go CreateStep
                    self.save(state)
            else:
                self.steps.append(Step(name, "update"))
                if preview:
                    return old["id"], checked
                id_, outs = old["id"], self.server.update(urn, old["id"], old["outputs"], checked)
        state[name] = {"id": id_, "type": typ, "inputs": checked, "outputs": outs, "options": self._kept(options),
                       "secret": secret, "secret_inputs": secret_inputs}
        if retyped is not None:  # created: the old one (another type) is deleted at the end of the run
            state[name + PENDING] = {**retyped, "name": name}
        self.save(state)
        return id_, self._marked(outs, secret)

    def _check(self, name: str, urn: str, olds: dict, news: dict) -> dict:
        checked, failures = self.server.check(urn, olds, news)
        if failures:
            self.steps.append(Step(name, "failed", failures))
            raise ProviderError("Check", "; ".join(f"{p}: {r}" for p, r in failures))
        return checked

    def _diff(self, urn: str, old: dict, news: dict, options: Options) -> tuple[bool, list, bool]:
        """(changes, replace keys, delete before replace), as the step generator settles them."""
        answer = self.server.diff(urn, old["id"], old["outputs"], news, old["inputs"])
        replace_keys, changed_keys = list(answer.replaces), []
        if answer.changes == DIFF.DIFF_UNKNOWN:
            new_inputs = self._ignored(news, old["inputs"], options.ignore_changes)
            changed_keys = sorted(
                k for k in {*old["inputs"], *new_inputs}
                if old["inputs"].get(k) != new_inputs.get(k) or has_unknown(new_inputs.get(k))
            )
            changed = bool(changed_keys)
        else:
            changed = answer.changes == DIFF.DIFF_SOME
        replace_keys += [k for k in changed_keys if k not in replace_keys
                         and any(_contains(p, k) for p in options.replace_on_changes)]
        dbr = answer.deleteBeforeReplace if options.delete_before_replace is None else options.delete_before_replace
        return changed, replace_keys, bool(dbr)

    @staticmethod
    def _ignored(news: dict, old_inputs: dict, paths: list) -> dict:
        """``processIgnoreChanges``: each ignored path takes its old value (step_generator.go:3076)."""
        result = copy.deepcopy(news)
        for path in paths:
            _reset(path, old_inputs, result)
        return result

    @staticmethod
    def _kept(options: Options) -> dict:
        return {"retainOnDelete": options.retain_on_delete}

    @staticmethod
    def _marked(outputs: dict, secret: list) -> dict:
        """Outputs as the program sees them: plain, but secret where the engine marks them."""
        return {k: rpc.wrap_rpc_secret(v) if k in secret else v for k, v in outputs.items() if k != PROVIDER_KEY}

    def _refresh_one(self, name: str, entry: dict, state: dict) -> None:
        urn = self.urn(name, entry.get("type", TYPE))
        id_, outs, inputs = self.server.read(urn, entry["id"], entry["outputs"], entry["inputs"])
        if not id_:
            self.steps.append(Step(name, "refresh", detail={"gone": True}))
            del state[name]
            return
        new_inputs = inputs or entry["inputs"]
        answer = self.server.diff(urn, id_, outs, entry["inputs"], new_inputs)
        changed = answer.changes == DIFF.DIFF_SOME or (
            answer.changes == DIFF.DIFF_UNKNOWN and plain(new_inputs) != plain(entry["inputs"]))
        self.steps.append(Step(name, "refresh", detail={"changed": changed}))
        state[name] = {**entry, "id": id_, "inputs": new_inputs, "outputs": outs}

    def read_resource(self, name: str, id_: str, inputs: dict, options: Options, typ: str = TYPE,
                      preview: bool = False) -> tuple[str, dict]:
        """``Resource.get``: Read with the program's inputs as both inputs and state (step.go:1338);
        recorded in the state unless previewing (a preview persists nothing)."""
        with self._lock:
            self._claim(name, typ)
            _, outs, _ = self.server.read(self.urn(name, typ), id_, plain(inputs), plain(inputs))
            if not outs:  # the engine's only "does not exist" (step.go:1366)
                raise ProviderError("Read", f"resource '{id_}' does not exist")
            self.steps.append(Step(name, "read"))
            secret = sorted(set(options.additional_secret_outputs))
            if not preview:
                state = self.load()
                state[name] = {"id": id_, "type": typ, "inputs": plain(inputs), "outputs": outs, "external": True,
                               "secret": secret}
                self.save(state)
            return id_, self._marked(outs, secret)

    def _import(self, name: str, options: Options, typ: str) -> tuple[str, dict]:
        """``import_``: the engine reads the id alone; the dynamic host needs the provider key."""
        self._claim(name, typ)
        _, outs, _ = self.server.read(self.urn(name, typ), options.import_id, {}, {})
        return options.import_id, outs

    # -- deletes ------------------------------------------------------------------------------------

    def _delete(self, name: str, entry: dict) -> None:
        if entry.get("external"):
            return
        self.steps.append(Step(name, "delete", detail={"retained": bool(entry.get("options", {}).get("retainOnDelete"))}))
        if not entry.get("options", {}).get("retainOnDelete"):
            self.server.delete(self.urn(name, entry.get("type", TYPE)), entry["id"], entry["outputs"])

    def _delete_pending(self) -> None:
        """After every create and update: replaced resources (this run's, and any an earlier failed
        run left marked), then those the program dropped. Each leaves the state as it goes."""
        state = self.load()
        for key in reversed([k for k in state if k.endswith(PENDING)]):  # dependents first
            self._delete(state[key]["name"], state[key])
            del state[key]
            self.save(state)
        for name in reversed([n for n in state if n not in self.seen and not n.endswith(PENDING)]):
            self._delete(name, state[name])
            del state[name]
            self.save(state)


class _Monitor(pulumi_mocks.MockMonitor):
    """The SDK's mock monitor, handing dynamic resources and their options to the engine stand-in."""

    def __init__(self, engine: Engine, preview: bool):
        super().__init__(_Mocks())
        self.engine, self.preview = engine, preview

    def RegisterResource(self, request):  # noqa: N802 (gRPC method name)
        if not request.type.startswith(DYNAMIC):
            return super().RegisterResource(request)
        urn = self.make_urn(request.parent, request.type, request.name)
        inputs = rpc.deserialize_properties(request.object, keep_unknowns=True)
        id_, outs = self.engine.register(request.name, inputs, Options.of(request), self.preview, request.type)
        self.resources[urn] = pulumi_mocks.MockMonitor.ResourceRegistration(urn, id_ or None, outs)
        obj = pulumi_mocks._sync_await(rpc.serialize_properties(outs, {}))
        return pulumi_mocks.resource_pb2.RegisterResourceResponse(urn=urn, id=id_ or None, object=obj)

    def ReadResource(self, request):  # noqa: N802
        if not request.type.startswith(DYNAMIC):
            return super().ReadResource(request)
        urn = self.make_urn(request.parent, request.type, request.name)
        inputs = rpc.deserialize_properties(request.properties)
        options = Options(additional_secret_outputs=list(request.additionalSecretOutputs))
        _, outs = self.engine.read_resource(request.name, request.id, inputs, options, request.type, self.preview)
        obj = pulumi_mocks._sync_await(rpc.serialize_properties(outs, {}))
        return pulumi_mocks.resource_pb2.ReadResourceResponse(urn=urn, properties=obj)



class _Mocks(pulumi.runtime.Mocks):
    """Other resource types (none in our programs) echo their inputs."""

    def new_resource(self, args: pulumi.runtime.MockResourceArgs):
        return f"{args.name}-id", dict(args.inputs)

    def call(self, args: pulumi.runtime.MockCallArgs):
        return {}


def _quiet_leftovers() -> None:
    """A failed run leaves the SDK's futures holding the error it already raised; asyncio would log
    each as "never retrieved" when it is collected. Say it once, through the exception raised."""
    loop = asyncio.get_event_loop_policy().get_event_loop()

    def handle(loop: Any, context: dict) -> None:
        if "never retrieved" not in str(context.get("message", "")):
            loop.default_exception_handler(context)

    loop.set_exception_handler(handle)


Program = Union[str, "os.PathLike[str]", Callable[[], Any]]
"""A program file (``__main__.py``), its project directory, or a function that declares resources."""


def project_settings(directory: Path, stack: str = "dev") -> tuple[Optional[str], dict[str, Any]]:
    """What the CLI reads beside a program: ``Pulumi.yaml``'s project name and config defaults
    (``key: value`` or ``key: {default: value}``, namespaced by the project when bare), then the
    plain values of ``Pulumi.<stack>.yaml``. ``(None, {})`` without a ``Pulumi.yaml``."""
    project_file = directory / "Pulumi.yaml"
    if not project_file.is_file():
        return None, {}
    project = _yaml(project_file) or {}
    name = project.get("name")
    if not isinstance(name, str) or not name:
        raise ProviderError("Pulumi.yaml", f"{project_file} has no project 'name'")
    config: dict[str, Any] = {}
    for key, value in (project.get("config") or {}).items():
        if isinstance(value, dict):
            if "default" not in value and "value" not in value:
                continue  # declared without a default: the stack config must set it
            value = value.get("value", value.get("default"))
        config[key if ":" in key else f"{name}:{key}"] = value
    stack_file = directory / f"Pulumi.{stack}.yaml"
    for key, value in ((_yaml(stack_file) or {}).get("config") or {}).items() if stack_file.is_file() else ():
        if isinstance(value, dict) and "secure" in value:
            raise ProviderError(stack_file.name, f"'{key}' is an encrypted secret the stand-in cannot decrypt; "
                                "pass it plainly with config={...} (the provider host receives it plain anyway)")
        config[key if ":" in key else f"{name}:{key}"] = value
    return name, config


def _yaml(path: Path) -> Any:
    import yaml  # the Pulumi SDK's own dependency

    try:
        return yaml.safe_load(path.read_text())
    except yaml.YAMLError as err:
        raise ProviderError(path.name, f"{path} is not valid YAML: {err}") from None


def run_program(program: Program, engine: Engine, config: Optional[dict[str, Any]] = None, preview: bool = False,
                project: Optional[str] = None) -> dict[str, Any]:
    """Run a Pulumi program as one deployment of ``engine`` (``pulumi up``, or ``pulumi preview``
    with ``preview=True``); resources it no longer declares are deleted. Returns what the program
    exported (plain values; unknown ones, in a preview, as ``pulumi.runtime.rpc.UNKNOWN``).

    A program in a project directory runs as the CLI runs it: from that directory, with it on
    ``sys.path`` (so its own modules import), named and configured by its ``Pulumi.yaml`` and
    ``Pulumi.dev.yaml`` (``config`` wins over both). ``project`` overrides the name; a function
    program without one is project ``sandbox``."""
    settings: dict[str, Any] = {}
    if callable(program):
        declare, where = program, Path.cwd()
    else:
        path = Path(program).resolve()
        path = path / "__main__.py" if path.is_dir() else path
        if not path.is_file():
            raise ProviderError("run_program", f"no Pulumi program at {path} (give a __main__.py or its directory)")
        where = path.parent
        named, settings = project_settings(where)
        project = project or named

        def declare() -> Any:
            sys.path.insert(0, str(where))
            try:
                return runpy.run_path(str(path), run_name="__main__")
            finally:
                if str(where) in sys.path:
                    sys.path.remove(str(where))
    project = project or "sandbox"
    exported: dict[str, Any] = {}

    def body() -> Any:
        declare()
        stack = pulumi.runtime.get_root_resource()
        names = list(getattr(stack, "outputs", {}))  # what `pulumi.export` recorded
        values = [stack.outputs[name] for name in names]
        return pulumi.Output.all(*values).apply(lambda known: exported.update(zip(names, known)))

    monitor = _Monitor(engine, preview)
    _quiet_leftovers()
    stack = {key: value if isinstance(value, str) else json.dumps(value)  # as the CLI hands them over
             for key, value in {**settings, **(config or {})}.items()}
    root = ROOT.set(None)  # a stack of this run's own: the SDK keeps the root stack (and its exports) per context
    with engine.deployment(preview=preview, stack_config=stack):
        pulumi.runtime.set_mocks(_Mocks(), project=project, stack="dev", preview=preview, monitor=monitor)
        pulumi.runtime.set_all_config(stack)
        cwd = os.getcwd()
        os.chdir(where)
        try:
            pulumi.runtime.test(body)()
        finally:
            os.chdir(cwd)
            pulumi.runtime.set_all_config({})
            ROOT.reset(root)
            gc.collect()  # a failed run leaves SDK futures holding the error: let them go now, not mid-import
    # The stack's outputs as the engine keeps them: an export whose value is None is not one (the SDK
    # leaves null properties out of what it registers; `pulumi stack output` shows none).
    return {k: v for k, v in plain(exported).items() if v is not None}
