import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from geocritters.game.catching import (
    BALLS,
    CURVEBALL,
    Throw,
    catch_probability,
    resolve_throw,
    throw_multiplier,
)
from geocritters.game.errors import InvalidInput
from geocritters.game.levels import cp_multiplier
from geocritters.game.randomness import OutcomeRng, derive_key
from geocritters.game.species import species

KEY = derive_key(b"unit-test-secret", "catch")
Z_999 = 3.2905  # two-sided 99.9 % normal quantile


@pytest.mark.parametrize(
    "bcr, cpm, multiplier, expected",
    [
        (0.5, 0.5, 1.0, 0.5),  # 1 − (1 − 0.5)^1
        (0.2, 0.5, 2.0, 0.36),  # 1 − 0.8²
        (0.4, 0.1, 1.0, 1.0),  # BCR/(2·CPM) = 2: clamped to a sure catch
        (0.3, 0.5, 0.0, 0.0),  # no multiplier, no chance
        (0.0, 0.5, 3.0, 0.0),
    ],
)
def test_catch_probability_formula(bcr, cpm, multiplier, expected):
    assert catch_probability(bcr, cpm, multiplier) == pytest.approx(expected, abs=1e-12)


def test_catch_probability_of_a_real_species():
    # Mossling (BCR 0.45) at level 10 with a great ball: 1 − (1 − 0.45/0.845)^1.5.
    expected = 1 - (1 - 0.45 / (2 * 0.42250001)) ** 1.5
    assert catch_probability(0.45, cp_multiplier(10), 1.5) == pytest.approx(expected)
    assert expected == pytest.approx(0.6803, abs=1e-4)


@given(
    st.floats(min_value=0.0, max_value=1.0),
    st.floats(min_value=0.05, max_value=1.0),
    st.floats(min_value=0.0, max_value=20.0),
    st.floats(min_value=0.0, max_value=20.0),
)
def test_catch_probability_is_monotone_in_multiplier_and_bounded(bcr, cpm, m1, m2):
    low, high = sorted((m1, m2))
    p_low, p_high = catch_probability(bcr, cpm, low), catch_probability(bcr, cpm, high)
    assert 0.0 <= p_low <= 1.0 and 0.0 <= p_high <= 1.0
    assert p_low <= p_high + 1e-12


@pytest.mark.parametrize("args", [(-0.1, 0.5, 1.0), (1.1, 0.5, 1.0), (0.3, 0.0, 1.0), (0.3, 0.5, -1.0)])
def test_catch_probability_refuses_out_of_range_inputs(args):
    with pytest.raises(InvalidInput):
        catch_probability(*args)


@pytest.mark.parametrize(
    "throw, code",
    [
        (Throw(ball="master_ball"), "unknown_ball"),
        (Throw(ball="ball", berry="golden_berry"), "unknown_berry"),
        (Throw(ball="ball", quality="perfect"), "unknown_throw_quality"),
        (Throw(ball="ball", curveball="yes"), "invalid_throw"),
        (Throw(ball=["ball"]), "unknown_ball"),  # unhashable JSON value, still a clean refusal
    ],
)
def test_throw_validation_names_the_problem(throw, code):
    with pytest.raises(InvalidInput) as refused:
        throw.validate()
    assert refused.value.code == code


def test_throw_multiplier_combines_every_factor():
    rng = OutcomeRng(KEY, "multiplier")
    assert throw_multiplier(Throw(ball="ball"), rng) == 1.0
    assert throw_multiplier(Throw(ball="great_ball", berry="razz_berry"), rng) == pytest.approx(2.25)
    assert throw_multiplier(Throw(ball="ball", curveball=True), rng, medal=1.2) == pytest.approx(CURVEBALL * 1.2)
    for _ in range(200):
        m = throw_multiplier(Throw(ball="ultra_ball", berry="razz_berry", quality="excellent", curveball=True), rng)
        assert 2.0 * 1.5 * 1.7 * 1.7 <= m <= 2.0 * 1.5 * 2.0 * 1.7


def test_throw_quality_is_drawn_across_its_range():
    rng = OutcomeRng(KEY, "quality")
    draws = [throw_multiplier(Throw(ball="ball", quality="great"), rng) for _ in range(500)]
    assert min(draws) >= 1.3 and max(draws) <= 1.7
    assert min(draws) < 1.35 and max(draws) > 1.65


def test_resolve_throw_is_deterministic_for_the_same_stream():
    sp = species(5)
    throws = [Throw(ball=ball) for ball in sorted(BALLS)]
    for n in range(50):
        for throw in throws:
            first = resolve_throw(sp, 20.0, throw, OutcomeRng(KEY, "enc", n))
            retry = resolve_throw(sp, 20.0, throw, OutcomeRng(KEY, "enc", n))
            assert first == retry


def test_resolve_throw_outcomes():
    # Gustling at level 1: BCR/(2·CPM) = 0.5/0.188 > 1, a sure catch.
    assert {resolve_throw(species(13), 1.0, Throw(ball="ball"), OutcomeRng(KEY, "sure", n)) for n in range(200)} == {
        "caught"
    }
    outcomes = {resolve_throw(species(38), 35.0, Throw(ball="ball"), OutcomeRng(KEY, "rare", n)) for n in range(300)}
    assert outcomes == {"caught", "escaped", "fled"}


def test_resolve_throw_refuses_an_invalid_throw():
    with pytest.raises(InvalidInput):
        resolve_throw(species(1), 10.0, Throw(ball="net"), OutcomeRng(KEY, "bad"))


def _binomial_bounds(n: int, p: float) -> tuple[float, float]:
    half_width = Z_999 * math.sqrt(n * p * (1 - p))
    return n * p - half_width, n * p + half_width


@pytest.mark.slow
def test_observed_catch_and_flee_rates_match_the_formula():
    # Given Mossbrute (BCR 0.22, flee 0.07) at level 20 and plain balls,
    sp, level, n = species(2), 20.0, 100_000
    p_catch = catch_probability(sp.base_capture_rate, cp_multiplier(level), 1.0)
    # When 100,000 throws are resolved from one seeded stream,
    rng = OutcomeRng(KEY, "statistics", 1)
    outcomes = [resolve_throw(sp, level, Throw(ball="ball"), rng) for _ in range(n)]
    # Then catches and flees fall inside their 99.9 % binomial intervals.
    caught, fled = outcomes.count("caught"), outcomes.count("fled")
    low, high = _binomial_bounds(n, p_catch)
    assert low <= caught <= high, (caught, n * p_catch)
    low, high = _binomial_bounds(n, (1 - p_catch) * sp.base_flee_rate)
    assert low <= fled <= high
    assert p_catch == pytest.approx(0.1841, abs=1e-4)
