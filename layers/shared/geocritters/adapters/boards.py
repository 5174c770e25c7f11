"""The boards on DynamoDB (``BoardRecord``, table ``boards``), and the stream's records
turned into what the aggregator reads.

A score is written with one conditional ``UpdateItem``: "no score yet, or a lower one".
A refused condition is the normal answer to a replayed or reordered record (the board
already holds as much), not an error.

A board read queries every shard: the shards' queries go out together, on the
container's shared client, from a small thread pool (a read is then ~4 round trips, not
one per query).
"""
from __future__ import annotations

import base64
import functools
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

from boto3.dynamodb.types import Binary, TypeDeserializer
from pynamodb.exceptions import UpdateError

from ..game.boards import SOURCES, Entry, Score
from ..usecases.boards import StreamRecord
from .models import BoardRecord

_REGIONS = "boards"
_WEEK = "week"
_CLOSED = "closed"
_FINAL = "final"
_TOP = "top"
_deserializer = TypeDeserializer()
IMAGE_ATTRIBUTES = ("player_id", "name", "position",
                    *(attribute for pair in SOURCES.values() for attribute in pair))


def _regions_key(week: int) -> str:
    return f"{week}#{_REGIONS}"


def _week_key(week: int) -> str:
    return f"{week}#{_WEEK}"


def _shard(board: str, shard: int) -> str:
    return f"{board}#{shard}"


def _entry(record: BoardRecord) -> Entry:
    return Entry(record.item, record.name or "", int(record.score))


def _condition_failed(error: UpdateError) -> bool:
    cause = getattr(error, "cause_response_code", None)
    return cause == "ConditionalCheckFailedException"


class DynamoBoards:
    """``usecases.boards.BoardStore`` on the boards table."""

    def raise_score(self, score: Score, shard: int, expires_at_s: int) -> bool:
        record = BoardRecord(_shard(f"{score.week}#{score.metric}#{score.region}", shard),
                             score.player_id)
        try:
            record.update(
                actions=[BoardRecord.score.set(score.score), BoardRecord.name.set(score.name),
                         BoardRecord.expires_at.set(expires_at_s)],
                condition=BoardRecord.score.does_not_exist() | (BoardRecord.score < score.score))
        except UpdateError as error:
            if _condition_failed(error):
                return False
            raise
        return True

    def note_region(self, week: int, metric: str, region: str, expires_at_s: int) -> None:
        BoardRecord(_regions_key(week), f"{metric}#{region}", expires_at=expires_at_s).save()

    def regions(self, week: int) -> list[tuple[str, str]]:
        return [tuple(record.item.split("#", 1))
                for record in BoardRecord.query(_regions_key(week))]

    def is_closed(self, week: int) -> bool:
        try:
            BoardRecord.get(_week_key(week), _CLOSED, consistent_read=True)
        except BoardRecord.DoesNotExist:
            return False
        return True

    def close(self, week: int, closed_ms: int, expires_at_s: int) -> None:
        BoardRecord(_week_key(week), _CLOSED, closed_ms=closed_ms,
                    expires_at=expires_at_s).save()

    def tops(self, board: str, shards: int, limit: int) -> list[Entry]:
        parts = _pool().map(lambda shard: self.shard_top(board, shard, limit), range(shards))
        return [entry for part in parts for entry in part]

    def surroundings(self, board: str, shards: int, score: int,
                     limit: int) -> tuple[int, list[Entry]]:
        counts = [_pool().submit(self.count_above, board, shard, score) for shard in range(shards)]
        near = [_pool().submit(self.around, board, shard, score, limit) for shard in range(shards)]
        return (sum(f.result() for f in counts),
                [entry for f in near for entry in f.result()])

    def shard_top(self, board: str, shard: int, limit: int) -> list[Entry]:
        return [_entry(r) for r in BoardRecord.by_score.query(
            _shard(board, shard), scan_index_forward=False, limit=limit)]

    def entry(self, board: str, shard: int, player_id: str) -> Entry | None:
        try:
            record = BoardRecord.get(_shard(board, shard), player_id)
        except BoardRecord.DoesNotExist:
            return None
        return _entry(record) if record.score is not None else None

    def count_above(self, board: str, shard: int, score: int) -> int:
        return BoardRecord.by_score.count(_shard(board, shard), BoardRecord.score > score)

    def around(self, board: str, shard: int, score: int, limit: int) -> list[Entry]:
        """The shard's ``limit`` entries scoring >= ``score`` and ``limit`` scoring <= it."""
        key = _shard(board, shard)
        above = BoardRecord.by_score.query(key, BoardRecord.score >= score,
                                           scan_index_forward=True, limit=limit)
        below = BoardRecord.by_score.query(key, BoardRecord.score <= score,
                                           scan_index_forward=False, limit=limit)
        return [_entry(r) for r in above] + [_entry(r) for r in below]

    def snapshot(self, board: str) -> list[Entry] | None:
        try:
            record = BoardRecord.get(f"{board}#{_FINAL}", _TOP)
        except BoardRecord.DoesNotExist:
            return None
        return [Entry(str(p), str(n), int(s)) for p, n, s in record.entries or []]

    def save_snapshot(self, board: str, entries: list[Entry], expires_at_s: int) -> None:
        BoardRecord(f"{board}#{_FINAL}", _TOP, expires_at=expires_at_s,
                    entries=[[e.player_id, e.name, e.score] for e in entries]).save()


@functools.cache
def _pool() -> ThreadPoolExecutor:
    # A count and the neighbour queries of 8 shards in flight at once.
    return ThreadPoolExecutor(max_workers=16, thread_name_prefix="boards")


@functools.cache
def board_store() -> DynamoBoards:
    return DynamoBoards()


def reset_board_store() -> None:
    """Forget the store and stop its threads (tests: a new network, new tables)."""
    if _pool.cache_info().currsize:
        _pool().shutdown(wait=True)
    _pool.cache_clear()
    board_store.cache_clear()


# --- the stream ----------------------------------------------------------------------------


def _plain(value):
    """A deserialized image with DynamoDB's Decimals as ints where whole."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | set):
        return [_plain(v) for v in value]
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, Binary):
        return value.value
    return value


def _from_json(value: dict) -> dict:
    """An AttributeValue as Lambda's JSON event carries it -> as boto3 reads it: binary
    values (B, BS) arrive base64-encoded."""
    (kind, inner), = value.items()
    if kind == "B":
        return {"B": base64.b64decode(inner)}
    if kind == "BS":
        return {"BS": [base64.b64decode(v) for v in inner]}
    if kind == "M":
        return {"M": {k: _from_json(v) for k, v in inner.items()}}
    if kind == "L":
        return {"L": [_from_json(v) for v in inner]}
    return value


def _image(raw) -> dict | None:
    """The attributes of a player image the boards read (game/boards.py), deserialized;
    the rest of the item (bag, cooldowns, rate windows...) is never looked at. (Amazon's
    DynamoDB Local 3.3.1 also writes an empty map into its stream as ``{}``, which is no
    AttributeValue: a board attribute like that makes the record unreadable.)"""
    if raw is None:
        return None
    return _plain({key: _deserializer.deserialize(_from_json(raw[key]))
                   for key in IMAGE_ATTRIBUTES if key in raw})


def stream_record(record: dict) -> StreamRecord:
    """One record of a Lambda DynamoDB stream event (``Records[i]``) as the aggregator
    reads it. A record that doesn't even have that shape raises (a poison record)."""
    change = record["dynamodb"]
    return StreamRecord(old=_image(change.get("OldImage")), new=_image(change.get("NewImage")),
                        created_ms=int(Decimal(str(change["ApproximateCreationDateTime"])) * 1000))


def record_id(record: dict) -> str:
    """What a partial-batch response names a failed record by."""
    return str(record.get("dynamodb", {}).get("SequenceNumber", ""))
