"""``chalice local`` (Chalice's dev server) in a thread of this process, and small helpers
for servers a test talks to over HTTP."""
from __future__ import annotations

import socket
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass

# socketserver listens with a backlog of 5: race tests open 50 connections at once.
LISTEN_BACKLOG = 128


@dataclass(frozen=True)
class RunningServer:
    url: str
    stop: Callable[[], None]


def free_port() -> int:
    """A port nothing listens on right now (the OS picks it)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def create_local_server(app, config, host: str = "127.0.0.1", port: int = 0):
    """chalice local's server for ``app``, as `chalice local` builds it, for the 1st or
    the nth server of a test session. Chalice's own create_local_server rebases the app's
    class onto CustomLocalChalice (a per-thread current_request); a second call on the
    same app makes that class its own base (TypeError: inheritance cycle). The app keeps
    the rebased class, so later servers are built without rebasing it again."""
    from chalice import local

    if isinstance(app, local.CustomLocalChalice):
        return local.LocalDevServer(app, config, host, port)
    return local.create_local_server(app, config, host, port)


def start_chalice_local(app, config, host: str = "127.0.0.1", port: int = 0,
                        handler_cls=None) -> RunningServer:
    """Chalice's local dev server for ``app`` (port 0: a free one), serving in a daemon thread.

    ``config`` is the dev stage's Chalice config (``dev_stage_config``); ``handler_cls``
    replaces Chalice's request handler (fuzz/run.py sends every HTTP method through).
    """
    from chalice import local

    if handler_cls is None:
        # As `chalice local` builds it: this also gives the app a per-thread
        # current_request, which concurrent requests (the race tests) need.
        server = create_local_server(app, config, host, port)
    else:
        server = local.LocalDevServer(app, config, host, port, handler_cls=handler_cls)
    server.server.socket.listen(LISTEN_BACKLOG)
    thread = threading.Thread(target=server.server.serve_forever, name="chalice-local", daemon=True)
    thread.start()
    bound_port = server.server.server_address[1]

    def stop() -> None:
        server.server.shutdown()
        server.server.server_close()

    return RunningServer(url=f"http://{host}:{bound_port}", stop=stop)


def dev_stage_config(project_dir: str):
    """The project's Chalice config for the ``dev`` stage (.chalice/config.json)."""
    from chalice.cli.factory import CLIFactory

    return CLIFactory(project_dir=project_dir).create_config_obj(chalice_stage_name="dev")


def wait_until_serving(url: str, process, timeout_s: float = 60) -> None:
    """Wait until the server at ``url`` (run by ``process``) answers; fail if it exits first."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"dev server exited with {process.returncode}")
        try:
            urllib.request.urlopen(url + "/v1/me", timeout=1)
        except urllib.error.HTTPError:
            return  # 401: the server is up and the authorizer answered
        except OSError:
            time.sleep(0.2)
    raise AssertionError("dev server did not start")
