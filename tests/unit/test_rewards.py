from collections import Counter

import pytest
from hypothesis import given
from hypothesis import strategies as st

from geocritters.game.config import DEFAULT_CONFIG
from geocritters.game.errors import InvalidInput
from geocritters.game.randomness import OutcomeRng, derive_key
from geocritters.game.rewards import (
    SPIN_ITEM_TABLE,
    BagGrant,
    CatchReward,
    catch_reward,
    fit_in_bag,
    spin_item_weights,
    spin_reward,
)

KEY = derive_key(b"unit-test-secret", "spin")


def _spins(trainer_level: int, count: int = 300):
    return [spin_reward(OutcomeRng(KEY, "stop", n), trainer_level, False, DEFAULT_CONFIG) for n in range(count)]


def test_spin_gives_3_to_6_items():
    totals = {sum(reward.items.values()) for reward in _spins(10)}
    assert totals == {3, 4, 5, 6}


def test_spin_xp_is_250_on_a_never_spun_stop_else_50():
    rng_args = (KEY, "stop", 1)
    assert spin_reward(OutcomeRng(*rng_args), 5, True, DEFAULT_CONFIG).xp == 250
    assert spin_reward(OutcomeRng(*rng_args), 5, False, DEFAULT_CONFIG).xp == 50


def test_spin_is_reproducible_for_the_same_stream():
    first = spin_reward(OutcomeRng(KEY, "stop-9", 4), 25, False, DEFAULT_CONFIG)
    retry = spin_reward(OutcomeRng(KEY, "stop-9", 4), 25, False, DEFAULT_CONFIG)
    assert first == retry


def test_better_balls_unlock_with_trainer_level():
    def seen(level):
        return set().union(*(reward.items for reward in _spins(level)))

    assert seen(1) == {"ball", "potion", "razz_berry"}
    assert seen(11) == {"ball", "potion", "razz_berry"}
    assert seen(12) == {"ball", "great_ball", "potion", "razz_berry"}
    assert seen(20) == {"ball", "great_ball", "ultra_ball", "potion", "razz_berry"}


def test_low_levels_get_mostly_balls():
    items = Counter()
    for reward in _spins(3):
        items.update(reward.items)
    assert items["ball"] / sum(items.values()) > 0.6


def test_spin_table_bands_ascend_from_level_1():
    assert SPIN_ITEM_TABLE[0][0] == 1
    starts = [start for start, _ in SPIN_ITEM_TABLE]
    assert starts == sorted(starts)
    assert "ultra_ball" in spin_item_weights(40)
    with pytest.raises(InvalidInput):
        spin_item_weights(0)


def test_fit_in_bag_grants_in_item_name_order_and_reports_the_rest():
    grant = fit_in_bag(348, {"potion": 2, "ball": 3}, 350)
    assert grant == BagGrant(granted={"ball": 2}, dropped={"ball": 1, "potion": 2})
    assert fit_in_bag(0, {"ball": 3}, 350) == BagGrant(granted={"ball": 3}, dropped={})
    assert fit_in_bag(400, {"ball": 1}, 350) == BagGrant(granted={}, dropped={"ball": 1})


@given(
    st.integers(min_value=0, max_value=400),
    st.dictionaries(st.sampled_from(["ball", "great_ball", "potion", "razz_berry", "ultra_ball"]),
                    st.integers(min_value=0, max_value=400)),
    st.integers(min_value=0, max_value=500),
)
def test_fit_in_bag_never_exceeds_capacity_and_loses_nothing(current_total, offered, capacity):
    grant = fit_in_bag(current_total, offered, capacity)
    granted_total = sum(grant.granted.values())
    room = max(0, capacity - current_total)
    assert granted_total <= room
    assert Counter(grant.granted) + Counter(grant.dropped) == Counter(offered)
    if grant.dropped:
        assert granted_total == room  # nothing is dropped while there is still room


def test_fit_in_bag_refuses_negative_counts():
    with pytest.raises(InvalidInput):
        fit_in_bag(0, {"ball": -1}, 350)


def test_catch_reward_comes_from_config():
    assert catch_reward(DEFAULT_CONFIG) == CatchReward(xp=100, stardust=100, candy=3)
