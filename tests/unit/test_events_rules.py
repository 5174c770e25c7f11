"""Live events' rules (game/events.py): when and where an event applies, what
overlapping events add up to, an operator's request checked, and the spawn re-draw."""
import pytest

from geocritters.game import events
from geocritters.game.config import HOUR_MS, MINUTE_MS
from geocritters.game.errors import InvalidInput, Unprocessable
from geocritters.game.events import Effects, Event, combine, effects_at
from geocritters.game.species import spawnable
from geocritters.game.world import World

NOW = 1_800_000_000_000
SPAWNABLE = frozenset(s.id for s in spawnable())


def event(start=NOW, end=NOW + HOUR_MS, prefixes=(), **effects) -> Event:
    return Event("ev-0123456789", "Test", start, end, tuple(prefixes), Effects(**effects))


def test_an_event_is_in_force_from_its_start_to_just_before_its_end():
    e = event(start=NOW, end=NOW + HOUR_MS)
    assert [e.in_force(t) for t in (NOW - 1, NOW, NOW + HOUR_MS - 1, NOW + HOUR_MS)] == \
        [False, True, True, False]


def test_an_event_applies_where_the_geohash_starts_with_a_prefix_or_everywhere():
    regional = event(prefixes=("u09", "dr5ru"))
    assert regional.applies_at("u09tvw0") and regional.applies_at("dr5rux1")
    assert not regional.applies_at("u0ctvw0") and not regional.applies_at("dr5rv00")
    assert event().applies_at("anything")


def test_a_region_is_touched_by_a_prefix_inside_it_or_around_it():
    assert event(prefixes=("u09tv",)).touches_region("u09t")
    assert event(prefixes=("u0",)).touches_region("u09t")
    assert not event(prefixes=("u09w",)).touches_region("u09t")
    assert event().touches_region("zzzz")


def test_overlapping_events_take_the_most_generous_value_not_the_product():
    a = Effects(xp_multiplier=4.0, stardust_multiplier=2.0, hatch_distance_multiplier=0.5,
                spawn_species=(1, 4), spawn_share=0.2)
    b = Effects(xp_multiplier=4.0, stardust_multiplier=3.0, hatch_distance_multiplier=0.25,
                gift_limit_multiplier=2.0, spawn_species=(4, 7), spawn_share=0.4)
    both = combine([a, b])
    assert both.xp_multiplier == 4.0  # two x4 stay x4, never x16
    assert both.stardust_multiplier == 3.0
    assert both.hatch_distance_multiplier == 0.25  # the shorter walk
    assert both.gift_limit_multiplier == 2.0 and both.remote_raid_limit_multiplier == 1.0
    assert both.spawn_species == (1, 4, 7) and both.spawn_share == 0.4
    assert combine([]) == events.NO_EFFECTS


def test_effects_at_combine_only_what_is_in_force_and_applies_there():
    here = event(prefixes=("u09",), xp_multiplier=2.0)
    elsewhere = event(prefixes=("dr5",), xp_multiplier=3.0)
    later = event(start=NOW + HOUR_MS, end=NOW + 2 * HOUR_MS, xp_multiplier=4.0)
    assert effects_at([here, elsewhere, later], "u09tvw0", NOW).xp_multiplier == 2.0
    assert effects_at([here, elsewhere, later], "u09tvw0", NOW + HOUR_MS).xp_multiplier == 4.0
    assert effects_at([here, elsewhere], "s00000", NOW) == events.NO_EFFECTS


def test_scaled_rounds_down_to_whole_amounts():
    assert events.scaled(100, 1.0) == 100 and events.scaled(100, 2.0) == 200
    assert events.scaled(125, 1.5) == 187 and events.scaled(20, 1.25) == 25


@pytest.mark.parametrize("raw", [
    {}, {"xp_multiplier": 1.0}, {"xp_multiplier": 4.5}, {"xp_multiplier": 0.5},
    {"hatch_distance_multiplier": 0.2}, {"hatch_distance_multiplier": 1.5},
    {"xp_multiplier": True}, {"xp_multiplier": "2"}, {"shiny": 2},
    {"spawn_species": [1]}, {"spawn_share": 0.2}, {"spawn_species": [1], "spawn_share": 0.6},
    {"spawn_species": [1], "spawn_share": 0}, {"spawn_species": [1, 1], "spawn_share": 0.2},
    {"spawn_species": list(range(1, 12)), "spawn_share": 0.2},
    {"spawn_species": [99999], "spawn_share": 0.2}, {"spawn_species": "1", "spawn_share": 0.2},
    [], "x",
])
def test_bad_effects_are_invalid_event_effect(raw):
    with pytest.raises(InvalidInput) as refused:
        events.parse_effects(raw, SPAWNABLE)
    assert refused.value.code == "invalid_event_effect"


def test_good_effects_parse():
    wild = sorted(SPAWNABLE)[:2]
    parsed = events.parse_effects({"spawn_species": wild[::-1], "spawn_share": 0.5,
                                   "xp_multiplier": 2, "hatch_distance_multiplier": 0.5}, SPAWNABLE)
    assert parsed == Effects(spawn_species=tuple(wild), spawn_share=0.5, xp_multiplier=2.0,
                             hatch_distance_multiplier=0.5)


@pytest.mark.parametrize("raw", [["u09t5x1"], [""], ["U09"], ["a09"], [1], "u09", ["u0 9"]])
def test_bad_prefixes_are_invalid_event_region(raw):
    with pytest.raises(InvalidInput) as refused:
        events.parse_prefixes(raw)
    assert refused.value.code == "invalid_event_region"


def test_prefixes_inside_another_are_dropped():
    assert events.parse_prefixes(["u09t", "u0", "dr5", "u0"]) == ("dr5", "u0")
    assert events.parse_prefixes(None) == () == events.parse_prefixes([])


@pytest.mark.parametrize("start,end", [
    (NOW + HOUR_MS, NOW + HOUR_MS), (NOW + HOUR_MS, NOW),
    (NOW + HOUR_MS, NOW + HOUR_MS + 31 * 24 * HOUR_MS + 1), ("1", NOW), (NOW, None), (True, NOW),
])
def test_bad_windows_are_invalid_event_window(start, end):
    with pytest.raises(InvalidInput) as refused:
        events.check_window(start, end, NOW, 2 * MINUTE_MS)
    assert refused.value.code == "invalid_event_window"


def test_an_event_must_start_after_every_cache_has_seen_it():
    with pytest.raises(Unprocessable) as refused:
        events.check_window(NOW + 2 * MINUTE_MS - 1, NOW + HOUR_MS, NOW, 2 * MINUTE_MS)
    assert refused.value.code == "event_starts_too_soon"
    assert events.check_window(NOW + 2 * MINUTE_MS, NOW + HOUR_MS, NOW, 2 * MINUTE_MS) == \
        (NOW + 2 * MINUTE_MS, NOW + HOUR_MS)


def test_for_region_lists_in_force_and_upcoming_week_only():
    now_on = event(start=NOW - HOUR_MS, end=NOW + HOUR_MS, prefixes=("u09",), xp_multiplier=2)
    soon = event(start=NOW + 6 * 24 * HOUR_MS, end=NOW + 7 * 24 * HOUR_MS, xp_multiplier=2)
    far = event(start=NOW + 8 * 24 * HOUR_MS, end=NOW + 9 * 24 * HOUR_MS, xp_multiplier=2)
    over = event(start=NOW - 2 * HOUR_MS, end=NOW, xp_multiplier=2)
    other = event(prefixes=("dr5",), xp_multiplier=2)
    assert events.for_region([far, soon, over, other, now_on], "u09t", NOW) == [now_on, soon]


# --- the spawn re-draw ------------------------------------------------------------------------

WORLD = World(b"events-test-seed", b"events-test-spawn-secret", spawnable())
PLACE = (48.8566, 2.3522)  # Paris: geohash u09tvw...


def _spawns(when, evs=()):
    return WORLD.spawns_near(*PLACE, 1000, when, events=evs)


def test_event_species_take_about_their_share_and_leave_other_spawns_alone():
    chosen = tuple(sorted(SPAWNABLE)[:2])
    when = NOW + 30 * MINUTE_MS
    hour_start = when - when % HOUR_MS
    e = event(start=hour_start - HOUR_MS, end=hour_start + 2 * HOUR_MS, prefixes=("u09",),
              spawn_species=chosen, spawn_share=0.5)
    plain, during = _spawns(when), _spawns(when, [e])
    assert [s.id for s in plain] == [s.id for s in during]
    changed = [(a, b) for a, b in zip(plain, during, strict=True) if a.species_id != b.species_id]
    assert changed and all(b.species_id in chosen for _, b in changed)
    share = sum(s.species_id in chosen for s in during) / len(during)
    assert 0.35 < share < 0.7, share  # ~half re-drawn, plus those drawn anyway


def test_no_event_spawn_outside_its_place_or_before_it_started():
    chosen = tuple(sorted(SPAWNABLE)[:2])
    when = NOW + 30 * MINUTE_MS
    elsewhere = event(start=0, end=when + HOUR_MS, prefixes=("dr5",), spawn_species=chosen,
                      spawn_share=0.5)
    later = event(start=when + 1, end=when + HOUR_MS, spawn_species=chosen, spawn_share=0.5)
    assert _spawns(when, [elsewhere, later]) == _spawns(when)


def test_a_spawn_keeps_its_event_species_after_the_event_ends():
    """Under the events in force when it appeared: the encounter recomputes the same one."""
    chosen = tuple(sorted(SPAWNABLE)[:2])
    when = NOW + 30 * MINUTE_MS
    e = event(start=0, end=when + 1, spawn_species=chosen, spawn_share=0.5)
    shown = _spawns(when, [e])
    for spawn in shown:
        later = min(spawn.despawn_ms - 1, when + 1)
        assert WORLD.spawn(spawn.id, later, events=[e]) == spawn
