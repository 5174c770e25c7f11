"""gifts: the gift box, sending a gift to a friend, opening one."""
from geocritters.bootstrap import game_context
from geocritters.edge.deployment import Deployment
from geocritters.edge.feature import Feature
from geocritters.edge.requests import json_body, only_fields, path_id
from geocritters.game.actions import Action
from geocritters.game.friends import check_player_id
from geocritters.game.gifts import parse_gift_id
from geocritters.usecases import gifts
from geocritters.usecases.idempotency import fingerprint

feature = Feature("gifts", Deployment(
    memory_mb=512, reserved_concurrency=15,
    tables={
        "players": ("BatchGetItem", "GetItem", "UpdateItem"),  # the actor's own item
        "friends": ("BatchGetItem", "UpdateItem"),  # the pair's interaction days
        "inbox": ("BatchGetItem", "Query", "PutItem", "DeleteItem"),  # the gifts themselves
        # The live events (their limits / hatch distance), via the 60 s cache.
        "events": ("Query",),
        "actions": ("BatchGetItem", "GetItem", "PutItem"),
    }))


@feature.route("/v1/me/gifts", "GET", Action.GIFTS)
def gift_box(request, player_id):
    return gifts.gift_box(game_context(), player_id)


@feature.route("/v1/me/friends/{friend_id}/gifts", "POST", Action.SEND_GIFT, keyed=True)
def send(request, player_id, key, friend_id):
    friend_id = check_player_id(path_id(friend_id, "friend_id", "invalid_player_id"))
    only_fields(json_body(request, required=False), set())
    return gifts.send_gift(game_context(), player_id, friend_id, key,
                           fingerprint(Action.SEND_GIFT, friend_id))


@feature.route("/v1/me/gifts/{gift_id}/open", "POST", Action.OPEN_GIFT, keyed=True)
def open_gift(request, player_id, key, gift_id):
    gift_id = path_id(gift_id, "gift_id", "invalid_gift_id")
    parse_gift_id(gift_id)
    only_fields(json_body(request, required=False), set())
    return gifts.open_gift(game_context(), player_id, gift_id, key,
                           fingerprint(Action.OPEN_GIFT, gift_id))
