"""Bad input anywhere: a 4xx JSON error, never a 500, and no state change."""
import pytest

from tests.support.game_state import player
from tests.support.nearby import a_spawn


@pytest.mark.parametrize("raw, status, code", [
    ('{"spawn_id": "x", "lat": NaN, "lng": 0}', 400, "invalid_json"),
    ('{"spawn_id": "x", "lat": Infinity, "lng": 0}', 400, "invalid_json"),
    ('{"spawn_id": "x", "lat": -Infinity, "lng": 0}', 400, "invalid_json"),
    ('{"spawn_id": "x", "lat": 1, "lat": 2, "lng": 0}', 400, "invalid_json"),
    ('{"spawn_id": "x", "lat": 1e999, "lng": 0}', 400, "invalid_coordinates"),
    ('{"spawn_id": "x", "lat": true, "lng": 0}', 400, "invalid_coordinates"),
    ('{"spawn_id": "x", "lat": "40.1", "lng": 0}', 400, "invalid_coordinates"),
    ('{"spawn_id": "x", "lat": 91, "lng": 0}', 400, "invalid_coordinates"),
    ('{"spawn_id": "x", "lat": 0, "lng": -180.01}', 400, "invalid_coordinates"),
    ('{"spawn_id": ["x"], "lat": 0, "lng": 0}', 400, "invalid_field"),
    ('[1, 2, 3]', 400, "invalid_json"),
    ('"just a string"', 400, "invalid_json"),
    ('{"spawn_id": ', 400, "invalid_json"),
    ('{"a": ' * 20 + '1' + '}' * 20, 400, "invalid_json"),
    ('', 400, "invalid_json"),
])
def test_malformed_encounter_bodies(api, raw, status, code):
    player_id, token = api.login()
    before = player(player_id)
    got, body, _ = api.call("POST", "/v1/encounters", raw=raw or " ", token=token)
    assert (got, body["error"]["code"]) == (status, code)
    assert player(player_id) == before


def test_oversized_body_is_413(api):
    _, token = api.login()
    raw = '{"spawn_id": "' + "x" * 20_000 + '", "lat": 0, "lng": 0}'
    status, body, _ = api.call("POST", "/v1/encounters", raw=raw, token=token)
    assert status == 413 and body["error"]["code"] == "payload_too_large"


def test_non_json_content_type_is_415(api):
    _, token = api.login()
    spawn = a_spawn()
    status, body, _ = api.call("POST", "/v1/encounters", {"spawn_id": spawn.id, "lat": 0, "lng": 0},
                               token=token, headers={"Content-Type": "text/plain"})
    assert status == 415 and body["error"]["code"] == "unsupported_media_type"


@pytest.mark.parametrize("spawn_id, code", [
    # Not a string of 1-128 characters: refused as a field before it is parsed as an id.
    ("", "invalid_field"), ("x" * 200, "invalid_field"),
    ("sp-", "invalid_spawn_id"), ("sp-!!!!!!!-1-1", "invalid_spawn_id"), ("sp-abcdefg-1", "invalid_spawn_id"),
    ("sp-u4pruyd-0-99999999999999999999", "invalid_spawn_id"),
])
def test_malformed_spawn_ids(api, spawn_id, code):
    _, token = api.login()
    status, body, _ = api.call("POST", "/v1/encounters", {"spawn_id": spawn_id, "lat": 0, "lng": 0},
                               token=token)
    assert status == 400, body
    assert body["error"]["code"] == code, body


def test_team_choice_rules(api):
    from tests.support.game_state import edit_player
    player_id, token = api.login()
    status, body, _ = api.call("POST", "/v1/me/team", {"team": "blue"}, token=token)
    assert status == 403 and body["error"]["code"] == "level_too_low"
    status, body, _ = api.call("POST", "/v1/me/team", {"team": "purple"}, token=token)
    assert status == 400
    edit_player(player_id, xp=20_000)
    status, body, _ = api.call("POST", "/v1/me/team", {"team": "blue"}, token=token)
    assert status == 200 and body["team"] == "blue"
    status, body, _ = api.call("POST", "/v1/me/team", {"team": "red"}, token=token)
    assert status == 409 and body["error"]["code"] == "team_already_chosen"
    assert player(player_id).team == "blue"


def test_items_lists_the_bag(api):
    player_id, token = api.login()
    status, body, _ = api.call("GET", "/v1/me/items", token=token)
    assert status == 200
    assert body["items"] == dict(player(player_id).items) and body["capacity"] == 350


@pytest.mark.parametrize("query", ["lat=1_0&lng=0", "lat=%201&lng=0", "lat=inf&lng=0",
                                   "lat=0x1&lng=0"])
def test_only_plain_decimal_query_numbers(api, query):
    _, token = api.login()
    status, body, _ = api.call("GET", f"/v1/map?{query}", token=token)
    assert status == 400 and body["error"]["code"] == "invalid_coordinates"


def test_huge_integer_coordinates_are_400_not_500(api):
    _, token = api.login()
    raw = '{"spawn_id": "sp-dr5ru7c-0-1", "lat": 1%s, "lng": 0}' % ("0" * 400)
    status, body, _ = api.call("POST", "/v1/encounters", raw=raw, token=token)
    assert status == 400 and body["error"]["code"] == "invalid_coordinates"


@pytest.mark.parametrize("content_type", ["application/octet-stream", "image/png", "text/csv"])
def test_any_other_content_type_is_our_415(api, content_type):
    status, body, _ = api.call("POST", "/v1/auth/guest", {"device_id": "device-ctype-01"},
                               headers={"Content-Type": content_type})
    assert status == 415 and body["error"]["code"] == "unsupported_media_type"


def test_wrong_method_is_a_json_404_like_api_gateway(api):
    _, token = api.login()
    status, body, _ = api.call("DELETE", "/v1/me", token=token)
    assert status == 404 and body["error"]["code"] == "not_found"


def test_null_optional_fields_mean_absent(api):
    from tests.support.api_calls import start_encounter, throw
    _, token = api.login()
    encounter = start_encounter(api, token)
    status, body, _ = throw(api, token, encounter["encounter_id"], "null-fields-01",
                            {"ball": "ball", "berry": None, "throw": None, "curveball": None})
    assert status == 200, body
