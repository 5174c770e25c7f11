"""Weather (game/weather.py): deterministic per cell and hour, plausible, and what it boosts.

Spawns under a weather (game/world/generator.py) and the catch's stardust (usecases/catch.py)
are tested here too: the map and encounter answers in tests/api/test_weather.py.
"""
import random
from collections import Counter
from dataclasses import dataclass, replace

import pytest

from geocritters.adapters.secrets import GameKeys
from geocritters.game import geo
from geocritters.game.catching import Throw
from geocritters.game.config import DEFAULT_CONFIG, HOUR_MS
from geocritters.game.errors import InvalidInput
from geocritters.game.rewards import catch_reward
from geocritters.game.species import roster, spawnable
from geocritters.game.weather import BOOSTED_TYPES, KINDS, DeterministicWeather, kind_weights, weather_cell
from geocritters.game.world import World
from geocritters.usecases.auth import guest_login
from geocritters.usecases.catch import throw
from geocritters.usecases.context import GameContext
from geocritters.usecases.curated import CuratedForts
from geocritters.usecases.encounter import start_encounter
from geocritters.usecases.gym_board import GymBoard
from geocritters.usecases.idempotency import fingerprint
from geocritters.usecases.map import view_map
from geocritters.usecases.ports import SessionToken
from tests.fakes.store import InMemoryGameStore

SECRET = b"weather-test-spawn-secret"
HOUR = 486_123
HOME = (40.7580, -73.9855)


@pytest.fixture(scope="module")
def weather():
    return DeterministicWeather(SECRET)


def random_cells(rng, count, low=35.0, high=55.0):
    return [weather_cell(rng.choice((1, -1)) * rng.uniform(low, high), rng.uniform(-180, 180))
            for _ in range(count)]


# --- the kinds and what they boost --------------------------------------------------------


def test_seven_kinds_each_boost_two_or_three_types_and_every_type_has_one():
    types = {t for kind in roster().values() for t in kind.types}
    assert len(KINDS) == 7 and set(KINDS) == set(DEFAULT_CONFIG.weather_kind_weights)
    assert all(2 <= len(boosted) <= 3 and set(boosted) <= types for boosted in BOOSTED_TYPES.values())
    assert {t for boosted in BOOSTED_TYPES.values() for t in boosted} == types


# --- the deterministic source -------------------------------------------------------------


def test_the_weather_is_a_function_of_the_secret_cell_and_hour(weather):
    cells = random_cells(random.Random(1), 200)
    mine = [weather.weather_at(cell, HOUR + n) for n, cell in enumerate(cells)]
    assert [DeterministicWeather(SECRET).weather_at(c, HOUR + n) for n, c in enumerate(cells)] == mine
    assert [DeterministicWeather(b"another-secret").weather_at(c, HOUR + n) for n, c in enumerate(cells)] != mine
    assert set(mine) <= set(KINDS)
    assert weather.weather_at("dr5re", 10**11) in KINDS  # O(1) at any hour: no walk from an epoch


@pytest.mark.parametrize("cell, hour", [("dr5r", HOUR), ("dr5reg", HOUR), ("DR5RE", HOUR), ("dr5re", -1),
                                        ("dr5re", True), ("dr5re", 1.5)])
def test_a_malformed_cell_or_hour_is_refused(weather, cell, hour):
    with pytest.raises(InvalidInput):
        weather.weather_at(cell, hour)


def test_kinds_are_drawn_by_their_weights(weather):
    # Far-apart cells and hours a day apart: independent draws.
    rng = random.Random(2)
    kinds = Counter(weather.weather_at(cell, HOUR + 24 * n) for n, cell in enumerate(random_cells(rng, 4000)))
    weights = dict(zip(KINDS, kind_weights(45.0), strict=True))
    for kind in KINDS:
        assert kinds[kind] / 4000 == pytest.approx(weights[kind] / sum(weights.values()), abs=0.025), kind


def test_no_snow_in_the_tropics_and_more_beyond_the_polar_circles(weather):
    rng = random.Random(3)
    tropics = Counter(weather.weather_at(c, HOUR + n) for n, c in enumerate(random_cells(rng, 1500, 0, 29)))
    temperate = Counter(weather.weather_at(c, HOUR + n) for n, c in enumerate(random_cells(rng, 1500, 35, 60)))
    polar = Counter(weather.weather_at(c, HOUR + n) for n, c in enumerate(random_cells(rng, 1500, 67, 90)))
    assert tropics["snow"] == 0 < temperate["snow"] < polar["snow"] / 2


def test_neighbouring_cells_and_hours_mostly_agree(weather):
    rng = random.Random(4)
    same_region = same_hour_later = trials = 0
    for cell in random_cells(rng, 1000):
        hour = HOUR + rng.randrange(1000)
        neighbour = geo.neighbours(cell)["e"]
        trials += neighbour[:4] == cell[:4]
        agree = weather.weather_at(cell, hour) == weather.weather_at(neighbour, hour)
        same_region += neighbour[:4] == cell[:4] and agree
        same_hour_later += weather.weather_at(cell, hour) == weather.weather_at(cell, hour + 1)
    # Independent draws would agree ~17 % of the time (the sum of the squared shares).
    assert same_region / trials > 0.6
    assert same_hour_later / 1000 > 0.55


def test_at_a_pole_the_slivers_share_a_weather(weather):
    # 8,192 geohash-5 columns meet at a pole: they are widened into a few regions.
    for pole in (89.99, -89.99):
        kinds = {weather.weather_at(weather_cell(pole, lng), HOUR) for lng in range(-180, 180, 3)}
        assert len(kinds) <= 3


# --- boosted spawns -----------------------------------------------------------------------


@dataclass(frozen=True)
class Untyped:
    id: int
    spawn_weight: float


def world_pair():
    """The real roster, and a twin without types: the same draws, no weather boosts them."""
    typed = World(b"weather-world", SECRET, spawnable())
    untyped = World(b"weather-world", SECRET, [Untyped(s.id, s.spawn_weight) for s in spawnable()])
    return typed, untyped


def spawns_in_hours(world, kind, hours=range(HOUR, HOUR + 40)):
    points = [p for c in world.cells_for(48.85, 2.35, 400) for p in world.spawn_points_in_cell(c)]
    return [world._spawn_for_hour(point, hour, kind) for point in points for hour in hours]


@pytest.mark.parametrize("kind", KINDS)
def test_a_weather_boosts_its_types_more_often_and_otherwise_leaves_the_draws_alone(kind):
    typed, untyped = world_pair()
    boosted_species = {s.id for s in spawnable() if set(s.types) & set(BOOSTED_TYPES[kind])}
    base = spawns_in_hours(untyped, kind)
    under = spawns_in_hours(typed, kind)
    assert len(under) > 2000
    redrawn = 0
    for was, now in zip(base, under, strict=True):
        assert not was.boosted and now.boosted == (now.species_id in boosted_species)
        if now.species_id != was.species_id:
            redrawn += 1
            assert now.species_id in boosted_species
        # +5 levels when boosted, never beyond the cap; otherwise the very same level.
        assert now.level == (min(was.level + 5, 35) if now.boosted else was.level)
        assert (now.id, now.appears_ms, now.despawn_ms) == (was.id, was.appears_ms, was.despawn_ms)
    share = sum(s.species_id in boosted_species for s in base) / len(base)
    boosted_share = sum(s.boosted for s in under) / len(under)
    expected = share + (1 - share) * DEFAULT_CONFIG.weather_boost_redraw_chance
    assert boosted_share == pytest.approx(expected, abs=0.04) and boosted_share > share + 0.15
    assert redrawn > 0


def test_boosted_levels_stop_at_the_cap():
    config = replace(DEFAULT_CONFIG, spawn_level_min=30, spawn_level_max=34)
    world = World(b"weather-world", SECRET, spawnable(), config)
    levels = {s.level for s in spawns_in_hours(world, "rain") if s.boosted}
    assert levels == {35}  # 30..34 + 5 = 35..39, capped at weather_boosted_level_max


def test_an_unknown_weather_kind_is_an_error_not_no_boost():
    typed, _ = world_pair()
    with pytest.raises(ValueError):
        spawns_in_hours(typed, "sunny", hours=[HOUR])


def test_without_a_weather_given_the_world_uses_the_games_own():
    typed, _ = world_pair()
    weather = DeterministicWeather(SECRET)
    points = [p for c in typed.cells_for(48.85, 2.35, 300) for p in typed.spawn_points_in_cell(c)]
    for point in points:
        cell = point.id[3:8]
        assert typed._spawn_for_hour(point, HOUR) == typed._spawn_for_hour(point, HOUR, weather.weather_at(cell, HOUR))


# --- the port: what the map and the catch follow -----------------------------------------------


class FixedWeather:
    """A weather source answering one kind everywhere (a forecast feed stands in here)."""

    def __init__(self, kind):
        self.kind = kind
        self.asked = set()

    def weather_at(self, cell, hour):
        self.asked.add((cell, hour))
        return self.kind


def test_the_map_and_its_spawns_follow_the_weather_port(clock):
    answers = {}
    for kind in ("rain", "snow"):
        source = FixedWeather(kind)
        ctx = context_for(clock, source)
        player_id = guest_login(ctx, "device-weather-1")["player_id"]
        spot = ctx.world.spawns_near(*HOME, 200, clock.now_ms())[0]  # stand on a spawn: it is in view
        answer = view_map(ctx, player_id, spot.lat, spot.lng)
        assert answer["weather"] == {"cell": weather_cell(spot.lat, spot.lng), "kind": kind,
                                     "boosted_types": list(BOOSTED_TYPES[kind]),
                                     "until_ms": (clock.now_ms() // HOUR_MS + 1) * HOUR_MS}
        boosted_species = {s.id for s in spawnable() if set(s.types) & set(BOOSTED_TYPES[kind])}
        assert answer["spawns"] and all(s["boosted"] == (s["species"] in boosted_species) for s in answer["spawns"])
        assert (weather_cell(spot.lat, spot.lng), clock.now_ms() // HOUR_MS) in source.asked
        answers[kind] = {s["id"]: s["species"] for s in answer["nearby"]}
    # The same spawns (places, times), but what they are follows the port's weather.
    assert answers["rain"].keys() == answers["snow"].keys() and answers["rain"]
    assert answers["rain"] != answers["snow"]


def context_for(clock, weather):
    store = InMemoryGameStore()
    keys = GameKeys(b"weather-use-case-secret-0123456789")
    world = World(b"weather-use-case-world", keys.spawns, spawnable(), DEFAULT_CONFIG)
    return GameContext.wire(store, issue_token=lambda player_id, now_s: SessionToken("token", 3600),
                            world=world, keys=keys,
                            config=DEFAULT_CONFIG, clock=clock, curated=CuratedForts(store.cells, clock),
                            gym_board=GymBoard(store.gyms, clock), weather=weather)


def catch_one(ctx, player_id, boosted: bool):
    """Encounter and catch a spawn near HOME whose boost is ``boosted``: the throw's answer."""
    now_ms = ctx.clock.now_ms()
    for step in range(60):
        for spawn in ctx.world.spawns_near(HOME[0] + 0.002 * step, HOME[1], 200, now_ms,
                                           {key: ctx.weather.weather_at(*key) for key in
                                            ctx.world.weather_keys_near(HOME[0] + 0.002 * step, HOME[1], 200, now_ms)}):
            if spawn.boosted != boosted:
                continue
            encounter = start_encounter(ctx, player_id, spawn.id, spawn.lat, spawn.lng)
            assert encounter["boosted"] is boosted and encounter["level"] == spawn.level
            for n in range(30):
                aim = Throw(ball="ball", quality="excellent", curveball=True)
                result = throw(ctx, player_id, encounter["encounter_id"], aim, f"{spawn.id}-{n:04d}",
                               fingerprint("throw", encounter["encounter_id"], {"ball": "ball", "n": n}))
                if result["outcome"] == "caught":
                    return result
                if result["outcome"] == "fled":
                    break
    raise AssertionError(f"nothing {'boosted' if boosted else 'unboosted'} caught near HOME")


@pytest.mark.parametrize("boosted, stardust", [(True, 125), (False, 100)])
def test_catching_a_boosted_creature_pays_a_quarter_more_stardust(clock, boosted, stardust):
    ctx = context_for(clock, FixedWeather("rain"))
    player_id = guest_login(ctx, "device-weather-2")["player_id"]
    before = ctx.store.get_player(player_id).stardust
    caught = catch_one(ctx, player_id, boosted)
    assert (caught["xp"], caught["stardust"], caught["candy"]) == (100, stardust, 3)
    assert ctx.store.get_player(player_id).stardust == before + stardust
    assert catch_reward(DEFAULT_CONFIG, boosted=boosted).stardust == stardust
