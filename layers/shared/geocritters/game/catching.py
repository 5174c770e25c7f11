"""Throwing at a creature: catch probability, throw multipliers, throw outcome.

Formula and multipliers are the community-datamined ones (c), see game-rules.md.
"""
from dataclasses import dataclass
from types import MappingProxyType

from . import levels
from .errors import InvalidInput
from .randomness import OutcomeRng
from .species import Species

# Read-only views, so no request can change a table shared by the warm container.
# premier_ball: a raid boss's own balls, thrown only at that boss (usecases/catch.py).
BALLS = MappingProxyType({"ball": 1.0, "great_ball": 1.5, "ultra_ball": 2.0, "premier_ball": 1.0})
BERRIES = MappingProxyType({"razz_berry": 1.5})
# A throw's quality multiplier is drawn uniformly within (low, high).
THROW_QUALITIES = MappingProxyType(
    {"normal": (1.0, 1.0), "nice": (1.0, 1.3), "great": (1.3, 1.7), "excellent": (1.7, 2.0)}
)
CURVEBALL = 1.7

CAUGHT = "caught"
ESCAPED = "escaped"
FLED = "fled"


def catch_probability(base_capture_rate: float, cp_multiplier: float, multiplier: float) -> float:
    """P(catch) = 1 − (1 − BCR/(2·CPM))^multiplier, clamped to [0, 1]."""
    if not 0.0 <= base_capture_rate <= 1.0:
        raise InvalidInput(f"base capture rate must be in [0, 1], got {base_capture_rate!r}")
    if not cp_multiplier > 0.0:
        raise InvalidInput(f"CP multiplier must be positive, got {cp_multiplier!r}")
    if not multiplier >= 0.0:
        raise InvalidInput(f"throw multiplier must be non-negative, got {multiplier!r}")
    # A very low CPM can push BCR/(2·CPM) above 1: that throw is a sure catch.
    miss_per_unit = max(0.0, 1.0 - base_capture_rate / (2.0 * cp_multiplier))
    return min(1.0, max(0.0, 1.0 - miss_per_unit**multiplier))


@dataclass(frozen=True)
class Throw:
    ball: str
    berry: str | None = None
    quality: str = "normal"
    curveball: bool = False

    def validate(self) -> None:
        """A throw names a known ball, an optional known berry and a known quality."""
        if not isinstance(self.ball, str) or self.ball not in BALLS:
            raise InvalidInput(
                f"unknown ball {self.ball!r}; expected one of {sorted(BALLS)}", code="unknown_ball"
            )
        if self.berry is not None and (not isinstance(self.berry, str) or self.berry not in BERRIES):
            raise InvalidInput(
                f"unknown berry {self.berry!r}; expected one of {sorted(BERRIES)} or none",
                code="unknown_berry",
            )
        if not isinstance(self.quality, str) or self.quality not in THROW_QUALITIES:
            raise InvalidInput(
                f"unknown throw quality {self.quality!r}; expected one of {sorted(THROW_QUALITIES)}",
                code="unknown_throw_quality",
            )
        if not isinstance(self.curveball, bool):
            raise InvalidInput(f"curveball must be true or false, got {self.curveball!r}", code="invalid_throw")


def throw_multiplier(throw: Throw, rng: OutcomeRng, medal: float = 1.0) -> float:
    """The catch multiplier is ball · berry · quality (drawn within its range) · curveball · medal."""
    throw.validate()
    if not medal >= 1.0:
        raise InvalidInput(f"medal multiplier must be at least 1, got {medal!r}", code="invalid_medal")
    low, high = THROW_QUALITIES[throw.quality]
    # Always draw, even for a fixed range, so every throw consumes the stream alike.
    quality = low + (high - low) * rng.random()
    berry = BERRIES[throw.berry] if throw.berry is not None else 1.0
    curve = CURVEBALL if throw.curveball else 1.0
    return BALLS[throw.ball] * berry * quality * curve * medal


def resolve_throw(sp: Species, level: float, throw: Throw, rng: OutcomeRng) -> str:
    """A throw catches with the catch probability; if not, the creature flees with its flee rate, else it escapes."""
    multiplier = throw_multiplier(throw, rng)
    probability = catch_probability(sp.base_capture_rate, levels.cp_multiplier(level), multiplier)
    if rng.random() < probability:
        return CAUGHT
    if rng.random() < sp.base_flee_rate:
        return FLED
    return ESCAPED
