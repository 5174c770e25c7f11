"""Eggs and the buddy (game/eggs.py, game/buddy.py): pure rules."""
from dataclasses import replace

import pytest

from geocritters.game import buddy as buddy_rules
from geocritters.game import eggs
from geocritters.game.buddy import Buddy
from geocritters.game.config import DAY_MS, DEFAULT_CONFIG
from geocritters.game.entities import Creature
from geocritters.game.errors import Conflict, NotFound, RuleRefused
from geocritters.game.events import Effects
from geocritters.game.player import PlayerState
from geocritters.game.randomness import OutcomeRng
from geocritters.game.species import roster
from geocritters.game.stats import IVs

C = DEFAULT_CONFIG
KEY = b"k" * 32
NOW = 1_800_000_000_000
MOSSLING, LUMIDRAKE = 1, 38


def _player(**fields) -> PlayerState:
    return PlayerState(player_id="pl-" + "a" * 24, name="Walker", created_ms=0, xp=5_000_000, **fields)


def _egg(n=1, km=2, species_id=MOSSLING, **fields) -> eggs.Egg:
    return eggs.Egg(f"eg-{NOW + n:013d}-{n:016x}", km, species_id, NOW + n, **fields)


def _holding(*held) -> PlayerState:
    return _player(eggs={e.egg_id: e for e in held})


def test_every_egg_distance_hatches_first_forms_only_and_never_a_legend():
    evolved = {sp.evolves_to for sp in roster().values() if sp.evolves_to}
    for km in (2, 5, 7, 10):
        pool = eggs.egg_pool(km, C)
        assert pool, km
        assert all(sp.id not in evolved and sp.spawn_weight >= 1 for sp in pool), km


def test_stops_give_eggs_at_their_chance_with_the_species_fixed_and_not_when_full():
    found = [eggs.find_at_stop(_player(), OutcomeRng(KEY, "spin", n), NOW, C)[1] for n in range(2000)]
    got = [e for e in found if e]
    assert 0.17 < len(got) / len(found) < 0.23
    assert {e.km for e in got} == {2, 5, 10}
    assert all(e.species_id in {sp.id for sp in eggs.egg_pool(e.km, C)} for e in got)
    full = _holding(*(_egg(n) for n in range(C.egg_limit)))
    assert not any(eggs.find_at_stop(full, OutcomeRng(KEY, "spin", n), NOW, C)[1] for n in range(200))


def test_gifts_give_seven_km_eggs():
    got = [eggs.find_in_gift(_player(), OutcomeRng(KEY, "gift", n), NOW, C)[1] for n in range(1000)]
    got = [e for e in got if e]
    assert 0.07 < len(got) / 1000 < 0.13 and {e.km for e in got} == {7}


def test_incubating_refuses_a_missing_or_busy_egg_or_incubator():
    waiting, walking = _egg(1), _egg(2, incubator=eggs.INFINITE_INCUBATOR)
    state = replace(_holding(waiting, walking), incubators={"ic-1": 0})
    for egg_id, incubator, error, code in (
            ("eg-none", "infinite", NotFound, "egg_not_found"),
            (walking.egg_id, "infinite", Conflict, "egg_incubating"),
            (waiting.egg_id, "ic-2", NotFound, "incubator_not_found"),
            (waiting.egg_id, "ic-1", NotFound, "incubator_not_found"),  # no use left
            (waiting.egg_id, "infinite", Conflict, "incubator_busy")):
        with pytest.raises(error) as refused:
            eggs.incubate(state, egg_id, incubator, 0.0)
        assert refused.value.code == code


def test_a_limited_incubator_spends_a_use_and_goes_after_its_last_hatch():
    state = replace(_holding(_egg(1)), incubators={"ic-1": 1})
    state = eggs.incubate(state, _egg(1).egg_id, "ic-1", 1_000.0)
    assert state.incubators == {"ic-1": 0} and state.eggs[_egg(1).egg_id].start_m == 1_000.0
    state, _ = eggs.hatch(state, state.eggs[_egg(1).egg_id], 3_000.0, KEY, NOW, C)
    assert state.incubators == {} and state.eggs == {}


def test_an_egg_hatches_only_once_walked_and_pays_by_its_distance():
    egg = _egg(1, km=5, species_id=roster()[16].id, incubator="infinite", start_m=100.0)
    state = _holding(egg)
    with pytest.raises(Conflict) as early:
        eggs.hatch(state, egg, 5_099.0, KEY, NOW, C)
    assert early.value.code == "egg_not_ready"
    with pytest.raises(Conflict) as idle:
        eggs.hatch(_holding(_egg(2)), _egg(2), 99_999.0, KEY, NOW, C)
    assert idle.value.code == "egg_not_incubating"
    after, hatched = eggs.hatch(state, egg, 5_100.0, KEY, NOW, C)
    creature = hatched.creature
    assert creature.species_id == 16 and creature.player_id == state.player_id
    assert min(creature.ivs.attack, creature.ivs.defense, creature.ivs.stamina) >= C.hatch_iv_floor
    assert creature.level == C.hatch_level
    candy_lo, candy_hi, dust_lo, dust_hi, xp = C.hatch_rewards[5]
    assert candy_lo <= hatched.candy <= candy_hi and dust_lo <= hatched.stardust <= dust_hi
    family = roster()[16].family
    assert after.candy[family] == hatched.candy and after.stardust == hatched.stardust
    assert after.xp == state.xp + xp and after.eggs == {} and 16 in after.dex
    # Deterministic: a retry computes the same creature (its id included).
    assert eggs.hatch(state, egg, 9_000.0, KEY, NOW, C)[1] == hatched


def test_live_events_shorten_the_walk_and_multiply_the_hatchs_xp_and_stardust():
    egg = _egg(1, km=10, incubator="infinite", start_m=0.0)
    state = _holding(egg)
    event = Effects(xp_multiplier=2.0, stardust_multiplier=1.5, hatch_distance_multiplier=0.5)
    with pytest.raises(Conflict):
        eggs.hatch(state, egg, 4_999.0, KEY, NOW, C, event)
    after, doubled = eggs.hatch(state, egg, 5_000.0, KEY, NOW, C, event)
    _, plain = eggs.hatch(state, egg, 10_000.0, KEY, NOW, C)
    assert doubled.creature == plain.creature and doubled.candy == plain.candy
    assert doubled.xp == 2 * plain.xp and doubled.stardust == plain.stardust * 3 // 2
    assert after.xp == state.xp + doubled.xp and after.stardust == doubled.stardust


def test_a_low_trainer_hatches_at_its_own_cap():
    state = replace(_holding(_egg(1, incubator="infinite")), xp=0)
    _, hatched = eggs.hatch(state, state.eggs[_egg(1).egg_id], 2_000.0, KEY, NOW, C)
    assert hatched.creature.level == 3.0  # level 1 trainer: 1 + 2


@pytest.mark.parametrize("species_id, km", [(1, 1), (2, 3), (3, 5), (LUMIDRAKE, 20)])
def test_buddy_distance_per_candy_grows_with_rarity(species_id, km):
    assert buddy_rules.buddy_km(roster()[species_id], C) == km


def _creature(n=1, species_id=MOSSLING):
    return Creature("pl-" + "a" * 24, f"cr-{n}", species_id, 10.0, 100, IVs(1, 1, 1), 0, "en")


def test_buddy_candy_is_earned_by_distance_and_paid_once():
    state, paid, _ = buddy_rules.choose(_player(), _creature(), 500.0, NOW, C)
    assert paid == 0 and state.buddy == Buddy("cr-1", MOSSLING, 500.0)
    assert buddy_rules.earned(state.buddy, 3_499.0, C) == 2
    state, paid, family = buddy_rules.credit(state, 3_499.0, C)
    assert (paid, family, state.candy[family]) == (2, "Mossling", 2)
    assert buddy_rules.credit(state, 3_499.0, C)[1] == 0  # nothing twice
    assert buddy_rules.credit(state, 3_500.0, C)[1] == 1


def test_a_swap_pays_the_old_buddy_restarts_progress_and_is_limited_per_day():
    state, _, _ = buddy_rules.choose(_player(), _creature(1), 0.0, NOW, C)
    with pytest.raises(Conflict) as again:
        buddy_rules.choose(state, _creature(1), 0.0, NOW, C)
    assert again.value.code == "already_buddy"
    state, paid, family = buddy_rules.choose(state, _creature(2, species_id=4), 2_700.0, NOW, C)
    assert (paid, family) == (2, "Mossling") and state.buddy.start_m == 2_700.0
    state = replace(state, buddy_swaps_today=C.buddy_swaps_per_day)
    with pytest.raises(RuleRefused) as limited:
        buddy_rules.choose(state, _creature(3), 2_700.0, NOW, C)
    assert limited.value.code == "buddy_swap_limit" and limited.value.retry_after_s > 0
    # A new UTC day counts afresh.
    assert buddy_rules.choose(state, _creature(3), 2_700.0, NOW + DAY_MS, C)[0].buddy_swaps_today == 1
