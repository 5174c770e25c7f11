"""A feature is one declaration: a throwaway feature, declared here and nowhere else,
shows up everywhere the deployment and the coverage checks look.

Nothing is packaged (the real ``chalice package`` run is tests/packaging); the merge
template, its post-processing and the policies are what ``make package`` deploys.
"""
import copy
import tomllib

import pytest
from chalice import Chalice
from chalice.package import TemplateDeepMerger

from fuzz.run import keyed_operations_entry
from geocritters.edge.deployment import Deployment
from geocritters.edge.feature import Feature
from geocritters.game.actions import Action
from infra import functions as fn
from infra import package as pkg
from infra import tables
from tests.security.test_authorization_matrix import matrix_gaps


def _throwaway() -> Feature:
    feature = Feature("throwaway", Deployment(
        memory_mb=256, reserved_concurrency=5, timeout_s=10,
        tables={"cells": ("GetItem",)}))  # no real feature reads a cell alone

    @feature.route("/v1/throwaways/{throwaway_id}/pokes", "POST", Action.SPIN, keyed=True)
    def poke(request, player_id, key, throwaway_id):
        return {"poked": throwaway_id, "key": key}

    return feature


@pytest.fixture(scope="module")
def declared():
    """Every real feature plus the throwaway, and an app serving all of them."""
    throwaway = _throwaway()
    features = [*fn.declared_features(), throwaway]
    import app as real_app

    app = Chalice(app_name="throwaway-test")
    app.register_blueprint(throwaway.blueprint)
    # A Chalice blueprint registers with one app only, and the real features' are in the
    # real app: their route table entries are copied from there.
    for path, methods in real_app.app.routes.items():
        app.routes.setdefault(path, {}).update(methods)
    specs = fn.function_specs(features)
    routes = fn.routes_by_feature(app, features)
    return throwaway, features, specs, routes


def test_its_function_spec_comes_from_the_declaration(declared):
    _, _, specs, _ = declared
    spec = specs["throwaway"]
    assert (spec.memory_mb, spec.reserved_concurrency, spec.timeout_s) == (256, 5, 10)
    assert spec.logical_id == "ThrowawayFunction"
    assert fn.AUTHORIZER in specs


def test_its_routes_come_from_the_declaration(declared):
    _, _, _, routes = declared
    assert routes["throwaway"] == [("/v1/throwaways/{throwaway_id}/pokes", "POST")]


def test_the_generated_template_has_its_function_role_log_group_and_paths(declared):
    _, _, specs, routes = declared
    merge = pkg.build_merge_template("prod", routes, specs)
    resources = merge["Resources"]
    function = resources["ThrowawayFunction"]["Properties"]
    assert function["MemorySize"] == 256
    assert function["Timeout"] == 10
    assert function["ReservedConcurrentExecutions"] == 5
    assert function["Environment"]["Variables"]["GEOCRITTERS_FEATURE"] == "throwaway"
    assert "ThrowawayFunctionLogGroup" in resources
    assert "ThrowawayFunctionInvokePermission" in resources
    statements = resources["ThrowawayFunctionRole"]["Properties"]["Policies"][0][
        "PolicyDocument"]["Statement"]
    dynamodb = [s for s in statements if s["Action"][0].startswith("dynamodb:")]
    assert dynamodb == [{
        "Sid": "DynamoDBCellsTable", "Effect": "Allow",
        "Action": ["dynamodb:GetItem"],
        "Resource": [{"Fn::GetAtt": [tables()["cells"].logical_id, "Arn"]}],
    }]
    paths = merge["Resources"]["RestAPI"]["Properties"]["DefinitionBody"]["paths"]
    integration = paths["/v1/throwaways/{throwaway_id}/pokes"]["post"][
        "x-amazon-apigateway-integration"]
    assert "ThrowawayFunction" in integration["uri"]["Fn::Sub"]


def test_the_post_processing_accepts_it(declared):
    """Chalice's own output, merged the way ``chalice package --merge-template`` does,
    then finalized: the throwaway's path integrates with its own function."""
    _, _, specs, routes = declared
    chalice_like = _chalice_shaped_template(routes)
    merged = TemplateDeepMerger().merge(pkg.build_merge_template("prod", routes, specs), chalice_like)
    final = pkg.finalize(merged, routes, specs)
    assert pkg.integrations(final)[("/v1/throwaways/{throwaway_id}/pokes", "POST")] == \
        "ThrowawayFunction"


def test_the_dev_policy_grants_its_tables(declared):
    _, _, specs, _ = declared
    policy = fn.dev_policy("dev", specs)
    cells = f"arn:aws:dynamodb:*:*:table/{tables()['cells'].table_name('dev')}"

    def allowed(policy):
        return {a for s in policy["Statement"] if cells in s["Resource"] for a in s["Action"]}

    assert "dynamodb:GetItem" in allowed(policy)
    # The committed dev policy lacks it: tests/unit/test_infra_functions.py would then
    # ask for `make dev-policy`.
    assert "dynamodb:GetItem" not in allowed(fn.dev_policy("dev"))


def test_the_authorization_matrix_demands_an_entry_for_it(declared):
    _, _, _, routes = declared
    served = sorted((m, p) for pairs in routes.values() for p, m in pairs)
    missing, stale = matrix_gaps(served)
    assert missing == [("POST", "/v1/throwaways/{throwaway_id}/pokes")]
    assert stale == []


def test_the_fuzz_treats_it_as_an_exactly_once_action(declared):
    import re

    _, features, _, _ = declared
    entry = tomllib.loads(keyed_operations_entry(fn.keyed_routes(features)))["operations"][0]
    pattern = re.compile(entry["include-name-regex"])
    assert pattern.match("POST /v1/throwaways/{throwaway_id}/pokes")
    assert pattern.match("POST /v1/stops/{stop_id}/spin")
    assert not pattern.match("GET /v1/map")


def test_its_keyed_route_needs_an_idempotency_key(declared):
    throwaway, _, _, _ = declared
    from chalice.test import Client

    app = Chalice(app_name="throwaway-only")
    app.register_blueprint(throwaway.blueprint)
    app.register_blueprint(_public_twin().blueprint)
    with Client(app) as client:
        refused = client.http.post("/v1/twins/t1/pokes", body=b"{}")
        assert refused.status_code == 400
        assert refused.json_body["error"]["code"] == "missing_idempotency_key"
        served = client.http.post("/v1/twins/t1/pokes", headers={"Idempotency-Key": "key-00000001"})
        assert served.status_code == 200
        assert served.json_body == {"poked": "t1", "key": "key-00000001"}


def _public_twin() -> Feature:
    """The throwaway's route made public, so the test client needs no authorizer."""
    twin = Feature("twin", Deployment(memory_mb=128, reserved_concurrency=1))

    @twin.route("/v1/twins/{throwaway_id}/pokes", "POST", Action.SPIN, keyed=True, public=True)
    def poke(request, player_id, key, throwaway_id):
        return {"poked": throwaway_id, "key": key}

    return twin


def _chalice_shaped_template(routes) -> dict:
    """What ``chalice package`` emits for an app: APIHandler, the managed layer, the
    authorizer, its default role and a REST API whose every path goes to APIHandler."""
    from tests.unit.test_infra_package import chalice_like_template

    return copy.deepcopy(chalice_like_template(routes))
