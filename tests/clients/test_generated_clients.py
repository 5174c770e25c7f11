"""Client teams generate their clients from docs/openapi.json (shared/design/api.md: every
generator must produce a clean client). Each generator runs here into a temporary
directory and any warning it prints about the document fails the test:

- openapi-python-client (requirements-clients.txt): every "Warning(s) encountered" block
  (a schema it could not process, a duplicate model, an unsupported construct).
- openapi-generator (the jar bundled by the PyPI package openapi-generator-cli, needs
  java) for Kotlin and Swift 5: every WARN/ERROR line, plus the INFO lines that report a
  document problem ("not generated since it's a free-form object", a missing
  servers entry), plus `validate --recommend` (unused models and other recommendations).

Ignored, with their reason (ACCEPTED below): swift5's own deprecation notice (about the
generator, not the document; the teams still ship with swift5), and the InlineModelResolver
lines, logged at INFO: an inline object gets the stable name <Parent>_<property>, which is
what a named component would be called too.
"""
import importlib.util
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SPEC = ROOT / "docs" / "openapi.json"
BIN = Path(sys.executable).parent

pytestmark = pytest.mark.clients

# Lines of openapi-generator's output that are not about the document.
ACCEPTED = [
    re.compile(r"Generator 'swift5' is considered deprecated"),
    re.compile(r"Swift5ClientCodegen - IMPORTANT: This generator has been deprecated"),
]
# INFO lines that do report a problem of the document.
DOCUMENT_PROBLEMS = re.compile(
    r"not generated since it's a free-form object|'servers' \(OAS 3\.0\) not defined"
    r"|Unused model|reserved word")

# The models the document defines, as openapi-python-client names them: one class per
# component schema and per inline object. A nullable enum spelled `enum: [..., null]`
# used to add three classes per field (ProfileTeamType1, ...Type2Type1, ...Type3Type1)
# and a nullable object one more (BuddyType0): 171 models then, 151 now.
PYTHON_MODELS = 151


def _run(args, cwd):
    done = subprocess.run(args, cwd=cwd, capture_output=True, text=True, timeout=300,
                          env={"PATH": f"{BIN}:/usr/bin:/bin", "HOME": str(cwd)})
    return done.returncode, done.stdout + done.stderr


@pytest.fixture(scope="module")
def python_client(tmp_path_factory):
    tool = BIN / "openapi-python-client"
    if not tool.exists():
        pytest.skip("openapi-python-client missing: pip install -r requirements-clients.txt")
    out = tmp_path_factory.mktemp("clients") / "python"
    # ruff (requirements-dev.txt) on PATH: the generator formats its output with it.
    code, output = _run([str(tool), "generate", "--path", str(SPEC), "--output-path", str(out),
                         "--meta", "none"], out.parent)
    assert code == 0, output
    return out, output


def test_python_client_generates_without_warnings(python_client):
    _, output = python_client
    assert "Warning" not in output and "warning" not in output, output


def test_python_client_has_no_junk_models(python_client):
    out, _ = python_client
    models = sorted(p.stem for p in (out / "models").glob("*.py") if p.stem != "__init__")
    junk = [m for m in models if re.search(r"_type_\d", m)]
    assert junk == [], junk
    assert len(models) == PYTHON_MODELS, (len(models), models)
    # The nullable enums are the shared enum classes, or None.
    profile = (out / "models" / "profile.py").read_text()
    assert re.search(r"^\s+team: None \| Team$", profile, re.M), profile


def test_python_client_coordinates_are_floats(python_client):
    out, _ = python_client
    spec = importlib.util.spec_from_file_location("python", out / "__init__.py",
                                                  submodule_search_locations=[str(out)])
    package = importlib.util.module_from_spec(spec)
    sys.modules["python"] = package
    try:
        spec.loader.exec_module(package)
        from python.models.map_spawn import MapSpawn
        spawn = MapSpawn.from_dict({"id": "sp-dr5ru7c-3-500000", "species": 1, "lat": 48,
                                    "lng": 2.5, "despawn_ms": 1, "boosted": False})
    finally:
        for name in [n for n in sys.modules if n == "python" or n.startswith("python.")]:
            del sys.modules[name]
    source = (out / "models" / "map_spawn.py").read_text()
    assert re.search(r"^\s+lat: float$", source, re.M) and re.search(r"^\s+lng: float$", source, re.M)
    assert (spawn.lat, spawn.lng) == (48, 2.5)


def _generator():
    jar_tool = BIN / "openapi-generator-cli"
    if not jar_tool.exists():
        pytest.skip("openapi-generator-cli missing: pip install -r requirements-clients.txt")
    if shutil.which("java") is None:
        pytest.skip("openapi-generator needs a Java runtime (java not on PATH)")
    return str(jar_tool)


def _problems(output):
    return [line for line in output.splitlines()
            if (re.search(r"\b(WARN|ERROR)\b", line) or DOCUMENT_PROBLEMS.search(line))
            and not any(p.search(line) for p in ACCEPTED)]


@pytest.mark.parametrize("generator, model_dir, double", [
    ("kotlin", "src/main/kotlin/org/openapitools/client/models", r"val lat: kotlin\.Double\b"),
    ("swift5", "OpenAPIClient/Classes/OpenAPIs/Models", r"public var lat: Double\b"),
])
def test_openapi_generator_clients_are_clean(tmp_path, generator, model_dir, double):
    tool = _generator()
    code, output = _run([tool, "generate", "-i", str(SPEC), "-g", generator,
                         "-o", str(tmp_path / generator)], tmp_path)
    assert code == 0, output
    assert _problems(output) == [], "\n".join(_problems(output))
    models = tmp_path / generator / model_dir
    spawn = next(models.glob("MapSpawn.*")).read_text()
    assert re.search(double, spawn), spawn
    assert "BigDecimal" not in spawn and "Decimal" not in spawn.replace("Double", "")
    names = {p.stem for p in models.iterdir()}
    assert {"ErrorBody", "Team", "BoardPlace"} <= names and "EmptyRequest" not in names


def test_openapi_generator_has_no_recommendations(tmp_path):
    tool = _generator()
    code, output = _run([tool, "validate", "-i", str(SPEC), "--recommend"], tmp_path)
    assert code == 0, output
    assert "No validation issues detected." in output, output
