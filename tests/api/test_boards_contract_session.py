"""The leaderboard operation against docs/openapi.json: a scripted session (the Contract
of test_openapi_contract.py) where every answer is checked against the documented
response for its status, and every refusal's code against its ``x-error-codes``: an
empty board, a board with the caller on it (top list and ``me``), last week's board
once closed, and each refusal."""
import json

import pytest

import functions.board_aggregator as aggregator
import functions.board_scheduler as scheduler
from geocritters.game import boards
from tests.api.test_boards import record_of
from tests.api.test_openapi_contract import SPEC_PATH, Contract, _operations
from tests.support.boards import REGION, catch, own_week, show_position


@pytest.fixture(scope="module")
def spec():
    return json.loads(SPEC_PATH.read_text())


def test_boards_session_conforms_to_the_document(api, clock, spec):
    aggregator.reset()
    own_week(clock, 5)
    c = Contract(api, spec)
    player_id, token = api.login("boards-contract-a")
    show_position(api, token)
    empty = c.call("GET", f"/v1/boards/{REGION}", token=token, expect=200)
    assert empty["me"] is None and empty["closed"] is False

    catch(api, token, 1, "boards-contract")
    aggregator.aggregate({"Records": [record_of(player_id, 1)]}, None)
    mine = c.call("GET", f"/v1/boards/{REGION}?metric=caught&week=current", token=token, expect=200)
    assert mine["me"]["score"] == 1 and mine["me"]["rank"] >= 1
    c.call("GET", f"/v1/boards/{REGION}?metric=walked", token=token, expect=200)

    week = boards.week_of(clock.now_ms())
    clock.advance(boards.week_end_ms(week) - clock.now_ms() + 15 * 60_000)
    scheduler.close({}, None)
    closed = c.call("GET", f"/v1/boards/{REGION}?week=previous", token=token, expect=200)
    assert closed["closed"] is True and closed["me"]["score"] == 1

    c.call("GET", "/v1/boards/u09", token=token, expect=400, code="invalid_region")
    c.call("GET", f"/v1/boards/{REGION}?metric=xp", token=token, expect=400, code="invalid_metric")
    c.call("GET", f"/v1/boards/{REGION}?week=last", token=token, expect=400, code="invalid_week")
    c.call("GET", f"/v1/boards/{REGION}", expect=401)
    aggregator.reset()

    for path, method, operation in _operations(spec):
        if "boards" not in operation.get("tags", []):
            continue
        statuses = c.seen[(path, method)]
        assert any(200 <= s < 300 for s in statuses), f"{method} {path}: no success exercised"
        assert any(400 <= s < 500 for s in statuses), f"{method} {path}: no refusal exercised"
