"""Curated POIs (imported from GeoJSON) layered over the generated world.

They change rarely, so a warm container keeps each geohash-6 cell for a short TTL:
a warm map request then reads no static data from DynamoDB at all. A cold one starts
the read in the background (``start_near``) so it overlaps the player's own update:
one round trip instead of two.
"""
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence

from ..game import geo
from ..game.world import CURATED_CELL_PRECISION, Fort, curated_cell, in_generated_world
from .background import BackgroundReads
from .ports import CuratedCells

CELL_CACHE_TTL_MS = 60_000

Pending = Callable[[], list[Fort]]  # waits for, then returns, what was started


class CuratedForts:
    """A TTL cache of curated forts per cell, in front of the curated cells port."""

    def __init__(self, cells: CuratedCells, clock, ttl_ms: int = CELL_CACHE_TTL_MS):
        self._store = cells
        self._clock = clock
        self._ttl_ms = ttl_ms
        self._cells: dict[str, tuple[int, list[Fort]]] = {}
        self._background = BackgroundReads("curated-read")

    def _missing(self, cells: Sequence[str], now: int) -> list[str]:
        return [c for c in cells if c not in self._cells or self._cells[c][0] <= now]

    def _fetch(self, cells: Sequence[str], now: int) -> None:
        for cell, forts in self._store.curated_forts(cells).items():
            self._cells[cell] = (now + self._ttl_ms, forts)

    def _cached(self, cells: Sequence[str]) -> list[Fort]:
        return [fort for cell in cells for fort in self._cells[cell][1]]

    def in_cells(self, cells: Sequence[str]) -> list[Fort]:
        now = self._clock.now_ms()
        missing = self._missing(cells, now)
        if missing:
            self._fetch(missing, now)
        return self._cached(cells)

    def _cells_near(self, lat: float, lng: float, radius_m: float) -> list[str]:
        if not in_generated_world(lat):
            return []
        return geo.cells_touching_circle(lat, lng, radius_m, CURATED_CELL_PRECISION)

    def near(self, lat: float, lng: float, radius_m: float) -> list[Fort]:
        return self.in_cells(self._cells_near(lat, lng, radius_m))

    def cached_near(self, lat: float, lng: float, radius_m: float) -> list[Fort] | None:
        """``near`` from the cache alone, or None when a cell isn't cached (no read)."""
        cells = self._cells_near(lat, lng, radius_m)
        if self._missing(cells, self._clock.now_ms()):
            return None
        return self._cached(cells)

    def start_near(self, lat: float, lng: float, radius_m: float) -> Pending:
        """``near``, started now. A warm cache answers at once (no thread); otherwise the
        read runs on a background thread while the caller does its own DynamoDB call.
        The caller must call the result (it re-raises the read's error)."""
        cells = self._cells_near(lat, lng, radius_m)
        now = self._clock.now_ms()
        missing = self._missing(cells, now)
        if not missing:
            forts = self._cached(cells)
            return lambda: forts
        future = self._background.start(self._fetch, missing, now)

        def result() -> list[Fort]:
            future.result()
            return self._cached(cells)
        return result

    def by_id(self, fort_id: str) -> Fort | None:
        return next((f for f in self.in_cells([curated_cell(fort_id)]) if f.id == fort_id), None)


def import_pois(store: CuratedCells, forts: Iterable[Fort]) -> dict[str, int]:
    """Merge curated forts into their cells (same id replaces). Returns count per cell.
    All or nothing: a cell that can't be stored refuses the whole import."""
    by_cell: dict[str, list[Fort]] = defaultdict(list)
    for fort in forts:
        by_cell[curated_cell(fort.id)].append(fort)
    existing = store.curated_forts(sorted(by_cell))
    merged_cells = {}
    for cell, new in by_cell.items():
        merged = {f.id: f for f in existing.get(cell, [])}
        merged.update({f.id: f for f in new})
        merged_cells[cell] = list(merged.values())
    store.save_curated_cells(merged_cells)
    return {cell: len(forts) for cell, forts in merged_cells.items()}
