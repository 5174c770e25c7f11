import itertools

import pytest

from geocritters.game.collection import (
    POWER_UP_COSTS,
    check_evolve,
    check_power_up,
    power_up_cost,
    transfer_candy,
)
from geocritters.game.config import DEFAULT_CONFIG
from geocritters.game.errors import Conflict, InvalidInput, RuleRefused
from geocritters.game.levels import creature_levels
from geocritters.game.species import roster, species

RICH = 10**9


@pytest.mark.parametrize(
    "level, cost",
    [(1.0, (200, 1)), (2.5, (200, 1)), (3.0, (400, 1)), (10.5, (1000, 1)), (11.0, (1300, 2)),
     (30.5, (5000, 4)), (31.0, (6000, 6)), (39.5, (10000, 15))],
)
def test_power_up_cost_table_points(level, cost):
    assert power_up_cost(level) == cost


def test_power_up_costs_never_decrease_with_level():
    costs = [power_up_cost(level) for level in creature_levels()[:-1]]
    assert all(a[0] <= b[0] and a[1] <= b[1] for a, b in itertools.pairwise(costs))
    starts = [start for start, _, _ in POWER_UP_COSTS]
    assert starts == sorted(starts) and starts[0] == 1.0


def test_powering_up_from_1_to_40_costs_270000_stardust():
    assert sum(power_up_cost(level)[0] for level in creature_levels()[:-1]) == 270_000


def test_level_40_cannot_be_powered_up():
    with pytest.raises(RuleRefused) as refused:
        power_up_cost(40.0)
    assert refused.value.code == "level_cap"


def test_power_up_cost_refuses_a_level_off_the_grid():
    with pytest.raises(InvalidInput):
        power_up_cost(12.25)


def test_check_power_up_returns_the_cost_when_allowed():
    assert check_power_up(20.0, 20, 2500, 2) == (2500, 2)
    assert check_power_up(21.5, 20, RICH, RICH) == (3000, 3)  # 22.0 is exactly the cap


@pytest.mark.parametrize(
    "level, trainer, stardust, candy, error, code",
    [
        (22.0, 20, RICH, RICH, RuleRefused, "level_cap"),
        (3.0, 1, RICH, RICH, RuleRefused, "level_cap"),
        (40.0, 40, RICH, RICH, RuleRefused, "level_cap"),
        (20.0, 20, 2499, RICH, Conflict, "not_enough_stardust"),
        (20.0, 20, RICH, 1, Conflict, "not_enough_candy"),
    ],
)
def test_check_power_up_refusals(level, trainer, stardust, candy, error, code):
    with pytest.raises(error) as refused:
        check_power_up(level, trainer, stardust, candy)
    assert refused.value.code == code


def test_evolve_returns_the_next_stage_for_enough_candy():
    mossling = species(1)
    assert check_evolve(mossling, 25) == species(2)
    assert check_evolve(species(2), 100).name == "Grovelord"


def test_evolve_refusals():
    with pytest.raises(Conflict) as refused:
        check_evolve(species(1), 24)
    assert refused.value.code == "not_enough_candy"
    final = next(sp for sp in roster().values() if sp.evolves_to is None)
    with pytest.raises(Conflict) as refused:
        check_evolve(final, RICH)
    assert refused.value.code == "cannot_evolve"


def test_transfer_candy_comes_from_config():
    assert transfer_candy(DEFAULT_CONFIG) == 1
