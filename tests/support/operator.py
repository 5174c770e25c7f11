"""Operator requests in tests: signed with SigV4 (service ``execute-api``) like
``python -m infra.events`` signs them, with the local operator credentials the local
gateway checks (devtools/local_gateway.py)."""
import json

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest

from devtools.local_gateway import local_operator_credentials

HOST = "127.0.0.1:8000"


def signed_headers(method: str, path: str, body: bytes = b"", headers: dict | None = None,
                   credentials=None, region: str = "us-east-1", host: str = HOST) -> dict:
    """The headers of a SigV4-signed request (Host, X-Amz-Date, Authorization, ...)."""
    all_headers = {"Host": host, "Content-Type": "application/json", **(headers or {})}
    request = AWSRequest(method=method, url=f"http://{host}{path}", data=body,
                         headers=all_headers)
    SigV4Auth(credentials or local_operator_credentials(), "execute-api", region).add_auth(request)
    return dict(request.headers.items())


def operator_call(api, method: str, path: str, body=None, key: str | None = None,
                  credentials=None):
    """Call an operator route as an operator (through ``api``, the tests' client)."""
    raw = json.dumps(body).encode() if body is not None else b""
    headers = {"Idempotency-Key": key} if key else {}
    signed = signed_headers(method, path, raw, headers, credentials)
    return api.call(method, path, headers=signed, raw=raw if body is not None else None)
