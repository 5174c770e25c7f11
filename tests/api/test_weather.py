"""Weather over the API: the map shows its cell's weather, and a boosted spawn's catch pays more.

Which spawns are boosted depends on the secret (the LocalStack tier's changes with every
deploy): the test searches with the game's own functions for a boosted spawn.
"""
from geocritters import bootstrap
from geocritters.game.config import HOUR_MS
from geocritters.game.weather import BOOSTED_TYPES, weather_cell
from tests.support.api_calls import throw
from tests.support.game_state import player
from tests.support.nearby import HOME


def boosted_spawns(lat=HOME[0], lng=HOME[1], tries=60):
    """Active boosted spawns (under the weather the server serves), walking north from (lat, lng)."""
    ctx = bootstrap.game_context()
    now_ms = ctx.clock.now_ms()
    for step in range(tries):
        here = (lat + 0.002 * step, lng)
        weather = {key: ctx.weather.weather_at(*key) for key in ctx.world.weather_keys_near(*here, 200, now_ms)}
        for spawn in ctx.world.spawns_near(*here, 200, now_ms, weather):
            if spawn.boosted and spawn.despawn_ms - now_ms > 5 * 60_000:
                yield spawn


def test_the_map_shows_the_weather_and_a_boosted_catch_pays_a_quarter_more_stardust(api, clock):
    player_id, token = api.login("device-weather")
    config = bootstrap.game_context().config
    for spawn in boosted_spawns():
        # The map at the spawn: its cell's weather, and the spawn in view, boosted.
        status, body, _ = api.call("GET", f"/v1/map?lat={spawn.lat}&lng={spawn.lng}", token=token)
        assert status == 200, body
        weather = body["weather"]
        assert weather["cell"] == weather_cell(spawn.lat, spawn.lng)
        assert weather["boosted_types"] == list(BOOSTED_TYPES[weather["kind"]])
        assert weather["until_ms"] == (clock.now_ms() // HOUR_MS + 1) * HOUR_MS
        shown = {s["id"]: s for s in body["spawns"]}
        assert shown[spawn.id]["boosted"] is True and shown[spawn.id]["species"] == spawn.species_id

        status, encounter, _ = api.call("POST", "/v1/encounters",
                                        {"spawn_id": spawn.id, "lat": spawn.lat, "lng": spawn.lng}, token=token)
        assert status == 201 and encounter["boosted"] is True and encounter["level"] == spawn.level, encounter
        before = player(player_id).stardust
        for n in range(config.max_throws_per_encounter):
            status, result, _ = throw(api, token, encounter["encounter_id"], f"weather-{spawn.id}-{n:02d}",
                                      {"ball": "ball", "throw": "excellent", "curveball": True})
            assert status == 200, result
            if result["outcome"] == "caught":
                bonus = config.catch_stardust * config.weather_boost_stardust_percent // 100
                assert result["stardust"] == config.catch_stardust + bonus == 125
                assert player(player_id).stardust == before + 125
                return
            if result["outcome"] == "fled":
                break
    raise AssertionError("no boosted spawn caught north of HOME")
