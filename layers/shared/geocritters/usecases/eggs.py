"""Eggs and the buddy: what the distance walked pays for.

Every action here reads the player once and computes the walked total from it
(game/walking.py: the folded totals plus the trail's pending samples), so it never
depends on when the map last folded. Each writes the player under its revision (and a
hatch puts the creature in the same transaction): a retried or concurrent action can't
hatch one egg twice or pay a candy twice.
"""
from ..game import buddy as buddy_rules
from ..game import eggs as egg_rules
from ..game import events as event_rules
from ..game.actions import Action
from ..game.config import DAY_MS
from ..game.errors import Conflict, NotFound
from ..game.walking import walked_total
from .collection import creature_json
from .idempotency import run_once
from .player import acting_player, load_player
from .ports import ActionReads, ActionState, AddCreature, SavePlayer


def _walked(ctx, state) -> float:
    return walked_total(state.walk, state.trail, ctx.config)


def _event_effects(ctx, state, now_ms: int):
    """The live events where the player last was (a hatch has no place of its own):
    their hatch-distance, XP and stardust multipliers."""
    return ctx.events.effects_at(event_rules.place_of(state.position), now_ms)


def eggs_view(ctx, player_id: str) -> dict:
    state = load_player(ctx, player_id)
    walked = _walked(ctx, state)
    eggs = sorted(state.eggs.values(), key=lambda e: (e.found_ms, e.egg_id))
    shorter = _event_effects(ctx, state, ctx.clock.now_ms()).hatch_distance_multiplier
    return {"eggs": [egg_rules.egg_json(e, walked, shorter) for e in eggs],
            "incubators": egg_rules.incubators_json(state.incubators, state.eggs),
            "egg_limit": ctx.config.egg_limit, "walked_km": round(walked / 1000, 3)}


def incubate(ctx, player_id: str, egg_id: str, incubator_id: str, key: str,
             request_fingerprint: str) -> dict:
    def compute(read: ActionState):
        now_ms = ctx.clock.now_ms()
        state = acting_player(ctx, read.player, Action.INCUBATE, now_ms)
        walked = _walked(ctx, state)
        state = egg_rules.incubate(state, egg_id, incubator_id, walked)
        response = {"egg": egg_rules.egg_json(state.eggs[egg_id], walked),
                    "incubators": egg_rules.incubators_json(state.incubators, state.eggs)}
        return [SavePlayer(state)], response

    return run_once(ctx, ActionReads(player_id, key), Action.INCUBATE, request_fingerprint, compute)


def hatch(ctx, player_id: str, egg_id: str, key: str, request_fingerprint: str) -> dict:
    def compute(read: ActionState):
        now_ms = ctx.clock.now_ms()
        state = acting_player(ctx, read.player, Action.HATCH, now_ms)
        egg = egg_rules.found_egg(state, egg_id)
        state, hatched = egg_rules.hatch(state, egg, _walked(ctx, state), ctx.keys.outcomes,
                                         now_ms, ctx.config,
                                         _event_effects(ctx, state, now_ms))
        response = {"egg_id": egg_id, "km": egg.km, "creature": creature_json(hatched.creature),
                    "candy": hatched.candy, "stardust": hatched.stardust, "xp": hatched.xp}
        return [SavePlayer(state), AddCreature(hatched.creature)], response

    return run_once(ctx, ActionReads(player_id, key), Action.HATCH, request_fingerprint, compute)


def _buddy_view(ctx, state, now_ms: int) -> dict:
    swaps = state.buddy_swaps_today if state.buddy_day == now_ms // DAY_MS else 0
    return {"buddy": buddy_rules.buddy_json(state.buddy, _walked(ctx, state), ctx.config),
            "swaps_today": swaps, "swap_limit": ctx.config.buddy_swaps_per_day}


def buddy_view(ctx, player_id: str) -> dict:
    return _buddy_view(ctx, load_player(ctx, player_id), ctx.clock.now_ms())


def choose_buddy(ctx, player_id: str, creature_id: str, key: str, request_fingerprint: str) -> dict:
    """The old buddy's earned candy is paid in the same save that makes the new one."""
    def compute(read: ActionState):
        now_ms = ctx.clock.now_ms()
        state = acting_player(ctx, read.player, Action.CHOOSE_BUDDY, now_ms)
        if read.creature is None:
            raise NotFound("no such creature", code="creature_not_found")
        state, paid, family = buddy_rules.choose(state, read.creature, _walked(ctx, state),
                                                 now_ms, ctx.config)
        response = {**_buddy_view(ctx, state, now_ms), "candy_paid": paid, "candy_family": family}
        return [SavePlayer(state)], response

    reads = ActionReads(player_id, key, creature_id=creature_id)
    return run_once(ctx, reads, Action.CHOOSE_BUDDY, request_fingerprint, compute)


def claim_buddy_candy(ctx, player_id: str, key: str, request_fingerprint: str) -> dict:
    """Pay the candy the buddy has earned so far (none earned: a 200 paying 0)."""
    def compute(read: ActionState):
        now_ms = ctx.clock.now_ms()
        state = acting_player(ctx, read.player, Action.CLAIM_BUDDY_CANDY, now_ms)
        if state.buddy is None:
            raise Conflict("you have no buddy", code="no_buddy")
        state, paid, family = buddy_rules.credit(state, _walked(ctx, state), ctx.config)
        response = {**_buddy_view(ctx, state, now_ms), "candy_paid": paid, "candy_family": family}
        return [SavePlayer(state)], response

    return run_once(ctx, ActionReads(player_id, key), Action.CLAIM_BUDDY_CANDY,
                    request_fingerprint, compute)
