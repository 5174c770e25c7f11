"""The generated world (game/world/): determinism, ids, spawn windows, density, curated POIs."""
import math
import re
from collections import Counter
from dataclasses import dataclass, replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from geocritters.game import geo
from geocritters.game.config import DEFAULT_CONFIG, HOUR_MS, MINUTE_MS
from geocritters.game.errors import InvalidInput, NotFound
from geocritters.game.world import (
    CURATED_CELL_PRECISION,
    WORLD_CELL_PRECISION,
    WORLD_MAX_ABS_LAT,
    Fort,
    SpawnPoint,
    World,
    curated_cell,
    in_generated_world,
    parse_fort_id,
    parse_geojson_pois,
    parse_spawn_id,
    parse_spawn_point_id,
)

NOW = 1_750_000_000_000  # 2025-06-15, a fixed clock


@dataclass(frozen=True)
class FakeSpecies:
    id: int
    spawn_weight: float


ROSTER = (FakeSpecies(1, 10.0), FakeSpecies(2, 5.0), FakeSpecies(3, 1.0), FakeSpecies(4, 0.0))


def make_world(seed=b"test-world-seed", secret=b"test-spawn-secret", roster=ROSTER, config=DEFAULT_CONFIG):
    return World(seed, secret, roster, config)


def cells_around(lat, lng, rows=6, cols=6):
    """A rows x cols block of generation cells starting at the cell of (lat, lng)."""
    start = geo.encode(lat, lng, WORLD_CELL_PRECISION)
    cells = []
    row_start = start
    for _ in range(rows):
        cell = row_start
        for _ in range(cols):
            cells.append(cell)
            cell = geo.neighbours(cell)["e"]
        row_start = geo.neighbours(row_start)["n"]
    return cells


def cell_area_km2(cell):
    south, west, north, east = geo.decode_bbox(cell)
    r_km = geo.EARTH_RADIUS_M / 1000
    return r_km**2 * math.radians(east - west) * (math.sin(math.radians(north)) - math.sin(math.radians(south)))


def a_spawn_point(world, lat=48.85, lng=2.35, where=lambda point: True):
    for cell in cells_around(lat, lng):
        for point in world.spawn_points_in_cell(cell):
            if where(point):
                return point
    raise AssertionError("no matching spawn point nearby")


@pytest.fixture(scope="module")
def world():
    return make_world()


# --- generation -------------------------------------------------------------------------


def test_the_same_seed_generates_the_same_world(world):
    twin = make_world()
    for cell in cells_around(35.68, 139.76):
        assert twin.forts_in_cell(cell) == world.forts_in_cell(cell)
        assert twin.spawn_points_in_cell(cell) == world.spawn_points_in_cell(cell)


def test_a_different_seed_generates_a_different_world(world):
    other = make_world(seed=b"another-world-seed")
    cells = cells_around(35.68, 139.76)
    assert [other.forts_in_cell(c) for c in cells] != [world.forts_in_cell(c) for c in cells]
    assert [other.spawn_points_in_cell(c) for c in cells] != [world.spawn_points_in_cell(c) for c in cells]


def test_generated_objects_live_in_the_cell_their_id_names(world):
    for cell in cells_around(-33.86, 151.21) + cells_around(0.0, -180.0) + cells_around(84.9, 179.99):
        for fort in world.forts_in_cell(cell):
            assert geo.encode(fort.lat, fort.lng, WORLD_CELL_PRECISION) == cell
            kind, fort_cell, n = parse_fort_id(fort.id)
            assert (kind, fort_cell) == (fort.kind, cell)
            assert fort.id == f"{'st' if kind == 'stop' else 'gy'}-{cell}-{n}"
        for point in world.spawn_points_in_cell(cell):
            assert geo.encode(point.lat, point.lng, WORLD_CELL_PRECISION) == cell
            assert parse_spawn_point_id(point.id)[0] == cell


def test_forts_have_readable_names_and_about_one_in_ten_is_a_gym(world):
    forts = [fort for cell in cells_around(40.0, -3.7, 40, 40) for fort in world.forts_in_cell(cell)]
    assert len(forts) > 1500
    assert all(re.fullmatch(r"[A-Z][a-z]+( [A-Z][a-z]+)+", fort.name) for fort in forts)
    assert len({fort.name for fort in forts}) > 300
    gym_share = sum(fort.kind == "gym" for fort in forts) / len(forts)
    assert 0.07 < gym_share < 0.13


def test_spawn_points_have_a_minute_and_a_duration_from_the_config(world):
    points = [p for cell in cells_around(51.5, -0.12, 20, 20) for p in world.spawn_points_in_cell(cell)]
    assert {p.duration_min for p in points} == set(DEFAULT_CONFIG.spawn_durations_min)
    assert all(0 <= p.minute < 60 for p in points)
    assert len({p.minute for p in points}) > 50


@pytest.mark.parametrize("lat", [0.0, 45.0, 70.0, 84.0, -60.0])
def test_density_per_square_km_is_the_same_at_every_latitude(world, lat):
    # Cells shrink with cos(lat); counts follow the area, so objects per km² don't.
    cells = cells_around(lat, 20.0, 30, 30)
    area = sum(cell_area_km2(cell) for cell in cells)
    forts = sum(len(world.forts_in_cell(cell)) for cell in cells)
    points = sum(len(world.spawn_points_in_cell(cell)) for cell in cells)
    assert forts / area == pytest.approx(DEFAULT_CONFIG.world_fort_density_per_km2, rel=0.06)
    assert points / area == pytest.approx(DEFAULT_CONFIG.world_spawn_point_density_per_km2, rel=0.06)


def test_the_world_reaches_the_poles(world):
    # The Web Mercator limit now only bounds where curated POIs are read.
    assert in_generated_world(WORLD_MAX_ABS_LAT) and not in_generated_world(85.06)
    for lat in (85.06, 88.0, 89.0, 89.9999, 90.0, -86.5, -89.99, -90.0):
        assert world.forts_near(lat, 10.0, 300), lat
        assert world.spawn_points_in_cell(geo.encode(lat, 10.0, WORLD_CELL_PRECISION)) is not None
    # A cell straddling the limit keeps what it had and gains what lies beyond.
    straddling = [t for cell in cells_around(WORLD_MAX_ABS_LAT - 0.0005, 0.0, 3, 40)
                  for t in world.forts_in_cell(cell) + world.spawn_points_in_cell(cell)]
    assert any(t.lat > WORLD_MAX_ABS_LAT for t in straddling)
    assert any(t.lat <= WORLD_MAX_ABS_LAT for t in straddling)


@pytest.mark.parametrize("bad", ["", "u4pruy", "u4pruydq", "u4pruya", "U4PRUYD", None, 7])
def test_cells_must_be_geohash7(world, bad):
    with pytest.raises(InvalidInput):
        world.forts_in_cell(bad)
    with pytest.raises(InvalidInput):
        world.spawn_points_in_cell(bad)


def test_the_world_needs_distinct_secrets_and_a_usable_roster():
    with pytest.raises(ValueError):
        World(b"same", b"same", ROSTER)
    with pytest.raises(ValueError):
        World(b"", b"secret", ROSTER)
    with pytest.raises(ValueError):
        World("seed", b"secret", ROSTER)
    with pytest.raises(ValueError):
        World(b"seed", b"secret", [])
    with pytest.raises(ValueError):
        World(b"seed", b"secret", [(1, 0.0)])
    with pytest.raises(ValueError):
        World(b"seed", b"secret", [(1, 1.0), (1, 2.0)])
    with pytest.raises(ValueError):
        World(b"seed", b"secret", [(1, math.nan)])


# --- ids --------------------------------------------------------------------------------


def test_fort_ids_round_trip(world):
    forts = [fort for cell in cells_around(-23.55, -46.63) for fort in world.forts_in_cell(cell)]
    assert any(fort.kind == "gym" for fort in forts)
    for fort in forts:
        assert world.fort(fort.id) == fort


def test_spawn_point_ids_round_trip(world):
    for cell in cells_around(-23.55, -46.63):
        for point in world.spawn_points_in_cell(cell):
            assert world.spawn_point(point.id) == point


def test_ids_that_are_well_formed_but_not_generated_are_not_found(world):
    cell = "u4pruyd"
    forts = world.forts_in_cell(cell)
    with pytest.raises(NotFound) as raised:
        world.fort(f"st-{cell}-{len(forts) + 5}")
    assert raised.value.code == "fort_not_found"
    wrong_kind = forts[0].id.replace("st-", "gy-") if forts[0].kind == "stop" else forts[0].id.replace("gy-", "st-")
    with pytest.raises(NotFound):
        world.fort(wrong_kind)
    with pytest.raises(NotFound):
        world.fort("st-zzzzzzz-0")  # beyond the generated world
    with pytest.raises(NotFound):
        world.fort("poi-u4pruy-old-mill")  # curated: resolved from the curated store
    with pytest.raises(NotFound) as raised:
        world.spawn_point(f"sp-{cell}-999")
    assert raised.value.code == "spawn_point_not_found"


def test_parse_ids():
    assert parse_fort_id("st-u4pruyd-0") == ("stop", "u4pruyd", 0)
    assert parse_fort_id("gy-7zzzzzz-12") == ("gym", "7zzzzzz", 12)
    assert parse_spawn_point_id("sp-u4pruyd-3") == ("u4pruyd", 3)
    assert parse_spawn_id("sp-u4pruyd-3-486111") == ("sp-u4pruyd-3", 486111)
    assert parse_spawn_id("sp-u4pruyd-0-0") == ("sp-u4pruyd-0", 0)


@pytest.mark.parametrize(
    "bad",
    [
        "", "st", "st-u4pruyd", "st-u4pruyd-", "st-u4pruy-0", "st-u4pruydq-0", "st-u4pruya-0",
        "st-u4pruyi-0", "st-U4PRUYD-0", "xx-u4pruyd-0", "sp-u4pruyd-0", "st-u4pruyd-01",
        "st-u4pruyd--1", "st-u4pruyd-1.0", "st-u4pruyd-0\n", " st-u4pruyd-0", "st-u4pruyd-0-1",
        "st_u4pruyd_0", "st-u4pruyd-1234567", None, 3, b"st-u4pruyd-0",
    ],
)
def test_malformed_fort_ids_are_invalid_input(bad, world):
    with pytest.raises(InvalidInput) as raised:
        parse_fort_id(bad)
    assert raised.value.code == "invalid_fort_id"
    with pytest.raises(InvalidInput):
        world.fort(bad)


@pytest.mark.parametrize(
    "bad",
    [
        "", "sp-u4pruyd-0", "sp-u4pruyd-0-", "sp-u4pruyo-0-5", "sp-u4pruy-0-5", "st-u4pruyd-0-5",
        "sp-u4pruyd-0-05", "sp-u4pruyd-0--5", "sp-u4pruyd-0-5-6", "sp-u4pruyd-0-5\n", "SP-u4pruyd-0-5",
        None, 486111,
    ],
)
def test_malformed_spawn_ids_are_invalid_input(bad, world):
    with pytest.raises(InvalidInput) as raised:
        parse_spawn_id(bad)
    assert raised.value.code == "invalid_spawn_id"
    with pytest.raises(InvalidInput):
        world.spawn(bad, NOW)


@given(st.integers(min_value=0, max_value=999_999), st.integers(min_value=0, max_value=10**12 - 1))
@settings(max_examples=50, deadline=None)
def test_spawn_ids_round_trip_through_parse(n, hour):
    point_id = f"sp-s000000-{n}"
    assert parse_spawn_id(f"{point_id}-{hour}") == (point_id, hour)
    assert parse_spawn_point_id(point_id) == ("s000000", n)


# --- spawns -----------------------------------------------------------------------------


def expected_window(point: SpawnPoint, now_ms: int):
    """The (appears, despawn) covering now, from the rules written out longhand."""
    for hour in (now_ms // HOUR_MS, now_ms // HOUR_MS - 1):
        appears = hour * HOUR_MS + point.minute * MINUTE_MS
        if appears <= now_ms < appears + point.duration_min * MINUTE_MS:
            return appears, appears + point.duration_min * MINUTE_MS
    return None


def test_a_spawn_is_active_only_within_its_window(world):
    point = a_spawn_point(world, where=lambda p: p.duration_min < 60 and p.minute > 30)
    start = (NOW // HOUR_MS) * HOUR_MS
    active_minutes = 0
    for step in range(0, 3 * 60 * 4):  # three hours in 15 s steps
        now = start + step * 15_000
        spawn = world.active_spawn(point, now)
        window = expected_window(point, now)
        if window is None:
            assert spawn is None
            continue
        active_minutes += 0.25
        assert (spawn.appears_ms, spawn.despawn_ms) == window
        assert spawn.id == f"{point.id}-{spawn.appears_ms // HOUR_MS}"
        assert (spawn.lat, spawn.lng, spawn.spawn_point_id) == (point.lat, point.lng, point.id)
        assert world.spawn(spawn.id, now) == spawn
    assert active_minutes == 3 * point.duration_min


def test_a_spawn_late_in_the_hour_is_still_active_in_the_next(world):
    point = a_spawn_point(world, where=lambda p: p.minute + p.duration_min > 65)
    hour = NOW // HOUR_MS
    now = (hour + 1) * HOUR_MS + 2 * MINUTE_MS
    spawn = world.active_spawn(point, now)
    assert spawn is not None and spawn.id == f"{point.id}-{hour}"


def test_a_spawn_id_resolves_only_while_active(world):
    point = a_spawn_point(world)
    hour = NOW // HOUR_MS
    spawn_id = f"{point.id}-{hour}"
    appears = hour * HOUR_MS + point.minute * MINUTE_MS
    despawn = appears + point.duration_min * MINUTE_MS
    assert world.spawn(spawn_id, appears).despawn_ms == despawn
    assert world.spawn(spawn_id, despawn - 1).id == spawn_id
    with pytest.raises(NotFound) as raised:
        world.spawn(spawn_id, despawn)
    assert raised.value.code == "spawn_expired"
    with pytest.raises(NotFound) as raised:
        world.spawn(f"{point.id}-{hour - 5}", NOW)
    assert raised.value.code == "spawn_expired"
    with pytest.raises(NotFound) as raised:
        world.spawn(spawn_id, appears - 1)
    assert raised.value.code == "spawn_not_active"
    cell, _ = parse_spawn_point_id(point.id)
    with pytest.raises(NotFound) as raised:
        world.spawn(f"sp-{cell}-999-{hour}", appears)
    assert raised.value.code == "spawn_not_found"


@pytest.mark.parametrize("bad", [-1, True, 1.5, "1750000000000", None])
def test_time_must_be_epoch_ms(world, bad):
    point = a_spawn_point(world)
    with pytest.raises(InvalidInput):
        world.active_spawn(point, bad)
    with pytest.raises(InvalidInput):
        world.spawn(f"{point.id}-1", bad)


def test_spawns_are_drawn_by_weight_with_levels_1_to_30(world):
    points = [p for cell in cells_around(-1.29, 36.82, 10, 10) for p in world.spawn_points_in_cell(cell)]
    spawns = [world._spawn_for_hour(point, hour) for point in points for hour in range(486_000, 486_020)]
    species = Counter(spawn.species_id for spawn in spawns)
    levels = Counter(spawn.level for spawn in spawns)
    assert set(species) == {1, 2, 3}  # weight 0 never spawns
    total = len(spawns)
    assert species[1] / total == pytest.approx(10 / 16, abs=0.03)
    assert species[2] / total == pytest.approx(5 / 16, abs=0.03)
    assert species[3] / total == pytest.approx(1 / 16, abs=0.02)
    assert set(levels) == set(range(1, 31))


def test_spawns_depend_on_the_secret_and_not_on_the_roster_order(world):
    point = a_spawn_point(world)
    hours = range(486_000, 486_200)
    mine = [world._spawn_for_hour(point, h) for h in hours]
    same = make_world(roster=[(s.id, s.spawn_weight) for s in reversed(ROSTER)])
    assert [same._spawn_for_hour(point, h) for h in hours] == mine
    other = make_world(secret=b"another-secret")
    assert other.spawn_points_in_cell(parse_spawn_point_id(point.id)[0]) == world.spawn_points_in_cell(
        parse_spawn_point_id(point.id)[0]
    )  # same places and times: those come from the world seed
    theirs = [other._spawn_for_hour(point, h) for h in hours]
    assert [(s.species_id, s.level) for s in theirs] != [(s.species_id, s.level) for s in mine]


def test_spawn_levels_follow_the_config():
    narrow = make_world(config=replace(DEFAULT_CONFIG, spawn_level_min=5, spawn_level_max=7))
    point = a_spawn_point(narrow)
    assert {narrow._spawn_for_hour(point, h).level for h in range(300)} == {5, 6, 7}


# --- queries ----------------------------------------------------------------------------


@pytest.mark.parametrize("lat, lng", [(48.8566, 2.3522), (0.0001, 179.9999), (-0.0004, -179.9995), (84.99, -20.0)])
def test_forts_near_finds_exactly_the_forts_within_the_radius(world, lat, lng):
    radius = 300
    found = world.forts_near(lat, lng, radius)
    # Oracle: every fort of every cell touching a circle twice as large.
    cells = geo.cells_touching_circle(lat, lng, 2 * radius, WORLD_CELL_PRECISION, max_cells=4096)
    expected = {
        fort.id
        for cell in cells
        for fort in world.forts_in_cell(cell)
        if geo.haversine_m(lat, lng, fort.lat, fort.lng) <= radius
    }
    assert {fort.id for fort in found} == expected and len(found) == len(expected)
    distances = [geo.haversine_m(lat, lng, fort.lat, fort.lng) for fort in found]
    assert distances == sorted(distances)


def test_forts_near_the_antimeridian_come_from_both_sides(world):
    lngs = [fort.lng for fort in world.forts_near(0.001, 179.9995, 300)]
    assert min(lngs) < 0 < max(lngs)


@pytest.mark.parametrize("lat, lng", [(40.7128, -74.006), (0.0002, -179.9999), (-84.95, 100.0)])
def test_spawns_near_finds_exactly_the_active_spawns_within_the_radius(world, lat, lng):
    radius = 200
    for now in (NOW, NOW + 17 * MINUTE_MS, NOW + 41 * MINUTE_MS):
        found = world.spawns_near(lat, lng, radius, now)
        cells = geo.cells_touching_circle(lat, lng, 2 * radius, WORLD_CELL_PRECISION, max_cells=4096)
        expected = set()
        for cell in cells:
            for point in world.spawn_points_in_cell(cell):
                if geo.haversine_m(lat, lng, point.lat, point.lng) <= radius and expected_window(point, now):
                    expected.add(f"{point.id}-{expected_window(point, now)[0] // HOUR_MS}")
        assert {spawn.id for spawn in found} == expected
        assert all(spawn.appears_ms <= now < spawn.despawn_ms for spawn in found)
        distances = [geo.haversine_m(lat, lng, s.lat, s.lng) for s in found]
        assert distances == sorted(distances)


def test_cells_for_uses_generation_cells_everywhere(world):
    assert world.cells_for(48.85, 2.35, 300) == geo.cells_touching_circle(48.85, 2.35, 300, WORLD_CELL_PRECISION)
    # Near the Web Mercator limit geohash-7 cells are thin (~13 m) but a fort listing still works.
    assert 100 < len(world.cells_for(85.0, 0.0, 300)) <= DEFAULT_CONFIG.world_query_max_cells
    assert len(world.cells_for(-85.04, 33.0, DEFAULT_CONFIG.world_max_query_radius_m)) > 0
    # Beyond it cells are widened (game/world/cells.py): even around a pole, few of them.
    for lat in (85.06, 89.0, 89.999, 90.0, -90.0):
        assert 0 < len(world.cells_for(lat, 0.0, DEFAULT_CONFIG.world_max_query_radius_m)) <= 200, lat


def test_query_radius_is_bounded_and_validated(world):
    with pytest.raises(InvalidInput) as raised:
        world.forts_near(0.5, 0.5, DEFAULT_CONFIG.world_max_query_radius_m + 1)
    assert raised.value.code == "radius_too_large"
    for bad in (-1, math.nan, True, "300"):
        with pytest.raises(InvalidInput):
            world.cells_for(0.5, 0.5, bad)
    with pytest.raises(InvalidInput):
        world.spawns_near(91, 0, 70, NOW)


# --- curated POIs -----------------------------------------------------------------------


def feature(lng, lat, **properties):
    return {"type": "Feature", "geometry": {"type": "Point", "coordinates": [lng, lat]}, "properties": properties}


def collection(*features):
    return {"type": "FeatureCollection", "features": list(features)}


def test_curated_pois_are_parsed_into_forts():
    forts = parse_geojson_pois(
        collection(
            feature(2.2945, 48.8584, name="  Tour Eiffel  ", kind="gym"),
            feature(2.3376, 48.8606, name="Musée du Louvre"),
            feature(139.7454, 35.6586, name="東京タワー"),
            feature(-0.1276, 51.5072, name="Trafalgar Square", id="trafalgar"),
        )
    )
    eiffel, louvre, tokyo, trafalgar = forts
    cell = geo.encode(48.8584, 2.2945, CURATED_CELL_PRECISION)
    assert eiffel == Fort(f"poi-{cell}-tour-eiffel", "gym", "Tour Eiffel", 48.8584, 2.2945)
    assert louvre.id.endswith("-musee-du-louvre") and louvre.kind == "stop"
    assert re.fullmatch(r"poi-[0-9a-z]{6}-x[0-9a-f]{10}", tokyo.id)
    assert trafalgar.id == f"poi-{geo.encode(51.5072, -0.1276, 6)}-trafalgar"
    for fort in forts:
        assert curated_cell(fort.id) == geo.encode(fort.lat, fort.lng, CURATED_CELL_PRECISION)


@pytest.mark.parametrize(
    "doc, code",
    [
        ([], "invalid_geojson"),
        ({"type": "Feature"}, "invalid_geojson"),
        ({"type": "FeatureCollection"}, "invalid_geojson"),
        (collection("nope"), "invalid_geojson"),
        (collection({"type": "Feature", "geometry": {"type": "LineString", "coordinates": [[0, 0], [1, 1]]},
                     "properties": {"name": "x"}}), "invalid_geojson"),
        (collection({"type": "Feature", "geometry": None, "properties": {"name": "x"}}), "invalid_geojson"),
        (collection(feature(0, 91, name="x")), "invalid_coordinates"),
        (collection(feature(181, 0, name="x")), "invalid_coordinates"),
        (collection(feature("0", 0, name="x")), "invalid_coordinates"),
        (collection(feature(0, math.nan, name="x")), "invalid_coordinates"),
        (collection({"type": "Feature", "geometry": {"type": "Point", "coordinates": [1]},
                     "properties": {"name": "x"}}), "invalid_coordinates"),
        (collection({"type": "Feature", "geometry": {"type": "Point", "coordinates": [1, 2]}}), "invalid_geojson"),
        (collection(feature(0, 0)), "invalid_geojson"),
        (collection(feature(0, 0, name="   ")), "invalid_geojson"),
        (collection(feature(0, 0, name=42)), "invalid_geojson"),
        (collection(feature(0, 0, name="x", kind="raid")), "invalid_geojson"),
        (collection(feature(0, 0, name="x", id="Bad Id")), "invalid_poi_id"),
        (collection(feature(0, 0, name="x", id="-x")), "invalid_poi_id"),
        (collection(feature(0, 0, name="x", id=5)), "invalid_poi_id"),
        (collection(feature(0.001, 0.001, name="Fountain"), feature(0.002, 0.002, name="fountain!")),
         "duplicate_poi_id"),
    ],
)
def test_bad_geojson_is_refused(doc, code):
    with pytest.raises(InvalidInput) as raised:
        parse_geojson_pois(doc)
    assert raised.value.code == code


@pytest.mark.parametrize("bad", ["st-u4pruyd-0", "poi-u4pruyd-x", "poi-u4pru-x", "poi-u4prua-x", "poi-u4pruy-",
                                 "poi-u4pruy-X", None])
def test_curated_cell_refuses_other_ids(bad):
    with pytest.raises(InvalidInput):
        curated_cell(bad)


def test_forts_near_adds_curated_forts_within_the_radius(world):
    near, far = parse_geojson_pois(
        collection(feature(2.3523, 48.8567, name="Hôtel de Ville"), feature(2.4, 48.9, name="Far Away"))
    )
    found = world.forts_near(48.8566, 2.3522, 300, curated=[near, far])
    assert near in found and far not in found
    assert found[0] == near  # 13 m away: nearest first
    assert len(found) == len(world.forts_near(48.8566, 2.3522, 300)) + 1
    # ...with the generated ones, up to the poles.
    polar = parse_geojson_pois(collection(feature(0.0, 89.5, name="Polar Station")))
    found = world.forts_near(89.5, 0.001, 300, curated=polar)
    assert found[0] == polar[0] and len(found) == len(world.forts_near(89.5, 0.001, 300)) + 1
