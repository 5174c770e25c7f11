"""The generated world up to the poles: widened cells (game/world/cells.py), ids, density, queries."""
import math
import random
from dataclasses import dataclass

import pytest

from geocritters.game import geo
from geocritters.game.config import DEFAULT_CONFIG, HOUR_MS
from geocritters.game.world import WORLD_CELL_PRECISION, World, parse_fort_id, parse_spawn_point_id
from geocritters.game.world.cells import (
    POLAR_CAP_ABS_LAT,
    POLAR_MIN_CELL_WIDTH_M,
    cells_touching_circle,
    widened_box,
    widened_cell,
    widening_bits,
)

NOW = 1_750_000_000_000
MAX_RADIUS = DEFAULT_CONFIG.world_max_query_radius_m


@dataclass(frozen=True)
class FakeSpecies:
    id: int
    spawn_weight: float


@pytest.fixture(scope="module")
def world():
    return World(b"polar-world-seed", b"polar-spawn-secret", [FakeSpecies(1, 1.0), FakeSpecies(2, 2.0)])


def widened(cell):
    return widened_cell(cell, POLAR_MIN_CELL_WIDTH_M)


def every_cell_within(lat, radius_m, lng=0.0, window_deg=None):
    """Oracle: every generation cell of every geohash-7 row a circle at ``lat`` reaches,
    within ``window_deg`` of ``lng`` (default: all around a pole it holds, else a loose
    three times the circle's widest longitude span)."""
    height, width = 180.0 / 2**17, 360.0 / 2**18
    reach = math.degrees(radius_m / geo.EARTH_RADIUS_M)
    if window_deg is None:
        poleward = abs(lat) + reach
        window_deg = 360.0 if poleward >= 90 else 3 * math.degrees(
            math.asin(min(1.0, math.sin(math.radians(reach)) / math.cos(math.radians(poleward)))))
    first = max(0, math.floor((lat - reach + 90) / height))
    last = min(2**17 - 1, math.floor((lat + reach + 90) / height))
    for row in range(first, last + 1):
        step = 1 << widening_bits(WORLD_CELL_PRECISION, row, POLAR_MIN_CELL_WIDTH_M)
        if window_deg >= 180:
            cols = range(0, 2**18, step)
        else:
            low = math.floor((lng - window_deg + 180) / width) // step * step
            cols = {c % 2**18 for c in range(low, math.floor((lng + window_deg + 180) / width) + 1, step)}
        for col in cols:
            yield geo.encode(-90 + (row + 0.5) * height, -180 + (col + 0.5) * width, WORLD_CELL_PRECISION)


def test_rows_are_widened_only_beyond_the_web_mercator_limit():
    height = 180.0 / 2**17
    for row in range(2**17):
        south = -90 + row * height
        bits = widening_bits(WORLD_CELL_PRECISION, row, POLAR_MIN_CELL_WIDTH_M)
        if south < POLAR_CAP_ABS_LAT and south + height > -POLAR_CAP_ABS_LAT:
            assert bits == 0, row
        else:
            assert bits > 0, row


def test_a_widened_cell_is_at_least_the_minimum_width_and_less_than_twice_it():
    height, width = 180.0 / 2**17, 360.0 / 2**18
    rows = [r for r in range(2**17) if widening_bits(WORLD_CELL_PRECISION, r, POLAR_MIN_CELL_WIDTH_M)]
    for row in rows:
        bits = widening_bits(WORLD_CELL_PRECISION, row, POLAR_MIN_CELL_WIDTH_M)
        south = -90 + row * height
        edge = south if south > 0 else south + height
        run_m = geo.EARTH_RADIUS_M * math.radians(width) * math.cos(math.radians(edge)) * (1 << bits)
        if bits < 18:
            assert POLAR_MIN_CELL_WIDTH_M <= run_m < 2 * POLAR_MIN_CELL_WIDTH_M, row
        # Far from the threshold, so no platform's cos() can round a row to another width
        # (which would move and rename that row's objects).
        assert abs(run_m / POLAR_MIN_CELL_WIDTH_M - 1) > 1e-9 and abs(run_m / POLAR_MIN_CELL_WIDTH_M - 2) > 1e-9


def test_any_cell_of_a_run_leads_back_to_its_anchor():
    rng = random.Random(7)
    for _ in range(300):
        lat = rng.choice((1, -1)) * rng.uniform(POLAR_CAP_ABS_LAT + 0.01, 90.0)
        cell = geo.encode(lat, rng.uniform(-180, 180), WORLD_CELL_PRECISION)
        anchor = widened(cell)
        (south, west, north, east), is_widened = widened_box(cell, POLAR_MIN_CELL_WIDTH_M)
        assert is_widened and widened(anchor) == anchor
        assert geo.decode_bbox(anchor)[:2] == (south, west)
        c_south, c_west, c_north, c_east = geo.decode_bbox(cell)
        assert south == c_south and north == c_north and west <= c_west and c_east <= east


@pytest.mark.parametrize("lat, lng", [(90.0, 0.0), (-90.0, 33.0), (89.9995, 179.9999), (-88.0, -179.999),
                                      (86.0, 20.0), (POLAR_CAP_ABS_LAT + 0.0001, -50.0)])
def test_polar_objects_live_in_the_cell_their_id_names_and_resolve_by_id(world, lat, lng):
    forts = world.forts_near(lat, lng, 600)
    points = [p for cell in world.cells_for(lat, lng, 600) for p in world.spawn_points_in_cell(cell)]
    assert forts and points
    for fort in forts:
        kind, cell, _ = parse_fort_id(fort.id)
        assert geo.encode(fort.lat, fort.lng, WORLD_CELL_PRECISION) == cell and kind == fort.kind
        assert world.fort(fort.id) == fort
    for point in points:
        cell, _ = parse_spawn_point_id(point.id)
        assert geo.encode(point.lat, point.lng, WORLD_CELL_PRECISION) == cell
        assert world.spawn_point(point.id) == point
    for spawn in world.spawns_near(lat, lng, 600, NOW):
        assert world.spawn(spawn.id, NOW) == spawn
    assert len({f.id for f in forts}) == len(forts) and len({p.id for p in points}) == len(points)


@pytest.mark.parametrize("lat", [85.5, 87.0, 89.0, 89.98, -86.0, -89.9])
def test_density_per_square_km_is_the_same_in_the_polar_caps(world, lat):
    # Every generation cell of a band of rows all around the pole: counts follow the area.
    height = 180.0 / 2**17
    rows = range(math.floor((lat + 90) / height), math.floor((lat + 90) / height) + 3)
    cells = {widened(c) for c in every_cell_within(lat, 150, window_deg=360.0 if abs(lat) > 89 else 3.0)
             if math.floor((geo.decode_bbox(c)[0] + 90) / height + 0.5) in rows}
    area = 0.0
    for cell in cells:
        (south, west, north, east), _ = widened_box(cell, POLAR_MIN_CELL_WIDTH_M)
        area += (geo.EARTH_RADIUS_M / 1000) ** 2 * math.radians(east - west) * (
            math.sin(math.radians(north)) - math.sin(math.radians(south)))
    forts = sum(len(world.forts_in_cell(c)) for c in cells)
    points = sum(len(world.spawn_points_in_cell(c)) for c in cells)
    assert forts / area == pytest.approx(DEFAULT_CONFIG.world_fort_density_per_km2, rel=0.06)
    assert points / area == pytest.approx(DEFAULT_CONFIG.world_spawn_point_density_per_km2, rel=0.06)


@pytest.mark.parametrize("lat, lng", [(90.0, 0.0), (-90.0, -180.0), (89.995, 179.9995), (89.99, -179.998),
                                      (-89.97, 0.0), (85.06, 100.0), (POLAR_CAP_ABS_LAT - 0.002, 7.0)])
def test_queries_near_the_poles_find_exactly_what_is_within_the_radius(world, lat, lng):
    oracle_cells = {widened(c) for c in every_cell_within(lat, 700, lng)}
    forts = [f for c in oracle_cells for f in world.forts_in_cell(c)]
    points = [p for c in oracle_cells for p in world.spawn_points_in_cell(c)]
    for radius in (70, 300, 600):
        assert set(world.cells_for(lat, lng, radius)) <= oracle_cells
        within = {f.id for f in forts if geo.haversine_m(lat, lng, f.lat, f.lng) <= radius}
        assert {f.id for f in world.forts_near(lat, lng, radius)} == within
        active = {world.active_spawn(p, NOW).id for p in points
                  if geo.haversine_m(lat, lng, p.lat, p.lng) <= radius and world.active_spawn(p, NOW)}
        assert {s.id for s in world.spawns_near(lat, lng, radius, NOW)} == active


def test_at_a_pole_every_longitude_is_the_same_place(world):
    for pole in (90.0, -90.0):
        seen = {tuple(f.id for f in world.forts_near(pole, lng, 300)) for lng in (-180.0, -90.0, 0.0, 45.5, 180.0)}
        assert len(seen) == 1 and seen.pop()


def test_the_antimeridian_near_a_pole_is_seamless(world):
    lngs = [f.lng for f in world.forts_near(89.99, 179.9999, 600)]
    assert min(lngs) < 0 < max(lngs)
    assert {f.id for f in world.forts_near(89.99, 180.0, 600)} == {f.id for f in world.forts_near(89.99, -180.0, 600)}


def test_query_cells_stay_few_all_the_way_to_the_poles(world):
    rng = random.Random(11)
    worst = 0
    for _ in range(200):
        lat = rng.choice((1, -1)) * rng.uniform(POLAR_CAP_ABS_LAT - 0.02, 90.0)
        worst = max(worst, len(world.cells_for(lat, rng.uniform(-180, 180), MAX_RADIUS)))
    assert worst <= DEFAULT_CONFIG.world_query_max_cells
    assert len(world.cells_for(90.0, 0.0, MAX_RADIUS)) < 200  # ~a 1 km circle / ~0.03 km² cells


@pytest.mark.parametrize("lat, lng", [(48.85, 2.35), (0.0001, 179.9999), (-33.9, -179.9995), (84.99, 10.0),
                                      (-85.0, 0.0), (60.0, -179.99)])
def test_where_nothing_is_widened_the_cells_are_the_geohash_ones(lat, lng):
    for radius in (0, 70, 300, 1000):
        assert cells_touching_circle(lat, lng, radius, WORLD_CELL_PRECISION, POLAR_MIN_CELL_WIDTH_M,
                                     max_cells=4096) == geo.cells_touching_circle(
            lat, lng, radius, WORLD_CELL_PRECISION, max_cells=4096)


def test_polar_spawns_follow_the_hour(world):
    point = next(p for c in world.cells_for(90.0, 0.0, 300) for p in world.spawn_points_in_cell(c))
    appear = (NOW // HOUR_MS) * HOUR_MS + point.minute * 60_000
    spawn = world.active_spawn(point, appear)
    assert spawn is not None and spawn.appears_ms == appear and spawn.spawn_point_id == point.id
