"""The fault injector does what it says, and single faults reach the client as they should."""
import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError, ConnectionClosedError, ReadTimeoutError

from geocritters import bootstrap
from geocritters.adapters.budget import SDK_CONNECT_TIMEOUT_S, SDK_READ_TIMEOUT_S, SDK_TOTAL_ATTEMPTS
from tests.reliability.faults import CANCELED_CONFLICT, CONFLICT, LOST, THROTTLE
from tests.support.game_state import player
from tests.support.nearby import a_spawn, a_stop


def _client(attempts: int):
    """A DynamoDB client built after the injector was installed (a new session)."""
    return boto3.session.Session().client(
        "dynamodb", region_name="us-east-1",
        config=Config(retries={"total_max_attempts": attempts, "mode": "standard"}))


def _players_table():
    return bootstrap.load_settings().table_name("players")


def _spin(api, token, stop, key):
    return api.call("POST", f"/v1/stops/{stop.id}/spin", {"lat": stop.lat, "lng": stop.lng},
                    token=token, headers={"Idempotency-Key": key})


def test_a_lost_response_put_was_applied(api, faults):
    api.login()  # builds the game context (settings, tables)
    client = _client(attempts=1)
    faults.force(LOST)
    with pytest.raises((ReadTimeoutError, ConnectionClosedError)):
        client.put_item(TableName=_players_table(), Item={"player_id": {"S": "lost-put"}})
    assert faults.lost_statuses[200] == 1
    item = client.get_item(TableName=_players_table(), Key={"player_id": {"S": "lost-put"}},
                           ConsistentRead=True)
    assert item["Item"]["player_id"] == {"S": "lost-put"}


def test_a_lost_response_is_retried_by_botocore_and_applied_twice(api, faults):
    """Why the app needs idempotency records: an ADD retried after a lost answer counts twice."""
    api.login()
    client = _client(attempts=3)
    key = {"player_id": {"S": "lost-add"}}
    faults.force(LOST, None)
    client.update_item(TableName=_players_table(), Key=key, UpdateExpression="ADD xp :one",
                       ExpressionAttributeValues={":one": {"N": "1"}})
    assert faults.attempts["UpdateItem"] == 2
    stored = client.get_item(TableName=_players_table(), Key=key, ConsistentRead=True)["Item"]
    assert stored["xp"] == {"N": "2"}


def test_a_throttle_is_retried_by_botocore_and_applied_once(api, faults):
    api.login()
    client = _client(attempts=3)
    key = {"player_id": {"S": "throttled-add"}}
    faults.force(THROTTLE, THROTTLE, None)
    answer = client.update_item(TableName=_players_table(), Key=key, UpdateExpression="ADD xp :one",
                                ExpressionAttributeValues={":one": {"N": "1"}})
    assert answer["ResponseMetadata"]["RetryAttempts"] == 2
    assert faults.backoff_s > 0  # what botocore would have slept, not slept
    stored = client.get_item(TableName=_players_table(), Key=key, ConsistentRead=True)["Item"]
    assert stored["xp"] == {"N": "1"}


@pytest.mark.parametrize("kind, code", [(CONFLICT, "TransactionConflictException"),
                                        (CANCELED_CONFLICT, "TransactionCanceledException")])
def test_a_transaction_conflict_is_not_retried_and_not_applied(api, faults, kind, code):
    api.login()
    client = _client(attempts=3)
    faults.force(kind)
    with pytest.raises(ClientError) as raised:
        client.transact_write_items(TransactItems=[
            {"Put": {"TableName": _players_table(), "Item": {"player_id": {"S": "tx-a"}}}},
            {"Put": {"TableName": _players_table(), "Item": {"player_id": {"S": "tx-b"}}}},
        ])
    assert raised.value.response["Error"]["Code"] == code
    if kind == CANCELED_CONFLICT:
        reasons = [r["Code"] for r in raised.value.response["CancellationReasons"]]
        assert sorted(reasons) == ["None", "TransactionConflict"]
    assert faults.attempts["TransactWriteItems"] == 1
    for name in ("tx-a", "tx-b"):
        assert "Item" not in client.get_item(TableName=_players_table(),
                                             Key={"player_id": {"S": name}}, ConsistentRead=True)


def test_throttled_on_every_attempt_is_a_json_503_with_retry_after_and_changes_nothing(api, faults):
    player_id, token = api.login()
    stop = a_stop()
    before = player(player_id)
    faults.force(*[THROTTLE] * 10)
    status, body, headers = _spin(api, token, stop, "throttled-spin-1")
    assert status == 503, body
    assert body["error"]["code"] and body["error"]["message"]
    assert int(headers["Retry-After"]) >= 1
    faults.clear_forced()
    assert player(player_id) == before
    status, body, _ = _spin(api, token, stop, "throttled-spin-1")  # the client's retry
    assert status == 200 and body["first_visit"] is True


def test_a_lost_commit_answer_is_retried_and_applied_once(api, faults):
    """The transaction reaches the table, its answer is lost, the SDK retries it: the
    retry hits the idempotency record's condition and the stored answer comes back."""
    player_id, token = api.login()
    stop = a_stop()
    before = player(player_id)
    faults.force(LOST, operation="TransactWriteItems")
    status, body, _ = _spin(api, token, stop, "lost-commit-spin")
    assert faults.by_kind()[LOST] == 1 and faults.lost_statuses[200] == 1
    assert status == 200, body
    after = player(player_id)
    assert after.xp == before.xp + body["xp"]
    assert after.item_total == before.item_total + sum(body["items"].values())
    assert _spin(api, token, stop, "lost-commit-spin")[:2] == (status, body)
    assert player(player_id) == after


def _is_busy(status, body, headers) -> bool:
    return status == 503 and bool(body["error"]["code"]) and int(headers.get("Retry-After", 0)) >= 1


@pytest.mark.parametrize("operation", [
    "BatchGetItem",  # the one read (the idempotency record with the player and visit)
    "TransactWriteItems",
])
def test_answers_lost_on_every_sdk_attempt_are_a_json_503_and_the_retry_settles_once(
        api, faults, operation):
    player_id, token = api.login()
    stop = a_stop()
    before = player(player_id)
    faults.force(*[LOST] * SDK_TOTAL_ATTEMPTS, operation=operation)
    answer = _spin(api, token, stop, "lost-answers-spin-1")
    faults.clear_forced()
    assert faults.by_kind()[LOST] == SDK_TOTAL_ATTEMPTS
    assert _is_busy(*answer), answer
    status, body, _ = _spin(api, token, stop, "lost-answers-spin-1")  # the client's retry
    assert status == 200, body
    after = player(player_id)  # applied once, whether or not the first try got through
    assert after.xp == before.xp + body["xp"]
    assert after.item_total == before.item_total + sum(body["items"].values())


def test_answers_lost_on_every_attempt_of_an_encounter_start_are_a_json_503(api, faults):
    _, token = api.login()
    spawn = a_spawn()
    request = {"spawn_id": spawn.id, "lat": spawn.lat, "lng": spawn.lng}
    faults.force(*[LOST] * SDK_TOTAL_ATTEMPTS, operation="PutItem")
    answer = api.call("POST", "/v1/encounters", request, token=token)
    faults.clear_forced()
    assert _is_busy(*answer), answer
    status, first, _ = api.call("POST", "/v1/encounters", request, token=token)
    assert status == 201, first
    assert api.call("POST", "/v1/encounters", request, token=token)[:2] == (201, first)


def _client_bounds(api, monkeypatch):
    """(operation, read timeout, connect timeout, total attempts) of each DynamoDB client
    the app used for a spin."""
    from botocore import handlers

    seen = set()

    def record(model, context, **_):
        config = context["client_config"]
        seen.add((model.name, config.read_timeout, config.connect_timeout,
                  config.retries.get("total_max_attempts")))

    monkeypatch.setattr(handlers, "BUILTIN_HANDLERS",
                        [*handlers.BUILTIN_HANDLERS, ("before-call.dynamodb", record)])
    _player_id, token = api.login("bounds-device")
    status, body, _ = _spin(api, token, a_stop(), "bounds-spin-01")
    assert status == 200, body
    return seen


def test_every_dynamodb_client_is_bounded_by_the_request_budget(api, monkeypatch):
    """Regression: the commit's TransactWrite connection used PynamoDB's defaults (read
    30 s, connect 15 s, 4 attempts), outside the budget's worst case (budget.py)."""
    seen = _client_bounds(api, monkeypatch)
    assert {op for op, *_ in seen} >= {"BatchGetItem", "TransactWriteItems"}
    unbounded = sorted(entry for entry in seen
                       if entry[1] > SDK_READ_TIMEOUT_S or entry[2] > SDK_CONNECT_TIMEOUT_S
                       or entry[3] > SDK_TOTAL_ATTEMPTS)
    assert not unbounded, f"(operation, read s, connect s, attempts) outside the budget: {unbounded}"


def test_a_commit_is_attempted_at_most_the_budgeted_number_of_times(api, faults):
    """Regression: a commit whose answers were all lost was attempted 4 times."""
    _player_id, token = api.login()
    faults.force(*[LOST] * 10, operation="TransactWriteItems")
    _spin(api, token, a_stop(), "attempts-spin-01")
    faults.clear_forced()
    assert faults.attempts["TransactWriteItems"] <= SDK_TOTAL_ATTEMPTS
