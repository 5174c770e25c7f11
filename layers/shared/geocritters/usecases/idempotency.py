"""Exactly-once mutating actions.

The idempotency record is written in the same transaction as the action's effects, so
either both exist or neither does. A retry finds the record and gets the stored
response; the same key with a different request is refused (422). Optimistic
conflicts (another action changed the player first) are recomputed a few times.
"""
import hashlib
import json
import random
import time
from collections.abc import Callable, Sequence

from ..game.actions import Action
from ..game.errors import GameError
from .ports import (
    ActionAlreadyRecorded,
    ActionReads,
    ActionState,
    BackendBusy,
    Change,
    IdempotencyKeyReused,
    StaleState,
    StoredAction,
)

MAX_ATTEMPTS = 4
CONFLICT_BACKOFF_S = 0.01  # up to 10, 20, 40 ms between attempts

# From what the action read, its changes and its response.
Computation = Callable[[ActionState], tuple[Sequence[Change], dict]]


def fingerprint(action: Action, *parts) -> str:
    """A digest of what was asked: same key + different fingerprint is a reused key."""
    canonical = json.dumps([action, *parts], sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def _replay(stored: StoredAction, expected_fingerprint: str) -> dict:
    if stored.fingerprint != expected_fingerprint:
        raise IdempotencyKeyReused(
            "this Idempotency-Key was already used for a different request")
    return stored.response


def _pause(attempt: int) -> None:
    time.sleep(random.uniform(0, CONFLICT_BACKOFF_S * 2 ** attempt))


def run_once(ctx, reads: ActionReads, action: Action, request_fingerprint: str,
             compute: Computation) -> dict:
    """Run ``compute`` on what ``reads`` names and commit its changes exactly once for
    (player, key); the response, the same for every retry (the HTTP layer chooses its
    status)."""
    player_id, key = reads.player_id, reads.idempotency_key
    for attempt in range(MAX_ATTEMPTS):
        # One read of all the action needs, its idempotency record included; on every
        # attempt, since a concurrent twin of this request may have won.
        state = ctx.snapshots.read_for_action(reads)
        if state.action is not None:
            return _replay(state.action, request_fingerprint)
        try:
            changes, response = compute(state)
        except GameError:
            # Refused now, but a twin may have been applied meanwhile (its effects are
            # what make us refuse, e.g. "already caught"): then its answer is ours.
            stored = ctx.actions.get_action(player_id, key)
            if stored is not None:
                return _replay(stored, request_fingerprint)
            raise
        record = StoredAction(
            player_id=player_id, idempotency_key=key, action=action,
            fingerprint=request_fingerprint, response=response,
            created_ms=ctx.clock.now_ms(),
        )
        try:
            ctx.unit_of_work.commit(changes, record)
            return response
        except ActionAlreadyRecorded:
            continue  # a concurrent twin of this request won: the next pass replays it
        except StaleState:
            # Someone else changed what we computed from: recompute, after a jittered
            # pause so that many racing requests don't collide again in lockstep.
            _pause(attempt)
    raise BackendBusy("too many simultaneous actions on this player or place; retry",
                      retry_after_s=1)
