"""auth: guest login."""
from chalice import Blueprint

from geocritters.bootstrap import game_context
from geocritters.edge.requests import json_body, only_fields, string_field
from geocritters.edge.routing import action_route
from geocritters.usecases.auth import guest_login

blueprint = Blueprint(__name__)


@action_route(blueprint, "/v1/auth/guest", "POST", "auth", public=True)
def guest(request, _player_id):
    body = json_body(request)
    only_fields(body, {"device_id"})
    return guest_login(game_context(), string_field(body, "device_id", min_len=8, max_len=128))
