"""GET /v1/boards/{region} and the aggregator's handler, on records built from the player
items the real game wrote. On DynamoDB Local, the same path through the REAL stream is
tests/localstack/test_board_stream.py: the aggregator's tests here run on moto only."""
import pytest

import functions.board_aggregator as aggregator
import functions.board_scheduler as scheduler
from geocritters.game import boards
from infra.functions import dynamodb_grants
from tests.support.boards import (
    REGION,
    board,
    catch,
    own_week,
    players_table,
    show_position,
    walk,
)
from tests.support.ddb_calls import dynamodb_calls


@pytest.fixture
def moto_only(pytestconfig):
    if pytestconfig.getoption("--backend") != "moto":
        pytest.skip("on DynamoDB Local through its real stream: tests/localstack/test_board_stream.py")


@pytest.fixture(autouse=True)
def fresh_aggregator():
    aggregator.reset()
    yield
    aggregator.reset()


def record_of(player_id: str, sequence: int, old=None) -> dict:
    """A stream record of the player's item as stored now (NEW_AND_OLD_IMAGES)."""
    client, table = players_table()
    item = client.get_item(TableName=table, Key={"player_id": {"S": player_id}},
                           ConsistentRead=True)["Item"]
    change = {"NewImage": item, "SequenceNumber": f"{sequence:021}",
              "ApproximateCreationDateTime": 1_800_000_000}
    if old is not None:
        change["OldImage"] = old["dynamodb"]["NewImage"]
    return {"eventName": "MODIFY", "eventSource": "aws:dynamodb", "dynamodb": change}


def aggregate(*records):
    with dynamodb_calls() as calls:
        answer = aggregator.aggregate({"Records": list(records)}, None)
    granted = {(t, a.removeprefix("dynamodb:")) for t, actions in
               dynamodb_grants("board_aggregator").items() for a in actions}
    used = {(table.rsplit("-", 1)[-1], action) for table, action in calls.table_actions()}
    assert used <= granted, f"aggregator used {used - granted} outside its policy"
    return answer


BAD_BOARDS = [
    ("/v1/boards/u09", "invalid_region"),
    ("/v1/boards/u09tt", "invalid_region"),
    ("/v1/boards/U09T", "invalid_region"),
    ("/v1/boards/a09t", "invalid_region"),
    ("/v1/boards/u0%20t", "invalid_region"),
    ("/v1/boards/u09t?metric=xp", "invalid_metric"),
    ("/v1/boards/u09t?metric=", "invalid_metric"),
    ("/v1/boards/u09t?week=last", "invalid_week"),
]


def test_bad_boards_are_400_with_their_own_code(api):
    _, token = api.login("device-board-bad")
    for path, code in BAD_BOARDS:
        status, body, _ = api.call("GET", path, token=token)
        assert (status, body["error"]["code"]) == (400, code), (path, body)


def test_a_board_needs_a_token(api):
    status, body, _ = api.call("GET", f"/v1/boards/{REGION}")
    assert (status, body["error"]["code"]) == (401, "unauthorized")


def test_catches_and_walks_reach_the_board_exactly_once(api, clock, moto_only):
    a_id, a = api.login("device-board-a")
    b_id, b = api.login("device-board-b")
    show_position(api, a)
    show_position(api, b)
    assert board(api, a)["me"] is None  # nothing aggregated yet: gameplay never writes boards

    caught = catch(api, a, 3, "board-a")
    walk(b_id, 1234.6, clock.now_ms())
    first = record_of(a_id, 1)
    answer = aggregate(first, record_of(b_id, 2))
    assert answer == {"batchItemFailures": []}

    mine = board(api, a)
    assert mine["me"]["score"] == caught == 3
    assert any(row.get("you") and row["score"] == 3 for row in mine["top"])
    assert board(api, b, metric="walked")["me"]["score"] == 1234
    assert board(api, b)["me"] is None  # B caught nothing

    # The same batch again (a retry after a partial failure), and an older image after a
    # newer one: nothing counts twice, nothing goes back.
    catch(api, a, 1, "board-a2")
    newer = record_of(a_id, 3, old=first)
    aggregate(newer, first, newer, first)
    assert board(api, a)["me"]["score"] == 4


def test_a_record_the_aggregator_cant_read_is_reported_alone(api, clock, moto_only):
    a_id, a = api.login("device-board-poison")
    show_position(api, a)
    catch(api, a, 1, "board-p")
    good = record_of(a_id, 2)
    poison = record_of(a_id, 1)
    poison["dynamodb"]["NewImage"]["catches_this_week"] = {"S": "lots"}
    shapeless = {"dynamodb": {"SequenceNumber": "000000000000000000003"}}
    answer = aggregate(poison, shapeless, good)
    assert answer == {"batchItemFailures": [{"itemIdentifier": "000000000000000000001"},
                                            {"itemIdentifier": "000000000000000000003"}]}
    assert board(api, a)["me"]["score"] == 1  # the record after the poison was applied


def test_the_previous_week_stays_readable_and_is_final_once_closed(api, clock, moto_only):
    own_week(clock, 3)
    a_id, a = api.login("device-board-week")
    show_position(api, a)
    catch(api, a, 2, "board-w")
    aggregate(record_of(a_id, 1))
    week = boards.week_of(clock.now_ms())
    clock.advance(boards.week_end_ms(week) - clock.now_ms() + 15 * 60_000)  # the rule fires
    assert board(api, a, week="previous")["closed"] is False

    result = scheduler.close({}, None)
    assert result["week"] == week and result["boards"] >= 1
    previous = board(api, a, week="previous")
    assert previous["closed"] is True and previous["week"] == week
    assert previous["me"]["score"] == 2 and any(row.get("you") for row in previous["top"])
    assert board(api, a)["me"] is None  # a new week, a new board

    # A late record of the closed week changes nothing.
    late = record_of(a_id, 2)
    late["dynamodb"]["NewImage"]["catches_this_week"] = {"N": "9"}
    aggregate(late)
    assert board(api, a, week="previous")["me"]["score"] == 2
