"""Talking to a running LocalStack: its endpoint, boto3 clients on it, and "is it ready?"."""
from __future__ import annotations

import json
import os
import urllib.error
import urllib.request

REGION_DEFAULT = "us-east-1"
CREDENTIALS = {"aws_access_key_id": "test", "aws_secret_access_key": "test"}  # account 000000000000


def endpoint(port: int) -> str:
    return f"http://127.0.0.1:{port}"


def http_json(url: str, timeout: float = 2.0) -> dict | None:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return json.loads(response.read().decode())
    except (urllib.error.URLError, OSError, ValueError):
        return None


def client(service: str, port: int, *, timeout: float = 10.0, retries: int = 2):
    import boto3
    from botocore.config import Config

    region = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or REGION_DEFAULT
    return boto3.session.Session(region_name=region, **CREDENTIALS).client(
        service, endpoint_url=endpoint(port),
        config=Config(connect_timeout=2, read_timeout=timeout,
                      retries={"max_attempts": retries, "mode": "standard"}),
    )


def healthy(port: int) -> tuple[bool, str]:
    """Ready = init stage READY completed AND DynamoDB answers ListTables."""
    ready = http_json(f"{endpoint(port)}/_localstack/init/ready")
    if not ready:
        return False, "gateway not answering"
    if ready.get("completed") is not True:
        return False, "init stage READY not completed"
    try:
        client("dynamodb", port, timeout=5, retries=0).list_tables(Limit=1)
    except Exception as exc:
        return False, f"DynamoDB ListTables: {exc}"
    return True, "ready"
