"""What the use cases need from the outside world, as plain data and small interfaces:
one port per aggregate, a unit of work, and a token issuer.

A use case never talks DynamoDB: it returns ``Change`` objects and the unit of work
turns each into a conditional write, all in one transaction with the idempotency record.
"""
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from ..game.entities import Creature, Encounter
from ..game.errors import GameError
from ..game.events import Event
from ..game.friends import FriendRequest, Friendship
from ..game.gifts import Gift
from ..game.gyms import DefenderReturn, GymState
from ..game.lobbies import Lobby, LobbyResult, Member
from ..game.player import PlayerState
from ..game.trades import Trade
from ..game.walking import Sample, Walk
from ..game.world import Fort


class StaleState(Exception):
    """What the action was computed from changed before it was written; recompute."""


class ActionAlreadyRecorded(Exception):
    """The idempotency record exists: this request (or a twin) was already applied."""


class BackendBusy(GameError):
    """DynamoDB throttled us past the SDK's retries; the client should retry later."""

    code = "backend_throttled"


class TrainerCodeTaken(Exception):
    """Another player holds this trainer code: try the next candidate."""


class IdempotencyKeyReused(GameError):
    """The same Idempotency-Key came with a different request."""

    code = "idempotency_key_reused"


@dataclass(frozen=True)
class StoredAction:
    player_id: str
    idempotency_key: str
    action: str
    fingerprint: str
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


@dataclass(frozen=True)
class SaveGym:
    """Write the gym's whole state if its revision is still ``gym.revision`` (0: if no
    item exists yet)."""

    gym: GymState


@dataclass(frozen=True)
class LockCreature:
    """Mark the creature as defending ``gym_id`` if it exists and defends nothing."""

    creature: Creature
    gym_id: str


@dataclass(frozen=True)
class ReleaseCreature:
    """Clear the creature's gym if it is still ``gym_id`` (its return was claimed)."""

    player_id: str
    creature_id: str
    gym_id: str


@dataclass(frozen=True)
class CheckCreatureFree:
    """Write nothing; fail the commit unless the creature exists and defends nothing
    (a gym battle's attackers: transferred or deployed meanwhile means no battle)."""

    creature: Creature


@dataclass(frozen=True)
class SendReturn:
    """Put a defender's return in its owner's inbox, once."""

    defender_return: DefenderReturn


@dataclass(frozen=True)
class TakeReturn:
    """Remove a claimed return from its owner's inbox if it is still there."""

    defender_return: DefenderReturn


@dataclass(frozen=True)
class JoinLobby:
    """Count one more member in a lobby: a new lobby's header is created (if absent);
    an existing one's count grows only while it has room (``max_size``, and
    ``max_remote`` for a remote member) and is still counting down (opened after
    ``opened_after_ms``)."""

    lobby: Lobby  # as read (a new lobby: size 0)
    new: bool
    remote: bool
    max_size: int
    max_remote: int
    opened_after_ms: int
    expires_at: int  # TTL, epoch seconds


@dataclass(frozen=True)
class AddLobbyMember:
    """The member's own item in the lobby (once per player per lobby)."""

    raid_id: str
    number: int
    member: Member
    expires_at: int


@dataclass(frozen=True)
class SaveLobbyResult:
    """Store the lobby's battle result unless one is stored already."""

    raid_id: str
    number: int
    result: LobbyResult


@dataclass(frozen=True)
class AddEncounter:
    """Start an encounter inside a transaction, once (a raid boss's encounter)."""

    encounter: Encounter


@dataclass(frozen=True)
class AddFriendRequest:
    """The request's item in ``holder_id``'s partition (the receiver's "in", the
    sender's "out"), if none is there or the one there has expired by ``now_ms``."""

    request: FriendRequest
    holder_id: str
    now_ms: int


@dataclass(frozen=True)
class RemoveFriendRequest:
    """Delete the request's item in ``holder_id``'s partition if it is still there and,
    with ``unexpired_at``, still unexpired then (an accept)."""

    request: FriendRequest
    holder_id: str
    unexpired_at: int | None = None


@dataclass(frozen=True)
class AddFriendship:
    """One side of a new friendship, if that side doesn't exist yet."""

    side: Friendship


@dataclass(frozen=True)
class SaveFriendship:
    """Write a side's interaction days and gift day if its revision is unchanged."""

    side: Friendship


@dataclass(frozen=True)
class RemoveFriendship:
    side: Friendship


@dataclass(frozen=True)
class CountFriends:
    """Move a player's friend count by ``delta`` (+1 / -1): +1 only while it is below
    ``limit``, -1 only while it is positive."""

    player_id: str
    delta: int
    limit: int


@dataclass(frozen=True)
class SendGift:
    """The gift in its receiver's inbox, if the sender has none unopened there."""

    gift: Gift


@dataclass(frozen=True)
class TakeGift:
    """Remove an opened gift from its receiver's inbox if it is still that gift."""

    gift: Gift


@dataclass(frozen=True)
class SaveTrade:
    """Write the trade whole if its revision is still ``trade.revision`` (0: if new)."""

    trade: Trade


@dataclass(frozen=True)
class LinkTrade:
    """A pointer to an open trade in a player's inbox (how each side lists its trades)."""

    player_id: str
    trade_id: str


@dataclass(frozen=True)
class UnlinkTrade:
    player_id: str
    trade_id: str


@dataclass(frozen=True)
class TradeAwayCreature:
    """Delete the creature from its owner if it is still exactly as agreed: same
    species and level, defending nothing, never traded."""

    creature: Creature


Change = (SavePlayer | SaveEncounter | AddCreature | ReplaceCreature | RemoveCreature
          | RecordVisit | SaveGym | LockCreature | ReleaseCreature | CheckCreatureFree
          | SendReturn | TakeReturn | JoinLobby | AddLobbyMember | SaveLobbyResult
          | AddEncounter | AddFriendRequest | RemoveFriendRequest | AddFriendship
          | SaveFriendship | RemoveFriendship | CountFriends | SendGift | TakeGift | SaveTrade
          | LinkTrade | UnlinkTrade | TradeAwayCreature)


# --- ports: one per aggregate, and the unit of work -----------------------------------
# Method names are the same on every port and on ``Store``, so a tool holding the whole
# store and a use case holding one port call the same thing.

class Players(Protocol):
    def get_player(self, player_id: str) -> PlayerState | None: ...

    def create_player(self, state: PlayerState) -> PlayerState:
        """Create the player at revision 0 with its trainer code (claimed in the same
        write), or return the existing one unchanged; ``TrainerCodeTaken`` when another
        player holds the code."""

    def record_position(self, player_id: str, sample: Sample, max_per_minute: int) -> PlayerState:
        """Store the position and its walking-trail sample (slot ``walking.trail_slot``)
        and return the player as it was BEFORE the write; ``RateLimited`` past
        ``max_per_minute`` in one rate window, ``NotFound`` for no such player."""

    def fold_walk(self, player_id: str, walk: Walk, expected_folded_ms: int) -> bool:
        """Store the folded walk unless another fold came first (then False)."""


class Encounters(Protocol):
    def get_encounter(self, player_id: str, encounter_id: str) -> Encounter | None: ...

    def create_encounter(self, encounter: Encounter) -> Encounter:
        """Store the encounter, or return the one already stored under its id."""


class Creatures(Protocol):
    def get_creature(self, player_id: str, creature_id: str) -> Creature | None: ...

    def list_creatures(self, player_id: str, limit: int,
                       after: str | None) -> tuple[list[Creature], str | None]:
        """Newest first (descending id), after ``after``; and the next page's ``after``."""


class ActionRecords(Protocol):
    """Idempotency records; written only by ``UnitOfWork.commit``."""

    def get_action(self, player_id: str, key: str) -> StoredAction | None: ...


class Visits(Protocol):
    def has_visited(self, player_id: str, stop_id: str) -> bool: ...


class Gyms(Protocol):
    def get_gym(self, gym_id: str) -> GymState:
        """The gym's state; a gym nobody has deployed to is an empty state, revision 0."""

    def gym_states(self, gym_ids: Sequence[str]) -> dict[str, GymState]:
        """Every asked gym (eventually consistent: the map's read)."""


class Inbox(Protocol):
    def pending_returns(self, player_id: str) -> list[DefenderReturn]:
        """Defenders back from their gyms, waiting for their owner to claim them."""

    def gifts(self, player_id: str) -> list[Gift]:
        """Unopened gifts, oldest first."""

    def trade_links(self, player_id: str) -> list[str]:
        """Ids of the open trades this player takes part in."""


@dataclass(frozen=True)
class FriendBook:
    """A player's whole friends partition."""

    friends: list[Friendship]
    incoming: list[FriendRequest]
    outgoing: list[FriendRequest]
    count: int


class Friends(Protocol):
    def friend_book(self, player_id: str) -> FriendBook: ...

    def player_for_code(self, trainer_code: str) -> str | None:
        """The player holding this trainer code."""


class Trades(Protocol):
    def get_trade(self, trade_id: str) -> Trade | None: ...

    def get_trades(self, trade_ids: Sequence[str]) -> list[Trade]:
        """Those that exist, in the order asked."""


class Lobbies(Protocol):
    def lobbies(self, raid_id: str) -> list[Lobby]:
        """Every lobby of the raid, their counts (strongly consistent; no members)."""

    def lobby(self, raid_id: str, number: int) -> Lobby | None:
        """One lobby with its members (strongly consistent)."""


class CuratedCells(Protocol):
    def curated_forts(self, cells: Sequence[str]) -> dict[str, list[Fort]]:
        """Every asked cell, with its curated forts (an empty list when it has none)."""

    def save_curated_cells(self, cells: Mapping[str, Sequence[Fort]]) -> None:
        """Replace each cell's forts; a cell too dense to store refuses them all."""


@dataclass(frozen=True)
class ActionReads:
    """What one mutating action reads: its player and idempotency record, and the
    encounter, creature(s), stop visit or gym it acts on."""

    player_id: str
    idempotency_key: str
    encounter_id: str | None = None
    creature_id: str | None = None
    stop_id: str | None = None
    gym_id: str | None = None
    creature_ids: tuple[str, ...] = ()
    # Two-player actions: the other player (their item, the pair's friends items,
    # their creatures), an unopened gift from them, a trade.
    friend_id: str | None = None
    # With friend_id: which of the pair's items to read (each costs a read unit):
    # "sides" of the friendship, friend "counts", "requests" both ways, my unopened "gift"
    # in their inbox. The friend's player item is always read.
    pair_parts: frozenset = frozenset({"sides", "counts", "requests", "gift"})
    friend_creature_ids: tuple[str, ...] = ()
    gift_from: str | None = None
    trade_id: str | None = None


@dataclass(frozen=True)
class Pair:
    """Both players' items about each other (None / 0: no such item, or not read)."""

    mine: Friendship | None = None  # my side of our friendship
    theirs: Friendship | None = None
    my_count: int = 0  # friend counts
    their_count: int = 0
    sent: FriendRequest | None = None  # my request to them (as they hold it)
    received: FriendRequest | None = None  # their request to me (as I hold it)
    my_gift_there: Gift | None = None  # my gift in their inbox, unopened


@dataclass(frozen=True)
class ActionState:
    """What ``ActionReads`` found (None: no such item)."""

    player: PlayerState | None
    action: StoredAction | None
    encounter: Encounter | None = None
    creature: Creature | None = None
    visited: bool = False
    creatures: Mapping[str, Creature] = field(default_factory=dict)  # those that exist
    gym: GymState | None = None  # with gym_id: an empty state when it has no item
    friend: PlayerState | None = None  # with friend_id
    pair: Pair | None = None  # with friend_id
    friend_creatures: Mapping[str, Creature] = field(default_factory=dict)
    gift: Gift | None = None  # with gift_from: their gift in my inbox
    trade: Trade | None = None


class ActionSnapshots(Protocol):
    def read_for_action(self, reads: ActionReads) -> ActionState:
        """Everything a mutating action reads, at once and strongly consistent: the
        commit's conditions, not the read, keep it correct if something changes after."""


class UnitOfWork(Protocol):
    def commit(self, changes: Sequence[Change], action: StoredAction | None = None) -> None:
        """Apply every change and the idempotency record together, or none of them:
        ``ActionAlreadyRecorded`` if the record exists, ``StaleState`` if any other
        condition failed."""


@dataclass(frozen=True)
class SessionToken:
    token: str
    expires_in_s: int


class TokenIssuer(Protocol):
    def __call__(self, player_id: str, now_s: int) -> SessionToken: ...


class Store:
    """One backend's ports together: bootstrap hands them to the use cases one by one;
    tools and tests use the whole store to seed and inspect state."""

    def __init__(self, *, players: Players, encounters: Encounters, creatures: Creatures,
                 actions: ActionRecords, visits: Visits, cells: CuratedCells, gyms: Gyms,
                 inbox: Inbox, lobbies: Lobbies, friends: Friends, trades: Trades,
                 snapshots: ActionSnapshots, unit_of_work: UnitOfWork):
        self.players = players
        self.encounters = encounters
        self.creatures = creatures
        self.actions = actions
        self.visits = visits
        self.cells = cells
        self.gyms = gyms
        self.inbox = inbox
        self.lobbies = lobbies
        self.friends = friends
        self.trades = trades
        self.snapshots = snapshots
        self.unit_of_work = unit_of_work

    def get_player(self, player_id):
        return self.players.get_player(player_id)

    def create_player(self, state):
        return self.players.create_player(state)

    def record_position(self, player_id, sample, max_per_minute):
        return self.players.record_position(player_id, sample, max_per_minute)

    def fold_walk(self, player_id, walk, expected_folded_ms):
        return self.players.fold_walk(player_id, walk, expected_folded_ms)

    def get_encounter(self, player_id, encounter_id):
        return self.encounters.get_encounter(player_id, encounter_id)

    def create_encounter(self, encounter):
        return self.encounters.create_encounter(encounter)

    def get_creature(self, player_id, creature_id):
        return self.creatures.get_creature(player_id, creature_id)

    def list_creatures(self, player_id, limit, after):
        return self.creatures.list_creatures(player_id, limit, after)

    def get_action(self, player_id, key):
        return self.actions.get_action(player_id, key)

    def has_visited(self, player_id, stop_id):
        return self.visits.has_visited(player_id, stop_id)

    def curated_forts(self, cells):
        return self.cells.curated_forts(cells)

    def save_curated_cells(self, cells):
        return self.cells.save_curated_cells(cells)

    def get_gym(self, gym_id):
        return self.gyms.get_gym(gym_id)

    def gym_states(self, gym_ids):
        return self.gyms.gym_states(gym_ids)

    def pending_returns(self, player_id):
        return self.inbox.pending_returns(player_id)

    def raid_lobbies(self, raid_id):
        return self.lobbies.lobbies(raid_id)

    def raid_lobby(self, raid_id, number):
        return self.lobbies.lobby(raid_id, number)

    def gifts(self, player_id):
        return self.inbox.gifts(player_id)

    def trade_links(self, player_id):
        return self.inbox.trade_links(player_id)

    def friend_book(self, player_id):
        return self.friends.friend_book(player_id)

    def player_for_code(self, trainer_code):
        return self.friends.player_for_code(trainer_code)

    def get_trade(self, trade_id):
        return self.trades.get_trade(trade_id)

    def get_trades(self, trade_ids):
        return self.trades.get_trades(trade_ids)

    def read_for_action(self, reads):
        return self.snapshots.read_for_action(reads)

    def commit(self, changes, action=None):
        return self.unit_of_work.commit(changes, action)


# --- weather -----------------------------------------------------------------------------

class WeatherSource(Protocol):
    """The weather of a geohash-5 cell during one UTC hour (game/weather.py).

    The default is ``game.weather.DeterministicWeather`` (derived from the secret, no
    storage); a deployment may plug in a forecast feed instead. A feed must:

    - answer one of ``game.weather.KINDS`` for any valid cell and any hour a spawn can
      be in (the current hour and the one before), quickly: a map request asks for a
      few (cell, hour) pairs, an encounter for one;
    - never change an hour's weather once it has served it (in any container): spawns and
      encounters are recomputed from it, so a changed hour would change a creature the
      player already saw, or the bonus its catch pays. Serve an hour's forecast from the
      feed's last update before that hour began, and keep it (e.g. store it on first use).
    """

    def weather_at(self, cell: str, hour: int) -> str:
        ...


# --- live events -------------------------------------------------------------------------

@dataclass(frozen=True)
class StoredEvent:
    """An event as stored, with who created it and the fingerprint of the request."""

    event: Event
    fingerprint: str
    created_by: str
    created_ms: int
    cancelled_ms: int | None = None


class EventStore(Protocol):
    """The live events (game/events.py), written by operators only.

    - ``events_ending_after``: every event whose end is after ``after_ms``, in ONE read
      (every function that applies events calls it through usecases/events.py's cache);
    - ``add_event``: store a new event, only if its id is free (False: it exists);
    - ``end_event``: set an event's end to ``now_ms``, only if it exists and has not ended;
      the event as it now is (None when refused: ``get_event`` tells why);
    - ``get_event``: one event, or None.
    """

    def events_ending_after(self, after_ms: int) -> list[StoredEvent]: ...

    def add_event(self, stored: StoredEvent, expires_at_s: int) -> bool: ...

    def end_event(self, event_id: str, now_ms: int, expires_at_s: int) -> StoredEvent | None: ...

    def get_event(self, event_id: str) -> StoredEvent | None: ...
