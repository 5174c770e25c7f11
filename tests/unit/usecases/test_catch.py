"""Encounters and throws on the in-memory store."""
from dataclasses import replace

import pytest

from geocritters.game.catching import Throw
from geocritters.game.errors import Conflict, InvalidInput, NotFound, RuleRefused
from geocritters.usecases.catch import throw
from geocritters.usecases.encounter import start_encounter
from geocritters.usecases.idempotency import fingerprint
from geocritters.usecases.ports import SavePlayer

from .conftest import spawns_near

BALL = Throw(ball="ball")


def _throw(ctx, player_id, encounter_id, key, aim=BALL):
    return throw(ctx, player_id, encounter_id, aim, key, fingerprint("throw", encounter_id, {"ball": aim.ball}))


def _resolve(ctx, player_id, encounter_id, prefix="k"):
    """Throw until the encounter is over; the throws' results in order."""
    results = []
    while not results or results[-1]["outcome"] == "escaped":
        results.append(_throw(ctx, player_id, encounter_id, f"{prefix}-{len(results):04d}"))
    return results


def _caught(ctx, player_id):
    """An encounter that ended in a catch (spawns are tried in turn)."""
    for spawn in spawns_near(ctx):
        encounter = start_encounter(ctx, player_id, spawn.id, spawn.lat, spawn.lng)
        results = _resolve(ctx, player_id, encounter["encounter_id"], prefix=spawn.id)
        if results[-1]["outcome"] == "caught":
            return encounter, results
    raise AssertionError("nothing caught around HOME")


def test_an_encounter_is_fixed_per_player_and_spawn(ctx, player_id, store):
    spawn = spawns_near(ctx)[0]
    first = start_encounter(ctx, player_id, spawn.id, spawn.lat, spawn.lng)
    assert start_encounter(ctx, player_id, spawn.id, spawn.lat, spawn.lng) == first
    assert first["species"] == spawn.species_id and first["status"] == "active"
    assert len(store.tables.encounters) == 1


def test_an_encounter_needs_the_player_next_to_the_spawn(ctx, player_id, store):
    spawn = spawns_near(ctx)[0]
    with pytest.raises(RuleRefused) as refused:
        start_encounter(ctx, player_id, spawn.id, spawn.lat + 0.01, spawn.lng)
    assert refused.value.code == "out_of_range"
    assert not store.tables.encounters


def test_a_catch_grants_rewards_and_the_creature_in_one_commit(ctx, player_id, store):
    before = store.get_player(player_id)
    encounter, results = _caught(ctx, player_id)
    caught = results[-1]
    assert (caught["xp"], caught["stardust"], caught["candy"]) == (100, 100, 3)
    creature = store.get_creature(player_id, caught["creature"]["id"])
    assert creature.encounter_id == encounter["encounter_id"]
    after = store.get_player(player_id)
    assert after.stardust >= before.stardust + 100
    assert encounter["spawn_id"] in after.resolved_spawns
    stored = store.get_encounter(player_id, encounter["encounter_id"])
    assert (stored.status, stored.throws) == ("caught", results[-1]["throw_index"] + 1)


def test_every_throw_spends_its_ball_once(ctx, player_id, store):
    spawn = spawns_near(ctx)[0]
    encounter = start_encounter(ctx, player_id, spawn.id, spawn.lat, spawn.lng)
    balls = store.get_player(player_id).items["ball"]
    results = _resolve(ctx, player_id, encounter["encounter_id"])
    assert [r["throw_index"] for r in results] == list(range(len(results)))
    assert store.get_player(player_id).items["ball"] == balls - len(results)
    assert results[-1]["balls_left"] == balls - len(results)


def test_a_replayed_throw_returns_the_first_answer_and_changes_nothing(ctx, player_id, store):
    spawn = spawns_near(ctx)[0]
    encounter = start_encounter(ctx, player_id, spawn.id, spawn.lat, spawn.lng)
    first = _throw(ctx, player_id, encounter["encounter_id"], "same-key")
    snapshot, commits = store.tables.snapshot(), store.tables.commits
    for _ in range(5):
        assert _throw(ctx, player_id, encounter["encounter_id"], "same-key") == first
    assert store.tables.snapshot() == snapshot and store.tables.commits == commits


def test_a_throw_after_the_end_is_refused_and_costs_nothing(ctx, player_id, store):
    encounter, _ = _caught(ctx, player_id)
    balls = store.get_player(player_id).items["ball"]
    with pytest.raises(Conflict) as refused:
        _throw(ctx, player_id, encounter["encounter_id"], "after-the-end")
    assert refused.value.code == "already_caught"
    assert store.get_player(player_id).items["ball"] == balls


def test_throws_at_unknown_encounters_or_with_unknown_balls_are_refused(ctx, player_id, store):
    with pytest.raises(NotFound) as refused:
        _throw(ctx, player_id, "en-nope", "k-1")
    assert refused.value.code == "encounter_not_found"
    spawn = spawns_near(ctx)[0]
    encounter = start_encounter(ctx, player_id, spawn.id, spawn.lat, spawn.lng)
    with pytest.raises(InvalidInput):
        _throw(ctx, player_id, encounter["encounter_id"], "k-2", Throw(ball="rock"))
    assert store.get_action(player_id, "k-2") is None


def test_a_throw_without_balls_is_refused(ctx, player_id, store):
    spawn = spawns_near(ctx)[0]
    encounter = start_encounter(ctx, player_id, spawn.id, spawn.lat, spawn.lng)
    store.commit([SavePlayer(replace(store.get_player(player_id), items={}))])
    with pytest.raises(Conflict):
        _throw(ctx, player_id, encounter["encounter_id"], "k-1")
    assert store.get_encounter(player_id, encounter["encounter_id"]).throws == 0
