"""The player's creatures: listing with signed cursors, transfer, evolve, power-up."""
import base64
import hashlib
import hmac
import json
from dataclasses import replace

from ..game import collection as rules
from ..game import player as player_rules
from ..game.actions import Action
from ..game.buddy import check_not_buddy
from ..game.entities import Creature
from ..game.errors import InvalidInput, NotFound
from ..game.gyms import check_creature_free
from ..game.species import species
from ..game.stats import combat_power
from .idempotency import run_once
from .player import acting_player
from .ports import ActionReads, ActionState, RemoveCreature, ReplaceCreature, SavePlayer

MAX_PAGE = 50


def creature_json(c: Creature) -> dict:
    kind = species(c.species_id)
    return {
        "id": c.creature_id,
        "species": c.species_id,
        "species_name": kind.name,
        "cp": c.cp,
        "level": c.level,
        "ivs": {"attack": c.ivs.attack, "defense": c.ivs.defense, "stamina": c.ivs.stamina},
        "caught_ms": c.caught_ms,
        "defending_gym": c.defending_gym,
        "traded": bool(c.traded_ms),
    }


# --- cursors: opaque, signed, bound to the player and the query -----------------------

def _cursor_mac(key: bytes, player_id: str, payload: str) -> str:
    message = f"creatures|{player_id}|{payload}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()[:32]


def encode_cursor(key: bytes, player_id: str, after: str) -> str:
    payload = base64.urlsafe_b64encode(json.dumps({"after": after}).encode()).decode().rstrip("=")
    return f"{payload}.{_cursor_mac(key, player_id, payload)}"


def decode_cursor(key: bytes, player_id: str, cursor: str) -> str:
    """The position a cursor points at, or InvalidInput if it isn't one we issued to
    this player for this listing."""
    payload, _, mac = cursor.partition(".")
    if not payload or not cursor.isascii() \
            or not hmac.compare_digest(mac, _cursor_mac(key, player_id, payload)):
        raise InvalidInput("invalid cursor", code="invalid_cursor")
    try:
        padded = payload + "=" * (-len(payload) % 4)
        after = json.loads(base64.urlsafe_b64decode(padded))["after"]
    except (ValueError, KeyError, TypeError) as error:
        raise InvalidInput("invalid cursor", code="invalid_cursor") from error
    if not isinstance(after, str):
        raise InvalidInput("invalid cursor", code="invalid_cursor")
    return after


def list_creatures(ctx, player_id: str, limit: int, cursor: str | None) -> dict:
    after = decode_cursor(ctx.keys.cursors, player_id, cursor) if cursor is not None else None
    page, next_after = ctx.creatures.list_creatures(player_id, limit, after)
    return {
        "creatures": [creature_json(c) for c in page],
        "next_cursor": encode_cursor(ctx.keys.cursors, player_id, next_after) if next_after else None,
    }


def _found_creature(creature: Creature | None) -> Creature:
    """The creature the action changes: it exists, and defends no gym."""
    if creature is None:
        raise NotFound("no such creature", code="creature_not_found")
    check_creature_free(creature)
    return creature


def transfer(ctx, player_id: str, creature_id: str, key: str, request_fingerprint: str):
    def compute(read: ActionState):
        creature = _found_creature(read.creature)
        family = species(creature.species_id).family
        candy = rules.transfer_candy(ctx.config)
        state = acting_player(ctx, read.player, Action.TRANSFER, ctx.clock.now_ms())
        check_not_buddy(state, creature_id)
        state = player_rules.grant(state, candy={family: candy})
        response = {"transferred": creature_id, "candy": candy, "family": family,
                    "candy_total": state.candy[family]}
        return [RemoveCreature(creature), SavePlayer(state)], response

    return run_once(ctx, ActionReads(player_id, key, creature_id=creature_id), Action.TRANSFER,
                    request_fingerprint, compute)


def evolve(ctx, player_id: str, creature_id: str, key: str, request_fingerprint: str):
    def compute(read: ActionState):
        creature = _found_creature(read.creature)
        state = acting_player(ctx, read.player, Action.EVOLVE, ctx.clock.now_ms())
        kind = species(creature.species_id)
        target = rules.check_evolve(kind, state.candy.get(kind.family, 0))
        state = player_rules.spend(state, candy={kind.family: kind.evolve_candy})
        state = replace(state, dex=state.dex | {target.id})
        evolved = replace(creature, species_id=target.id,
                          cp=combat_power(target, creature.level, creature.ivs))
        response = {"creature": creature_json(evolved), "candy_spent": kind.evolve_candy}
        return [ReplaceCreature(evolved, expected=creature), SavePlayer(state)], response

    return run_once(ctx, ActionReads(player_id, key, creature_id=creature_id), Action.EVOLVE,
                    request_fingerprint, compute)


def power_up(ctx, player_id: str, creature_id: str, key: str, request_fingerprint: str):
    def compute(read: ActionState):
        creature = _found_creature(read.creature)
        state = acting_player(ctx, read.player, Action.POWER_UP, ctx.clock.now_ms())
        kind = species(creature.species_id)
        stardust, candy = rules.check_power_up(creature.level, state.level, state.stardust,
                                               state.candy.get(kind.family, 0))
        state = player_rules.spend(state, stardust=stardust, candy={kind.family: candy})
        level = creature.level + 0.5
        powered = replace(creature, level=level, cp=combat_power(kind, level, creature.ivs))
        response = {"creature": creature_json(powered), "stardust_spent": stardust,
                    "candy_spent": candy}
        return [ReplaceCreature(powered, expected=creature), SavePlayer(state)], response

    return run_once(ctx, ActionReads(player_id, key, creature_id=creature_id), Action.POWER_UP,
                    request_fingerprint, compute)
