"""What the tests/host_lambda modules share: the instance they talk to, clients, zips."""
import io
import os
import subprocess
import sys
import zipfile

import boto3
from botocore.config import Config

from infra import PROJECT_DIR
from localstack import launcher
from localstack.launcher.aws import CREDENTIALS, endpoint

PORT = int(os.environ.get("LOCALSTACK_PORT", str(launcher.DEFAULT_PORT)))
REGION = "us-east-1"
# dynamodb: the launcher's readiness check; apigateway: the authorizer hook's gateway;
# cloudformation + secretsmanager: the launcher's `deploy` (the dev tables and secret).
SERVICES = "dynamodb,lambda,s3,iam,sts,logs,apigateway,cloudformation,secretsmanager"
ROLE = "host-lambda-test-role"
TRUST = {"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"},
    "Action": "sts:AssumeRole"}]}


def zipped(files: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in files.items():
            archive.writestr(name, text)
    return buffer.getvalue()


def run_launcher(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "localstack.launcher", *args], cwd=PROJECT_DIR,
                          capture_output=True, text=True, timeout=600)


def aws(service: str):
    return boto3.session.Session(region_name=REGION, **CREDENTIALS).client(
        service, endpoint_url=endpoint(PORT),
        config=Config(read_timeout=60, retries={"max_attempts": 0}))


def execute_api_url(api_id: str, stage: str) -> str:
    """LocalStack's path-style URL of a REST API stage (no DNS needed)."""
    return f"{endpoint(PORT)}/_aws/execute-api/{api_id}/{stage}"
