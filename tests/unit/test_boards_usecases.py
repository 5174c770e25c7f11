"""The leaderboards' use cases (usecases/boards.py) on an in-memory board store: the
aggregator's maximum semantics (replays, reordering), closed weeks, the read (top list
across shards, rank, neighbours), the weekly close."""
import random

import pytest

from geocritters.game import boards
from geocritters.game.boards import Entry
from geocritters.game.config import DEFAULT_CONFIG
from geocritters.usecases.boards import Aggregator, StreamRecord, apply_all, close_week, read_board

CONFIG = DEFAULT_CONFIG
NOW = 1_800_000_000_000
WEEK = boards.week_of(NOW)
PARIS = (48.8566, 2.3522)
REGION = "u09t"


class MemoryBoards:
    """``BoardStore`` in memory, with DynamoDB's semantics where they matter."""

    def __init__(self):
        self.items: dict[tuple[str, str], dict] = {}
        self.writes = 0

    def _shard(self, board, shard):
        return [(k[1], v) for k, v in self.items.items() if k[0] == f"{board}#{shard}" and "score" in v]

    def raise_score(self, score, shard, expires_at_s):
        self.writes += 1
        key = (f"{score.week}#{score.metric}#{score.region}#{shard}", score.player_id)
        if key in self.items and self.items[key]["score"] >= score.score:
            return False
        self.items[key] = {"score": score.score, "name": score.name, "expires_at": expires_at_s}
        return True

    def note_region(self, week, metric, region, expires_at_s):
        self.items[(f"{week}#boards", f"{metric}#{region}")] = {"expires_at": expires_at_s}

    def regions(self, week):
        return [tuple(k[1].split("#", 1)) for k in self.items if k[0] == f"{week}#boards"]

    def is_closed(self, week):
        return (f"{week}#week", "closed") in self.items

    def close(self, week, closed_ms, expires_at_s):
        self.items[(f"{week}#week", "closed")] = {"closed_ms": closed_ms}

    def tops(self, board, shards, limit):
        return [e for shard in range(shards) for e in self.shard_top(board, shard, limit)]

    def surroundings(self, board, shards, score, limit):
        return (sum(self.count_above(board, shard, score) for shard in range(shards)),
                [e for shard in range(shards) for e in self.around(board, shard, score, limit)])

    def shard_top(self, board, shard, limit):
        rows = sorted(self._shard(board, shard), key=lambda r: -r[1]["score"])[:limit]
        return [Entry(p, v["name"], v["score"]) for p, v in rows]

    def entry(self, board, shard, player_id):
        value = self.items.get((f"{board}#{shard}", player_id))
        return Entry(player_id, value["name"], value["score"]) if value else None

    def count_above(self, board, shard, score):
        return sum(v["score"] > score for _, v in self._shard(board, shard))

    def around(self, board, shard, score, limit):
        rows = [Entry(p, v["name"], v["score"]) for p, v in self._shard(board, shard)]
        above = sorted((e for e in rows if e.score >= score), key=lambda e: e.score)[:limit]
        below = sorted((e for e in rows if e.score <= score), key=lambda e: -e.score)[:limit]
        return above + below

    def snapshot(self, board):
        value = self.items.get((f"{board}#final", "top"))
        return None if value is None else [Entry(*row) for row in value["entries"]]

    def save_snapshot(self, board, entries, expires_at_s):
        self.items[(f"{board}#final", "top")] = {
            "entries": [(e.player_id, e.name, e.score) for e in entries]}


def image(player, catches, at=PARIS, at_ms=NOW, week=WEEK):
    return {"player_id": player, "name": player.upper(), "catch_week": week,
            "catches_this_week": catches, "position": {"lat": at[0], "lng": at[1], "at_ms": at_ms}}


def catches(player, up_to):
    """A player's successive images while catching ``up_to`` creatures."""
    return [StreamRecord(image(player, n - 1) if n > 1 else None, image(player, n), NOW)
            for n in range(1, up_to + 1)]


def board(store, player="a"):
    return read_board(store, REGION, "caught", WEEK, player, CONFIG)


def test_replayed_and_reordered_records_never_count_twice():
    store = MemoryBoards()
    aggregator = Aggregator(store, CONFIG)
    records = catches("a", 5) + catches("b", 3)
    for record in records:
        aggregator.apply(record, NOW)
    once = dict(store.items)
    shuffled = records * 3
    random.Random(7).shuffle(shuffled)
    for record in shuffled:  # the whole batch again, three times, in any order
        aggregator.apply(record, NOW)
    assert store.items == once
    assert [(row["name"], row["score"]) for row in board(store)["top"]] == [("A", 5), ("B", 3)]


def test_a_record_that_changes_no_score_writes_nothing():
    store = MemoryBoards()
    aggregator = Aggregator(store, CONFIG)
    aggregator.apply(catches("a", 1)[0], NOW)
    writes = store.writes
    moved_a_little = StreamRecord(image("a", 1), image("a", 1, at=(PARIS[0] + 1e-3, PARIS[1])), NOW)
    assert aggregator.apply(moved_a_little, NOW) == []
    assert store.writes == writes


def test_a_closed_week_takes_no_late_record_and_an_old_week_none_at_all():
    store = MemoryBoards()
    aggregator = Aggregator(store, CONFIG)
    aggregator.apply(catches("a", 1)[0], NOW)
    next_week = NOW + boards.WEEK_MS
    close_week(store, WEEK, next_week, CONFIG)
    late = StreamRecord(image("a", 1), image("a", 2), NOW)
    assert aggregator.apply(late, next_week) == []
    assert aggregator.apply(late, next_week + boards.WEEK_MS) == []  # two weeks on: not open
    assert board(store)["top"][0]["score"] == 1
    # Before the close, the previous week still takes its last records.
    store2 = MemoryBoards()
    assert Aggregator(store2, CONFIG).apply(late, next_week)[0].score == 2


def test_the_top_list_merges_every_shard_and_ranks_ties_together():
    store = MemoryBoards()
    aggregator = Aggregator(store, CONFIG)
    counts = {f"p{i:03}": 1 + i % 17 for i in range(150)}
    for player, count in counts.items():
        aggregator.apply(StreamRecord(None, image(player, count), NOW), NOW)
    shards = {key[0].rsplit("#", 1)[1] for key in store.items if key[0].startswith(f"{WEEK}#caught")}
    assert len(shards) == CONFIG.board_shards
    top = board(store)["top"]
    assert len(top) == 100
    best = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:100]
    assert [(row["name"], row["score"]) for row in top] == [(p.upper(), c) for p, c in best]
    assert top[0]["rank"] == 1 and top[1]["rank"] == 1  # 17 catches: a tie
    assert all(row["rank"] == 1 + sum(c > row["score"] for c in counts.values()) for row in top)


def test_around_me_gives_my_rank_and_my_nearest_neighbours():
    store = MemoryBoards()
    aggregator = Aggregator(store, CONFIG)
    for i, count in enumerate([50, 40, 30, 20, 10, 5, 4, 3, 2, 1]):
        aggregator.apply(StreamRecord(None, image(f"p{i}", count), NOW), NOW)
    me = board(store, player="p4")["me"]
    assert (me["rank"], me["score"]) == (5, 10)
    assert [row["score"] for row in me["above"]] == [20, 30, 40]
    assert [row["score"] for row in me["below"]] == [5, 4, 3]
    assert board(store, player="nobody")["me"] is None
    assert [row.get("you") for row in board(store, player="p0")["top"][:2]] == [True, None]


def test_closing_a_week_snapshots_each_board_and_is_idempotent():
    store = MemoryBoards()
    aggregator = Aggregator(store, CONFIG)
    for record in catches("a", 2) + catches("b", 4):
        aggregator.apply(record, NOW)
    with pytest.raises(ValueError):
        close_week(store, WEEK, NOW, CONFIG)  # the week hasn't ended
    later = NOW + boards.WEEK_MS
    assert close_week(store, WEEK, later, CONFIG) == {"week": WEEK, "boards": 1}
    snapshot = store.snapshot(f"{WEEK}#caught#{REGION}")
    assert [(e.player_id, e.score) for e in snapshot] == [("b", 4), ("a", 2)]
    assert close_week(store, WEEK, later + 1000, CONFIG) == {"week": WEEK, "boards": 1}
    previous = read_board(store, REGION, "caught", WEEK, "a", CONFIG)
    assert previous["closed"] is True and [r["score"] for r in previous["top"]] == [4, 2]
    assert previous["me"]["rank"] == 2


def test_one_bad_record_fails_alone():
    store = MemoryBoards()
    aggregator = Aggregator(store, CONFIG)
    poison = StreamRecord(None, image("x", "lots"), NOW)
    records = [("1", catches("a", 1)[0]), ("2", poison), ("3", ValueError("no shape")),
               ("4", StreamRecord(None, image("b", 3), NOW))]
    errors = []
    failed = apply_all(aggregator, records, NOW, on_error=lambda rid, e: errors.append(rid))
    assert failed == errors == ["2", "3"]
    assert [row["name"] for row in board(store)["top"]] == ["B", "A"]
