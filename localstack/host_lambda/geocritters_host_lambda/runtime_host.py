"""One Lambda execution environment as a host process (standard library only; run by the
executor on the Lambda runtime's Python 3.11 with ``-I``).

It plays, on one socket, the two parts of AWS's and LocalStack's runtime init:

- towards LocalStack, LocalStack's executor protocol: ``POST status/<id>/ready`` (or
  ``status/<id>/error``) once the runtime is up; ``POST /invoke`` accepted at once; then
  ``invocations/<request id>/logs`` FIRST (LocalStack stores the logs it has when the
  result arrives), then ``…/response`` or ``…/error``;
- towards the function, the public Lambda Runtime API (``/2018-06-01/runtime/...``),
  served to AWS's runtime interface client ``python -m awslambdaric <handler>`` running
  in a child process with the function's environment.

Timeouts are enforced here: past ``AWS_LAMBDA_FUNCTION_TIMEOUT`` the runtime is killed,
the invocation answered "Task timed out after N.00 seconds", and a fresh runtime started
(a cold start for the next invocation, as on Lambda after a timeout).
"""
from __future__ import annotations

import fcntl
import json
import math
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

API = "/2018-06-01/runtime"
# Whatever the handler does, the Runtime API of a killed runtime must not hang a waiter.
NEXT_POLL_S = 1.0


def log(message: str) -> None:
    print(f"[runtime host] {message}", flush=True)


def utc_stamp() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


class LocalStackCallbacks:
    """The executor endpoint of LocalStack (LOCALSTACK_RUNTIME_ENDPOINT)."""

    def __init__(self, base: str, runtime_id: str):
        self.base = base.rstrip("/")
        self.runtime_id = runtime_id
        self.opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))

    def post(self, path: str, body: bytes, content_type: str = "application/json") -> None:
        request = urllib.request.Request(f"{self.base}/{path}", data=body, method="POST",
                                         headers={"Content-Type": content_type})
        with self.opener.open(request, timeout=30) as response:
            response.read()

    def ready(self) -> None:
        self.post(f"status/{self.runtime_id}/ready", b"{}")

    def startup_error(self, body: bytes) -> None:
        self.post(f"status/{self.runtime_id}/error", body)

    def result(self, request_id: str, logs: str, body: bytes, is_error: bool) -> None:
        self.post(f"invocations/{request_id}/logs", json.dumps({"logs": logs}).encode())
        self.post(f"invocations/{request_id}/{'error' if is_error else 'response'}", body)


class OutputCapture:
    """The runtime's stdout+stderr pipe. ``drain()`` takes everything written so far: the
    runtime writes unbuffered, so what it printed before posting its result is already in
    the pipe (or taken by the reader thread, under the same lock) when the result arrives."""

    def __init__(self, fd: int):
        self.fd = fd
        fcntl.fcntl(fd, fcntl.F_SETFL, fcntl.fcntl(fd, fcntl.F_GETFL) | os.O_NONBLOCK)
        self.lock = threading.Lock()
        self.chunks: list[bytes] = []
        self.closed = False
        threading.Thread(target=self._pump, daemon=True).start()

    def _read_available(self) -> None:
        while True:
            try:
                data = os.read(self.fd, 65536)
            except BlockingIOError:
                return
            except OSError:
                data = b""
            if not data:
                self.closed = True
                return
            sys.stdout.buffer.write(data)  # the host log: LocalStack's get_logs()
            sys.stdout.flush()
            self.chunks.append(data)

    def _pump(self) -> None:
        import select

        while not self.closed:
            select.select([self.fd], [], [], 0.5)
            with self.lock:
                if not self.closed:
                    self._read_available()

    def drain(self) -> str:
        with self.lock:
            if not self.closed:
                self._read_available()
            text = b"".join(self.chunks).decode(errors="replace")
            self.chunks.clear()
            return text


class Invocation:
    def __init__(self, message: dict, timeout_s: float):
        self.request_id = message["invoke-id"]
        self.arn = message["invoked-function-arn"]
        self.payload = message["payload"].encode()
        self.trace_id = message.get("trace-id") or ""
        self.timeout_s = timeout_s
        self.started = 0.0
        self.deadline_ms = 0
        self.done = threading.Event()
        self.body = b""
        self.is_error = False


class Runtime:
    """One ``python -m awslambdaric`` process; a new one after a timeout or a crash."""

    def __init__(self, host: RuntimeHost, generation: int):
        self.generation = generation
        read_fd, write_fd = os.pipe()
        self.process = subprocess.Popen(
            [host.python, "-m", "awslambdaric", host.handler],
            cwd=host.task_root, env=host.runtime_env, stdin=subprocess.DEVNULL,
            stdout=write_fd, stderr=write_fd)  # the host's process group: stopped with it
        os.close(write_fd)
        self.output = OutputCapture(read_fd)
        self.init_done = threading.Event()
        self.init_error: bytes | None = None

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()

    def max_memory_mb(self) -> int:
        try:
            status = Path(f"/proc/{self.process.pid}/status").read_text()
        except OSError:
            return 0
        for line in status.splitlines():
            if line.startswith("VmHWM:"):
                return math.ceil(int(line.split()[1]) / 1024)
        return 0


class RuntimeHost:
    def __init__(self, settings: dict):
        self.handler = settings["handler"]
        self.task_root = settings["task_root"]
        self.python = settings["python"]
        env = dict(os.environ)
        self.callbacks = LocalStackCallbacks(env["LOCALSTACK_RUNTIME_ENDPOINT"],
                                             env["LOCALSTACK_RUNTIME_ID"])
        self.timeout_s = float(env.get("AWS_LAMBDA_FUNCTION_TIMEOUT") or 3)
        self.memory_mb = env.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128")
        self.version = env.get("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        self.lock = threading.Condition()
        self.pending: Invocation | None = None  # handed out by the next /next
        self.current: Invocation | None = None  # being run by the runtime
        self.server = self._server(settings["listen_fd"])
        env["AWS_LAMBDA_RUNTIME_API"] = f"127.0.0.1:{self.server.server_address[1]}"
        for name in ("LOCALSTACK_RUNTIME_ENDPOINT", "LOCALSTACK_RUNTIME_ID"):
            env.pop(name, None)  # the executor protocol is ours, not the function's
        self.runtime_env = env
        self.runtime: Runtime | None = None
        self.generation = 0

    # -- startup -----------------------------------------------------------------------
    def _server(self, fd: int) -> ThreadingHTTPServer:
        host = self
        server = ThreadingHTTPServer(("127.0.0.1", 0), make_handler(host), bind_and_activate=False)
        server.socket.close()
        server.socket = socket.socket(fileno=fd)
        server.server_address = server.socket.getsockname()
        server.daemon_threads = True
        return server

    def start_runtime(self) -> Runtime:
        with self.lock:
            self.generation += 1
            self.runtime = Runtime(self, self.generation)
            self.lock.notify_all()  # waiters of a previous runtime give up
            runtime = self.runtime
        threading.Thread(target=self._watch_exit, args=(runtime,), daemon=True).start()
        return runtime

    def _watch_exit(self, runtime: Runtime) -> None:
        code = runtime.process.wait()
        with self.lock:
            if runtime is not self.runtime:
                return  # replaced on purpose (timeout)
            if not runtime.init_done.is_set():
                runtime.init_error = runtime.init_error or json.dumps({
                    "errorType": "Runtime.ExitError",
                    "errorMessage": f"RequestId: Error: Runtime exited with error: exit status {code}",
                }).encode()
                runtime.init_done.set()
            invocation = self.current
        if invocation is not None and not invocation.done.is_set():
            invocation.body = json.dumps({
                "errorType": "Runtime.ExitError",
                "errorMessage": f"RequestId: {invocation.request_id} Error: Runtime exited "
                                f"with error: exit status {code}",
            }).encode()
            invocation.is_error = True
            invocation.done.set()

    def serve(self) -> None:
        stopping = threading.Event()
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, lambda *_: stopping.set())
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        runtime = self.start_runtime()
        runtime.init_done.wait()
        if runtime.init_error is not None:
            log(f"init failed: {runtime.init_error.decode(errors='replace')}")
            self.callbacks.startup_error(runtime.init_error)
        else:
            self.callbacks.ready()
        while not stopping.wait(0.5):
            pass
        with self.lock:
            runtime = self.runtime
        if runtime is not None:
            runtime.kill()

    # -- one invocation ----------------------------------------------------------------
    def accept(self, message: dict) -> None:
        invocation = Invocation(message, self.timeout_s)
        threading.Thread(target=self.run_invocation, args=(invocation,), daemon=True).start()

    def run_invocation(self, invocation: Invocation) -> None:
        with self.lock:
            runtime = self.runtime
        runtime.init_done.wait()
        # Its init failed (a restart after a timeout retries it, as Lambda does), or it
        # exited during the previous invocation: a fresh runtime, a cold start.
        if runtime.init_error is not None or runtime.process.poll() is not None:
            runtime = self.start_runtime()
            runtime.init_done.wait()
        logs = runtime.output.drain()  # init output, before START as in CloudWatch
        logs += f"START RequestId: {invocation.request_id} Version: {self.version}\n"
        if runtime.init_error is not None:
            invocation.body, invocation.is_error = runtime.init_error, True
        else:
            invocation.started = time.monotonic()
            invocation.deadline_ms = int(time.time() * 1000 + invocation.timeout_s * 1000)
            with self.lock:
                self.current = invocation
                self.pending = invocation
                self.lock.notify_all()
            if not invocation.done.wait(invocation.timeout_s):
                with self.lock:
                    self.pending = self.current = None
                runtime.kill()
                message = f"Task timed out after {invocation.timeout_s:.2f} seconds"
                logs += runtime.output.drain()
                logs += f"{utc_stamp()} {invocation.request_id} {message}\n"
                invocation.body = json.dumps({
                    "errorType": "Sandbox.Timedout",
                    "errorMessage": f"{utc_stamp()} {invocation.request_id} {message}",
                }).encode()
                invocation.is_error = True
                self.start_runtime()  # the next invocation gets a fresh runtime
            with self.lock:
                self.current = None
        duration_ms = (time.monotonic() - invocation.started) * 1000 if invocation.started else 0.0
        logs += runtime.output.drain()
        logs += f"END RequestId: {invocation.request_id}\n"
        logs += (f"REPORT RequestId: {invocation.request_id}\tDuration: {duration_ms:.2f} ms\t"
                 f"Billed Duration: {math.ceil(duration_ms)} ms\tMemory Size: {self.memory_mb} MB\t"
                 f"Max Memory Used: {runtime.max_memory_mb()} MB\t\n")
        self.callbacks.result(invocation.request_id, logs, invocation.body, invocation.is_error)

    # -- the Runtime API ---------------------------------------------------------------
    def next_invocation(self) -> Invocation | None:
        """Blocks until an invocation is handed to the runtime that asked; None if that
        runtime was replaced meanwhile (it has been killed)."""
        with self.lock:
            generation = self.generation
            runtime = self.runtime
            if not runtime.init_done.is_set():
                runtime.init_done.set()  # its first /next: init went through
            while self.pending is None:
                self.lock.wait(NEXT_POLL_S)
                if self.generation != generation:
                    return None
            invocation, self.pending = self.pending, None
            return invocation

    def finish(self, request_id: str, body: bytes, is_error: bool) -> bool:
        with self.lock:
            invocation = self.current
            if invocation is None or invocation.request_id != request_id or invocation.done.is_set():
                return False
            invocation.body, invocation.is_error = body, is_error
            invocation.done.set()
            return True

    def init_failed(self, body: bytes) -> None:
        with self.lock:
            runtime = self.runtime
            if not runtime.init_done.is_set():
                runtime.init_error = body
                runtime.init_done.set()


def make_handler(host: RuntimeHost):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args) -> None:  # the runtime polls constantly: stay quiet
            pass

        def _body(self) -> bytes:
            length = int(self.headers.get("Content-Length") or 0)
            return self.rfile.read(length) if length else b""

        def _reply(self, status: int, body: bytes = b"", headers: dict | None = None) -> None:
            self.send_response(status)
            for key, value in (headers or {}).items():
                self.send_header(key, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:
            if self.path != f"{API}/invocation/next":
                return self._reply(404)
            invocation = host.next_invocation()
            if invocation is None:
                return self._reply(500, b'{"errorType":"Runtime.Replaced"}')
            return self._reply(200, invocation.payload, {
                "Content-Type": "application/json",
                "Lambda-Runtime-Aws-Request-Id": invocation.request_id,
                "Lambda-Runtime-Deadline-Ms": str(invocation.deadline_ms),
                "Lambda-Runtime-Invoked-Function-Arn": invocation.arn,
                "Lambda-Runtime-Trace-Id": invocation.trace_id,
            })

        def do_POST(self) -> None:
            body = self._body()
            parts = self.path.split("/")
            if self.path == "/invoke":
                host.accept(json.loads(body))
                return self._reply(200)
            if self.path == f"{API}/init/error":
                host.init_failed(body)
                return self._reply(202, b'{"status":"OK"}')
            # /2018-06-01/runtime/invocation/<request id>/(response|error)
            if len(parts) == 6 and self.path.startswith(f"{API}/invocation/") \
                    and parts[5] in ("response", "error"):
                if host.finish(parts[4], body, is_error=parts[5] == "error"):
                    return self._reply(202, b'{"status":"OK"}')
                return self._reply(400, b'{"errorType":"InvalidRequestID"}')
            return self._reply(404)

    return Handler


def main() -> None:
    settings = json.loads(sys.argv[1])
    RuntimeHost(settings).serve()


if __name__ == "__main__":
    main()
