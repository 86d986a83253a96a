"""A stand-in for ``pulumi-language-python``, so the real ``pulumi`` CLI can run Python projects here.

Pulumi's Python language host is a Go module of its own
(``github.com/pulumi/pulumi/sdk/python/cmd/pulumi-language-python/v3``) that the Go module proxy
these machines reach does not serve (``403 Forbidden``: "This module version is not available").
Everything else under the CLI is Pulumi's own: the engine, the state backend, the provider plugin
protocol and the SDK's dynamic provider host. This file only launches the program, the way the real
host does (``sdk/python/cmd/pulumi-language-python/main.go``, ``Run``): a child Python process per
``Run``, config in ``PULUMI_CONFIG`` / ``PULUMI_CONFIG_SECRET_KEYS``, the program run with ``runpy``
from ``--pwd``, a ``RunError`` logged as its message, any other exception logged with the user's part
of the traceback and exit code 32 ("message shown, bail"). It asks for no plugins: this package's
``pulumi-plugin.json`` says ``"resource": false``, which the real host reads to the same effect.

    python language_host.py [flags] ENGINE_ADDRESS      serve (what the CLI launches)
    python language_host.py --exec [--monitor ...] PROG  run one program (the child of ``Run``)

Not shipped in the package: users get the real host with the CLI's installer.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import threading
from concurrent import futures
from typing import Optional

RUN_FLAGS = ("monitor", "engine", "project", "root_directory", "stack", "pwd", "dry_run", "parallel", "organization")
BAIL = 32  # pulumi-language-python-exec: "exited after showing the user an actionable message"


def _interpreter(root: str, options: dict) -> str:
    """The program's Python, as the real host's toolchain picks it: the project's ``virtualenv``
    option (relative to the project root), else ``PULUMI_PYTHON_CMD``, else ``python3``."""
    venv = options.get("virtualenv")
    if venv:
        path = os.path.join(root, venv) if not os.path.isabs(venv) else venv
        return os.path.join(path, "bin", "python")
    return os.environ.get("PULUMI_PYTHON_CMD") or shutil.which("python3") or sys.executable


def serve(engine_address: str) -> None:
    import grpc
    from google.protobuf import empty_pb2
    from pulumi.runtime.proto import language_pb2, language_pb2_grpc, plugin_pb2

    class Host(language_pb2_grpc.LanguageRuntimeServicer):
        def __init__(self) -> None:
            self.children: set[subprocess.Popen] = set()
            self.lock = threading.Lock()

        def Handshake(self, request, context):
            return language_pb2.LanguageHandshakeResponse()

        def GetPluginInfo(self, request, context):
            import pulumi

            return plugin_pb2.PluginInfo(version=getattr(pulumi, "__version__", ""))

        def GetRequiredPlugins(self, request, context):
            return language_pb2.GetRequiredPluginsResponse()

        def GetRequiredPackages(self, request, context):
            return language_pb2.GetRequiredPackagesResponse()

        def About(self, request, context):
            return language_pb2.AboutResponse(executable=sys.executable, version=sys.version.split()[0])

        def GetProgramDependencies(self, request, context):
            return language_pb2.GetProgramDependenciesResponse()

        def Cancel(self, request, context):
            with self.lock:
                for child in self.children:
                    child.terminate()
            return empty_pb2.Empty()

        def Run(self, request, context):
            from google.protobuf.json_format import MessageToDict

            info = request.info
            options = MessageToDict(info.options) if info.HasField("options") else {}
            values = {
                "monitor": request.monitor_address, "engine": engine_address, "project": request.project,
                "root_directory": info.root_directory, "stack": request.stack, "pwd": request.pwd,
                "dry_run": "true" if request.dryRun else "false", "parallel": str(request.parallel),
                "organization": request.organization,
            }
            args = [_interpreter(info.root_directory, options), "-u", os.path.abspath(__file__), "--exec"]
            for flag in RUN_FLAGS:
                if values[flag]:
                    args += [f"--{flag}", values[flag]]
            args += [info.entry_point or ".", *request.args]
            env = dict(os.environ)
            if request.config:
                env["PULUMI_CONFIG"] = json.dumps(dict(request.config))
            env["PULUMI_CONFIG_SECRET_KEYS"] = json.dumps(list(request.configSecretKeys))
            child = subprocess.Popen(args, env=env)  # stdout and stderr: the engine reads ours
            with self.lock:
                self.children.add(child)
            try:
                code = child.wait()
            finally:
                with self.lock:
                    self.children.discard(child)
            if code == 0:
                return language_pb2.RunResponse()
            if code == BAIL:
                return language_pb2.RunResponse(bail=True)
            return language_pb2.RunResponse(error=f"program exited with non-zero exit code: {code}")

    server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
    language_pb2_grpc.add_LanguageRuntimeServicer_to_server(Host(), server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    print(port, flush=True)
    stopped = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):  # the engine interrupts its plugins when it is done
        signal.signal(signum, lambda *_: stopped.set())
    stopped.wait()
    server.stop(grace=None)


def run_program(argv: list[str]) -> int:
    """One program run, as ``pulumi-language-python-exec`` does it."""
    import argparse
    import asyncio
    import logging
    import runpy
    import traceback

    import pulumi
    import pulumi.runtime

    parser = argparse.ArgumentParser()
    for flag in RUN_FLAGS:
        parser.add_argument(f"--{flag}")
    parser.add_argument("PROGRAM")
    parser.add_argument("ARGS", nargs="*")
    args = parser.parse_args(argv)
    pulumi.runtime.set_all_config(pulumi.runtime.get_config_env(), pulumi.runtime.get_config_secret_keys_env())
    settings = pulumi.runtime.Settings(
        monitor=args.monitor, engine=args.engine, project=args.project, stack=args.stack,
        parallel=int(args.parallel or 0), dry_run=args.dry_run == "true", organization=args.organization,
        root_directory=args.root_directory,
    )
    pulumi.runtime.configure(settings)
    if args.pwd:
        os.chdir(args.pwd)
    program = os.path.abspath(args.PROGRAM)
    sys.argv = [args.PROGRAM, *args.ARGS]  # runpy puts a program directory on sys.path itself
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    executor: Optional[futures.ThreadPoolExecutor] = None
    if settings.parallel:
        executor = futures.ThreadPoolExecutor(max_workers=max(settings.parallel, 1) * 4)
        loop.set_default_executor(executor)
    logging.getLogger("asyncio").setLevel(logging.CRITICAL)
    code = 1
    try:
        loop.run_until_complete(pulumi.runtime.run_in_stack(lambda: runpy.run_path(args.PROGRAM, run_name="__main__")))
        code = 0
    except pulumi.RunError as exc:
        pulumi.log.error(str(exc))
    except Exception:  # noqa: BLE001 - as the real exec script: every program failure is reported
        frames = traceback.extract_tb(sys.exc_info()[2])
        main = os.path.join(program, "__main__.py") if os.path.isdir(program) else program
        user = [i for i, frame in enumerate(frames) if os.path.abspath(frame.filename) == main]
        shown = traceback.format_exc(limit=-(len(frames) - user[0])) if user else traceback.format_exc()
        pulumi.log.error("Program failed with an unhandled exception:\n" + shown)
        code = BAIL
    finally:
        if executor is not None:
            executor.shutdown(wait=True)
        loop.close()
        sys.stdout.flush()
        sys.stderr.flush()
    return code


if __name__ == "__main__":
    if sys.argv[1:2] == ["--exec"]:
        sys.exit(run_program(sys.argv[2:]))
    positional = [a for a in sys.argv[1:] if not a.startswith("-")]
    serve(positional[-1] if positional else "")
