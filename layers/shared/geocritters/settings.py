"""Configuration from environment variables, read once on first use (never at import:
Chalice imports app.py while packaging, and its test client sets stage variables only
during a request)."""
import functools
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType


class SettingsError(RuntimeError):
    """A required environment variable is missing: a deployment mistake, not a client's."""


TABLE_ENV_SUFFIX = "_TABLE"


def table_env_var(short_name: str) -> str:
    """The environment variable naming a table: players -> PLAYERS_TABLE. The tables
    themselves are declared once, in infra/template.json; this is only the naming rule
    the deployment (infra/package.py), the emulators' provisioning and this module share."""
    return f"{short_name.upper()}{TABLE_ENV_SUFFIX}"


@dataclass(frozen=True)
class Settings:
    stage: str
    region: str
    game_secret_id: str
    world_seed: str
    log_level: str
    # every <SHORT>_TABLE variable of the environment, by short name
    tables: Mapping[str, str] = field(default_factory=dict)
    # GAME_CONFIG_OVERRIDES: a JSON object of game numbers this stage changes
    # (game/config.py with_overrides), e.g. a short raid countdown on a dev server.
    config_overrides: Mapping[str, object] = field(default_factory=dict)

    def table_name(self, short_name: str) -> str:
        """The deployed name of a table: a missing one is a deployment mistake."""
        try:
            return self.tables[short_name]
        except KeyError:
            raise SettingsError(
                f"environment variable {table_env_var(short_name)} is not set") from None


def _required(name: str) -> str:
    value = os.environ.get(name)
    if not value:
        raise SettingsError(f"environment variable {name} is not set")
    return value


def _tables_from_environment() -> Mapping[str, str]:
    return MappingProxyType({
        name[:-len(TABLE_ENV_SUFFIX)].lower(): value for name, value in os.environ.items()
        if name.endswith(TABLE_ENV_SUFFIX) and value})


def _config_overrides() -> Mapping[str, object]:
    text = os.environ.get("GAME_CONFIG_OVERRIDES")
    if not text:
        return MappingProxyType({})
    try:
        overrides = json.loads(text)
    except ValueError:
        overrides = None
    if not isinstance(overrides, dict):
        raise SettingsError("GAME_CONFIG_OVERRIDES must be a JSON object")
    return MappingProxyType(overrides)


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
        tables=_tables_from_environment(),
        config_overrides=_config_overrides(),
    )
