"""A container builds ONE botocore DynamoDB client and every table model uses it
(adapters/dynamodb.py DynamoGameStore.connect): a cold catch would otherwise build five."""
from geocritters import bootstrap
from geocritters.adapters.models import ALL_MODELS


def test_every_model_and_the_transactions_share_one_client(api):
    api.login()
    store = bootstrap.game_context().store
    shared = store._connection().client
    for model in ALL_MODELS.values():
        assert model._get_connection().connection.client is shared, model.__name__


def test_the_shared_client_keeps_the_time_budget(api):
    from geocritters.adapters.budget import SDK_CONNECT_TIMEOUT_S, SDK_READ_TIMEOUT_S, SDK_TOTAL_ATTEMPTS

    api.login()
    config = bootstrap.game_context().store._connection().client.meta.config
    assert (config.connect_timeout, config.read_timeout) == (SDK_CONNECT_TIMEOUT_S, SDK_READ_TIMEOUT_S)
    assert config.retries["total_max_attempts"] == SDK_TOTAL_ATTEMPTS
