"""What every use case works with, wired once per container by ``bootstrap``."""
from dataclasses import dataclass

from ..game.config import GameConfig
from ..game.world import World
from .ports import Store


@dataclass
class GameContext:
    store: Store
    world: World
    keys: object  # adapters.secrets.GameKeys: tokens, cursors, spawns, outcomes, player_ids
    config: GameConfig
    clock: object  # has now_ms()
    curated: object  # CuratedForts cache
