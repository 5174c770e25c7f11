"""The unit of work: a gameplay action's changes and its idempotency record, committed
in one DynamoDB transaction (all or nothing).

``WRITES`` is the one place that says which write, guarded by which condition, each
kind of change becomes: a player only if its revision is unchanged, an encounter only
if no other throw landed first, a creature only if it is still what the action saw, an
idempotency record only if absent.
"""
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from pynamodb.connection import Connection
from pynamodb.exceptions import DeleteError, PutError, TransactWriteError, UpdateError
from pynamodb.expressions.condition import Condition
from pynamodb.models import Model
from pynamodb.transactions import TransactWrite

from ..usecases.ports import (
    ActionAlreadyRecorded,
    AddCreature,
    AddEncounter,
    AddFriendRequest,
    AddFriendship,
    AddLobbyMember,
    Change,
    CheckCreatureFree,
    CountFriends,
    JoinLobby,
    LinkTrade,
    LockCreature,
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
    StoredAction,
    TakeGift,
    TakeReturn,
    TradeAwayCreature,
    UnlinkTrade,
)
from .budget import before_sdk_call
from .failures import CONDITION_FAILED, CROSSED_A_TRANSACTION, raise_if_unavailable
from .mapping import (
    FRIEND_COUNT_ITEM,
    action_record,
    creature_record,
    encounter_record,
    friendship_item_id,
    friendship_record,
    friendship_update_actions,
    gift_item_id,
    gift_record,
    gym_record,
    lobby_item_id,
    lobby_record,
    lobby_result_json,
    member_record,
    player_update_actions,
    request_item_id,
    request_record,
    return_record,
    trade_link_item_id,
    trade_link_record,
    trade_record,
)
from .models import (
    ActionRecord,
    CreatureRecord,
    EncounterRecord,
    FriendRecord,
    GymRecord,
    InboxRecord,
    LobbyRecord,
    PlayerRecord,
    TradeRecord,
    VisitRecord,
)


@dataclass(frozen=True)
class Write:
    """One conditional write: ``operation`` is "save" (put), "update", "delete" or
    "check" (a condition on an item the action doesn't write)."""

    operation: str
    record: Model
    condition: Condition
    actions: list | None = None

    def add_to(self, transaction: TransactWrite) -> None:
        if self.operation == "update":
            transaction.update(self.record, actions=self.actions, condition=self.condition)
        elif self.operation == "save":
            transaction.save(self.record, condition=self.condition)
        elif self.operation == "check":
            model = type(self.record)
            range_attribute = model._range_key_attribute()
            transaction.condition_check(
                model, getattr(self.record, model._hash_key_attribute().attr_name),
                getattr(self.record, range_attribute.attr_name) if range_attribute else None,
                condition=self.condition)
        else:
            transaction.delete(self.record, condition=self.condition)

    def apply(self) -> None:
        if self.operation == "update":
            self.record.update(actions=self.actions, condition=self.condition)
        elif self.operation == "save":
            self.record.save(condition=self.condition)
        elif self.operation == "check":
            raise TypeError("a condition check only makes sense inside a transaction")
        else:
            self.record.delete(condition=self.condition)


def _save_player(change: SavePlayer) -> Write:
    state = change.state
    return Write("update", PlayerRecord(state.player_id),
                 PlayerRecord.revision == state.revision, player_update_actions(state))


def _save_encounter(change: SaveEncounter) -> Write:
    e = change.encounter
    return Write("update", EncounterRecord(e.player_id, e.encounter_id),
                 (EncounterRecord.throws == change.expected_throws)
                 & (EncounterRecord.status == "active"),
                 [EncounterRecord.status.set(e.status), EncounterRecord.throws.set(e.throws)])


def _add_creature(change: AddCreature) -> Write:
    return Write("save", creature_record(change.creature),
                 CreatureRecord.creature_id.does_not_exist())


def _replace_creature(change: ReplaceCreature) -> Write:
    c, old = change.creature, change.expected
    return Write("update", CreatureRecord(c.player_id, c.creature_id),
                 (CreatureRecord.species_id == old.species_id) & (CreatureRecord.level == old.level)
                & CreatureRecord.defending_gym.does_not_exist(),
                 [CreatureRecord.species_id.set(c.species_id), CreatureRecord.level.set(c.level),
                  CreatureRecord.cp.set(c.cp)])


def _remove_creature(change: RemoveCreature) -> Write:
    c = change.creature
    return Write("delete", CreatureRecord(c.player_id, c.creature_id),
                 CreatureRecord.creature_id.exists() & CreatureRecord.defending_gym.does_not_exist())


def _record_visit(change: RecordVisit) -> Write:
    if change.first:
        return Write("save", VisitRecord(change.player_id, change.stop_id,
                                         first_ms=change.now_ms, spins=1),
                     VisitRecord.stop_id.does_not_exist())
    return Write("update", VisitRecord(change.player_id, change.stop_id),
                 VisitRecord.stop_id.exists(), [VisitRecord.spins.add(1)])


def _save_gym(change: SaveGym) -> Write:
    gym = change.gym
    unchanged = (GymRecord.gym_id.does_not_exist() if gym.revision == 0
                 else GymRecord.revision == gym.revision)
    return Write("save", gym_record(gym), unchanged)


def _free_creature(player_id: str, creature_id: str):
    return CreatureRecord(player_id, creature_id), (
        CreatureRecord.creature_id.exists() & CreatureRecord.defending_gym.does_not_exist())


def _lock_creature(change: LockCreature) -> Write:
    record, free = _free_creature(change.creature.player_id, change.creature.creature_id)
    return Write("update", record, free, [CreatureRecord.defending_gym.set(change.gym_id)])


def _check_creature_free(change: CheckCreatureFree) -> Write:
    record, free = _free_creature(change.creature.player_id, change.creature.creature_id)
    return Write("check", record, free)


def _release_creature(change: ReleaseCreature) -> Write:
    return Write("update", CreatureRecord(change.player_id, change.creature_id),
                 CreatureRecord.defending_gym == change.gym_id,
                 [CreatureRecord.defending_gym.remove()])


def _send_return(change: SendReturn) -> Write:
    return Write("save", return_record(change.defender_return),
                 InboxRecord.item_id.does_not_exist())


def _take_return(change: TakeReturn) -> Write:
    r = change.defender_return
    return Write("delete", InboxRecord(r.owner_id, r.return_id), InboxRecord.item_id.exists())


def _join_lobby(change: JoinLobby) -> Write:
    lobby = change.lobby
    if change.new:
        header = lobby_record(lobby, change.expires_at)
        header.remote_count = int(change.remote)
        return Write("save", header, LobbyRecord.item_id.does_not_exist())
    room = ((LobbyRecord.size < change.max_size)
            & (LobbyRecord.created_ms > change.opened_after_ms))
    actions = [LobbyRecord.size.add(1)]
    if change.remote:
        room = room & (LobbyRecord.remote_count < change.max_remote)
        actions.append(LobbyRecord.remote_count.add(1))
    return Write("update", LobbyRecord(lobby.raid_id, lobby_item_id(lobby.number)), room, actions)


def _add_lobby_member(change: AddLobbyMember) -> Write:
    return Write("save", member_record(change.raid_id, change.number, change.member,
                                       change.expires_at),
                 LobbyRecord.item_id.does_not_exist())


def _save_lobby_result(change: SaveLobbyResult) -> Write:
    return Write("update", LobbyRecord(change.raid_id, lobby_item_id(change.number)),
                 LobbyRecord.item_id.exists() & LobbyRecord.result.does_not_exist(),
                 [LobbyRecord.result.set(lobby_result_json(change.result))])


def _add_encounter(change: AddEncounter) -> Write:
    return Write("save", encounter_record(change.encounter),
                 EncounterRecord.encounter_id.does_not_exist())


def _add_friend_request(change: AddFriendRequest) -> Write:
    return Write("save", request_record(change.request, change.holder_id),
                 FriendRecord.item_id.does_not_exist() | (FriendRecord.expires_ms <= change.now_ms))


def _remove_friend_request(change: RemoveFriendRequest) -> Write:
    condition = FriendRecord.item_id.exists()
    if change.unexpired_at is not None:
        condition = condition & (FriendRecord.expires_ms > change.unexpired_at)
    return Write("delete", FriendRecord(change.holder_id,
                                        request_item_id(change.request, change.holder_id)),
                 condition)


def _add_friendship(change: AddFriendship) -> Write:
    return Write("save", friendship_record(change.side), FriendRecord.item_id.does_not_exist())


def _save_friendship(change: SaveFriendship) -> Write:
    side = change.side
    return Write("update", FriendRecord(side.player_id, friendship_item_id(side.friend_id)),
                 FriendRecord.revision == side.revision, friendship_update_actions(side))


def _remove_friendship(change: RemoveFriendship) -> Write:
    side = change.side
    return Write("delete", FriendRecord(side.player_id, friendship_item_id(side.friend_id)),
                 FriendRecord.item_id.exists())


def _count_friends(change: CountFriends) -> Write:
    if change.delta > 0:
        room = FriendRecord.count.does_not_exist() | (FriendRecord.count <= change.limit - change.delta)
    else:
        room = FriendRecord.count >= -change.delta
    return Write("update", FriendRecord(change.player_id, FRIEND_COUNT_ITEM), room,
                 [FriendRecord.count.add(change.delta)])


def _send_gift(change: SendGift) -> Write:
    return Write("save", gift_record(change.gift), InboxRecord.item_id.does_not_exist())


def _take_gift(change: TakeGift) -> Write:
    g = change.gift
    return Write("delete", InboxRecord(g.receiver_id, gift_item_id(g.sender_id)),
                 InboxRecord.sent_ms == g.sent_ms)


def _save_trade(change: SaveTrade) -> Write:
    trade = change.trade
    unchanged = (TradeRecord.trade_id.does_not_exist() if trade.revision == 0
                 else TradeRecord.revision == trade.revision)
    return Write("save", trade_record(trade), unchanged)


def _link_trade(change: LinkTrade) -> Write:
    return Write("save", trade_link_record(change.player_id, change.trade_id),
                 InboxRecord.item_id.does_not_exist())


def _unlink_trade(change: UnlinkTrade) -> Write:
    return Write("delete", InboxRecord(change.player_id, trade_link_item_id(change.trade_id)),
                 InboxRecord.item_id.exists())


def _trade_away_creature(change: TradeAwayCreature) -> Write:
    c = change.creature
    return Write("delete", CreatureRecord(c.player_id, c.creature_id),
                 (CreatureRecord.species_id == c.species_id) & (CreatureRecord.level == c.level)
                 & CreatureRecord.defending_gym.does_not_exist()
                 & CreatureRecord.traded_ms.does_not_exist())


WRITES: dict[type, Callable[[Change], Write]] = {
    SavePlayer: _save_player,
    SaveEncounter: _save_encounter,
    AddCreature: _add_creature,
    ReplaceCreature: _replace_creature,
    RemoveCreature: _remove_creature,
    RecordVisit: _record_visit,
    SaveGym: _save_gym,
    LockCreature: _lock_creature,
    CheckCreatureFree: _check_creature_free,
    ReleaseCreature: _release_creature,
    SendReturn: _send_return,
    TakeReturn: _take_return,
    JoinLobby: _join_lobby,
    AddLobbyMember: _add_lobby_member,
    SaveLobbyResult: _save_lobby_result,
    AddEncounter: _add_encounter,
    AddFriendRequest: _add_friend_request,
    RemoveFriendRequest: _remove_friend_request,
    AddFriendship: _add_friendship,
    SaveFriendship: _save_friendship,
    RemoveFriendship: _remove_friendship,
    CountFriends: _count_friends,
    SendGift: _send_gift,
    TakeGift: _take_gift,
    SaveTrade: _save_trade,
    LinkTrade: _link_trade,
    UnlinkTrade: _unlink_trade,
    TradeAwayCreature: _trade_away_creature,
}


def write_for(change: Change) -> Write:
    build = WRITES.get(type(change))
    if build is None:
        raise TypeError(f"unknown change {change!r}")
    return build(change)


def action_write(action: StoredAction) -> Write:
    """The idempotency record: written once; its condition failing means a twin won."""
    return Write("save", action_record(action), ActionRecord.idempotency_key.does_not_exist())


def action_position(changes: Sequence[Change]) -> int:
    """Where the idempotency record sits in the request PynamoDB sends, hence in the
    cancellation reasons: PynamoDB orders items condition checks, deletes, puts, then
    updates (not in the order they were added); the record is the last put."""
    operations = [write_for(change).operation for change in changes]
    return operations.count("check") + operations.count("delete") + operations.count("save")


class DynamoUnitOfWork:
    """Commits through the container's shared connection (``connection()``)."""

    def __init__(self, connection: Callable[[], Connection]):
        self._connection = connection

    def commit(self, changes: Sequence[Change], action: StoredAction | None = None) -> None:
        """Apply every change and the idempotency record together, or none of them.

        Raises ``ActionAlreadyRecorded`` when the idempotency record already exists,
        ``StaleState`` when any other condition failed (the caller recomputes)."""
        before_sdk_call()
        writes = [write_for(change) for change in changes]
        if action is None and len(writes) == 1:
            self._commit_single(writes[0])
            return
        try:
            with TransactWrite(connection=self._connection()) as transaction:
                for write in writes:
                    write.add_to(transaction)
                if action is not None:
                    action_write(action).add_to(transaction)
        except TransactWriteError as error:
            # First: a lost answer has no response code at all (reading it would raise).
            raise_if_unavailable(error)
            reasons = error.cancellation_reasons or []
            at = action_position(changes) if action is not None else None
            if at is not None and at < len(reasons) and reasons[at] is not None \
                    and reasons[at].code == "ConditionalCheckFailed":
                raise ActionAlreadyRecorded(action.idempotency_key) from error
            if error.cause_response_code == "TransactionCanceledException":
                raise StaleState("a condition failed") from error
            if error.cause_response_code == "TransactionConflictException":
                raise StaleState("transaction conflict") from error
            raise_if_unavailable(error)
            raise

    @staticmethod
    def _commit_single(write: Write) -> None:
        try:
            write.apply()
        except (PutError, UpdateError, DeleteError) as error:
            raise_if_unavailable(error)
            if error.cause_response_code in (CONDITION_FAILED, CROSSED_A_TRANSACTION):
                raise StaleState("a condition failed, or a transaction held the item") from error
            raise
