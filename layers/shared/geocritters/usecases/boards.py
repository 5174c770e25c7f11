"""Regional leaderboards: the aggregator (fed by the players table's stream), the read
of a board, and the weekly close. Rules in game/boards.py; the store is ``BoardStore``
(adapters/boards.py on DynamoDB).

Layout of a board: ``board_shards`` partitions per (week, metric, region), a player in
one of them (``shard_of``); each partition sorted by score. The top 100 merges the
shards' own top 100s; a player's rank counts the higher scores in every shard.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Protocol

from ..game import boards
from ..game.boards import Entry, Score
from ..game.config import GameConfig


class BoardStore(Protocol):
    def raise_score(self, score: Score, shard: int, expires_at_s: int) -> bool:
        """Store ``score`` unless the entry already holds as much; True when stored."""

    def note_region(self, week: int, metric: str, region: str, expires_at_s: int) -> None:
        """Remember that the week has a board for this metric and region (idempotent)."""

    def regions(self, week: int) -> list[tuple[str, str]]:
        """(metric, region) of every board the week has."""

    def is_closed(self, week: int) -> bool: ...

    def close(self, week: int, closed_ms: int, expires_at_s: int) -> None: ...

    def tops(self, board: str, shards: int, limit: int) -> list[Entry]:
        """Every shard's best ``limit`` entries (unmerged)."""

    def entry(self, board: str, shard: int, player_id: str) -> Entry | None: ...

    def surroundings(self, board: str, shards: int, score: int,
                     limit: int) -> tuple[int, list[Entry]]:
        """Over every shard: how many entries scored strictly more than ``score``, and
        each shard's ``limit`` entries scoring >= it (lowest first) and ``limit`` scoring
        <= it (highest first): a player's rank and nearest neighbours."""

    def snapshot(self, board: str) -> list[Entry] | None:
        """A closed week's final top list, best first; None if there is none."""

    def save_snapshot(self, board: str, entries: list[Entry], expires_at_s: int) -> None: ...


@dataclass(frozen=True)
class StreamRecord:
    """One change of a player item, as the stream delivered it."""

    old: Mapping | None
    new: Mapping | None
    created_ms: int


class Aggregator:
    """Turns player-item changes into board scores. One per warm container: it
    remembers the boards it has registered and the weeks it saw closed."""

    def __init__(self, store: BoardStore, config: GameConfig):
        self._store = store
        self._config = config
        self._noted: set[tuple[int, str, str]] = set()
        self._closed: set[int] = set()

    def _week_closed(self, week: int) -> bool:
        # A closed week stays closed: remember it. An open one is asked again each time,
        # one GetItem per record of a week that might be closing (the record age bound
        # and the close's delay make this rare; see functions/board_scheduler.py).
        if week in self._closed:
            return True
        if self._store.is_closed(week):
            self._closed.add(week)
            return True
        return False

    def apply(self, record: StreamRecord, now_ms: int) -> list[Score]:
        """Apply one record; returns the scores it stored (empty when it changed no
        board or the boards already held as much). Raises UnreadableImage on a record it
        can't interpret: the caller reports it as failed."""
        wanted = boards.changed_scores(record.old, record.new, self._config)
        previous, current = boards.open_weeks(now_ms)
        stored = []
        for score in wanted:
            if score.week < previous or score.week > current \
                    or (score.week == previous and self._week_closed(score.week)):
                continue  # a late record can't change a closed week
            expires = boards.expires_at_s(score.week, self._config)
            noted = (score.week, score.metric, score.region)
            if noted not in self._noted:
                self._store.note_region(score.week, score.metric, score.region, expires)
                self._noted.add(noted)
            shard = boards.shard_of(score.player_id, self._config.board_shards)
            if self._store.raise_score(score, shard, expires):
                stored.append(score)
        return stored


def _top(store: BoardStore, board: str, config: GameConfig) -> list[Entry]:
    entries = store.tops(board, config.board_shards, config.board_top)
    return [entry for _, entry in boards.ranked(entries, config.board_top)]


def _row(rank: int | None, entry: Entry, player_id: str) -> dict:
    row = {"name": entry.name, "score": entry.score}
    if rank is not None:
        row["rank"] = rank
    if entry.player_id == player_id:
        row["you"] = True
    return row


def _around_me(store: BoardStore, board: str, player_id: str, config: GameConfig) -> dict | None:
    mine = store.entry(board, boards.shard_of(player_id, config.board_shards), player_id)
    if mine is None:
        return None
    higher, near = store.surroundings(board, config.board_shards, mine.score,
                                      config.board_neighbours + 1)
    count = config.board_neighbours
    return {
        "rank": boards.rank_from(higher),
        "score": mine.score,
        "above": [_row(None, e, player_id) for e in boards.nearest_above(near, mine, count)],
        "below": [_row(None, e, player_id) for e in boards.nearest_below(near, mine, count)],
    }


def read_board(store: BoardStore, region: str, metric: str, week: int, player_id: str,
               config: GameConfig) -> dict:
    """A board: its top list (a closed week's from its final snapshot) and the caller's
    rank, score and nearest neighbours (``me`` is null when they are not on it)."""
    board = boards.board_key(week, metric, region)
    closed = store.is_closed(week)
    top = store.snapshot(board) if closed else None
    if top is None:
        top = _top(store, board, config)
    return {
        "region": region, "metric": metric, "week": week,
        "ends_ms": boards.week_end_ms(week), "closed": closed,
        "top": [_row(rank, entry, player_id)
                for rank, entry in boards.ranked(top, config.board_top)],
        "me": _around_me(store, board, player_id, config),
    }


def close_week(store: BoardStore, week: int, now_ms: int, config: GameConfig) -> dict:
    """Close ``week`` (the scheduler closes the week that just ended): a final top list
    per board, then the closed mark. Running it again writes the same snapshots."""
    if week >= boards.week_of(now_ms):
        raise ValueError(f"week {week} has not ended at {now_ms}")
    expires = boards.expires_at_s(week, config)
    closed = []
    for metric, region in sorted(store.regions(week)):
        board = boards.board_key(week, metric, region)
        store.save_snapshot(board, _top(store, board, config), expires)
        closed.append(board)
    store.close(week, now_ms, expires)
    return {"week": week, "boards": len(closed)}


def apply_all(aggregator: Aggregator, records: Iterable[tuple[str, StreamRecord | Exception]],
              now_ms: int, on_error=None) -> list[str]:
    """Apply records in order; returns the ids of those that failed (an unreadable image
    or a store error), for the stream's partial-batch response. The others are applied
    whatever failed before them: every write is a maximum, so order doesn't matter."""
    failed = []
    for record_id, record in records:
        try:
            if isinstance(record, Exception):
                raise record
            aggregator.apply(record, now_ms)
        except Exception as error:  # reported per record (the stream retries it), never swallowed
            failed.append(record_id)
            if on_error is not None:
                on_error(record_id, error)
    return failed
