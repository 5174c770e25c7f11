"""The REAL zips: every function imports from them alone, in a clean interpreter, and
registers only its own feature. Bytecode is present and is what gets loaded."""
import importlib.util
import json
import re
import subprocess
import sys
import sysconfig
import zipfile

import pytest

from functions import FEATURES
from infra import functions as fn
from infra import tables
from infra.package import LAYER_SITE_PACKAGES

pytestmark = pytest.mark.slow

# Runs in `python -I -S -B -v`: no site-packages, no PYTHONPATH, no cwd, no repo, no
# bytecode writing; sys.path is what Lambda gives: /var/task, then the layer.
PROBE = r"""
import json, os, sys
task, layer = sys.argv[1], sys.argv[2]
sys.path[:0] = [task, layer]
handler_module, handler_attr = sys.argv[3].rsplit(".", 1)
module = __import__(handler_module, fromlist=[handler_attr])
handler = getattr(module, handler_attr)
result = {"handler_callable": callable(handler)}
if "app" in sys.modules:
    app = sys.modules["app"].app
    result["routes"] = sorted([path, method] for path, methods in app.routes.items()
                              for method in methods)
result["features_imported"] = sorted(
    name for name in sys.modules if name.startswith("functions."))
result["files"] = sorted({m.__file__ for m in list(sys.modules.values())
                          if getattr(m, "__file__", None)})
print(json.dumps(result))
"""


def _lambda_env(spec, unzipped):
    env = {
        "AWS_REGION": "us-east-1",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_LAMBDA_FUNCTION_NAME": spec.function_name("prod"),
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(spec.memory_mb),
        "AWS_EXECUTION_ENV": "AWS_Lambda_python3.11",
        "LAMBDA_TASK_ROOT": str(unzipped["task"]),
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "STAGE": "prod",
        "GAME_SECRET_ID": "geocritters/prod/game-secret",
        "GEOCRITTERS_FEATURE": spec.feature_env,
        "PATH": "/usr/bin:/bin",
    }
    for info in tables().values():
        env[info.env_var] = info.table_name("prod")
    return env


def _handler(template, spec):
    return template["Resources"][spec.logical_id]["Properties"]["Handler"]


def _run_probe(unzipped, env, handler, *flags):
    result = subprocess.run(
        [sys.executable, "-I", "-S", "-B", *flags, "-c", PROBE,
         str(unzipped["task"]), str(unzipped["layer"]), handler],
        cwd=unzipped["task"], env=env, capture_output=True, text=True, timeout=60,
    )
    if result.returncode != 0:
        errors = [line for line in result.stderr.splitlines()
                  if not line.startswith(("#", "import ", "Python ", "Type "))]
        hint = ""
        missing = re.search(r"No module named '([^']+)'", result.stderr)
        if missing:
            hint = (f"\n=> the shipped code imports {missing.group(1)!r}, which is in neither "
                    "zip: add its distribution to requirements.txt (the layer's deps)")
        pytest.fail("\n".join(errors[-40:]) + hint)
    return json.loads(result.stdout.strip().splitlines()[-1]), result.stderr


def _probe(unzipped, spec, handler):
    return _run_probe(unzipped, _lambda_env(spec, unzipped), handler, "-v")


@pytest.mark.parametrize("spec", list(fn.FUNCTIONS.values()), ids=lambda s: s.name)
def test_function_imports_from_the_zips_alone(template, unzipped, spec):
    handler = _handler(template, spec)
    result, verbose = _probe(unzipped, spec, handler)
    assert result["handler_callable"]

    # Only this feature's module was imported...
    expected_modules = [] if spec.is_authorizer else [f"functions.{spec.name}"]
    assert result["features_imported"] == expected_modules
    # ...and only its routes are registered (app.py with GEOCRITTERS_FEATURE).
    if "routes" in result:
        expected = [] if spec.is_authorizer else \
            sorted([p, m] for p, m in fn.routes_by_feature()[spec.name])
        assert result["routes"] == expected

    # Everything came from the zips or the standard library: not the repo, not the venv.
    stdlib = sysconfig.get_paths()["stdlib"]
    allowed = (str(unzipped["root"]), stdlib)
    strays = [f for f in result["files"] if not f.startswith(allowed)]
    assert strays == []

    # Our modules were loaded from the shipped bytecode, never compiled from source.
    compiled = [line for line in verbose.splitlines()
                if line.startswith("# code object from")
                and str(unzipped["root"]) in line and not line.rstrip("'").endswith(".pyc")]
    assert compiled == []


def test_app_with_every_feature_imports_from_the_zips(template, unzipped):
    """What ``chalice local``/dev mode would run: all features in one process."""
    spec = fn.FUNCTIONS["auth"]
    env = _lambda_env(spec, unzipped)
    env.pop("GEOCRITTERS_FEATURE")
    probe, _ = _run_probe(unzipped, env, "app.app")
    assert probe["features_imported"] == sorted(f"functions.{f}" for f in FEATURES)


def test_function_zip_is_small_and_holds_no_shared_code(packaged):
    sizes = packaged["sizes"]["code"]
    assert sizes["zipped"] < 1024 * 1024
    with zipfile.ZipFile(packaged["code_zip"]) as z:
        names = z.namelist()
    assert "app.py" in names and "chalice/app.py" in names
    assert not [n for n in names if n.startswith(("functions/", "geocritters/"))]
    assert "__pycache__/app.cpython-311.pyc" in names


def test_layer_holds_shared_code_and_dependencies(packaged):
    with zipfile.ZipFile(packaged["layer_zip"]) as z:
        names = set(z.namelist())
    prefix = LAYER_SITE_PACKAGES + "/"
    assert all(n.startswith(prefix) for n in names)
    for required in ("geocritters/__init__.py", "functions/__init__.py", "pynamodb/__init__.py",
                     "jwt/__init__.py", "aws_xray_sdk/__init__.py", "botocore/__init__.py",
                     "aws_lambda_powertools/__init__.py"):
        assert prefix + required in names, required
    for feature in FEATURES:
        assert f"{prefix}functions/{feature}.py" in names
    assert not any(n.startswith(prefix + "chalice/") for n in names)


@pytest.mark.parametrize("kind", ["code_zip", "layer_zip"])
def test_every_module_has_unchecked_hash_bytecode(packaged, kind):
    with zipfile.ZipFile(packaged[kind]) as z:
        names = set(z.namelist())
        sources = [n for n in names if n.endswith(".py")]
        pycs = [n for n in names if n.endswith(".pyc")]
        assert pycs, "no bytecode in the zip"
        missing = [s for s in sources
                   if importlib.util.cache_from_source(s) not in names]
        failed = packaged["bytecode"]["code" if kind == "code_zip" else "layer"]["failed"]
        assert sorted(missing) == sorted(failed)
        assert len(missing) <= 0.01 * len(sources), missing[:20]
        for name in pycs:
            assert ".cpython-311." in name
            header = z.read(name)[:16]
            assert header[:4] == importlib.util.MAGIC_NUMBER
            # flags: bit 0 hash-based, bit 1 check_source -> 0b01 = unchecked hash
            assert int.from_bytes(header[4:8], "little") == 0b01, name


def test_app_in_the_authorizer_function_registers_no_feature(unzipped):
    """The authorizer's Handler imports geocritters.edge.auth directly; should anything
    import app.py there, GEOCRITTERS_FEATURE=none keeps it free of feature code."""
    spec = fn.FUNCTIONS[fn.AUTHORIZER]
    probe, _ = _run_probe(unzipped, _lambda_env(spec, unzipped), "app.app")
    assert probe["features_imported"] == []
    assert probe["routes"] == []
