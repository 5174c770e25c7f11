"""The generated world: stops, gyms, spawn points and spawns everywhere, with no storage.

Static objects are a deterministic function of (world seed, geohash-7 cell); a spawn is a
deterministic function of (spawn secret, spawn point id, hour index). Both come from
HMAC-SHA256 streams, so any server recomputes them from an id alone, and clients (who
never see the spawn secret) can't predict which creature a spawn point will produce.

Counts per cell are proportional to the cell's area, so the density per km² is the same
at every latitude even though geohash cells narrow with cos(latitude).
"""
from __future__ import annotations

import bisect
import functools
import hashlib
import hmac
import math
import re
import struct
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from . import geo
from .config import DEFAULT_CONFIG, HOUR_MS, MINUTE_MS, GameConfig
from .errors import InvalidInput, NotFound

WORLD_CELL_PRECISION = 7  # generation cells, ~153 m x 153 m at the equator
CURATED_CELL_PRECISION = 6  # curated POIs are filed under their ~1.2 km x 0.6 km cell
CURATED_ID_PREFIX = "poi-"
# Curated coordinates are kept to 7 decimals (~1.1 cm): what GeoJSON exporters write, and
# what the stored cell holds, so a fort reads back exactly as it was imported.
COORDINATE_DECIMALS = 7

# The generated world stops at the Web Mercator limit, the edge of what client maps
# render. Beyond it geohash cells degenerate towards the pole (a 153 m tall cell is a
# few metres wide), so a map query would touch hundreds of cells for nothing to show.
WORLD_MAX_ABS_LAT = 85.05
CELL_CACHE_SIZE = 20_000  # generated cells kept per warm container (~ a few MB)

_FORT_PREFIX = {"st": "stop", "gy": "gym"}
_KIND_PREFIX = {kind: prefix for prefix, kind in _FORT_PREFIX.items()}

_GH = "[0-9b-hjkmnp-z]"  # the geohash alphabet: no a, i, l, o; lowercase only
_N = "(?:0|[1-9][0-9]{0,5})"  # canonical index: no sign, no leading zeros
_FORT_ID = re.compile(rf"(st|gy)-({_GH}{{7}})-({_N})")
_SPAWN_POINT_ID = re.compile(rf"sp-({_GH}{{7}})-({_N})")
_SPAWN_ID = re.compile(rf"(sp-{_GH}{{7}}-{_N})-(0|[1-9][0-9]{{0,11}})")
_SLUG = "[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?"
_SLUG_RE = re.compile(_SLUG)
_CURATED_ID = re.compile(rf"poi-({_GH}{{6}})-({_SLUG})")

# Keep generated points this fraction of a cell away from its borders, so float rounding
# can never move a point into the neighbouring cell (its id names the cell it lives in).
_BORDER_MARGIN = 1e-6
_FOUR_U64 = struct.Struct(">4Q")  # one SHA-256 block = four 64-bit draws

_ADJECTIVES = (
    "Mossy", "Old", "Hidden", "Sunny", "Quiet", "Painted", "Crooked", "Golden", "Silver",
    "Rusty", "Windy", "Little", "Grand", "Forgotten", "Lucky", "Shady", "Bright", "Stone",
    "Copper", "Misty", "Whispering", "Broken", "Twin", "Northern", "Southern", "Eastern",
    "Western", "Crimson", "Velvet", "Amber", "Ivory", "Humble", "Jolly", "Sleepy", "Brave",
    "Curious", "Ancient", "Hollow", "Green", "Blue", "Sandy", "Frosty", "Starry", "Marble",
    "Wooden", "Lonely", "Merry", "Secret",
)
_STOP_NOUNS = (
    "Fountain", "Clock Tower", "Bench", "Mural", "Statue", "Gate", "Bridge", "Well",
    "Lamp Post", "Garden", "Bandstand", "Mailbox", "Signpost", "Arch", "Sundial", "Kiosk",
    "Playground", "Pavilion", "Stairway", "Mosaic", "Totem", "Lantern", "Birdhouse",
    "Chapel", "Plaque", "Obelisk", "Footpath", "Pond", "Orchard", "Windmill", "Boathouse",
    "Gazebo", "Library", "Bakery", "Market Stall", "Water Tower", "Lighthouse", "Courtyard",
    "Tree Stump", "Flower Bed", "Weathervane", "Bell", "Steps", "Milestone", "Railway Crossing",
    "Bus Shelter", "Sculpture", "Grotto",
)
_GYM_NOUNS = (
    "Tower", "Hall", "Monument", "Arena", "Citadel", "Cathedral", "Stadium", "Fortress",
    "Observatory", "Town Hall", "Castle", "Amphitheatre", "Colosseum", "Palace", "Keep",
    "Temple",
)


@dataclass(frozen=True)
class Fort:
    """A stop or a gym: generated (``st-``/``gy-`` ids) or curated (``poi-`` ids)."""

    id: str
    kind: str  # "stop" | "gym"
    name: str
    lat: float
    lng: float


@dataclass(frozen=True)
class SpawnPoint:
    """A place that produces one spawn every hour at ``minute``, lasting ``duration_min``."""

    id: str
    lat: float
    lng: float
    minute: int
    duration_min: int


@dataclass(frozen=True)
class Spawn:
    """One spawn point's creature for one hour: active in [appears_ms, despawn_ms)."""

    id: str
    spawn_point_id: str
    species_id: int
    level: int
    lat: float
    lng: float
    appears_ms: int
    despawn_ms: int


def in_generated_world(lat) -> bool:
    """The generated world covers latitudes within ±WORLD_MAX_ABS_LAT."""
    return abs(lat) <= WORLD_MAX_ABS_LAT


# --- ids --------------------------------------------------------------------------------


def parse_fort_id(fort_id) -> tuple[str, str, int]:
    """A generated fort id is ``st-<geohash7>-<n>`` (stop) or ``gy-<geohash7>-<n>`` (gym)."""
    match = _FORT_ID.fullmatch(fort_id) if isinstance(fort_id, str) else None
    if match is None:
        raise InvalidInput(
            f"malformed fort id {fort_id!r}: expected st-<geohash7>-<n> or gy-<geohash7>-<n>",
            code="invalid_fort_id",
        )
    prefix, cell, n = match.groups()
    return _FORT_PREFIX[prefix], cell, int(n)


def parse_spawn_point_id(spawn_point_id) -> tuple[str, int]:
    """A spawn point id is ``sp-<geohash7>-<n>``; returns (cell, n)."""
    match = _SPAWN_POINT_ID.fullmatch(spawn_point_id) if isinstance(spawn_point_id, str) else None
    if match is None:
        raise InvalidInput(
            f"malformed spawn point id {spawn_point_id!r}: expected sp-<geohash7>-<n>",
            code="invalid_spawn_point_id",
        )
    cell, n = match.groups()
    return cell, int(n)


def parse_spawn_id(spawn_id) -> tuple[str, int]:
    """A spawn id is ``<spawn point id>-<hour index>``, the hour index being floor(appears_ms / 1 h)."""
    match = _SPAWN_ID.fullmatch(spawn_id) if isinstance(spawn_id, str) else None
    if match is None:
        raise InvalidInput(
            f"malformed spawn id {spawn_id!r}: expected sp-<geohash7>-<n>-<hour index>",
            code="invalid_spawn_id",
        )
    spawn_point_id, hour = match.groups()
    return spawn_point_id, int(hour)


def curated_cell(fort_id) -> str:
    """A curated fort id is ``poi-<geohash6>-<slug>``, filed under that precision-6 cell."""
    match = _CURATED_ID.fullmatch(fort_id) if isinstance(fort_id, str) else None
    if match is None:
        raise InvalidInput(
            f"malformed curated fort id {fort_id!r}: expected poi-<geohash6>-<slug>",
            code="invalid_fort_id",
        )
    return match.group(1)


# --- curated POIs -----------------------------------------------------------------------


def slugify(name: str) -> str:
    """The id slug a curated POI gets from its name when the import gives no ``id``."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")[:48].strip("-")
    if not slug:
        # A name with no Latin letters or digits still needs a stable id.
        slug = "x" + hashlib.blake2b(name.encode("utf-8"), digest_size=5).hexdigest()
    return slug


def parse_geojson_pois(doc) -> list[Fort]:
    """A curated POI is a GeoJSON Point with a ``name``, a ``kind`` (default stop) and maybe an ``id``.

    Ids are ``poi-<geohash6>-<id or slug of the name>``; two POIs yielding the same id
    are refused (give one an explicit ``id``).
    """
    if not isinstance(doc, dict) or doc.get("type") != "FeatureCollection":
        raise InvalidInput("expected a GeoJSON FeatureCollection", code="invalid_geojson")
    features = doc.get("features")
    if not isinstance(features, list):
        raise InvalidInput("a FeatureCollection needs a 'features' list", code="invalid_geojson")
    forts: list[Fort] = []
    seen: set[str] = set()
    for index, feature in enumerate(features):
        fort = _parse_feature(index, feature)
        if fort.id in seen:
            raise InvalidInput(
                f"feature {index}: id {fort.id!r} is already used; give one of them an explicit 'id'",
                code="duplicate_poi_id",
            )
        seen.add(fort.id)
        forts.append(fort)
    return forts


def _parse_feature(index: int, feature) -> Fort:
    def bad(message: str, code: str = "invalid_geojson") -> InvalidInput:
        return InvalidInput(f"feature {index}: {message}", code=code)

    if not isinstance(feature, dict) or feature.get("type") != "Feature":
        raise bad("expected a GeoJSON Feature")
    geometry = feature.get("geometry")
    if not isinstance(geometry, dict) or geometry.get("type") != "Point":
        raise bad("geometry must be a Point")
    coordinates = geometry.get("coordinates")
    # GeoJSON orders positions [longitude, latitude(, altitude)].
    if not isinstance(coordinates, (list, tuple)) or len(coordinates) not in (2, 3):
        raise bad("Point coordinates must be [longitude, latitude]", code="invalid_coordinates")
    try:
        lat, lng = geo.validate_coordinates(coordinates[1], coordinates[0])
    except InvalidInput as error:
        raise bad(error.message, code=error.code) from None
    # Rounded before the cell is chosen, so the id's cell is the stored position's cell.
    lat, lng = round(lat, COORDINATE_DECIMALS), round(lng, COORDINATE_DECIMALS)
    properties = feature.get("properties")
    if not isinstance(properties, dict):
        raise bad("properties must be an object with a 'name'")
    name = properties.get("name")
    if not isinstance(name, str) or not name.strip():
        raise bad("properties.name must be a non-empty string")
    name = name.strip()
    if len(name) > 120:
        raise bad("properties.name must be at most 120 characters")
    kind = properties.get("kind", "stop")
    if kind not in _KIND_PREFIX:
        raise bad(f"properties.kind must be 'stop' or 'gym', got {kind!r}")
    given_id = properties.get("id")
    if given_id is None:
        slug = slugify(name)
    elif isinstance(given_id, str) and _SLUG_RE.fullmatch(given_id):
        slug = given_id
    else:
        raise bad(
            f"properties.id must be 1-64 of a-z, 0-9 and inner '-', got {given_id!r}",
            code="invalid_poi_id",
        )
    cell = geo.encode(lat, lng, CURATED_CELL_PRECISION)
    return Fort(id=f"{CURATED_ID_PREFIX}{cell}-{slug}", kind=kind, name=name, lat=lat, lng=lng)


# --- deterministic draws ----------------------------------------------------------------


class _Draws:
    """Uniform draws from HMAC-SHA256(key, parts, block counter): reproducible anywhere."""

    __slots__ = ("_block", "_key", "_message", "_pool")

    def __init__(self, key: bytes, *parts: str):
        self._key = key
        # Length-prefixed parts: no two different part lists give the same message.
        encoded = (part.encode("utf-8") for part in parts)
        self._message = b"".join(len(raw).to_bytes(2, "big") + raw for raw in encoded)
        self._block = 0
        self._pool: list[int] = []  # popped from the end

    def u64(self) -> int:
        if not self._pool:
            digest = hmac.digest(self._key, self._message + self._block.to_bytes(4, "big"), "sha256")
            self._block += 1
            self._pool = list(_FOUR_U64.unpack(digest))
        return self._pool.pop()

    def unit(self) -> float:
        """A float uniform in [0, 1)."""
        return (self.u64() >> 11) * (1.0 / (1 << 53))

    def below(self, n: int) -> int:
        """An integer uniform in [0, n) (bias below n / 2**64)."""
        return (self.u64() * n) >> 64


def _expected_count_draw(draws: _Draws, expected: float) -> int:
    # floor(expected) plus one with probability frac(expected): the mean is exact and the
    # variance is the least possible, so no cell is unusually empty.
    whole = math.floor(expected)
    return whole + (1 if draws.unit() < expected - whole else 0)


def _cell_area_km2(south: float, west: float, north: float, east: float) -> float:
    # Area of a lat/lng box on the sphere: R² · Δλ · (sin φn − sin φs).
    radius_km = geo.EARTH_RADIUS_M / 1000.0
    return (
        radius_km ** 2
        * math.radians(east - west)
        * (math.sin(math.radians(north)) - math.sin(math.radians(south)))
    )


def _point_in_box(draws: _Draws, south: float, west: float, north: float, east: float) -> tuple[float, float]:
    # Uniform by area: sin(latitude) is uniform on a sphere, longitude is uniform.
    span = 1.0 - 2 * _BORDER_MARGIN
    sin_south, sin_north = math.sin(math.radians(south)), math.sin(math.radians(north))
    sin_lat = sin_south + (_BORDER_MARGIN + span * draws.unit()) * (sin_north - sin_south)
    lat = math.degrees(math.asin(sin_lat))
    lng = west + (_BORDER_MARGIN + span * draws.unit()) * (east - west)
    return lat, lng


def _normalise_roster(roster) -> tuple[tuple[int, ...], tuple[float, ...]]:
    weights: dict[int, float] = {}
    for entry in roster:
        if isinstance(entry, tuple):
            species_id, weight = entry
        else:
            species_id, weight = entry.id, entry.spawn_weight
        if not isinstance(species_id, int) or isinstance(species_id, bool):
            raise ValueError(f"species id must be an int, got {species_id!r}")
        is_number = isinstance(weight, (int, float)) and not isinstance(weight, bool)
        if not is_number or not math.isfinite(weight) or weight < 0:
            raise ValueError(f"spawn weight of species {species_id} must be a finite number >= 0")
        if species_id in weights:
            raise ValueError(f"species {species_id} appears twice in the roster")
        weights[species_id] = float(weight)
    # Sorted by id so the draw doesn't depend on the roster's order; weight 0 never spawns.
    ids = tuple(sorted(species_id for species_id, weight in weights.items() if weight > 0))
    if not ids:
        raise ValueError("the roster needs at least one species with a positive spawn weight")
    cumulative = []
    total = 0.0
    for species_id in ids:
        total += weights[species_id]
        cumulative.append(total)
    return ids, tuple(cumulative)


def _validate_now(now_ms) -> int:
    if not isinstance(now_ms, int) or isinstance(now_ms, bool) or now_ms < 0:
        raise InvalidInput(f"time must be epoch milliseconds >= 0, got {now_ms!r}", code="invalid_time")
    return now_ms


# --- the world --------------------------------------------------------------------------


class World:
    """The generated world of one (world seed, spawn secret, roster, config)."""

    def __init__(
        self,
        world_seed: bytes,
        spawn_secret: bytes,
        roster: Sequence,
        config: GameConfig = DEFAULT_CONFIG,
    ):
        for label, key in (("world_seed", world_seed), ("spawn_secret", spawn_secret)):
            if not isinstance(key, (bytes, bytearray)) or not key:
                raise ValueError(f"{label} must be non-empty bytes")
        if bytes(world_seed) == bytes(spawn_secret):
            # The world seed may ship to tools and clients; the spawn secret must not.
            raise ValueError("spawn_secret must differ from world_seed")
        self._world_seed = bytes(world_seed)
        self._spawn_secret = bytes(spawn_secret)
        self._species_ids, self._cumulative_weights = _normalise_roster(roster)
        self._config = config
        # The static layer of a cell never changes for a world: a warm container keeps
        # the cells it has generated (a map request touches ~30 of them), bounded.
        self.forts_in_cell = functools.lru_cache(maxsize=CELL_CACHE_SIZE)(self._generate_forts)
        self.spawn_points_in_cell = functools.lru_cache(maxsize=CELL_CACHE_SIZE)(
            self._generate_spawn_points)

    # Static layer -------------------------------------------------------------------------

    def _generate_forts(self, cell: str) -> tuple[Fort, ...]:
        """A cell holds a number of forts proportional to its area, ~world_gym_fraction of them gyms."""
        geo.validate_geohash(cell, WORLD_CELL_PRECISION)
        box = geo.decode_bbox(cell)
        if not _box_in_generated_world(box):
            return ()
        draws = _Draws(self._world_seed, "forts", cell)
        count = _expected_count_draw(draws, self._config.world_fort_density_per_km2 * _cell_area_km2(*box))
        forts = []
        for n in range(count):
            lat, lng = _point_in_box(draws, *box)
            kind = "gym" if draws.unit() < self._config.world_gym_fraction else "stop"
            nouns = _GYM_NOUNS if kind == "gym" else _STOP_NOUNS
            name = f"{_ADJECTIVES[draws.below(len(_ADJECTIVES))]} {nouns[draws.below(len(nouns))]}"
            if in_generated_world(lat):
                forts.append(Fort(f"{_KIND_PREFIX[kind]}-{cell}-{n}", kind, name, lat, lng))
        return tuple(forts)

    def _generate_spawn_points(self, cell: str) -> tuple[SpawnPoint, ...]:
        """A cell holds spawn points in proportion to its area, each with a fixed minute and duration."""
        geo.validate_geohash(cell, WORLD_CELL_PRECISION)
        box = geo.decode_bbox(cell)
        if not _box_in_generated_world(box):
            return ()
        draws = _Draws(self._world_seed, "spawn-points", cell)
        count = _expected_count_draw(
            draws, self._config.world_spawn_point_density_per_km2 * _cell_area_km2(*box)
        )
        durations = self._config.spawn_durations_min
        points = []
        for n in range(count):
            lat, lng = _point_in_box(draws, *box)
            minute = draws.below(60)
            duration = durations[draws.below(len(durations))]
            if in_generated_world(lat):
                points.append(SpawnPoint(f"sp-{cell}-{n}", lat, lng, minute, duration))
        return tuple(points)

    def fort(self, fort_id: str) -> Fort:
        """A generated fort id resolves to its cell's fort (InvalidInput if malformed, NotFound if absent).

        Curated ids (``poi-...``) are well-formed but not generated: NotFound here, the
        caller resolves them from the curated store under ``curated_cell(fort_id)``.
        """
        if isinstance(fort_id, str) and _CURATED_ID.fullmatch(fort_id):
            raise NotFound(f"{fort_id!r} is a curated fort, not a generated one", code="fort_not_found")
        _, cell, _ = parse_fort_id(fort_id)
        for fort in self.forts_in_cell(cell):
            if fort.id == fort_id:
                return fort
        raise NotFound(f"no fort {fort_id!r}", code="fort_not_found")

    def spawn_point(self, spawn_point_id: str) -> SpawnPoint:
        """A spawn point id resolves to its cell's point (InvalidInput if malformed, NotFound if absent)."""
        cell, _ = parse_spawn_point_id(spawn_point_id)
        for point in self.spawn_points_in_cell(cell):
            if point.id == spawn_point_id:
                return point
        raise NotFound(f"no spawn point {spawn_point_id!r}", code="spawn_point_not_found")

    # Spawns -------------------------------------------------------------------------------

    def _spawn_for_hour(self, point: SpawnPoint, hour: int) -> Spawn:
        appears_ms = hour * HOUR_MS + point.minute * MINUTE_MS
        # Only the spawn secret decides the creature: the world seed (spawn point places
        # and times) may be known to clients without revealing what will appear.
        draws = _Draws(self._spawn_secret, "spawn", point.id, str(hour))
        pick = draws.unit() * self._cumulative_weights[-1]
        index = min(bisect.bisect_right(self._cumulative_weights, pick), len(self._species_ids) - 1)
        low, high = self._config.spawn_level_min, self._config.spawn_level_max
        level = low + draws.below(high - low + 1)
        return Spawn(
            id=f"{point.id}-{hour}",
            spawn_point_id=point.id,
            species_id=self._species_ids[index],
            level=level,
            lat=point.lat,
            lng=point.lng,
            appears_ms=appears_ms,
            despawn_ms=appears_ms + point.duration_min * MINUTE_MS,
        )

    def active_spawn(self, point: SpawnPoint, now_ms: int) -> Spawn | None:
        """A spawn point shows one spawn per hour from its minute for its duration, else nothing."""
        now_ms = _validate_now(now_ms)
        hour = now_ms // HOUR_MS
        # A spawn lasts at most 60 min, so the one showing now appeared this hour or the
        # previous one (e.g. minute 50 for 45 min is still up at 10 past the next hour).
        for candidate in (hour, hour - 1):
            if candidate < 0:
                continue
            appears_ms = candidate * HOUR_MS + point.minute * MINUTE_MS
            if appears_ms <= now_ms < appears_ms + point.duration_min * MINUTE_MS:
                return self._spawn_for_hour(point, candidate)
        return None

    def spawn(self, spawn_id: str, now_ms: int) -> Spawn:
        """A spawn id resolves only while that spawn is active (NotFound "spawn_expired" once gone).

        A malformed id is InvalidInput; a well-formed one naming no generated spawn point is
        NotFound "spawn_not_found"; one whose hour has not begun is NotFound "spawn_not_active".
        """
        now_ms = _validate_now(now_ms)
        spawn_point_id, hour = parse_spawn_id(spawn_id)
        try:
            point = self.spawn_point(spawn_point_id)
        except NotFound:
            raise NotFound(f"no spawn {spawn_id!r}", code="spawn_not_found") from None
        spawn = self._spawn_for_hour(point, hour)
        if now_ms < spawn.appears_ms:
            raise NotFound(f"spawn {spawn_id!r} has not appeared yet", code="spawn_not_active")
        if now_ms >= spawn.despawn_ms:
            raise NotFound(f"spawn {spawn_id!r} has despawned", code="spawn_expired")
        return spawn

    # Queries ------------------------------------------------------------------------------

    def cells_for(self, lat, lng, radius_m) -> list[str]:
        """A world query reads the generation cells its circle touches, none beyond the generated world.

        The radius is capped by ``world_max_query_radius_m``; a circle that only partly
        reaches into the generated world gets the cells of the part inside.
        """
        lat, lng = geo.validate_coordinates(lat, lng)
        radius_m = geo.validate_radius(radius_m)
        if radius_m > self._config.world_max_query_radius_m:
            raise InvalidInput(
                f"radius must be at most {self._config.world_max_query_radius_m:g} m, got {radius_m:g}",
                code="radius_too_large",
            )
        if abs(lat) - math.degrees(radius_m / geo.EARTH_RADIUS_M) > WORLD_MAX_ABS_LAT:
            return []
        cells = geo.cells_touching_circle(
            lat,
            lng,
            radius_m,
            WORLD_CELL_PRECISION,
            max_cells=self._config.world_query_max_cells,
        )
        if abs(lat) + 2 * math.degrees(radius_m / geo.EARTH_RADIUS_M) < WORLD_MAX_ABS_LAT:
            # A touched cell starts within the circle's reach, so while the circle stays
            # inside the generated world (everywhere people play) so does every cell.
            return cells
        return [cell for cell in cells if _box_in_generated_world(geo.decode_bbox(cell))]

    def forts_near(self, lat, lng, radius_m, curated: Iterable[Fort] = ()) -> list[Fort]:
        """A player sees the generated and curated forts within radius_m, nearest first."""
        lat, lng = geo.validate_coordinates(lat, lng)
        found = []
        for cell in self.cells_for(lat, lng, radius_m):
            found.extend(self.forts_in_cell(cell))
        found.extend(curated)
        return _nearest_first(lat, lng, radius_m, found)

    def spawns_near(self, lat, lng, radius_m, now_ms: int) -> list[Spawn]:
        """A player sees the spawns active at now_ms within radius_m, nearest first."""
        lat, lng = geo.validate_coordinates(lat, lng)
        now_ms = _validate_now(now_ms)
        spawns = []
        for cell in self.cells_for(lat, lng, radius_m):
            for point in self.spawn_points_in_cell(cell):
                spawn = self.active_spawn(point, now_ms)
                if spawn is not None:
                    spawns.append(spawn)
        return _nearest_first(lat, lng, radius_m, spawns)


def _box_in_generated_world(box: tuple[float, float, float, float]) -> bool:
    south, _, north, _ = box
    return south <= WORLD_MAX_ABS_LAT and north >= -WORLD_MAX_ABS_LAT


def _nearest_first(lat: float, lng: float, radius_m: float, things: Iterable) -> list:
    # Ties (same place) break by id so the order is deterministic.
    ranked = []
    distance_to = geo.distance_from(lat, lng)
    for thing in things:
        distance = distance_to(thing.lat, thing.lng)
        if distance <= radius_m:
            ranked.append((distance, thing.id, thing))
    ranked.sort(key=lambda entry: (entry[0], entry[1]))
    return [thing for _, _, thing in ranked]
