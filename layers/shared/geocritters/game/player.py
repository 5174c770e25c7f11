"""A player's game state and the pure transitions on it.

Every transition returns a new ``PlayerState``; the persistence adapter writes it with
a condition on ``revision`` so two concurrent actions can't both apply to the same
starting state.
"""
import math
from collections.abc import Mapping
from dataclasses import dataclass, field, replace

from .actions import Action
from .buddy import Buddy
from .config import DAY_MS, HOUR_MS, MINUTE_MS, GameConfig
from .eggs import Egg
from .errors import Conflict, InvalidInput, RateLimited, RuleRefused
from .geo import haversine_m
from .levels import trainer_level
from .places import Place
from .travel import cooldown_remaining_ms
from .walking import Sample, Walk

TEAMS = ("blue", "red", "yellow")


@dataclass(frozen=True)
class PlayerState:
    player_id: str
    name: str
    created_ms: int
    team: str | None = None
    xp: int = 0
    stardust: int = 0
    items: Mapping[str, int] = field(default_factory=dict)
    candy: Mapping[str, int] = field(default_factory=dict)
    # stop id -> epoch ms until which this player can't spin it again.
    stop_cooldowns: Mapping[str, int] = field(default_factory=dict)
    # spawn id -> despawn ms, for spawns this player caught or saw flee (hidden on the map).
    resolved_spawns: Mapping[str, int] = field(default_factory=dict)
    # The last cooldown-triggering action (catch, throw, spin): the travel-cooldown anchor.
    last_action: Place | None = None
    catch_day: int = 0  # UTC day index of catches_today
    catches_today: int = 0
    catch_week: int = 0  # week index (days since the epoch // 7) of catches_this_week
    catches_this_week: int = 0
    # action -> (minute index, actions in that minute): per-player rate limits.
    rates: Mapping[str, tuple[int, int]] = field(default_factory=dict)
    strikes: int = 0
    suspended_until_ms: int = 0
    # Gyms: creature id -> gym id for each creature this player has deployed and not yet
    # taken back (one that left its gym stays here until its return is claimed).
    defending: Mapping[str, str] = field(default_factory=dict)
    coins: int = 0
    coin_day: int = 0  # UTC day index of coins_today (the defender bonus's daily cap)
    coins_today: int = 0
    # gym id -> (window start ms, berries fed there in that window).
    berry_feeds: Mapping[str, tuple[int, int]] = field(default_factory=dict)
    raid_pass_day: int = -1  # UTC day index of the last free raid pass
    # raid id -> (lobby number, reward claimed): one lobby per raid, one claim.
    raids: Mapping[str, tuple[int, bool]] = field(default_factory=dict)
    remote_raid_day: int = 0  # UTC day index of remote_raids_today
    remote_raids_today: int = 0
    # Friends, gifts, trades.
    trainer_code: str | None = None  # 12 digits, assigned at creation (see usecases/auth.py)
    gifts: int = 0  # unsent gifts in the gift bag
    gift_open_day: int = 0  # UTC day index of gifts_opened_today
    gifts_opened_today: int = 0
    trade_day: int = 0  # UTC day index of trades_today and special_trades_today
    trades_today: int = 0
    special_trades_today: int = 0
    # Species ids this player has ever owned (caught, evolved, traded for): a trade
    # bringing a species not in it is special.
    dex: frozenset = frozenset()
    # The position last reported to the map (written by the map alone, never by an
    # action's save): trades prove where both players are with it.
    position: Place | None = None
    # Walking (game/walking.py), written by the map alone like the position: the folded
    # totals and the trail of samples (slot -> sample) not all folded yet.
    walk: Walk = field(default_factory=Walk)
    trail: Mapping[int, Sample] = field(default_factory=dict)
    # The sample the last new-minute position write pushed out of its slot: written by
    # that same write, so a map call whose answer was lost (its retry sees the item after
    # its own write) still learns what it replaced (walking.record_sample).
    displaced: Sample | None = None
    # Eggs and the buddy.
    eggs: Mapping[str, Egg] = field(default_factory=dict)
    incubators: Mapping[str, int] = field(default_factory=dict)  # limited: id -> uses left
    buddy: Buddy | None = None
    buddy_day: int = 0  # UTC day index of buddy_swaps_today
    buddy_swaps_today: int = 0
    revision: int = 0

    @property
    def level(self) -> int:
        return trainer_level(self.xp)

    @property
    def item_total(self) -> int:
        return sum(self.items.values())


def new_player(player_id: str, name: str, now_ms: int, config: GameConfig) -> PlayerState:
    """A new player starts with the configured items and stardust, no team, level 1."""
    return PlayerState(
        player_id=player_id,
        name=name,
        created_ms=now_ms,
        items=dict(config.starting_items),
        stardust=config.starting_stardust,
    )


def check_team(team: str) -> None:
    """A team is one of ``TEAMS``."""
    if team not in TEAMS:
        raise InvalidInput(f"team must be one of {', '.join(TEAMS)}", code="invalid_field")


def choose_team(state: PlayerState, team: str, config: GameConfig) -> PlayerState:
    """A team, one of ``TEAMS``, is chosen once, from the configured trainer level on."""
    check_team(team)
    if state.team is not None:
        raise Conflict(f"team already chosen ({state.team})", code="team_already_chosen")
    if state.level < config.team_min_level:
        raise RuleRefused(
            f"teams open at level {config.team_min_level}; you are level {state.level}",
            code="level_too_low",
        )
    return replace(state, team=team)


def check_travel(state: PlayerState, lat: float, lng: float, now_ms: int) -> None:
    """A cooldown-triggering action is refused until the travel cooldown since the last
    one has passed (anti-spoofing)."""
    if state.last_action is None:
        return
    distance = haversine_m(state.last_action.lat, state.last_action.lng, lat, lng)
    remaining = cooldown_remaining_ms(state.last_action.at_ms, distance, now_ms)
    if remaining > 0:
        raise RuleRefused(
            "you travelled too far too fast; try again later",
            code="travel_cooldown",
            retry_after_s=-(-remaining // 1000),
        )


def spend_item(state: PlayerState, item: str, count: int = 1) -> PlayerState:
    """Items are spent only when the player holds enough of them: never negative."""
    held = state.items.get(item, 0)
    if held < count:
        raise Conflict(f"not enough {item} (have {held}, need {count})", code="not_enough_items")
    items = dict(state.items)
    items[item] = held - count
    return replace(state, items=items)


def grant(state: PlayerState, *, items: Mapping[str, int] | None = None, xp: int = 0,
          stardust: int = 0, candy: Mapping[str, int] | None = None) -> PlayerState:
    """Add rewards (amounts must be non-negative; bag capacity is checked by the caller)."""
    new_items = dict(state.items)
    for name, count in (items or {}).items():
        new_items[name] = new_items.get(name, 0) + count
    new_candy = dict(state.candy)
    for family, count in (candy or {}).items():
        new_candy[family] = new_candy.get(family, 0) + count
    return replace(state, items=new_items, candy=new_candy, xp=state.xp + xp,
                   stardust=state.stardust + stardust)


def spend(state: PlayerState, *, stardust: int = 0, candy: Mapping[str, int] | None = None) -> PlayerState:
    """Stardust and candy are spent only when the player holds enough: never negative."""
    if state.stardust < stardust:
        raise Conflict(f"not enough stardust (have {state.stardust}, need {stardust})",
                       code="not_enough_stardust")
    new_candy = dict(state.candy)
    for family, count in (candy or {}).items():
        held = new_candy.get(family, 0)
        if held < count:
            raise Conflict(f"not enough {family} candy (have {held}, need {count})",
                           code="not_enough_candy")
        new_candy[family] = held - count
    return replace(state, stardust=state.stardust - stardust, candy=new_candy)


def record_action_place(state: PlayerState, lat: float, lng: float, now_ms: int) -> PlayerState:
    """Remember where a cooldown-triggering action happened (the next travel anchor)."""
    return replace(state, last_action=Place(lat, lng, now_ms))


def prune_expired(state: PlayerState, now_ms: int) -> PlayerState:
    """Forget cooldowns and resolved spawns that are over, so the item stays small."""
    return replace(
        state,
        stop_cooldowns={k: v for k, v in state.stop_cooldowns.items() if v > now_ms},
        resolved_spawns={k: v for k, v in state.resolved_spawns.items() if v > now_ms},
    )


WEEK_MS = 7 * DAY_MS


def credit_coins(state: PlayerState, coins: int, now_ms: int,
                 config: GameConfig) -> tuple[PlayerState, int]:
    """Defender coins, at most ``daily_coin_cap`` per UTC day: (state, coins credited);
    coins past the cap are forfeited, as in the official game."""
    today = now_ms // DAY_MS
    so_far = state.coins_today if state.coin_day == today else 0
    credited = max(0, min(coins, config.daily_coin_cap - so_far))
    return replace(state, coins=state.coins + credited, coin_day=today,
                   coins_today=so_far + credited), credited


def grant_free_raid_pass(state: PlayerState, now_ms: int, config: GameConfig) -> tuple[PlayerState, int]:
    """A gym spin gives the day's free raid pass if none was given today and the player
    holds fewer than ``max_raid_passes``: (state, passes granted)."""
    today = now_ms // DAY_MS
    held = state.items.get("raid_pass", 0)
    if state.raid_pass_day == today or held >= config.max_raid_passes:
        return state, 0
    granted = min(config.daily_free_raid_passes, config.max_raid_passes - held)
    return replace(grant(state, items={"raid_pass": granted}), raid_pass_day=today), granted


def check_catch_cap(state: PlayerState, now_ms: int, config: GameConfig) -> None:
    """At most ``daily_catch_cap`` catches per UTC day and ``weekly_catch_cap`` per week."""
    if state.catch_week == now_ms // WEEK_MS and state.catches_this_week >= config.weekly_catch_cap:
        raise RuleRefused("weekly catch limit reached", code="catch_limit",
                          retry_after_s=-(-(WEEK_MS - now_ms % WEEK_MS) // 1000))
    if state.catch_day == now_ms // DAY_MS and state.catches_today >= config.daily_catch_cap:
        raise RuleRefused("daily catch limit reached", code="catch_limit",
                          retry_after_s=-(-(DAY_MS - now_ms % DAY_MS) // 1000))


def count_catch(state: PlayerState, now_ms: int) -> PlayerState:
    """Count one catch toward the caps (each counter restarts with its day or week)."""
    today, week = now_ms // DAY_MS, now_ms // WEEK_MS
    return replace(
        state,
        catch_day=today,
        catches_today=state.catches_today + 1 if state.catch_day == today else 1,
        catch_week=week,
        catches_this_week=state.catches_this_week + 1 if state.catch_week == week else 1,
    )


# Rate limits: at most ``rate_limits_per_minute[action]`` actions of a kind per clock
# minute. count_action applies the rule to the player's state; the map, which must not
# read before it writes, applies the same window and refusal as a DynamoDB condition
# (adapters/repositories.py record_position).

def rate_window(now_ms: int) -> int:
    """The window an action at now_ms counts in: its clock minute."""
    return now_ms // MINUTE_MS


def rate_limit(action: Action, config: GameConfig) -> int:
    """The action's limit per window. An action without one is a programming error: a
    misspelt name must not quietly mean "unlimited"."""
    try:
        return config.rate_limits_per_minute[Action(action)]
    except (KeyError, ValueError):
        raise ValueError(f"no rate limit is set for action {action!r}") from None


def rate_limited(action: Action, limit: int, now_ms: int) -> RateLimited:
    """The refusal of an action over its limit: come back when the next window opens."""
    return RateLimited(f"at most {limit} {action} actions a minute",
                       retry_after_s=-(-(MINUTE_MS - now_ms % MINUTE_MS) // 1000))


def count_action(state: PlayerState, action: Action, now_ms: int, config: GameConfig) -> PlayerState:
    """Count one more action of this kind in its window, or refuse it (RateLimited)."""
    limit = rate_limit(action, config)
    minute = rate_window(now_ms)
    window, count = state.rates.get(action, (minute, 0))
    if window != minute:
        count = 0
    if count >= limit:
        raise rate_limited(action, limit, now_ms)
    return replace(state, rates={**state.rates, action: (minute, count + 1)})


# --- anti-cheat ----------------------------------------------------------------------

def check_standing(state: PlayerState, now_ms: int, config: GameConfig) -> None:
    """A banned player can't act; a suspended one can't until the suspension ends."""
    if state.strikes > len(config.strike_suspensions_ms):
        raise RuleRefused("this account is banned for spoofing", code="banned")
    if state.suspended_until_ms > now_ms:
        raise RuleRefused("this account is suspended for spoofing", code="suspended",
                          retry_after_s=-(-(state.suspended_until_ms - now_ms) // 1000))


def implied_speed_kmh(last: Place, lat: float, lng: float, now_ms: int) -> float:
    """Straight-line speed from the last action to this one (infinite if no time passed)."""
    km = haversine_m(last.lat, last.lng, lat, lng) / 1000
    hours = max(now_ms - last.at_ms, 0) / HOUR_MS
    return km / hours if hours else (math.inf if km > 0 else 0.0)


def spoofing_strike(state: PlayerState, lat: float, lng: float, now_ms: int,
                    config: GameConfig) -> PlayerState | None:
    """A move faster than ``spoofing_speed_kmh`` is a strike: warning, 7 days, 30 days,
    then a ban. Returns the struck state, or None when the speed is plausible."""
    if state.last_action is None:
        return None
    if implied_speed_kmh(state.last_action, lat, lng, now_ms) <= config.spoofing_speed_kmh:
        return None
    strikes = state.strikes + 1
    penalties = config.strike_suspensions_ms
    penalty = penalties[strikes - 1] if strikes <= len(penalties) else 0
    suspended = now_ms + penalty if penalty else state.suspended_until_ms
    # The spoofed position becomes the anchor, so each new jump is judged on its own.
    return replace(state, strikes=strikes, suspended_until_ms=suspended,
                   last_action=Place(lat, lng, now_ms))
