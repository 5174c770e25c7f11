"""What the use cases may rely on from a store, for every backend (conftest.py): the
in-memory fake the use-case tests run on must behave as DynamoDB does."""
import uuid
from dataclasses import replace

import pytest

from geocritters.adapters import cell_pack
from geocritters.game.entities import Creature, Encounter
from geocritters.game.errors import NotFound, RateLimited
from geocritters.game.player import Place, PlayerState
from geocritters.game.stats import IVs
from geocritters.game.walking import TRAIL_SLOTS, Sample, Walk, sample_at, trail_slot
from geocritters.game.world import Fort
from geocritters.usecases.ports import (
    ActionAlreadyRecorded,
    ActionReads,
    ActionState,
    AddCreature,
    RecordVisit,
    RemoveCreature,
    ReplaceCreature,
    SaveEncounter,
    SavePlayer,
    StaleState,
    StoredAction,
)

MINUTE_MS = 60_000
NOW = 1_800_000_000_000 - 1_800_000_000_000 % MINUTE_MS  # the start of a rate window


def _id(prefix: str) -> str:
    """Unique per test: DynamoDB Local keeps its tables for the whole run."""
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


def _new_player(store, **fields) -> PlayerState:
    state = PlayerState(player_id=_id("pl"), name="Trainer0001", created_ms=NOW,
                        stardust=100, items={"ball": 20})
    store.create_player(replace(state, **fields))
    return store.get_player(state.player_id)


def _encounter(player_id: str, **fields) -> Encounter:
    return replace(Encounter(player_id, _id("en"), "sp-1", 7, 12.0, 345, IVs(1, 2, 3),
                             40.75, -73.98, NOW, NOW + 60_000, NOW + 600_000), **fields)


def _creature(player_id: str, caught_ms: int = NOW, **fields) -> Creature:
    return replace(Creature(player_id, f"cr-{caught_ms:013d}-{uuid.uuid4().hex[:10]}", 7, 12.0,
                            345, IVs(1, 2, 3), caught_ms, "en-x"), **fields)


def _action(player_id: str, key: str | None = None, **fields) -> StoredAction:
    return replace(StoredAction(player_id, key or _id("key"), "throw", "f" * 64,
                                {"outcome": "caught", "xp": 100, "nested": {"list": [1, 2]}},
                                NOW), **fields)


# --- players -----------------------------------------------------------------------------

def test_an_unknown_player_is_none(store):
    assert store.get_player(_id("pl")) is None


def test_a_new_player_starts_at_revision_0_with_its_stock(store):
    state = PlayerState(player_id=_id("pl"), name="Trainer0042", created_ms=NOW, stardust=100,
                        items={"ball": 20, "berry": 3}, candy={"fam": 2})
    assert store.create_player(state) == state
    assert store.get_player(state.player_id) == state


def test_creating_an_existing_player_returns_it_unchanged(store):
    first = _new_player(store)
    again = store.create_player(replace(first, name="Someone Else", stardust=999))
    assert again == first
    assert store.get_player(first.player_id) == first


def test_saving_a_player_needs_its_revision_and_bumps_it(store):
    player = _new_player(store)
    changed = replace(player, xp=250, stardust=40, team="red", items={"ball": 19},
                      candy={"fam": 3}, stop_cooldowns={"st-1": NOW + 5},
                      resolved_spawns={"sp-1": NOW + 9}, last_action=Place(40.5, -73.5, NOW),
                      catch_day=3, catches_today=2, catch_week=1, catches_this_week=5,
                      rates={"throw": (30_000_000, 2)}, strikes=1, suspended_until_ms=NOW + 7)
    store.commit([SavePlayer(changed)])
    assert store.get_player(player.player_id) == replace(changed, revision=1)

    with pytest.raises(StaleState):  # computed from revision 0, stored is 1
        store.commit([SavePlayer(replace(changed, xp=999))])
    assert store.get_player(player.player_id).xp == 250


def test_saving_keeps_name_and_the_last_action_when_none_and_removes_a_cleared_team(store):
    player = _new_player(store)
    store.commit([SavePlayer(replace(player, team="blue", last_action=Place(1.5, 2.5, NOW)))])
    saved = store.get_player(player.player_id)
    store.commit([SavePlayer(replace(saved, name="ignored", team=None, last_action=None))])
    after = store.get_player(player.player_id)
    assert (after.name, after.team, after.last_action) == (player.name, None, Place(1.5, 2.5, NOW))
    assert after.revision == 2


def test_saving_a_player_that_does_not_exist_is_stale_and_creates_nothing(store):
    ghost = PlayerState(player_id=_id("pl"), name="Ghost", created_ms=NOW)
    with pytest.raises(StaleState):
        store.commit([SavePlayer(ghost)])
    assert store.get_player(ghost.player_id) is None


def _report(store, player_id, at_ms, max_per_minute=3, lat=40.0, lng=-73.0):
    return store.record_position(player_id, sample_at(lat, lng, at_ms), max_per_minute)


def test_positions_are_rate_limited_per_window(store):
    player = _new_player(store, xp=300)
    for n in range(3):
        before = _report(store, player.player_id, NOW + n)
        # The player as it was before this report: the game state unchanged by positions.
        assert replace(before, position=None, trail={}) == player
        assert before.position == (Place(40.0, -73.0, NOW + n - 1) if n else None)
        assert store.get_player(player.player_id).position == Place(40.0, -73.0, NOW + n)
    with pytest.raises(RateLimited) as refused:
        _report(store, player.player_id, NOW + 30_000)
    assert refused.value.retry_after_s == 30
    # The next window counts afresh, and the position write leaves the revision alone.
    assert _report(store, player.player_id, NOW + MINUTE_MS).revision == 0
    _report(store, player.player_id, NOW + MINUTE_MS + 1)
    _report(store, player.player_id, NOW + MINUTE_MS + 2)
    with pytest.raises(RateLimited):
        _report(store, player.player_id, NOW + MINUTE_MS + 3)
    assert store.get_player(player.player_id).revision == 0


def test_a_position_report_writes_its_minute_trail_slot_and_returns_what_it_replaced(store):
    player = _new_player(store)
    first = sample_at(40.0, -73.0, NOW)
    store.record_position(player.player_id, first, 30)
    later = sample_at(40.001, -73.0, NOW + TRAIL_SLOTS * MINUTE_MS)  # the same slot, 10 min on
    before = store.record_position(player.player_id, later, 30)
    assert before.trail == {trail_slot(NOW): first}
    assert store.get_player(player.player_id).trail == {trail_slot(NOW): later}


def test_a_walk_fold_is_written_once_per_expected_fold(store):
    player = _new_player(store)
    walk = Walk(walked_m=120.5, week=2900, week_m=120.5, folded_ms=NOW,
                anchor=Sample(40.0, -73.0, NOW), last=Sample(40.0, -73.0, NOW))
    assert store.fold_walk(player.player_id, walk, expected_folded_ms=0)
    assert not store.fold_walk(player.player_id, replace(walk, walked_m=999.0), expected_folded_ms=0)
    stored = store.get_player(player.player_id)
    assert stored.walk == walk and stored.revision == 0
    # An action's save leaves the map's walk alone.
    store.commit([SavePlayer(replace(stored, xp=5, walk=Walk()))])
    assert store.get_player(player.player_id).walk == walk


def test_a_position_of_an_unknown_player_is_not_found(store):
    with pytest.raises(NotFound) as refused:
        _report(store, _id("pl"), NOW)
    assert refused.value.code == "player_not_found"


def test_a_saved_player_keeps_its_position_window(store):
    player = _new_player(store)
    _report(store, player.player_id, NOW, max_per_minute=2)
    store.commit([SavePlayer(replace(player, xp=10))])
    _report(store, player.player_id, NOW + 1, max_per_minute=2)
    with pytest.raises(RateLimited):
        _report(store, player.player_id, NOW + 2, max_per_minute=2)


# --- encounters --------------------------------------------------------------------------

def test_an_encounter_is_created_once(store):
    player = _new_player(store)
    first = _encounter(player.player_id)
    assert store.create_encounter(first) == first
    assert store.create_encounter(replace(first, cp=1, started_ms=NOW + 5)) == first
    assert store.get_encounter(player.player_id, first.encounter_id) == first
    assert store.get_encounter(player.player_id, _id("en")) is None
    assert store.get_encounter(_id("pl"), first.encounter_id) is None


def test_a_throw_lands_only_on_the_throw_count_it_saw_of_an_active_encounter(store):
    player = _new_player(store)
    encounter = store.create_encounter(_encounter(player.player_id))
    store.commit([SaveEncounter(replace(encounter, throws=1), expected_throws=0)])
    with pytest.raises(StaleState):  # a second throw computed from the same count
        store.commit([SaveEncounter(replace(encounter, throws=1, status="caught"), expected_throws=0)])
    store.commit([SaveEncounter(replace(encounter, throws=2, status="fled"), expected_throws=1)])
    with pytest.raises(StaleState):  # over: no throw lands on a fled encounter
        store.commit([SaveEncounter(replace(encounter, throws=3), expected_throws=2)])
    assert store.get_encounter(player.player_id, encounter.encounter_id) == replace(
        encounter, throws=2, status="fled")


def test_a_throw_at_a_missing_encounter_is_stale(store):
    with pytest.raises(StaleState):
        store.commit([SaveEncounter(_encounter(_id("pl"), throws=1), expected_throws=0)])


# --- creatures ---------------------------------------------------------------------------

def test_a_creature_is_added_once(store):
    player = _new_player(store)
    creature = _creature(player.player_id)
    store.commit([AddCreature(creature)])
    assert store.get_creature(player.player_id, creature.creature_id) == creature
    with pytest.raises(StaleState):
        store.commit([AddCreature(replace(creature, cp=1))])
    assert store.get_creature(player.player_id, creature.creature_id) == creature


def test_a_creature_is_replaced_only_while_it_has_the_species_and_level_seen(store):
    player = _new_player(store)
    creature = _creature(player.player_id)
    store.commit([AddCreature(creature)])
    powered = replace(creature, level=12.5, cp=360)
    store.commit([ReplaceCreature(powered, expected=creature)])
    with pytest.raises(StaleState):  # a second power-up computed from level 12
        store.commit([ReplaceCreature(replace(creature, level=12.5, cp=361), expected=creature)])
    with pytest.raises(StaleState):  # an evolution computed from the old species
        store.commit([ReplaceCreature(replace(powered, species_id=8),
                                      expected=replace(powered, species_id=6))])
    # cp is not part of the guard: it follows from species and level
    evolved = replace(powered, species_id=8, cp=500)
    store.commit([ReplaceCreature(evolved, expected=replace(powered, cp=0))])
    assert store.get_creature(player.player_id, creature.creature_id) == evolved


def test_a_creature_is_removed_once(store):
    player = _new_player(store)
    creature = _creature(player.player_id)
    store.commit([AddCreature(creature)])
    store.commit([RemoveCreature(creature)])
    assert store.get_creature(player.player_id, creature.creature_id) is None
    with pytest.raises(StaleState):
        store.commit([RemoveCreature(creature)])


def test_creatures_are_listed_newest_first_a_page_at_a_time(store):
    player, other = _new_player(store), _new_player(store)
    mine = [_creature(player.player_id, caught_ms=NOW + n) for n in range(5)]
    store.commit([AddCreature(c) for c in mine] + [AddCreature(_creature(other.player_id))])
    newest_first = [c.creature_id for c in reversed(mine)]

    page, after = store.list_creatures(player.player_id, 2, None)
    assert [c.creature_id for c in page] == newest_first[:2] and after == newest_first[1]
    assert page[0] == mine[-1]
    page, after = store.list_creatures(player.player_id, 2, after)
    assert [c.creature_id for c in page] == newest_first[2:4] and after == newest_first[3]
    page, after = store.list_creatures(player.player_id, 2, after)
    assert [c.creature_id for c in page] == newest_first[4:] and after is None
    # a page that ends exactly at the last creature has no next page
    page, after = store.list_creatures(player.player_id, 5, None)
    assert len(page) == 5 and after is None
    assert store.list_creatures(_id("pl"), 5, None) == ([], None)


# --- idempotency records and atomic commits ------------------------------------------------

def test_an_action_is_recorded_with_its_changes(store):
    player = _new_player(store)
    action = _action(player.player_id)
    assert store.get_action(player.player_id, action.idempotency_key) is None
    store.commit([SavePlayer(replace(player, xp=10))], action)
    assert store.get_action(player.player_id, action.idempotency_key) == action
    assert store.get_action(_id("pl"), action.idempotency_key) is None
    assert store.get_player(player.player_id).xp == 10


def test_a_recorded_key_refuses_the_commit_whole(store):
    player = _new_player(store)
    action = _action(player.player_id)
    store.commit([SavePlayer(player)], action)
    twin = _creature(player.player_id)
    with pytest.raises(ActionAlreadyRecorded):
        store.commit([AddCreature(twin), SavePlayer(replace(player, revision=1, xp=5))],
                     replace(action, fingerprint="g" * 64))
    assert store.get_creature(player.player_id, twin.creature_id) is None
    assert store.get_player(player.player_id).revision == 1
    assert store.get_action(player.player_id, action.idempotency_key) == action


def test_a_recorded_key_wins_over_a_stale_change(store):
    """A twin that already applied this request also changed the player: the answer
    must be 'already recorded' (replay it), not 'stale' (recompute)."""
    player = _new_player(store)
    action = _action(player.player_id)
    store.commit([SavePlayer(player)], action)
    with pytest.raises(ActionAlreadyRecorded):
        store.commit([SavePlayer(player)], action)


def test_a_failed_condition_refuses_the_commit_whole(store):
    player = _new_player(store)
    encounter = store.create_encounter(_encounter(player.player_id))
    creature = _creature(player.player_id)
    action = _action(player.player_id)
    with pytest.raises(StaleState):
        store.commit([AddCreature(creature), SavePlayer(replace(player, xp=100)),
                      SaveEncounter(replace(encounter, throws=1, status="caught"),
                                    expected_throws=7)], action)
    assert store.get_action(player.player_id, action.idempotency_key) is None
    assert store.get_creature(player.player_id, creature.creature_id) is None
    assert store.get_player(player.player_id) == player
    assert store.get_encounter(player.player_id, encounter.encounter_id) == encounter


def test_changes_without_a_record_commit_together(store):
    player = _new_player(store)
    creatures = [_creature(player.player_id, caught_ms=NOW + n) for n in range(3)]
    store.commit([AddCreature(c) for c in creatures])
    with pytest.raises(StaleState):
        store.commit([RemoveCreature(creatures[0]), AddCreature(creatures[1])])
    assert store.get_creature(player.player_id, creatures[0].creature_id) == creatures[0]


# --- visits --------------------------------------------------------------------------------

def test_a_first_visit_is_first_once_and_a_repeat_needs_a_first(store):
    player = _new_player(store)
    stop = _id("st")
    assert store.has_visited(player.player_id, stop) is False
    with pytest.raises(StaleState):
        store.commit([RecordVisit(player.player_id, stop, first=False, now_ms=NOW)])
    store.commit([RecordVisit(player.player_id, stop, first=True, now_ms=NOW)])
    assert store.has_visited(player.player_id, stop) is True
    assert store.has_visited(_id("pl"), stop) is False
    with pytest.raises(StaleState):
        store.commit([RecordVisit(player.player_id, stop, first=True, now_ms=NOW + 1)])
    store.commit([RecordVisit(player.player_id, stop, first=False, now_ms=NOW + 2)])


def test_a_spin_and_its_visit_commit_together(store):
    player = _new_player(store)
    stop = _id("st")
    with pytest.raises(StaleState):  # the player moved on meanwhile
        store.commit([SavePlayer(replace(player, revision=3)),
                      RecordVisit(player.player_id, stop, first=True, now_ms=NOW)], _action(player.player_id))
    assert store.has_visited(player.player_id, stop) is False


# --- curated cells -------------------------------------------------------------------------

def _forts(cell: str, n: int) -> list[Fort]:
    return [Fort(f"poi-{cell}-fort-{i}", "stop" if i % 2 else "gym", f"Fort {i}",
                 round(40.7580123 + i / 1e5, 7), -73.9855123) for i in range(n)]


def test_curated_cells_are_replaced_whole_and_read_back_exactly(store):
    cell, empty = "dr5ru7", "dr5ru6"
    assert store.curated_forts([]) == {}
    store.save_curated_cells({cell: _forts(cell, 3)})
    store.save_curated_cells({cell: _forts(cell, 2)})
    found = store.curated_forts([cell, empty, cell])
    assert found == {cell: _forts(cell, 2), empty: []}


def test_a_cell_too_dense_refuses_the_whole_save(store, monkeypatch):
    lone, crowded = "u4pruy", "dr5ruk"
    before = store.curated_forts([lone, crowded])
    monkeypatch.setattr(cell_pack, "MAX_PACKED_BYTES", len(cell_pack.pack(lone, _forts(lone, 1))))
    with pytest.raises(cell_pack.CellTooDense):
        store.save_curated_cells({lone: _forts(lone, 1), crowded: _forts(crowded, 40)})
    assert store.curated_forts([lone, crowded]) == before


# --- one read per action -------------------------------------------------------------------

def test_an_action_reads_its_player_record_and_target_at_once(store):
    player = _new_player(store)
    encounter = store.create_encounter(_encounter(player.player_id))
    creature = _creature(player.player_id)
    stop, action = _id("st"), _action(player.player_id)
    store.commit([AddCreature(creature), RecordVisit(player.player_id, stop, True, NOW)], action)

    read = store.read_for_action(ActionReads(player.player_id, action.idempotency_key,
                                             encounter_id=encounter.encounter_id))
    assert read == ActionState(player=player, action=action, encounter=encounter)
    read = store.read_for_action(ActionReads(player.player_id, _id("key"),
                                             creature_id=creature.creature_id, stop_id=stop))
    assert read == ActionState(player=player, action=None, creature=creature, visited=True,
                               creatures={creature.creature_id: creature})


def test_what_an_action_reads_may_be_missing(store):
    player = _new_player(store)
    read = store.read_for_action(ActionReads(player.player_id, _id("key"), encounter_id=_id("en"),
                                             creature_id=_id("cr"), stop_id=_id("st")))
    assert read == ActionState(player=player, action=None)
    assert store.read_for_action(ActionReads(_id("pl"), _id("key"))) == ActionState(None, None)


def test_an_action_reads_only_its_own_players_items(store):
    owner, other = _new_player(store), _new_player(store)
    creature, action = _creature(owner.player_id), _action(owner.player_id)
    store.commit([AddCreature(creature)], action)
    read = store.read_for_action(ActionReads(other.player_id, action.idempotency_key,
                                             creature_id=creature.creature_id))
    assert read == ActionState(player=other, action=None)


def test_an_action_reads_what_was_just_committed(store):
    player = _new_player(store)
    key = _id("key")
    store.commit([SavePlayer(replace(player, xp=7))], _action(player.player_id, key))
    read = store.read_for_action(ActionReads(player.player_id, key))
    assert (read.player.xp, read.player.revision, read.action.idempotency_key) == (7, 1, key)
