"""Every tunable number of the game, in one place (see shared design game-rules.md).

``GameConfig`` is a frozen dataclass: a stage or a live event overrides numbers with
``dataclasses.replace(DEFAULT_CONFIG, ...)``; rules receive the config they apply.
Community-measured values are marked (c) as in the design notes.
"""
import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from .actions import Action

MINUTE_MS = 60_000
HOUR_MS = 60 * MINUTE_MS
DAY_MS = 24 * HOUR_MS


def _frozen(mapping: dict) -> Mapping:
    return MappingProxyType(dict(mapping))


@dataclass(frozen=True)
class GameConfig:
    # Ranges, metres.
    visible_radius_m: float = 70.0
    encounter_radius_m: float = 50.0  # (c)
    radar_radius_m: float = 200.0
    fort_list_radius_m: float = 300.0
    fort_interact_radius_m: float = 80.0  # global base since 2021-08-25

    # Spawns: one spawn per spawn point per hour at a fixed minute, lasting 15-60 min (c).
    spawn_durations_min: tuple = (15, 30, 45, 60)
    encounter_duration_ms: int = 10 * MINUTE_MS
    spawn_level_min: int = 1
    spawn_level_max: int = 30

    # Generated world (game/world/): expected objects per km², uniform at every latitude.
    # Chosen for the playability target (>= 1 active spawn within 200 m and >= 1 stop
    # within 300 m at >= 0.99 of places and moments; measured ~0.9999) while a 70 m view
    # shows ~1 spawn and a 300 m fort listing ~15 stops. See tests/unit/test_world_playability.py.
    world_fort_density_per_km2: float = 60.0
    world_gym_fraction: float = 0.10  # of generated forts; the rest are stops
    world_spawn_point_density_per_km2: float = 90.0
    # A world query (map, fort listing) may not reach further than this, and may not need
    # more generation cells than that: cells narrow with cos(lat), so a 300 m circle
    # touches ~25 cells at the equator and ~190 at the edge of the generated world.
    world_max_query_radius_m: float = 1000.0
    world_query_max_cells: int = 2048

    # Stops.
    spin_cooldown_ms: int = 5 * MINUTE_MS
    spin_xp: int = 50
    spin_first_time_xp: int = 250
    spin_items_min: int = 3
    spin_items_max: int = 6
    bag_capacity: int = 350

    # Catching.
    catch_xp: int = 100
    catch_stardust: int = 100
    catch_candy: int = 3
    transfer_candy: int = 1
    daily_catch_cap: int = 4800  # (c)
    weekly_catch_cap: int = 14000  # (c)
    max_throws_per_encounter: int = 30

    # Gyms (c unless noted).
    gym_slots: int = 6
    max_gyms_held: int = 20
    gym_entry_motivation: float = 0.9
    gym_decay_per_hour: float = 0.01  # below gym_fast_decay_cp
    gym_decay_per_hour_strong: float = 0.10
    gym_fast_decay_cp: int = 3000
    gym_battle_motivation_loss: float = 1 / 3  # of full, per lost battle
    gym_deploy_block_ms: int = 10 * MINUTE_MS  # after a defender of the team falls
    gym_coin_interval_ms: int = 10 * MINUTE_MS  # 1 coin per this long defended
    daily_coin_cap: int = 50  # official: "Earning the Defender Bonus"
    gym_berry_gains: tuple = (0.12, 0.048, 0.024, 0.012)
    gym_berry_window_ms: int = 30 * MINUTE_MS
    gym_berries_per_window: int = 10  # per player per gym
    gym_berry_stardust: int = 20
    gym_battle_xp_per_defender: int = 100
    gym_spin_xp: int = 50
    daily_free_raid_passes: int = 1  # from spinning a gym; hold at most max_raid_passes
    max_raid_passes: int = 1

    # Anti-cheat: moving faster than this between two cooldown-triggering actions is
    # spoofing, not travel (an airliner cruises at ~900 km/h), and earns a strike.
    spoofing_speed_kmh: float = 1000.0
    # Official 2018 three-strike policy: warning, 7-day suspension, 30-day, then ban.
    strike_suspensions_ms: tuple = (0, 7 * DAY_MS, 30 * DAY_MS)
    # Per-player, per-action limits per minute (map: per-minute position updates). Only
    # the actions listed are counted; counting any other one is a programming error
    # (game/player.py rate_limit), never a silent "no limit".
    rate_limits_per_minute: Mapping[Action, int] = field(default_factory=lambda: _frozen({
        Action.MAP: 30, Action.THROW: 60, Action.SPIN: 20, Action.TRANSFER: 60,
        Action.EVOLVE: 30, Action.POWER_UP: 60, Action.DEPLOY: 20, Action.BATTLE: 20,
        Action.FEED: 60, Action.GYM_SPIN: 20, Action.CLAIM_DEFENDERS: 20,
        Action.JOIN_RAID: 20, Action.CLAIM_RAID: 20,
        Action.SEND_FRIEND_REQUEST: 20, Action.ACCEPT_FRIEND: 30, Action.DECLINE_FRIEND: 30,
        Action.CANCEL_FRIEND_REQUEST: 30, Action.REMOVE_FRIEND: 30, Action.SEND_GIFT: 60,
        Action.OPEN_GIFT: 60, Action.PROPOSE_TRADE: 20, Action.OFFER_TRADE: 20,
        Action.CONFIRM_TRADE: 20, Action.CANCEL_TRADE: 30,
        Action.INCUBATE: 30, Action.HATCH: 30, Action.CHOOSE_BUDDY: 30,
        Action.CLAIM_BUDDY_CANDY: 30,
    }))

    # Team choice is open from this trainer level on.
    team_min_level: int = 5

    # What a new player starts with.
    starting_items: Mapping = field(default_factory=lambda: _frozen({"ball": 50, "razz_berry": 5}))
    starting_stardust: int = 0

    # Battles (gyms and raids).
    # Damage per hit = floor(0.5 × power × attack/defense × effectiveness × roll) + 1,
    # the roll uniform in [min, max): some spread, never a swing that flips a clear mismatch.
    battle_move_power: float = 30.0
    battle_damage_roll_min: float = 0.85
    battle_damage_roll_max: float = 1.0
    battle_min_hp: int = 10  # so a low-level or scaled-down fighter still lasts a few hits
    battle_max_team_size: int = 6  # attackers per gym battle, fighters per raid member
    battle_turn_s: int = 1  # a raid turn uses this much of the raid's time limit

    # Raids.
    # Eggs are drawn per gym per window (indexed from the epoch), like spawns: no writes.
    # offset + egg + boss must fit in a window, so a raid never spills into the next one.
    raid_window_ms: int = 2 * HOUR_MS
    raid_egg_probability: float = 0.25  # per gym per window
    raid_egg_offset_max_ms: int = 15 * MINUTE_MS  # the egg appears in [start, start + this)
    raid_egg_duration_ms: int = HOUR_MS  # egg to hatch
    raid_boss_duration_ms: int = 45 * MINUTE_MS  # hatch to end
    # Eggs appear only from the first to the last local hour, both included (05:00-20:59).
    raid_first_local_hour: int = 5
    raid_last_local_hour: int = 20
    raid_tier_weights: Mapping[int, float] = field(default_factory=lambda: _frozen({1: 0.5, 3: 0.35, 5: 0.15}))
    raid_boss_hp: Mapping[int, int] = field(default_factory=lambda: _frozen({1: 600, 3: 3600, 5: 15000}))
    # Premier Balls after a win: base, +1 per full damage step of the member's share (at
    # most the cap), + the team bonus when the gym's team is the member's.
    # Lobbies (c): at most 20 players, 5 of them remote; a countdown from the first join,
    # then the fight. Remote raids: 5 a day per player (official help centre, 2023).
    raid_lobby_size: int = 20
    raid_lobby_remote_max: int = 5
    raid_lobby_countdown_ms: int = 120_000
    raid_fight_s: int = 180
    raid_fight_s_tier5: int = 300
    remote_raids_per_day: int = 5
    raid_premier_balls_base: int = 5
    raid_premier_balls_damage_step: float = 0.10
    raid_premier_balls_damage_bonus_max: int = 5
    raid_premier_balls_team_bonus: int = 2

    # Friends (c): requests by trainer code, expiring; levels after days with an
    # interaction (Good, Great, Ultra, Best).
    friend_limit: int = 400
    friend_request_ttl_ms: int = 7 * DAY_MS
    friendship_days: tuple = (1, 7, 30, 90)

    # Gifts (c): found at stops, one per friend per day, opened at most 20 a day.
    gift_chance: float = 0.3  # per stop spin while the gift bag has room
    gift_bag_capacity: int = 10
    gifts_opened_per_day: int = 20
    gift_send_xp: int = 200
    gift_items_min: int = 2
    gift_items_max: int = 4

    # Trades (c): both players level 10+, within 100 m; stardust by friendship level
    # (Good, Great, Ultra, Best) for a special or new-to-collection trade.
    trade_min_level: int = 10
    trade_distance_m: float = 100.0
    # Positions the server recorded (the map's reports) no older than this prove where
    # the two players are: the map is polled every few seconds while a client is open.
    trade_position_max_age_ms: int = MINUTE_MS
    trade_expiry_ms: int = 30 * MINUTE_MS  # a proposal left unanswered or unconfirmed
    trades_per_day: int = 100
    special_trades_per_day: int = 1
    trade_regular_stardust: int = 100
    trade_special_stardust: tuple = (20_000, 16_000, 1_600, 800)
    trade_iv_floors: tuple = (1, 2, 3, 5)
    # A species spawning with a weight below this is rare (its trade is special).
    rare_spawn_weight: float = 1.0

    # Walking (game/walking.py): the map keeps one sample a minute in a ring of
    # walking.TRAIL_SLOTS and folds them into the totals when the oldest would be
    # overwritten within this many minutes. Distance counts only up to this speed (c),
    # between samples at most this far apart in time, in steps of at least this many
    # metres (GPS jitter within half of it never counts).
    walk_fold_margin_slots: int = 3
    walk_max_speed_kmh: float = 10.5  # (c)
    walk_max_gap_ms: int = 3 * MINUTE_MS
    walk_min_step_m: float = 40.0

    # Eggs (c): 2/5/10 km from stops, 7 km from gifts; at most 9 held; one infinite
    # incubator, limited ones with 3 uses (found at stops).
    egg_limit: int = 9
    egg_stop_chance: float = 0.2  # per stop spin while there is room
    egg_stop_km_weights: Mapping[int, float] = field(default_factory=lambda: _frozen({2: 0.45, 5: 0.45, 10: 0.1}))
    egg_gift_km: int = 7
    # What hatches, by egg distance: first forms with spawn weight in [low, high).
    egg_pool_spawn_weights: Mapping[int, tuple] = field(default_factory=lambda: _frozen({
        2: (14.0, float("inf")), 5: (9.0, 14.0), 10: (1.0, 9.0), 7: (1.0, float("inf"))}))
    egg_gift_chance: float = 0.1  # per opened gift while there is room
    incubator_uses: int = 3
    incubator_stop_chance: float = 0.02  # a limited incubator, per stop spin
    incubator_limit: int = 9  # limited incubators held
    hatch_level: int = 20  # capped by the trainer's own level
    hatch_iv_floor: int = 10
    # Rewards per egg distance: (candy min, max, stardust min, max, XP).
    hatch_rewards: Mapping[int, tuple] = field(default_factory=lambda: _frozen({
        2: (5, 10, 400, 800, 200), 5: (10, 21, 800, 1600, 500),
        7: (10, 21, 800, 1600, 500), 10: (16, 32, 1600, 3200, 1000)}))

    # Buddy (c): one at a time; a candy every 1/3/5/20 km by how rarely the species
    # spawns (weight at or above each threshold, else the last); 20 swaps a day.
    buddy_km_by_spawn_weight: tuple = ((8.0, 1), (2.0, 3), (0.5, 5), (0.0, 20))
    buddy_swaps_per_day: int = 20

    # Weather (game/weather.py): per geohash-5 cell and UTC hour, each kind boosting two
    # or three types. How often each kind is drawn (relative weights; snow by latitude).
    weather_kind_weights: Mapping[str, float] = field(default_factory=lambda: _frozen({
        "clear": 24, "partly_cloudy": 20, "cloudy": 16, "rain": 14, "windy": 10, "fog": 8,
        "snow": 8,
    }))
    weather_snow_min_abs_lat: float = 30.0  # no snow nearer the equator than this
    weather_polar_abs_lat: float = 66.56  # beyond the polar circles...
    weather_polar_snow_factor: float = 3.0  # ...snow is this much more likely
    weather_spell_hours: int = 3  # a region's weather holds this long (>= 1)
    weather_local_chance: float = 0.2  # a geohash-5 cell has its own weather, not its region's
    # Boosted spawns: this share of spawns is re-drawn among the boosted species (so with
    # the roster's ~1/4 boosted weight, ~45 % of spawns are boosted instead of ~25 %), 5
    # levels higher (so 6-35, capped at weather_boosted_level_max), and a catch gives
    # +25 % stardust (100 -> 125).
    weather_boost_redraw_chance: float = 0.3
    weather_boost_levels: int = 5
    weather_boosted_level_max: int = 35
    weather_boost_stardust_percent: int = 25

    # Regional leaderboards (game/boards.py): weekly, per geohash-4 region. A region's
    # board is spread over this many partitions so a busy one can take more than one
    # partition's 1,000 writes/s (8 shards: ~8,000 score updates/s per region).
    board_shards: int = 8
    board_region_precision: int = 4
    board_top: int = 100
    board_neighbours: int = 3  # players shown above and below you
    # Entries expire this many weeks after their week ends: the previous week stays
    # readable for a whole week, then DynamoDB's TTL deletes it.
    board_weeks_kept: int = 2


DEFAULT_CONFIG = GameConfig()


def with_overrides(config: GameConfig, overrides: Mapping[str, object]) -> GameConfig:
    """The config with some numbers replaced (a stage's or an event's), each checked:
    an unknown name or a value of another type is refused rather than half-applied."""
    fields = {f.name: f for f in dataclasses.fields(config)}
    changes = {}
    for name, value in overrides.items():
        if name not in fields:
            raise ValueError(f"unknown game setting {name!r}")
        current = getattr(config, name)
        if isinstance(current, bool) or not isinstance(current, int | float):
            raise ValueError(f"game setting {name!r} can't be overridden (not a number)")
        if isinstance(value, bool) or not isinstance(value, int | float) \
                or (isinstance(current, int) and not isinstance(value, int)) or value < 0:
            raise ValueError(f"game setting {name!r} must be a non-negative "
                             f"{type(current).__name__}, got {value!r}")
        changes[name] = value
    return dataclasses.replace(config, **changes)
