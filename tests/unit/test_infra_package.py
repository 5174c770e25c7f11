"""infra/package.py without running ``chalice package``: the merge template, the
post-processing of a Chalice-shaped template (merged with Chalice's own merger), and
the bytecode rewrite of a zip."""
import copy
import importlib.util
import json
import sys
import zipfile

import pytest
from chalice.package import TemplateDeepMerger

from infra import functions as fn
from infra import load_template
from infra import package as pkg

ROUTES = {feature: [(f"/v1/{feature}", "POST")] if spec.serves_routes else []
          for feature, spec in fn.FUNCTIONS.items() if feature != fn.AUTHORIZER}
ROUTES["creatures"].append(("/v1/creatures/{creature_id}", "GET"))


def _operation(function):
    return {
        "responses": {"200": {"description": "ok"}},
        "x-amazon-apigateway-integration": {
            "type": "aws_proxy",
            "httpMethod": "POST",
            "uri": {"Fn::Sub": pkg._INVOCATION_URI % function},
        },
    }


def chalice_like_template(routes=ROUTES):
    """The shape ``chalice package`` produces (1.34) for an app with an authorizer and
    automatic_layer, after its code-location post-processing."""
    paths = {}
    for pairs in routes.values():
        for path, method in pairs:
            paths.setdefault(path, {})[method.lower()] = _operation("APIHandler")
    if "/v1/creatures/{creature_id}" in paths:
        paths["/v1/creatures/{creature_id}"]["options"] = {
            "x-amazon-apigateway-integration": {"type": "mock"}}
    function = {
        "Type": "AWS::Serverless::Function",
        "Properties": {
            "Runtime": "python3.11", "Handler": "app.app", "CodeUri": "./deployment.zip",
            "Tracing": "Active", "Timeout": 20, "MemorySize": 512,
            "Layers": [{"Ref": "ManagedLayer"}],
            "Role": {"Fn::GetAtt": ["DefaultRole", "Arn"]},
            "Environment": {"Variables": {"STAGE": "prod"}},
        },
    }
    authorizer = copy.deepcopy(function)
    authorizer["Properties"]["Handler"] = "geocritters.edge.auth.jwt_authorizer"
    return {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Transform": "AWS::Serverless-2016-10-31",
        "Outputs": {"RestAPIId": {"Value": {"Ref": "RestAPI"}},
                    "APIHandlerName": {"Value": {"Ref": "APIHandler"}},
                    "APIHandlerArn": {"Value": {"Fn::GetAtt": ["APIHandler", "Arn"]}}},
        "Resources": {
            "ManagedLayer": {"Type": "AWS::Serverless::LayerVersion",
                             "Properties": {"ContentUri": "./layer-deployment.zip"}},
            "DefaultRole": {"Type": "AWS::IAM::Role", "Properties": {}},
            "APIHandler": function,
            "JwtAuthorizer": authorizer,
            "RestAPI": {"Type": "AWS::Serverless::Api", "Properties": {
                "StageName": "api",
                "DefinitionBody": {"swagger": "2.0", "paths": paths}}},
            "APIHandlerInvokePermission": {
                "Type": "AWS::Lambda::Permission",
                "Properties": {"FunctionName": {"Ref": "APIHandler"}}},
        },
    }


@pytest.fixture
def merged():
    merge = pkg.build_merge_template("prod", ROUTES)
    return TemplateDeepMerger().merge(merge, chalice_like_template())


def test_runtime_check_matches_this_interpreter():
    assert sys.version_info[:2] == pkg.RUNTIME_VERSION
    pkg.check_runtime()


def test_merge_template_adds_one_function_per_feature():
    merge = pkg.build_merge_template("prod", ROUTES)
    resources = merge["Resources"]
    for feature in ROUTES:
        spec = fn.FUNCTIONS[feature]
        function = resources[spec.logical_id]
        assert function["Type"] == "AWS::Serverless::Function"
        props = function["Properties"]
        assert props["Environment"]["Variables"]["GEOCRITTERS_FEATURE"] == feature
        assert props["Layers"] == [{"Ref": "ManagedLayer"}]
        assert props["Role"] == {"Fn::GetAtt": [f"{spec.logical_id}Role", "Arn"]}
        assert resources[f"{spec.logical_id}Role"]["Type"] == "AWS::IAM::Role"
        if spec.serves_routes:
            assert resources[f"{spec.logical_id}InvokePermission"]["Type"] == \
                "AWS::Lambda::Permission"
        else:  # no API may invoke it
            assert f"{spec.logical_id}InvokePermission" not in resources
    # the authorizer is Chalice's: only overrides, no Type
    assert "Type" not in resources["JwtAuthorizer"]
    assert resources["JwtAuthorizer"]["Properties"]["Environment"]["Variables"][
        "GEOCRITTERS_FEATURE"] == "none"
    assert merge["Parameters"]["Stage"]["Default"] == "prod"
    for logical_id, resource in load_template()["Resources"].items():
        assert resources[logical_id] == resource


def test_finalize_removes_the_catch_all_and_the_shared_role(merged):
    final = pkg.finalize(merged, ROUTES)
    resources = final["Resources"]
    assert "APIHandler" not in resources
    assert "APIHandlerInvokePermission" not in resources
    assert "DefaultRole" not in resources
    assert "APIHandlerName" not in final["Outputs"]
    text = json.dumps(final)
    assert "APIHandler" not in text and "DefaultRole" not in text
    expected = {(p, m): fn.FUNCTIONS[f].logical_id for f, pairs in ROUTES.items()
                for p, m in pairs}
    assert pkg.integrations(final) == expected
    # the CORS preflight mock integration is left alone
    paths = final["Resources"]["RestAPI"]["Properties"]["DefinitionBody"]["paths"]
    assert paths["/v1/creatures/{creature_id}"]["options"][
        "x-amazon-apigateway-integration"] == {"type": "mock"}
    # the authorizer keeps Chalice's handler and gets its own role
    authorizer = resources["JwtAuthorizer"]["Properties"]
    assert authorizer["Handler"] == "geocritters.edge.auth.jwt_authorizer"
    assert authorizer["Role"] == {"Fn::GetAtt": ["JwtAuthorizerRole", "Arn"]}


def test_finalize_refuses_a_route_still_on_the_catch_all():
    chalice = chalice_like_template()
    chalice["Resources"]["RestAPI"]["Properties"]["DefinitionBody"]["paths"][
        "/v1/forgotten"] = {"get": _operation("APIHandler")}
    merged = TemplateDeepMerger().merge(pkg.build_merge_template("prod", ROUTES), chalice)
    with pytest.raises(pkg.PackagingError, match="swagger integrations"):
        pkg.finalize(merged, ROUTES)


def test_finalize_refuses_another_runtime(merged):
    merged["Resources"]["APIHandler"]["Properties"]["Runtime"] = "python3.12"
    with pytest.raises(pkg.PackagingError, match=r"python3\.12"):
        pkg.finalize(merged, ROUTES)


def test_finalize_refuses_a_resource_still_on_the_shared_role(merged):
    merged["Resources"]["Extra"] = {"Type": "AWS::Lambda::Function", "Properties": {
        "Role": {"Fn::GetAtt": ["DefaultRole", "Arn"]}}}
    with pytest.raises(pkg.PackagingError, match="DefaultRole"):
        pkg.finalize(merged, ROUTES)


def test_references():
    assert pkg._references({"Ref": "A"}, "A")
    assert pkg._references({"x": [{"Fn::GetAtt": ["A", "Arn"]}]}, "A")
    assert pkg._references({"Fn::GetAtt": "A.Arn"}, "A")
    assert pkg._references({"Fn::Sub": "${A.Arn}/x"}, "A")
    assert pkg._references({"Fn::Sub": ["${A}", {}]}, "A")
    assert pkg._references({"DependsOn": "A"}, "A")
    assert not pkg._references({"Ref": "AB", "Fn::Sub": "${AB}"}, "A")


def _make_zip(path, files):
    with zipfile.ZipFile(path, "w") as z:
        for name, data in files.items():
            z.writestr(name, data)


def test_add_bytecode(tmp_path):
    src = tmp_path / "src.zip"
    root = "python/lib/python3.11/site-packages"
    _make_zip(src, {
        f"{root}/pkg/__init__.py": "VALUE = 1\n",
        f"{root}/pkg/mod.py": "def f():\n    return 2\n",
        f"{root}/pkg/__pycache__/mod.cpython-311.pyc": b"stale timestamp pyc",
        f"{root}/pkg/data.json": "{}",
        f"{root}/pkg/py2only.py": "print 'old'\n",
        "README": "outside the compiled root",
    })
    out1, out2 = tmp_path / "a.zip", tmp_path / "b.zip"
    stats = pkg.add_bytecode(src, out1, source_root=root, lambda_dir="/opt/" + root)
    pkg.add_bytecode(src, out2, source_root=root, lambda_dir="/opt/" + root)
    assert out1.read_bytes() == out2.read_bytes()  # deterministic
    assert stats["py"] == 3 and stats["pyc"] == 2
    assert stats["failed"] == [f"{root}/pkg/py2only.py"]
    with zipfile.ZipFile(out1) as z:
        names = set(z.namelist())
        assert f"{root}/pkg/mod.py" in names and f"{root}/pkg/data.json" in names
        assert "README" in names
        pyc = z.read(f"{root}/pkg/__pycache__/mod.cpython-311.pyc")
        assert pyc != b"stale timestamp pyc"
        assert pyc[:4] == importlib.util.MAGIC_NUMBER
        assert int.from_bytes(pyc[4:8], "little") == 0b01  # unchecked hash
        assert f"{root}/pkg/__pycache__/__init__.cpython-311.pyc" in names
        assert all(i.date_time == (1980, 1, 1, 0, 0, 0) for i in z.infolist())


def test_stream_consumer_gets_its_mapping_with_every_knob_and_a_dead_letter_queue():
    resources = pkg.build_merge_template("prod", ROUTES)["Resources"]
    function = resources["BoardAggregatorFunction"]["Properties"]
    assert function["Handler"] == "functions.board_aggregator.aggregate"
    mapping = resources["BoardAggregatorFunctionStreamMapping"]
    assert mapping["Type"] == "AWS::Lambda::EventSourceMapping"
    assert mapping["Properties"] == {
        "FunctionName": {"Ref": "BoardAggregatorFunction"},
        "EventSourceArn": {"Fn::GetAtt": ["PlayersTable", "StreamArn"]},
        "StartingPosition": "TRIM_HORIZON",
        "BatchSize": 100,
        "MaximumBatchingWindowInSeconds": 5,
        "MaximumRetryAttempts": 3,
        "MaximumRecordAgeInSeconds": 300,
        "BisectBatchOnFunctionError": True,
        "FunctionResponseTypes": ["ReportBatchItemFailures"],
        "DestinationConfig": {"OnFailure": {"Destination": {
            "Fn::GetAtt": ["BoardAggregatorFunctionDeadLetterQueue", "Arn"]}}},
    }
    queue = resources["BoardAggregatorFunctionDeadLetterQueue"]
    assert queue["Type"] == "AWS::SQS::Queue"
    assert queue["Properties"]["MessageRetentionPeriod"] == 14 * 24 * 3600
    players = resources["PlayersTable"]["Properties"]
    assert players["StreamSpecification"] == {"StreamViewType": "NEW_AND_OLD_IMAGES"}


def test_scheduled_function_gets_its_rule_and_only_eventbridge_may_invoke_it():
    resources = pkg.build_merge_template("prod", ROUTES)["Resources"]
    assert resources["BoardSchedulerFunction"]["Properties"]["Handler"] == \
        "functions.board_scheduler.close"
    rule = resources["BoardSchedulerFunctionSchedule"]
    assert rule["Type"] == "AWS::Events::Rule"
    assert rule["Properties"]["ScheduleExpression"] == "cron(15 0 ? * THU *)"
    assert rule["Properties"]["Targets"] == [{
        "Arn": {"Fn::GetAtt": ["BoardSchedulerFunction", "Arn"]}, "Id": "BoardSchedulerFunction"}]
    permission = resources["BoardSchedulerFunctionSchedulePermission"]["Properties"]
    assert permission["Principal"] == "events.amazonaws.com"
    assert permission["SourceArn"] == {"Fn::GetAtt": ["BoardSchedulerFunctionSchedule", "Arn"]}
    invokers = [r["Properties"]["Principal"] for r in resources.values()
                if r.get("Type") == "AWS::Lambda::Permission"
                and r["Properties"]["FunctionName"] == {"Fn::GetAtt": ["BoardSchedulerFunction", "Arn"]}]
    assert invokers == ["events.amazonaws.com"]
