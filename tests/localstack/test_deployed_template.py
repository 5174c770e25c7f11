"""The deployable template, exercised: package the app, deploy the packaged SAM template
through LocalStack's CloudFormation, and read back from LocalStack's service APIs what
the stack created (issue #3, item 5).

Opt-in; needs a LocalStack running lambda, apigateway, iam, logs, s3, sts, cloudformation,
dynamodb and secretsmanager, and able to CREATE Lambda functions (see lambda_stub.py:
without Docker, LocalStack host mode needs the stand-in)::

    export GEOCRITTERS_CACHE=~/.cache/geocritters/localstack-deploytest
    .venv/bin/python -m localstack.launcher install
    eval "$(.venv/bin/python -m tests.localstack.lambda_stub install)"
    .venv/bin/python -m localstack.launcher start --port 4599 \\
        --services cloudformation,dynamodb,secretsmanager,sts,iam,s3,lambda,apigateway,logs
    LOCALSTACK_URL=http://127.0.0.1:4599 .venv/bin/python -m pytest tests/localstack
    .venv/bin/python -m localstack.launcher stop

What happens (module fixture ``deployed``):

1. ``infra.package.package("lstemplate", <tmp>)`` (the real build, as tests/packaging
   does), then what ``aws cloudformation package`` would do: both zips go to an S3 bucket
   in LocalStack under their MD5 and ``CodeUri``/``ContentUri`` become ``s3://`` URIs.
2. ``CreateStack`` with the template as packaged (``Transform:
   AWS::Serverless-2016-10-31``, capabilities IAM + AUTO_EXPAND, ``OnFailure:
   DO_NOTHING``): LocalStack expands the SAM transform itself (it bundles
   aws-sam-translator, 1.115.0 in 2026.3.0). The project venv has no samtranslator
   (cfn-lint 1.58 no longer depends on it), so there is no offline expansion here.
   ``GetTemplate(TemplateStage=Processed)`` returns LocalStack's expansion: the
   "translated template" checked below for what LocalStack itself drops.
3. Stack events are printed when the stack does not reach ``CREATE_COMPLETE``.
4. The last test deletes the stack and checks that exactly the resources with
   ``DeletionPolicy: Retain`` survive; teardown then removes those too (and the bucket).

Measured limits of LocalStack 2026.3.0 (each test says which it works around):

* Lambda functions need Docker even to be created (lambda_stub.py). Without the
  stand-in the stack fails with ``Error while creating lambda: Installation of
  lambda-runtime v0.1.41-pre failed.``; the live tests are then skipped with that
  text and only the checks on the translated template run.
* ``ReservedConcurrentExecutions`` is not applied by LocalStack's
  ``AWS::Lambda::Function`` handler (``GetFunctionConcurrency`` answers ``{}``).
* ``RetentionInDays`` is not applied by its ``AWS::Logs::LogGroup`` handler.
* ``x-amazon-apigateway-gateway-responses`` in the API body is ignored by LocalStack's
  OpenAPI import (``GetGatewayResponses`` lists only its own defaults).
These three are checked on the translated template instead (the live tests skip with
what LocalStack answered, and start checking should LocalStack begin to apply them).
* A function LocalStack failed to prepare cannot be deleted (``DeleteFunction``:
  ``InternalError ... Unable to find version manager for <arn>:$LATEST``), and deleting
  the half-created stack ends ``DELETE_FAILED``: after a run without the stand-in,
  restart LocalStack before the next one (the fixture says so).
* ``ListLayers`` fails (``InternalError ... list index out of range``) once every version
  of a layer was deleted; the cleanup lists the layer's versions by name instead.

Finding about the template itself (test_no_stray_sam_stage, xfail strict): SAM also
deploys a stage named ``Stage`` beside ``api``.
"""
from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from chalice import IAMAuthorizer

from infra import SECRET_LOGICAL_ID, load_template, tables
from infra import functions as fn
from infra.package import CHALICE_LAYER, CODE_ZIP, LAYER_ZIP, REST_API, RUNTIME, gateway_responses

LOCALSTACK_URL = os.environ.get("LOCALSTACK_URL", "").rstrip("/")

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not LOCALSTACK_URL, reason=(
        "set LOCALSTACK_URL (e.g. http://127.0.0.1:4599) to deploy the packaged template "
        "to a running LocalStack; see tests/localstack/test_deployed_template.py")),
]

STAGE = "lstemplate"  # not `dev`: the API tests deploy infra/template.json as geocritters-dev
STACK = f"geocritters-{STAGE}"
BUCKET = f"geocritters-{STAGE}-artifacts"
SERVICES = ("cloudformation", "dynamodb", "secretsmanager", "sts", "iam", "s3", "lambda",
            "apigateway", "logs", "sqs", "events",  # these two: the leaderboards' functions
            "cloudwatch", "sns")  # the launch alarms, their topic and dashboard
STACK_TIMEOUT_S = 300
PUBLIC_ROUTES = {("/v1/auth/guest", "POST"), ("/v1/game-data", "GET")}
# LocalStack's Lambda reason when it could not prepare a function for Docker.
LAMBDA_NEEDS_DOCKER = re.compile(r"lambda-runtime|[Dd]ocker")
SPECS = list(fn.FUNCTIONS.values())
SPEC_IDS = [spec.name for spec in SPECS]
REGION = "us-east-1"


# ----------------------------------------------------------------------------------------
# Helpers


def client(service: str):
    import boto3
    from botocore.config import Config

    # LocalStack's account 000000000000 (tests/conftest.py exports other fake keys, and a
    # session token LocalStack does not need).
    return boto3.session.Session(
        aws_access_key_id="test", aws_secret_access_key="test", region_name=REGION,
    ).client(service, endpoint_url=LOCALSTACK_URL,
             config=Config(retries={"max_attempts": 3}, read_timeout=120))


def _health() -> dict:
    url = f"{LOCALSTACK_URL}/_localstack/health"
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return json.loads(response.read())
    except (urllib.error.URLError, OSError, ValueError) as exc:
        pytest.fail(f"LOCALSTACK_URL={LOCALSTACK_URL} is set but {url} does not answer: {exc}")


def _md5(path: Path) -> str:
    return hashlib.md5(path.read_bytes()).hexdigest()


def _code_sha256(path: Path) -> str:
    """Lambda's CodeSha256: base64 of the zip's SHA-256."""
    return base64.b64encode(hashlib.sha256(path.read_bytes()).digest()).decode()


def _statements(document) -> list[dict]:
    if isinstance(document, str):
        document = json.loads(document)
    statements = document["Statement"]
    return statements if isinstance(statements, list) else [statements]


def _as_list(value) -> list:
    return value if isinstance(value, list) else [value]


def invocation_uri(function_arn: str) -> str:
    return (f"arn:aws:apigateway:{REGION}:lambda:path/2015-03-31/functions/{function_arn}"
            "/invocations")


def _retained(template: dict) -> dict[str, str]:
    """logical id -> type of the resources the packaged template keeps on stack deletion
    (SAM's LayerVersion defaults to Retain; its expansion shows it)."""
    return {logical_id: r["Type"] for logical_id, r in template["Resources"].items()
            if r.get("DeletionPolicy") == "Retain"}


def _stack_status(cfn) -> str | None:
    from botocore.exceptions import ClientError

    try:
        return cfn.describe_stacks(StackName=STACK)["Stacks"][0]["StackStatus"]
    except ClientError as exc:
        if "does not exist" in str(exc):
            return None
        raise


def _wait_stack(cfn, timeout: float = STACK_TIMEOUT_S) -> str | None:
    deadline = time.monotonic() + timeout
    while True:
        status = _stack_status(cfn)
        if status is None or not status.endswith("_IN_PROGRESS"):
            return status
        if time.monotonic() > deadline:
            raise AssertionError(f"stack {STACK} still {status} after {timeout:.0f} s")
        time.sleep(0.5)


def _events(cfn) -> list[str]:
    try:
        events = cfn.describe_stack_events(StackName=STACK)["StackEvents"]
    except Exception as exc:
        return [f"(no stack events: {exc})"]
    return [f"{e.get('LogicalResourceId', '')}  {e.get('ResourceType', '')}  "
            f"{e.get('ResourceStatus', '')}  {e.get('ResourceStatusReason') or ''}".rstrip()
            for e in reversed(events)]


def delete_stack(cfn) -> str | None:
    if _stack_status(cfn) in (None, "DELETE_COMPLETE"):
        return None
    cfn.delete_stack(StackName=STACK)
    return _wait_stack(cfn)


def delete_stage_leftovers() -> list[str]:
    """What this stage leaves after its stack is gone: the retained tables, the secret
    and the layer versions, plus the artifact bucket; and functions, roles, the API and
    log groups after a failed run. Only names of the test's own stage/stack are touched."""
    from botocore.exceptions import ClientError

    deleted = []
    prefix = f"geocritters-{STAGE}-"
    dynamodb = client("dynamodb")
    for name in dynamodb.list_tables().get("TableNames", []):
        if name.startswith(prefix):
            # LocalStack keeps TTL settings of a deleted table for the next one of that name.
            ttl = dynamodb.describe_time_to_live(TableName=name)["TimeToLiveDescription"]
            if ttl.get("TimeToLiveStatus") in ("ENABLED", "ENABLING"):
                dynamodb.update_time_to_live(TableName=name, TimeToLiveSpecification={
                    "Enabled": False, "AttributeName": ttl["AttributeName"]})
            dynamodb.delete_table(TableName=name)
            deleted.append(name)
    secrets = client("secretsmanager")
    for secret in secrets.list_secrets().get("SecretList", []):
        if secret["Name"].startswith(f"geocritters/{STAGE}/"):
            secrets.delete_secret(SecretId=secret["ARN"], ForceDeleteWithoutRecovery=True)
            deleted.append(secret["Name"])
    lam = client("lambda")
    # By name: LocalStack's ListLayers fails (InternalError "list index out of range")
    # once every version of a layer has been deleted.
    layer_name = f"{prefix}managed-layer"
    for version in lam.list_layer_versions(LayerName=layer_name)["LayerVersions"]:
        lam.delete_layer_version(LayerName=layer_name, VersionNumber=version["Version"])
        deleted.append(version["LayerVersionArn"])
    for function in lam.list_functions().get("Functions", []):
        if function["FunctionName"].startswith(prefix):
            try:
                lam.delete_function(FunctionName=function["FunctionName"])
                deleted.append(function["FunctionName"])
            except ClientError as exc:
                # A function LocalStack could not prepare (State Failed, no Docker) can't be
                # deleted: InternalError "Unable to find version manager for <arn>:$LATEST"
                # (DeleteStack ends DELETE_COMPLETE regardless). Only a restart clears it.
                if "Unable to find version manager" not in str(exc):
                    raise
                print(f"cannot delete {function['FunctionName']} (LocalStack: {exc})")
    iam = client("iam")
    for role in iam.list_roles()["Roles"]:  # CloudFormation names them <stack>-<logical id>-<id>
        if role["RoleName"].startswith(f"{STACK}-"):
            for policy in iam.list_role_policies(RoleName=role["RoleName"])["PolicyNames"]:
                iam.delete_role_policy(RoleName=role["RoleName"], PolicyName=policy)
            iam.delete_role(RoleName=role["RoleName"])
            deleted.append(role["RoleName"])
    apigateway = client("apigateway")
    for api in apigateway.get_rest_apis(limit=500)["items"]:
        if api.get("tags", {}).get("aws:cloudformation:stack-name") == STACK:
            apigateway.delete_rest_api(restApiId=api["id"])
            deleted.append(f"REST API {api['id']}")
    logs = client("logs")
    for group in logs.describe_log_groups(
            logGroupNamePrefix=f"/aws/lambda/{prefix}").get("logGroups", []):
        logs.delete_log_group(logGroupName=group["logGroupName"])
        deleted.append(group["logGroupName"])
    s3 = client("s3")
    try:
        for item in s3.list_objects_v2(Bucket=BUCKET).get("Contents", []):
            s3.delete_object(Bucket=BUCKET, Key=item["Key"])
        s3.delete_bucket(Bucket=BUCKET)
        deleted.append(f"s3://{BUCKET}")
    except ClientError as exc:
        if "NoSuchBucket" not in str(exc):
            raise
    return deleted


def upload_and_rewrite(packaged: dict) -> tuple[dict, dict[str, dict]]:
    """What ``aws cloudformation package`` does: upload the local artifacts to S3 and
    point the template at them. Returns (template, {zip name: {bucket, key, path}})."""
    template = json.loads(Path(packaged["template"]).read_text(encoding="utf-8"))
    s3 = client("s3")
    s3.create_bucket(Bucket=BUCKET)
    artifacts = {}
    for name, path in ((CODE_ZIP, packaged["code_zip"]), (LAYER_ZIP, packaged["layer_zip"])):
        path = Path(path)
        key = _md5(path)
        s3.upload_file(str(path), BUCKET, key)
        artifacts[name] = {"bucket": BUCKET, "key": key, "path": path}
    rewritten = []
    for logical_id, resource in template["Resources"].items():
        props = resource.get("Properties", {})
        if resource["Type"] == "AWS::Serverless::Function":
            assert props["CodeUri"] == f"./{CODE_ZIP}", (logical_id, props["CodeUri"])
            props["CodeUri"] = f"s3://{BUCKET}/{artifacts[CODE_ZIP]['key']}"
            rewritten.append(logical_id)
        elif resource["Type"] == "AWS::Serverless::LayerVersion":
            assert props["ContentUri"] == f"./{LAYER_ZIP}", (logical_id, props["ContentUri"])
            props["ContentUri"] = f"s3://{BUCKET}/{artifacts[LAYER_ZIP]['key']}"
            rewritten.append(logical_id)
    assert set(rewritten) == {spec.logical_id for spec in SPECS} | {CHALICE_LAYER}
    assert '"./' not in json.dumps(template), "a local path is left in the template"
    return template, artifacts


@dataclass
class Deployment:
    packaged: dict
    template: dict  # as sent: the packaged SAM template with S3 URIs
    artifacts: dict
    status: str | None
    events: list[str] = field(default_factory=list)
    processed: dict | None = None  # LocalStack's expansion of the SAM transform
    processed_error: str | None = None
    physical: dict[str, str] = field(default_factory=dict)  # logical id -> physical id
    types: dict[str, str] = field(default_factory=dict)  # logical id -> resource type
    outputs: dict[str, str] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)
    deleted: bool = False

    def lambda_blocked(self) -> str | None:
        """The exact failure text when LocalStack could not create a Lambda function
        because it lacks Docker; None otherwise."""
        if self.status == "CREATE_COMPLETE":
            return None
        failed = [e for e in self.events if "CREATE_FAILED" in e
                  and not e.startswith(f"{STACK}  AWS::CloudFormation::Stack")]
        if failed and all("AWS::Lambda::Function" in e and LAMBDA_NEEDS_DOCKER.search(e)
                          for e in failed):
            return "; ".join(failed)
        return None

    def require_complete(self) -> None:
        """Skip (known LocalStack limit) or fail (anything else) unless CREATE_COMPLETE."""
        if self.deleted:
            pytest.fail("the stack was already deleted (run the module in file order)")
        if self.status == "CREATE_COMPLETE":
            return
        blocked = self.lambda_blocked()
        if blocked:
            pytest.skip(
                "LocalStack could not create the Lambda functions without Docker: "
                f"{blocked.rstrip('.')}. Start LocalStack with the stand-in (python -m "
                "tests.localstack.lambda_stub install; see its docstring) to read the "
                "deployed stack back; the translated-template tests still ran.")
        pytest.fail(f"stack {STACK} ended in {self.status}:\n  " + "\n  ".join(self.events))

    def processed_template(self) -> dict:
        if self.processed is None:
            pytest.fail(f"no processed template from LocalStack: {self.processed_error}; "
                        f"stack {self.status}:\n  " + "\n  ".join(self.events))
        return self.processed

    def of_type(self, resource_type: str) -> dict[str, str]:
        """logical id -> physical id of the stack's resources of one type."""
        return {lid: self.physical[lid] for lid, t in self.types.items()
                if t == resource_type and lid in self.physical}


# ----------------------------------------------------------------------------------------
# Fixtures


@pytest.fixture(scope="module")
def deployed(tmp_path_factory):
    health = _health()
    services = health.get("services", {})
    missing = [s for s in SERVICES if services.get(s) not in ("running", "available")]
    if missing:
        pytest.skip(f"LocalStack at {LOCALSTACK_URL} does not run {', '.join(missing)} "
                    f"({health.get('version', '?')}); start it with --services "
                    f"{','.join(SERVICES)}")
    from infra.package import package

    timings = {}
    cfn = client("cloudformation")
    started = time.perf_counter()
    delete_stack(cfn)  # a leftover of an interrupted run
    delete_stage_leftovers()
    stuck = [f["FunctionName"] for f in client("lambda").list_functions()["Functions"]
             if f["FunctionName"].startswith(f"geocritters-{STAGE}-")]
    if stuck:
        pytest.fail(f"LocalStack still holds {', '.join(stuck)} from an earlier run that "
                    "it failed to prepare (no Docker) and cannot delete (DeleteFunction: "
                    "InternalError 'Unable to find version manager for ...'); restart "
                    "LocalStack (launcher stop + start) before running this module again")
    timings["cleanup_before_s"] = time.perf_counter() - started

    started = time.perf_counter()
    packaged = package(STAGE, tmp_path_factory.mktemp("build"))
    timings["package_s"] = time.perf_counter() - started

    deployment = None
    try:
        started = time.perf_counter()
        template, artifacts = upload_and_rewrite(packaged)
        timings["upload_s"] = time.perf_counter() - started

        started = time.perf_counter()
        # Over CloudFormation's 51,200-byte TemplateBody limit: sent through S3, as
        # `aws cloudformation deploy --s3-bucket` sends it.
        body = json.dumps(template)
        client("s3").put_object(Bucket=BUCKET, Key="packaged.json", Body=body.encode())
        cfn.create_stack(
            StackName=STACK,
            TemplateURL=f"{LOCALSTACK_URL}/{BUCKET}/packaged.json",
            Parameters=[{"ParameterKey": "Stage", "ParameterValue": STAGE}],
            # What AWS requires for this template: IAM roles + a macro (the SAM transform).
            Capabilities=["CAPABILITY_IAM", "CAPABILITY_AUTO_EXPAND"],
            OnFailure="DO_NOTHING",  # keep a failed stack to read its events and expansion
        )
        status = _wait_stack(cfn)
        timings["create_stack_s"] = time.perf_counter() - started
        deployment = Deployment(packaged=packaged, template=template, artifacts=artifacts,
                                status=status, timings=timings)
        if status != "CREATE_COMPLETE":
            deployment.events = _events(cfn)
            print(f"stack {STACK} ended in {status}; events:\n  "
                  + "\n  ".join(deployment.events))
        try:
            body = cfn.get_template(StackName=STACK, TemplateStage="Processed")["TemplateBody"]
            deployment.processed = json.loads(body if isinstance(body, str)
                                              else json.dumps(body))
        except Exception as exc:
            deployment.processed_error = str(exc)
        for resource in cfn.describe_stack_resources(StackName=STACK)["StackResources"]:
            deployment.types[resource["LogicalResourceId"]] = resource["ResourceType"]
            if resource.get("PhysicalResourceId"):
                deployment.physical[resource["LogicalResourceId"]] = \
                    resource["PhysicalResourceId"]
        stack = cfn.describe_stacks(StackName=STACK)["Stacks"][0]
        deployment.outputs = {o["OutputKey"]: o["OutputValue"]
                              for o in stack.get("Outputs", [])}
        print(f"timings: {json.dumps({k: round(v, 1) for k, v in timings.items()})}")
        yield deployment
    finally:
        started = time.perf_counter()
        final = delete_stack(cfn)
        failed_events = []
        if final == "DELETE_FAILED":
            failed_events = _events(cfn)
            print(f"stack {STACK} DELETE_FAILED; events:\n  " + "\n  ".join(failed_events))
            final = delete_stack(cfn)  # once more
        leftovers = delete_stage_leftovers()
        print(f"teardown: stack {final or 'gone'}, removed {len(leftovers)} leftover(s) in "
              f"{time.perf_counter() - started:.1f} s")
        # After a create that failed on the functions, LocalStack's delete trips over what it
        # never created and over the Failed function it cannot delete (known; not a finding).
        if not (deployment and deployment.lambda_blocked()):
            assert final in (None, "DELETE_COMPLETE"), f"stack {STACK} ended in {final}: " + \
                "\n  ".join(failed_events or _events(cfn))


@pytest.fixture(scope="module")
def live(deployed):
    """The deployed stack; skips/fails unless it reached CREATE_COMPLETE."""
    deployed.require_complete()
    return deployed


@pytest.fixture(scope="module")
def functions(live) -> dict[str, dict]:
    """spec name -> GetFunction of its deployed function."""
    lam = client("lambda")
    result = {}
    for spec in SPECS:
        physical = live.physical[spec.logical_id]
        assert physical == spec.function_name(STAGE)
        result[spec.name] = lam.get_function(FunctionName=physical)
    return result


@pytest.fixture(scope="module")
def table_arns(live) -> dict[str, str]:
    dynamodb = client("dynamodb")
    return {short: dynamodb.describe_table(TableName=info.table_name(STAGE))["Table"]["TableArn"]
            for short, info in tables().items()}


@pytest.fixture(scope="module")
def rest_api(live) -> dict:
    """The REST API: id, its methods {(path, METHOD): GetMethod}, its authorizers."""
    apigw = client("apigateway")
    api_id = live.physical[REST_API]
    resources = apigw.get_resources(restApiId=api_id, limit=500)["items"]
    methods = {}
    for resource in resources:
        for method in resource.get("resourceMethods", {}) or {}:
            methods[(resource["path"], method.upper())] = apigw.get_method(
                restApiId=api_id, resourceId=resource["id"], httpMethod=method)
    return {"id": api_id, "methods": methods,
            "authorizers": apigw.get_authorizers(restApiId=api_id)["items"],
            "stages": apigw.get_stages(restApiId=api_id)["item"]}


@pytest.fixture(scope="module")
def identity() -> dict:
    return client("sts").get_caller_identity()


# ----------------------------------------------------------------------------------------
# LocalStack's expansion of the SAM transform (runs even when the stack failed)


def _ref_target(value) -> str:
    assert isinstance(value, dict) and set(value) == {"Ref"}, value
    return value["Ref"]


def test_localstack_expands_the_sam_transform(deployed):
    processed = deployed.processed_template()
    types = [r["Type"] for r in processed["Resources"].values()]
    assert "Transform" not in processed
    assert not [t for t in types if t.startswith("AWS::Serverless::")]
    assert types.count("AWS::Lambda::Function") == len(SPECS)
    assert types.count("AWS::Lambda::LayerVersion") == 1
    assert types.count("AWS::ApiGateway::RestApi") == 1
    assert types.count("AWS::ApiGateway::Deployment") == 1
    assert types.count("AWS::IAM::Role") == len(SPECS)  # no SAM-generated role
    # One invoke permission per function, but for the stream consumer (its mapping
    # invokes it with its own role): API Gateway's, or EventBridge's for a schedule.
    assert types.count("AWS::Lambda::Permission") == len([s for s in SPECS if s.stream is None])
    assert types.count("AWS::Lambda::EventSourceMapping") == len([s for s in SPECS if s.stream])
    assert types.count("AWS::Events::Rule") == len([s for s in SPECS if s.schedule])
    assert types.count("AWS::Logs::LogGroup") == len(SPECS)
    assert types.count("AWS::DynamoDB::Table") == len(tables())
    assert types.count("AWS::SecretsManager::Secret") == 1


def test_translated_functions_match_the_spec(deployed):
    """Includes ReservedConcurrentExecutions, which LocalStack does not apply."""
    resources = deployed.processed_template()["Resources"]
    layers = [lid for lid, r in resources.items() if r["Type"] == "AWS::Lambda::LayerVersion"]
    code = deployed.artifacts[CODE_ZIP]
    for spec in SPECS:
        props = resources[spec.logical_id]["Properties"]
        assert resources[spec.logical_id]["Type"] == "AWS::Lambda::Function"
        assert props["MemorySize"] == spec.memory_mb, spec.name
        assert props["Timeout"] == spec.timeout_s, spec.name
        assert props["ReservedConcurrentExecutions"] == spec.reserved_concurrency, spec.name
        assert props["TracingConfig"] == {"Mode": "Active"}, spec.name
        assert props["Role"] == {"Fn::GetAtt": [f"{spec.logical_id}Role", "Arn"]}, spec.name
        assert [_ref_target(layer) for layer in props["Layers"]] == layers, spec.name
        assert props["Code"] == {"S3Bucket": code["bucket"], "S3Key": code["key"]}, spec.name
        assert props["Runtime"] == RUNTIME
        assert props["Environment"]["Variables"]["GEOCRITTERS_FEATURE"] == spec.feature_env
    layer = resources[layers[0]]
    assert layer["Properties"]["Content"] == {
        "S3Bucket": deployed.artifacts[LAYER_ZIP]["bucket"],
        "S3Key": deployed.artifacts[LAYER_ZIP]["key"]}
    assert layer.get("DeletionPolicy") == "Retain"  # SAM's default for layers


def test_translated_log_groups(deployed):
    """Includes RetentionInDays, which LocalStack does not apply."""
    resources = deployed.processed_template()["Resources"]
    for spec in SPECS:
        group = resources[f"{spec.logical_id}LogGroup"]
        assert group["Type"] == "AWS::Logs::LogGroup"
        assert group["Properties"] == {
            "LogGroupName": {"Fn::Sub": f"/aws/lambda/{spec.function_name_sub()}"},
            "RetentionInDays": spec.log_retention_days}
        assert f"{spec.logical_id}LogGroup" in _as_list(
            resources[spec.logical_id].get("DependsOn", []))


def test_translated_api_has_the_gateway_responses_and_a_traced_stage(deployed):
    """Gateway responses live in the API body (LocalStack's import ignores them)."""
    resources = deployed.processed_template()["Resources"]
    body = resources[REST_API]["Properties"]["Body"]
    assert body["x-amazon-apigateway-gateway-responses"] == gateway_responses()
    stages = {r["Properties"]["StageName"]: r["Properties"] for r in resources.values()
              if r["Type"] == "AWS::ApiGateway::Stage"}
    assert set(stages) == {"api"}
    assert stages["api"]["TracingEnabled"] is True


def test_no_stray_sam_stage(deployed):
    resources = deployed.processed_template()["Resources"]
    deployments = [r["Properties"] for r in resources.values()
                   if r["Type"] == "AWS::ApiGateway::Deployment"]
    assert [d.get("StageName") for d in deployments] == [None]


# ----------------------------------------------------------------------------------------
# The deployed stack, read back from LocalStack's service APIs


def test_stack_is_created(deployed):
    deployed.require_complete()
    sent = deployed.template["Resources"]
    processed = deployed.processed_template()["Resources"]
    assert set(deployed.physical) == set(processed)
    assert {lid for lid in sent if not sent[lid]["Type"].startswith("AWS::Serverless::")} \
        <= set(deployed.physical)


def test_tables_and_secret_exist(live):
    dynamodb = client("dynamodb")
    template = load_template()["Resources"]
    for _short, info in tables().items():
        name = info.table_name(STAGE)
        assert live.physical[info.logical_id] == name
        table = dynamodb.describe_table(TableName=name)["Table"]
        assert table["TableStatus"] == "ACTIVE"
        assert table["KeySchema"] == template[info.logical_id]["Properties"]["KeySchema"]
        assert table["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
    secret = client("secretsmanager").describe_secret(SecretId=live.physical[SECRET_LOGICAL_ID])
    assert secret["Name"] == f"geocritters/{STAGE}/game-secret"
    assert secret["ARN"] == live.physical[SECRET_LOGICAL_ID]
    assert live.outputs["GameSecretArn"] == secret["ARN"]


@pytest.mark.parametrize("name", SPEC_IDS)
def test_function_configuration(live, functions, table_arns, name):
    spec = fn.FUNCTIONS[name]
    config = functions[name]["Configuration"]
    assert config["FunctionName"] == spec.function_name(STAGE)
    assert config["State"] == "Active", config.get("StateReason")
    assert config["Runtime"] == RUNTIME
    expected_handler = live.template["Resources"][spec.logical_id]["Properties"]["Handler"]
    assert config["Handler"] == expected_handler
    assert config["MemorySize"] == spec.memory_mb
    assert config["Timeout"] == spec.timeout_s
    assert config["TracingConfig"] == {"Mode": "Active"}
    # its own role, the stack's, used by no other function
    assert config["Role"].endswith(f":role/{live.physical[f'{spec.logical_id}Role']}")
    # the one managed layer
    layer_arn = live.physical[next(iter(live.of_type("AWS::Lambda::LayerVersion")))]
    assert [layer["Arn"] for layer in config["Layers"]] == [layer_arn]
    # the packaged code zip, byte for byte
    assert config["CodeSha256"] == _code_sha256(live.artifacts[CODE_ZIP]["path"])
    expected_env = {info.env_var: info.table_name(STAGE) for info in tables().values()}
    expected_env.update({"GAME_SECRET_ID": live.physical[SECRET_LOGICAL_ID], "STAGE": STAGE,
                         "GEOCRITTERS_FEATURE": spec.feature_env})
    assert config["Environment"]["Variables"] == expected_env
    assert live.outputs[f"{spec.logical_id}Name"] == spec.function_name(STAGE)


def test_every_function_has_a_role_of_its_own(functions):
    roles = [f["Configuration"]["Role"] for f in functions.values()]
    assert len(set(roles)) == len(SPECS)


@pytest.mark.parametrize("name", SPEC_IDS)
def test_reserved_concurrency(live, functions, name):
    spec = fn.FUNCTIONS[name]
    physical = spec.function_name(STAGE)
    reported = client("lambda").get_function_concurrency(FunctionName=physical).get(
        "ReservedConcurrentExecutions")
    from_get_function = (functions[name].get("Concurrency") or {}).get(
        "ReservedConcurrentExecutions")
    if reported is None and from_get_function is None:
        pytest.skip(
            "LocalStack's AWS::Lambda::Function handler does not apply "
            "ReservedConcurrentExecutions (GetFunctionConcurrency answers {}, GetFunction "
            f"has no Concurrency); the template's {spec.reserved_concurrency} is checked on "
            "the translated template (test_translated_functions_match_the_spec)")
    assert reported == spec.reserved_concurrency


def test_one_layer_holding_the_packaged_zip(live):
    layers = live.of_type("AWS::Lambda::LayerVersion")
    assert len(layers) == 1
    arn = next(iter(layers.values()))
    version = client("lambda").get_layer_version_by_arn(Arn=arn)
    assert version["Content"]["CodeSha256"] == _code_sha256(live.artifacts[LAYER_ZIP]["path"])
    assert version["CompatibleRuntimes"] == [RUNTIME]
    assert arn.split(":")[-2] == f"geocritters-{STAGE}-managed-layer"


def test_function_log_groups(live):
    logs = client("logs")
    groups = {g["logGroupName"]: g for g in logs.describe_log_groups(
        logGroupNamePrefix=f"/aws/lambda/geocritters-{STAGE}-")["logGroups"]}
    assert set(groups) == {f"/aws/lambda/{spec.function_name(STAGE)}" for spec in SPECS}
    retention = {spec.name: groups[f"/aws/lambda/{spec.function_name(STAGE)}"].get(
        "retentionInDays") for spec in SPECS}
    if set(retention.values()) == {None}:
        pytest.skip(
            "LocalStack's AWS::Logs::LogGroup handler ignores RetentionInDays "
            "(DescribeLogGroups shows no retentionInDays); checked on the translated "
            "template (test_translated_log_groups)")
    assert retention == {spec.name: spec.log_retention_days for spec in SPECS}


def test_every_route_integrates_its_own_function(live, rest_api, functions):
    routes = fn.routes_by_feature()
    expected = {(path, method): functions[feature]["Configuration"]["FunctionArn"]
                for feature, pairs in routes.items() for path, method in pairs}
    actual = {}
    for key, method in rest_api["methods"].items():
        integration = method.get("methodIntegration") or {}
        if key[1] == "OPTIONS" and integration.get("type") == "MOCK":
            continue  # CORS preflight, if ever enabled
        assert integration.get("type") == "AWS_PROXY", (key, integration)
        assert integration.get("httpMethod") == "POST", key
        actual[key] = integration["uri"]
    assert set(actual) == set(expected)
    for key, function_arn in expected.items():
        assert actual[key] == invocation_uri(function_arn), key
    # one function per feature: as many distinct targets as features with routes, none the
    # authorizer
    assert len(set(actual.values())) == len([f for f, pairs in routes.items() if pairs])
    authorizer_arn = functions[fn.AUTHORIZER]["Configuration"]["FunctionArn"]
    assert invocation_uri(authorizer_arn) not in actual.values()


def test_secured_routes_use_the_jwt_authorizer(live, rest_api, functions):
    from infra.functions import _import_full_app

    authorizers = rest_api["authorizers"]
    assert len(authorizers) == 1
    authorizer = authorizers[0]
    assert authorizer["name"] == fn.AUTHORIZER
    assert authorizer["type"] == "TOKEN"
    assert authorizer["identitySource"] == "method.request.header.Authorization"
    # An Allow is cached at most a minute (API Gateway's default 300 s would let a token
    # work 5 minutes past its expiry).
    assert authorizer.get("authorizerResultTtlInSeconds") == 60, authorizer
    assert authorizer["authorizerUri"] == invocation_uri(
        functions[fn.AUTHORIZER]["Configuration"]["FunctionArn"])
    app_routes = _import_full_app().app.routes
    public = {(path, method) for path, methods in app_routes.items()
              for method, entry in methods.items() if entry.authorizer is None}
    assert public == PUBLIC_ROUTES
    operator = {(path, method) for path, methods in app_routes.items()
                for method, entry in methods.items() if isinstance(entry.authorizer, IAMAuthorizer)}
    assert operator, "the operators' SigV4 routes are missing"
    for (path, method), details in rest_api["methods"].items():
        if (path, method) in public:
            assert details["authorizationType"] == "NONE", (path, method)
            assert not details.get("authorizerId"), (path, method)
        elif (path, method) in operator:
            # The template's `sigv4` scheme (x-amazon-apigateway-authtype: awsSigv4) is
            # AWS_IAM on AWS (tests/security/test_authorizer.py checks the template);
            # LocalStack's OpenAPI import builds authorizers only from schemes with an
            # x-amazon-apigateway-authorizer block, so it leaves these routes NONE. There
            # the function's own check is what refuses a request without an IAM identity
            # (403 operator_only, edge/routing.py).
            assert details["authorizationType"] in ("AWS_IAM", "NONE"), (path, method)
            assert not details.get("authorizerId"), (path, method)
        else:
            assert details["authorizationType"] == "CUSTOM", (path, method)
            assert details["authorizerId"] == authorizer["id"], (path, method)


def test_api_stage_is_traced_and_deployed(live, rest_api):
    stages = {s["stageName"]: s for s in rest_api["stages"]}
    assert stages["api"]["tracingEnabled"] is True
    deployments = live.of_type("AWS::ApiGateway::Deployment")
    assert stages["api"]["deploymentId"] == next(iter(deployments.values()))
    assert live.outputs["RestAPIId"] == rest_api["id"]


@pytest.mark.parametrize("name", SPEC_IDS)
def test_api_gateway_may_invoke_each_function(live, rest_api, identity, name):
    spec = fn.FUNCTIONS[name]
    if not spec.serves_routes:
        pytest.skip("not behind the API: test_non_http_functions_are_wired_from_their_declaration")
    policy = client("lambda").get_policy(FunctionName=spec.function_name(STAGE))["Policy"]
    statements = _statements(policy)
    assert len(statements) == 1, statements
    statement = statements[0]
    assert statement["Effect"] == "Allow"
    assert statement["Action"] == "lambda:InvokeFunction"
    assert statement["Principal"] == {"Service": "apigateway.amazonaws.com"}
    assert statement["Condition"] == {"ArnLike": {"AWS:SourceArn": (
        f"arn:aws:execute-api:{REGION}:{identity['Account']}:{rest_api['id']}/*")}}


@pytest.mark.parametrize("name", SPEC_IDS)
def test_role_policy_is_least_privilege(live, functions, table_arns, identity, name):
    spec = fn.FUNCTIONS[name]
    iam = client("iam")
    role_name = live.physical[f"{spec.logical_id}Role"]
    role = iam.get_role(RoleName=role_name)["Role"]
    assert functions[name]["Configuration"]["Role"] == role["Arn"]
    trust = _statements(role["AssumeRolePolicyDocument"])
    assert [(s["Effect"], s["Principal"], s["Action"]) for s in trust] == [
        ("Allow", {"Service": "lambda.amazonaws.com"}, "sts:AssumeRole")]
    assert iam.list_attached_role_policies(RoleName=role_name)["AttachedPolicies"] == []
    names = iam.list_role_policies(RoleName=role_name)["PolicyNames"]
    assert names == [f"geocritters-{STAGE}-{spec.name}"]
    document = iam.get_role_policy(RoleName=role_name, PolicyName=names[0])["PolicyDocument"]

    granted: dict[str, set[str]] = {}  # resource -> actions
    for statement in _statements(document):
        assert statement["Effect"] == "Allow" and "NotAction" not in statement \
            and "NotResource" not in statement, statement
        for resource in _as_list(statement["Resource"]):
            granted.setdefault(resource, set()).update(_as_list(statement["Action"]))

    account = identity["Account"]
    expected: dict[str, set[str]] = {}
    for short, actions in fn.dynamodb_grants(name).items():
        arns = [table_arns[short]]
        if tables()[short].has_indexes and actions & {"dynamodb:Query", "dynamodb:Scan"}:
            arns.append(f"{table_arns[short]}/index/*")
        for arn in arns:
            expected.setdefault(arn, set()).update(actions)
    if spec.reads_secret:
        expected[live.physical[SECRET_LOGICAL_ID]] = {"secretsmanager:GetSecretValue"}
    if spec.stream is not None:
        stream_arn = _stream_arn(spec)
        expected[stream_arn] = {"dynamodb:DescribeStream", "dynamodb:GetRecords",
                                "dynamodb:GetShardIterator"}
        expected[f"{table_arns[spec.stream.table]}/stream/*"] = {"dynamodb:ListStreams"}
        expected[_queue_arn(live, spec)] = {"sqs:SendMessage"}
    expected[f"arn:aws:logs:{REGION}:{account}:log-group:/aws/lambda/"
             f"{spec.function_name(STAGE)}:*"] = {"logs:CreateLogStream", "logs:PutLogEvents"}
    expected["*"] = {"xray:PutTraceSegments", "xray:PutTelemetryRecords"}
    assert granted == expected
    dynamodb_actions = {a for actions in granted.values() for a in actions
                        if a.startswith("dynamodb:")}
    assert not [a for a in dynamodb_actions if "*" in a]


def test_gateway_responses(live, rest_api):
    responses = {r["responseType"]: r for r in client("apigateway").get_gateway_responses(
        restApiId=rest_api["id"], limit=500)["items"]}
    ours = gateway_responses()
    if all(responses.get(kind, {}).get("defaultResponse", True) for kind in ours):
        sample = responses.get("UNAUTHORIZED", {})
        pytest.skip(
            "LocalStack's OpenAPI import ignores x-amazon-apigateway-gateway-responses: "
            "GetGatewayResponses lists only its defaults (e.g. UNAUTHORIZED "
            f"{sample.get('statusCode')} {sample.get('responseTemplates')}); checked on the "
            "translated template (test_translated_api_has_the_gateway_responses_...)")
    for kind, want in ours.items():
        have = responses[kind]
        assert have.get("defaultResponse") is False, kind
        assert have.get("statusCode") == want.get("statusCode"), kind
        assert have.get("responseParameters") == want["responseParameters"], kind
        assert have.get("responseTemplates") == want["responseTemplates"], kind


# ----------------------------------------------------------------------------------------
# Last: deleting the stack keeps exactly the retained resources


def test_zz_delete_keeps_only_retained_resources(live, rest_api):
    cfn = client("cloudformation")
    started = time.perf_counter()
    status = delete_stack(cfn)
    live.deleted = True
    elapsed = time.perf_counter() - started
    print(f"delete-stack: {status or 'gone'} in {elapsed:.1f} s")
    assert status in (None, "DELETE_COMPLETE"), "\n  ".join(_events(cfn))

    processed = live.processed_template()
    retained = _retained(processed)
    lam, dynamodb = client("lambda"), client("dynamodb")
    prefix = f"geocritters-{STAGE}-"
    assert not [f["FunctionName"] for f in lam.list_functions()["Functions"]
                if f["FunctionName"].startswith(prefix)]
    assert rest_api["id"] not in {a["id"] for a in client("apigateway").get_rest_apis()["items"]}
    role_names = {r["RoleName"] for r in client("iam").list_roles()["Roles"]}
    assert not role_names & set(live.of_type("AWS::IAM::Role").values())
    assert not client("logs").describe_log_groups(
        logGroupNamePrefix=f"/aws/lambda/{prefix}")["logGroups"]
    # Retain: the tables holding player data, the secret, the layer version
    kept_tables = {t for t in dynamodb.list_tables()["TableNames"] if t.startswith(prefix)}
    assert kept_tables == {live.physical[lid] for lid, kind in retained.items()
                           if kind == "AWS::DynamoDB::Table"}
    assert {info.table_name(STAGE) for info in tables().values()} - kept_tables == {
        f"{prefix}encounters", f"{prefix}actions", f"{prefix}lobbies"}  # Delete: expire by TTL
    client("secretsmanager").describe_secret(SecretId=live.physical[SECRET_LOGICAL_ID])
    layer_arn = next(live.physical[lid] for lid, kind in retained.items()
                     if kind == "AWS::Lambda::LayerVersion")
    assert lam.get_layer_version_by_arn(Arn=layer_arn)["LayerVersionArn"] == layer_arn


# --- functions fed by a stream or a schedule (the leaderboards) --------------------------


def _stream_arn(spec) -> str:
    table = tables()[spec.stream.table].table_name(STAGE)
    return client("dynamodb").describe_table(TableName=table)["Table"]["LatestStreamArn"]


def _queue_arn(live, spec) -> str:
    url = live.physical[fn.dead_letter_queue_id(spec)]
    return client("sqs").get_queue_attributes(
        QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]


def test_non_http_functions_are_wired_from_their_declaration(live, functions):
    """The aggregator's event source mapping has every knob and its dead-letter queue;
    the scheduler's rule targets it, and only EventBridge may invoke it."""
    from botocore.exceptions import ClientError

    lam = client("lambda")
    for spec in SPECS:
        arn = functions[spec.name]["Configuration"]["FunctionArn"]
        # Unfiltered: LocalStack 2026.3.0 answers ListEventSourceMappings(FunctionName=<arn>)
        # with an empty list.
        listed = lam.list_event_source_mappings()["EventSourceMappings"]
        name = spec.function_name(STAGE)
        mappings = [m for m in listed if m["FunctionArn"].split(":")[6] == name]
        if spec.stream is not None:
            if not mappings:
                # Seen once in a full tier run (alone, the mapping is listed): the
                # translated template's mapping is checked by
                # test_localstack_expands_the_sam_transform.
                pytest.skip(f"LocalStack lists no event source mapping for {name}: {listed}")
            [mapping] = mappings
            knobs = spec.stream
            assert mapping["EventSourceArn"] == _stream_arn(spec)
            assert (mapping["BatchSize"], mapping["MaximumRetryAttempts"],
                    mapping["MaximumRecordAgeInSeconds"], mapping["BisectBatchOnFunctionError"],
                    mapping["FunctionResponseTypes"]) == (
                knobs.batch_size, knobs.max_retries, knobs.max_record_age_s, True,
                ["ReportBatchItemFailures"])
            assert mapping["DestinationConfig"]["OnFailure"]["Destination"] == \
                _queue_arn(live, spec)
            with pytest.raises(ClientError):  # nothing but the mapping invokes it
                lam.get_policy(FunctionName=arn)
        elif spec.schedule is not None:
            events = client("events")
            rule_name = live.physical[f"{spec.logical_id}Schedule"].split("|")[0].split("/")[-1]
            rule = events.describe_rule(Name=rule_name)
            assert rule["ScheduleExpression"] == spec.schedule.expression
            assert [t["Arn"] for t in events.list_targets_by_rule(Rule=rule_name)["Targets"]] \
                == [arn]
            [statement] = _statements(lam.get_policy(FunctionName=arn)["Policy"])
            assert statement["Principal"] == {"Service": "events.amazonaws.com"}
            assert statement["Condition"] == {"ArnLike": {"AWS:SourceArn": rule["Arn"]}}
        else:
            assert mappings == []
