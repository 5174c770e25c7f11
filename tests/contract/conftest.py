"""The store's backends, for one contract suite: the in-memory fake and DynamoDB on moto
always; DynamoDB Local (LocalStack's DynamoDB) when the suite runs in the LocalStack
tier (``--backend=localstack``, tables deployed from infra/template.json)."""
import os

import pytest
from moto import mock_aws

from geocritters.adapters.dynamodb import DynamoGameStore
from geocritters.adapters.models import bind_tables
from geocritters.settings import load_settings
from infra.provision import provision
from tests.fakes.store import InMemoryGameStore


def _dynamodb_store(env: dict) -> DynamoGameStore:
    os.environ.update(env)
    load_settings.cache_clear()
    settings = load_settings()
    bind_tables(settings)
    store = DynamoGameStore(settings.region)
    store.connect()
    return store


@pytest.fixture(params=["fake", "moto", "dynamodb-local"])
def store(request, pytestconfig):
    saved = dict(os.environ)
    try:
        if request.param == "fake":
            yield InMemoryGameStore()
        elif request.param == "moto":
            with mock_aws():
                yield _dynamodb_store(provision("dev", secret_value="contract-secret-0123456789abcdef"))
        else:
            if pytestconfig.getoption("--backend") != "localstack":
                pytest.skip("DynamoDB Local runs in the LocalStack tier (localstack/test-tier.sh)")
            yield _dynamodb_store(request.getfixturevalue("localstack_env"))
    finally:
        os.environ.clear()
        os.environ.update(saved)
        load_settings.cache_clear()
