"""The DynamoDB implementation of the ports (PynamoDB), on one shared botocore client.

Reads and single-item writes live in ``repositories`` (one per aggregate), a mutating
action's one read in ``batch_reads``, its atomic commit in ``unit_of_work``, record <->
domain mapping in ``mapping``.
"""
from pynamodb.connection import Connection

from ..usecases.ports import Store
from .batch_reads import DynamoActionSnapshots
from .budget import SDK_CONNECT_TIMEOUT_S, SDK_READ_TIMEOUT_S, SDK_TOTAL_ATTEMPTS
from .models import ALL_MODELS
from .repositories import (
    DynamoActions,
    DynamoCreatures,
    DynamoCuratedCells,
    DynamoEncounters,
    DynamoFriends,
    DynamoGyms,
    DynamoInbox,
    DynamoLobbies,
    DynamoPlayers,
    DynamoTrades,
    DynamoVisits,
)
from .unit_of_work import DynamoUnitOfWork


class DynamoGameStore(Store):
    """Every port over the PynamoDB models (tables bound by ``models.bind_tables``)."""

    def __init__(self, region: str):
        self._region = region
        self._shared: Connection | None = None
        super().__init__(
            players=DynamoPlayers(self._connection), encounters=DynamoEncounters(), creatures=DynamoCreatures(),
            actions=DynamoActions(), visits=DynamoVisits(), cells=DynamoCuratedCells(),
            gyms=DynamoGyms(self._connection), inbox=DynamoInbox(), lobbies=DynamoLobbies(),
            friends=DynamoFriends(), trades=DynamoTrades(self._connection),
            snapshots=DynamoActionSnapshots(self._connection),
            unit_of_work=DynamoUnitOfWork(self._connection),
        )

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
