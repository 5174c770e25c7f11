"""The map around the player: spawns, the radar, stops and gyms."""
import contextlib

from ..game import geo
from ..game.actions import Action
from ..game.player import rate_limit


def _fort_json(fort, cooldowns: dict) -> dict:
    body = {"id": fort.id, "name": fort.name, "lat": fort.lat, "lng": fort.lng}
    if fort.kind == "stop":
        body["cooldown_until_ms"] = cooldowns.get(fort.id, 0)
    else:
        body["team"] = None  # gyms are claimed in a later feature
    return body


def view_map(ctx, player_id: str, lat: float, lng: float) -> dict:
    config = ctx.config
    now_ms = ctx.clock.now_ms()
    # Cold container: the curated cells' read overlaps the position update (one round trip).
    curated = ctx.curated.start_near(lat, lng, config.fort_list_radius_m)
    try:
        player = ctx.players.record_position(player_id, lat, lng, now_ms,
                                             rate_limit(Action.MAP, config))
    except Exception:
        # A refused request (rate limited, unknown player) still ends its own read: one
        # left in flight would run on into the container's next request.
        with contextlib.suppress(Exception):
            curated()
        raise
    resolved = player.resolved_spawns
    cooldowns = {k: v for k, v in player.stop_cooldowns.items() if v > now_ms}

    around = [s for s in ctx.world.spawns_near(lat, lng, config.radar_radius_m, now_ms)
              if s.id not in resolved]
    distance_to = geo.distance_from(lat, lng)
    visible = [s for s in around if distance_to(s.lat, s.lng) <= config.visible_radius_m]
    forts = ctx.world.forts_near(lat, lng, config.fort_list_radius_m, curated=curated())
    return {
        "geohash": geo.encode(lat, lng, 7),
        "spawns": [{"id": s.id, "species": s.species_id, "lat": s.lat, "lng": s.lng,
                    "despawn_ms": s.despawn_ms} for s in visible],
        "nearby": [{"id": s.id, "species": s.species_id} for s in around],
        "stops": [_fort_json(f, cooldowns) for f in forts if f.kind == "stop"],
        "gyms": [_fort_json(f, cooldowns) for f in forts if f.kind == "gym"],
        "server_ms": now_ms,
    }
