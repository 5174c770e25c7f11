"""The leaderboards' pure rules (game/boards.py): what a player image puts on a board,
what a stream record changes, shards, ranking and neighbours, request parsing."""
import pytest

from geocritters.game import boards
from geocritters.game.boards import Entry, Score, UnreadableImage
from geocritters.game.config import DEFAULT_CONFIG
from geocritters.game.errors import InvalidInput
from geocritters.game.geo import encode

CONFIG = DEFAULT_CONFIG
NOW = 1_800_000_000_000
WEEK = boards.week_of(NOW)
PARIS = (48.8566, 2.3522)
LYON = (45.7640, 4.8357)


def image(catches=0, walked=None, at=PARIS, at_ms=NOW, week=WEEK, **extra):
    item = {"player_id": "p-1", "name": "Ash", "catch_week": week, "catches_this_week": catches,
            "position": {"lat": at[0], "lng": at[1], "at_ms": at_ms}}
    if walked is not None:
        item.update(walk_week=week, walk_week_m=walked)
    item.update(extra)
    return item


def test_a_catch_puts_the_weeks_count_on_the_board_of_the_players_region():
    scores = boards.scores_of(image(catches=3), CONFIG)
    assert scores == {"caught": Score("caught", WEEK, encode(*PARIS, 4), "p-1", "Ash", 3)}


def test_walked_metres_are_whole_metres_and_zero_is_no_score():
    assert boards.scores_of(image(walked=1234.9), CONFIG)["walked"].score == 1234
    assert boards.scores_of(image(catches=0, walked=0), CONFIG) == {}


def test_no_position_no_board_and_no_score_attributes_no_score():
    no_position = image(catches=5)
    del no_position["position"]
    assert boards.scores_of(no_position, CONFIG) == {}
    assert boards.scores_of({"player_id": "p-1", "name": "Ash",
                             "position": {"lat": 1, "lng": 1, "at_ms": NOW}}, CONFIG) == {}


def test_a_counter_counts_only_where_the_player_was_seen_that_week():
    """Week rollover: a counter of last week with a position reported this week (a map
    call after the week ended, maybe in another region) is on no board."""
    next_week = NOW + boards.WEEK_MS
    assert boards.scores_of(image(catches=7, at_ms=next_week, at=LYON), CONFIG) == {}
    assert boards.scores_of(image(catches=1, week=WEEK + 1, at_ms=next_week), CONFIG)[
        "caught"].week == WEEK + 1


def test_a_record_that_changes_no_score_asks_for_no_write():
    """A map call in the same region (the stream's commonest record) writes nothing."""
    old = image(catches=3)
    new = image(catches=3, at=(PARIS[0] + 0.001, PARIS[1]), at_ms=NOW + 5000)
    assert boards.changed_scores(old, new, CONFIG) == []
    assert [s.score for s in boards.changed_scores(old, image(catches=4), CONFIG)] == [4]
    assert boards.changed_scores(None, image(catches=1), CONFIG)[0].score == 1  # a new player


def test_moving_region_mid_week_puts_the_weeks_total_on_the_new_board():
    old, new = image(catches=6, at=PARIS), image(catches=6, at=LYON, at_ms=NOW + 60_000)
    [moved] = boards.changed_scores(old, new, CONFIG)
    assert (moved.region, moved.score) == (encode(*LYON, 4), 6)


def test_an_image_the_aggregator_cant_read_raises():
    for broken in (image(catches="lots"), image(catches=-1), image(catches=None),
                   image(catches=2, position="here"), image(catches=2, player_id=""),
                   image(catches=2, position={"lat": 200, "lng": 0, "at_ms": NOW})):
        with pytest.raises(UnreadableImage):
            boards.changed_scores(None, broken, CONFIG)
    # an unreadable OLD image only costs a write: the new one decides
    assert boards.changed_scores(image(catches="x"), image(catches=2), CONFIG)[0].score == 2


def test_shards_are_stable_and_spread():
    assert boards.shard_of("p-1", 8) == boards.shard_of("p-1", 8)  # not Python's salted hash
    counts = [0] * 8
    for i in range(8000):
        counts[boards.shard_of(f"player-{i}", 8)] += 1
    assert min(counts) > 850 and max(counts) < 1150


def test_ranking_merges_shards_and_ties_share_a_rank():
    entries = [Entry("c", "C", 5), Entry("a", "A", 9), Entry("b", "B", 5), Entry("d", "D", 1)]
    assert [(rank, e.player_id) for rank, e in boards.ranked(entries, 3)] == [
        (1, "a"), (2, "b"), (2, "c")]
    assert boards.rank_from(0) == 1 and boards.rank_from(41) == 42


def test_neighbours_are_the_nearest_above_and_below():
    me = Entry("m", "Me", 5)
    near = [Entry("a", "A", 9), Entry("b", "B", 6), Entry("c", "C", 5), Entry("z", "Z", 5),
            Entry("d", "D", 4), Entry("e", "E", 1), me]
    assert [e.player_id for e in boards.nearest_above(near, me, 2)] == ["c", "b"]
    assert [e.player_id for e in boards.nearest_below(near, me, 2)] == ["z", "d"]


def test_requests_are_parsed_with_their_own_codes():
    assert boards.parse_region("u09t", CONFIG) == "u09t"
    for bad in ("u09", "u09tt", "U09T", "u0at", "", None, "u0 t"):
        with pytest.raises(InvalidInput) as refused:
            boards.parse_region(bad, CONFIG)
        assert refused.value.code == "invalid_region"
    assert boards.parse_metric(None) == "caught" and boards.parse_metric("walked") == "walked"
    with pytest.raises(InvalidInput, match="metric") as refused:
        boards.parse_metric("xp")
    assert refused.value.code == "invalid_metric"
    assert boards.parse_week("previous", NOW) == WEEK - 1 and boards.parse_week(None, NOW) == WEEK
    with pytest.raises(InvalidInput) as refused:
        boards.parse_week("last", NOW)
    assert refused.value.code == "invalid_week"


def test_weeks_start_on_thursdays_and_expire_two_weeks_after_they_end():
    import datetime

    start = datetime.datetime.fromtimestamp(WEEK * boards.WEEK_MS / 1000, datetime.UTC)
    assert (start.weekday(), start.hour, start.minute) == (3, 0, 0)  # the scheduler's cron
    assert boards.expires_at_s(WEEK, CONFIG) * 1000 == boards.week_end_ms(WEEK) + 2 * boards.WEEK_MS
