"""One repository per aggregate over its PynamoDB model: strongly consistent reads, and
the writes that concern one item alone (creating a player or an encounter, the map's
position update). Writes that make up a gameplay action go through ``unit_of_work``."""
from collections.abc import Iterable, Mapping, Sequence

from pynamodb.constants import ALL_OLD
from pynamodb.exceptions import (
    DoesNotExist,
    GetError,
    PutError,
    QueryError,
    TransactWriteError,
    UpdateError,
)
from pynamodb.transactions import TransactWrite

from ..game.actions import Action
from ..game.entities import Creature, Encounter
from ..game.errors import NotFound
from ..game.gifts import Gift
from ..game.gyms import DefenderReturn, GymState
from ..game.lobbies import Lobby
from ..game.player import PlayerState, rate_limited, rate_window
from ..game.trades import Trade
from ..game.walking import Sample, Walk, trail_slot
from ..game.world import Fort
from ..usecases.ports import FriendBook, StaleState, StoredAction, TrainerCodeTaken
from . import cell_pack
from .batch_reads import batch_get
from .budget import before_sdk_call
from .failures import raise_if_unavailable, raise_unless_condition_failed
from .mapping import (
    FRIEND_COUNT_ITEM,
    action_from_record,
    creature_from_record,
    encounter_from_record,
    encounter_record,
    friendship_from_record,
    gift_from_record,
    gym_from_record,
    lobby_from_record,
    lobby_item_id,
    member_from_record,
    new_player_record,
    place_attribute,
    player_from_record,
    request_from_record,
    return_from_record,
    sample_text,
    trade_from_record,
    trail_attribute,
    walk_update_actions,
)
from .models import (
    ActionRecord,
    CellRecord,
    CreatureRecord,
    EncounterRecord,
    FriendRecord,
    GymRecord,
    InboxRecord,
    LobbyRecord,
    PlayerRecord,
    TradeRecord,
    TrainerCodeRecord,
    VisitRecord,
)


def get_or_none(model, *keys):
    """A strongly consistent read of one item, or None when it doesn't exist."""
    before_sdk_call()
    try:
        return model.get(*keys, consistent_read=True)
    except DoesNotExist:
        return None
    except GetError as error:
        raise_if_unavailable(error)
        raise


class DynamoPlayers:
    def __init__(self, connection):
        self._connection = connection

    def get_player(self, player_id: str) -> PlayerState | None:
        record = get_or_none(PlayerRecord, player_id)
        return player_from_record(record) if record else None

    def create_player(self, state: PlayerState) -> PlayerState:
        """Create the player and claim its trainer code in one transaction, or return
        the player that already exists (unchanged); ``TrainerCodeTaken`` when only the
        code's condition failed."""
        before_sdk_call()
        if state.trainer_code is None:  # a tool's or test's player: no code to claim
            try:
                new_player_record(state).save(condition=PlayerRecord.player_id.does_not_exist())
                return state
            except PutError as error:
                raise_unless_condition_failed(error)
            return self._existing(state)
        try:
            with TransactWrite(connection=self._connection()) as transaction:
                transaction.save(new_player_record(state),
                                 condition=PlayerRecord.player_id.does_not_exist())
                transaction.save(TrainerCodeRecord(state.trainer_code, player_id=state.player_id),
                                 condition=TrainerCodeRecord.trainer_code.does_not_exist())
            return state
        except TransactWriteError as error:
            raise_if_unavailable(error)
            reasons = [r.code if r is not None else None for r in error.cancellation_reasons or []]
            if reasons[:1] != ["ConditionalCheckFailed"]:
                if "ConditionalCheckFailed" in reasons:
                    raise TrainerCodeTaken(state.trainer_code) from error
                raise
        return self._existing(state)

    def _existing(self, state: PlayerState) -> PlayerState:
        existing = self.get_player(state.player_id)
        if existing is None:  # deleted between the two calls: vanishingly rare
            raise StaleState(state.player_id)
        return existing

    def record_position(self, player_id: str, sample: Sample, max_per_minute: int) -> PlayerState:
        """Store the reported position and its walking-trail sample, and return the player
        as it was BEFORE this write (the map applies its own write to it: that is how it
        learns which trail sample the new one replaced). At most ``max_per_minute`` times
        per rate window (game/player.py's rule, applied here as write conditions so the map
        never reads first): one conditional update in the common case, a second when a
        new window starts (a third when another report opened it meanwhile)."""
        before_sdk_call()
        minute = rate_window(sample.at_ms)
        slot = getattr(PlayerRecord, trail_attribute(trail_slot(sample.at_ms)))
        written = [PlayerRecord.position.set(place_attribute(sample)), slot.set(sample_text(sample))]
        same_minute = (
            [*written, PlayerRecord.map_count.set(PlayerRecord.map_count + 1)],
            (PlayerRecord.map_minute == minute) & (PlayerRecord.map_count < max_per_minute),
        )
        new_minute = (
            # The slot's old value, from an earlier minute, kept beside it: if this write's
            # answer is lost, the retry's old image shows our sample in the slot, not the
            # one it replaced (SET reads every right-hand side before writing).
            [*written, PlayerRecord.map_minute.set(minute), PlayerRecord.map_count.set(1),
             PlayerRecord.trail_displaced.set(slot | "")],
            PlayerRecord.player_id.exists()
            & (PlayerRecord.map_minute.does_not_exist() | (PlayerRecord.map_minute != minute)),
        )
        # Same minute again last: a concurrent report may have opened the window between
        # the first two tries (its new-minute update won); this one then counts in it.
        for actions, condition in (same_minute, new_minute, same_minute):
            try:
                # PynamoDB's Model.update asks for ALL_NEW; the connection lets us ask for
                # ALL_OLD (the whole item before the write) in the same single call.
                data = PlayerRecord._get_connection().update_item(
                    player_id, actions=actions, condition=condition, return_values=ALL_OLD)
                record = PlayerRecord(player_id)
                record.deserialize(data["Attributes"])
                return player_from_record(record)
            except UpdateError as error:
                raise_unless_condition_failed(error)
        if self.get_player(player_id) is None:
            raise NotFound("no such player", code="player_not_found")
        raise rate_limited(Action.MAP, max_per_minute, sample.at_ms)

    def fold_walk(self, player_id: str, walk: Walk, expected_folded_ms: int) -> bool:
        """Write the folded walk if nobody folded since ``expected_folded_ms``; False when
        someone did (their fold counted the same samples)."""
        before_sdk_call()
        folded = PlayerRecord.walk_folded_ms
        condition = folded == expected_folded_ms
        if not expected_folded_ms:
            condition = folded.does_not_exist() | condition
        try:
            PlayerRecord._get_connection().update_item(
                player_id, actions=walk_update_actions(walk),
                condition=PlayerRecord.player_id.exists() & condition)
            return True
        except UpdateError as error:
            raise_unless_condition_failed(error)
            return False


class DynamoEncounters:
    def get_encounter(self, player_id: str, encounter_id: str) -> Encounter | None:
        record = get_or_none(EncounterRecord, player_id, encounter_id)
        return encounter_from_record(record) if record else None

    def create_encounter(self, encounter: Encounter) -> Encounter:
        """Start the encounter, or return the one already started for the same spawn."""
        before_sdk_call()
        try:
            encounter_record(encounter).save(condition=EncounterRecord.encounter_id.does_not_exist())
            return encounter
        except PutError as error:
            raise_unless_condition_failed(error)
        existing = self.get_encounter(encounter.player_id, encounter.encounter_id)
        if existing is None:
            raise StaleState(encounter.encounter_id)
        return existing


class DynamoCreatures:
    def get_creature(self, player_id: str, creature_id: str) -> Creature | None:
        record = get_or_none(CreatureRecord, player_id, creature_id)
        return creature_from_record(record) if record else None

    def list_creatures(self, player_id: str, limit: int, after: str | None):
        """Newest first; ``after`` is the last creature id of the previous page."""
        before_sdk_call()
        condition = CreatureRecord.creature_id < after if after else None
        try:
            records = list(CreatureRecord.query(
                player_id, range_key_condition=condition, scan_index_forward=False,
                limit=limit + 1, page_size=limit + 1,
            ))
        except QueryError as error:
            raise_if_unavailable(error)
            raise
        page = [creature_from_record(r) for r in records[:limit]]
        next_after = page[-1].creature_id if len(records) > limit else None
        return page, next_after


class DynamoActions:
    """Idempotency records (written only by the unit of work, with the action)."""

    def get_action(self, player_id: str, key: str) -> StoredAction | None:
        record = get_or_none(ActionRecord, player_id, key)
        return action_from_record(record) if record else None


class DynamoVisits:
    def has_visited(self, player_id: str, stop_id: str) -> bool:
        return get_or_none(VisitRecord, player_id, stop_id) is not None


class DynamoGyms:
    def __init__(self, connection):
        self._connection = connection

    def get_gym(self, gym_id: str) -> GymState:
        record = get_or_none(GymRecord, gym_id)
        return gym_from_record(record) if record else GymState(gym_id)

    def gym_states(self, gym_ids: Sequence[str]) -> dict[str, GymState]:
        """One eventually consistent BatchGetItem (the map shows gyms a few seconds
        stale at most anyway: see usecases/gym_board.py)."""
        ids = list(dict.fromkeys(gym_ids))
        states = {gym_id: GymState(gym_id) for gym_id in ids}
        for start in range(0, len(ids), 100):  # BatchGetItem's limit
            keys = [(GymRecord, (gym_id,)) for gym_id in ids[start:start + 100]]
            for (_, (gym_id,)), record in batch_get(self._connection(), keys, consistent=False).items():
                if record is not None:
                    states[gym_id] = gym_from_record(record)
        return states


class DynamoInbox:
    def pending_returns(self, player_id: str) -> list[DefenderReturn]:
        return [return_from_record(r) for r in _query(
            InboxRecord, player_id, InboxRecord.item_id.startswith("ret-"))]

    def gifts(self, player_id: str) -> list[Gift]:
        gifts = [gift_from_record(r) for r in _query(
            InboxRecord, player_id, InboxRecord.item_id.startswith("gift#"))]
        return sorted(gifts, key=lambda g: (g.sent_ms, g.sender_id))

    def trade_links(self, player_id: str) -> list[str]:
        return [r.trade_id for r in _query(
            InboxRecord, player_id, InboxRecord.item_id.startswith("trade#"))]


class DynamoFriends:
    def friend_book(self, player_id: str) -> FriendBook:
        friends, incoming, outgoing, count = [], [], [], 0
        for record in _query(FriendRecord, player_id):
            item = record.item_id
            if item == FRIEND_COUNT_ITEM:
                count = int(record.count or 0)
            elif item.startswith("f#"):
                friends.append(friendship_from_record(record))
            elif item.startswith("in#"):
                incoming.append(request_from_record(record))
            elif item.startswith("out#"):
                outgoing.append(request_from_record(record))
        return FriendBook(friends=friends, incoming=incoming, outgoing=outgoing, count=count)

    def player_for_code(self, trainer_code: str) -> str | None:
        record = get_or_none(TrainerCodeRecord, trainer_code)
        return record.player_id if record else None


class DynamoTrades:
    def __init__(self, connection):
        self._connection = connection

    def get_trade(self, trade_id: str) -> Trade | None:
        record = get_or_none(TradeRecord, trade_id)
        return trade_from_record(record) if record else None

    def get_trades(self, trade_ids: Sequence[str]) -> list[Trade]:
        ids = list(dict.fromkeys(trade_ids))[:100]  # BatchGetItem's limit
        if not ids:
            return []
        found = batch_get(self._connection(), [(TradeRecord, (t,)) for t in ids])
        return [trade_from_record(r) for (_, _), r in found.items() if r is not None]


def _query(model, *args, **kwargs) -> list:
    before_sdk_call()
    try:
        return list(model.query(*args, consistent_read=True, **kwargs))
    except QueryError as error:
        raise_if_unavailable(error)
        raise


class DynamoLobbies:
    def lobbies(self, raid_id: str) -> list[Lobby]:
        return [lobby_from_record(r)
                for r in _query(LobbyRecord, raid_id, LobbyRecord.item_id.startswith("L"))]

    def lobby(self, raid_id: str, number: int) -> Lobby | None:
        header = get_or_none(LobbyRecord, raid_id, lobby_item_id(number))
        if header is None:
            return None
        members = _query(LobbyRecord, raid_id, LobbyRecord.item_id.startswith(f"M{number:04d}#"))
        return lobby_from_record(header, [member_from_record(m) for m in members])


class DynamoCuratedCells:
    def curated_forts(self, cells: Sequence[str]) -> dict[str, list[Fort]]:
        found = {cell: [] for cell in cells}
        if not cells:
            return found
        before_sdk_call()
        try:
            for record in CellRecord.batch_get(list(dict.fromkeys(cells))):
                found[record.cell] = cell_pack.unpack(record.cell, record.forts)
        except GetError as error:
            raise_if_unavailable(error)
            raise
        return found

    def save_curated_cells(self, cells: Mapping[str, Iterable[Fort]]) -> None:
        """Replace each cell's forts. Every cell is packed (and a too dense one refused)
        before the first write, so a refused import changes nothing."""
        packed = {cell: cell_pack.pack(cell, forts) for cell, forts in cells.items()}
        for cell, forts in packed.items():
            before_sdk_call()
            CellRecord(cell, forts=forts).save()
