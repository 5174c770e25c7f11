"""Spinning a stop for items."""
from dataclasses import replace

from ..game import geo
from ..game import player as rules
from ..game.actions import Action
from ..game.eggs import egg_json, find_at_stop
from ..game.errors import Conflict
from ..game.gifts import find_gift_at_stop
from ..game.randomness import OutcomeRng
from ..game.rewards import fit_in_bag, spin_reward, under_events
from .forts import check_in_reach, find_fort
from .idempotency import run_once
from .player import acting_player
from .ports import ActionReads, ActionState, RecordVisit, SavePlayer


def spin(ctx, player_id: str, stop_id: str, lat: float, lng: float, key: str, request_fingerprint: str):
    stop = find_fort(ctx, stop_id, "stop")

    def compute(read: ActionState):
        now_ms = ctx.clock.now_ms()
        check_in_reach(ctx, stop, lat, lng)
        state = acting_player(ctx, read.player, Action.SPIN, now_ms, at=(lat, lng))
        until = state.stop_cooldowns.get(stop_id, 0)
        if until > now_ms:
            raise Conflict("this stop is cooling down", code="stop_cooling_down",
                           retry_after_s=-(-(until - now_ms) // 1000))

        first = not read.visited
        rng = OutcomeRng(ctx.keys.outcomes, "spin", player_id, stop_id, now_ms)
        reward = under_events(spin_reward(rng, state.level, first, ctx.config),
                              ctx.events.effects_at(geo.encode(lat, lng, 7), now_ms))
        bag = fit_in_bag(state.item_total, reward.items, ctx.config.bag_capacity)
        cooldown_until = now_ms + ctx.config.spin_cooldown_ms
        state = rules.grant(state, items=bag.granted, xp=reward.xp)
        state = replace(state, stop_cooldowns={**state.stop_cooldowns, stop_id: cooldown_until})
        state, gifts = find_gift_at_stop(state, rng, ctx.config)
        state, egg, incubator = find_at_stop(state, rng, now_ms, ctx.config)
        state = rules.record_action_place(state, lat, lng, now_ms)
        response = {
            "items": bag.granted,
            "dropped": bag.dropped,
            "bag_full": bool(bag.dropped),
            "xp": reward.xp,
            "first_visit": first,
            "gifts": gifts,
            "egg": egg_json(egg, 0.0) if egg else None,
            "incubator": incubator,
            "cooldown_until_ms": cooldown_until,
        }
        changes = [SavePlayer(state), RecordVisit(player_id, stop_id, first, now_ms)]
        return changes, response

    reads = ActionReads(player_id, key, stop_id=stop_id)
    return run_once(ctx, reads, Action.SPIN, request_fingerprint, compute)
