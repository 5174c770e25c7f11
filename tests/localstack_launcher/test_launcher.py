"""localstack/launcher/ without LocalStack: paths, template handling, environment,
process bookkeeping, and the docker-compose files. Fast; runs everywhere."""
import ast
import stat
import subprocess
import sys
import time

import pytest

import infra
from infra import PROJECT_DIR, load_template, tables
from localstack import launcher
from localstack.launcher import deploy as launcher_deploy
from localstack.launcher import processes as launcher_processes

LOCALSTACK_DIR = PROJECT_DIR / "localstack"


def test_cache_dir_default_and_overrides(monkeypatch, tmp_path):
    monkeypatch.delenv("GEOCRITTERS_CACHE", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert launcher.cache_dir() == tmp_path / "xdg" / "geocritters" / "localstack"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert launcher.cache_dir() == tmp_path / "home" / ".cache" / "geocritters" / "localstack"
    monkeypatch.setenv("GEOCRITTERS_CACHE", str(tmp_path / "elsewhere"))
    assert launcher.cache_dir() == tmp_path / "elsewhere"


def _top_level_imports(path):
    modules = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            modules.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            modules.add(node.module.split(".")[0])
    return modules


def test_launcher_needs_only_the_standard_library_boto3_and_infra():
    modules = set()
    for path in (LOCALSTACK_DIR / "launcher").glob("*.py"):
        modules |= _top_level_imports(path)
    assert modules - set(sys.stdlib_module_names) == {"boto3", "botocore", "infra"}
    # infra is the project's own template knowledge; beyond the stdlib it reads only the
    # table naming rule from geocritters.settings, which itself needs only the stdlib.
    stdlib = set(sys.stdlib_module_names)
    assert _top_level_imports(PROJECT_DIR / "infra" / "__init__.py") - stdlib <= {"geocritters"}
    settings = PROJECT_DIR / "layers" / "shared" / "geocritters" / "settings.py"
    assert _top_level_imports(settings) <= stdlib


def test_export_names_follow_the_infra_convention():
    names = launcher_deploy.export_names(load_template())
    # Each table's output is named after its resource (TrainerCodesTable -> ...TableName).
    expected = {f"{info.logical_id}Name": info.env_var for info in tables().values()}
    expected["GameSecretArn"] = "GAME_SECRET_ID"
    assert names == expected


def test_transform_template_leaves_the_original_alone(monkeypatch):
    template = load_template()
    body, changes = launcher_deploy.transform_template(template)
    assert (body, changes) == (template, [])  # LocalStack takes the template as it is
    monkeypatch.setattr(launcher_deploy, "TEMPLATE_TRANSFORMS",
                        [("AWS::DynamoDB::Table", "SSESpecification", "test")])
    body, changes = launcher_deploy.transform_template(template)
    assert "PlayersTable.SSESpecification" in changes
    assert "SSESpecification" not in body["Resources"]["PlayersTable"]["Properties"]
    assert "SSESpecification" in template["Resources"]["PlayersTable"]["Properties"]


def test_resolve_stage_intrinsics():
    assert launcher_deploy.resolve is infra.resolve  # one resolver of the template, infra's
    props = launcher_deploy.resolve(load_template()["Resources"]["PlayersTable"]["Properties"], "qa")
    assert props["TableName"] == "geocritters-qa-players"
    assert {"Key": "stage", "Value": "qa"} in props["Tags"]


def test_runtime_env_is_host_mode_on_loopback(monkeypatch, tmp_path):
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://example.invalid")
    monkeypatch.setenv("PYTHONPATH", str(PROJECT_DIR))
    env = launcher_processes.runtime_env(launcher.Paths(tmp_path), 4599, "dynamodb")
    assert env["GATEWAY_LISTEN"] == "127.0.0.1:4599"
    assert env["GATEWAY_SERVER"] == "hypercorn"
    assert env["OVERRIDE_IN_DOCKER"] == "0"
    assert env["FILESYSTEM_ROOT"] == str(tmp_path / "fs")
    assert env["DNS_ADDRESS"] == "0" and env["DISABLE_EVENTS"] == "1"
    assert not [name for name in env if name.startswith("AWS_")]
    assert "PYTHONPATH" not in env  # nothing may shadow the real `localstack` package


def test_default_services_include_what_the_project_needs():
    services = set(launcher.DEFAULT_SERVICES.split(","))
    assert {"cloudformation", "dynamodb", "secretsmanager", "sts", "s3", "iam"} <= services


def test_find_python_fails_clearly_without_python313(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))  # no pyenv, no python3.13
    monkeypatch.delenv("GEOCRITTERS_LOCALSTACK_PYTHON", raising=False)
    with pytest.raises(launcher.LauncherError, match=r"needs Python 3\.13"):
        launcher.find_python()


def test_nothing_running_from_an_empty_cache(tmp_path, capsys):
    paths = launcher.Paths(tmp_path)
    assert launcher.our_processes(paths) == []
    assert launcher.stop(paths) is False
    assert launcher.status(paths) == 3


def test_our_processes_finds_only_processes_of_this_cache(tmp_path):
    paths = launcher.Paths(tmp_path)
    # the cache path on the command line, like java's -javaagent:<fs>/...
    ours = subprocess.Popen(["sh", "-c", f"sleep 60 # {paths.fs}/marker"])
    other = subprocess.Popen(["sleep", "61"])
    try:
        # A just-forked child shows its parent's command line until it has exec'd.
        deadline = time.monotonic() + 10
        while launcher.our_processes(paths) != [ours.pid] and time.monotonic() < deadline:
            time.sleep(0.05)
        assert launcher.our_processes(paths) == [ours.pid]
        assert launcher.stop(paths) is True
        assert ours.wait(timeout=10) is not None
        assert other.poll() is None
    finally:
        for proc in (ours, other):
            proc.kill()
            proc.wait()


def test_cli_rejects_unknown_commands(capsys):
    with pytest.raises(SystemExit):
        launcher.main(["frobnicate"])


def test_python_m_from_the_project_root_runs_this_launcher():
    out = subprocess.run([sys.executable, "-m", "localstack.launcher", "--help"], cwd=PROJECT_DIR,
                         capture_output=True, text=True, check=True).stdout
    assert "install" in out and "deploy" in out


# --- docker-compose path ------------------------------------------------------------------
def test_compose_pins_a_free_community_image():
    yaml = pytest.importorskip("yaml")  # PyYAML comes with cfn-lint
    compose = yaml.safe_load((LOCALSTACK_DIR / "docker-compose.yml").read_text())
    service = compose["services"]["localstack"]
    repo, _, tag = service["image"].partition(":")
    assert repo == "localstack/localstack"
    major, _minor, _patch = (int(part) for part in tag.split("."))  # an exact x.y.z tag
    assert major < 2026  # 2026.x images need an account token
    assert "../infra:/opt/geocritters/infra:ro" in service["volumes"]
    assert "./init/ready.d:/etc/localstack/init/ready.d:ro" in service["volumes"]
    assert all(port.startswith("127.0.0.1:") for port in service["ports"])
    assert service["environment"]["GEOCRITTERS_TEMPLATE"] == "/opt/geocritters/infra/template.json"


def test_init_hook_is_an_executable_bash_script():
    hook = LOCALSTACK_DIR / "init" / "ready.d" / "deploy.sh"
    assert hook.stat().st_mode & stat.S_IXUSR  # LocalStack calls it directly
    assert hook.read_text().startswith("#!/usr/bin/env bash\n")
    subprocess.run(["bash", "-n", str(hook)], check=True)


def test_no_binaries_in_localstack_dir():
    suffixes = {path.suffix for path in LOCALSTACK_DIR.rglob("*") if path.is_file()
                and "__pycache__" not in path.parts}
    assert suffixes <= {".py", ".md", ".yml", ".sh", ".toml"}  # .toml: host_lambda/pyproject


def test_stage_must_match_the_templates_pattern():
    template = load_template()
    launcher_deploy.check_stage(template, "dev")
    with pytest.raises(launcher.LauncherError, match="AllowedPattern"):
        launcher_deploy.check_stage(template, "BAD")  # LocalStack itself would accept it


def test_listening_reads_the_kernels_socket_table():
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        port = sock.getsockname()[1]
        assert launcher_processes.listening(port)
    assert not launcher_processes.listening(port)


# -- the host executor (localstack/host_lambda), without LocalStack ---------------------

def test_start_env_selects_the_host_executor_only_when_asked(tmp_path):
    from localstack.launcher.host_lambda import EXECUTOR_NAME, RUNTIME_PYTHON_ENV

    paths = launcher.Paths(tmp_path)
    host = launcher_processes.runtime_env(paths, 4566, "lambda", "host")
    assert host["LAMBDA_RUNTIME_EXECUTOR"] == EXECUTOR_NAME
    assert host[RUNTIME_PYTHON_ENV] == str(paths.lambda_python)
    docker = launcher_processes.runtime_env(paths, 4566, "lambda")
    assert "LAMBDA_RUNTIME_EXECUTOR" not in docker and RUNTIME_PYTHON_ENV not in docker
    with pytest.raises(launcher.LauncherError, match="unknown Lambda executor"):
        launcher_processes.runtime_env(paths, 4566, "lambda", "podman")


def test_host_executor_pins_agree_with_the_package_and_the_project():
    import tomllib

    from infra import package
    from localstack.launcher import host_lambda

    pyproject = tomllib.loads((host_lambda.PACKAGE_DIR / "pyproject.toml").read_text())
    entry_points = pyproject["project"]["entry-points"]["localstack.lambda.runtime_executor"]
    assert entry_points == {host_lambda.EXECUTOR_NAME:
                            "geocritters_host_lambda.plugin:HostRuntimeExecutorPlugin"}
    constants = (host_lambda.PACKAGE_DIR / "geocritters_host_lambda" / "__init__.py").read_text()
    assert f'PLUGIN_NAME = "{host_lambda.EXECUTOR_NAME}"' in constants
    assert f'RUNTIME_PYTHON_ENV = "{host_lambda.RUNTIME_PYTHON_ENV}"' in constants
    assert f'SUPPORTED_RUNTIME = "{package.RUNTIME}"' in constants
    assert f"python{host_lambda.LAMBDA_PYTHON_VERSION}" == package.RUNTIME
    from localstack.launcher.install import LOCALSTACK_REQUIREMENTS

    localstack_pin = LOCALSTACK_REQUIREMENTS[0].split("==")[1]
    assert f'LOCALSTACK_CORE_VERSION = "{localstack_pin}"' in constants
    boto3_pin = next(line for line in (PROJECT_DIR / "requirements.txt").read_text().splitlines()
                     if line.startswith("boto3=="))
    assert boto3_pin in host_lambda.RUNTIME_REQUIREMENTS


def test_host_executor_reinstalls_when_its_source_changes(monkeypatch, tmp_path):
    import shutil

    from localstack.launcher import host_lambda

    copy = tmp_path / "host_lambda"
    shutil.copytree(host_lambda.PACKAGE_DIR, copy, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(host_lambda, "PACKAGE_DIR", copy)
    before = host_lambda.stamp_content("/usr/bin/python3.11")
    assert before == host_lambda.stamp_content("/usr/bin/python3.11")
    with open(copy / "geocritters_host_lambda" / "runtime_host.py", "a") as source:
        source.write("# changed\n")
    assert host_lambda.stamp_content("/usr/bin/python3.11")["host_lambda"] != before["host_lambda"]


def test_install_fails_loudly_when_localstack_cannot_load_the_executor(tmp_path):
    from localstack.launcher import host_lambda

    paths = launcher.Paths(tmp_path)
    paths.python.parent.mkdir(parents=True)
    # A LocalStack interpreter that does not find the entry point (as a bad install would).
    paths.python.write_text("#!/bin/sh\necho \"LocalStack does not find the runtime executor\" >&2\n"
                            "exit 1\n")
    paths.python.chmod(0o755)
    with pytest.raises(launcher.LauncherError, match="would fall back to Docker"):
        host_lambda.check_executor(paths)


def test_install_fails_loudly_when_localstack_cannot_load_the_authorizer_hook(tmp_path):
    from localstack.launcher import host_lambda

    paths = launcher.Paths(tmp_path)
    paths.python.parent.mkdir(parents=True)
    paths.python.write_text("#!/bin/sh\necho \"LocalStack does not find the on_infra_start hook\" >&2\n"
                            "exit 1\n")
    paths.python.chmod(0o755)
    with pytest.raises(launcher.LauncherError, match="Lambda authorizers would not run"):
        host_lambda.check_authorizer_hook(paths)


def test_the_hook_check_names_the_packages_entry_point():
    import tomllib

    from localstack.launcher import host_lambda

    project = tomllib.loads((host_lambda.PACKAGE_DIR / "pyproject.toml").read_text())
    hooks = project["project"]["entry-points"]["localstack.hooks.on_infra_start"]
    # plux names a function plugin after the function: the entry point must say the same.
    assert hooks == {host_lambda.AUTHORIZER_HOOK_NAME:
                     f"geocritters_host_lambda.authorizers:{host_lambda.AUTHORIZER_HOOK_NAME}"}
