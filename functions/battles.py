"""battles: attack a rival gym. Its own function: the one whose role may send a
defender back to another player's inbox."""
from geocritters.bootstrap import game_context
from geocritters.edge.deployment import Deployment
from geocritters.edge.feature import Feature
from geocritters.edge.requests import body_position, id_list_field, json_body, only_fields, path_id
from geocritters.game.actions import Action
from geocritters.game.config import DEFAULT_CONFIG
from geocritters.usecases.gym_battle import battle as battle_gym
from geocritters.usecases.idempotency import fingerprint

feature = Feature("battles", Deployment(
    memory_mb=1024, reserved_concurrency=35,
    tables={
        "players": ("BatchGetItem", "UpdateItem"),
        # The attackers are read and condition-checked, never written.
        "creatures": ("BatchGetItem", "ConditionCheckItem"),
        "gyms": ("BatchGetItem", "PutItem"),
        "inbox": ("PutItem",),  # a defender that leaves goes to its owner's inbox
        "actions": ("BatchGetItem", "GetItem", "PutItem"),
        "cells": ("BatchGetItem",),
    }))


@feature.route("/v1/gyms/{gym_id}/battles", "POST", Action.BATTLE, keyed=True)
def battle(request, player_id, key, gym_id):
    gym_id = path_id(gym_id, "gym_id", "invalid_fort_id")
    body = json_body(request)
    only_fields(body, {"creature_ids", "lat", "lng"})
    creature_ids = id_list_field(body, "creature_ids", "invalid_creature_id",
                                 most=DEFAULT_CONFIG.battle_max_team_size,
                                 size_code="invalid_team_size")
    lat, lng = body_position(body)
    return battle_gym(game_context(), player_id, gym_id, creature_ids, lat, lng, key,
                      fingerprint(Action.BATTLE, gym_id, creature_ids, {"lat": lat, "lng": lng}))
