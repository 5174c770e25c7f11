"""`make swarm`'s pieces: the Locust players against a dev server for a few seconds (Locust
in a subprocess: it monkey-patches the standard library with gevent on import, which must
not leak into the test run), and the report's writers on a small fixture of Locust's CSVs."""
import csv
import importlib.util
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.chalice_local import free_port, wait_until_serving

ROOT = Path(__file__).resolve().parents[2]
DATA = Path(__file__).resolve().parent / "data"
needs_locust = pytest.mark.skipif(importlib.util.find_spec("locust") is None,
                                  reason="locust is not installed (make swarm installs requirements-swarm.txt)")
needs_matplotlib = pytest.mark.skipif(importlib.util.find_spec("matplotlib") is None,
                                      reason="matplotlib is not installed (requirements-surge.txt)")


def test_route_templates_name_the_api_paths():
    from bench.swarm.metering import _PATHS, ROUTE_ACTIONS, route_of

    assert set(_PATHS) == set(json.loads((ROOT / "docs/openapi.json").read_text())["paths"])
    assert route_of("/v1/me/creatures") == ("/v1/me/creatures", {})
    assert route_of("/v1/stops/st-dr5ru-0/spin") == ("/v1/stops/{stop_id}/spin", {"stop_id": "st-dr5ru-0"})
    assert route_of("/v1/encounters/e1/throws")[0] == "/v1/encounters/{encounter_id}/throws"
    # every action the swarm records is a benchmarked one on the same route
    from bench.game import SCENARIOS

    routes = {s.name: s.route for s in SCENARIOS}
    for (method, template), action in ROUTE_ACTIONS.items():
        assert routes[action] == (method, template), action


@pytest.mark.slow
@needs_locust
def test_players_play_against_the_dev_server(tmp_path):
    port, aws_port = free_port(), free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), str(ROOT / "layers/shared")])
    with open(tmp_path / "server.log", "w") as log:
        server = subprocess.Popen([sys.executable, "-m", "devtools.run_local", "--port", str(port),
                                   "--aws-port", str(aws_port)], cwd=ROOT, env=env,
                                  stdout=log, stderr=subprocess.STDOUT)
        url = f"http://127.0.0.1:{port}"
        try:
            wait_until_serving(url, server)
            run = subprocess.run(
                [sys.executable, "-m", "locust", "-f", "bench/swarm/locustfile.py", "--headless",
                 "-u", "2", "-r", "2", "-t", "8s", "-H", url, "--csv", str(tmp_path / "swarm"),
                 "--swarm-out", str(tmp_path), "--exit-code-on-error", "0", "--only-summary"],
                cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
        finally:
            server.terminate()
            server.wait(timeout=10)
    assert run.returncode == 0, run.stderr[-3000:]
    with open(tmp_path / "swarm_stats.csv", newline="") as handle:
        stats = {f"{r['Type']} {r['Name']}".strip(): r for r in csv.DictReader(handle)}
    assert int(stats["POST /v1/auth/guest"]["Request Count"]) >= 2
    assert int(stats["GET /v1/map"]["Request Count"]) >= 2
    with open(tmp_path / "swarm_failures.csv", newline="") as handle:
        failures = list(csv.DictReader(handle))
    # Game refusals (cooling down, gone, out of range: 403/404/409/410) are play; a bad
    # request, a lost token or a server error is not.
    unexpected = [f for f in failures if f["Error"].split()[0] in ("400", "401", "422")
                  or f["Error"].split()[0].startswith("5") or not f["Error"][:1].isdigit()]
    assert not unexpected, unexpected
    with open(tmp_path / "swarm_exceptions.csv", newline="") as handle:
        assert list(csv.DictReader(handle)) == [], "a player's task raised"
    observed = json.loads((tmp_path / "observed.json").read_text())
    assert observed["sessions"] == 2 and observed["actions"]["auth"] >= 2
    assert observed["player_seconds"] > 10
    assert any(slot.split("\t")[1] == "cell" for slot in observed["keys"])


@needs_matplotlib
def test_report_writes_plots_mix_and_hot_keys(tmp_path):
    from bench.surge import model
    from bench.swarm import report

    for name in ("swarm_stats_history.csv", "swarm_stats.csv", "swarm_failures.csv", "observed.json"):
        shutil.copy(DATA / name, tmp_path / name)
    result = report.build(tmp_path, DATA / "results.json", "http://127.0.0.1:9")
    for name in ("requests_per_s.png", "latency.png", "errors_by_code.png", "hot_keys.png"):
        assert (tmp_path / name).stat().st_size > 5000, name
    assert result["errors"] == {"409 stop_cooling_down": 1}
    # the second half of the fixture's history (96..98 s) is its rows from 97 s: both map
    # rows; the median of two is the upper one
    assert result["steady"]["GET /v1/map"] == {"rps": 1.5, "p50": 24.0, "p99": 80.0}
    # the mix loads as bench/surge's own, against the bench's actions
    bench = json.loads((DATA / "results.json").read_text())
    mix = model.load_mix(tmp_path / "action_mix.json", bench["actions"])
    minutes = 2.0  # 120 player-seconds
    assert mix["per_player_per_minute"]["spin"]["rate"] == pytest.approx(1 / minutes)
    assert mix["per_player_per_minute"]["map"]["rate"] == pytest.approx(1.5 / minutes)
    assert mix["per_player_per_minute"]["map.new_minute"]["rate"] == pytest.approx(2 * 6 / 7 / minutes, abs=1e-4)
    assert mix["per_session"]["auth"]["rate"] == 1.0
    hot = json.loads((tmp_path / "hot_keys.json").read_text())
    assert hot["unit"] == "read/write units"
    # player pl-a: auth 1+1; map: 2 of the 3 map reads' player touches, each read half "map"
    # (1 wru) half "map.gyms_stale" (1 wru); map.new_minute: 1 of 2, each 6/7 "map.new_minute"
    # (2 wru) 1/7 "map.fold" (3 wru); spin 1 x (players 3 + visits 3). Per second: the
    # history spans 2 s.
    player = {row["key"]: row for row in hot["families"]["player"]["top"]}
    new_minute = 2 * 6 / 7 + 3 / 7
    assert player["pl-a"]["total"] == pytest.approx(2 + 2 + new_minute + 6, abs=1e-3)
    assert player["pl-a"]["write"] == pytest.approx((1 + 2 + new_minute + 4) / 2, abs=1e-4)
    # the cells' units come from map.new_minute's read (6/7 of 1 rru) x 2, all on one cell
    cell = hot["families"]["cell"]["top"]
    assert [row["key"] for row in cell] == ["dr5ru7"] and cell[0]["total"] == pytest.approx(12 / 7, abs=1e-3)
    assert cell[0]["touches_per_s"] == pytest.approx(6 / 2)
    # gyms: 3 map reads x half of 3 rru, split over the 6 gym touches (2 and 4)
    gyms = {row["key"]: row["total"] for row in hot["families"]["gym"]["top"]}
    assert gyms == pytest.approx({"gy-dr5ru7b-0": 3.0, "gy-dr5ru7a-0": 1.5})
