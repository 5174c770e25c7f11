"""spin: spin a stop for items."""
from chalice import Blueprint

from geocritters.bootstrap import game_context
from geocritters.edge.requests import idempotency_key, json_body, number, only_fields, path_id
from geocritters.edge.routing import action_route
from geocritters.game.geo import validate_coordinates
from geocritters.usecases.idempotency import fingerprint
from geocritters.usecases.spin import spin as spin_stop

blueprint = Blueprint(__name__)


@action_route(blueprint, "/v1/stops/{stop_id}/spin", "POST", "spin")
def spin(request, player_id, stop_id):
    # The code a malformed stop id already gets from the world's id parser.
    stop_id = path_id(stop_id, "stop_id", "invalid_fort_id")
    key = idempotency_key(request)
    body = json_body(request)
    only_fields(body, {"lat", "lng"})
    lat, lng = validate_coordinates(number(body.get("lat"), "lat"), number(body.get("lng"), "lng"))
    return spin_stop(game_context(), player_id, stop_id, lat, lng, key,
                     fingerprint("spin", stop_id, body))
