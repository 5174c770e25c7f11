"""Geodesy and geohash cells: validation, distances, neighbours, the cells a circle touches.

Every point-to-cell assignment goes through ``geohash2.encode`` so reads and writes agree
on the cell of a point lying exactly on a border (geohash2 puts it in the lower cell:
it splits with a strict ``>``). Cell *indices* (row, column) are plain bit arithmetic,
which has no border convention to disagree on.

Coordinates are WGS84 degrees on a spherical Earth of mean radius ``EARTH_RADIUS_M``:
the game needs metre-level ranges, not survey accuracy (the spherical error is < 0.5 %).
"""
import math
from collections.abc import Callable

import geohash2

from .errors import InvalidInput

EARTH_RADIUS_M = 6_371_008.8  # IUGG mean radius

GEOHASH_ALPHABET = "0123456789bcdefghjkmnpqrstuvwxyz"  # base32 without a, i, l, o
MAX_PRECISION = 12  # 60 bits: ~37 mm x 19 mm cells; finer is noise for a game

# Floating-point slack when deciding whether a circle touches a cell: distances computed
# from degrees carry ~1e-8 m of rounding, and a point exactly on the circle must count.
TOUCH_TOLERANCE_M = 1e-6

_DECODE = {char: value for value, char in enumerate(GEOHASH_ALPHABET)}
_DIRECTIONS = {
    "n": (1, 0),
    "ne": (1, 1),
    "e": (0, 1),
    "se": (-1, 1),
    "s": (-1, 0),
    "sw": (-1, -1),
    "w": (0, -1),
    "nw": (1, -1),
}


# --- validation -------------------------------------------------------------------------


def _is_number(value) -> bool:
    # bool is an int subclass; True as a latitude is a client bug, not 1 degree.
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def validate_coordinates(lat, lng) -> tuple[float, float]:
    """A coordinate is a finite number pair with latitude in [-90, 90] and longitude in [-180, 180]."""
    for label, value, limit in (("latitude", lat, 90.0), ("longitude", lng, 180.0)):
        if not _is_number(value):
            raise InvalidInput(
                f"{label} must be a number, got {type(value).__name__}", code="invalid_coordinates"
            )
        if not math.isfinite(value):
            raise InvalidInput(f"{label} must be finite, got {value!r}", code="invalid_coordinates")
        if not -limit <= value <= limit:
            raise InvalidInput(
                f"{label} must be within [-{limit:g}, {limit:g}], got {value!r}",
                code="invalid_coordinates",
            )
    return float(lat), float(lng)


def validate_radius(radius_m) -> float:
    """A radius is a finite number of metres >= 0."""
    if not _is_number(radius_m) or not math.isfinite(radius_m) or radius_m < 0:
        raise InvalidInput(
            f"radius must be a finite number of metres >= 0, got {radius_m!r}", code="invalid_radius"
        )
    return float(radius_m)


def _validate_precision(precision) -> int:
    if not isinstance(precision, int) or isinstance(precision, bool) or not 1 <= precision <= MAX_PRECISION:
        raise InvalidInput(
            f"geohash precision must be an integer in [1, {MAX_PRECISION}], got {precision!r}",
            code="invalid_precision",
        )
    return precision


def validate_geohash(s, precision: int | None = None) -> str:
    """A geohash is 1-12 lowercase characters of the geohash base32 alphabet (no a, i, l, o)."""
    if not isinstance(s, str):
        raise InvalidInput(f"geohash must be a string, got {type(s).__name__}", code="invalid_geohash")
    if not s:
        raise InvalidInput("geohash must not be empty", code="invalid_geohash")
    if precision is not None:
        _validate_precision(precision)
        if len(s) != precision:
            raise InvalidInput(
                f"geohash must have {precision} characters, got {len(s)}", code="invalid_geohash"
            )
    elif len(s) > MAX_PRECISION:
        raise InvalidInput(
            f"geohash must have at most {MAX_PRECISION} characters, got {len(s)}", code="invalid_geohash"
        )
    bad = sorted({char for char in s if char not in _DECODE})
    if bad:
        raise InvalidInput(
            f"geohash may only use {GEOHASH_ALPHABET!r} (lowercase); found {''.join(bad)!r}",
            code="invalid_geohash",
        )
    return s


# --- distances --------------------------------------------------------------------------


def _haversine(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    # Unvalidated core for hot loops. sin^2 of half the longitude difference is periodic,
    # so a pair straddling the antimeridian needs no normalisation; atan2 keeps precision
    # for both tiny and near-antipodal distances (asin loses it near 1).
    phi1 = math.radians(lat1)
    phi2 = math.radians(lat2)
    half_dphi = (phi2 - phi1) / 2
    half_dlambda = math.radians(lng2 - lng1) / 2
    a = math.sin(half_dphi) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(half_dlambda) ** 2
    a = min(1.0, max(0.0, a))
    return 2 * EARTH_RADIUS_M * math.atan2(math.sqrt(a), math.sqrt(1 - a))


def haversine_m(lat1, lng1, lat2, lng2) -> float:
    """The distance between two points is the great-circle distance on a sphere of radius EARTH_RADIUS_M."""
    lat1, lng1 = validate_coordinates(lat1, lng1)
    lat2, lng2 = validate_coordinates(lat2, lng2)
    return _haversine(lat1, lng1, lat2, lng2)


def distance_from(lat, lng) -> Callable[[float, float], float]:
    """``haversine_m`` from one centre to many points, the hot loop of a map request: the
    centre is validated and its trigonometry done once. The points are trusted (the
    world's own things: generated, or validated when imported)."""
    lat, lng = validate_coordinates(lat, lng)
    phi1 = math.radians(lat)
    cos_phi1 = math.cos(phi1)
    radians, sin, cos, sqrt, atan2 = math.radians, math.sin, math.cos, math.sqrt, math.atan2

    def distance(lat2: float, lng2: float) -> float:
        phi2 = radians(lat2)
        a = sin((phi2 - phi1) / 2) ** 2 + cos_phi1 * cos(phi2) * sin(radians(lng2 - lng) / 2) ** 2
        a = min(1.0, max(0.0, a))
        return 2 * EARTH_RADIUS_M * atan2(sqrt(a), sqrt(1 - a))
    return distance


# --- cells ------------------------------------------------------------------------------


def _bits(precision: int) -> tuple[int, int]:
    # Geohash interleaves bits starting with longitude, so longitude gets the odd one.
    total = 5 * precision
    return total // 2, (total + 1) // 2  # (latitude bits, longitude bits)


def _cell_size_deg(precision: int) -> tuple[float, float]:
    lat_bits, lng_bits = _bits(precision)
    return 180.0 / (1 << lat_bits), 360.0 / (1 << lng_bits)


def _spread(x: int) -> int:
    # Morton-code helper: move bit i of a 32-bit integer to bit 2i.
    x &= 0xFFFFFFFF
    x = (x | (x << 16)) & 0x0000FFFF0000FFFF
    x = (x | (x << 8)) & 0x00FF00FF00FF00FF
    x = (x | (x << 4)) & 0x0F0F0F0F0F0F0F0F
    x = (x | (x << 2)) & 0x3333333333333333
    return (x | (x << 1)) & 0x5555555555555555


def _compact(x: int) -> int:
    # Inverse of _spread: keep the even bits and pack them together.
    x &= 0x5555555555555555
    x = (x | (x >> 1)) & 0x3333333333333333
    x = (x | (x >> 2)) & 0x0F0F0F0F0F0F0F0F
    x = (x | (x >> 4)) & 0x00FF00FF00FF00FF
    x = (x | (x >> 8)) & 0x0000FFFF0000FFFF
    return (x | (x >> 16)) & 0xFFFFFFFF


def _indices(geohash: str) -> tuple[int, int]:
    """(row, column) of a validated geohash: row 0 is southmost, column 0 starts at -180."""
    code = 0
    for char in geohash:
        code = (code << 5) | _DECODE[char]
    # The first (most significant) bit is a longitude bit, so with an odd bit count the
    # longitude bits sit at the even positions counted from the least significant end.
    if (5 * len(geohash)) % 2:
        return _compact(code >> 1), _compact(code)
    return _compact(code), _compact(code >> 1)


def _from_indices(precision: int, row: int, col: int) -> str:
    code = _spread(col) | _spread(row) << 1 if 5 * precision % 2 else _spread(col) << 1 | _spread(row)
    return "".join(
        GEOHASH_ALPHABET[(code >> (5 * shift)) & 31] for shift in range(precision - 1, -1, -1)
    )


def _bbox(precision: int, row: int, col: int) -> tuple[float, float, float, float]:
    # Exact: every bound is a dyadic fraction of 180 or 360 degrees.
    height, width = _cell_size_deg(precision)
    south = -90.0 + row * height
    west = -180.0 + col * width
    return south, west, south + height, west + width


def encode(lat, lng, precision: int) -> str:
    """A point's cell is geohash2's encoding of it (a point on a border belongs to the lower cell)."""
    lat, lng = validate_coordinates(lat, lng)
    return geohash2.encode(lat, lng, _validate_precision(precision))


def decode_bbox(geohash: str) -> tuple[float, float, float, float]:
    """A geohash names the box (south, west, north, east) its bits halve the world down to."""
    validate_geohash(geohash)
    return _bbox(len(geohash), *_indices(geohash))


def neighbours(geohash: str) -> dict[str, str]:
    """The 8 neighbours of a cell, wrapping east-west across the antimeridian.

    Keys are n, ne, e, se, s, sw, w, nw. A cell in the northmost (southmost) row has no
    cell beyond the pole in that direction, so n/ne/nw (s/se/sw) are omitted there.
    """
    validate_geohash(geohash)
    precision = len(geohash)
    lat_bits, lng_bits = _bits(precision)
    rows, cols = 1 << lat_bits, 1 << lng_bits
    row, col = _indices(geohash)
    result = {}
    for key, (drow, dcol) in _DIRECTIONS.items():
        new_row = row + drow
        if 0 <= new_row < rows:
            result[key] = _from_indices(precision, new_row, (col + dcol) % cols)
    return result


def _lng_within(lng: float, west: float, east: float) -> bool:
    return west <= lng <= east or west <= lng - 360.0 <= east or west <= lng + 360.0 <= east


def _min_distance_to_box(
    lat: float, lng: float, south: float, west: float, north: float, east: float
) -> float:
    """Metres from a point to the nearest point of a closed lat/lng box on the sphere."""
    if _lng_within(lng, west, east):
        # Within the box's meridians: for any latitude the nearest box point lies on the
        # point's own meridian, so the answer is the latitude gap to the box along it.
        return EARTH_RADIUS_M * math.radians(max(south - lat, lat - north, 0.0))
    # Outside the meridians: on a parallel, distance grows with the longitude gap, so the
    # nearest point lies on the nearer bounding meridian. Along a meridian, cos(distance)
    # is a sinusoid in latitude peaking at the foot of the perpendicular,
    # atan2(sin(lat), cos(lat)·cos(dlng)); on [south, north] the best is the foot or an end.
    gap_west = abs((lng - west + 180.0) % 360.0 - 180.0)
    gap_east = abs((lng - east + 180.0) % 360.0 - 180.0)
    edge, gap = (west, gap_west) if gap_west <= gap_east else (east, gap_east)
    phi = math.radians(lat)
    cos_gap = math.cos(math.radians(gap))
    foot = math.degrees(math.atan2(math.sin(phi), math.cos(phi) * cos_gap))
    if south < foot < north:
        # Distance to the meridian's great circle (the foot is within 90 degrees here).
        return EARTH_RADIUS_M * math.asin(min(1.0, math.cos(phi) * math.sin(math.radians(gap))))
    if cos_gap > 0:
        # The sinusoid falls off on both sides of the foot: the end nearer to it wins.
        nearest = south if abs(foot - south) <= abs(foot - north) else north
        return _haversine(lat, lng, nearest, edge)
    # More than 90 degrees away (beside a pole): just compare both ends.
    return min(_haversine(lat, lng, south, edge), _haversine(lat, lng, north, edge))


def cells_touching_circle(lat, lng, radius_m, precision: int, *, max_cells: int = 64) -> list[str]:
    """The cells a query must read are exactly those within radius_m of the centre, sorted.

    Raises InvalidInput(code="outside_world") rather than return more than ``max_cells``
    cells: near the poles cells get arbitrarily thin, so a small circle can touch thousands.
    """
    lat, lng = validate_coordinates(lat, lng)
    radius_m = validate_radius(radius_m)
    precision = _validate_precision(precision)
    if not isinstance(max_cells, int) or isinstance(max_cells, bool) or max_cells < 1:
        raise ValueError(f"max_cells must be a positive integer, got {max_cells!r}")

    lat_bits, lng_bits = _bits(precision)
    rows, cols = 1 << lat_bits, 1 << lng_bits
    height, width = _cell_size_deg(precision)
    reach = radius_m + TOUCH_TOLERANCE_M
    reach_deg = math.degrees(reach / EARTH_RADIUS_M)
    _centre_row, centre_col = _indices(geohash2.encode(lat, lng, precision))

    # Every row crossing [lat - reach, lat + reach] holds at least the cell on the centre's
    # meridian, so too many rows means too many cells; one row of slack each side absorbs
    # rounding in the division (those rows are then kept only if they really touch).
    row_low = max(0, math.floor((lat - reach_deg + 90.0) / height) - 1)
    row_high = min(rows - 1, math.floor((lat + reach_deg + 90.0) / height) + 1)
    if row_high - row_low - 1 > max_cells:
        raise _too_many_cells(max_cells)

    def touches(row: int, col: int) -> bool:
        south, west = -90.0 + row * height, -180.0 + col * width  # as _bbox, inlined: hot
        return _min_distance_to_box(lat, lng, south, west, south + height, west + width) <= reach

    found: list[str] = []
    for row in range(row_low, row_high + 1):
        if not touches(row, centre_col):
            # The cell on the centre's meridian is the nearest of its row.
            continue
        # Moving away from the centre's column the longitude gap only grows (up to 180
        # degrees, where the whole row is then touched), so each side stops at the first miss.
        row_cols = {centre_col}
        for step in (1, -1):
            offset = step
            while len(row_cols) < cols and touches(row, (centre_col + offset) % cols):
                row_cols.add((centre_col + offset) % cols)
                offset += step
                if len(found) + len(row_cols) > max_cells:
                    raise _too_many_cells(max_cells)
        if len(found) + len(row_cols) > max_cells:
            raise _too_many_cells(max_cells)
        found.extend(_from_indices(precision, row, col) for col in row_cols)
    return sorted(found)


def _too_many_cells(max_cells: int) -> InvalidInput:
    return InvalidInput(
        f"this circle would touch more than {max_cells} cells (too close to a pole or too large)",
        code="outside_world",
    )


def precision_for_radius(radius_m, lat=0.0) -> int:
    """Use the finest precision whose cells are at least 2·radius tall and wide at that latitude.

    Then a circle of that radius spans at most two rows and two columns, so it touches at
    most 2x2 cells. The width test uses the circle's exact longitude span,
    2·asin(sin(r/R) / cos(lat)), which is slightly more than 2r/(R·cos(lat)). Returns 1
    when no precision qualifies (a circle around a pole spans every longitude).
    """
    radius_m = validate_radius(radius_m)
    lat, _ = validate_coordinates(lat, 0.0)
    # Twice the touch tolerance, so a circle exactly one cell wide can't touch a third
    # row or column by grazing both borders.
    angular = (radius_m + 2 * TOUCH_TOLERANCE_M) / EARTH_RADIUS_M
    lat_span = 2 * math.degrees(angular)
    cos_lat = math.cos(math.radians(lat))
    if angular < math.pi / 2 and math.sin(angular) < cos_lat:
        lng_span = 2 * math.degrees(math.asin(math.sin(angular) / cos_lat))
    else:
        lng_span = math.inf  # the circle reaches a pole: it spans every longitude
    for precision in range(MAX_PRECISION, 0, -1):
        height, width = _cell_size_deg(precision)
        if height >= lat_span and width >= lng_span:
            return precision
    return 1
