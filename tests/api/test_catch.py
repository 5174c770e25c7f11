"""Encounters and throws: outcomes, refusals, idempotency."""
from geocritters.game.config import HOUR_MS
from geocritters.game.player import Place
from tests.support.api_calls import start_encounter, throw
from tests.support.game_state import edit_player, player
from tests.support.nearby import a_spawn


def _throw_until_resolved(api, token, encounter_id, prefix="throw-key"):
    # Good throws: a hard species at a high level can escape plain throws 30 times (the
    # LocalStack tier's secret, hence its spawns, changes with every deploy).
    for n in range(30):
        status, result, _ = throw(api, token, encounter_id, f"{prefix}-{n:04d}",
                                  {"ball": "ball", "throw": "excellent", "curveball": True})
        assert status == 200, result
        if result["outcome"] != "escaped":
            return n, result
    raise AssertionError("30 throws and still escaping")


def test_encounter_is_fixed_per_player_and_spawn(api):
    _, token = api.login()
    spawn = a_spawn()
    first = start_encounter(api, token, spawn)
    again = start_encounter(api, token, spawn)
    assert first == again
    assert first["species"] == spawn.species_id and first["cp"] >= 10


def test_throws_spend_balls_and_resolve(api):
    player_id, token = api.login()
    encounter = start_encounter(api, token)
    balls_before = player(player_id).items["ball"]
    n, result = _throw_until_resolved(api, token, encounter["encounter_id"])
    assert result["balls_left"] == balls_before - (n + 1)
    assert player(player_id).items["ball"] == balls_before - (n + 1)
    if result["outcome"] == "caught":
        # +25 % stardust when the weather boosts the creature (tests/api/test_weather.py).
        stardust = 125 if encounter["boosted"] else 100
        assert result["xp"] == 100 and result["stardust"] == stardust and result["candy"] == 3
        status, listing, _ = api.call("GET", "/v1/me/creatures", token=token)
        assert [c["id"] for c in listing["creatures"]] == [result["creature"]["id"]]
    # Whatever happened, the encounter is over: another throw is a 409 and costs nothing.
    status, body, _ = throw(api, token, encounter["encounter_id"], "after-the-end")
    # Caught: "already caught"; fled: the encounter is over.
    assert status == 409 and body["error"]["code"] == (
        "already_caught" if result["outcome"] == "caught" else "encounter_over"), (result, body)
    assert player(player_id).items["ball"] == balls_before - (n + 1)


def test_a_resolved_spawn_disappears_from_the_map_and_cant_be_encountered(api):
    _, token = api.login()
    spawn = a_spawn()
    encounter = start_encounter(api, token, spawn)
    _throw_until_resolved(api, token, encounter["encounter_id"])
    status, body, _ = api.call("GET", f"/v1/map?lat={spawn.lat}&lng={spawn.lng}", token=token)
    assert spawn.id not in {s["id"] for s in body["spawns"] + body["nearby"]}
    status, body, _ = api.call("POST", "/v1/encounters",
                               {"spawn_id": spawn.id, "lat": spawn.lat, "lng": spawn.lng}, token=token)
    assert status == 409 and body["error"]["code"] == "spawn_resolved"


def test_retried_throw_returns_the_stored_result_and_spends_once(api):
    player_id, token = api.login()
    encounter = start_encounter(api, token)
    first = throw(api, token, encounter["encounter_id"], "same-key-0001")
    balls = player(player_id).items["ball"]
    for _ in range(5):
        again = throw(api, token, encounter["encounter_id"], "same-key-0001")
        assert again[:2] == first[:2]
    assert player(player_id).items["ball"] == balls


def test_reused_key_with_another_body_is_422(api):
    player_id, token = api.login()
    encounter = start_encounter(api, token)
    assert throw(api, token, encounter["encounter_id"], "reused-key-01")[0] == 200
    before = player(player_id)
    status, body, _ = throw(api, token, encounter["encounter_id"], "reused-key-01",
                            {"ball": "ball", "curveball": True})
    assert status == 422 and body["error"]["code"] == "idempotency_key_reused"
    assert player(player_id) == before


def test_a_body_spelling_out_the_defaults_is_the_same_request(api):
    """Generated clients send documented defaults; the fingerprint is of the throw as
    understood, so the retry is a replay, not a reused key."""
    player_id, token = api.login()
    encounter = start_encounter(api, token)
    first = throw(api, token, encounter["encounter_id"], "defaults-key-01")
    assert first[0] == 200
    balls = player(player_id).items["ball"]
    spelled_out = throw(api, token, encounter["encounter_id"], "defaults-key-01",
                        {"ball": "ball", "throw": "normal", "curveball": False})
    assert spelled_out[:2] == first[:2]
    assert player(player_id).items["ball"] == balls


def test_replay_after_eleven_minutes_is_still_deduplicated(api, clock):
    player_id, token = api.login()
    encounter = start_encounter(api, token)
    first = throw(api, token, encounter["encounter_id"], "late-replay-01")
    balls = player(player_id).items["ball"]
    clock.advance(11 * 60 * 1000)
    assert throw(api, token, encounter["encounter_id"], "late-replay-01")[:2] == first[:2]
    assert player(player_id).items["ball"] == balls


def test_throw_refusals_change_nothing(api):
    player_id, token = api.login()
    encounter = start_encounter(api, token)
    eid = encounter["encounter_id"]
    before = player(player_id)
    cases = [
        ({"ball": "master_ball"}, "k-unknown-ball", 400, "unknown_ball"),
        ({"ball": "ball", "cp": 4000}, "k-mass-assign", 400, "unknown_field"),
        ({"ball": "ball", "outcome": "caught"}, "k-mass-assig2", 400, "unknown_field"),
        ({"ball": 1}, "k-wrong-type1", 400, "invalid_field"),
        ({"ball": "ball", "curveball": "yes"}, "k-wrong-type2", 400, "invalid_field"),
    ]
    for body, key, status_expected, code in cases:
        status, error, _ = throw(api, token, eid, key, body)
        assert (status, error["error"]["code"]) == (status_expected, code), body
    status, error, _ = api.call("POST", f"/v1/encounters/{eid}/throws", {"ball": "ball"}, token=token)
    assert status == 400 and error["error"]["code"] == "missing_idempotency_key"
    status, error, _ = throw(api, token, "en-doesnotexist", "k-no-such-enc")
    assert status == 404
    assert player(player_id) == before


def test_out_of_balls_is_409_and_never_negative(api):
    player_id, token = api.login()
    encounter = start_encounter(api, token)
    edit_player(player_id, items={"ball": 0, "razz_berry": 1})
    status, error, _ = throw(api, token, encounter["encounter_id"], "no-balls-0001")
    assert status == 409 and error["error"]["code"] == "not_enough_items"
    assert player(player_id).items["ball"] == 0


def test_encounter_refusals(api, clock):
    _player_id, token = api.login()
    spawn = a_spawn()
    far = {"spawn_id": spawn.id, "lat": spawn.lat + 0.001, "lng": spawn.lng}  # ~111 m away
    status, error, _ = api.call("POST", "/v1/encounters", far, token=token)
    assert status == 403 and error["error"]["code"] == "out_of_range"
    # A well-formed id naming no spawn point (cell zzzzzzz is beyond the generated world's
    # latitudes) is not found; a malformed one is bad input.
    for bad, expected in [({"spawn_id": "sp-zzzzzzz-0-1", "lat": 0, "lng": 0}, (404, "spawn_not_found")),
                          ({"spawn_id": "nonsense", "lat": 0, "lng": 0}, (400, "invalid_spawn_id"))]:
        status, error, _ = api.call("POST", "/v1/encounters", bad, token=token)
        assert (status, error["error"]["code"]) == expected, (bad, error)
    clock.advance(2 * HOUR_MS)  # the spawn is long gone
    here = {"spawn_id": spawn.id, "lat": spawn.lat, "lng": spawn.lng}
    status, error, _ = api.call("POST", "/v1/encounters", here, token=token)
    assert status == 404 and error["error"]["code"] == "spawn_expired"


def test_another_players_encounter_does_not_exist_for_you(api):
    _, alice = api.login("device-alice-01")
    bob_id, bob = api.login("device-bob-0001")
    encounter = start_encounter(api, alice)
    before = player(bob_id)
    status, _error, _ = throw(api, bob, encounter["encounter_id"], "bob-steals-01")
    assert status == 404
    assert player(bob_id) == before


def test_travel_cooldown_refuses_a_throw_after_a_long_jump(api, clock):
    player_id, token = api.login()
    encounter = start_encounter(api, token)
    # The last cooldown-triggering action happened ~100 km north, a minute ago.
    edit_player(player_id, last_action=Place(41.66, -73.9855, clock.now_ms() - 60_000))
    status, error, headers = throw(api, token, encounter["encounter_id"], "too-fast-0001")
    assert status == 403 and error["error"]["code"] == "travel_cooldown"
    assert int(headers["Retry-After"]) > 60
