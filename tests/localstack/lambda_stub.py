"""A no-Docker stand-in so that LocalStack host mode can CREATE Lambda functions.

    GEOCRITTERS_CACHE=<cache> .venv/bin/python -m tests.localstack.lambda_stub install
    # -> prints `export DOCKER_CMD=<cache>/lambda-stub/docker`; eval it, then
    GEOCRITTERS_CACHE=<cache> DOCKER_CMD=... .venv/bin/python -m localstack.launcher start ...
    GEOCRITTERS_CACHE=<cache> .venv/bin/python -m tests.localstack.lambda_stub remove

Why: LocalStack (2026.3.0) prepares every new function version for Docker before it
reports the function ``Active``, even if it is never invoked
(``DockerRuntimeExecutor.prepare_version``): it installs its ``lambda-runtime-init``
binary (downloaded from github.com) and ``docker pull``s the runtime image
(``public.ecr.aws/lambda/python:3.11``). Without Docker (and offline) the function ends in
``State: Failed`` with ``Error while creating lambda: Installation of lambda-runtime
v0.1.41-pre failed.``, and CloudFormation's ``AWS::Lambda::Function`` handler fails the
stack on it. (Past the download, the pull would fail next: LocalStack's command-line
Docker client first runs ``docker ps`` and raises ``DockerNotAvailable`` when it fails.)

The stand-in changes nothing in LocalStack; it only feeds it two things through its own
knobs, both inside the launcher's cache directory of THIS instance:

* ``DOCKER_CMD`` (a LocalStack setting) -> ``<cache>/lambda-stub/docker``, a script that
  answers ``docker ps`` and ``docker pull`` with success and every other command (create,
  run, inspect, ...) with an error. Nothing can run: Lambda invocations fail.
* the install marker of ``lambda-runtime`` under LocalStack's ``FILESYSTEM_ROOT``
  (``<cache>/fs/var/lib/localstack/lib/lambda-runtime/<version>/<arch>/var/rapid/init``),
  an executable that only prints that it is a stand-in and exits 1, so LocalStack never
  tries the download (the same trick the launcher uses for DynamoDB Local).

With both, functions reach ``State: Active`` (configuration, code, layers, concurrency
API, permissions are LocalStack's real ones) and the whole packaged template deploys.
Use a dedicated cache (``GEOCRITTERS_CACHE``): a real Docker engine would be handed the
stand-in ``init``. ``remove`` deletes both files.
"""
from __future__ import annotations

import argparse
import platform
import re
import shlex
import sys
from pathlib import Path

from localstack import launcher

# LocalStack 2026.3.0's LAMBDA_RUNTIME_DEFAULT_VERSION; read from the installed LocalStack
# when it can be found (runtime_init_version).
DEFAULT_RUNTIME_INIT_VERSION = "v0.1.41-pre"
STUB_DIR = "lambda-stub"

DOCKER_SCRIPT = """#!/bin/sh
# geocritters: no-Docker stand-in for LocalStack's DOCKER_CMD (tests/localstack/lambda_stub.py).
# Answers `ps` and `pull` so that LocalStack can create Lambda functions; nothing can run.
echo "$(date -u +%Y-%m-%dT%H:%M:%SZ) $*" >> "$(dirname "$0")/calls.log"
case "$1" in
  ps) echo "CONTAINER ID   IMAGE   COMMAND   CREATED   STATUS   PORTS   NAMES"; exit 0 ;;
  pull) echo "docker stand-in: not pulling $2 (no Docker engine)"; exit 0 ;;
esac
echo "docker stand-in: no Docker engine here; cannot '$1' (Lambda functions cannot run)" >&2
exit 1
"""

INIT_SCRIPT = """#!/bin/sh
# geocritters: stand-in for LocalStack's lambda-runtime-init (tests/localstack/lambda_stub.py).
echo "lambda-runtime-init stand-in: no Docker here, Lambda functions cannot run" >&2
exit 1
"""


def _arch() -> str:
    machine = platform.machine().lower()
    return "arm64" if machine in ("arm64", "aarch64") else "x86_64"


def runtime_init_version(cache: Path) -> str:
    """LAMBDA_RUNTIME_DEFAULT_VERSION of the LocalStack installed in ``cache``."""
    for packages in sorted((cache / "venv").glob(
            "lib/python3*/site-packages/localstack/services/lambda_/packages.py")):
        match = re.search(r'^LAMBDA_RUNTIME_DEFAULT_VERSION\s*=\s*"([^"]+)"',
                          packages.read_text(encoding="utf-8"), re.MULTILINE)
        if match:
            return match.group(1)
    return DEFAULT_RUNTIME_INIT_VERSION


def paths(cache: Path) -> dict[str, Path]:
    version = runtime_init_version(cache)
    return {
        "docker": cache / STUB_DIR / "docker",
        "init": (cache / "fs" / "var" / "lib" / "localstack" / "lib" / "lambda-runtime"
                 / version / _arch() / "var" / "rapid" / "init"),
    }


def install(cache: Path) -> dict[str, str]:
    """Write both stand-ins; returns the environment for ``launcher start``."""
    if not (cache / "venv").is_dir():
        raise SystemExit(f"no LocalStack installed in {cache}: run `python -m "
                         "localstack.launcher install` with the same GEOCRITTERS_CACHE first")
    files = paths(cache)
    for key, text in (("docker", DOCKER_SCRIPT), ("init", INIT_SCRIPT)):
        files[key].parent.mkdir(parents=True, exist_ok=True)
        files[key].write_text(text, encoding="utf-8")
        files[key].chmod(0o755)
    return {"DOCKER_CMD": str(files["docker"])}


def remove(cache: Path) -> list[Path]:
    removed = []
    files = paths(cache)
    for key in ("docker", "init"):
        if files[key].exists():
            files[key].unlink()
            removed.append(files[key])
    log = files["docker"].parent / "calls.log"
    if log.exists():
        log.unlink()
    return removed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.localstack.lambda_stub",
                                     description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", choices=("install", "remove"))
    args = parser.parse_args(argv)
    cache = launcher.cache_dir()
    if args.command == "install":
        for key, value in install(cache).items():
            print(f"export {key}={shlex.quote(value)}")
        print(f"stand-ins written in {cache} (remove: python -m tests.localstack.lambda_stub "
              "remove)", file=sys.stderr)
    else:
        for path in remove(cache):
            print(f"removed {path}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
