"""`make run` for real: the dev server (moto server + chalice local) in a subprocess,
and scripted players over HTTP: one logs in, sees spawns and stops, spins, catches,
lists; two become friends, exchange gifts and trade; several take a gym and win a raid."""
import contextlib
import os
import subprocess
import sys
from pathlib import Path

import pytest

from devtools.play import play
from devtools.play_social import social
from tests.support.chalice_local import free_port, wait_until_serving

ROOT = Path(__file__).resolve().parents[2]


@contextlib.contextmanager
def dev_server(tmp_path, *args: str):
    """``devtools.run_local`` (what `make run` starts) in a subprocess on free ports, with
    no AWS settings of the test run; yields (url, aws_url) once it serves; its output goes
    to ``tmp_path/server.log``."""
    port, aws_port = free_port(), free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    with open(tmp_path / "server.log", "w") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "devtools.run_local", "--port", str(port),
             "--aws-port", str(aws_port), *args],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        url = f"http://127.0.0.1:{port}"
        try:
            wait_until_serving(url, process)
            yield url, f"http://127.0.0.1:{aws_port}"
        finally:
            process.terminate()
            process.wait(timeout=10)


@pytest.mark.slow
def test_scripted_sessions_against_the_dev_server(tmp_path):
    with dev_server(tmp_path) as (url, aws_url):
        lines = []
        assert play(url, 40.758, -73.9855, out=lines.append) == 0, "\n".join(lines)
        transcript = "\n".join(lines)
        assert "spun " in transcript and ": 200 " in transcript
        assert "caught" in transcript and "collection: ['" in transcript
        # Issue #11's "done when": friends, gifts both ways, a trade (play_social checks
        # both collections and both stardust balances itself, and says so in its answer).
        lines = []
        assert social(url, aws_url, 40.758, -73.9855, out=lines.append), "\n".join(lines)
        transcript = "\n".join(lines)
        assert "misty accepts: 200 count=1" in transcript
        assert transcript.count(" opens it: 200 ") == 2
        assert "ash confirms: 200 status=completed" in transcript
    banner = (tmp_path / "server.log").read_text()
    assert f"Geocritters is running at {url}" in banner


@pytest.mark.slow
def test_players_together_against_the_dev_server(tmp_path):
    """The gym and raid session (devtools/play_together.py), on a dev server with its
    short timings (a 3 s lobby countdown, a coin a second, raids every 20 minutes)."""
    from devtools.play_together import dev_server_args, gyms, midday_longitude, raid

    with dev_server(tmp_path, *dev_server_args()) as (url, aws_url):
        lines = []
        lng = midday_longitude()
        assert gyms(url, aws_url, 40.758, lng, out=lines.append), "\n".join(lines)
        assert raid(url, aws_url, 40.758, lng, out=lines.append), "\n".join(lines)
        transcript = "\n".join(lines)
        assert "red deploys: 200 team=red" in transcript
        assert transcript.count(" joins: 200 lobby=1 ") == 3, transcript


@pytest.mark.slow
def test_world_over_time_against_the_dev_server(tmp_path):
    """Issue 12's session (devtools/play_world.py) on a dev server whose game clock runs
    60x real time: a buddy, a 2 km egg found at stops, a 2 km walk at 5 km/h reported
    every 30 game seconds, the hatch, the buddy's candy, weather-boosted spawns, a live
    event created with the operator CLI listed ahead and its species appearing once it
    starts, and the player on its region's boards after the stream runner applied the
    stream."""
    import re
    import time

    from devtools.play_world import CLOCK_RATE, dev_server_args, world

    with dev_server(tmp_path, *dev_server_args()) as (url, aws_url):
        lines = []
        started = time.monotonic()
        assert world(url, 40.758, -73.9855, CLOCK_RATE, aws_url, out=lines.append), "\n".join(lines)
        session_s = time.monotonic() - started
    transcript = "\n".join(lines)
    assert re.search(r"server clock: ~\d+x real time \(expected 60x\)", transcript)
    assert re.search(r"buddy: \w+, a candy every 1 km", transcript), transcript
    assert "incubated the 2 km egg " in transcript
    walked = re.search(r"walked (\d+\.\d+) km in (\d+\.\d) game minutes: (\d+\.\d+) km counted, "
                       r"egg (\d+\.\d+)/2 km", transcript)
    assert walked, transcript
    street_km, _, counted_km, egg_km = map(float, walked.groups())
    # The server counted at least 2 km for the egg out of the position reports alone.
    assert egg_km > 2.0 and counted_km >= egg_km and street_km >= 2.0
    assert re.search(r"hatched: \w+ CP \d+ \(\+\d+ candy", transcript), transcript
    assert int(re.search(r"buddy candy: \+(\d+) ", transcript).group(1)) >= 2  # 1 km a candy
    boosted = re.search(r"spawns in sight: (\d+) of \d+ weather boosted, each of a type its "
                        r"weather boosts \(0 not\)", transcript)
    assert boosted and int(boosted.group(1)) >= 1, transcript
    assert re.search(r"operator: event ev-\S+ in dr5r: ", transcript), transcript
    assert "game data for dr5r: 1 upcoming event(s) listed before the start" in transcript
    event = re.search(r"live event: (\d+) \w+ nearby \d+ game minutes after the start", transcript)
    assert event and int(event.group(1)) >= 1, transcript
    # The session catches until it has a 1 km buddy: the board counts every catch.
    caught = len(re.findall(r"^encounter: .*: caught$", transcript, re.M))
    assert re.search(rf"board dr5r caught: rank \d+ of \d+, score {caught}$", transcript, re.M), \
        transcript
    walked_score = re.search(r"board dr5r walked: rank \d+ of \d+, score (\d+) m", transcript)
    assert walked_score and int(walked_score.group(1)) > 0, transcript
    print(f"world session: {session_s:.1f} s real\n{transcript}")
    banner = (tmp_path / "server.log").read_text()
    assert "The game clock runs 60x real time" in banner
