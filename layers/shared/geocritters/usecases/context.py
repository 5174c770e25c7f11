"""What every use case works with, wired once per container by ``bootstrap``."""
from dataclasses import dataclass

from ..game.config import GameConfig
from ..game.weather import DeterministicWeather
from ..game.world import World
from .events import EventsCache, NoEvents
from .ports import (
    ActionRecords,
    ActionSnapshots,
    Creatures,
    Encounters,
    Friends,
    Gyms,
    Inbox,
    Lobbies,
    Players,
    Store,
    TokenIssuer,
    Trades,
    UnitOfWork,
    Visits,
    WeatherSource,
)


@dataclass
class GameContext:
    players: Players
    encounters: Encounters
    creatures: Creatures
    actions: ActionRecords
    visits: Visits
    gyms: Gyms
    inbox: Inbox
    lobbies: Lobbies
    friends: Friends
    trades: Trades
    snapshots: ActionSnapshots
    unit_of_work: UnitOfWork
    issue_token: TokenIssuer
    world: World
    keys: object  # adapters.secrets.GameKeys: tokens, cursors, spawns, outcomes, player_ids
    config: GameConfig
    clock: object  # has now_ms()
    curated: object  # CuratedForts cache, over the store's curated cells
    gym_board: object  # GymBoard cache, over the store's gyms (the map's read)
    # The same ports in one object, for tools and tests that seed or inspect state;
    # use cases take the ports above (tests/unit/test_dependencies.py checks it).
    store: Store
    # The weather per geohash-5 cell and hour: the game's own unless a feed is wired in.
    weather: WeatherSource
    # The live events, through this container's 60 s cache (usecases/events.py).
    events: EventsCache

    @classmethod
    def wire(cls, store: Store, **rest) -> "GameContext":
        # The deterministic weather is keyed like the world's spawns, so with it the
        # world's own default (no weather given) is what the map shows.
        rest.setdefault("weather", DeterministicWeather(rest["keys"].spawns, rest["config"]))
        rest.setdefault("events", EventsCache(NoEvents(), rest["clock"]))
        return cls(players=store.players, encounters=store.encounters,
                   creatures=store.creatures, actions=store.actions, visits=store.visits,
                   gyms=store.gyms, inbox=store.inbox, lobbies=store.lobbies,
                   friends=store.friends, trades=store.trades,
                   snapshots=store.snapshots,
                   unit_of_work=store.unit_of_work, store=store, **rest)
