"""auth: guest login."""
from geocritters.bootstrap import game_context
from geocritters.edge.deployment import Deployment
from geocritters.edge.feature import Feature
from geocritters.edge.requests import json_body, only_fields, string_field
from geocritters.game.actions import Action
from geocritters.usecases.auth import guest_login

feature = Feature("auth", Deployment(
    memory_mb=512, reserved_concurrency=50,
    # A new player and their trainer code are written in one transaction.
    tables={"players": ("GetItem", "PutItem"), "trainer_codes": ("PutItem",)}))


@feature.route("/v1/auth/guest", "POST", Action.LOGIN, public=True)
def guest(request, _player_id):
    body = json_body(request)
    only_fields(body, {"device_id"})
    return guest_login(game_context(), string_field(body, "device_id", min_len=8, max_len=128))
