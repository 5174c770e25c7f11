"""Creature levels (CP multiplier) and trainer levels (XP curve), as data."""
import bisect
import math

from .errors import InvalidInput

MIN_CREATURE_LEVEL = 1.0
MAX_CREATURE_LEVEL = 40.0
MAX_TRAINER_LEVEL = 40
MAX_CREATURE_LEVEL_OFFSET = 2

# CP multiplier at whole levels 1..40 (published-style curve; community datamine (c)).
_WHOLE_LEVEL_CPM = (
    0.094, 0.16639787, 0.21573247, 0.25572005, 0.29024988,
    0.3210876, 0.34921268, 0.37523559, 0.39956728, 0.42250001,
    0.44310755, 0.46279839, 0.48168495, 0.49985844, 0.51739395,
    0.53435433, 0.55079269, 0.56675452, 0.58227891, 0.59740001,
    0.61215729, 0.62656713, 0.64065295, 0.65443563, 0.667934,
    0.68116492, 0.69414365, 0.70688421, 0.71939909, 0.7317,
    0.73776948, 0.74378943, 0.74976104, 0.75568551, 0.76156384,
    0.76739717, 0.7731865, 0.77893275, 0.78463697, 0.79030001,
)

# Total XP needed to reach trainer level 1..40 (index 0 is level 1).
TRAINER_XP_THRESHOLDS: tuple[int, ...] = (
    0, 1_000, 3_000, 6_000, 10_000,
    15_000, 21_000, 28_000, 36_000, 45_000,
    55_000, 65_000, 75_000, 85_000, 100_000,
    120_000, 140_000, 160_000, 185_000, 210_000,
    260_000, 335_000, 435_000, 560_000, 710_000,
    900_000, 1_100_000, 1_350_000, 1_650_000, 2_000_000,
    2_500_000, 3_000_000, 3_750_000, 4_750_000, 6_000_000,
    7_500_000, 9_500_000, 12_000_000, 15_000_000, 20_000_000,
)


def _half_level_cpm(lower: float, upper: float) -> float:
    # The real half-level values sit where CPM² (which CP scales with) is halfway.
    return math.sqrt((lower * lower + upper * upper) / 2)


def _build_cpm_table() -> dict[float, float]:
    table: dict[float, float] = {}
    for index, cpm in enumerate(_WHOLE_LEVEL_CPM):
        level = float(index + 1)
        table[level] = cpm
        if index + 1 < len(_WHOLE_LEVEL_CPM):
            table[level + 0.5] = _half_level_cpm(cpm, _WHOLE_LEVEL_CPM[index + 1])
    return table


_CPM_BY_LEVEL = _build_cpm_table()


def require_creature_level(level: float) -> float:
    """A creature level is a multiple of 0.5 from 1.0 to 40.0; anything else is refused."""
    if isinstance(level, bool) or not isinstance(level, (int, float)) or level not in _CPM_BY_LEVEL:
        raise InvalidInput(
            f"creature level must be 1.0..40.0 in steps of 0.5, got {level!r}", code="invalid_level"
        )
    return float(level)


def creature_levels() -> tuple[float, ...]:
    """Every valid creature level, ascending."""
    return tuple(sorted(_CPM_BY_LEVEL))


def cp_multiplier(level: float) -> float:
    """The CP multiplier of a creature level, from the published-style curve."""
    return _CPM_BY_LEVEL[require_creature_level(level)]


def trainer_level(xp: int) -> int:
    """A trainer's level is the highest level whose XP threshold the total XP has reached."""
    if isinstance(xp, bool) or not isinstance(xp, int) or xp < 0:
        raise InvalidInput(f"xp must be a non-negative integer, got {xp!r}", code="invalid_xp")
    return bisect.bisect_right(TRAINER_XP_THRESHOLDS, xp)


def max_creature_level(trainer_level: int) -> float:
    """Creatures can be powered up to the trainer's level + 2, never beyond 40."""
    if isinstance(trainer_level, bool) or not isinstance(trainer_level, int) or trainer_level < 1:
        raise InvalidInput(
            f"trainer level must be a positive integer, got {trainer_level!r}",
            code="invalid_trainer_level",
        )
    return float(min(MAX_CREATURE_LEVEL, trainer_level + MAX_CREATURE_LEVEL_OFFSET))
