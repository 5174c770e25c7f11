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
    Change,
    RecordVisit,
    RemoveCreature,
    ReplaceCreature,
    SaveEncounter,
    SavePlayer,
    StaleState,
    StoredAction,
)
from .budget import before_sdk_call
from .failures import CONDITION_FAILED, raise_if_unavailable
from .mapping import action_record, creature_record, player_update_actions
from .models import ActionRecord, CreatureRecord, EncounterRecord, PlayerRecord, VisitRecord


@dataclass(frozen=True)
class Write:
    """One conditional write: ``operation`` is "save" (put), "update" or "delete"."""

    operation: str
    record: Model
    condition: Condition
    actions: list | None = None

    def add_to(self, transaction: TransactWrite) -> None:
        if self.operation == "update":
            transaction.update(self.record, actions=self.actions, condition=self.condition)
        elif self.operation == "save":
            transaction.save(self.record, condition=self.condition)
        else:
            transaction.delete(self.record, condition=self.condition)

    def apply(self) -> None:
        if self.operation == "update":
            self.record.update(actions=self.actions, condition=self.condition)
        elif self.operation == "save":
            self.record.save(condition=self.condition)
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
                 (CreatureRecord.species_id == old.species_id) & (CreatureRecord.level == old.level),
                 [CreatureRecord.species_id.set(c.species_id), CreatureRecord.level.set(c.level),
                  CreatureRecord.cp.set(c.cp)])


def _remove_creature(change: RemoveCreature) -> Write:
    c = change.creature
    return Write("delete", CreatureRecord(c.player_id, c.creature_id),
                 CreatureRecord.creature_id.exists())


def _record_visit(change: RecordVisit) -> Write:
    if change.first:
        return Write("save", VisitRecord(change.player_id, change.stop_id,
                                         first_ms=change.now_ms, spins=1),
                     VisitRecord.stop_id.does_not_exist())
    return Write("update", VisitRecord(change.player_id, change.stop_id),
                 VisitRecord.stop_id.exists(), [VisitRecord.spins.add(1)])


WRITES: dict[type, Callable[[Change], Write]] = {
    SavePlayer: _save_player,
    SaveEncounter: _save_encounter,
    AddCreature: _add_creature,
    ReplaceCreature: _replace_creature,
    RemoveCreature: _remove_creature,
    RecordVisit: _record_visit,
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
    return operations.count("delete") + operations.count("save")


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
            if error.cause_response_code == CONDITION_FAILED:
                raise StaleState("a condition failed") from error
            raise
