"""Starting an encounter with a spawn the player stands next to."""
import hashlib
import hmac

from ..game import geo
from ..game.entities import Encounter
from ..game.errors import Conflict, RuleRefused
from ..game.player import check_standing
from ..game.randomness import OutcomeRng
from ..game.species import species
from ..game.stats import combat_power, roll_ivs
from .player import load_player


def encounter_id_for(outcome_key: bytes, player_id: str, spawn_id: str) -> str:
    """One encounter per (player, spawn): starting it twice returns the same one."""
    digest = hmac.new(outcome_key, f"{player_id}|{spawn_id}".encode(), hashlib.sha256).hexdigest()
    return "en-" + digest[:24]


def encounter_json(e: Encounter) -> dict:
    return {
        "encounter_id": e.encounter_id,
        "spawn_id": e.spawn_id,
        "species": e.species_id,
        "species_name": species(e.species_id).name,
        "cp": e.cp,
        "level": e.level,
        "status": e.status,
        "expires_ms": e.expires_ms,
        "boosted": e.boosted,
    }


def start_encounter(ctx, player_id: str, spawn_id: str, lat: float, lng: float) -> dict:
    now_ms = ctx.clock.now_ms()
    # The spawn is recomputed under its cell's weather in its hour and the events in force
    # when it appeared, as the map showed it (usecases/events.py: how long a change takes).
    weather = ctx.weather.weather_at(*ctx.world.spawn_weather_key(spawn_id))
    spawn = ctx.world.spawn(spawn_id, now_ms, weather, ctx.events.current())
    distance = geo.haversine_m(lat, lng, spawn.lat, spawn.lng)
    if distance > ctx.config.encounter_radius_m:
        raise RuleRefused(
            f"the creature is {distance:.0f} m away; come within {ctx.config.encounter_radius_m:.0f} m",
            code="out_of_range")
    player = load_player(ctx, player_id)
    check_standing(player, now_ms, ctx.config)
    if spawn.id in player.resolved_spawns:
        raise Conflict("you already caught or lost this creature", code="spawn_resolved")

    # The creature's traits are fixed per (player, spawn) by the secret: no re-rolls.
    rng = OutcomeRng(ctx.keys.outcomes, "encounter", player_id, spawn.id)
    ivs = roll_ivs(rng)
    level = float(spawn.level)
    candidate = Encounter(
        player_id=player_id,
        encounter_id=encounter_id_for(ctx.keys.outcomes, player_id, spawn.id),
        spawn_id=spawn.id, species_id=spawn.species_id, level=level,
        cp=combat_power(species(spawn.species_id), level, ivs), ivs=ivs,
        lat=lat, lng=lng, started_ms=now_ms,
        expires_ms=min(now_ms + ctx.config.encounter_duration_ms, spawn.despawn_ms),
        despawn_ms=spawn.despawn_ms, boosted=spawn.boosted,
    )
    encounter = ctx.encounters.create_encounter(candidate)
    if encounter.is_over(now_ms):
        raise Conflict("this encounter is over", code="encounter_over")
    return encounter_json(encounter)
