"""``deploy``: infra/template.json as the stack ``geocritters-<stage>`` through LocalStack's CloudFormation.

The template is read and its stage intrinsics resolved by ``infra`` (the one place that
knows the template's conventions); this module adds only what LocalStack needs: the
stage check it skips, the properties it drops, and the comparison with what it holds.
"""
from __future__ import annotations

import contextlib
import copy
import json
import re
import time

from infra import SECRET_ENV_VAR, load_template, resolve, tables

from .aws import client, endpoint, healthy
from .common import LauncherError, info
from .paths import Paths

# Properties of infra/template.json that LocalStack's CloudFormation (2026.3.0, engine v2)
# cannot take, removed from the launcher's *copy* of the template: (resource type,
# property, reason). Empty: the unmodified template deploys (SSESpecification,
# PointInTimeRecoverySpecification, TimeToLiveSpecification, Tags and the secret's
# GenerateSecretString are all accepted). Kept as the one place to add such a property
# if a LocalStack upgrade starts rejecting one.
TEMPLATE_TRANSFORMS: list[tuple[str, str, str]] = []

# Properties LocalStack accepts but silently drops, which deploy applies through the
# service API after the stack is complete (in check_deployment): (resource type, property,
# reason).
POST_DEPLOY_FIXUPS: list[tuple[str, str, str]] = [
    ("AWS::DynamoDB::Table", "PointInTimeRecoverySpecification",
     "LocalStack's AWS::DynamoDB::Table create handler never calls UpdateContinuousBackups "
     "(the table reports PointInTimeRecoveryStatus DISABLED); deploy calls it itself"),
]


def transform_template(template: dict) -> tuple[dict, list[str]]:
    """A copy of the template with TEMPLATE_TRANSFORMS applied; returns (copy, changes)."""
    result = copy.deepcopy(template)
    changes = []
    for logical_id, resource in result.get("Resources", {}).items():
        props = resource.get("Properties", {})
        for resource_type, prop, _reason in TEMPLATE_TRANSFORMS:
            if resource.get("Type") == resource_type and prop in props:
                del props[prop]
                changes.append(f"{logical_id}.{prop}")
    return result, changes


def check_stage(template: dict, stage: str) -> None:
    """LocalStack ignores a parameter's AllowedPattern (it created geocritters-BAD);
    CloudFormation rejects such a stage, so the launcher does too."""
    pattern = template.get("Parameters", {}).get("Stage", {}).get("AllowedPattern")
    if pattern and not re.fullmatch(pattern, stage):
        raise LauncherError(f"stage {stage!r} does not match the template's AllowedPattern {pattern}")


def export_names(template: dict) -> dict[str, str]:
    """Output name -> environment variable, by infra's convention: a table's output -> its
    ``TableInfo.env_var`` (<SHORT>_TABLE), the secret's -> ``SECRET_ENV_VAR``; any other
    output keeps its name."""
    env_var_of_table = {table.logical_id: table.env_var for table in tables().values()}
    resources = template.get("Resources", {})
    names = {}
    for output, spec in template.get("Outputs", {}).items():
        value = spec.get("Value")
        ref = value.get("Ref") if isinstance(value, dict) else None
        resource = resources.get(ref or "", {})
        if resource.get("Type") == "AWS::DynamoDB::Table":
            names[output] = env_var_of_table[ref]
        elif resource.get("Type") == "AWS::SecretsManager::Secret":
            names[output] = SECRET_ENV_VAR
        else:
            names[output] = output
    return names


# The resources deploy deletes (--replace) and compares. infra.resolve refuses intrinsics
# other than the stage's; these resources use no others (infra.provision relies on it too).
_STAGE_RESOURCES = ("AWS::DynamoDB::Table", "AWS::SecretsManager::Secret")


def _stage_resources(template: dict, stage: str):
    """(logical id, type, properties resolved for the stage) of the tables and the secret."""
    for logical_id, resource in template["Resources"].items():
        if resource["Type"] in _STAGE_RESOURCES:
            yield logical_id, resource["Type"], resolve(resource.get("Properties", {}), stage)


_TERMINAL_OK = {"CREATE_COMPLETE", "UPDATE_COMPLETE"}
_IN_PROGRESS_SUFFIX = "_IN_PROGRESS"


def _print_events(cfn, stack_name: str, since: float) -> None:
    try:
        events = cfn.describe_stack_events(StackName=stack_name)["StackEvents"]
    except Exception as exc:
        info(f"(could not read stack events: {exc})")
        return
    info(f"stack events of {stack_name}:")
    for event in reversed(events):
        stamp = event["Timestamp"].timestamp() if hasattr(event["Timestamp"], "timestamp") else 0
        if stamp and stamp < since - 5:
            continue
        reason = event.get("ResourceStatusReason") or ""
        info(f"  {event.get('LogicalResourceId', '')}  {event.get('ResourceType', '')}  "
             f"{event.get('ResourceStatus', '')}  {reason}")


def _wait_stack(cfn, stack_name: str, since: float, timeout: float) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        stack = cfn.describe_stacks(StackName=stack_name)["Stacks"][0]
        status_ = stack["StackStatus"]
        if not status_.endswith(_IN_PROGRESS_SUFFIX):
            if status_ in _TERMINAL_OK:
                return stack
            _print_events(cfn, stack_name, since)
            raise LauncherError(f"stack {stack_name} ended in {status_}: "
                                f"{stack.get('StackStatusReason', '')}")
        if time.monotonic() > deadline:
            _print_events(cfn, stack_name, since)
            raise LauncherError(f"stack {stack_name} still {status_} after {timeout:.0f} s")
        time.sleep(0.5)


def _stack_status(cfn, stack_name: str) -> str | None:
    from botocore.exceptions import ClientError

    try:
        return cfn.describe_stacks(StackName=stack_name)["Stacks"][0]["StackStatus"]
    except ClientError as exc:
        if "does not exist" in str(exc):
            return None
        raise


def _delete_stack(cfn, stack_name: str, timeout: float) -> None:
    cfn.delete_stack(StackName=stack_name)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if _stack_status(cfn, stack_name) in (None, "DELETE_COMPLETE"):
            return
        time.sleep(0.5)
    raise LauncherError(f"stack {stack_name} not deleted after {timeout:.0f} s")


def _reset_table_settings(stage: str, port: int) -> None:
    """Turn TTL and PITR off on the stage's tables before they are deleted: LocalStack
    keeps both settings of a deleted table and gives them to a new table of the same name."""
    dynamodb = client("dynamodb", port)
    for name in (table.table_name(stage) for table in tables().values()):
        try:
            ttl = dynamodb.describe_time_to_live(TableName=name)["TimeToLiveDescription"]
        except dynamodb.exceptions.ResourceNotFoundException:
            continue
        if ttl.get("TimeToLiveStatus") in ("ENABLED", "ENABLING"):
            dynamodb.update_time_to_live(TableName=name, TimeToLiveSpecification={
                "Enabled": False, "AttributeName": ttl["AttributeName"]})
        dynamodb.update_continuous_backups(
            TableName=name, PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": False})


def _delete_retained(template: dict, stage: str, port: int) -> list[str]:
    """Delete the template's tables and secret for this stage (DeletionPolicy Retain keeps
    them when the stack goes)."""
    dynamodb = client("dynamodb", port)
    secrets = client("secretsmanager", port)
    deleted = []
    for _, resource_type, props in _stage_resources(template, stage):
        with contextlib.suppress(dynamodb.exceptions.ResourceNotFoundException,
                                 secrets.exceptions.ResourceNotFoundException):
            if resource_type == "AWS::DynamoDB::Table":
                dynamodb.delete_table(TableName=props["TableName"])
                dynamodb.get_waiter("table_not_exists").wait(
                    TableName=props["TableName"], WaiterConfig={"Delay": 0.5, "MaxAttempts": 60})
                deleted.append(props["TableName"])
            elif resource_type == "AWS::SecretsManager::Secret":
                secrets.delete_secret(SecretId=props["Name"], ForceDeleteWithoutRecovery=True)
                deleted.append(props["Name"])
    return deleted


def check_deployment(template: dict, stage: str, port: int, stack_name: str, *,
                     fix: bool = True) -> tuple[list[str], list[str]]:
    """Compare what LocalStack holds with the template; apply POST_DEPLOY_FIXUPS.
    Returns (fixes applied, remaining differences)."""
    dynamodb = client("dynamodb", port)
    secrets = client("secretsmanager", port)
    cfn = client("cloudformation", port)
    physical = {r["LogicalResourceId"]: r.get("PhysicalResourceId")
                for r in cfn.describe_stack_resources(StackName=stack_name)["StackResources"]}
    fixed, drift = [], []
    for logical_id, resource_type, props in _stage_resources(template, stage):
        want_tags = {t["Key"]: t["Value"] for t in props.get("Tags", [])}
        if resource_type == "AWS::DynamoDB::Table":
            name = props["TableName"]
            if physical.get(logical_id) != name:
                drift.append(f"{logical_id}: stack resource {physical.get(logical_id)!r} != {name!r}")
                continue
            table = dynamodb.describe_table(TableName=name)["Table"]
            if sorted(map(str, table["KeySchema"])) != sorted(map(str, props["KeySchema"])):
                drift.append(f"{name}: KeySchema {table['KeySchema']}")
            billing = table.get("BillingModeSummary", {}).get("BillingMode", "PROVISIONED")
            if billing != props.get("BillingMode", "PROVISIONED"):
                drift.append(f"{name}: BillingMode {billing}")
            sse = (table.get("SSEDescription") or {}).get("Status") == "ENABLED"
            if sse != bool(props.get("SSESpecification", {}).get("SSEEnabled")):
                drift.append(f"{name}: SSE {'enabled' if sse else 'disabled'}")
            ttl = dynamodb.describe_time_to_live(TableName=name)["TimeToLiveDescription"]
            want_ttl = props.get("TimeToLiveSpecification") or {}
            have_ttl = ttl.get("TimeToLiveStatus") in ("ENABLED", "ENABLING")
            if have_ttl != bool(want_ttl.get("Enabled")) or (
                    have_ttl and ttl.get("AttributeName") != want_ttl.get("AttributeName")):
                drift.append(f"{name}: TTL {ttl}")
            want_pitr = bool(props.get("PointInTimeRecoverySpecification", {})
                             .get("PointInTimeRecoveryEnabled"))
            pitr = dynamodb.describe_continuous_backups(TableName=name)[
                "ContinuousBackupsDescription"].get("PointInTimeRecoveryDescription", {})
            have_pitr = pitr.get("PointInTimeRecoveryStatus") == "ENABLED"
            if want_pitr != have_pitr:
                if fix:
                    dynamodb.update_continuous_backups(
                        TableName=name,
                        PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": want_pitr})
                    fixed.append(f"{name}: PointInTimeRecovery -> {want_pitr}")
                else:
                    drift.append(f"{name}: PointInTimeRecovery {have_pitr}")
            tags = {t["Key"]: t["Value"] for t in
                    dynamodb.list_tags_of_resource(ResourceArn=table["TableArn"]).get("Tags", [])}
            if tags != want_tags:
                drift.append(f"{name}: Tags {tags} != {want_tags}")
        elif resource_type == "AWS::SecretsManager::Secret":
            secret = secrets.describe_secret(SecretId=props["Name"])
            tags = {t["Key"]: t["Value"] for t in secret.get("Tags", [])}
            if tags != want_tags:
                drift.append(f"{props['Name']}: Tags {tags} != {want_tags}")
            if secret.get("Description", "") != props.get("Description", ""):
                drift.append(f"{props['Name']}: Description differs")
            generate = props.get("GenerateSecretString")
            if generate:
                value = secrets.get_secret_value(SecretId=props["Name"]).get("SecretString", "")
                if len(value) != generate.get("PasswordLength", 32):
                    drift.append(f"{props['Name']}: generated length {len(value)}")
    return fixed, drift


def deploy(paths: Paths, stage: str, port: int, timeout: float, *,
           replace: bool = False) -> dict[str, str]:
    from botocore.exceptions import ClientError

    ok, why = healthy(port)
    if not ok:
        raise LauncherError(f"LocalStack is not ready on {endpoint(port)} ({why}); run start first")
    template = load_template()
    check_stage(template, stage)
    body, changes = transform_template(template)
    if changes:
        info(f"template copy without (unsupported by LocalStack): {', '.join(changes)}")
    cfn = client("cloudformation", port, timeout=60)
    stack_name = f"geocritters-{stage}"
    params = {
        "StackName": stack_name,
        "TemplateBody": json.dumps(body),
        "Parameters": [{"ParameterKey": "Stage", "ParameterValue": stage}],
    }
    started = time.monotonic()
    since = time.time()
    current = _stack_status(cfn, stack_name)
    if replace:
        _reset_table_settings(stage, port)
    if current in ("ROLLBACK_COMPLETE", "ROLLBACK_FAILED", "CREATE_FAILED", "DELETE_FAILED") \
            or (replace and current not in (None, "DELETE_COMPLETE")):
        info(f"deleting stack {stack_name} ({current})")
        _delete_stack(cfn, stack_name, timeout)
        current = None
    if replace:
        deleted = _delete_retained(body, stage, port)
        if deleted:
            info(f"deleted retained resources: {', '.join(deleted)}")
    if current not in (None, "DELETE_COMPLETE"):
        try:
            cfn.update_stack(**params)
            action = "updated"
        except ClientError as exc:
            if "No updates are to be performed" not in str(exc):
                raise LauncherError(f"update-stack {stack_name}: {exc}") from exc
            action = "unchanged"
    else:
        try:
            cfn.create_stack(**params)
        except ClientError as exc:
            raise LauncherError(f"create-stack {stack_name}: {exc}") from exc
        action = "created"
    try:
        stack = _wait_stack(cfn, stack_name, since, timeout)
    except LauncherError:
        if action == "created":
            info("(if a resource 'already exists': it was retained or provisioned outside "
                 "this stack; deploy --replace deletes it first)")
        raise
    fixed, drift = check_deployment(body, stage, port, stack_name)
    for item in fixed:
        info(f"applied after the stack (LocalStack drops it): {item}")
    for item in drift:
        info(f"WARNING: LocalStack differs from the template: {item}")
    if drift:
        info("(LocalStack does not implement updates of AWS::DynamoDB::Table: the stack "
             "reports UPDATE_COMPLETE without changing the table. deploy --replace recreates "
             "the stage's stack, tables and secret.)")
    info(f"stack {stack_name} {action} ({stack['StackStatus']}) in {time.monotonic() - started:.1f} s")
    outputs = {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}
    names = export_names(template)
    missing = sorted(set(names) - set(outputs))
    if missing:
        raise LauncherError(f"stack {stack_name} lacks outputs {missing}")
    return {names[key]: outputs[key] for key in names}
