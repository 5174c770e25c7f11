"""The idempotency record's cancellation reason is found where PynamoDB really puts it."""
import pytest
from pynamodb.exceptions import CancellationReason, TransactWriteError, VerboseClientError
from pynamodb.transactions import TransactWrite

from geocritters.adapters.models import ActionRecord
from geocritters.adapters.unit_of_work import (
    DynamoUnitOfWork,
    action_position,
    action_write,
    write_for,
)
from geocritters.game.entities import Creature, Encounter
from geocritters.game.player import PlayerState
from geocritters.game.stats import IVs
from geocritters.usecases.ports import (
    ActionAlreadyRecorded,
    AddCreature,
    RemoveCreature,
    SaveEncounter,
    SavePlayer,
    StaleState,
    StoredAction,
)

PLAYER = PlayerState(player_id="pl-1", name="T", created_ms=0)
CREATURE = Creature("pl-1", "cr-1", 1, 1.0, 10, IVs(1, 1, 1), 0, "en-1")
ENCOUNTER = Encounter("pl-1", "en-1", "sp-x", 1, 1.0, 10, IVs(1, 1, 1), 0.0, 0.0, 0, 1, 1)
ACTION = StoredAction("pl-1", "key-00000001", "throw", "f", {}, 0)


class _Recorder:
    """Stands in for the connection: captures the items PynamoDB would send."""

    def transact_write_items(self, condition_check_items, delete_items, put_items, update_items, **_):
        self.items = ([("check", i) for i in condition_check_items] + [("delete", i) for i in delete_items]
                      + [("put", i) for i in put_items] + [("update", i) for i in update_items])
        return {}


def _sent_order(changes):
    recorder = _Recorder()
    transaction = TransactWrite(connection=recorder)
    with transaction:
        for change in changes:
            write_for(change).add_to(transaction)
        action_write(ACTION).add_to(transaction)
    return recorder.items


def test_action_position_matches_the_order_pynamodb_sends():
    for changes in ([AddCreature(CREATURE), SavePlayer(PLAYER), SaveEncounter(ENCOUNTER, 0)],
                    [RemoveCreature(CREATURE), SavePlayer(PLAYER)],
                    [SavePlayer(PLAYER), SaveEncounter(ENCOUNTER, 0)]):
        sent = _sent_order(changes)
        kind, item = sent[action_position(changes)]
        assert kind == "put" and item["TableName"] == ActionRecord.Meta.table_name, changes


class _Cancelling:
    """Stands in for the connection: cancels the transaction, the condition failing at
    ``failed_at`` (every other item's reason ``None``, as DynamoDB reports them)."""

    def __init__(self, failed_at: int):
        self.failed_at = failed_at

    def transact_write_items(self, condition_check_items, delete_items, put_items, update_items, **_):
        count = len(condition_check_items) + len(delete_items) + len(put_items) + len(update_items)
        reasons = [CancellationReason("ConditionalCheckFailed") if i == self.failed_at else None
                   for i in range(count)]
        cause = VerboseClientError({"Error": {"Code": "TransactionCanceledException", "Message": "x"}},
                                   "TransactWriteItems", cancellation_reasons=reasons)
        raise TransactWriteError("Failed to write transaction items", cause)


@pytest.mark.parametrize("changes", [
    [AddCreature(CREATURE), SavePlayer(PLAYER), SaveEncounter(ENCOUNTER, 0)],
    [RemoveCreature(CREATURE), SavePlayer(PLAYER)],
], ids=["catch", "transfer"])
def test_commit_reads_the_cancellation_reason_at_the_action_position(changes):
    """The unit of work tells "the key is already recorded" (a twin won: replay it) from
    any other failed condition (recompute) by the reason at ``action_position``."""
    at = action_position(changes)
    for failed_at in range(len(changes) + 1):
        unit = DynamoUnitOfWork(lambda failed_at=failed_at: _Cancelling(failed_at))
        expected = ActionAlreadyRecorded if failed_at == at else StaleState
        with pytest.raises(expected):
            unit.commit(changes, ACTION)
