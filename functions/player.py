"""player: the profile and team choice."""
from geocritters.bootstrap import game_context
from geocritters.edge.deployment import Deployment
from geocritters.edge.feature import Feature
from geocritters.edge.requests import json_body, only_fields, string_field
from geocritters.game.actions import Action
from geocritters.usecases.player import choose_team, get_profile

feature = Feature("player", Deployment(
    memory_mb=512, reserved_concurrency=30,
    tables={"players": ("GetItem", "UpdateItem")}))


@feature.route("/v1/me", "GET", Action.PROFILE)
def me(_request, player_id):
    return get_profile(game_context(), player_id)


@feature.route("/v1/me/team", "POST", Action.CHOOSE_TEAM)
def team(request, player_id):
    body = json_body(request)
    only_fields(body, {"team"})
    return choose_team(game_context(), player_id, string_field(body, "team"))
