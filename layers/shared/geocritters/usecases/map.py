"""The map around the player: spawns, the radar, stops and gyms.

One DynamoDB round trip: the player's position update, with the reads it needs (curated
cells, gym states, the live events) overlapping it on background threads, and answered
from per-container caches when warm (usecases/curated.py, usecases/gym_board.py,
usecases/events.py). Curated gyms are known
only once their cell is read: when the cell isn't cached yet (a container's first map
request there, then once a minute), their states are read after it: two round trips.
"""
import contextlib
from dataclasses import replace

from ..game import geo, walking
from ..game.actions import Action
from ..game.config import HOUR_MS
from ..game.player import rate_limit
from ..game.weather import boosted_types, weather_cell
from .gyms import gym_summary


def _stop_json(fort, cooldowns: dict) -> dict:
    return {"id": fort.id, "name": fort.name, "lat": fort.lat, "lng": fort.lng,
            "cooldown_until_ms": cooldowns.get(fort.id, 0)}


def _finish(*pending) -> None:
    """A refused request (rate limited, unknown player) still ends its own reads: one
    left in flight would run on into the container's next request."""
    for result in pending:
        with contextlib.suppress(Exception):
            result()


def _report_position(ctx, player_id: str, sample: walking.Sample):
    """Record the position (the walking trail's sample rides on the same write) and,
    every few minutes of walking, fold the trail into the walk totals: a second,
    conditional write, only when a pending sample would otherwise be overwritten."""
    before = ctx.players.record_position(player_id, sample, rate_limit(Action.MAP, ctx.config))
    trail, replaced = walking.record_sample(before.trail, sample, before.displaced)
    if walking.fold_due(before.walk, trail, replaced, ctx.config):
        samples = [*trail.values(), *([replaced] if replaced else [])]
        folded = walking.fold(before.walk, samples, ctx.config)
        # False: a concurrent map call of this player folded first, from the same samples.
        ctx.players.fold_walk(player_id, folded, before.walk.folded_ms)
    return replace(before, position=sample, trail=trail)


def _weather_json(ctx, lat: float, lng: float, now_ms: int) -> dict:
    hour = now_ms // HOUR_MS
    cell = weather_cell(lat, lng)
    kind = ctx.weather.weather_at(cell, hour)
    return {"cell": cell, "kind": kind, "boosted_types": list(boosted_types(kind)),
            "until_ms": (hour + 1) * HOUR_MS}


def _spawns_around(ctx, lat: float, lng: float, now_ms: int, events) -> list:
    """The active spawns within the radar radius, each under its own cell's and hour's
    weather and the live events in force where and when it appeared."""
    active = ctx.world.active_points_near(lat, lng, ctx.config.radar_radius_m, now_ms)
    weather = {key: ctx.weather.weather_at(*key) for key in active.weather_keys()}
    return ctx.world.spawns_of(active, weather, events)


def view_map(ctx, player_id: str, lat: float, lng: float) -> dict:
    config = ctx.config
    now_ms = ctx.clock.now_ms()
    # Cold container: the curated cells' read overlaps the position update (one round trip).
    # The gyms whose states to read beside the position update: generated ones, and
    # curated ones already known from the cell cache.
    known_curated = ctx.curated.cached_near(lat, lng, config.fort_list_radius_m) or ()
    curated = ctx.curated.start_near(lat, lng, config.fort_list_radius_m)
    generated = ctx.world.forts_near(lat, lng, config.fort_list_radius_m)
    gym_states = ctx.gym_board.start([f.id for f in (*generated, *known_curated)
                                      if f.kind == "gym"])
    # The live events' cache: its once-a-minute Query overlaps the update too.
    events = ctx.events.start()
    try:
        player = _report_position(ctx, player_id, walking.sample_at(lat, lng, now_ms))
    except Exception:
        _finish(curated, gym_states, events)
        raise
    resolved = player.resolved_spawns
    cooldowns = {k: v for k, v in player.stop_cooldowns.items() if v > now_ms}

    around = [s for s in _spawns_around(ctx, lat, lng, now_ms, events()) if s.id not in resolved]
    distance_to = geo.distance_from(lat, lng)
    visible = [s for s in around if distance_to(s.lat, s.lng) <= config.visible_radius_m]
    extra = curated()
    forts = ctx.world.forts_near(lat, lng, config.fort_list_radius_m, curated=extra) \
        if extra else generated
    gyms = [f for f in forts if f.kind == "gym"]
    states = gym_states()
    late = [f.id for f in gyms if f.id not in states]  # curated gyms of a cold cell
    if late:
        states = {**states, **ctx.gym_board.states(late)}
    return {
        "geohash": geo.encode(lat, lng, 7),
        "spawns": [{"id": s.id, "species": s.species_id, "lat": s.lat, "lng": s.lng,
                    "despawn_ms": s.despawn_ms, "boosted": s.boosted} for s in visible],
        "nearby": [{"id": s.id, "species": s.species_id} for s in around],
        "stops": [_stop_json(f, cooldowns) for f in forts if f.kind == "stop"],
        "gyms": [gym_summary(ctx, f, states[f.id], now_ms) for f in gyms],
        "server_ms": now_ms,
        "weather": _weather_json(ctx, lat, lng, now_ms),
    }
