"""Operator requests in tests: signed with SigV4 by the operators' CLI code
(``infra.events.signed_headers``), with the local operator credentials the local gateway
checks (devtools/local_gateway.py)."""
import json

from devtools.local_gateway import local_operator_credentials
from infra import events as cli
from tests.support.deployed import OPERATOR_ROUTES, skip_when_deployed

HOST = "127.0.0.1:8000"


def signed_headers(method: str, path: str, body: bytes = b"", headers: dict | None = None,
                   credentials=None, region: str = "us-east-1", host: str = HOST) -> dict:
    """The headers of a SigV4-signed request (Host, X-Amz-Date, Authorization, ...)."""
    return cli.signed_headers(method, f"http://{host}{path}", body,
                              credentials or local_operator_credentials(), region, headers)


def operator_call(api, method: str, path: str, body=None, key: str | None = None,
                  credentials=None):
    """Call an operator route as an operator (through ``api``, the tests' client)."""
    skip_when_deployed(api, OPERATOR_ROUTES)
    raw = json.dumps(body).encode() if body is not None else b""
    headers = {"Idempotency-Key": key} if key else {}
    signed = signed_headers(method, path, raw, headers, credentials)
    return api.call(method, path, headers=signed, raw=raw if body is not None else None)
