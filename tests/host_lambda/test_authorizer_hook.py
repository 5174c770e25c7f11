"""LocalStack's REST API gateway runs a TOKEN Lambda authorizer through our on_infra_start
hook (localstack/host_lambda/geocritters_host_lambda/authorizers.py), as API Gateway does:
no token or a refused token -> 401, a Deny -> 403, an Allow -> the backend with
requestContext.authorizer, answers cached per token for the authorizer's TTL and
evaluated against each method ARN. The authorizer and backend are zips built here; the
API is imported from an OpenAPI body like the deployed template's.

Opt-in like the rest of tests/host_lambda (the LocalStack fixture is in its conftest.py):

    GEOCRITTERS_LOCALSTACK=1 .venv/bin/python -m pytest tests/host_lambda/test_authorizer_hook.py
"""
import contextlib
import json
import os
import statistics
import time
import urllib.error
import urllib.request

import pytest

from .support import REGION, aws, execute_api_url, zipped

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(os.environ.get("GEOCRITTERS_LOCALSTACK") != "1",
                       reason="set GEOCRITTERS_LOCALSTACK=1 to run against LocalStack"),
]
STAGE = "test"

# Each invocation appends its token to $CALLS_FILE: how the test counts invocations.
AUTHORIZER = '''
import os

def handler(event, context):
    token = event["authorizationToken"]
    with open(os.environ["CALLS_FILE"], "a") as calls:
        calls.write(token + "\\n")
    assert event["type"] == "TOKEN", event
    kind = token.removeprefix("Bearer ").split("-")[0]
    if kind == "refuse":
        raise Exception("Unauthorized")
    if kind == "broken":
        return {"principalId": "x", "context": {"nested": {"no": "objects"}},
                "policyDocument": {"Version": "2012-10-17", "Statement": [{
                    "Action": "execute-api:Invoke", "Effect": "Allow", "Resource": "*"}]}}
    if kind == "crash":
        raise RuntimeError("bug in the authorizer")
    api_arn, stage = event["methodArn"].split("/")[:2]
    resource = {"allow": api_arn + "/" + stage + "/*/*", "only": event["methodArn"],
                "deny": api_arn + "/*"}[kind]
    return {
        "principalId": "player-" + token.removeprefix("Bearer "),
        "policyDocument": {"Version": "2012-10-17", "Statement": [{
            "Action": "execute-api:Invoke", "Effect": "Deny" if kind == "deny" else "Allow",
            "Resource": resource}]},
        "context": {"name": "ash", "level": 7, "admin": False},
    }
'''
BACKEND = '''
import json

def handler(event, context):
    return {"statusCode": 200, "headers": {"Content-Type": "application/json"},
            "body": json.dumps({"authorizer": event["requestContext"].get("authorizer"),
                                "path": event["path"]})}
'''


def _function_uri(arn: str) -> str:
    return f"arn:aws:apigateway:{REGION}:lambda:path/2015-03-31/functions/{arn}/invocations"


def openapi(authorizer_arn: str, backend_arn: str) -> dict:
    def method(security: str | None) -> dict:
        spec = {"responses": {"200": {"description": "ok"}},
                "x-amazon-apigateway-integration": {
                    "type": "aws_proxy", "httpMethod": "POST", "uri": _function_uri(backend_arn),
                    "passthroughBehavior": "when_no_match"}}
        if security:
            spec["security"] = [{security: []}]
        return spec

    def authorizer(ttl: int, **extra) -> dict:
        return {"type": "apiKey", "in": "header", "name": "Authorization",
                "x-amazon-apigateway-authtype": "custom",
                "x-amazon-apigateway-authorizer": {
                    "type": "token", "authorizerUri": _function_uri(authorizer_arn),
                    "authorizerResultTtlInSeconds": ttl, **extra}}

    return {
        "swagger": "2.0", "info": {"title": "authorizer-hook-test", "version": "1"},
        "schemes": ["https"],
        "paths": {"/v1/me": {"get": method("jwt")}, "/v1/map": {"get": method("jwt")},
                  "/v1/fresh": {"get": method("jwt_nocache")},
                  "/v1/open": {"get": method(None)}},
        "securityDefinitions": {
            "jwt": authorizer(60),
            "jwt_nocache": authorizer(0, identityValidationExpression="^Bearer [a-z0-9-]+$"),
        },
    }


@pytest.fixture(scope="module")
def api(localstack_host, role_arn, tmp_path_factory):
    calls_file = tmp_path_factory.mktemp("authorizer") / "calls"
    calls_file.touch()
    lam, apigw = aws("lambda"), aws("apigateway")
    arns = {}
    for name, code, env in (("authz-authorizer", AUTHORIZER, {"CALLS_FILE": str(calls_file)}),
                            ("authz-backend", BACKEND, {})):
        with contextlib.suppress(lam.exceptions.ResourceNotFoundException):
            lam.delete_function(FunctionName=name)
        arns[name] = lam.create_function(
            FunctionName=name, Runtime="python3.11", Role=role_arn, Handler="app.handler",
            Code={"ZipFile": zipped({"app.py": code})}, Timeout=10, MemorySize=128,
            Environment={"Variables": env})["FunctionArn"]
        lam.get_waiter("function_active_v2").wait(FunctionName=name)
    api_id = apigw.import_rest_api(body=json.dumps(
        openapi(arns["authz-authorizer"], arns["authz-backend"])).encode())["id"]
    apigw.create_deployment(restApiId=api_id, stageName=STAGE)
    yield {"url": execute_api_url(api_id, STAGE), "api_id": api_id, "calls": calls_file,
           "apigw": apigw, "timings": []}
    apigw.delete_rest_api(restApiId=api_id)
    for name in arns:
        lam.delete_function(FunctionName=name)


def call(api, path: str, token: str | None = None) -> tuple[int, dict, float]:
    request = urllib.request.Request(api["url"] + path)
    if token is not None:
        request.add_header("Authorization", token)
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            status, body = response.status, response.read()
    except urllib.error.HTTPError as error:
        status, body = error.code, error.read()
    elapsed = time.perf_counter() - started
    api["timings"].append((path, token, elapsed))
    return status, json.loads(body or b"null"), elapsed


def invocations(api, token: str) -> int:
    return api["calls"].read_text().splitlines().count(token)


def test_the_import_made_token_authorizers_and_custom_methods(api):
    authorizers = api["apigw"].get_authorizers(restApiId=api["api_id"])["items"]
    assert {(a["name"], a["type"], a["identitySource"], a.get("authorizerResultTtlInSeconds"))
            for a in authorizers} == {
        ("jwt", "TOKEN", "method.request.header.Authorization", 60),
        ("jwt_nocache", "TOKEN", "method.request.header.Authorization", 0)}


def test_no_token_is_401_without_invoking_the_authorizer(api):
    status, body, _ = call(api, "/v1/me")
    assert (status, body) == (401, {"message": "Unauthorized"})
    status, body, _ = call(api, "/v1/me", token="")
    assert (status, body) == (401, {"message": "Unauthorized"})
    assert api["calls"].read_text() == ""


def test_a_public_route_needs_no_token(api):
    status, body, _ = call(api, "/v1/open")
    assert status == 200 and body["authorizer"] is None


def test_a_refused_token_is_401(api):
    status, body, _ = call(api, "/v1/me", token="Bearer refuse-1")
    assert (status, body) == (401, {"message": "Unauthorized"})
    assert invocations(api, "Bearer refuse-1") == 1


def test_an_explicit_deny_is_403(api):
    status, body, _ = call(api, "/v1/me", token="Bearer deny-1")
    assert status == 403
    assert body == {"Message": "User is not authorized to access this resource with an explicit deny"}


def test_allow_reaches_the_backend_with_principal_and_context(api):
    status, body, _ = call(api, "/v1/me", token="Bearer allow-1")
    assert status == 200, body
    authorizer = body["authorizer"]
    assert authorizer.pop("integrationLatency") >= 0
    # API Gateway hands the context to the backend stringified.
    assert authorizer == {"principalId": "player-allow-1", "name": "ash", "level": "7",
                          "admin": "false"}
    assert body["path"] == "/v1/me"


def test_the_answer_is_cached_per_token_for_the_ttl(api):
    token = "Bearer allow-cached"
    first = call(api, "/v1/me", token=token)
    second = call(api, "/v1/map", token=token)
    assert first[0] == second[0] == 200
    assert invocations(api, token) == 1
    assert second[1]["authorizer"]["principalId"] == "player-allow-cached"
    assert second[1]["authorizer"]["integrationLatency"] == 0  # answered from the cache


def test_a_cached_policy_is_evaluated_against_each_method_arn(api):
    token = "Bearer only-me"
    assert call(api, "/v1/me", token=token)[0] == 200
    status, body, _ = call(api, "/v1/map", token=token)
    assert status == 403
    assert body == {"Message": "User is not authorized to access this resource"}
    assert invocations(api, token) == 1  # the second answer came from the cached policy


def test_ttl_zero_invokes_every_time_and_validates_the_token_first(api):
    token = "Bearer allow-uncached"
    for _ in range(3):
        assert call(api, "/v1/fresh", token=token)[0] == 200
    assert invocations(api, token) == 3
    status, body, _ = call(api, "/v1/fresh", token="Bearer NOT/valid")
    assert (status, body) == (401, {"message": "Unauthorized"})
    assert invocations(api, "Bearer NOT/valid") == 0


@pytest.mark.parametrize("token", ["Bearer broken-1", "Bearer crash-1"])
def test_a_failing_or_invalid_authorizer_is_500(api, token):
    status, body, _ = call(api, "/v1/fresh", token=token)
    assert (status, body) == (500, {"message": None})


def test_latency_cached_and_uncached(api):
    # The module's first calls started the environments: the backend's on the first
    # public call, the authorizer's on the first call with a token.
    cold_backend = next(t for path, _, t in api["timings"] if path == "/v1/open")
    cold_authorizer = next(t for _, token, t in api["timings"] if token)
    cached = [call(api, "/v1/me", token="Bearer allow-latency") for _ in range(8)]
    uncached = [call(api, "/v1/fresh", token="Bearer allow-latency") for _ in range(8)]
    public = [call(api, "/v1/open") for _ in range(8)]
    assert all(status == 200 for status, _, _ in cached + uncached + public)
    assert invocations(api, "Bearer allow-latency") == 1 + 8

    def ms(results):
        times = [elapsed for _, _, elapsed in results]
        return f"median {statistics.median(times) * 1000:.0f} ms (max {max(times) * 1000:.0f} ms)"

    print(f"\nthrough the gateway: first call (cold backend) {cold_backend * 1000:.0f} ms, first "
          f"with a token (cold authorizer) {cold_authorizer * 1000:.0f} ms; warm: no authorizer "
          f"{ms(public)}; authorizer cached "
          f"{ms(cached[1:])}, first call {cached[0][2] * 1000:.0f} ms; authorizer uncached "
          f"(TTL 0) {ms(uncached)}")
