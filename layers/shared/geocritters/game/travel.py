"""Travel cooldown (anti-spoofing): how long to wait after moving before the next action.

Community-measured chart (c), see game-rules.md. Applies to catching, throwing,
spinning and gym actions; encounters, trades and evolving don't trigger it.
"""
import bisect
import math

from .config import MINUTE_MS
from .errors import InvalidInput

# (distance in km, cooldown in minutes); never decreasing.
COOLDOWN_TABLE_KM_MIN: tuple[tuple[float, float], ...] = (
    (1, 0.5), (2, 1), (4, 2), (10, 8), (20, 13), (30, 18), (60, 25), (125, 33),
    (200, 42), (300, 50), (500, 64), (800, 86), (1000, 100),
)
COOLDOWN_CAP_MIN = 120

_KM = tuple(km for km, _ in COOLDOWN_TABLE_KM_MIN)
_MIN = tuple(minutes for _, minutes in COOLDOWN_TABLE_KM_MIN)


def _cooldown_minutes(km: float) -> float:
    if km < _KM[0]:
        return 0.0
    # Past the last point keep the last segment's slope up to the cap, so the cooldown
    # keeps growing between 1,000 km and the 120-minute cap instead of jumping to it.
    index = min(bisect.bisect_right(_KM, km), len(_KM) - 1)
    k0, k1 = _KM[index - 1], _KM[index]
    m0, m1 = _MIN[index - 1], _MIN[index]
    return min(COOLDOWN_CAP_MIN, m0 + (m1 - m0) * (km - k0) / (k1 - k0))


def travel_cooldown_ms(distance_m: float) -> int:
    """None below 1 km, then the chart interpolated linearly, capped at 120 minutes."""
    if isinstance(distance_m, bool) or not isinstance(distance_m, (int, float)) or not math.isfinite(distance_m) \
            or distance_m < 0:
        raise InvalidInput(f"distance must be a finite non-negative number of metres, got {distance_m!r}")
    return round(_cooldown_minutes(distance_m / 1000) * MINUTE_MS)


def cooldown_remaining_ms(last_action_ms: int, distance_m: float, now_ms: int) -> int:
    """The wait left is the distance's cooldown minus the time since the last action, never negative."""
    return max(0, last_action_ms + travel_cooldown_ms(distance_m) - now_ms)
