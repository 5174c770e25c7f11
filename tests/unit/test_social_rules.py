"""Pure rules of friends, gifts and trades."""
from dataclasses import replace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from geocritters.game import friends, gifts, trades
from geocritters.game.config import DAY_MS, DEFAULT_CONFIG, MINUTE_MS
from geocritters.game.entities import Creature
from geocritters.game.errors import Conflict, InvalidInput, RuleRefused
from geocritters.game.player import Place, PlayerState
from geocritters.game.species import roster
from geocritters.game.stats import IVs

NOW = 1_800_000_000_000
CONFIG = DEFAULT_CONFIG
KEY = b"rules-test-key"


def side(days=0, last_day=-1, **fields):
    return friends.Friendship("pl-a", "pl-b", "B", NOW, days=days, last_day=last_day, **fields)


def creature(owner="pl-a", species_id=1, **fields):
    return Creature(owner, "cr-1", species_id, 20.0, 500, IVs(0, 0, 0), NOW, "en-1", **fields)


@given(st.text(max_size=20))
def test_a_trainer_code_is_twelve_digits(text):
    digits = text.replace(" ", "")
    if len(digits) == 12 and digits.isascii() and digits.isdigit():
        assert friends.check_trainer_code(text) == digits
    else:
        with pytest.raises(InvalidInput):
            friends.check_trainer_code(text)


def test_trainer_code_candidates_are_twelve_digits_and_differ_per_attempt():
    codes = {friends.trainer_code_candidate(KEY, "pl-abc", n) for n in range(10)}
    assert len(codes) == 10 and all(len(c) == 12 and c.isdigit() for c in codes)
    assert friends.trainer_code_candidate(KEY, "pl-abc", 0) == friends.trainer_code_candidate(KEY, "pl-abc", 0)


@pytest.mark.parametrize("days, level", [(0, "friend"), (1, "good"), (6, "good"), (7, "great"),
                                         (30, "ultra"), (89, "ultra"), (90, "best"), (400, "best")])
def test_friendship_levels_follow_days_of_interaction(days, level):
    assert side(days=days).level_name(CONFIG) == level


def test_an_interaction_counts_once_a_day_on_both_sides():
    today = NOW // DAY_MS
    mine, theirs = friends.interact(side(days=3, last_day=today - 1), side(days=3, last_day=today - 1), NOW)
    assert (mine.days, theirs.days, mine.last_day) == (4, 4, today)
    again = friends.interact(mine, theirs, NOW + 1000)
    assert (again[0].days, again[1].days) == (4, 4)


def test_request_and_gift_ids_round_trip_and_refuse_garbage():
    request = friends.FriendRequest("pl-abc", "A", "pl-def", "D", NOW, NOW + 1)
    assert friends.parse_request_id(request.request_id) == ("pl-abc", "pl-def")
    assert gifts.parse_gift_id(gifts.gift_id("pl-abc", 20_000)) == ("pl-abc", 20_000)
    for bad in ("fq-pl-abc", "fq-pl-a.pl-b.pl-c", "fq-xx.pl-b", "pl-abc.pl-def"):
        with pytest.raises(InvalidInput):
            friends.parse_request_id(bad)
    for bad in ("gf-pl-abc", "gf-pl-abc.x", "gf-zz.1", "gf-pl-abc.12345678"):
        with pytest.raises(InvalidInput):
            gifts.parse_gift_id(bad)


def test_gift_contents_are_fixed_by_sender_receiver_and_day():
    first = gifts.gift_contents(KEY, "pl-a", "pl-b", 10, NOW, CONFIG)
    assert first == gifts.gift_contents(KEY, "pl-a", "pl-b", 10, NOW + 1000, CONFIG)
    assert CONFIG.gift_items_min <= sum(first.values()) <= CONFIG.gift_items_max


def test_a_gift_can_be_sent_once_a_day_and_once_unopened():
    sender = PlayerState("pl-a", "A", 0, gifts=1)
    gifts.check_can_send(sender, side(), None, NOW)
    with pytest.raises(Conflict, match="today"):
        gifts.check_can_send(sender, side(gift_sent_day=NOW // DAY_MS), None, NOW)
    unopened = gifts.Gift("pl-a", "A", "pl-b", NOW - DAY_MS, {"ball": 1})
    with pytest.raises(Conflict, match="opened"):
        gifts.check_can_send(sender, side(), unopened, NOW)
    with pytest.raises(Conflict, match="no gifts"):
        gifts.check_can_send(replace(sender, gifts=0), side(), None, NOW)


def test_opening_is_capped_per_day_and_never_overfills_the_bag():
    gift = gifts.Gift("pl-a", "A", "pl-b", NOW, {"ball": 3})
    opener = PlayerState("pl-b", "B", 0, gift_open_day=NOW // DAY_MS,
                         gifts_opened_today=CONFIG.gifts_opened_per_day)
    with pytest.raises(RuleRefused):
        gifts.check_can_open(opener, gift, NOW, CONFIG)
    gifts.check_can_open(opener, gift, NOW + DAY_MS, CONFIG)  # a new day
    full = PlayerState("pl-b", "B", 0, items={"ball": CONFIG.bag_capacity - 2})
    with pytest.raises(Conflict, match="room"):
        gifts.check_can_open(full, gift, NOW, CONFIG)


def test_stops_give_gifts_only_while_the_gift_bag_has_room():
    class Always:
        def random(self):
            return 0.0
    assert gifts.find_gift_at_stop(PlayerState("p", "P", 0, gifts=9), Always(), CONFIG)[1] == 1
    assert gifts.find_gift_at_stop(PlayerState("p", "P", 0, gifts=10), Always(), CONFIG)[1] == 0


def test_special_trades_are_new_species_or_rare_ones_and_priced_by_friendship():
    common = next(s for s in roster().values() if s.spawn_weight >= CONFIG.rare_spawn_weight)
    rare = next(s for s in roster().values() if s.spawn_weight < CONFIG.rare_spawn_weight)
    owner = PlayerState("pl-b", "B", 0, dex=frozenset({common.id, rare.id}))
    regular = trades.terms_for(owner, creature(species_id=common.id), 1, CONFIG)
    assert regular == trades.Terms(special=False, stardust=CONFIG.trade_regular_stardust)
    for level, price in zip((1, 2, 3, 4), CONFIG.trade_special_stardust, strict=True):
        assert trades.terms_for(owner, creature(species_id=rare.id), level, CONFIG).stardust == price
    new = trades.terms_for(replace(owner, dex=frozenset()), creature(species_id=common.id), 0, CONFIG)
    assert new == trades.Terms(special=True, stardust=CONFIG.trade_special_stardust[0])


def test_daily_trade_caps_and_stardust():
    today = NOW // DAY_MS
    regular, special = trades.Terms(False, 100), trades.Terms(True, 800)
    busy = PlayerState("p", "P", 0, stardust=10_000, trade_day=today,
                       trades_today=CONFIG.trades_per_day)
    with pytest.raises(RuleRefused) as refused:
        trades.check_caps(busy, regular, NOW, CONFIG)
    assert refused.value.code == "trade_limit"
    trades.check_caps(busy, regular, NOW + DAY_MS, CONFIG)  # counters restart each day
    one_special = replace(busy, trades_today=1, special_trades_today=1)
    trades.check_caps(one_special, regular, NOW, CONFIG)
    with pytest.raises(RuleRefused) as refused:
        trades.check_caps(one_special, special, NOW, CONFIG)
    assert refused.value.code == "special_trade_limit"
    with pytest.raises(Conflict):
        trades.check_caps(replace(busy, trades_today=0, stardust=99), regular, NOW, CONFIG)


def test_proximity_needs_fresh_recorded_positions_within_100_m():
    here = Place(40.0, -73.0, NOW)
    me, friend = PlayerState("a", "A", 0, position=here), PlayerState("b", "B", 0, position=here)
    assert trades.check_proximity(me, friend, NOW, CONFIG) == 0
    for stale in (None, replace(here, at_ms=NOW - MINUTE_MS - 1)):
        with pytest.raises(RuleRefused) as refused:
            trades.check_proximity(me, replace(friend, position=stale), NOW, CONFIG)
        assert refused.value.code == "position_stale"
    near = replace(here, lat=40.0 + 99 / 111_195)  # ~99 m north
    trades.check_proximity(me, replace(friend, position=near), NOW, CONFIG)
    far = replace(here, lat=40.0 + 101 / 111_195)
    with pytest.raises(RuleRefused) as refused:
        trades.check_proximity(me, replace(friend, position=far), NOW, CONFIG)
    assert refused.value.code == "trade_too_far"


@given(days=st.sampled_from([0, 1, 7, 30, 90]), n=st.integers(0, 50))
def test_rerolled_ivs_respect_the_friendship_floor_and_are_deterministic(days, n):
    trade = trades.Trade(f"tr-{n:024x}", "pl-a", "A", "pl-b", "B", creature(), NOW, NOW + 1)
    floor = trades.iv_floor(side(days=days), CONFIG)
    got = trades.rerolled(creature(), "pl-b", KEY, trade, floor, NOW)
    assert got == trades.rerolled(creature(), "pl-b", KEY, trade, floor, NOW)
    assert min(got.ivs.attack, got.ivs.defense, got.ivs.stamina) >= floor
    assert got.player_id == "pl-b" and got.traded_ms == NOW and got.cp > 0


def test_only_free_never_traded_creatures_of_ones_own_trade():
    assert trades.check_tradable(creature(), "pl-a")
    for bad, code in [(creature(defending_gym="gy-1"), "creature_defending"),
                      (creature(traded_ms=NOW), "creature_already_traded")]:
        with pytest.raises(Conflict) as refused:
            trades.check_tradable(bad, "pl-a")
        assert refused.value.code == code
    with pytest.raises(Exception) as refused:
        trades.check_tradable(creature(owner="pl-x"), "pl-a")
    assert refused.value.code == "creature_not_found"
    with pytest.raises(Conflict) as refused:
        trades.check_unchanged(replace(creature(), level=21.0), creature())
    assert refused.value.code == "trade_creature_changed"
