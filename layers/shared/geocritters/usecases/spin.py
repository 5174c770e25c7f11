"""Spinning a stop for items."""
from dataclasses import replace

from ..game import geo
from ..game import player as rules
from ..game.actions import Action
from ..game.errors import Conflict, NotFound, RuleRefused
from ..game.randomness import OutcomeRng
from ..game.rewards import fit_in_bag, spin_reward
from ..game.world import CURATED_ID_PREFIX, parse_fort_id
from .idempotency import run_once
from .player import acting_player
from .ports import ActionReads, ActionState, RecordVisit, SavePlayer


def find_stop(ctx, stop_id: str):
    """A generated or curated stop by id; gyms and unknown ids are not stops."""
    if stop_id.startswith(CURATED_ID_PREFIX):
        fort = ctx.curated.by_id(stop_id)
    else:
        parse_fort_id(stop_id)  # a malformed id is the client's mistake: 400, not 404
        try:
            fort = ctx.world.fort(stop_id)
        except NotFound:
            fort = None
    if fort is None or fort.kind != "stop":
        raise NotFound("no such stop", code="stop_not_found")
    return fort


def spin(ctx, player_id: str, stop_id: str, lat: float, lng: float, key: str, request_fingerprint: str):
    stop = find_stop(ctx, stop_id)

    def compute(read: ActionState):
        now_ms = ctx.clock.now_ms()
        distance = geo.haversine_m(lat, lng, stop.lat, stop.lng)
        if distance > ctx.config.fort_interact_radius_m:
            raise RuleRefused(
                f"the stop is {distance:.0f} m away; come within "
                f"{ctx.config.fort_interact_radius_m:.0f} m", code="out_of_range")
        state = acting_player(ctx, read.player, Action.SPIN, now_ms, at=(lat, lng))
        until = state.stop_cooldowns.get(stop_id, 0)
        if until > now_ms:
            raise Conflict("this stop is cooling down", code="stop_cooling_down",
                           retry_after_s=-(-(until - now_ms) // 1000))

        first = not read.visited
        rng = OutcomeRng(ctx.keys.outcomes, "spin", player_id, stop_id, now_ms)
        reward = spin_reward(rng, state.level, first, ctx.config)
        bag = fit_in_bag(state.item_total, reward.items, ctx.config.bag_capacity)
        cooldown_until = now_ms + ctx.config.spin_cooldown_ms
        state = rules.grant(state, items=bag.granted, xp=reward.xp)
        state = replace(state, stop_cooldowns={**state.stop_cooldowns, stop_id: cooldown_until})
        state = rules.record_action_place(state, lat, lng, now_ms)
        response = {
            "items": bag.granted,
            "dropped": bag.dropped,
            "bag_full": bool(bag.dropped),
            "xp": reward.xp,
            "first_visit": first,
            "cooldown_until_ms": cooldown_until,
        }
        changes = [SavePlayer(state), RecordVisit(player_id, stop_id, first, now_ms)]
        return changes, response

    reads = ActionReads(player_id, key, stop_id=stop_id)
    return run_once(ctx, reads, Action.SPIN, request_fingerprint, compute)
