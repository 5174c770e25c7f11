"""What the world is made of (forts, spawn points, spawns), and where curated POIs end."""
from __future__ import annotations

from dataclasses import dataclass

WORLD_CELL_PRECISION = 7  # generation cells, ~153 m x 153 m at the equator

# The Web Mercator limit, the edge of what client maps render. The generated world goes
# on beyond it to the poles, in widened cells (cells.py); curated POIs, filed under
# geohash-6 cells that degenerate towards a pole, are read only within it.
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
    # Its species has a type the weather of its cell and hour boosts (game/weather.py).
    boosted: bool = False


def in_generated_world(lat) -> bool:
    """Within ±WORLD_MAX_ABS_LAT: where curated POIs are read (the generated world has no edge)."""
    return abs(lat) <= WORLD_MAX_ABS_LAT
