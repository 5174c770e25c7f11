"""The idempotency record's cancellation reason is found where PynamoDB really puts it."""
from pynamodb.transactions import TransactWrite

from geocritters.adapters import unit_of_work
from geocritters.adapters.models import ActionRecord
from geocritters.adapters.unit_of_work import action_position, action_write, write_for
from geocritters.game.entities import Creature, Encounter
from geocritters.game.player import PlayerState
from geocritters.game.stats import IVs
from geocritters.usecases.ports import AddCreature, RemoveCreature, SaveEncounter, SavePlayer, StoredAction

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
    assert unit_of_work  # the module under test
