"""The game data a client needs instead of hard-coding it: the species roster, the items,
the level curve and the rule numbers a UI shows, built from the game core (never copied).

The document is a list of sections, each a function of the game config returning its
part: a later feature (weather kinds, eggs and buddy distances, live events) adds its
section to ``SECTIONS`` and nothing else changes. Nothing here is private: it is the
same document for every player, served without a token.

The body is the canonical JSON (sorted keys, no spaces), so the same data is the same
bytes: its hash is a strong ETag, and ``version`` (a hash of the sections) changes
exactly when a number does.
"""
import functools
import hashlib
import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from ..game import catching, collection, levels, player, rewards, travel, weather
from ..game import events as event_rules
from ..game.buddy import buddy_km
from ..game.config import GameConfig
from ..game.friends import FRIENDSHIP_LEVELS
from ..game.raids import RAID_TIERS, boss_species
from ..game.species import roster
from ..game.stats import IV_MAX, IV_MIN, MIN_COMBAT_POWER
from ..game.trades import is_rare

# The raid passes are named only where they are spent and granted (usecases/raids.py,
# game/player.py): the game core has no item registry to read them from.
RAID_PASSES = ("raid_pass", "remote_raid_pass")
VERSION_HEX_DIGITS = 16
ETAG_HEX_DIGITS = 32


def _plain(value):
    """A config value as JSON data: tuples become lists, read-only mappings objects."""
    if isinstance(value, Mapping):
        return {str(key): _plain(item) for key, item in value.items()}
    if isinstance(value, tuple | list):
        return [_plain(item) for item in value]
    return value


def _pick(config: GameConfig, *names: str) -> dict:
    """Config numbers under their own names, so a client reads the name the rules use."""
    return {name: _plain(getattr(config, name)) for name in names}


def species_section(config: GameConfig) -> dict:
    """The roster: what a client shows for a creature and needs to compute its CP."""
    return {"species": [{
        "id": sp.id, "name": sp.name, "family": sp.family, "types": list(sp.types),
        "evolves_to": sp.evolves_to, "evolve_candy": sp.evolve_candy,
        "base_attack": sp.base_attack, "base_defense": sp.base_defense,
        "base_stamina": sp.base_stamina,
        # Relative weight among wild spawns (0: never in the wild); rare ones trade special.
        "spawn_weight": sp.spawn_weight, "rare": is_rare(sp.id, config),
    } for _, sp in sorted(roster().items())]}


def items_section(config: GameConfig) -> dict:
    """Every item kind a bag can hold, with what it does."""
    found = {name: {"kind": "ball", "catch_multiplier": multiplier}
             for name, multiplier in catching.BALLS.items()}
    found.update({name: {"kind": "berry", "catch_multiplier": multiplier}
                  for name, multiplier in catching.BERRIES.items()})
    # Items with no effect number of their own (a potion) are their own kind.
    looted = {name for _, weights in rewards.SPIN_ITEM_TABLE for name in weights}
    for name in sorted(looted | set(config.starting_items)):
        found.setdefault(name, {"kind": name})
    for name in RAID_PASSES:
        found[name] = {"kind": "raid_pass", "remote": name.startswith("remote_")}
    return {"items": [{"id": name, **found[name]} for name in sorted(found)]}


def levels_section(config: GameConfig) -> dict:
    """Trainer XP curve and cap; creature levels, their CP multipliers and power-up costs."""
    return {"levels": {
        "trainer_level_cap": levels.MAX_TRAINER_LEVEL,
        # The total XP that reaches level n is trainer_xp[n - 1].
        "trainer_xp": list(levels.TRAINER_XP_THRESHOLDS),
        "creature_level_min": levels.MIN_CREATURE_LEVEL,
        "creature_level_max": levels.MAX_CREATURE_LEVEL,
        "creature_level_step": collection.LEVEL_STEP,
        "creature_levels_above_trainer": levels.MAX_CREATURE_LEVEL_OFFSET,
        "cp_multipliers": [{"level": level, "cp_multiplier": levels.cp_multiplier(level)}
                           for level in levels.creature_levels()],
        # CP = max(min_cp, floor((A + iv) * sqrt(D + iv) * sqrt(S + iv) * cpm^2 / 10)).
        "iv_min": IV_MIN, "iv_max": IV_MAX, "min_cp": MIN_COMBAT_POWER,
        "power_up_costs": [{"from_level": first, "stardust": stardust, "candy": candy}
                           for first, stardust, candy in collection.POWER_UP_COSTS],
        "spin_loot_bands": [{"from_level": first, "items": sorted(weights)}
                            for first, weights in rewards.SPIN_ITEM_TABLE],
    }}


def rules_section(config: GameConfig) -> dict:
    """The rule numbers a client shows or paces itself by, under their config names."""
    return {"rules": {
        "ranges": _pick(config, "visible_radius_m", "encounter_radius_m", "radar_radius_m",
                        "fort_list_radius_m", "fort_interact_radius_m"),
        # Requests per player per clock minute; over it is 429 + Retry-After. The map's is
        # the client's refresh limit.
        "rate_limits_per_minute": _plain(config.rate_limits_per_minute),
        "player": {"teams": list(player.TEAMS), **_pick(config, "team_min_level", "starting_items")},
        "stops": _pick(config, "spin_cooldown_ms", "spin_xp", "spin_first_time_xp",
                       "spin_items_min", "spin_items_max", "bag_capacity"),
        "catching": {
            **_pick(config, "catch_xp", "catch_stardust", "catch_candy", "transfer_candy",
                    "daily_catch_cap", "weekly_catch_cap", "max_throws_per_encounter",
                    "encounter_duration_ms"),
            "throw_qualities": {name: list(bounds) for name, bounds in catching.THROW_QUALITIES.items()},
            "curveball_multiplier": catching.CURVEBALL,
        },
        "travel_cooldown": {
            "points": [{"km": km, "minutes": minutes} for km, minutes in travel.COOLDOWN_TABLE_KM_MIN],
            "cap_minutes": travel.COOLDOWN_CAP_MIN,
        },
        "gyms": _pick(config, "gym_slots", "max_gyms_held", "gym_entry_motivation",
                      "gym_decay_per_hour", "gym_decay_per_hour_strong", "gym_fast_decay_cp",
                      "gym_battle_motivation_loss", "gym_deploy_block_ms", "gym_coin_interval_ms",
                      "daily_coin_cap", "gym_berry_gains", "gym_berry_window_ms",
                      "gym_berries_per_window", "gym_berry_stardust", "gym_battle_xp_per_defender",
                      "gym_spin_xp", "daily_free_raid_passes", "max_raid_passes",
                      "battle_max_team_size"),
        "raids": {
            **_pick(config, "raid_egg_duration_ms", "raid_boss_duration_ms", "raid_first_local_hour",
                    "raid_last_local_hour", "raid_lobby_size", "raid_lobby_remote_max",
                    "raid_lobby_countdown_ms", "remote_raids_per_day", "raid_premier_balls_base",
                    "raid_premier_balls_damage_step", "raid_premier_balls_damage_bonus_max",
                    "raid_premier_balls_team_bonus"),
            "tiers": [{"tier": tier, "boss_hp": config.raid_boss_hp[tier],
                       "fight_s": config.raid_fight_s_tier5 if tier == 5 else config.raid_fight_s,
                       "boss_species": [sp.id for sp in boss_species(tier)]}
                      for tier in RAID_TIERS],
        },
        "friends": {"levels": list(FRIENDSHIP_LEVELS),
                    **_pick(config, "friend_limit", "friend_request_ttl_ms", "friendship_days")},
        "gifts": _pick(config, "gift_bag_capacity", "gifts_opened_per_day", "gift_send_xp",
                       "gift_items_min", "gift_items_max"),
        "trades": _pick(config, "trade_min_level", "trade_distance_m", "trade_expiry_ms",
                        "trades_per_day", "special_trades_per_day", "trade_regular_stardust",
                        "trade_special_stardust", "trade_iv_floors", "rare_spawn_weight"),
    }}


# One function per section, in the order they were added; each returns {name: value}.
def weather_section(config: GameConfig) -> dict:
    """The weather kinds and the types each boosts (the map names its cell's kind)."""
    return {"weather": {
        "kinds": {kind: list(weather.boosted_types(kind)) for kind in weather.KINDS},
        **_pick(config, "weather_boost_levels", "weather_boosted_level_max",
                "weather_boost_stardust_percent"),
    }}


def eggs_section(config: GameConfig) -> dict:
    """Eggs, incubators, the buddy and what counts as walking."""
    return {"eggs": {
        **_pick(config, "egg_limit", "egg_gift_km", "incubator_uses", "hatch_level",
                "hatch_iv_floor", "buddy_swaps_per_day", "walk_max_speed_kmh",
                "walk_max_gap_ms", "walk_min_step_m"),
        "stop_egg_km": sorted(config.egg_stop_km_weights),
        "hatch_rewards": {str(km): {"candy": [candy_lo, candy_hi], "stardust": [dust_lo, dust_hi], "xp": xp}
                          for km, (candy_lo, candy_hi, dust_lo, dust_hi, xp)
                          in sorted(config.hatch_rewards.items())},
        # species id -> km walked per buddy candy
        "buddy_km": {str(sp.id): buddy_km(sp, config) for _, sp in sorted(roster().items())},
    }}


SECTIONS: tuple[Callable[[GameConfig], dict], ...] = (
    species_section,
    items_section,
    levels_section,
    rules_section,
    weather_section,
    eggs_section,
)


def canonical_json(document) -> str:
    """Sorted keys, no spaces, ASCII only; NaN or infinity refused (not JSON)."""
    return json.dumps(document, sort_keys=True, separators=(",", ":"), allow_nan=False)


def _digest(text: str, digits: int) -> str:
    return hashlib.sha256(text.encode("ascii")).hexdigest()[:digits]


def game_data(config: GameConfig, sections=SECTIONS) -> dict:
    """Every section, plus ``version``: a hash of them, new whenever any value changes."""
    document: dict = {}
    for section in sections:
        part = section(config)
        clash = set(part) & set(document)
        if clash or "version" in part:
            raise ValueError(f"{section.__name__} reuses the name(s) {sorted(clash or {'version'})}")
        document.update(part)
    return {**document, "version": _digest(canonical_json(document), VERSION_HEX_DIGITS)}


@dataclass(frozen=True)
class PublishedGameData:
    """The document as served: its exact body and the strong ETag of those bytes."""

    body: str
    etag: str  # quoted, as the header carries it


def publish(config: GameConfig, sections=SECTIONS) -> PublishedGameData:
    body = canonical_json(game_data(config, sections))
    return PublishedGameData(body=body, etag=f'"{_digest(body, ETAG_HEX_DIGITS)}"')


# --- a region's live events ------------------------------------------------------------------


def events_section(events: Iterable[event_rules.Event], region: str, now_ms: int) -> dict:
    """The events in force or starting within 7 days that apply anywhere in a region
    (worldwide ones included), by start, with their effects: a client shows what is on
    and what is coming, and switches at the exact start and end times they carry."""
    return {"events": [e.as_json() for e in event_rules.for_region(events, region, now_ms)]}


def with_events(published: PublishedGameData, events: Iterable[event_rules.Event], region: str,
                now_ms: int) -> PublishedGameData:
    """The document with a region's ``events`` section; ``version`` and the ETag cover it."""
    section = canonical_json(events_section(events, region, now_ms))
    return _with_section(published, section)


@functools.lru_cache(maxsize=32)
def _with_section(published: PublishedGameData, section: str) -> PublishedGameData:
    # Most regions see the same few events (often none, or the worldwide ones): the
    # document is re-serialized once per distinct section, not once per request.
    document = json.loads(published.body)
    del document["version"]
    document.update(json.loads(section))
    body = canonical_json({**document, "version": _digest(canonical_json(document), VERSION_HEX_DIGITS)})
    return PublishedGameData(body=body, etag=f'"{_digest(body, ETAG_HEX_DIGITS)}"')
