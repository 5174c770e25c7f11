"""LocalStack, started by the launcher with the host executor (``--lambda-executor host``),
runs Lambda functions created with boto3 from zips built here: results, unhandled errors,
timeouts (and the environment afterwards), import errors, a missing handler, a layer, the
role's credentials, parallel invocations. Prints cold and warm invoke latency.

Opt-in like tests/localstack_launcher/test_e2e.py (needs Python 3.13 and 3.11, npm and a
JDK; a first install takes ~1.5 min; then ~40-60 s):

    GEOCRITTERS_LOCALSTACK=1 .venv/bin/python -m pytest tests/host_lambda

($LOCALSTACK_PORT, default 4566, and $GEOCRITTERS_CACHE choose the instance.) A running
instance of that cache is reused only if it runs the host executor; otherwise one is
started here (tests/host_lambda/conftest.py, once for the tier) and stopped at the end.
"""
import base64
import contextlib
import json
import os
import statistics
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from .support import ROLE, aws, zipped

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(os.environ.get("GEOCRITTERS_LOCALSTACK") != "1",
                       reason="set GEOCRITTERS_LOCALSTACK=1 to run against LocalStack"),
]

APP = '''
import json
import os
import time

import boto3

def handler(event, context):
    print("handling", json.dumps(event))
    if event.get("fail"):
        raise KeyError(event["fail"])
    if event.get("exit"):
        os._exit(event["exit"])
    time.sleep(event.get("sleep", 0))
    result = {"echo": event, "request_id": context.aws_request_id,
              "remaining_ms": context.get_remaining_time_in_millis(),
              "pid": os.getpid(), "handler": os.environ["_HANDLER"],
              "task_root": os.environ["LAMBDA_TASK_ROOT"]}
    if event.get("whoami"):
        result["arn"] = boto3.client("sts").get_caller_identity()["Arn"]
    if event.get("layer"):
        import layermod
        result["layer"] = layermod.VALUE
    return result
'''
LAYER_MODULE = 'VALUE = "from the layer"\n'


@pytest.fixture(scope="module")
def lam(localstack_host):
    return aws("lambda")


@pytest.fixture(scope="module")
def make_function(lam, role_arn):
    created = []

    def make(name: str, handler: str = "app.handler", files: dict | None = None,
             timeout: int = 10, layers: list[str] | None = None) -> str:
        name = f"hx-{name}"
        with contextlib.suppress(lam.exceptions.ResourceNotFoundException):
            lam.delete_function(FunctionName=name)
        lam.create_function(
            FunctionName=name, Runtime="python3.11", Role=role_arn, Handler=handler,
            Code={"ZipFile": zipped(files if files is not None else {"app.py": APP})},
            Timeout=timeout, MemorySize=128, Layers=layers or [])
        lam.get_waiter("function_active_v2").wait(FunctionName=name)
        created.append(name)
        return name

    yield make
    for name in created:
        lam.delete_function(FunctionName=name)


def invoke(lam, name: str, event: dict) -> tuple[dict, dict, float]:
    started = time.perf_counter()
    response = lam.invoke(FunctionName=name, Payload=json.dumps(event).encode(), LogType="Tail")
    elapsed = time.perf_counter() - started
    payload = json.loads(response["Payload"].read())
    return response, payload, elapsed


def test_result_logs_and_warm_reuse(lam, make_function):
    name = make_function("echo")
    response, payload, cold = invoke(lam, name, {"n": 1})
    assert response["StatusCode"] == 200 and "FunctionError" not in response
    assert payload["echo"] == {"n": 1}
    assert payload["handler"] == "app.handler"
    assert 0 < payload["remaining_ms"] <= 10_000
    assert payload["request_id"] == response["ResponseMetadata"]["HTTPHeaders"][
        "x-amzn-requestid"]
    logs = base64.b64decode(response["LogResult"]).decode()
    assert 'handling {"n": 1}' in logs
    assert f"START RequestId: {payload['request_id']}" in logs
    assert f"REPORT RequestId: {payload['request_id']}" in logs
    warm = []
    for n in range(2, 7):
        _, again, elapsed = invoke(lam, name, {"n": n})
        assert again["echo"] == {"n": n}
        assert again["pid"] == payload["pid"]  # the same execution environment, warm
        warm.append(elapsed)
    print(f"\ninvoke: cold {cold * 1000:.0f} ms, warm median "
          f"{statistics.median(warm) * 1000:.0f} ms (max {max(warm) * 1000:.0f} ms)")


def test_unhandled_error(lam, make_function):
    name = make_function("fails")
    response, payload, _ = invoke(lam, name, {"fail": "missing-key"})
    assert response["FunctionError"] == "Unhandled"
    assert payload["errorType"] == "KeyError"
    assert "missing-key" in payload["errorMessage"]
    assert payload["stackTrace"]


def test_timeout_then_a_fresh_environment(lam, make_function):
    name = make_function("slow", timeout=2)
    started = time.perf_counter()
    response, payload, _ = invoke(lam, name, {"sleep": 30})
    assert time.perf_counter() - started < 10
    assert response["FunctionError"] == "Unhandled"
    assert payload["errorMessage"].endswith("Task timed out after 2.00 seconds")
    response, payload, _ = invoke(lam, name, {"sleep": 0, "n": 2})
    assert "FunctionError" not in response, payload
    assert payload["echo"] == {"sleep": 0, "n": 2}


def test_runtime_exit_then_a_fresh_environment(lam, make_function):
    name = make_function("exits")
    _, first, _ = invoke(lam, name, {"n": 1})
    response, payload, _ = invoke(lam, name, {"exit": 3})
    assert response["FunctionError"] == "Unhandled"
    assert payload["errorType"] == "Runtime.ExitError"
    assert payload["errorMessage"].endswith("exit status 3")
    response, payload, _ = invoke(lam, name, {"n": 2})
    assert "FunctionError" not in response, payload
    assert payload["echo"] == {"n": 2} and payload["pid"] != first["pid"]


def test_import_error(lam, make_function):
    name = make_function("no-module", handler="missing_module.handler")
    response, payload, _ = invoke(lam, name, {})
    assert response["FunctionError"] == "Unhandled"
    assert payload["errorType"] == "Runtime.ImportModuleError"
    assert "missing_module" in payload["errorMessage"]


def test_handler_not_found(lam, make_function):
    name = make_function("no-handler", handler="app.not_there")
    response, payload, _ = invoke(lam, name, {})
    assert response["FunctionError"] == "Unhandled"
    assert payload["errorType"] == "Runtime.HandlerNotFound"


def test_layer_is_importable(lam, make_function):
    layer = aws("lambda").publish_layer_version(
        LayerName="hx-layer", Content={"ZipFile": zipped({"python/layermod.py": LAYER_MODULE})},
        CompatibleRuntimes=["python3.11"])
    name = make_function("layered", layers=[layer["LayerVersionArn"]])
    response, payload, _ = invoke(lam, name, {"layer": True})
    assert "FunctionError" not in response, payload
    assert payload["layer"] == "from the layer"


def test_calls_run_under_the_functions_role(lam, make_function):
    name = make_function("whoami")
    response, payload, _ = invoke(lam, name, {"whoami": True})
    assert "FunctionError" not in response, payload
    assert f":assumed-role/{ROLE}/{name}" in payload["arn"]


def test_parallel_invocations_all_answered(lam, make_function):
    name = make_function("parallel")
    invoke(lam, name, {"warm": True})
    started = time.perf_counter()
    with ThreadPoolExecutor(6) as pool:
        results = list(pool.map(lambda n: invoke(lam, name, {"n": n, "sleep": 0.5}), range(6)))
    elapsed = time.perf_counter() - started
    assert [payload["echo"]["n"] for _, payload, _ in results] == list(range(6))
    assert all("FunctionError" not in response for response, _, _ in results)
    environments = {payload["pid"] for _, payload, _ in results}
    assert len(environments) > 1  # LocalStack started more environments for the overlap
    print(f"\n6 parallel invocations (0.5 s each) in {elapsed:.1f} s on {len(environments)} environments")
