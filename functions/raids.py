"""raids: see a raid, join a lobby, claim the boss encounter after a won battle."""
from geocritters.bootstrap import game_context
from geocritters.edge.deployment import Deployment
from geocritters.edge.feature import Feature
from geocritters.edge.requests import body_position, id_list_field, json_body, only_fields, path_id
from geocritters.game.actions import Action
from geocritters.game.config import DEFAULT_CONFIG
from geocritters.usecases import raids
from geocritters.usecases.idempotency import fingerprint

feature = Feature("raids", Deployment(
    memory_mb=1024, reserved_concurrency=35,
    tables={
        "players": ("BatchGetItem", "GetItem", "UpdateItem"),
        # Attackers are snapshotted into the lobby and condition-checked, never written.
        "creatures": ("BatchGetItem", "ConditionCheckItem"),
        "lobbies": ("Query", "GetItem", "PutItem", "UpdateItem"),
        "encounters": ("PutItem",),  # the boss encounter a claim creates
        "gyms": ("BatchGetItem",),  # the gym's team (Premier Ball bonus), in a claim's read
        # The live events (their limits / hatch distance), via the 60 s cache.
        "events": ("Query",),
        "actions": ("BatchGetItem", "GetItem", "PutItem"),
        "cells": ("BatchGetItem",),  # curated gyms, via the cell cache
    }))


def _raid_id(raid_id: str) -> str:
    return path_id(raid_id, "raid_id", "invalid_raid_id")


@feature.route("/v1/raids/{raid_id}", "GET", Action.RAID)
def view_raid(request, player_id, raid_id):
    return raids.view_raid(game_context(), player_id, _raid_id(raid_id))


@feature.route("/v1/raids/{raid_id}/join", "POST", Action.JOIN_RAID, keyed=True)
def join(request, player_id, key, raid_id):
    raid_id = _raid_id(raid_id)
    body = json_body(request)
    only_fields(body, {"creature_ids", "lat", "lng"})
    creature_ids = id_list_field(body, "creature_ids", "invalid_creature_id",
                                 most=DEFAULT_CONFIG.battle_max_team_size,
                                 size_code="invalid_team_size")
    lat, lng = body_position(body)
    return raids.join_raid(game_context(), player_id, raid_id, creature_ids, lat, lng, key,
                           fingerprint(Action.JOIN_RAID, raid_id, creature_ids,
                                       {"lat": lat, "lng": lng}))


@feature.route("/v1/raids/{raid_id}/claim", "POST", Action.CLAIM_RAID, keyed=True)
def claim(request, player_id, key, raid_id):
    raid_id = _raid_id(raid_id)
    only_fields(json_body(request, required=False), set())
    return raids.claim_raid(game_context(), player_id, raid_id, key,
                            fingerprint(Action.CLAIM_RAID, raid_id))
