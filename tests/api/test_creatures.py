"""The collection: signed-cursor pagination, transfer, evolve, power-up."""
import pytest

from geocritters import bootstrap
from tests.support.game_state import edit_player, give_creature, player

MOSSBRUTE, GROVELORD = 2, 3


def _post(api, token, creature_id, action, key):
    return api.call("POST", f"/v1/me/creatures/{creature_id}/{action}", token=token,
                    headers={"Idempotency-Key": key})


def test_pages_are_complete_newest_first_and_signed(api):
    player_id, token = api.login()
    api.call("GET", "/v1/me", token=token)
    made = [give_creature(player_id, n) for n in range(7)]
    seen, cursor = [], None
    while True:
        query = "limit=3" + (f"&cursor={cursor}" if cursor else "")
        status, page, _ = api.call("GET", f"/v1/me/creatures?{query}", token=token)
        assert status == 200, page
        assert len(page["creatures"]) <= 3
        seen += [c["id"] for c in page["creatures"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == [c.creature_id for c in reversed(made)]


def test_bad_limits_and_cursors_are_400(api):
    player_id, token = api.login("device-owner-01")
    _, other = api.login("device-other-01")
    for n in range(3):
        give_creature(player_id, n)
    _, page, _ = api.call("GET", "/v1/me/creatures?limit=1", token=token)
    cursor = page["next_cursor"]
    payload, mac = cursor.split(".")
    for query in ["limit=0", "limit=51", "limit=-1", "limit=abc", "limit=1.5",
                  f"cursor={payload}.{'0' * len(mac)}", f"cursor={payload[:-2]}.{mac}", "cursor=junk"]:
        status, body, _ = api.call("GET", f"/v1/me/creatures?{query}", token=token)
        assert status == 400, (query, body)
    status, body, _ = api.call("GET", f"/v1/me/creatures?cursor={cursor}", token=other)
    assert status == 400 and body["error"]["code"] == "invalid_cursor"


def test_transfer_gives_candy_once(api):
    player_id, token = api.login()
    creature = give_creature(player_id, 1)
    status, body, _ = _post(api, token, creature.creature_id, "transfer", "transfer-key-1")
    assert status == 200 and body["candy"] == 1
    assert player(player_id).candy == {"Mossling": 1}
    assert _post(api, token, creature.creature_id, "transfer", "transfer-key-1")[:2] == (status, body)
    status, _error, _ = _post(api, token, creature.creature_id, "transfer", "transfer-key-2")
    assert status == 404
    assert player(player_id).candy == {"Mossling": 1}


def test_evolve_spends_candy_and_changes_species(api):
    player_id, token = api.login()
    creature = give_creature(player_id, 1)
    status, error, _ = _post(api, token, creature.creature_id, "evolve", "evolve-key-01")
    assert status == 409 and error["error"]["code"] == "not_enough_candy"
    edit_player(player_id, candy={"Mossling": 30})
    status, body, _ = _post(api, token, creature.creature_id, "evolve", "evolve-key-02")
    assert status == 200 and body["creature"]["species"] == MOSSBRUTE
    assert player(player_id).candy == {"Mossling": 5}
    assert _post(api, token, creature.creature_id, "evolve", "evolve-key-02")[:2] == (status, body)
    assert player(player_id).candy == {"Mossling": 5}


def test_final_stage_cannot_evolve(api):
    player_id, token = api.login()
    creature = give_creature(player_id, 1, species_id=GROVELORD)
    edit_player(player_id, candy={"Mossling": 500})
    status, error, _ = _post(api, token, creature.creature_id, "evolve", "evolve-final-1")
    assert status == 409 and error["error"]["code"] == "cannot_evolve"


def test_power_up_costs_and_caps(api):
    player_id, token = api.login()
    creature = give_creature(player_id, 1, level=1.0)
    status, error, _ = _post(api, token, creature.creature_id, "power-up", "power-key-001")
    assert status == 409 and error["error"]["code"] == "not_enough_stardust"
    edit_player(player_id, stardust=1000, candy={"Mossling": 10})
    status, body, _ = _post(api, token, creature.creature_id, "power-up", "power-key-002")
    assert status == 200 and body["creature"]["level"] == 1.5
    assert body["creature"]["cp"] >= 10
    state = player(player_id)
    assert state.stardust == 1000 - body["stardust_spent"]
    assert state.candy["Mossling"] == 10 - body["candy_spent"]
    # A level-1 trainer can't raise a creature past level 3.
    high = give_creature(player_id, 2, level=3.0)
    status, error, _ = _post(api, token, high.creature_id, "power-up", "power-key-003")
    assert status == 403 and error["error"]["code"] == "level_cap"


@pytest.mark.parametrize("action", ["transfer", "evolve", "power-up"])
def test_another_players_creature_does_not_exist_for_you(api, action):
    owner_id, _ = api.login("device-owner-02")
    thief_id, thief = api.login("device-thief-02")
    creature = give_creature(owner_id, 1)
    edit_player(thief_id, candy={"Mossling": 500}, stardust=100000)
    before = player(thief_id)
    status, _, _ = _post(api, thief, creature.creature_id, action, "steal-key-0001")
    assert status == 404
    assert player(thief_id) == before
    assert bootstrap.game_context().store.get_creature(owner_id, creature.creature_id) == creature


def test_changes_refuse_bodies_and_need_keys(api):
    player_id, token = api.login()
    creature = give_creature(player_id, 1)
    status, error, _ = api.call("POST", f"/v1/me/creatures/{creature.creature_id}/transfer", token=token)
    assert status == 400 and error["error"]["code"] == "missing_idempotency_key"
    status, error, _ = api.call("POST", f"/v1/me/creatures/{creature.creature_id}/transfer",
                                {"owner": "someone-else"}, token=token,
                                headers={"Idempotency-Key": "transfer-body-1"})
    assert status == 400 and error["error"]["code"] == "unknown_field"
