"""encounter: start facing a spawn."""
from geocritters.bootstrap import game_context
from geocritters.edge.deployment import Deployment
from geocritters.edge.feature import Feature
from geocritters.edge.requests import json_body, number, only_fields, string_field
from geocritters.game.actions import Action
from geocritters.game.geo import validate_coordinates
from geocritters.usecases.encounter import start_encounter

feature = Feature("encounter", Deployment(
    memory_mb=1024, reserved_concurrency=100,
    # events: the live events a spawn is recomputed under, via the 60 s cache.
    tables={"players": ("GetItem",), "encounters": ("GetItem", "PutItem"), "events": ("Query",)}))


@feature.route("/v1/encounters", "POST", Action.ENCOUNTER, status=201)
def encounter(request, player_id):
    body = json_body(request)
    only_fields(body, {"spawn_id", "lat", "lng"})
    lat, lng = validate_coordinates(number(body.get("lat"), "lat"), number(body.get("lng"), "lng"))
    return start_encounter(game_context(), player_id, string_field(body, "spawn_id"), lat, lng)
