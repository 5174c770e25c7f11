"""Spoofing strikes, suspensions and per-player rate limits through the API."""
from geocritters.game.config import DAY_MS
from geocritters.game.player import Place
from tests.support.api_calls import start_encounter, throw
from tests.support.game_state import edit_player, player
from tests.support.nearby import HOME, a_spawn, a_stop


def _spin(api, token, stop, key):
    return api.call("POST", f"/v1/stops/{stop.id}/spin", {"lat": stop.lat, "lng": stop.lng},
                    token=token, headers={"Idempotency-Key": key})


def test_a_teleport_is_refused_and_earns_a_strike(api, clock):
    player_id, token = api.login()
    edit_player(player_id, last_action=Place(48.8566, 2.3522, clock.now_ms() - 60_000))  # Paris
    status, body, _ = _spin(api, token, a_stop(), "spoof-spin-001")
    assert status == 403 and body["error"]["code"] == "travel_cooldown"
    state = player(player_id)
    assert state.strikes == 1 and state.suspended_until_ms == 0  # the first strike warns
    assert state.items == player(player_id).items


def test_a_second_strike_suspends_for_seven_days(api, clock):
    player_id, token = api.login()
    edit_player(player_id, strikes=1, last_action=Place(48.8566, 2.3522, clock.now_ms() - 60_000))
    assert _spin(api, token, a_stop(), "spoof-spin-002")[0] == 403
    assert player(player_id).suspended_until_ms == clock.now_ms() + 7 * DAY_MS
    clock.advance(3 * 3600_000)  # the travel cooldown is long over, the suspension is not
    status, body, headers = _spin(api, token, a_stop(), "spoof-spin-003")
    assert status == 403 and body["error"]["code"] == "suspended"
    assert int(headers["Retry-After"]) > 6 * 24 * 3600
    status, body, _ = api.call("POST", "/v1/encounters", {"spawn_id": "sp-dr5ru7c-0-1", "lat": HOME[0],
                                                         "lng": HOME[1]}, token=token)
    # That spawn (hour 1 of 1970) is long gone: the spawn is resolved before the player.
    assert (status, body["error"]["code"]) == (404, "spawn_expired"), body
    # A live spawn the player stands at: the suspension is what refuses it.
    spawn = a_spawn()
    status, body, _ = api.call("POST", "/v1/encounters", {"spawn_id": spawn.id, "lat": spawn.lat,
                                                         "lng": spawn.lng}, token=token)
    assert (status, body["error"]["code"]) == (403, "suspended"), body


def test_banned_players_cannot_play(api):
    player_id, token = api.login()
    edit_player(player_id, strikes=4)
    status, body, _ = _spin(api, token, a_stop(), "banned-spin-01")
    assert status == 403 and body["error"]["code"] == "banned"


def test_per_player_spin_rate_limit_is_429_with_retry_after(api, clock):
    player_id, token = api.login()
    edit_player(player_id, rates={"spin": (clock.now_ms() // 60_000, 20)})
    before = player(player_id)
    status, body, headers = _spin(api, token, a_stop(), "rate-spin-0001")
    assert status == 429 and body["error"]["code"] == "rate_limited"
    assert 1 <= int(headers["Retry-After"]) <= 60
    assert player(player_id) == before


def test_map_refreshes_are_rate_limited_per_minute(api, clock):
    _, token = api.login()
    clock.advance(60_000 - clock.now_ms() % 60_000)  # the start of a minute
    path = f"/v1/map?lat={HOME[0]}&lng={HOME[1]}"
    statuses = [api.call("GET", path, token=token)[0] for _ in range(31)]
    assert statuses == [200] * 30 + [429]
    clock.advance(60_000)
    assert api.call("GET", path, token=token)[0] == 200


def test_throw_rate_limit(api, clock):
    player_id, token = api.login()
    encounter = start_encounter(api, token)
    edit_player(player_id, rates={"throw": (clock.now_ms() // 60_000, 60)})
    status, _body, _ = throw(api, token, encounter["encounter_id"], "rate-throw-001")
    assert status == 429
