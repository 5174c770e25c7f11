"""The DynamoDB implementation of ``GameStore`` (PynamoDB).

Game invariants become write conditions here: a player's state is written only if its
revision is unchanged, an encounter only if no other throw landed first, a creature
only if it is still what the action saw, an idempotency record only if absent. Several
changes go in one transaction, so an action applies whole or not at all.
"""
import json
from collections.abc import Iterable, Mapping, Sequence

from botocore.exceptions import ConnectionError as BotocoreConnectionError
from botocore.exceptions import HTTPClientError
from pynamodb.connection import Connection
from pynamodb.exceptions import (
    DeleteError,
    DoesNotExist,
    GetError,
    PutError,
    QueryError,
    TransactWriteError,
    UpdateError,
)
from pynamodb.transactions import TransactWrite

from ..game.entities import Creature, Encounter
from ..game.errors import NotFound
from ..game.player import Place, PlayerState, rate_limited, rate_window
from ..game.stats import IVs
from ..game.world import Fort
from ..usecases.ports import (
    ActionAlreadyRecorded,
    AddCreature,
    BackendBusy,
    Change,
    RecordVisit,
    RemoveCreature,
    ReplaceCreature,
    SaveEncounter,
    SavePlayer,
    StaleState,
    StoredAction,
)
from . import cell_pack
from .budget import SDK_CONNECT_TIMEOUT_S, SDK_READ_TIMEOUT_S, SDK_TOTAL_ATTEMPTS, before_sdk_call
from .models import (
    ALL_MODELS,
    ActionRecord,
    CellRecord,
    CreatureRecord,
    EncounterRecord,
    PlaceAttribute,
    PlayerRecord,
    VisitRecord,
)

_THROTTLED = {"ProvisionedThroughputExceededException", "ThrottlingException",
              "RequestLimitExceeded", "InternalServerError", "ServiceUnavailable"}
_CONDITION_FAILED = "ConditionalCheckFailedException"
ACTION_TTL_S = 24 * 3600  # idempotency records outlive any client retry by far
ENCOUNTER_TTL_GRACE_S = 3600


def _unavailable(error) -> bool:
    """Throttled, or no answer at all (timeouts, dropped connections) after the SDK's
    own retries: either way the client should retry later, with the same key."""
    if getattr(error, "cause_response_code", None) in _THROTTLED:
        return True
    return isinstance(getattr(error, "cause", None), (BotocoreConnectionError, HTTPClientError))


def _raise_if_unavailable(error) -> None:
    if _unavailable(error):
        raise BackendBusy("the game is busy; retry shortly", retry_after_s=1) from error


def _get_or_none(model, *keys):
    """A strongly consistent read of one item, or None when it doesn't exist."""
    before_sdk_call()
    try:
        return model.get(*keys, consistent_read=True)
    except DoesNotExist:
        return None
    except GetError as error:
        _raise_if_unavailable(error)
        raise


# --- record <-> domain ---------------------------------------------------------------

def _raw(mapping) -> dict:
    return mapping.as_dict() if hasattr(mapping, "as_dict") else dict(mapping or {})


def _numbers(mapping) -> dict:
    return {key: int(value) for key, value in _raw(mapping).items()}


def _place(attr) -> Place | None:
    if attr is None:
        return None
    return Place(float(attr.lat), float(attr.lng), int(attr.at_ms))


def player_from_record(record: PlayerRecord) -> PlayerState:
    return PlayerState(
        player_id=record.player_id,
        name=record.name,
        created_ms=int(record.created_ms),
        team=record.team,
        xp=int(record.xp),
        stardust=int(record.stardust),
        items=_numbers(record.items),
        candy=_numbers(record.candy),
        stop_cooldowns=_numbers(record.stop_cooldowns),
        resolved_spawns=_numbers(record.resolved_spawns),
        last_action=_place(record.last_action),
        catch_day=int(record.catch_day),
        catches_today=int(record.catches_today),
        catch_week=int(record.catch_week),
        catches_this_week=int(record.catches_this_week),
        rates={action: (int(window), int(count))
               for action, (window, count) in _raw(record.rates).items()},
        strikes=int(record.strikes),
        suspended_until_ms=int(record.suspended_until_ms),
        revision=int(record.revision),
    )


def _place_attr(place: Place) -> PlaceAttribute:
    return PlaceAttribute(lat=place.lat, lng=place.lng, at_ms=place.at_ms)


def _player_actions(state: PlayerState) -> list:
    """SET every game field from the new state; the map's position is left alone."""
    actions = [
        PlayerRecord.team.set(state.team) if state.team else PlayerRecord.team.remove(),
        PlayerRecord.xp.set(state.xp),
        PlayerRecord.stardust.set(state.stardust),
        PlayerRecord.items.set(dict(state.items)),
        PlayerRecord.candy.set(dict(state.candy)),
        PlayerRecord.stop_cooldowns.set(dict(state.stop_cooldowns)),
        PlayerRecord.resolved_spawns.set(dict(state.resolved_spawns)),
        PlayerRecord.catch_day.set(state.catch_day),
        PlayerRecord.catches_today.set(state.catches_today),
        PlayerRecord.catch_week.set(state.catch_week),
        PlayerRecord.catches_this_week.set(state.catches_this_week),
        PlayerRecord.rates.set({action: list(window) for action, window in state.rates.items()}),
        PlayerRecord.strikes.set(state.strikes),
        PlayerRecord.suspended_until_ms.set(state.suspended_until_ms),
        PlayerRecord.revision.set(state.revision + 1),
    ]
    if state.last_action is not None:
        actions.append(PlayerRecord.last_action.set(_place_attr(state.last_action)))
    return actions


def encounter_from_record(r: EncounterRecord) -> Encounter:
    return Encounter(
        player_id=r.player_id, encounter_id=r.encounter_id, spawn_id=r.spawn_id,
        species_id=int(r.species_id), level=float(r.level), cp=int(r.cp),
        ivs=IVs(int(r.iv_attack), int(r.iv_defense), int(r.iv_stamina)),
        lat=float(r.lat), lng=float(r.lng), started_ms=int(r.started_ms),
        expires_ms=int(r.expires_ms), despawn_ms=int(r.despawn_ms), status=r.status,
        throws=int(r.throws),
    )


def _encounter_record(e: Encounter) -> EncounterRecord:
    return EncounterRecord(
        e.player_id, e.encounter_id, spawn_id=e.spawn_id, species_id=e.species_id,
        level=e.level, cp=e.cp, iv_attack=e.ivs.attack, iv_defense=e.ivs.defense,
        iv_stamina=e.ivs.stamina, lat=e.lat, lng=e.lng, started_ms=e.started_ms,
        expires_ms=e.expires_ms, despawn_ms=e.despawn_ms, status=e.status, throws=e.throws,
        expires_at=max(e.expires_ms, e.despawn_ms) // 1000 + ENCOUNTER_TTL_GRACE_S,
    )


def creature_from_record(r: CreatureRecord) -> Creature:
    return Creature(
        player_id=r.player_id, creature_id=r.creature_id, species_id=int(r.species_id),
        level=float(r.level), cp=int(r.cp),
        ivs=IVs(int(r.iv_attack), int(r.iv_defense), int(r.iv_stamina)),
        caught_ms=int(r.caught_ms), encounter_id=r.encounter_id,
    )


def _creature_record(c: Creature) -> CreatureRecord:
    return CreatureRecord(
        c.player_id, c.creature_id, species_id=c.species_id, level=c.level, cp=c.cp,
        iv_attack=c.ivs.attack, iv_defense=c.ivs.defense, iv_stamina=c.ivs.stamina,
        caught_ms=c.caught_ms, encounter_id=c.encounter_id,
    )


def _action_record(a: StoredAction) -> ActionRecord:
    return ActionRecord(
        a.player_id, a.idempotency_key, action=a.action, fingerprint=a.fingerprint,
        status_code=a.status_code, response=json.dumps(a.response, separators=(",", ":")),
        created_ms=a.created_ms, expires_at=a.created_ms // 1000 + ACTION_TTL_S,
    )


# --- the store -------------------------------------------------------------------------

class DynamoGameStore:
    """GameStore over the PynamoDB models (tables bound by ``models.bind_tables``)."""

    def __init__(self, region: str):
        self._region = region
        self._shared: Connection | None = None

    def _connection(self) -> Connection:
        """The container's one connection: transactions use it, and every model's
        connection is handed its botocore client (``connect``)."""
        if self._shared is None:
            self._shared = Connection(
                region=self._region, connect_timeout_seconds=SDK_CONNECT_TIMEOUT_S,
                read_timeout_seconds=SDK_READ_TIMEOUT_S, max_retry_attempts=SDK_TOTAL_ATTEMPTS - 1)
        return self._shared

    def connect(self) -> None:
        """Build the container's one botocore DynamoDB client now and share it.

        Building a client costs tens of milliseconds of CPU (more at Lambda's CPU share),
        and PynamoDB would build one per model on first use: five for a catch. One shared
        client (clients are thread-safe) also lets a cold map request send its two
        calls at once instead of each waiting for its own client."""
        client = self._connection().client
        for model in ALL_MODELS.values():
            # PynamoDB has no public way to hand a model a client; _client is what its
            # Connection.client property caches (tests/api/test_shared_client.py pins it).
            model._get_connection().connection._client = client

    # players
    def get_player(self, player_id: str) -> PlayerState | None:
        record = _get_or_none(PlayerRecord, player_id)
        return player_from_record(record) if record else None

    def create_player(self, state: PlayerState) -> PlayerState:
        before_sdk_call()
        record = PlayerRecord(
            state.player_id, name=state.name, created_ms=state.created_ms, xp=state.xp,
            stardust=state.stardust, items=dict(state.items), candy=dict(state.candy),
            stop_cooldowns={}, resolved_spawns={}, revision=0,
        )
        try:
            record.save(condition=PlayerRecord.player_id.does_not_exist())
            return state
        except PutError as error:
            _raise_if_unavailable(error)
            if error.cause_response_code != _CONDITION_FAILED:
                raise
        existing = self.get_player(state.player_id)
        if existing is None:  # deleted between the two calls: vanishingly rare
            raise StaleState(state.player_id)
        return existing

    def record_position(self, player_id: str, lat: float, lng: float, now_ms: int,
                        max_per_minute: int) -> PlayerState:
        """Store the reported position and return the player, at most ``max_per_minute``
        times per rate window (game/player.py's rule, applied here as write conditions so
        the map never reads first): one conditional update in the common case, a second
        when a new window starts."""
        before_sdk_call()
        minute = rate_window(now_ms)
        position = PlayerRecord.position.set(PlaceAttribute(lat=lat, lng=lng, at_ms=now_ms))
        same_minute = (
            [position, PlayerRecord.map_count.set(PlayerRecord.map_count + 1)],
            (PlayerRecord.map_minute == minute) & (PlayerRecord.map_count < max_per_minute),
        )
        new_minute = (
            [position, PlayerRecord.map_minute.set(minute), PlayerRecord.map_count.set(1)],
            PlayerRecord.player_id.exists()
            & (PlayerRecord.map_minute.does_not_exist() | (PlayerRecord.map_minute != minute)),
        )
        for actions, condition in (same_minute, new_minute):
            record = PlayerRecord(player_id)
            try:
                record.update(actions=actions, condition=condition)
                return player_from_record(record)
            except UpdateError as error:
                _raise_if_unavailable(error)
                if error.cause_response_code != _CONDITION_FAILED:
                    raise
        if self.get_player(player_id) is None:
            raise NotFound("no such player", code="player_not_found")
        raise rate_limited("map", max_per_minute, now_ms)

    # encounters
    def get_encounter(self, player_id: str, encounter_id: str) -> Encounter | None:
        record = _get_or_none(EncounterRecord, player_id, encounter_id)
        return encounter_from_record(record) if record else None

    def create_encounter(self, encounter: Encounter) -> Encounter:
        """Start the encounter, or return the one already started for the same spawn."""
        before_sdk_call()
        try:
            _encounter_record(encounter).save(condition=EncounterRecord.encounter_id.does_not_exist())
            return encounter
        except PutError as error:
            _raise_if_unavailable(error)
            if error.cause_response_code != _CONDITION_FAILED:
                raise
        existing = self.get_encounter(encounter.player_id, encounter.encounter_id)
        if existing is None:
            raise StaleState(encounter.encounter_id)
        return existing

    # creatures
    def get_creature(self, player_id: str, creature_id: str) -> Creature | None:
        record = _get_or_none(CreatureRecord, player_id, creature_id)
        return creature_from_record(record) if record else None

    def list_creatures(self, player_id: str, limit: int, after: str | None):
        """Newest first; ``after`` is the last creature id of the previous page."""
        before_sdk_call()
        condition = CreatureRecord.creature_id < after if after else None
        try:
            records = list(CreatureRecord.query(
                player_id, range_key_condition=condition, scan_index_forward=False,
                limit=limit + 1, page_size=limit + 1,
            ))
        except QueryError as error:
            _raise_if_unavailable(error)
            raise
        page = [creature_from_record(r) for r in records[:limit]]
        next_after = page[-1].creature_id if len(records) > limit else None
        return page, next_after

    # idempotency records
    def get_action(self, player_id: str, key: str) -> StoredAction | None:
        r = _get_or_none(ActionRecord, player_id, key)
        if r is None:
            return None
        return StoredAction(
            player_id=r.player_id, idempotency_key=r.idempotency_key, action=r.action,
            fingerprint=r.fingerprint, status_code=int(r.status_code),
            response=json.loads(r.response), created_ms=int(r.created_ms),
        )

    # stops
    def has_visited(self, player_id: str, stop_id: str) -> bool:
        return _get_or_none(VisitRecord, player_id, stop_id) is not None

    # curated world
    def curated_forts(self, cells: Sequence[str]) -> dict[str, list[Fort]]:
        found = {cell: [] for cell in cells}
        if not cells:
            return found
        before_sdk_call()
        try:
            for record in CellRecord.batch_get(list(dict.fromkeys(cells))):
                found[record.cell] = cell_pack.unpack(record.cell, record.forts)
        except GetError as error:
            _raise_if_unavailable(error)
            raise
        return found

    def save_curated_cells(self, cells: Mapping[str, Iterable[Fort]]) -> None:
        """Replace each cell's forts. Every cell is packed (and a too dense one refused)
        before the first write, so a refused import changes nothing."""
        packed = {cell: cell_pack.pack(cell, forts) for cell, forts in cells.items()}
        for cell, forts in packed.items():
            before_sdk_call()
            CellRecord(cell, forts=forts).save()

    # atomic commits
    def commit(self, changes: Sequence[Change], action: StoredAction | None = None) -> None:
        """Apply every change and the idempotency record together, or none of them.

        Raises ``ActionAlreadyRecorded`` when the idempotency record already exists,
        ``StaleState`` when any other condition failed (the caller recomputes)."""
        before_sdk_call()
        if action is None and len(changes) == 1:
            self._commit_single(changes[0])
            return
        try:
            with TransactWrite(connection=self._connection()) as transaction:
                for change in changes:
                    _add_to_transaction(transaction, change)
                if action is not None:
                    transaction.save(_action_record(action),
                                     condition=ActionRecord.idempotency_key.does_not_exist())
        except TransactWriteError as error:
            # First: a lost answer has no response code at all (reading it would raise).
            _raise_if_unavailable(error)
            reasons = error.cancellation_reasons or []
            at = _action_position(changes) if action is not None else None
            if at is not None and at < len(reasons) and reasons[at] is not None \
                    and reasons[at].code == "ConditionalCheckFailed":
                raise ActionAlreadyRecorded(action.idempotency_key) from error
            if error.cause_response_code == "TransactionCanceledException":
                raise StaleState("a condition failed") from error
            if error.cause_response_code == "TransactionConflictException":
                raise StaleState("transaction conflict") from error
            _raise_if_unavailable(error)
            raise

    def _commit_single(self, change: Change) -> None:
        try:
            _apply_alone(change)
        except (PutError, UpdateError, DeleteError) as error:
            _raise_if_unavailable(error)
            if error.cause_response_code == _CONDITION_FAILED:
                raise StaleState("a condition failed") from error
            raise


def _write_spec(change: Change):
    """(operation, record, actions, condition) for one change: the one place that says
    which condition guards which write."""
    if isinstance(change, SavePlayer):
        return ("update", PlayerRecord(change.state.player_id), _player_actions(change.state),
                PlayerRecord.revision == change.state.revision)
    if isinstance(change, SaveEncounter):
        e = change.encounter
        return ("update", EncounterRecord(e.player_id, e.encounter_id),
                [EncounterRecord.status.set(e.status), EncounterRecord.throws.set(e.throws)],
                (EncounterRecord.throws == change.expected_throws)
                & (EncounterRecord.status == "active"))
    if isinstance(change, AddCreature):
        return ("save", _creature_record(change.creature), None,
                CreatureRecord.creature_id.does_not_exist())
    if isinstance(change, ReplaceCreature):
        c, old = change.creature, change.expected
        return ("update", CreatureRecord(c.player_id, c.creature_id),
                [CreatureRecord.species_id.set(c.species_id), CreatureRecord.level.set(c.level),
                 CreatureRecord.cp.set(c.cp)],
                (CreatureRecord.species_id == old.species_id) & (CreatureRecord.level == old.level))
    if isinstance(change, RemoveCreature):
        c = change.creature
        return ("delete", CreatureRecord(c.player_id, c.creature_id), None,
                CreatureRecord.creature_id.exists())
    if isinstance(change, RecordVisit):
        if change.first:
            return ("save", VisitRecord(change.player_id, change.stop_id, first_ms=change.now_ms, spins=1),
                    None, VisitRecord.stop_id.does_not_exist())
        return ("update", VisitRecord(change.player_id, change.stop_id),
                [VisitRecord.spins.add(1)], VisitRecord.stop_id.exists())
    raise TypeError(f"unknown change {change!r}")


def _action_position(changes: Sequence[Change]) -> int:
    """Where the idempotency record sits in the request PynamoDB sends, hence in the
    cancellation reasons: PynamoDB orders items condition checks, deletes, puts, then
    updates (not in the order they were added); the record is the last put."""
    kinds = [_write_spec(change)[0] for change in changes]
    return kinds.count("delete") + kinds.count("save")


def _add_to_transaction(transaction: TransactWrite, change: Change) -> None:
    operation, record, actions, condition = _write_spec(change)
    if operation == "update":
        transaction.update(record, actions=actions, condition=condition)
    elif operation == "save":
        transaction.save(record, condition=condition)
    else:
        transaction.delete(record, condition=condition)


def _apply_alone(change: Change) -> None:
    operation, record, actions, condition = _write_spec(change)
    if operation == "update":
        record.update(actions=actions, condition=condition)
    elif operation == "save":
        record.save(condition=condition)
    else:
        record.delete(condition=condition)
