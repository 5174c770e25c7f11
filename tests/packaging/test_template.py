"""The generated CloudFormation/SAM template: one function per gameplay action on one
REST API, least privilege, and cfn-lint clean."""
import json
from pathlib import Path

import pytest

from functions import FEATURES
from infra import functions as fn
from infra import load_template, tables
from infra.package import CHALICE_LAYER, gateway_responses, integrations

pytestmark = pytest.mark.slow

SPECS = list(fn.FUNCTIONS.values())


def _functions(template):
    return {name: r for name, r in template["Resources"].items()
            if r["Type"] in ("AWS::Serverless::Function", "AWS::Lambda::Function")}


def _role_policy(template, function):
    role_ref = function["Properties"]["Role"]
    assert set(role_ref) == {"Fn::GetAtt"} and role_ref["Fn::GetAtt"][1] == "Arn"
    role = template["Resources"][role_ref["Fn::GetAtt"][0]]
    assert role["Type"] == "AWS::IAM::Role"
    assert "ManagedPolicyArns" not in role["Properties"]
    policies = role["Properties"]["Policies"]
    assert len(policies) == 1
    return policies[0]["PolicyDocument"]


def test_one_function_per_feature_plus_authorizer(template):
    assert set(_functions(template)) == {spec.logical_id for spec in SPECS}
    assert len(SPECS) == len(FEATURES) + 1
    assert "APIHandler" not in template["Resources"]
    assert "DefaultRole" not in template["Resources"]
    text = json.dumps(template)
    assert "APIHandler" not in text and "DefaultRole" not in text


def test_every_route_integrates_with_its_feature_function(template):
    routes = fn.routes_by_feature()
    expected = {(path, method): fn.FUNCTIONS[feature].logical_id
                for feature, pairs in routes.items() for path, method in pairs}
    assert integrations(template) == expected
    # each function's paths are exactly its feature's routes
    for feature in FEATURES:
        served = {k for k, v in integrations(template).items()
                  if v == fn.FUNCTIONS[feature].logical_id}
        assert served == set(routes[feature]), feature
    # and every swagger operation with a Lambda integration is one of those
    body = template["Resources"]["RestAPI"]["Properties"]["DefinitionBody"]
    for path, methods in body["paths"].items():
        for method, operation in methods.items():
            uri = json.dumps(operation["x-amazon-apigateway-integration"].get("uri", ""))
            assert "APIHandler" not in uri, (path, method)


def test_authorizer_is_wired_to_its_own_function(template):
    body = template["Resources"]["RestAPI"]["Properties"]["DefinitionBody"]
    authorizer = body["securityDefinitions"]["jwt_authorizer"]["x-amazon-apigateway-authorizer"]
    assert "${JwtAuthorizer.Arn}" in authorizer["authorizerUri"]["Fn::Sub"]
    assert template["Resources"]["JwtAuthorizerInvokePermission"]["Properties"][
        "FunctionName"] == {"Fn::GetAtt": ["JwtAuthorizer", "Arn"]}


def test_authorizer_cache_is_short(template):
    """API Gateway's default caches an Allow for 300 s, so an expired token would keep
    working for up to 5 minutes; ours is capped at a minute."""
    body = template["Resources"]["RestAPI"]["Properties"]["DefinitionBody"]
    authorizer = body["securityDefinitions"]["jwt_authorizer"]["x-amazon-apigateway-authorizer"]
    assert 0 <= authorizer["authorizerResultTtlInSeconds"] <= 60


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.name)
def test_function_settings(template, spec):
    function = template["Resources"][spec.logical_id]
    props = function["Properties"]
    assert function["Type"] == "AWS::Serverless::Function"
    assert props["Tracing"] == "Active"
    assert props["Timeout"] == spec.timeout_s <= 25
    assert props["MemorySize"] == spec.memory_mb
    assert props["ReservedConcurrentExecutions"] == spec.reserved_concurrency
    assert props["Runtime"] == "python3.11"
    assert props["FunctionName"] == {"Fn::Sub": spec.function_name_sub()}
    assert "Policies" not in props  # SAM would add managed policies to a generated role
    env = props["Environment"]["Variables"]
    assert env["GEOCRITTERS_FEATURE"] == spec.feature_env
    assert env["GAME_SECRET_ID"] == {"Ref": "GameSecret"}
    assert env["STAGE"] == {"Ref": "Stage"}
    for info in tables().values():
        assert env[info.env_var] == {"Ref": info.logical_id}
    if not spec.is_authorizer and not spec.serves_routes:
        # A stream or a schedule calls the feature module's function; no API may invoke it.
        assert props["Handler"] == spec.handler != "app.app"
        assert f"{spec.logical_id}InvokePermission" not in template["Resources"]
    elif not spec.is_authorizer:
        assert props["Handler"] == "app.app"
        permission = template["Resources"][f"{spec.logical_id}InvokePermission"]
        assert permission["Type"] == "AWS::Lambda::Permission"
        assert permission["Properties"]["FunctionName"] == {
            "Fn::GetAtt": [spec.logical_id, "Arn"]}
        assert permission["Properties"]["Principal"] == "apigateway.amazonaws.com"


def test_roles_are_distinct(template):
    roles = [f["Properties"]["Role"]["Fn::GetAtt"][0] for f in _functions(template).values()]
    assert len(set(roles)) == len(roles)


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.name)
def test_policy_is_least_privilege(template, spec):
    document = _role_policy(template, template["Resources"][spec.logical_id])
    info = tables()
    logical_to_short = {i.logical_id: short for short, i in info.items()}
    dynamodb: dict[str, set] = {}
    other_actions = set()
    for statement in document["Statement"]:
        assert statement["Effect"] == "Allow"
        actions = statement["Action"] if isinstance(statement["Action"], list) \
            else [statement["Action"]]
        resources = statement["Resource"] if isinstance(statement["Resource"], list) \
            else [statement["Resource"]]
        assert not any(a.endswith("*") for a in actions), actions
        if statement.get("Sid", "").startswith(("Stream", "ListStreams")):
            # The one stream the mapping reads (test_stream_consumer_reads_its_stream).
            assert spec.stream is not None
            other_actions.update(actions)
            continue
        if actions == ["sqs:SendMessage"]:
            assert resources == [{"Fn::GetAtt": [fn.dead_letter_queue_id(spec), "Arn"]}]
            other_actions.update(actions)
            continue
        if any(a.startswith("dynamodb:") for a in actions):
            assert all(a.startswith("dynamodb:") for a in actions)
            for resource in resources:
                assert resource != "*"
                if "Fn::GetAtt" in resource:
                    logical, attribute = resource["Fn::GetAtt"]
                    assert attribute == "Arn"
                else:  # index ARNs
                    logical = resource["Fn::Sub"].split("${")[1].split(".Arn}")[0]
                    assert resource["Fn::Sub"].endswith("/index/*")
                    assert info[logical_to_short[logical]].has_indexes
                dynamodb.setdefault(logical_to_short[logical], set()).update(actions)
        elif actions == ["secretsmanager:GetSecretValue"]:
            assert resources == [{"Ref": "GameSecret"}]
            other_actions.update(actions)
        elif all(a.startswith("xray:") for a in actions):
            assert set(actions) == {"xray:PutTraceSegments", "xray:PutTelemetryRecords"}
            assert resources == ["*"]  # X-Ray has no resource-level permissions
            other_actions.update(actions)
        elif all(a.startswith("logs:") for a in actions):
            assert set(actions) == {"logs:CreateLogStream", "logs:PutLogEvents"}
            (resource,) = resources
            assert resource["Fn::Sub"].endswith(
                f":log-group:/aws/lambda/{spec.function_name_sub()}:*")
            other_actions.update(actions)
        else:
            pytest.fail(f"unexpected statement {statement}")
    assert dynamodb == fn.dynamodb_grants(spec.name)
    assert ("secretsmanager:GetSecretValue" in other_actions) == spec.reads_secret
    assert {"xray:PutTraceSegments", "logs:PutLogEvents"} <= other_actions


def test_authorizer_policy_has_the_secret_only(template):
    document = _role_policy(template, template["Resources"]["JwtAuthorizer"])
    actions = {a for s in document["Statement"] for a in s["Action"]}
    assert not any(a.startswith("dynamodb:") for a in actions)
    assert "secretsmanager:GetSecretValue" in actions


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.name)
def test_each_function_has_its_own_log_group(template, spec):
    group = template["Resources"][f"{spec.logical_id}LogGroup"]
    assert group["Type"] == "AWS::Logs::LogGroup"
    assert group["Properties"]["LogGroupName"] == {
        "Fn::Sub": f"/aws/lambda/{spec.function_name_sub()}"}
    assert group["Properties"]["RetentionInDays"] == spec.log_retention_days
    assert f"{spec.logical_id}LogGroup" in template["Resources"][spec.logical_id]["DependsOn"]


def test_all_functions_share_the_one_layer(template, packaged):
    layers = [n for n, r in template["Resources"].items()
              if r["Type"] == "AWS::Serverless::LayerVersion"]
    assert layers == [CHALICE_LAYER]
    layer = template["Resources"][CHALICE_LAYER]["Properties"]
    assert layer["CompatibleRuntimes"] == ["python3.11"]
    for function in _functions(template).values():
        assert function["Properties"]["Layers"] == [{"Ref": CHALICE_LAYER}]


def test_code_locations_are_valid_relative_to_the_template(template, packaged):
    base = Path(packaged["template"]).parent
    uris = {r["Properties"].get("CodeUri") or r["Properties"].get("ContentUri")
            for r in template["Resources"].values()
            if r["Type"] in ("AWS::Serverless::Function", "AWS::Serverless::LayerVersion")}
    assert uris == {"./deployment.zip", "./layer-deployment.zip"}
    for uri in uris:
        assert (base / uri).is_file()


def test_stateful_resources_come_from_infra_template(template):
    infra = load_template()
    for logical_id, resource in infra["Resources"].items():
        assert template["Resources"][logical_id] == resource
    assert template["Parameters"]["Stage"]["Default"] == "prod"
    for output in infra["Outputs"]:
        assert output in template["Outputs"]


def test_api_stage_tracing_and_gateway_responses(template):
    api = template["Resources"]["RestAPI"]["Properties"]
    assert api["TracingEnabled"] is True
    responses = api["DefinitionBody"]["x-amazon-apigateway-gateway-responses"]
    assert responses == gateway_responses()
    assert set(responses) == {"UNAUTHORIZED", "ACCESS_DENIED", "MISSING_AUTHENTICATION_TOKEN",
                              "THROTTLED", "DEFAULT_4XX", "DEFAULT_5XX",
                              # the operators' routes (AWS_IAM): a signature missing or wrong
                              "INCOMPLETE_SIGNATURE", "INVALID_SIGNATURE"}
    statuses = {k: v.get("statusCode") for k, v in responses.items()}
    assert statuses == {"UNAUTHORIZED": "401", "ACCESS_DENIED": "403",
                        "MISSING_AUTHENTICATION_TOKEN": "404", "THROTTLED": "429",
                        "DEFAULT_4XX": None, "DEFAULT_5XX": None,
                        "INCOMPLETE_SIGNATURE": "403", "INVALID_SIGNATURE": "403"}
    # Throttling and server-side failures tell clients when to retry (api.md).
    for response_type in ("THROTTLED", "DEFAULT_5XX"):
        headers = responses[response_type]["responseParameters"]
        assert headers["gatewayresponse.header.Retry-After"] == "'1'"
    for response_type, response in responses.items():
        body = json.loads(response["responseTemplates"]["application/json"])
        entry = fn.GATEWAY_RESPONSES[response_type]
        assert body == {"error": {"code": entry["code"], "message": entry["message"]}}


def test_cfn_lint_passes_on_the_packaged_template(packaged):
    from cfnlint.api import lint_file

    matches = lint_file(Path(packaged["template"]))
    assert matches == [], "\n".join(str(m) for m in matches)


# --- functions fed by a stream or a schedule (the leaderboards) --------------------------


def test_stream_consumer_reads_its_stream_and_has_its_mapping(template):
    spec = fn.FUNCTIONS["board_aggregator"]
    resources = template["Resources"]
    document = _role_policy(template, resources[spec.logical_id])
    statements = {s["Sid"]: s for s in document["Statement"]}
    assert statements["StreamPlayersTable"]["Resource"] == [
        {"Fn::GetAtt": ["PlayersTable", "StreamArn"]}]
    assert statements["ListStreamsPlayersTable"]["Resource"] == [
        {"Fn::Sub": "${PlayersTable.Arn}/stream/*"}]
    mapping = resources[f"{spec.logical_id}StreamMapping"]["Properties"]
    assert mapping["FunctionName"] == {"Ref": spec.logical_id}
    assert mapping["MaximumRetryAttempts"] == 3 and mapping["BisectBatchOnFunctionError"] is True
    assert mapping["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert mapping["DestinationConfig"]["OnFailure"]["Destination"] == {
        "Fn::GetAtt": [fn.dead_letter_queue_id(spec), "Arn"]}
    assert resources[fn.dead_letter_queue_id(spec)]["Type"] == "AWS::SQS::Queue"
    assert resources["PlayersTable"]["Properties"]["StreamSpecification"] == {
        "StreamViewType": "NEW_AND_OLD_IMAGES"}
    scheduler = fn.FUNCTIONS["board_scheduler"]
    rule = resources[f"{scheduler.logical_id}Schedule"]["Properties"]
    assert rule["Targets"][0]["Arn"] == {"Fn::GetAtt": [scheduler.logical_id, "Arn"]}
    assert resources[f"{scheduler.logical_id}SchedulePermission"]["Properties"][
        "Principal"] == "events.amazonaws.com"


def test_the_admin_routes_alone_are_aws_iam_and_operators_may_invoke_only_them(template):
    """API Gateway checks the SigV4 signature (AWS_IAM) of the operators' routes and of no
    other; EventsOperatorPolicy lets an operator invoke exactly those routes."""
    body = template["Resources"]["RestAPI"]["Properties"]["DefinitionBody"]
    iam_schemes = {name for name, scheme in body["securityDefinitions"].items()
                   if scheme.get("x-amazon-apigateway-authtype") == "awsSigv4"}
    assert iam_schemes
    signed = {(method.upper(), path) for path, methods in body["paths"].items()
              for method, operation in methods.items()
              if any(set(s) & iam_schemes for s in operation.get("security", []))}
    assert signed == set(fn.operator_routes()) == {
        ("POST", "/v1/admin/events"), ("GET", "/v1/admin/events"), ("DELETE", "/v1/admin/events/{event_id}")}
    policy = template["Resources"]["EventsOperatorPolicy"]
    assert policy["Type"] == "AWS::IAM::ManagedPolicy"
    [statement] = policy["Properties"]["PolicyDocument"]["Statement"]
    assert (statement["Effect"], statement["Action"]) == ("Allow", "execute-api:Invoke")
    arns = sorted(r["Fn::Sub"][0].rsplit(":", 1)[1] for r in statement["Resource"])
    assert arns == ["${RestAPIId}/api/DELETE/v1/admin/events/*", "${RestAPIId}/api/GET/v1/admin/events",
                    "${RestAPIId}/api/POST/v1/admin/events"]
