"""Raids: join a lobby with a pass, then claim the boss encounter once the battle is won.

A raid itself is never stored (game/raids.py derives it from the secret, the gym and
the time window); only lobbies are, from the first join. Joining spends the pass, counts
the member into a lobby under a condition on its size, and records the raid on the
player, in one transaction: two joins by one player can't both land (player revision),
and a lobby never takes a 21st member (the header's condition).

The lobby's battle is resolved by the first claim after its countdown: deterministic
from the secret and the lobby, stored once under a condition (a concurrent resolution
computes the same result and finds it stored). Each member's claim then creates their
one boss encounter (its id is derived from player and raid, created only if absent)
with their Premier Balls, in the same transaction that marks the raid claimed.
"""
import hashlib
import hmac
import random
from dataclasses import replace

from ..game import geo
from ..game import lobbies as rules
from ..game import player as player_rules
from ..game.actions import Action
from ..game.battle import distinct_team
from ..game.config import DAY_MS
from ..game.entities import Encounter
from ..game.errors import Conflict, NotFound
from ..game.events import with_limits
from ..game.raids import parse_raid_id, premier_balls, raid_by_id
from ..game.randomness import OutcomeRng
from ..game.species import species
from ..game.stats import combat_power, roll_ivs
from .encounter import encounter_json
from .gyms import find_gym, raid_json
from .idempotency import run_once
from .player import acting_player, load_player
from .ports import (
    ActionReads,
    ActionState,
    AddEncounter,
    AddLobbyMember,
    CheckCreatureFree,
    JoinLobby,
    SaveLobbyResult,
    SavePlayer,
    StaleState,
)


def find_raid(ctx, raid_id: str):
    """(the raid, its gym) for a raid id: malformed ids are 400, unknown ones 404."""
    _, gym_id = parse_raid_id(raid_id)
    try:
        fort = find_gym(ctx, gym_id)
    except NotFound:
        raise NotFound("no such raid", code="raid_not_found") from None
    return raid_by_id(ctx.keys.spawns, raid_id, fort, ctx.config), fort


def _lobby_json(lobby, claimed: bool, config) -> dict:
    body = {"number": lobby.number, "members": lobby.size, "remote": lobby.remote_count,
            "countdown_ends_ms": lobby.countdown_ends_ms(config), "claimed": claimed,
            "result": None}
    if lobby.result is not None:
        body["result"] = {"won": lobby.result.won, "boss_hp": lobby.result.boss_hp,
                          "damage": dict(lobby.result.damage)}
    return body


def view_raid(ctx, player_id: str, raid_id: str) -> dict:
    """The raid, and the player's own lobby if they joined (``revision`` grows with each
    member and with the result: clients poll it)."""
    raid, fort = find_raid(ctx, raid_id)
    now_ms = ctx.clock.now_ms()
    state = load_player(ctx, player_id)
    body = {"raid": {**raid_json(raid, now_ms), "gym_id": fort.id}, "lobby": None, "revision": 0}
    entry = state.raids.get(raid_id)
    if entry is not None:
        lobby = ctx.lobbies.lobby(raid_id, entry[0])
        if lobby is not None:
            body["lobby"] = _lobby_json(lobby, entry[1], ctx.config)
            body["revision"] = lobby.size + (lobby.result is not None)
    return body


def _spend_pass(state, remote: bool, now_ms: int, config):
    item = "remote_raid_pass" if remote else "raid_pass"
    if state.items.get(item, 0) < 1:
        raise Conflict(f"joining {'from afar' if remote else 'here'} needs a {item}",
                       code="no_raid_pass")
    state = player_rules.spend_item(state, item)
    if remote:
        day, count = rules.check_remote_allowance(state.remote_raid_day, state.remote_raids_today,
                                                  now_ms, config)
        state = replace(state, remote_raid_day=day, remote_raids_today=count)
    return state


def _forget_old_raids(raids, now_ms: int, config) -> dict:
    """Keep the player's raid entries for a day after their window: the item stays small."""
    keep = {}
    for raid_id, entry in raids.items():
        window, _ = parse_raid_id(raid_id)
        if (window + 1) * config.raid_window_ms + DAY_MS > now_ms:
            keep[raid_id] = entry
    return keep


def join_raid(ctx, player_id: str, raid_id: str, creature_ids, lat: float, lng: float,
              key: str, request_fingerprint: str) -> dict:
    raid, fort = find_raid(ctx, raid_id)
    creature_ids = distinct_team(creature_ids)
    config = ctx.config

    def compute(read: ActionState):
        now_ms = ctx.clock.now_ms()
        rules.check_joinable(raid, now_ms, config)
        missing = [c for c in creature_ids if c not in read.creatures]
        if missing:
            raise NotFound(f"no such creature: {missing[0]}", code="creature_not_found")
        attackers = [read.creatures[c] for c in creature_ids]
        state = acting_player(ctx, read.player, Action.JOIN_RAID, now_ms, at=(lat, lng))
        for creature in attackers:
            if creature.defending_gym is not None:
                raise Conflict("this creature is defending a gym", code="creature_defending")
        if raid_id in state.raids:
            raise Conflict("you are already in this raid", code="already_in_raid")
        remote = geo.haversine_m(lat, lng, fort.lat, fort.lng) > config.fort_interact_radius_m
        # The day's remote-raid limit under the live events where the player joins from.
        limits = with_limits(config, ctx.events.effects_at(geo.encode(lat, lng, 7), now_ms))
        state = _spend_pass(state, remote, now_ms, limits)
        lobby, new = rules.choose_lobby(ctx.lobbies.lobbies(raid_id), raid_id, remote,
                                        now_ms, config, pick=random.choice)
        state = replace(state, raids={**_forget_old_raids(state.raids, now_ms, config),
                                      raid_id: (lobby.number, False)})
        state = player_rules.record_action_place(state, lat, lng, now_ms)
        member = rules.member_for(player_id, state.team, remote, now_ms, attackers)
        expires_at = (raid.end_ms + DAY_MS) // 1000
        changes = [
            SavePlayer(state),
            JoinLobby(lobby, new, remote, max_size=config.raid_lobby_size,
                      max_remote=config.raid_lobby_remote_max,
                      opened_after_ms=now_ms - config.raid_lobby_countdown_ms,
                      expires_at=expires_at),
            AddLobbyMember(raid_id, lobby.number, member, expires_at),
            *(CheckCreatureFree(c) for c in attackers),
        ]
        response = {"raid_id": raid_id, "lobby": lobby.number, "remote": remote,
                    "members": lobby.size + 1,
                    "countdown_ends_ms": lobby.countdown_ends_ms(config)}
        return changes, response

    reads = ActionReads(player_id, key, creature_ids=creature_ids)
    return run_once(ctx, reads, Action.JOIN_RAID, request_fingerprint, compute)


def _resolved(ctx, lobby, raid):
    """The lobby's one result: stored, or computed now and stored once."""
    if lobby.result is not None:
        return lobby.result
    rng = OutcomeRng(ctx.keys.outcomes, "raid", lobby.raid_id, lobby.number)
    result = rules.resolve(lobby, raid, rng, ctx.config)
    try:
        ctx.unit_of_work.commit([SaveLobbyResult(lobby.raid_id, lobby.number, result)])
    except StaleState:
        # Another claim stored it first; it is the same battle, so the same result, but
        # the stored one is the one every member sees.
        stored = ctx.lobbies.lobby(lobby.raid_id, lobby.number)
        return stored.result
    return result


def boss_encounter_id(outcome_key: bytes, player_id: str, raid_id: str) -> str:
    """One boss encounter per (player, raid)."""
    digest = hmac.new(outcome_key, f"raid|{player_id}|{raid_id}".encode(), hashlib.sha256)
    return "en-" + digest.hexdigest()[:24]


def claim_raid(ctx, player_id: str, raid_id: str, key: str, request_fingerprint: str) -> dict:
    raid, fort = find_raid(ctx, raid_id)
    config = ctx.config

    def compute(read: ActionState):
        now_ms = ctx.clock.now_ms()
        state = acting_player(ctx, read.player, Action.CLAIM_RAID, now_ms)
        entry = state.raids.get(raid_id)
        lobby = ctx.lobbies.lobby(raid_id, entry[0]) if entry is not None else None
        lobby = rules.check_claimable(lobby, player_id, entry is not None and entry[1],
                                      now_ms, config)
        result = _resolved(ctx, lobby, raid)
        state = replace(state, raids={**state.raids, raid_id: (lobby.number, True)})
        response = {"raid_id": raid_id, "won": result.won, "boss_hp": result.boss_hp,
                    "damage": result.damage.get(player_id, 0), "premier_balls": 0,
                    "encounter": None}
        changes = [SavePlayer(state)]
        if result.won:
            share = result.damage.get(player_id, 0) / result.boss_hp
            same_team = state.team is not None and state.team == read.gym.team
            balls = premier_balls(min(1.0, share), same_team, config)
            boss = species(raid.boss_species_id)
            ivs = roll_ivs(OutcomeRng(ctx.keys.outcomes, "raid_boss", player_id, raid_id))
            place = state.last_action
            encounter = Encounter(
                player_id=player_id,
                encounter_id=boss_encounter_id(ctx.keys.outcomes, player_id, raid_id),
                spawn_id=raid_id, species_id=boss.id, level=rules.BOSS_LEVEL,
                cp=combat_power(boss, rules.BOSS_LEVEL, ivs), ivs=ivs,
                lat=place.lat if place else fort.lat, lng=place.lng if place else fort.lng,
                started_ms=now_ms, expires_ms=now_ms + config.encounter_duration_ms,
                despawn_ms=now_ms + config.encounter_duration_ms, premier_balls=balls)
            changes.append(AddEncounter(encounter))
            response.update(premier_balls=balls,
                            encounter={**encounter_json(encounter), "premier_balls": balls})
        return changes, response

    # The gym is read with the player (its team decides the Premier Ball bonus).
    return run_once(ctx, ActionReads(player_id, key, gym_id=fort.id), Action.CLAIM_RAID,
                    request_fingerprint, compute)
