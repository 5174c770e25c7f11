"""The world generator: stops, gyms, spawn points and spawns everywhere, with no storage.

Static objects are a deterministic function of (world seed, geohash-7 cell); a spawn is a
deterministic function of (spawn secret, spawn point id, hour index). Both come from the
game's keyed random stream (``randomness.WorldRng``), so any server recomputes them from
an id alone, and clients (who never see the spawn secret) can't predict which creature a
spawn point will produce.

Counts per cell are proportional to the cell's area, so the density per km² is the same
at every latitude even though geohash cells narrow with cos(latitude).
"""
from __future__ import annotations

import bisect
import functools
import math
from collections.abc import Iterable, Sequence

from .. import geo
from ..config import DEFAULT_CONFIG, HOUR_MS, MINUTE_MS, GameConfig
from ..errors import InvalidInput, NotFound
from ..randomness import KeyedRng, WorldRng
from . import ids
from .names import fort_name
from .objects import (
    WORLD_CELL_PRECISION,
    WORLD_MAX_ABS_LAT,
    Fort,
    Spawn,
    SpawnPoint,
    box_in_generated_world,
    in_generated_world,
)

CELL_CACHE_SIZE = 20_000  # generated cells kept per warm container (~ a few MB)

# Keep generated points this fraction of a cell away from its borders, so float rounding
# can never move a point into the neighbouring cell (its id names the cell it lives in).
_BORDER_MARGIN = 1e-6


def _expected_count_draw(draws: KeyedRng, expected: float) -> int:
    # floor(expected) plus one with probability frac(expected): the mean is exact and the
    # variance is the least possible, so no cell is unusually empty.
    whole = math.floor(expected)
    return whole + (1 if draws.random() < expected - whole else 0)


def _cell_area_km2(south: float, west: float, north: float, east: float) -> float:
    # Area of a lat/lng box on the sphere: R² · Δλ · (sin φn − sin φs).
    radius_km = geo.EARTH_RADIUS_M / 1000.0
    return (
        radius_km ** 2
        * math.radians(east - west)
        * (math.sin(math.radians(north)) - math.sin(math.radians(south)))
    )


def _point_in_box(draws: KeyedRng, south: float, west: float, north: float, east: float) -> tuple[float, float]:
    # Uniform by area: sin(latitude) is uniform on a sphere, longitude is uniform.
    span = 1.0 - 2 * _BORDER_MARGIN
    sin_south, sin_north = math.sin(math.radians(south)), math.sin(math.radians(north))
    sin_lat = sin_south + (_BORDER_MARGIN + span * draws.random()) * (sin_north - sin_south)
    lat = math.degrees(math.asin(sin_lat))
    lng = west + (_BORDER_MARGIN + span * draws.random()) * (east - west)
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
        if not box_in_generated_world(box):
            return ()
        draws = WorldRng(self._world_seed, "forts", cell)
        count = _expected_count_draw(draws, self._config.world_fort_density_per_km2 * _cell_area_km2(*box))
        forts = []
        for n in range(count):
            lat, lng = _point_in_box(draws, *box)
            kind = "gym" if draws.random() < self._config.world_gym_fraction else "stop"
            name = fort_name(draws, kind)
            if in_generated_world(lat):
                forts.append(Fort(ids.fort_id(kind, cell, n), kind, name, lat, lng))
        return tuple(forts)

    def _generate_spawn_points(self, cell: str) -> tuple[SpawnPoint, ...]:
        """A cell holds spawn points in proportion to its area, each with a fixed minute and duration."""
        geo.validate_geohash(cell, WORLD_CELL_PRECISION)
        box = geo.decode_bbox(cell)
        if not box_in_generated_world(box):
            return ()
        draws = WorldRng(self._world_seed, "spawn-points", cell)
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
                points.append(SpawnPoint(ids.spawn_point_id(cell, n), lat, lng, minute, duration))
        return tuple(points)

    def fort(self, fort_id: str) -> Fort:
        """A generated fort id resolves to its cell's fort (InvalidInput if malformed, NotFound if absent).

        Curated ids (``poi-...``) are well-formed but not generated: NotFound here, the
        caller resolves them from the curated store under ``curated_cell(fort_id)``.
        """
        if ids.is_curated_id(fort_id):
            raise NotFound(f"{fort_id!r} is a curated fort, not a generated one", code="fort_not_found")
        _, cell, _ = ids.parse_fort_id(fort_id)
        for fort in self.forts_in_cell(cell):
            if fort.id == fort_id:
                return fort
        raise NotFound(f"no fort {fort_id!r}", code="fort_not_found")

    def spawn_point(self, spawn_point_id: str) -> SpawnPoint:
        """A spawn point id resolves to its cell's point (InvalidInput if malformed, NotFound if absent)."""
        cell, _ = ids.parse_spawn_point_id(spawn_point_id)
        for point in self.spawn_points_in_cell(cell):
            if point.id == spawn_point_id:
                return point
        raise NotFound(f"no spawn point {spawn_point_id!r}", code="spawn_point_not_found")

    # Spawns -------------------------------------------------------------------------------

    def _spawn_for_hour(self, point: SpawnPoint, hour: int) -> Spawn:
        appears_ms = hour * HOUR_MS + point.minute * MINUTE_MS
        # Only the spawn secret decides the creature: the world seed (spawn point places
        # and times) may be known to clients without revealing what will appear.
        draws = WorldRng(self._spawn_secret, "spawn", point.id, str(hour))
        pick = draws.random() * self._cumulative_weights[-1]
        index = min(bisect.bisect_right(self._cumulative_weights, pick), len(self._species_ids) - 1)
        low, high = self._config.spawn_level_min, self._config.spawn_level_max
        level = low + draws.below(high - low + 1)
        return Spawn(
            id=ids.spawn_id(point.id, hour),
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
        spawn_point_id, hour = ids.parse_spawn_id(spawn_id)
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
        return [cell for cell in cells if box_in_generated_world(geo.decode_bbox(cell))]

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
