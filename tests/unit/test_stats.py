import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from geocritters.game.errors import InvalidInput
from geocritters.game.levels import creature_levels
from geocritters.game.randomness import OutcomeRng, derive_key
from geocritters.game.species import Species, roster, species
from geocritters.game.stats import IVs, combat_power, roll_ivs

KEY = derive_key(b"unit-test-secret", "ivs")
PERFECT = IVs(15, 15, 15)
ZERO = IVs(0, 0, 0)

ivs_strategy = st.builds(
    IVs,
    st.integers(min_value=0, max_value=15),
    st.integers(min_value=0, max_value=15),
    st.integers(min_value=0, max_value=15),
)


def _species(attack: int, defense: int, stamina: int) -> Species:
    return Species(
        id=900, name="Testling", family="Testling", types=("plain",),
        base_attack=attack, base_defense=defense, base_stamina=stamina,
        base_capture_rate=0.4, base_flee_rate=0.1, evolves_to=None, evolve_candy=None, spawn_weight=1.0,
    )


def test_combat_power_known_values():
    # 275 · √225 · √315 · 0.79030001² / 10 = 4572.7…
    assert combat_power(_species(260, 210, 300), 40.0, PERFECT) == 4572
    # 100 · √100 · √100 · 0.42250001² / 10 = 178.5…
    assert combat_power(_species(100, 100, 100), 10.0, ZERO) == 178


def test_combat_power_is_at_least_10():
    # 85 · √75 · √100 · 0.094² / 10 ≈ 6.5, lifted to the minimum.
    assert combat_power(species(13), 1.0, ZERO) == 10
    assert combat_power(_species(40, 40, 80), 1.0, ZERO) == 10


@given(ivs_strategy, st.sampled_from(sorted(roster())))
def test_combat_power_never_decreases_with_level(ivs, species_id):
    sp = species(species_id)
    powers = [combat_power(sp, level, ivs) for level in creature_levels()]
    assert all(a <= b for a, b in itertools.pairwise(powers))
    assert min(powers) >= 10


def test_combat_power_refuses_an_invalid_level():
    with pytest.raises(InvalidInput):
        combat_power(species(1), 41.0, ZERO)


@pytest.mark.parametrize("bad", [(-1, 0, 0), (0, 16, 0), (0, 0, 1.5), (True, 0, 0)])
def test_ivs_outside_0_to_15_are_refused(bad):
    with pytest.raises(InvalidInput):
        IVs(*bad)


def test_roll_ivs_is_reproducible_and_in_range():
    assert roll_ivs(OutcomeRng(KEY, "enc-7")) == roll_ivs(OutcomeRng(KEY, "enc-7"))
    rolled = [roll_ivs(OutcomeRng(KEY, "enc", n)) for n in range(500)]
    for stat in ("attack", "defense", "stamina"):
        assert {getattr(ivs, stat) for ivs in rolled} == set(range(16)), stat
