"""Eggs: found at stops (2/5/10 km) and in gifts (7 km), walked in incubators, hatched.

The species is fixed when the egg is found (drawn from the secret with the rest of the
spin or gift), so walking can't re-roll it. Hatching reads the distance walked since the
egg went into its incubator (game/walking.py) and removes the egg in the same save that
grants the creature, candy and stardust: a retried or concurrent hatch can't pay twice.
"""
import hashlib
import hmac
import re
from collections.abc import Mapping
from dataclasses import dataclass, replace

from .config import GameConfig
from .entities import Creature
from .errors import Conflict, InvalidInput, NotFound
from .events import NO_EFFECTS, Effects
from .levels import max_creature_level
from .randomness import OutcomeRng
from .rewards import under_events
from .species import Species, roster
from .stats import IV_MAX, IVs, combat_power

INFINITE_INCUBATOR = "infinite"  # every player's own; never runs out


@dataclass(frozen=True)
class Egg:
    egg_id: str
    km: int
    species_id: int
    found_ms: int
    incubator: str | None = None  # the incubator it is walking in
    start_m: float = 0.0  # the walked total when it went in

    def walked_m(self, walked_total_m: float) -> float:
        return max(0.0, walked_total_m - self.start_m) if self.incubator else 0.0


@dataclass(frozen=True)
class Hatch:
    creature: Creature
    candy: int
    stardust: int
    xp: int


def _ids(rng: OutcomeRng, prefix: str, now_ms: int) -> str:
    return f"{prefix}-{now_ms:013d}-{rng.u64():016x}"


_EGG_ID = re.compile(r"eg-[0-9]{13}-[0-9a-f]{16}")
_INCUBATOR_ID = re.compile(rf"{INFINITE_INCUBATOR}|ic-[0-9]{{13}}-[0-9a-f]{{16}}")


def check_egg_id(text: str) -> str:
    """An egg id as issued (``eg-<found ms>-<16 hex>``); anything else is bad input."""
    if not isinstance(text, str) or not _EGG_ID.fullmatch(text):
        raise InvalidInput("malformed egg id", code="invalid_egg_id")
    return text


def check_incubator_id(text: str) -> str:
    """``infinite`` or a limited incubator's id as issued (``ic-<found ms>-<16 hex>``)."""
    if not isinstance(text, str) or not _INCUBATOR_ID.fullmatch(text):
        raise InvalidInput("malformed incubator id", code="invalid_incubator_id")
    return text


def _base_forms() -> tuple[Species, ...]:
    evolved = {sp.evolves_to for sp in roster().values() if sp.evolves_to}
    return tuple(sp for _, sp in sorted(roster().items())
                 if sp.id not in evolved and sp.spawn_weight > 0)


def egg_pool(km: int, config: GameConfig) -> tuple[Species, ...]:
    """What hatches from an egg of this distance: first forms only, by how commonly they
    spawn (``egg_pool_spawn_weights``); legendary-rare ones never hatch."""
    low, high = config.egg_pool_spawn_weights[km]
    return tuple(sp for sp in _base_forms() if low <= sp.spawn_weight < high)


def _draw_egg(rng: OutcomeRng, km: int, now_ms: int, config: GameConfig) -> Egg:
    pool = egg_pool(km, config)
    return Egg(_ids(rng, "eg", now_ms), km, pool[rng.below(len(pool))].id, now_ms)


def _with_egg(state, egg: Egg):
    return replace(state, eggs={**state.eggs, egg.egg_id: egg})


def find_at_stop(state, rng: OutcomeRng, now_ms: int, config: GameConfig):
    """A stop spin finds an egg (``egg_stop_chance``, while fewer than ``egg_limit`` are
    held) and, rarely, a limited incubator: (state, egg or None, incubator id or None)."""
    egg = incubator = None
    if rng.random() < config.egg_stop_chance and len(state.eggs) < config.egg_limit:
        distances = sorted(config.egg_stop_km_weights)
        km = rng.choice_weighted(distances, [config.egg_stop_km_weights[d] for d in distances])
        egg = _draw_egg(rng, km, now_ms, config)
        state = _with_egg(state, egg)
    if rng.random() < config.incubator_stop_chance and len(state.incubators) < config.incubator_limit:
        incubator = _ids(rng, "ic", now_ms)
        state = replace(state, incubators={**state.incubators, incubator: config.incubator_uses})
    return state, egg, incubator


def find_in_gift(state, rng: OutcomeRng, now_ms: int, config: GameConfig):
    """An opened gift holds a 7 km egg with ``egg_gift_chance`` while there is room:
    (state, egg or None)."""
    if rng.random() >= config.egg_gift_chance or len(state.eggs) >= config.egg_limit:
        return state, None
    egg = _draw_egg(rng, config.egg_gift_km, now_ms, config)
    return _with_egg(state, egg), egg


def found_egg(state, egg_id: str) -> Egg:
    egg = state.eggs.get(egg_id)
    if egg is None:
        raise NotFound("no such egg", code="egg_not_found")
    return egg


def incubate(state, egg_id: str, incubator_id: str, walked_total_m: float):
    """Put a held egg into a free incubator (the infinite one, or a limited one with uses
    left, which spends a use); its distance counts from now."""
    egg = found_egg(state, egg_id)
    if egg.incubator is not None:
        raise Conflict("this egg is already incubating", code="egg_incubating")
    uses = state.incubators.get(incubator_id)
    if incubator_id != INFINITE_INCUBATOR and not uses:
        raise NotFound("no such incubator", code="incubator_not_found")
    if any(e.incubator == incubator_id for e in state.eggs.values()):
        raise Conflict("this incubator holds another egg", code="incubator_busy")
    incubators = dict(state.incubators)
    if incubator_id != INFINITE_INCUBATOR:
        incubators[incubator_id] = uses - 1
    egg = replace(egg, incubator=incubator_id, start_m=walked_total_m)
    return replace(_with_egg(state, egg), incubators=incubators)


def check_ready(egg: Egg, walked_total_m: float, distance_multiplier: float = 1.0) -> None:
    if egg.incubator is None:
        raise Conflict("this egg is not incubating", code="egg_not_incubating")
    left_m = hatch_distance_m(egg, distance_multiplier) - egg.walked_m(walked_total_m)
    if left_m > 0:
        raise Conflict(f"walk {left_m / 1000:.2f} km more to hatch this egg", code="egg_not_ready")


def creature_id_for(outcome_key: bytes, egg: Egg, now_ms: int) -> str:
    digest = hmac.new(outcome_key, egg.egg_id.encode(), hashlib.sha256).hexdigest()
    return f"cr-{now_ms:013d}-{digest[:10]}"


def hatch_distance_m(egg: Egg, distance_multiplier: float = 1.0) -> float:
    """The walk an egg needs: its distance, times a live event's multiplier (≤ 1)."""
    return egg.km * 1000 * distance_multiplier


def hatch(state, egg: Egg, walked_total_m: float, outcome_key: bytes, now_ms: int,
          config: GameConfig, effects: Effects = NO_EFFECTS):
    """The ready egg becomes a creature (IVs from ``hatch_iv_floor``, at ``hatch_level``
    capped by the trainer's), with candy, stardust and XP by its distance; a limited
    incubator with no use left goes. Live events (``effects``) shorten the walk and
    multiply the XP and stardust, as for every other reward. Returns (state, Hatch)."""
    check_ready(egg, walked_total_m, effects.hatch_distance_multiplier)
    rng = OutcomeRng(outcome_key, "hatch", state.player_id, egg.egg_id)
    kind = roster()[egg.species_id]
    level = min(float(config.hatch_level), max_creature_level(state.level))
    ivs = IVs(*(rng.randint(config.hatch_iv_floor, IV_MAX) for _ in range(3)))
    candy_lo, candy_hi, dust_lo, dust_hi, xp = config.hatch_rewards[egg.km]
    candy, stardust = rng.randint(candy_lo, candy_hi), rng.randint(dust_lo, dust_hi)
    creature = Creature(player_id=state.player_id, creature_id=creature_id_for(outcome_key, egg, now_ms),
                        species_id=kind.id, level=level, cp=combat_power(kind, level, ivs), ivs=ivs,
                        caught_ms=now_ms, encounter_id=egg.egg_id)
    hatched = under_events(Hatch(creature, candy, stardust, xp), effects)
    eggs = {k: v for k, v in state.eggs.items() if k != egg.egg_id}
    incubators = {k: v for k, v in state.incubators.items() if k != egg.incubator or v > 0}
    state = replace(state, eggs=eggs, incubators=incubators, xp=state.xp + hatched.xp,
                    stardust=state.stardust + hatched.stardust,
                    candy={**state.candy, kind.family: state.candy.get(kind.family, 0) + candy},
                    dex=state.dex | {kind.id})
    return state, hatched


def egg_json(egg: Egg, walked_total_m: float, distance_multiplier: float = 1.0) -> dict:
    return {"egg_id": egg.egg_id, "km": egg.km, "found_ms": egg.found_ms,
            "hatch_km": round(hatch_distance_m(egg, distance_multiplier) / 1000, 3),
            "incubator": egg.incubator, "walked_km": round(egg.walked_m(walked_total_m) / 1000, 3)}


def incubators_json(incubators: Mapping[str, int], eggs: Mapping[str, Egg]) -> list[dict]:
    holding = {e.incubator: e.egg_id for e in eggs.values() if e.incubator}
    mine = [{"incubator_id": INFINITE_INCUBATOR, "uses_left": None}]
    mine += [{"incubator_id": k, "uses_left": v} for k, v in sorted(incubators.items())]
    return [{**i, "egg_id": holding.get(i["incubator_id"])} for i in mine]
