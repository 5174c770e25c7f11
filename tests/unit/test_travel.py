import pytest
from hypothesis import given
from hypothesis import strategies as st

from geocritters.game.errors import InvalidInput
from geocritters.game.travel import (
    COOLDOWN_CAP_MIN,
    COOLDOWN_TABLE_KM_MIN,
    cooldown_remaining_ms,
    travel_cooldown_ms,
)

MINUTE = 60_000
CAP_MS = 120 * MINUTE


@pytest.mark.parametrize(
    "km, minutes",
    [(1, 0.5), (2, 1), (4, 2), (10, 8), (20, 13), (30, 18), (60, 25), (125, 33),
     (200, 42), (300, 50), (500, 64), (800, 86), (1000, 100)],
)
def test_exact_table_points(km, minutes):
    assert travel_cooldown_ms(km * 1000) == minutes * MINUTE


def test_table_is_the_design_table():
    assert COOLDOWN_TABLE_KM_MIN[0] == (1, 0.5)
    assert COOLDOWN_TABLE_KM_MIN[-1] == (1000, 100)
    assert COOLDOWN_CAP_MIN == 120


def test_no_cooldown_below_one_km():
    assert travel_cooldown_ms(0) == 0
    assert travel_cooldown_ms(999.999) == 0


def test_interpolates_between_points():
    assert travel_cooldown_ms(1_500) == 45_000  # halfway from 30 s to 1 min
    assert travel_cooldown_ms(15_000) == int(10.5 * MINUTE)  # halfway from 8 to 13 min


def test_grows_past_the_last_point_then_caps_at_120_minutes():
    assert travel_cooldown_ms(1_100_000) == 107 * MINUTE  # last slope 14 min / 200 km
    assert travel_cooldown_ms(1_300_000) == CAP_MS
    assert travel_cooldown_ms(20_000_000) == CAP_MS


@given(st.floats(min_value=0, max_value=25_000_000), st.floats(min_value=0, max_value=25_000_000))
def test_cooldown_never_decreases_with_distance_and_is_capped(d1, d2):
    near, far = sorted((d1, d2))
    assert 0 <= travel_cooldown_ms(near) <= travel_cooldown_ms(far) <= CAP_MS


@pytest.mark.parametrize("bad", [-1, float("nan"), float("inf"), "5", None])
def test_refuses_bad_distances(bad):
    with pytest.raises(InvalidInput):
        travel_cooldown_ms(bad)


def test_cooldown_remaining():
    last = 1_700_000_000_000
    assert cooldown_remaining_ms(last, 2_000, last) == MINUTE
    assert cooldown_remaining_ms(last, 2_000, last + 45_000) == 15_000
    assert cooldown_remaining_ms(last, 2_000, last + MINUTE) == 0
    assert cooldown_remaining_ms(last, 2_000, last + 10 * MINUTE) == 0
    assert cooldown_remaining_ms(last, 500, last) == 0


@given(st.integers(min_value=0, max_value=10**13), st.floats(min_value=0, max_value=5_000_000),
       st.integers(min_value=0, max_value=10**9))
def test_cooldown_remaining_is_never_negative_nor_above_the_cooldown(last, distance, elapsed):
    remaining = cooldown_remaining_ms(last, distance, last + elapsed)
    assert 0 <= remaining <= travel_cooldown_ms(distance)
