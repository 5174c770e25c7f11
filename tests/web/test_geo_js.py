"""The web map's travel arithmetic (web/public/geo.js) agrees with the server's: the same
distances (game/geo.py) and, fed the game data's chart, the same travel cooldowns
(game/travel.py), so the page never enables an action the server would refuse."""
import json
import shutil
import subprocess
from pathlib import Path

import pytest

from geocritters.game import geo, travel
from geocritters.game.config import DEFAULT_CONFIG
from geocritters.usecases.game_data import rules_section

GEO_JS = Path(__file__).resolve().parents[2] / "web" / "public" / "geo.js"
NODE = shutil.which("node")
pytestmark = pytest.mark.skipif(NODE is None, reason="no node on PATH to run web/public/geo.js")

PAIRS = [((40.758, -73.9855), (40.7585, -73.9850)), ((0.0, 179.9999), (0.0, -179.9999)),
         ((51.5, -0.12), (48.85, 2.35)), ((-33.86, 151.2), (40.7, -74.0)), ((10.0, 10.0), (10.0, 10.0)),
         ((89.9, 0.0), (89.9, 180.0))]
DISTANCES_M = [0, 999.9, 1000, 1500, 2000, 3999, 4000, 9000, 25000, 125000, 799000, 1_000_000,
               1_200_000, 1_300_000, 5_000_000, 20_000_000]


def run_node(script: str):
    completed = subprocess.run([NODE, "--input-type=module", "-e", script], capture_output=True,
                               text=True, timeout=30, check=False)
    assert completed.returncode == 0, completed.stderr
    return json.loads(completed.stdout)


def test_distances_and_cooldowns_match_the_server():
    chart = rules_section(DEFAULT_CONFIG)["rules"]["travel_cooldown"]
    script = f"""
import {{ distanceM, travelCooldownMs }} from {json.dumps(GEO_JS.as_uri())};
const pairs = {json.dumps(PAIRS)};
const distances = {json.dumps(DISTANCES_M)};
const chart = {json.dumps(chart)};
console.log(JSON.stringify({{
  distances: pairs.map(([a, b]) => distanceM({{lat: a[0], lng: a[1]}}, {{lat: b[0], lng: b[1]}})),
  cooldowns: distances.map((d) => travelCooldownMs(d, chart)),
}}));
"""
    out = run_node(script)
    for (a, b), got in zip(PAIRS, out["distances"], strict=True):
        assert got == pytest.approx(geo.haversine_m(*a, *b), abs=1e-6), (a, b)
    assert out["cooldowns"] == [travel.travel_cooldown_ms(d) for d in DISTANCES_M]


def test_idempotency_keys_fit_the_api():
    out = run_node(f"""
import {{ newKey }} from {json.dumps(GEO_JS.as_uri())};
console.log(JSON.stringify(Array.from({{length: 50}}, () => newKey())));
""")
    assert len(set(out)) == 50
    assert all(8 <= len(key) <= 128 and all(c.isalnum() or c in "_.:-" for c in key) for key in out)
