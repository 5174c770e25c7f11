"""A stage's game numbers: GAME_CONFIG_OVERRIDES, checked before anything uses them."""
import pytest

from geocritters.game.config import DEFAULT_CONFIG, with_overrides
from geocritters.settings import SettingsError, load_settings


def test_overrides_replace_numbers_and_leave_the_rest():
    config = with_overrides(DEFAULT_CONFIG, {"raid_lobby_countdown_ms": 5000, "gym_entry_motivation": 1})
    assert config.raid_lobby_countdown_ms == 5000 and config.gym_entry_motivation == 1
    assert config.gym_slots == DEFAULT_CONFIG.gym_slots


@pytest.mark.parametrize("overrides", [
    {"no_such_number": 1},
    {"gym_slots": 6.5},  # an int setting takes an int
    {"gym_slots": True},
    {"gym_slots": "6"},
    {"gym_slots": -1},
    {"rate_limits_per_minute": 3},  # not a number: not overridable this way
])
def test_bad_overrides_are_refused(overrides):
    with pytest.raises(ValueError):
        with_overrides(DEFAULT_CONFIG, overrides)


def test_settings_read_the_overrides_as_a_json_object(monkeypatch):
    monkeypatch.setenv("GAME_SECRET_ID", "secret")
    monkeypatch.setenv("GAME_CONFIG_OVERRIDES", '{"raid_lobby_countdown_ms": 3000}')
    load_settings.cache_clear()
    try:
        assert load_settings().config_overrides == {"raid_lobby_countdown_ms": 3000}
        monkeypatch.setenv("GAME_CONFIG_OVERRIDES", "[1, 2]")
        load_settings.cache_clear()
        with pytest.raises(SettingsError):
            load_settings()
    finally:
        load_settings.cache_clear()
