"""The gym operations against docs/openapi.json: a scripted session (the Contract of
test_openapi_contract.py) where every answer, success or refusal, is checked against the
documented response for its status, and every refusal's code against the status's
``x-error-codes``. Two blue players hold a gym (deploy, view, spin, feed), a red one
battles until it falls, the owner claims the defender back."""
import json
from dataclasses import replace

import pytest

from geocritters import bootstrap
from geocritters.game.entities import Creature
from geocritters.game.stats import IVs
from geocritters.usecases.ports import AddCreature, SavePlayer
from tests.api.test_openapi_contract import SPEC_PATH, Contract, _key, _operations
from tests.support.nearby import a_gym

LEVEL_5_XP = 10_000
WEAK, OTHER_WEAK, STRONG = 31, 13, 38  # species by stat product: two of the weakest, one of the strongest
GHOST_CREATURE = "cr-0000000000000-0000000000"


@pytest.fixture(scope="module")
def spec():
    return json.loads(SPEC_PATH.read_text())


def _gym():
    """A fresh gym with no raid battle under way now (nor for the next hour: a raid's
    egg takes an hour to hatch)."""
    return a_gym(quiet_ms=3_600_000)


def _player(api, device, team, **changes):
    player_id, token = api.login(device)
    store = bootstrap.game_context().store
    state = store.get_player(player_id)
    store.commit([SavePlayer(replace(state, team=team, xp=LEVEL_5_XP, **changes))])
    return player_id, token


def _creature(player_id, n, species_id, level, ivs=15):
    """A creature with an id of the issued shape (cr-<13 digits>-<10 hex>)."""
    creature = Creature(player_id=player_id, creature_id=f"cr-{1_700_000_000_000 + n:013d}-{n:010x}",
                        species_id=species_id, level=level, cp=100 + n, ivs=IVs(ivs, ivs, ivs),
                        caught_ms=1_700_000_000_000 + n, encounter_id=f"en-gym-{n}")
    bootstrap.game_context().store.commit([AddCreature(creature)])
    return creature.creature_id


def test_gym_session_conforms_to_the_document(api, clock, spec):
    c = Contract(api, spec)
    gym = _gym()
    here = {"lat": gym.lat, "lng": gym.lng}
    far = {"lat": gym.lat + 0.01, "lng": gym.lng}
    base = f"/v1/gyms/{gym.id}"
    view = f"{base}?lat={gym.lat}&lng={gym.lng}"
    blue_id, blue = _player(api, "gym-contract-blue-1", "blue")
    blue2_id, blue2 = _player(api, "gym-contract-blue-2", "blue")
    red_id, red = _player(api, "gym-contract-red", "red")
    _, nobody = _player(api, "gym-contract-no-team", None)
    defender = _creature(blue_id, 1, WEAK, 1.0, ivs=0)
    spare = _creature(blue_id, 2, OTHER_WEAK, 1.0, ivs=0)
    defender2 = _creature(blue2_id, 3, OTHER_WEAK, 1.0, ivs=0)
    attackers = [_creature(red_id, 10 + n, STRONG, 40.0) for n in range(3)]
    loner = _creature(blue_id, 4, WEAK, 1.0)

    # --- the map and the gym's page, neutral ---------------------------------------------
    world = c.call("GET", f"/v1/map?lat={gym.lat}&lng={gym.lng}", token=blue, expect=200)
    shown = next(g for g in world["gyms"] if g["id"] == gym.id)
    assert (shown["team"], shown["free_slots"]) == (None, 6), shown
    page = c.call("GET", view, token=blue, expect=200)
    assert (page["team"], page["defenders"], page["revision"]) == (None, [], 0), page
    c.call("GET", f"{base}?lat={far['lat']}&lng={far['lng']}", token=blue, expect=403, code="out_of_range")
    c.call("GET", f"{base}?lat={gym.lat}", token=blue, expect=400, code="missing_field")
    c.call("GET", f"/v1/gyms/not-a-gym?lat={gym.lat}&lng={gym.lng}", token=blue, expect=400,
           code="invalid_fort_id")
    stop_id = next(f.id for f in bootstrap.game_context().world.forts_near(gym.lat, gym.lng, 1000)
                   if f.kind == "stop")
    c.call("GET", f"/v1/gyms/{stop_id}?lat={gym.lat}&lng={gym.lng}", token=blue, expect=404,
           code="gym_not_found")
    c.call("GET", view, expect=401)

    # --- deploy ---------------------------------------------------------------------------
    deploy_key = _key("deploy")
    deployed = c.call("POST", f"{base}/defenders", {"creature_id": defender, **here}, token=blue,
                      headers=deploy_key, expect=200)
    assert deployed["gym"]["team"] == "blue" and deployed["deployed"] == defender, deployed
    assert c.call("POST", f"{base}/defenders", {"creature_id": defender, **here}, token=blue,
                  headers=deploy_key, expect=200) == deployed  # replay
    c.call("POST", f"{base}/defenders", {"creature_id": spare, **here}, token=blue, headers=deploy_key,
           expect=422, code="idempotency_key_reused")
    c.call("POST", f"{base}/defenders", {"creature_id": spare, **here}, token=blue,
           headers=_key("deploy"), expect=409, code="already_defending_gym")
    c.call("POST", f"{base}/defenders", {"creature_id": defender, **here}, token=blue2,
           headers=_key("deploy"), expect=404, code="creature_not_found")
    c.call("POST", f"{base}/defenders", {"creature_id": attackers[0], **here}, token=red,
           headers=_key("deploy"), expect=409, code="rival_gym")
    c.call("POST", f"{base}/defenders", {"creature_id": GHOST_CREATURE, **here}, token=nobody,
           headers=_key("deploy"), expect=404, code="creature_not_found")
    c.call("POST", f"{base}/defenders", {"creature_id": defender, **far}, token=blue,
           headers=_key("deploy"), expect=403, code="out_of_range")
    c.call("POST", f"{base}/defenders", {"creature_id": "cr-%", **here}, token=blue,
           headers=_key("deploy"), expect=400, code="invalid_creature_id")
    c.call("POST", f"{base}/defenders", {"creature_id": defender, **here, "cp": 9999}, token=blue,
           headers=_key("deploy"), expect=400, code="unknown_field")
    c.call("POST", f"{base}/defenders", {"creature_id": defender, **here}, token=blue,
           expect=400, code="missing_idempotency_key")
    c.call("POST", f"{base}/defenders", {"creature_id": defender, **here}, headers=_key("deploy"),
           expect=401)
    mine = c.call("GET", "/v1/me/creatures", token=blue, expect=200)
    assert {x["id"]: x["defending_gym"] for x in mine["creatures"]}[defender] == gym.id
    c.call("POST", f"/v1/me/creatures/{defender}/transfer", token=blue, headers=_key("transfer"),
           expect=409, code="creature_defending")
    mine_now = c.call("GET", "/v1/me/defenders", token=blue, expect=200)
    assert mine_now["defending"] == [{"creature_id": defender, "gym_id": gym.id}], mine_now
    c.call("GET", "/v1/me/defenders", expect=401)

    # --- a second blue player deploys and feeds -------------------------------------------
    c.call("POST", f"{base}/defenders", {"creature_id": defender2, **here}, token=blue2,
           headers=_key("deploy"), expect=200)
    page = c.call("GET", view, token=blue2, expect=200)
    assert [d["creature_id"] for d in page["defenders"]] == [defender, defender2], page
    fed = c.call("POST", f"{base}/berries", {"creature_id": defender, **here}, token=blue2,
                 headers=_key("feed"), expect=200)
    assert fed["fed"] == defender and fed["motivation"] > 0.9, fed
    c.call("POST", f"{base}/berries", {"creature_id": spare, **here}, token=blue2,
           headers=_key("feed"), expect=404, code="defender_not_found")
    c.call("POST", f"{base}/berries", {"creature_id": defender, **here}, token=red,
           headers=_key("feed"), expect=409, code="rival_gym")
    c.call("POST", f"{base}/berries", {"creature_id": defender, **here}, token=nobody,
           headers=_key("feed"), expect=403, code="team_required")
    c.call("POST", f"{base}/berries", {"creature_id": defender, **here}, headers=_key("feed"), expect=401)

    # --- spin -----------------------------------------------------------------------------
    spin_key = _key("gym-spin")
    spun = c.call("POST", f"{base}/spin", here, token=blue, headers=spin_key, expect=200)
    assert spun["raid_pass"] == 1 and spun["items"].get("raid_pass") == 1, spun
    assert c.call("POST", f"{base}/spin", here, token=blue, headers=spin_key, expect=200) == spun
    c.call("POST", f"{base}/spin", here, token=blue, headers=_key("gym-spin"), expect=409,
           code="gym_cooling_down")
    c.call("POST", f"{base}/spin", far, token=red, headers=_key("gym-spin"), expect=403,
           code="out_of_range")
    c.call("POST", f"/v1/gyms/{stop_id}/spin", here, token=red, headers=_key("gym-spin"), expect=404,
           code="gym_not_found")
    c.call("POST", f"{base}/spin", {"lat": gym.lat}, token=red, headers=_key("gym-spin"), expect=400,
           code="invalid_coordinates")

    # --- a rival battles until the gym falls ----------------------------------------------
    c.call("POST", f"{base}/battles", {"creature_ids": [loner], **here}, token=blue,
           headers=_key("battle"), expect=409, code="own_team_gym")
    c.call("POST", f"{base}/battles", {"creature_ids": [attackers[0]] * 2, **here}, token=red,
           headers=_key("battle"), expect=400, code="duplicate_creature")
    c.call("POST", f"{base}/battles", {"creature_ids": attackers * 3, **here}, token=red,
           headers=_key("battle"), expect=400, code="invalid_team_size")
    c.call("POST", f"{base}/battles", {"creature_ids": [GHOST_CREATURE], **here}, token=red,
           headers=_key("battle"), expect=404, code="creature_not_found")
    c.call("POST", f"{base}/battles", {"creature_ids": [defender], **here}, token=blue,
           headers=_key("battle"), expect=409, code="creature_defending")
    battle_key = _key("battle")
    first = c.call("POST", f"{base}/battles", {"creature_ids": attackers, **here}, token=red,
                   headers=battle_key, expect=200)
    assert c.call("POST", f"{base}/battles", {"creature_ids": attackers, **here}, token=red,
                  headers=battle_key, expect=200) == first  # the same battle, not a new roll
    result = first
    for _ in range(12):
        if result["gym"]["team"] is None:
            break
        clock.advance(10_000)
        result = c.call("POST", f"{base}/battles", {"creature_ids": attackers, **here}, token=red,
                        headers=_key("battle"), expect=200)
    fallen = result["gym"]
    assert fallen["team"] is None and fallen["defenders"] == [], result
    assert fallen["deploy_blocked_team"] == "blue" and fallen["deploy_blocked_until_ms"] > 0, fallen
    c.call("POST", f"{base}/battles", {"creature_ids": attackers, **here}, token=red,
           headers=_key("battle"), expect=409, code="gym_empty")
    c.call("POST", f"{base}/defenders", {"creature_id": loner, **here}, token=blue,
           headers=_key("deploy"), expect=409, code="gym_deploy_blocked")
    c.call("POST", f"{base}/battles", {"creature_ids": attackers, **here}, headers=_key("battle"),
           expect=401)

    # --- the owner claims the defender back -----------------------------------------------
    back = c.call("GET", "/v1/me/defenders", token=blue, expect=200)
    assert back["defending"] == [] and [r["creature_id"] for r in back["returned"]] == [defender], back
    claim_key = _key("claim")
    claimed = c.call("POST", "/v1/me/defenders/claim", token=blue, headers=claim_key, expect=200)
    assert [r["creature_id"] for r in claimed["returned"]] == [defender], claimed
    assert c.call("POST", "/v1/me/defenders/claim", {}, token=blue, headers=claim_key,
                  expect=200) == claimed  # replay
    again = c.call("POST", "/v1/me/defenders/claim", token=blue, headers=_key("claim"), expect=200)
    assert again["returned"] == [] and again["coins"] == claimed["coins"], again
    c.call("POST", "/v1/me/defenders/claim", {"coins": 50}, token=blue, headers=_key("claim"),
           expect=400, code="unknown_field")
    c.call("POST", "/v1/me/defenders/claim", token=blue, expect=400, code="missing_idempotency_key")
    c.call("POST", "/v1/me/defenders/claim", headers=_key("claim"), expect=401)
    free = c.call("GET", "/v1/me/creatures", token=blue, expect=200)
    assert {x["id"]: x["defending_gym"] for x in free["creatures"]}[defender] is None

    # --- every gym operation was seen succeeding and refusing -----------------------------
    for path, method, operation in _operations(spec):
        if "gyms" not in operation.get("tags", []):
            continue
        statuses = c.seen[(path, method)]
        assert any(200 <= s < 300 for s in statuses), f"{method} {path}: no success exercised"
        assert any(400 <= s < 500 for s in statuses), f"{method} {path}: no refusal exercised"
