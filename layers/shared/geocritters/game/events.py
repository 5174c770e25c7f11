"""Live events: time-boxed, optionally regional changes to spawns and rewards.

An operator creates an event (functions/events_admin.py, ``python -m infra.events``);
every function that applies events reads them through one per-container cache
(usecases/events.py). Everything here is pure: an ``Event`` is plain data, and the rules
say when and where it applies and what several overlapping events add up to.

- **When**: from ``start_ms`` (included) to ``end_ms`` (excluded), at most 31 days.
- **Where**: a place whose geohash starts with one of the event's ``prefixes`` (1-6
  characters each); no prefix means worldwide. An action without a place of its own (a
  gift opened, a remote raid) uses the player's last recorded position.
- **What** (``Effects``): ``spawn_species`` (up to 10 wild-spawnable species) take
  ``spawn_share`` of the spawns, re-drawn on a random stream of their own (as weather's
  boost does, world/generator.py), so every other draw stays what it was; XP and stardust
  multipliers; a hatch-distance multiplier (≤ 1: eggs hatch sooner); multipliers of the
  day's gift-opening and remote-raid limits.
- **Overlap** (``combine``): the most generous single value of each effect, never the
  product: two x4 events stay x4, not an economy-breaking x16. The spawn species are the
  union (share: the largest).

A spawn is under the events in force *when it appeared* at its spawn point, so the map
and the encounter that recomputes it later agree (an event ending mid-spawn doesn't
change the creature).
"""
from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, fields, replace

from .config import DAY_MS, MINUTE_MS, GameConfig
from .errors import InvalidInput, NotFound, Unprocessable
from .geo import GEOHASH_ALPHABET, encode

EVENT_ID_PREFIX = "ev-"
EVENT_ID_PATTERN = re.compile(r"^ev-[0-9a-z]{8,40}$")
MAX_EVENT_DURATION_MS = 31 * DAY_MS
MAX_PREFIXES = 50
MIN_PREFIX_LENGTH, MAX_PREFIX_LENGTH = 1, 6
MAX_NAME_LENGTH = 80
MAX_SPAWN_SPECIES = 10
MAX_SPAWN_SHARE = 0.5
# (lowest, highest) of each multiplier; 1 is "no change".
MULTIPLIER_RANGES: Mapping[str, tuple[float, float]] = {
    "xp_multiplier": (1.0, 4.0),
    "stardust_multiplier": (1.0, 4.0),
    "hatch_distance_multiplier": (0.25, 1.0),
    "gift_limit_multiplier": (1.0, 4.0),
    "remote_raid_limit_multiplier": (1.0, 4.0),
}
# Multipliers whose generous side is the low one (a shorter walk to hatch).
_LOWER_IS_GENEROUS = frozenset({"hatch_distance_multiplier"})
# Game data lists the events in force or starting within this long.
UPCOMING_WINDOW_MS = 7 * DAY_MS
# A spawn lives at most an hour, and it is under the events in force when it appeared:
# the events a function needs are those not ended, or ended within this long.
SPAWN_LOOKBACK_MS = 60 * MINUTE_MS


@dataclass(frozen=True)
class Effects:
    """What an event changes; the defaults change nothing."""

    spawn_species: tuple[int, ...] = ()
    spawn_share: float = 0.0
    xp_multiplier: float = 1.0
    stardust_multiplier: float = 1.0
    hatch_distance_multiplier: float = 1.0
    gift_limit_multiplier: float = 1.0
    remote_raid_limit_multiplier: float = 1.0

    def as_json(self) -> dict:
        return {"spawn_species": list(self.spawn_species), "spawn_share": self.spawn_share,
                **{name: getattr(self, name) for name in MULTIPLIER_RANGES}}


NO_EFFECTS = Effects()


@dataclass(frozen=True)
class Event:
    id: str
    name: str
    start_ms: int
    end_ms: int
    prefixes: tuple[str, ...]  # empty: worldwide
    effects: Effects = field(default=NO_EFFECTS)

    def in_force(self, at_ms: int) -> bool:
        """An event is in force from its start (included) to its end (excluded)."""
        return self.start_ms <= at_ms < self.end_ms

    def applies_at(self, geohash: str) -> bool:
        """An event applies at a place whose geohash starts with one of its prefixes
        (everywhere when it has none)."""
        return not self.prefixes or any(geohash.startswith(p) for p in self.prefixes)

    def touches_region(self, region: str) -> bool:
        """It applies somewhere in a geohash cell: a prefix inside the cell or containing it."""
        return not self.prefixes or any(p.startswith(region) or region.startswith(p)
                                        for p in self.prefixes)

    def as_json(self) -> dict:
        return {"id": self.id, "name": self.name, "start_ms": self.start_ms,
                "end_ms": self.end_ms, "prefixes": list(self.prefixes),
                "effects": self.effects.as_json()}


def combine(effects: Iterable[Effects]) -> Effects:
    """Overlapping events give the most generous single value of each multiplier (never
    their product) and the union of their spawn species, at the largest share."""
    effects = list(effects)
    if not effects:
        return NO_EFFECTS
    species = sorted({s for e in effects for s in e.spawn_species})
    combined = {name: (min if name in _LOWER_IS_GENEROUS else max)(getattr(e, name) for e in effects)
                for name in MULTIPLIER_RANGES}
    return Effects(spawn_species=tuple(species),
                   spawn_share=max(e.spawn_share for e in effects) if species else 0.0,
                   **combined)


def effects_at(events: Iterable[Event], geohash: str, at_ms: int) -> Effects:
    """What the events in force at a time and applying at a place add up to."""
    return combine(e.effects for e in events if e.in_force(at_ms) and e.applies_at(geohash))


def for_region(events: Iterable[Event], region: str, now_ms: int) -> list[Event]:
    """Events in force or starting within 7 days that apply somewhere in a region, by start."""
    found = [e for e in events if e.end_ms > now_ms and e.start_ms < now_ms + UPCOMING_WINDOW_MS
             and e.touches_region(region)]
    return sorted(found, key=lambda e: (e.start_ms, e.id))


def scaled(amount: int, multiplier: float) -> int:
    """A reward or limit under a multiplier, rounded down (whole XP, stardust, gifts)."""
    return math.floor(amount * multiplier + 1e-9)


def with_limits(config: GameConfig, effects: Effects) -> GameConfig:
    """The day's limits under the events: gifts opened and remote raids joined per day
    times their multipliers (rounded down; the rules then read the config as always)."""
    return replace(
        config,
        gifts_opened_per_day=scaled(config.gifts_opened_per_day, effects.gift_limit_multiplier),
        remote_raids_per_day=scaled(config.remote_raids_per_day, effects.remote_raid_limit_multiplier))


def place_of(position) -> str | None:
    """Where an action without a place of its own happens: the player's last recorded
    position (the map's), as a geohash-7; None before any."""
    return None if position is None else encode(position.lat, position.lng, 7)


# --- validation: an operator's request ---------------------------------------------------


def _invalid(message: str, code: str) -> InvalidInput:
    return InvalidInput(message, code=code)


def _number(value, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise _invalid(f"{name} must be a number", "invalid_event_effect")
    return float(value)


def parse_effects(raw, spawnable_ids: Sequence[int] | frozenset[int]) -> Effects:
    """An effects object: known keys only, each multiplier in its range, spawn species
    wild-spawnable and unique (at most 10) with a share in (0, 0.5], at least one change."""
    if not isinstance(raw, Mapping):
        raise _invalid("effects must be an object", "invalid_event_effect")
    known = {f.name for f in fields(Effects)}
    unknown = sorted(set(raw) - known)
    if unknown:
        raise _invalid(f"unknown effects: {', '.join(unknown)}", "invalid_event_effect")
    values: dict = {}
    for name, (low, high) in MULTIPLIER_RANGES.items():
        if name in raw:
            value = _number(raw[name], name)
            if not low <= value <= high:
                raise _invalid(f"{name} must be from {low:g} to {high:g}", "invalid_event_effect")
            values[name] = value
    species = raw.get("spawn_species", [])
    if not isinstance(species, list) or any(isinstance(s, bool) or not isinstance(s, int)
                                            for s in species):
        raise _invalid("spawn_species must be a list of species ids", "invalid_event_effect")
    if len(species) > MAX_SPAWN_SPECIES or len(set(species)) != len(species):
        raise _invalid(f"spawn_species: at most {MAX_SPAWN_SPECIES}, each once", "invalid_event_effect")
    allowed = frozenset(spawnable_ids)
    wild = [s for s in species if s not in allowed]
    if wild:
        raise _invalid(f"species {wild} can't spawn in the wild", "invalid_event_effect")
    if species or "spawn_share" in raw:
        share = _number(raw.get("spawn_share"), "spawn_share") if "spawn_share" in raw else None
        if not species or share is None or not 0 < share <= MAX_SPAWN_SHARE:
            raise _invalid(f"spawn_species and spawn_share go together, the share in "
                           f"(0, {MAX_SPAWN_SHARE:g}]", "invalid_event_effect")
        values["spawn_species"] = tuple(sorted(species))
        values["spawn_share"] = share
    effects = Effects(**values)
    if effects == NO_EFFECTS:
        raise _invalid("an event must change something", "invalid_event_effect")
    return effects


def parse_prefixes(raw) -> tuple[str, ...]:
    """Geohash prefixes of 1-6 lowercase geohash characters; none (or []) is worldwide."""
    if raw is None:
        return ()
    if not isinstance(raw, list) or len(raw) > MAX_PREFIXES:
        raise _invalid(f"prefixes must be a list of at most {MAX_PREFIXES} geohash prefixes",
                       "invalid_event_region")
    for prefix in raw:
        if not isinstance(prefix, str) or not MIN_PREFIX_LENGTH <= len(prefix) <= MAX_PREFIX_LENGTH \
                or any(char not in GEOHASH_ALPHABET for char in prefix):
            raise _invalid(f"{prefix!r} is not a geohash prefix of {MIN_PREFIX_LENGTH}-"
                           f"{MAX_PREFIX_LENGTH} characters from {GEOHASH_ALPHABET!r}",
                           "invalid_event_region")
    # A prefix inside another one adds nothing: keep the wider one.
    unique = sorted(set(raw))
    return tuple(p for p in unique if not any(p != q and p.startswith(q) for q in unique))


def parse_name(raw) -> str:
    if not isinstance(raw, str) or not raw.strip() or len(raw) > MAX_NAME_LENGTH \
            or any(ord(char) < 32 for char in raw):
        raise _invalid(f"name must be 1-{MAX_NAME_LENGTH} printable characters", "invalid_event_name")
    return raw.strip()


def check_window(start_ms, end_ms, now_ms: int, min_lead_ms: int) -> tuple[int, int]:
    """End after start, at most 31 days apart; the start at least ``min_lead_ms`` from now,
    so every container's cache has seen the event before it starts (usecases/events.py)."""
    for name, value in (("start_ms", start_ms), ("end_ms", end_ms)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise _invalid(f"{name} must be epoch milliseconds", "invalid_event_window")
    if end_ms <= start_ms:
        raise _invalid("an event must end after it starts", "invalid_event_window")
    if end_ms - start_ms > MAX_EVENT_DURATION_MS:
        raise _invalid("an event lasts at most 31 days", "invalid_event_window")
    if start_ms < now_ms + min_lead_ms:
        raise Unprocessable(
            f"an event must start at least {min_lead_ms // 1000} s from now, so every server "
            "knows it when it starts", code="event_starts_too_soon")
    return start_ms, end_ms


# Game data lists a region's events: a geohash cell of this many characters (~39 x 20 km
# at the equator), the boards' regions.
REGION_PRECISION = 4


def parse_region(raw) -> str:
    """A region of game data: a geohash of 4 characters (the boards' code when it isn't)."""
    if not isinstance(raw, str) or len(raw) != REGION_PRECISION \
            or any(char not in GEOHASH_ALPHABET for char in raw):
        raise _invalid(f"region must be a geohash of {REGION_PRECISION} characters from "
                       f"{GEOHASH_ALPHABET!r}", "invalid_region")
    return raw


def check_event_id(raw) -> str:
    if not isinstance(raw, str) or not EVENT_ID_PATTERN.match(raw):
        raise _invalid("malformed event id", "invalid_event_id")
    return raw


def event_not_found(event_id: str) -> NotFound:
    return NotFound(f"no event {event_id!r}", code="event_not_found")
