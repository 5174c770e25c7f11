"""Lambda's DynamoDB event source mapping, played offline: read a table's REAL stream
(Amazon's DynamoDB Local has streams, and so does moto) with the ``dynamodbstreams``
API, hand the records to a handler in Lambda's event shape, and act on its answer the
way the mapping does.

What the mapping does, and this runner with it (the packaged template's knobs,
``edge.feature.StreamSource``):

- batches of up to ``batch_size`` records per shard, in order;
- ``{"batchItemFailures": [{"itemIdentifier": <sequence number>}]}``: everything before
  the first failed record is done (checkpointed); the batch is retried from it. An
  unknown identifier, or the handler raising, fails the whole batch, which is then
  bisected (its first half retried);
- after ``max_retries`` retries of a batch (or once its first record is older than
  ``max_record_age_s``) the batch is given up: its metadata (shard, first and last
  sequence numbers, size: the shape Lambda sends an on-failure destination) goes to the
  dead-letter queue, and the shard moves on past it. The records the handler did apply
  on the way are applied: the aggregator applies every record it can and names only
  the ones it can't.

    runner = StreamRunner(handler, table_name, dynamodb=..., streams=..., dead_letters=list.append)
    runner.poll()                      # one pass over every shard; returns what it did
    runner.start(interval_s=2.0)       # a background thread (devtools/run_local.py)
"""
from __future__ import annotations

import base64
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

EVENT_SOURCE = "aws:dynamodb"


def _lambda_value(value):
    """A stream AttributeValue as Lambda's JSON event carries it (binary as base64)."""
    if isinstance(value, dict):
        return {k: _lambda_value(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_lambda_value(v) for v in value]
    if isinstance(value, bytes | bytearray):
        return base64.b64encode(bytes(value)).decode()
    return value


def lambda_record(record: dict, stream_arn: str, region: str) -> dict:
    """A ``GetRecords`` record -> a record of Lambda's DynamoDB event."""
    change = dict(record["dynamodb"])
    created = change.get("ApproximateCreationDateTime")
    if hasattr(created, "timestamp"):
        change["ApproximateCreationDateTime"] = created.timestamp()
    return {
        "eventID": record.get("eventID"),
        "eventName": record.get("eventName"),
        "eventVersion": record.get("eventVersion", "1.1"),
        "eventSource": EVENT_SOURCE,
        "awsRegion": record.get("awsRegion", region),
        "dynamodb": _lambda_value(change),
        "eventSourceARN": stream_arn,
    }


@dataclass
class PollResult:
    invocations: int = 0
    records: int = 0  # records handed to the handler for the first time
    done: int = 0  # records checkpointed as applied
    given_up: list[dict] = field(default_factory=list)  # what went to the dead-letter queue


class StreamRunner:
    def __init__(self, handler: Callable[[dict, object], dict], table_name: str, *,
                 dynamodb, streams, dead_letters: Callable[[dict], None],
                 batch_size: int = 100, max_retries: int = 3, max_record_age_s: int = 300,
                 starting_position: str = "TRIM_HORIZON", now_s: Callable[[], float] = time.time):
        self._handler = handler
        self._table = table_name
        self._dynamodb = dynamodb
        self._streams = streams
        self._dead_letters = dead_letters
        self._batch_size = batch_size
        self._max_retries = max_retries
        self._max_age_s = max_record_age_s
        self._starting = starting_position
        self._now_s = now_s
        self._stream_arn: str | None = None
        self._region = streams.meta.region_name
        # shard id -> the records read but not yet done, and where reading goes on.
        self._pending: dict[str, list[dict]] = {}
        self._iterators: dict[str, str | None] = {}
        self._last_read: dict[str, str] = {}  # shard id -> sequence number of the last record read
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # --- reading the stream --------------------------------------------------------------

    def stream_arn(self) -> str:
        if self._stream_arn is None:
            table = self._dynamodb.describe_table(TableName=self._table)["Table"]
            arn = table.get("LatestStreamArn")
            if not arn:
                raise RuntimeError(f"table {self._table} has no stream")
            self._stream_arn = arn
        return self._stream_arn

    def _shards(self) -> list[str]:
        description = self._streams.describe_stream(StreamArn=self.stream_arn())["StreamDescription"]
        return [shard["ShardId"] for shard in description.get("Shards", [])]

    def _iterator(self, shard: str) -> str | None:
        """Where this poll reads the shard from: after the last record read, through an
        iterator got now. An iterator chained from an earlier poll can go stale: moto
        replaces a table object, its stream with it, when it cancels a transaction (a
        condition failed), and an iterator of the old stream never sees a record again.
        (DynamoDB's own iterators expire after 15 minutes: a real reader re-gets them too.)
        Until a record is read, the chain from the starting position goes on."""
        last = self._last_read.get(shard)
        if last is not None:
            return self._streams.get_shard_iterator(
                StreamArn=self.stream_arn(), ShardId=shard, ShardIteratorType="AFTER_SEQUENCE_NUMBER",
                SequenceNumber=last)["ShardIterator"]
        if shard not in self._iterators:
            self._iterators[shard] = self._streams.get_shard_iterator(
                StreamArn=self.stream_arn(), ShardId=shard,
                ShardIteratorType=self._starting)["ShardIterator"]
        return self._iterators[shard]

    def _read(self, shard: str) -> None:
        """Fill the shard's pending records up to a batch."""
        pending = self._pending.setdefault(shard, [])
        iterator = self._iterator(shard)
        while len(pending) < self._batch_size and iterator:
            page = self._streams.get_records(ShardIterator=iterator, Limit=self._batch_size - len(pending))
            iterator = self._iterators[shard] = page.get("NextShardIterator")
            pending.extend(page["Records"])
            if not page["Records"]:
                break
            self._last_read[shard] = page["Records"][-1]["dynamodb"]["SequenceNumber"]

    # --- the mapping's part ------------------------------------------------------------------

    def _give_up(self, shard: str, batch: list[dict], reason: str, result: PollResult) -> None:
        first, last = batch[0]["dynamodb"], batch[-1]["dynamodb"]
        message = {
            "requestContext": {"condition": reason, "approximateInvokeCount": self._max_retries + 1},
            "DDBStreamBatchInfo": {
                "shardId": shard, "streamArn": self.stream_arn(), "batchSize": len(batch),
                "startSequenceNumber": first["SequenceNumber"],
                "endSequenceNumber": last["SequenceNumber"],
                "approximateArrivalOfFirstRecord": str(first.get("ApproximateCreationDateTime")),
                "approximateArrivalOfLastRecord": str(last.get("ApproximateCreationDateTime")),
            },
        }
        self._dead_letters(message)
        result.given_up.append(message)

    def _too_old(self, record: dict) -> bool:
        created = record["dynamodb"].get("ApproximateCreationDateTime")
        created_s = created.timestamp() if hasattr(created, "timestamp") else float(created or 0)
        return self._now_s() - created_s > self._max_age_s

    def _invoke(self, batch: list[dict]) -> int | None:
        """Invoke the handler; the index of the first record to retry, or None when all
        are done. A failure it can't place (an exception, an unknown id) is index 0."""
        event = {"Records": [lambda_record(r, self.stream_arn(), self._region) for r in batch]}
        try:
            answer = self._handler(event, None) or {}
        except Exception:  # the function failed: the whole batch is retried
            return 0
        failed = {f.get("itemIdentifier") for f in answer.get("batchItemFailures", [])}
        if not failed:
            return None
        positions = [i for i, r in enumerate(batch) if r["dynamodb"]["SequenceNumber"] in failed]
        return min(positions) if len(positions) == len(failed) else 0

    def _run_shard(self, shard: str, result: PollResult) -> None:
        pending = self._pending.get(shard, [])
        retries = 0
        size = min(len(pending), self._batch_size)
        while pending:
            if self._too_old(pending[0]):
                self._give_up(shard, pending[:1], "RecordAgeExceeded", result)
                del pending[:1]
                continue
            batch = pending[:size]
            result.invocations += 1
            if retries == 0:
                result.records += len(batch)
            first_failed = self._invoke(batch)
            if first_failed is None:
                result.done += len(batch)
                del pending[:len(batch)]
                retries, size = 0, min(len(pending), self._batch_size)
                continue
            result.done += first_failed
            del pending[:first_failed]  # checkpoint up to the first failure
            if retries == self._max_retries:
                failed_batch = batch[first_failed:]
                self._give_up(shard, failed_batch, "RetryAttemptsExhausted", result)
                del pending[:len(failed_batch)]
                retries, size = 0, min(len(pending), self._batch_size)
                continue
            retries += 1
            remaining = len(batch) - first_failed
            # A failure at the batch's head with nothing to checkpoint: bisect it.
            size = max(1, remaining // 2) if first_failed == 0 and remaining > 1 else remaining

    def poll(self) -> PollResult:
        """One pass: read what every shard has and run it through the handler."""
        result = PollResult()
        with self._lock:
            for shard in self._shards():
                self._read(shard)
                self._run_shard(shard, result)
        return result

    def drain(self, rounds: int = 20) -> PollResult:
        """Poll until a pass finds nothing new (tests: "the aggregator ran")."""
        total = PollResult()
        for _ in range(rounds):
            result = self.poll()
            total.invocations += result.invocations
            total.records += result.records
            total.done += result.done
            total.given_up += result.given_up
            if result.records == 0:
                break
        return total

    # --- in the background (make run) -------------------------------------------------------

    def start(self, interval_s: float = 2.0, on_error: Callable[[Exception], None] | None = None) -> None:
        def loop():
            while not self._stop.wait(interval_s):
                try:
                    self.poll()
                except Exception as error:  # keep polling: the next pass retries the read
                    if on_error is not None:
                        on_error(error)

        self._thread = threading.Thread(target=loop, name="stream-runner", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
