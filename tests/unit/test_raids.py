"""Raids (game/raids.py): determinism, local hours, frequency, phases, bosses, rewards, ids."""
import math
from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from geocritters.game.config import DEFAULT_CONFIG, HOUR_MS, MINUTE_MS
from geocritters.game.errors import InvalidInput, NotFound
from geocritters.game.raids import (
    RAID_TIERS,
    Raid,
    boss_cp,
    boss_species,
    local_hour,
    parse_raid_id,
    premier_balls,
    raid_at,
    raid_by_id,
    raid_id,
    raid_in_window,
)
from geocritters.game.species import roster, species
from geocritters.game.world import Fort

KEY = b"spawn-secret-for-tests"
OTHER_KEY = b"another-spawn-secret"
CONFIG = DEFAULT_CONFIG
WINDOW_MS = CONFIG.raid_window_ms
# 2025-06-15 12:00 UTC, a window start: noon at lng 0, 20:00 solar time at lng 120.
NOON_UTC = 1_749_988_800_000
assert NOON_UTC % WINDOW_MS == 0 and NOON_UTC // HOUR_MS % 24 == 12
WINDOW = NOON_UTC // WINDOW_MS


def gym(n: int = 0, lng: float = 0.0, cell: str = "u09tunq") -> Fort:
    return Fort(f"gy-{cell}-{n}", "gym", f"Gym {n}", 48.85, lng)


def gyms(count: int, lng: float = 0.0) -> list[Fort]:
    return [gym(n, lng) for n in range(count)]


def raids_in(forts, window, key=KEY, config=CONFIG) -> list[Raid]:
    found = (raid_in_window(key, fort, window, config) for fort in forts)
    return [raid for raid in found if raid is not None]


# Determinism --------------------------------------------------------------------------------


def test_same_key_gym_and_window_give_the_same_raid():
    for fort in gyms(50):
        assert raid_in_window(KEY, fort, WINDOW, CONFIG) == raid_in_window(KEY, fort, WINDOW, CONFIG)


def test_a_different_key_gives_different_raids():
    forts = gyms(200)
    ours = [raid_in_window(KEY, fort, WINDOW, CONFIG) for fort in forts]
    theirs = [raid_in_window(OTHER_KEY, fort, WINDOW, CONFIG) for fort in forts]
    assert ours != theirs


def test_a_stop_never_has_a_raid():
    stop = Fort("st-u09tunq-0", "stop", "Stop", 48.85, 0.0)
    certain = replace(CONFIG, raid_egg_probability=1.0)
    assert all(raid_in_window(KEY, stop, window, certain) is None for window in range(WINDOW, WINDOW + 12))


# Local time ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lng", "hour"),
    [(0.0, 12), (7.4, 12), (7.5, 13), (-7.6, 11), (120.0, 20), (135.0, 21), (180.0, 0), (-180.0, 0), (-75.0, 7)],
)
def test_local_hour_is_solar_time_from_the_longitude(lng, hour):
    assert local_hour(lng, NOON_UTC + 30 * MINUTE_MS) == hour


def test_eggs_appear_only_between_5_and_20_59_local():
    certain = replace(CONFIG, raid_egg_probability=1.0)
    # Same UTC instant: noon at lng 0 has raids; 20:00 at lng 120 too (20:xx is in);
    # 22:00 at lng 150 and 02:00 at lng -150 have none.
    assert len(raids_in(gyms(20, 0.0), WINDOW, config=certain)) == 20
    assert len(raids_in(gyms(20, 120.0), WINDOW, config=certain)) == 20
    assert raids_in(gyms(20, 150.0), WINDOW, config=certain) == []
    assert raids_in(gyms(20, -150.0), WINDOW, config=certain) == []
    # At lng 0 a whole day: windows starting 04:00 (egg at 04:xx) and 22:00 have none,
    # 06:00 through 20:00 have one.
    day = WINDOW - 6  # 00:00 UTC
    hours_with_raids = [
        (window - day) * 2 for window in range(day, day + 12) if raids_in([gym()], window, config=certain)
    ]
    assert hours_with_raids == [6, 8, 10, 12, 14, 16, 18, 20]
    for raid in raids_in(gyms(30, 37.0), WINDOW, config=certain):
        assert 5 <= local_hour(37.0, raid.egg_ms) <= 20


def test_the_fraction_of_daytime_windows_with_a_raid_is_near_p():
    forts = gyms(600)
    count = len(raids_in(forts, WINDOW))
    p = CONFIG.raid_egg_probability
    # Binomial(600, 0.25): sd ~10.6, so 6 sd either side; a fixed key makes it reproducible.
    sd = math.sqrt(len(forts) * p * (1 - p))
    assert abs(count - len(forts) * p) < 6 * sd


# Phases and times ---------------------------------------------------------------------------


def test_a_raid_hatches_after_an_hour_ends_45_min_later_inside_its_window():
    found = raids_in(gyms(100), WINDOW)
    assert found
    start = WINDOW * WINDOW_MS
    for raid in found:
        assert start <= raid.egg_ms < start + 15 * MINUTE_MS
        assert raid.hatch_ms == raid.egg_ms + HOUR_MS
        assert raid.end_ms == raid.hatch_ms + 45 * MINUTE_MS
        assert raid.end_ms <= start + WINDOW_MS
        assert raid.raid_id == raid_id(WINDOW, raid.gym_id)


def test_phases_follow_the_times():
    raid = raids_in(gyms(40), WINDOW)[0]
    assert raid.phase(raid.egg_ms - 1) == "upcoming"
    assert raid.phase(raid.egg_ms) == "egg"
    assert raid.phase(raid.hatch_ms - 1) == "egg"
    assert raid.phase(raid.hatch_ms) == "battle"
    assert raid.phase(raid.end_ms - 1) == "battle"
    assert raid.phase(raid.end_ms) == "over"


def test_raid_at_shows_a_raid_only_in_its_egg_and_battle_phases():
    raid = raids_in(gyms(40), WINDOW)[0]
    fort = gym(int(raid.gym_id.rsplit("-", 1)[1]))
    for now in (raid.egg_ms, raid.hatch_ms, raid.end_ms - 1):
        assert raid_at(KEY, fort, now, CONFIG) == raid
    for now in (raid.egg_ms - 1, raid.end_ms):
        assert raid_at(KEY, fort, now, CONFIG) is None
    with pytest.raises(InvalidInput):
        raid_at(KEY, fort, -1, CONFIG)


def test_raid_by_id_resolves_any_phase_and_refuses_a_window_without_raid():
    forts = gyms(40)
    for fort in forts:
        raid = raid_in_window(KEY, fort, WINDOW, CONFIG)
        rid = raid_id(WINDOW, fort.id)
        if raid is None:
            with pytest.raises(NotFound) as refused:
                raid_by_id(KEY, rid, fort, CONFIG)
            assert refused.value.code == "raid_not_found"
        else:
            assert raid_by_id(KEY, rid, fort, CONFIG) == raid
    with pytest.raises(InvalidInput):
        raid_by_id(KEY, "rd-x", forts[0], CONFIG)


# Bosses -------------------------------------------------------------------------------------


def test_tiers_have_their_hp_and_the_boss_cp_formula():
    certain = replace(CONFIG, raid_egg_probability=1.0)
    found = raids_in(gyms(300), WINDOW, config=certain)
    assert {raid.tier for raid in found} == set(RAID_TIERS)
    for raid in found:
        assert raid.boss_hp == {1: 600, 3: 3600, 5: 15000}[raid.tier]
        assert species(raid.boss_species_id) in boss_species(raid.tier)
        assert raid.boss_cp == boss_cp(species(raid.boss_species_id), raid.boss_hp)


def test_boss_cp_against_a_hand_computed_value():
    # Mossling (110 / 105): 125 × √120 × √600 / 10 = 12.5 × √72000 = 3354.10...
    assert boss_cp(species(1), 600) == 3354


def test_tier_species_partition_the_roster_by_stat_product():
    tiers = [boss_species(tier) for tier in RAID_TIERS]
    ids = [sp.id for tier in tiers for sp in tier]
    assert sorted(ids) == sorted(roster())
    assert len(ids) == len(set(ids))
    assert max(len(t) for t in tiers) - min(len(t) for t in tiers) <= 1

    def product(sp):
        return sp.base_attack * sp.base_defense * sp.base_stamina

    assert max(map(product, tiers[0])) <= min(map(product, tiers[1]))
    assert max(map(product, tiers[1])) <= min(map(product, tiers[2]))
    with pytest.raises(InvalidInput):
        boss_species(2)


# Rewards ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("share", "same_team", "balls"),
    [
        (0.0, False, 5), (0.09, False, 5), (0.1, False, 6), (0.3, False, 8), (0.49, False, 9),
        (0.5, False, 10), (1.0, False, 10), (0.0, True, 7), (0.25, True, 9), (1.0, True, 12),
    ],
)
def test_premier_balls(share, same_team, balls):
    assert premier_balls(share, same_team, CONFIG) == balls


@pytest.mark.parametrize("share", [-0.1, 1.01, math.nan, "0.5", True, None])
def test_premier_balls_refuse_a_share_outside_0_1(share):
    with pytest.raises(InvalidInput):
        premier_balls(share, False, CONFIG)


# Ids ----------------------------------------------------------------------------------------

_GEOHASH = "0123456789bcdefghjkmnpqrstuvwxyz"
_GENERATED_GYM_ID = st.builds(
    lambda cell, n: f"gy-{cell}-{n}", st.text(alphabet=_GEOHASH, min_size=7, max_size=7), st.integers(0, 999_999)
)
_CURATED_ID = st.builds(
    lambda cell, slug: f"poi-{cell}-{slug}",
    st.text(alphabet=_GEOHASH, min_size=6, max_size=6),
    # A slug: lowercase letters, digits and inner hyphens.
    st.builds(
        lambda ends, inner: ends[0] + inner + ends[1:],
        st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789", min_size=1, max_size=2),
        st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-", max_size=20),
    ).filter(lambda slug: len(slug) == 1 or not slug.endswith("-")),
)


@settings(max_examples=200)
@given(window=st.integers(0, 10**12 - 1), gym_id=st.one_of(_GENERATED_GYM_ID, _CURATED_ID))
def test_raid_id_round_trip(window, gym_id):
    assert parse_raid_id(raid_id(window, gym_id)) == (window, gym_id)


@settings(max_examples=300)
@given(st.one_of(st.text(), st.builds(lambda s: "rd-" + s, st.text()), st.integers(), st.none(), st.binary()))
def test_parse_raid_id_raises_only_invalid_input(text):
    try:
        window, gym_id = parse_raid_id(text)
    except InvalidInput as refused:
        assert refused.code == "invalid_raid_id"
    else:
        assert raid_id(window, gym_id) == text


@pytest.mark.parametrize(
    "bad",
    [
        "", "rd-", "rd-12", "rd-12-", "rd--1-gy-u09tunq-0", "rd-012-gy-u09tunq-0", "rd-+1-gy-u09tunq-0",
        "rd-1-st-u09tunq-0", "rd-1-gy-u09tunq", "rd-1-gy-u09tunq-0\n", "RD-1-gy-u09tunq-0",
        "rd-1-poi-u09tun-", "rd-1234567890123-gy-u09tunq-0", "xx-1-gy-u09tunq-0",
    ],
)
def test_malformed_raid_ids(bad):
    with pytest.raises(InvalidInput) as refused:
        parse_raid_id(bad)
    assert refused.value.code == "invalid_raid_id"
