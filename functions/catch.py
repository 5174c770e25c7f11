"""catch: throw a ball at an encounter."""
from chalice import Blueprint

from geocritters.bootstrap import game_context
from geocritters.edge.requests import bool_field, idempotency_key, json_body, only_fields, path_id, string_field
from geocritters.edge.routing import action_route
from geocritters.game.catching import Throw
from geocritters.usecases.catch import throw
from geocritters.usecases.idempotency import fingerprint

blueprint = Blueprint(__name__)


@action_route(blueprint, "/v1/encounters/{encounter_id}/throws", "POST", "catch")
def throws(request, player_id, encounter_id):
    encounter_id = path_id(encounter_id, "encounter_id", "invalid_encounter_id")
    key = idempotency_key(request)
    body = json_body(request)
    only_fields(body, {"ball", "berry", "throw", "curveball"})
    aim = Throw(ball=string_field(body, "ball", max_len=32),
                berry=string_field(body, "berry", required=False, max_len=32),
                quality=string_field(body, "throw", required=False, max_len=32) or "normal",
                curveball=bool_field(body, "curveball"))
    return throw(game_context(), player_id, encounter_id, aim, key,
                 fingerprint("throw", encounter_id, body))
