"""Trades: propose (with a creature), offer (the friend's answer, with theirs), confirm
(the proposer's, which executes), cancel (either side); a trade's page and a player's
open trades.

Execution is ONE transaction: both creatures leave their owners under conditions that
they are still exactly as agreed (same species and level, defending nothing, never
traded) and arrive at the other player re-rolled; both players pay and count the trade
under conditions on their revisions; both friendship sides count the interaction; the
trade moves to "completed" under a condition on its revision; both players' links to it
go; the confirming player's action record is written. A transfer, a deployment, an
evolution or another trade of either creature racing with it makes exactly one of the
two fail.
"""
from dataclasses import replace

from ..game import trades as rules
from ..game.actions import Action
from ..game.buddy import check_not_buddy
from ..game.errors import Conflict
from ..game.friends import found_friendship, interact
from ..game.trades import Trade
from .collection import creature_json
from .idempotency import run_once
from .player import acting_player, load_player
from .ports import (
    ActionReads,
    ActionState,
    AddCreature,
    LinkTrade,
    SaveFriendship,
    SavePlayer,
    SaveTrade,
    TradeAwayCreature,
    UnlinkTrade,
)

SIDES = frozenset({"sides"})  # of the pair's items, a trade needs the friendship only


def _snapshot_json(creature) -> dict | None:
    if creature is None:
        return None
    body = creature_json(creature)
    body.pop("defending_gym", None)
    body.pop("traded", None)
    return body


def trade_json(trade: Trade, viewer_id: str, now_ms: int) -> dict:
    status = trade.status
    if status in rules.OPEN and now_ms >= trade.expires_ms:
        status = "expired"
    result = (trade.outcome or {}).get(viewer_id)
    return {
        "trade_id": trade.trade_id, "status": status, "revision": trade.revision,
        "your_side": trade.side_of(viewer_id),
        "proposer": {"player_id": trade.proposer_id, "name": trade.proposer_name},
        "receiver": {"player_id": trade.receiver_id, "name": trade.receiver_name},
        "proposer_creature": _snapshot_json(trade.proposer_creature),
        "receiver_creature": _snapshot_json(trade.receiver_creature),
        "created_ms": trade.created_ms, "expires_ms": trade.expires_ms,
        "closed_ms": trade.closed_ms or None, "cancelled_by": trade.cancelled_by,
        "result": result,  # once completed: what this viewer received and paid
    }


def _stored(trade: Trade) -> Trade:
    """The trade as the commit will have stored it (the response shows that revision)."""
    return replace(trade, revision=trade.revision + 1)


def view_trade(ctx, player_id: str, trade_id: str) -> dict:
    trade = rules.found_trade(ctx.trades.get_trade(trade_id), player_id)
    return trade_json(trade, player_id, ctx.clock.now_ms())


def my_trades(ctx, player_id: str) -> dict:
    """The trades this player takes part in that are still open (or expired unanswered:
    either side can cancel those)."""
    load_player(ctx, player_id)
    now_ms = ctx.clock.now_ms()
    trades = ctx.trades.get_trades(ctx.inbox.trade_links(player_id))
    trades.sort(key=lambda t: (t.created_ms, t.trade_id))
    return {"trades": [trade_json(t, player_id, now_ms) for t in trades]}


def propose(ctx, player_id: str, friend_id: str, creature_id: str, key: str,
            request_fingerprint: str) -> dict:
    def compute(read: ActionState):
        now_ms = ctx.clock.now_ms()
        state = acting_player(ctx, read.player, Action.PROPOSE_TRADE, now_ms)
        found_friendship(read.pair.mine)
        creature = rules.check_tradable(read.creature, player_id)
        check_not_buddy(state, creature.creature_id)
        friend = _friend(read)
        rules.check_levels(state, friend, ctx.config)
        rules.check_proximity(state, friend, now_ms, ctx.config)
        trade = Trade(
            trade_id=rules.trade_id(ctx.keys.outcomes, player_id, key),
            proposer_id=player_id, proposer_name=state.name, receiver_id=friend_id,
            receiver_name=friend.name, proposer_creature=creature, created_ms=now_ms,
            expires_ms=now_ms + ctx.config.trade_expiry_ms)
        changes = [SavePlayer(state), SaveTrade(trade), LinkTrade(player_id, trade.trade_id),
                   LinkTrade(friend_id, trade.trade_id)]
        return changes, trade_json(_stored(trade), player_id, now_ms)

    reads = ActionReads(player_id, key, creature_id=creature_id, friend_id=friend_id,
                        pair_parts=SIDES)
    return run_once(ctx, reads, Action.PROPOSE_TRADE, request_fingerprint, compute)


def _friend(read: ActionState):
    """The friend's player item; a friendship whose other player is gone (a deleted
    account, a partial restore) is no friendship to trade with."""
    if read.friend is None:
        found_friendship(None)
    return read.friend


def _terms(me, friend, mine, theirs_creature, my_creature, config):
    """(what I pay, what my friend pays): each by what they receive, at the pair's
    friendship level."""
    level = mine.level(config)
    return (rules.terms_for(me, theirs_creature, level, config),
            rules.terms_for(friend, my_creature, level, config))


def _parties(ctx, player_id: str, trade_id: str) -> Trade:
    """The trade's parties and creatures, to know what to read: they never change, so
    an unlocked read is enough (the action's own read re-reads the trade)."""
    return rules.found_trade(ctx.trades.get_trade(trade_id), player_id)


def offer(ctx, player_id: str, trade_id: str, creature_id: str, key: str,
          request_fingerprint: str) -> dict:
    """The friend's answer: their creature, and their consent to exactly this exchange.
    Every precondition is checked now, for both sides, so a confirmation rarely fails."""
    known = _parties(ctx, player_id, trade_id)

    def compute(read: ActionState):
        now_ms = ctx.clock.now_ms()
        state = acting_player(ctx, read.player, Action.OFFER_TRADE, now_ms)
        trade = rules.found_trade(read.trade, player_id)
        rules.check_open(trade, now_ms)
        rules.check_turn(trade, player_id, "receiver", "proposed")
        mine = found_friendship(read.pair.mine)
        creature = rules.check_tradable(read.creature, player_id)
        check_not_buddy(state, creature.creature_id)
        theirs = rules.check_unchanged(read.friend_creatures.get(trade.proposer_creature.creature_id),
                                       trade.proposer_creature)
        friend = _friend(read)
        rules.check_levels(state, friend, ctx.config)
        rules.check_proximity(state, friend, now_ms, ctx.config)
        my_terms, their_terms = _terms(state, friend, mine, theirs, creature, ctx.config)
        rules.check_caps(state, my_terms, now_ms, ctx.config)
        rules.check_caps(friend, their_terms, now_ms, ctx.config, who="your friend")
        trade = replace(trade, status="offered", receiver_creature=creature)
        response = trade_json(_stored(trade), player_id, now_ms)
        response["stardust_cost"] = my_terms.stardust
        return [SavePlayer(state), SaveTrade(trade)], response

    reads = ActionReads(player_id, key, creature_id=creature_id, friend_id=known.proposer_id,
                        pair_parts=SIDES,
                        friend_creature_ids=(known.proposer_creature.creature_id,),
                        trade_id=trade_id)
    return run_once(ctx, reads, Action.OFFER_TRADE, request_fingerprint, compute)


def confirm(ctx, player_id: str, trade_id: str, key: str, request_fingerprint: str) -> dict:
    """The proposer's confirmation: the exchange, in one transaction (module docstring)."""
    known = _parties(ctx, player_id, trade_id)

    def compute(read: ActionState):
        now_ms = ctx.clock.now_ms()
        config = ctx.config
        state = acting_player(ctx, read.player, Action.CONFIRM_TRADE, now_ms)
        trade = rules.found_trade(read.trade, player_id)
        rules.check_open(trade, now_ms)
        rules.check_turn(trade, player_id, "proposer", "offered")
        if known.receiver_creature is None:  # offered since we looked: nothing read for it
            raise Conflict("the friend has just answered: look at the trade, then confirm",
                           code="trade_not_ready")
        mine, theirs = found_friendship(read.pair.mine), found_friendship(read.pair.theirs)
        mine_out = rules.check_unchanged(read.creatures.get(trade.proposer_creature.creature_id),
                                         trade.proposer_creature)
        theirs_out = rules.check_unchanged(
            read.friend_creatures.get(trade.receiver_creature.creature_id), trade.receiver_creature)
        friend = _friend(read)
        # Either side may have made its creature its buddy since: it stays with them.
        check_not_buddy(state, mine_out.creature_id)
        check_not_buddy(friend, theirs_out.creature_id, "your friend's")
        rules.check_levels(state, friend, config)
        rules.check_proximity(state, friend, now_ms, config)
        my_terms, their_terms = _terms(state, friend, mine, theirs_out, mine_out, config)
        rules.check_caps(state, my_terms, now_ms, config)
        rules.check_caps(friend, their_terms, now_ms, config, who="your friend")

        floor = rules.iv_floor(mine, config)
        to_friend = rules.rerolled(mine_out, friend.player_id, ctx.keys.outcomes, trade, floor, now_ms)
        to_me = rules.rerolled(theirs_out, player_id, ctx.keys.outcomes, trade, floor, now_ms)
        state = rules.pay(state, my_terms, to_me, now_ms)
        friend = rules.pay(friend, their_terms, to_friend, now_ms)
        mine, theirs = interact(mine, theirs, now_ms)
        outcome = {
            player_id: {"received": _snapshot_json(to_me), "stardust": my_terms.stardust,
                        "special": my_terms.special},
            friend.player_id: {"received": _snapshot_json(to_friend),
                               "stardust": their_terms.stardust, "special": their_terms.special},
        }
        done = replace(trade, status="completed", closed_ms=now_ms, outcome=outcome)
        changes = [TradeAwayCreature(mine_out), TradeAwayCreature(theirs_out),
                   AddCreature(to_friend), AddCreature(to_me),
                   SavePlayer(state), SavePlayer(friend), SaveTrade(done),
                   SaveFriendship(mine), SaveFriendship(theirs),
                   UnlinkTrade(player_id, trade_id), UnlinkTrade(friend.player_id, trade_id)]
        return changes, trade_json(_stored(done), player_id, now_ms)

    reads = ActionReads(
        player_id, key, friend_id=known.receiver_id, pair_parts=SIDES, trade_id=trade_id,
        creature_ids=(known.proposer_creature.creature_id,),
        friend_creature_ids=((known.receiver_creature.creature_id,)
                             if known.receiver_creature is not None else ()))
    return run_once(ctx, reads, Action.CONFIRM_TRADE, request_fingerprint, compute)


def cancel(ctx, player_id: str, trade_id: str, key: str, request_fingerprint: str) -> dict:
    """Either side, while the trade is open (an expired one too: it closes it)."""
    def compute(read: ActionState):
        now_ms = ctx.clock.now_ms()
        state = acting_player(ctx, read.player, Action.CANCEL_TRADE, now_ms)
        trade = rules.found_trade(read.trade, player_id)
        if trade.status not in rules.OPEN:
            rules.check_open(trade, now_ms)
        done = replace(trade, status="cancelled", closed_ms=now_ms, cancelled_by=player_id)
        changes = [SavePlayer(state), SaveTrade(done), UnlinkTrade(trade.proposer_id, trade_id),
                   UnlinkTrade(trade.receiver_id, trade_id)]
        return changes, trade_json(_stored(done), player_id, now_ms)

    return run_once(ctx, ActionReads(player_id, key, trade_id=trade_id), Action.CANCEL_TRADE,
                    request_fingerprint, compute)
