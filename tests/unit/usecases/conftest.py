"""Use cases on the in-memory store (tests/fakes): no AWS, no HTTP, no moto."""
import pytest

from geocritters.adapters.secrets import GameKeys
from geocritters.game.config import DEFAULT_CONFIG
from geocritters.game.species import spawnable
from geocritters.game.world import World
from geocritters.usecases.auth import guest_login
from geocritters.usecases.context import GameContext
from geocritters.usecases.curated import CuratedForts
from geocritters.usecases.gym_board import GymBoard
from geocritters.usecases.ports import SessionToken
from tests.fakes.store import InMemoryGameStore

HOME = (40.7580, -73.9855)


class Tokens:
    """A token issuer that remembers what it issued."""

    def __init__(self):
        self.issued = []

    def __call__(self, player_id: str, now_s: int) -> SessionToken:
        self.issued.append((player_id, now_s))
        return SessionToken(f"token-{len(self.issued)}", 3600)


@pytest.fixture
def store():
    return InMemoryGameStore()


@pytest.fixture
def tokens():
    return Tokens()


@pytest.fixture
def ctx(store, clock, tokens):
    keys = GameKeys(b"use-case-test-secret-0123456789abcdef")
    world = World(b"use-case-test-world", keys.spawns, spawnable(), DEFAULT_CONFIG)
    return GameContext.wire(store, issue_token=tokens, world=world, keys=keys,
                            config=DEFAULT_CONFIG, clock=clock,
                            curated=CuratedForts(store.cells, clock),
                            gym_board=GymBoard(store.gyms, clock))


@pytest.fixture
def player_id(ctx):
    return guest_login(ctx, "device-0001")["player_id"]


def spawns_near(ctx, lat=HOME[0], lng=HOME[1]):
    """Active spawns near (lat, lng), searching outward if the spot is empty."""
    for step in range(50):
        found = ctx.world.spawns_near(lat + 0.002 * step, lng, 200.0, ctx.clock.now_ms())
        if found:
            return found
    raise AssertionError("no active spawn found")


def a_stop(ctx, lat=HOME[0], lng=HOME[1]):
    return next(f for f in ctx.world.forts_near(lat, lng, 300) if f.kind == "stop")
