"""A tiny `make fuzz` as an ordinary test: schemathesis from docs/openapi.json against the
app served like `make run`, 10 examples per operation (fuzz/run.py does the real run
with 200 per operation, FUZZ_EXAMPLES=1000 for more). Any failure fails the test."""
import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(importlib.util.find_spec("schemathesis") is None,
                       reason="schemathesis is not installed in this venv: `make fuzz` installs "
                              "it (pip install -r requirements-fuzz.txt)"),
]


def test_fuzz_smoke(tmp_path, pytestconfig):
    if pytestconfig.getoption("--backend") == "localstack":
        pytest.skip("serves its own app on moto (fuzz/run.py, like make fuzz): the same run "
                    "as on the moto tier, not a LocalStack one")
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("AWS_") and k not in ("GEOCRITTERS_FEATURE", "FUZZ_EXAMPLES")}
    result = subprocess.run(
        [sys.executable, "-m", "fuzz.run", "--examples", "10", "--quiet",
         "--report-dir", str(tmp_path)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    output = result.stdout[-8000:] + result.stderr[-4000:]
    assert result.returncode == 0, output
    report = json.loads((tmp_path / "report.json").read_text())
    operations = report["operations"]
    assert operations["tested"] == operations["total"] == operations["selected"] > 0, operations
    assert report["errors"] == [], output
    assert report["test_cases"]["generated"] >= 10 * operations["total"], report["test_cases"]
    assert "=== fuzz figures" in result.stdout and "fuzz: OK" in result.stdout, output
