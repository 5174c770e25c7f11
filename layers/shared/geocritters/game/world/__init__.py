"""The generated world, one job per module; this package re-exports what the rest of the code uses.

- ``objects``: forts, spawn points, spawns, and the latitudes the world covers
- ``ids``: the id of every world object and the cell it names
- ``geojson``: curated POIs imported from GeoJSON
- ``names``: readable fort names
- ``generator``: ``World``, which derives a cell's objects and a spawn point's spawns
"""
from .generator import CELL_CACHE_SIZE, World
from .geojson import COORDINATE_DECIMALS, parse_geojson_pois, slugify
from .ids import (
    CURATED_CELL_PRECISION,
    CURATED_ID_PREFIX,
    curated_cell,
    parse_fort_id,
    parse_spawn_id,
    parse_spawn_point_id,
)
from .objects import (
    WORLD_CELL_PRECISION,
    WORLD_MAX_ABS_LAT,
    Fort,
    Spawn,
    SpawnPoint,
    in_generated_world,
)

__all__ = [
    "CELL_CACHE_SIZE",
    "COORDINATE_DECIMALS",
    "CURATED_CELL_PRECISION",
    "CURATED_ID_PREFIX",
    "WORLD_CELL_PRECISION",
    "WORLD_MAX_ABS_LAT",
    "Fort",
    "Spawn",
    "SpawnPoint",
    "World",
    "curated_cell",
    "in_generated_world",
    "parse_fort_id",
    "parse_geojson_pois",
    "parse_spawn_id",
    "parse_spawn_point_id",
    "slugify",
]
