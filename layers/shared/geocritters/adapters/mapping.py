"""Records <-> domain objects: what a PynamoDB item holds for each game object.

No calls here: the repositories read with these, the unit of work writes with them.
"""
import json

from ..game.buddy import Buddy
from ..game.eggs import Egg
from ..game.entities import Creature, Encounter
from ..game.friends import FriendRequest, Friendship
from ..game.gifts import Gift
from ..game.gyms import Defender, DefenderReturn, GymState
from ..game.lobbies import Attacker, Lobby, LobbyResult, Member
from ..game.player import Place, PlayerState
from ..game.stats import IVs
from ..game.trades import Trade
from ..game.walking import TRAIL_SLOTS, Sample, Walk
from ..usecases.ports import StoredAction
from .models import (
    ActionRecord,
    CreatureRecord,
    DefenderAttribute,
    EncounterRecord,
    FriendRecord,
    GymRecord,
    InboxRecord,
    LobbyRecord,
    PlaceAttribute,
    PlayerRecord,
    TradeRecord,
)

ACTION_TTL_S = 24 * 3600  # idempotency records outlive any client retry by far
ENCOUNTER_TTL_GRACE_S = 3600


def _raw(mapping) -> dict:
    return mapping.as_dict() if hasattr(mapping, "as_dict") else dict(mapping or {})


def _numbers(mapping) -> dict:
    return {key: int(value) for key, value in _raw(mapping).items()}


def _place(attr) -> Place | None:
    if attr is None:
        return None
    return Place(float(attr.lat), float(attr.lng), int(attr.at_ms))


def place_attribute(place: Place) -> PlaceAttribute:
    return PlaceAttribute(lat=place.lat, lng=place.lng, at_ms=place.at_ms)


def sample_text(sample: Sample) -> str:
    return f"{sample.lat!r},{sample.lng!r},{sample.at_ms}"


def _sample_from_text(text: str) -> Sample:
    lat, lng, at_ms = text.split(",")
    return Sample(float(lat), float(lng), int(at_ms))


def trail_attribute(slot: int) -> str:
    return f"t{slot}"


def _trail(record: PlayerRecord) -> dict[int, Sample]:
    texts = {slot: getattr(record, trail_attribute(slot)) for slot in range(TRAIL_SLOTS)}
    return {slot: _sample_from_text(text) for slot, text in texts.items() if text}


def _walk(record: PlayerRecord) -> Walk:
    return Walk(walked_m=float(record.walked_m or 0), week=int(record.walk_week or 0),
                week_m=float(record.walk_week_m or 0), folded_ms=int(record.walk_folded_ms or 0),
                anchor=_place(record.walk_anchor), last=_place(record.walk_last))


def walk_update_actions(walk: Walk) -> list:
    """SET the folded walk (the map's fold write)."""
    actions = [PlayerRecord.walked_m.set(walk.walked_m), PlayerRecord.walk_week.set(walk.week),
               PlayerRecord.walk_week_m.set(walk.week_m),
               PlayerRecord.walk_folded_ms.set(walk.folded_ms)]
    for attribute, sample in ((PlayerRecord.walk_anchor, walk.anchor), (PlayerRecord.walk_last, walk.last)):
        if sample is not None:
            actions.append(attribute.set(place_attribute(sample)))
    return actions


def _eggs(raw) -> dict[str, Egg]:
    return {egg_id: Egg(egg_id, int(km), int(species_id), int(found_ms), incubator or None, float(start_m))
            for egg_id, (km, species_id, found_ms, incubator, start_m) in _raw(raw).items()}


def _buddy(raw) -> Buddy | None:
    if raw is None:
        return None
    fields = _raw(raw)
    return Buddy(str(fields["creature_id"]), int(fields["species_id"]), float(fields["start_m"]),
                 int(fields["credited"]))


def player_from_record(record: PlayerRecord) -> PlayerState:
    return PlayerState(
        player_id=record.player_id,
        name=record.name,
        created_ms=int(record.created_ms),
        team=record.team,
        xp=int(record.xp),
        stardust=int(record.stardust),
        items=_numbers(record.items),
        candy=_numbers(record.candy),
        stop_cooldowns=_numbers(record.stop_cooldowns),
        resolved_spawns=_numbers(record.resolved_spawns),
        last_action=_place(record.last_action),
        catch_day=int(record.catch_day),
        catches_today=int(record.catches_today),
        catch_week=int(record.catch_week),
        catches_this_week=int(record.catches_this_week),
        rates={action: (int(window), int(count))
               for action, (window, count) in _raw(record.rates).items()},
        strikes=int(record.strikes),
        suspended_until_ms=int(record.suspended_until_ms),
        defending={str(k): str(v) for k, v in _raw(record.defending).items()},
        coins=int(record.coins),
        coin_day=int(record.coin_day),
        coins_today=int(record.coins_today),
        berry_feeds={gym: (int(start), int(count))
                     for gym, (start, count) in _raw(record.berry_feeds).items()},
        raid_pass_day=int(record.raid_pass_day),
        raids={raid: (int(lobby), bool(claimed))
               for raid, (lobby, claimed) in _raw(record.raids).items()},
        remote_raid_day=int(record.remote_raid_day),
        remote_raids_today=int(record.remote_raids_today),
        trainer_code=record.trainer_code,
        gifts=int(record.gifts),
        gift_open_day=int(record.gift_open_day),
        gifts_opened_today=int(record.gifts_opened_today),
        trade_day=int(record.trade_day),
        trades_today=int(record.trades_today),
        special_trades_today=int(record.special_trades_today),
        dex=frozenset(int(s) for s in record.dex or ()),
        position=_place(record.position),
        walk=_walk(record),
        trail=_trail(record),
        displaced=_sample_from_text(record.trail_displaced) if record.trail_displaced else None,
        eggs=_eggs(record.eggs),
        incubators=_numbers(record.incubators),
        buddy=_buddy(record.buddy),
        buddy_day=int(record.buddy_day),
        buddy_swaps_today=int(record.buddy_swaps_today),
        revision=int(record.revision),
    )


def new_player_record(state: PlayerState) -> PlayerRecord:
    """A new player's item: who they are and what they start with, at revision 0."""
    return PlayerRecord(
        state.player_id, name=state.name, created_ms=state.created_ms, xp=state.xp,
        stardust=state.stardust, items=dict(state.items), candy=dict(state.candy),
        stop_cooldowns={}, resolved_spawns={}, trainer_code=state.trainer_code, revision=0,
    )


def player_update_actions(state: PlayerState) -> list:
    """SET every game field from the new state; the map's own fields (position, walk,
    trail) are left alone."""
    actions = [
        PlayerRecord.team.set(state.team) if state.team else PlayerRecord.team.remove(),
        PlayerRecord.xp.set(state.xp),
        PlayerRecord.stardust.set(state.stardust),
        PlayerRecord.items.set(dict(state.items)),
        PlayerRecord.candy.set(dict(state.candy)),
        PlayerRecord.stop_cooldowns.set(dict(state.stop_cooldowns)),
        PlayerRecord.resolved_spawns.set(dict(state.resolved_spawns)),
        PlayerRecord.catch_day.set(state.catch_day),
        PlayerRecord.catches_today.set(state.catches_today),
        PlayerRecord.catch_week.set(state.catch_week),
        PlayerRecord.catches_this_week.set(state.catches_this_week),
        PlayerRecord.rates.set({action: list(window) for action, window in state.rates.items()}),
        PlayerRecord.strikes.set(state.strikes),
        PlayerRecord.suspended_until_ms.set(state.suspended_until_ms),
        PlayerRecord.defending.set(dict(state.defending)),
        PlayerRecord.coins.set(state.coins),
        PlayerRecord.coin_day.set(state.coin_day),
        PlayerRecord.coins_today.set(state.coins_today),
        PlayerRecord.berry_feeds.set({gym: list(w) for gym, w in state.berry_feeds.items()}),
        PlayerRecord.raid_pass_day.set(state.raid_pass_day),
        PlayerRecord.raids.set({raid: [lobby, int(claimed)]
                                for raid, (lobby, claimed) in state.raids.items()}),
        PlayerRecord.remote_raid_day.set(state.remote_raid_day),
        PlayerRecord.remote_raids_today.set(state.remote_raids_today),
        PlayerRecord.gifts.set(state.gifts),
        PlayerRecord.gift_open_day.set(state.gift_open_day),
        PlayerRecord.gifts_opened_today.set(state.gifts_opened_today),
        PlayerRecord.trade_day.set(state.trade_day),
        PlayerRecord.trades_today.set(state.trades_today),
        PlayerRecord.special_trades_today.set(state.special_trades_today),
        PlayerRecord.dex.set(sorted(state.dex)),
        PlayerRecord.eggs.set({e.egg_id: [e.km, e.species_id, e.found_ms, e.incubator or "", e.start_m]
                               for e in state.eggs.values()}),
        PlayerRecord.incubators.set(dict(state.incubators)),
        PlayerRecord.buddy_day.set(state.buddy_day),
        PlayerRecord.buddy_swaps_today.set(state.buddy_swaps_today),
        PlayerRecord.revision.set(state.revision + 1),
    ]
    b = state.buddy
    actions.append(PlayerRecord.buddy.set({"creature_id": b.creature_id, "species_id": b.species_id,
                                           "start_m": b.start_m, "credited": b.credited})
                   if b else PlayerRecord.buddy.remove())
    if state.last_action is not None:
        actions.append(PlayerRecord.last_action.set(place_attribute(state.last_action)))
    return actions


def encounter_from_record(r: EncounterRecord) -> Encounter:
    return Encounter(
        player_id=r.player_id, encounter_id=r.encounter_id, spawn_id=r.spawn_id,
        species_id=int(r.species_id), level=float(r.level), cp=int(r.cp),
        ivs=IVs(int(r.iv_attack), int(r.iv_defense), int(r.iv_stamina)),
        lat=float(r.lat), lng=float(r.lng), started_ms=int(r.started_ms),
        expires_ms=int(r.expires_ms), despawn_ms=int(r.despawn_ms), status=r.status,
        throws=int(r.throws), premier_balls=int(r.premier_balls), boosted=bool(r.boosted),
    )


def encounter_record(e: Encounter) -> EncounterRecord:
    return EncounterRecord(
        e.player_id, e.encounter_id, spawn_id=e.spawn_id, species_id=e.species_id,
        level=e.level, cp=e.cp, iv_attack=e.ivs.attack, iv_defense=e.ivs.defense,
        iv_stamina=e.ivs.stamina, lat=e.lat, lng=e.lng, started_ms=e.started_ms,
        expires_ms=e.expires_ms, despawn_ms=e.despawn_ms, status=e.status, throws=e.throws,
        premier_balls=e.premier_balls,
        expires_at=max(e.expires_ms, e.despawn_ms) // 1000 + ENCOUNTER_TTL_GRACE_S,
        boosted=e.boosted or None,
    )


def creature_from_record(r: CreatureRecord) -> Creature:
    return Creature(
        player_id=r.player_id, creature_id=r.creature_id, species_id=int(r.species_id),
        level=float(r.level), cp=int(r.cp),
        ivs=IVs(int(r.iv_attack), int(r.iv_defense), int(r.iv_stamina)),
        caught_ms=int(r.caught_ms), encounter_id=r.encounter_id,
        defending_gym=r.defending_gym, traded_ms=int(r.traded_ms or 0),
    )


def creature_record(c: Creature) -> CreatureRecord:
    return CreatureRecord(
        c.player_id, c.creature_id, species_id=c.species_id, level=c.level, cp=c.cp,
        iv_attack=c.ivs.attack, iv_defense=c.ivs.defense, iv_stamina=c.ivs.stamina,
        caught_ms=c.caught_ms, encounter_id=c.encounter_id, defending_gym=c.defending_gym,
        traded_ms=c.traded_ms or None,
    )


def action_record(a: StoredAction) -> ActionRecord:
    return ActionRecord(
        a.player_id, a.idempotency_key, action=a.action, fingerprint=a.fingerprint,
        response=json.dumps(a.response, separators=(",", ":")),
        created_ms=a.created_ms, expires_at=a.created_ms // 1000 + ACTION_TTL_S,
    )


def action_from_record(r: ActionRecord) -> StoredAction:
    return StoredAction(
        player_id=r.player_id, idempotency_key=r.idempotency_key, action=r.action,
        fingerprint=r.fingerprint,
        response=json.loads(r.response), created_ms=int(r.created_ms),
    )


def _defender(a: DefenderAttribute) -> Defender:
    return Defender(
        owner_id=a.owner_id, owner_name=a.owner_name, creature_id=a.creature_id,
        species_id=int(a.species_id), level=float(a.level),
        ivs=IVs(int(a.iv_attack), int(a.iv_defense), int(a.iv_stamina)), cp=int(a.cp),
        placed_ms=int(a.placed_ms), motivation=float(a.motivation),
        motivation_ms=int(a.motivation_ms), berry_window_ms=int(a.berry_window_ms),
        berries_in_window=int(a.berries_in_window))


def _defender_attribute(d: Defender) -> DefenderAttribute:
    return DefenderAttribute(
        owner_id=d.owner_id, owner_name=d.owner_name, creature_id=d.creature_id,
        species_id=d.species_id, level=d.level, iv_attack=d.ivs.attack,
        iv_defense=d.ivs.defense, iv_stamina=d.ivs.stamina, cp=d.cp, placed_ms=d.placed_ms,
        # Motivation is a float; a fixed number of decimals keeps the item's size stable.
        motivation=round(d.motivation, 6), motivation_ms=d.motivation_ms,
        berry_window_ms=d.berry_window_ms, berries_in_window=d.berries_in_window)


def gym_from_record(r: GymRecord) -> GymState:
    return GymState(
        gym_id=r.gym_id, team=r.team, defenders=tuple(_defender(d) for d in r.defenders or ()),
        blocked_team=r.blocked_team, blocked_until_ms=int(r.blocked_until_ms),
        revision=int(r.revision))


def gym_record(gym: GymState) -> GymRecord:
    """The gym's item at its next revision (the write's condition names the current)."""
    return GymRecord(
        gym.gym_id, team=gym.team, defenders=[_defender_attribute(d) for d in gym.defenders],
        blocked_team=gym.blocked_team, blocked_until_ms=gym.blocked_until_ms,
        revision=gym.revision + 1)


def return_record(r: DefenderReturn) -> InboxRecord:
    return InboxRecord(
        r.owner_id, r.return_id, kind="defender_return", creature_id=r.creature_id,
        gym_id=r.gym_id, placed_ms=r.placed_ms, left_ms=r.left_ms, coins=r.coins)


def return_from_record(r: InboxRecord) -> DefenderReturn:
    return DefenderReturn(
        owner_id=r.player_id, creature_id=r.creature_id, gym_id=r.gym_id,
        placed_ms=int(r.placed_ms), left_ms=int(r.left_ms), coins=int(r.coins))


LOBBY_TTL_S = 24 * 3600  # a lobby outlives its raid by a day (claims come after the fight)


def lobby_item_id(number: int) -> str:
    return f"L{number:04d}"


def member_item_id(number: int, player_id: str) -> str:
    return f"M{number:04d}#{player_id}"


def _result_json(result: LobbyResult) -> str:
    return json.dumps({"won": result.won, "damage": dict(result.damage),
                       "boss_hp": result.boss_hp}, separators=(",", ":"), sort_keys=True)


def result_from_json(text: str | None) -> LobbyResult | None:
    if text is None:
        return None
    data = json.loads(text)
    return LobbyResult(won=bool(data["won"]), damage={k: int(v) for k, v in data["damage"].items()},
                       boss_hp=int(data["boss_hp"]))


def lobby_from_record(r: LobbyRecord, members=()) -> Lobby:
    return Lobby(raid_id=r.raid_id, number=int(r.item_id[1:]), created_ms=int(r.created_ms),
                 size=int(r.size), remote_count=int(r.remote_count),
                 result=result_from_json(r.result),
                 members={m.player_id: m for m in members})


def lobby_record(lobby: Lobby, expires_at: int) -> LobbyRecord:
    """A new lobby's header (its first member is counted by the join itself)."""
    return LobbyRecord(lobby.raid_id, lobby_item_id(lobby.number), created_ms=lobby.created_ms,
                       size=1, remote_count=0, expires_at=expires_at)


def member_record(raid_id: str, number: int, m: Member, expires_at: int) -> LobbyRecord:
    attackers = [[a.creature_id, a.species_id, a.level, a.ivs.attack, a.ivs.defense,
                  a.ivs.stamina] for a in m.attackers]
    return LobbyRecord(raid_id, member_item_id(number, m.player_id), player_id=m.player_id,
                       team=m.team, remote=int(m.remote), joined_ms=m.joined_ms,
                       attackers=json.dumps(attackers, separators=(",", ":")),
                       expires_at=expires_at)


def member_from_record(r: LobbyRecord) -> Member:
    attackers = tuple(Attacker(c, int(s), float(lv), IVs(int(a), int(d), int(st)))
                      for c, s, lv, a, d, st in json.loads(r.attackers))
    return Member(player_id=r.player_id, team=r.team, remote=bool(r.remote),
                  joined_ms=int(r.joined_ms), attackers=attackers)


def lobby_result_json(result: LobbyResult) -> str:
    return _result_json(result)


# --- friends, gifts, trades ------------------------------------------------------------

FRIEND_COUNT_ITEM = "#count"
REQUEST_TTL_GRACE_S = 24 * 3600
TRADE_TTL_S = 30 * 24 * 3600  # a closed trade stays readable for a month


def friendship_item_id(friend_id: str) -> str:
    return f"f#{friend_id}"


def incoming_request_item_id(sender_id: str) -> str:
    return f"in#{sender_id}"


def request_item_id(request: FriendRequest, holder_id: str) -> str:
    """The receiver holds "in#<sender>", the sender "out#<receiver>"."""
    if holder_id == request.to_id:
        return incoming_request_item_id(request.from_id)
    return f"out#{request.to_id}"


def friendship_from_record(r: FriendRecord) -> Friendship:
    return Friendship(player_id=r.player_id, friend_id=r.friend_id, friend_name=r.friend_name,
                      since_ms=int(r.since_ms), days=int(r.days), last_day=int(r.last_day),
                      gift_sent_day=int(r.gift_sent_day), revision=int(r.revision))


def friendship_record(side: Friendship) -> FriendRecord:
    """A new side's item (revision 1)."""
    return FriendRecord(side.player_id, friendship_item_id(side.friend_id),
                        friend_id=side.friend_id, friend_name=side.friend_name,
                        since_ms=side.since_ms, days=side.days, last_day=side.last_day,
                        gift_sent_day=side.gift_sent_day, revision=side.revision + 1)


def friendship_update_actions(side: Friendship) -> list:
    return [FriendRecord.days.set(side.days), FriendRecord.last_day.set(side.last_day),
            FriendRecord.gift_sent_day.set(side.gift_sent_day),
            FriendRecord.revision.set(side.revision + 1)]


def request_from_record(r: FriendRecord) -> FriendRequest:
    return FriendRequest(from_id=r.from_id, from_name=r.from_name, to_id=r.to_id,
                         to_name=r.to_name, sent_ms=int(r.sent_ms), expires_ms=int(r.expires_ms))


def request_record(request: FriendRequest, holder_id: str) -> FriendRecord:
    return FriendRecord(holder_id, request_item_id(request, holder_id),
                        from_id=request.from_id, from_name=request.from_name,
                        to_id=request.to_id, to_name=request.to_name, sent_ms=request.sent_ms,
                        expires_ms=request.expires_ms,
                        expires_at=request.expires_ms // 1000 + REQUEST_TTL_GRACE_S)


def gift_item_id(sender_id: str) -> str:
    return f"gift#{sender_id}"


def gift_record(g: Gift) -> InboxRecord:
    return InboxRecord(g.receiver_id, gift_item_id(g.sender_id), kind="gift",
                       sender_id=g.sender_id, sender_name=g.sender_name, sent_ms=g.sent_ms,
                       items=json.dumps(g.items, separators=(",", ":"), sort_keys=True))


def gift_from_record(r: InboxRecord) -> Gift:
    return Gift(sender_id=r.sender_id, sender_name=r.sender_name, receiver_id=r.player_id,
                sent_ms=int(r.sent_ms), items={k: int(v) for k, v in json.loads(r.items).items()})


def trade_link_item_id(trade_id: str) -> str:
    return f"trade#{trade_id}"


def trade_link_record(player_id: str, trade_id: str) -> InboxRecord:
    return InboxRecord(player_id, trade_link_item_id(trade_id), kind="trade", trade_id=trade_id)


def _creature_json(c: Creature | None) -> str | None:
    if c is None:
        return None
    return json.dumps({"player_id": c.player_id, "creature_id": c.creature_id,
                       "species_id": c.species_id, "level": c.level, "cp": c.cp,
                       "ivs": [c.ivs.attack, c.ivs.defense, c.ivs.stamina],
                       "caught_ms": c.caught_ms, "encounter_id": c.encounter_id},
                      separators=(",", ":"), sort_keys=True)


def _creature_from_json(text: str | None) -> Creature | None:
    if text is None:
        return None
    d = json.loads(text)
    return Creature(player_id=d["player_id"], creature_id=d["creature_id"],
                    species_id=int(d["species_id"]), level=float(d["level"]), cp=int(d["cp"]),
                    ivs=IVs(*(int(v) for v in d["ivs"])), caught_ms=int(d["caught_ms"]),
                    encounter_id=d["encounter_id"])


def trade_record(t: Trade) -> TradeRecord:
    """The trade's item at its next revision (the write's condition names the current)."""
    return TradeRecord(
        t.trade_id, proposer_id=t.proposer_id, proposer_name=t.proposer_name,
        receiver_id=t.receiver_id, receiver_name=t.receiver_name, status=t.status,
        created_ms=t.created_ms, expires_ms=t.expires_ms, closed_ms=t.closed_ms,
        cancelled_by=t.cancelled_by, proposer_creature=_creature_json(t.proposer_creature),
        receiver_creature=_creature_json(t.receiver_creature),
        outcome=json.dumps(t.outcome, separators=(",", ":"), sort_keys=True) if t.outcome else None,
        revision=t.revision + 1,
        expires_at=max(t.expires_ms, t.closed_ms) // 1000 + TRADE_TTL_S)


def trade_from_record(r: TradeRecord) -> Trade:
    return Trade(
        trade_id=r.trade_id, proposer_id=r.proposer_id, proposer_name=r.proposer_name,
        receiver_id=r.receiver_id, receiver_name=r.receiver_name,
        proposer_creature=_creature_from_json(r.proposer_creature),
        created_ms=int(r.created_ms), expires_ms=int(r.expires_ms), status=r.status,
        receiver_creature=_creature_from_json(r.receiver_creature),
        closed_ms=int(r.closed_ms), cancelled_by=r.cancelled_by,
        outcome=json.loads(r.outcome) if r.outcome else None, revision=int(r.revision))
