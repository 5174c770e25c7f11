"""Friends: requests by trainer code, accept / decline / cancel, remove, the list.

Everything about a pair lives in the two players' friends partitions (table
``friends``); accepting writes both sides and both friend counts in one transaction,
each count under a condition that it is below the limit, so however many players accept
at once, nobody passes the limit. No friends action writes the other player's player
item: only a trade does that.
"""
from ..game import friends as rules
from ..game.actions import Action
from ..game.config import DAY_MS
from ..game.errors import NotFound
from ..game.friends import FriendRequest, Friendship
from .idempotency import run_once
from .player import acting_player, load_player
from .ports import (
    ActionReads,
    ActionState,
    AddFriendRequest,
    AddFriendship,
    CountFriends,
    RemoveFriendRequest,
    RemoveFriendship,
    SavePlayer,
)


def friendship_json(side: Friendship, now_ms: int, config) -> dict:
    return {"player_id": side.friend_id, "name": side.friend_name,
            "friendship_level": side.level(config), "friendship": side.level_name(config),
            "interaction_days": side.days, "days_to_next_level": side.days_to_next_level(config),
            "since_ms": side.since_ms,
            "gift_sent_today": side.gift_sent_day == now_ms // DAY_MS}


def request_json(request: FriendRequest) -> dict:
    return {"request_id": request.request_id,
            "from": {"player_id": request.from_id, "name": request.from_name},
            "to": {"player_id": request.to_id, "name": request.to_name},
            "sent_ms": request.sent_ms, "expires_ms": request.expires_ms}


def friend_list(ctx, player_id: str) -> dict:
    load_player(ctx, player_id)
    now_ms = ctx.clock.now_ms()
    book = ctx.friends.friend_book(player_id)
    friends = sorted(book.friends, key=lambda f: (-f.days, f.friend_name, f.friend_id))
    return {"friends": [friendship_json(f, now_ms, ctx.config) for f in friends],
            "count": book.count, "limit": ctx.config.friend_limit}


def friend_requests(ctx, player_id: str) -> dict:
    """Pending requests, both ways (expired ones are no longer shown)."""
    load_player(ctx, player_id)
    now_ms = ctx.clock.now_ms()
    book = ctx.friends.friend_book(player_id)

    def pending(requests):
        return [request_json(r) for r in sorted(requests, key=lambda r: r.sent_ms)
                if not r.expired(now_ms)]
    return {"incoming": pending(book.incoming), "outgoing": pending(book.outgoing)}


def send_request(ctx, player_id: str, trainer_code: str, key: str, request_fingerprint: str) -> dict:
    code = rules.check_trainer_code(trainer_code)
    receiver_id = ctx.friends.player_for_code(code)
    if receiver_id is None:
        raise NotFound("no trainer has this code", code="trainer_code_not_found")
    rules.check_not_self(player_id, receiver_id)

    def compute(read: ActionState):
        now_ms = ctx.clock.now_ms()
        state = acting_player(ctx, read.player, Action.SEND_FRIEND_REQUEST, now_ms)
        if read.friend is None:  # a code whose player is gone
            raise NotFound("no trainer has this code", code="trainer_code_not_found")
        pair = read.pair
        rules.check_can_request(player_id, receiver_id, pair.mine is not None, pair.sent,
                                pair.received, pair.my_count, now_ms, ctx.config)
        request = rules.new_request(state, read.friend, now_ms, ctx.config)
        changes = [SavePlayer(state), AddFriendRequest(request, receiver_id, now_ms),
                   AddFriendRequest(request, player_id, now_ms)]
        return changes, request_json(request)

    reads = ActionReads(player_id, key, friend_id=receiver_id,
                        pair_parts=frozenset({"sides", "counts", "requests"}))
    return run_once(ctx, reads,
                    Action.SEND_FRIEND_REQUEST, request_fingerprint, compute)


def _not_found():
    return NotFound("no such friend request", code="friend_request_not_found")


def accept(ctx, player_id: str, request_id: str, key: str, request_fingerprint: str) -> dict:
    """Both sides and both counts at once; each count stays within the limit."""
    sender_id, receiver_id = rules.parse_request_id(request_id)
    if receiver_id != player_id:  # only its receiver may accept a request
        raise _not_found()

    def compute(read: ActionState):
        now_ms = ctx.clock.now_ms()
        state = acting_player(ctx, read.player, Action.ACCEPT_FRIEND, now_ms)
        pair = read.pair
        request = rules.check_pending(pair.received, now_ms)
        rules.check_room(pair.my_count, ctx.config)
        rules.check_room(pair.their_count, ctx.config, "this trainer has", "their_friend_limit")
        mine, theirs = rules.befriend(request, now_ms)
        limit = ctx.config.friend_limit
        changes = [SavePlayer(state),
                   RemoveFriendRequest(request, player_id, unexpired_at=now_ms),
                   RemoveFriendRequest(request, sender_id),
                   AddFriendship(mine), AddFriendship(theirs),
                   CountFriends(player_id, +1, limit), CountFriends(sender_id, +1, limit)]
        return changes, {"friend": friendship_json(theirs, now_ms, ctx.config),
                         "count": pair.my_count + 1}

    # The friendship sides aren't read: creating them "if absent" is the accept's guard.
    reads = ActionReads(player_id, key, friend_id=sender_id,
                        pair_parts=frozenset({"counts", "requests"}))
    return run_once(ctx, reads, Action.ACCEPT_FRIEND,
                    request_fingerprint, compute)


def _drop_request(ctx, player_id: str, request_id: str, key: str, request_fingerprint: str,
                  action: Action) -> dict:
    """Decline (by its receiver) or cancel (by its sender): both items go."""
    sender_id, receiver_id = rules.parse_request_id(request_id)
    mine_to_drop = receiver_id if action == Action.DECLINE_FRIEND else sender_id
    if mine_to_drop != player_id:
        raise _not_found()
    other_id = sender_id if action == Action.DECLINE_FRIEND else receiver_id

    def compute(read: ActionState):
        now_ms = ctx.clock.now_ms()
        state = acting_player(ctx, read.player, action, now_ms)
        request = read.pair.received if action == Action.DECLINE_FRIEND else read.pair.sent
        if request is None:
            raise _not_found()
        changes = [SavePlayer(state), RemoveFriendRequest(request, request.to_id),
                   RemoveFriendRequest(request, request.from_id)]
        verb = "declined" if action == Action.DECLINE_FRIEND else "cancelled"
        return changes, {verb: request.request_id}

    reads = ActionReads(player_id, key, friend_id=other_id, pair_parts=frozenset({"requests"}))
    return run_once(ctx, reads, action,
                    request_fingerprint, compute)


def decline(ctx, player_id, request_id, key, request_fingerprint):
    return _drop_request(ctx, player_id, request_id, key, request_fingerprint,
                         Action.DECLINE_FRIEND)


def cancel(ctx, player_id, request_id, key, request_fingerprint):
    return _drop_request(ctx, player_id, request_id, key, request_fingerprint,
                         Action.CANCEL_FRIEND_REQUEST)


def remove(ctx, player_id: str, friend_id: str, key: str, request_fingerprint: str) -> dict:
    """Both sides go, both counts drop. Trades between the two can no longer complete
    (execution requires the friendship); gifts already sent can still be opened."""
    def compute(read: ActionState):
        now_ms = ctx.clock.now_ms()
        state = acting_player(ctx, read.player, Action.REMOVE_FRIEND, now_ms)
        pair = read.pair
        if pair.mine is None:
            raise NotFound("this trainer is not your friend", code="friend_not_found")
        limit = ctx.config.friend_limit
        changes = [SavePlayer(state), RemoveFriendship(pair.mine), CountFriends(player_id, -1, limit)]
        if pair.theirs is not None:
            changes += [RemoveFriendship(pair.theirs), CountFriends(friend_id, -1, limit)]
        return changes, {"removed": friend_id, "count": pair.my_count - 1}

    reads = ActionReads(player_id, key, friend_id=friend_id,
                        pair_parts=frozenset({"sides", "counts"}))
    return run_once(ctx, reads, Action.REMOVE_FRIEND,
                    request_fingerprint, compute)
