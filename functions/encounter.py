"""encounter: start facing a spawn."""
from chalice import Blueprint

from geocritters.bootstrap import game_context
from geocritters.edge.requests import json_body, number, only_fields, string_field
from geocritters.edge.routing import action_route
from geocritters.game.geo import validate_coordinates
from geocritters.usecases.encounter import start_encounter

blueprint = Blueprint(__name__)


@action_route(blueprint, "/v1/encounters", "POST", "encounter", status=201)
def encounter(request, player_id):
    body = json_body(request)
    only_fields(body, {"spawn_id", "lat", "lng"})
    lat, lng = validate_coordinates(number(body.get("lat"), "lat"), number(body.get("lng"), "lng"))
    return start_encounter(game_context(), player_id, string_field(body, "spawn_id"), lat, lng)
