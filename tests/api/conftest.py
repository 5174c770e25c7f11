"""The API tier: every feature through Chalice's test client (the same local gateway
``chalice local`` uses, authorizer included) on moto's in-process AWS."""
import json
import os
from pathlib import Path

import pytest
from chalice.local import RouteMatcher
from chalice.test import Client
from moto import mock_aws

from devtools.local_gateway import install as install_local_gateway
from geocritters import bootstrap
from geocritters.adapters.clock import FakeClock
from infra.provision import provision
from tests.api.ddb_calls import dynamodb_calls

PROJECT_DIR = Path(__file__).resolve().parents[2]
START_MS = 1_800_000_000_000  # a fixed moment: spawns and cooldowns are reproducible
HOME = (40.7580, -73.9855)  # any coordinate works: the world is generated everywhere


def _feature_of_route():
    """(METHOD, route path) -> the feature (= deployed function) serving it."""
    from infra.functions import routes_by_feature

    return {(method, path): feature
            for feature, routes in routes_by_feature().items() for path, method in routes}


def _granted_table_actions(feature: str, stage: str = "dev") -> set[tuple[str, str]]:
    """(table name, action) pairs the feature's IAM policy allows."""
    from infra import tables
    from infra.functions import dynamodb_grants

    names = {short: info.table_name(stage) for short, info in tables().items()}
    return {(names[table], action.removeprefix("dynamodb:"))
            for table, actions in dynamodb_grants(feature).items() for action in actions}


class GameApi:
    """A thin client: JSON in, (status, json, headers) out.

    Every call also checks least privilege: each DynamoDB action the request caused
    must be allowed by the deployed policy of the function that serves the route."""

    def __init__(self, client: Client):
        self.client = client
        self._features = _feature_of_route()
        self._routes = RouteMatcher(list(client._app.routes))

    def call(self, method: str, path: str, body=None, token: str | None = None,
             headers: dict | None = None, raw: bytes | str | None = None):
        all_headers = {"Content-Type": "application/json"}
        if token:
            all_headers["Authorization"] = f"Bearer {token}"
        all_headers.update(headers or {})
        payload = raw if raw is not None else (json.dumps(body) if body is not None else None)
        with dynamodb_calls() as calls:
            response = self.client.http.request(method, path, headers=all_headers, body=payload or b"")
        self._check_least_privilege(method, path, calls)
        data = json.loads(response.body) if response.body else None
        return response.status_code, data, response.headers

    def _check_least_privilege(self, method: str, path: str, calls) -> None:
        if not calls:
            return
        route = self._routes.match_route(path.split("?")[0]).route
        feature = self._features[(method, route)]
        denied = calls.table_actions() - _granted_table_actions(feature)
        assert not denied, f"{method} {path} ({feature}) used {sorted(denied)} outside its IAM policy"

    def login(self, device_id: str = "device-0001") -> tuple[str, str]:
        status, body, _ = self.call("POST", "/v1/auth/guest", {"device_id": device_id})
        assert status == 200, body
        return body["player_id"], body["token"]


@pytest.fixture
def clock():
    return FakeClock(START_MS)


@pytest.fixture
def aws():
    with mock_aws():
        env = provision("dev", secret_value="api-test-secret-0123456789abcdef")
        saved = {k: os.environ.get(k) for k in env}
        os.environ.update(env)
        yield env
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


@pytest.fixture
def api(aws, clock):
    install_local_gateway()
    bootstrap.reset(clock=clock)
    import app

    with Client(app.app, stage_name="dev", project_dir=str(PROJECT_DIR)) as client:
        yield GameApi(client)
    bootstrap.reset()


@pytest.fixture
def game():
    """The wired game context (after at least one request has been made)."""
    return bootstrap.game_context
