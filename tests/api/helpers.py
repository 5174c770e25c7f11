"""Test data builders for the API tier."""
from dataclasses import replace

from geocritters import bootstrap
from geocritters.usecases.ports import SavePlayer
from tests.game_api import HOME


def spawns_around(lat=HOME[0], lng=HOME[1], radius_m=200.0):
    ctx = bootstrap.game_context()
    return ctx.world.spawns_near(lat, lng, radius_m, ctx.clock.now_ms())


def a_spawn(lat=HOME[0], lng=HOME[1]):
    """An active spawn near (lat, lng), searching outward if the spot is empty."""
    for step in range(50):
        found = spawns_around(lat + 0.002 * step, lng)
        if found:
            return found[0]
    raise AssertionError("no active spawn found")


def start_encounter(api, token, spawn=None):
    spawn = spawn or a_spawn()
    status, body, _ = api.call("POST", "/v1/encounters",
                               {"spawn_id": spawn.id, "lat": spawn.lat, "lng": spawn.lng}, token=token)
    assert status == 201, body
    return body


def throw(api, token, encounter_id, key, body=None):
    return api.call("POST", f"/v1/encounters/{encounter_id}/throws", body or {"ball": "ball"},
                    token=token, headers={"Idempotency-Key": key})


def edit_player(player_id, **fields):
    """Set player fields directly in the store (e.g. give candy or XP for a test)."""
    ctx = bootstrap.game_context()
    state = ctx.store.get_player(player_id)
    ctx.store.commit([SavePlayer(replace(state, **fields))])
    return ctx.store.get_player(player_id)


def player(player_id):
    return bootstrap.game_context().store.get_player(player_id)


def a_stop(lat=HOME[0], lng=HOME[1]):
    ctx = bootstrap.game_context()
    return next(f for f in ctx.world.forts_near(lat, lng, 300) if f.kind == "stop")
