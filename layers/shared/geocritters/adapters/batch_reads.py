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
from ..usecases.ports import ActionReads, ActionState, BackendBusy, Pair
from .budget import before_sdk_call
from .failures import raise_if_unavailable
from .mapping import (
    FRIEND_COUNT_ITEM,
    action_from_record,
    creature_from_record,
    encounter_from_record,
    friendship_from_record,
    friendship_item_id,
    gift_from_record,
    gift_item_id,
    gym_from_record,
    incoming_request_item_id,
    player_from_record,
    request_from_record,
    trade_from_record,
)
from .models import (
    ActionRecord,
    CreatureRecord,
    EncounterRecord,
    FriendRecord,
    GymRecord,
    InboxRecord,
    PlayerRecord,
    TradeRecord,
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
        pair_keys = _pair_keys(player_id, reads.friend_id, reads.pair_parts) if reads.friend_id else {}
        keys += pair_keys.values()
        friend_creature_keys = {c: (CreatureRecord, (reads.friend_id, c))
                                for c in reads.friend_creature_ids if reads.friend_id}
        keys += friend_creature_keys.values()
        gift_key = (InboxRecord, (player_id, gift_item_id(reads.gift_from or "")))
        if reads.gift_from is not None:
            keys.append(gift_key)
        trade_key = (TradeRecord, (reads.trade_id,))
        if reads.trade_id is not None:
            keys.append(trade_key)
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
            friend=mapped(pair_keys["friend"], player_from_record) if pair_keys else None,
            pair=_pair(pair_keys, mapped) if pair_keys else None,
            friend_creatures={c: v for c, k in friend_creature_keys.items()
                              if (v := mapped(k, creature_from_record)) is not None},
            gift=mapped(gift_key, gift_from_record) if reads.gift_from else None,
            trade=mapped(trade_key, trade_from_record) if reads.trade_id else None,
        )


def _pair_keys(me: str, friend: str, parts) -> dict:
    keys = {"friend": (PlayerRecord, (friend,))}
    if "sides" in parts:
        keys["mine"] = (FriendRecord, (me, friendship_item_id(friend)))
        keys["theirs"] = (FriendRecord, (friend, friendship_item_id(me)))
    if "counts" in parts:
        keys["my_count"] = (FriendRecord, (me, FRIEND_COUNT_ITEM))
        keys["their_count"] = (FriendRecord, (friend, FRIEND_COUNT_ITEM))
    if "requests" in parts:
        keys["sent"] = (FriendRecord, (friend, incoming_request_item_id(me)))
        keys["received"] = (FriendRecord, (me, incoming_request_item_id(friend)))
    if "gift" in parts:
        keys["my_gift_there"] = (InboxRecord, (friend, gift_item_id(me)))
    return keys


def _pair(keys: dict, mapped) -> Pair:
    def item(name, mapping):
        return mapped(keys[name], mapping) if name in keys else None

    def count(name):
        record = item(name, lambda r: r)
        return int(record.count or 0) if record is not None else 0
    return Pair(
        mine=item("mine", friendship_from_record), theirs=item("theirs", friendship_from_record),
        my_count=count("my_count"), their_count=count("their_count"),
        sent=item("sent", request_from_record), received=item("received", request_from_record),
        my_gift_there=item("my_gift_there", gift_from_record),
    )
