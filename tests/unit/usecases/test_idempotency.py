"""run_once: exactly once per (player, key), on the in-memory store."""
from dataclasses import replace

import pytest

from geocritters.game.errors import Conflict
from geocritters.game.player import PlayerState
from geocritters.usecases.idempotency import MAX_ATTEMPTS, run_once
from geocritters.usecases.ports import (
    ActionReads,
    BackendBusy,
    IdempotencyKeyReused,
    SavePlayer,
    StaleState,
    StoredAction,
)


def _once(ctx, player_id, key, action, request_fingerprint, compute):
    return run_once(ctx, ActionReads(player_id, key), action, request_fingerprint, compute)


def _give_xp(ctx, player_id, xp):
    def compute(read):
        return [SavePlayer(replace(read.player, xp=read.player.xp + xp))], {"xp": xp}
    return compute


def test_the_first_run_commits_changes_and_record_together(ctx, player_id, store, clock):
    assert _once(ctx, player_id, "key-1", "spin", "f1", _give_xp(ctx, player_id, 5)) == {"xp": 5}
    assert store.get_player(player_id).xp == 5
    assert store.get_action(player_id, "key-1") == StoredAction(
        player_id, "key-1", "spin", "f1", {"xp": 5}, clock.now_ms())


def test_a_retry_replays_without_computing(ctx, player_id, store):
    _once(ctx, player_id, "key-1", "spin", "f1", _give_xp(ctx, player_id, 5))

    def must_not_run(_read):
        raise AssertionError("a replay must not recompute")
    for _ in range(5):
        assert _once(ctx, player_id, "key-1", "spin", "f1", must_not_run) == {"xp": 5}
    assert store.get_player(player_id).xp == 5


def test_a_reused_key_with_another_request_is_refused(ctx, player_id, store):
    """The HTTP layer answers this 422 (edge/errors.py)."""
    _once(ctx, player_id, "key-1", "spin", "f1", _give_xp(ctx, player_id, 5))
    with pytest.raises(IdempotencyKeyReused) as refused:
        _once(ctx, player_id, "key-1", "spin", "f2", _give_xp(ctx, player_id, 7))
    assert refused.value.code == "idempotency_key_reused"
    assert store.get_player(player_id).xp == 5


def test_keys_are_per_player(ctx, player_id, store):
    other = store.create_player(PlayerState("pl-other", "Other", 0))
    _once(ctx, player_id, "key-1", "spin", "f1", _give_xp(ctx, player_id, 5))
    assert _once(ctx, other.player_id, "key-1", "spin", "f1",
                    _give_xp(ctx, other.player_id, 7)) == {"xp": 7}


def test_a_refusal_after_a_twin_won_replays_the_twin(ctx, player_id, store):
    """The twin's effects are why this attempt is refused: its answer is ours."""
    def twin_wins_then_refuse(_read):
        _once(ctx, player_id, "key-1", "throw", "f1", _give_xp(ctx, player_id, 5))
        raise Conflict("already caught", code="already_caught")
    assert _once(ctx, player_id, "key-1", "throw", "f1", twin_wins_then_refuse) == {"xp": 5}


def test_a_refusal_without_a_twin_is_raised_and_records_nothing(ctx, player_id, store):
    def refuse(_read):
        raise Conflict("already caught", code="already_caught")
    with pytest.raises(Conflict):
        _once(ctx, player_id, "key-1", "throw", "f1", refuse)
    assert store.get_action(player_id, "key-1") is None


def test_a_twin_committing_first_is_replayed(ctx, player_id, store):
    calls = []

    def compute(read):
        calls.append(1)
        if len(calls) == 1:  # the twin commits between our read and our commit
            _once(ctx, player_id, "key-1", "spin", "f1", _give_xp(ctx, player_id, 5))
        return _give_xp(ctx, player_id, 5)(read)
    assert _once(ctx, player_id, "key-1", "spin", "f1", compute) == {"xp": 5}
    assert store.get_player(player_id).xp == 5 and len(calls) == 1


def test_stale_state_is_recomputed_then_gives_up_busy(ctx, player_id, store, monkeypatch):
    monkeypatch.setattr("geocritters.usecases.idempotency._pause", lambda attempt: None)
    attempts = []

    def always_stale(changes, action=None):
        attempts.append(action)
        raise StaleState("someone else moved first")
    monkeypatch.setattr(ctx.unit_of_work, "commit", always_stale)
    with pytest.raises(BackendBusy):
        _once(ctx, player_id, "key-1", "spin", "f1", _give_xp(ctx, player_id, 5))
    assert len(attempts) == MAX_ATTEMPTS
    assert store.get_action(player_id, "key-1") is None


def test_already_recorded_is_not_counted_as_applied(ctx, player_id, store, monkeypatch):
    """ActionAlreadyRecorded means a twin won: the next pass reads and replays it."""
    real_commit = store.unit_of_work.commit

    def twin_then_commit(changes, action=None):
        monkeypatch.undo()
        _once(ctx, player_id, action.idempotency_key, "spin", "f1", _give_xp(ctx, player_id, 9))
        real_commit(changes, action)
        raise AssertionError("unreachable: the record exists")
    monkeypatch.setattr(ctx.unit_of_work, "commit", twin_then_commit)
    assert _once(ctx, player_id, "key-1", "spin", "f1", _give_xp(ctx, player_id, 5)) == {"xp": 9}
    assert store.get_player(player_id).xp == 9
