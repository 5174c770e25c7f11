"""Regional leaderboards: weekly scores per geohash-4 region, read off the request path.

Gameplay never writes a board. The players table's stream carries each player item as
it was before and after a write; the aggregator turns that pair into the scores the
boards should hold (``changed_scores``) and stores each one as a *maximum*: "set the
score to this value when there is no entry or the stored one is lower". A player's
weekly counters only grow within their week, so a replayed, duplicated or reordered
stream record can never count twice; it just finds a score at least as high.

Scores (the player item's own weekly counters, written by the gameplay functions):

- ``caught``: ``catches_this_week`` of week ``catch_week`` (game/player.py count_catch);
- ``walked``: ``walk_week_m`` metres of week ``walk_week``, counted in whole metres.

A week is ``now_ms // WEEK_MS`` (weeks start on Thursdays 00:00 UTC: the epoch's weekday).

The region is the geohash-4 cell of the player's last reported ``position``, and a score
counts on that region's board only if that position was reported during the score's
week (``position.at_ms``): a player seen in a region during the week is on its board.
A player who moves to another region mid-week shows their week's total on the new
region's board from their first map call there; the board they left keeps the total
they had when they left (they are on both, each with what they had while there).
Nothing is ever taken away from a board: no delete could be ordered safely against a
late or replayed record. A player with no position yet is on no board.
"""
from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from .config import DAY_MS, GameConfig
from .errors import InvalidInput
from .geo import GEOHASH_ALPHABET, encode

WEEK_MS = 7 * DAY_MS
CAUGHT = "caught"
WALKED = "walked"
METRICS = (CAUGHT, WALKED)
CURRENT = "current"
PREVIOUS = "previous"
WEEKS = (CURRENT, PREVIOUS)
# The player item's attributes each metric reads: (week attribute, score attribute).
SOURCES = {CAUGHT: ("catch_week", "catches_this_week"), WALKED: ("walk_week", "walk_week_m")}


class UnreadableImage(ValueError):
    """A player image the aggregator can't interpret (a poison record)."""


@dataclass(frozen=True)
class Score:
    """What one board should hold for one player: at least ``score``."""

    metric: str
    week: int
    region: str
    player_id: str
    name: str
    score: int


@dataclass(frozen=True)
class Entry:
    """A row of a board as read: a player's stored score."""

    player_id: str
    name: str
    score: int


def week_of(now_ms: int) -> int:
    return now_ms // WEEK_MS


def week_end_ms(week: int) -> int:
    return (week + 1) * WEEK_MS


def expires_at_s(week: int, config: GameConfig) -> int:
    """TTL of a week's items (epoch seconds): kept ``board_weeks_kept`` weeks after it ends."""
    return (week_end_ms(week) + config.board_weeks_kept * WEEK_MS) // 1000


# --- reading a player image ----------------------------------------------------------


def _whole(value, what: str) -> int:
    """A non-negative counter from an image: ints and integral decimals; floats of
    metres are floored (a score is whole metres)."""
    if isinstance(value, bool) or value is None:
        raise UnreadableImage(f"{what} is {value!r}")
    try:
        number = int(value // 1)
    except (TypeError, ValueError, ArithmeticError) as error:
        raise UnreadableImage(f"{what} is not a number: {value!r}") from error
    if number < 0:
        raise UnreadableImage(f"{what} is negative: {value!r}")
    return number


def place_of(image: Mapping, config: GameConfig) -> tuple[str, int] | None:
    """(geohash-4 of the image's ``position``, the week it was reported in); None
    without a position."""
    position = image.get("position")
    if position is None:
        return None
    if not isinstance(position, Mapping):
        raise UnreadableImage(f"position is {type(position).__name__}")
    try:
        region = encode(float(position["lat"]), float(position["lng"]),
                        config.board_region_precision)
    except (KeyError, TypeError, ValueError, InvalidInput) as error:
        raise UnreadableImage(f"position is not a point: {position!r}") from error
    return region, week_of(_whole(position.get("at_ms"), "position.at_ms"))


def scores_of(image: Mapping | None, config: GameConfig) -> dict[str, Score]:
    """metric -> the score this player image puts on a board: each weekly counter above
    zero, on the board of the region where the player was seen that week."""
    if not image:
        return {}
    player_id = image.get("player_id")
    if not isinstance(player_id, str) or not player_id:
        raise UnreadableImage("no player_id")
    place = place_of(image, config)
    if place is None:
        return {}
    region, week = place
    name = image.get("name")
    name = name if isinstance(name, str) else ""
    result = {}
    for metric, (week_attribute, score_attribute) in SOURCES.items():
        if week_attribute not in image:
            continue  # never scored in this metric
        if _whole(image[week_attribute], week_attribute) != week:
            continue
        score = _whole(image.get(score_attribute, 0), score_attribute)
        if score > 0:
            result[metric] = Score(metric, week, region, player_id, name, score)
    return result


def changed_scores(old: Mapping | None, new: Mapping | None, config: GameConfig) -> list[Score]:
    """The scores a stream record (old and new image) asks the boards to hold: those the
    new image has that the old one didn't (a higher count, another region, a new week).
    Most player writes (a map call in the same region) change nothing here."""
    wanted = scores_of(new, config)
    try:
        before = scores_of(old, config)
    except UnreadableImage:
        before = {}  # the new image decides; an unreadable old one just can't save a write
    return [score for metric, score in sorted(wanted.items()) if before.get(metric) != score]


# --- where entries live ----------------------------------------------------------------


def shard_of(player_id: str, shards: int) -> int:
    """A player's shard: stable across processes and deployments (not Python's hash)."""
    digest = hashlib.sha256(player_id.encode()).digest()
    return int.from_bytes(digest[:8], "big") % shards


def board_key(week: int, metric: str, region: str) -> str:
    return f"{week}#{metric}#{region}"


def shard_key(week: int, metric: str, region: str, shard: int) -> str:
    return f"{board_key(week, metric, region)}#{shard}"


# --- requests ------------------------------------------------------------------------------


def parse_region(value, config: GameConfig) -> str:
    precision = config.board_region_precision
    if not isinstance(value, str) or len(value) != precision \
            or any(char not in GEOHASH_ALPHABET for char in value):
        raise InvalidInput(f"region must be a geohash of {precision} characters "
                           f"from {GEOHASH_ALPHABET!r}", code="invalid_region")
    return value


def parse_metric(value) -> str:
    if value is None:
        return CAUGHT
    if value not in METRICS:
        raise InvalidInput(f"metric must be one of {', '.join(METRICS)}", code="invalid_metric")
    return value


def open_weeks(now_ms: int) -> tuple[int, int]:
    """The weeks a score may still change: the current one, and the previous one until
    it is closed (a record of its last seconds may arrive after it ended)."""
    current = week_of(now_ms)
    return current - 1, current


def parse_week(value, now_ms: int) -> int:
    """``current`` (default) or ``previous`` -> a week index."""
    if value is None:
        value = CURRENT
    if value not in WEEKS:
        raise InvalidInput(f"week must be one of {', '.join(WEEKS)}", code="invalid_week")
    return week_of(now_ms) - (1 if value == PREVIOUS else 0)


# --- ranking ---------------------------------------------------------------------------------


def _order(entry: Entry) -> tuple:
    return (-entry.score, entry.player_id)


def ranked(entries: Iterable[Entry], limit: int) -> list[tuple[int, Entry]]:
    """The best ``limit`` entries with their ranks: the shards' own top lists merged,
    highest score first, ties sharing a rank (1, 2, 2, 4) and listed by player id."""
    ordered = sorted(entries, key=_order)[:limit]
    result = []
    for index, entry in enumerate(ordered):
        tied = index and entry.score == ordered[index - 1].score
        rank = result[-1][0] if tied else index + 1
        result.append((rank, entry))
    return result


def rank_from(higher_count: int) -> int:
    """A player's rank from how many players scored strictly more (ties share it)."""
    return higher_count + 1


def nearest_above(candidates: Iterable[Entry], me: Entry, count: int) -> list[Entry]:
    """The ``count`` entries just above ``me`` (closest first)."""
    above = [e for e in candidates if _order(e) < _order(me)]
    return sorted(above, key=_order, reverse=True)[:count]


def nearest_below(candidates: Iterable[Entry], me: Entry, count: int) -> list[Entry]:
    """The ``count`` entries just below ``me`` (closest first)."""
    below = [e for e in candidates if _order(e) > _order(me)]
    return sorted(below, key=_order)[:count]
