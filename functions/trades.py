"""trades: propose, offer, confirm (executes), cancel; a trade's page, my open trades."""
from geocritters.bootstrap import game_context
from geocritters.edge.deployment import Deployment
from geocritters.edge.feature import Feature
from geocritters.edge.requests import id_field, json_body, only_fields, path_id
from geocritters.game.actions import Action
from geocritters.game.friends import check_player_id
from geocritters.game.trades import check_trade_id
from geocritters.usecases import trades
from geocritters.usecases.idempotency import fingerprint

feature = Feature("trades", Deployment(
    memory_mb=1024, reserved_concurrency=20,
    tables={
        # The one function that writes two players' items: an executed trade pays both.
        "players": ("BatchGetItem", "GetItem", "UpdateItem"),
        "creatures": ("BatchGetItem", "PutItem", "DeleteItem"),  # each changes owner
        "friends": ("BatchGetItem", "UpdateItem"),  # the pair's interaction days
        "inbox": ("BatchGetItem", "Query", "PutItem", "DeleteItem"),  # links to open trades
        "trades": ("BatchGetItem", "GetItem", "PutItem"),
        "actions": ("BatchGetItem", "GetItem", "PutItem"),
    }))


def _trade_id(trade_id: str) -> str:
    return check_trade_id(path_id(trade_id, "trade_id", "invalid_trade_id"))


@feature.route("/v1/me/trades", "GET", Action.TRADES)
def my_trades(request, player_id):
    return trades.my_trades(game_context(), player_id)


@feature.route("/v1/trades/{trade_id}", "GET", Action.TRADE)
def view(request, player_id, trade_id):
    return trades.view_trade(game_context(), player_id, _trade_id(trade_id))


@feature.route("/v1/trades", "POST", Action.PROPOSE_TRADE, keyed=True)
def propose(request, player_id, key):
    body = json_body(request)
    only_fields(body, {"friend_id", "creature_id"})
    friend_id = check_player_id(id_field(body, "friend_id", "invalid_player_id"))
    creature_id = id_field(body, "creature_id", "invalid_creature_id")
    return trades.propose(game_context(), player_id, friend_id, creature_id, key,
                          fingerprint(Action.PROPOSE_TRADE, friend_id, creature_id))


@feature.route("/v1/trades/{trade_id}/offer", "POST", Action.OFFER_TRADE, keyed=True)
def offer(request, player_id, key, trade_id):
    trade_id = _trade_id(trade_id)
    body = json_body(request)
    only_fields(body, {"creature_id"})
    creature_id = id_field(body, "creature_id", "invalid_creature_id")
    return trades.offer(game_context(), player_id, trade_id, creature_id, key,
                        fingerprint(Action.OFFER_TRADE, trade_id, creature_id))


@feature.route("/v1/trades/{trade_id}/confirm", "POST", Action.CONFIRM_TRADE, keyed=True)
def confirm(request, player_id, key, trade_id):
    trade_id = _trade_id(trade_id)
    only_fields(json_body(request, required=False), set())
    return trades.confirm(game_context(), player_id, trade_id, key,
                          fingerprint(Action.CONFIRM_TRADE, trade_id))


@feature.route("/v1/trades/{trade_id}/cancel", "POST", Action.CANCEL_TRADE, keyed=True)
def cancel(request, player_id, key, trade_id):
    trade_id = _trade_id(trade_id)
    only_fields(json_body(request, required=False), set())
    return trades.cancel(game_context(), player_id, trade_id, key,
                         fingerprint(Action.CANCEL_TRADE, trade_id))
