"""What the world is made of (forts, spawn points, spawns) and where it ends."""
from __future__ import annotations

from dataclasses import dataclass

WORLD_CELL_PRECISION = 7  # generation cells, ~153 m x 153 m at the equator

# The generated world stops at the Web Mercator limit, the edge of what client maps
# render. Beyond it geohash cells degenerate towards the pole (a 153 m tall cell is a
# few metres wide), so a map query would touch hundreds of cells for nothing to show.
WORLD_MAX_ABS_LAT = 85.05


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


def box_in_generated_world(box: tuple[float, float, float, float]) -> bool:
    """A (south, west, north, east) box reaches into the generated world."""
    south, _, north, _ = box
    return south <= WORLD_MAX_ABS_LAT and north >= -WORLD_MAX_ABS_LAT
