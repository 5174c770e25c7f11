"""PynamoDB models: declarations only. Table names are bound from settings at first
use (``bind_tables``), never at import. Key schemas come from infra/template.json; a
unit test checks these declarations agree with it."""
from pynamodb.attributes import (
    BinaryAttribute,
    BooleanAttribute,
    ListAttribute,
    MapAttribute,
    NumberAttribute,
    UnicodeAttribute,
)
from pynamodb.indexes import AllProjection, IncludeProjection, LocalSecondaryIndex
from pynamodb.models import Model

from ..game.walking import TRAIL_SLOTS
from .budget import SDK_CONNECT_TIMEOUT_S, SDK_READ_TIMEOUT_S, SDK_TOTAL_ATTEMPTS


class _Meta:
    region = "us-east-1"
    # The request time budget (budget.py) relies on these bounds.
    connect_timeout_seconds = SDK_CONNECT_TIMEOUT_S
    read_timeout_seconds = SDK_READ_TIMEOUT_S
    max_retry_attempts = SDK_TOTAL_ATTEMPTS - 1  # PynamoDB counts retries, not attempts


class PlaceAttribute(MapAttribute):
    lat = NumberAttribute()
    lng = NumberAttribute()
    at_ms = NumberAttribute()


class PlayerRecord(Model):
    class Meta(_Meta):
        table_name = "players"

    player_id = UnicodeAttribute(hash_key=True)
    name = UnicodeAttribute()
    created_ms = NumberAttribute()
    team = UnicodeAttribute(null=True)
    xp = NumberAttribute(default=0)
    stardust = NumberAttribute(default=0)
    items = MapAttribute(default=dict)
    candy = MapAttribute(default=dict)
    stop_cooldowns = MapAttribute(default=dict)
    resolved_spawns = MapAttribute(default=dict)
    last_action = PlaceAttribute(null=True)
    position = PlaceAttribute(null=True)
    catch_day = NumberAttribute(default=0)
    catches_today = NumberAttribute(default=0)
    catch_week = NumberAttribute(default=0)
    catches_this_week = NumberAttribute(default=0)
    rates = MapAttribute(default=dict)  # action -> [minute index, count]
    map_minute = NumberAttribute(null=True)  # the map's own rate window (see record_position)
    map_count = NumberAttribute(null=True)
    strikes = NumberAttribute(default=0)
    suspended_until_ms = NumberAttribute(default=0)
    defending = MapAttribute(default=dict)  # creature id -> gym id
    coins = NumberAttribute(default=0)
    coin_day = NumberAttribute(default=0)
    coins_today = NumberAttribute(default=0)
    berry_feeds = MapAttribute(default=dict)  # gym id -> [window start ms, count]
    raid_pass_day = NumberAttribute(default=-1)
    raids = MapAttribute(default=dict)  # raid id -> [lobby number, claimed 0/1]
    remote_raid_day = NumberAttribute(default=0)
    remote_raids_today = NumberAttribute(default=0)
    trainer_code = UnicodeAttribute(null=True)
    gifts = NumberAttribute(default=0)
    gift_open_day = NumberAttribute(default=0)
    gifts_opened_today = NumberAttribute(default=0)
    trade_day = NumberAttribute(default=0)
    trades_today = NumberAttribute(default=0)
    special_trades_today = NumberAttribute(default=0)
    dex = ListAttribute(of=NumberAttribute, default=list)  # species ids, ascending
    # Walking (game/walking.py), written by the map alone: the folded totals (the regional
    # boards read walk_week/walk_week_m from the table's stream) ...
    walked_m = NumberAttribute(null=True)
    walk_week = NumberAttribute(null=True)
    walk_week_m = NumberAttribute(null=True)
    walk_folded_ms = NumberAttribute(null=True)
    walk_anchor = PlaceAttribute(null=True)
    walk_last = PlaceAttribute(null=True)
    # ... and the trail: one sample a minute, "lat,lng,at_ms" in slot t<minute % slots>.
    # Top-level attributes, so the map's update never needs a parent map to exist.
    for _slot in range(TRAIL_SLOTS):
        vars()[f"t{_slot}"] = UnicodeAttribute(null=True)
    del _slot
    # The sample the last new-minute write pushed out of its slot ("" when it was empty),
    # set by that write from the slot's old value (game/player.py PlayerState.displaced).
    trail_displaced = UnicodeAttribute(null=True)
    eggs = MapAttribute(default=dict)  # egg id -> [km, species, found ms, incubator or "", start m]
    incubators = MapAttribute(default=dict)  # limited incubator id -> uses left
    buddy = MapAttribute(null=True)  # {creature_id, species_id, start_m, credited}
    buddy_day = NumberAttribute(default=0)
    buddy_swaps_today = NumberAttribute(default=0)
    revision = NumberAttribute(default=0)


class CreatureRecord(Model):
    class Meta(_Meta):
        table_name = "creatures"

    player_id = UnicodeAttribute(hash_key=True)
    creature_id = UnicodeAttribute(range_key=True)
    species_id = NumberAttribute()
    level = NumberAttribute()
    cp = NumberAttribute()
    iv_attack = NumberAttribute()
    iv_defense = NumberAttribute()
    iv_stamina = NumberAttribute()
    caught_ms = NumberAttribute()
    encounter_id = UnicodeAttribute()
    defending_gym = UnicodeAttribute(null=True)  # set while it defends a gym
    traded_ms = NumberAttribute(null=True)  # set when its owner got it by trade


class EncounterRecord(Model):
    class Meta(_Meta):
        table_name = "encounters"

    player_id = UnicodeAttribute(hash_key=True)
    encounter_id = UnicodeAttribute(range_key=True)
    spawn_id = UnicodeAttribute()
    species_id = NumberAttribute()
    level = NumberAttribute()
    cp = NumberAttribute()
    iv_attack = NumberAttribute()
    iv_defense = NumberAttribute()
    iv_stamina = NumberAttribute()
    lat = NumberAttribute()
    lng = NumberAttribute()
    started_ms = NumberAttribute()
    expires_ms = NumberAttribute()
    despawn_ms = NumberAttribute()
    status = UnicodeAttribute()  # active | caught | fled
    throws = NumberAttribute(default=0)
    premier_balls = NumberAttribute(default=0)  # a raid boss's encounter
    expires_at = NumberAttribute()  # TTL, epoch seconds
    boosted = BooleanAttribute(null=True)  # by the weather; absent on older encounters: False


class ActionRecord(Model):
    """An idempotency record: written in the same transaction as the action's effects."""

    class Meta(_Meta):
        table_name = "actions"

    player_id = UnicodeAttribute(hash_key=True)
    idempotency_key = UnicodeAttribute(range_key=True)
    action = UnicodeAttribute()
    fingerprint = UnicodeAttribute()
    # Written by earlier versions, which stored the HTTP status with the response; the
    # HTTP layer chooses the status now (every idempotent action answers 200).
    status_code = NumberAttribute(null=True)
    response = UnicodeAttribute()  # the JSON body returned the first time
    created_ms = NumberAttribute()
    expires_at = NumberAttribute()  # TTL, epoch seconds


class VisitRecord(Model):
    """A stop this player has spun at least once (first spins give bonus XP)."""

    class Meta(_Meta):
        table_name = "visits"

    player_id = UnicodeAttribute(hash_key=True)
    stop_id = UnicodeAttribute(range_key=True)
    first_ms = NumberAttribute()
    spins = NumberAttribute(default=1)


class CellRecord(Model):
    """Curated POIs of one geohash-6 cell, stored together so one read gets a cell."""

    class Meta(_Meta):
        table_name = "cells"

    cell = UnicodeAttribute(hash_key=True)
    forts = BinaryAttribute(legacy_encoding=False)  # adapters.cell_pack's format


class DefenderAttribute(MapAttribute):
    owner_id = UnicodeAttribute()
    owner_name = UnicodeAttribute()
    creature_id = UnicodeAttribute()
    species_id = NumberAttribute()
    level = NumberAttribute()
    iv_attack = NumberAttribute()
    iv_defense = NumberAttribute()
    iv_stamina = NumberAttribute()
    cp = NumberAttribute()
    placed_ms = NumberAttribute()
    motivation = NumberAttribute()
    motivation_ms = NumberAttribute()
    berry_window_ms = NumberAttribute(default=0)
    berries_in_window = NumberAttribute(default=0)


class GymRecord(Model):
    """One gym's whole state: an item per gym (never per cell), written whole under a
    condition on its revision. No item: a gym nobody has deployed to yet."""

    class Meta(_Meta):
        table_name = "gyms"

    gym_id = UnicodeAttribute(hash_key=True)
    team = UnicodeAttribute(null=True)
    defenders = ListAttribute(of=DefenderAttribute, default=list)
    blocked_team = UnicodeAttribute(null=True)
    blocked_until_ms = NumberAttribute(default=0)
    revision = NumberAttribute()


class InboxRecord(Model):
    """What other players' actions send a player, waiting to be claimed: a defender
    back from its gym with its coins ("ret-..."), a friend's unopened gift
    ("gift#<sender>"), a trade this player takes part in ("trade#<trade id>"). Written
    by the other player's action as a new item in this player's partition, so it never
    contends with this player's own writes."""

    class Meta(_Meta):
        table_name = "inbox"

    player_id = UnicodeAttribute(hash_key=True)
    item_id = UnicodeAttribute(range_key=True)
    kind = UnicodeAttribute()  # "defender_return" | "gift" | "trade"
    creature_id = UnicodeAttribute(null=True)  # defender return
    gym_id = UnicodeAttribute(null=True)
    placed_ms = NumberAttribute(null=True)
    left_ms = NumberAttribute(null=True)
    coins = NumberAttribute(null=True)
    sender_id = UnicodeAttribute(null=True)  # gift
    sender_name = UnicodeAttribute(null=True)
    sent_ms = NumberAttribute(null=True)
    items = UnicodeAttribute(null=True)  # JSON {item: count}
    trade_id = UnicodeAttribute(null=True)  # trade


class LobbyRecord(Model):
    """A raid's lobbies, one partition per raid: a header item per lobby ("L0001": its
    opening time, member counts, and its battle's result once resolved) and an item per
    member ("M0001#<player>": team and attackers). Joining adds to one header under a
    condition on its count, so a lobby never holds a 21st member, and no item is shared
    by more than one lobby's 20 players."""

    class Meta(_Meta):
        table_name = "lobbies"

    raid_id = UnicodeAttribute(hash_key=True)
    item_id = UnicodeAttribute(range_key=True)
    created_ms = NumberAttribute(null=True)  # header
    size = NumberAttribute(null=True)
    remote_count = NumberAttribute(null=True)
    result = UnicodeAttribute(null=True)  # JSON, set once
    player_id = UnicodeAttribute(null=True)  # member
    team = UnicodeAttribute(null=True)
    remote = NumberAttribute(null=True)  # 0 / 1
    joined_ms = NumberAttribute(null=True)
    attackers = UnicodeAttribute(null=True)  # JSON list
    expires_at = NumberAttribute()  # TTL, epoch seconds: a day after the raid's window


class FriendRecord(Model):
    """A player's friends book, one partition per player: a side of each friendship
    ("f#<friend>"), requests received ("in#<sender>") and sent ("out#<receiver>"), and
    the friend count ("#count", the one item a concurrent accept conditions on: the
    limit holds however many accept at once)."""

    class Meta(_Meta):
        table_name = "friends"

    player_id = UnicodeAttribute(hash_key=True)
    item_id = UnicodeAttribute(range_key=True)
    friend_id = UnicodeAttribute(null=True)  # friendship
    friend_name = UnicodeAttribute(null=True)
    since_ms = NumberAttribute(null=True)
    days = NumberAttribute(null=True)
    last_day = NumberAttribute(null=True)
    gift_sent_day = NumberAttribute(null=True)
    revision = NumberAttribute(null=True)
    from_id = UnicodeAttribute(null=True)  # request
    from_name = UnicodeAttribute(null=True)
    to_id = UnicodeAttribute(null=True)
    to_name = UnicodeAttribute(null=True)
    sent_ms = NumberAttribute(null=True)
    expires_ms = NumberAttribute(null=True)
    count = NumberAttribute(null=True)  # "#count"
    expires_at = NumberAttribute(null=True)  # TTL, epoch seconds (requests)


class TradeRecord(Model):
    """One trade between two friends, written whole under a condition on its revision."""

    class Meta(_Meta):
        table_name = "trades"

    trade_id = UnicodeAttribute(hash_key=True)
    proposer_id = UnicodeAttribute()
    proposer_name = UnicodeAttribute()
    receiver_id = UnicodeAttribute()
    receiver_name = UnicodeAttribute()
    status = UnicodeAttribute()
    created_ms = NumberAttribute()
    expires_ms = NumberAttribute()
    closed_ms = NumberAttribute(default=0)
    cancelled_by = UnicodeAttribute(null=True)
    proposer_creature = UnicodeAttribute()  # JSON snapshot
    receiver_creature = UnicodeAttribute(null=True)
    outcome = UnicodeAttribute(null=True)  # JSON, once completed
    revision = NumberAttribute()
    expires_at = NumberAttribute()  # TTL, epoch seconds


class TrainerCodeRecord(Model):
    """Trainer code -> player: written once with the player, so a code names one player."""

    class Meta(_Meta):
        table_name = "trainer_codes"

    trainer_code = UnicodeAttribute(hash_key=True)
    player_id = UnicodeAttribute()


# Every table the game reads or writes, by its short name in infra/template.json (a unit
# test checks each model's keys against the template's, and that no table lacks a model).
ALL_MODELS = {model.Meta.table_name: model for model in (
    PlayerRecord, CreatureRecord, EncounterRecord, ActionRecord, VisitRecord, CellRecord,
    GymRecord, InboxRecord, LobbyRecord, FriendRecord, TradeRecord, TrainerCodeRecord)}


def bind_tables(settings) -> None:
    """Point every model at this stage's tables. PynamoDB caches a connection per model
    class, so drop it: the next call builds one for the new table and region."""
    for short_name, model in ALL_MODELS.items():
        model.Meta.table_name = settings.table_name(short_name)
        model.Meta.region = settings.region
        model._connection = None


# --- Regional leaderboards (adapters/boards.py) -----------------------------------------


class BoardScoreIndex(LocalSecondaryIndex):
    """A board shard's entries by score: the top list, a rank (a count above a score)
    and the neighbours around one, without reading the whole shard."""

    class Meta:
        index_name = "by_score"
        projection = IncludeProjection(["name"])

    board = UnicodeAttribute(hash_key=True)
    score = NumberAttribute(range_key=True)


class BoardRecord(Model):
    """One table for the boards (game/boards.py), items by ``board``:

    - ``<week>#<metric>#<region>#<shard>`` / player id: a player's score (and name);
    - ``<week>#boards`` / ``<metric>#<region>``: the week has this board;
    - ``<week>#week`` / ``closed``: the week is closed (``closed_ms``);
    - ``<week>#<metric>#<region>#final`` / ``top``: a closed week's final top list.
    """

    class Meta(_Meta):
        table_name = "boards"

    board = UnicodeAttribute(hash_key=True)
    item = UnicodeAttribute(range_key=True)
    score = NumberAttribute(null=True)
    name = UnicodeAttribute(null=True)
    closed_ms = NumberAttribute(null=True)
    entries = ListAttribute(null=True)  # a snapshot: [[player id, name, score], ...]
    expires_at = NumberAttribute()  # TTL, epoch seconds
    by_score = BoardScoreIndex()


ALL_MODELS[BoardRecord.Meta.table_name] = BoardRecord


# --- Live events (adapters/events.py) --------------------------------------------------


class EventEndIndex(LocalSecondaryIndex):
    """The events by end time: "every event not yet ended" is one Query (end >= now)."""

    class Meta:
        index_name = "by_end"
        projection = AllProjection()

    partition = UnicodeAttribute(hash_key=True)
    end_ms = NumberAttribute(range_key=True)


class EventRecord(Model):
    """One item per live event (game/events.py), all in one partition ``events``: the
    table is written by operators only and holds a handful of items (TTL removes them 7
    days after their end), far below a partition's 1,000 writes/s or 10 GB."""

    class Meta(_Meta):
        table_name = "events"

    partition = UnicodeAttribute(hash_key=True)
    event_id = UnicodeAttribute(range_key=True)
    name = UnicodeAttribute()
    start_ms = NumberAttribute()
    end_ms = NumberAttribute()
    prefixes = ListAttribute(of=UnicodeAttribute)
    effects = UnicodeAttribute()  # canonical JSON of game.events.Effects
    fingerprint = UnicodeAttribute()  # of the creating request: a retry is recognised
    created_by = UnicodeAttribute()  # the operator's IAM ARN
    created_ms = NumberAttribute()
    cancelled_ms = NumberAttribute(null=True)
    expires_at = NumberAttribute()  # TTL, epoch seconds
    by_end = EventEndIndex()


ALL_MODELS[EventRecord.Meta.table_name] = EventRecord
