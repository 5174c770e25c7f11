"""The authorizer is in front of every route but an explicit allow-list; no deployed
stage runs in debug mode or opens CORS; undeclared methods are refused like API Gateway
refuses them. Read from the route table, the Chalice config and the packaged template."""
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from chalice import IAMAuthorizer

from geocritters.edge.auth import jwt_authorizer
from tests.security.conftest import changed_items, db_snapshot

ROOT = Path(__file__).resolve().parents[2]
CHALICE_CONFIG = ROOT / ".chalice" / "config.json"

# The allow-list and the gateway's refusals don't touch storage: run once, on moto.
pytestmark = pytest.mark.backend_independent

# The ONLY routes a request may reach without a verified token.
PUBLIC_ROUTES = {("POST", "/v1/auth/guest"), ("GET", "/v1/game-data")}
# The ONLY routes that take an operator's AWS SigV4 signature (AWS_IAM) in place of a
# player's token. Written out, not read from the features: a new operator route (a
# route no player token can reach, invokable by whoever holds EventsOperatorPolicy)
# has to be added here on purpose; the declarations' ``operator=True`` must agree.
OPERATOR_ROUTES = {("POST", "/v1/admin/events"), ("GET", "/v1/admin/events"),
                   ("DELETE", "/v1/admin/events/{event_id}")}
# OPTIONS is left out: chalice local answers it itself (a CORS preflight emulation, 200
# with no body) for every path; the deployed API has no OPTIONS method at all (checked on
# the packaged template below), so API Gateway answers it like any undeclared method.
HTTP_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "TRACE")


def _routes():
    import app

    return [(method, path, entry) for path, methods in sorted(app.app.routes.items())
            for method, entry in sorted(methods.items())]


# --- the route table ----------------------------------------------------------------------

def test_the_operator_allow_list_is_exactly_the_declared_operator_routes():
    from infra.functions import operator_routes

    assert set(operator_routes()) == OPERATOR_ROUTES, (
        "a feature's operator=True routes differ from OPERATOR_ROUTES: an operator route "
        "is a deliberate decision, add or remove it there")
    assert not OPERATOR_ROUTES & PUBLIC_ROUTES


def test_every_route_but_the_allow_list_has_the_jwt_authorizer():
    routes = _routes()
    assert {(m, p) for m, p, _ in routes} >= PUBLIC_ROUTES, "stale allow-list entry"
    assert {(m, p) for m, p, _ in routes} >= OPERATOR_ROUTES, "stale operator allow-list entry"
    for method, path, entry in routes:
        if (method, path) in PUBLIC_ROUTES:
            assert entry.authorizer is None, f"{method} {path} is on the public allow-list"
        elif (method, path) in OPERATOR_ROUTES:
            assert isinstance(entry.authorizer, IAMAuthorizer), (
                f"{method} {path} is an operator route without the IAM (SigV4) authorizer")
            assert entry.authorizer.name == "sigv4"
        else:
            assert entry.authorizer is jwt_authorizer, f"{method} {path} has no jwt_authorizer"
            assert entry.authorizer.name == "jwt_authorizer"


def test_the_app_has_one_authorizer_and_it_is_ours():
    import app

    assert [config.name for config in app.app.builtin_auth_handlers] == ["jwt_authorizer"]
    assert jwt_authorizer.func.__module__ == "geocritters.edge.auth"


def test_no_route_opens_cors():
    import app

    assert not app.app.api.cors
    for method, path, entry in _routes():
        assert not entry.cors, f"{method} {path} enables CORS ({entry.cors!r})"


# --- stages ------------------------------------------------------------------------------------

def _walk(node, where=""):
    if isinstance(node, dict):
        for key, value in node.items():
            yield f"{where}/{key}", key, value
            yield from _walk(value, f"{where}/{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _walk(value, f"{where}/{index}")


def test_chalice_config_has_no_debug_endpoint_type_or_cors():
    config = json.loads(CHALICE_CONFIG.read_text())
    assert set(config["stages"]) >= {"dev", "prod"}
    for where, key, value in _walk(config):
        assert not (key.lower() == "debug" and value), f"{where}: debug is on"
        assert key != "api_gateway_endpoint_type", (
            f"{where}: endpoint type changed from the default (EDGE); review it (PRIVATE needs "
            f"a resource policy, REGIONAL moves TLS/WAF) before allowing it here")
        assert "cors" not in key.lower(), f"{where}: CORS setting in the Chalice config"
        assert not (isinstance(value, str) and value.strip().upper() == "DEBUG"), where


_IMPORT_EVERY_FEATURE = """
import importlib, json, os, sys
sys.path[:0] = [{root!r}, {layer!r}]
from functions import FEATURES

seen = {{}}
for feature in ("",) + FEATURES + ("none",):
    os.environ["GEOCRITTERS_FEATURE"] = feature
    # Each function imports its features once, in its own interpreter: drop them too
    # (Chalice pops a route's methods when it registers it, so a blueprint registered
    # twice would come back as GET routes).
    for name in [m for m in sys.modules if m == "app" or m.startswith("functions.")]:
        sys.modules.pop(name)
    app = importlib.import_module("app")
    seen[feature or "<all>"] = app.app.debug
print(json.dumps(seen))
"""


@pytest.mark.parametrize("stage", sorted(json.loads(CHALICE_CONFIG.read_text())["stages"]))
def test_app_debug_is_off_in_every_stage_and_function(stage):
    """Import app.py the way each deployed function of ``stage`` does (the stage's
    environment variables, GEOCRITTERS_FEATURE=<feature>), in a clean interpreter."""
    config = json.loads(CHALICE_CONFIG.read_text())
    env = {k: v for k, v in os.environ.items() if not k.startswith("GEOCRITTERS_")}
    env.update(config.get("environment_variables", {}))
    env.update(config["stages"][stage].get("environment_variables", {}))
    code = _IMPORT_EVERY_FEATURE.format(root=str(ROOT), layer=str(ROOT / "layers" / "shared"))
    result = subprocess.run([sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout.strip().splitlines()[-1])
    assert seen and not any(seen.values()), f"{stage}: app.debug on for {seen}"


# --- the packaged template ----------------------------------------------------------------------

@pytest.mark.slow
def test_packaged_api_has_the_authorizer_everywhere_and_no_wildcard_cors(packaged_template):
    template = packaged_template
    text = json.dumps(template)
    assert "Access-Control-Allow-Origin" not in text, "CORS headers in the packaged template"
    body = template["Resources"]["RestAPI"]["Properties"]["DefinitionBody"]
    assert set(body["securityDefinitions"]) == {"jwt_authorizer", "sigv4"}
    authorizer = body["securityDefinitions"]["jwt_authorizer"]
    assert authorizer["name"] == "Authorization" and authorizer["in"] == "header"
    assert authorizer["x-amazon-apigateway-authorizer"]["type"] == "token"
    sigv4 = body["securityDefinitions"]["sigv4"]
    assert sigv4["x-amazon-apigateway-authtype"] == "awsSigv4"
    assert (sigv4["name"], sigv4["in"]) == ("Authorization", "header")
    packaged_routes = {(m.upper(), p) for p, operations in body["paths"].items() for m in operations}
    assert packaged_routes >= OPERATOR_ROUTES | PUBLIC_ROUTES, "an allow-listed route is not packaged"
    for path, operations in body["paths"].items():
        for method, operation in operations.items():
            assert method.upper() != "OPTIONS", f"{path}: an OPTIONS (CORS preflight) method"
            security = operation.get("security")
            if (method.upper(), path) in PUBLIC_ROUTES:
                assert not security, f"{method} {path} should be public"
            elif (method.upper(), path) in OPERATOR_ROUTES:
                assert security == [{"sigv4": []}], f"{method} {path}: {security}"
            else:
                assert security == [{"jwt_authorizer": []}], f"{method} {path}: {security}"
            for response in operation.get("responses", {}).values():
                headers = response.get("headers", {})
                assert not any(h.lower().startswith("access-control") for h in headers), (path, method)
    for name, response in body.get("x-amazon-apigateway-gateway-responses", {}).items():
        for parameter, value in response.get("responseParameters", {}).items():
            assert "access-control" not in parameter.lower(), (name, parameter, value)
    for name, resource in template["Resources"].items():
        if resource["Type"] != "AWS::Serverless::Function":
            continue
        variables = resource["Properties"].get("Environment", {}).get("Variables", {})
        for key, value in variables.items():
            assert "DEBUG" not in key.upper() or not value, (name, key, value)
            assert value != "DEBUG", (name, key)


# --- undeclared methods ----------------------------------------------------------------------------

def test_undeclared_methods_are_the_gateways_json_404_and_change_nothing(api, pytestconfig):
    """API Gateway answers a method a resource doesn't have with its
    MISSING_AUTHENTICATION_TOKEN response, our JSON 404 (an API Gateway REST API can't
    answer 405 + Allow without an ANY method on every resource); the function is never
    invoked. (This is why fuzz/run.py turns schemathesis's unsupported_method check off.)"""
    _, token = api.login("device-methods-001")
    declared = {}
    for method, path, entry in _routes():
        declared.setdefault(path, (set(), entry.view_args))[0].add(method)
    before = db_snapshot()
    failures = []
    # Over HTTP (the LocalStack tier) chalice local's dev server answers TRACE itself
    # (http.server's HTML 501) before any of our code runs: only the in-process gateway
    # can show what a TRACE gets, so it is left out there.
    over_http = pytestconfig.getoption("--backend") == "localstack"
    for path, (methods, args) in sorted(declared.items()):
        url = path.format(**dict.fromkeys(args, "x1"))
        for method in HTTP_METHODS:
            if method in methods or (over_http and method == "TRACE"):
                continue
            for auth in (token, None):
                status, body, _headers = api.call(method, url, {"team": "red"}, token=auth,
                                                 headers={"Idempotency-Key": "methods-key-01"})
                if status != 404 or body != {"error": {"code": "not_found", "message": "No such route."}}:
                    failures.append(f"{method} {url} (token: {bool(auth)}) -> {status} {body}")
    assert not failures, "\n".join(failures)
    assert changed_items(before, db_snapshot()) == []


def _secured_routes():
    from infra.functions import declared_features

    return sorted((r.method, r.path) for f in declared_features() for r in f.routes if not r.public)


def _reach_the_function(method, route, principal=None):
    """The proxy event of a gateway that ran no authorizer (or, with ``principal``, a
    player's token authorizer), handed straight to the app."""
    import re

    from chalice.local import LambdaContext

    import app
    from bench.game import Request

    params = {name: f"{name}-0001" for name in re.findall(r"{(\w+)}", route)}
    request = Request(method, route, path_params=params, body={} if method == "POST" else None,
                      headers={"Idempotency-Key": "no-authorizer-0001"}, principal=principal)
    return app.app(request.event(), LambdaContext("geocritters-test", 512, max_runtime_ms=20_000))


@pytest.mark.parametrize("method, route", _secured_routes(), ids=lambda v: str(v))
def test_a_request_that_reached_a_function_without_an_authorizer_is_a_401(method, route):
    """A gateway that ran no authorizer (LocalStack Community runs none) hands the function
    a proxy event without an authorizer context: the answer is the gateway's own 401
    body, never a 500 from the missing principal. An operator route has no player token
    to miss: without an IAM identity (``requestContext.identity.userArn``) it is the
    function's own 403 operator_only."""
    from infra.functions import gateway_response_body

    response = _reach_the_function(method, route)
    if (method, route) in OPERATOR_ROUTES:
        assert response["statusCode"] == 403, response
        assert json.loads(response["body"])["error"]["code"] == "operator_only"
    else:
        assert response["statusCode"] == 401, response
        assert json.loads(response["body"]) == json.loads(gateway_response_body("UNAUTHORIZED"))


@pytest.mark.parametrize("method, route", sorted(OPERATOR_ROUTES), ids=lambda v: str(v))
def test_a_players_verified_token_on_an_operator_route_is_403_operator_only(method, route):
    """Even a gateway misconfigured to run the players' token authorizer on an operator
    route gets nowhere: a verified player principal is not an IAM identity."""
    response = _reach_the_function(method, route, principal="player-0001")
    assert response["statusCode"] == 403, response
    assert json.loads(response["body"])["error"]["code"] == "operator_only"
