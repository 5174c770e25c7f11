"""Weather: per geohash-5 cell (~4.9 km x 4.9 km) and UTC hour, seven kinds, each boosting types.

A boosted type's creatures spawn more often, 5 levels higher and give 25 % more stardust
when caught (numbers in config.py, "Weather"; the spawn rules in world/generator.py).

``DeterministicWeather`` is the game's own weather, derived like spawns from the secret
(no writes: any server recomputes it). It is plausible rather than independent noise:

- space: a geohash-5 cell follows its geohash-4 region (~39 km x 20 km) unless it draws
  a local weather of its own (``weather_local_chance``), so neighbours mostly agree;
- time: a region's weather holds for spells of ``weather_spell_hours``, each region's
  spells starting at its own hour, so the whole world doesn't change at once;
- climate: no snow within ``weather_snow_min_abs_lat`` of the equator, more of it beyond
  the polar circles;
- poles: beyond the Web Mercator limit, cells and regions are widened east-west as the
  world's cells are (world/cells.py), so the slivers meeting at a pole share a weather.

Each lookup is three keyed draws: O(1), whatever the hour or place.
"""
from __future__ import annotations

import functools
from collections.abc import Mapping
from types import MappingProxyType

from . import geo
from .config import DEFAULT_CONFIG, GameConfig
from .errors import InvalidInput
from .randomness import WorldRng, derive_key
from .world.cells import widened_cell

WEATHER_CELL_PRECISION = 5
WEATHER_REGION_PRECISION = 4

# What each kind boosts, over the roster's 13 types (species.json; types.json). Every
# type has a kind; grass and fae have two, since 7 kinds x 2 types need 14 places.
BOOSTED_TYPES: Mapping[str, tuple[str, ...]] = MappingProxyType({
    "clear": ("fire", "earth", "grass"),  # sun: flame, dry ground, growing leaves
    "rain": ("water", "spark"),  # downpours and thunderstorms
    "partly_cloudy": ("plain", "stone"),  # an ordinary day
    "cloudy": ("fae", "bug"),  # grey, close weather
    "windy": ("air", "grass"),  # gusts, and seeds on them
    "snow": ("frost", "metal"),  # cold and hard
    "fog": ("shadow", "fae"),  # things half seen
})
KINDS: tuple[str, ...] = tuple(BOOSTED_TYPES)

# A widened weather cell or region is at least as wide as one at the equator.
_CELL_MIN_WIDTH_M = 4_800.0
_REGION_MIN_WIDTH_M = 39_000.0


def weather_cell(lat, lng) -> str:
    """The geohash-5 cell whose weather applies at a place."""
    return geo.encode(lat, lng, WEATHER_CELL_PRECISION)


def boosted_types(kind: str) -> tuple[str, ...]:
    """The creature types a kind of weather boosts (ValueError for an unknown kind)."""
    try:
        return BOOSTED_TYPES[kind]
    except KeyError:
        raise ValueError(f"unknown weather kind {kind!r}; expected one of {KINDS}") from None


def kind_weights(abs_lat: float, config: GameConfig = DEFAULT_CONFIG) -> tuple[float, ...]:
    """How often each kind (in KINDS order) is drawn at a latitude."""
    weights = []
    for kind in KINDS:
        weight = float(config.weather_kind_weights[kind])
        if kind == "snow":
            if abs_lat < config.weather_snow_min_abs_lat:
                weight = 0.0
            elif abs_lat >= config.weather_polar_abs_lat:
                weight *= config.weather_polar_snow_factor
        weights.append(weight)
    return tuple(weights)


class DeterministicWeather:
    """The default weather source: a pure function of (secret, cell, hour), cached."""

    def __init__(self, spawn_secret: bytes, config: GameConfig = DEFAULT_CONFIG):
        if config.weather_spell_hours < 1:
            raise ValueError("weather_spell_hours must be at least 1")
        self._key = derive_key(spawn_secret, "weather")
        self._config = config
        # A map request asks for a handful of (cell, hour) pairs, mostly the same ones.
        self.weather_at = functools.lru_cache(maxsize=4096)(self._weather_at)

    def _weather_at(self, cell: str, hour: int) -> str:
        geo.validate_geohash(cell, WEATHER_CELL_PRECISION)
        if isinstance(hour, bool) or not isinstance(hour, int) or hour < 0:
            raise InvalidInput(f"hour must be an index >= 0, got {hour!r}", code="invalid_time")
        south, _, north, _ = geo.decode_bbox(cell)
        weights = kind_weights(abs((south + north) / 2), self._config)
        region = widened_cell(cell[:WEATHER_REGION_PRECISION], _REGION_MIN_WIDTH_M)
        spell_hours = self._config.weather_spell_hours
        phase = WorldRng(self._key, "weather-phase", region).below(spell_hours)
        spell = str((hour + phase) // spell_hours)
        local = WorldRng(self._key, "weather-local", widened_cell(cell, _CELL_MIN_WIDTH_M), spell)
        if local.random() < self._config.weather_local_chance:
            return _pick(local, weights)
        return _pick(WorldRng(self._key, "weather", region, spell), weights)


def _pick(draws: WorldRng, weights: tuple[float, ...]) -> str:
    return draws.choice_weighted(KINDS, weights)
