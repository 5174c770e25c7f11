"""An in-memory store with the DynamoDB store's semantics, for fast use-case tests.

Every port keeps what DynamoDB would keep and checks the same write conditions:
players by revision, encounters by throw count and status, creatures by species and
level, visits and idempotency records by existence; a commit applies whole or not at
all. tests/contract runs the same behaviours against this fake and DynamoDB (moto and,
in the LocalStack tier, DynamoDB Local), so the two can't drift apart.
"""
import copy
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from geocritters.adapters import cell_pack
from geocritters.game.actions import Action
from geocritters.game.entities import Creature, Encounter
from geocritters.game.errors import NotFound
from geocritters.game.friends import FriendRequest, Friendship
from geocritters.game.gifts import Gift
from geocritters.game.gyms import DefenderReturn, GymState
from geocritters.game.lobbies import Lobby, Member
from geocritters.game.player import PlayerState, rate_limited, rate_window
from geocritters.game.trades import Trade
from geocritters.game.walking import Sample, Walk, trail_slot
from geocritters.game.world import Fort
from geocritters.usecases.ports import (
    ActionAlreadyRecorded,
    ActionReads,
    ActionState,
    AddCreature,
    AddEncounter,
    AddFriendRequest,
    AddFriendship,
    AddLobbyMember,
    Change,
    CheckCreatureFree,
    CountFriends,
    FriendBook,
    JoinLobby,
    LinkTrade,
    LockCreature,
    Pair,
    RecordVisit,
    ReleaseCreature,
    RemoveCreature,
    RemoveFriendRequest,
    RemoveFriendship,
    ReplaceCreature,
    SaveEncounter,
    SaveFriendship,
    SaveGym,
    SaveLobbyResult,
    SavePlayer,
    SaveTrade,
    SendGift,
    SendReturn,
    StaleState,
    Store,
    StoredAction,
    TakeGift,
    TakeReturn,
    TradeAwayCreature,
    TrainerCodeTaken,
    UnlinkTrade,
)


@dataclass
class _Visit:
    first_ms: int
    spins: int


class Tables:
    """The items, keyed as DynamoDB keys them."""

    def __init__(self):
        self.players: dict[str, PlayerState] = {}
        self.map_windows: dict[str, tuple[int, int]] = {}  # player -> (minute, count)
        self.encounters: dict[tuple[str, str], Encounter] = {}
        self.creatures: dict[tuple[str, str], Creature] = {}
        self.actions: dict[tuple[str, str], StoredAction] = {}
        self.visits: dict[tuple[str, str], _Visit] = {}
        self.cells: dict[str, list[Fort]] = {}
        self.gyms: dict[str, GymState] = {}
        self.inbox: dict[tuple[str, str], DefenderReturn] = {}
        self.lobbies: dict[tuple[str, int], Lobby] = {}  # members kept apart, as stored
        self.lobby_members: dict[tuple[str, int, str], Member] = {}
        # friends: (player, "f#"/"in#"/"out#" + other) -> Friendship / FriendRequest
        self.friends: dict[tuple[str, str], Friendship | FriendRequest] = {}
        self.friend_counts: dict[str, int] = {}
        self.gifts: dict[tuple[str, str], Gift] = {}  # (receiver, sender)
        self.trade_links: set[tuple[str, str]] = set()  # (player, trade id)
        self.trades: dict[str, Trade] = {}
        self.trainer_codes: dict[str, str] = {}
        self.commits = 0  # successful commits (tests count writes with it)

    def snapshot(self) -> dict:
        return copy.deepcopy({k: v for k, v in vars(self).items() if k != "commits"})


class MemoryPlayers:
    def __init__(self, tables: Tables):
        self._t = tables

    def get_player(self, player_id: str) -> PlayerState | None:
        return copy.deepcopy(self._t.players.get(player_id))

    def create_player(self, state: PlayerState) -> PlayerState:
        if state.player_id in self._t.players:
            return self.get_player(state.player_id)
        if state.trainer_code is not None:
            if state.trainer_code in self._t.trainer_codes:
                raise TrainerCodeTaken(state.trainer_code)
            self._t.trainer_codes[state.trainer_code] = state.player_id
        # What DynamoDB's create writes: identity and starting stock, revision 0.
        self._t.players[state.player_id] = PlayerState(
            player_id=state.player_id, name=state.name, created_ms=state.created_ms,
            xp=state.xp, stardust=state.stardust, items=dict(state.items),
            candy=dict(state.candy), trainer_code=state.trainer_code)
        return state

    def record_position(self, player_id: str, sample: Sample, max_per_minute: int) -> PlayerState:
        if player_id not in self._t.players:
            raise NotFound("no such player", code="player_not_found")
        minute = rate_window(sample.at_ms)
        window, count = self._t.map_windows.get(player_id, (None, 0))
        if window == minute:
            if count >= max_per_minute:
                raise rate_limited(Action.MAP, max_per_minute, sample.at_ms)
            self._t.map_windows[player_id] = (minute, count + 1)
            displaced = {}
        else:
            self._t.map_windows[player_id] = (minute, 1)
            displaced = {"displaced": self._t.players[player_id].trail.get(trail_slot(sample.at_ms))}
        before = self._t.players[player_id]
        self._t.players[player_id] = replace(
            before, position=sample,
            trail={**before.trail, trail_slot(sample.at_ms): sample}, **displaced)
        return before

    def fold_walk(self, player_id: str, walk: Walk, expected_folded_ms: int) -> bool:
        state = self._t.players[player_id]
        if state.walk.folded_ms != expected_folded_ms:
            return False
        self._t.players[player_id] = replace(state, walk=walk)
        return True


class MemoryEncounters:
    def __init__(self, tables: Tables):
        self._t = tables

    def get_encounter(self, player_id: str, encounter_id: str) -> Encounter | None:
        return self._t.encounters.get((player_id, encounter_id))

    def create_encounter(self, encounter: Encounter) -> Encounter:
        return self._t.encounters.setdefault((encounter.player_id, encounter.encounter_id),
                                             encounter)


class MemoryCreatures:
    def __init__(self, tables: Tables):
        self._t = tables

    def get_creature(self, player_id: str, creature_id: str) -> Creature | None:
        return self._t.creatures.get((player_id, creature_id))

    def list_creatures(self, player_id: str, limit: int, after: str | None):
        ids = sorted((cid for pid, cid in self._t.creatures if pid == player_id), reverse=True)
        if after:
            ids = [cid for cid in ids if cid < after]
        page = [self._t.creatures[(player_id, cid)] for cid in ids[:limit]]
        return page, (page[-1].creature_id if len(ids) > limit else None)


class MemoryActions:
    def __init__(self, tables: Tables):
        self._t = tables

    def get_action(self, player_id: str, key: str) -> StoredAction | None:
        return copy.deepcopy(self._t.actions.get((player_id, key)))


class MemoryVisits:
    def __init__(self, tables: Tables):
        self._t = tables

    def has_visited(self, player_id: str, stop_id: str) -> bool:
        return (player_id, stop_id) in self._t.visits


class MemoryGyms:
    def __init__(self, tables: Tables):
        self._t = tables

    def get_gym(self, gym_id: str) -> GymState:
        return copy.deepcopy(self._t.gyms.get(gym_id)) or GymState(gym_id)

    def gym_states(self, gym_ids: Sequence[str]) -> dict[str, GymState]:
        return {gym_id: self.get_gym(gym_id) for gym_id in gym_ids}


class MemoryInbox:
    def __init__(self, tables: Tables):
        self._t = tables

    def pending_returns(self, player_id: str) -> list[DefenderReturn]:
        return [r for (owner, item), r in sorted(self._t.inbox.items())
                if owner == player_id and item.startswith("ret-")]

    def gifts(self, player_id: str) -> list[Gift]:
        return sorted((g for (receiver, _), g in self._t.gifts.items() if receiver == player_id),
                      key=lambda g: (g.sent_ms, g.sender_id))

    def trade_links(self, player_id: str) -> list[str]:
        return sorted(t for p, t in self._t.trade_links if p == player_id)


class MemoryFriends:
    def __init__(self, tables: Tables):
        self._t = tables

    def friend_book(self, player_id: str) -> FriendBook:
        mine = {item: v for (p, item), v in sorted(self._t.friends.items()) if p == player_id}
        return FriendBook(
            friends=[copy.deepcopy(v) for k, v in mine.items() if k.startswith("f#")],
            incoming=[v for k, v in mine.items() if k.startswith("in#")],
            outgoing=[v for k, v in mine.items() if k.startswith("out#")],
            count=self._t.friend_counts.get(player_id, 0))

    def player_for_code(self, trainer_code: str) -> str | None:
        return self._t.trainer_codes.get(trainer_code)


class MemoryTrades:
    def __init__(self, tables: Tables):
        self._t = tables

    def get_trade(self, trade_id: str) -> Trade | None:
        return copy.deepcopy(self._t.trades.get(trade_id))

    def get_trades(self, trade_ids: Sequence[str]) -> list[Trade]:
        return [copy.deepcopy(self._t.trades[t]) for t in dict.fromkeys(trade_ids)
                if t in self._t.trades]


class MemoryLobbies:
    def __init__(self, tables: Tables):
        self._t = tables

    def lobbies(self, raid_id: str) -> list[Lobby]:
        return [copy.deepcopy(lobby) for (raid, _), lobby in sorted(self._t.lobbies.items())
                if raid == raid_id]

    def lobby(self, raid_id: str, number: int) -> Lobby | None:
        header = self._t.lobbies.get((raid_id, number))
        if header is None:
            return None
        members = {p: copy.deepcopy(m) for (r, n, p), m in self._t.lobby_members.items()
                   if (r, n) == (raid_id, number)}
        return replace(copy.deepcopy(header), members=members)


class MemoryCuratedCells:
    def __init__(self, tables: Tables):
        self._t = tables

    def curated_forts(self, cells: Sequence[str]) -> dict[str, list[Fort]]:
        return {cell: list(self._t.cells.get(cell, [])) for cell in cells}

    def save_curated_cells(self, cells: Mapping[str, Sequence[Fort]]) -> None:
        # The stored format's precision and size limit, checked before anything is kept.
        packed = {cell: cell_pack.pack(cell, forts) for cell, forts in cells.items()}
        for cell, data in packed.items():
            self._t.cells[cell] = cell_pack.unpack(cell, data)


class MemoryActionSnapshots:
    def __init__(self, tables: Tables):
        self._t = tables

    def read_for_action(self, reads: ActionReads) -> ActionState:
        player_id = reads.player_id

        def item(table, key):
            return copy.deepcopy(table.get((player_id, key))) if key is not None else None
        return ActionState(
            player=copy.deepcopy(self._t.players.get(player_id)),
            action=item(self._t.actions, reads.idempotency_key),
            encounter=item(self._t.encounters, reads.encounter_id),
            creature=item(self._t.creatures, reads.creature_id),
            visited=reads.stop_id is not None and (player_id, reads.stop_id) in self._t.visits,
            creatures={c: item(self._t.creatures, c)
                       for c in (reads.creature_id, *reads.creature_ids)
                       if c is not None and (player_id, c) in self._t.creatures},
            gym=(copy.deepcopy(self._t.gyms.get(reads.gym_id)) or GymState(reads.gym_id)
                 if reads.gym_id is not None else None),
            friend=copy.deepcopy(self._t.players.get(reads.friend_id)) if reads.friend_id else None,
            pair=self._pair(player_id, reads.friend_id, reads.pair_parts) if reads.friend_id else None,
            friend_creatures={c: copy.deepcopy(self._t.creatures[(reads.friend_id, c)])
                              for c in reads.friend_creature_ids
                              if (reads.friend_id, c) in self._t.creatures},
            gift=copy.deepcopy(self._t.gifts.get((player_id, reads.gift_from))),
            trade=copy.deepcopy(self._t.trades.get(reads.trade_id)),
        )

    def _pair(self, me: str, friend: str, parts) -> Pair:
        """Only the parts asked, as DynamoDB reads them (the rest: None / 0)."""
        f = self._t.friends
        pair = Pair()
        if "sides" in parts:
            pair = replace(pair, mine=copy.deepcopy(f.get((me, f"f#{friend}"))),
                           theirs=copy.deepcopy(f.get((friend, f"f#{me}"))))
        if "counts" in parts:
            pair = replace(pair, my_count=self._t.friend_counts.get(me, 0),
                           their_count=self._t.friend_counts.get(friend, 0))
        if "requests" in parts:
            pair = replace(pair, sent=f.get((friend, f"in#{me}")), received=f.get((me, f"in#{friend}")))
        if "gift" in parts:
            pair = replace(pair, my_gift_there=copy.deepcopy(self._t.gifts.get((friend, me))))
        return pair


# --- the unit of work: one check and one apply per change type -------------------------

def _player_ok(t: Tables, c: SavePlayer) -> bool:
    stored = t.players.get(c.state.player_id)
    return stored is not None and stored.revision == c.state.revision


def _save_player(t: Tables, c: SavePlayer) -> None:
    stored = t.players[c.state.player_id]
    # Like the update: identity, trainer code and the map's own fields (position, walk,
    # trail) stay, an absent last action doesn't erase the stored one.
    t.players[stored.player_id] = replace(
        copy.deepcopy(c.state), name=stored.name, created_ms=stored.created_ms,
        trainer_code=stored.trainer_code, position=stored.position, walk=stored.walk,
        trail=stored.trail,
        last_action=c.state.last_action or stored.last_action,
        rates={action: tuple(window) for action, window in c.state.rates.items()},
        revision=c.state.revision + 1)


def _encounter_ok(t: Tables, c: SaveEncounter) -> bool:
    e = c.encounter
    stored = t.encounters.get((e.player_id, e.encounter_id))
    return stored is not None and stored.throws == c.expected_throws and stored.status == "active"


def _save_encounter(t: Tables, c: SaveEncounter) -> None:
    key = (c.encounter.player_id, c.encounter.encounter_id)
    t.encounters[key] = replace(t.encounters[key], status=c.encounter.status,
                                throws=c.encounter.throws)


def _creature_key(creature: Creature) -> tuple[str, str]:
    return creature.player_id, creature.creature_id


def _free(t: Tables, creature: Creature) -> bool:
    """The creature exists and defends no gym."""
    stored = t.creatures.get(_creature_key(creature))
    return stored is not None and stored.defending_gym is None


def _replace_ok(t: Tables, c: ReplaceCreature) -> bool:
    stored = t.creatures.get(_creature_key(c.creature))
    return _free(t, c.creature) and (stored.species_id, stored.level) == (
        c.expected.species_id, c.expected.level)


def _replace_creature(t: Tables, c: ReplaceCreature) -> None:
    key = _creature_key(c.creature)
    t.creatures[key] = replace(t.creatures[key], species_id=c.creature.species_id,
                               level=c.creature.level, cp=c.creature.cp)


def _record_visit(t: Tables, c: RecordVisit) -> None:
    key = (c.player_id, c.stop_id)
    if c.first:
        t.visits[key] = _Visit(first_ms=c.now_ms, spins=1)
    else:
        t.visits[key].spins += 1


def _visit_ok(t: Tables, c: RecordVisit) -> bool:
    return ((c.player_id, c.stop_id) in t.visits) != c.first


def _gym_ok(t: Tables, c: SaveGym) -> bool:
    stored = t.gyms.get(c.gym.gym_id)
    return stored is None if c.gym.revision == 0 else (
        stored is not None and stored.revision == c.gym.revision)


def _save_gym(t: Tables, c: SaveGym) -> None:
    t.gyms[c.gym.gym_id] = replace(copy.deepcopy(c.gym), revision=c.gym.revision + 1)


def _set_gym(t: Tables, player_id: str, creature_id: str, gym_id: str | None) -> None:
    key = (player_id, creature_id)
    t.creatures[key] = replace(t.creatures[key], defending_gym=gym_id)


def _release_ok(t: Tables, c: ReleaseCreature) -> bool:
    stored = t.creatures.get((c.player_id, c.creature_id))
    return stored is not None and stored.defending_gym == c.gym_id


def _return_key(r: DefenderReturn) -> tuple[str, str]:
    return r.owner_id, r.return_id


def _join_ok(t: Tables, c: JoinLobby) -> bool:
    stored = t.lobbies.get((c.lobby.raid_id, c.lobby.number))
    if c.new:
        return stored is None
    return (stored is not None and stored.size < c.max_size
            and stored.created_ms > c.opened_after_ms
            and (not c.remote or stored.remote_count < c.max_remote))


def _join(t: Tables, c: JoinLobby) -> None:
    key = (c.lobby.raid_id, c.lobby.number)
    if c.new:
        t.lobbies[key] = replace(c.lobby, size=1, remote_count=int(c.remote), members={})
    else:
        stored = t.lobbies[key]
        t.lobbies[key] = replace(stored, size=stored.size + 1,
                                 remote_count=stored.remote_count + int(c.remote))


def _result_ok(t: Tables, c: SaveLobbyResult) -> bool:
    stored = t.lobbies.get((c.raid_id, c.number))
    return stored is not None and stored.result is None


def _save_result(t: Tables, c: SaveLobbyResult) -> None:
    key = (c.raid_id, c.number)
    t.lobbies[key] = replace(t.lobbies[key], result=c.result)


def _request_key(c) -> tuple[str, str]:
    r = c.request
    return (c.holder_id, f"in#{r.from_id}" if c.holder_id == r.to_id else f"out#{r.to_id}")


def _add_request_ok(t: Tables, c: AddFriendRequest) -> bool:
    stored = t.friends.get(_request_key(c))
    return stored is None or stored.expires_ms <= c.now_ms


def _remove_request_ok(t: Tables, c: RemoveFriendRequest) -> bool:
    stored = t.friends.get(_request_key(c))
    return stored is not None and (c.unexpired_at is None or stored.expires_ms > c.unexpired_at)


def _side_key(side: Friendship) -> tuple[str, str]:
    return side.player_id, f"f#{side.friend_id}"


def _save_side_ok(t: Tables, c: SaveFriendship) -> bool:
    stored = t.friends.get(_side_key(c.side))
    return stored is not None and stored.revision == c.side.revision


def _save_side(t: Tables, c: SaveFriendship) -> None:
    """Like the update: the interaction days and gift day move, identity stays."""
    key = _side_key(c.side)
    t.friends[key] = replace(t.friends[key], days=c.side.days, last_day=c.side.last_day,
                             gift_sent_day=c.side.gift_sent_day, revision=c.side.revision + 1)


def _count_ok(t: Tables, c: CountFriends) -> bool:
    count = t.friend_counts.get(c.player_id)
    if c.delta > 0:
        return count is None or count <= c.limit - c.delta
    return count is not None and count >= -c.delta


def _count(t: Tables, c: CountFriends) -> None:
    t.friend_counts[c.player_id] = t.friend_counts.get(c.player_id, 0) + c.delta


def _trade_ok(t: Tables, c: SaveTrade) -> bool:
    stored = t.trades.get(c.trade.trade_id)
    return stored is None if c.trade.revision == 0 else (
        stored is not None and stored.revision == c.trade.revision)


def _trade_away_ok(t: Tables, c: TradeAwayCreature) -> bool:
    stored = t.creatures.get(_creature_key(c.creature))
    return (stored is not None and stored.defending_gym is None and not stored.traded_ms
            and (stored.species_id, stored.level) == (c.creature.species_id, c.creature.level))


def _gift_key(g: Gift) -> tuple[str, str]:
    return g.receiver_id, g.sender_id


# change type -> (its write condition holds?, apply it)
WRITES = {
    SavePlayer: (_player_ok, _save_player),
    SaveEncounter: (_encounter_ok, _save_encounter),
    AddCreature: (lambda t, c: _creature_key(c.creature) not in t.creatures,
                  lambda t, c: t.creatures.__setitem__(_creature_key(c.creature), c.creature)),
    ReplaceCreature: (_replace_ok, _replace_creature),
    RemoveCreature: (lambda t, c: _free(t, c.creature),
                     lambda t, c: t.creatures.pop(_creature_key(c.creature))),
    RecordVisit: (_visit_ok, _record_visit),
    SaveGym: (_gym_ok, _save_gym),
    LockCreature: (lambda t, c: _free(t, c.creature),
                   lambda t, c: _set_gym(t, c.creature.player_id, c.creature.creature_id, c.gym_id)),
    CheckCreatureFree: (lambda t, c: _free(t, c.creature), lambda t, c: None),
    ReleaseCreature: (_release_ok,
                      lambda t, c: _set_gym(t, c.player_id, c.creature_id, None)),
    SendReturn: (lambda t, c: _return_key(c.defender_return) not in t.inbox,
                 lambda t, c: t.inbox.__setitem__(_return_key(c.defender_return), c.defender_return)),
    TakeReturn: (lambda t, c: _return_key(c.defender_return) in t.inbox,
                 lambda t, c: t.inbox.pop(_return_key(c.defender_return))),
    JoinLobby: (_join_ok, _join),
    AddLobbyMember: (
        lambda t, c: (c.raid_id, c.number, c.member.player_id) not in t.lobby_members,
        lambda t, c: t.lobby_members.__setitem__((c.raid_id, c.number, c.member.player_id),
                                                 c.member)),
    SaveLobbyResult: (_result_ok, _save_result),
    AddEncounter: (
        lambda t, c: (c.encounter.player_id, c.encounter.encounter_id) not in t.encounters,
        lambda t, c: t.encounters.__setitem__((c.encounter.player_id, c.encounter.encounter_id),
                                              c.encounter)),
    AddFriendRequest: (_add_request_ok,
                       lambda t, c: t.friends.__setitem__(_request_key(c), c.request)),
    RemoveFriendRequest: (_remove_request_ok, lambda t, c: t.friends.pop(_request_key(c))),
    AddFriendship: (lambda t, c: _side_key(c.side) not in t.friends,
                    lambda t, c: t.friends.__setitem__(_side_key(c.side),
                                                       replace(c.side, revision=c.side.revision + 1))),
    SaveFriendship: (_save_side_ok, _save_side),
    RemoveFriendship: (lambda t, c: _side_key(c.side) in t.friends,
                       lambda t, c: t.friends.pop(_side_key(c.side))),
    CountFriends: (_count_ok, _count),
    SendGift: (lambda t, c: _gift_key(c.gift) not in t.gifts,
               lambda t, c: t.gifts.__setitem__(_gift_key(c.gift), c.gift)),
    TakeGift: (lambda t, c: (stored := t.gifts.get(_gift_key(c.gift))) is not None
               and stored.sent_ms == c.gift.sent_ms,
               lambda t, c: t.gifts.pop(_gift_key(c.gift))),
    SaveTrade: (_trade_ok, lambda t, c: t.trades.__setitem__(
        c.trade.trade_id, replace(copy.deepcopy(c.trade), revision=c.trade.revision + 1))),
    LinkTrade: (lambda t, c: (c.player_id, c.trade_id) not in t.trade_links,
                lambda t, c: t.trade_links.add((c.player_id, c.trade_id))),
    UnlinkTrade: (lambda t, c: (c.player_id, c.trade_id) in t.trade_links,
                  lambda t, c: t.trade_links.remove((c.player_id, c.trade_id))),
    TradeAwayCreature: (_trade_away_ok, lambda t, c: t.creatures.pop(_creature_key(c.creature))),
}


class MemoryUnitOfWork:
    def __init__(self, tables: Tables):
        self._t = tables

    def commit(self, changes: Sequence[Change], action: StoredAction | None = None) -> None:
        writes = []
        for change in changes:
            if type(change) not in WRITES:
                raise TypeError(f"unknown change {change!r}")
            writes.append((WRITES[type(change)], change))
        # Every condition is checked before anything is applied: all or nothing.
        if action is not None and (action.player_id, action.idempotency_key) in self._t.actions:
            raise ActionAlreadyRecorded(action.idempotency_key)
        if not all(holds(self._t, change) for (holds, _), change in writes):
            raise StaleState("a condition failed")
        for (_, apply), change in writes:
            apply(self._t, change)
        if action is not None:
            # Stored as JSON, as DynamoDB stores it: a replay gets what was serialized.
            self._t.actions[(action.player_id, action.idempotency_key)] = replace(
                action, response=json.loads(json.dumps(action.response)))
        self._t.commits += 1


class InMemoryGameStore(Store):
    def __init__(self):
        self.tables = Tables()
        super().__init__(
            players=MemoryPlayers(self.tables), encounters=MemoryEncounters(self.tables),
            creatures=MemoryCreatures(self.tables), actions=MemoryActions(self.tables),
            visits=MemoryVisits(self.tables), cells=MemoryCuratedCells(self.tables),
            gyms=MemoryGyms(self.tables), inbox=MemoryInbox(self.tables),
            lobbies=MemoryLobbies(self.tables), friends=MemoryFriends(self.tables),
            trades=MemoryTrades(self.tables),
            snapshots=MemoryActionSnapshots(self.tables),
            unit_of_work=MemoryUnitOfWork(self.tables))
