"""The map's view of gym states: a short per-container cache in front of the gyms port.

The map is the one call a client repeats every few seconds, so it must stay one
DynamoDB round trip: the gyms' read starts on a background thread and overlaps the
player's own position update. A warm container reuses a gym's state for
``GYM_BOARD_TTL_MS``: the map may show a gym's team, free slots and defenders up to that
stale (a client refreshes every 5-30 s anyway); the gym's own page (``GET
/v1/gyms/{id}``) and every gym action read the gym strongly consistent.
"""
from collections.abc import Callable, Sequence

from ..game.gyms import GymState
from .background import BackgroundReads
from .ports import Gyms

GYM_BOARD_TTL_MS = 5_000

PendingGyms = Callable[[], dict[str, GymState]]


class GymBoard:
    def __init__(self, gyms: Gyms, clock, ttl_ms: int = GYM_BOARD_TTL_MS):
        self._store = gyms
        self._clock = clock
        self._ttl_ms = ttl_ms
        self._states: dict[str, tuple[int, GymState]] = {}
        self._background = BackgroundReads("gym-read")

    def _missing(self, gym_ids: Sequence[str], now: int) -> list[str]:
        return [g for g in gym_ids if g not in self._states or self._states[g][0] <= now]

    def _fetch(self, gym_ids: Sequence[str], now: int) -> None:
        for gym_id, state in self._store.gym_states(gym_ids).items():
            self._states[gym_id] = (now + self._ttl_ms, state)
        # Keep the cache from growing without bound in a long-lived container.
        if len(self._states) > 10_000:
            self._states = {g: v for g, v in self._states.items() if v[0] > now}

    def _cached(self, gym_ids: Sequence[str]) -> dict[str, GymState]:
        return {g: self._states[g][1] for g in gym_ids}

    def states(self, gym_ids: Sequence[str]) -> dict[str, GymState]:
        """Now, on the caller's thread."""
        return self.start(gym_ids)()

    def start(self, gym_ids: Sequence[str]) -> PendingGyms:
        """The gyms' states, started now: a warm cache answers at once; otherwise the
        read runs in the background. The caller must call the result (it re-raises the
        read's error)."""
        gym_ids = list(dict.fromkeys(gym_ids))
        now = self._clock.now_ms()
        missing = self._missing(gym_ids, now)
        if not missing:
            states = self._cached(gym_ids)
            return lambda: states
        future = self._background.start(self._fetch, missing, now)

        def result() -> dict[str, GymState]:
            future.result()
            return self._cached(gym_ids)
        return result
