"""items: the player's bag."""
from geocritters.bootstrap import game_context
from geocritters.edge.deployment import Deployment
from geocritters.edge.feature import Feature
from geocritters.game.actions import Action
from geocritters.usecases.items import list_items

feature = Feature("items", Deployment(
    memory_mb=512, reserved_concurrency=15,
    tables={"players": ("GetItem",)}))


@feature.route("/v1/me/items", "GET", Action.ITEMS)
def items(_request, player_id):
    return list_items(game_context(), player_id)
