import hashlib
import hmac

import pytest
from hypothesis import given
from hypothesis import strategies as st

from geocritters.game.randomness import OutcomeRng, WorldRng, derive_key

KEY = derive_key(b"unit-test-secret", "outcomes")


def test_derive_key_is_hmac_sha256_of_the_purpose():
    expected = hmac.new(b"secret", b"spawns", hashlib.sha256).digest()
    assert derive_key(b"secret", "spawns") == expected
    assert derive_key(b"secret", "spawns") != derive_key(b"secret", "catch")


def test_first_draw_is_the_documented_counter_mode_hmac():
    # Pins the derivation: stored outcomes must stay reproducible across releases.
    digest = hmac.new(KEY, b"enc-1|3#0", hashlib.sha256).digest()
    expected = (int.from_bytes(digest[:8], "big") >> 11) / 2**53
    assert OutcomeRng(KEY, "enc-1", 3).random() == expected


def test_world_draws_are_the_documented_length_prefixed_hmac():
    # Pins the world's framing: the generated world must stay the same across releases.
    digest = hmac.new(KEY, b"\x00\x05forts\x00\x07u09tvw0" + (0).to_bytes(4, "big"), hashlib.sha256).digest()
    words = [int.from_bytes(digest[i:i + 8], "big") for i in range(0, 32, 8)]
    rng = WorldRng(KEY, "forts", "u09tvw0")
    # Four draws per digest, its last word first; then the next block.
    assert [rng.u64() for _ in range(4)] == words[::-1]
    next_digest = hmac.new(KEY, b"\x00\x05forts\x00\x07u09tvw0" + (1).to_bytes(4, "big"), hashlib.sha256).digest()
    assert rng.random() == (int.from_bytes(next_digest[24:], "big") >> 11) / 2**53


def test_below_scales_a_draw_exactly():
    rng, same = WorldRng(KEY, "below"), WorldRng(KEY, "below")
    assert [rng.below(7) for _ in range(50)] == [(same.u64() * 7) >> 64 for _ in range(50)]


def test_same_key_and_parts_give_the_same_stream():
    first = OutcomeRng(KEY, "encounter-42", 1)
    second = OutcomeRng(KEY, "encounter-42", 1)
    assert [first.random() for _ in range(20)] == [second.random() for _ in range(20)]


def test_different_parts_or_keys_give_different_streams():
    base = [OutcomeRng(KEY, "encounter-42", 1).random() for _ in range(1)]
    assert base != [OutcomeRng(KEY, "encounter-42", 2).random()]
    assert base != [OutcomeRng(derive_key(b"other", "outcomes"), "encounter-42", 1).random()]
    # The separators keep parts and counter apart: ("a1",) is not ("a", 1).
    assert OutcomeRng(KEY, "a1").random() != OutcomeRng(KEY, "a", 1).random()


@pytest.mark.parametrize("bad_part", ["a|b", "x#1", True, 1.5, None])
def test_ambiguous_or_untyped_parts_are_refused(bad_part):
    with pytest.raises((ValueError, TypeError)):
        OutcomeRng(KEY, bad_part)


@given(st.integers(min_value=0, max_value=10_000))
def test_random_is_in_unit_interval(seed):
    rng = OutcomeRng(KEY, seed)
    for _ in range(5):
        assert 0.0 <= rng.random() < 1.0


def test_randint_is_inclusive_and_covers_the_range():
    rng = OutcomeRng(KEY, "randint")
    draws = [rng.randint(3, 6) for _ in range(2000)]
    assert set(draws) == {3, 4, 5, 6}
    assert OutcomeRng(KEY, "single").randint(7, 7) == 7
    with pytest.raises(ValueError):
        rng.randint(5, 4)


def test_choice_weighted_follows_weights_and_skips_zero_weight():
    rng = OutcomeRng(KEY, "weighted")
    draws = [rng.choice_weighted(["a", "b", "never"], [3.0, 1.0, 0.0]) for _ in range(4000)]
    assert "never" not in draws
    share_a = draws.count("a") / len(draws)
    assert 0.70 < share_a < 0.80  # expected 0.75; 4000 draws give sd ≈ 0.007


@pytest.mark.parametrize(
    "items, weights",
    [([], []), (["a"], [0.0]), (["a", "b"], [1.0]), (["a"], [-1.0])],
)
def test_choice_weighted_refuses_bad_weights(items, weights):
    with pytest.raises(ValueError):
        OutcomeRng(KEY, "bad").choice_weighted(items, weights)
