"""The game's API as tests call it: the ``api`` client and its fixtures, loaded for every
tier by tests/conftest.py (``pytest_plugins``).

The API tier is written once and run on three backends (``--backend``, see
transports.py): in-process on moto (default), over real HTTP to chalice local on
LocalStack, or over real HTTP to the deployed form (LocalStack's API Gateway and the
packaged functions: deployed.py). The security and reliability tiers use the same client."""
import json
import os
import uuid

import pytest
from chalice.local import RouteMatcher
from moto import mock_aws

from devtools.local_gateway import install as install_local_gateway
from geocritters import bootstrap
from geocritters.adapters.clock import FakeClock
from infra.provision import provision
from tests.support import deployed
from tests.support.chalice_local import dev_stage_config, start_chalice_local
from tests.support.ddb_calls import dynamodb_calls
from tests.support.transports import PROJECT_DIR, HttpTransport, InProcessTransport, decode

START_MS = 1_800_000_000_000  # a fixed moment: spawns and cooldowns are reproducible


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

    def __init__(self, transport, app, deployed: bool = False):
        self.transport = transport
        # The deployed form (--backend=deployed): the functions run in other processes, so
        # nothing they do is observable in this one (DynamoDB calls, logs, metrics).
        self.deployed = deployed
        self._features = _feature_of_route()
        self._routes = RouteMatcher(list(app.routes))
        # Players are keyed by device id: a per-test suffix keeps tests apart on a
        # shared backend (LocalStack keeps its tables for the whole run).
        self.namespace = uuid.uuid4().hex[:8]

    def call(self, method: str, path: str, body=None, token: str | None = None,
             headers: dict | None = None, raw: bytes | str | None = None):
        all_headers = {"Content-Type": "application/json"}
        if token:
            all_headers["Authorization"] = f"Bearer {token}"
        all_headers.update(headers or {})
        payload = raw if raw is not None else (json.dumps(body) if body is not None else None)
        if isinstance(payload, str):
            payload = payload.encode()
        with dynamodb_calls() as calls:
            status, body, response_headers = self.transport.send(method, path, all_headers, payload or b"")
        self._check_least_privilege(method, path, calls)
        return status, decode(body), response_headers

    def _check_least_privilege(self, method: str, path: str, calls) -> None:
        if not calls or calls.overlapped:
            return  # concurrent requests (race tests): calls can't be told apart
        route = self._routes.match_route(path.split("?")[0]).route
        feature = self._features[(method, route)]
        denied = calls.table_actions() - _granted_table_actions(feature)
        assert not denied, f"{method} {path} ({feature}) used {sorted(denied)} outside its IAM policy"

    def login(self, device_id: str = "device-0001") -> tuple[str, str]:
        status, body, _ = self.call("POST", "/v1/auth/guest",
                                    {"device_id": f"{device_id}-{self.namespace}"})
        assert status == 200, body
        return body["player_id"], body["token"]


def _backend(config) -> str:
    return config.getoption("--backend")


@pytest.fixture
def clock(pytestconfig):
    if _backend(pytestconfig) == "deployed":
        return deployed.shared_clock(START_MS)  # the functions read it too
    return FakeClock(START_MS)


@pytest.fixture(scope="session")
def deployed_outputs(pytestconfig):
    """The deployed stack's outputs (``--backend=deployed``), else None."""
    return deployed.stack_outputs() if _backend(pytestconfig) == "deployed" else None


@pytest.fixture(scope="session")
def localstack_env(pytestconfig, deployed_outputs):
    """Names of the tables and secret deployed into LocalStack (``make test-localstack``
    deploys infra/template.json there through CloudFormation before pytest starts;
    ``make test-deployed`` the packaged template)."""
    if deployed_outputs is not None:
        return deployed.deployed_env()
    if _backend(pytestconfig) != "localstack":
        return None
    from infra import SECRET_ENV_VAR, secret_name, tables

    env = {info.env_var: info.table_name("dev") for info in tables().values()}
    env[SECRET_ENV_VAR] = secret_name("dev")
    env["AWS_ENDPOINT_URL"] = os.environ.get("LOCALSTACK_URL", "http://127.0.0.1:4566")
    return env


def _without_live_events(env: dict) -> None:
    """Empty the events table. LocalStack keeps every table for the whole run (each test
    makes its own players, so they never meet), but a live event applies to every player
    in its region, or worldwide: one left by a test would change the spawns, rewards and
    limits of every later one. So on LocalStack each test starts with no events, as it
    does on moto."""
    import boto3

    from infra import tables

    client = boto3.client("dynamodb", endpoint_url=env["AWS_ENDPOINT_URL"])
    name = env[tables()["events"].env_var]
    keys = [k["AttributeName"] for k in client.describe_table(TableName=name)["Table"]["KeySchema"]]
    for page in client.get_paginator("scan").paginate(TableName=name, ConsistentRead=True):
        for item in page["Items"]:
            client.delete_item(TableName=name, Key={k: item[k] for k in keys})


@pytest.fixture
def aws(pytestconfig, localstack_env):
    saved = dict(os.environ)
    try:
        if localstack_env is not None:
            os.environ.update(localstack_env)
            _without_live_events(localstack_env)
            yield localstack_env
        else:
            with mock_aws():
                env = provision("dev", secret_value="api-test-secret-0123456789abcdef")
                os.environ.update(env)
                yield env
    finally:
        os.environ.clear()
        os.environ.update(saved)


@pytest.fixture(scope="session")
def chalice_app():
    install_local_gateway()
    import app

    return app.app


@pytest.fixture(scope="session")
def http_server(pytestconfig, chalice_app, deployed_outputs):
    if deployed_outputs is not None:
        yield deployed.api_url(deployed_outputs)
        return
    if _backend(pytestconfig) != "localstack":
        yield None
        return
    server = start_chalice_local(chalice_app, dev_stage_config(str(PROJECT_DIR)))
    yield server.url
    server.stop()


@pytest.fixture
def api(aws, clock, chalice_app, http_server, deployed_outputs):
    bootstrap.reset(clock=clock)
    if deployed_outputs is not None:
        transport = deployed.DeployedTransport(http_server)
    elif http_server:
        transport = HttpTransport(http_server)
    else:
        transport = InProcessTransport(chalice_app)
    try:
        yield GameApi(transport, chalice_app, deployed=deployed_outputs is not None)
    finally:
        transport.close()
        bootstrap.reset()


@pytest.fixture
def game():
    """The wired game context (after at least one request has been made)."""
    return bootstrap.game_context
