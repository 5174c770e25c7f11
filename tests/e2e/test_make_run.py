"""`make run` for real: the dev server (moto server + chalice local) in a subprocess,
and scripted players over HTTP: one logs in, sees spawns and stops, spins, catches,
lists; two become friends, exchange gifts and trade; several take a gym and win a raid."""
import os
import subprocess
import sys
from pathlib import Path

import pytest

from devtools.play import play
from devtools.play_social import social
from tests.support.chalice_local import free_port, wait_until_serving

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_scripted_sessions_against_the_dev_server(tmp_path):
    port, aws_port = free_port(), free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    log = open(tmp_path / "server.log", "w")  # noqa: SIM115 - the server writes it until the end
    process = subprocess.Popen(
        [sys.executable, "-m", "devtools.run_local", "--port", str(port), "--aws-port", str(aws_port)],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_serving(url, process)
        lines = []
        assert play(url, 40.758, -73.9855, out=lines.append) == 0, "\n".join(lines)
        transcript = "\n".join(lines)
        assert "spun " in transcript and ": 200 " in transcript
        assert "caught" in transcript and "collection: ['" in transcript
        # Issue #11's "done when": friends, gifts both ways, a trade (play_social checks
        # both collections and both stardust balances itself, and says so in its answer).
        lines = []
        assert social(url, f"http://127.0.0.1:{aws_port}", 40.758, -73.9855, out=lines.append), \
            "\n".join(lines)
        transcript = "\n".join(lines)
        assert "misty accepts: 200 count=1" in transcript
        assert transcript.count(" opens it: 200 ") == 2
        assert "ash confirms: 200 status=completed" in transcript
    finally:
        process.terminate()
        process.wait(timeout=10)
        log.close()
    banner = (tmp_path / "server.log").read_text()
    assert f"Geocritters is running at {url}" in banner


@pytest.mark.slow
def test_players_together_against_the_dev_server(tmp_path):
    """The gym and raid session (devtools/play_together.py), on a dev server with its
    short timings (a 3 s lobby countdown, a coin a second, raids every 20 minutes)."""
    from devtools.play_together import dev_server_args, gyms, midday_longitude, raid

    port, aws_port = free_port(), free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    log = open(tmp_path / "server.log", "w")  # noqa: SIM115 - the server writes it until the end
    process = subprocess.Popen(
        [sys.executable, "-m", "devtools.run_local", "--port", str(port), "--aws-port", str(aws_port),
         *dev_server_args()],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    url, aws_url = f"http://127.0.0.1:{port}", f"http://127.0.0.1:{aws_port}"
    try:
        wait_until_serving(url, process)
        lines = []
        lng = midday_longitude()
        assert gyms(url, aws_url, 40.758, lng, out=lines.append), "\n".join(lines)
        assert raid(url, aws_url, 40.758, lng, out=lines.append), "\n".join(lines)
        transcript = "\n".join(lines)
        assert "red deploys: 200 team=red" in transcript
        assert transcript.count(" joins: 200 lobby=1 ") == 3, transcript
    finally:
        process.terminate()
        process.wait(timeout=10)
        log.close()
