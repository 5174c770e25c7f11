"""Managing caught creatures: powering up, evolving, transferring.

Refusal codes (the HTTP edge maps the error *type*; clients branch on ``code``):
- ``level_cap`` (RuleRefused): the next level would pass the trainer's level + 2, or 40.
- ``not_enough_stardust`` (Conflict): the player cannot pay the power-up's stardust.
- ``not_enough_candy`` (Conflict): the player cannot pay the power-up's or evolution's candy.
- ``cannot_evolve`` (Conflict): the species is a final stage.
"""
from .config import GameConfig
from .errors import Conflict, RuleRefused
from .levels import MAX_CREATURE_LEVEL, max_creature_level, require_creature_level
from .species import Species, species

LEVEL_STEP = 0.5

# (first creature level of the band, stardust, candy) for one power-up of +0.5 level;
# a band runs up to the next band's first level (standard-style table).
POWER_UP_COSTS: tuple[tuple[float, int, int], ...] = (
    (1.0, 200, 1), (3.0, 400, 1), (5.0, 600, 1), (7.0, 800, 1), (9.0, 1000, 1),
    (11.0, 1300, 2), (13.0, 1600, 2), (15.0, 1900, 2), (17.0, 2200, 2), (19.0, 2500, 2),
    (21.0, 3000, 3), (23.0, 3500, 3), (25.0, 4000, 4), (27.0, 4500, 4), (29.0, 5000, 4),
    (31.0, 6000, 6), (33.0, 7000, 8), (35.0, 8000, 10), (37.0, 9000, 12), (39.0, 10000, 15),
)


def power_up_cost(level: float) -> tuple[int, int]:
    """Going from a level to level + 0.5 costs the (stardust, candy) of that level's band."""
    level = require_creature_level(level)
    if level >= MAX_CREATURE_LEVEL:
        raise RuleRefused(f"level {level} is the highest creature level", code="level_cap")
    cost = (0, 0)
    for first_level, stardust, candy in POWER_UP_COSTS:
        if level >= first_level:
            cost = (stardust, candy)
    return cost


def check_power_up(level: float, trainer_level: int, stardust: int, candy: int) -> tuple[int, int]:
    """A power-up needs the next level within the trainer's cap and enough stardust and candy."""
    level = require_creature_level(level)
    cap = max_creature_level(trainer_level)
    if level + LEVEL_STEP > cap:
        raise RuleRefused(
            f"level {level} is at the cap {cap} for trainer level {trainer_level}", code="level_cap"
        )
    dust_cost, candy_cost = power_up_cost(level)
    if stardust < dust_cost:
        raise Conflict(f"power-up needs {dust_cost} stardust, you have {stardust}", code="not_enough_stardust")
    if candy < candy_cost:
        raise Conflict(f"power-up needs {candy_cost} candy, you have {candy}", code="not_enough_candy")
    return dust_cost, candy_cost


def check_evolve(sp: Species, candy: int) -> Species:
    """A species evolves into its next stage when the player has its evolution candy."""
    if sp.evolves_to is None or sp.evolve_candy is None:
        raise Conflict(f"{sp.name} does not evolve", code="cannot_evolve")
    if candy < sp.evolve_candy:
        raise Conflict(f"evolving {sp.name} needs {sp.evolve_candy} candy, you have {candy}", code="not_enough_candy")
    return species(sp.evolves_to)


def transfer_candy(config: GameConfig) -> int:
    """Transferring a creature gives the configured candy back."""
    return config.transfer_candy
