"""What a stop spin, a catch and a full bag give."""
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, replace
from types import MappingProxyType

from .config import GameConfig
from .errors import InvalidInput
from .events import NO_EFFECTS, Effects, scaled
from .randomness import OutcomeRng

# Spin loot weights by trainer level band: (lowest level of the band, item -> weight).
# Better balls unlock as trainers level up (great ball at 12, ultra ball at 20).
SPIN_ITEM_TABLE: tuple[tuple[int, Mapping[str, float]], ...] = (
    (1, MappingProxyType({"ball": 70, "potion": 20, "razz_berry": 10})),
    (12, MappingProxyType({"ball": 50, "great_ball": 20, "potion": 18, "razz_berry": 12})),
    (20, MappingProxyType({"ball": 35, "great_ball": 25, "ultra_ball": 15, "potion": 13, "razz_berry": 12})),
)


@dataclass(frozen=True)
class SpinReward:
    items: dict[str, int]
    xp: int


@dataclass(frozen=True)
class BagGrant:
    granted: dict[str, int]
    dropped: dict[str, int]


@dataclass(frozen=True)
class CatchReward:
    xp: int
    stardust: int
    candy: int


def spin_item_weights(trainer_level: int) -> Mapping[str, float]:
    """A trainer draws spin loot from the highest level band they have reached."""
    if isinstance(trainer_level, bool) or not isinstance(trainer_level, int) or trainer_level < 1:
        raise InvalidInput(f"trainer level must be a positive integer, got {trainer_level!r}")
    weights = SPIN_ITEM_TABLE[0][1]
    for min_level, band_weights in SPIN_ITEM_TABLE:
        if trainer_level >= min_level:
            weights = band_weights
    return weights


def spin_reward(rng: OutcomeRng, trainer_level: int, first_spin: bool, config: GameConfig) -> SpinReward:
    """A spin gives 3–6 items weighted by trainer level, and more XP on a never-spun stop."""
    weights = spin_item_weights(trainer_level)
    names = tuple(weights)
    count = rng.randint(config.spin_items_min, config.spin_items_max)
    items = Counter(rng.choice_weighted(names, [weights[n] for n in names]) for _ in range(count))
    xp = config.spin_first_time_xp if first_spin else config.spin_xp
    return SpinReward(items=dict(sorted(items.items())), xp=xp)


def fit_in_bag(current_total: int, offered: Mapping[str, int], capacity: int) -> BagGrant:
    """Offered items go into the bag in item-name order until it is full; the rest are dropped."""
    if current_total < 0 or capacity < 0:
        raise InvalidInput("bag total and capacity must not be negative")
    if any(count < 0 for count in offered.values()):
        raise InvalidInput("offered item counts must not be negative")
    room = max(0, capacity - current_total)
    granted: dict[str, int] = {}
    dropped: dict[str, int] = {}
    for name in sorted(offered):
        count = offered[name]
        taken = min(count, room)
        room -= taken
        if taken:
            granted[name] = taken
        if count - taken:
            dropped[name] = count - taken
    return BagGrant(granted=granted, dropped=dropped)


def catch_reward(config: GameConfig, boosted: bool = False) -> CatchReward:
    """A catch gives the configured XP, stardust and candy; a weather-boosted creature
    weather_boost_stardust_percent more stardust (rounded down)."""
    stardust = config.catch_stardust
    if boosted:
        stardust += stardust * config.weather_boost_stardust_percent // 100
    return CatchReward(xp=config.catch_xp, stardust=stardust, candy=config.catch_candy)


def under_events(reward, effects: Effects = NO_EFFECTS):
    """A spin's, catch's or hatch's reward under the live events in force where it is
    earned: XP and stardust times their multipliers (rounded down). The one place events
    change a reward, so every reward path applies them the same way."""
    changes = {"xp": scaled(reward.xp, effects.xp_multiplier)}
    if hasattr(reward, "stardust"):
        changes["stardust"] = scaled(reward.stardust, effects.stardust_multiplier)
    return replace(reward, **changes)
