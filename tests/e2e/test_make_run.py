"""`make run` for real: the dev server (moto server + chalice local) in a subprocess,
and the scripted player over HTTP: log in, see spawns and stops, spin, catch, list."""
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from devtools.play import play

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_until_serving(url: str, process, timeout_s: float = 60) -> None:
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


@pytest.mark.slow
def test_scripted_session_against_the_dev_server(tmp_path):
    port, aws_port = _free_port(), _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    log = open(tmp_path / "server.log", "w")  # noqa: SIM115 - the server writes it until the end
    process = subprocess.Popen(
        [sys.executable, "-m", "devtools.run_local", "--port", str(port), "--aws-port", str(aws_port)],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_serving(url, process)
        lines = []
        assert play(url, 40.758, -73.9855, out=lines.append) == 0, "\n".join(lines)
        transcript = "\n".join(lines)
        assert "spun " in transcript and ": 200 " in transcript
        assert "caught" in transcript and "collection: ['" in transcript
    finally:
        process.terminate()
        process.wait(timeout=10)
        log.close()
    banner = (tmp_path / "server.log").read_text()
    assert f"Geocritters is running at {url}" in banner
