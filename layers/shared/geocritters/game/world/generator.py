"""The world generator: stops, gyms, spawn points and spawns everywhere, with no storage.

Static objects are a deterministic function of (world seed, geohash-7 cell); a spawn is a
deterministic function of (spawn secret, spawn point id, hour index). Both come from the
game's keyed random stream (``randomness.WorldRng``), so any server recomputes them from
an id alone, and clients (who never see the spawn secret) can't predict which creature a
spawn point will produce.

Counts per cell are proportional to the cell's area, so the density per km² is the same
at every latitude even though geohash cells narrow with cos(latitude). In the polar caps
the generation cells are widened geohash-7 runs (cells.py), so the world reaches the poles.

A spawn also depends on the weather of its spawn point's geohash-5 cell in its hour
(game/weather.py), which the caller passes in: the world never asks a weather source.
Likewise the live events (game/events.py): the caller passes the events it knows, and a
spawn is under those in force at its spawn point when it appeared.
"""
from __future__ import annotations

import bisect
import functools
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from .. import events as event_rules
from .. import geo
from .. import weather as weather_rules
from ..config import DEFAULT_CONFIG, HOUR_MS, MINUTE_MS, GameConfig
from ..errors import InvalidInput, NotFound
from ..randomness import KeyedRng, WorldRng
from . import cells, ids
from .names import fort_name
from .objects import (
    WORLD_CELL_PRECISION,
    Fort,
    Spawn,
    SpawnPoint,
)

# The weather of the spawns a query shows: (geohash-5 cell, hour index) -> kind.
WeatherByCellHour = Mapping[tuple[str, int], str]

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


def _normalise_roster(roster) -> tuple[tuple[int, ...], tuple[float, ...], dict[int, tuple], dict[int, float]]:
    weights: dict[int, float] = {}
    types: dict[int, tuple] = {}
    for entry in roster:
        if isinstance(entry, tuple):
            species_id, weight = entry
        else:
            species_id, weight = entry.id, entry.spawn_weight
            types[species_id] = tuple(getattr(entry, "types", ()))
        if not isinstance(species_id, int) or isinstance(species_id, bool):
            raise ValueError(f"species id must be an int, got {species_id!r}")
        is_number = isinstance(weight, (int, float)) and not isinstance(weight, bool)
        if not is_number or not math.isfinite(weight) or weight < 0:
            raise ValueError(f"spawn weight of species {species_id} must be a finite number >= 0")
        if species_id in weights:
            raise ValueError(f"species {species_id} appears twice in the roster")
        weights[species_id] = float(weight)
    # Sorted by id so the draw doesn't depend on the roster's order; weight 0 never spawns.
    species_ids = tuple(sorted(species_id for species_id, weight in weights.items() if weight > 0))
    if not species_ids:
        raise ValueError("the roster needs at least one species with a positive spawn weight")
    return species_ids, _cumulative(species_ids, weights), types, weights


def _cumulative(species_ids, weights) -> tuple[float, ...]:
    cumulative = []
    total = 0.0
    for species_id in species_ids:
        total += weights[species_id]
        cumulative.append(total)
    return tuple(cumulative)


def _pick_species(draws: KeyedRng, species_ids: tuple[int, ...], cumulative: tuple[float, ...]) -> int:
    pick = draws.random() * cumulative[-1]
    return species_ids[min(bisect.bisect_right(cumulative, pick), len(species_ids) - 1)]


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
        self._species_ids, self._cumulative_weights, types, weights = _normalise_roster(roster)
        self._config = config
        self._spawn_weights = weights
        # Per weather kind: the spawnable species it boosts, and their cumulative weights
        # for a boosted re-draw (none: that weather changes no spawn of this roster).
        self._boosted: dict[str, frozenset[int]] = {}
        self._boosted_draw: dict[str, tuple[tuple[int, ...], tuple[float, ...]]] = {}
        for kind, boosted_types in weather_rules.BOOSTED_TYPES.items():
            boosted = tuple(s for s in self._species_ids if set(types.get(s, ())) & set(boosted_types))
            self._boosted[kind] = frozenset(boosted)
            if boosted:
                self._boosted_draw[kind] = (boosted, _cumulative(boosted, weights))
        # The weather when a caller gives none: the game's own (the default source).
        self._default_weather = weather_rules.DeterministicWeather(self._spawn_secret, config)
        # The static layer of a cell never changes for a world: a warm container keeps
        # the cells it has generated (a map request touches ~30 of them), bounded.
        self._forts_of = functools.lru_cache(maxsize=CELL_CACHE_SIZE)(self._generate_forts)
        self._spawn_points_of = functools.lru_cache(maxsize=CELL_CACHE_SIZE)(
            self._generate_spawn_points)
        self._generation_cell = functools.lru_cache(maxsize=CELL_CACHE_SIZE)(_generation_cell)

    def forts_in_cell(self, cell: str) -> tuple[Fort, ...]:
        """The forts of the generation cell holding this geohash-7 cell (in the polar
        caps, of its widened run: cells.py)."""
        return self._forts_of(self._generation_cell(cell))

    def spawn_points_in_cell(self, cell: str) -> tuple[SpawnPoint, ...]:
        """The spawn points of the generation cell holding this geohash-7 cell."""
        return self._spawn_points_of(self._generation_cell(cell))

    # Static layer -------------------------------------------------------------------------

    def _generate_forts(self, cell: str) -> tuple[Fort, ...]:
        """A generation cell holds a number of forts proportional to its area, ~world_gym_fraction of them gyms."""
        box, widened = cells.widened_box(cell, cells.POLAR_MIN_CELL_WIDTH_M)
        draws = WorldRng(self._world_seed, "forts", cell)
        count = _expected_count_draw(draws, self._config.world_fort_density_per_km2 * _cell_area_km2(*box))
        forts = []
        for n in range(count):
            lat, lng = _point_in_box(draws, *box)
            kind = "gym" if draws.random() < self._config.world_gym_fraction else "stop"
            name = fort_name(draws, kind)
            forts.append(Fort(ids.fort_id(kind, _home(cell, widened, lat, lng), n), kind, name, lat, lng))
        return tuple(forts)

    def _generate_spawn_points(self, cell: str) -> tuple[SpawnPoint, ...]:
        """A generation cell holds spawn points in proportion to its area, each with a fixed minute and duration."""
        box, widened = cells.widened_box(cell, cells.POLAR_MIN_CELL_WIDTH_M)
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
            points.append(SpawnPoint(ids.spawn_point_id(_home(cell, widened, lat, lng), n),
                                     lat, lng, minute, duration))
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

    def _event_draw(self, species_ids: tuple[int, ...]) -> tuple[tuple[int, ...], tuple[float, ...]] | None:
        """An event's species of this roster, with their cumulative spawn weights."""
        present = tuple(s for s in species_ids if self._spawn_weights.get(s, 0) > 0)
        return (present, _cumulative(present, self._spawn_weights)) if present else None

    def _spawn_for_hour(self, point: SpawnPoint, hour: int, weather: str | None = None,
                        events: Sequence[event_rules.Event] = ()) -> Spawn:
        appears_ms = hour * HOUR_MS + point.minute * MINUTE_MS
        # Only the spawn secret decides the creature: the world seed (spawn point places
        # and times) may be known to clients without revealing what will appear.
        draws = WorldRng(self._spawn_secret, "spawn", point.id, str(hour))
        species_id = _pick_species(draws, self._species_ids, self._cumulative_weights)
        low, high = self._config.spawn_level_min, self._config.spawn_level_max
        level = low + draws.below(high - low + 1)
        if weather is None:
            if not self._boosted_draw:  # a roster no weather boosts (no types): skip the lookup
                weather = weather_rules.KINDS[0]
            else:
                weather = self._default_weather.weather_at(_weather_cell_of(point), hour)
        weather_rules.boosted_types(weather)  # an unknown kind is an error, not "no boost"
        boosted_draw = self._boosted_draw.get(weather)
        if boosted_draw is not None:
            # Boosted species appear more often: a share of spawns re-draws among them, from
            # a stream of its own, so the draws above stay what they were without weather.
            redraw = WorldRng(self._spawn_secret, "spawn-weather", point.id, str(hour))
            if redraw.random() < self._config.weather_boost_redraw_chance:
                species_id = _pick_species(redraw, *boosted_draw)
        if events:
            # An event's species take its share of the spawns, re-drawn from a stream of
            # their own too: outside an event (or outside its share) nothing moves.
            effects = event_rules.effects_at(events, _cell_of(point), appears_ms)
            event_draw = self._event_draw(effects.spawn_species)
            if event_draw is not None:
                redraw = WorldRng(self._spawn_secret, "spawn-event", point.id, str(hour))
                if redraw.random() < effects.spawn_share:
                    species_id = _pick_species(redraw, *event_draw)
        boosted = species_id in self._boosted[weather]
        if boosted:
            level = min(level + self._config.weather_boost_levels, self._config.weather_boosted_level_max)
        return Spawn(
            id=ids.spawn_id(point.id, hour),
            spawn_point_id=point.id,
            species_id=species_id,
            level=level,
            lat=point.lat,
            lng=point.lng,
            appears_ms=appears_ms,
            despawn_ms=appears_ms + point.duration_min * MINUTE_MS,
            boosted=boosted,
        )

    def _active_hour(self, point: SpawnPoint, now_ms: int) -> int | None:
        hour = now_ms // HOUR_MS
        # A spawn lasts at most 60 min, so the one showing now appeared this hour or the
        # previous one (e.g. minute 50 for 45 min is still up at 10 past the next hour).
        for candidate in (hour, hour - 1):
            if candidate < 0:
                continue
            appears_ms = candidate * HOUR_MS + point.minute * MINUTE_MS
            if appears_ms <= now_ms < appears_ms + point.duration_min * MINUTE_MS:
                return candidate
        return None

    def active_spawn(self, point: SpawnPoint, now_ms: int, weather: WeatherByCellHour | None = None,
                     events: Sequence[event_rules.Event] = ()) -> Spawn | None:
        """A spawn point shows one spawn per hour from its minute for its duration, else nothing.

        ``weather`` gives the kind of each (geohash-5 cell, hour) the spawn may need; without
        it the game's own deterministic weather applies (what the default source serves).
        """
        now_ms = _validate_now(now_ms)
        hour = self._active_hour(point, now_ms)
        if hour is None:
            return None
        kind = None if weather is None else weather[(point_weather_cell(point.id), hour)]
        return self._spawn_for_hour(point, hour, kind, events)

    def spawn(self, spawn_id: str, now_ms: int, weather: str | None = None,
              events: Sequence[event_rules.Event] = ()) -> Spawn:
        """A spawn id resolves only while that spawn is active (NotFound "spawn_expired" once gone).

        ``weather`` is the kind in the spawn's cell and hour (``spawn_weather_key``); without
        it, the game's own deterministic weather. A malformed id is InvalidInput; a
        well-formed one naming no generated spawn point is NotFound "spawn_not_found"; one
        whose hour has not begun is NotFound "spawn_not_active".
        """
        now_ms = _validate_now(now_ms)
        spawn_point_id, hour = ids.parse_spawn_id(spawn_id)
        try:
            point = self.spawn_point(spawn_point_id)
        except NotFound:
            raise NotFound(f"no spawn {spawn_id!r}", code="spawn_not_found") from None
        spawn = self._spawn_for_hour(point, hour, weather, events)
        if now_ms < spawn.appears_ms:
            raise NotFound(f"spawn {spawn_id!r} has not appeared yet", code="spawn_not_active")
        if now_ms >= spawn.despawn_ms:
            raise NotFound(f"spawn {spawn_id!r} has despawned", code="spawn_expired")
        return spawn

    @staticmethod
    def spawn_weather_key(spawn_id: str) -> tuple[str, int]:
        """(geohash-5 cell, hour index) whose weather a spawn id depends on (InvalidInput if malformed)."""
        spawn_point_id, hour = ids.parse_spawn_id(spawn_id)
        return point_weather_cell(spawn_point_id), hour

    def active_points_near(self, lat, lng, radius_m, now_ms: int) -> ActivePoints:
        """The spawn points showing a spawn at now_ms within radius_m, with its hour: what
        ``spawns_of`` turns into spawns once the weather they need is known."""
        lat, lng = geo.validate_coordinates(lat, lng)
        now_ms = _validate_now(now_ms)
        distance_to = geo.distance_from(lat, lng)
        found = []
        for cell in self.cells_for(lat, lng, radius_m):
            for point in self.spawn_points_in_cell(cell):
                hour = self._active_hour(point, now_ms)
                if hour is not None:
                    distance = distance_to(point.lat, point.lng)
                    if distance <= radius_m:
                        found.append((distance, point, hour))
        # Ties (same place) break by id so the order is deterministic.
        found.sort(key=lambda entry: (entry[0], entry[1].id))
        return ActivePoints(tuple((point, hour) for _, point, hour in found))

    def spawns_of(self, active: ActivePoints, weather: WeatherByCellHour | None = None,
                  events: Sequence[event_rules.Event] = ()) -> list[Spawn]:
        """The spawns of active points, nearest first, each under the weather of its cell
        and hour (``weather`` covers ``active.weather_keys()``; None: the game's own) and
        the ``events`` in force there when it appeared."""
        spawns = []
        for point, hour in active.points:
            kind = None if weather is None else weather[(_weather_cell_of(point), hour)]
            spawns.append(self._spawn_for_hour(point, hour, kind, events))
        return spawns

    def weather_keys_near(self, lat, lng, radius_m, now_ms: int) -> set[tuple[str, int]]:
        """The (geohash-5 cell, hour index) pairs the spawns active near a place depend on."""
        return self.active_points_near(lat, lng, radius_m, now_ms).weather_keys()

    # Queries ------------------------------------------------------------------------------

    def cells_for(self, lat, lng, radius_m) -> list[str]:
        """A world query reads the generation cells its circle touches (named by their anchors).

        The radius is capped by ``world_max_query_radius_m``. Near a pole the cells are
        widened (cells.py), so even a circle around a pole touches ~120 of them at most.
        """
        lat, lng = geo.validate_coordinates(lat, lng)
        radius_m = geo.validate_radius(radius_m)
        if radius_m > self._config.world_max_query_radius_m:
            raise InvalidInput(
                f"radius must be at most {self._config.world_max_query_radius_m:g} m, got {radius_m:g}",
                code="radius_too_large",
            )
        if not cells.reaches_polar_cap(lat, radius_m):
            # Everywhere people play: plain geohash-7 cells.
            return geo.cells_touching_circle(
                lat, lng, radius_m, WORLD_CELL_PRECISION, max_cells=self._config.world_query_max_cells)
        return cells.cells_touching_circle(
            lat, lng, radius_m, WORLD_CELL_PRECISION, cells.POLAR_MIN_CELL_WIDTH_M,
            max_cells=self._config.world_query_max_cells)

    def forts_near(self, lat, lng, radius_m, curated: Iterable[Fort] = ()) -> list[Fort]:
        """A player sees the generated and curated forts within radius_m, nearest first."""
        lat, lng = geo.validate_coordinates(lat, lng)
        found = []
        for cell in self.cells_for(lat, lng, radius_m):
            found.extend(self.forts_in_cell(cell))
        found.extend(curated)
        return _nearest_first(lat, lng, radius_m, found)

    def spawns_near(self, lat, lng, radius_m, now_ms: int, weather: WeatherByCellHour | None = None,
                    events: Sequence[event_rules.Event] = ()) -> list[Spawn]:
        """A player sees the spawns active at now_ms within radius_m, nearest first.

        ``weather`` covers at least ``weather_keys_near`` of the same query (or is None: the
        game's own deterministic weather). A caller that asks a weather source first uses
        ``active_points_near`` and ``spawns_of``: one scan of the cells, not two.
        """
        return self.spawns_of(self.active_points_near(lat, lng, radius_m, now_ms), weather, events)


@dataclass(frozen=True)
class ActivePoints:
    """Spawn points showing a spawn, nearest first, each with the hour it appeared."""

    points: tuple[tuple[SpawnPoint, int], ...]

    def weather_keys(self) -> set[tuple[str, int]]:
        """The (geohash-5 cell, hour index) pairs their spawns depend on."""
        return {(_weather_cell_of(point), hour) for point, hour in self.points}


def point_weather_cell(spawn_point_id: str) -> str:
    """The geohash-5 cell of a spawn point: its id names the geohash-7 cell it lies in."""
    cell, _ = ids.parse_spawn_point_id(spawn_point_id)
    return cell[:weather_rules.WEATHER_CELL_PRECISION]


def _weather_cell_of(point: SpawnPoint) -> str:
    # A generated point's own id, known well-formed: sp-<geohash7>-<n>, no need to parse.
    return point.id[3:3 + weather_rules.WEATHER_CELL_PRECISION]


def _generation_cell(cell: str) -> str:
    geo.validate_geohash(cell, WORLD_CELL_PRECISION)
    return cells.widened_cell(cell, cells.POLAR_MIN_CELL_WIDTH_M)


def _home(cell: str, widened: bool, lat: float, lng: float) -> str:
    # An id names the geohash-7 cell its object lies in: the generation cell itself, or in
    # a widened run the cell of the run holding the point (which leads back to the run).
    return geo.encode(lat, lng, WORLD_CELL_PRECISION) if widened else cell


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


def _cell_of(point: SpawnPoint) -> str:
    """The geohash-7 cell a spawn point lies in (its id names it): where events apply."""
    return point.id[3:3 + WORLD_CELL_PRECISION]
