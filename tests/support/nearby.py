"""Finding spawns and stops near a position, in the generated world or on the map the API returns.

The world is generated everywhere, but a given spot at a given minute may have no active
spawn: every search walks away from the start until it finds what it needs, always
along the same path, so a test meets the same spawns every run.
"""
from __future__ import annotations

from collections.abc import Callable, Collection

from geocritters import bootstrap

HOME = (40.7580, -73.9855)  # any coordinate works: the world is generated everywhere


def spawns_around(lat=HOME[0], lng=HOME[1], radius_m=200.0):
    """The active spawns within radius_m of (lat, lng) now, nearest first."""
    ctx = bootstrap.game_context()
    return ctx.world.spawns_near(lat, lng, radius_m, ctx.clock.now_ms())


def spawns_walking_north(world, now_ms: int, lat: float, lng: float, *, radius_m: float = 200.0,
                         step_deg: float = 0.002, tries: int = 50, at_least: int = 1) -> list:
    """The active spawns (nearest first) around the first spot with at least ``at_least`` of
    them within radius_m, walking north from (lat, lng) ``step_deg`` at a time."""
    for step in range(tries):
        found = world.spawns_near(lat + step_deg * step, lng, radius_m, now_ms)
        if len(found) >= at_least:
            return found
    raise AssertionError(f"no place with {at_least} active spawn(s) within {radius_m:g} m "
                         f"north of ({lat}, {lng})")


def a_spawn(lat=HOME[0], lng=HOME[1]):
    """An active spawn near (lat, lng), searching outward if the spot is empty."""
    ctx = bootstrap.game_context()
    return spawns_walking_north(ctx.world, ctx.clock.now_ms(), lat, lng)[0]


def a_stop(lat=HOME[0], lng=HOME[1]):
    """A generated stop within 300 m of (lat, lng)."""
    ctx = bootstrap.game_context()
    return next(f for f in ctx.world.forts_near(lat, lng, 300) if f.kind == "stop")


def spawn_on_map(map_spawns: Callable[[float, float], list], lat: float, lng: float, *,
                 skip: Collection[str] = (), spots: int = 49) -> dict:
    """The first spawn the map shows that is not in ``skip``, reading the map at up to
    ``spots`` spots of a grid 7 wide and 0.0005° apart from (lat, lng).

    ``map_spawns(lat, lng)`` reads the map there (asserting its status) and returns its
    ``spawns``: tests read it through their own client."""
    for step in range(spots):
        here = (lat + 0.0005 * (step % 7), lng + 0.0005 * (step // 7))
        for spawn in map_spawns(*here):
            if spawn["id"] not in skip:
                return spawn
    raise AssertionError("no spawn near the test location")



QUIET_STEP_MS = 30 * 60_000  # shorter than a raid's battle phase (45 min): none slips between


def a_gym(lat=HOME[0], lng=HOME[1], quiet_ms: int = 0):
    """A generated gym nobody has written to yet (the LocalStack tier's tables outlive a
    test), with no raid under way from now until ``quiet_ms`` later: near (lat, lng) if
    one is left there, else in a random place (tests/support/gym_setup.py fresh_gyms)."""
    from geocritters.usecases.gyms import raid_under_way
    from tests.support.gym_setup import fresh_gyms
    ctx = bootstrap.game_context()
    now_ms = ctx.clock.now_ms()
    moments = (*range(now_ms, now_ms + quiet_ms, QUIET_STEP_MS), now_ms + quiet_ms)
    for fort in ctx.world.forts_near(lat, lng, 1000):
        if fort.kind == "gym" and ctx.store.get_gym(fort.id).revision == 0 \
                and not any(raid_under_way(ctx, fort, t) for t in moments):
            return fort
    return fresh_gyms(1, at_ms=moments)[0]


def a_raid(clock, lat=HOME[0], lng=HOME[1]):
    """(raid, gym): a tier-1 raid no lobby exists for yet, the clock moved one minute
    into its battle phase (tests/support/raid_state.py tier_one_raid)."""
    from tests.support.raid_state import tier_one_raid
    return tier_one_raid(clock, near=(lat, lng))
