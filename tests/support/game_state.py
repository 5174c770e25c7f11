"""A player's stored state, read and edited directly in the store (to set up a test)."""
from dataclasses import replace

from geocritters import bootstrap
from geocritters.game.eggs import Egg
from geocritters.game.entities import Creature
from geocritters.game.gyms import DefenderReturn
from geocritters.game.stats import IVs
from geocritters.usecases.ports import AddCreature, LockCreature, SavePlayer, SendReturn

MOSSLING = 1


def player(player_id):
    return bootstrap.game_context().store.get_player(player_id)


def edit_player(player_id, **fields):
    """Set player fields directly in the store (e.g. give candy or XP for a test)."""
    ctx = bootstrap.game_context()
    state = ctx.store.get_player(player_id)
    ctx.store.commit([SavePlayer(replace(state, **fields))])
    return ctx.store.get_player(player_id)


def give_creature(player_id, n, species_id=MOSSLING, level=10.0):
    """The player's n-th test creature (ids and catch times ordered by n), stored directly."""
    creature = Creature(player_id=player_id, creature_id=f"cr-{1_700_000_000_000 + n:013d}-test{n:06d}",
                        species_id=species_id, level=level, cp=100 + n, ivs=IVs(10, 10, 10),
                        caught_ms=1_700_000_000_000 + n, encounter_id=f"en-test-{n}")
    bootstrap.game_context().store.commit([AddCreature(creature)])
    return creature


def give_egg(player_id, n, km=2, species_id=MOSSLING, incubator=None, start_m=0.0):
    """The player's n-th test egg (incubating in ``incubator`` from ``start_m`` walked, if
    given), stored directly beside the eggs it already holds."""
    egg = Egg(f"eg-{1_700_000_000_000 + n:013d}-{n:016x}", km, species_id, 1_700_000_000_000 + n,
              incubator, start_m)
    edit_player(player_id, eggs={**player(player_id).eggs, egg.egg_id: egg})
    return egg


def send_back(creature, gym_id, placed_ms, left_ms, coins):
    """The creature defended ``gym_id`` and was knocked out, as a rival's battle leaves it:
    still locked to the gym and listed in its owner's ``defending``, its return (with its
    coins) in the owner's inbox, waiting for the owner's claim. Stored directly."""
    ctx = bootstrap.game_context()
    owner = ctx.store.get_player(creature.player_id)
    back = DefenderReturn(creature.player_id, creature.creature_id, gym_id, placed_ms, left_ms, coins)
    ctx.store.commit([
        LockCreature(creature, gym_id),
        SendReturn(back),
        SavePlayer(replace(owner, defending={**owner.defending, creature.creature_id: gym_id})),
    ])
    return back


def raid_lobby(player_id, raid_id):
    """The lobby the player joined in the raid, with its members, as stored (None if the
    player hasn't joined it)."""
    ctx = bootstrap.game_context()
    entry = ctx.store.get_player(player_id).raids.get(raid_id)
    return None if entry is None else ctx.store.raid_lobby(raid_id, entry[0])
