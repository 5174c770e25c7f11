"""board_aggregator: the players table's stream -> the regional leaderboards.

No gameplay function writes a board. Lambda's event source mapping (generated from the
``on_stream`` declaration by infra/package.py) hands this function batches of player-item
changes; each becomes at most one conditional write per metric ("store this score unless
the board holds as much", usecases/boards.py), so a batch retried after a partial failure
or delivered twice changes nothing the second time. A record that can't be applied is
named in ``batchItemFailures``: the mapping retries from it (bounded, bisecting), then
sends its metadata to the dead-letter queue and moves on. Offline, devtools/stream_runner.py
plays the mapping's part against a real DynamoDB Local stream.
"""
import functools

from geocritters import bootstrap
from geocritters.adapters.boards import board_store, record_id, stream_record
from geocritters.adapters.models import bind_tables
from geocritters.edge.deployment import Deployment
from geocritters.edge.feature import Feature
from geocritters.game.config import DEFAULT_CONFIG, with_overrides
from geocritters.observability import configure_logging, logger
from geocritters.settings import load_settings
from geocritters.usecases.boards import Aggregator, apply_all

feature = Feature("board_aggregator", Deployment(
    # Concurrency 4: one invocation per stream shard at a time (ParallelizationFactor 1);
    # raise it with the players table's stream shards.
    memory_mb=256, reserved_concurrency=4, reads_secret=False,
    # UpdateItem: a score under "none or lower"; PutItem: the week's list of boards;
    # GetItem: whether a week is closed.
    tables={"boards": ("UpdateItem", "PutItem", "GetItem")}))


@functools.cache
def _aggregator() -> Aggregator:
    settings = load_settings()
    bind_tables(settings)
    return Aggregator(board_store(), with_overrides(DEFAULT_CONFIG, settings.config_overrides))


def _parsed(records):
    for raw in records:
        try:
            yield record_id(raw), stream_record(raw)
        except (KeyError, TypeError, ValueError, ArithmeticError) as error:
            yield record_id(raw), error


@feature.on_stream("players", batch_size=100, batching_window_s=5, max_retries=3,
                   max_record_age_s=300)
def aggregate(event, context):
    configure_logging()

    def failed(sequence_number, error):
        logger().warning("board record not applied", extra={
            "sequence_number": sequence_number, "error": type(error).__name__})

    failures = apply_all(_aggregator(), _parsed(event.get("Records", [])),
                         bootstrap.clock().now_ms(), on_error=failed)
    return {"batchItemFailures": [{"itemIdentifier": f} for f in failures]}


def reset() -> None:
    """Forget the container's aggregator (tests: new tables, new settings)."""
    _aggregator.cache_clear()
