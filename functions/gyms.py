"""gyms: view a gym, deploy a defender, feed berries, spin; a player's defenders."""
from geocritters.bootstrap import game_context
from geocritters.edge.deployment import Deployment
from geocritters.edge.feature import Feature
from geocritters.edge.requests import (
    body_position,
    id_field,
    json_body,
    only_fields,
    path_id,
    query_number,
)
from geocritters.game.actions import Action
from geocritters.game.geo import validate_coordinates
from geocritters.usecases import gyms
from geocritters.usecases.idempotency import fingerprint

feature = Feature("gyms", Deployment(
    memory_mb=1024, reserved_concurrency=50,
    tables={
        # One BatchGetItem reads what an action needs; GetItem of its action record only
        # when it is refused (a twin may have been applied meanwhile).
        "players": ("BatchGetItem", "GetItem", "UpdateItem"),
        "creatures": ("BatchGetItem", "UpdateItem"),
        "gyms": ("BatchGetItem", "GetItem", "PutItem"),
        "inbox": ("Query", "DeleteItem"),
        "actions": ("BatchGetItem", "GetItem", "PutItem"),
        "cells": ("BatchGetItem",),  # curated gyms, via the cell cache
    }))


def _gym_id(gym_id: str) -> str:
    # The code a malformed gym id already gets from the world's id parser.
    return path_id(gym_id, "gym_id", "invalid_fort_id")


@feature.route("/v1/gyms/{gym_id}", "GET", Action.GYM)
def view_gym(request, player_id, gym_id):
    gym_id = _gym_id(gym_id)
    params = request.query_params
    lat, lng = validate_coordinates(query_number(params, "lat"), query_number(params, "lng"))
    return gyms.view_gym(game_context(), player_id, gym_id, lat, lng)


@feature.route("/v1/gyms/{gym_id}/defenders", "POST", Action.DEPLOY, keyed=True)
def deploy(request, player_id, key, gym_id):
    gym_id = _gym_id(gym_id)
    body = json_body(request)
    only_fields(body, {"creature_id", "lat", "lng"})
    creature_id = id_field(body, "creature_id", "invalid_creature_id")
    lat, lng = body_position(body)
    return gyms.deploy(game_context(), player_id, gym_id, creature_id, lat, lng, key,
                       fingerprint(Action.DEPLOY, gym_id, creature_id, {"lat": lat, "lng": lng}))


@feature.route("/v1/gyms/{gym_id}/berries", "POST", Action.FEED, keyed=True)
def feed(request, player_id, key, gym_id):
    gym_id = _gym_id(gym_id)
    body = json_body(request)
    only_fields(body, {"creature_id", "lat", "lng"})
    creature_id = id_field(body, "creature_id", "invalid_creature_id")
    lat, lng = body_position(body)
    return gyms.feed(game_context(), player_id, gym_id, creature_id, lat, lng, key,
                     fingerprint(Action.FEED, gym_id, creature_id, {"lat": lat, "lng": lng}))


@feature.route("/v1/gyms/{gym_id}/spin", "POST", Action.GYM_SPIN, keyed=True)
def spin(request, player_id, key, gym_id):
    gym_id = _gym_id(gym_id)
    body = json_body(request)
    only_fields(body, {"lat", "lng"})
    lat, lng = body_position(body)
    return gyms.spin_gym(game_context(), player_id, gym_id, lat, lng, key,
                         fingerprint(Action.GYM_SPIN, gym_id, {"lat": lat, "lng": lng}))


@feature.route("/v1/me/defenders", "GET", Action.DEFENDERS)
def my_defenders(request, player_id):
    return gyms.my_defenders(game_context(), player_id)


@feature.route("/v1/me/defenders/claim", "POST", Action.CLAIM_DEFENDERS, keyed=True)
def claim(request, player_id, key):
    only_fields(json_body(request, required=False), set())
    return gyms.claim_defenders(game_context(), player_id, key,
                                fingerprint(Action.CLAIM_DEFENDERS))
