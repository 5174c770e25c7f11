"""player: the profile and team choice."""
from chalice import Blueprint

from geocritters.bootstrap import game_context
from geocritters.edge.requests import json_body, only_fields, string_field
from geocritters.edge.routing import action_route
from geocritters.usecases.player import choose_team, get_profile

blueprint = Blueprint(__name__)


@action_route(blueprint, "/v1/me", "GET", "player")
def me(_request, player_id):
    return get_profile(game_context(), player_id)


@action_route(blueprint, "/v1/me/team", "POST", "player")
def team(request, player_id):
    body = json_body(request)
    only_fields(body, {"team"})
    return choose_team(game_context(), player_id, string_field(body, "team"))
