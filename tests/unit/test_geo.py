"""Geodesy and geohash cells (game/geo.py)."""
import math

import geohash2
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from geocritters.game import geo
from geocritters.game.errors import InvalidInput

R = geo.EARTH_RADIUS_M
ONE_DEGREE_M = R * math.pi / 180  # one degree along a great circle

lats = st.floats(min_value=-90, max_value=90, allow_nan=False)
lngs = st.floats(min_value=-180, max_value=180, allow_nan=False)
precisions = st.integers(min_value=1, max_value=geo.MAX_PRECISION)
OPPOSITE = {"n": "s", "ne": "sw", "e": "w", "se": "nw", "s": "n", "sw": "ne", "w": "e", "nw": "se"}


def destination(lat, lng, bearing_deg, distance_m):
    """The point reached from (lat, lng) along a great circle (test oracle, normalised)."""
    phi, lam, theta = math.radians(lat), math.radians(lng), math.radians(bearing_deg)
    delta = distance_m / R
    phi2 = math.asin(
        max(-1.0, min(1.0, math.sin(phi) * math.cos(delta) + math.cos(phi) * math.sin(delta) * math.cos(theta)))
    )
    lam2 = lam + math.atan2(
        math.sin(theta) * math.sin(delta) * math.cos(phi), math.cos(delta) - math.sin(phi) * math.sin(phi2)
    )
    lng2 = (math.degrees(lam2) + 180.0) % 360.0 - 180.0
    return max(-90.0, min(90.0, math.degrees(phi2))), lng2


def brute_min_distance(lat, lng, cell, samples=60):
    """Distance from a point to a cell by sampling the cell's border densely (test oracle)."""
    south, west, north, east = geo.decode_bbox(cell)
    if south <= lat <= north and west <= lng <= east:
        return 0.0
    best = math.inf
    for i in range(samples + 1):
        t = i / samples
        for edge_lat, edge_lng in (
            (south + t * (north - south), west),
            (south + t * (north - south), east),
            (south, west + t * (east - west)),
            (north, west + t * (east - west)),
        ):
            best = min(best, geo.haversine_m(lat, lng, edge_lat, edge_lng))
    return best


def sampling_slack(cell, samples=60):
    south, west, north, east = geo.decode_bbox(cell)
    longest_edge = max(math.radians(north - south), math.radians(east - west)) * R
    return longest_edge / samples + 1e-6


# --- validation -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "lat, lng",
    [
        (math.nan, 0),
        (0, math.nan),
        (math.inf, 0),
        (0, -math.inf),
        (True, 0),
        (0, False),
        ("1", 0),
        (0, "2.5"),
        (None, 0),
        ([1], 0),
        (91, 0),
        (-90.000001, 0),
        (0, 180.5),
        (0, -181),
    ],
)
def test_validate_coordinates_refuses_bad_input(lat, lng):
    with pytest.raises(InvalidInput) as raised:
        geo.validate_coordinates(lat, lng)
    assert raised.value.code == "invalid_coordinates"
    assert "latitude" in raised.value.message or "longitude" in raised.value.message


@pytest.mark.parametrize("lat, lng", [(0, 0), (90, 180), (-90, -180), (45.5, -122.25), (-33, 151)])
def test_validate_coordinates_accepts_the_closed_ranges_and_returns_floats(lat, lng):
    result = geo.validate_coordinates(lat, lng)
    assert result == (lat, lng)
    assert all(type(value) is float for value in result)


@pytest.mark.parametrize(
    "value",
    ["", "a", "u4pa", "i0", "l", "o", "U4PR", "u4pr ", " u4pr", "u4pr-", "u4pruydqqvjx1", None, 123, b"u4pr"],
)
def test_validate_geohash_refuses_malformed(value):
    with pytest.raises(InvalidInput) as raised:
        geo.validate_geohash(value)
    assert raised.value.code == "invalid_geohash"


def test_validate_geohash_checks_the_length_when_asked():
    assert geo.validate_geohash("u4pruyd", 7) == "u4pruyd"
    with pytest.raises(InvalidInput):
        geo.validate_geohash("u4pruy", 7)
    with pytest.raises(InvalidInput):
        geo.validate_geohash("u4pruydq", 7)


@pytest.mark.parametrize("precision", [0, 13, -1, True, 7.0, "7", None])
def test_encode_refuses_bad_precision(precision):
    with pytest.raises(InvalidInput) as raised:
        geo.encode(0.5, 0.5, precision)
    assert raised.value.code == "invalid_precision"


@pytest.mark.parametrize("lat, lng", [(91, 0), (0, 181), (math.nan, 0), (True, 0)])
def test_encode_validates_before_geohash2_does_not(lat, lng):
    with pytest.raises(InvalidInput):
        geo.encode(lat, lng, 5)


@pytest.mark.parametrize("bad", [-1, -0.001, math.nan, math.inf, True, "100", None])
def test_radius_must_be_finite_and_non_negative(bad):
    with pytest.raises(InvalidInput) as raised:
        geo.cells_touching_circle(0.5, 0.5, bad, 7)
    assert raised.value.code == "invalid_radius"
    with pytest.raises(InvalidInput):
        geo.precision_for_radius(bad)


# --- haversine --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "a, b, expected_m",
    [
        ((0, 0), (1, 0), ONE_DEGREE_M),
        ((0, 0), (0, 90), R * math.pi / 2),
        ((90, 0), (-90, 0), R * math.pi),
        ((10, 20), (-10, -160), R * math.pi),  # antipodes
        ((0, 179.5), (0, -179.5), ONE_DEGREE_M),  # across the antimeridian
        ((0, 180), (0, -180), 0.0),  # the same meridian, written twice
        ((90, 0), (90, 123), 0.0),  # the pole has no longitude
        ((89, 0), (89, 180), 2 * ONE_DEGREE_M),  # over the pole
        ((-89.5, -90), (-89.5, 90), ONE_DEGREE_M),
    ],
)
def test_haversine_known_distances(a, b, expected_m):
    # rel 1e-8: near antipodes the haversine loses digits (0.2 m in 20,000 km).
    assert geo.haversine_m(*a, *b) == pytest.approx(expected_m, rel=1e-8, abs=1e-6)


def test_haversine_paris_london():
    # Great-circle distance on the mean-radius sphere is ~343.6 km (ellipsoid: 343.9 km).
    assert geo.haversine_m(48.8566, 2.3522, 51.5074, -0.1278) == pytest.approx(343_550, rel=2e-3)


def test_haversine_validates():
    with pytest.raises(InvalidInput):
        geo.haversine_m(0, 0, 91, 0)


@given(lats, lngs, lats, lngs, lats, lngs)
@settings(max_examples=200, deadline=None)
def test_haversine_is_a_metric(lat1, lng1, lat2, lng2, lat3, lng3):
    d12 = geo.haversine_m(lat1, lng1, lat2, lng2)
    assert d12 == pytest.approx(geo.haversine_m(lat2, lng2, lat1, lng1), abs=1e-6)
    assert 0 <= d12 <= R * math.pi + 1e-6
    d13 = geo.haversine_m(lat1, lng1, lat3, lng3)
    d23 = geo.haversine_m(lat2, lng2, lat3, lng3)
    # Haversine is ill-conditioned for nearly antipodal points (asin near 1 keeps only
    # ~sqrt(machine epsilon) of the angle: ~0.1 m on Earth), so the triangle inequality
    # holds to a metre, not to a micrometre (found: (0, 0), (1, 0), (0.03125, 180)).
    assert d13 <= d12 + d23 + 1.0


@given(lats, lngs, lats, lngs, st.floats(min_value=-360, max_value=360, allow_nan=False))
@settings(max_examples=200, deadline=None)
def test_haversine_ignores_where_longitudes_are_counted_from(lat1, lng1, lat2, lng2, shift):
    # Rotating both points about the axis moves pairs across the antimeridian.
    def rotated(lng):
        return (lng + shift + 180) % 360 - 180

    assert geo.haversine_m(lat1, rotated(lng1), lat2, rotated(lng2)) == pytest.approx(
        geo.haversine_m(lat1, lng1, lat2, lng2), rel=1e-9, abs=1e-3
    )


# --- encode / decode --------------------------------------------------------------------


def test_encode_is_geohash2_with_its_border_convention():
    # geohash2 splits with a strict '>', so (0, 0) is in the south-west cell "7zzz..."
    # where libraries splitting with '>=' say "s000...". One implementation everywhere.
    assert geo.encode(0, 0, 7) == "7zzzzzz"
    assert geo.encode(48.8584, 2.2945, 9) == geohash2.encode(48.8584, 2.2945, 9)


def test_decode_bbox_known_cell():
    assert geo.decode_bbox("7zzzzzz") == (-180 / 2**17, -360 / 2**18, 0.0, 0.0)
    assert geo.decode_bbox("s") == (0.0, 0.0, 45.0, 45.0)
    assert geo.decode_bbox("b") == (45.0, -180.0, 90.0, -135.0)


@given(lats, lngs, precisions)
@settings(max_examples=300, deadline=None)
def test_the_cell_of_a_point_contains_it_and_matches_geohash2(lat, lng, precision):
    cell = geo.encode(lat, lng, precision)
    south, west, north, east = geo.decode_bbox(cell)
    assert south <= lat <= north and west <= lng <= east
    assert north - south == pytest.approx(180 / 2 ** (5 * precision // 2))
    glat, glng, lat_err, lng_err = geohash2.decode_exactly(cell)
    assert (south, west, north, east) == pytest.approx((glat - lat_err, glng - lng_err, glat + lat_err, glng + lng_err))
    # The centre of the box is unambiguous: geohash2 puts it back in the same cell.
    assert geohash2.encode((south + north) / 2, (west + east) / 2, precision) == cell


def test_decode_bbox_validates():
    with pytest.raises(InvalidInput):
        geo.decode_bbox("abc")


# --- neighbours -------------------------------------------------------------------------


@given(lats, lngs, precisions)
@settings(max_examples=300, deadline=None)
def test_neighbours_are_the_cells_one_step_away(lat, lng, precision):
    cell = geo.encode(lat, lng, precision)
    south, west, north, east = geo.decode_bbox(cell)
    height, width = north - south, east - west
    centre_lat, centre_lng = (south + north) / 2, (west + east) / 2
    result = geo.neighbours(cell)
    steps = {"n": (1, 0), "ne": (1, 1), "e": (0, 1), "se": (-1, 1),
             "s": (-1, 0), "sw": (-1, -1), "w": (0, -1), "nw": (1, -1)}
    for key, (dlat, dlng) in steps.items():
        target_lat = centre_lat + dlat * height
        if not -90 < target_lat < 90:
            assert key not in result  # nothing beyond a pole
            continue
        target_lng = (centre_lng + dlng * width + 180) % 360 - 180
        assert result[key] == geohash2.encode(target_lat, target_lng, precision)


@given(lats, lngs, precisions)
@settings(max_examples=300, deadline=None)
def test_neighbours_are_symmetric(lat, lng, precision):
    cell = geo.encode(lat, lng, precision)
    for direction, neighbour in geo.neighbours(cell).items():
        assert geo.neighbours(neighbour)[OPPOSITE[direction]] == cell


def test_neighbours_wrap_across_the_antimeridian():
    east_edge = geo.encode(10.0, 179.9999, 6)
    west_edge = geo.encode(10.0, -179.9999, 6)
    assert geo.neighbours(east_edge)["e"] == west_edge
    assert geo.neighbours(west_edge)["w"] == east_edge
    assert geo.decode_bbox(geo.neighbours(east_edge)["ne"])[1] == -180.0


@pytest.mark.parametrize("precision", [1, 5, 7, 12])
def test_neighbours_stop_at_the_poles(precision):
    top = geo.encode(90, 45, precision)
    assert set(geo.neighbours(top)) == {"e", "se", "s", "sw", "w"}
    bottom = geo.encode(-90, 45, precision)
    assert set(geo.neighbours(bottom)) == {"n", "ne", "e", "w", "nw"}
    assert len(geo.neighbours(geo.encode(0.5, 0.5, precision))) == 8


def test_neighbours_of_a_coarse_cell():
    assert geo.neighbours("s") == {
        "n": "u", "ne": "v", "e": "t", "se": "m", "s": "k", "sw": "7", "w": "e", "nw": "g",
    }


# --- cells touching a circle ------------------------------------------------------------


def test_a_circle_inside_one_cell_touches_only_it():
    south, west, north, east = geo.decode_bbox("u4pruyd")
    centre = ((south + north) / 2, (west + east) / 2)
    assert geo.cells_touching_circle(*centre, 10, 7) == ["u4pruyd"]
    assert geo.cells_touching_circle(*centre, 0, 7) == ["u4pruyd"]


def test_a_circle_on_a_corner_touches_the_four_cells_around_it():
    assert geo.cells_touching_circle(0.0, 0.0, 20, 7) == ["7zzzzzz", "ebpbpbp", "kpbpbpb", "s000000"]


def test_not_the_naive_three_by_three():
    # Near the middle of a cell's east edge: 2 cells, where a 3x3 block would read 9.
    south, _west, north, east = geo.decode_bbox("u4pruyd")
    cells = geo.cells_touching_circle((south + north) / 2, east - 1e-6, 30, 7)
    assert cells == sorted(["u4pruyd", geo.neighbours("u4pruyd")["e"]])


def test_a_circle_across_the_antimeridian_reads_both_sides():
    cells = geo.cells_touching_circle(0.3, 179.9995, 200, 7)
    wests = {geo.decode_bbox(cell)[1] for cell in cells}
    easts = {geo.decode_bbox(cell)[3] for cell in cells}
    assert -180.0 in wests and 180.0 in easts
    # The grid is symmetric about the antimeridian, so the mirrored circle needs as many.
    assert len(cells) == len(geo.cells_touching_circle(0.3, -179.9995, 200, 7))


def test_a_circle_around_the_pole_reads_the_whole_polar_row():
    assert geo.cells_touching_circle(90, 0, 1_000_000, 1) == ["b", "c", "f", "g", "u", "v", "y", "z"]
    assert geo.cells_touching_circle(-90, 77, 1_000_000, 1) == ["0", "1", "4", "5", "h", "j", "n", "p"]


@pytest.mark.parametrize("lat", [89.9999, -89.99, 90.0])
def test_near_the_poles_fine_cells_are_refused_not_enumerated(lat):
    with pytest.raises(InvalidInput) as raised:
        geo.cells_touching_circle(lat, 10.0, 300, 7)
    assert raised.value.code == "outside_world"


def test_max_cells_is_a_hard_limit():
    assert len(geo.cells_touching_circle(0.5, 0.5, 300, 7)) > 16
    with pytest.raises(InvalidInput):
        geo.cells_touching_circle(0.5, 0.5, 300, 7, max_cells=16)
    with pytest.raises(InvalidInput):
        geo.cells_touching_circle(0.5, 0.5, 10_000_000, 5)


circles = st.tuples(
    st.floats(min_value=-89.9, max_value=89.9, allow_nan=False),
    lngs,
    st.floats(min_value=0.5, max_value=50_000, allow_nan=False),
)


@given(circles, st.integers(min_value=0, max_value=2))
@settings(max_examples=250, deadline=None)
def test_every_point_of_the_disc_is_in_a_returned_cell(circle, finer):
    lat, lng, radius = circle
    precision = min(geo.MAX_PRECISION, geo.precision_for_radius(radius, lat) + finer)
    try:
        cells = geo.cells_touching_circle(lat, lng, radius, precision, max_cells=256)
    except InvalidInput:
        assume(False)
    assert cells == sorted(set(cells))
    found = set(cells)
    for i in range(72):
        bearing = i * 5.0
        for fraction in (1.0, 0.5):
            point = destination(lat, lng, bearing, radius * fraction)
            assert geo.encode(*point, precision) in found
    assert geo.encode(lat, lng, precision) in found


@given(circles, st.integers(min_value=0, max_value=2))
@settings(max_examples=60, deadline=None)
def test_exactly_the_touched_cells_are_returned(circle, finer):
    lat, lng, radius = circle
    precision = min(geo.MAX_PRECISION, geo.precision_for_radius(radius, lat) + finer)
    try:
        cells = geo.cells_touching_circle(lat, lng, radius, precision, max_cells=64)
    except InvalidInput:
        assume(False)
    for cell in cells:  # none farther than the radius
        assert brute_min_distance(lat, lng, cell) <= radius + sampling_slack(cell)
    around = {neighbour for cell in cells for neighbour in geo.neighbours(cell).values()} - set(cells)
    for cell in around:  # and none of the ring around them is within it
        assert brute_min_distance(lat, lng, cell) > radius


@given(
    # Within the generated world's latitudes every radius up to 100 km has a qualifying
    # precision (closer to a pole a 100 km circle can span more than 45 degrees of longitude).
    st.floats(min_value=-85.05, max_value=85.05, allow_nan=False),
    lngs,
    st.floats(min_value=0, max_value=100_000, allow_nan=False),
)
@settings(max_examples=300, deadline=None)
def test_precision_for_radius_keeps_a_circle_within_two_by_two_cells(lat, lng, radius):
    precision = geo.precision_for_radius(radius, lat)
    cells = geo.cells_touching_circle(lat, lng, radius, precision)
    assert 1 <= len(cells) <= 4
    rows = {geo.decode_bbox(cell)[0] for cell in cells}
    cols = {geo.decode_bbox(cell)[1] for cell in cells}
    assert len(rows) <= 2 and len(cols) <= 2


@pytest.mark.parametrize(
    "radius, lat, expected",
    [
        (0, 0, 12),
        (70, 0, 7),  # 153 m x 153 m cells hold a 140 m wide circle
        (77, 0, 6),  # ...but not a 154 m wide one
        (200, 0, 6),
        (300, 0, 6),  # 611 m x 1.2 km
        (306, 0, 5),
        (70, 60, 6),  # P7 cells are only ~76 m wide at 60 degrees
        (70, 90, 1),  # around a pole no cell is wide enough
    ],
)
def test_precision_for_radius_known_values(radius, lat, expected):
    assert geo.precision_for_radius(radius, lat) == expected


@given(st.floats(min_value=0, max_value=1e6, allow_nan=False),
       st.floats(min_value=0, max_value=1e6, allow_nan=False), lats)
@settings(max_examples=100, deadline=None)
def test_precision_for_radius_is_coarser_for_larger_radii(r1, r2, lat):
    small, large = sorted((r1, r2))
    assert geo.precision_for_radius(large, lat) <= geo.precision_for_radius(small, lat)


@settings(max_examples=300, deadline=None)
@given(st.floats(-90, 90), st.floats(-180, 180), st.floats(-90, 90), st.floats(-180, 180))
def test_distance_from_a_centre_is_haversine(lat1, lng1, lat2, lng2):
    """The map's hot-loop distance is the validated one, to the last bit."""
    assert geo.distance_from(lat1, lng1)(lat2, lng2) == geo.haversine_m(lat1, lng1, lat2, lng2)


def test_distance_from_validates_its_centre():
    with pytest.raises(InvalidInput):
        geo.distance_from(91, 0)
