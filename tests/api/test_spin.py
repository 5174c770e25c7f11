"""Spinning stops: rewards, cooldown, range, bag capacity, idempotency."""
from geocritters.game.player import Place
from tests.support.game_state import edit_player, player
from tests.support.nearby import a_stop


def _spin(api, token, stop, key, lat=None, lng=None):
    body = {"lat": stop.lat if lat is None else lat, "lng": stop.lng if lng is None else lng}
    return api.call("POST", f"/v1/stops/{stop.id}/spin", body, token=token,
                    headers={"Idempotency-Key": key})


def test_first_spin_gives_items_and_bonus_xp_then_cools_down(api, clock):
    player_id, token = api.login()
    stop = a_stop()
    before = player(player_id)
    status, first, _ = _spin(api, token, stop, "spin-key-0001")
    assert status == 200, first
    assert first["xp"] == 250 and first["first_visit"] is True
    assert 3 <= sum(first["items"].values()) <= 6
    after = player(player_id)
    assert after.xp == before.xp + 250
    assert after.item_total == before.item_total + sum(first["items"].values())
    assert first["cooldown_until_ms"] == clock.now_ms() + 5 * 60 * 1000

    status, error, headers = _spin(api, token, stop, "spin-key-0002")
    assert status == 409 and error["error"]["code"] == "stop_cooling_down"
    assert 0 < int(headers["Retry-After"]) <= 300
    assert player(player_id) == after

    status, body, _ = api.call("GET", f"/v1/map?lat={stop.lat}&lng={stop.lng}", token=token)
    listed = {s["id"]: s for s in body["stops"]}
    assert listed[stop.id]["cooldown_until_ms"] == first["cooldown_until_ms"]

    clock.advance(5 * 60 * 1000)
    status, second, _ = _spin(api, token, stop, "spin-key-0003")
    assert status == 200 and second["xp"] == 50 and second["first_visit"] is False


def test_spin_retry_is_deduplicated(api):
    player_id, token = api.login()
    stop = a_stop()
    first = _spin(api, token, stop, "spin-retry-01")
    state = player(player_id)
    for _ in range(5):
        assert _spin(api, token, stop, "spin-retry-01")[:2] == first[:2]
    assert player(player_id) == state


def test_spin_refusals(api):
    player_id, token = api.login()
    stop = a_stop()
    before = player(player_id)
    status, error, _ = _spin(api, token, stop, "spin-far-0001", lat=stop.lat + 0.001)  # ~111 m
    assert status == 403 and error["error"]["code"] == "out_of_range"
    gym_like = stop.id.replace("st-", "gy-")
    for bad_id, expected in [("st-zzzzzzz-99", 404), (gym_like, 404), ("nonsense", 400),
                             ("st-abc", 400)]:
        status, error, _ = api.call("POST", f"/v1/stops/{bad_id}/spin", {"lat": 0, "lng": 0},
                                    token=token, headers={"Idempotency-Key": "spin-bad-0001"})
        assert status == expected, (bad_id, error)
    status, error, _ = _spin(api, token, stop, "spin-nan-0001", lat=float("nan"))
    assert status == 400
    assert player(player_id) == before


def test_full_bag_drops_items_and_says_so(api):
    player_id, token = api.login()
    edit_player(player_id, items={"ball": 349})
    status, body, _ = _spin(api, token, a_stop(), "spin-full-0001")
    assert status == 200
    assert sum(body["items"].values()) == 1 and body["bag_full"] is True
    assert sum(body["dropped"].values()) >= 2
    assert player(player_id).item_total == 350


def test_travel_cooldown_refuses_a_spin_far_from_the_last_action(api, clock):
    player_id, token = api.login()
    edit_player(player_id, last_action=Place(48.8566, 2.3522, clock.now_ms() - 60_000))  # Paris
    status, error, headers = _spin(api, token, a_stop(), "spin-jump-0001")
    assert status == 403 and error["error"]["code"] == "travel_cooldown"
    assert int(headers["Retry-After"]) > 3600
