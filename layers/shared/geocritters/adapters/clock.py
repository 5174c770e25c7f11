"""Wall-clock time, behind a function so tests pass a fake clock instead of sleeping."""
import math
import time


class SystemClock:
    def now_ms(self) -> int:
        return time.time_ns() // 1_000_000


class FakeClock:
    """A clock tests move by hand."""

    def __init__(self, now_ms: int):
        self._now_ms = now_ms

    def now_ms(self) -> int:
        return self._now_ms

    def advance(self, ms: int) -> None:
        self._now_ms += ms


class AcceleratedClock:
    """Game time running ``rate`` times faster than real time from the moment the clock
    is made, starting at the real time then: the local dev server's clock
    (``devtools.run_local --clock-rate``), so a scripted session lives a game hour in a
    real minute. Deployed code never installs it (bootstrap's default is SystemClock)."""

    def __init__(self, rate: float, wall_ns=time.time_ns, monotonic_ns=time.monotonic_ns):
        if isinstance(rate, bool) or not isinstance(rate, (int, float)) \
                or not math.isfinite(rate) or rate <= 0:
            raise ValueError(f"the clock rate must be a finite number above 0, got {rate!r}")
        self.rate = rate
        self._start_ms = wall_ns() // 1_000_000
        self._monotonic_ns = monotonic_ns
        self._start_ns = monotonic_ns()

    def now_ms(self) -> int:
        # Elapsed time from the monotonic clock: a step of the wall clock (NTP) can't make
        # game time go back, which would reorder actions and walking samples.
        elapsed_ns = self._monotonic_ns() - self._start_ns
        return self._start_ms + int(elapsed_ns * self.rate) // 1_000_000
