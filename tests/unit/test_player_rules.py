"""Pure player-state transitions."""
import pytest
from hypothesis import given
from hypothesis import strategies as st

from geocritters.game import player as rules
from geocritters.game.actions import Action
from geocritters.game.config import DAY_MS, DEFAULT_CONFIG
from geocritters.game.errors import Conflict, RuleRefused

NOW = 1_800_000_000_000


def fresh(**fields):
    state = rules.new_player("pl-test", "Tester", NOW, DEFAULT_CONFIG)
    return rules.PlayerState(**{**state.__dict__, **fields})


def test_new_player_gets_the_starting_kit():
    state = fresh()
    assert dict(state.items) == dict(DEFAULT_CONFIG.starting_items)
    assert state.level == 1 and state.team is None and state.revision == 0


@given(held=st.integers(0, 100), spend=st.integers(1, 100))
def test_items_never_go_negative(held, spend):
    state = fresh(items={"ball": held})
    if spend > held:
        with pytest.raises(Conflict):
            rules.spend_item(state, "ball", spend)
    else:
        assert rules.spend_item(state, "ball", spend).items["ball"] == held - spend


def test_stardust_and_candy_spends_are_checked():
    state = fresh(stardust=100, candy={"Mossling": 3})
    with pytest.raises(Conflict, match="stardust"):
        rules.spend(state, stardust=101)
    with pytest.raises(Conflict, match="candy"):
        rules.spend(state, candy={"Mossling": 4})
    after = rules.spend(state, stardust=100, candy={"Mossling": 3})
    assert after.stardust == 0 and after.candy["Mossling"] == 0


def test_team_needs_level_five_and_is_chosen_once():
    with pytest.raises(RuleRefused):
        rules.choose_team(fresh(), "blue", DEFAULT_CONFIG)
    chosen = rules.choose_team(fresh(xp=10_000_000), "red", DEFAULT_CONFIG)
    with pytest.raises(Conflict):
        rules.choose_team(chosen, "blue", DEFAULT_CONFIG)


def test_daily_and_weekly_catch_caps():
    state = fresh(catch_day=NOW // DAY_MS, catches_today=DEFAULT_CONFIG.daily_catch_cap)
    with pytest.raises(RuleRefused) as refused:
        rules.check_catch_cap(state, NOW, DEFAULT_CONFIG)
    assert refused.value.retry_after_s > 0
    rules.check_catch_cap(state, NOW + DAY_MS, DEFAULT_CONFIG)  # a new day
    weekly = fresh(catch_week=NOW // rules.WEEK_MS, catches_this_week=DEFAULT_CONFIG.weekly_catch_cap)
    with pytest.raises(RuleRefused):
        rules.check_catch_cap(weekly, NOW, DEFAULT_CONFIG)


def test_count_catch_restarts_each_day():
    state = rules.count_catch(rules.count_catch(fresh(), NOW), NOW)
    assert state.catches_today == 2 and state.catches_this_week == 2
    assert rules.count_catch(state, NOW + DAY_MS).catches_today == 1


def test_travel_check_uses_the_last_action():
    state = fresh(last_action=rules.Place(40.0, -74.0, NOW))
    rules.check_travel(state, 40.001, -74.0, NOW)  # 111 m: no cooldown
    with pytest.raises(RuleRefused) as refused:
        rules.check_travel(state, 41.0, -74.0, NOW + 60_000)  # 111 km one minute later
    assert refused.value.code == "travel_cooldown"
    rules.check_travel(state, 41.0, -74.0, NOW + 3 * 3600_000)


def test_prune_forgets_only_what_is_over():
    state = fresh(stop_cooldowns={"a": NOW - 1, "b": NOW + 1}, resolved_spawns={"s": NOW, "t": NOW + 5})
    pruned = rules.prune_expired(state, NOW)
    assert pruned.stop_cooldowns == {"b": NOW + 1} and pruned.resolved_spawns == {"t": NOW + 5}


def test_rate_limit_per_action_and_minute():
    from geocritters.game.errors import RateLimited
    state = fresh()
    limit = DEFAULT_CONFIG.rate_limits_per_minute[Action.SPIN]
    for _ in range(limit):
        state = rules.count_action(state, Action.SPIN, NOW, DEFAULT_CONFIG)
    with pytest.raises(RateLimited) as refused:
        rules.count_action(state, Action.SPIN, NOW, DEFAULT_CONFIG)
    assert 1 <= refused.value.retry_after_s <= 60
    rules.count_action(state, Action.THROW, NOW, DEFAULT_CONFIG)  # other actions have their own
    assert rules.count_action(state, Action.SPIN, NOW + 60_000, DEFAULT_CONFIG).rates["spin"][1] == 1


@pytest.mark.parametrize("action", ["spn", "catch", Action.PROFILE])
def test_counting_an_action_without_a_rate_limit_is_an_error(action):
    # A misspelt or unlimited action must fail loudly, not pass as "no limit".
    with pytest.raises(ValueError, match="no rate limit"):
        rules.count_action(fresh(), action, NOW, DEFAULT_CONFIG)


def test_every_counted_action_is_a_known_action():
    assert all(isinstance(action, Action) for action in DEFAULT_CONFIG.rate_limits_per_minute)


def test_strikes_escalate_warning_7_days_30_days_ban():
    state = fresh(last_action=rules.Place(40.0, -74.0, NOW))
    now = NOW
    expected = [0, 7 * DAY_MS, 30 * DAY_MS]
    for strike in (1, 2, 3):
        now += 60_000
        jump = (40.0 + 5 * strike, -74.0)  # 555 km in a minute: no airliner does that
        state = rules.spoofing_strike(state, *jump, now, DEFAULT_CONFIG)
        assert state.strikes == strike
        assert state.suspended_until_ms == (now + expected[strike - 1] if expected[strike - 1] else 0)
    now = state.suspended_until_ms + 1
    rules.check_standing(state, now, DEFAULT_CONFIG)  # the suspension is over
    state = rules.record_action_place(state, 40.0, -74.0, now)
    state = rules.spoofing_strike(state, 10.0, 10.0, now + 60_000, DEFAULT_CONFIG)
    assert state.strikes == 4
    with pytest.raises(RuleRefused) as refused:
        rules.check_standing(state, now + 10 * 365 * DAY_MS, DEFAULT_CONFIG)
    assert refused.value.code == "banned"


def test_plausible_travel_is_no_strike():
    state = fresh(last_action=rules.Place(40.0, -74.0, NOW))
    # 100 km in an hour: a car, not a spoofer (the travel cooldown still applies).
    assert rules.spoofing_strike(state, 40.9, -74.0, NOW + 3_600_000, DEFAULT_CONFIG) is None
    assert rules.spoofing_strike(fresh(), 50.0, 0.0, NOW, DEFAULT_CONFIG) is None


def test_suspended_player_is_refused_until_it_ends():
    state = fresh(strikes=2, suspended_until_ms=NOW + 1000)
    with pytest.raises(RuleRefused) as refused:
        rules.check_standing(state, NOW, DEFAULT_CONFIG)
    assert refused.value.code == "suspended" and refused.value.retry_after_s == 1
    rules.check_standing(state, NOW + 1000, DEFAULT_CONFIG)
