"""map: what is around the player."""
from chalice import Blueprint

from geocritters.bootstrap import game_context
from geocritters.edge.requests import query_number
from geocritters.edge.routing import action_route
from geocritters.game.geo import validate_coordinates
from geocritters.usecases.map import view_map

blueprint = Blueprint(__name__)


@action_route(blueprint, "/v1/map", "GET", "map")
def world_map(request, player_id):
    params = request.query_params
    lat, lng = validate_coordinates(query_number(params, "lat"), query_number(params, "lng"))
    return view_map(game_context(), player_id, lat, lng)
