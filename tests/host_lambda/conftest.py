"""One LocalStack with the host executor for the whole tests/host_lambda tier (its start
is most of the tier's time): started by the first module that asks, stopped at the end
of the session unless it was already running."""
import json
import time

import pytest

from localstack import launcher
from localstack.launcher.common import read_json

from .support import PORT, ROLE, SERVICES, TRUST, aws, run_launcher


@pytest.fixture(scope="session")
def localstack_host():
    paths = launcher.Paths(launcher.cache_dir())
    was_running = bool(launcher.our_processes(paths))
    state = read_json(paths.state) or {}
    if was_running and state.get("lambda_executor") != "host":
        pytest.skip(f"LocalStack of {paths.root} runs without the host executor; stop it "
                    "or use another GEOCRITTERS_CACHE")
    if was_running and not set(SERVICES.split(",")) <= set((state.get("services") or "").split(",")):
        pytest.skip(f"LocalStack of {paths.root} runs SERVICES={state.get('services')}, "
                    f"not all of {SERVICES}; stop it or use another GEOCRITTERS_CACHE")
    result = run_launcher("install")
    assert result.returncode == 0, result.stderr
    started = time.perf_counter()
    result = run_launcher("start", "--port", str(PORT), "--services", SERVICES,
                          "--lambda-executor", "host")
    assert result.returncode == 0, result.stderr
    print(f"\nLocalStack with the host executor up in {time.perf_counter() - started:.1f} s")
    try:
        yield paths
    finally:
        if not was_running:
            assert run_launcher("stop").returncode == 0


@pytest.fixture(scope="session")
def role_arn(localstack_host):
    iam = aws("iam")
    try:
        return iam.get_role(RoleName=ROLE)["Role"]["Arn"]
    except iam.exceptions.NoSuchEntityException:
        return iam.create_role(RoleName=ROLE, AssumeRolePolicyDocument=json.dumps(TRUST))["Role"]["Arn"]
