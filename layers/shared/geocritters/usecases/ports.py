"""What the use cases need from persistence, as plain data and one interface.

A use case never talks DynamoDB: it returns ``Change`` objects and the store turns each
into a conditional write, all in one transaction with the idempotency record.
"""
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from ..game.entities import Creature, Encounter
from ..game.errors import GameError
from ..game.player import PlayerState
from ..game.world import Fort


class StaleState(Exception):
    """What the action was computed from changed before it was written; recompute."""


class ActionAlreadyRecorded(Exception):
    """The idempotency record exists: this request (or a twin) was already applied."""


class BackendBusy(GameError):
    """DynamoDB throttled us past the SDK's retries; the client should retry later."""

    code = "backend_throttled"


class IdempotencyKeyReused(GameError):
    """The same Idempotency-Key came with a different request."""

    code = "idempotency_key_reused"


@dataclass(frozen=True)
class StoredAction:
    player_id: str
    idempotency_key: str
    action: str
    fingerprint: str
    status_code: int
    response: dict
    created_ms: int


# --- changes: each becomes one conditional write -------------------------------------

@dataclass(frozen=True)
class SavePlayer:
    """Write the player's game state if its revision is still ``state.revision``."""

    state: PlayerState


@dataclass(frozen=True)
class SaveEncounter:
    """Write the encounter if its throw count is still ``expected_throws``."""

    encounter: Encounter
    expected_throws: int


@dataclass(frozen=True)
class AddCreature:
    creature: Creature


@dataclass(frozen=True)
class ReplaceCreature:
    """Write the creature if it still has ``expected`` species and level."""

    creature: Creature
    expected: Creature


@dataclass(frozen=True)
class RemoveCreature:
    creature: Creature


@dataclass(frozen=True)
class RecordVisit:
    """Mark a stop as spun; ``first`` asserts it had never been spun by this player."""

    player_id: str
    stop_id: str
    first: bool
    now_ms: int


Change = SavePlayer | SaveEncounter | AddCreature | ReplaceCreature | RemoveCreature | RecordVisit


class GameStore(Protocol):
    def get_player(self, player_id: str) -> PlayerState | None: ...
    def create_player(self, state: PlayerState) -> PlayerState: ...
    def record_position(self, player_id: str, lat: float, lng: float, now_ms: int,
                        max_per_minute: int) -> PlayerState: ...
    def get_encounter(self, player_id: str, encounter_id: str) -> Encounter | None: ...
    def create_encounter(self, encounter: Encounter) -> Encounter: ...
    def get_creature(self, player_id: str, creature_id: str) -> Creature | None: ...
    def list_creatures(self, player_id: str, limit: int, after: str | None) -> tuple[list[Creature], str | None]: ...
    def get_action(self, player_id: str, key: str) -> StoredAction | None: ...
    def has_visited(self, player_id: str, stop_id: str) -> bool: ...
    def curated_forts(self, cells: Sequence[str]) -> dict[str, list[Fort]]: ...
    def save_curated_cells(self, cells: Mapping[str, Sequence[Fort]]) -> None: ...
    def commit(self, changes: Sequence[Change], action: StoredAction | None = None) -> None: ...
