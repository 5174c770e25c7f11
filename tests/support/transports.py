"""Where the API tests send their requests.

- ``moto``: Chalice's test client (the local gateway + authorizer of ``chalice local``)
  in-process, on moto's in-process AWS. Fast; no concurrency.
- ``localstack``: real HTTP to ``chalice local`` (Chalice's own dev server, run in a
  thread of the test process so tests can share its fake clock: chalice_local.py), on
  LocalStack whose DynamoDB is Amazon's DynamoDB Local.
- ``deployed``: real HTTP to LocalStack's API Gateway, which runs the packaged template's
  authorizer and per-feature functions (deployed.py).
"""
import http.client
import json
import urllib.parse
from pathlib import Path

from chalice.test import Client

PROJECT_DIR = Path(__file__).resolve().parents[2]


class InProcessTransport:
    def __init__(self, app):
        self._client = Client(app, stage_name="dev", project_dir=str(PROJECT_DIR))
        self._client.__enter__()

    def send(self, method: str, path: str, headers: dict, body: bytes):
        response = self._client.http.request(method, path, headers=headers, body=body)
        return response.status_code, response.body, dict(response.headers)

    def close(self):
        self._client.__exit__(None, None, None)


class HttpTransport:
    def __init__(self, base_url: str):
        parts = urllib.parse.urlsplit(base_url)
        self._host, self._port = parts.hostname, parts.port
        self._prefix = parts.path.rstrip("/")  # the deployed API's stage path

    def send(self, method: str, path: str, headers: dict, body: bytes):
        # Generous: a loaded 2-core machine runs the app, LocalStack and DynamoDB Local.
        connection = http.client.HTTPConnection(self._host, self._port, timeout=90)
        try:
            connection.request(method, self._prefix + path, body=body or None, headers=headers)
            response = connection.getresponse()
            return response.status, response.read(), dict(response.getheaders())
        finally:
            connection.close()

    def close(self):
        pass


def decode(body: bytes):
    return json.loads(body) if body else None
