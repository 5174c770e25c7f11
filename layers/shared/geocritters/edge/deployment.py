"""What a deployed Lambda function gets, declared beside the code it runs
(``functions/<feature>.py``, and ``edge/auth.py`` for the authorizer). infra/functions.py
reads these declarations; nothing else states them."""
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

DEFAULT_TIMEOUT_S = 20


def _frozen_tables(tables: Mapping[str, tuple[str, ...]]) -> Mapping[str, tuple[str, ...]]:
    return MappingProxyType({table: tuple(actions) for table, actions in tables.items()})


@dataclass(frozen=True)
class Deployment:
    """What the deployed function gets: memory buys CPU (1,769 MB = 1 vCPU), reserved
    concurrency caps its blast radius, ``tables`` is its whole DynamoDB grant (table
    short name of infra/template.json -> actions without ``dynamodb:``)."""

    memory_mb: int
    reserved_concurrency: int
    timeout_s: int = DEFAULT_TIMEOUT_S
    tables: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    reads_secret: bool = True

    def __post_init__(self):
        object.__setattr__(self, "tables", _frozen_tables(self.tables))
