"""The API tier: every feature through Chalice's test client (the same local gateway
``chalice local`` uses, authorizer included) on moto's in-process AWS."""
import json
import os
from pathlib import Path

import pytest
from chalice.test import Client
from moto import mock_aws

from devtools.local_gateway import install as install_local_gateway
from geocritters import bootstrap
from geocritters.adapters.clock import FakeClock
from infra.provision import provision

PROJECT_DIR = Path(__file__).resolve().parents[2]
START_MS = 1_800_000_000_000  # a fixed moment: spawns and cooldowns are reproducible
HOME = (40.7580, -73.9855)  # any coordinate works: the world is generated everywhere


class GameApi:
    """A thin client: JSON in, (status, json, headers) out."""

    def __init__(self, client: Client):
        self.client = client

    def call(self, method: str, path: str, body=None, token: str | None = None,
             headers: dict | None = None, raw: bytes | str | None = None):
        all_headers = {"Content-Type": "application/json"}
        if token:
            all_headers["Authorization"] = f"Bearer {token}"
        all_headers.update(headers or {})
        payload = raw if raw is not None else (json.dumps(body) if body is not None else None)
        response = self.client.http.request(method, path, headers=all_headers, body=payload or b"")
        data = json.loads(response.body) if response.body else None
        return response.status_code, data, response.headers

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
