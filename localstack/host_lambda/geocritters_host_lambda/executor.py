"""The runtime executor LocalStack drives: one host process per execution environment.

LocalStack's Docker executor starts a container whose init serves the Lambda Runtime API
and talks back to LocalStack's executor endpoint. Here the same job is done by
``runtime_host.py`` run on the Lambda runtime's Python: this class unzips the code and
layers, builds the function's environment, starts the host on a socket it has bound
itself (so parallel environments never race for a port) and relays LocalStack's calls.
"""
from __future__ import annotations

import contextlib
import json
import logging
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
from pathlib import Path

from localstack import config
from localstack.services.lambda_.invocation.executor_endpoint import (
    ExecutorEndpoint,
    StatusErrorException,
)
from localstack.services.lambda_.invocation.lambda_models import FunctionVersion, InvocationResult
from localstack.services.lambda_.invocation.runtime_executor import (
    LambdaRuntimeException,
    RuntimeExecutor,
)

from . import PLUGIN_NAME, RUNTIME_PYTHON_ENV, SUPPORTED_RUNTIME

LOG = logging.getLogger(__name__)
RUNTIME_HOST = Path(__file__).with_name("runtime_host.py")
STOP_GRACE_S = 2.0
# Inherited from LocalStack's own environment; nothing else of it (its settings,
# FILESYSTEM_ROOT, SERVICES...) reaches a function.
INHERITED_ENV = ("PATH", "LANG", "LC_ALL")
# A JSON object of variables added to every function's environment, over LocalStack's
# (`launcher start --function-env KEY=VALUE`): offline test seams such as the shared
# test clock (GEOCRITTERS_CLOCK_FILE). The deployed template is never changed for them.
EXTRA_ENV = "GEOCRITTERS_HOST_LAMBDA_ENV"


def extra_function_env() -> dict[str, str]:
    value = os.environ.get(EXTRA_ENV)
    if not value:
        return {}
    extra = json.loads(value)
    if not isinstance(extra, dict) or not all(isinstance(v, str) for v in extra.values()):
        raise LambdaRuntimeException(f"{PLUGIN_NAME}: ${EXTRA_ENV} must be a JSON object of strings")
    return extra


def runtime_python() -> Path:
    value = os.environ.get(RUNTIME_PYTHON_ENV)
    if not value or not Path(value).is_file():
        raise LambdaRuntimeException(
            f"{PLUGIN_NAME}: ${RUNTIME_PYTHON_ENV} must name the Python 3.11 with awslambdaric "
            f"(set by `python -m localstack.launcher start`); got {value!r}")
    return Path(value)


def layer_paths(function_version: FunctionVersion) -> list[str]:
    """PYTHONPATH entries of the layers, as Lambda orders /opt/python/lib/python3.11/
    site-packages and /opt/python (a later layer wins, as it would overwrite /opt)."""
    entries: list[str] = []
    for layer in reversed(function_version.config.layers or []):
        root = Path(layer.code.get_unzipped_code_location()) / "python"
        entries += [str(root / "lib" / "python3.11" / "site-packages"), str(root)]
    return entries


class HostRuntimeExecutor(RuntimeExecutor):
    def __init__(self, id: str, function_version: FunctionVersion) -> None:
        super().__init__(id=id, function_version=function_version)
        self.executor_endpoint = ExecutorEndpoint(self.id, container_address="127.0.0.1")
        self.process: subprocess.Popen | None = None
        self.workdir: Path | None = None

    # -- lifecycle ---------------------------------------------------------------------
    def start(self, env_vars: dict[str, str]) -> None:
        self.executor_endpoint.start()
        self.workdir = Path(tempfile.mkdtemp(prefix=f"lambda-{self.id}-"))
        (self.workdir / "tmp").mkdir()
        listener = socket.create_server(("127.0.0.1", 0), backlog=64)
        self.executor_endpoint.container_port = listener.getsockname()[1]
        code = Path(self.function_version.config.code.get_unzipped_code_location())
        env = {name: os.environ[name] for name in INHERITED_ENV if name in os.environ}
        env.update({key: str(value) for key, value in env_vars.items()})
        env.update(extra_function_env())
        env.update({
            "LAMBDA_TASK_ROOT": str(code),
            "PYTHONPATH": os.pathsep.join([str(code), *layer_paths(self.function_version)]),
            "AWS_EXECUTION_ENV": f"AWS_Lambda_{SUPPORTED_RUNTIME}",
            "TMPDIR": str(self.workdir / "tmp"),
            "PYTHONUNBUFFERED": "1",
        })
        settings = {
            "listen_fd": listener.fileno(),
            "handler": env_vars.get("_HANDLER") or self.function_version.config.handler,
            "task_root": str(code),
            "python": str(runtime_python()),
        }
        with listener, open(self.workdir / "host.log", "ab") as log:
            # -I: the host itself ignores PYTHONPATH and the user site (it needs only the
            # standard library); the runtime it starts gets the function's environment.
            self.process = subprocess.Popen(
                [settings["python"], "-I", str(RUNTIME_HOST), json.dumps(settings)],
                env=env, cwd=code, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                pass_fds=[listener.fileno()], start_new_session=True)
        threading.Thread(target=self._watch_startup, name=f"host-lambda-watch-{self.id}",
                         daemon=True).start()
        self.executor_endpoint.wait_for_startup()

    def _watch_startup(self) -> None:
        """A host that dies before saying ready or error would leave LocalStack waiting for
        its startup timeout: turn its exit into a startup error at once."""
        process, future = self.process, self.executor_endpoint.startup_future
        code = process.wait()
        if future is not None and not future.done():
            payload = json.dumps({
                "errorType": "Runtime.ExitError",
                "errorMessage": f"{PLUGIN_NAME}: runtime host exited with status {code} "
                                f"before it was ready: {self.get_logs()[-2000:]}",
            }).encode()
            # Resolved or cancelled meanwhile: nothing left to report.
            with contextlib.suppress(Exception):
                future.set_exception(StatusErrorException("Environment startup failed", payload))

    def stop(self) -> None:
        process = self.process
        if process is not None and process.poll() is None:
            # Its own session: the host and the runtime it started go together.
            try:
                os.killpg(process.pid, signal.SIGTERM)
                process.wait(STOP_GRACE_S)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(STOP_GRACE_S)
            except ProcessLookupError:
                pass
        try:
            self.executor_endpoint.shutdown()
        except Exception as exc:
            LOG.debug("stopping the executor endpoint of %s: %s", self.id, exc)
        if self.workdir is not None:
            shutil.rmtree(self.workdir, ignore_errors=True)

    # -- what LocalStack asks ----------------------------------------------------------
    def get_address(self) -> str:
        return "127.0.0.1"

    def get_endpoint_from_executor(self) -> str:
        host = config.GATEWAY_LISTEN[0].host
        return "127.0.0.1" if host in ("0.0.0.0", "", "::") else host

    def get_runtime_endpoint(self) -> str:
        return (f"http://{self.get_endpoint_from_executor()}:{config.GATEWAY_LISTEN[0].port}"
                f"{self.executor_endpoint.get_endpoint_prefix()}")

    def invoke(self, payload: dict[str, str]) -> InvocationResult:
        return self.executor_endpoint.invoke(payload)

    def get_logs(self) -> str:
        try:
            return (self.workdir / "host.log").read_text(errors="replace")
        except (OSError, TypeError):
            return ""

    # -- versions ----------------------------------------------------------------------
    @classmethod
    def prepare_version(cls, function_version: FunctionVersion) -> None:
        runtime = function_version.config.runtime
        if runtime != SUPPORTED_RUNTIME:
            raise LambdaRuntimeException(
                f"{PLUGIN_NAME} runs {SUPPORTED_RUNTIME} zip functions only, not {runtime!r} "
                f"({function_version.qualified_arn})")
        runtime_python()
        function_version.config.code.prepare_for_execution()
        for layer in function_version.config.layers or []:
            layer.code.prepare_for_execution()

    @classmethod
    def cleanup_version(cls, function_version: FunctionVersion) -> None:
        """Nothing of ours outlives an environment (the unzipped code is LocalStack's)."""

    @classmethod
    def validate_environment(cls) -> bool:
        try:
            runtime_python()
        except LambdaRuntimeException as exc:
            LOG.warning("%s", exc)
            return False
        return True
