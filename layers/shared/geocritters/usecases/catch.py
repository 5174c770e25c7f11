"""Throwing at an encounter: the server rolls the outcome from the secret and the
throw's index, so a retried request can't re-roll it."""
import hashlib
import hmac
from dataclasses import replace

from ..game import geo
from ..game import player as rules
from ..game.actions import Action
from ..game.catching import Throw, resolve_throw
from ..game.entities import Creature, Encounter
from ..game.errors import Conflict, NotFound
from ..game.randomness import OutcomeRng
from ..game.rewards import catch_reward, under_events
from ..game.species import species
from .collection import creature_json
from .idempotency import run_once
from .player import acting_player
from .ports import ActionReads, ActionState, AddCreature, SaveEncounter, SavePlayer


def creature_id_for(outcome_key: bytes, encounter: Encounter, caught_ms: int) -> str:
    """Sortable by catch time (newest-first listing) and unique per encounter."""
    digest = hmac.new(outcome_key, encounter.encounter_id.encode(), hashlib.sha256).hexdigest()
    return f"cr-{caught_ms:013d}-{digest[:10]}"


def _open_encounter(ctx, encounter: Encounter | None, now_ms: int) -> Encounter:
    if encounter is None:
        raise NotFound("no such encounter", code="encounter_not_found")
    if encounter.status == "caught":
        raise Conflict("already caught", code="already_caught")
    if encounter.is_over(now_ms):
        raise Conflict("this encounter is over", code="encounter_over")
    limit = encounter.premier_balls or ctx.config.max_throws_per_encounter
    if encounter.throws >= limit:
        raise Conflict("no throws left in this encounter", code="encounter_over")
    return encounter


def _spend_ball(state, encounter: Encounter, ball: str):
    """A raid boss is thrown at with its own Premier Balls only (they are the
    encounter's, not the bag's); any other encounter with the player's own balls."""
    if encounter.premier_balls:
        if ball != "premier_ball":
            raise Conflict("a raid boss is caught with its Premier Balls", code="premier_ball_only")
        return state
    if ball == "premier_ball":
        raise Conflict("Premier Balls are for raid bosses", code="premier_ball_raid_only")
    return rules.spend_item(state, ball)


def _raid_boss_outcome(encounter: Encounter, outcome: str) -> str:
    """A raid boss doesn't flee a throw: it leaves when its Premier Balls run out."""
    if outcome == "caught":
        return outcome
    return "fled" if encounter.throws + 1 >= encounter.premier_balls else "escaped"


def throw(ctx, player_id: str, encounter_id: str, aim: Throw, key: str, request_fingerprint: str):
    aim.validate()

    def compute(read: ActionState):
        now_ms = ctx.clock.now_ms()
        encounter = _open_encounter(ctx, read.encounter, now_ms)
        before = acting_player(ctx, read.player, Action.THROW, now_ms, at=(encounter.lat, encounter.lng))
        rules.check_catch_cap(before, now_ms, ctx.config)
        state = _spend_ball(before, encounter, aim.ball)
        if aim.berry:
            state = rules.spend_item(state, aim.berry)
        state = rules.record_action_place(state, encounter.lat, encounter.lng, now_ms)

        kind = species(encounter.species_id)
        rng = OutcomeRng(ctx.keys.outcomes, "throw", player_id, encounter_id, encounter.throws)
        outcome = resolve_throw(kind, encounter.level, aim, rng)
        if encounter.premier_balls:
            outcome = _raid_boss_outcome(encounter, outcome)
        changes, gained, creature = [], {"xp": 0, "stardust": 0, "candy": 0}, None
        if outcome == "caught":
            reward = under_events(catch_reward(ctx.config, boosted=encounter.boosted),
                                  ctx.events.effects_at(geo.encode(encounter.lat, encounter.lng, 7), now_ms))
            gained = {"xp": reward.xp, "stardust": reward.stardust, "candy": reward.candy}
            state = rules.grant(state, xp=reward.xp, stardust=reward.stardust,
                                candy={kind.family: reward.candy})
            state = rules.count_catch(state, now_ms)
            state = replace(state, dex=state.dex | {encounter.species_id})
            creature = Creature(
                player_id=player_id,
                creature_id=creature_id_for(ctx.keys.outcomes, encounter, now_ms),
                species_id=encounter.species_id, level=encounter.level, cp=encounter.cp,
                ivs=encounter.ivs, caught_ms=now_ms, encounter_id=encounter_id,
            )
            changes.append(AddCreature(creature))
        if outcome in ("caught", "fled"):
            state = replace(state, resolved_spawns={**state.resolved_spawns,
                                                    encounter.spawn_id: encounter.despawn_ms})
        status = {"caught": "caught", "fled": "fled"}.get(outcome, "active")
        changes += [
            SavePlayer(state),
            SaveEncounter(replace(encounter, throws=encounter.throws + 1, status=status),
                          expected_throws=encounter.throws),
        ]
        response = {
            "outcome": outcome,
            "throw_index": encounter.throws,
            **gained,
            "balls_left": (encounter.premier_balls - encounter.throws - 1
                           if encounter.premier_balls else state.items.get(aim.ball, 0)),
        }
        if creature is not None:
            response["creature"] = creature_json(creature)
        return changes, response

    reads = ActionReads(player_id, key, encounter_id=encounter_id)
    return run_once(ctx, reads, Action.THROW, request_fingerprint, compute)
