"""Create the stateful resources of infra/template.json in any DynamoDB / Secrets
Manager endpoint: moto in-process, moto server, LocalStack, DynamoDB Local.

The key schemas are read from the template (no second hand-written copy). Only what an
emulator can honour is applied: keys, billing mode, indexes, streams and TTL. Encryption
at rest, point-in-time recovery and tags are AWS-side properties that emulators ignore or
reject, so they live only in the CloudFormation template.

CLI::

    python -m infra.provision --stage dev [--endpoint-url http://127.0.0.1:5000]

prints ``export NAME=value`` lines for the app (table names and the secret id).
"""
from __future__ import annotations

import argparse
import contextlib
import os
import secrets
import shlex
import string
import sys

from infra import SECRET_ENV_VAR, SECRET_LOGICAL_ID, load_template, resolve, secret_name, tables

# CreateTable parameters copied from the template's Properties when present. The
# CloudFormation property names equal the API's for these.
_CREATE_TABLE_KEYS = (
    "TableName",
    "AttributeDefinitions",
    "KeySchema",
    "BillingMode",
    "GlobalSecondaryIndexes",
    "LocalSecondaryIndexes",
    "StreamSpecification",
)
_SECRET_ALPHABET = string.ascii_letters + string.digits


def _table_resources() -> dict[str, dict]:
    return {
        logical_id: resource
        for logical_id, resource in load_template()["Resources"].items()
        if resource["Type"] == "AWS::DynamoDB::Table"
    }


def table_specs(stage: str) -> list[dict]:
    """CreateTable keyword arguments for every table of infra/template.json."""
    specs = []
    for resource in _table_resources().values():
        props = resolve(resource["Properties"], stage)
        spec = {key: props[key] for key in _CREATE_TABLE_KEYS if key in props}
        stream = spec.get("StreamSpecification")
        if stream is not None:  # CloudFormation omits StreamEnabled; the API wants it
            spec["StreamSpecification"] = {"StreamEnabled": True, **stream}
        specs.append(spec)
    return specs


def ttl_attributes(stage: str) -> dict[str, str]:
    """Table name -> TTL attribute, for the tables whose template enables TTL."""
    result = {}
    for resource in _table_resources().values():
        props = resolve(resource["Properties"], stage)
        ttl = props.get("TimeToLiveSpecification")
        if ttl and ttl.get("Enabled"):
            result[props["TableName"]] = ttl["AttributeName"]
    return result


def _env_names(stage: str, secret_id: str) -> dict[str, str]:
    env = {info.env_var: info.table_name(stage) for info in tables().values()}
    env[SECRET_ENV_VAR] = secret_id
    return env


def app_environment(stage: str) -> dict:
    """The same variables as ``provision`` returns, as CloudFormation intrinsics for the
    packaged template (``Ref`` of a table is its name, of a secret its ARN; both are
    accepted wherever the app uses them)."""
    del stage  # the names come from the template's own ${Stage} parameter
    env: dict = {info.env_var: {"Ref": info.logical_id} for info in tables().values()}
    env[SECRET_ENV_VAR] = {"Ref": SECRET_LOGICAL_ID}
    return env


def _default_client(service: str):
    import boto3

    region = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "us-east-1"
    return boto3.client(service, region_name=region)


def _ensure_table(client, spec: dict) -> bool:
    """Create the table unless it exists; True when created."""
    name = spec["TableName"]
    try:
        client.describe_table(TableName=name)
        return False
    except client.exceptions.ResourceNotFoundException:
        pass
    try:
        client.create_table(**spec)
    except client.exceptions.ResourceInUseException:  # created concurrently
        return False
    client.get_waiter("table_exists").wait(
        TableName=name, WaiterConfig={"Delay": 1, "MaxAttempts": 60}
    )
    return True


def _ensure_ttl(client, table_name: str, attribute: str) -> None:
    current = client.describe_time_to_live(TableName=table_name)["TimeToLiveDescription"]
    if current.get("TimeToLiveStatus") in ("ENABLED", "ENABLING"):
        if current.get("AttributeName") != attribute:
            raise RuntimeError(
                f"{table_name}: TTL is on {current.get('AttributeName')!r}, template says "
                f"{attribute!r}; recreate the table"
            )
        return
    client.update_time_to_live(
        TableName=table_name,
        TimeToLiveSpecification={"Enabled": True, "AttributeName": attribute},
    )


def _ensure_secret(client, name: str, value: str | None) -> None:
    try:
        client.describe_secret(SecretId=name)
        return
    except client.exceptions.ResourceNotFoundException:
        pass
    props = load_template()["Resources"][SECRET_LOGICAL_ID]["Properties"]
    length = props["GenerateSecretString"]["PasswordLength"]
    if value is None:
        value = "".join(secrets.choice(_SECRET_ALPHABET) for _ in range(length))
    with contextlib.suppress(client.exceptions.ResourceExistsException):
        client.create_secret(Name=name, SecretString=value, Description=props["Description"])


def provision(stage: str, *, dynamodb_client=None, secrets_client=None,
              secret_value: str | None = None) -> dict[str, str]:
    """Create whatever of the template's tables and secret is missing (idempotent) and
    return the app's environment variables naming them."""
    dynamodb = dynamodb_client or _default_client("dynamodb")
    secretsmanager = secrets_client or _default_client("secretsmanager")
    for spec in table_specs(stage):
        _ensure_table(dynamodb, spec)
    for table_name, attribute in ttl_attributes(stage).items():
        _ensure_ttl(dynamodb, table_name, attribute)
    name = secret_name(stage)
    _ensure_secret(secretsmanager, name, secret_value)
    return _env_names(stage, name)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m infra.provision", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--stage", default="dev")
    parser.add_argument("--endpoint-url", help="e.g. http://127.0.0.1:5000 (moto server)")
    parser.add_argument("--region", default=None)
    args = parser.parse_args(argv)

    import boto3

    region = (args.region or os.environ.get("AWS_REGION")
              or os.environ.get("AWS_DEFAULT_REGION") or "us-east-1")
    kwargs = {"region_name": region}
    if args.endpoint_url:
        kwargs["endpoint_url"] = args.endpoint_url
    env = provision(
        args.stage,
        dynamodb_client=boto3.client("dynamodb", **kwargs),
        secrets_client=boto3.client("secretsmanager", **kwargs),
    )
    for key, value in env.items():
        print(f"export {key}={shlex.quote(value)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
