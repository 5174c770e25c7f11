"""The leaderboards end to end on Amazon's DynamoDB Local and its REAL stream: players
play through the API (catches; the walk attributes the map records, written raw), the
players table's stream carries their items, devtools/stream_runner.py plays Lambda's
event source mapping with the aggregator's declared knobs, and the board route shows
exact counts. A replayed stream counts nothing twice; a poison record goes to the
dead-letter queue and the records after it are applied. Prints the board update lag.

LocalStack tier only (``real_database_only``). LocalStack's own DynamoDB Streams API
(its default provider) serves streams through Kinesis, not DynamoDB Local's: this module
starts its own DynamoDB Local (bench/dynamodb_local.py, the same jar LocalStack runs,
in a private network namespace where this machine allows one) with the template's
tables, and reads the game secret from LocalStack as the API tier does.
"""
import os
import time

import boto3
import pytest

import functions.board_aggregator as aggregator
from devtools.stream_runner import StreamRunner
from geocritters import bootstrap
from geocritters.adapters.boards import reset_board_store
from infra.provision import _ensure_table, _ensure_ttl, table_specs, ttl_attributes
from tests.support.boards import HOME, board, catch, show_position, walk
from tests.support.game_api import GameApi
from tests.support.transports import InProcessTransport

pytestmark = pytest.mark.usefixtures("real_database_only")


@pytest.fixture(scope="module")
def dynamodb_local(pytestconfig):
    if pytestconfig.getoption("--backend") != "localstack":
        pytest.skip("the stream tests run on DynamoDB Local (make test-localstack)")
    from bench.dynamodb_local import DynamoDBLocal

    started = time.perf_counter()
    ddb = DynamoDBLocal(log=lambda *_: None).start()
    print(f"\nDynamoDB Local for the stream tests: {ddb.bind}, up in "
          f"{time.perf_counter() - started:.1f} s")
    yield ddb
    ddb.stop()


@pytest.fixture
def stream_game(dynamodb_local, localstack_env, chalice_app, clock):
    """(api, runner, dead letters) on DynamoDB Local; the secret from LocalStack."""
    saved = dict(os.environ)
    os.environ.update(localstack_env)
    os.environ["AWS_ENDPOINT_URL_DYNAMODB"] = dynamodb_local.endpoint_url
    bootstrap.reset(clock=clock)
    aggregator.reset()
    # The board store's threads join the network of the thread that starts them: start
    # them anew inside DynamoDB Local's (and stop them after).
    reset_board_store()
    bootstrap.game_keys()  # read from LocalStack before entering DynamoDB Local's network
    try:
        with dynamodb_local.network():
            client = boto3.client("dynamodb", endpoint_url=dynamodb_local.endpoint_url)
            for spec in table_specs("dev"):
                _ensure_table(client, spec)
            for table, attribute in ttl_attributes("dev").items():
                _ensure_ttl(client, table, attribute)
            dead: list[dict] = []

            def runner(position="LATEST"):
                knobs = aggregator.feature.stream
                made = StreamRunner(
                    aggregator.aggregate, localstack_env["PLAYERS_TABLE"], dynamodb=client,
                    streams=boto3.client("dynamodbstreams",
                                         endpoint_url=dynamodb_local.endpoint_url),
                    dead_letters=dead.append, batch_size=knobs.batch_size,
                    max_retries=knobs.max_retries, max_record_age_s=knobs.max_record_age_s,
                    starting_position=position)
                if position == "LATEST":
                    made.poll()  # the shards' iterators start now
                return made

            api = GameApi(InProcessTransport(chalice_app), chalice_app)
            yield api, runner, dead
    finally:
        bootstrap.reset()
        aggregator.reset()
        reset_board_store()
        os.environ.clear()
        os.environ.update(saved)


def test_the_real_stream_puts_exact_counts_on_the_board_and_a_replay_changes_nothing(
        stream_game, clock):
    api, runner, dead = stream_game
    live = runner()
    _, a = api.login("device-stream-a")
    b_id, b = api.login("device-stream-b")
    for token in (a, b):
        show_position(api, token)
    caught = catch(api, a, 2, "stream-a")
    walk(b_id, 1500.4, clock.now_ms())
    assert board(api, a)["me"] is None  # nothing reaches a board until the aggregator runs

    result = live.drain()
    assert result.given_up == [] and dead == []
    assert result.records >= 5  # logins, positions, catches, the walk: the real records
    assert board(api, a)["me"]["score"] == caught == 2
    assert board(api, b, metric="walked")["me"]["score"] == 1500

    # Lag: a catch's answer until the board shows it, the runner reading the stream at
    # once (stream read + aggregator) and then one read of the board.
    catch(api, a, 1, "stream-a2")
    written = time.perf_counter()
    applied = live.drain()
    aggregated = time.perf_counter()
    assert board(api, a)["me"]["score"] == 3 and applied.given_up == []
    visible = time.perf_counter()
    print(f"\nboard update lag on DynamoDB Local: {1000 * (visible - written):.0f} ms from the "
          f"catch's answer to the board showing it: {1000 * (aggregated - written):.0f} ms "
          f"stream read + aggregator ({applied.records} record(s)), "
          f"{1000 * (visible - aggregated):.0f} ms one board read. Deployed, the mapping adds "
          "its polling (4 times a second per shard) and up to "
          f"{aggregator.feature.stream.batching_window_s} s of batching window.")

    # The whole stream again from its first record (a replayed batch, many times over).
    replay = runner("TRIM_HORIZON").drain()
    assert replay.records >= result.records + applied.records and replay.given_up == []
    assert board(api, a)["me"]["score"] == 3
    assert board(api, b, metric="walked")["me"]["score"] == 1500


def test_a_poison_record_goes_to_the_dead_letter_queue_and_the_stream_goes_on(stream_game, clock):
    api, runner, dead = stream_game
    live = runner()
    _, c = api.login("device-stream-c")
    show_position(api, c)
    # An item the aggregator can't read (a counter that isn't a number), written raw
    # between two of C's catches.
    client = boto3.client("dynamodb")
    week = clock.now_ms() // (7 * 86_400_000)
    client.put_item(TableName=os.environ["PLAYERS_TABLE"], Item={
        "player_id": {"S": "pl-poison"}, "name": {"S": "Poison"},
        "catch_week": {"N": str(week)}, "catches_this_week": {"S": "lots"},
        "position": {"M": {"lat": {"N": str(HOME[0])}, "lng": {"N": str(HOME[1])},
                           "at_ms": {"N": str(clock.now_ms())}}}})
    catch(api, c, 1, "stream-c")

    result = live.drain()
    [message] = dead
    info = message["DDBStreamBatchInfo"]
    assert message["requestContext"]["condition"] == "RetryAttemptsExhausted"
    assert info["batchSize"] >= 1 and info["streamArn"] == live.stream_arn()
    assert result.given_up == dead
    assert board(api, c)["me"]["score"] == 1  # the record after the poison was applied
    assert all(row["name"] != "Poison" for row in board(api, c)["top"])
    # The shard went on: the next record is read and applied at once.
    catch(api, c, 1, "stream-c2")
    assert live.drain().given_up == []
    assert board(api, c)["me"]["score"] == 2
