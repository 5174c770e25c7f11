"""End to end over HTTP against the real LocalStack started by the launcher: install,
start, deploy infra/template.json through CloudFormation, then DynamoDB (item, conditional
put, cancelled transaction) and Secrets Manager through AWS_ENDPOINT_URL.

Opt-in (needs Python 3.13, npm and a JDK; a first install takes ~1.5 min):

    GEOCRITTERS_LOCALSTACK=1 .venv/bin/python -m pytest tests/localstack_launcher

($LOCALSTACK_PORT, default 4566, and $GEOCRITTERS_CACHE choose the instance.)

Reuses a LocalStack already running from the same cache (and leaves it running);
otherwise starts one and stops it at the end.
"""
import os
import shlex
import subprocess
import sys

import boto3
import pytest
from botocore.exceptions import ClientError

from infra import PROJECT_DIR
from localstack import launcher

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(os.environ.get("GEOCRITTERS_LOCALSTACK") != "1",
                       reason="set GEOCRITTERS_LOCALSTACK=1 to run against LocalStack"),
]
STAGE = "e2etest"
# Like localstack/test-tier.sh: another instance (another GEOCRITTERS_CACHE) runs on another port.
PORT = os.environ.get("LOCALSTACK_PORT", str(launcher.DEFAULT_PORT))


def _launcher(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "localstack.launcher", *args], cwd=PROJECT_DIR,
                          capture_output=True, text=True, timeout=600)


@pytest.fixture(scope="module")
def deployed():
    paths = launcher.Paths(launcher.cache_dir())
    was_running = bool(launcher.our_processes(paths))
    for command in (["install"], ["start", "--port", PORT]):
        result = _launcher(*command)
        assert result.returncode == 0, result.stderr
    try:
        result = _launcher("deploy", "--stage", STAGE, "--replace")
        assert result.returncode == 0, result.stderr
        env = {}
        for line in result.stdout.splitlines():
            key, _, value = line.removeprefix("export ").partition("=")
            env[key] = shlex.split(value)[0]
        yield env
    finally:
        if not was_running:
            assert _launcher("stop").returncode == 0


@pytest.fixture
def aws(deployed, monkeypatch):
    for key, value in deployed.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("AWS_SESSION_TOKEN", raising=False)
    monkeypatch.delenv("AWS_SECURITY_TOKEN", raising=False)
    return boto3.client("dynamodb"), boto3.client("secretsmanager"), deployed


def test_deploy_exports_every_table_and_the_secret(deployed):
    assert deployed["AWS_ENDPOINT_URL"].startswith("http://127.0.0.1:")
    assert deployed["PLAYERS_TABLE"] == f"geocritters-{STAGE}-players"
    assert deployed["GAME_SECRET_ID"].startswith("arn:aws:secretsmanager:")
    assert {"CREATURES_TABLE", "ENCOUNTERS_TABLE", "ACTIONS_TABLE", "VISITS_TABLE",
            "CELLS_TABLE"} <= set(deployed)


def test_item_round_trip_and_conditional_put(aws):
    dynamodb, _, env = aws
    table = env["PLAYERS_TABLE"]
    item = {"player_id": {"S": "p-cond"}, "coins": {"N": "10"}}
    put = {"TableName": table, "Item": item,
           "ConditionExpression": "attribute_not_exists(player_id)"}
    dynamodb.put_item(**put)
    got = dynamodb.get_item(TableName=table, Key={"player_id": {"S": "p-cond"}},
                            ConsistentRead=True)["Item"]
    assert got == item
    with pytest.raises(ClientError) as caught:
        dynamodb.put_item(**put)
    assert caught.value.response["Error"]["Code"] == "ConditionalCheckFailedException"


def test_transaction_is_cancelled_with_reasons(aws):
    dynamodb, _, env = aws
    key = {"player_id": {"S": "p-tx"}}
    dynamodb.put_item(TableName=env["PLAYERS_TABLE"], Item={**key, "coins": {"N": "5"}})
    action = {"player_id": {"S": "p-tx"}, "idempotency_key": {"S": "k1"}}
    with pytest.raises(ClientError) as caught:
        dynamodb.transact_write_items(TransactItems=[
            {"Update": {"TableName": env["PLAYERS_TABLE"], "Key": key,
                        "UpdateExpression": "SET coins = coins - :c",
                        "ConditionExpression": "coins >= :c",
                        "ExpressionAttributeValues": {":c": {"N": "100"}}}},
            {"Put": {"TableName": env["ACTIONS_TABLE"], "Item": action}},
        ])
    response = caught.value.response
    assert response["Error"]["Code"] == "TransactionCanceledException"
    assert [r["Code"] for r in response["CancellationReasons"]] == ["ConditionalCheckFailed", "None"]
    assert "Item" not in dynamodb.get_item(TableName=env["ACTIONS_TABLE"], Key=action)


def test_generated_secret(aws):
    _, secrets, env = aws
    value = secrets.get_secret_value(SecretId=env["GAME_SECRET_ID"])["SecretString"]
    assert len(value) == 64 and value.isalnum()  # PasswordLength 64, ExcludePunctuation


def test_template_properties_arrive(aws):
    dynamodb, _, env = aws
    players = dynamodb.describe_table(TableName=env["PLAYERS_TABLE"])["Table"]
    assert players["SSEDescription"]["Status"] == "ENABLED"
    pitr = dynamodb.describe_continuous_backups(TableName=env["PLAYERS_TABLE"])
    assert pitr["ContinuousBackupsDescription"]["PointInTimeRecoveryDescription"][
        "PointInTimeRecoveryStatus"] == "ENABLED"  # applied by deploy after the stack
    ttl = dynamodb.describe_time_to_live(TableName=env["ENCOUNTERS_TABLE"])
    assert ttl["TimeToLiveDescription"] == {"TimeToLiveStatus": "ENABLED",
                                            "AttributeName": "expires_at"}
