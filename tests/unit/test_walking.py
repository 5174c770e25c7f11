"""Distance walked (game/walking.py): what counts, what a spoofer earns (nothing), and
that the map's fold and an action's in-memory total agree on every metre."""
import itertools
import math

from hypothesis import given
from hypothesis import strategies as st

from geocritters.adapters.models import PlayerRecord
from geocritters.game import walking
from geocritters.game.config import DEFAULT_CONFIG, MINUTE_MS
from geocritters.game.geo import EARTH_RADIUS_M, haversine_m
from geocritters.game.walking import TRAIL_SLOTS, Sample, Walk, fold, fold_due, record_sample, sample_at

C = DEFAULT_CONFIG
T0 = 1_800_000_000_000 - 1_800_000_000_000 % MINUTE_MS
LAT, LNG = 48.8566, 2.3522
M_PER_DEG_LAT = math.pi * EARTH_RADIUS_M / 180


def _north(metres: float) -> float:
    return LAT + metres / M_PER_DEG_LAT


def _walk_north(kmh: float, minutes: int, start_m: float = 0.0, t0: int = T0, every_s: int = 60):
    """Samples of a straight walk north at ``kmh``, one every ``every_s`` seconds."""
    step_m = kmh * 1000 / 3600 * every_s
    return [sample_at(_north(start_m + n * step_m), LNG, t0 + n * every_s * 1000)
            for n in range(minutes * 60 // every_s + 1)]


def test_a_walk_at_walking_speed_counts_its_straight_line_distance():
    walked = fold(Walk(), _walk_north(5.0, 30), C).walked_m
    assert math.isclose(walked, 2500, rel_tol=0.005), walked


def test_a_walk_just_under_the_speed_cap_counts_and_just_over_counts_nothing():
    assert fold(Walk(), _walk_north(10.4, 10), C).walked_m > 1700
    assert fold(Walk(), _walk_north(10.6, 10), C).walked_m == 0


def test_a_car_at_60_kmh_earns_nothing():
    assert fold(Walk(), _walk_north(60.0, 30), C).walked_m == 0


def test_teleports_earn_nothing_and_the_walk_restarts_where_they_land():
    before = _walk_north(5.0, 10)
    # A 5 km jump in a minute, then the same walk on from there.
    after = _walk_north(5.0, 10, start_m=5000 + 5.0 / 60 * 1000 * 11, t0=before[-1].at_ms + MINUTE_MS)
    walked = fold(Walk(), before + after, C).walked_m
    assert math.isclose(walked, 2 * 5.0 / 6 * 1000, rel_tol=0.01), walked


def test_a_jump_made_while_away_earns_nothing_however_slow_it_averages():
    # 3 km away after an hour without samples: 3 km/h on average, but nobody saw the walk.
    samples = [sample_at(LAT, LNG, T0), sample_at(_north(3000), LNG, T0 + 60 * MINUTE_MS)]
    assert fold(Walk(), samples, C).walked_m == 0


def test_samples_further_apart_than_the_gap_count_nothing_between_them():
    samples = [sample_at(_north(0), LNG, T0), sample_at(_north(300), LNG, T0 + 4 * MINUTE_MS)]
    assert fold(Walk(), samples, C).walked_m == 0
    samples = [sample_at(_north(0), LNG, T0), sample_at(_north(300), LNG, T0 + 3 * MINUTE_MS)]
    assert math.isclose(fold(Walk(), samples, C).walked_m, 300, rel_tol=1e-3)


def test_gps_jitter_while_standing_still_sums_to_nothing():
    """A phone on a desk reporting within 15 m of where it is, every minute for two hours:
    as legs, ~20 m a minute (2.4 km); as walking, nothing."""
    import random

    rnd = random.Random(7)
    samples = []
    for n in range(120):
        angle, radius = rnd.uniform(0, 2 * math.pi), rnd.uniform(0, 15)
        samples.append(sample_at(_north(radius * math.sin(angle)),
                                 LNG + radius * math.cos(angle) / (M_PER_DEG_LAT * math.cos(math.radians(LAT))),
                                 T0 + n * MINUTE_MS))
    legs = sum(haversine_m(a.lat, a.lng, b.lat, b.lng) for a, b in itertools.pairwise(samples))
    assert legs > 1000  # what a naive sum of legs would pay
    assert fold(Walk(), samples, C).walked_m == 0


def test_a_slow_stroll_still_counts_once_it_has_really_moved():
    walked = fold(Walk(), _walk_north(1.0, 30), C).walked_m  # 500 m at 1 km/h: 17 m a minute
    assert 480 <= walked <= 501, walked  # whole 40 m steps; 0.1 m sample rounding


def test_the_week_total_restarts_with_the_week():
    """A step counts in the week of the sample that ends it."""
    week_ms = walking.WEEK_MS
    end_of_week = (T0 // week_ms + 1) * week_ms
    samples = _walk_north(5.0, 20, t0=end_of_week - 10 * MINUTE_MS)
    walk = fold(Walk(), samples, C)
    last_week = fold(Walk(), [s for s in samples if s.at_ms < end_of_week], C).walked_m
    assert walk.week == end_of_week // week_ms
    assert 700 < last_week < walk.walked_m
    assert math.isclose(walk.week_m, walk.walked_m - last_week, rel_tol=1e-9)


@given(st.lists(st.tuples(st.floats(-200, 200), st.floats(-200, 200), st.integers(5, 200)),
                min_size=1, max_size=40),
       st.integers(0, 40))
def test_folding_in_parts_equals_folding_at_once(moves, split):
    """The map folds every few minutes; an action folds what is pending in memory: both
    must reach the same total whatever the split."""
    samples, lat, lng, at = [], LAT, LNG, T0
    for dy, dx, seconds in moves:
        lat, lng, at = _north((lat - LAT) * M_PER_DEG_LAT + dy), lng + dx / 73_000, at + seconds * 1000
        samples.append(sample_at(lat, lng, at))
    split = min(split, len(samples))
    in_parts = fold(fold(Walk(), samples[:split], C), samples, C)
    assert in_parts == fold(Walk(), samples, C)


def test_the_trail_keeps_one_sample_a_minute_and_says_which_older_one_it_replaced():
    first, same_minute = sample_at(LAT, LNG, T0), sample_at(_north(10), LNG, T0 + 30_000)
    trail, replaced = record_sample({}, first)
    trail, replaced = record_sample(trail, same_minute)
    assert trail == {walking.trail_slot(T0): same_minute} and replaced is None
    later = sample_at(_north(20), LNG, T0 + TRAIL_SLOTS * MINUTE_MS)  # the same slot
    trail, replaced = record_sample(trail, later)
    assert trail == {walking.trail_slot(T0): later} and replaced == same_minute


def test_a_retried_write_learns_what_it_replaced_from_the_displaced_sample():
    """The item a retry sees already holds its own sample; the minute's first write kept
    the one it pushed out, and only an earlier occupant of the same slot counts."""
    old = sample_at(LAT, LNG, T0)
    new = sample_at(_north(300), LNG, T0 + TRAIL_SLOTS * MINUTE_MS)
    slot = walking.trail_slot(T0)
    assert record_sample({slot: new}, new, displaced=old) == ({slot: new}, old)
    assert record_sample({slot: new}, new, displaced=None)[1] is None
    other_slot = sample_at(LAT, LNG, T0 + MINUTE_MS)
    assert record_sample({slot: new}, new, displaced=other_slot)[1] is None
    assert record_sample({slot: new}, new, displaced=new)[1] is None


def test_the_map_folds_before_a_pending_sample_is_lost():
    samples = _walk_north(5.0, TRAIL_SLOTS - C.walk_fold_margin_slots - 1)
    trail = {}
    for sample in samples:
        trail, replaced = record_sample(trail, sample)
        assert not fold_due(Walk(), trail, replaced, C)
    nxt = sample_at(_north(1000), LNG, samples[-1].at_ms + MINUTE_MS)
    trail, replaced = record_sample(trail, nxt)
    assert fold_due(Walk(), trail, replaced, C)  # the oldest would go within the margin
    walk = fold(Walk(), trail.values(), C)
    assert not fold_due(walk, trail, None, C)
    # Back after a break: the slot's pending sample is replaced -> fold now, with it.
    stale = {walking.trail_slot(T0): sample_at(LAT, LNG, T0)}
    back = sample_at(LAT, LNG, T0 + 3 * TRAIL_SLOTS * MINUTE_MS)
    trail, replaced = record_sample(stale, back)
    assert replaced is not None and fold_due(Walk(), trail, replaced, C)


def test_a_stored_sample_round_trips_exactly():
    sample = sample_at(-33.86785123456, 151.20732987654, T0)
    assert sample == Sample(-33.867851, 151.20733, T0)
    from geocritters.adapters.mapping import _sample_from_text, sample_text

    assert _sample_from_text(sample_text(sample)) == sample


def test_the_player_item_has_one_trail_attribute_per_slot():
    attributes = PlayerRecord.get_attributes()
    assert {f"t{n}" for n in range(TRAIL_SLOTS)} <= set(attributes)
    assert f"t{TRAIL_SLOTS}" not in attributes
