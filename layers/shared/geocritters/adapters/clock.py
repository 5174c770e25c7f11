"""Wall-clock time, behind a function so tests pass a fake clock instead of sleeping."""
import math
import os
import time

# Names a file holding the game time in ms (SharedFileClock). Set only offline, for the
# deployed-form test tier: the functions then run in processes of their own (LocalStack's
# host executor) and read the test's fake time from that file. AWS never sets it.
CLOCK_FILE_ENV = "GEOCRITTERS_CLOCK_FILE"


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


class SharedFileClock:
    """Game time read from a file on every call: one fake clock shared by a test process
    and the function processes it calls (``make test-deployed``). ``advance`` and
    ``set_ms`` are for the test side; a function only reads. The file is replaced
    atomically, so a reader never sees half a number."""

    def __init__(self, path: str, now_ms: int | None = None):
        self.path = path
        if now_ms is not None:
            self.set_ms(now_ms)

    def now_ms(self) -> int:
        with open(self.path, encoding="ascii") as file:
            return int(file.read())

    def set_ms(self, now_ms: int) -> None:
        partial = f"{self.path}.{os.getpid()}.tmp"
        with open(partial, "w", encoding="ascii") as file:
            file.write(str(int(now_ms)))
        os.replace(partial, self.path)

    def advance(self, ms: int) -> None:
        self.set_ms(self.now_ms() + ms)


def clock_from_environment():
    """The clock a process starts with: the system's, unless $GEOCRITTERS_CLOCK_FILE
    names a shared test clock."""
    path = os.environ.get(CLOCK_FILE_ENV)
    return SharedFileClock(path) if path else SystemClock()
