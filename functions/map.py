"""map: what is around the player."""
from geocritters.bootstrap import game_context
from geocritters.edge.deployment import Deployment
from geocritters.edge.feature import Feature
from geocritters.edge.requests import query_number
from geocritters.game.actions import Action
from geocritters.game.geo import validate_coordinates
from geocritters.usecases.map import view_map

# The one call every client makes every few seconds: the most concurrency (160 of the
# account's 900 reservable, 40 left for the world-over-time functions), and 1 GB
# (memory buys CPU; cold starts are import-bound).
feature = Feature("map", Deployment(
    memory_mb=1024, reserved_concurrency=160,
    # GetItem only tells a rate-limited player from a missing one.
    # The gyms' states overlap the position update (usecases/gym_board.py).
    tables={"players": ("UpdateItem", "GetItem"), "cells": ("BatchGetItem",),
            "gyms": ("BatchGetItem",),
            # The live events that change spawns: one Query a minute per container (cached).
            "events": ("Query",)}))


@feature.route("/v1/map", "GET", Action.MAP)
def world_map(request, player_id):
    params = request.query_params
    lat, lng = validate_coordinates(query_number(params, "lat"), query_number(params, "lng"))
    return view_map(game_context(), player_id, lat, lng)
