"""Everything one mutating action reads, in one ``BatchGetItem`` (strongly consistent):
its player, its idempotency record, and the encounter, creature or stop visit it acts
on. With the commit's one ``TransactWriteItems`` an action makes two calls in all."""
import time
from collections.abc import Callable, Mapping, Sequence

from pynamodb.connection import Connection
from pynamodb.connection.base import BOTOCORE_EXCEPTIONS
from pynamodb.exceptions import GetError
from pynamodb.models import Model

from ..usecases.ports import ActionReads, ActionState, BackendBusy
from .budget import before_sdk_call
from .failures import raise_if_unavailable
from .mapping import action_from_record, creature_from_record, encounter_from_record, player_from_record
from .models import ActionRecord, CreatureRecord, EncounterRecord, PlayerRecord, VisitRecord

UNPROCESSED_BACKOFF_S = 0.01  # 10, 20, 40 ms... while DynamoDB leaves keys unprocessed
UNPROCESSED_ATTEMPTS = 8  # ~1.3 s of backing off, then the client retries later


def _key(model: type[Model], key: Sequence[str]) -> dict:
    """Every key attribute of our tables is a string."""
    names = [model._hash_key_attribute().attr_name]
    if len(key) == 2:
        names.append(model._range_key_attribute().attr_name)
    return {name: {"S": value} for name, value in zip(names, key, strict=True)}


def batch_get(connection: Connection, keys: Mapping[type[Model], Sequence[str]]) -> dict:
    """model -> its item (a record) or None, for one key per model, in one call (more
    only when DynamoDB leaves keys unprocessed, which it may under throttling)."""
    by_table = {model.Meta.table_name: model for model in keys}
    request = {model.Meta.table_name: {"Keys": [_key(model, key)], "ConsistentRead": True}
               for model, key in keys.items()}
    found = dict.fromkeys(keys)
    for attempt in range(UNPROCESSED_ATTEMPTS):
        before_sdk_call()
        try:
            answer = connection.dispatch("BatchGetItem", {"RequestItems": request})
        except BOTOCORE_EXCEPTIONS as cause:
            error = GetError(f"Failed to batch get items: {cause}", cause)
            raise_if_unavailable(error)
            raise error from cause
        for table, items in answer.get("Responses", {}).items():
            for item in items:
                found[by_table[table]] = by_table[table].from_raw_data(item)
        request = answer.get("UnprocessedKeys") or {}
        if not request:
            return found
        time.sleep(UNPROCESSED_BACKOFF_S * 2 ** attempt)
    raise BackendBusy("the game is busy; retry shortly", retry_after_s=1)


class DynamoActionSnapshots:
    def __init__(self, connection: Callable[[], Connection]):
        self._connection = connection

    def read_for_action(self, reads: ActionReads) -> ActionState:
        player_id = reads.player_id
        keys = {PlayerRecord: (player_id,), ActionRecord: (player_id, reads.idempotency_key)}
        if reads.encounter_id is not None:
            keys[EncounterRecord] = (player_id, reads.encounter_id)
        if reads.creature_id is not None:
            keys[CreatureRecord] = (player_id, reads.creature_id)
        if reads.stop_id is not None:
            keys[VisitRecord] = (player_id, reads.stop_id)
        found = batch_get(self._connection(), keys)

        def mapped(model, mapping):
            return mapping(found[model]) if found.get(model) is not None else None
        return ActionState(
            player=mapped(PlayerRecord, player_from_record),
            action=mapped(ActionRecord, action_from_record),
            encounter=mapped(EncounterRecord, encounter_from_record),
            creature=mapped(CreatureRecord, creature_from_record),
            visited=found.get(VisitRecord) is not None,
        )
