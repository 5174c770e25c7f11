"""Eggs and the buddy through the API, against docs/openapi.json (the Contract of
test_openapi_contract.py checks every answer, success or refusal): a trainer walks 2 km
at walking speed reporting to the map, hatches an egg and collects buddy candy; a drive
at 60 km/h earns nothing; every refusal of the eggs operations is its own code and
changes nothing."""
import json
import math

import pytest

from geocritters.game.config import MINUTE_MS
from geocritters.game.geo import EARTH_RADIUS_M
from tests.api.test_openapi_contract import SPEC_PATH, Contract, _key, _operations
from tests.support.game_state import edit_player, give_creature, give_egg, player
from tests.support.nearby import HOME

M_PER_DEG_LAT = math.pi * EARTH_RADIUS_M / 180
GHOST_EGG = "eg-0000000000000-0000000000000000"


@pytest.fixture(scope="module")
def spec():
    return json.loads(SPEC_PATH.read_text())


def walk_north(c, token, clock, start, metres, kmh, every_s=30):
    """Report positions to the map every ``every_s`` seconds along a straight line north
    at ``kmh``, as a phone would: returns where the walk ended."""
    lat, lng = start
    step_deg = kmh * 1000 / 3600 * every_s / M_PER_DEG_LAT
    for _ in range(math.ceil(metres / (kmh * 1000 / 3600 * every_s))):
        clock.advance(every_s * 1000)
        lat += step_deg
        c.call("GET", f"/v1/map?lat={lat}&lng={lng}", token=token, expect=200)
    return lat, lng


def test_a_walk_hatches_an_egg_and_pays_buddy_candy_and_a_drive_pays_nothing(api, clock, spec):
    c = Contract(api, spec)
    me, token = api.login("eggs-walker")
    edit_player(me, xp=5_000_000)
    egg = give_egg(me, 1, km=2)
    spare = give_egg(me, 2, km=5)
    buddy = give_creature(me, 1)  # a Mossling: a candy every km
    c.call("GET", f"/v1/map?lat={HOME[0]}&lng={HOME[1]}", token=token, expect=200)

    # --- refusals before the walk -------------------------------------------------------
    hatch = f"/v1/me/eggs/{egg.egg_id}/hatch"
    c.call("POST", hatch, token=token, headers=_key("hatch"), expect=409, code="egg_not_incubating")
    c.call("POST", f"/v1/me/eggs/{GHOST_EGG}/incubate", {"incubator_id": "infinite"}, token=token,
           headers=_key("incubate"), expect=404, code="egg_not_found")
    c.call("POST", "/v1/me/eggs/eg-1/incubate", {"incubator_id": "infinite"}, token=token,
           headers=_key("incubate"), expect=400, code="invalid_egg_id")
    c.call("POST", f"/v1/me/eggs/{egg.egg_id}/incubate", {"incubator_id": "ic-nope"}, token=token,
           headers=_key("incubate"), expect=400, code="invalid_incubator_id")
    c.call("POST", f"/v1/me/eggs/{egg.egg_id}/incubate",
           {"incubator_id": "ic-0000000000000-0000000000000000"}, token=token,
           headers=_key("incubate"), expect=404, code="incubator_not_found")
    incubated = c.call("POST", f"/v1/me/eggs/{egg.egg_id}/incubate", {"incubator_id": "infinite"},
                       token=token, headers=_key("incubate"), expect=200)
    assert incubated["egg"]["incubator"] == "infinite", incubated
    c.call("POST", f"/v1/me/eggs/{egg.egg_id}/incubate", {"incubator_id": "infinite"}, token=token,
           headers=_key("incubate"), expect=409, code="egg_incubating")
    c.call("POST", f"/v1/me/eggs/{spare.egg_id}/incubate", {"incubator_id": "infinite"}, token=token,
           headers=_key("incubate"), expect=409, code="incubator_busy")
    c.call("POST", "/v1/me/buddy/candy", token=token, headers=_key("candy"), expect=409, code="no_buddy")
    c.call("POST", "/v1/me/buddy", {"creature_id": "cr-0000000000000-nope"}, token=token,
           headers=_key("buddy"), expect=404, code="creature_not_found")
    chosen = c.call("POST", "/v1/me/buddy", {"creature_id": buddy.creature_id}, token=token,
                    headers=_key("buddy"), expect=200)
    assert chosen["buddy"]["km_per_candy"] == 1 and chosen["swaps_today"] == 1, chosen
    c.call("POST", "/v1/me/buddy", {"creature_id": buddy.creature_id}, token=token,
           headers=_key("buddy"), expect=409, code="already_buddy")
    c.call("POST", f"/v1/me/creatures/{buddy.creature_id}/transfer", token=token,
           headers=_key("transfer"), expect=409, code="creature_is_buddy")
    c.call("POST", hatch, token=token, headers=_key("hatch"), expect=409, code="egg_not_ready")

    # --- 2 km at 5 km/h, reported every 30 s ------------------------------------------
    before = player(me)
    end = walk_north(c, token, clock, HOME, 2_050, kmh=5.0)
    # The trail keeps the last report of each minute: stand still into the next minute, so
    # the walk's last sample is final (a later report in its minute would replace it).
    clock.advance(MINUTE_MS)
    c.call("GET", f"/v1/map?lat={end[0]}&lng={end[1]}", token=token, expect=200)
    walked = c.call("GET", "/v1/me/eggs", token=token, expect=200)
    assert 2.0 <= walked["walked_km"] <= 2.1, walked
    assert player(me).walk.walked_m > 1_000  # the map folded on the way, in its own writes
    assert player(me).revision == before.revision  # ... none of them an action's save
    hatch_key = _key("hatch")
    hatched = c.call("POST", hatch, token=token, headers=hatch_key, expect=200)
    assert hatched["km"] == 2 and hatched["creature"]["species"] == egg.species_id, hatched
    assert c.call("POST", hatch, token=token, headers=hatch_key, expect=200) == hatched  # replay
    c.call("POST", hatch, token=token, headers=_key("hatch"), expect=404, code="egg_not_found")
    status, listing, _ = api.call("GET", "/v1/me/creatures", token=token)  # test ids: not the contract's
    assert status == 200 and [x["id"] for x in listing["creatures"]].count(hatched["creature"]["id"]) == 1

    candy_key = _key("candy")
    paid = c.call("POST", "/v1/me/buddy/candy", token=token, headers=candy_key, expect=200)
    assert paid["candy_paid"] == 2 and paid["candy_family"] == "Mossling", paid
    assert c.call("POST", "/v1/me/buddy/candy", token=token, headers=candy_key, expect=200) == paid
    again = c.call("POST", "/v1/me/buddy/candy", token=token, headers=_key("candy"), expect=200)
    assert again["candy_paid"] == 0, again
    assert c.call("GET", "/v1/me/buddy", token=token, expect=200)["buddy"]["candy_credited"] == 2

    # --- a drive at 60 km/h and a teleport earn nothing -----------------------------------
    end = walk_north(c, token, clock, end, 5_000, kmh=60.0)
    clock.advance(MINUTE_MS)
    c.call("GET", f"/v1/map?lat={end[0] + 0.5}&lng={end[1]}", token=token, expect=200)
    clock.advance(20 * MINUTE_MS)  # long enough for every slot of the trail to be replaced
    c.call("GET", f"/v1/map?lat={end[0] + 0.5}&lng={end[1]}", token=token, expect=200)
    assert c.call("GET", "/v1/me/eggs", token=token, expect=200)["walked_km"] == walked["walked_km"]

    # --- the swap limit ---------------------------------------------------------------------
    others = [give_creature(me, n) for n in (2, 3)]
    edit_player(me, buddy_swaps_today=19)
    c.call("POST", "/v1/me/buddy", {"creature_id": others[0].creature_id}, token=token,
           headers=_key("buddy"), expect=200)
    c.call("POST", "/v1/me/buddy", {"creature_id": others[1].creature_id}, token=token,
           headers=_key("buddy"), expect=403, code="buddy_swap_limit")
    c.call("GET", "/v1/me/eggs", expect=401)

    for path, method, operation in _operations(spec):
        if "eggs" not in operation.get("tags", []):
            continue
        statuses = c.seen[(path, method)]
        assert any(200 <= s < 300 for s in statuses), f"{method} {path}: no success exercised"
        if method == "post":
            assert any(400 <= s < 500 for s in statuses), f"{method} {path}: no refusal exercised"
