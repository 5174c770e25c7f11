"""creatures: the collection — list, transfer, evolve, power up."""
from geocritters.bootstrap import game_context
from geocritters.edge.deployment import Deployment
from geocritters.edge.feature import Feature
from geocritters.edge.requests import cursor_param, json_body, only_fields, path_id, query_int
from geocritters.game.actions import Action
from geocritters.usecases import collection
from geocritters.usecases.idempotency import fingerprint

feature = Feature("creatures", Deployment(
    memory_mb=512, reserved_concurrency=40,
    tables={
        # One BatchGetItem reads what an action needs; GetItem of its action record only
        # when it is refused (a twin may have been applied meanwhile).
        "creatures": ("Query", "BatchGetItem", "UpdateItem", "DeleteItem"),
        "players": ("BatchGetItem", "UpdateItem"),
        "actions": ("BatchGetItem", "GetItem", "PutItem"),
    }))


@feature.route("/v1/me/creatures", "GET", Action.LIST_CREATURES)
def list_creatures(request, player_id):
    params = request.query_params or {}
    limit = query_int(params, "limit", default=20, lo=1, hi=collection.MAX_PAGE)
    return collection.list_creatures(game_context(), player_id, limit, cursor_param(params))


def _change(action: Action, operation):
    """transfer, evolve and power-up share one shape: an empty body and a key."""
    def view(request, player_id, key, creature_id):
        creature_id = path_id(creature_id, "creature_id", "invalid_creature_id")
        only_fields(json_body(request, required=False), set())
        return operation(game_context(), player_id, creature_id, key,
                         fingerprint(action, creature_id))
    return view


for _action, _operation, _path in (
        (Action.TRANSFER, collection.transfer, "transfer"),
        (Action.EVOLVE, collection.evolve, "evolve"),
        (Action.POWER_UP, collection.power_up, "power-up")):
    feature.route(f"/v1/me/creatures/{{creature_id}}/{_path}", "POST", _action, keyed=True)(
        _change(_action, _operation))
