"""Where and when: the one shape for a position at a moment (an action's place, a map
report, a walking sample)."""
from dataclasses import dataclass


@dataclass(frozen=True)
class Place:
    """Where and when a player did something."""

    lat: float
    lng: float
    at_ms: int
