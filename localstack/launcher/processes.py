"""``start``, ``stop`` and ``status``: LocalStack and its DynamoDB Local as processes of this cache.

Processes are found by their command line (it contains the cache path) and signalled by
pid, never by name, so two cache directories run side by side.
"""
from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

from .aws import endpoint, healthy, http_json
from .common import LauncherError, clean_python_env, info, read_json, tail
from .host_lambda import EXECUTOR_NAME, FUNCTION_ENV, RUNTIME_PYTHON_ENV
from .install import install, install_complete
from .paths import Paths

DEFAULT_PORT = 4566
# The smallest set this project needs; all of them start offline (checked 2026-11-24).
DEFAULT_SERVICES = "cloudformation,dynamodb,secretsmanager,sts,iam,s3"
READY_TIMEOUT = 90.0
STOP_TIMEOUT = 10.0  # graceful shutdown takes ~1.5-2.5 s; it has hung (see README)
# How LocalStack runs Lambda code: "docker" (LocalStack's default; no engine here, so
# functions can be created but not run) or "host" (localstack/host_lambda: host processes).
LAMBDA_EXECUTORS = ("docker", "host")


def runtime_env(paths: Paths, port: int, services: str, lambda_executor: str = "docker",
                function_env: dict[str, str] | None = None) -> dict:
    env = clean_python_env()
    for name in list(env):
        if name.startswith("AWS_"):  # LocalStack must not see the caller's AWS settings
            del env[name]
    env.update({
        "OVERRIDE_IN_DOCKER": "0",  # host mode
        "FILESYSTEM_ROOT": str(paths.fs),
        "GATEWAY_SERVER": "hypercorn",  # the default (twisted) binds 0.0.0.0 whatever we ask
        "GATEWAY_LISTEN": f"127.0.0.1:{port}",
        "DNS_ADDRESS": "0",  # no DNS server
        "DISABLE_EVENTS": "1",  # no analytics calls
        "SKIP_SSL_CERT_DOWNLOAD": "1",
        "TMPDIR": str(paths.tmp),
        "EAGER_SERVICE_LOADING": "1",  # start every service (and DynamoDB Local) up front
        "SERVICES": services,
        "DYNAMODB_IN_MEMORY": "1",  # a fresh, disk-free database per start
        "PERSISTENCE": "0",
        "PYTHONUNBUFFERED": "1",
    })
    if lambda_executor == "host":
        env["LAMBDA_RUNTIME_EXECUTOR"] = EXECUTOR_NAME  # checked by install (check_executor)
        env[RUNTIME_PYTHON_ENV] = str(paths.lambda_python)
        if function_env:
            env[FUNCTION_ENV] = json.dumps(function_env)
    elif lambda_executor != "docker":
        raise LauncherError(f"unknown Lambda executor {lambda_executor!r}; one of {LAMBDA_EXECUTORS}")
    if function_env and lambda_executor != "host":
        raise LauncherError("--function-env needs --lambda-executor host")
    # DynamoDB Local unpacks libsqlite4java (900 KB) into java.io.tmpdir on every start and
    # never removes it; java ignores TMPDIR, so point it at run/tmp (wiped on each start).
    env["JAVA_TOOL_OPTIONS"] = " ".join(filter(None, [
        env.get("JAVA_TOOL_OPTIONS"), f"-Djava.io.tmpdir={paths.tmp}"]))
    return env


def _proc_cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def _alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rpartition(")")[2].split()[0] != "Z"


def our_processes(paths: Paths) -> list[int]:
    """Pids of every process that runs from this cache directory: LocalStack's
    interpreter (venv/bin/python) and DynamoDB Local's java (-javaagent:<fs>/...)."""
    needles = (str(paths.venv) + "/", str(paths.fs) + "/")
    own = os.getpid()
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == own:
            continue
        cmdline = _proc_cmdline(int(entry.name))
        if any(needle in cmdline for needle in needles) and _alive(int(entry.name)):
            found.append(int(entry.name))
    return sorted(found)


def _port_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _terminate(pids: list[int], sig: int) -> None:
    for pid in pids:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, sig)


def _wait_gone(pids: list[int], timeout: float) -> list[int]:
    deadline = time.monotonic() + timeout
    remaining = [p for p in pids if _alive(p)]
    while remaining and time.monotonic() < deadline:
        time.sleep(0.2)
        for pid in remaining:  # reap it if it is our child (start() in this process)
            with contextlib.suppress(ChildProcessError):
                os.waitpid(pid, os.WNOHANG)
        remaining = [p for p in remaining if _alive(p)]
    return remaining


# LocalStack's HypercornRuntimeServer.shutdown() sometimes leaves the process asleep for
# good: it calls loop.stop() from its shutdown thread without waking the event loop, so
# when the loop has already handled the close of the gateway and gone back to epoll with
# nothing scheduled, run_forever() never returns (py-spy: MainThread idle in
# EpollSelector.select under HypercornRuntimeServer.run; the log ends at "[shutdown]
# Stopping all services"). Its gateway no longer listens by then, so: listener gone and
# process still alive for this long => stuck, SIGKILL. (A normal exit follows the close
# of the listener within ~2 s.)
STUCK_LOOP_GRACE = 4.0


def listening(port: int) -> bool:
    """Is anything listening on 127.0.0.1:<port>? (Read from /proc: connecting would
    give a shutting-down gateway work.)"""
    wanted = f"0100007F:{port:04X}"
    try:
        lines = Path("/proc/net/tcp").read_text().splitlines()[1:]
    except OSError:
        return True
    return any(line.split()[1] == wanted and line.split()[3] == "0A" for line in lines)


def stop(paths: Paths) -> bool:
    """Stop LocalStack (SIGTERM, its graceful shutdown), then anything else still running
    from this cache dir (DynamoDB Local's java, which LocalStack starts in its own session),
    SIGKILL after a grace period. True if something was running."""
    state = read_json(paths.state) or {}
    processes = our_processes(paths)
    if not processes:
        paths.state.unlink(missing_ok=True)
        return False
    started = time.monotonic()
    # A LocalStack that never got ready may ignore SIGTERM (seen when signalled during
    # startup); don't wait long for it.
    grace = STOP_TIMEOUT if state.get("port") and healthy(state["port"])[0] else 3.0
    leaders = [state["pid"]] if state.get("pid") in processes else [
        p for p in processes if _proc_cmdline(p).startswith(str(paths.python))]
    if leaders:
        _terminate(leaders, signal.SIGTERM)
        deadline = time.monotonic() + grace
        closed_at = None
        port = state.get("port")
        while time.monotonic() < deadline and _wait_gone(leaders, 0.2):
            if port and not listening(port):
                closed_at = closed_at or time.monotonic()
                if time.monotonic() - closed_at > STUCK_LOOP_GRACE:
                    break
    stuck = [p for p in leaders if _alive(p)]
    if stuck:  # had its SIGTERM and grace period: its shutdown hangs
        why = ("its gateway closed but the process did not exit: LocalStack's event-loop "
               "shutdown race" if closed_at else f"its shutdown did not finish in {grace:.0f} s")
        info(f"killing LocalStack {stuck} ({why})")
        _terminate(stuck, signal.SIGKILL)
        _wait_gone(stuck, 5)
    rest = our_processes(paths)
    if rest:
        _terminate(rest, signal.SIGTERM)
        rest = _wait_gone(rest, min(grace, 5.0))
    if rest:
        info(f"killing {rest} (did not stop on SIGTERM)")
        _terminate(rest, signal.SIGKILL)
        _wait_gone(rest, 5)
    left = our_processes(paths)
    if left:
        raise LauncherError(f"still running after SIGKILL: {left}")
    paths.state.unlink(missing_ok=True)
    info(f"stopped {len(processes)} process(es) {processes} in {time.monotonic() - started:.1f} s")
    return True


def start(paths: Paths, port: int, services: str, timeout: float,
          lambda_executor: str = "docker", function_env: dict[str, str] | None = None) -> None:
    install(paths, quiet_if_done=True)
    state = read_json(paths.state) or {}
    running = our_processes(paths)
    if running:
        if state.get("port") not in (None, port):
            raise LauncherError(f"LocalStack from {paths.root} is already running on port "
                                f"{state['port']} (pids {running}); stop it first")
        ok, why = healthy(port)
        if ok:
            info(f"LocalStack already running and ready on {endpoint(port)} (pid {state.get('pid')})")
            if state.get("services") not in (None, services):
                info(f"note: it runs SERVICES={state['services']}; stop and start to change them")
            if (state.get("function_env") or {}) != (function_env or {}):
                raise LauncherError(f"the running LocalStack gives functions "
                                    f"{state.get('function_env') or {}}, not {function_env or {}}; "
                                    "stop it first")
            if state.get("lambda_executor", "docker") != lambda_executor:
                info(f"note: it runs the {state.get('lambda_executor', 'docker')!r} Lambda "
                     "executor; stop and start to change it")
            return
        if state.get("pid") in running and time.time() - state.get("started_at", 0) < timeout:
            info(f"LocalStack (pid {state['pid']}) is starting ({why}); waiting")
            _wait_ready(paths, port, None, state["started_at"], timeout)
            return
        info(f"found a half-started or unhealthy LocalStack ({why}); restarting it")
        stop(paths)
    if not _port_free(port):
        raise LauncherError(f"127.0.0.1:{port} is in use by another program; choose --port")

    if paths.tmp.exists():
        shutil.rmtree(paths.tmp)
    paths.tmp.mkdir(parents=True)
    if paths.log.exists():
        paths.log.replace(paths.log.with_suffix(".log.1"))
    started_wall = time.time()
    with open(paths.log, "ab") as log:
        process = subprocess.Popen(
            # -P: the working directory is not put on sys.path (nothing can shadow the
            # real `localstack` package in the venv).
            [str(paths.python), "-P", "-m", "localstack.runtime.main"],
            cwd=paths.run, env=runtime_env(paths, port, services, lambda_executor, function_env),
            stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True,  # survives this command; stop() signals it by pid
        )
    paths.state.write_text(json.dumps({
        "pid": process.pid, "port": port, "services": services, "lambda_executor": lambda_executor,
        "function_env": function_env or {},
        "started_at": started_wall, "log": str(paths.log),
    }, indent=2) + "\n")
    info(f"starting LocalStack (pid {process.pid}) on {endpoint(port)}, log: {paths.log}")
    _wait_ready(paths, port, process, started_wall, timeout)


def _wait_ready(paths: Paths, port: int, process, started_wall: float, timeout: float) -> None:
    try:
        _wait_ready_or_fail(paths, port, process, started_wall, timeout)
    except KeyboardInterrupt:
        info("interrupted: stopping the half-started LocalStack")
        stop(paths)
        raise


def _wait_ready_or_fail(paths: Paths, port: int, process, started_wall: float,
                        timeout: float) -> None:
    why = "not started"
    while time.time() - started_wall < timeout:
        if process is not None and process.poll() is not None:
            last_lines = tail(paths.log, 40)
            stop(paths)
            raise LauncherError(f"LocalStack exited with code {process.returncode} before it "
                                f"was ready; last log lines:\n{last_lines}")
        ok, why = healthy(port)
        if ok:
            info(f"LocalStack ready on {endpoint(port)} in {time.time() - started_wall:.1f} s")
            return
        time.sleep(0.25)
    last_lines = tail(paths.log, 40)
    stop(paths)
    raise LauncherError(f"LocalStack not ready after {timeout:.0f} s ({why}); stopped it. "
                        f"Last log lines:\n{last_lines}")


def status(paths: Paths) -> int:
    installed = install_complete(paths) and paths.stamp.exists()
    state = read_json(paths.state) or {}
    running = our_processes(paths)
    print(f"cache:     {paths.root}")
    print(f"installed: {'yes' if installed else 'no (run: install)'}")
    if not running:
        print("running:   no")
        return 3
    port = state.get("port", DEFAULT_PORT)
    ok, why = healthy(port)
    uptime = time.time() - state.get("started_at", time.time())
    print(f"running:   pids {running} (LocalStack pid {state.get('pid')}), up {uptime:.0f} s")
    print(f"endpoint:  {endpoint(port)} ({why})")
    health = http_json(f"{endpoint(port)}/_localstack/health")
    if health:
        print(f"version:   {health.get('version')}")
        services = health.get("services", {})
        active = sorted(name for name, value in services.items() if value in ("running", "available"))
        print(f"services:  {', '.join(f'{n}={services[n]}' for n in active)}")
    print(f"log:       {paths.log}")
    return 0 if ok else 1
