"""Gyms: view, deploy a defender, feed berries, spin; a player's defenders and their
return.

Every write to a gym is the whole gym item under a condition on its revision, in the
same transaction as the acting player's own items (``run_once``): two players deploying
at once can't both take the last slot; one recomputes and is refused.

A defender that leaves its gym (another player's battle) goes back to its owner through
the owner's inbox: the battle writes a new item in the owner's partition, never the
owner's player item, so the owner's own actions and the battle never make each other
fail. The owner claims it (``claim_defenders``): creature unlocked, coins credited
under the daily cap, exactly once (the inbox item is deleted in the same transaction).
"""
from dataclasses import replace

from ..game import gyms as rules
from ..game import player as player_rules
from ..game.actions import Action
from ..game.errors import Conflict, NotFound
from ..game.gyms import GymState
from ..game.raids import raid_at
from ..game.randomness import OutcomeRng
from ..game.rewards import fit_in_bag, spin_reward
from ..game.species import species
from .forts import check_in_reach, find_fort
from .idempotency import run_once
from .player import acting_player, load_player
from .ports import (
    ActionReads,
    ActionState,
    LockCreature,
    ReleaseCreature,
    SaveGym,
    SavePlayer,
    TakeReturn,
)


def find_gym(ctx, gym_id: str):
    return find_fort(ctx, gym_id, "gym")


def raid_json(raid, now_ms: int) -> dict | None:
    if raid is None:
        return None
    phase = raid.phase(now_ms)
    body = {"id": raid.raid_id, "tier": raid.tier, "phase": phase,
            "hatch_ms": raid.hatch_ms, "end_ms": raid.end_ms}
    if phase == "battle":  # an egg doesn't tell its boss
        body.update(boss_species=raid.boss_species_id, boss_cp=raid.boss_cp)
    return body


def current_raid(ctx, fort, now_ms: int):
    return raid_at(ctx.keys.spawns, fort, now_ms, ctx.config)


def raid_under_way(ctx, fort, now_ms: int) -> bool:
    raid = current_raid(ctx, fort, now_ms)
    return raid is not None and raid.phase(now_ms) == "battle"


def gym_summary(ctx, fort, gym: GymState, now_ms: int) -> dict:
    """What the map shows of a gym."""
    return {"id": fort.id, "name": fort.name, "lat": fort.lat, "lng": fort.lng,
            "team": gym.team, "free_slots": gym.free_slots(ctx.config),
            "raid": raid_json(current_raid(ctx, fort, now_ms), now_ms)}


def defender_json(d: rules.Defender, now_ms: int, config) -> dict:
    motivation = rules.motivation_now(d, now_ms, config)
    return {"creature_id": d.creature_id, "owner_name": d.owner_name,
            "species": d.species_id, "species_name": species(d.species_id).name,
            "cp": d.cp, "displayed_cp": rules.displayed_cp(d, now_ms, config),
            "motivation": round(motivation, 4), "placed_ms": d.placed_ms}


def gym_json(ctx, fort, gym: GymState, now_ms: int) -> dict:
    """A gym's page: its summary, defenders in battle order, and its revision (clients
    poll and redraw when it changes)."""
    body = gym_summary(ctx, fort, gym, now_ms)
    body.update(
        revision=gym.revision,
        defenders=[defender_json(d, now_ms, ctx.config) for d in gym.defenders],
        deploy_blocked_team=gym.blocked_team if gym.blocked_until_ms > now_ms else None,
        deploy_blocked_until_ms=gym.blocked_until_ms if gym.blocked_until_ms > now_ms else 0,
    )
    return body


def view_gym(ctx, player_id: str, gym_id: str, lat: float, lng: float) -> dict:
    """A gym seen from where the player stands: within reach, and not right after a
    jump the travel cooldown forbids (a read: no strike, nothing written)."""
    fort = find_gym(ctx, gym_id)
    check_in_reach(ctx, fort, lat, lng)
    now_ms = ctx.clock.now_ms()
    state = load_player(ctx, player_id)
    player_rules.check_standing(state, now_ms, ctx.config)
    player_rules.check_travel(state, lat, lng, now_ms)
    return gym_json(ctx, fort, ctx.gyms.get_gym(gym_id), now_ms)


def _found_creature(creature):
    if creature is None:
        raise NotFound("no such creature", code="creature_not_found")
    return creature


def deploy(ctx, player_id: str, gym_id: str, creature_id: str, lat: float, lng: float,
           key: str, request_fingerprint: str) -> dict:
    fort = find_gym(ctx, gym_id)

    def compute(read: ActionState):
        now_ms = ctx.clock.now_ms()
        check_in_reach(ctx, fort, lat, lng)
        creature = _found_creature(read.creature)
        state = acting_player(ctx, read.player, Action.DEPLOY, now_ms, at=(lat, lng))
        rules.check_creature_free(creature)
        gym = read.gym
        rules.check_can_deploy(gym, state.team, player_id, creature, len(state.defending),
                               now_ms, ctx.config)
        gym = rules.deploy(gym, state.team, state.name, creature, now_ms, ctx.config)
        state = replace(state, defending={**state.defending, creature_id: gym_id})
        state = player_rules.record_action_place(state, lat, lng, now_ms)
        response = {"gym": gym_json(ctx, fort, replace(gym, revision=gym.revision + 1), now_ms),
                    "deployed": creature_id}
        return [SaveGym(gym), LockCreature(creature, gym_id), SavePlayer(state)], response

    reads = ActionReads(player_id, key, creature_id=creature_id, gym_id=gym_id)
    return run_once(ctx, reads, Action.DEPLOY, request_fingerprint, compute)


def feed(ctx, player_id: str, gym_id: str, creature_id: str, lat: float, lng: float,
         key: str, request_fingerprint: str) -> dict:
    """One razz berry to one defender of the player's team."""
    fort = find_gym(ctx, gym_id)

    def compute(read: ActionState):
        now_ms = ctx.clock.now_ms()
        check_in_reach(ctx, fort, lat, lng)
        state = acting_player(ctx, read.player, Action.FEED, now_ms, at=(lat, lng))
        rules.check_can_feed(read.gym, state.team, raid_under_way(ctx, fort, now_ms))
        gym, fed, gain = rules.feed(read.gym, creature_id, now_ms, ctx.config)
        feeds = rules.count_berry(state.berry_feeds, gym_id, now_ms, ctx.config)
        state = player_rules.spend_item(state, "razz_berry")
        state = player_rules.grant(state, stardust=ctx.config.gym_berry_stardust)
        state = replace(state, berry_feeds=feeds)
        state = player_rules.record_action_place(state, lat, lng, now_ms)
        response = {"fed": creature_id, "motivation_gained": round(gain, 4),
                    "motivation": round(fed.motivation, 4),
                    "stardust": ctx.config.gym_berry_stardust,
                    "berries_left_here": ctx.config.gym_berries_per_window - feeds[gym_id][1],
                    "revision": gym.revision + 1}
        return [SaveGym(gym), SavePlayer(state)], response

    reads = ActionReads(player_id, key, gym_id=gym_id)
    return run_once(ctx, reads, Action.FEED, request_fingerprint, compute)


def spin_gym(ctx, player_id: str, gym_id: str, lat: float, lng: float, key: str,
             request_fingerprint: str) -> dict:
    """Items like a stop, and the day's free raid pass."""
    fort = find_gym(ctx, gym_id)

    def compute(read: ActionState):
        now_ms = ctx.clock.now_ms()
        check_in_reach(ctx, fort, lat, lng)
        state = acting_player(ctx, read.player, Action.GYM_SPIN, now_ms, at=(lat, lng))
        until = state.stop_cooldowns.get(gym_id, 0)
        if until > now_ms:
            raise Conflict("this gym's disc is cooling down", code="gym_cooling_down",
                           retry_after_s=-(-(until - now_ms) // 1000))
        rng = OutcomeRng(ctx.keys.outcomes, "gym_spin", player_id, gym_id, now_ms)
        reward = spin_reward(rng, state.level, False, ctx.config)
        state, passes = player_rules.grant_free_raid_pass(state, now_ms, ctx.config)
        bag = fit_in_bag(state.item_total, reward.items, ctx.config.bag_capacity)
        cooldown_until = now_ms + ctx.config.spin_cooldown_ms
        state = player_rules.grant(state, items=bag.granted, xp=ctx.config.gym_spin_xp)
        state = replace(state, stop_cooldowns={**state.stop_cooldowns, gym_id: cooldown_until})
        state = player_rules.record_action_place(state, lat, lng, now_ms)
        items = dict(bag.granted)
        if passes:
            items["raid_pass"] = items.get("raid_pass", 0) + passes
        response = {"items": items, "dropped": bag.dropped, "bag_full": bool(bag.dropped),
                    "xp": ctx.config.gym_spin_xp, "raid_pass": passes,
                    "cooldown_until_ms": cooldown_until}
        return [SavePlayer(state)], response

    reads = ActionReads(player_id, key)
    return run_once(ctx, reads, Action.GYM_SPIN, request_fingerprint, compute)


def _return_json(r) -> dict:
    return {"creature_id": r.creature_id, "gym_id": r.gym_id, "placed_ms": r.placed_ms,
            "left_ms": r.left_ms, "coins": r.coins}


def my_defenders(ctx, player_id: str) -> dict:
    """Where the player's creatures defend, and those back from their gyms, unclaimed."""
    state = load_player(ctx, player_id)
    returned = ctx.inbox.pending_returns(player_id)
    back = {r.creature_id for r in returned}
    return {
        "defending": [{"creature_id": c, "gym_id": g}
                      for c, g in sorted(state.defending.items()) if c not in back],
        "returned": [_return_json(r) for r in returned],
        "coins": state.coins,
    }


def claim_defenders(ctx, player_id: str, key: str, request_fingerprint: str) -> dict:
    """Take back every defender that left its gym: each creature unlocked, its coins
    credited under the daily cap, its inbox item deleted, all in one transaction."""
    def compute(read: ActionState):
        now_ms = ctx.clock.now_ms()
        state = acting_player(ctx, read.player, Action.CLAIM_DEFENDERS, now_ms)
        # At most as many as a player can hold, so the transaction stays far below
        # DynamoDB's 100 items (3 per return + the player + the record).
        returned = ctx.inbox.pending_returns(player_id)[:ctx.config.max_gyms_held]
        earned = sum(r.coins for r in returned)
        state, credited = player_rules.credit_coins(state, earned, now_ms, ctx.config)
        defending = dict(state.defending)
        for r in returned:
            defending.pop(r.creature_id, None)
        state = replace(state, defending=defending)
        changes = [SavePlayer(state)]
        for r in returned:
            changes += [TakeReturn(r), ReleaseCreature(player_id, r.creature_id, r.gym_id)]
        response = {"returned": [_return_json(r) for r in returned],
                    "coins_earned": earned, "coins_credited": credited,
                    "coins": state.coins}
        return changes, response

    return run_once(ctx, ActionReads(player_id, key), Action.CLAIM_DEFENDERS,
                    request_fingerprint, compute)
