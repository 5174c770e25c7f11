"""boards: a region's weekly leaderboard, top 100 and the caller's place on it.

The boards are written off the request path (functions/board_aggregator.py, fed by the
players table's stream); this function only reads them."""
from geocritters import bootstrap
from geocritters.adapters.boards import board_store
from geocritters.edge.deployment import Deployment
from geocritters.edge.feature import Feature
from geocritters.game import boards as rules
from geocritters.game.actions import Action
from geocritters.usecases.boards import read_board

feature = Feature("boards", Deployment(
    memory_mb=512, reserved_concurrency=10,
    # GetItem: the closed mark, a snapshot, the caller's entry; Query: the shards' top
    # lists, counts above the caller and neighbours (the by_score index).
    tables={"boards": ("GetItem", "Query")}))


@feature.route("/v1/boards/{region}", "GET", Action.BOARD)
def board(request, player_id, region):
    context = bootstrap.game_context()  # the stage's config, bound tables, the clock
    params = request.query_params or {}
    region = rules.parse_region(region, context.config)
    metric = rules.parse_metric(params.get("metric"))
    week = rules.parse_week(params.get("week"), bootstrap.clock().now_ms())
    return read_board(board_store(), region, metric, week, player_id, context.config)
