"""Concurrency: requests that really race (a barrier releases them together) over HTTP
against DynamoDB Local. Never run on moto: it is not thread-safe, so a pass there
would prove nothing. ``RACE_TRIALS`` repeats each race (default 3), ``RACE_TRIALS_HEAVY``
the two 40+-racer ones (default 1). The race helpers are tests/support/races.py's."""
import os

import pytest

from geocritters import bootstrap
from geocritters.game.catching import Throw, resolve_throw
from geocritters.game.randomness import OutcomeRng
from geocritters.game.species import species
from geocritters.usecases.encounter import encounter_id_for
from tests.support.api_calls import start_encounter
from tests.support.game_state import edit_player, player
from tests.support.nearby import a_stop, spawns_around, spawns_walking_north
from tests.support.races import TRIALS, race, until_settled

# 40+ racers on ONE player serialise on its revision: O(n²) work, ~1 min a trial here.
HEAVY_TRIALS = int(os.environ.get("RACE_TRIALS_HEAVY", "1"))
pytestmark = pytest.mark.usefixtures("real_database_only")
BEST_THROW = {"ball": "ultra_ball", "berry": "razz_berry", "throw": "excellent", "curveball": True}


def _first_throw_catches(player_id: str):
    """A spawn near home whose first best throw is a catch (the test knows the secret)."""
    ctx = bootstrap.game_context()
    aim = Throw(**{k if k != "throw" else "quality": v for k, v in BEST_THROW.items()})
    for step in range(200):
        for spawn in spawns_around(40.7580 + 0.002 * step, -73.9855):
            encounter_id = encounter_id_for(ctx.keys.outcomes, player_id, spawn.id)
            rng = OutcomeRng(ctx.keys.outcomes, "throw", player_id, encounter_id, 0)
            if resolve_throw(species(spawn.species_id), float(spawn.level), aim, rng) == "caught":
                return spawn
    raise AssertionError("no spawn with a sure first catch")


@pytest.mark.parametrize("trial", range(TRIALS))
def test_fifty_concurrent_catches_of_one_encounter_catch_once(api, trial):
    player_id, token = api.login(f"racer-catch-{trial}")
    edit_player(player_id, items={"ultra_ball": 100, "razz_berry": 100})
    encounter = start_encounter(api, token, _first_throw_catches(player_id))
    path = f"/v1/encounters/{encounter['encounter_id']}/throws"

    results = race(50, lambda i: until_settled(lambda: api.call(
        "POST", path, BEST_THROW, token=token, headers={"Idempotency-Key": f"race-{trial}-{i:04d}"})))

    caught = [body for status, body in results if status == 200]
    assert len(caught) == 1 and caught[0]["outcome"] == "caught", results
    assert all(status == 409 for status, _ in results if status != 200), results
    state = player(player_id)
    assert state.items["ultra_ball"] == 99 and state.items["razz_berry"] == 99
    _, listing, _ = api.call("GET", "/v1/me/creatures", token=token)
    assert len(listing["creatures"]) == 1


@pytest.mark.parametrize("trial", range(TRIALS))
def test_twenty_concurrent_replays_apply_once(api, trial):
    player_id, token = api.login(f"racer-replay-{trial}")
    encounter = start_encounter(api, token)
    balls = player(player_id).items["ball"]
    path = f"/v1/encounters/{encounter['encounter_id']}/throws"

    results = race(20, lambda i: until_settled(lambda: api.call(
        "POST", path, {"ball": "ball"}, token=token, headers={"Idempotency-Key": f"one-key-{trial}"})))

    assert all(result == results[0] for result in results), results
    assert results[0][0] == 200
    assert player(player_id).items["ball"] == balls - 1


@pytest.mark.parametrize("trial", range(TRIALS))
def test_two_concurrent_spins_of_one_stop_reward_once(api, trial):
    player_id, token = api.login(f"racer-spin-{trial}")
    stop = a_stop()
    before = player(player_id)
    body = {"lat": stop.lat, "lng": stop.lng}

    results = race(2, lambda i: until_settled(lambda: api.call(
        "POST", f"/v1/stops/{stop.id}/spin", body, token=token,
        headers={"Idempotency-Key": f"spin-race-{trial}-{i}"})))

    statuses = sorted(status for status, _ in results)
    assert statuses == [200, 409], results
    reward = next(body for status, body in results if status == 200)
    after = player(player_id)
    assert after.xp == before.xp + reward["xp"]
    assert after.item_total == before.item_total + sum(reward["items"].values())


def _forty_spawns_within_a_kilometre():
    """40 active spawns pairwise < 1 km apart, so no throw triggers the travel cooldown."""
    ctx = bootstrap.game_context()
    return spawns_walking_north(ctx.world, ctx.clock.now_ms(), 40.7580, -73.9855,
                                radius_m=495.0, step_deg=0.01, at_least=40)[:40]


@pytest.mark.parametrize("trial", range(HEAVY_TRIALS))
def test_forty_concurrent_ball_spends_leave_the_exact_count(api, trial):
    player_id, token = api.login(f"racer-spend-{trial}")
    encounters = [start_encounter(api, token, spawn)["encounter_id"]
                  for spawn in _forty_spawns_within_a_kilometre()]
    edit_player(player_id, items={"ball": 25})

    results = race(40, lambda i: until_settled(lambda: api.call(
        "POST", f"/v1/encounters/{encounters[i]}/throws", {"ball": "ball"}, token=token,
        headers={"Idempotency-Key": f"spend-{trial}-{i:03d}"})))

    spent = sum(1 for status, _ in results if status == 200)
    refused = {body["error"]["code"] for status, body in results if status != 200}
    assert spent == 25 and refused == {"not_enough_items"}, results
    assert player(player_id).items["ball"] == 0


@pytest.mark.parametrize("trial", range(HEAVY_TRIALS))
def test_forty_five_concurrent_power_ups_spend_exactly(api, trial):
    from tests.support.game_state import give_creature

    player_id, token = api.login(f"racer-power-{trial}")
    creatures = [give_creature(player_id, n, level=1.0) for n in range(45)]
    edit_player(player_id, stardust=30 * 200, candy={"Mossling": 1000})  # 30 power-ups' worth

    results = race(45, lambda i: until_settled(lambda: api.call(
        "POST", f"/v1/me/creatures/{creatures[i].creature_id}/power-up", token=token,
        headers={"Idempotency-Key": f"power-{trial}-{i:03d}"})))

    done = [body for status, body in results if status == 200]
    refused = {body["error"]["code"] for status, body in results if status != 200}
    assert len(done) == 30 and refused == {"not_enough_stardust"}, results
    state = player(player_id)
    assert state.stardust == 0
    assert state.candy["Mossling"] == 1000 - sum(body["candy_spent"] for body in done)


@pytest.mark.parametrize("trial", range(TRIALS))
def test_two_concurrent_far_apart_spins_cannot_both_pass_the_travel_cooldown(api, trial):
    player_id, token = api.login(f"racer-travel-{trial}")
    here, there = a_stop(), a_stop(41.66, -73.9855)  # ~100 km apart

    def spin(i):
        stop = (here, there)[i]
        return until_settled(lambda: api.call(
            "POST", f"/v1/stops/{stop.id}/spin", {"lat": stop.lat, "lng": stop.lng}, token=token,
            headers={"Idempotency-Key": f"travel-race-{trial}-{i}"}))

    results = race(2, spin)
    statuses = sorted(status for status, _ in results)
    assert statuses == [200, 403], results
    assert next(body for status, body in results if status == 403)["error"]["code"] == "travel_cooldown"
    assert len(player(player_id).stop_cooldowns) == 1
