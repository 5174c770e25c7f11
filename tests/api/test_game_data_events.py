"""GET /v1/game-data?region=: the live events of a region in the document, through the
container's 60 s events cache, cached by clients for as long (max-age=60); a bad region
is a 400 invalid_region; other query parameters are still refused. Every answer is
checked against docs/openapi.json (the Contract of test_openapi_contract.py)."""
import json

import pytest

from geocritters.game.config import DAY_MS, HOUR_MS
from geocritters.usecases.events import EVENTS_CACHE_TTL_MS, MIN_LEAD_MS
from tests.api.test_openapi_contract import SPEC_PATH, Contract
from tests.support.ddb_calls import dynamodb_calls
from tests.support.operator import operator_call

URL = "/v1/game-data"


@pytest.fixture(scope="module")
def spec():
    return json.loads(SPEC_PATH.read_text())


def create(api, clock, key, prefixes, start_in_ms=MIN_LEAD_MS):
    start = clock.now_ms() + start_in_ms
    status, event, _ = operator_call(api, "POST", "/v1/admin/events", {
        "name": key, "start_ms": start, "end_ms": start + HOUR_MS, "prefixes": prefixes,
        "effects": {"stardust_multiplier": 2}}, key=key)
    assert status == 201, event
    return event


def test_a_regions_events_are_in_its_game_data_within_the_cache_time(api, clock, spec):
    c = Contract(api, spec)
    assert c.call("GET", f"{URL}?region=u09t", expect=200)["events"] == []  # cached now
    inside = create(api, clock, "gd-inside-0001", ["u09tv"])
    worldwide = create(api, clock, "gd-world-0001", [], start_in_ms=6 * DAY_MS)
    create(api, clock, "gd-other-0001", ["dr5r"])
    create(api, clock, "gd-later-0001", [], start_in_ms=8 * DAY_MS)  # beyond the week

    with dynamodb_calls() as calls:
        cached = c.call("GET", f"{URL}?region=u09t", expect=200)
    assert cached["events"] == [] and calls.names == []  # within the cache time: no read
    clock.advance(EVENTS_CACHE_TTL_MS)
    with dynamodb_calls() as calls:
        status, document, headers = api.call("GET", f"{URL}?region=u09t")
    assert calls.names == ["Query"]
    assert [e["id"] for e in document["events"]] == [inside["id"], worldwide["id"]]
    assert document["events"][0]["effects"]["stardust_multiplier"] == 2.0
    headers = {k.lower(): v for k, v in headers.items()}
    assert headers["cache-control"] == "public, max-age=60"
    plain = c.call("GET", URL, expect=200)
    assert "events" not in plain and plain["version"] != document["version"]
    status, body, _ = api.call("GET", f"{URL}?region=u09t", headers={"If-None-Match": headers["etag"]})
    assert (status, body) == (304, None)

    c.call("GET", f"{URL}?region=u09", expect=400, code="invalid_region")
    c.call("GET", f"{URL}?region=U09T", expect=400, code="invalid_region")
    c.call("GET", f"{URL}?region=u09t&lang=en", expect=400, code="unknown_query_parameter")
