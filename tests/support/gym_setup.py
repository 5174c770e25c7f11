"""Gyms for API-tier tests: fresh gyms nobody has touched, players on a team, and the
gym calls themselves.

A LocalStack run keeps its tables for the whole session, so a test that needs an empty
gym looks for one in a random place (``fresh_gyms``), never near HOME where other tests
deploy."""
from __future__ import annotations

import random

from geocritters import bootstrap
from geocritters.game import geo
from geocritters.usecases.gyms import raid_under_way
from geocritters.usecases.ports import StaleState
from tests.support.game_state import edit_player, player

LEVEL_5_XP = 10_000  # teams open at trainer level 5


def fresh_gyms(count: int, *, at_ms: tuple[int, ...] = (), radius_m: float = 450.0,
               tries: int = 200) -> list:
    """``count`` generated gyms never written to, pairwise under 1 km apart (so moving
    between them triggers no travel cooldown), with no raid under way now or at any of
    ``at_ms``, around a random spot."""
    ctx = bootstrap.game_context()
    moments = (ctx.clock.now_ms(), *at_ms)
    rng = random.Random()
    for _ in range(tries):
        lat, lng = rng.uniform(-45.0, 55.0), rng.uniform(-150.0, 150.0)
        found = []
        for fort in ctx.world.forts_near(lat, lng, radius_m):
            if fort.kind != "gym" or ctx.store.get_gym(fort.id).revision != 0:
                continue
            if any(raid_under_way(ctx, fort, t) for t in moments):
                continue
            if all(geo.haversine_m(fort.lat, fort.lng, g.lat, g.lng) < 950.0 for g in found):
                found.append(fort)
            if len(found) == count:
                return found
    raise AssertionError(f"no {count} fresh gym(s) found")


def team_player(api, device: str, team: str, **fields) -> tuple[str, str]:
    """A new player (level 5) on ``team``: (player id, token)."""
    player_id, token = api.login(device)
    wanted = {"team": team, "xp": LEVEL_5_XP, **fields}
    try:
        edit_player(player_id, **wanted)
    except StaleState:
        # Under load the SDK may time out on an update that did land and send it again
        # (whose condition then fails): fine if the player is as wanted.
        state = player(player_id)
        if any(getattr(state, name) != value for name, value in wanted.items()):
            raise
    return player_id, token


def deploy(api, token, gym, creature_id: str, key: str):
    return api.call("POST", f"/v1/gyms/{gym.id}/defenders",
                    {"creature_id": creature_id, "lat": gym.lat, "lng": gym.lng},
                    token=token, headers={"Idempotency-Key": key})


def battle(api, token, gym, creature_ids, key: str):
    return api.call("POST", f"/v1/gyms/{gym.id}/battles",
                    {"creature_ids": list(creature_ids), "lat": gym.lat, "lng": gym.lng},
                    token=token, headers={"Idempotency-Key": key})


def claim(api, token, key: str):
    return api.call("POST", "/v1/me/defenders/claim", token=token,
                    headers={"Idempotency-Key": key})


def transfer(api, token, creature_id: str, key: str):
    return api.call("POST", f"/v1/me/creatures/{creature_id}/transfer", token=token,
                    headers={"Idempotency-Key": key})
