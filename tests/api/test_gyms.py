"""Gyms over the API: a takeover from deploy to the defender's return, and refusals as
JSON 4xx that change nothing."""
from geocritters.usecases.gym_board import GYM_BOARD_TTL_MS
from tests.support.game_state import edit_player, give_creature, player
from tests.support.nearby import a_gym

TEAM_LEVEL_XP = 10_000  # level 5: teams are open


def _trainer(api, device, team):
    player_id, token = api.login(device)
    edit_player(player_id, team=team, xp=TEAM_LEVEL_XP, items={"ball": 20, "razz_berry": 5})
    return player_id, token


def _post(api, token, path, body, key):
    return api.call("POST", path, body, token=token, headers={"Idempotency-Key": key})


def _at(gym, **body):
    return {**body, "lat": gym.lat, "lng": gym.lng}


def test_a_rival_takes_the_gym_and_the_defender_comes_home_with_coins(api, clock):
    gym = a_gym()
    blue_id, blue = _trainer(api, "device-blue", "blue")
    defender = give_creature(blue_id, 1, species_id=1, level=1.0)
    status, deployed, _ = _post(api, blue, f"/v1/gyms/{gym.id}/defenders",
                                _at(gym, creature_id=defender.creature_id), "deploy-0001")
    assert status == 200, deployed
    assert deployed["gym"]["team"] == "blue" and deployed["gym"]["free_slots"] == 5
    assert _post(api, blue, f"/v1/gyms/{gym.id}/defenders",
                 _at(gym, creature_id=defender.creature_id), "deploy-0001")[:2] == (200, deployed)

    status, page, _ = api.call("GET", f"/v1/gyms/{gym.id}?lat={gym.lat}&lng={gym.lng}", token=blue)
    assert status == 200 and page["revision"] == 1
    assert [d["creature_id"] for d in page["defenders"]] == [defender.creature_id]
    # The map serves gym states from a per-container cache (usecases/gym_board.py): a map
    # container that saw the gym before the deploy may show it so until the TTL passes.
    clock.advance(GYM_BOARD_TTL_MS)
    status, shown, _ = api.call("GET", f"/v1/map?lat={gym.lat}&lng={gym.lng}", token=blue)
    assert {g["id"]: g["team"] for g in shown["gyms"]}[gym.id] == "blue"

    status, refused, _ = api.call(
        "POST", f"/v1/me/creatures/{defender.creature_id}/transfer", token=blue,
        headers={"Idempotency-Key": "transfer-0001"})
    assert status == 409 and refused["error"]["code"] == "creature_defending"

    red_id, red = _trainer(api, "device-red", "red")
    team = [give_creature(red_id, 10 + n, species_id=30 + n, level=35.0).creature_id
            for n in range(6)]
    left = []
    for n in range(20):
        clock.advance(11 * 60_000)
        status, fought, _ = _post(api, red, f"/v1/gyms/{gym.id}/battles",
                                  _at(gym, creature_ids=team), f"battle-{n:04d}")
        assert status == 200, fought
        left += fought["left_gym"]
        if fought["gym"]["team"] is None:
            break
    assert left == [defender.creature_id]

    status, mine, _ = api.call("GET", "/v1/me/defenders", token=blue)
    assert status == 200 and [r["creature_id"] for r in mine["returned"]] == [defender.creature_id]
    coins = mine["returned"][0]["coins"]
    status, claimed, _ = _post(api, blue, "/v1/me/defenders/claim", None, "claim-0001")
    assert status == 200 and claimed["coins_credited"] == coins > 0
    for _ in range(3):  # retries replay; nothing is credited twice
        assert _post(api, blue, "/v1/me/defenders/claim", None, "claim-0001")[:2] == (200, claimed)
    assert player(blue_id).coins == coins and player(blue_id).defending == {}

    status, taken, _ = _post(api, red, f"/v1/gyms/{gym.id}/defenders",
                             _at(gym, creature_id=team[0]), "deploy-red-01")
    assert status == 200 and taken["gym"]["team"] == "red"


def test_gym_refusals_are_json_and_change_nothing(api):
    gym = a_gym()
    blue_id, blue = _trainer(api, "device-blue", "blue")
    mine = give_creature(blue_id, 1)
    before = player(blue_id)
    cases = [
        ("/v1/gyms/gy-dr5ru7c-999/defenders", _at(gym, creature_id=mine.creature_id), 404, "gym_not_found"),
        ("/v1/gyms/" + "g" * 129 + "/defenders", _at(gym, creature_id=mine.creature_id), 400, "invalid_fort_id"),
        (f"/v1/gyms/{gym.id}/defenders", {"creature_id": mine.creature_id, "lat": gym.lat + 0.01,
                                          "lng": gym.lng}, 403, "out_of_range"),
        (f"/v1/gyms/{gym.id}/defenders", _at(gym, creature_id="cr-nope"), 404, "creature_not_found"),
        (f"/v1/gyms/{gym.id}/defenders", _at(gym, creature_id=mine.creature_id, cp=9999), 400, "unknown_field"),
        (f"/v1/gyms/{gym.id}/battles", _at(gym, creature_ids=[mine.creature_id]), 409, "gym_empty"),
        (f"/v1/gyms/{gym.id}/battles", _at(gym, creature_ids=[]), 400, "invalid_team_size"),
        (f"/v1/gyms/{gym.id}/battles", _at(gym, creature_ids=["cr-1"] * 7), 400, "invalid_team_size"),
        (f"/v1/gyms/{gym.id}/berries", _at(gym, creature_id=mine.creature_id), 409, "rival_gym"),
    ]
    for n, (path, body, code, error) in enumerate(cases):
        status, answer, _ = _post(api, blue, path, body, f"refused-{n:04d}")
        assert (status, answer["error"]["code"]) == (code, error), (path, body, answer)
    assert player(blue_id) == before
