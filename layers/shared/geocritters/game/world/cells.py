"""Generation cells: geohash cells, widened east-west in the polar caps.

Everywhere people live a generation cell is a geohash-7 cell (~153 m x 153 m at the
equator, narrowing with cos(latitude)). Beyond ``POLAR_CAP_ABS_LAT`` a geohash column
gets metres, then millimetres wide: 2**18 geohash-7 columns meet at each pole, so a 300 m
circle around a pole touches ~262,000 of them. There a generation cell is one geohash
row by an aligned run of 2**k columns, k the least that makes the run at least
``min_width_m`` wide at the row's equatorward edge (its widest).

A run is named by its westmost cell, its *anchor*. The row alone fixes k, so any cell of
a run (for instance the cell an object's id names) leads back to the anchor. Rows stay
one geohash row tall: a widened cell is never more than a few hundred metres across,
and queries stay as small near a pole as at the equator.
"""
from __future__ import annotations

import functools
import math

from .. import geo
from ..errors import InvalidInput
from .objects import WORLD_MAX_ABS_LAT

# Where widening starts: the Web Mercator limit, the edge of what client maps render
# (and of the world before it reached the poles). Rows closer to the equator than this
# are never widened, so the world there stays exactly as it was generated before.
POLAR_CAP_ABS_LAT = WORLD_MAX_ABS_LAT

# A widened geohash-7 run is at least this wide: about a geohash-7 cell at the equator.
POLAR_MIN_CELL_WIDTH_M = 150.0


def _size_deg(precision: int) -> tuple[float, float]:
    lat_bits = 5 * precision // 2
    lng_bits = 5 * precision - lat_bits
    return 180.0 / (1 << lat_bits), 360.0 / (1 << lng_bits)


def _columns(precision: int) -> int:
    return round(360.0 / _size_deg(precision)[1])


@functools.lru_cache(maxsize=32_768)
def widening_bits(precision: int, row: int, min_width_m: float) -> int:
    """k: a cell of this row is widened to 2**k columns (0 outside the polar caps)."""
    height, width = _size_deg(precision)
    south = -90.0 + row * height
    north = south + height
    if south >= POLAR_CAP_ABS_LAT:
        edge = south
    elif north <= -POLAR_CAP_ABS_LAT:
        edge = north
    else:
        return 0
    column_m = geo.EARTH_RADIUS_M * math.radians(width) * math.cos(math.radians(edge))
    bits, most = 0, round(math.log2(_columns(precision)))
    while bits < most and column_m * (1 << bits) < min_width_m:
        bits += 1
    return bits


@functools.cache
def _polar_prefixes() -> frozenset[str]:
    # The geohash-2 cells of the two outermost rows (|lat| >= 84.375): every widened cell
    # lies in one, so any other cell is known unwidened from its first two characters.
    return frozenset(geo.encode(lat, -180.0 + 11.25 * (col + 0.5), 2) for lat in (87.0, -87.0)
                     for col in range(32))


def _may_be_widened(cell: str) -> bool:
    return cell[:2] in _polar_prefixes()


def _row_col(cell: str) -> tuple[int, int]:
    # Exact: a cell's bounds are dyadic fractions of 180 and 360 degrees.
    south, west, _, _ = geo.decode_bbox(cell)
    height, width = _size_deg(len(cell))
    return round((south + 90.0) / height), round((west + 180.0) / width)


def _cell_at(precision: int, row: int, col: int) -> str:
    height, width = _size_deg(precision)
    return geo.encode(-90.0 + (row + 0.5) * height, -180.0 + (col + 0.5) * width, precision)


def widened_cell(cell: str, min_width_m: float) -> str:
    """The anchor of the widened cell holding ``cell`` (``cell`` itself outside the caps)."""
    if not _may_be_widened(cell):
        return cell
    row, col = _row_col(cell)
    bits = widening_bits(len(cell), row, min_width_m)
    if not bits:
        return cell
    return _cell_at(len(cell), row, col >> bits << bits)


def widened_box(cell: str, min_width_m: float) -> tuple[tuple[float, float, float, float], bool]:
    """(south, west, north, east) of the widened cell holding ``cell``, and whether it is widened."""
    if not _may_be_widened(cell):
        return geo.decode_bbox(cell), False
    row, col = _row_col(cell)
    precision = len(cell)
    bits = widening_bits(precision, row, min_width_m)
    height, width = _size_deg(precision)
    south = -90.0 + row * height
    west = -180.0 + (col >> bits << bits) * width
    return (south, west, south + height, west + (1 << bits) * width), bits > 0


def reaches_polar_cap(lat: float, radius_m: float) -> bool:
    """A circle (conservatively) reaches a row that may be widened."""
    return abs(lat) + 2 * math.degrees((radius_m + geo.TOUCH_TOLERANCE_M) / geo.EARTH_RADIUS_M) \
        >= POLAR_CAP_ABS_LAT


def _lng_half_width_deg(phi0: float, reach: float, south: float, north: float) -> float:
    """How far in longitude a circle (centre latitude phi0, angular radius reach, radians)
    extends within the latitudes [south, north] it reaches; 180 when it holds a pole there.

    Along the circle's edge, cos(dlng) = (cos r - sin φ sin φ0) / (cos φ cos φ0): the
    extent is largest at the tangent latitude asin(sin φ0 / cos r), so over a band the
    largest is there (if inside) or at an end of the band.
    """
    cos_phi0 = math.cos(phi0)
    if north >= 90.0 or south <= -90.0 or cos_phi0 <= 0.0:
        return 180.0  # the band holds a pole that lies within the circle (or is its centre)
    candidates = [math.radians(south), math.radians(north)]
    tangent = math.sin(phi0) / math.cos(reach) if reach < math.pi / 2 else 2.0
    if -1.0 <= tangent <= 1.0 and south < math.degrees(math.asin(tangent)) < north:
        candidates.append(math.asin(tangent))
    widest = 0.0
    for phi in candidates:
        cos_dlng = (math.cos(reach) - math.sin(phi) * math.sin(phi0)) / (math.cos(phi) * cos_phi0)
        if cos_dlng <= -1.0:
            return 180.0
        widest = max(widest, math.degrees(math.acos(min(1.0, cos_dlng))))
    return widest


def cells_touching_circle(lat: float, lng: float, radius_m: float, precision: int,
                          min_width_m: float, *, max_cells: int) -> list[str]:
    """The anchors of the (possibly widened) cells within radius_m of the centre, sorted.

    Like ``geo.cells_touching_circle`` (the same cells wherever nothing is widened), but
    per row: the circle covers one longitude interval of each row it reaches, and the
    cells overlapping it are the ones it touches. Raises InvalidInput "outside_world"
    rather than return more than ``max_cells``.
    """
    height, width = _size_deg(precision)
    columns = _columns(precision)
    reach = (radius_m + geo.TOUCH_TOLERANCE_M) / geo.EARTH_RADIUS_M
    reach_deg = math.degrees(reach)
    low, high = max(-90.0, lat - reach_deg), min(90.0, lat + reach_deg)
    rows = round(180.0 / height)
    first_row = max(0, math.floor((low + 90.0) / height))
    last_row = min(rows - 1, math.floor((high + 90.0) / height))
    phi0 = math.radians(lat)
    found: list[str] = []
    for row in range(first_row, last_row + 1):
        south = -90.0 + row * height
        band_south, band_north = max(south, low), min(south + height, high)
        if band_south > band_north:
            continue
        half = _lng_half_width_deg(phi0, reach, band_south, band_north)
        bits = widening_bits(precision, row, min_width_m)
        runs, run_deg = columns >> bits, width * (1 << bits)
        first = math.floor((lng - half + 180.0) / run_deg)
        last = math.floor((lng + half + 180.0) / run_deg)
        touched = range(runs) if half >= 180.0 or last - first + 1 >= runs \
            else sorted({n % runs for n in range(first, last + 1)})
        if len(found) + len(touched) > max_cells:
            raise InvalidInput(
                f"this circle would touch more than {max_cells} cells (too large)",
                code="outside_world")
        found.extend(_cell_at(precision, row, n << bits) for n in touched)
    return sorted(found)
