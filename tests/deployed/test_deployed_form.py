"""What only the deployed form has: API Gateway running the authorizer function before a
player route, and each function holding its own role's credentials. Runs with
``--backend=deployed`` only (``make test-deployed``); tests/api runs there too.

Adapted to LocalStack: it ignores the template's gateway responses, so a refusal by the
gateway has LocalStack's body ``{"message": "Unauthorized"}`` instead of the template's
JSON error (tests/localstack/test_deployed_template.py checks the template has them)."""
import json
import os
from pathlib import Path

import boto3
import pytest

from tests.support.deployed import STAGE

pytestmark = pytest.mark.usefixtures("deployed_only")


@pytest.fixture
def deployed_only(pytestconfig):
    if pytestconfig.getoption("--backend") != "deployed":
        pytest.skip("the deployed form runs in make test-deployed (--backend=deployed)")


@pytest.fixture
def raw_api(api, http_server, chalice_app):
    """The API as LocalStack's gateway answers it: no gateway responses applied."""
    from tests.support.deployed import DeployedTransport
    from tests.support.game_api import GameApi

    return GameApi(DeployedTransport(http_server, raw=True), chalice_app, deployed=True)


def test_the_gateway_refuses_a_request_without_a_token_before_any_function(raw_api):
    status, body, headers = raw_api.call("GET", "/v1/me")
    assert status == 401
    # LocalStack's own body and error type: the gateway refused, no function ran.
    assert body == {"message": "Unauthorized"}
    assert headers.get("x-amzn-ErrorType") == "UnauthorizedException"


def test_with_the_templates_gateway_responses_the_refusal_is_our_json(api):
    status, body, _ = api.call("GET", "/v1/me")
    assert (status, body["error"]["code"]) == (401, "unauthorized")


def test_a_signed_operator_call_is_refused_by_the_function_itself(api):
    """LocalStack deploys the admin routes without their AWS_IAM auth; the function still
    refuses a request without an IAM identity (fail closed), whatever it carries."""
    from tests.support.operator import signed_headers

    _, token = api.login()
    for headers in (signed_headers("GET", "/v1/admin/events"), {"Authorization": f"Bearer {token}"}):
        status, body, _ = api.call("GET", "/v1/admin/events", headers=headers)
        assert (status, body["error"]["code"]) == (403, "operator_only"), body


@pytest.mark.parametrize("token", ["not-a-jwt", "eyJhbGciOiJub25lIn0.e30.", "Bearer"])
def test_the_authorizer_refuses_a_bad_token(api, token):
    status, body, _ = api.call("GET", "/v1/me", token=token)
    assert status == 401, body


def test_a_valid_token_reaches_the_function_with_the_authorizer_context(api):
    player_id, token = api.login()
    status, body, _ = api.call("GET", "/v1/me", token=token)
    assert status == 200, body
    assert body["player_id"] == player_id  # the function read it from the authorizer's context


def _function_processes(prefix: str) -> dict[str, dict[str, str]]:
    """function name -> the environment of one of its live execution environments (the
    host executor runs each as a process of this user)."""
    found = {}
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            raw = (proc / "environ").read_bytes()
        except OSError:
            continue
        env = dict(item.split("=", 1) for item in raw.decode(errors="replace").split("\0") if "=" in item)
        name = env.get("AWS_LAMBDA_FUNCTION_NAME", "")
        if name.startswith(prefix) and "AWS_ACCESS_KEY_ID" in env:
            found.setdefault(name, env)
    return found


def test_each_function_runs_under_its_own_roles_credentials(api):
    """Every function called so far holds the session of ITS role (the one the template
    gives it, never shared): STS names the assumed role and the function."""
    _, token = api.login()
    for path in ("/v1/me", "/v1/me/creatures", "/v1/me/items", "/v1/game-data"):
        assert api.call("GET", path, token=token)[0] == 200
    endpoint = os.environ["AWS_ENDPOINT_URL"]
    lam = boto3.client("lambda", endpoint_url=endpoint)
    running = _function_processes(f"geocritters-{STAGE}-")
    assert {f"geocritters-{STAGE}-{name}" for name in ("auth", "player", "creatures", "items",
                                                       "gamedata", "jwt-authorizer")} <= set(running)
    roles = {}
    for name, env in running.items():
        role_arn = lam.get_function_configuration(FunctionName=name)["Role"]
        roles[name] = role_arn
        identity = boto3.client(
            "sts", endpoint_url=endpoint, aws_access_key_id=env["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"],
            aws_session_token=env["AWS_SESSION_TOKEN"]).get_caller_identity()
        role_name = role_arn.rsplit("/", 1)[1]
        assert identity["Arn"].endswith(f":assumed-role/{role_name}/{name}"), (name, identity["Arn"])
    assert len(set(roles.values())) == len(roles), json.dumps(roles, indent=1)
