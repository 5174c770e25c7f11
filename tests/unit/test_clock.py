"""The accelerated game clock of the local dev server (adapters/clock.py)."""
import pytest

from geocritters.adapters.clock import AcceleratedClock
from tests.fakes.real_time import RealTime

START_MS = 1_800_000_000_000


def test_starts_at_the_real_time_and_runs_rate_times_faster():
    real = RealTime(START_MS)
    clock = real.accelerated_clock(60)
    assert clock.now_ms() == START_MS
    real.advance_s(1)
    assert clock.now_ms() == START_MS + 60_000
    real.advance_s(0.5)
    assert clock.now_ms() == START_MS + 90_000


def test_rate_one_keeps_real_time():
    real = RealTime(START_MS)
    clock = real.accelerated_clock(1)
    real.advance_s(12.345)
    assert clock.now_ms() == real.wall_ns // 1_000_000


def test_a_wall_clock_step_back_does_not_move_game_time_back():
    real = RealTime(START_MS)
    clock = real.accelerated_clock(10)
    real.advance_s(2)
    before = clock.now_ms()
    real.wall_ns -= 3_600 * 1_000_000_000  # NTP steps the wall clock an hour back
    assert clock.now_ms() == before == START_MS + 20_000


@pytest.mark.parametrize("rate", [0, -2, float("inf"), float("nan"), True, "60"])
def test_a_rate_that_is_not_a_positive_number_is_refused(rate):
    with pytest.raises(ValueError, match="clock rate"):
        AcceleratedClock(rate)


def test_a_shared_file_clock_is_read_by_every_holder_of_the_file(tmp_path):
    from geocritters.adapters.clock import SharedFileClock

    path = str(tmp_path / "clock")
    test_side = SharedFileClock(path, START_MS)
    function_side = SharedFileClock(path)  # another process's view, reading only
    assert function_side.now_ms() == START_MS
    test_side.advance(90_000)
    assert function_side.now_ms() == START_MS + 90_000


def test_the_clock_comes_from_the_environment_only_when_a_file_is_named(tmp_path, monkeypatch):
    from geocritters.adapters.clock import (
        CLOCK_FILE_ENV,
        SharedFileClock,
        SystemClock,
        clock_from_environment,
    )

    monkeypatch.delenv(CLOCK_FILE_ENV, raising=False)
    assert isinstance(clock_from_environment(), SystemClock)
    monkeypatch.setenv(CLOCK_FILE_ENV, str(tmp_path / "clock"))
    SharedFileClock(str(tmp_path / "clock"), START_MS)
    clock = clock_from_environment()
    assert isinstance(clock, SharedFileClock) and clock.now_ms() == START_MS
