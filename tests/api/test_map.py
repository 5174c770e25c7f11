"""The map: what it lists, what it refuses, and what it costs in DynamoDB calls."""
import pytest

from geocritters import bootstrap
from geocritters.game.geo import haversine_m
from tests.support.ddb_calls import dynamodb_calls, in_flight_together
from tests.support.deployed import IN_PROCESS_ONLY, skip_when_deployed
from tests.support.nearby import HOME


def _map(api, token, lat=HOME[0], lng=HOME[1]):
    return api.call("GET", f"/v1/map?lat={lat}&lng={lng}", token=token)


def test_map_lists_within_the_game_radii(api):
    _, token = api.login()
    status, body, _ = _map(api, token)
    assert status == 200, body
    config = bootstrap.game_context().config
    for spawn in body["spawns"]:
        assert haversine_m(*HOME, spawn["lat"], spawn["lng"]) <= config.visible_radius_m
        assert spawn["despawn_ms"] > body["server_ms"]
    assert all(set(n) == {"id", "species"} for n in body["nearby"]), "radar has no coordinates"
    assert {s["id"] for s in body["spawns"]} <= {n["id"] for n in body["nearby"]}
    for fort in body["stops"] + body["gyms"]:
        assert haversine_m(*HOME, fort["lat"], fort["lng"]) <= config.fort_list_radius_m
    assert body["stops"] and all(s["cooldown_until_ms"] == 0 for s in body["stops"])
    assert len(body["geohash"]) == 7


def test_map_records_the_reported_position(api, clock):
    player_id, token = api.login()
    _map(api, token, 51.5, -0.12)
    status, _, _ = _map(api, token, 51.5, -0.12)
    assert status == 200
    from geocritters.adapters.models import PlayerRecord
    record = PlayerRecord.get(player_id)
    assert (float(record.position.lat), float(record.position.lng)) == (51.5, -0.12)
    assert int(record.position.at_ms) == clock.now_ms()


@pytest.mark.parametrize("query", [
    "lat=91&lng=0", "lat=-90.0001&lng=0", "lat=0&lng=180.5", "lat=NaN&lng=0", "lat=0&lng=Infinity",
    "lat=abc&lng=0", "lat=0", "lng=0", "lat=&lng=0", "lat=1e400&lng=0",
])
def test_bad_coordinates_are_400(api, query):
    _, token = api.login()
    status, body, _ = api.call("GET", f"/v1/map?{query}", token=token)
    assert status == 400, body
    # Absent is missing_field; present but not a coordinate (also empty) is invalid_coordinates.
    missing = query in ("lat=0", "lng=0")
    assert body["error"]["code"] == ("missing_field" if missing else "invalid_coordinates"), body


def test_dynamodb_calls_per_map_request(api, clock):
    """Cold: ≤ 5 calls: the curated cells and the live events (both read while the
    position update is in flight), the update (a second try when a new rate minute
    starts), and the states of curated gyms found in a cold cell (LocalStack's tables
    hold other tests' curated POIs). Warm: none for the static world and ≤ 2 for the
    player's state."""
    skip_when_deployed(api, IN_PROCESS_ONLY)
    _, token = api.login()
    bootstrap.reset(clock=clock)  # a cold container: nothing cached
    with dynamodb_calls() as cold:
        assert _map(api, token)[0] == 200
    with dynamodb_calls() as warm:
        assert _map(api, token)[0] == 200
    assert len(cold) <= 5, cold.names
    assert "BatchGetItem" in cold.names, "curated POIs are read when cold"
    static_reads = [c for c in warm.names if c in {"BatchGetItem", "Query", "Scan"}]
    assert static_reads == [], warm.names
    assert len(warm) <= 2, warm.names


def test_cold_map_reads_the_cells_while_it_updates_the_player(api, clock):
    """Issue #5: one sequential DynamoDB round trip when cold. The curated cells'
    BatchGetItem and the position's UpdateItem must be in flight at the same time."""
    skip_when_deployed(api, IN_PROCESS_ONLY)
    _, token = api.login()
    bootstrap.reset(clock=clock)
    with in_flight_together("UpdateItem", "BatchGetItem") as met:
        status, body, _ = _map(api, token)
    assert status == 200, body
    assert sorted(met) == ["BatchGetItem", "UpdateItem"], "the two calls ran one after the other"
