"""Individual values (IVs) and combat power (CP)."""
import math
from dataclasses import dataclass

from .errors import InvalidInput
from .levels import cp_multiplier
from .randomness import OutcomeRng
from .species import Species

IV_MIN = 0
IV_MAX = 15
MIN_COMBAT_POWER = 10


@dataclass(frozen=True)
class IVs:
    attack: int
    defense: int
    stamina: int

    def __post_init__(self):
        for name in ("attack", "defense", "stamina"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or not IV_MIN <= value <= IV_MAX:
                raise InvalidInput(f"IV {name} must be an integer 0..15, got {value!r}", code="invalid_iv")


def combat_power(sp: Species, level: float, ivs: IVs) -> int:
    """CP = floor((A+ivA)·sqrt(D+ivD)·sqrt(S+ivS)·cpm²/10), never below 10."""
    cpm = cp_multiplier(level)
    attack = sp.base_attack + ivs.attack
    defense = sp.base_defense + ivs.defense
    stamina = sp.base_stamina + ivs.stamina
    raw = attack * math.sqrt(defense) * math.sqrt(stamina) * cpm * cpm / 10
    return max(MIN_COMBAT_POWER, math.floor(raw))


def roll_ivs(rng: OutcomeRng) -> IVs:
    """Each IV is drawn uniformly from 0..15, attack then defense then stamina."""
    return IVs(
        attack=rng.randint(IV_MIN, IV_MAX),
        defense=rng.randint(IV_MIN, IV_MAX),
        stamina=rng.randint(IV_MIN, IV_MAX),
    )
