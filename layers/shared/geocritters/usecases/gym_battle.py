"""Battling a rival gym: the server simulates the fight and applies its outcome.

The simulation is deterministic from the game secret and the battle's own key (player,
gym, Idempotency-Key): a retry can't re-roll a lost battle, and a new attempt is a new
battle instance with its own key. Defeated defenders lose motivation; one that leaves
goes to its owner's inbox (see usecases/gyms.py), never to the owner's player item.
"""
from dataclasses import replace

from ..game import gyms as rules
from ..game import player as player_rules
from ..game.actions import Action
from ..game.battle import Fighter, distinct_team, gym_battle
from ..game.errors import NotFound
from ..game.randomness import OutcomeRng
from .forts import check_in_reach
from .gyms import find_gym, gym_json, raid_under_way
from .idempotency import run_once
from .player import acting_player
from .ports import ActionReads, ActionState, CheckCreatureFree, SaveGym, SavePlayer, SendReturn


def battle(ctx, player_id: str, gym_id: str, creature_ids, lat: float, lng: float,
           key: str, request_fingerprint: str) -> dict:
    fort = find_gym(ctx, gym_id)
    creature_ids = distinct_team(creature_ids)

    def compute(read: ActionState):
        now_ms = ctx.clock.now_ms()
        check_in_reach(ctx, fort, lat, lng)
        missing = [c for c in creature_ids if c not in read.creatures]
        if missing:
            raise NotFound(f"no such creature: {missing[0]}", code="creature_not_found")
        attackers = [read.creatures[c] for c in creature_ids]
        state = acting_player(ctx, read.player, Action.BATTLE, now_ms, at=(lat, lng))
        for creature in attackers:
            rules.check_creature_free(creature)
        gym = read.gym
        rules.check_can_attack(gym, state.team, raid_under_way(ctx, fort, now_ms))

        rng = OutcomeRng(ctx.keys.outcomes, "gym_battle", player_id, gym_id, key)
        result = gym_battle(
            rng,
            [Fighter(c.creature_id, c.species_id, c.level, c.ivs) for c in attackers],
            [Fighter(d.creature_id, d.species_id, d.level, d.ivs,
                     rules.stat_scale(rules.motivation_now(d, now_ms, ctx.config)))
             for d in gym.defenders],
            ctx.config)
        after, returns = rules.after_battle(gym, result.defeated, now_ms, ctx.config)
        xp = ctx.config.gym_battle_xp_per_defender * len(result.defeated)
        state = player_rules.grant(state, xp=xp)
        state = player_rules.record_action_place(state, lat, lng, now_ms)
        changes = [SaveGym(after), SavePlayer(state)]
        # The attackers must still be this player's and free when the outcome lands.
        changes += [CheckCreatureFree(c) for c in attackers]
        changes += [SendReturn(r) for r in returns]
        response = {
            "won": result.won,
            "defeated": list(result.defeated),
            "fainted": list(result.fainted),
            "left_gym": [r.creature_id for r in returns],
            "xp": xp,
            "gym": gym_json(ctx, fort, replace(after, revision=after.revision + 1), now_ms),
        }
        return changes, response

    reads = ActionReads(player_id, key, gym_id=gym_id, creature_ids=creature_ids)
    return run_once(ctx, reads, Action.BATTLE, request_fingerprint, compute)
