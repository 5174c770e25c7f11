"""The host executor (``localstack/host_lambda/``): LocalStack runs Lambda functions as
host processes instead of Docker containers.

``install_host_lambda`` pip-installs the package into LocalStack's venv (again whenever
its source changes), builds the functions' runtime venv (the Lambda runtime's Python 3.11
with ``awslambdaric``, fetched here, never committed) and checks that LocalStack, run
from its venv, resolves the executor by name: an unknown ``LAMBDA_RUNTIME_EXECUTOR``
only logs a warning and falls back to Docker.
"""
from __future__ import annotations

import hashlib
import shutil
import subprocess
from pathlib import Path

from .common import LauncherError, clean_python_env, info, run_command
from .install import find_python
from .paths import Paths

PACKAGE_DIR = Path(__file__).resolve().parent.parent / "host_lambda"
EXECUTOR_NAME = "geocritters-host"  # geocritters_host_lambda.PLUGIN_NAME (pyproject's entry point)
RUNTIME_PYTHON_ENV = "GEOCRITTERS_LAMBDA_RUNTIME_PYTHON"  # geocritters_host_lambda.RUNTIME_PYTHON_ENV
# The on_infra_start hook that runs Lambda authorizers in the REST API gateway
# (geocritters_host_lambda.authorizers.HOOK_NAME, pyproject's entry point).
AUTHORIZER_HOOK_NAME = "geocritters_lambda_authorizers"
# The functions' Python: the Lambda runtime of infra/package.py (RUNTIME = "python3.11").
LAMBDA_PYTHON_VERSION = "3.11"
LAMBDA_PYENV_VERSION = "3.11"  # pyenv resolves a prefix to the newest installed 3.11.x
RUNTIME_REQUIREMENTS = (
    "awslambdaric==4.2.2",  # AWS's runtime interface client: runs the handler
    # Lambda's Python runtimes bundle boto3; the project pins its own in its layer (which
    # comes first on PYTHONPATH). The same version as requirements.txt.
    "boto3==1.44.8",
)
# Run by LocalStack's interpreter as `start` runs it: resolve the executor the way
# LocalStack does (get_runtime_executor) and load it (which checks the pinned version).
CHECK_SCRIPT = f"""
from localstack.services.lambda_.invocation.runtime_executor import EXECUTOR_PLUGIN_MANAGER
name = {EXECUTOR_NAME!r}
if not EXECUTOR_PLUGIN_MANAGER.exists(name):
    raise SystemExit(f"LocalStack does not find the runtime executor {{name!r}}")
executor = EXECUTOR_PLUGIN_MANAGER.load(name).load()
print(f"{{executor.__module__}}.{{executor.__qualname__}}")
"""
# The same for the authorizer hook: LocalStack runs every on_infra_start plugin its
# manager lists and says nothing about one it never found.
HOOK_CHECK_SCRIPT = f"""
from localstack.runtime import hooks
name = {AUTHORIZER_HOOK_NAME!r}
manager = hooks.on_infra_start.manager
if not manager.exists(name):
    raise SystemExit(f"LocalStack does not find the on_infra_start hook {{name!r}}")
plugin = manager.load(name)
if not any(p.name == name for p in manager.load_all_sorted()):
    raise SystemExit(f"LocalStack would not run the on_infra_start hook {{name!r}}")
print(f"{{plugin.fn.__module__}}.{{plugin.fn.__qualname__}}")
"""


def package_digest() -> str:
    """sha256 over the package's source files: install again when any of them changes."""
    digest = hashlib.sha256()
    for path in sorted(PACKAGE_DIR.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts and ".egg-info" not in str(path):
            digest.update(str(path.relative_to(PACKAGE_DIR)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def find_lambda_python() -> str:
    return find_python(LAMBDA_PYTHON_VERSION, LAMBDA_PYENV_VERSION, "GEOCRITTERS_LAMBDA_PYTHON",
                       purpose="The Lambda functions' runtime (python3.11)")


def stamp_content(lambda_python: str) -> dict:
    return {"host_lambda": package_digest(), "lambda_python": lambda_python,
            "lambda_runtime_requirements": list(RUNTIME_REQUIREMENTS)}


def runtime_installed(paths: Paths) -> bool:
    return paths.lambda_python.exists()


def install_runtime_venv(paths: Paths, lambda_python: str) -> None:
    marker = paths.lambda_venv / ".geocritters-requirements"
    wanted = "\n".join([lambda_python, *RUNTIME_REQUIREMENTS])
    if paths.lambda_python.exists() and marker.exists() and marker.read_text() == wanted:
        return
    if paths.lambda_venv.exists():
        shutil.rmtree(paths.lambda_venv)
    info(f"creating {paths.lambda_venv} with {lambda_python} and pip-installing "
         f"{' '.join(RUNTIME_REQUIREMENTS)}")
    run_command([lambda_python, "-m", "venv", str(paths.lambda_venv)], capture_output=True)
    run_command([str(paths.lambda_python), "-m", "pip", "install", "--quiet",
                 "--disable-pip-version-check", *RUNTIME_REQUIREMENTS],
                cwd=paths.root, stderr=subprocess.PIPE)
    probe = run_command([str(paths.lambda_python), "-I", "-c",
                         "import sys, awslambdaric, boto3; print('%d.%d' % sys.version_info[:2])"],
                        cwd=paths.root, env=clean_python_env(), capture_output=True, text=True)
    if probe.stdout.strip() != LAMBDA_PYTHON_VERSION:
        raise LauncherError(f"{paths.lambda_python} is Python {probe.stdout.strip()}, "
                            f"not {LAMBDA_PYTHON_VERSION}")
    marker.write_text(wanted)


def install_executor_package(paths: Paths) -> None:
    marker = paths.venv / ".geocritters-host-lambda"
    digest = package_digest()
    if not (marker.exists() and marker.read_text() == digest):
        info(f"pip-installing the host executor ({PACKAGE_DIR}) into LocalStack's venv")
        build = paths.build / "host_lambda"
        if build.exists():
            shutil.rmtree(build)
        # A copy: setuptools writes build/ and *.egg-info next to the sources.
        shutil.copytree(PACKAGE_DIR, build, ignore=shutil.ignore_patterns("__pycache__", "*.egg-info",
                                                                          "build"))
        run_command([str(paths.python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                     "--no-build-isolation", "--no-deps", "--force-reinstall", str(build)],
                    cwd=paths.root, env=clean_python_env(), stderr=subprocess.PIPE)
        shutil.rmtree(build)
    check_executor(paths)
    check_authorizer_hook(paths)
    marker.write_text(digest)


def check_executor(paths: Paths) -> str:
    """Fail loudly unless LocalStack's interpreter, run as `start` runs it, resolves and
    loads the executor by name (what LAMBDA_RUNTIME_EXECUTOR selects)."""
    probe = subprocess.run([str(paths.python), "-P", "-c", CHECK_SCRIPT], cwd=paths.root,
                           env=clean_python_env(), capture_output=True, text=True)
    if probe.returncode != 0:
        raise LauncherError(f"LocalStack in {paths.venv} cannot load the runtime executor "
                            f"{EXECUTOR_NAME!r} (it would fall back to Docker):\n"
                            f"{(probe.stderr or probe.stdout)[-3000:]}")
    return probe.stdout.strip()


def check_authorizer_hook(paths: Paths) -> str:
    """Fail loudly unless LocalStack's interpreter, run as `start` runs it, lists and loads
    the hook that runs Lambda authorizers (without it, CUSTOM methods let every request
    through to the functions)."""
    probe = subprocess.run([str(paths.python), "-P", "-c", HOOK_CHECK_SCRIPT], cwd=paths.root,
                           env=clean_python_env(), capture_output=True, text=True)
    if probe.returncode != 0:
        raise LauncherError(f"LocalStack in {paths.venv} cannot load the on_infra_start hook "
                            f"{AUTHORIZER_HOOK_NAME!r} (Lambda authorizers would not run):\n"
                            f"{(probe.stderr or probe.stdout)[-3000:]}")
    return probe.stdout.strip()


def install_host_lambda(paths: Paths, lambda_python: str) -> None:
    install_runtime_venv(paths, lambda_python)
    install_executor_package(paths)
