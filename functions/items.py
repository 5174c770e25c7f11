"""items: the player's bag."""
from chalice import Blueprint

from geocritters.bootstrap import game_context
from geocritters.edge.routing import action_route
from geocritters.usecases.items import list_items

blueprint = Blueprint(__name__)


@action_route(blueprint, "/v1/me/items", "GET", "items")
def items(_request, player_id):
    return list_items(game_context(), player_id)
