"""infra/functions.py: the per-function spec agrees with the code, the template and the
Chalice config (fast: no packaging)."""
import json
import re

import pytest
from chalice import Blueprint, Chalice

from functions import FEATURES
from infra import PROJECT_DIR, load_template, tables
from infra import functions as fn

# GET /v1/game-data: public data built from the game core (functions/gamedata.py).
FUNCTIONS_WITHOUT_THE_SECRET = {"gamedata", "events_admin"}  # events_admin: operators, no player token


def test_one_spec_per_feature_plus_the_authorizer():
    assert set(fn.FUNCTIONS) == set(FEATURES) | {fn.AUTHORIZER}
    fn.validate_specs()


def test_spec_limits():
    for spec in fn.FUNCTIONS.values():
        assert 0 < spec.timeout_s <= 25, spec.name  # API Gateway gives up at 29 s
        assert 128 <= spec.memory_mb <= 10240, spec.name
        assert spec.reserved_concurrency > 0, spec.name
        # Only functions behind the API verify tokens or derive outcomes from the secret,
        # and of those only one that holds nothing secret goes without it (its declaration).
        assert spec.reads_secret == (spec.serves_routes and spec.name not in FUNCTIONS_WITHOUT_THE_SECRET), \
            spec.name
    # AWS keeps 100 of the default 1,000 account concurrency unreserved.
    assert sum(s.reserved_concurrency for s in fn.FUNCTIONS.values()) <= 900
    assert fn.MAX_TOTAL_RESERVED_CONCURRENCY == 900


def test_authorizer_touches_no_table():
    authorizer = fn.FUNCTIONS[fn.AUTHORIZER]
    assert authorizer.tables == {}
    assert authorizer.feature_env == "none"
    assert authorizer.logical_id == "JwtAuthorizer"


def test_names():
    assert fn.FUNCTIONS["catch"].logical_id == "CatchFunction"
    assert fn.FUNCTIONS["catch"].function_name("prod") == "geocritters-prod-catch"
    assert fn.FUNCTIONS[fn.AUTHORIZER].function_name("dev") == "geocritters-dev-jwt-authorizer"
    ids = [s.logical_id for s in fn.FUNCTIONS.values()]
    assert len(set(ids)) == len(ids)
    for spec in fn.FUNCTIONS.values():
        assert len(spec.function_name("staging-eu1")) <= 64


def test_every_route_belongs_to_exactly_one_feature():
    from app import app

    routes = fn.routes_by_feature(app)
    assert set(routes) == set(FEATURES)
    flat = [pair for pairs in routes.values() for pair in pairs]
    assert len(flat) == len(set(flat))
    assert set(flat) == {(path, method) for path, methods in app.routes.items()
                         for method in methods}
    for feature, pairs in routes.items():
        # A function fed by a stream or a schedule serves no route; every other one does.
        assert bool(pairs) == fn.FUNCTIONS[feature].serves_routes, feature


def test_a_route_outside_the_feature_modules_is_refused():
    stray = Chalice(app_name="stray")

    @stray.route("/v1/stray")
    def stray_view():
        return {}

    with pytest.raises(ValueError, match="not declared by a feature module"):
        fn.routes_by_feature(stray)


def test_a_blueprint_route_not_declared_by_its_feature_is_refused():
    # A view registered on a feature's blueprint behind the declaration's back would be
    # served by no deployed function.
    app = Chalice(app_name="sneaky")
    blueprint = Blueprint("functions.auth")

    @blueprint.route("/v1/auth/other", methods=["POST"])
    def other():
        return {}

    app.register_blueprint(blueprint)
    with pytest.raises(ValueError, match="not declared by a feature module"):
        fn.routes_by_feature(app)


def test_a_feature_without_routes_is_refused():
    from app import app
    from geocritters.edge.deployment import Deployment
    from geocritters.edge.feature import Feature

    empty = Feature("empty", Deployment(memory_mb=128, reserved_concurrency=1))
    with pytest.raises(ValueError, match=r"features without routes: \['empty'\]"):
        fn.routes_by_feature(app, features=[*fn.declared_features(), empty])


def test_a_route_declared_twice_is_refused():
    from geocritters.edge.deployment import Deployment
    from geocritters.edge.feature import Feature
    from geocritters.game.actions import Action

    twin = Feature("twin", Deployment(memory_mb=128, reserved_concurrency=1))
    twin.route("/v1/me", "GET", Action.PROFILE)(lambda request, player_id: {})
    with pytest.raises(ValueError, match="declared by both"):
        fn.routes_by_feature(features=[*fn.declared_features(), twin])


@pytest.mark.parametrize("name", list(fn.FUNCTIONS))
def test_policy_document_is_least_privilege(name):
    document = fn.policy_document(name)
    assert document["Version"] == "2012-10-17"
    info = tables()
    by_logical = {i.logical_id: short for short, i in info.items()}
    granted = {}
    for statement in document["Statement"]:
        assert re.fullmatch(r"[A-Za-z0-9]+", statement["Sid"])
        for action in statement["Action"]:
            assert "*" not in action
        if statement["Sid"].startswith(("Stream", "ListStreams")):
            continue  # a stream's statements: test_stream_consumer_reads_only_its_stream
        if statement["Action"][0].startswith("dynamodb:"):
            for resource in statement["Resource"]:
                assert resource != "*"
                if "Fn::Sub" in resource:  # a table's indexes: "${BoardsTable.Arn}/index/*"
                    logical, _, rest = resource["Fn::Sub"][2:].partition(".Arn}")
                    assert rest == "/index/*", resource
                    assert {"Fn::GetAtt": [logical, "Arn"]} in statement["Resource"]
                    continue
                logical = resource["Fn::GetAtt"][0]
                granted.setdefault(by_logical[logical], set()).update(statement["Action"])
        elif statement["Resource"] == ["*"]:
            assert statement["Action"] == ["xray:PutTraceSegments", "xray:PutTelemetryRecords"]
    assert granted == fn.dynamodb_grants(name)


def test_catch_grants_condition_checks_for_its_transaction():
    grants = fn.dynamodb_grants("catch")
    for table in ("players", "encounters", "creatures", "actions"):
        assert "dynamodb:ConditionCheckItem" in grants[table]


def test_template_tables_referenced_by_specs_exist():
    resources = load_template()["Resources"]
    for spec in fn.FUNCTIONS.values():
        for table in spec.tables:
            assert resources[tables()[table].logical_id]["Type"] == "AWS::DynamoDB::Table"


def test_gateway_responses_table():
    assert set(fn.GATEWAY_RESPONSES) == {
        "UNAUTHORIZED", "ACCESS_DENIED", "MISSING_AUTHENTICATION_TOKEN", "THROTTLED",
        "DEFAULT_4XX", "DEFAULT_5XX", "INCOMPLETE_SIGNATURE", "INVALID_SIGNATURE"}
    assert fn.GATEWAY_RESPONSES["THROTTLED"]["status"] == 429
    assert fn.GATEWAY_RESPONSES["UNAUTHORIZED"]["status"] == 401
    assert fn.GATEWAY_RESPONSES["ACCESS_DENIED"]["status"] == 403
    assert fn.GATEWAY_RESPONSES["MISSING_AUTHENTICATION_TOKEN"]["status"] == 404
    for response_type, entry in fn.GATEWAY_RESPONSES.items():
        assert re.fullmatch(r"[a-z_]+", entry["code"])
        body = json.loads(fn.gateway_response_body(response_type))
        assert body == {"error": {"code": entry["code"], "message": entry["message"]}}


def test_dev_policy_file_is_generated_from_the_spec():
    """.chalice/policy-dev.json = ``python -m infra.functions dev-policy``: regenerate it
    when this fails."""
    on_disk = json.loads((PROJECT_DIR / ".chalice" / "policy-dev.json").read_text())
    assert on_disk == fn.dev_policy("dev")


def test_dev_policy_sids_are_unique():
    # IAM's PutRolePolicy refuses repeated Sids (chalice deploy --stage dev failed on
    # DynamoDBBoardsTable, granted once with its indexes and once without).
    sids = [statement["Sid"] for statement in fn.dev_policy("dev")["Statement"]]
    assert len(sids) == len(set(sids))
    assert all(sid.isalnum() for sid in sids)


def test_dev_policy_covers_every_function():
    policy = fn.dev_policy("dev")
    allowed = {}
    for statement in policy["Statement"]:
        for resource in statement["Resource"]:
            allowed.setdefault(resource, set()).update(statement["Action"])
    for spec in fn.FUNCTIONS.values():
        for table, actions in spec.tables.items():
            arn = f"arn:aws:dynamodb:*:*:table/{tables()[table].table_name('dev')}"
            assert {f"dynamodb:{a}" for a in actions} <= allowed[arn]


def test_chalice_config():
    config = json.loads((PROJECT_DIR / ".chalice" / "config.json").read_text())
    assert config["app_name"] == "geocritters"
    assert config["automatic_layer"] is True
    assert config["xray"] is True
    assert config["lambda_timeout"] <= 25
    assert set(config["stages"]) >= {"dev", "prod"}
    dev = config["stages"]["dev"]
    assert dev["autogen_policy"] is False
    assert (PROJECT_DIR / ".chalice" / dev["iam_policy_file"]).is_file()
    for stage in config["stages"].values():
        assert "GEOCRITTERS_FEATURE" not in stage.get("environment_variables", {})


# --- Functions fed by a stream or a schedule (the regional leaderboards) ----------------


def test_stream_consumer_reads_only_its_stream_and_writes_only_its_queue():
    spec = fn.FUNCTIONS["board_aggregator"]
    assert spec.stream.table == "players" and spec.schedule is None
    assert spec.handler == "functions.board_aggregator.aggregate"
    statements = {s["Sid"]: s for s in fn.policy_document(spec)["Statement"]}
    assert statements["StreamPlayersTable"]["Action"] == [
        "dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator"]
    assert statements["StreamPlayersTable"]["Resource"] == [
        {"Fn::GetAtt": ["PlayersTable", "StreamArn"]}]
    assert statements["ListStreamsPlayersTable"]["Resource"] == [
        {"Fn::Sub": "${PlayersTable.Arn}/stream/*"}]
    assert statements["DeadLetterQueue"] == {
        "Sid": "DeadLetterQueue", "Effect": "Allow", "Action": ["sqs:SendMessage"],
        "Resource": [{"Fn::GetAtt": ["BoardAggregatorFunctionDeadLetterQueue", "Arn"]}]}
    # It writes the boards and nothing else: not a single player item.
    assert fn.dynamodb_grants("board_aggregator") == {
        "boards": {"dynamodb:UpdateItem", "dynamodb:PutItem", "dynamodb:GetItem"}}
    assert "ReadGameSecret" not in statements


def test_only_the_stream_consumer_may_read_a_stream_or_send_to_a_queue():
    for spec in fn.FUNCTIONS.values():
        actions = {a for s in fn.policy_document(spec)["Statement"] for a in s["Action"]}
        reads_streams = actions & {"dynamodb:GetRecords", "dynamodb:GetShardIterator",
                                   "sqs:SendMessage"}
        assert bool(reads_streams) == (spec.stream is not None), spec.name


def test_scheduled_function_declares_its_rule():
    spec = fn.FUNCTIONS["board_scheduler"]
    assert spec.schedule.expression == "cron(15 0 ? * THU *)"  # 15 min after a week starts
    assert spec.handler == "functions.board_scheduler.close"
    assert fn.dynamodb_grants("board_scheduler") == {
        "boards": {"dynamodb:Query", "dynamodb:PutItem"}}
    assert fn.FUNCTIONS["boards"].handler == "app.app"


def test_board_functions_reserve_what_they_were_given():
    assert {name: fn.FUNCTIONS[name].reserved_concurrency
            for name in ("boards", "board_aggregator", "board_scheduler")} == {
        "boards": 10, "board_aggregator": 4, "board_scheduler": 1}


def test_a_stream_on_a_table_without_one_is_refused():
    import dataclasses

    spec = fn.FUNCTIONS["board_aggregator"]
    wrong = dataclasses.replace(spec, stream=dataclasses.replace(spec.stream, table="gyms"))
    with pytest.raises(ValueError, match="no stream"):
        fn.validate_specs({"board_aggregator": wrong})
    unbounded = dataclasses.replace(spec, stream=dataclasses.replace(spec.stream,
                                                                     max_record_age_s=-1))
    with pytest.raises(ValueError, match="bounded"):
        fn.validate_specs({"board_aggregator": unbounded})
