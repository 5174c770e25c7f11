"""infra/provision.py creates exactly infra/template.json's tables and secret."""
import io
import json
from contextlib import redirect_stdout

import boto3
import pytest
from moto import mock_aws

from infra import PROJECT_DIR, TEMPLATE_PATH, load_template, secret_name, tables
from infra import provision as prov

REGION = "us-east-1"
EXPECTED_ENV = {
    "PLAYERS_TABLE", "CREATURES_TABLE", "ENCOUNTERS_TABLE", "ACTIONS_TABLE",
    "VISITS_TABLE", "CELLS_TABLE", "GYMS_TABLE", "INBOX_TABLE",
    "LOBBIES_TABLE", "FRIENDS_TABLE", "TRADES_TABLE", "TRAINER_CODES_TABLE", "GAME_SECRET_ID",
    "BOARDS_TABLE", "EVENTS_TABLE",
}


@pytest.fixture
def aws(monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    monkeypatch.delenv("AWS_ENDPOINT_URL_DYNAMODB", raising=False)
    with mock_aws():
        yield (boto3.client("dynamodb", region_name=REGION),
               boto3.client("secretsmanager", region_name=REGION))


def _template_tables():
    return {
        props["TableName"]["Fn::Sub"]: props
        for props in (r["Properties"] for r in load_template()["Resources"].values()
                      if r["Type"] == "AWS::DynamoDB::Table")
    }


def test_template_declares_the_expected_tables():
    info = tables()
    assert list(info) == ["players", "creatures", "encounters", "actions", "visits", "cells",
                          "gyms", "inbox", "lobbies", "friends", "trades", "trainer_codes",
                          "boards", "events"]
    keys = {short: [(k["AttributeName"], k["KeyType"]) for k in props["KeySchema"]]
            for short, props in ((s[len("geocritters-${Stage}-"):], p)
                                 for s, p in _template_tables().items())}
    assert keys == {
        "players": [("player_id", "HASH")],
        "creatures": [("player_id", "HASH"), ("creature_id", "RANGE")],
        "encounters": [("player_id", "HASH"), ("encounter_id", "RANGE")],
        "actions": [("player_id", "HASH"), ("idempotency_key", "RANGE")],
        "visits": [("player_id", "HASH"), ("stop_id", "RANGE")],
        "cells": [("cell", "HASH")],
        "gyms": [("gym_id", "HASH")],
        "inbox": [("player_id", "HASH"), ("item_id", "RANGE")],
        "lobbies": [("raid_id", "HASH"), ("item_id", "RANGE")],
        "friends": [("player_id", "HASH"), ("item_id", "RANGE")],
        "trades": [("trade_id", "HASH")],
        "trainer_codes": [("trainer_code", "HASH")],
        "boards": [("board", "HASH"), ("item", "RANGE")],
        "events": [("partition", "HASH"), ("event_id", "RANGE")],
    }
    for props in _template_tables().values():
        assert props["BillingMode"] == "PAY_PER_REQUEST"
        assert props["SSESpecification"] == {"SSEEnabled": True}


def test_table_specs_resolve_stage_and_copy_keys():
    specs = {s["TableName"]: s for s in prov.table_specs("qa")}
    template = _template_tables()
    assert set(specs) == {name.replace("${Stage}", "qa") for name in template}
    for sub, props in template.items():
        spec = specs[sub.replace("${Stage}", "qa")]
        assert spec["KeySchema"] == props["KeySchema"]
        assert spec["AttributeDefinitions"] == props["AttributeDefinitions"]
        assert spec["BillingMode"] == "PAY_PER_REQUEST"


def test_provision_creates_exactly_the_template_tables(aws):
    dynamodb, secretsmanager = aws
    env = prov.provision("dev", dynamodb_client=dynamodb, secrets_client=secretsmanager)

    assert set(env) == EXPECTED_ENV
    assert env["GAME_SECRET_ID"] == "geocritters/dev/game-secret" == secret_name("dev")
    for info in tables().values():
        assert env[info.env_var] == f"geocritters-dev-{info.short_name}"

    names = set(dynamodb.list_tables()["TableNames"])
    assert names == {env[i.env_var] for i in tables().values()}
    for sub, props in _template_tables().items():
        desc = dynamodb.describe_table(TableName=sub.replace("${Stage}", "dev"))["Table"]
        assert desc["KeySchema"] == props["KeySchema"]
        assert sorted(desc["AttributeDefinitions"], key=lambda a: a["AttributeName"]) == \
            sorted(props["AttributeDefinitions"], key=lambda a: a["AttributeName"])
        assert desc["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
        ttl = dynamodb.describe_time_to_live(TableName=desc["TableName"])[
            "TimeToLiveDescription"]
        if "TimeToLiveSpecification" in props:
            assert ttl["TimeToLiveStatus"] == "ENABLED"
            assert ttl["AttributeName"] == props["TimeToLiveSpecification"]["AttributeName"]
        else:
            assert ttl["TimeToLiveStatus"] == "DISABLED"

    secret = secretsmanager.get_secret_value(SecretId=env["GAME_SECRET_ID"])["SecretString"]
    assert len(secret) == 64 and secret.isalnum()


def test_ttl_tables_are_those_holding_expiring_items():
    assert prov.ttl_attributes("dev") == {
        "geocritters-dev-encounters": "expires_at",
        "geocritters-dev-actions": "expires_at",
        "geocritters-dev-lobbies": "expires_at",
        "geocritters-dev-friends": "expires_at",  # friend requests
        "geocritters-dev-trades": "expires_at",
        "geocritters-dev-boards": "expires_at",  # a week's board, two weeks after it ends
            "geocritters-dev-events": "expires_at",  # an event, 7 days after its end
    }


def test_provision_is_idempotent_and_keeps_the_secret(aws):
    dynamodb, secretsmanager = aws
    first = prov.provision("dev", dynamodb_client=dynamodb, secrets_client=secretsmanager,
                           secret_value="s" * 64)
    second = prov.provision("dev", dynamodb_client=dynamodb, secrets_client=secretsmanager)
    assert first == second
    assert len(dynamodb.list_tables()["TableNames"]) == len(tables())
    value = secretsmanager.get_secret_value(SecretId=first["GAME_SECRET_ID"])["SecretString"]
    assert value == "s" * 64


def test_stages_are_isolated(aws):
    dynamodb, secretsmanager = aws
    prov.provision("dev", dynamodb_client=dynamodb, secrets_client=secretsmanager)
    test_env = prov.provision("test", dynamodb_client=dynamodb, secrets_client=secretsmanager)
    assert test_env["PLAYERS_TABLE"] == "geocritters-test-players"
    assert len(dynamodb.list_tables()["TableNames"]) == 2 * len(tables())


def test_cli_prints_exports(aws):
    out = io.StringIO()
    with redirect_stdout(out):
        assert prov.main(["--stage", "dev"]) == 0
    lines = out.getvalue().splitlines()
    assert "export PLAYERS_TABLE=geocritters-dev-players" in lines
    assert "export GAME_SECRET_ID=geocritters/dev/game-secret" in lines
    assert {line.split("=")[0].removeprefix("export ") for line in lines} == EXPECTED_ENV


def test_app_environment_refs_the_template():
    env = prov.app_environment("prod")
    assert set(env) == EXPECTED_ENV
    resources = load_template()["Resources"]
    for value in env.values():
        assert set(value) == {"Ref"} and value["Ref"] in resources
    assert env["GAME_SECRET_ID"] == {"Ref": "GameSecret"}


def test_chalice_dev_stage_env_matches_provisioned_names():
    config = json.loads((PROJECT_DIR / ".chalice" / "config.json").read_text())
    dev_env = config["stages"]["dev"]["environment_variables"]
    expected = {i.env_var: i.table_name("dev") for i in tables().values()}
    expected["GAME_SECRET_ID"] = secret_name("dev")
    assert {k: dev_env[k] for k in expected} == expected


def test_secret_template():
    secret = load_template()["Resources"]["GameSecret"]
    assert secret["Type"] == "AWS::SecretsManager::Secret"
    assert secret["Properties"]["Name"] == {"Fn::Sub": "geocritters/${Stage}/game-secret"}
    assert secret["Properties"]["GenerateSecretString"] == {
        "PasswordLength": 64, "ExcludePunctuation": True}


def test_cfn_lint_passes_on_the_template():
    from cfnlint.api import lint_file

    matches = lint_file(TEMPLATE_PATH)
    assert matches == [], "\n".join(str(m) for m in matches)


def test_every_table_is_exported_by_the_stack():
    """`launcher deploy` and studios read table names from the stack's outputs."""
    template = load_template()
    exported = {o["Value"]["Ref"] for o in template["Outputs"].values() if "Ref" in o["Value"]}
    assert {name for name, r in template["Resources"].items()
            if r["Type"] == "AWS::DynamoDB::Table"} <= exported
