"""The game secret, read from Secrets Manager once per warm container.

Every key the game uses (token signing, cursor signing, spawns, outcomes, player ids)
is derived from this one secret with a purpose label, so rotating it is one operation.
"""
import boto3

from ..game.randomness import derive_key
from ..usecases.ports import BackendBusy
from .budget import before_sdk_call, sdk_config
from .failures import sdk_call_unavailable


class GameKeys:
    """Purpose-specific keys derived from the one game secret."""

    def __init__(self, secret: bytes):
        self.tokens = derive_key(secret, "tokens")
        self.cursors = derive_key(secret, "cursors")
        self.spawns = derive_key(secret, "spawns")
        self.outcomes = derive_key(secret, "outcomes")
        self.player_ids = derive_key(secret, "player-ids")
        self.trainer_codes = derive_key(secret, "trainer-codes")


def fetch_game_keys(secret_id: str, region: str) -> GameKeys:
    """One GetSecretValue call; the caller caches the result for the container's life.
    A throttled or unanswered read (a cold container under load) is BackendBusy: 503 +
    Retry-After, never a 500; the next request reads it again."""
    before_sdk_call()
    client = boto3.client("secretsmanager", region_name=region, config=sdk_config())
    try:
        value = client.get_secret_value(SecretId=secret_id)["SecretString"]
    except Exception as error:
        if sdk_call_unavailable(error):
            raise BackendBusy("the game is busy; retry shortly", retry_after_s=1) from error
        raise
    return GameKeys(value.encode())
