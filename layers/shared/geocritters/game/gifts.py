"""Gifts: found at stops, sent to friends, opened by them.

A gift's contents are drawn from the stop item pool when it is sent (from the secret,
the sender, the receiver and the day), so what a friend opens was fixed by the sender's
send and can't be re-rolled by opening again.
"""
from collections import Counter
from dataclasses import dataclass, replace

from .config import DAY_MS, GameConfig
from .errors import Conflict, InvalidInput, NotFound, RuleRefused
from .friends import Friendship, check_player_id
from .randomness import OutcomeRng
from .rewards import spin_item_weights


@dataclass(frozen=True)
class Gift:
    """An unopened gift in its receiver's inbox: at most one per sender at a time."""

    sender_id: str
    sender_name: str
    receiver_id: str
    sent_ms: int
    items: dict

    @property
    def sent_day(self) -> int:
        return self.sent_ms // DAY_MS

    @property
    def gift_id(self) -> str:
        return gift_id(self.sender_id, self.sent_day)


def gift_id(sender_id: str, sent_day: int) -> str:
    """``gf-<sender>.<day>``: one sender's gifts differ by the day they were sent."""
    return f"gf-{sender_id}.{sent_day}"


def parse_gift_id(text: str) -> tuple[str, int]:
    """(sender, sent day) of a gift id; a malformed one is bad input."""
    sender, _, day = text.removeprefix("gf-").rpartition(".")
    if not text.startswith("gf-") or not day.isascii() or not day.isdigit() or len(day) > 7:
        raise InvalidInput("malformed gift id", code="invalid_gift_id")
    return check_player_id(sender, "invalid_gift_id"), int(day)


def find_gift_at_stop(state, rng: OutcomeRng, config: GameConfig):
    """A stop spin finds a gift with ``gift_chance`` while the gift bag has room:
    (state, gifts found)."""
    if state.gifts >= config.gift_bag_capacity or rng.random() >= config.gift_chance:
        return state, 0
    return replace(state, gifts=state.gifts + 1), 1


def check_can_send(sender, side: Friendship, unopened: Gift | None, now_ms: int) -> None:
    """One gift per friend per day, from the gift bag; the friend holds at most one
    unopened gift from the sender."""
    if side.gift_sent_day == now_ms // DAY_MS:
        raise Conflict("you already sent this friend a gift today", code="gift_already_sent",
                       retry_after_s=-(-(DAY_MS - now_ms % DAY_MS) // 1000))
    if unopened is not None:
        raise Conflict("this friend hasn't opened your last gift yet", code="gift_unopened")
    if sender.gifts < 1:
        raise Conflict("you have no gifts to send; spin stops to find some", code="no_gifts")


def gift_contents(key: bytes, sender_id: str, receiver_id: str, sender_level: int,
                  now_ms: int, config: GameConfig) -> dict[str, int]:
    """Items from the stop pool of the sender's level band."""
    rng = OutcomeRng(key, "gift", sender_id, receiver_id, now_ms // DAY_MS)
    weights = spin_item_weights(sender_level)
    names = tuple(weights)
    count = rng.randint(config.gift_items_min, config.gift_items_max)
    items = Counter(rng.choice_weighted(names, [weights[n] for n in names]) for _ in range(count))
    return dict(sorted(items.items()))


def send(sender, side: Friendship, receiver_id: str, key: bytes, now_ms: int,
         config: GameConfig):
    """(sender's new state, their side of the friendship, the gift)."""
    gift = Gift(sender_id=sender.player_id, sender_name=sender.name, receiver_id=receiver_id,
                sent_ms=now_ms,
                items=gift_contents(key, sender.player_id, receiver_id, sender.level, now_ms, config))
    sender = replace(sender, gifts=sender.gifts - 1, xp=sender.xp + config.gift_send_xp)
    return sender, replace(side, gift_sent_day=now_ms // DAY_MS), gift


def found_gift(gift: Gift | None, wanted_id: str) -> Gift:
    if gift is None or gift.gift_id != wanted_id:
        raise NotFound("no such gift", code="gift_not_found")
    return gift


def check_can_open(state, gift: Gift, now_ms: int, config: GameConfig) -> None:
    """At most ``gifts_opened_per_day`` a day; all of a gift's items must fit the bag
    (a gift is never half-opened)."""
    if state.gift_open_day == now_ms // DAY_MS and state.gifts_opened_today >= config.gifts_opened_per_day:
        raise RuleRefused(f"at most {config.gifts_opened_per_day} gifts a day",
                          code="gift_open_limit",
                          retry_after_s=-(-(DAY_MS - now_ms % DAY_MS) // 1000))
    if state.item_total + sum(gift.items.values()) > config.bag_capacity:
        raise Conflict("your bag has no room for this gift's items", code="bag_full")


def count_opened(state, now_ms: int):
    today = now_ms // DAY_MS
    opened = state.gifts_opened_today + 1 if state.gift_open_day == today else 1
    return replace(state, gift_open_day=today, gifts_opened_today=opened)
