"""spin: spin a stop for items."""
from geocritters.bootstrap import game_context
from geocritters.edge.deployment import Deployment
from geocritters.edge.feature import Feature
from geocritters.edge.requests import json_body, number, only_fields, path_id
from geocritters.game.actions import Action
from geocritters.game.geo import validate_coordinates
from geocritters.usecases.idempotency import fingerprint
from geocritters.usecases.spin import spin as spin_stop

feature = Feature("spin", Deployment(
    memory_mb=1024, reserved_concurrency=100,
    tables={
        # One BatchGetItem reads what an action needs; GetItem of its action record only
        # when it is refused (a twin may have been applied meanwhile).
        "players": ("BatchGetItem", "UpdateItem"),
        "visits": ("BatchGetItem", "PutItem", "UpdateItem"),
        # The live events (their XP and stardust multipliers), via the 60 s cache.
        "events": ("Query",),
        "actions": ("BatchGetItem", "GetItem", "PutItem"),
        "cells": ("BatchGetItem",),  # curated stops, via the cell cache
    }))


@feature.route("/v1/stops/{stop_id}/spin", "POST", Action.SPIN, keyed=True)
def spin(request, player_id, key, stop_id):
    # The code a malformed stop id already gets from the world's id parser.
    stop_id = path_id(stop_id, "stop_id", "invalid_fort_id")
    body = json_body(request)
    only_fields(body, {"lat", "lng"})
    lat, lng = validate_coordinates(number(body.get("lat"), "lat"), number(body.get("lng"), "lng"))
    # The position as understood: 1 and 1.0 are the same request.
    return spin_stop(game_context(), player_id, stop_id, lat, lng, key,
                     fingerprint(Action.SPIN, stop_id, {"lat": lat, "lng": lng}))
