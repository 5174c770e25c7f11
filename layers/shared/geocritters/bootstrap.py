"""Wires adapters into a ``GameContext``, lazily and once per warm container.

Nothing here runs at import. Tests call ``reset()`` between cases (PynamoDB caches a
connection per model; the secret and settings are cached too).
"""
from .adapters.clock import clock_from_environment
from .adapters.dynamodb import DynamoGameStore
from .adapters.events import event_store
from .adapters.models import bind_tables
from .adapters.secrets import GameKeys, fetch_game_keys
from .adapters.tokens import TOKEN_LIFETIME_S, issue_token
from .game.config import DEFAULT_CONFIG, with_overrides
from .game.species import spawnable
from .game.weather import DeterministicWeather
from .game.world import World
from .observability import enable_tracing
from .settings import load_settings
from .usecases.context import GameContext
from .usecases.curated import CuratedForts
from .usecases.events import EventsCache
from .usecases.gym_board import GymBoard
from .usecases.ports import SessionToken, TokenIssuer

_keys: GameKeys | None = None
_context: GameContext | None = None
_events: EventsCache | None = None
_clock = clock_from_environment()


def game_keys() -> GameKeys:
    """The derived keys; the authorizer needs only these, not the whole context."""
    global _keys
    if _keys is None:
        settings = load_settings()
        enable_tracing()
        _keys = fetch_game_keys(settings.game_secret_id, settings.region)
    return _keys


def clock():
    return _clock


def events_cache() -> EventsCache:
    """The container's one cache of the live events (game data uses it without the rest
    of the context, which would read the secret)."""
    global _events
    if _events is None:
        bind_tables(load_settings())
        _events = EventsCache(event_store(), _clock)
    return _events


def _token_issuer(keys: GameKeys) -> TokenIssuer:
    def issue(player_id: str, now_s: int) -> SessionToken:
        return SessionToken(issue_token(keys.tokens, player_id, now_s), TOKEN_LIFETIME_S)
    return issue


def game_context() -> GameContext:
    global _context
    if _context is None:
        settings = load_settings()
        events_cache()  # binds the tables first: the store's connect() below shares its client
        bind_tables(settings)
        keys = game_keys()
        store = DynamoGameStore(settings.region)
        store.connect()
        config = with_overrides(DEFAULT_CONFIG, settings.config_overrides)
        world = World(settings.world_seed.encode(), keys.spawns, spawnable(), config)
        _context = GameContext.wire(
            store, issue_token=_token_issuer(keys), world=world, keys=keys,
            config=config, clock=_clock, curated=CuratedForts(store.cells, _clock),
            gym_board=GymBoard(store.gyms, _clock),
            # The game's own weather; a forecast feed (usecases/ports.py WeatherSource) plugs in here.
            weather=DeterministicWeather(keys.spawns, config),
            events=events_cache())
    return _context


def reset(clock=None) -> None:
    """Forget every cached piece (tests); optionally install another clock."""
    global _keys, _context, _clock, _events
    _keys = None
    _context = None
    _events = None
    _clock = clock or clock_from_environment()
    load_settings.cache_clear()
