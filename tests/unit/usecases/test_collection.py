"""Transfer, evolve, power-up and listing on the in-memory store."""
from dataclasses import replace

import pytest

from geocritters.game.entities import Creature
from geocritters.game.errors import Conflict, InvalidInput, NotFound, RuleRefused
from geocritters.game.stats import IVs
from geocritters.usecases import collection
from geocritters.usecases.idempotency import fingerprint
from geocritters.usecases.ports import AddCreature, SavePlayer

MOSSLING, MOSSBRUTE = 1, 2


def _give(store, player_id, n=0, species_id=MOSSLING, level=10.0):
    creature = Creature(player_id, f"cr-{1_700_000_000_000 + n:013d}-test{n:06d}", species_id,
                        level, 100 + n, IVs(10, 10, 10), 1_700_000_000_000 + n, f"en-{n}")
    store.commit([AddCreature(creature)])
    return creature


def _edit(store, player_id, **fields):
    store.commit([SavePlayer(replace(store.get_player(player_id), **fields))])


def _run(operation, ctx, player_id, creature_id, key):
    return operation(ctx, player_id, creature_id, key, fingerprint(operation.__name__, creature_id))


def test_a_transfer_removes_the_creature_and_gives_candy_once(ctx, player_id, store):
    creature = _give(store, player_id)
    result = _run(collection.transfer, ctx, player_id, creature.creature_id, "t-1")
    assert result == {"transferred": creature.creature_id, "candy": 1, "family": "Mossling",
                      "candy_total": 1}
    assert store.get_creature(player_id, creature.creature_id) is None
    assert _run(collection.transfer, ctx, player_id, creature.creature_id, "t-1") == result
    assert store.get_player(player_id).candy == {"Mossling": 1}
    with pytest.raises(NotFound) as refused:  # a new key for a creature already gone
        _run(collection.transfer, ctx, player_id, creature.creature_id, "t-2")
    assert refused.value.code == "creature_not_found"


def test_an_evolution_spends_its_candy_and_changes_the_species(ctx, player_id, store):
    creature = _give(store, player_id)
    with pytest.raises(Conflict) as refused:
        _run(collection.evolve, ctx, player_id, creature.creature_id, "e-0")
    assert refused.value.code == "not_enough_candy"
    _edit(store, player_id, candy={"Mossling": 30})
    result = _run(collection.evolve, ctx, player_id, creature.creature_id, "e-1")
    assert result["candy_spent"] == 25 and result["creature"]["species"] == MOSSBRUTE
    stored = store.get_creature(player_id, creature.creature_id)
    assert (stored.species_id, stored.cp) == (MOSSBRUTE, result["creature"]["cp"])
    assert store.get_player(player_id).candy == {"Mossling": 5}
    assert _run(collection.evolve, ctx, player_id, creature.creature_id, "e-1") == result
    assert store.get_player(player_id).candy == {"Mossling": 5}


def test_a_power_up_spends_stardust_and_candy_for_half_a_level(ctx, player_id, store):
    creature = _give(store, player_id)
    _edit(store, player_id, xp=100_000, stardust=5_000, candy={"Mossling": 10})
    result = _run(collection.power_up, ctx, player_id, creature.creature_id, "p-1")
    assert (result["stardust_spent"], result["candy_spent"]) == (1000, 1)
    assert result["creature"]["level"] == 10.5
    assert store.get_creature(player_id, creature.creature_id).level == 10.5
    after = store.get_player(player_id)
    assert (after.stardust, after.candy) == (4_000, {"Mossling": 9})


def test_a_power_up_over_the_trainer_cap_or_without_stardust_is_refused(ctx, player_id, store):
    creature = _give(store, player_id, level=10.0)
    _edit(store, player_id, stardust=5_000, candy={"Mossling": 10})  # trainer level 1
    with pytest.raises(RuleRefused):
        _run(collection.power_up, ctx, player_id, creature.creature_id, "p-1")
    _edit(store, player_id, xp=100_000, stardust=0)
    with pytest.raises(Conflict):
        _run(collection.power_up, ctx, player_id, creature.creature_id, "p-2")
    assert store.get_creature(player_id, creature.creature_id) == creature
    assert not store.tables.actions


def test_an_action_computed_from_a_stale_creature_is_recomputed(ctx, player_id, store):
    """A concurrent power-up lands between read and commit: the retry sees level 10.5."""
    creature = _give(store, player_id)
    _edit(store, player_id, xp=100_000, stardust=5_000, candy={"Mossling": 10})
    real_commit, raced = store.unit_of_work.commit, []

    def racing_commit(changes, action=None):
        if not raced:
            raced.append(True)
            store.tables.creatures[(player_id, creature.creature_id)] = replace(creature, level=10.5)
        return real_commit(changes, action)

    ctx.unit_of_work.commit = racing_commit
    result = _run(collection.power_up, ctx, player_id, creature.creature_id, "p-1")
    assert result["creature"]["level"] == 11.0
    assert store.get_creature(player_id, creature.creature_id).level == 11.0


def test_the_collection_pages_newest_first_with_signed_cursors(ctx, player_id, store):
    made = [_give(store, player_id, n) for n in range(5)]
    seen, cursor = [], None
    while True:
        page = collection.list_creatures(ctx, player_id, 2, cursor)
        seen += [c["id"] for c in page["creatures"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == [c.creature_id for c in reversed(made)]
    first = collection.list_creatures(ctx, player_id, 2, None)["next_cursor"]
    with pytest.raises(InvalidInput):  # another player's cursor
        collection.list_creatures(ctx, "pl-someone-else", 2, first)
