"""creatures: the collection — list, transfer, evolve, power up."""
from chalice import Blueprint

from geocritters.bootstrap import game_context
from geocritters.edge.requests import cursor_param, idempotency_key, json_body, only_fields, path_id, query_int
from geocritters.edge.routing import action_route
from geocritters.usecases import collection
from geocritters.usecases.idempotency import fingerprint

blueprint = Blueprint(__name__)


@action_route(blueprint, "/v1/me/creatures", "GET", "creatures")
def list_creatures(request, player_id):
    params = request.query_params or {}
    limit = query_int(params, "limit", default=20, lo=1, hi=collection.MAX_PAGE)
    return collection.list_creatures(game_context(), player_id, limit, cursor_param(params))


def _change(operation):
    """transfer, evolve and power-up share one shape: an empty body and a key."""
    def view(request, player_id, creature_id):
        creature_id = path_id(creature_id, "creature_id", "invalid_creature_id")
        key = idempotency_key(request)
        only_fields(json_body(request, required=False), set())
        return operation(game_context(), player_id, creature_id, key,
                         fingerprint(operation.__name__, creature_id))
    return view


action_route(blueprint, "/v1/me/creatures/{creature_id}/transfer", "POST", "creatures")(
    _change(collection.transfer))
action_route(blueprint, "/v1/me/creatures/{creature_id}/evolve", "POST", "creatures")(
    _change(collection.evolve))
action_route(blueprint, "/v1/me/creatures/{creature_id}/power-up", "POST", "creatures")(
    _change(collection.power_up))
