"""Configuration from environment variables, read once on first use (never at import:
Chalice imports app.py while packaging, and its test client sets stage variables only
during a request)."""
import functools
import os
from dataclasses import dataclass


class SettingsError(RuntimeError):
    """A required environment variable is missing: a deployment mistake, not a client's."""


@dataclass(frozen=True)
class Settings:
    stage: str
    region: str
    players_table: str
    creatures_table: str
    encounters_table: str
    actions_table: str
    visits_table: str
    cells_table: str
    game_secret_id: str
    world_seed: str
    log_level: str


_TABLE_VARS = {
    "players_table": "PLAYERS_TABLE",
    "creatures_table": "CREATURES_TABLE",
    "encounters_table": "ENCOUNTERS_TABLE",
    "actions_table": "ACTIONS_TABLE",
    "visits_table": "VISITS_TABLE",
    "cells_table": "CELLS_TABLE",
}


def _required(name: str) -> str:
    value = os.environ.get(name)
    if not value:
        raise SettingsError(f"environment variable {name} is not set")
    return value


@functools.lru_cache(maxsize=1)
def load_settings() -> Settings:
    """The settings of this process; cached, reset with ``load_settings.cache_clear()``."""
    stage = os.environ.get("STAGE", "dev")
    return Settings(
        stage=stage,
        region=os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "us-east-1",
        game_secret_id=_required("GAME_SECRET_ID"),
        # The world seed is public (it only places stops and spawn points); a new seed
        # is a new world, so it is fixed per stage rather than secret.
        world_seed=os.environ.get("WORLD_SEED", f"geocritters-{stage}-world-1"),
        log_level=os.environ.get("LOG_LEVEL", "INFO"),
        **{field: _required(var) for field, var in _TABLE_VARS.items()},
    )
