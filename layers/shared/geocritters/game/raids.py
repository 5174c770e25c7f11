"""Raids: eggs at gyms that hatch into a boss, all derived, none stored.

Like spawns, a raid is a deterministic function of (secret key, gym id, time window):
time is cut into windows of ``raid_window_ms`` counted from the epoch, and in each window
a gym's keyed stream decides whether it has an egg, when the egg appears, its tier and its
boss. Any server recomputes a raid from its id alone, and a client without the key can't
predict the next egg or boss.

A raid fits inside its window (appearance offset + egg + boss <= window), so at any
instant a gym shows at most the raid of the current window.

Local time is solar time from the gym's longitude, UTC + round(lng / 15) hours: there is
no time-zone database in the core. A real deployment can swap ``local_hour`` for one.
"""
from __future__ import annotations

import functools
import math
import re
from dataclasses import dataclass

from .config import HOUR_MS, GameConfig
from .errors import InvalidInput, NotFound
from .randomness import WorldRng
from .species import Species, roster
from .world import ids
from .world.objects import Fort

RAID_TIERS = (1, 3, 5)
RAID_ID_PREFIX = "rd-"

# Boss stats: every IV at its maximum, the tier's HP standing in for stamina.
_BOSS_IV = 15

# rd-<window>-<gym id>: a canonical window index (no sign, no leading zeros), then a gym id.
_RAID_ID = re.compile(r"rd-(0|[1-9][0-9]{0,11})-(.+)", re.DOTALL)


@dataclass(frozen=True)
class Raid:
    """One gym's raid of one window: an egg from ``egg_ms``, the boss in [hatch_ms, end_ms)."""

    raid_id: str
    gym_id: str
    tier: int
    boss_species_id: int
    boss_hp: int
    boss_cp: int
    egg_ms: int  # appears
    hatch_ms: int  # egg_ms + the egg's duration: the boss appears, lobbies open
    end_ms: int  # hatch_ms + the boss's duration

    def phase(self, now_ms: int) -> str:
        """"upcoming" before the egg, "egg" until it hatches, "battle" until the end, then "over"."""
        if now_ms < self.egg_ms:
            return "upcoming"
        if now_ms < self.hatch_ms:
            return "egg"
        if now_ms < self.end_ms:
            return "battle"
        return "over"


# Ids ----------------------------------------------------------------------------------------


def raid_id(window: int, gym_id: str) -> str:
    """A gym's raid of one window: ``rd-<window index>-<gym id>`` (opaque to clients)."""
    return f"{RAID_ID_PREFIX}{window}-{gym_id}"


def parse_raid_id(raid_id) -> tuple[int, str]:
    """A raid id is ``rd-<window>-<gym id>``, the gym id generated (``gy-``) or curated (``poi-``)."""
    match = _RAID_ID.fullmatch(raid_id) if isinstance(raid_id, str) else None
    if match is not None:
        window, gym_id = match.groups()
        if _is_gym_id(gym_id):
            return int(window), gym_id
    raise InvalidInput(
        f"malformed raid id {raid_id!r}: expected rd-<window>-<gym id>", code="invalid_raid_id"
    )


def _is_gym_id(fort_id: str) -> bool:
    # A curated id doesn't say its kind: the server checks the fort when it resolves it.
    if ids.is_curated_id(fort_id):
        return True
    try:
        kind, _, _ = ids.parse_fort_id(fort_id)
    except InvalidInput:
        return False
    return kind == "gym"


# Time ---------------------------------------------------------------------------------------


def local_hour(lng: float, utc_ms: int) -> int:
    """The solar local hour (0-23) at a longitude: UTC + round(lng / 15) hours, halves up."""
    offset_h = math.floor(lng / 15 + 0.5)
    return (utc_ms // HOUR_MS + offset_h) % 24


def _validate_now(now_ms) -> int:
    if not isinstance(now_ms, int) or isinstance(now_ms, bool) or now_ms < 0:
        raise InvalidInput(f"time must be epoch milliseconds >= 0, got {now_ms!r}", code="invalid_time")
    return now_ms


# Bosses -------------------------------------------------------------------------------------


def boss_cp(species: Species, hp: int) -> int:
    """Boss CP = floor((base attack + 15) · √(base defense + 15) · √HP / 10)."""
    attack = species.base_attack + _BOSS_IV
    defense = species.base_defense + _BOSS_IV
    # One square root of the exact integer product: √a·√b, with less rounding.
    return math.floor(attack * math.sqrt(defense * hp) / 10)


@functools.cache
def _species_by_tier() -> dict[int, tuple[Species, ...]]:
    # The roster ranked by base stat product (ties by id, so the split is deterministic),
    # cut in thirds: the weakest third are tier 1 bosses, the middle tier 3, the top tier 5.
    ranked = sorted(
        roster().values(), key=lambda sp: (sp.base_attack * sp.base_defense * sp.base_stamina, sp.id)
    )
    tiers: dict[int, list[Species]] = {tier: [] for tier in RAID_TIERS}
    for rank, sp in enumerate(ranked):
        tiers[RAID_TIERS[rank * len(RAID_TIERS) // len(ranked)]].append(sp)
    return {tier: tuple(sorted(found, key=lambda sp: sp.id)) for tier, found in tiers.items()}


def boss_species(tier: int) -> tuple[Species, ...]:
    """The species that can be a boss of this tier, by id (InvalidInput for an unknown tier)."""
    try:
        return _species_by_tier()[tier]
    except (KeyError, TypeError):
        raise InvalidInput(f"unknown raid tier {tier!r}", code="invalid_raid_tier") from None


# Raids --------------------------------------------------------------------------------------


def _check_fits(config: GameConfig) -> None:
    # A raid that spilled into the next window could overlap that window's raid.
    length = config.raid_egg_offset_max_ms + config.raid_egg_duration_ms + config.raid_boss_duration_ms
    if length > config.raid_window_ms:
        raise ValueError("raid offset + egg + boss durations must fit in raid_window_ms")


def raid_in_window(key: bytes, gym: Fort, window: int, config: GameConfig) -> Raid | None:
    """The gym's raid of one window, or None: only gyms, with probability raid_egg_probability,
    and only when the egg appears between the first and last local hour."""
    _check_fits(config)
    if gym.kind != "gym" or window < 0:
        return None
    # A stream of its own per (gym, window); "raid" keeps it apart from spawns on the same key.
    draws = WorldRng(key, "raid", gym.id, str(window))
    # Every draw is made in a fixed order whatever the outcome, so changing one rule
    # (say, the local hours) doesn't reshuffle the others.
    has_egg = draws.random() < config.raid_egg_probability
    egg_ms = window * config.raid_window_ms + draws.below(config.raid_egg_offset_max_ms)
    tiers = sorted(config.raid_tier_weights)
    tier = draws.choice_weighted(tiers, [config.raid_tier_weights[t] for t in tiers])
    candidates = boss_species(tier)
    boss = candidates[draws.below(len(candidates))]
    hour = local_hour(gym.lng, egg_ms)
    if not has_egg or not config.raid_first_local_hour <= hour <= config.raid_last_local_hour:
        return None
    hp = config.raid_boss_hp[tier]
    hatch_ms = egg_ms + config.raid_egg_duration_ms
    return Raid(
        raid_id=raid_id(window, gym.id),
        gym_id=gym.id,
        tier=tier,
        boss_species_id=boss.id,
        boss_hp=hp,
        boss_cp=boss_cp(boss, hp),
        egg_ms=egg_ms,
        hatch_ms=hatch_ms,
        end_ms=hatch_ms + config.raid_boss_duration_ms,
    )


def raid_at(key: bytes, gym: Fort, now_ms: int, config: GameConfig) -> Raid | None:
    """The raid a gym shows now (egg or battle phase), else None."""
    now_ms = _validate_now(now_ms)
    # A raid ends inside its window, so only the current window's can be showing.
    raid = raid_in_window(key, gym, now_ms // config.raid_window_ms, config)
    if raid is None or raid.phase(now_ms) not in ("egg", "battle"):
        return None
    return raid


def raid_by_id(key: bytes, raid_id: str, gym: Fort, config: GameConfig) -> Raid:
    """The raid an id names, whatever its phase; NotFound "raid_not_found" when that window
    has no raid at that gym. ``gym`` is the fort the id names (the caller resolves it)."""
    window, gym_id = parse_raid_id(raid_id)
    if gym.id != gym_id:
        # The caller resolved the wrong fort: a bug, not a player's mistake.
        raise ValueError(f"raid {raid_id!r} is not at fort {gym.id!r}")
    raid = raid_in_window(key, gym, window, config)
    if raid is None:
        raise NotFound(f"no raid {raid_id!r}", code="raid_not_found")
    return raid


# Rewards ------------------------------------------------------------------------------------


def premier_balls(damage_share: float, same_team: bool, config: GameConfig) -> int:
    """Premier Balls for a member after a win: the base, +1 per full damage step of their
    share of the boss's HP (at most the cap), + the team bonus if the gym is their team's.

    With the defaults: 5, +1 per full 10 % up to +5 (reached at 50 %), +2 same team: 5-12.
    """
    valid = isinstance(damage_share, (int, float)) and not isinstance(damage_share, bool)
    if not valid or not 0.0 <= damage_share <= 1.0:
        raise InvalidInput(
            f"damage share must be a number in [0, 1], got {damage_share!r}", code="invalid_damage_share"
        )
    # Rounded before the floor so 0.3 / 0.1 (2.9999999999999996) counts as 3 full steps.
    steps = math.floor(round(damage_share / config.raid_premier_balls_damage_step, 9))
    balls = config.raid_premier_balls_base + min(steps, config.raid_premier_balls_damage_bonus_max)
    if same_team:
        balls += config.raid_premier_balls_team_bonus
    return balls
