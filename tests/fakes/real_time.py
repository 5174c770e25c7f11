"""Real time a test moves by hand: the wall and monotonic clocks an AcceleratedClock reads."""
from geocritters.adapters.clock import AcceleratedClock


class RealTime:
    def __init__(self, start_ms: int):
        self.wall_ns = start_ms * 1_000_000
        self.monotonic_ns = 5_000_000_000  # any origin: only differences count

    def advance_s(self, seconds: float) -> None:
        self.wall_ns += int(seconds * 1e9)
        self.monotonic_ns += int(seconds * 1e9)

    def accelerated_clock(self, rate: float) -> AcceleratedClock:
        return AcceleratedClock(rate, wall_ns=lambda: self.wall_ns,
                                monotonic_ns=lambda: self.monotonic_ns)
