"""Everything one mutating action reads, in one ``BatchGetItem`` (strongly consistent):
its player, its idempotency record, and the encounter, creatures, stop visit or gym it
acts on. With the commit's one ``TransactWriteItems`` an action makes two calls in all."""
import time
from collections.abc import Callable, Sequence

from pynamodb.connection import Connection
from pynamodb.connection.base import BOTOCORE_EXCEPTIONS
from pynamodb.exceptions import GetError
from pynamodb.models import Model

from ..game.gyms import GymState
from ..usecases.ports import ActionReads, ActionState, BackendBusy
from .budget import before_sdk_call
from .failures import raise_if_unavailable
from .mapping import (
    action_from_record,
    creature_from_record,
    encounter_from_record,
    gym_from_record,
    player_from_record,
)
from .models import (
    ActionRecord,
    CreatureRecord,
    EncounterRecord,
    GymRecord,
    PlayerRecord,
    VisitRecord,
)

UNPROCESSED_BACKOFF_S = 0.01  # 10, 20, 40 ms... while DynamoDB leaves keys unprocessed
UNPROCESSED_ATTEMPTS = 8  # ~1.3 s of backing off, then the client retries later


def _key(model: type[Model], key: Sequence[str]) -> dict:
    """Every key attribute of our tables is a string."""
    names = [model._hash_key_attribute().attr_name]
    if len(key) == 2:
        names.append(model._range_key_attribute().attr_name)
    return {name: {"S": value} for name, value in zip(names, key, strict=True)}


def _key_of(model: type[Model], raw: dict) -> tuple[str, ...]:
    names = [model._hash_key_attribute().attr_name]
    if model._range_key_attribute() is not None:
        names.append(model._range_key_attribute().attr_name)
    return tuple(raw[name]["S"] for name in names)


def batch_get(connection: Connection, keys: Sequence[tuple[type[Model], Sequence[str]]],
              consistent: bool = True) -> dict:
    """(model, key) -> its item (a record) or None, for up to 100 keys, in one call
    (more only when DynamoDB leaves keys unprocessed, which it may under throttling)."""
    by_table = {model.Meta.table_name: model for model, _ in keys}
    request: dict = {}
    for model, key in dict.fromkeys((m, tuple(k)) for m, k in keys):
        table = request.setdefault(model.Meta.table_name,
                                   {"Keys": [], "ConsistentRead": consistent})
        table["Keys"].append(_key(model, key))
    found = {(model, tuple(key)): None for model, key in keys}
    for attempt in range(UNPROCESSED_ATTEMPTS):
        before_sdk_call()
        try:
            answer = connection.dispatch("BatchGetItem", {"RequestItems": request})
        except BOTOCORE_EXCEPTIONS as cause:
            error = GetError(f"Failed to batch get items: {cause}", cause)
            raise_if_unavailable(error)
            raise error from cause
        for table, items in answer.get("Responses", {}).items():
            model = by_table[table]
            for item in items:
                found[(model, _key_of(model, item))] = model.from_raw_data(item)
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
        player_key, action_key = (PlayerRecord, (player_id,)), (ActionRecord, (player_id, reads.idempotency_key))
        keys = [player_key, action_key]
        encounter_key = (EncounterRecord, (player_id, reads.encounter_id))
        if reads.encounter_id is not None:
            keys.append(encounter_key)
        creature_ids = list(dict.fromkeys(
            ([reads.creature_id] if reads.creature_id is not None else []) + list(reads.creature_ids)))
        keys += [(CreatureRecord, (player_id, c)) for c in creature_ids]
        visit_key = (VisitRecord, (player_id, reads.stop_id))
        if reads.stop_id is not None:
            keys.append(visit_key)
        gym_key = (GymRecord, (reads.gym_id,))
        if reads.gym_id is not None:
            keys.append(gym_key)
        found = batch_get(self._connection(), keys)

        def mapped(key, mapping):
            return mapping(found[key]) if found.get(key) is not None else None
        creatures = {c: mapped((CreatureRecord, (player_id, c)), creature_from_record)
                     for c in creature_ids}
        gym = None
        if reads.gym_id is not None:
            gym = mapped(gym_key, gym_from_record) or GymState(reads.gym_id)
        return ActionState(
            player=mapped(player_key, player_from_record),
            action=mapped(action_key, action_from_record),
            encounter=mapped(encounter_key, encounter_from_record),
            creature=creatures.get(reads.creature_id) if reads.creature_id else None,
            visited=found.get(visit_key) is not None,
            creatures={c: v for c, v in creatures.items() if v is not None},
            gym=gym,
        )
