"""Trades between two friends: one creature each way, executed in one transaction.

The flow: the proposer offers one of their creatures (``propose``); the friend answers
with one of theirs, which is their consent to exactly that exchange (``offer``); the
proposer's confirmation executes it (``execute``). Every precondition is checked when
the friend answers and again at execution, from state read for the execution: the
commit's conditions, not these checks, keep it correct if anything changes meanwhile.

Proximity is proven from positions the server itself recorded: each player's last map
report (``PlayerState.position``) must be at most ``trade_position_max_age_ms`` old and
the two within ``trade_distance_m`` of each other. A client can't claim a position here:
it can only have reported one to the map, where the travel rules already apply.
"""
import hashlib
import hmac
from dataclasses import dataclass, replace

from .config import DAY_MS, GameConfig
from .entities import Creature
from .errors import Conflict, InvalidInput, NotFound, RuleRefused
from .friends import Friendship
from .geo import haversine_m
from .randomness import OutcomeRng
from .species import species
from .stats import IV_MAX, IVs, combat_power

OPEN = ("proposed", "offered")


@dataclass(frozen=True)
class Trade:
    trade_id: str
    proposer_id: str
    proposer_name: str
    receiver_id: str
    receiver_name: str
    proposer_creature: Creature  # as it was when proposed: what the friend agrees to
    created_ms: int
    expires_ms: int
    status: str = "proposed"  # proposed | offered | completed | cancelled
    receiver_creature: Creature | None = None  # as it was when offered
    closed_ms: int = 0
    cancelled_by: str | None = None
    # Once completed: per player id, what they paid and received.
    outcome: dict | None = None
    revision: int = 0  # 0: not stored yet

    def side_of(self, player_id: str) -> str | None:
        return {self.proposer_id: "proposer", self.receiver_id: "receiver"}.get(player_id)

    def other(self, player_id: str) -> str:
        return self.receiver_id if player_id == self.proposer_id else self.proposer_id


def trade_id(key: bytes, proposer_id: str, idempotency_key: str) -> str:
    """Derived from the proposer's request, so recomputing it after a conflict names
    the same trade."""
    digest = hmac.new(key, f"trade|{proposer_id}|{idempotency_key}".encode(), hashlib.sha256)
    return "tr-" + digest.hexdigest()[:24]


def check_trade_id(text) -> str:
    if not isinstance(text, str) or not text.startswith("tr-") or len(text) != 27 \
            or not all(c in "0123456789abcdef" for c in text[3:]):
        raise InvalidInput("malformed trade id", code="invalid_trade_id")
    return text


def found_trade(trade: Trade | None, player_id: str) -> Trade:
    """A trade is visible to its two players only: anyone else gets "not found"."""
    if trade is None or trade.side_of(player_id) is None:
        raise NotFound("no such trade", code="trade_not_found")
    return trade


def check_open(trade: Trade, now_ms: int) -> None:
    if trade.status == "completed":
        raise Conflict("this trade is already completed", code="trade_completed")
    if trade.status == "cancelled":
        raise Conflict("this trade was cancelled", code="trade_cancelled")
    if now_ms >= trade.expires_ms:
        raise Conflict("this trade has expired", code="trade_expired")


def check_turn(trade: Trade, player_id: str, wanted_side: str, wanted_status: str) -> None:
    """Each step belongs to one side: the receiver answers, the proposer confirms."""
    if trade.side_of(player_id) != wanted_side:
        raise RuleRefused(f"only the trade's {wanted_side} can do this", code="trade_wrong_side")
    if trade.status != wanted_status:
        raise Conflict(f"the trade is {trade.status}, not {wanted_status}",
                       code="trade_not_ready" if wanted_status == "offered" else "trade_already_offered")


def check_tradable(creature: Creature | None, player_id: str) -> Creature:
    """The player's own creature, free: not defending a gym, never traded before."""
    if creature is None or creature.player_id != player_id:
        raise NotFound("no such creature", code="creature_not_found")
    if creature.defending_gym is not None:
        raise Conflict("this creature is defending a gym", code="creature_defending")
    if creature.traded_ms:
        raise Conflict("a traded creature can't be traded again", code="creature_already_traded")
    return creature


def check_unchanged(current: Creature | None, agreed: Creature) -> Creature:
    """Each creature already agreed to must still be as agreed, and free. Its own codes:
    the player acting may not be its owner, so "your creature defends a gym" would mislead."""
    if current is None:
        raise Conflict("a creature in this trade is gone", code="trade_creature_gone")
    if current.defending_gym is not None:
        raise Conflict("a creature in this trade now defends a gym", code="trade_creature_busy")
    if (current.species_id, current.level, current.ivs, current.traded_ms) != (
            agreed.species_id, agreed.level, agreed.ivs, agreed.traded_ms):
        raise Conflict("a creature in this trade changed since it was offered",
                       code="trade_creature_changed")
    return current


def check_levels(me, friend, config: GameConfig) -> None:
    if me.level < config.trade_min_level:
        raise RuleRefused(f"trading opens at level {config.trade_min_level}", code="level_too_low")
    if friend.level < config.trade_min_level:
        raise RuleRefused(f"your friend is below level {config.trade_min_level}",
                          code="friend_level_too_low")


def check_proximity(me, friend, now_ms: int, config: GameConfig) -> float:
    """Both players' recorded positions fresh and close: the distance in metres."""
    for who, state in (("your", me), ("your friend's", friend)):
        place = state.position
        if place is None or now_ms - place.at_ms > config.trade_position_max_age_ms:
            raise RuleRefused(
                f"{who} position is unknown or older than "
                f"{config.trade_position_max_age_ms // 1000} s: keep the map open",
                code="position_stale")
    distance = haversine_m(me.position.lat, me.position.lng, friend.position.lat, friend.position.lng)
    if distance > config.trade_distance_m:
        raise RuleRefused(f"you are {distance:.0f} m apart; trades need "
                          f"{config.trade_distance_m:.0f} m or less", code="trade_too_far")
    return distance


def is_rare(species_id: int, config: GameConfig) -> bool:
    return species(species_id).spawn_weight < config.rare_spawn_weight


@dataclass(frozen=True)
class Terms:
    """What one player pays and counts for their side of an execution."""

    special: bool  # counts toward the daily special-trade cap
    stardust: int


def terms_for(receiver, received: Creature, friendship_level: int, config: GameConfig) -> Terms:
    """Special: the received species is rare, or new to the receiver's collection
    (then the special price applies too). A new friendship trades at Good's terms."""
    special = is_rare(received.species_id, config) or received.species_id not in receiver.dex
    price = (config.trade_special_stardust[max(friendship_level, 1) - 1] if special
             else config.trade_regular_stardust)
    return Terms(special=special, stardust=price)


def check_caps(state, terms: Terms, now_ms: int, config: GameConfig, who: str = "you") -> None:
    today = now_ms // DAY_MS
    trades = state.trades_today if state.trade_day == today else 0
    specials = state.special_trades_today if state.trade_day == today else 0
    retry = -(-(DAY_MS - now_ms % DAY_MS) // 1000)
    if trades >= config.trades_per_day:
        raise RuleRefused(f"{who}: at most {config.trades_per_day} trades a day",
                          code="trade_limit", retry_after_s=retry)
    if terms.special and specials >= config.special_trades_per_day:
        raise RuleRefused(f"{who}: at most {config.special_trades_per_day} special trade a day",
                          code="special_trade_limit", retry_after_s=retry)
    if state.stardust < terms.stardust:
        raise Conflict(f"{who}: not enough stardust (have {state.stardust}, need {terms.stardust})",
                       code="not_enough_stardust")


def pay(state, terms: Terms, received: Creature, now_ms: int):
    """The player's side of an executed trade: stardust paid, counters moved, the
    received species in the collection."""
    today = now_ms // DAY_MS
    same_day = state.trade_day == today
    return replace(
        state, stardust=state.stardust - terms.stardust, trade_day=today,
        trades_today=(state.trades_today if same_day else 0) + 1,
        special_trades_today=(state.special_trades_today if same_day else 0) + int(terms.special),
        dex=state.dex | {received.species_id})


def rerolled(creature: Creature, new_owner: str, key: bytes, trade: Trade, floor: int,
             now_ms: int) -> Creature:
    """The creature as its new owner gets it: IVs re-rolled in [floor, 15] from the
    secret and the trade (deterministic: a retry re-derives the same), CP recomputed,
    marked as traded (it can't be traded again)."""
    rng = OutcomeRng(key, "trade", trade.trade_id, creature.creature_id)
    ivs = IVs(*(rng.randint(floor, IV_MAX) for _ in range(3)))
    return replace(creature, player_id=new_owner, ivs=ivs,
                   cp=combat_power(species(creature.species_id), creature.level, ivs),
                   traded_ms=now_ms, defending_gym=None)


def iv_floor(friendship: Friendship, config: GameConfig) -> int:
    return config.trade_iv_floors[max(friendship.level(config), 1) - 1]
