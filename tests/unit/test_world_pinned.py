"""The generated world is pinned: the same (seed, secret, cell, hour) gives the same objects forever.

Players remember where stops and spawn points are, and stored state (stop cooldowns,
caught spawns, encounters) names generated ids, so a refactor of the generator or of
its keyed random stream must not move, rename or re-roll anything. The values below
were produced by the generator before it was split into modules; a changed world fails.
"""
import dataclasses
import hashlib
from dataclasses import dataclass

from geocritters.game import geo
from geocritters.game.config import HOUR_MS, MINUTE_MS
from geocritters.game.randomness import OutcomeRng, derive_key
from geocritters.game.weather import DeterministicWeather
from geocritters.game.world import WORLD_CELL_PRECISION, Fort, Spawn, SpawnPoint, World


@dataclass(frozen=True)
class FakeSpecies:
    id: int
    spawn_weight: float


ROSTER = (FakeSpecies(1, 10.0), FakeSpecies(2, 5.0), FakeSpecies(3, 1.0), FakeSpecies(4, 0.0))
HOUR = 486_123


def pinned_world():
    return World(b"pinned-world-seed", b"pinned-spawn-secret", ROSTER)


def spawn_in_hour(world, point, hour):
    """The spawn a point shows in ``hour`` (asked for at the moment it appears)."""
    return world.active_spawn(point, hour * HOUR_MS + point.minute * MINUTE_MS)


def test_paris_cell_is_pinned():
    world = pinned_world()
    assert world.forts_in_cell("u09tvw0") == (
        Fort("gy-u09tvw0-0", "gym", "Lonely Cathedral", 48.85732396301615, 2.3519282520438134),
    )
    (point,) = world.spawn_points_in_cell("u09tvw0")
    assert point == SpawnPoint("sp-u09tvw0-0", 48.8572811633234, 2.3510908210735972, 57, 60)
    assert spawn_in_hour(world, point, HOUR) == Spawn(
        "sp-u09tvw0-0-486123", "sp-u09tvw0-0", 1, 1, 48.8572811633234, 2.3510908210735972,
        1750046220000, 1750049820000,
    )


def test_new_york_cell_is_pinned():
    world = pinned_world()
    assert world.forts_in_cell("dr5regw") == (
        Fort("st-dr5regw-0", "stop", "Merry Mailbox", 40.71376423545431, -74.00660492504643),
    )
    assert world.spawn_points_in_cell("dr5regw") == (
        SpawnPoint("sp-dr5regw-0", 40.7133086274234, -74.00661702851643, 6, 15),
        SpawnPoint("sp-dr5regw-1", 40.71395414869896, -74.00608894131095, 3, 60),
    )
    spawns = [spawn_in_hour(world, point, HOUR) for point in world.spawn_points_in_cell("dr5regw")]
    assert [(spawn.id, spawn.species_id, spawn.level) for spawn in spawns] == [
        ("sp-dr5regw-0-486123", 1, 7),
        ("sp-dr5regw-1-486123", 2, 15),
    ]


def test_sydney_cell_is_pinned():
    world = pinned_world()
    assert world.forts_in_cell("r3gx2f7") == (
        Fort("st-r3gx2f7-0", "stop", "Ivory Lighthouse", -33.868363582117354, 151.20943195935547),
    )
    spawns = [spawn_in_hour(world, point, HOUR) for point in world.spawn_points_in_cell("r3gx2f7")]
    assert spawns == [
        Spawn("sp-r3gx2f7-0-486123", "sp-r3gx2f7-0", 2, 25, -33.86855251757716, 151.21025829314414,
              1750044120000, 1750045020000),
        Spawn("sp-r3gx2f7-1-486123", "sp-r3gx2f7-1", 1, 5, -33.868524627847094, 151.2098516431856,
              1750044180000, 1750047780000),
    ]


def spawn_repr(spawn: Spawn) -> str:
    """A spawn as hashed before spawns carried ``boosted`` (this roster has no types, so
    no weather boosts it: test_weather_boosts_are_pinned pins the weather's part)."""
    assert not spawn.boosted
    fields = (f for f in dataclasses.fields(spawn) if f.name != "boosted")
    return f"Spawn({', '.join(f'{f.name}={getattr(spawn, f.name)!r}' for f in fields)})"


def test_a_grid_of_cells_over_the_whole_world_is_pinned():
    # 2,346 cells from pole limit to pole limit and all around: every fort, spawn point and
    # one hour's spawn of each, hashed. Any changed draw anywhere changes the digest.
    world = pinned_world()
    digest = hashlib.sha256()
    for lat in range(-850, 851, 37):
        for lng in range(-1800, 1800, 71):
            cell = geo.encode(lat / 10, lng / 10, WORLD_CELL_PRECISION)
            digest.update(repr(world.forts_in_cell(cell)).encode())
            for point in world.spawn_points_in_cell(cell):
                digest.update(repr(point).encode())
                digest.update(spawn_repr(spawn_in_hour(world, point, 490_000)).encode())
    assert digest.hexdigest() == "0d8c4ec32a02e2779cfa221ff34e71d8f67ae93e00a40df47a47bb21c2896098"


@dataclass(frozen=True)
class TypedSpecies:
    id: int
    spawn_weight: float
    types: tuple


def test_weather_boosts_are_pinned():
    # The same cell as New York's pin, under two weathers: rain re-draws nothing here but
    # boosts the water type (+5 levels), clear re-draws spawn point 0 as its grass type.
    roster = (TypedSpecies(1, 10.0, ("grass",)), TypedSpecies(2, 5.0, ("water",)),
              TypedSpecies(3, 1.0, ("fire", "air")), TypedSpecies(4, 0.0, ("frost",)))
    world = World(b"pinned-world-seed", b"pinned-spawn-secret", roster)
    points = world.spawn_points_in_cell("dr5regw")
    rain = [world._spawn_for_hour(point, HOUR, "rain") for point in points]
    clear = [world._spawn_for_hour(point, HOUR, "clear") for point in points]
    assert [(s.species_id, s.level, s.boosted) for s in rain] == [(1, 7, False), (2, 20, True)]
    assert [(s.species_id, s.level, s.boosted) for s in clear] == [(1, 12, True), (2, 15, False)]


def test_the_weather_is_pinned():
    weather = DeterministicWeather(b"pinned-spawn-secret")
    kinds = [weather.weather_at(cell, HOUR + h) for cell in ("u09tv", "dr5re", "r3gx2", "upbpb", "h0000")
             for h in range(4)]
    assert kinds == ["fog", "fog", "partly_cloudy", "partly_cloudy", "clear", "cloudy", "cloudy", "cloudy",
                     "partly_cloudy", "partly_cloudy", "partly_cloudy", "clear", "snow", "snow", "clear",
                     "clear", "fog", "fog", "fog", "fog"]


def test_the_poles_are_pinned():
    world = pinned_world()
    assert world.forts_near(90.0, 0.0, 120) == [
        Fort("gy-bzzxfzc-0", "gym", "Lucky Cathedral", 89.9996409214393, -135.58069231293297),
        Fort("st-yzurgzb-0", "stop", "Ancient Bandstand", 89.9996230591769, 129.89260150334476),
        Fort("st-gzupfrb-0", "stop", "Secret Steps", 89.99917563081046, -5.52598911179733),
        Fort("st-urcpvzc-0", "stop", "Broken Bus Shelter", 89.99916752822622, 12.910544806944435),
    ]
    assert world.spawn_points_in_cell("n8p2nbj") == (
        SpawnPoint("sp-p8n0p04-0", -89.99950981197456, 166.2488949359597, 59, 15),
        SpawnPoint("sp-n8h818h-1", -89.99865747168559, 118.90087284386624, 14, 45),
    )


def test_outcome_streams_are_pinned():
    # Catch, spin and encounter outcomes share the keyed stream with the world: pinned too.
    rng = OutcomeRng(derive_key(b"pinned-secret", "outcomes"), "throw", "p-1", "enc-1", 0)
    assert [rng.random() for _ in range(3)] == [0.035605318166207045, 0.9703253729308441, 0.956893788877752]
    assert [rng.randint(1, 30) for _ in range(5)] == [27, 20, 5, 18, 30]
    assert rng.choice_weighted(["a", "b", "c"], [1.0, 2.0, 3.0]) == "c"
