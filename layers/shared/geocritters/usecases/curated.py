"""Curated POIs (imported from GeoJSON) layered over the generated world.

They change rarely, so a warm container keeps each geohash-6 cell for a short TTL:
a warm map request then reads no static data from DynamoDB at all.
"""
from collections import defaultdict
from typing import Iterable, Sequence

from ..game import geo
from ..game.world import CURATED_CELL_PRECISION, Fort, curated_cell, in_generated_world

CELL_CACHE_TTL_MS = 60_000


class CuratedForts:
    """A TTL cache of curated forts per cell, in front of the store."""

    def __init__(self, store, clock, ttl_ms: int = CELL_CACHE_TTL_MS):
        self._store = store
        self._clock = clock
        self._ttl_ms = ttl_ms
        self._cells: dict[str, tuple[int, list[Fort]]] = {}

    def in_cells(self, cells: Sequence[str]) -> list[Fort]:
        now = self._clock.now_ms()
        missing = [c for c in cells if c not in self._cells or self._cells[c][0] <= now]
        if missing:
            for cell, forts in self._store.curated_forts(missing).items():
                self._cells[cell] = (now + self._ttl_ms, forts)
        return [fort for cell in cells for fort in self._cells[cell][1]]

    def near(self, lat: float, lng: float, radius_m: float) -> list[Fort]:
        if not in_generated_world(lat):
            return []
        cells = geo.cells_touching_circle(lat, lng, radius_m, CURATED_CELL_PRECISION)
        return self.in_cells(cells)

    def by_id(self, fort_id: str) -> Fort | None:
        return next((f for f in self.in_cells([curated_cell(fort_id)]) if f.id == fort_id), None)


def import_pois(store, forts: Iterable[Fort]) -> dict[str, int]:
    """Merge curated forts into their cells (same id replaces). Returns count per cell."""
    by_cell: dict[str, list[Fort]] = defaultdict(list)
    for fort in forts:
        by_cell[curated_cell(fort.id)].append(fort)
    existing = store.curated_forts(sorted(by_cell))
    counts = {}
    for cell, new in by_cell.items():
        merged = {f.id: f for f in existing.get(cell, [])}
        merged.update({f.id: f for f in new})
        store.save_curated_cell(cell, merged.values())
        counts[cell] = len(merged)
    return counts
