"""The buddy: one creature walking with the player, earning its family's candy by distance.

Candy is earned every ``buddy_km`` of the walked total (game/walking.py) since the buddy
was chosen; ``credited`` counts the candies already paid, so paying is "earned minus
credited" and a retried claim pays nothing twice. Swapping pays what the old buddy had
earned and restarts the progress (game-rules.md: swapping resets the progress).
"""
import math
from dataclasses import dataclass, replace

from .config import DAY_MS, GameConfig
from .entities import Creature
from .errors import Conflict, RuleRefused
from .species import Species, species


@dataclass(frozen=True)
class Buddy:
    creature_id: str
    species_id: int
    start_m: float  # the walked total when it became the buddy
    credited: int = 0  # candies already paid


def buddy_km(kind: Species, config: GameConfig) -> int:
    """1/3/5/20 km per candy: the rarer the species spawns, the longer the walk."""
    for min_weight, km in config.buddy_km_by_spawn_weight:
        if kind.spawn_weight >= min_weight:
            return km
    return config.buddy_km_by_spawn_weight[-1][1]


def earned(buddy: Buddy, walked_total_m: float, config: GameConfig) -> int:
    """Candies earned and not yet paid."""
    km = buddy_km(species(buddy.species_id), config)
    whole = math.floor(max(0.0, walked_total_m - buddy.start_m) / (km * 1000))
    return max(0, whole - buddy.credited)


def credit(state, walked_total_m: float, config: GameConfig):
    """Pay the buddy's earned candy: (state, candies paid, family or None)."""
    buddy = state.buddy
    if buddy is None:
        return state, 0, None
    candies = earned(buddy, walked_total_m, config)
    family = species(buddy.species_id).family
    if not candies:
        return state, 0, family
    return replace(state, candy={**state.candy, family: state.candy.get(family, 0) + candies},
                   buddy=replace(buddy, credited=buddy.credited + candies)), candies, family


def choose(state, creature: Creature, walked_total_m: float, now_ms: int, config: GameConfig):
    """Make ``creature`` the buddy, at most ``buddy_swaps_per_day`` times a UTC day; the
    old buddy's earned candy is paid first. Returns (state, candies paid for the old one,
    its family or None)."""
    if state.buddy is not None and state.buddy.creature_id == creature.creature_id:
        raise Conflict("this creature is already your buddy", code="already_buddy")
    today = now_ms // DAY_MS
    swaps = state.buddy_swaps_today if state.buddy_day == today else 0
    if swaps >= config.buddy_swaps_per_day:
        raise RuleRefused(f"at most {config.buddy_swaps_per_day} buddy swaps a day",
                          code="buddy_swap_limit",
                          retry_after_s=-(-(DAY_MS - now_ms % DAY_MS) // 1000))
    state, paid, family = credit(state, walked_total_m, config)
    buddy = Buddy(creature.creature_id, creature.species_id, walked_total_m)
    return replace(state, buddy=buddy, buddy_day=today, buddy_swaps_today=swaps + 1), paid, family


def check_not_buddy(state, creature_id: str, whose: str = "your") -> None:
    """The buddy walks with its trainer: it can't be transferred or traded away."""
    if state.buddy is not None and state.buddy.creature_id == creature_id:
        raise Conflict(f"that creature is {whose} buddy; choose another buddy first",
                       code="creature_is_buddy")


def buddy_json(buddy: Buddy | None, walked_total_m: float, config: GameConfig) -> dict | None:
    if buddy is None:
        return None
    km = buddy_km(species(buddy.species_id), config)
    walked = max(0.0, walked_total_m - buddy.start_m)
    return {"creature_id": buddy.creature_id, "species": buddy.species_id, "km_per_candy": km,
            "walked_km": round(walked / 1000, 3), "candy_earned": earned(buddy, walked_total_m, config),
            "candy_credited": buddy.credited,
            "next_candy_km": round(km - (walked / 1000) % km, 3)}
