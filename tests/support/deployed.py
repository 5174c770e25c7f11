"""The deployed form as the API tier sees it (``--backend=deployed``, run by
``make test-deployed``: localstack/deployed-tier.sh).

The stack ``geocritters-<stage>`` was deployed into LocalStack by ``make deploy`` (the
README's commands); its API Gateway runs the authorizer and the per-feature functions as
host processes. This module finds what the tests need from the stack's outputs, and gives
them one fake clock shared with those processes."""
from __future__ import annotations

import os
from typing import ClassVar

from geocritters.adapters.clock import SharedFileClock

STAGE = os.environ.get("DEPLOYED_STAGE", "prod")
# The file the functions read the game time from: deployed-tier.sh starts LocalStack
# with `--function-env GEOCRITTERS_CLOCK_FILE=<this file>`.
CLOCK_FILE_ENV = "DEPLOYED_CLOCK_FILE"
# Each test starts on the first multiple of 28 days after the start that is later than
# the shared clock already shows. The functions' containers stay warm across tests (and
# across pytest runs on one LocalStack) and cache by game time (live events, gym states,
# curated stops): a clock that went back would find an earlier test's cache fresh.
# 28 days keeps the time of day and the weekday, and is more than any test moves its clock.
TEST_SPACING_MS = 28 * 24 * 3600 * 1000


# Why a test of tests/api does not run on the deployed form (README, "Tests"). Each is
# asked for by the test itself through skip_when_deployed.
IN_PROCESS_ONLY = ("it observes the serving process itself (its DynamoDB calls, stdout or "
                   "clock); deployed, the functions run in processes of their own. The moto "
                   "and LocalStack tiers run it")
OPERATOR_ROUTES = ("LocalStack's OpenAPI import drops the admin routes' awsSigv4 auth "
                   "(they are deployed with NONE), so no IAM identity reaches events_admin, "
                   "which then refuses every call (403 operator_only, checked in "
                   "tests/deployed). The moto and LocalStack tiers run it through the "
                   "SigV4-checking local gateway")


def skip_when_deployed(api, reason: str) -> None:
    import pytest

    if getattr(api, "deployed", False):
        pytest.skip(f"not on the deployed form: {reason}")


def localstack_url() -> str:
    return os.environ.get("LOCALSTACK_URL", "http://127.0.0.1:4566")


def stack_outputs(stage: str = STAGE) -> dict[str, str]:
    import boto3

    stack = boto3.client("cloudformation", endpoint_url=localstack_url()).describe_stacks(
        StackName=f"geocritters-{stage}")["Stacks"][0]
    if not stack["StackStatus"].endswith("_COMPLETE") or "ROLLBACK" in stack["StackStatus"]:
        raise RuntimeError(f"stack geocritters-{stage} is {stack['StackStatus']}")
    return {output["OutputKey"]: output["OutputValue"] for output in stack["Outputs"]}


def deployed_env() -> dict[str, str]:
    """The variables the test process needs to read and set up state directly, as the
    functions see it: the union of the deployed functions' environments (tables, the
    secret, the stage, which also seeds the generated world) but the feature switch."""
    import boto3

    client = boto3.client("lambda", endpoint_url=localstack_url())
    env: dict[str, str] = {}
    for page in client.get_paginator("list_functions").paginate():
        for function in page["Functions"]:
            if function["FunctionName"].startswith(f"geocritters-{STAGE}-"):
                env.update(function.get("Environment", {}).get("Variables", {}))
    env.pop("GEOCRITTERS_FEATURE", None)
    env["AWS_ENDPOINT_URL"] = localstack_url()
    return env


def api_url(outputs: dict[str, str]) -> str:
    """LocalStack's path-style address of the API's stage (its host-style
    <id>.execute-api.localhost.localstack.cloud needs DNS, which is offline here)."""
    return f"{localstack_url()}/restapis/{outputs['RestAPIId']}/api/_user_request_"


def shared_clock(start_ms: int) -> SharedFileClock:
    path = os.environ.get(CLOCK_FILE_ENV)
    if not path:
        raise RuntimeError(f"${CLOCK_FILE_ENV} must name the clock file the functions read")
    try:
        shown = SharedFileClock(path).now_ms()
    except (OSError, ValueError):
        shown = 0
    periods = max(0, (shown - start_ms) // TEST_SPACING_MS + 1)
    return SharedFileClock(path, start_ms + periods * TEST_SPACING_MS)


def gateway_responses(stage: str = STAGE) -> dict[str, dict]:
    """The template's gateway responses (the API body's x-amazon-apigateway-gateway-responses)
    from the package ``make deploy`` built: build/<stage>/template.json."""
    import json

    from infra import PROJECT_DIR

    template = json.loads((PROJECT_DIR / "build" / stage / "template.json").read_text())
    body = template["Resources"]["RestAPI"]["Properties"]["DefinitionBody"]
    return body["x-amazon-apigateway-gateway-responses"]


def render_gateway_response(responses: dict[str, dict], response_type: str, status: int):
    """(status, body, headers) of the template's response for a gateway refusal of
    ``response_type`` (or its DEFAULT_4XX/5XX), as API Gateway renders it."""
    default = "DEFAULT_5XX" if status >= 500 else "DEFAULT_4XX"
    response = responses.get(response_type) or responses.get(default)
    if response is None:
        return None
    headers = {name.removeprefix("gatewayresponse.header."): value.strip("'")
               for name, value in response.get("responseParameters", {}).items()
               if name.startswith("gatewayresponse.header.")}
    body = response.get("responseTemplates", {}).get("application/json", "").encode()
    return int(response.get("statusCode", status)), body, headers


class DeployedTransport:
    """HTTP to the deployed API, with the template's gateway responses applied to the
    gateway's own refusals.

    Why: LocalStack's OpenAPI import ignores ``x-amazon-apigateway-gateway-responses``, so
    its gateway refuses with its built-in bodies (``{"message": "Unauthorized"}``) where
    AWS would send the template's JSON errors. A refusal made by the gateway (not by a
    function) carries LocalStack's ``x-amzn-ErrorType``; this transport maps that type to
    the gateway response type LocalStack itself uses for it and renders the template's
    response for that type (status, body, headers), which is what API Gateway does with
    the deployed template. Which requests the gateway refuses, and why, stays LocalStack's
    and our authorizer's. tests/deployed sees the raw answers (``raw=True``);
    tests/security checks the template defines these responses."""

    # x-amzn-ErrorType -> gateway response type, as LocalStack's
    # next_gen/execute_api/gateway_response.py pairs them (codes shared by several types
    # are left out: they fall back to DEFAULT_4XX/5XX, as on AWS when a type is not set).
    TYPES: ClassVar[dict[str, str]] = {
        "UnauthorizedException": "UNAUTHORIZED",
        "AccessDeniedException": "ACCESS_DENIED",
        "MissingAuthenticationTokenException": "MISSING_AUTHENTICATION_TOKEN",
        "TooManyRequestsException": "THROTTLED",
        "InvalidSignatureException": "INVALID_SIGNATURE",
        "ExpiredTokenException": "EXPIRED_TOKEN",
        "AuthorizerConfigurationException": "AUTHORIZER_CONFIGURATION_ERROR",
        "AuthorizerFailureException": "AUTHORIZER_FAILURE",
    }

    def __init__(self, base_url: str, raw: bool = False):
        from tests.support.transports import HttpTransport

        self._http = HttpTransport(base_url)
        self._responses = None if raw else gateway_responses()

    def send(self, method: str, path: str, headers: dict, body: bytes):
        status, payload, response_headers = self._http.send(method, path, headers, body)
        error_type = {k.lower(): v for k, v in response_headers.items()}.get("x-amzn-errortype")
        if self._responses is None or not error_type:
            return status, payload, response_headers
        rendered = render_gateway_response(self._responses, self.TYPES.get(error_type, ""), status)
        if rendered is None:
            return status, payload, response_headers
        new_status, new_body, extra = rendered
        merged = {k: v for k, v in response_headers.items() if k.lower() not in
                  {h.lower() for h in extra} | {"content-length"}}
        return new_status, new_body, {**merged, **extra}

    def close(self):
        pass
