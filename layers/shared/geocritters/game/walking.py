"""Distance walked, from the positions the map records: the odometer eggs and the buddy use.

The map keeps a short trail on the player item: one sample per clock minute (the last
position reported in that minute), in slot ``minute % TRAIL_SLOTS``, written by the
map's own position update (no extra write per map call). Every few minutes the map folds
the trail's new samples into the walk totals (``fold``), in one conditional write; until
then an action computes the same total in memory (``walked_total``), so the distance an
action sees never depends on when the map last folded.

What counts (game-rules.md "Eggs and buddy"): straight lines between consecutive samples,
only while
- the samples are at most ``walk_max_gap_ms`` apart (an app closed for a while, or a jump
  made while no sample was taken, counts nothing);
- the leg's speed is at most ``walk_max_speed_kmh`` (a car, a teleport count nothing);
- the player moved at least ``walk_min_step_m`` from where the last counted step ended
  (GPS jitter around a place sums to nothing: the anchor only moves once the player has
  really left it).
A leg is at most ``walk_max_gap_ms`` at ``walk_max_speed_kmh`` (525 m with the defaults),
well under the 1 km from which the travel cooldown starts, so a counted leg never crosses
a travel-cooldown break: a teleport is a fast leg and restarts the walk where it landed.

Everything here is a pure function of the samples: the map's fold and an action's
in-memory total agree on every metre. The current minute's sample is provisional (a later
report in the same minute replaces it), so a total read mid-minute can move back by what
that sample added, never more; candy and hatches are paid against "earned minus paid",
so a total that moves back never pays twice.
"""
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace

from .config import HOUR_MS, MINUTE_MS, GameConfig
from .geo import haversine_m
from .places import Place

WEEK_MS = 7 * 24 * HOUR_MS
# The trail's ring: one slot per clock minute. A storage layout (one attribute per slot
# on the player item), not a tunable: changing it is a data migration.
TRAIL_SLOTS = 10


# A position the map recorded: a place like any other.
Sample = Place


@dataclass(frozen=True)
class Walk:
    """The folded part of a player's walking.

    ``walked_m`` is every metre ever counted; ``week``/``week_m`` the metres of the week
    (``at_ms // WEEK_MS``) of the last counted step (the regional boards read them).
    ``folded_ms`` is the time of the last sample folded: later samples are pending.
    ``anchor`` is where the last counted step ended (jitter is measured from it), ``last``
    the last sample folded (gaps and speeds are measured from it)."""

    walked_m: float = 0.0
    week: int = 0
    week_m: float = 0.0
    folded_ms: int = 0
    anchor: Sample | None = None
    last: Sample | None = None


def sample_at(lat: float, lng: float, at_ms: int) -> Sample:
    """A sample as stored: degrees to 6 decimals (~0.1 m), so the map's fold and an action
    reading the stored trail compute from the same numbers."""
    return Sample(float(f"{lat:.6f}"), float(f"{lng:.6f}"), int(at_ms))


def trail_slot(now_ms: int) -> int:
    """The trail slot a sample taken at now_ms goes to: one per clock minute, reused
    after ``TRAIL_SLOTS`` minutes."""
    return (now_ms // MINUTE_MS) % TRAIL_SLOTS


def _step(walk: Walk, sample: Sample, config: GameConfig) -> Walk:
    last = walk.last
    if last is None or sample.at_ms - last.at_ms > config.walk_max_gap_ms:
        return replace(walk, anchor=sample, last=sample, folded_ms=sample.at_ms)
    hours = (sample.at_ms - last.at_ms) / HOUR_MS
    leg_km = haversine_m(last.lat, last.lng, sample.lat, sample.lng) / 1000
    if hours <= 0 or leg_km / hours > config.walk_max_speed_kmh:
        # Too fast (or two samples at one instant that disagree): restart here.
        return replace(walk, anchor=sample, last=sample, folded_ms=sample.at_ms)
    walk = replace(walk, last=sample, folded_ms=sample.at_ms)
    anchor = walk.anchor or last
    step_m = haversine_m(anchor.lat, anchor.lng, sample.lat, sample.lng)
    if step_m < config.walk_min_step_m:
        return walk
    week = sample.at_ms // WEEK_MS
    week_m = (walk.week_m if walk.week == week else 0.0) + step_m
    return replace(walk, walked_m=walk.walked_m + step_m, week=week, week_m=week_m,
                   anchor=sample)


def pending(walk: Walk, samples: Iterable[Sample]) -> list[Sample]:
    """The samples not folded yet, oldest first."""
    return sorted((s for s in samples if s.at_ms > walk.folded_ms), key=lambda s: s.at_ms)


def fold(walk: Walk, samples: Iterable[Sample], config: GameConfig) -> Walk:
    """The walk with every pending sample counted, oldest first."""
    for sample in pending(walk, samples):
        walk = _step(walk, sample, config)
    return walk


def walked_total(walk: Walk, trail: Mapping[int, Sample], config: GameConfig) -> float:
    """Every metre walked so far, the trail's pending samples included."""
    return fold(walk, trail.values(), config).walked_m


def record_sample(trail: Mapping[int, Sample], sample: Sample,
                  displaced: Sample | None = None) -> tuple[dict[int, Sample], Sample | None]:
    """The trail after the map wrote ``sample`` into its slot, and the sample it replaced
    from an earlier minute.

    When the slot already holds this minute's sample (an earlier report this minute,
    which the later one supersedes by design, or this very write seen again by a retry
    whose first answer was lost), the sample replaced from an earlier minute is the one
    the minute's first write recorded as ``displaced``; the fold ignores it when it is
    already folded, which is the usual case. None when the slot was empty."""
    slot = trail_slot(sample.at_ms)
    minute = sample.at_ms // MINUTE_MS
    replaced = trail.get(slot)
    if replaced is not None and replaced.at_ms // MINUTE_MS == minute:
        replaced = displaced
    if replaced is not None and (trail_slot(replaced.at_ms) != slot
                                 or replaced.at_ms // MINUTE_MS >= minute):
        replaced = None  # not an earlier occupant of this slot
    return {**trail, slot: sample}, replaced


def fold_due(walk: Walk, trail: Mapping[int, Sample], replaced: Sample | None,
             config: GameConfig) -> bool:
    """Whether the map must fold now, given the trail after its write and the sample it
    replaced: that sample was still pending (it would be lost), or the oldest pending
    sample would be overwritten within the next ``walk_fold_margin_slots`` minutes."""
    if replaced is not None and replaced.at_ms > walk.folded_ms:
        return True
    waiting = pending(walk, trail.values())
    if not waiting:
        return False
    horizon = (TRAIL_SLOTS - config.walk_fold_margin_slots) * MINUTE_MS
    return waiting[-1].at_ms - waiting[0].at_ms >= horizon
