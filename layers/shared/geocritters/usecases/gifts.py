"""Gifts: the gift bag (filled by stop spins), sending one to a friend, opening one.

A sent gift is a new item in the receiver's inbox under the sender's id, put only if
none is there: a friend holds at most one unopened gift from each sender, and a sender's
send never writes the receiver's player item. Sending and opening count as the day's
interaction for the pair (both friendship sides, written together).
"""
from ..game import events as event_rules
from ..game import gifts as rules
from ..game import player as player_rules
from ..game.actions import Action
from ..game.config import DAY_MS
from ..game.eggs import egg_json, find_in_gift
from ..game.friends import found_friendship, interact
from ..game.randomness import OutcomeRng
from .friends import friendship_json
from .idempotency import run_once
from .player import acting_player, load_player
from .ports import ActionReads, ActionState, SaveFriendship, SavePlayer, SendGift, TakeGift


def gift_json(gift: rules.Gift) -> dict:
    return {"gift_id": gift.gift_id, "from": {"player_id": gift.sender_id, "name": gift.sender_name},
            "sent_ms": gift.sent_ms}


def gift_box(ctx, player_id: str) -> dict:
    """The unsent gifts in the bag, and the friends' gifts waiting to be opened (their
    contents stay hidden until opened)."""
    state = load_player(ctx, player_id)
    now_ms = ctx.clock.now_ms()
    opened = state.gifts_opened_today if state.gift_open_day == now_ms // DAY_MS else 0
    limits = _limits(ctx, state, now_ms)
    return {"bag": state.gifts, "bag_capacity": ctx.config.gift_bag_capacity,
            "received": [gift_json(g) for g in ctx.inbox.gifts(player_id)],
            "opened_today": opened, "open_limit": limits.gifts_opened_per_day}


def _limits(ctx, state, now_ms: int):
    """The config with the day's gift limit under the live events where the player last
    was (opening a gift has no place of its own)."""
    place = event_rules.place_of(state.position)
    return event_rules.with_limits(ctx.config, ctx.events.effects_at(place, now_ms))


def send_gift(ctx, player_id: str, friend_id: str, key: str, request_fingerprint: str) -> dict:
    def compute(read: ActionState):
        now_ms = ctx.clock.now_ms()
        state = acting_player(ctx, read.player, Action.SEND_GIFT, now_ms)
        pair = read.pair
        mine, theirs = found_friendship(pair.mine), found_friendship(pair.theirs)
        rules.check_can_send(state, mine, pair.my_gift_there, now_ms)
        state, mine, gift = rules.send(state, mine, friend_id, ctx.keys.outcomes, now_ms, ctx.config)
        mine, theirs = interact(mine, theirs, now_ms)
        response = {**gift_json(gift), "to": friend_id, "xp": ctx.config.gift_send_xp,
                    "bag": state.gifts,
                    "friendship": friendship_json(mine, now_ms, ctx.config)}
        return [SavePlayer(state), SendGift(gift), SaveFriendship(mine), SaveFriendship(theirs)], response

    reads = ActionReads(player_id, key, friend_id=friend_id, pair_parts=frozenset({"sides", "gift"}))
    return run_once(ctx, reads, Action.SEND_GIFT,
                    request_fingerprint, compute)


def open_gift(ctx, player_id: str, gift_id: str, key: str, request_fingerprint: str) -> dict:
    """The gift's items into the bag, whole or not at all. It counts as an interaction
    while the two are still friends (a gift outlives a removed friendship)."""
    sender_id, _ = rules.parse_gift_id(gift_id)

    def compute(read: ActionState):
        now_ms = ctx.clock.now_ms()
        state = acting_player(ctx, read.player, Action.OPEN_GIFT, now_ms)
        gift = rules.found_gift(read.gift, gift_id)
        rules.check_can_open(state, gift, now_ms, _limits(ctx, state, now_ms))
        state = rules.count_opened(player_rules.grant(state, items=gift.items), now_ms)
        state, egg = find_in_gift(state, OutcomeRng(ctx.keys.outcomes, "gift-egg", gift_id),
                                  now_ms, ctx.config)
        changes = [SavePlayer(state), TakeGift(gift)]
        response = {**gift_json(gift), "items": gift.items,
                    "egg": egg_json(egg, 0.0) if egg else None, "friendship": None}
        pair = read.pair
        if pair.mine is not None and pair.theirs is not None:
            mine, theirs = interact(pair.mine, pair.theirs, now_ms)
            changes += [SaveFriendship(mine), SaveFriendship(theirs)]
            response["friendship"] = friendship_json(mine, now_ms, ctx.config)
        return changes, response

    reads = ActionReads(player_id, key, friend_id=sender_id, gift_from=sender_id,
                        pair_parts=frozenset({"sides"}))
    return run_once(ctx, reads,
                    Action.OPEN_GIFT, request_fingerprint, compute)
