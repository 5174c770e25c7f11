"""A cold container's read of the game secret that is throttled or gets no answer is
BackendBusy (503 + Retry-After), never a 500 (seen under a bot swarm on moto: the read
timed out and logins answered 500). Anything else still raises."""
import boto3
import pytest
from botocore.exceptions import ClientError, EndpointConnectionError, ReadTimeoutError

from geocritters.adapters import secrets
from geocritters.usecases.ports import BackendBusy


class _Client:
    def __init__(self, error):
        self._error = error

    def get_secret_value(self, SecretId):
        raise self._error


def _client_error(code):
    return ClientError({"Error": {"Code": code, "Message": code}}, "GetSecretValue")


@pytest.mark.parametrize("error", [
    ReadTimeoutError(endpoint_url="https://secretsmanager"),
    EndpointConnectionError(endpoint_url="https://secretsmanager"),
    _client_error("ThrottlingException"),
    _client_error("InternalServiceError"),
])
def test_a_busy_or_silent_secret_read_is_backend_busy(monkeypatch, error):
    monkeypatch.setattr(boto3, "client", lambda *args, **kwargs: _Client(error))
    with pytest.raises(BackendBusy) as raised:
        secrets.fetch_game_keys("geocritters/dev/game-secret", "us-east-1")
    assert raised.value.retry_after_s == 1


def test_a_missing_secret_or_a_denied_read_still_raises(monkeypatch):
    for code in ("ResourceNotFoundException", "AccessDeniedException"):
        monkeypatch.setattr(boto3, "client", lambda *args, _c=code, **kwargs: _Client(_client_error(_c)))
        with pytest.raises(ClientError):
            secrets.fetch_game_keys("geocritters/dev/game-secret", "us-east-1")
