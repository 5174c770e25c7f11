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
    # Every operation but the operators' SigV4 routes, which fuzz/run.py leaves out by
    # their tag (a signature per generated case is beyond schemathesis): exactly those.
    left_out = _operator_operations()
    assert left_out, "no operator operation in the spec: update fuzz/run.py's exclusion"
    assert operations["tested"] == operations["selected"] == operations["total"] - len(left_out) > 0, (
        operations, sorted(left_out))
    assert report["errors"] == [], output
    assert report["test_cases"]["generated"] >= 10 * operations["selected"], report["test_cases"]
    assert "=== fuzz figures" in result.stdout and "fuzz: OK" in result.stdout, output


def _operator_operations() -> set[tuple[str, str]]:
    """(METHOD, path) of the spec's operations fuzz/run.py excludes (tag "events"),
    checked to be the operators' routes and nothing else."""
    from infra.functions import operator_routes

    spec = json.loads((ROOT / "docs" / "openapi.json").read_text())
    tagged = {(method.upper(), path) for path, operations in spec["paths"].items()
              for method, operation in operations.items()
              if isinstance(operation, dict) and "events" in operation.get("tags", [])}
    assert tagged == set(operator_routes()), ("the fuzz run leaves out (tag events) other "
                                              "operations than the operators' routes", tagged)
    return tagged
