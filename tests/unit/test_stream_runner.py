"""devtools/stream_runner.py's event source mapping semantics on a scripted stream:
partial-batch failures, bounded retries, bisection, the dead-letter queue, record age.
(The real stream of DynamoDB Local: tests/localstack/test_board_stream.py.)"""
import datetime

from devtools.stream_runner import StreamRunner, lambda_record

NOW_S = 1_800_000_000.0
ARN = "arn:aws:dynamodb:us-east-1:000000000000:table/players/stream/1"


def records(n, age_s=0.0):
    created = datetime.datetime.fromtimestamp(NOW_S - age_s, datetime.UTC)
    return [{"eventID": f"e{i}", "eventName": "MODIFY", "dynamodb": {
        "SequenceNumber": f"{i:05}", "ApproximateCreationDateTime": created,
        "NewImage": {"player_id": {"S": f"p{i}"}, "blob": {"B": b"\x00\x01"}}}}
        for i in range(n)]


class Streams:
    """dynamodbstreams, scripted: one shard holding ``pending``."""

    class meta:
        region_name = "us-east-1"

    def __init__(self, pending):
        self.pending = list(pending)

    def describe_stream(self, StreamArn):
        return {"StreamDescription": {"Shards": [{"ShardId": "shard-1"}]}}

    def get_shard_iterator(self, **_):
        return {"ShardIterator": "it"}

    def get_records(self, ShardIterator, Limit):
        page, self.pending = self.pending[:Limit], self.pending[Limit:]
        return {"Records": page, "NextShardIterator": "it"}


class Tables:
    def describe_table(self, TableName):
        return {"Table": {"LatestStreamArn": ARN}}


def runner(stream, handler, dead, **knobs):
    return StreamRunner(handler, "players", dynamodb=Tables(), streams=stream,
                        dead_letters=dead.append, now_s=lambda: NOW_S, **knobs)


def test_lambda_event_shape():
    record = lambda_record(records(1)[0], ARN, "us-east-1")
    assert record["eventSource"] == "aws:dynamodb" and record["eventSourceARN"] == ARN
    assert record["dynamodb"]["ApproximateCreationDateTime"] == NOW_S
    assert record["dynamodb"]["NewImage"]["blob"] == {"B": "AAE="}  # base64, as in Lambda's JSON


def test_a_poison_record_is_retried_a_bounded_number_of_times_then_dead_lettered():
    seen, dead = [], []

    def handler(event, context):
        ids = [r["dynamodb"]["SequenceNumber"] for r in event["Records"]]
        seen.append(ids)
        return {"batchItemFailures": [{"itemIdentifier": "00004"}] if "00004" in ids else []}

    result = runner(Streams(records(10)), handler, dead, max_retries=2).poll()
    # All 10; retried from the poison record (the 4 before it are done); failing at the
    # head, bisected; retries used up: that batch goes to the queue, the shard goes on.
    ids = [f"{i:05}" for i in range(10)]
    assert seen == [ids, ids[4:], ids[4:7], ids[7:]]
    assert result.done == 7 and result.invocations == 4
    [message] = dead
    assert message["DDBStreamBatchInfo"]["startSequenceNumber"] == "00004"
    assert message["DDBStreamBatchInfo"]["endSequenceNumber"] == "00006"
    assert message["DDBStreamBatchInfo"]["batchSize"] == 3
    assert message["requestContext"]["condition"] == "RetryAttemptsExhausted"


def test_a_failing_function_gets_its_batch_bisected_down_to_the_poison_record():
    seen, dead = [], []

    def handler(event, context):
        ids = [r["dynamodb"]["SequenceNumber"] for r in event["Records"]]
        seen.append(ids)
        if "00000" in ids:
            raise RuntimeError("boom")
        return {}

    result = runner(Streams(records(8)), handler, dead, max_retries=3).poll()
    assert [len(batch) for batch in seen] == [8, 4, 2, 1, 7]  # bisected, then the rest
    assert dead[0]["DDBStreamBatchInfo"]["batchSize"] == 1 and result.done == 7


def test_records_older_than_the_age_limit_go_to_the_queue_unprocessed():
    dead, seen = [], []
    result = runner(Streams(records(3, age_s=301)), lambda e, c: seen.append(e) or {}, dead,
                    max_record_age_s=300).poll()
    assert seen == [] and len(dead) == 3 and result.done == 0
    assert dead[0]["requestContext"]["condition"] == "RecordAgeExceeded"


def test_an_empty_answer_checkpoints_the_whole_batch_and_reading_goes_on():
    stream, dead, seen = Streams(records(250)), [], []
    result = runner(stream, lambda e, c: seen.append(len(e["Records"])) or {}, dead).drain()
    assert seen == [100, 100, 50] and result.done == 250 and dead == []


class ReplacedStreams(Streams):
    """A stream whose shard object is replaced by a copy, as moto does to a table (and its
    stream) when it cancels a transaction: an iterator is bound to the shard it came from."""

    def __init__(self, pending):
        super().__init__([])
        self.shard = list(pending)
        self.iterators = {}

    def get_shard_iterator(self, StreamArn, ShardId, ShardIteratorType, SequenceNumber=None):
        after = 0 if SequenceNumber is None else int(SequenceNumber) + 1
        return {"ShardIterator": self._iterator(self.shard, after)}

    def _iterator(self, shard, position):
        name = f"it{len(self.iterators)}"
        self.iterators[name] = (shard, position)
        return name

    def get_records(self, ShardIterator, Limit):
        shard, position = self.iterators[ShardIterator]
        page = shard[position:position + Limit]
        return {"Records": page, "NextShardIterator": self._iterator(shard, position + len(page))}

    def write(self, record):
        self.shard.append(record)

    def replace_shard(self):
        self.shard = list(self.shard)


def test_records_written_after_the_stream_object_was_replaced_are_read():
    seen, dead = [], []

    def handler(event, context):
        seen.extend(r["dynamodb"]["SequenceNumber"] for r in event["Records"])
        return {}

    written = records(6)
    stream = ReplacedStreams(written[:2])
    reader = runner(stream, handler, dead)
    reader.poll()
    stream.replace_shard()  # a cancelled transaction: the table, its stream, are copies now
    for record in written[2:]:
        stream.write(record)
    reader.poll()
    assert seen == [r["dynamodb"]["SequenceNumber"] for r in written] and not dead
