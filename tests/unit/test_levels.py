import itertools
import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from geocritters.game.errors import InvalidInput
from geocritters.game.levels import (
    MAX_CREATURE_LEVEL_OFFSET,
    TRAINER_XP_THRESHOLDS,
    cp_multiplier,
    creature_levels,
    max_creature_level,
    trainer_level,
)


def test_creature_levels_run_from_1_to_40_in_half_steps():
    levels = creature_levels()
    assert len(levels) == 79
    assert levels[0] == 1.0 and levels[-1] == 40.0
    assert all(b - a == 0.5 for a, b in itertools.pairwise(levels))


def test_cp_multiplier_known_points():
    assert cp_multiplier(1) == 0.094
    assert cp_multiplier(10.0) == pytest.approx(0.4225, abs=1e-6)
    assert cp_multiplier(40.0) == pytest.approx(0.7903, abs=1e-4)
    # Published half-level value.
    assert cp_multiplier(1.5) == pytest.approx(0.1351374318, abs=1e-7)


def test_cp_multiplier_strictly_increases_with_level():
    values = [cp_multiplier(level) for level in creature_levels()]
    assert all(a < b for a, b in itertools.pairwise(values))


@pytest.mark.parametrize("bad", [0.5, 40.5, 1.25, 0, -1, math.nan, math.inf, "10", None, True])
def test_cp_multiplier_refuses_levels_off_the_grid(bad):
    with pytest.raises(InvalidInput):
        cp_multiplier(bad)


def test_trainer_thresholds_shape():
    assert len(TRAINER_XP_THRESHOLDS) == 40
    assert TRAINER_XP_THRESHOLDS[:3] == (0, 1_000, 3_000)
    assert TRAINER_XP_THRESHOLDS[-1] == 20_000_000
    assert all(a < b for a, b in itertools.pairwise(TRAINER_XP_THRESHOLDS))


@pytest.mark.parametrize("level", range(1, 41))
def test_trainer_level_round_trips_thresholds(level):
    threshold = TRAINER_XP_THRESHOLDS[level - 1]
    assert trainer_level(threshold) == level
    if level > 1:
        assert trainer_level(threshold - 1) == level - 1


@given(st.integers(min_value=0, max_value=10**9))
def test_trainer_level_is_the_highest_reached_threshold(xp):
    level = trainer_level(xp)
    assert 1 <= level <= 40
    assert TRAINER_XP_THRESHOLDS[level - 1] <= xp
    if level < 40:
        assert xp < TRAINER_XP_THRESHOLDS[level]


@pytest.mark.parametrize("bad", [-1, 1.5, "100", True])
def test_trainer_level_refuses_bad_xp(bad):
    with pytest.raises(InvalidInput):
        trainer_level(bad)


def test_max_creature_level_is_trainer_level_plus_two_up_to_40():
    assert MAX_CREATURE_LEVEL_OFFSET == 2
    assert max_creature_level(1) == 3.0
    assert max_creature_level(30) == 32.0
    assert max_creature_level(38) == 40.0
    assert max_creature_level(40) == 40.0
    with pytest.raises(InvalidInput):
        max_creature_level(0)
