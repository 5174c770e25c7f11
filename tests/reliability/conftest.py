"""The reliability tier runs on the API tier's fixtures (moto in-process by default)."""
from tests.api.conftest import (  # noqa: F401 - fixtures are found by name
    api,
    aws,
    chalice_app,
    clock,
    game,
    http_server,
    localstack_env,
)
