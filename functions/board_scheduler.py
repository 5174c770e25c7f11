"""board_scheduler: closes the week that just ended, once a week.

Weeks are ``now_ms // WEEK_MS``: they start on Thursdays at 00:00 UTC. The rule fires
15 minutes later, by when every stream record of the ended week is applied or given
up: the aggregator's mapping drops records older than 300 s (MaximumRecordAgeInSeconds)
and a record of week W carries week W's counters only if it was written during W. The
close writes each board's final top list, then the week's closed mark; after it the
aggregator ignores that week, and the read route serves its top list from the snapshot.
Running it again (a retried invocation) rewrites the same snapshots.
"""
from geocritters import bootstrap
from geocritters.adapters.boards import board_store
from geocritters.adapters.models import bind_tables
from geocritters.edge.deployment import Deployment
from geocritters.edge.feature import Feature
from geocritters.game.boards import week_of
from geocritters.game.config import DEFAULT_CONFIG, with_overrides
from geocritters.observability import configure_logging, logger
from geocritters.settings import load_settings
from geocritters.usecases.boards import close_week

feature = Feature("board_scheduler", Deployment(
    memory_mb=256, reserved_concurrency=1, timeout_s=25, reads_secret=False,
    # Query: the week's boards and their shards' top lists; PutItem: the snapshots and
    # the closed mark; GetItem: none needed beyond the store's reads.
    tables={"boards": ("Query", "PutItem")}))


@feature.on_schedule("cron(15 0 ? * THU *)")
def close(event, context):
    configure_logging()
    settings = load_settings()
    bind_tables(settings)
    config = with_overrides(DEFAULT_CONFIG, settings.config_overrides)
    now_ms = bootstrap.clock().now_ms()
    result = close_week(board_store(), week_of(now_ms) - 1, now_ms, config)
    logger().info("board week closed", extra=result)
    return result
