"""The core loop end to end: log in, look around, catch, spin, list the catch."""
from tests.support.nearby import HOME, spawn_on_map


def _nearest_spawn(api, token, lat, lng):
    """Walk a small grid until the map shows a visible spawn (the world is generated)."""
    def map_spawns(here_lat, here_lng):
        status, body, _ = api.call("GET", f"/v1/map?lat={here_lat}&lng={here_lng}", token=token)
        assert status == 200, body
        return body["spawns"]

    return spawn_on_map(map_spawns, lat, lng, spots=40)


def test_core_loop(api):
    _player_id, token = api.login()
    status, body, _ = api.call("GET", f"/v1/map?lat={HOME[0]}&lng={HOME[1]}", token=token)
    assert status == 200, body
    assert body["stops"], "a player should see stops around them"

    caught = None
    lat, lng = HOME
    for attempt in range(20):
        spawn = _nearest_spawn(api, token, lat + 0.003 * attempt, lng)
        status, enc, _ = api.call("POST", "/v1/encounters",
                                  {"spawn_id": spawn["id"], "lat": spawn["lat"], "lng": spawn["lng"]},
                                  token=token)
        assert status == 201, enc
        for n in range(30):
            status, result, _ = api.call(
                "POST", f"/v1/encounters/{enc['encounter_id']}/throws", {"ball": "ball"},
                token=token, headers={"Idempotency-Key": f"throw-{attempt}-{n}"})
            assert status == 200, result
            if result["outcome"] != "escaped":
                break
        if result["outcome"] == "caught":
            caught = result["creature"]
            break
    assert caught is not None
    status, listing, _ = api.call("GET", "/v1/me/creatures", token=token)
    assert status == 200
    assert [c["id"] for c in listing["creatures"]] == [caught["id"]]
