"""The launch curve: concurrent players minute by minute over the first hours.

Shape (modelled on a staged mobile launch: the store listing goes live region by region,
then word of mouth makes the rise steep): three regions open one after another, each a
logistic rise to its share of the peak. Times are minutes after the first store listing.

| region | opens at | share of peak | rise (10 % -> 90 %) |
|---|---|---|---|
| first (e.g. Oceania) | 0 | 10 % | ~40 min |
| second (e.g. North America) | 60 | 60 % | ~40 min |
| third (e.g. Europe) | 150 | 30 % | ~40 min |

The sum reaches ~99 % of the peak by minute ~210 and the window is 240 minutes. A
logistic with time constant tau goes from 10 % to 90 % in 2 ln 9 tau ~= 4.4 tau: tau = 9
minutes gives the ~40-minute rise. A scale (1x, 5x, 50x) multiplies the whole curve: the
shape stays, the peak moves.
"""
from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class Region:
    name: str
    opens_min: float
    share: float
    tau_min: float = 9.0


REGIONS = (Region("first region", 0, 0.10), Region("second region", 60, 0.60),
           Region("third region", 150, 0.30))
MINUTES = 240


def players(peak: float, minutes: int = MINUTES, regions=REGIONS) -> list[float]:
    """Concurrent players at each minute 0..minutes-1 for a planned peak ``peak``. Each
    region's logistic is centred 3 tau after it opens, so it starts near zero."""
    if abs(sum(r.share for r in regions) - 1.0) > 1e-9:
        raise ValueError("the regions' shares must add up to 1")
    result = []
    for minute in range(minutes):
        total = 0.0
        for region in regions:
            x = (minute - region.opens_min - 3 * region.tau_min) / region.tau_min
            total += region.share / (1.0 + math.exp(-x))
        result.append(peak * total)
    return result


def describe() -> list[dict]:
    return [{"region": r.name, "opens_min": r.opens_min, "share": r.share, "tau_min": r.tau_min}
            for r in REGIONS]
